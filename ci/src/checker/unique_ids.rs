//! The unique-ids checker (Jepsen's `checker/unique-ids`): no id acknowledged by an ok
//! `generate` may appear twice. Ids are compared as JSON values, so `1`, `1.0` and `"1"`
//! are three different ids.

use std::collections::HashMap;

use std::cmp::Ordering;

use serde_json::{Value, json};

use super::{Validity, Verdict};
use crate::history::{Op, OpType};
use crate::json::{Exact, cmp_integers, is_integer};

/// How many duplicated ids the results list, as Jepsen does.
const LISTED: usize = 48;

pub fn check(history: &[Op]) -> Verdict {
    let generates = history
        .iter()
        .filter(|op| op.is_client() && op.f == "generate");
    let attempted = generates
        .clone()
        .filter(|op| op.kind == OpType::Invoke)
        .count();
    let ids: Vec<&Value> = generates
        .filter(|op| op.kind == OpType::Ok)
        .map(|op| &op.value)
        .collect();
    // serde_json's maps are sorted, so equal values have equal text.
    let mut counts: HashMap<String, (usize, &Value)> = HashMap::new();
    for id in &ids {
        counts.entry(id.to_string()).or_insert((0, id)).0 += 1;
    }
    let mut duplicated: Vec<(usize, &Value)> =
        counts.into_values().filter(|(n, _)| *n > 1).collect();
    duplicated.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| a.1.to_string().cmp(&b.1.to_string()))
    });
    let listed: Vec<Value> = duplicated
        .iter()
        .take(LISTED)
        .map(|(n, id)| json!([id, n]))
        .collect();

    let mut verdict = Verdict::new(Validity::from_bool(duplicated.is_empty()))
        .with("attempted-count", attempted)
        .with("acknowledged-count", ids.len())
        .with("duplicated-count", duplicated.len())
        .with("duplicated", listed);
    if let Some(range) = range(&ids) {
        verdict = verdict.with("range", range);
    }
    match duplicated.first() {
        None => verdict.explain(format!(
            "All {} acknowledged ids were distinct ({attempted} generate requests).",
            ids.len()
        )),
        Some((n, id)) => verdict.explain(format!(
            "{} ids were handed out more than once; id {} came back {n} times.",
            duplicated.len(),
            Exact(id)
        )),
    }
}

/// `[min, max]` when every id is a number (integers of any size compared exactly), or
/// every id a string. (Jepsen's `range` fold compares ids with Clojure's `compare`,
/// which throws on ids of mixed kinds, and the check then ends `unknown`; here the
/// range is left out instead. Where `compare` does not throw, for all booleans, all
/// arrays, or numbers mixed with `null`, Jepsen reports a range this leaves out: see the
/// runner chapter.)
fn range(ids: &[&Value]) -> Option<[Value; 2]> {
    if ids.is_empty() {
        return None;
    }
    if ids.iter().all(|v| is_integer(v)) {
        let order = |a: &&&Value, b: &&&Value| cmp_integers(a, b).unwrap_or(Ordering::Equal);
        let min = ids.iter().min_by(order)?;
        let max = ids.iter().max_by(order)?;
        return Some([(**min).clone(), (**max).clone()]);
    }
    if ids.iter().all(|v| v.is_number()) {
        let key = |v: &&&Value| v.as_f64().unwrap_or(f64::NAN);
        let min = ids.iter().min_by(|a, b| key(a).total_cmp(&key(b)))?;
        let max = ids.iter().max_by(|a, b| key(a).total_cmp(&key(b)))?;
        return Some([(**min).clone(), (**max).clone()]);
    }
    if ids.iter().all(|v| v.is_string()) {
        let min = ids.iter().min_by_key(|v| v.as_str())?;
        let max = ids.iter().max_by_key(|v| v.as_str())?;
        return Some([(**min).clone(), (**max).clone()]);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(ids: &[Value]) -> Vec<Op> {
        let mut h = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            for (kind, value) in [(OpType::Invoke, Value::Null), (OpType::Ok, id.clone())] {
                h.push(Op::client(h.len(), kind, i as u64 % 3, "generate", value));
            }
        }
        h
    }

    #[test]
    fn accepts_distinct_ids_of_any_shape() {
        let v = check(&history(&[json!(1), json!("1"), json!(1.0), json!([1, 2])]));
        assert_eq!(v.valid, Validity::Valid, "{:?}", v.results);
        assert_eq!(v.results["acknowledged-count"], 4);
        assert!(v.results.get("range").is_none());
    }

    #[test]
    fn rejects_a_repeated_id_and_lists_it() {
        let v = check(&history(&[
            json!("n0-1"),
            json!("n1-1"),
            json!("n0-1"),
            json!("n0-1"),
        ]));
        assert_eq!(v.valid, Validity::Invalid);
        assert_eq!(v.results["duplicated-count"], 1);
        assert_eq!(v.results["duplicated"][0], json!(["n0-1", 3]));
        assert_eq!(v.results["range"], json!(["n0-1", "n1-1"]));
        assert!(v.explanation[0].contains("\"n0-1\" came back 3 times"));
    }

    #[test]
    fn numeric_ids_get_a_numeric_range() {
        let v = check(&history(&[json!(10), json!(2), json!(300)]));
        assert_eq!(v.results["range"], json!([2, 300]));
    }
}
