//! Unique ids exercise "Numbers instead of strings": node number `i` of `n` hands out
//! `i`, `i + n`, `i + 2n`, ... Two nodes never meet, because their ids leave different
//! remainders when divided by `n`. Still no messages between nodes.

use std::sync::mpsc;

use maelstrom::{Message, Node};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Generate,
    GenerateOk { id: u64 },
}

// ANCHOR: ids
/// Hands out `index`, `index + count`, `index + 2 * count`, ...
struct Ids {
    /// This node's position in the node list: the remainder all its ids share.
    index: u64,
    /// How many nodes there are: the step between this node's ids.
    count: u64,
    /// How many ids this node has handed out.
    next: u64,
}

impl Ids {
    fn new(node: &Node) -> anyhow::Result<Ids> {
        let ids = node.node_ids();
        // Every node gets the same list in `init`, so positions never collide.
        let Some(index) = ids.iter().position(|id| id == node.id()) else {
            anyhow::bail!("{} is not in its own node list", node.id());
        };
        Ok(Ids {
            index: index as u64,
            count: ids.len() as u64,
            next: 0,
        })
    }

    fn next_id(&mut self) -> u64 {
        let id = self.next * self.count + self.index;
        self.next += 1;
        id
    }
}
// ANCHOR_END: ids

fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events, |msg| msg)?;
    let mut ids = Ids::new(&node)?;
    for msg in inbox {
        handle(&node, &mut ids, msg)?;
    }
    Ok(())
}

fn handle(node: &Node, ids: &mut Ids, msg: Message<Payload>) -> anyhow::Result<()> {
    match msg.payload() {
        Payload::Generate => {
            let id = ids.next_id();
            node.reply(&msg, Payload::GenerateOk { id })
        }
        Payload::GenerateOk { .. } => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_from_all_nodes_are_distinct_and_dense() {
        let nodes = ["n0", "n1", "n2"];
        let mut seen = HashSet::new();
        for node_id in nodes {
            let (node, _) = Node::in_memory(node_id, &nodes);
            let mut ids = Ids::new(&node).unwrap();
            for _ in 0..1000 {
                let id = ids.next_id();
                assert!(seen.insert(id), "{id} was handed out twice");
            }
        }
        // Three nodes, a thousand ids each: exactly 0 to 2999, none missing.
        assert_eq!(seen, (0..3000).collect());
    }
}
