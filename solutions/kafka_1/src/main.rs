//! Challenge 5a: a Kafka-style log on a single node. Everything lives in memory:
//! with one node there is nobody to agree with.

mod logs;

use std::collections::BTreeMap;
use std::sync::mpsc;

use logs::Logs;
use maelstrom::{Message, Node};
use serde::{Deserialize, Serialize};

// ANCHOR: payload
/// Keys are strings; messages and offsets are integers.
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
    /// For each key, the first offset the client wants.
    Poll {
        offsets: BTreeMap<String, u64>,
    },
    /// For each key, `[offset, msg]` pairs in offset order (a tuple is a JSON array).
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
// ANCHOR_END: payload

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events, |msg| msg)?;
    let mut logs = Logs::default();
    for msg in inbox {
        handle(&node, &mut logs, msg)?;
    }
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: handle
fn handle(node: &Node, logs: &mut Logs, msg: Message<Payload>) -> anyhow::Result<()> {
    let reply = match msg.payload() {
        Payload::Send { key, msg } => {
            let offset = logs.append(key, *msg);
            Payload::SendOk { offset }
        }
        Payload::Poll { offsets } => {
            let msgs = offsets
                .iter()
                .map(|(key, &from)| (key.clone(), logs.read_from(key, from)))
                .filter(|(_, msgs)| !msgs.is_empty())
                .collect();
            Payload::PollOk { msgs }
        }
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
        // Replies are for clients; a node never receives one here.
        Payload::SendOk { .. }
        | Payload::PollOk { .. }
        | Payload::CommitOffsetsOk
        | Payload::ListCommittedOffsetsOk { .. } => return Ok(()),
    };
    node.reply(&msg, reply)
}
// ANCHOR_END: handle

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// Hands `handle` a request written as JSON and returns the reply body as JSON.
    fn call(node: &Node, sent: &maelstrom::Sent, logs: &mut Logs, body: Value) -> Value {
        let msg = Message::request("c1", "n0", 1, serde_json::from_value(body).unwrap());
        handle(node, logs, msg).unwrap();
        let mut reply = sent.take::<Value>().pop().unwrap().body.payload;
        reply.as_object_mut().unwrap().remove("in_reply_to");
        reply
    }

    #[test]
    fn speaks_the_workloads_json() {
        let (node, sent) = Node::in_memory("n0", &["n0"]);
        let mut logs = Logs::default();
        let mut call = |body| call(&node, &sent, &mut logs, body);

        let reply = call(json!({"type": "send", "key": "9", "msg": 5}));
        assert_eq!(reply, json!({"type": "send_ok", "offset": 0}));
        call(json!({"type": "send", "key": "9", "msg": 6}));

        let reply = call(json!({"type": "poll", "offsets": {"9": 1, "4": 0}}));
        assert_eq!(reply, json!({"type": "poll_ok", "msgs": {"9": [[1, 6]]}}));

        call(json!({"type": "commit_offsets", "offsets": {"9": 1}}));
        let reply = call(json!({"type": "list_committed_offsets", "keys": ["9", "4"]}));
        let expected = json!({"type": "list_committed_offsets_ok", "offsets": {"9": 1}});
        assert_eq!(reply, expected);
    }
}
