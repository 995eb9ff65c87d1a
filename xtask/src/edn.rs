//! A real Maelstrom's `results.edn` as the JSON our runner writes: keywords become strings
//! without the colon (`:valid?` → `"valid?"`), map keys become strings (`0.5` → `"0.5"`),
//! vectors, lists and sets become arrays, ratios become numbers, and tagged values
//! (`#inst "…"`, `#jepsen.history.Op{…}`) become the value they tag. The reading itself is
//! clojure-reader's, which follows Clojure's own reader.

use anyhow::{Result, anyhow, bail};
use clojure_reader::edn::{self, Edn};
use serde_json::{Map, Number, Value};

pub fn parse(text: &str) -> Result<Value> {
    let (value, rest) = edn::read(text).map_err(|e| anyhow!("not EDN: {e:?}"))?;
    // A results file holds one map; a second value means the file is not what we think.
    if edn::read(rest).is_ok() {
        bail!("more text after the results map");
    }
    Ok(to_json(&value))
}

fn to_json(value: &Edn) -> Value {
    let number = |n: f64| Number::from_f64(n).map_or(Value::Null, Value::Number);
    match value {
        Edn::Nil => Value::Null,
        Edn::Bool(b) => Value::Bool(*b),
        Edn::Int(n) => Value::Number((*n).into()),
        Edn::Double(n) => number(n.into_inner()),
        Edn::Rational((a, b)) => number(*a as f64 / *b as f64),
        Edn::Key(name) | Edn::Symbol(name) => Value::String(name.to_string()),
        Edn::Str(text) => Value::String(unescape(text)),
        Edn::Char(c) => Value::String(c.to_string()),
        Edn::Vector(items) | Edn::List(items) => Value::Array(items.iter().map(to_json).collect()),
        Edn::Set(items) => Value::Array(items.iter().map(to_json).collect()),
        Edn::Map(entries) => {
            let mut map = Map::new();
            for (key, value) in entries {
                let key = match to_json(key) {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                map.insert(key, to_json(value));
            }
            Value::Object(map)
        }
        Edn::Tagged(_, inner) => to_json(inner),
        // Kinds this reader may add later: kept as their EDN text.
        other => Value::String(other.to_string()),
    }
}

/// The reader keeps a string's escapes as written (`\"`, `\n`).
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_a_results_map() {
        let text = r#"{:perf {:valid? true},
 :net {:all {:send-count 542, :msgs-per-op 2.4524887},
       :servers {:msgs-per-op 13.4}},
 :workload {:valid? true,
            :stable-latencies {0 0, 0.5 312, 0.95 476, 0.99 503, 1 541},
            :lost #{}, :worst-stale [],
            :ratio 1/4,
            :op #jepsen.history.Op{:index 3, :type :ok, :value nil},
            :error "said \"no\"\n"},
 :when #inst "2024-03-15T14:15:02.123-00:00",
 ; a comment
 :valid? :unknown}"#;
        let v = parse(text).unwrap();
        assert_eq!(v["valid?"], json!("unknown"));
        assert_eq!(v["perf"]["valid?"], json!(true));
        assert_eq!(v["net"]["servers"]["msgs-per-op"], json!(13.4));
        assert_eq!(v["workload"]["stable-latencies"]["0.5"], json!(312));
        assert_eq!(v["workload"]["stable-latencies"]["1"], json!(541));
        assert_eq!(v["workload"]["lost"], json!([]));
        assert_eq!(v["workload"]["ratio"], json!(0.25));
        assert_eq!(v["workload"]["op"]["type"], json!("ok"));
        assert_eq!(v["workload"]["error"], json!("said \"no\"\n"));
        assert_eq!(v["when"], json!("2024-03-15T14:15:02.123-00:00"));
    }

    #[test]
    fn rejects_truncated_text() {
        assert!(parse("{:a 1").is_err());
        assert!(parse("{:a}").is_err());
        assert!(parse("\"open").is_err());
        assert!(parse("[1 2] 3").is_err());
    }
}
