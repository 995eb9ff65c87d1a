//! Challenge 3b: multi-node broadcast. Values spread by gossip: on every tick, each
//! node tells each neighbour the values it learned since the tick before.

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
    /// Between nodes: values the sender learned that the receiver may not have.
    Gossip {
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
    /// The nodes we gossip with: our entry in the topology Maelstrom sends.
    neighbours: Vec<String>,
    /// For each neighbour, the values to tell it on the next tick.
    outbox: HashMap<String, BTreeSet<u64>>,
}
// ANCHOR_END: server

impl Server {
    fn new(node: Node) -> Server {
        Server {
            node,
            messages: BTreeSet::new(),
            neighbours: Vec::new(),
            outbox: HashMap::new(),
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
                Ok(())
            }
            Payload::BroadcastOk | Payload::ReadOk { .. } | Payload::TopologyOk => Ok(()),
        }
    }
    // ANCHOR_END: handle

    // ANCHOR: learn
    /// Remembers `value`. A value seen for the first time is queued for every
    /// neighbour except `from`, the node that told us (`None` when a client did).
    fn learn(&mut self, value: u64, from: Option<&str>) {
        if !self.messages.insert(value) {
            // Already known, so already passed on: stopping here ends the flood.
            return;
        }
        for peer in &self.neighbours {
            if Some(peer.as_str()) != from {
                let queue = self.outbox.entry(peer.clone()).or_default();
                queue.insert(value);
            }
        }
    }
    // ANCHOR_END: learn

    // ANCHOR: gossip
    /// Sends each neighbour what it has not been told yet, and forgets it.
    fn gossip(&mut self) -> anyhow::Result<()> {
        for (peer, values) in self.outbox.drain() {
            let messages = values.into_iter().collect();
            self.node.send(&peer, Payload::Gossip { messages })?;
        }
        Ok(())
    }
    // ANCHOR_END: gossip
}

// ANCHOR: main
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
// ANCHOR_END: main

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

    fn gossip_to(sent: &Sent) -> BTreeMap<String, Vec<u64>> {
        let mut out = BTreeMap::new();
        for msg in sent.take::<Payload>() {
            if let Payload::Gossip { messages } = msg.body.payload {
                out.insert(msg.dest, messages);
            }
        }
        out
    }

    #[test]
    fn new_values_go_to_every_neighbour_but_the_sender_once() -> anyhow::Result<()> {
        let (node, sent) = Node::in_memory("n1", &["n0", "n1", "n2", "n3"]);
        let mut server = Server::new(node);
        server.neighbours = vec!["n0".into(), "n2".into(), "n3".into()];

        server.handle(Message::request(
            "n0",
            "n1",
            1,
            Payload::Gossip { messages: vec![5] },
        ))?;
        server.gossip()?;
        let expected = BTreeMap::from([("n2".into(), vec![5]), ("n3".into(), vec![5])]);
        assert_eq!(gossip_to(&sent), expected);

        // The same value again, from anyone: nothing new to tell.
        server.handle(Message::request(
            "n2",
            "n1",
            1,
            Payload::Gossip { messages: vec![5] },
        ))?;
        server.gossip()?;
        assert!(gossip_to(&sent).is_empty());
        Ok(())
    }

    // ANCHOR: cluster_test
    /// Five servers wired together in memory, on Maelstrom's 5-node grid.
    struct Cluster {
        servers: BTreeMap<String, (Server, Sent)>,
    }

    impl Cluster {
        fn grid() -> Cluster {
            let ids = ["n0", "n1", "n2", "n3", "n4"];
            let grid = [
                ("n0", vec!["n3", "n1"]),
                ("n1", vec!["n4", "n2", "n0"]),
                ("n2", vec!["n1"]),
                ("n3", vec!["n0", "n4"]),
                ("n4", vec!["n1", "n3"]),
            ];
            let topology: HashMap<String, Vec<String>> = grid
                .iter()
                .map(|(n, ns)| (n.to_string(), ns.iter().map(|s| s.to_string()).collect()))
                .collect();
            let mut servers = BTreeMap::new();
            for id in ids {
                let (node, sent) = Node::in_memory(id, &ids);
                let mut server = Server::new(node);
                let topology = Payload::Topology {
                    topology: topology.clone(),
                };
                server
                    .handle(Message::request("c0", id, 1, topology))
                    .unwrap();
                sent.take::<Payload>(); // the topology_ok
                servers.insert(id.to_string(), (server, sent));
            }
            Cluster { servers }
        }

        /// A client broadcast to `node`.
        fn broadcast(&mut self, node: &str, value: u64) {
            let request = Message::request("c1", node, 1, Payload::Broadcast { message: value });
            let (server, _) = self.servers.get_mut(node).unwrap();
            server.handle(request).unwrap();
        }

        /// Ticks every server, then delivers what they sent, until all is quiet.
        fn settle(&mut self) {
            for _round in 0..100 {
                let mut in_flight = Vec::new();
                for (server, sent) in self.servers.values_mut() {
                    server.gossip().unwrap();
                    in_flight.extend(sent.take::<Payload>());
                }
                let between_nodes = in_flight.into_iter().filter(|m| m.dest.starts_with('n'));
                let mut quiet = true;
                for msg in between_nodes {
                    quiet = false;
                    let (server, _) = self.servers.get_mut(&msg.dest).unwrap();
                    server.handle(msg).unwrap();
                }
                if quiet {
                    return;
                }
            }
            panic!("still gossiping after 100 rounds");
        }
    }

    #[test]
    fn every_node_learns_every_value() {
        let mut cluster = Cluster::grid();
        cluster.broadcast("n2", 1); // n2 is a corner: three hops from n3
        cluster.broadcast("n3", 2);
        cluster.settle();
        for (id, (server, _)) in &cluster.servers {
            assert_eq!(server.messages, BTreeSet::from([1, 2]), "on {id}");
        }
    }
    // ANCHOR_END: cluster_test
}
