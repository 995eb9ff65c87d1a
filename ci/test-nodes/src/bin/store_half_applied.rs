//! A broken store: it makes the first half of a transaction's writes visible at once and
//! the rest only after the next transaction has run, so that transaction can read a
//! value its writer later overwrote (G1b, intermediate read).

use test_nodes::{kind, txn};

fn main() {
    let (node, inbox) = test_nodes::start();
    let mut store = txn::Store::new();
    let mut pending: Vec<(String, serde_json::Value)> = Vec::new();
    for message in inbox.iter().filter(|m| kind(m) == "txn") {
        let mut overlay = txn::Store::new();
        let (done, writes) = txn::run(&store, &mut overlay, &txn::mops(&message));
        store.extend(pending.drain(..));
        let half = writes.len().div_ceil(2);
        let (now, later) = writes.split_at(half);
        store.extend(now.iter().cloned());
        pending = later.to_vec();
        node.reply(&message, txn::ok(done));
    }
}
