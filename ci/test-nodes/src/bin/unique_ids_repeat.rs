//! A unique-ids node whose ids repeat across nodes: a counter alone.
use serde_json::json;

fn main() {
    let (node, inbox) = test_nodes::start();
    for (n, msg) in inbox.into_iter().enumerate() {
        node.reply(&msg, json!({"type": "generate_ok", "id": n}));
    }
}
