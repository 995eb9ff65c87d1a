//! An echo node whose replies leave out `in_reply_to`.
use serde_json::json;

fn main() {
    let (node, inbox) = test_nodes::start();
    for msg in inbox {
        let src = msg["src"].as_str().unwrap_or_default();
        node.send(src, json!({"type": "echo_ok", "echo": msg["body"]["echo"]}));
    }
}
