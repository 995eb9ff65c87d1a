//! A broken broadcast node: it keeps what clients broadcast to it and never tells
//! anyone else, so with more than one node the other nodes never see the value.

use std::collections::BTreeSet;

use serde_json::json;
use test_nodes::kind;

fn main() {
    let (node, inbox) = test_nodes::start();
    let mut seen: BTreeSet<u64> = BTreeSet::new();
    for message in inbox {
        match kind(&message) {
            "topology" => node.reply(&message, json!({"type": "topology_ok"})),
            "broadcast" => {
                seen.extend(message["body"]["message"].as_u64());
                node.reply(&message, json!({"type": "broadcast_ok"}));
            }
            "read" => node.reply(&message, json!({"type": "read_ok", "messages": seen})),
            _ => {}
        }
    }
}
