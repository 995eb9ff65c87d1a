//! The counter checker of `src/maelstrom/workload/pn_counter.clj`, used for `g-counter`
//! (and `pn-counter`).
//!
//! Only the final reads are judged; reads during the main phase may be anything. Each
//! final read must equal the sum of the acknowledged adds plus the deltas of some subset
//! of the adds whose outcome is unknown (`info`): those may or may not have happened.

use serde_json::{Value, json};

use super::{RunInfo, Validity, Verdict};
use crate::history::{Op, OpType};

/// A set of integers as sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ranges(Vec<(i64, i64)>);

impl Ranges {
    fn single(value: i64) -> Ranges {
        Ranges(vec![(value, value)])
    }

    fn contains(&self, value: i64) -> bool {
        self.0.iter().any(|&(lo, hi)| lo <= value && value <= hi)
    }

    /// Everything already possible, plus everything possible if `delta` also happened.
    fn with_optional(&self, delta: i64) -> Ranges {
        let shifted = self
            .0
            .iter()
            .map(|&(lo, hi)| (lo.saturating_add(delta), hi.saturating_add(delta)));
        let mut all: Vec<(i64, i64)> = self.0.iter().copied().chain(shifted).collect();
        all.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(all.len());
        for (lo, hi) in all {
            match merged.last_mut() {
                // Overlapping or adjacent integers merge; gaps stay.
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        Ranges(merged)
    }

    /// The smallest and largest value in the set.
    fn bounds(&self) -> (i64, i64) {
        let lowest = self.0.first().map_or(0, |r| r.0);
        let highest = self.0.last().map_or(0, |r| r.1);
        (lowest, highest)
    }

    fn describe(&self) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|&(lo, hi)| {
                if lo == hi {
                    lo.to_string()
                } else {
                    format!("{lo}..={hi}")
                }
            })
            .collect();
        parts.join(", ")
    }
}

/// The first few deltas, and how many more there were.
fn shown_deltas(deltas: &[i64]) -> String {
    const SHOWN: usize = 12;
    let mut text: Vec<String> = deltas.iter().take(SHOWN).map(i64::to_string).collect();
    if deltas.len() > SHOWN {
        text.push(format!("and {} more", deltas.len() - SHOWN));
    }
    text.join(", ")
}

/// Checks every `ok` final read against the sums the adds allow.
pub fn check(history: &[Op], run: &RunInfo) -> Verdict {
    let adds = history.iter().filter(|op| op.f == "add");
    let delta = |op: &Op| op.value.as_i64().unwrap_or(0);
    let definite: i64 = adds
        .clone()
        .filter(|op| op.kind == OpType::Ok)
        .map(delta)
        .sum();
    let unsure: Vec<i64> = adds
        .filter(|op| op.kind == OpType::Info)
        .map(delta)
        .collect();
    let acceptable = unsure.iter().fold(Ranges::single(definite), |ranges, &d| {
        ranges.with_optional(d)
    });

    let reads: Vec<&Op> = history
        .iter()
        .filter(|op| op.is_final && op.kind == OpType::Ok)
        .collect();
    let errors: Vec<&Op> = reads
        .iter()
        .copied()
        .filter(|op| op.value.as_i64().is_none_or(|v| !acceptable.contains(v)))
        .collect();

    let valid = Validity::from_bool(errors.is_empty());
    let mut verdict = Verdict::new(valid)
        .with(
            "errors",
            if errors.is_empty() {
                Value::Null
            } else {
                json!(errors)
            },
        )
        .with(
            "final-reads",
            reads.iter().map(|op| &op.value).collect::<Vec<_>>(),
        )
        .with(
            "acceptable",
            acceptable
                .0
                .iter()
                .map(|&(lo, hi)| [lo, hi])
                .collect::<Vec<_>>(),
        );

    let possible = if unsure.is_empty() {
        format!("the acknowledged adds sum to {definite}, so every final read must be {definite}")
    } else {
        format!(
            "the acknowledged adds sum to {definite}, and {} adds may or may not have happened \
             (they timed out or failed: deltas {}), so a final read may be any of {}",
            unsure.len(),
            shown_deltas(&unsure),
            acceptable.describe()
        )
    };
    verdict = verdict.explain(format!("{} final reads; {possible}", reads.len()));
    for op in &errors {
        let node = run.performer(op);
        let expected = if unsure.is_empty() {
            definite.to_string()
        } else {
            format!("any of {}", acceptable.describe())
        };
        // How far off it is, which hints at the bug: missing other nodes' adds, or
        // counting some twice.
        let (lowest, highest) = acceptable.bounds();
        let off = match op.value.as_i64() {
            Some(v) if v < lowest => format!(" ({} too few)", lowest - v),
            Some(v) if v > highest => format!(" ({} too many)", v - highest),
            _ => String::new(),
        };
        verdict = verdict.explain(format!(
            "the final read on {node} (at {:.2} s) returned {}, which is not {expected}{off}",
            op.time as f64 / 1e9,
            op.value,
        ));
    }
    let (lowest, _) = acceptable.bounds();
    let too_few = errors
        .iter()
        .any(|op| op.value.as_i64().is_some_and(|v| v < lowest));
    if too_few {
        verdict = verdict.explain(
            "(a node that adds to a total it read from seq-kv loses adds: see the book: \
             Troubleshooting › A stale read that is still legal)",
        );
    }
    if reads.is_empty() {
        verdict = verdict.explain(
            "note: no final read succeeded, so the counter's value was never checked (as in \
             Maelstrom, that alone does not fail the run)",
        );
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::test_run;
    use crate::history::Process;

    fn op(index: usize, kind: OpType, process: u64, f: &str, value: Value, is_final: bool) -> Op {
        Op {
            index,
            time: index as u64 * 1_000_000_000,
            kind,
            process: Process::Client(process),
            f: f.into(),
            value,
            error: None,
            is_final,
        }
    }

    /// A history of adds with the given outcomes, then one final read per value.
    fn history(adds: &[(i64, OpType)], reads: &[Value]) -> Vec<Op> {
        let mut h = Vec::new();
        for &(delta, kind) in adds {
            h.push(op(h.len(), OpType::Invoke, 0, "add", json!(delta), false));
            h.push(op(h.len(), kind, 0, "add", json!(delta), false));
        }
        for (p, value) in reads.iter().enumerate() {
            h.push(op(
                h.len(),
                OpType::Invoke,
                p as u64,
                "read",
                Value::Null,
                true,
            ));
            h.push(op(
                h.len(),
                OpType::Ok,
                p as u64,
                "read",
                value.clone(),
                true,
            ));
        }
        h
    }

    fn check(h: &[Op]) -> Verdict {
        super::check(h, &test_run(&["--node-count", "3"]))
    }

    #[test]
    fn exact_sums_pass() {
        let h = history(
            &[(3, OpType::Ok), (4, OpType::Ok), (0, OpType::Ok)],
            &[json!(7), json!(7)],
        );
        let v = check(&h);
        assert_eq!(v.valid, Validity::Valid);
        assert_eq!(v.results["acceptable"], json!([[7, 7]]));
        assert_eq!(v.results["final-reads"], json!([7, 7]));
        assert_eq!(v.results["errors"], Value::Null);
    }

    #[test]
    fn off_by_one_fails_and_names_the_node() {
        let h = history(&[(3, OpType::Ok), (4, OpType::Ok)], &[json!(7), json!(6)]);
        let v = check(&h);
        assert_eq!(v.valid, Validity::Invalid);
        assert_eq!(v.results["errors"][0]["value"], 6);
        let why = v.explanation.join("\n");
        assert!(why.contains("the final read on n1"), "{why}");
        assert!(
            why.contains("returned 6, which is not 7 (1 too few)"),
            "{why}"
        );
    }

    #[test]
    fn info_adds_widen_the_acceptable_values() {
        let h = history(
            &[
                (1, OpType::Ok),
                (2, OpType::Info),
                (4, OpType::Info),
                (0, OpType::Info),
            ],
            &[json!(1), json!(3), json!(7)],
        );
        let v = check(&h);
        // 1 plus any subset of {2, 4}: 1, 3, 5, 7 — gaps stay gaps.
        assert_eq!(
            v.results["acceptable"],
            json!([[1, 1], [3, 3], [5, 5], [7, 7]])
        );
        assert_eq!(v.valid, Validity::Valid);
        let v = check(&history(
            &[(1, OpType::Ok), (2, OpType::Info), (4, OpType::Info)],
            &[json!(4)],
        ));
        assert_eq!(v.valid, Validity::Invalid);
        assert!(v.explanation.join("\n").contains("any of 1, 3, 5, 7"));
    }

    #[test]
    fn long_lists_of_unsure_deltas_are_cut_short() {
        let adds: Vec<(i64, OpType)> = (0..20).map(|_| (-1, OpType::Info)).collect();
        let v = check(&history(&adds, &[json!(-3)]));
        assert_eq!(v.valid, Validity::Valid);
        let why = v.explanation.join("\n");
        assert!(why.contains("20 adds may or may not"), "{why}");
        assert!(
            why.contains("-1, -1, and 8 more), so a final read may be any of -20..=0"),
            "{why}"
        );
    }

    #[test]
    fn adjacent_values_merge_into_ranges() {
        let h = history(
            &[(1, OpType::Info), (1, OpType::Info), (2, OpType::Info)],
            &[json!(4)],
        );
        assert_eq!(check(&h).results["acceptable"], json!([[0, 4]]));
    }

    #[test]
    fn main_phase_reads_and_non_integers() {
        let mut h = history(&[(2, OpType::Ok)], &[json!(2)]);
        // A wrong read during the main phase is never judged.
        h.insert(0, op(0, OpType::Invoke, 2, "read", Value::Null, false));
        h.insert(1, op(1, OpType::Ok, 2, "read", json!(100), false));
        assert_eq!(check(&h).valid, Validity::Valid);
        let h = history(&[(2, OpType::Ok)], &[json!("2")]);
        assert_eq!(check(&h).valid, Validity::Invalid);
    }

    #[test]
    fn no_final_reads_is_valid_but_said() {
        let v = check(&history(&[(2, OpType::Ok)], &[]));
        assert_eq!(v.valid, Validity::Valid);
        assert!(v.explanation.join("\n").contains("never checked"));
    }
}
