//! Challenge 2: unique ids. Each id is this node's id followed by a number the node
//! never hands out twice, so no two nodes can produce the same id and no node needs
//! to ask anyone before answering.

use std::sync::mpsc;

use maelstrom::{Message, Node};
use serde::{Deserialize, Serialize};

// ANCHOR: payload
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Generate,
    GenerateOk { id: String },
}
// ANCHOR_END: payload

// ANCHOR: ids
/// Hands out ids like `n1-0`, `n1-1`, `n1-2`, ... for node `n1`.
struct Ids {
    /// Unique in the cluster: Maelstrom gives every node a different one.
    node_id: String,
    /// Unique on this node: it only ever goes up.
    next: u64,
}

impl Ids {
    fn new(node_id: &str) -> Ids {
        Ids {
            node_id: node_id.to_string(),
            next: 0,
        }
    }

    fn next_id(&mut self) -> String {
        // The dash keeps the two parts apart: without it, n1 + 12 and n11 + 2 would
        // both read "n112".
        let id = format!("{}-{}", self.node_id, self.next);
        self.next += 1;
        id
    }
}
// ANCHOR_END: ids

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events, |msg| msg)?;
    let mut ids = Ids::new(node.id());
    for msg in inbox {
        handle(&node, &mut ids, msg)?;
    }
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: handle
fn handle(node: &Node, ids: &mut Ids, msg: Message<Payload>) -> anyhow::Result<()> {
    match msg.payload() {
        Payload::Generate => {
            let id = ids.next_id();
            node.reply(&msg, Payload::GenerateOk { id })
        }
        // We never ask anyone for an id, so a generate_ok is not for us.
        Payload::GenerateOk { .. } => Ok(()),
    }
}
// ANCHOR_END: handle

// ANCHOR: test
#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Asks `node` for `count` ids and returns what it answered.
    fn generate(node_id: &str, count: u64) -> Vec<String> {
        let (node, sent) = Node::in_memory(node_id, &["n0", "n1", "n2"]);
        let mut ids = Ids::new(node_id);
        for msg_id in 1..=count {
            let request = Message::request("c1", node_id, msg_id, Payload::Generate);
            handle(&node, &mut ids, request).unwrap();
        }
        let replies = sent.take::<Payload>();
        assert_eq!(replies.len() as u64, count);
        replies
            .into_iter()
            .map(|reply| match reply.into_payload() {
                Payload::GenerateOk { id } => id,
                other => panic!("expected generate_ok, got {other:?}"),
            })
            .collect()
    }

    #[test]
    fn ids_from_all_nodes_are_distinct() {
        let mut seen = HashSet::new();
        for node_id in ["n0", "n1", "n2"] {
            for id in generate(node_id, 1000) {
                assert!(seen.insert(id.clone()), "{id} was handed out twice");
            }
        }
        assert_eq!(seen.len(), 3000);
    }
}
// ANCHOR_END: test
