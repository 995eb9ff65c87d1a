//! The pn-counter workload: a PN-counter CRDT passes under partitions; a G-counter of
//! signed totals loses decrements, and a node that resends deltas to peers that apply
//! every copy double-counts. The counters of Maelstrom's guide, in Python, behave as
//! the guide shows.

use crate::common::{args, assert_partitioned, node, run, script, verdict_of};
use ci::checker::Validity;
use ci::run::Outcome;

/// A valid counter run: one total acceptable, every final read equal to it.
fn assert_exact_total(out: &Outcome, nodes: usize) {
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
    let workload = &out.results["workload"];
    let acceptable = workload["acceptable"].as_array().unwrap();
    assert_eq!(acceptable.len(), 1, "{}", out.summary);
    let total = &acceptable[0][0];
    assert_eq!(acceptable[0][1], *total, "{}", out.summary);
    let reads = workload["final-reads"].as_array().unwrap();
    assert_eq!(reads.len(), nodes, "{}", out.summary);
    assert!(reads.iter().all(|read| read == total), "{}", out.summary);
}

/// Rejected for its final reads: the workload checker alone fails the run.
fn assert_wrong_totals(out: &Outcome) {
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(verdict_of(out, "workload"), false);
    assert_eq!(verdict_of(out, "stats"), true);
    let errors = out.results["workload"]["errors"].as_array();
    assert!(errors.is_some_and(|e| !e.is_empty()), "{}", out.summary);
    assert!(out.summary.contains("which is not"), "{}", out.summary);
}

const PARTITIONED: &str = "-w pn-counter --node-count 3 --rate 50 --time-limit 10 \
                           --nemesis partition --nemesis-interval 2 --seed 4";

#[test]
fn a_pn_counter_crdt_reads_the_exact_total_after_partitions() {
    let out = run(&node("pn_counter"), &args(PARTITIONED));
    assert_exact_total(&out, 3);
    assert_partitioned(&out);
}

#[test]
fn a_g_counter_of_signed_totals_loses_decrements() {
    let out = run(&node("pn_counter_signed"), &args(PARTITIONED));
    assert_wrong_totals(&out);
    // Peers keep a node's larger total from before its decrements.
    assert!(out.summary.contains("too many"), "{}", out.summary);
}

#[test]
fn resending_deltas_to_peers_that_apply_every_copy_double_counts() {
    let line = "-w pn-counter --node-count 3 --rate 50 --time-limit 5 --latency 100 --seed 4";
    let out = run(&node("pn_counter_resend"), &args(line));
    assert_wrong_totals(&out);
    // Without latency every acknowledgement beats the resend timer.
    let line = "-w pn-counter --node-count 3 --rate 50 --time-limit 5 --seed 4";
    assert_exact_total(&run(&node("pn_counter_resend"), &args(line)), 3);
}

/// The guide's `./maelstrom test -w g-counter --bin counter.rb --time-limit 20 --rate 10`
/// with its first counter, a G-counter.
#[test]
fn the_guides_g_counter_passes_g_counter() {
    let line = "-w g-counter --time-limit 20 --rate 10 --seed 2";
    let out = run(&script("counter.py"), &[&args(line)[..], &["g"]].concat());
    assert_exact_total(&out, 5);
}

/// `-w pn-counter --bin counter.rb --time-limit 20 --rate 10` with the same G-counter:
/// "Our value was *supposed* to be -38, but wound up as 11 instead."
#[test]
fn the_guides_g_counter_fails_pn_counter() {
    let line = "-w pn-counter --time-limit 20 --rate 10 --seed 2";
    let out = run(&script("counter.py"), &[&args(line)[..], &["g"]].concat());
    assert_wrong_totals(&out);
}

/// The guide's PN-counter, `-w pn-counter --time-limit 20 --rate 10`.
#[test]
fn the_guides_pn_counter_passes() {
    let line = "-w pn-counter --time-limit 20 --rate 10 --seed 2";
    assert_exact_total(&run(&script("counter.py"), &args(line)), 5);
}

/// And `--time-limit 30 --rate 10 --nemesis partition`.
#[test]
fn the_guides_pn_counter_passes_under_partitions() {
    let line = "-w pn-counter --time-limit 30 --rate 10 --nemesis partition --seed 2";
    let out = run(&script("counter.py"), &args(line));
    assert_exact_total(&out, 5);
    assert_partitioned(&out);
}
