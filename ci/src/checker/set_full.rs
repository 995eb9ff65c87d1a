//! Jepsen's `set-full` checker (`jepsen:jepsen/src/jepsen/checker.clj`), which Maelstrom
//! uses for `broadcast` (with `broadcast` as the add) and `g-set`.
//!
//! Every added element is followed through the history. Reads are judged by when they
//! began (their invocation): an element is *stable* once every read that began after
//! some point contained it, and *lost* if, after it was known to exist, a read began
//! after the last read that saw it and did not contain it. Elements no read could
//! judge are *never read*. The run is invalid if anything was lost, and unknown if
//! nothing was stable.
//!
//! One deliberate difference: Jepsen's check for an element appearing twice in one read
//! has its condition inverted, so Maelstrom always reports `duplicated-count` 0. We
//! report the real duplicates, and like Maelstrom do not fail the run for them.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::intern::Interner;
use super::{RunInfo, Validity, Verdict, quantiles};
use crate::history::{Op, OpType, Process};

/// What the history says about one added element.
#[derive(Debug)]
struct Element<'a> {
    value: Value,
    /// The earlier of: the add's `ok`, the completion of the first read containing it.
    known: Option<&'a Op>,
    /// The invocation of the latest-invoked `ok` read that contained it.
    last_present: Option<&'a Op>,
    /// The invocation of the latest-invoked `ok` read that did not contain it.
    last_absent: Option<&'a Op>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Stable,
    Lost,
    NeverRead,
}

/// An element's outcome and latencies in milliseconds.
#[derive(Debug)]
struct Judged<'e, 'a> {
    element: &'e Element<'a>,
    outcome: Outcome,
    stable_latency: Option<u64>,
    lost_latency: Option<u64>,
}

impl<'a> Element<'a> {
    fn new(value: Value) -> Element<'a> {
        Element {
            value,
            known: None,
            last_present: None,
            last_absent: None,
        }
    }

    /// Records a read: `invocation` began it, `completion` returned what it saw.
    fn read(&mut self, present: bool, invocation: &'a Op, completion: &'a Op) {
        let latest = if present {
            self.known.get_or_insert(completion);
            &mut self.last_present
        } else {
            &mut self.last_absent
        };
        if latest.is_none_or(|op| op.index < invocation.index) {
            *latest = Some(invocation);
        }
    }

    fn judge(&self) -> Judged<'_, 'a> {
        let index = |op: Option<&Op>| op.map_or(-1, |op| op.index as i64);
        let stable =
            self.last_present.is_some() && index(self.last_absent) < index(self.last_present);
        let lost = self.known.is_some()
            && self.last_absent.is_some()
            && index(self.last_present) < index(self.last_absent)
            && index(self.known) < index(self.last_absent);
        // Time from `known` until `after` (plus 1 ns), in whole milliseconds, or from
        // time zero when there is no such read.
        let latency = |after: Option<&Op>| {
            let end = after.map_or(0, |op| op.time as i64 + 1);
            let known = self.known.map_or(0, |op| op.time as i64);
            ((end - known).max(0) / 1_000_000) as u64
        };
        let (outcome, stable_latency, lost_latency) = if stable {
            (Outcome::Stable, Some(latency(self.last_absent)), None)
        } else if lost {
            (Outcome::Lost, None, Some(latency(self.last_present)))
        } else {
            (Outcome::NeverRead, None, None)
        };
        Judged {
            element: self,
            outcome,
            stable_latency,
            lost_latency,
        }
    }
}

/// Orders elements the way they are listed: numbers numerically, anything else after
/// them by its JSON text.
fn order(a: &Value, b: &Value) -> Ordering {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.to_string().cmp(&b.to_string()),
    }
}

/// Follows every element added by `add_f` through the reads of `history`; also returns, for
/// elements some read listed more than once, the most times one read listed it.
fn follow<'a>(history: &'a [Op], add_f: &str) -> (Vec<Element<'a>>, BTreeMap<String, usize>) {
    let mut elements: Vec<Element<'_>> = Vec::new();
    // Elements as interned ids (equal JSON, equal id): id → position in `elements`, and
    // each element's id.
    let mut ids = Interner::default();
    let mut position: HashMap<u32, usize> = HashMap::new();
    let mut element_ids: Vec<u32> = Vec::new();
    let mut open: HashMap<Process, &Op> = HashMap::new();
    // Element → the most times it appeared in a single read.
    let mut duplicated: BTreeMap<String, usize> = BTreeMap::new();
    // Per id: the number (from 1) of the last read that contained it.
    let mut last_read: Vec<usize> = Vec::new();
    let mut reads = 0;

    for op in history.iter().filter(|op| op.is_client()) {
        let invocation = match op.kind {
            OpType::Invoke => {
                open.insert(op.process, op);
                op
            }
            _ => open.remove(&op.process).unwrap_or(op),
        };
        if op.f == add_f {
            let id = ids.intern(&op.value);
            match op.kind {
                // A fresh element; adding the same value again starts it over.
                OpType::Invoke => match position.get(&id) {
                    Some(&i) => elements[i] = Element::new(op.value.clone()),
                    None => {
                        position.insert(id, elements.len());
                        element_ids.push(id);
                        elements.push(Element::new(op.value.clone()));
                    }
                },
                OpType::Ok => {
                    if let Some(&i) = position.get(&id) {
                        elements[i].known.get_or_insert(op);
                    }
                }
                OpType::Fail | OpType::Info => {}
            }
        } else if op.f == "read" && op.kind == OpType::Ok {
            reads += 1;
            let seen = op.value.as_array().map(Vec::as_slice).unwrap_or_default();
            // Elements listed more than once in this read, and how often.
            let mut repeated: HashMap<u32, usize> = HashMap::new();
            for value in seen {
                let id = ids.intern(value) as usize;
                if last_read.len() <= id {
                    last_read.resize(id + 1, 0);
                }
                if last_read[id] == reads {
                    *repeated.entry(id as u32).or_insert(1) += 1;
                }
                last_read[id] = reads;
            }
            for (id, count) in repeated {
                let most = duplicated.entry(ids.get(id).to_string()).or_default();
                *most = (*most).max(count);
            }
            for (element, id) in elements.iter_mut().zip(&element_ids) {
                let present = last_read.get(*id as usize) == Some(&reads);
                element.read(present, invocation, op);
            }
        }
    }
    (elements, duplicated)
}

/// Runs set-full over `history`, where `add_f` names the operation that adds an
/// element (`broadcast`, `add`) and `read` returns every element present.
pub fn check(history: &[Op], add_f: &str, run: &RunInfo) -> Verdict {
    let (mut elements, duplicated) = follow(history, add_f);
    elements.sort_by(|a, b| order(&a.value, &b.value));
    let judged: Vec<Judged<'_, '_>> = elements.iter().map(Element::judge).collect();
    report(&judged, duplicated, add_f, run)
}

/// How one added element fared, for pictures of propagation.
#[derive(Debug, Clone, PartialEq)]
pub struct Fate {
    pub value: Value,
    /// When it was known to exist (ns): the add's `ok`, or the first read showing it.
    pub known: u64,
    pub outcome: Outcome,
    /// Stable: ms until every read that began later contained it. Lost: ms it was seen.
    pub latency_ms: u64,
}

/// The fate of every element that was known to exist, in the order they were added.
pub fn fates(history: &[Op], add_f: &str) -> Vec<Fate> {
    let (elements, _) = follow(history, add_f);
    elements
        .iter()
        .filter_map(|e| {
            let j = e.judge();
            Some(Fate {
                value: e.value.clone(),
                known: e.known?.time,
                outcome: j.outcome,
                latency_ms: j.stable_latency.or(j.lost_latency).unwrap_or(0),
            })
        })
        .collect()
}

fn report(
    judged: &[Judged<'_, '_>],
    duplicated: BTreeMap<String, usize>,
    add_f: &str,
    run: &RunInfo,
) -> Verdict {
    let with = |outcome| judged.iter().filter(move |j| j.outcome == outcome);
    let values = |js: &[&Judged<'_, '_>]| {
        js.iter()
            .map(|j| j.element.value.clone())
            .collect::<Vec<_>>()
    };
    let stable: Vec<_> = with(Outcome::Stable).collect();
    let lost: Vec<_> = with(Outcome::Lost).collect();
    let never_read: Vec<_> = with(Outcome::NeverRead).collect();
    let stale: Vec<_> = stable
        .iter()
        .copied()
        .filter(|j| j.stable_latency > Some(0))
        .collect();
    // Largest latency first; among equals, Jepsen's reversed sort puts larger elements first.
    let mut worst = stale.clone();
    worst.reverse();
    worst.sort_by_key(|j| std::cmp::Reverse(j.stable_latency));
    worst.truncate(8);

    let valid = if !lost.is_empty() {
        Validity::Invalid
    } else if stable.is_empty() {
        Validity::Unknown
    } else {
        Validity::Valid
    };
    let mut stable_latencies: Vec<u64> = judged.iter().filter_map(|j| j.stable_latency).collect();
    let mut lost_latencies: Vec<u64> = judged.iter().filter_map(|j| j.lost_latency).collect();
    let duplicates: serde_json::Map<String, Value> = duplicated
        .iter()
        .map(|(value, count)| (value.clone(), json!(count)))
        .collect();

    let mut verdict = Verdict::new(valid)
        .with("attempt-count", judged.len())
        .with("stable-count", stable.len())
        .with("lost-count", lost.len())
        .with("lost", values(&lost))
        .with("never-read-count", never_read.len())
        .with("never-read", values(&never_read))
        .with("stale-count", stale.len())
        .with("stale", values(&stale))
        .with(
            "worst-stale",
            worst.iter().map(|j| worst_stale(j)).collect::<Vec<_>>(),
        );
    if let Some(q) = quantiles(&mut stable_latencies) {
        verdict = verdict.with("stable-latencies", q);
    }
    if let Some(q) = quantiles(&mut lost_latencies) {
        verdict = verdict.with("lost-latencies", q);
    }
    verdict = verdict
        .with("duplicated-count", duplicates.len())
        .with("duplicated", duplicates);

    let explain = Explainer { add_f, run };
    verdict = verdict.explain(format!(
        "{} values added by {add_f}: {} stable (every read that began later contained them), \
         {} lost, {} never read (no read began after they were known to exist)",
        judged.len(),
        stable.len(),
        lost.len(),
        never_read.len()
    ));
    if let Some(q) = verdict.results.get("stable-latencies").cloned() {
        verdict = verdict.explain(format!(
            "stable latency, from a value being known to every later read containing it \
             (ms): median {}, 95% {}, max {}",
            q["0.5"], q["0.95"], q["1"]
        ));
    }
    if let Some(j) = worst.first() {
        verdict = verdict.explain(format!(
            "{} values were missing from some reads that began after they were known; the \
             slowest, {}",
            stale.len(),
            explain.stale(j)
        ));
    }
    for j in lost.iter().take(5) {
        verdict = verdict.explain(explain.lost(j));
    }
    if lost.len() > 5 {
        let rest: Vec<String> = lost[5..]
            .iter()
            .map(|j| j.element.value.to_string())
            .collect();
        verdict = verdict.explain(format!(
            "{} more lost values: {}",
            rest.len(),
            rest.join(", ")
        ));
    }
    if !lost.is_empty() && run.partitions {
        verdict = verdict.explain(
            "(values lost while partitions came and went: see the book: Troubleshooting › A \
             partition that swallows a message)",
        );
    }
    if valid == Validity::Unknown {
        verdict = verdict.explain(
            "no value was ever contained in a read that began after it was added, so nothing \
             could be confirmed: check that some adds succeed and that read returns them",
        );
    }
    if let Some((value, count)) = duplicated.iter().next() {
        verdict = verdict.explain(format!(
            "note: {} values appeared more than once in a single read (e.g. {value}, {count} \
             times); reads should return a set, but like Maelstrom we do not fail the run for it",
            duplicated.len()
        ));
    }
    verdict
}

fn worst_stale(j: &Judged<'_, '_>) -> Value {
    json!({
        "element": j.element.value,
        "outcome": "stable",
        "stable-latency": j.stable_latency,
        "lost-latency": j.lost_latency,
        "known": j.element.known,
        "last-absent": j.element.last_absent,
    })
}

/// Turns ops into sentences naming nodes and times.
struct Explainer<'o> {
    add_f: &'o str,
    run: &'o RunInfo,
}

impl Explainer<'_> {
    fn node(&self, op: &Op) -> String {
        self.run.performer(op)
    }

    fn secs(op: &Op) -> String {
        format!("{:.2} s", op.time as f64 / 1e9)
    }

    /// How the element came to be known.
    fn known(&self, op: &Op) -> String {
        if op.f == self.add_f {
            format!("acknowledged by {} at {}", self.node(op), Self::secs(op))
        } else {
            format!(
                "first seen in a read on {} at {}",
                self.node(op),
                Self::secs(op)
            )
        }
    }

    /// A read, by its invocation.
    fn read(&self, invocation: &Op) -> String {
        let which = if invocation.is_final {
            "the final read"
        } else {
            "the read"
        };
        format!(
            "{which} on {} invoked at {}",
            self.node(invocation),
            Self::secs(invocation)
        )
    }

    fn stale(&self, j: &Judged<'_, '_>) -> String {
        let e = j.element;
        let (Some(known), Some(absent)) = (e.known, e.last_absent) else {
            return format!("value {}", e.value);
        };
        format!(
            "value {}, was missing for {} ms: it was {}, but {} did not contain it yet \
             (reads that began later did)",
            e.value,
            j.stable_latency.unwrap_or(0),
            self.known(known),
            self.read(absent)
        )
    }

    fn lost(&self, j: &Judged<'_, '_>) -> String {
        let e = j.element;
        let (Some(known), Some(absent)) = (e.known, e.last_absent) else {
            return format!("value {} was lost", e.value);
        };
        let last_seen = match e.last_present {
            Some(read) => format!("the last read containing it was {}", self.read(read)),
            None => "no read ever contained it".into(),
        };
        format!(
            "lost: value {} was {} but {} did not contain it; {last_seen}",
            e.value,
            self.known(known),
            self.read(absent)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::test_run;

    /// Builds histories one entry at a time, with times in milliseconds.
    #[derive(Default)]
    struct History(Vec<Op>);

    impl History {
        fn push(
            &mut self,
            ms: u64,
            kind: OpType,
            process: u64,
            f: &str,
            value: Value,
        ) -> &mut Self {
            let index = self.0.len();
            let is_final = f == "final-read";
            self.0.push(Op {
                index,
                time: ms * 1_000_000,
                kind,
                process: Process::Client(process),
                f: if is_final { "read".into() } else { f.into() },
                value,
                error: None,
                is_final,
            });
            self
        }

        fn invoke(&mut self, ms: u64, process: u64, f: &str, value: Value) -> &mut Self {
            self.push(ms, OpType::Invoke, process, f, value)
        }

        fn ok(&mut self, ms: u64, process: u64, f: &str, value: Value) -> &mut Self {
            self.push(ms, OpType::Ok, process, f, value)
        }

        /// A broadcast of `value` on `process`, invoked and acknowledged at `ms`.
        fn broadcast(&mut self, ms: u64, process: u64, value: u64) -> &mut Self {
            self.invoke(ms, process, "broadcast", json!(value)).ok(
                ms,
                process,
                "broadcast",
                json!(value),
            )
        }

        /// A read on `process` from `start` to `end` ms returning `values`.
        fn read(&mut self, start: u64, end: u64, process: u64, values: Value) -> &mut Self {
            self.invoke(start, process, "read", Value::Null)
                .ok(end, process, "read", values)
        }

        fn final_read(&mut self, at: u64, process: u64, values: Value) -> &mut Self {
            self.invoke(at, process, "final-read", Value::Null).ok(
                at,
                process,
                "final-read",
                values,
            )
        }

        fn check(&self) -> Verdict {
            check(&self.0, "broadcast", &test_run(&["--node-count", "3"]))
        }
    }

    #[test]
    fn values_every_read_contains_are_stable() {
        let v = History::default()
            .broadcast(10, 0, 0)
            .broadcast(20, 1, 1)
            .read(30, 31, 2, json!([0, 1]))
            .final_read(100, 0, json!([1, 0]))
            .check();
        assert_eq!(v.valid, Validity::Valid);
        assert_eq!(v.results["stable-count"], 2);
        assert_eq!(v.results["stale-count"], 0);
        assert_eq!(v.results["stable-latencies"]["1"], 0);
        assert_eq!(v.results["lost"], json!([]));
    }

    #[test]
    fn a_value_missing_from_the_final_read_is_lost() {
        let v = History::default()
            .broadcast(4200, 0, 17) // process 0 runs on n0
            .broadcast(4300, 1, 18)
            .read(5000, 5001, 2, json!([17, 18]))
            .final_read(31_000, 1, json!([18]))
            .check();
        assert_eq!(v.valid, Validity::Invalid);
        assert_eq!(v.results["lost"], json!([17]));
        assert_eq!(v.results["lost-count"], 1);
        assert_eq!(v.results["stable-count"], 1);
        // From acknowledgement (4.2 s) to the last read containing it (5.0 s).
        assert_eq!(v.results["lost-latencies"]["0"], 800);
        let why = v.explanation.join("\n");
        assert!(
            why.contains(
                "value 17 was acknowledged by n0 at 4.20 s but the final read on n1 invoked at \
                 31.00 s did not contain it; the last read containing it was the read on n2"
            ),
            "{why}"
        );
    }

    #[test]
    fn a_value_no_read_ever_saw_is_lost_once_acknowledged() {
        let v = History::default()
            .broadcast(10, 0, 5)
            .final_read(900, 1, json!([]))
            .check();
        assert_eq!(v.valid, Validity::Invalid);
        assert_eq!(v.results["lost"], json!([5]));
        assert_eq!(v.results["lost-latencies"]["0"], 0);
        assert!(
            v.explanation
                .join("\n")
                .contains("no read ever contained it")
        );
    }

    #[test]
    fn fates_give_each_known_value_its_latency() {
        let h = History::default()
            .broadcast(1000, 0, 3)
            .broadcast(1100, 1, 4)
            .read(1200, 1201, 1, json!([4]))
            .read(1500, 1501, 1, json!([3]))
            .final_read(5000, 2, json!([3]))
            .0
            .clone();
        let fates = fates(&h, "broadcast");
        assert_eq!(fates.len(), 2);
        assert_eq!(fates[0].value, json!(3));
        assert_eq!(fates[0].known, 1_000_000_000);
        assert_eq!(fates[0].outcome, Outcome::Stable);
        assert_eq!(fates[0].latency_ms, 200);
        assert_eq!(fates[1].outcome, Outcome::Lost);
        assert_eq!(
            fates[1].latency_ms, 100,
            "seen from 1.1 s to the read begun at 1.2 s"
        );
    }

    #[test]
    fn late_arrival_is_stale_not_lost() {
        // Acknowledged at 1.0 s; a read on n1 invoked at 1.2 s misses it; later reads
        // have it. Stable latency: 1.2 s + 1 ns - 1.0 s = 200 ms.
        let v = History::default()
            .broadcast(1000, 0, 3)
            .read(1200, 1201, 1, json!([]))
            .read(1500, 1501, 1, json!([3]))
            .final_read(5000, 2, json!([3]))
            .check();
        assert_eq!(v.valid, Validity::Valid);
        assert_eq!(v.results["stale"], json!([3]));
        assert_eq!(v.results["stable-latencies"]["0.5"], 200);
        assert_eq!(v.results["worst-stale"][0]["stable-latency"], 200);
        assert_eq!(
            v.results["worst-stale"][0]["last-absent"]["time"],
            1_200_000_000u64
        );
        assert!(v.explanation.join("\n").contains("was missing for 200 ms"));
    }

    #[test]
    fn a_read_concurrent_with_the_add_that_misses_it_is_not_a_loss() {
        // The read began before the broadcast was acknowledged and completed after its
        // invocation: it may have happened first. No later read: never read.
        let v = History::default()
            .invoke(10, 1, "read", Value::Null)
            .broadcast(20, 0, 9)
            .ok(30, 1, "read", json!([]))
            .check();
        assert_eq!(v.results["never-read"], json!([9]));
        assert_eq!(v.results["lost-count"], 0);
        assert_eq!(v.valid, Validity::Unknown);
    }

    #[test]
    fn reads_completing_before_the_add_do_not_count() {
        let v = History::default()
            .read(0, 5, 1, json!([]))
            .broadcast(10, 0, 1)
            .final_read(50, 1, json!([1]))
            .check();
        assert_eq!(v.valid, Validity::Valid);
        assert_eq!(v.results["stale-count"], 0);
    }

    #[test]
    fn unacknowledged_values_count_once_seen() {
        // A broadcast that timed out but shows up in a read is known from that read,
        // and lost if a later read misses it.
        let v = History::default()
            .invoke(10, 0, "broadcast", json!(4))
            .push(5010, OpType::Info, 0, "broadcast", json!(4))
            .read(5020, 5021, 1, json!([4]))
            .final_read(9000, 2, json!([]))
            .check();
        assert_eq!(v.results["lost"], json!([4]));
        assert!(
            v.explanation
                .join("\n")
                .contains("first seen in a read on n1")
        );
        // Never seen at all: never read, which is not an error by itself.
        let v = History::default()
            .invoke(10, 0, "broadcast", json!(4))
            .push(5010, OpType::Info, 0, "broadcast", json!(4))
            .final_read(9000, 2, json!([]))
            .check();
        assert_eq!(v.results["never-read"], json!([4]));
        assert_eq!(v.valid, Validity::Unknown);
        assert!(
            v.explanation
                .join("\n")
                .contains("nothing could be confirmed")
        );
    }

    #[test]
    fn failed_reads_and_foreign_values_are_ignored() {
        let v = History::default()
            .broadcast(10, 0, 1)
            .invoke(20, 1, "read", Value::Null)
            .push(25, OpType::Fail, 1, "read", Value::Null)
            .final_read(40, 2, json!([1, 99]))
            .check();
        assert_eq!(v.valid, Validity::Valid);
        assert_eq!(v.results["attempt-count"], 1);
    }

    #[test]
    fn duplicates_are_reported_but_do_not_fail() {
        let v = History::default()
            .broadcast(10, 0, 1)
            .final_read(40, 2, json!([1, 1, 1]))
            .check();
        assert_eq!(v.valid, Validity::Valid);
        assert_eq!(v.results["duplicated-count"], 1);
        assert_eq!(v.results["duplicated"]["1"], 3);
        assert!(v.explanation.join("\n").contains("more than once"));
    }

    #[test]
    fn nothing_added_is_unknown() {
        let v = History::default().final_read(40, 2, json!([])).check();
        assert_eq!(v.valid, Validity::Unknown);
        assert_eq!(v.results["attempt-count"], 0);
        assert!(v.results.get("stable-latencies").is_none());
    }

    #[test]
    fn worst_stale_lists_the_slowest_eight() {
        let mut h = History::default();
        for value in 0..10 {
            h.broadcast(1000, 0, value);
        }
        // Each value v is missed by a read invoked at 1000 + 10·(v+1) ms.
        for value in 0..10u64 {
            let others: Vec<u64> = (0..10).filter(|&x| x != value).collect();
            h.read(1000 + 10 * (value + 1), 2000, 1, json!(others));
        }
        h.final_read(3000, 2, json!((0..10).collect::<Vec<_>>()));
        let v = h.check();
        assert_eq!(v.results["stale-count"], 10);
        let worst = v.results["worst-stale"].as_array().unwrap();
        assert_eq!(worst.len(), 8);
        assert_eq!(worst[0]["element"], 9);
        assert_eq!(worst[0]["stable-latency"], 100);
        assert_eq!(worst[7]["element"], 2);
    }
}
