//! A broken pn-counter node that double-counts: it passes each add to every peer as a
//! delta and resends it until the peer acknowledges, but peers apply every copy they
//! get. When an acknowledgement takes longer than the 150 ms resend timer (say, with
//! `--latency 100`), deltas are counted twice or more.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use serde_json::json;
use test_nodes::kind;

const RESEND: Duration = Duration::from_millis(150);

fn main() {
    let (node, inbox) = test_nodes::start();
    let total = Arc::new(AtomicI64::new(0));
    for message in inbox {
        let body = &message["body"];
        match kind(&message) {
            "add" => {
                let delta = body["delta"].as_i64().unwrap_or(0);
                total.fetch_add(delta, Ordering::Relaxed);
                for peer in node.peers() {
                    let node = Arc::clone(&node);
                    std::thread::spawn(move || {
                        let request = json!({"type": "delta", "delta": delta});
                        while node.rpc(&peer, request.clone(), RESEND).is_none() {}
                    });
                }
                node.reply(&message, json!({"type": "add_ok"}));
            }
            "delta" => {
                total.fetch_add(body["delta"].as_i64().unwrap_or(0), Ordering::Relaxed);
                node.reply(&message, json!({"type": "delta_ok"}));
            }
            "read" => {
                let value = total.load(Ordering::Relaxed);
                node.reply(&message, json!({"type": "read_ok", "value": value}));
            }
            _ => {}
        }
    }
}
