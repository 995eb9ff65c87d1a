//! Challenge 3d, first step: the fault-tolerant gossip of challenge 3c, on a star.
//!
//! The first node is the hub and every other node a leaf linked to it alone, whatever
//! topology Maelstrom suggests. Any two leaves are then two hops apart.

use std::collections::{BTreeSet, HashMap};
use std::sync::mpsc::{self, Sender};
use std::thread;
use std::time::Duration;

use maelstrom::{Message, Node};
use serde::{Deserialize, Serialize};

/// How often a node gossips to its neighbours, and so how often it retries.
const GOSSIP_INTERVAL: Duration = Duration::from_millis(100);

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
    Gossip {
        messages: Vec<u64>,
    },
    /// The answer to a `gossip`: these values arrived.
    GossipOk {
        messages: Vec<u64>,
    },
}

#[derive(Debug)]
enum Event {
    Message(Message<Payload>),
    Tick,
}

struct Server {
    node: Node,
    messages: BTreeSet<u64>,
    neighbours: Vec<String>,
    /// For each neighbour, the values it has not acknowledged yet: new ones, and
    /// ones we sent that may have been lost. Every tick sends them all.
    unacked: HashMap<String, BTreeSet<u64>>,
}

impl Server {
    fn new(node: Node) -> Server {
        let neighbours = star(&node);
        Server {
            node,
            messages: BTreeSet::new(),
            neighbours,
            unacked: HashMap::new(),
        }
    }

    fn handle(&mut self, msg: Message<Payload>) -> anyhow::Result<()> {
        match msg.payload() {
            Payload::Broadcast { message } => {
                self.learn(*message, None);
                self.node.reply(&msg, Payload::BroadcastOk)
            }
            Payload::Read => {
                let messages = self.messages.iter().copied().collect();
                self.node.reply(&msg, Payload::ReadOk { messages })
            }
            // We keep our own star and ignore the suggestion.
            Payload::Topology { .. } => self.node.reply(&msg, Payload::TopologyOk),
            Payload::Gossip { messages } => {
                for &value in messages {
                    self.learn(value, Some(&msg.src));
                }
                let messages = messages.clone();
                self.node.send(&msg.src, Payload::GossipOk { messages })
            }
            Payload::GossipOk { messages } => {
                if let Some(unacked) = self.unacked.get_mut(&msg.src) {
                    for value in messages {
                        unacked.remove(value);
                    }
                }
                Ok(())
            }
            Payload::BroadcastOk | Payload::ReadOk { .. } | Payload::TopologyOk => Ok(()),
        }
    }

    fn learn(&mut self, value: u64, from: Option<&str>) {
        if !self.messages.insert(value) {
            return;
        }
        for peer in &self.neighbours {
            if Some(peer.as_str()) != from {
                let queue = self.unacked.entry(peer.clone()).or_default();
                queue.insert(value);
            }
        }
    }

    /// Sends each neighbour every value it has not acknowledged. Nothing is
    /// forgotten here: only an acknowledgement takes a value off the list.
    fn gossip(&mut self) -> anyhow::Result<()> {
        for (peer, values) in &self.unacked {
            if values.is_empty() {
                continue;
            }
            let messages = values.iter().copied().collect();
            self.node.send(peer, Payload::Gossip { messages })?;
        }
        Ok(())
    }
}

// ANCHOR: star
/// Our neighbours on a star whose hub is the first node: the hub's are all the other
/// nodes, a leaf's is the hub alone. Every node computes the same star from the same
/// list, so they agree without exchanging a word.
fn star(node: &Node) -> Vec<String> {
    let hub = &node.node_ids()[0];
    if node.id() == hub {
        node.peers().map(String::from).collect()
    } else {
        vec![hub.clone()]
    }
}
// ANCHOR_END: star

fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events.clone(), Event::Message)?;
    spawn_ticker(events, GOSSIP_INTERVAL);

    let mut server = Server::new(node);
    for event in inbox {
        match event {
            Event::Message(msg) => server.handle(msg)?,
            Event::Tick => server.gossip()?,
        }
    }
    Ok(())
}

/// Sends a `Tick` every `interval`, until the main loop is gone.
fn spawn_ticker(events: Sender<Event>, interval: Duration) {
    thread::spawn(move || {
        loop {
            thread::sleep(interval);
            if events.send(Event::Tick).is_err() {
                return;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_node_is_the_hub() {
        let ids = ["n0", "n1", "n2"];
        let (hub, _) = Node::in_memory("n0", &ids);
        let (leaf, _) = Node::in_memory("n2", &ids);
        assert_eq!(star(&hub), ["n1", "n2"]);
        assert_eq!(star(&leaf), ["n0"]);
    }
}
