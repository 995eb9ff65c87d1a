//! A broken store: it reports every fifth transaction that writes as aborted (error 30,
//! txn-conflict) but keeps its writes, so others read what a failed transaction wrote
//! (G1a, aborted read).

use serde_json::json;
use test_nodes::{kind, txn};

fn main() {
    let (node, inbox) = test_nodes::start();
    let mut store = txn::Store::new();
    let mut writers = 0u64;
    for message in inbox.iter().filter(|m| kind(m) == "txn") {
        let (done, writes) = txn::execute(&mut store, &txn::mops(&message));
        if !writes.is_empty() {
            writers += 1;
            if writers.is_multiple_of(5) {
                let abort = json!({"type": "error", "code": 30, "text": "conflict"});
                node.reply(&message, abort);
                continue;
            }
        }
        node.reply(&message, txn::ok(done));
    }
}
