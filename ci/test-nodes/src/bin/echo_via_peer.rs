//! A correct echo node that takes one round trip to a peer before each reply: it asks the
//! next node to echo the text back, then answers the client. With `--latency L`, every
//! operation takes 2 × L plus whatever the runner adds, which is what it measures.
use std::collections::HashMap;

use serde_json::{Value, json};

fn main() {
    let (node, inbox) = test_nodes::start();
    let ids = node.ids.clone();
    let me = ids.iter().position(|id| *id == node.id).unwrap_or(0);
    let peer = ids[(me + 1) % ids.len()].clone();
    let mut waiting: HashMap<u64, Value> = HashMap::new();
    let mut next = 0u64;
    for msg in inbox {
        let body = &msg["body"];
        match test_nodes::kind(&msg) {
            "echo" => {
                next += 1;
                node.send(
                    &peer,
                    json!({"type": "relay", "echo": body["echo"], "ref": next}),
                );
                waiting.insert(next, msg);
            }
            "relay" => {
                let src = msg["src"].as_str().unwrap_or_default();
                node.send(
                    src,
                    json!({"type": "relay_ok", "echo": body["echo"], "ref": body["ref"]}),
                );
            }
            "relay_ok" => {
                if let Some(request) = body["ref"].as_u64().and_then(|r| waiting.remove(&r)) {
                    node.reply(&request, json!({"type": "echo_ok", "echo": body["echo"]}));
                }
            }
            _ => {}
        }
    }
}
