//! The g-counter workload against a correct seq-kv counter and two broken ones.

use crate::common::{node, run, verdict_of};
use ci::checker::Validity;

fn args(seconds: &str) -> Vec<&str> {
    vec![
        "-w",
        "g-counter",
        "--node-count",
        "3",
        "--rate",
        "100",
        "--time-limit",
        seconds,
        "--nemesis",
        "partition",
        "--seed",
        "11",
    ]
}

#[test]
fn a_seq_kv_counter_reads_the_exact_total() {
    let out = run(&node("counter_seq_kv"), &args("10"));
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
    let workload = &out.results["workload"];
    // No add was left in doubt, so exactly one total is acceptable, and every node's
    // final read is it.
    let acceptable = workload["acceptable"].as_array().unwrap();
    assert_eq!(acceptable.len(), 1, "{}", out.summary);
    let total = &acceptable[0][0];
    assert_eq!(acceptable[0][1], *total);
    assert!(total.as_i64().unwrap() > 100, "{}", out.summary);
    let reads = workload["final-reads"].as_array().unwrap();
    assert_eq!(reads.len(), 3);
    assert!(reads.iter().all(|read| read == total), "{}", out.summary);
}

#[test]
fn a_counter_that_never_syncs_misses_other_nodes_adds() {
    let out = run(&node("counter_local"), &args("5"));
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(verdict_of(&out, "workload"), false);
    assert_eq!(verdict_of(&out, "stats"), true);
    assert_eq!(
        out.results["workload"]["errors"].as_array().unwrap().len(),
        3
    );
    assert!(out.summary.contains("too few"), "{}", out.summary);
    assert!(!out.summary.contains("too many"), "{}", out.summary);
}

#[test]
fn a_counter_that_counts_its_own_adds_twice_overshoots() {
    let out = run(&node("counter_double"), &args("5"));
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(verdict_of(&out, "workload"), false);
    assert!(out.summary.contains("too many"), "{}", out.summary);
    assert!(!out.summary.contains("too few"), "{}", out.summary);
}

/// Maelstrom's g-counter client (`src/maelstrom/workload/pn_counter.clj`) has no
/// `with-errors`, so an error reply, even a definite one, escapes as an exception: the
/// add is indeterminate and Jepsen's `unhandled-exceptions` checker lists it.
#[test]
fn refused_adds_are_exceptions() {
    let args = [
        "-w",
        "g-counter",
        "--node-count",
        "1",
        "--rate",
        "100",
        "--time-limit",
        "3",
        "--seed",
        "11",
    ];
    let out = run(&node("counter_busy"), &args);
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
    let listed = &out.results["exceptions"]["exceptions"];
    assert_eq!(listed[0]["class"], "rpc-error", "{}", out.summary);
    let refused = out.results["stats"]["by-f"]["add"]["info-count"].clone();
    assert!(refused.as_u64() > Some(0), "{}", out.summary);
    assert_eq!(listed[0]["count"], refused, "{}", out.summary);
}
