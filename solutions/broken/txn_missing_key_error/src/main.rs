//! Deliberately broken: `txn_1`, except that a read of a register nobody has written
//! is answered the way `lin-kv` answers a read of a missing key, with error 20,
//! `key-does-not-exist`. The workload wants `null` there, and under
//! `--availability total` every refusal is a failure. The store is `txn_1`'s own.

mod txn;

use std::sync::mpsc;

use maelstrom::{ErrorCode, Message, Node, RpcError};
use serde::{Deserialize, Serialize};
use txn::{Kind, MicroOp, Store};

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

// ANCHOR: handle
fn handle(node: &Node, store: &mut Store, msg: Message<Payload>) -> anyhow::Result<()> {
    match msg.payload() {
        Payload::Txn { txn } => {
            let txn = store.execute(txn);
            // BROKEN: an empty register reads as `null`; it is not an error. And this
            // refusal comes after the transaction ran: its writes stay in the store.
            let missing = txn.iter().find(|op| op.0 == Kind::Read && op.2.is_none());
            if let Some(MicroOp(_, key, _)) = missing {
                let text = format!("key {key} does not exist");
                let error = RpcError::new(ErrorCode::KEY_DOES_NOT_EXIST, text);
                return node.reply(&msg, error);
            }
            node.reply(&msg, Payload::TxnOk { txn })
        }
        Payload::TxnOk { .. } => Ok(()),
    }
}
// ANCHOR_END: handle
