//! Broadcast part 1 exercise "Keep the order of arrival": a read returns the values
//! in the order they were first broadcast, each once.

use std::collections::{HashMap, HashSet};
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

// ANCHOR: server
struct Server {
    node: Node,
    /// Every value, in the order it first arrived.
    in_order: Vec<u64>,
    /// The same values, to answer "have I seen this?" without a scan of the list.
    seen: HashSet<u64>,
}
// ANCHOR_END: server

impl Server {
    fn new(node: Node) -> Server {
        Server {
            node,
            in_order: Vec::new(),
            seen: HashSet::new(),
        }
    }

    // ANCHOR: handle
    fn handle(&mut self, msg: Message<Payload>) -> anyhow::Result<()> {
        match msg.payload() {
            Payload::Broadcast { message } => {
                // `insert` says whether the value is new: only then does it join
                // the list.
                if self.seen.insert(*message) {
                    self.in_order.push(*message);
                }
                self.node.reply(&msg, Payload::BroadcastOk)
            }
            Payload::Read => {
                let messages = self.in_order.clone();
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A request from client `c1`, as the node would read it.
    fn request(msg_id: u64, payload: Payload) -> Message<Payload> {
        Message::request("c1", "n0", msg_id, payload)
    }

    #[test]
    fn read_keeps_the_order_of_arrival_without_duplicates() -> anyhow::Result<()> {
        let (node, sent) = Node::in_memory("n0", &["n0"]);
        let mut server = Server::new(node);
        for (msg_id, message) in [(1, 7), (2, 3), (3, 7), (4, 5)] {
            server.handle(request(msg_id, Payload::Broadcast { message }))?;
        }
        server.handle(request(5, Payload::Read))?;
        let replies = sent.take::<Payload>();
        let Some(read) = replies.last() else {
            panic!("no replies");
        };
        let Payload::ReadOk { messages } = &read.body.payload else {
            panic!("expected read_ok, got {:?}", read.body.payload);
        };
        assert_eq!(messages, &[7, 3, 5]);
        Ok(())
    }
}
