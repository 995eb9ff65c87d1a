//! Challenge 6b: totally available transactions, read uncommitted. Every node runs
//! every transaction it is given at once, against its own copy of the registers, and
//! sends its writes to its peers in batches. Partitions delay the batches; they never
//! stop a transaction.

mod replication;
mod store;
mod txn;

use std::sync::mpsc::{self, Sender};
use std::thread;
use std::time::Duration;

use maelstrom::{Message, Node};
use replication::Batch;
use serde::{Deserialize, Serialize};
use store::{MAX_BATCH, Store, Write};
use txn::MicroOp;

// ANCHOR: payload
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Txn { txn: Vec<MicroOp> },
    TxnOk { txn: Vec<MicroOp> },
    Replicate { batch: Batch<Write> },
}
// ANCHOR_END: payload

enum Event {
    Message(Message<Payload>),
    Tick,
}

/// How often a node sends its peers the writes they are missing.
const REPLICATE_EVERY: Duration = Duration::from_millis(100);

// ANCHOR: main
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
// ANCHOR_END: main

fn tick_every(period: Duration, events: Sender<Event>) {
    thread::spawn(move || {
        while events.send(Event::Tick).is_ok() {
            thread::sleep(period);
        }
    });
}

// ANCHOR: handle
fn handle(node: &Node, store: &mut Store, msg: Message<Payload>) -> anyhow::Result<()> {
    match msg.payload() {
        Payload::Txn { txn } => {
            let txn = store.execute(txn);
            node.reply(&msg, Payload::TxnOk { txn })
        }
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
// ANCHOR_END: handle

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
