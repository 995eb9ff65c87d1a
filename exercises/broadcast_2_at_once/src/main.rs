//! Broadcast part 2 exercise "Gossip at once": a new value goes to the neighbours the
//! moment the node learns it, in a message of its own. No outbox, no ticker, and so
//! no event loop either: messages are the only thing that makes the node act.

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
    /// Between nodes: one value the sender just learned.
    Gossip {
        message: u64,
    },
}

struct Server {
    node: Node,
    messages: BTreeSet<u64>,
    neighbours: Vec<String>,
}

impl Server {
    fn new(node: Node) -> Server {
        Server {
            node,
            messages: BTreeSet::new(),
            neighbours: Vec::new(),
        }
    }

    fn handle(&mut self, msg: Message<Payload>) -> anyhow::Result<()> {
        match msg.payload() {
            Payload::Broadcast { message } => {
                self.learn(*message, None)?;
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
            Payload::Gossip { message } => self.learn(*message, Some(&msg.src)),
            Payload::BroadcastOk | Payload::ReadOk { .. } | Payload::TopologyOk => Ok(()),
        }
    }

    // ANCHOR: learn
    /// Remembers `value` and, if it is new, sends it on at once to every neighbour
    /// except `from`. Sending can fail, so learning now returns a `Result`.
    fn learn(&mut self, value: u64, from: Option<&str>) -> anyhow::Result<()> {
        if !self.messages.insert(value) {
            return Ok(());
        }
        for peer in &self.neighbours {
            if Some(peer.as_str()) != from {
                self.node.send(peer, Payload::Gossip { message: value })?;
            }
        }
        Ok(())
    }
    // ANCHOR_END: learn
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
    use maelstrom::Sent;
    use std::collections::BTreeMap;

    /// Maelstrom's 5-node grid, in memory; returns the servers and the number of
    /// messages between nodes it took to spread `values`, broadcast at `origins`.
    fn spread(values: &[(&str, u64)]) -> (BTreeMap<String, (Server, Sent)>, usize) {
        let grid = [
            ("n0", vec!["n3", "n1"]),
            ("n1", vec!["n4", "n2", "n0"]),
            ("n2", vec!["n1"]),
            ("n3", vec!["n0", "n4"]),
            ("n4", vec!["n1", "n3"]),
        ];
        let ids: Vec<&str> = grid.iter().map(|(id, _)| *id).collect();
        let mut servers = BTreeMap::new();
        for (id, neighbours) in &grid {
            let (node, sent) = Node::in_memory(id, &ids);
            let mut server = Server::new(node);
            server.neighbours = neighbours.iter().map(|n| n.to_string()).collect();
            servers.insert(id.to_string(), (server, sent));
        }
        let mut in_flight = Vec::new();
        for (origin, value) in values {
            let (server, sent) = servers.get_mut(*origin).unwrap();
            let broadcast = Payload::Broadcast { message: *value };
            let request = Message::request("c1", origin, 1, broadcast);
            server.handle(request).unwrap();
            in_flight.extend(sent.take::<Payload>());
        }
        let mut count = 0;
        while !in_flight.is_empty() {
            let between_nodes = in_flight.drain(..).filter(|m| m.dest.starts_with('n'));
            let between_nodes: Vec<_> = between_nodes.collect();
            for msg in between_nodes {
                count += 1;
                let (server, sent) = servers.get_mut(&msg.dest).unwrap();
                server.handle(msg).unwrap();
                in_flight.extend(sent.take::<Payload>());
            }
        }
        (servers, count)
    }

    #[test]
    fn every_node_learns_every_value_in_six_messages() {
        let (servers, count) = spread(&[("n2", 1), ("n3", 2)]);
        for (id, (server, _)) in &servers {
            assert_eq!(server.messages, BTreeSet::from([1, 2]), "on {id}");
        }
        // Each value costs one message per neighbour of its origin, and one per
        // neighbour but the teller of every other node: the grid's 5 links have 10
        // ends, minus the 4 tellers skipped, is 6 messages a value.
        assert_eq!(count, 12);
    }
}
