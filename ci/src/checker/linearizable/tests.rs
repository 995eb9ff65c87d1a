//! Hand-written lin-kv histories: linearizable ones (concurrent operations, crashed
//! ones), and the faults the checker must name: a stale read, a lost write, a lost cas,
//! a cas that succeeded against the wrong value; and the bound, which gives `unknown`.

use serde_json::{Value, json};

use super::*;
use crate::history::{Op, OpType, Process};

/// Builds a history from `(process, type, f, [key, value])` entries, in order.
fn history(entries: &[(u64, OpType, &str, Value)]) -> Vec<Op> {
    entries
        .iter()
        .enumerate()
        .map(|(i, (p, kind, f, value))| Op::client(i, *kind, *p, f, value.clone()))
        .collect()
}

use OpType::{Fail, Info, Invoke, Ok as Done};

/// An invocation and its `ok`, back to back.
fn op(p: u64, f: &str, invoke: Value, done: Value) -> [(u64, OpType, &'static str, Value); 2] {
    let f: &'static str = match f {
        "read" => "read",
        "write" => "write",
        _ => "cas",
    };
    [(p, Invoke, f, invoke), (p, Done, f, done)]
}

fn write(p: u64, key: u64, v: u64) -> [(u64, OpType, &'static str, Value); 2] {
    op(p, "write", json!([key, v]), json!([key, v]))
}

fn read(p: u64, key: u64, v: Value) -> [(u64, OpType, &'static str, Value); 2] {
    op(p, "read", json!([key, null]), json!([key, v]))
}

fn cas(p: u64, key: u64, from: u64, to: u64) -> [(u64, OpType, &'static str, Value); 2] {
    op(p, "cas", json!([key, [from, to]]), json!([key, [from, to]]))
}

/// Two nodes, a client thread on each.
fn run() -> RunInfo {
    RunInfo {
        nodes: vec!["n0".into(), "n1".into()],
        client_threads: 2,
        partitions: false,
        availability: None,
        consistency_models: String::new(),
        client_timeout: crate::rpc::TIMEOUT,
    }
}

fn check(h: &[Op]) -> Verdict {
    super::check(h, &run())
}

fn explanation(v: &Verdict) -> String {
    v.explanation.join("\n")
}

#[test]
fn sequential_operations_are_linearizable() {
    let h = history(
        &[
            write(0, 0, 1),
            read(1, 0, json!(1)),
            cas(0, 0, 1, 2),
            read(1, 0, json!(2)),
        ]
        .concat(),
    );
    let v = check(&h);
    assert_eq!(v.valid, Validity::Valid, "{}", explanation(&v));
    let key = &v.results["results"]["0"];
    assert_eq!(key["valid?"], true);
    assert_eq!(key["linearizable"]["model"], json!({"value": 2}));
    assert_eq!(v.results["failures"], json!([]));
    assert!(explanation(&v).contains("every key is linearizable"));
}

#[test]
fn concurrent_operations_may_take_effect_in_either_order() {
    // Process 1 reads 1 while process 0 writes 2: the read completes after the write,
    // but may have happened before it.
    let h = history(&[
        (0, Invoke, "write", json!([0, 1])),
        (0, Done, "write", json!([0, 1])),
        (0, Invoke, "write", json!([0, 2])),
        (1, Invoke, "read", json!([0, null])),
        (0, Done, "write", json!([0, 2])),
        (1, Done, "read", json!([0, 1])),
        (1, Invoke, "read", json!([0, null])),
        (1, Done, "read", json!([0, 2])),
    ]);
    assert_eq!(check(&h).valid, Validity::Valid);
}

#[test]
fn crashed_operations_may_happen_late_or_never() {
    // A write of 3 that timed out shows up only later; a cas that timed out never does.
    let h = history(&[
        (0, Invoke, "write", json!([0, 1])),
        (0, Done, "write", json!([0, 1])),
        (1, Invoke, "write", json!([0, 3])),
        (1, Info, "write", json!([0, 3])),
        (2, Invoke, "cas", json!([0, [1, 4]])),
        (2, Info, "cas", json!([0, [1, 4]])),
        (3, Invoke, "read", json!([0, null])),
        (3, Done, "read", json!([0, 1])),
        (3, Invoke, "read", json!([0, null])),
        (3, Done, "read", json!([0, 3])),
        // Never answered at all: the same.
        (4, Invoke, "write", json!([0, 2])),
    ]);
    let v = check(&h);
    assert_eq!(v.valid, Validity::Valid, "{}", explanation(&v));
    assert!(explanation(&v).contains("3 of them crashed"));
}

#[test]
fn failed_operations_never_happened_and_null_reads_say_nothing() {
    let h = history(&[
        // A read of a missing key fails with code 20; a cas whose precondition fails
        // fails with 22. Neither changes anything.
        (0, Invoke, "read", json!([0, null])),
        (0, Fail, "read", json!([0, null])),
        (0, Invoke, "write", json!([0, 1])),
        (0, Done, "write", json!([0, 1])),
        (1, Invoke, "cas", json!([0, [4, 2]])),
        (1, Fail, "cas", json!([0, [4, 2]])),
        // A read that returned null is a read of an unknown value (Knossos).
        (1, Invoke, "read", json!([0, null])),
        (1, Done, "read", json!([0, null])),
        (1, Invoke, "read", json!([0, null])),
        (1, Done, "read", json!([0, 1])),
    ]);
    let v = check(&h);
    assert_eq!(v.valid, Validity::Valid, "{}", explanation(&v));
    assert_eq!(
        v.results["results"]["0"]["linearizable"]["model"]["value"],
        1
    );
}

#[test]
fn a_stale_read_is_named_with_what_replaced_its_value() {
    // As after a partition: process 2's node still has 1 when 2 was written long ago.
    let h = history(
        &[
            write(0, 0, 1),
            write(1, 0, 2),
            read(2, 0, json!(2)),
            read(3, 0, json!(1)),
        ]
        .concat(),
    );
    let mut h = h;
    let grudge = json!({"n0": ["n1"], "n1": ["n0"]});
    h.insert(
        0,
        Op {
            process: Process::Nemesis,
            ..Op::client(0, Info, 0, "start-partition", json!(["isolated", grudge]))
        },
    );
    for (i, op) in h.iter_mut().enumerate() {
        op.index = i;
        op.time = i as u64 * 1_000_000;
    }
    let v = check(&h);
    assert_eq!(v.valid, Validity::Invalid);
    assert_eq!(v.results["failures"], json!(["0"]));
    let lin = &v.results["results"]["0"]["linearizable"];
    assert_eq!(lin["valid?"], false);
    assert_eq!(lin["op"]["process"], 3);
    assert_eq!(lin["op"]["value"], 1);
    assert_eq!(lin["previous-ok"]["process"], 2);
    assert_eq!(lin["final-paths"][0][0]["model"]["value"], 2);
    assert_eq!(
        lin["final-paths"][0][1]["model"]["inconsistent"],
        "can't read 1 from register 2"
    );
    let why = explanation(&v);
    assert_mentions(
        &why,
        &[
            "1 key, 4 operations, 0 of them crashed",
            "not linearizable: key 0",
            "key 0 is not linearizable: no order of its operations can include the read 1 by \
             process 3 (on n1), invoked at 0.007 s, ok at 0.008 s.",
            "A partition was in force when it began (since 0.000 s; who cannot hear whom: \
             {\"n0\":[\"n1\"],\"n1\":[\"n0\"]})",
            "The 3 operations that completed before it fit one order, and the register \
             then holds 2",
            "For example: register 2, then read 1: can't read 1 from register 2",
            "a stale read",
            "which the key held earlier (stored by the write 1 by process 0",
        ],
    );
}

fn assert_mentions(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "no {needle:?} in:\n{text}");
    }
}

#[test]
fn a_lost_write_is_caught_at_the_next_read() {
    let h = history(
        &[
            write(0, 0, 1),
            read(1, 0, json!(1)),
            write(0, 0, 2),
            read(1, 0, json!(1)),
        ]
        .concat(),
    );
    let v = check(&h);
    assert_eq!(v.valid, Validity::Invalid);
    assert_eq!(v.results["results"]["0"]["linearizable"]["op"]["index"], 7);
    assert!(explanation(&v).contains("a stale read"));
}

#[test]
fn a_lost_cas_is_caught() {
    // The cas was acknowledged but never applied.
    let h = history(&[write(0, 0, 1), cas(1, 0, 1, 3), read(0, 0, json!(1))].concat());
    let v = check(&h);
    assert_eq!(v.valid, Validity::Invalid);
    assert_mentions(
        &explanation(&v),
        &[
            "the read 1 by process 0",
            "(stored by the write 1 by process 0",
        ],
    );
}

#[test]
fn a_cas_against_the_wrong_value_is_caught() {
    let h = history(&[write(0, 0, 1), cas(1, 0, 2, 3)].concat());
    let v = check(&h);
    assert_eq!(v.valid, Validity::Invalid);
    let lin = &v.results["results"]["0"]["linearizable"];
    assert_eq!(lin["op"]["f"], "cas");
    assert_mentions(
        &explanation(&v),
        &[
            "the cas 2→3 by process 1",
            "register 1, then cas 2→3: can't CAS 1 from 2 to 3",
        ],
    );
}

#[test]
fn concurrent_operations_are_listed_for_a_failure() {
    // The read of 4 overlaps a cas 1→2 that is still running, and a crashed write of 3:
    // neither can make 4.
    let h = history(&[
        (0, Invoke, "write", json!([0, 1])),
        (0, Done, "write", json!([0, 1])),
        (1, Invoke, "cas", json!([0, [1, 2]])),
        (2, Invoke, "write", json!([0, 3])),
        (2, Info, "write", json!([0, 3])),
        (3, Invoke, "read", json!([0, null])),
        (3, Done, "read", json!([0, 4])),
        (1, Done, "cas", json!([0, [1, 2]])),
    ]);
    let v = check(&h);
    assert_eq!(v.valid, Validity::Invalid);
    let why = explanation(&v);
    assert_mentions(
        &why,
        &[
            "In flight with it, in any order: the cas 1→2 by process 1",
            "the write 3 by process 2 (on n0), invoked at 0.003 s, info at 0.004 s: it may \
             or may not have taken effect",
        ],
    );
    let paths = v.results["results"]["0"]["linearizable"]["final-paths"]
        .as_array()
        .unwrap()
        .clone();
    // From 1 (nothing concurrent linearized yet): the read alone, after the cas, after
    // the write, after both (the write then the cas is cut short by the cas). From 2 (the
    // cas linearized): alone or after the write. From 3 (the write too): alone.
    assert_eq!(paths.len(), 7, "{paths:?}");
    assert_eq!(paths[0].as_array().unwrap().len(), 2);
}

#[test]
fn keys_are_checked_apart_and_failures_listed() {
    let h = history(
        &[
            write(0, 0, 1),
            write(0, 1, 1),
            read(1, 1, json!(1)),
            read(1, 0, json!(2)),
            write(0, 10, 2),
        ]
        .concat(),
    );
    let mut h = h;
    // Nemesis entries belong to no key.
    h.push(Op {
        process: Process::Nemesis,
        ..Op::client(h.len(), Info, 0, "start-partition", json!("majority"))
    });
    let v = check(&h);
    assert_eq!(v.valid, Validity::Invalid);
    assert_eq!(v.results["failures"], json!(["0"]));
    let keys: Vec<&String> = v.results["results"].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 3);
    assert_eq!(v.results["results"]["1"]["valid?"], true);
    assert!(explanation(&v).contains("3 keys, 5 operations"));
}

/// Many writes of distinct values crash on one key, with reads that pin nothing down:
/// the orders to try multiply, and a small bound is hit.
#[test]
fn the_bound_makes_a_key_unknown() {
    let mut entries = Vec::new();
    for p in 0..12 {
        entries.push((p, Invoke, "write", json!([7, p])));
    }
    for p in 0..12 {
        entries.push((p, Info, "write", json!([7, p])));
    }
    for p in 20..30 {
        entries.extend(read(p, 7, json!(p % 12)));
    }
    entries.extend(read(40, 7, json!(99)));
    let h = history(&entries);
    let v = check_bounded(&h, &run(), 500);
    assert_eq!(v.valid, Validity::Unknown, "{}", explanation(&v));
    let key = &v.results["results"]["7"];
    assert_eq!(key["valid?"], "unknown");
    assert_eq!(key["linearizable"]["cause"], "search-limit");
    assert_eq!(key["linearizable"]["search-limit"], 500);
    assert_eq!(v.results["failures"], json!(["7"]));
    assert_mentions(
        &explanation(&v),
        &[
            "undecided: key 7 (see below)",
            "key 7 is undecided (unknown): the search gave up after exploring 501 \
             configurations (its bound is 500 per key)",
            "12 operations on this key crashed",
        ],
    );
    // With the default bound, the search finishes: the read of 99 is impossible.
    assert_eq!(check(&h).valid, Validity::Invalid);
}

#[test]
fn an_empty_history_is_valid() {
    let v = check(&[]);
    assert_eq!(v.valid, Validity::Valid);
    assert_eq!(v.results["results"], json!({}));
}
