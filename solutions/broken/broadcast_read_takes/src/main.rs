//! Broken on purpose: part 1's single-node broadcast, except that a `read` hands the
//! values over instead of copying them. Each value shows up in one read and is gone
//! from every read after it, which the broadcast checker calls lost.

use std::collections::{BTreeSet, HashMap};
use std::sync::mpsc;

use maelstrom::{Message, Node};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Broadcast {
        message: u64,
    },
    BroadcastOk,
    Read,
    ReadOk {
        messages: Vec<u64>,
    },
    Topology {
        topology: HashMap<String, Vec<String>>,
    },
    TopologyOk,
}

struct Server {
    node: Node,
    messages: BTreeSet<u64>,
}

impl Server {
    fn new(node: Node) -> Server {
        Server {
            node,
            messages: BTreeSet::new(),
        }
    }

    // ANCHOR: handle
    fn handle(&mut self, msg: Message<Payload>) -> anyhow::Result<()> {
        match msg.payload() {
            Payload::Broadcast { message } => {
                self.messages.insert(*message);
                self.node.reply(&msg, Payload::BroadcastOk)
            }
            Payload::Read => {
                // The bug: no copy, the set itself goes into the reply, and the node
                // is left with an empty one.
                let messages = std::mem::take(&mut self.messages).into_iter().collect();
                self.node.reply(&msg, Payload::ReadOk { messages })
            }
            Payload::Topology { .. } => self.node.reply(&msg, Payload::TopologyOk),
            Payload::BroadcastOk | Payload::ReadOk { .. } | Payload::TopologyOk => Ok(()),
        }
    }
    // ANCHOR_END: handle
}

fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events, |msg| msg)?;
    let mut server = Server::new(node);
    for msg in inbox {
        server.handle(msg)?;
    }
    Ok(())
}
