//! Just enough EDN to read a real Maelstrom's `results.edn` as the JSON our runner writes:
//! keywords become strings without the colon (`:valid?` → `"valid?"`), map keys become
//! strings (`0.5` → `"0.5"`), vectors, lists and sets become arrays, ratios become numbers,
//! and tagged values (`#inst "…"`, `#jepsen.history.Op{…}`) become the value they tag.

use anyhow::{Result, bail};
use serde_json::{Map, Number, Value};

pub fn parse(text: &str) -> Result<Value> {
    let mut reader = Reader {
        chars: text.chars().collect(),
        at: 0,
    };
    let value = reader.value()?;
    reader.skip_space();
    if reader.at < reader.chars.len() {
        bail!("unexpected text after the value at character {}", reader.at);
    }
    Ok(value)
}

struct Reader {
    chars: Vec<char>,
    at: usize,
}

/// Characters that end a symbol, keyword or number.
fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || ",()[]{}\";".contains(c)
}

impl Reader {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() || c == ',' {
                self.at += 1;
            } else if c == ';' {
                while self.peek().is_some_and(|c| c != '\n') {
                    self.at += 1;
                }
            } else {
                break;
            }
        }
    }

    fn value(&mut self) -> Result<Value> {
        self.skip_space();
        let Some(c) = self.peek() else {
            bail!("the text ends where a value should be");
        };
        match c {
            '{' => {
                self.at += 1;
                self.map()
            }
            '[' => {
                self.at += 1;
                self.seq(']')
            }
            '(' => {
                self.at += 1;
                self.seq(')')
            }
            '"' => {
                self.at += 1;
                self.string().map(Value::String)
            }
            '#' => self.dispatch(),
            '\\' => {
                self.at += 1;
                Ok(Value::String(self.token()))
            }
            ':' => {
                self.at += 1;
                Ok(Value::String(self.token()))
            }
            _ => Ok(atom(&self.token())),
        }
    }

    fn dispatch(&mut self) -> Result<Value> {
        self.at += 1;
        match self.peek() {
            Some('{') => {
                self.at += 1;
                self.seq('}')
            }
            Some('_') => {
                self.at += 1;
                self.value()?;
                self.value()
            }
            // A tag (`#inst`, `#jepsen.history.Op`) names how to read the next value;
            // the value itself is what we keep.
            _ => {
                self.token();
                self.value()
            }
        }
    }

    fn token(&mut self) -> String {
        let start = self.at;
        while self.peek().is_some_and(|c| !is_delimiter(c)) {
            self.at += 1;
        }
        // A token of one delimiter (the `\(` character literal) still moves on.
        if self.at == start && self.peek().is_some() {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }

    fn string(&mut self) -> Result<String> {
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                bail!("a string is not closed");
            };
            self.at += 1;
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let Some(escaped) = self.peek() else {
                        bail!("a string ends in a backslash");
                    };
                    self.at += 1;
                    out.push(match escaped {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        other => other,
                    });
                }
                _ => out.push(c),
            }
        }
    }

    fn seq(&mut self, close: char) -> Result<Value> {
        let mut items = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                None => bail!("a collection is not closed with `{close}`"),
                Some(c) if c == close => {
                    self.at += 1;
                    return Ok(Value::Array(items));
                }
                Some(_) => items.push(self.value()?),
            }
        }
    }

    fn map(&mut self) -> Result<Value> {
        let mut map = Map::new();
        loop {
            self.skip_space();
            match self.peek() {
                None => bail!("a map is not closed with `}}`"),
                Some('}') => {
                    self.at += 1;
                    return Ok(Value::Object(map));
                }
                Some(_) => {
                    let key = match self.value()? {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    self.skip_space();
                    if self.peek() == Some('}') {
                        bail!("the map key `{key}` has no value");
                    }
                    map.insert(key, self.value()?);
                }
            }
        }
    }
}

/// A number, `true`, `false`, `nil`, or a symbol (kept as a string).
fn atom(token: &str) -> Value {
    match token {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        "nil" => return Value::Null,
        _ => {}
    }
    let digits = token.trim_end_matches(['N', 'M']);
    if let Ok(n) = digits.parse::<i64>() {
        return Value::Number(n.into());
    }
    if let Some((a, b)) = digits.split_once('/')
        && let (Ok(a), Ok(b)) = (a.parse::<f64>(), b.parse::<f64>())
        && let Some(n) = Number::from_f64(a / b)
    {
        return Value::Number(n);
    }
    if digits.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+')
        && let Ok(f) = digits.parse::<f64>()
        && let Some(n) = Number::from_f64(f)
    {
        return Value::Number(n);
    }
    Value::String(token.to_string())
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
            :op #jepsen.history.Op{:index 3, :type :ok, :value nil}},
 :when #inst "2024-03-15T14:15:02.123-00:00",
 ; a comment
 :valid? true}"#;
        let v = parse(text).unwrap();
        assert_eq!(v["valid?"], json!(true));
        assert_eq!(v["net"]["servers"]["msgs-per-op"], json!(13.4));
        assert_eq!(v["workload"]["stable-latencies"]["0.5"], json!(312));
        assert_eq!(v["workload"]["stable-latencies"]["1"], json!(541));
        assert_eq!(v["workload"]["lost"], json!([]));
        assert_eq!(v["workload"]["ratio"], json!(0.25));
        assert_eq!(v["workload"]["op"]["type"], json!("ok"));
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
