//! A correct unique-ids node: its own id and a counter.
use serde_json::json;

fn main() {
    let (node, inbox) = test_nodes::start();
    for (n, msg) in inbox.into_iter().enumerate() {
        let id = format!("{}-{n}", node.id);
        node.reply(&msg, json!({"type": "generate_ok", "id": id}));
    }
}
