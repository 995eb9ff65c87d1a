//! Broken on purpose: a multi-node broadcast that passes on only what clients send.
//!
//! Values a neighbour gossips are remembered but never gossiped further, so a value
//! travels one hop and stops. On Maelstrom's 5-node grid, n2 (whose only neighbour is
//! n1) never learns the values broadcast to n3.

use std::collections::{BTreeSet, HashMap};
use std::sync::mpsc::{self, Sender};
use std::thread;
use std::time::Duration;

use maelstrom::{Message, Node};
use serde::{Deserialize, Serialize};

/// How often a node gossips to its neighbours.
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
    /// Between nodes: values the sender learned that the receiver may not have.
    Gossip {
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
    /// The nodes we gossip with: our entry in the topology Maelstrom sends.
    neighbours: Vec<String>,
    /// For each neighbour, the values to tell it on the next tick.
    outbox: HashMap<String, BTreeSet<u64>>,
}

impl Server {
    fn new(node: Node) -> Server {
        Server {
            node,
            messages: BTreeSet::new(),
            neighbours: Vec::new(),
            outbox: HashMap::new(),
        }
    }

    fn handle(&mut self, msg: Message<Payload>) -> anyhow::Result<()> {
        match msg.payload() {
            Payload::Broadcast { message } => {
                self.learn(*message);
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
            // ANCHOR: bug
            Payload::Gossip { messages } => {
                // Remembered, but never queued for anyone: the value stops here.
                self.messages.extend(messages);
                Ok(())
            }
            // ANCHOR_END: bug
            Payload::BroadcastOk | Payload::ReadOk { .. } | Payload::TopologyOk => Ok(()),
        }
    }

    /// Remembers `value` and, if it is new, queues it for every neighbour.
    fn learn(&mut self, value: u64) {
        if !self.messages.insert(value) {
            return;
        }
        for peer in &self.neighbours {
            self.outbox.entry(peer.clone()).or_default().insert(value);
        }
    }

    /// Sends each neighbour what it has not been told yet, and forgets it.
    fn gossip(&mut self) -> anyhow::Result<()> {
        for (peer, values) in self.outbox.drain() {
            let messages = values.into_iter().collect();
            self.node.send(&peer, Payload::Gossip { messages })?;
        }
        Ok(())
    }
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
