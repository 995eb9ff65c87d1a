//! A correct echo node.
use serde_json::json;

fn main() {
    let (node, inbox) = test_nodes::start();
    for msg in inbox {
        let echo = &msg["body"]["echo"];
        node.reply(&msg, json!({"type": "echo_ok", "echo": echo}));
    }
}
