//! Deliberately broken: `kafka_3` with polls that ignore the high-water mark (see
//! `replica.rs`). The chapter shows it failing next to the fix.

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
