//! Jepsen's `stats` checker: counts of completions, overall and per `f`. A run where
//! some `f` never once succeeded is invalid: the system did nothing useful for it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Validity, Verdict};
use crate::history::{Op, OpType};

#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Counts {
    pub count: u64,
    #[serde(rename = "ok-count")]
    pub ok: u64,
    #[serde(rename = "fail-count")]
    pub fail: u64,
    #[serde(rename = "info-count")]
    pub info: u64,
}

impl Counts {
    fn add(&mut self, kind: OpType) {
        self.count += 1;
        match kind {
            OpType::Ok => self.ok += 1,
            OpType::Fail => self.fail += 1,
            OpType::Info => self.info += 1,
            OpType::Invoke => {}
        }
    }
}

/// Counts every client completion.
pub fn counts(history: &[Op]) -> (Counts, BTreeMap<&str, Counts>) {
    let mut all = Counts::default();
    let mut by_f: BTreeMap<&str, Counts> = BTreeMap::new();
    for op in history
        .iter()
        .filter(|op| op.is_client() && op.kind != OpType::Invoke)
    {
        all.add(op.kind);
        by_f.entry(op.f.as_str()).or_default().add(op.kind);
    }
    (all, by_f)
}

/// `exempt`: `f`s that need no ok (the workload's `stats_exempt`).
pub fn check(history: &[Op], exempt: &[&str]) -> Verdict {
    let (all, by_f) = counts(history);
    let never_ok: Vec<&str> = by_f
        .iter()
        .filter(|(f, c)| c.ok == 0 && !exempt.contains(f))
        .map(|(f, _)| *f)
        .collect();
    let by_f_results: BTreeMap<&str, serde_json::Value> = by_f
        .iter()
        .map(|(f, c)| {
            let mut v = serde_json::to_value(c).unwrap_or_default();
            v["valid?"] = (c.ok > 0 || exempt.contains(f)).into();
            (*f, v)
        })
        .collect();
    let mut verdict = Verdict::new(Validity::from_bool(never_ok.is_empty()))
        .with("count", all.count)
        .with("ok-count", all.ok)
        .with("fail-count", all.fail)
        .with("info-count", all.info)
        .with("by-f", by_f_results);
    for f in never_ok {
        let c = by_f[f];
        verdict = verdict.explain(format!(
            "No {f} operation succeeded ({} tried: {} failed, {} indeterminate).",
            c.count, c.fail, c.info
        ));
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn op(f: &str, kind: OpType) -> Op {
        Op::client(0, kind, 0, f, Value::Null)
    }

    #[test]
    fn an_f_without_any_ok_is_invalid_unless_exempt() {
        let h = vec![
            op("read", OpType::Invoke),
            op("read", OpType::Ok),
            op("crash", OpType::Info),
            op("send", OpType::Info),
            op("send", OpType::Fail),
        ];
        let v = check(&h, &["crash"]);
        assert_eq!(v.valid, Validity::Invalid);
        assert_eq!(v.results["count"], 4);
        assert_eq!(v.results["by-f"]["send"]["info-count"], 1);
        assert_eq!(v.results["by-f"]["crash"]["valid?"], true);
        assert!(v.explanation[0].starts_with("No send operation succeeded"));
        let fine = check(&h[..3], &["crash"]);
        assert_eq!(fine.valid, Validity::Valid);
        assert_eq!(check(&[], &[]).valid, Validity::Valid);
    }
}
