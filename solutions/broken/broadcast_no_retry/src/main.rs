//! Broken on purpose: gossip with acknowledgements that nothing acts on.
//!
//! Each gossip message is acknowledged, and the node keeps track of which values a
//! neighbour has not acknowledged, but it sends each value only once. A gossip message
//! lost in a partition is never sent again, so the value never reaches the far side.

use std::collections::{BTreeSet, HashMap};
use std::sync::mpsc::{self, Sender};
use std::thread;
use std::time::Duration;

use maelstrom::{Message, Node};
use serde::{Deserialize, Serialize};

/// How often a node gossips to its neighbours.
const GOSSIP_INTERVAL: Duration = Duration::from_millis(100);

// ANCHOR: payload
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
// ANCHOR_END: payload

#[derive(Debug)]
enum Event {
    Message(Message<Payload>),
    Tick,
}

// ANCHOR: server
struct Server {
    node: Node,
    messages: BTreeSet<u64>,
    neighbours: Vec<String>,
    /// For each neighbour, the values to tell it on the next tick.
    outbox: HashMap<String, BTreeSet<u64>>,
    /// For each neighbour, the values we sent that it has not acknowledged.
    unacked: HashMap<String, BTreeSet<u64>>,
}
// ANCHOR_END: server

impl Server {
    fn new(node: Node) -> Server {
        Server {
            node,
            messages: BTreeSet::new(),
            neighbours: Vec::new(),
            outbox: HashMap::new(),
            unacked: HashMap::new(),
        }
    }

    // ANCHOR: handle
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
            Payload::Topology { topology } => {
                let mine = topology.get(self.node.id());
                self.neighbours = mine.cloned().unwrap_or_default();
                self.node.reply(&msg, Payload::TopologyOk)
            }
            Payload::Gossip { messages } => {
                for &value in messages {
                    self.learn(value, Some(&msg.src));
                }
                // The acknowledgement names the values, so it needs no msg_id.
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
    // ANCHOR_END: handle

    fn learn(&mut self, value: u64, from: Option<&str>) {
        if !self.messages.insert(value) {
            return;
        }
        for peer in &self.neighbours {
            if Some(peer.as_str()) != from {
                let queue = self.outbox.entry(peer.clone()).or_default();
                queue.insert(value);
            }
        }
    }

    // ANCHOR: gossip
    fn gossip(&mut self) -> anyhow::Result<()> {
        for (peer, values) in self.outbox.drain() {
            // The bug: `unacked` is kept up to date, but nothing ever reads it to
            // send a value again.
            let unacked = self.unacked.entry(peer.clone()).or_default();
            unacked.extend(&values);
            let messages = values.into_iter().collect();
            self.node.send(&peer, Payload::Gossip { messages })?;
        }
        Ok(())
    }
    // ANCHOR_END: gossip
}

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
