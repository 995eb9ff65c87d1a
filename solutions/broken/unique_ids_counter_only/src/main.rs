//! A broken unique-ids node, kept for the book: ids come from a counter that each
//! node keeps for itself, so every node hands out 0, 1, 2, ... and ids from different
//! nodes collide.

use std::sync::mpsc;

use maelstrom::{Message, Node};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Generate,
    GenerateOk { id: u64 },
}

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events, |msg| msg)?;
    // The bug: this counter is unique on one node only. Every other node
    // starts its own counter at 0 too.
    let mut next: u64 = 0;
    for msg in inbox {
        handle(&node, &mut next, msg)?;
    }
    Ok(())
}

fn handle(node: &Node, next: &mut u64, msg: Message<Payload>) -> anyhow::Result<()> {
    match msg.payload() {
        Payload::Generate => {
            let id = *next;
            *next += 1;
            node.reply(&msg, Payload::GenerateOk { id })
        }
        Payload::GenerateOk { .. } => Ok(()),
    }
}
// ANCHOR_END: main
