//! A correct single-node transactional store: each transaction runs alone, start to
//! finish.

use test_nodes::{kind, txn};

fn main() {
    let (node, inbox) = test_nodes::start();
    let mut store = txn::Store::new();
    for message in inbox.iter().filter(|m| kind(m) == "txn") {
        let (done, _) = txn::execute(&mut store, &txn::mops(&message));
        node.reply(&message, txn::ok(done));
    }
}
