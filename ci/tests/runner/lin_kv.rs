//! The lin-kv workload: correct stores pass (partitions included where they are meant
//! to survive them), broken ones fail as not linearizable, and the first node of
//! Maelstrom's Raft guide passes with the guide's flags.

use crate::common::{args, assert_mentions, node, run, script};
use ci::checker::Validity;
use ci::run::{FailureKind, Outcome};

/// The keys the linearizability checker found wrong.
fn failures(out: &Outcome) -> Vec<String> {
    serde_json::from_value(out.results["workload"]["failures"].clone()).unwrap_or_default()
}

fn assert_valid(out: &Outcome) {
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
    assert_eq!(out.exit_code, 0);
    assert!(failures(out).is_empty());
}

fn assert_not_linearizable(out: &Outcome, needles: &[&str]) {
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(out.results["workload"]["valid?"], false, "{}", out.summary);
    assert!(!failures(out).is_empty());
    assert_mentions(
        &out.summary,
        &["is not linearizable: no order of its operations can include"],
    );
    assert_mentions(&out.summary, needles);
}

/// Maelstrom's guide: `--time-limit 10 --rate 10 --node-count 1 --concurrency 2n`.
const GUIDE: &str = "-w lin-kv --time-limit 10 --rate 10 --node-count 1 --concurrency 2n";

#[test]
fn the_raft_guides_first_node_passes_with_the_guides_flags() {
    let out = run(&script("lin_kv.py"), &args(&format!("{GUIDE} --seed 1")));
    assert_valid(&out);
    // One group of two threads, no crash: every operation is on key 0.
    let results = out.results["workload"]["results"].as_object().unwrap();
    assert_eq!(results.keys().collect::<Vec<_>>(), ["0"]);
    assert_eq!(results["0"]["linearizable"]["valid?"], true);
    assert!(out.results["stats"]["ok-count"].as_u64().unwrap() > 40);
}

#[test]
fn the_raft_guides_first_node_is_not_linearizable_on_two_nodes() {
    // The guide's second command: two independent copies of the map.
    let line = "-w lin-kv --time-limit 10 --node-count 2 --rate 10 --concurrency 2n --seed 1";
    let out = run(&script("lin_kv.py"), &args(line));
    assert_not_linearizable(&out, &["key 0"]);
}

#[test]
fn lin_kv_needs_two_threads_per_node_per_key() {
    let out = run(
        &node("linkv_single"),
        &args("-w lin-kv --time-limit 2 --node-count 1"),
    );
    assert_eq!(out.exit_code, 255);
    let failure = out.failure.unwrap();
    assert_eq!(failure.kind, FailureKind::Startup);
    assert_mentions(&failure.message, &["--concurrency 2n"]);
}

#[test]
fn a_single_node_map_passes() {
    let line = "-w lin-kv --time-limit 5 --rate 100 --node-count 1 --concurrency 2n --seed 2";
    let out = run(&node("linkv_single"), &args(line));
    assert_valid(&out);
    // Reads and cas of the missing key fail at first, and cas often fails its check:
    // definite failures, which the checker drops.
    assert!(out.results["stats"]["fail-count"].as_u64().unwrap() > 0);
}

#[test]
fn forwarding_to_lin_kv_passes_under_partitions() {
    let line = "-w lin-kv --time-limit 10 --rate 100 --node-count 5 --concurrency 2n \
                --nemesis partition --nemesis-interval 2 --seed 3";
    let out = run(&node("linkv_proxy"), &args(line));
    assert_valid(&out);
    assert!(out.results["stats"]["ok-count"].as_u64().unwrap() > 500);
}

#[test]
fn several_groups_work_several_keys() {
    let line = "-w lin-kv --time-limit 5 --rate 100 --node-count 3 --concurrency 4n --seed 4";
    let out = run(&node("linkv_proxy"), &args(line));
    assert_valid(&out);
    let results = out.results["workload"]["results"].as_object().unwrap();
    assert_eq!(results.keys().collect::<Vec<_>>(), ["0", "1"]);
}

#[test]
fn reading_a_local_copy_is_a_stale_read_under_partitions() {
    let line = "-w lin-kv --time-limit 10 --rate 100 --node-count 3 --concurrency 2n \
                --nemesis partition --nemesis-interval 2 --seed 5";
    let out = run(&node("linkv_local_reads"), &args(line));
    assert_not_linearizable(&out, &["the read", "a stale read"]);
}

#[test]
fn acknowledging_a_cas_that_was_not_done_is_caught() {
    let line = "-w lin-kv --time-limit 5 --rate 100 --node-count 3 --concurrency 2n --seed 6";
    let out = run(&node("linkv_lost_cas"), &args(line));
    assert_not_linearizable(&out, &["key 0"]);
}

/// A node that never answers: lin-kv's client gives up after 1 s (with `--latency 0`),
/// not 5 s; the reads fail and the writes and cas are indeterminate, which is no
/// linearizability fault.
#[test]
fn the_client_waits_a_second_for_a_silent_node() {
    let line = "-w lin-kv --time-limit 4 --rate 10 --node-count 1 --concurrency 2n --seed 7";
    let out = run(&node("mute"), &args(line));
    assert_eq!(out.results["workload"]["valid?"], true, "{}", out.summary);
    let history = std::fs::read_to_string(out.store.unwrap().join("history.jsonl")).unwrap();
    let ops: Vec<serde_json::Value> = history
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let mut waits = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        if op["type"] == "invoke" {
            let done = ops[i..]
                .iter()
                .find(|c| c["process"] == op["process"] && c["type"] != "invoke");
            if let Some(done) = done {
                assert_eq!(done["error"], "net-timeout", "{done}");
                let kind = if op["f"] == "read" { "fail" } else { "info" };
                assert_eq!(done["type"], kind, "{done}");
                let ns = done["time"].as_u64().unwrap() - op["time"].as_u64().unwrap();
                waits.push(ns as f64 / 1e9);
            }
        }
    }
    assert!(waits.len() >= 4, "{waits:?}");
    assert!(waits.iter().all(|w| (0.95..1.5).contains(w)), "{waits:?}");
    // The protocol check explains the timeouts with the timeout the clients had.
    assert_mentions(&out.summary, &["requests got no reply within 1 s"]);
}

/// Slow service answers make the proxy give up (an indefinite error) on requests that
/// lin-kv may still carry out: indeterminate writes and cas, which the checker must
/// allow to have happened late or never. Each moves its thread to a new process, and
/// the generator to a fresh key after 15 of them (20 processes, 6 to start with).
#[test]
fn indeterminate_operations_pass_and_move_keys_on() {
    let line = "-w lin-kv --time-limit 15 --rate 50 --node-count 3 --concurrency 2n \
                --latency 150 --latency-dist exponential --seed 8";
    let out = run(&node("linkv_proxy"), &args(line));
    assert_valid(&out);
    let info = out.results["stats"]["info-count"].as_u64().unwrap();
    assert!(info >= 16, "{}", out.summary);
    let keys = out.results["workload"]["results"]
        .as_object()
        .unwrap()
        .len();
    assert!(keys >= 2, "{}", out.summary);
}
