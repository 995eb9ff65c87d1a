//! Challenge 3a: single-node broadcast. The node remembers every value it is sent and
//! hands them all back on `read`.

use std::collections::{BTreeSet, HashMap};
use std::sync::mpsc;

use maelstrom::{Message, Node};
use serde::{Deserialize, Serialize};

// ANCHOR: payload
/// Every message of the broadcast workload, told apart by its `"type"` field.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    /// A client asks us to remember `message`.
    Broadcast {
        message: u64,
    },
    BroadcastOk,
    /// A client asks for every value we remember.
    Read,
    ReadOk {
        messages: Vec<u64>,
    },
    /// Sent once before the test: who each node's neighbours are.
    Topology {
        topology: HashMap<String, Vec<String>>,
    },
    TopologyOk,
}
// ANCHOR_END: payload

// ANCHOR: server
/// The node's state: a handle to talk through, and every value seen so far.
struct Server {
    node: Node,
    /// A set, so a value sent twice is kept once; ordered, so reads are tidy.
    messages: BTreeSet<u64>,
}
// ANCHOR_END: server

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
                let messages = self.messages.iter().copied().collect();
                self.node.reply(&msg, Payload::ReadOk { messages })
            }
            // One node has no neighbours to care about: acknowledge and move on.
            Payload::Topology { .. } => self.node.reply(&msg, Payload::TopologyOk),
            // Replies are for clients; a node never asks, so it never gets one.
            Payload::BroadcastOk | Payload::ReadOk { .. } | Payload::TopologyOk => Ok(()),
        }
    }
    // ANCHOR_END: handle
}

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events, |msg| msg)?;
    let mut server = Server::new(node);
    for msg in inbox {
        server.handle(msg)?;
    }
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: tests
#[cfg(test)]
mod tests {
    use super::*;

    /// A request from client `c1`, as the node would read it.
    fn request(msg_id: u64, payload: Payload) -> Message<Payload> {
        Message::request("c1", "n0", msg_id, payload)
    }

    #[test]
    fn read_returns_every_value_broadcast_once() -> anyhow::Result<()> {
        let (node, sent) = Node::in_memory("n0", &["n0"]);
        let mut server = Server::new(node);
        for (msg_id, message) in [(1, 7), (2, 3), (3, 7)] {
            server.handle(request(msg_id, Payload::Broadcast { message }))?;
        }
        server.handle(request(4, Payload::Read))?;

        let replies = sent.take::<Payload>();
        assert_eq!(replies.len(), 4, "one reply per request");
        assert!(matches!(replies[0].body.payload, Payload::BroadcastOk));
        let read = &replies[3];
        assert_eq!(read.body.in_reply_to, Some(4));
        assert!(matches!(&read.body.payload, Payload::ReadOk { messages } if messages == &[3, 7]));
        Ok(())
    }
}
// ANCHOR_END: tests
