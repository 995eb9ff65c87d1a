//! An echo node that changes the payload: it answers with the text upper-cased.
use serde_json::json;

fn main() {
    let (node, inbox) = test_nodes::start();
    for msg in inbox {
        let echo = msg["body"]["echo"]
            .as_str()
            .unwrap_or_default()
            .to_uppercase();
        node.reply(&msg, json!({"type": "echo_ok", "echo": echo}));
    }
}
