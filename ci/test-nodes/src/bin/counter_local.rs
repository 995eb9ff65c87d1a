//! A broken grow-only counter: each node counts only the adds it received itself and
//! never syncs with the others, so every node's final read misses the other nodes' adds.

use serde_json::json;
use test_nodes::kind;

fn main() {
    let (node, inbox) = test_nodes::start();
    let mut total = 0;
    for message in inbox {
        match kind(&message) {
            "add" => {
                total += message["body"]["delta"].as_i64().unwrap_or(0);
                node.reply(&message, json!({"type": "add_ok"}));
            }
            "read" => node.reply(&message, json!({"type": "read_ok", "value": total})),
            _ => {}
        }
    }
}
