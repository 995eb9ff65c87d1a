//! A broken lin-kv store: writes and cas go through the `lin-kv` service, but reads
//! answer from a local copy, which hears of other nodes' changes only by a message
//! that a partition (or plain latency) holds up. Its reads go stale: not linearizable.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use test_nodes::{Node, kind, lin_kv};

fn main() {
    let (node, inbox) = test_nodes::start();
    let copy: Arc<Mutex<lin_kv::Map>> = Arc::default();
    let mine = Arc::clone(&copy);
    let handle = move |node: &Node, message: &Value| {
        let body = &message["body"];
        if kind(message) == "read" {
            let reply = lin_kv::apply(&mut mine.lock().unwrap(), body);
            return node.reply(message, reply);
        }
        let Some(reply) = lin_kv::forward(node, body) else {
            return node.reply(message, json!({"type": "error", "code": 0}));
        };
        if reply["type"] != "error" {
            let value = if kind(message) == "write" {
                &body["value"]
            } else {
                &body["to"]
            };
            let update = json!({"type": "update", "key": body["key"], "value": value});
            mine.lock()
                .unwrap()
                .insert(body["key"].to_string(), value.clone());
            for peer in node.peers() {
                node.send(&peer, update.clone());
            }
        }
        node.reply(message, reply);
    };
    let other = move |_: &Node, message: &Value| {
        if kind(message) == "update" {
            let body = &message["body"];
            let key = body["key"].to_string();
            copy.lock().unwrap().insert(key, body["value"].clone());
        }
    };
    lin_kv::serve(node, inbox, handle, other);
}
