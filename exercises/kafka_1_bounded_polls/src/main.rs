//! A reference answer to the first kafka chapter's exercise "bounded polls": `kafka_1`,
//! except that a poll returns at most [`MAX_POLL`] messages per key, the first ones from
//! the requested offset. The logs are `kafka_1`'s own.

mod logs;

use std::collections::BTreeMap;
use std::sync::mpsc;

use logs::Logs;
use maelstrom::{Message, Node};
use serde::{Deserialize, Serialize};

/// The most messages of one key a poll returns.
const MAX_POLL: usize = 10;

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
            // The first MAX_POLL messages from the requested offset: the client asks
            // again from one past the last it got, so nothing is skipped.
            let first = |key: &str, from| {
                let mut msgs = logs.read_from(key, from);
                msgs.truncate(MAX_POLL);
                msgs
            };
            let msgs = offsets
                .iter()
                .map(|(key, &from)| (key.clone(), first(key, from)))
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
        // Replies are for clients; a node never receives one here.
        Payload::SendOk { .. }
        | Payload::PollOk { .. }
        | Payload::CommitOffsetsOk
        | Payload::ListCommittedOffsetsOk { .. } => return Ok(()),
    };
    node.reply(&msg, reply)
}

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
    fn a_poll_returns_the_first_ten_messages_from_its_offset() {
        let (node, sent) = Node::in_memory("n0", &["n0"]);
        let mut logs = Logs::default();
        let mut call = |body| call(&node, &sent, &mut logs, body);
        for msg in 0..25 {
            call(json!({"type": "send", "key": "9", "msg": msg}));
        }
        let reply = call(json!({"type": "poll", "offsets": {"9": 3}}));
        let pairs: Vec<[u64; 2]> = (3..13).map(|o| [o, o]).collect();
        assert_eq!(reply, json!({"type": "poll_ok", "msgs": {"9": pairs}}));
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
