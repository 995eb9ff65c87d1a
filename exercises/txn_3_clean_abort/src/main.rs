//! A reference answer to the read-committed chapter's exercise "fix the broken node,
//! keeping its rule": like `txn_aborted_read`, it refuses a transaction that writes a
//! register twice, but the refusal leaves no trace (see `store.rs`). Replication and
//! transactions are `txn_3`'s own.

mod replication;
mod store;
mod txn;

use std::sync::mpsc::{self, Sender};
use std::thread;
use std::time::Duration;

use maelstrom::{ErrorCode, Message, Node, RpcError};
use replication::Batch;
use serde::{Deserialize, Serialize};
use store::{Committed, MAX_BATCH, Store};
use txn::MicroOp;

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Txn { txn: Vec<MicroOp> },
    TxnOk { txn: Vec<MicroOp> },
    Replicate { batch: Batch<Committed> },
}

enum Event {
    Message(Message<Payload>),
    Tick,
}

/// How often a node sends its peers the transactions they are missing.
const REPLICATE_EVERY: Duration = Duration::from_millis(100);

fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events.clone(), Event::Message)?;
    tick_every(REPLICATE_EVERY, events);

    let mut store = Store::new(node.id(), node.node_ids(), MAX_BATCH);
    for event in inbox {
        match event {
            Event::Message(msg) => handle(&node, &mut store, msg)?,
            Event::Tick => replicate(&node, &mut store)?,
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

fn handle(node: &Node, store: &mut Store, msg: Message<Payload>) -> anyhow::Result<()> {
    match msg.payload() {
        Payload::Txn { txn } => match store.execute(txn) {
            Ok(txn) => node.reply(&msg, Payload::TxnOk { txn }),
            // A definite error, and now a true one: nothing of the transaction happened.
            Err(_) => node.reply(
                &msg,
                RpcError::new(ErrorCode::TXN_CONFLICT, "wrote a key twice"),
            ),
        },
        Payload::Replicate { batch } => {
            store.receive(&msg.src, batch.clone());
            Ok(())
        }
        Payload::TxnOk { .. } => Ok(()),
    }
}

fn replicate(node: &Node, store: &mut Store) -> anyhow::Result<()> {
    for peer in node.peers() {
        if let Some(batch) = store.batch_for(peer) {
            node.send(peer, Payload::Replicate { batch })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn deliver(node: &Node, store: &mut Store, src: &str, body: Value) {
        let msg = Message::request(src, node.id(), 1, serde_json::from_value(body).unwrap());
        handle(node, store, msg).unwrap();
    }

    #[test]
    fn a_write_on_one_node_is_read_on_the_other_after_a_tick() {
        let ids = ["n0", "n1"];
        let (node0, sent0) = Node::in_memory("n0", &ids);
        let (node1, sent1) = Node::in_memory("n1", &ids);
        let mut s0 = Store::new("n0", node0.node_ids(), MAX_BATCH);
        let mut s1 = Store::new("n1", node1.node_ids(), MAX_BATCH);

        deliver(
            &node0,
            &mut s0,
            "c1",
            json!({"type": "txn", "txn": [["w", 1, 5]]}),
        );
        sent0.take::<Value>();
        replicate(&node0, &mut s0).unwrap();
        for msg in sent0.take::<Value>() {
            deliver(&node1, &mut s1, &msg.src, msg.body.payload);
        }

        deliver(
            &node1,
            &mut s1,
            "c2",
            json!({"type": "txn", "txn": [["r", 1, null]]}),
        );
        let reply = sent1.take::<Value>().pop().unwrap().body.payload;
        assert_eq!(reply, json!({"type": "txn_ok", "txn": [["r", 1, 5]]}));
    }
}
