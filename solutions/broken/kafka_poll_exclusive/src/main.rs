//! Deliberately broken: `kafka_1` with one misreading of the protocol. A poll's offset
//! is the first offset the client wants; this node takes it for the last one the client
//! already has, and answers from the offset after it. The logs are `kafka_1`'s own.

mod logs;

use std::collections::BTreeMap;
use std::sync::mpsc;

use logs::Logs;
use maelstrom::{Message, Node};
use serde::{Deserialize, Serialize};

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
}

fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events, |msg| msg)?;
    let mut logs = Logs::default();
    for msg in inbox {
        handle(&node, &mut logs, msg)?;
    }
    Ok(())
}

fn handle(node: &Node, logs: &mut Logs, msg: Message<Payload>) -> anyhow::Result<()> {
    let reply = match msg.payload() {
        Payload::Send { key, msg } => {
            let offset = logs.append(key, *msg);
            Payload::SendOk { offset }
        }
        // ANCHOR: poll
        Payload::Poll { offsets } => {
            // BROKEN: `from` is the first offset the client wants, not the last one it
            // has seen. Starting one past it skips a message on every poll.
            let msgs = offsets
                .iter()
                .map(|(key, &from)| (key.clone(), logs.read_from(key, from + 1)))
                .filter(|(_, msgs)| !msgs.is_empty())
                .collect();
            Payload::PollOk { msgs }
        }
        // ANCHOR_END: poll
        Payload::CommitOffsets { offsets } => {
            for (key, &offset) in offsets {
                logs.commit(key, offset);
            }
            Payload::CommitOffsetsOk
        }
        Payload::ListCommittedOffsets { keys } => {
            let offsets = logs.committed(keys);
            Payload::ListCommittedOffsetsOk { offsets }
        }
        Payload::SendOk { .. }
        | Payload::PollOk { .. }
        | Payload::CommitOffsetsOk
        | Payload::ListCommittedOffsetsOk { .. } => return Ok(()),
    };
    node.reply(&msg, reply)
}
