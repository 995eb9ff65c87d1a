//! `--seed` replays a run's choices: the operations asked and the partitions made.

use crate::common::{args, node, run};
use ci::history::{Op, OpType, Process};
use serde_json::Value;

fn history(bin: &str, args: &[&str]) -> Vec<Op> {
    let out = run(&node(bin), args);
    let text = std::fs::read_to_string(out.store.unwrap().join("history.jsonl")).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The values of the entries `keep` selects, in history order.
fn values(history: &[Op], keep: impl Fn(&Op) -> bool) -> Vec<Value> {
    history
        .iter()
        .filter(|op| keep(op))
        .map(|op| op.value.clone())
        .collect()
}

/// Both runs agree as far as both got (the last entries depend on timing).
fn assert_same_prefix(a: &[Value], b: &[Value], at_least: usize) {
    let n = a.len().min(b.len());
    assert!(n >= at_least, "only {n} entries to compare");
    assert_eq!(a[..n], b[..n]);
}

#[test]
fn the_same_seed_makes_the_same_partitions() {
    let command = |seed| {
        format!(
            "-w unique-ids --node-count 5 --time-limit 3 --rate 50 --nemesis partition \
             --nemesis-interval 0.3 --seed {seed}"
        )
    };
    let nemesis = |op: &Op| op.process == Process::Nemesis;
    let ids = "correct_unique_ids";
    let first = values(&history(ids, &args(&command(21))), nemesis);
    let again = values(&history(ids, &args(&command(21))), nemesis);
    let other = values(&history(ids, &args(&command(22))), nemesis);
    assert_same_prefix(&first, &again, 8);
    let n = first.len().min(other.len());
    assert_ne!(first[..n], other[..n], "another seed, other partitions");
}

#[test]
fn the_same_seed_asks_the_same_operations() {
    // One client thread, so history order is generation order.
    let command = |seed| {
        format!("-w echo --node-count 3 --time-limit 2 --rate 100 --concurrency 1 --seed {seed}")
    };
    let invoked = |op: &Op| op.kind == OpType::Invoke;
    let first = values(&history("correct_echo", &args(&command(5))), invoked);
    let again = values(&history("correct_echo", &args(&command(5))), invoked);
    let other = values(&history("correct_echo", &args(&command(6))), invoked);
    assert_same_prefix(&first, &again, 100);
    let n = first.len().min(other.len());
    assert_ne!(first[..n], other[..n]);
}
