//! A single-node grow-only counter that refuses every fourth add with error 11
//! (temporarily unavailable) and does not apply it. Correct, but Maelstrom's g-counter
//! client has no `with-errors`, so each refusal ends its operation in an exception.

use serde_json::json;
use test_nodes::kind;

fn main() {
    let (node, inbox) = test_nodes::start();
    let (mut total, mut adds) = (0, 0u64);
    for message in inbox {
        match kind(&message) {
            "add" => {
                adds += 1;
                if adds.is_multiple_of(4) {
                    let busy = json!({"type": "error", "code": 11, "text": "busy"});
                    node.reply(&message, busy);
                    continue;
                }
                total += message["body"]["delta"].as_i64().unwrap_or(0);
                node.reply(&message, json!({"type": "add_ok"}));
            }
            "read" => node.reply(&message, json!({"type": "read_ok", "value": total})),
            _ => {}
        }
    }
}
