//! Hand-made transaction histories: one per anomaly, and valid ones.

use serde_json::{Value, json};

use super::check;
use crate::checker::{Validity, Verdict};
use crate::history::{Op, OpType};

/// A history of transactions, written by hand (shared with the list-append tests).
#[derive(Default)]
pub(super) struct History {
    pub(super) ops: Vec<Op>,
}

impl History {
    pub(super) fn entry(&mut self, process: u64, kind: OpType, value: Value) -> &mut Self {
        let index = self.ops.len();
        self.ops
            .push(Op::client(index, kind, process, "txn", value));
        self
    }

    /// A transaction invoked and completed at once; reads are invoked with nil.
    pub(super) fn txn(&mut self, process: u64, kind: OpType, done: Value) -> &mut Self {
        let invoke: Vec<Value> = done
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                if m[0] == "r" {
                    json!(["r", m[1], null])
                } else {
                    m.clone()
                }
            })
            .collect();
        self.entry(process, OpType::Invoke, json!(invoke));
        self.entry(process, kind, done)
    }

    pub(super) fn ok(&mut self, process: u64, done: Value) -> &mut Self {
        self.txn(process, OpType::Ok, done)
    }

    fn check(&self, models: &str) -> Verdict {
        check(&self.ops, models)
    }
}

pub(super) fn types(v: &Verdict) -> Vec<String> {
    match v.results.get("anomaly-types") {
        Some(t) => serde_json::from_value(t.clone()).unwrap(),
        None => Vec::new(),
    }
}

/// T1 writes x; T2 reads it and writes y; T3 reads y.
fn valid_history() -> History {
    let mut h = History::default();
    h.ok(0, json!([["w", 1, 1]]))
        .ok(1, json!([["r", 1, 1], ["w", 2, 1]]))
        .ok(0, json!([["r", 2, 1], ["r", 3, null]]));
    h
}

#[test]
fn a_valid_history_passes_every_model() {
    for model in [
        "read-uncommitted",
        "read-committed",
        "serializable",
        "strict-serializable",
    ] {
        let v = valid_history().check(model);
        assert_eq!(v.valid, Validity::Valid, "{model}: {:?}", v.explanation);
        assert!(
            v.explanation[0].contains("3 transactions (3 ok"),
            "{:?}",
            v.explanation
        );
    }
}

#[test]
fn reading_a_failed_write_is_g1a() {
    let mut h = valid_history();
    h.txn(3, OpType::Fail, json!([["w", 5, 1]]))
        .ok(4, json!([["r", 5, 1]]));
    let v = h.check("read-committed");
    assert_eq!(types(&v), ["G1a"]);
    assert!(
        v.explanation
            .iter()
            .any(|l| l.contains("written by the failed op 7"))
    );
    assert_eq!(h.check("read-uncommitted").valid, Validity::Valid);
}

#[test]
fn reading_an_overwritten_value_is_g1b() {
    let mut h = valid_history();
    h.ok(3, json!([["w", 5, 1], ["w", 5, 2]]))
        .ok(4, json!([["r", 5, 1]]));
    assert_eq!(types(&h.check("read-committed")), ["G1b"]);
    assert_eq!(h.check("read-uncommitted").valid, Validity::Valid);
}

/// Each transaction reads the other's write.
fn g1c_history() -> History {
    let mut h = History::default();
    h.ok(0, json!([["w", 1, 1], ["r", 2, 1]]))
        .ok(1, json!([["w", 2, 1], ["r", 1, 1]]));
    h
}

#[test]
fn circular_information_flow_is_g1c() {
    let v = g1c_history().check("read-committed");
    assert_eq!(types(&v), ["G1c"]);
    assert_eq!(v.results["not"], json!(["read-committed"]));
    let cycle = &v.results["anomalies"]["G1c"][0];
    assert_eq!(cycle["steps"][0]["type"], "wr");
    let text = v.explanation.iter().find(|l| l.starts_with("G1c")).unwrap();
    assert!(
        text.contains("T1 = op 1 (process 0, ok) [w 1 1, r 2 1]"),
        "{text}"
    );
    assert!(
        text.contains("T1 wrote key 1 = 1, which T2 read (wr)"),
        "{text}"
    );
    // Read uncommitted allows G1c.
    assert_eq!(
        g1c_history().check("read-uncommitted").valid,
        Validity::Valid
    );
}

/// Each transaction read the other's write of one key and overwrote it: a cycle of
/// write-write dependencies (each pair is also wr, so the cycle is named G1c, and the
/// ww-only cycle shows as PL-1-cycle-exists).
fn dirty_write_history() -> History {
    let mut h = History::default();
    h.ok(0, json!([["r", 1, 2], ["w", 1, 1], ["w", 2, 1]]))
        .ok(1, json!([["r", 2, 1], ["w", 2, 2], ["w", 1, 2]]));
    h
}

#[test]
fn write_cycles_break_read_uncommitted() {
    let v = dirty_write_history().check("read-uncommitted");
    assert_eq!(types(&v), ["PL-1-cycle-exists"]);
    assert_eq!(v.results["not"], json!(["read-uncommitted"]));
    let v = dirty_write_history().check("read-committed");
    assert_eq!(types(&v), ["G1c", "PL-1-cycle-exists"]);
}

#[test]
fn internal_inconsistency_is_not_forbidden_by_read_committed() {
    let mut h = History::default();
    h.ok(0, json!([["w", 1, 1]]))
        .ok(1, json!([["r", 1, 1], ["w", 1, 2], ["r", 1, 1]]));
    assert_eq!(h.check("read-committed").valid, Validity::Valid);
    let v = h.check("serializable");
    assert!(
        types(&v).contains(&"internal".to_string()),
        "{:?}",
        types(&v)
    );
    assert_eq!(v.results["anomalies"]["internal"][0]["expected"], 2);
}

#[test]
fn two_read_modify_writes_of_one_value_lose_an_update() {
    let mut h = History::default();
    h.ok(0, json!([["r", 1, null], ["w", 1, 1]]))
        .ok(1, json!([["r", 1, null], ["w", 1, 2]]));
    assert_eq!(h.check("read-committed").valid, Validity::Valid);
    let v = h.check("repeatable-read");
    assert_eq!(types(&v), ["G2-item", "lost-update"]);
}

#[test]
fn a_stale_read_after_a_completed_write_is_realtime() {
    let mut h = History::default();
    h.ok(0, json!([["w", 1, 1]])).ok(1, json!([["r", 1, null]]));
    assert_eq!(h.check("serializable").valid, Validity::Valid);
    let v = h.check("strict-serializable");
    assert_eq!(types(&v), ["G-single-item-realtime"]);
    assert!(
        v.explanation
            .iter()
            .any(|l| l.contains("completed at 0.001 s"))
    );
}

/// Elle 0.2.2's rw-register checker has no anomaly for a read of a value nobody wrote
/// (`elle:src/elle/rw_register.clj`): the summary mentions it, the verdict ignores it.
#[test]
fn a_value_nobody_wrote_is_noted_but_decides_nothing() {
    let mut h = valid_history();
    h.ok(2, json!([["r", 1, 99]]));
    let v = h.check("read-uncommitted");
    assert_eq!(v.valid, Validity::Valid, "{:?}", v.explanation);
    assert!(types(&v).is_empty());
    let note = v.explanation.last().unwrap();
    assert!(
        note.contains("1 read(s) returned a value nobody wrote"),
        "{note}"
    );
    assert!(
        note.contains("key 1 = 99, which no transaction wrote"),
        "{note}"
    );
}

#[test]
fn versions_in_a_circle_are_cyclic() {
    let mut h = History::default();
    h.ok(0, json!([["r", 1, 1], ["w", 1, 2]]))
        .ok(1, json!([["r", 1, 2], ["w", 1, 1]]));
    let v = h.check("read-uncommitted");
    assert!(
        types(&v).contains(&"cyclic-versions".to_string()),
        "{:?}",
        types(&v)
    );
}

#[test]
fn no_dependencies_at_all_fails_like_maelstrom() {
    let mut h = History::default();
    h.ok(0, json!([["w", 1, 1]]));
    assert_eq!(
        types(&h.check("read-uncommitted")),
        ["empty-transaction-graph"]
    );
}

#[test]
fn two_writers_of_one_value_make_the_result_unknown() {
    let mut h = History::default();
    h.ok(0, json!([["w", 1, 1]]))
        .ok(1, json!([["w", 1, 1]]))
        .ok(2, json!([["r", 1, 1]]));
    let v = h.check("read-committed");
    assert_eq!(v.valid, Validity::Unknown);
    assert!(v.explanation[0].contains("written by more than one op"));
}

#[test]
fn an_unknown_model_makes_the_result_unknown() {
    let v = valid_history().check("read-committed,serializable");
    assert_eq!(v.valid, Validity::Unknown);
    assert!(v.explanation[0].contains("unknown consistency model"));
}

#[test]
fn info_and_fail_transactions_make_no_dependencies() {
    let mut h = valid_history();
    h.txn(3, OpType::Info, json!([["w", 1, 5]]))
        .txn(4, OpType::Fail, json!([["w", 1, 6]]));
    assert_eq!(h.check("strict-serializable").valid, Validity::Valid);
}
