//! Operations whose client threw instead of completing (Jepsen's `unhandled-exceptions`,
//! `jepsen/src/jepsen/checker.clj`): `info` operations with an exception, counted by
//! what was thrown, most frequent first, each with an example. Always valid; it
//! explains.
//!
//! Which operations these are follows Maelstrom's clients: a reply that does not fit its
//! RPC's schema, in every workload; in g-counter, whose client has no `with-errors`,
//! every failure (see [`crate::history::exception_error`]). Jepsen groups them by JVM
//! class, which for all of Maelstrom's client exceptions is the same one, so Maelstrom
//! shows one entry; here they are grouped by the kind of exception Maelstrom's client
//! throws, and the counts add up to Maelstrom's one count.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Validity, Verdict};
use crate::history::Op;

pub fn check(history: &[Op]) -> Verdict {
    let mut by_kind: BTreeMap<&str, (u64, &Op)> = BTreeMap::new();
    for op in history {
        if let Some(kind) = op.exception_kind() {
            by_kind.entry(kind).or_insert((0, op)).0 += 1;
        }
    }
    let mut listed: Vec<(&str, u64, &Op)> = by_kind
        .into_iter()
        .map(|(kind, (count, op))| (kind, count, op))
        .collect();
    listed.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut verdict = Verdict::new(Validity::Valid);
    if listed.is_empty() {
        return verdict;
    }
    let exceptions: Vec<Value> = listed
        .iter()
        .map(|(kind, count, op)| json!({"count": count, "class": kind, "example": op}))
        .collect();
    verdict = verdict.with("exceptions", exceptions);
    for (kind, count, op) in listed {
        let what = match kind {
            "timeout" => "requests got no reply in time",
            "rpc-error" => "requests were answered with an error",
            "malformed-rpc-response" => "replies did not fit their RPC's response schema",
            _ => "operations ended in an exception",
        };
        let detail = op
            .error
            .as_ref()
            .and_then(Value::as_str)
            .and_then(|e| e.split_once(&format!("{kind}: ")))
            .map_or("", |(_, detail)| detail);
        verdict = verdict.explain(format!(
            "{count} {what} and ended in an exception ({kind}), e.g. op {} ({}): {detail}",
            op.index, op.f
        ));
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{OpType, exception_error};

    #[test]
    fn counts_exceptions_by_kind_most_frequent_first() {
        let op = |error: Value| Op {
            error: Some(error),
            ..Op::client(0, OpType::Info, 0, "add", Value::Null)
        };
        let h = vec![
            op(exception_error(
                "malformed-rpc-response",
                "missing field \"value\"",
            )),
            op(json!("net-timeout")),
            op(json!(["temporarily-unavailable", "busy"])),
            op(exception_error("rpc-error", "error 11")),
            op(exception_error("rpc-error", "error 12")),
        ];
        let v = check(&h);
        assert_eq!(v.valid, Validity::Valid);
        assert_eq!(v.results["exceptions"][0]["class"], "rpc-error");
        assert_eq!(v.results["exceptions"][0]["count"], 2);
        assert_eq!(
            v.results["exceptions"][1]["class"],
            "malformed-rpc-response"
        );
        assert_eq!(v.results["exceptions"].as_array().unwrap().len(), 2);
        assert!(
            v.explanation[1].contains("missing field"),
            "{:?}",
            v.explanation
        );
        // Errors `with-errors` caught are no exceptions; with none, no key at all.
        let v = check(&h[1..3]);
        assert!(v.explanation.is_empty());
        assert!(v.results.get("exceptions").is_none());
    }
}
