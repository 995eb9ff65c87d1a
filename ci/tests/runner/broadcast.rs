//! The broadcast workload against a correct gossiping node and two broken ones.

use crate::common::{assert_partitioned, node, run, script, verdict_of};
use ci::checker::Validity;

fn args<'a>(nodes: &'a str, seconds: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "-w",
        "broadcast",
        "--node-count",
        nodes,
        "--time-limit",
        seconds,
        "--rate",
        "10",
        "--seed",
        "5",
    ];
    args.extend_from_slice(extra);
    args
}

fn count(out: &ci::run::Outcome, key: &str) -> u64 {
    out.results["workload"][key].as_u64().unwrap_or_default()
}

/// A valid run in which partitions really cut a node off, and every one of the many
/// values broadcast reached every later read.
fn assert_nothing_lost_across_partitions(out: &ci::run::Outcome) {
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
    assert_partitioned(out);
    let attempts = count(out, "attempt-count");
    assert!(attempts > 50, "{}", out.summary);
    assert_eq!(count(out, "stable-count"), attempts, "{}", out.summary);
}

#[test]
fn a_gossiping_node_loses_nothing_under_partitions() {
    let out = run(
        &node("bcast_gossip"),
        &args("5", "20", &["--nemesis", "partition"]),
    );
    assert_nothing_lost_across_partitions(&out);
    // Values broadcast while a partition lasted took a while to arrive.
    assert!(count(&out, "stale-count") > 0, "{}", out.summary);
}

#[test]
fn a_python_gossiping_node_passes_under_partitions_too() {
    let out = run(
        &script("broadcast.py"),
        &args("5", "20", &["--nemesis", "partition"]),
    );
    assert_nothing_lost_across_partitions(&out);
}

#[test]
fn a_node_that_never_forwards_passes_alone_and_loses_values_in_company() {
    let alone = run(&node("bcast_silent"), &args("1", "3", &[]));
    assert_eq!(alone.valid, Validity::Valid, "{}", alone.summary);

    let out = run(&node("bcast_silent"), &args("5", "5", &[]));
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(verdict_of(&out, "workload"), false);
    assert_eq!(verdict_of(&out, "stats"), true);
    assert!(count(&out, "lost-count") > 10, "{}", out.summary);
    // Which values count as lost depends on the order the final reads began in (a
    // value only its own node has is "stable" if that node's read began last).
    let lost = out.summary.lines().find(|l| l.contains("lost: value"));
    let lost = lost.unwrap_or_else(|| panic!("no lost value in {}", out.summary));
    assert!(lost.contains("was acknowledged by n"), "{lost}");
    assert!(lost.contains("but the final read on n"), "{lost}");
}

#[test]
fn a_node_that_forwards_once_fails_only_under_partitions() {
    let calm = run(&node("bcast_once"), &args("5", "5", &[]));
    assert_eq!(calm.valid, Validity::Valid, "{}", calm.summary);

    // Long enough for several partitions: which values the checker can call lost
    // depends on which node's final read begins last, so give it many chances.
    let partitioned = args(
        "5",
        "20",
        &["--nemesis", "partition", "--nemesis-interval", "2"],
    );
    let out = run(&node("bcast_once"), &partitioned);
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(verdict_of(&out, "workload"), false);
    assert!(count(&out, "lost-count") > 0, "{}", out.summary);
    assert!(out.results["workload"]["lost-latencies"].is_object());
    assert!(out.summary.contains("lost: value"), "{}", out.summary);
}
