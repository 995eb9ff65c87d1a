//! Challenge 5b: a Kafka-style log on several nodes. The nodes keep no log of their
//! own: every log and every committed offset lives in `lin-kv`, and compare-and-set
//! settles who gets which offset.

mod store;

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::thread;

use maelstrom::kv::Kv;
use maelstrom::{ErrorCode, Message, Node, RpcError};
use serde::{Deserialize, Serialize};
use store::Store;

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

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events, |msg| msg)?;
    let store = Store::new(Kv::lin(&node));
    for msg in inbox {
        // Every request waits on lin-kv, perhaps several times. On a thread of its
        // own, it does not hold up the requests of the other clients meanwhile.
        let (node, store) = (node.clone(), store.clone());
        thread::spawn(move || {
            if let Err(e) = handle(&node, &store, msg) {
                eprintln!("could not answer: {e:#}");
            }
        });
    }
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: handle
fn handle(node: &Node, store: &Store, msg: Message<Payload>) -> anyhow::Result<()> {
    match answer(store, msg.payload()) {
        Ok(Some(reply)) => node.reply(&msg, reply),
        Ok(None) => Ok(()),
        // lin-kv did not answer in time. A cas may still have been applied, so the
        // outcome is unknown: `crash` is the code that says so.
        Err(e) => node.reply(&msg, RpcError::new(ErrorCode::CRASH, e.to_string())),
    }
}

/// The reply to one request, if it is a request.
fn answer(store: &Store, request: &Payload) -> Result<Option<Payload>, RpcError> {
    let reply = match request {
        Payload::Send { key, msg } => {
            let offset = store.append(key, *msg)?;
            Payload::SendOk { offset }
        }
        Payload::Poll { offsets } => {
            let mut msgs = BTreeMap::new();
            for (key, &from) in offsets {
                let found = store.read_from(key, from)?;
                if !found.is_empty() {
                    msgs.insert(key.clone(), found);
                }
            }
            Payload::PollOk { msgs }
        }
        Payload::CommitOffsets { offsets } => {
            for (key, &offset) in offsets {
                store.commit(key, offset)?;
            }
            Payload::CommitOffsetsOk
        }
        Payload::ListCommittedOffsets { keys } => {
            let offsets = store.committed(keys)?;
            Payload::ListCommittedOffsetsOk { offsets }
        }
        Payload::SendOk { .. }
        | Payload::PollOk { .. }
        | Payload::CommitOffsetsOk
        | Payload::ListCommittedOffsetsOk { .. } => return Ok(None),
    };
    Ok(Some(reply))
}
// ANCHOR_END: handle

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn call(store: &Store, body: Value) -> Value {
        let request: Payload = serde_json::from_value(body).unwrap();
        let reply = answer(store, &request).unwrap().unwrap();
        serde_json::to_value(reply).unwrap()
    }

    #[test]
    fn two_nodes_sharing_a_store_share_the_logs() {
        let kv = Kv::in_memory();
        let (n0, n1) = (Store::new(kv.clone()), Store::new(kv));
        call(&n0, json!({"type": "send", "key": "9", "msg": 5}));
        let reply = call(&n1, json!({"type": "send", "key": "9", "msg": 6}));
        assert_eq!(reply, json!({"type": "send_ok", "offset": 1}));

        let reply = call(&n0, json!({"type": "poll", "offsets": {"9": 0, "4": 0}}));
        assert_eq!(
            reply,
            json!({"type": "poll_ok", "msgs": {"9": [[0, 5], [1, 6]]}})
        );

        call(&n1, json!({"type": "commit_offsets", "offsets": {"9": 1}}));
        let reply = call(
            &n0,
            json!({"type": "list_committed_offsets", "keys": ["9"]}),
        );
        let expected = json!({"type": "list_committed_offsets_ok", "offsets": {"9": 1}});
        assert_eq!(reply, expected);
    }
}
