//! Unexpected failures of client operations (Jepsen's `unhandled-exceptions`): here,
//! replies that did not fit their RPC's response schema. Always valid; it explains.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Validity, Verdict};
use crate::history::Op;

pub fn check(history: &[Op]) -> Verdict {
    let mut by_class: BTreeMap<String, (u64, &Op)> = BTreeMap::new();
    for op in history.iter().filter(|op| op.is_client()) {
        let Some(class) = op
            .error
            .as_ref()
            .and_then(|e| e.get(0))
            .and_then(Value::as_str)
            .filter(|class| *class == "malformed-response")
        else {
            continue;
        };
        by_class.entry(class.to_string()).or_insert((0, op)).0 += 1;
    }
    let listed: Vec<Value> = by_class
        .iter()
        .map(|(class, (count, op))| json!({"class": class, "count": count, "example": op}))
        .collect();
    let mut verdict = Verdict::new(Validity::Valid).with("exceptions", listed);
    if let Some((count, op)) = by_class.get("malformed-response") {
        let why = op
            .error
            .as_ref()
            .and_then(|e| e.get(1))
            .unwrap_or(&Value::Null);
        verdict = verdict.explain(format!(
            "{count} replies did not fit their RPC's response schema, e.g. to {}: {}",
            op.f,
            why.as_str().unwrap_or_default()
        ));
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::OpType;

    #[test]
    fn counts_malformed_replies() {
        let op = |error: Option<Value>| Op {
            error,
            ..Op::client(0, OpType::Info, 0, "echo", Value::Null)
        };
        let h = vec![
            op(Some(json!([
                "malformed-response",
                "missing field \"echo\""
            ]))),
            op(Some(json!("net-timeout"))),
            op(Some(json!(["malformed-response", "x"]))),
        ];
        let v = check(&h);
        assert_eq!(v.valid, Validity::Valid);
        assert_eq!(v.results["exceptions"][0]["count"], 2);
        assert!(v.explanation[0].contains("missing field"));
        assert!(check(&h[1..2]).explanation.is_empty());
    }
}
