//! The txn-list-append workload: a single-node store passes strict serializability;
//! stores that lose, duplicate or abort appends fail for their own reasons, and so do
//! several unsynchronized copies of the correct one. The single-node transactor of
//! Maelstrom's guide, in Python, behaves as the guide shows.

use crate::common::{args, node, run, script};
use ci::checker::Validity;
use ci::run::Outcome;

/// `-w txn-list-append --rate 100 --concurrency 2n --time-limit 10`, strict
/// serializable by default, plus `extra`, on `nodes` nodes.
fn on_nodes(nodes: usize, bin: &str, extra: &str) -> Outcome {
    let line = format!(
        "-w txn-list-append --node-count {nodes} --rate 100 --concurrency 2n \
         --time-limit 10 --seed 3 {extra}"
    );
    run(&node(bin), &args(&line))
}

fn single(bin: &str, extra: &str) -> Outcome {
    on_nodes(1, bin, extra)
}

fn anomaly_types(out: &Outcome) -> Vec<String> {
    let types = &out.results["workload"]["anomaly-types"];
    serde_json::from_value(types.clone()).unwrap_or_default()
}

/// Invalid, because of the workload's checker, with `anomaly` among the reasons.
fn assert_anomaly(out: &Outcome, anomaly: &str) {
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(out.results["workload"]["valid?"], false, "{}", out.summary);
    assert!(
        anomaly_types(out).contains(&anomaly.to_string()),
        "no {anomaly} in {}",
        out.summary
    );
}

#[test]
fn a_single_node_store_is_strict_serializable() {
    let out = single("append_single", "");
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
    let workload = &out.results["workload"];
    assert_eq!(workload["valid?"], true);
    assert!(out.summary.contains("realtime"), "{}", out.summary);
    assert_eq!(out.results["availability"]["ok-fraction"], 1.0);
}

/// The transaction that made a lost append read it back; later reads do not have it,
/// so reads of the key disagree on its order, as Elle's documentation of
/// `list_append.clj` predicts ("[1 2 3], [1 3 4]: 2 has been lost!"). (The unit tests
/// show the cycle a lost append nobody read makes under real-time order.)
#[test]
fn a_lost_append_makes_reads_disagree() {
    let out = single("append_lost", "");
    assert_anomaly(&out, "incompatible-order");
    assert!(
        out.summary.contains("neither is a prefix of the other"),
        "{}",
        out.summary
    );
}

#[test]
fn an_append_stored_twice_is_a_duplicate_element() {
    let out = single("append_duplicate", "--consistency-models read-uncommitted");
    assert_anomaly(&out, "duplicate-elements");
}

#[test]
fn a_transaction_reported_aborted_but_kept_is_an_aborted_read() {
    let out = single("append_aborted", "--consistency-models read-committed");
    assert_anomaly(&out, "G1a");
    assert!(
        out.summary.contains("appended by the failed op"),
        "{}",
        out.summary
    );
    let out = single("append_aborted", "--consistency-models read-uncommitted");
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
}

#[test]
fn two_unsynchronized_stores_read_incompatible_orders() {
    let out = on_nodes(2, "append_single", "--consistency-models read-committed");
    assert_anomaly(&out, "incompatible-order");
    assert!(
        out.summary.contains("neither is a prefix of the other"),
        "{}",
        out.summary
    );
}

/// The guide's `./maelstrom test -w txn-list-append --bin datomic.rb --time-limit 10
/// --node-count 1`, then, with more clients, `--time-limit 30 --node-count 1
/// --concurrency 10n --rate 100`.
#[test]
fn the_guides_single_node_transactor_passes() {
    let line = "-w txn-list-append --time-limit 10 --node-count 1 --seed 1";
    let out = run(&script("datomic.py"), &args(line));
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
    let line = "-w txn-list-append --time-limit 30 --node-count 1 --concurrency 10n \
                --rate 100 --seed 1";
    let out = run(&script("datomic.py"), &args(line));
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
}

/// "What happens when we add more nodes?" `--time-limit 10 --node-count 2`: not even
/// read committed, because of incompatible orders.
#[test]
fn the_guides_transactor_fails_on_two_nodes() {
    let line = "-w txn-list-append --time-limit 10 --node-count 2 --seed 1";
    let out = run(&script("datomic.py"), &args(line));
    assert_anomaly(&out, "incompatible-order");
    let workload = &out.results["workload"];
    let ruled_out = [&workload["not"], &workload["also-not"]];
    assert!(
        ruled_out.iter().any(|models| models
            .as_array()
            .unwrap()
            .contains(&"read-committed".into())),
        "{}",
        out.summary
    );
}
