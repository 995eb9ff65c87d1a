//! Hand-made histories, each broken in one way (and one that is not).

use serde_json::{Value, json};

use super::check;
use crate::checker::{Validity, Verdict};
use crate::history::{Op, OpType};

/// Builds a history one completed operation at a time, 1 ms per entry.
#[derive(Default)]
struct History {
    ops: Vec<Op>,
}

impl History {
    fn entry(&mut self, process: u64, kind: OpType, f: &str, value: Value) {
        let index = self.ops.len();
        self.ops.push(Op::client(index, kind, process, f, value));
    }

    fn op(&mut self, process: u64, f: &str, invoke: Value, kind: OpType, done: Value) -> &mut Self {
        self.entry(process, OpType::Invoke, f, invoke);
        self.entry(process, kind, f, done);
        self
    }

    fn send(&mut self, process: u64, key: &str, msg: i64, offset: i64) -> &mut Self {
        self.op(
            process,
            "send",
            json!([["send", key, msg]]),
            OpType::Ok,
            json!([["send", key, [offset, msg]]]),
        )
    }

    fn poll(&mut self, process: u64, msgs: Value) -> &mut Self {
        self.op(
            process,
            "poll",
            json!([["poll"]]),
            OpType::Ok,
            json!([["poll", msgs]]),
        )
    }

    fn assign(&mut self, process: u64, keys: &[&str]) -> &mut Self {
        self.op(process, "assign", json!(keys), OpType::Ok, json!(keys))
    }

    fn check(&self) -> Verdict {
        check(&self.ops)
    }
}

fn bad_types(v: &Verdict) -> Vec<String> {
    serde_json::from_value(v.results["bad-error-types"].clone()).unwrap()
}

fn explained(v: &Verdict, needle: &str) -> bool {
    v.explanation.iter().any(|line| line.contains(needle))
}

/// Three sends to two keys, read back in order by two consumers.
fn valid_history() -> History {
    let mut h = History::default();
    h.send(0, "1", 1, 0)
        .send(0, "1", 2, 1)
        .send(1, "2", 1, 0)
        .assign(2, &["1", "2"])
        .poll(2, json!({"1": [[0, 1]], "2": [[0, 1]]}))
        .poll(2, json!({"1": [[1, 2]], "2": []}))
        .assign(3, &["1"])
        .poll(3, json!({"1": [[0, 1], [1, 2]]}));
    h
}

#[test]
fn a_valid_history_passes() {
    let v = valid_history().check();
    assert_eq!(v.valid, Validity::Valid, "{:?}", v.explanation);
    assert_eq!(v.results["error-types"], json!([]));
    assert!(explained(&v, "3 ok sends and 3 ok polls over 2 keys"));
}

#[test]
fn an_offset_handed_out_twice_is_inconsistent() {
    let mut h = History::default();
    h.send(0, "7", 12, 3)
        .send(1, "7", 13, 3)
        .poll(2, json!({"7": [[3, 12]]}))
        .poll(3, json!({"7": [[3, 13]]}));
    let v = h.check();
    assert_eq!(v.valid, Validity::Invalid);
    assert_eq!(bad_types(&v), ["inconsistent-offsets"]);
    assert_eq!(v.results["inconsistent-offsets"]["count"], 1);
    assert_eq!(
        v.results["inconsistent-offsets"]["errs"][0],
        json!({"key": "7", "offset": 3, "index": 0, "values": [12, 13]})
    );
    assert!(
        explained(&v, "key 7: offset 3 holds 12 and 13"),
        "{:?}",
        v.explanation
    );
}

#[test]
fn a_message_at_two_offsets_is_a_duplicate() {
    let mut h = History::default();
    h.send(0, "1", 5, 0).poll(1, json!({"1": [[0, 5], [1, 5]]}));
    let v = h.check();
    assert!(
        bad_types(&v).contains(&"duplicate".to_string()),
        "{:?}",
        v.results
    );
    assert_eq!(v.results["duplicate"]["errs"][0]["offsets"], json!([0, 1]));
}

#[test]
fn a_lost_acknowledged_send_is_a_lost_write() {
    let mut h = History::default();
    h.send(0, "1", 1, 0)
        .send(0, "1", 2, 1)
        .send(0, "1", 3, 2)
        .poll(1, json!({"1": [[0, 1]]}))
        .poll(2, json!({"1": [[2, 3]]}));
    let v = h.check();
    assert_eq!(bad_types(&v), ["lost-write", "unseen"]);
    let err = &v.results["lost-write"]["errs"][0];
    assert_eq!(err["value"], 2);
    assert_eq!(err["writer"]["index"], 3);
    assert_eq!(err["max-read"]["index"], 9);
    assert!(
        explained(
            &v,
            "message 2 (offset 1) was sent by op 3 (process 0, ok send)"
        ),
        "{:?}",
        v.explanation
    );
    assert_eq!(v.results["unseen"]["unseen"], json!({"1": 1}));
}

#[test]
fn a_poll_that_skips_offsets_is_caught() {
    let mut h = History::default();
    h.send(0, "1", 1, 0)
        .send(0, "1", 2, 1)
        .send(0, "1", 3, 2)
        .poll(1, json!({"1": [[0, 1]]}))
        .poll(1, json!({"1": [[2, 3]]}))
        .poll(2, json!({"1": [[0, 1], [1, 2], [2, 3]]}));
    let v = h.check();
    assert_eq!(bad_types(&v), ["poll-skip"]);
    assert_eq!(v.results["poll-skip"]["errs"][0]["skipped"], json!([2]));
    assert!(
        explained(&v, "skipping message(s) 2"),
        "{:?}",
        v.explanation
    );
}

#[test]
fn an_assign_resets_poll_tracking() {
    let mut h = History::default();
    h.send(0, "1", 1, 0)
        .send(0, "1", 2, 1)
        .send(0, "1", 3, 2)
        .assign(1, &["1"])
        .poll(1, json!({"1": [[0, 1]]}))
        .assign(1, &["2"])
        .assign(1, &["1"])
        .poll(1, json!({"1": [[2, 3]]}))
        .poll(2, json!({"1": [[0, 1], [1, 2], [2, 3]]}));
    assert_eq!(h.check().valid, Validity::Valid);
}

#[test]
fn a_poll_that_goes_back_is_nonmonotonic() {
    let mut h = History::default();
    h.send(0, "1", 1, 0)
        .send(0, "1", 2, 1)
        .poll(1, json!({"1": [[0, 1], [1, 2]]}))
        .poll(1, json!({"1": [[1, 2]]}));
    let v = h.check();
    assert_eq!(bad_types(&v), ["nonmonotonic-poll"]);
    assert_eq!(v.results["nonmonotonic-poll"]["errs"][0]["delta"], 0);
}

#[test]
fn gaps_and_reversals_inside_one_poll() {
    let mut h = History::default();
    h.send(0, "1", 1, 0)
        .send(0, "1", 2, 1)
        .send(0, "1", 3, 2)
        .poll(1, json!({"1": [[0, 1], [2, 3]]}))
        .poll(2, json!({"1": [[1, 2], [0, 1]]}))
        .poll(3, json!({"1": [[0, 1], [1, 2], [2, 3]]}));
    let v = h.check();
    assert_eq!(bad_types(&v), ["int-nonmonotonic-poll", "int-poll-skip"]);
}

#[test]
fn sends_that_land_earlier_are_nonmonotonic() {
    let mut h = History::default();
    h.send(0, "1", 1, 5)
        .send(0, "1", 2, 4)
        .poll(1, json!({"1": [[4, 2], [5, 1]]}));
    let v = h.check();
    assert_eq!(bad_types(&v), ["nonmonotonic-send"]);
}

#[test]
fn reading_a_failed_send_is_g1a() {
    let mut h = History::default();
    h.op(
        0,
        "send",
        json!([["send", "1", 9]]),
        OpType::Fail,
        json!([["send", "1", 9]]),
    )
    .poll(1, json!({"1": [[0, 9]]}));
    let v = h.check();
    assert_eq!(bad_types(&v), ["G1a"]);
}

#[test]
fn reading_a_send_from_the_future_is_g1c_realtime() {
    let mut h = History::default();
    h.poll(1, json!({"1": [[0, 9]]})).send(0, "1", 9, 0);
    let v = h.check();
    assert_eq!(bad_types(&v), ["G1c-realtime"]);
    assert!(
        explained(&v, "invoked only at 0.002 s"),
        "{:?}",
        v.explanation
    );
}

#[test]
fn a_message_nobody_sent_makes_the_result_unknown() {
    let mut h = History::default();
    h.send(0, "1", 1, 0)
        .poll(1, json!({"1": [[0, 1], [1, 77]]}));
    let v = h.check();
    assert_eq!(v.valid, Validity::Unknown);
    assert_eq!(v.results["no-writer-of-value"]["count"], 1);
}

#[test]
fn unseen_and_info_causes_are_reported() {
    let mut h = History::default();
    h.send(0, "1", 1, 0)
        .send(0, "1", 2, 1)
        .poll(1, json!({"1": [[0, 1]]}));
    h.entry(2, OpType::Invoke, "poll", json!([["poll"]]));
    h.ops.push(Op {
        error: Some(json!("net-timeout")),
        ..h.ops.last().unwrap().clone()
    });
    let last = h.ops.len() - 1;
    h.ops[last].kind = OpType::Info;
    h.ops[last].index = last;
    let v = h.check();
    assert_eq!(bad_types(&v), ["unseen"]);
    assert_eq!(v.results["unseen"]["messages"], json!({"1": [2]}));
    assert_eq!(v.results["info-txn-causes"], json!(["net-timeout"]));
}

#[test]
fn crashes_and_info_sends_are_not_anomalies() {
    let mut h = valid_history();
    h.op(4, "crash", Value::Null, OpType::Info, Value::Null);
    h.op(
        5,
        "send",
        json!([["send", "1", 3]]),
        OpType::Info,
        json!([["send", "1", 3]]),
    );
    assert_eq!(h.check().valid, Validity::Valid);
}

#[test]
fn huge_sparse_offsets_cost_nothing() {
    let mut h = History::default();
    let big = 1_i64 << 60;
    h.send(0, "1", 1, big)
        .send(0, "1", 2, big + 1_000_000_000)
        .poll(1, json!({"1": [[big, 1], [big + 1_000_000_000, 2]]}));
    let v = h.check();
    assert_eq!(v.valid, Validity::Valid, "{:?}", v.explanation);
}

#[test]
fn realtime_lag_measures_how_stale_a_poll_was() {
    let mut h = History::default();
    // Offset 1 exists from t = 3 ms (entry 3); the poll invoked at t = 6 ms read only
    // offset 0, so it lagged at least 3 ms.
    h.send(0, "1", 1, 0)
        .send(0, "1", 2, 1)
        .assign(1, &["1"])
        .poll(1, json!({"1": [[0, 1]]}))
        .poll(1, json!({"1": [[1, 2]]}));
    let lag = &h.check().results["worst-realtime-lag"];
    assert_eq!(lag["lag"], json!(0.003));
    assert_eq!(lag["key"], "1");
    assert_eq!(lag["process"], 1);
}
