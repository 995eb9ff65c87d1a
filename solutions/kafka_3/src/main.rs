//! Challenge 5c: an efficient Kafka-style log. No store and no leader: every node
//! answers every request from its own copy of the logs, offsets come from Lamport
//! clocks, and the nodes trade batches of changes a few dozen times a second.

mod replica;
mod replication;

use std::collections::BTreeMap;
use std::sync::mpsc::{self, Sender};
use std::thread;
use std::time::Duration;

use maelstrom::{Message, Node};
use replica::{Change, Replica};
use replication::Batch;
use serde::{Deserialize, Serialize};

// ANCHOR: payload
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Send {
        key: String,
        msg: u64,
    },
    SendOk {
        offset: u64,
    },
    Poll {
        offsets: BTreeMap<String, u64>,
    },
    PollOk {
        msgs: BTreeMap<String, Vec<(u64, u64)>>,
    },
    CommitOffsets {
        offsets: BTreeMap<String, u64>,
    },
    CommitOffsetsOk,
    ListCommittedOffsets {
        keys: Vec<String>,
    },
    ListCommittedOffsetsOk {
        offsets: BTreeMap<String, u64>,
    },
    /// Between nodes: changes, an acknowledgement and a clock, all in one.
    Replicate {
        batch: Batch<Change>,
    },
}
// ANCHOR_END: payload

enum Event {
    Message(Message<Payload>),
    Tick,
}

// ANCHOR: tick
/// How often a node sends its peers what they are missing. A message waits for about
/// two ticks before pollers see it; longer ticks mean fewer, larger batches.
const REPLICATE_EVERY: Duration = Duration::from_millis(20);
// ANCHOR_END: tick

fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events.clone(), Event::Message)?;
    tick_every(REPLICATE_EVERY, events);

    let mut replica = Replica::new(node.id(), node.node_ids());
    for event in inbox {
        match event {
            Event::Message(msg) => handle(&node, &mut replica, msg)?,
            Event::Tick => replicate(&node, &mut replica)?,
        }
    }
    Ok(())
}

fn tick_every(period: Duration, events: Sender<Event>) {
    thread::spawn(move || {
        while events.send(Event::Tick).is_ok() {
            thread::sleep(period);
        }
    });
}

// ANCHOR: handle
fn handle(node: &Node, replica: &mut Replica, msg: Message<Payload>) -> anyhow::Result<()> {
    let reply = match msg.payload() {
        Payload::Send { key, msg } => {
            let offset = replica.send(key, *msg);
            Payload::SendOk { offset }
        }
        Payload::Poll { offsets } => {
            let msgs = offsets
                .iter()
                .map(|(key, &from)| (key.clone(), replica.poll(key, from)))
                .filter(|(_, msgs)| !msgs.is_empty())
                .collect();
            Payload::PollOk { msgs }
        }
        Payload::CommitOffsets { offsets } => {
            for (key, &offset) in offsets {
                replica.commit(key, offset);
            }
            Payload::CommitOffsetsOk
        }
        Payload::ListCommittedOffsets { keys } => {
            let offsets = replica.committed(keys);
            Payload::ListCommittedOffsetsOk { offsets }
        }
        Payload::Replicate { batch } => {
            replica.receive(&msg.src, batch.clone());
            return Ok(());
        }
        Payload::SendOk { .. }
        | Payload::PollOk { .. }
        | Payload::CommitOffsetsOk
        | Payload::ListCommittedOffsetsOk { .. } => return Ok(()),
    };
    node.reply(&msg, reply)
}

fn replicate(node: &Node, replica: &mut Replica) -> anyhow::Result<()> {
    for peer in node.peers() {
        if let Some(batch) = replica.batch_for(peer) {
            node.send(peer, Payload::Replicate { batch })?;
        }
    }
    Ok(())
}
// ANCHOR_END: handle

#[cfg(test)]
mod tests {
    use super::*;
    use maelstrom::Sent;
    use serde_json::{Value, json};

    fn deliver(node: &Node, replica: &mut Replica, src: &str, body: Value) {
        let msg = Message::request(src, node.id(), 1, serde_json::from_value(body).unwrap());
        handle(node, replica, msg).unwrap();
    }

    /// Moves every message `from` sent to `to`'s handler, and returns the replies to
    /// clients, as JSON bodies.
    fn pass(sent: &Sent, to: &Node, replica: &mut Replica) -> Vec<Value> {
        let mut replies = Vec::new();
        for msg in sent.take::<Value>() {
            if msg.dest == to.id() {
                deliver(to, replica, &msg.src, msg.body.payload);
            } else {
                replies.push(msg.body.payload);
            }
        }
        replies
    }

    #[test]
    fn two_nodes_agree_on_the_log_after_replicating() {
        let ids = ["n0", "n1"];
        let (node0, sent0) = Node::in_memory("n0", &ids);
        let (node1, sent1) = Node::in_memory("n1", &ids);
        let mut r0 = Replica::new("n0", node0.node_ids());
        let mut r1 = Replica::new("n1", node1.node_ids());

        deliver(
            &node0,
            &mut r0,
            "c1",
            json!({"type": "send", "key": "k", "msg": 1}),
        );
        deliver(
            &node1,
            &mut r1,
            "c2",
            json!({"type": "send", "key": "k", "msg": 2}),
        );
        let replies = [pass(&sent0, &node1, &mut r1), pass(&sent1, &node0, &mut r0)];
        assert_eq!(replies[0][0]["offset"], 2);
        assert_eq!(replies[1][0]["offset"], 3);

        // Two ticks' worth of batches, each way.
        for _ in 0..2 {
            replicate(&node0, &mut r0).unwrap();
            pass(&sent0, &node1, &mut r1);
            replicate(&node1, &mut r1).unwrap();
            pass(&sent1, &node0, &mut r0);
        }

        let poll = json!({"type": "poll", "offsets": {"k": 0}});
        deliver(&node0, &mut r0, "c1", poll.clone());
        deliver(&node1, &mut r1, "c2", poll);
        let expected = json!({"k": [[2, 1], [3, 2]]});
        assert_eq!(sent0.take::<Value>()[0].body.payload["msgs"], expected);
        assert_eq!(sent1.take::<Value>()[0].body.payload["msgs"], expected);
    }
}
