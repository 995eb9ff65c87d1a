//! A single-node transactional store that reads 0, a value nobody wrote, for a key that
//! has never been written (where a correct store reads null). Elle's rw-register checker,
//! which Maelstrom uses, does not count such a read as an anomaly.

use serde_json::{Value, json};
use test_nodes::{kind, txn};

fn main() {
    let (node, inbox) = test_nodes::start();
    let mut store = txn::Store::new();
    for message in inbox.iter().filter(|m| kind(m) == "txn") {
        let (done, _) = txn::execute(&mut store, &txn::mops(&message));
        let done = done
            .into_iter()
            .map(|mop| match (&mop[0], &mop[2]) {
                (f, Value::Null) if f == "r" => json!(["r", mop[1], 0]),
                _ => mop,
            })
            .collect();
        node.reply(&message, txn::ok(done));
    }
}
