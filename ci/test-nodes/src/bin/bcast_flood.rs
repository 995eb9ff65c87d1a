//! The flooding broadcast node of Maelstrom's own guide (doc/03-broadcast/01-broadcast.md),
//! written again here so the runner's figures can be set beside the ones the guide
//! publishes (doc/03-broadcast/02-performance.md).
//!
//! Like the guide's node, it handles one message at a time: a broadcast it has not seen
//! is stored and sent on to every neighbour from the topology, with no `msg_id` and no
//! acknowledgement; only requests that carry a `msg_id` (the clients') are answered.
//! With the argument `skip-sender` it leaves out the neighbour it heard the value from,
//! the guide's second version.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use test_nodes::kind;

fn main() {
    let skip_sender = std::env::args().any(|a| a == "skip-sender");
    let (node, inbox) = test_nodes::start();
    let mut neighbours: Vec<String> = Vec::new();
    let mut seen: BTreeSet<u64> = BTreeSet::new();
    for message in inbox {
        let src = message["src"].as_str().unwrap_or_default();
        match kind(&message) {
            "topology" => {
                neighbours = message["body"]["topology"][&node.id]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|n| n.as_str().map(String::from))
                    .collect();
                node.reply(&message, json!({"type": "topology_ok"}));
            }
            "broadcast" => {
                let value = &message["body"]["message"];
                if let Some(v) = value.as_u64()
                    && seen.insert(v)
                {
                    for peer in &neighbours {
                        if !(skip_sender && peer == src) {
                            node.send(peer, json!({"type": "broadcast", "message": v}));
                        }
                    }
                }
                if message["body"]["msg_id"] != Value::Null {
                    node.reply(&message, json!({"type": "broadcast_ok"}));
                }
            }
            "read" => node.reply(&message, json!({"type": "read_ok", "messages": seen})),
            _ => {}
        }
    }
}
