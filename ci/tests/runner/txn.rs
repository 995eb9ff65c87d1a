//! The txn-rw-register workload with fly.io's commands (6a, 6b, 6c), shortened: correct
//! stores pass, and each broken one fails for its own reason.

use crate::common::{node, run};
use ci::checker::Validity;
use ci::run::Outcome;

/// `-w txn-rw-register --rate 1000 --concurrency 2n` plus `extra`, 5 s instead of 20.
fn challenge(bin: &str, extra: &[&str]) -> Outcome {
    challenge_for("5", bin, extra)
}

fn challenge_for(seconds: &str, bin: &str, extra: &[&str]) -> Outcome {
    let mut args = vec![
        "-w",
        "txn-rw-register",
        "--time-limit",
        seconds,
        "--rate",
        "1000",
        "--concurrency",
        "2n",
        "--seed",
        "6",
    ];
    args.extend_from_slice(extra);
    run(&node(bin), &args)
}

fn anomaly_types(out: &Outcome) -> Vec<String> {
    let types = &out.results["workload"]["anomaly-types"];
    serde_json::from_value(types.clone()).unwrap_or_default()
}

const SINGLE: &[&str] = &["--node-count", "1"];
const PAIR: &[&str] = &["--node-count", "2"];
const UNCOMMITTED: &[&str] = &["--consistency-models", "read-uncommitted"];
const COMMITTED: &[&str] = &["--consistency-models", "read-committed"];
const PARTITIONED: &[&str] = &["--availability", "total", "--nemesis", "partition"];

#[test]
fn a_single_node_store_passes_6a() {
    let out = challenge(
        "store_single",
        &[SINGLE, UNCOMMITTED, &["--availability", "total"]].concat(),
    );
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
    assert_eq!(out.results["availability"]["ok-fraction"], 1.0);
}

#[test]
fn a_single_node_store_is_strict_serializable() {
    let strict = ["--consistency-models", "strict-serializable"];
    let out = challenge("store_single", &[SINGLE, &strict].concat());
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
    assert!(out.summary.contains("realtime"), "{}", out.summary);
}

#[test]
fn replicating_whole_transactions_passes_6b() {
    let out = challenge("store_replicated", &[PAIR, UNCOMMITTED].concat());
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
    let out = challenge(
        "store_replicated",
        &[PAIR, UNCOMMITTED, PARTITIONED].concat(),
    );
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
}

#[test]
fn replicating_whole_transactions_passes_6c() {
    let out = challenge("store_replicated", &[PAIR, COMMITTED, PARTITIONED].concat());
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
    assert_eq!(out.results["availability"]["ok-fraction"], 1.0);
}

#[test]
fn showing_half_a_transaction_is_an_intermediate_read() {
    let out = challenge("store_half_applied", &[SINGLE, COMMITTED].concat());
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert!(
        anomaly_types(&out).contains(&"G1b".into()),
        "{}",
        out.summary
    );
    assert!(out.summary.contains("written by an intermediate write of"));
}

#[test]
fn keeping_an_aborted_transactions_writes_is_an_aborted_read() {
    let out = challenge("store_aborted_read", &[SINGLE, COMMITTED].concat());
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(anomaly_types(&out), ["G1a"], "{}", out.summary);
    // Read uncommitted allows it.
    let out = challenge("store_aborted_read", &[SINGLE, UNCOMMITTED].concat());
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
}

/// Dirty reads and writes show up as G1c under read committed. Read uncommitted cannot
/// see these dirty writes: register histories reveal write order only where a
/// transaction read a value and then overwrote it (jepsen-io/maelstrom#56).
#[test]
fn interleaving_transactions_makes_g1c_cycles() {
    let out = challenge_for("10", "store_interleaved", &[SINGLE, COMMITTED].concat());
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert!(
        anomaly_types(&out).contains(&"G1c".into()),
        "{}",
        out.summary
    );
    assert!(
        out.summary.contains("which T2 read (wr)"),
        "{}",
        out.summary
    );
}

/// Elle's rw-register checker in the version Maelstrom uses (0.2.2,
/// `elle:src/elle/rw_register.clj`, `check` and `wr-graph`) finds no anomaly in a read
/// of a value nobody wrote: the run passes, and the summary only mentions it.
#[test]
fn reading_zero_for_a_missing_key_is_no_anomaly() {
    let out = challenge("store_zero_default", SINGLE);
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
    assert!(out.summary.contains("nobody wrote"), "{}", out.summary);
}
