//! A reference answer to the first transactions chapter's exercise "break it on
//! purpose": `txn_1`, except that every read sees the registers as they were when its
//! transaction began, even after the transaction wrote them (see `snapshot.rs`).

mod snapshot;
// The micro-operations are txn_1's own; its `Store` is replaced by `snapshot::Store`.
#[allow(dead_code)]
mod txn;

use std::sync::mpsc;

use maelstrom::{Message, Node};
use serde::{Deserialize, Serialize};
use snapshot::Store;
use txn::MicroOp;

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Txn { txn: Vec<MicroOp> },
    TxnOk { txn: Vec<MicroOp> },
}

fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events, |msg| msg)?;
    let mut store = Store::default();
    for msg in inbox {
        handle(&node, &mut store, msg)?;
    }
    Ok(())
}

fn handle(node: &Node, store: &mut Store, msg: Message<Payload>) -> anyhow::Result<()> {
    match msg.payload() {
        Payload::Txn { txn } => {
            let txn = store.execute(txn);
            node.reply(&msg, Payload::TxnOk { txn })
        }
        Payload::TxnOk { .. } => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn answers_txn_with_txn_ok() {
        let (node, sent) = Node::in_memory("n0", &["n0"]);
        let mut store = Store::default();
        let body = json!({"type": "txn", "txn": [["w", 3, 1], ["r", 3, null]]});
        let msg = Message::request("c1", "n0", 4, serde_json::from_value(body).unwrap());
        handle(&node, &mut store, msg).unwrap();
        let reply = &sent.take::<Value>()[0].body;
        assert_eq!(reply.in_reply_to, Some(4));
        // The read does not see the write before it: the transaction contradicts itself.
        let expected = json!({"type": "txn_ok", "txn": [["w", 3, 1], ["r", 3, null]]});
        assert_eq!(reply.payload, expected);
    }
}
