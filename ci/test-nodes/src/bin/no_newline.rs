//! An echo node that answers init properly but writes its replies without a newline.
use std::io::Write;

use serde_json::json;

fn main() {
    let (node, inbox) = test_nodes::start();
    for msg in inbox {
        let body = json!({"type": "echo_ok", "echo": msg["body"]["echo"],
            "in_reply_to": msg["body"]["msg_id"]});
        let reply = json!({"src": node.id, "dest": msg["src"], "body": body});
        let mut out = std::io::stdout().lock();
        let _ = write!(out, "{reply}").and_then(|()| out.flush());
    }
}
