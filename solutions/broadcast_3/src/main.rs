//! Challenge 3c: fault-tolerant broadcast. Gossip as before, but a value stays on a
//! neighbour's list until that neighbour acknowledges it, and every tick sends the
//! whole list again. A message lost in a partition is sent again until one gets
//! through.

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

// ANCHOR: server
struct Server {
    node: Node,
    messages: BTreeSet<u64>,
    neighbours: Vec<String>,
    /// For each neighbour, the values it has not acknowledged yet: new ones, and
    /// ones we sent that may have been lost. Every tick sends them all.
    unacked: HashMap<String, BTreeSet<u64>>,
}
// ANCHOR_END: server

impl Server {
    fn new(node: Node) -> Server {
        Server {
            node,
            messages: BTreeSet::new(),
            neighbours: Vec::new(),
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
            Payload::Topology { topology } => {
                let mine = topology.get(self.node.id());
                self.neighbours = mine.cloned().unwrap_or_default();
                self.node.reply(&msg, Payload::TopologyOk)
            }
            Payload::Gossip { messages } => {
                for &value in messages {
                    self.learn(value, Some(&msg.src));
                }
                let messages = messages.clone();
                self.node.send(&msg.src, Payload::GossipOk { messages })
            }
            // ANCHOR: ack
            Payload::GossipOk { messages } => {
                if let Some(unacked) = self.unacked.get_mut(&msg.src) {
                    for value in messages {
                        unacked.remove(value);
                    }
                }
                Ok(())
            }
            // ANCHOR_END: ack
            Payload::BroadcastOk | Payload::ReadOk { .. } | Payload::TopologyOk => Ok(()),
        }
    }

    // ANCHOR: learn
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
    // ANCHOR_END: learn

    // ANCHOR: gossip
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

#[cfg(test)]
mod tests {
    use super::*;
    use maelstrom::Sent;
    use std::collections::BTreeMap;

    /// Servers wired together in memory, on Maelstrom's 5-node grid, with a switch
    /// to cut one node off.
    struct Cluster {
        servers: BTreeMap<String, (Server, Sent)>,
        /// A node whose messages, in and out, are dropped.
        cut_off: Option<String>,
    }

    impl Cluster {
        fn grid() -> Cluster {
            let grid = [
                ("n0", vec!["n3", "n1"]),
                ("n1", vec!["n4", "n2", "n0"]),
                ("n2", vec!["n1"]),
                ("n3", vec!["n0", "n4"]),
                ("n4", vec!["n1", "n3"]),
            ];
            let ids: Vec<&str> = grid.iter().map(|(id, _)| *id).collect();
            let mut servers = BTreeMap::new();
            for (id, neighbours) in grid {
                let (node, sent) = Node::in_memory(id, &ids);
                let mut server = Server::new(node);
                server.neighbours = neighbours.iter().map(|n| n.to_string()).collect();
                servers.insert(id.to_string(), (server, sent));
            }
            Cluster {
                servers,
                cut_off: None,
            }
        }

        fn broadcast(&mut self, node: &str, value: u64) {
            let request = Message::request("c1", node, 1, Payload::Broadcast { message: value });
            let (server, _) = self.servers.get_mut(node).unwrap();
            server.handle(request).unwrap();
        }

        /// One tick everywhere, then every message delivered unless it is dropped.
        /// Returns how many messages went between nodes.
        fn round(&mut self) -> usize {
            let mut in_flight = Vec::new();
            for (server, sent) in self.servers.values_mut() {
                server.gossip().unwrap();
                in_flight.extend(sent.take::<Payload>());
            }
            in_flight.retain(|m| m.dest.starts_with('n'));
            let count = in_flight.len();
            for msg in in_flight {
                let cut = self.cut_off.as_deref();
                if cut == Some(msg.src.as_str()) || cut == Some(msg.dest.as_str()) {
                    continue;
                }
                // The acknowledgements are delivered in the same round, as if the
                // network were instant.
                let (server, sent) = self.servers.get_mut(&msg.dest).unwrap();
                server.handle(msg).unwrap();
                for ack in sent.take::<Payload>() {
                    if cut != Some(ack.dest.as_str()) {
                        let (server, _) = self.servers.get_mut(&ack.dest).unwrap();
                        server.handle(ack).unwrap();
                    }
                }
            }
            count
        }

        fn values_on(&self, node: &str) -> &BTreeSet<u64> {
            &self.servers[node].0.messages
        }
    }

    // ANCHOR: partition_test
    #[test]
    fn values_cross_a_healed_partition() {
        let mut cluster = Cluster::grid();
        // n1 is n2's only neighbour: cutting n1 off isolates n2 as well.
        cluster.cut_off = Some("n1".into());
        cluster.broadcast("n2", 1);
        cluster.broadcast("n3", 2);
        for _ in 0..10 {
            cluster.round();
        }
        assert_eq!(cluster.values_on("n2"), &BTreeSet::from([1]));
        assert_eq!(cluster.values_on("n0"), &BTreeSet::from([2]));

        // Heal. The values sent during the partition were lost, but they are still
        // unacknowledged, so the next ticks send them again.
        cluster.cut_off = None;
        for _ in 0..10 {
            cluster.round();
        }
        for id in ["n0", "n1", "n2", "n3", "n4"] {
            assert_eq!(cluster.values_on(id), &BTreeSet::from([1, 2]), "on {id}");
        }
        // Everything is acknowledged now: the gossip falls silent.
        assert_eq!(cluster.round(), 0);
    }
    // ANCHOR_END: partition_test
}
