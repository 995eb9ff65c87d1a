//! A broadcast node that is correct only on a perfect network: it forwards each new
//! value once to every other node and never checks that it arrived. A partition drops
//! those messages for good, so values are lost under `--nemesis partition`.

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
                let value = message["body"]["message"].as_u64();
                if let Some(v) = value.filter(|v| seen.insert(*v)) {
                    for peer in node.peers() {
                        node.send(&peer, json!({"type": "forward", "message": v}));
                    }
                }
                node.reply(&message, json!({"type": "broadcast_ok"}));
            }
            "forward" => {
                seen.extend(message["body"]["message"].as_u64());
            }
            "read" => node.reply(&message, json!({"type": "read_ok", "messages": seen})),
            _ => {}
        }
    }
}
