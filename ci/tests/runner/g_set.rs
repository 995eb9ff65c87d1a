//! The g-set workload: a gossiping CRDT passes under partitions, a node that passes
//! each element on only once loses elements to them, and the G-set of Maelstrom's
//! guide, in Python, passes with the guide's commands.

use crate::common::{args, assert_partitioned, node, run, script, verdict_of};
use ci::checker::Validity;
use ci::run::Outcome;

fn count(out: &Outcome, key: &str) -> u64 {
    out.results["workload"][key].as_u64().unwrap_or_default()
}

const PARTITIONED: &str = "-w g-set --node-count 3 --rate 50 --time-limit 10 \
                           --nemesis partition --nemesis-interval 2 --seed 7";

#[test]
fn a_gossiping_g_set_loses_nothing_under_partitions() {
    let out = run(&node("gset_gossip"), &args(PARTITIONED));
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
    assert_partitioned(&out);
    let attempts = count(&out, "attempt-count");
    assert!(attempts > 100, "{}", out.summary);
    assert_eq!(count(&out, "stable-count"), attempts, "{}", out.summary);
    assert_eq!(count(&out, "lost-count"), 0, "{}", out.summary);
}

#[test]
fn a_g_set_that_passes_elements_on_once_loses_them_to_partitions() {
    let out = run(&node("gset_once"), &args(PARTITIONED));
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(verdict_of(&out, "workload"), false);
    assert_eq!(verdict_of(&out, "stats"), true);
    assert!(count(&out, "lost-count") > 0, "{}", out.summary);
    assert!(out.summary.contains("lost: value"), "{}", out.summary);
}

/// The guide's `./maelstrom test -w g-set --bin g_set.rb --time-limit 20 --rate 10`.
#[test]
fn the_guides_g_set_passes() {
    let line = "-w g-set --time-limit 20 --rate 10 --seed 1";
    let out = run(&script("g_set.py"), &args(line));
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
    assert_eq!(count(&out, "lost-count"), 0, "{}", out.summary);
    assert!(count(&out, "stable-count") > 50, "{}", out.summary);
}

/// The guide's `--time-limit 30 --rate 10 --nemesis partition`.
#[test]
fn the_guides_g_set_passes_under_partitions() {
    let line = "-w g-set --time-limit 30 --rate 10 --nemesis partition --seed 1";
    let out = run(&script("g_set.py"), &args(line));
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
    assert_partitioned(&out);
    assert_eq!(count(&out, "lost-count"), 0, "{}", out.summary);
}
