//! A correct lin-kv store for one node: one map, each request applied to it in turn.
//! With more nodes each has its own map, and that is not linearizable.

use test_nodes::{kind, lin_kv};

fn main() {
    let (node, inbox) = test_nodes::start();
    let mut map = lin_kv::Map::new();
    for message in inbox.iter() {
        if matches!(kind(&message), "read" | "write" | "cas") {
            let reply = lin_kv::apply(&mut map, &message["body"]);
            node.reply(&message, reply);
        }
    }
}
