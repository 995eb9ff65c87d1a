//! Deliberately broken: a node that refuses some transactions with `txn-conflict`
//! after part of them already took effect (see `store.rs`). Clients are told the
//! transaction failed, and other transactions read what it wrote: an aborted read.

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

// ANCHOR: payload
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Txn { txn: Vec<MicroOp> },
    TxnOk { txn: Vec<MicroOp> },
    Replicate { batch: Batch<Committed> },
}
// ANCHOR_END: payload

enum Event {
    Message(Message<Payload>),
    Tick,
}

/// How often a node sends its peers the transactions they are missing.
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
        Payload::Txn { txn } => match store.execute(txn) {
            Ok(txn) => node.reply(&msg, Payload::TxnOk { txn }),
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
// ANCHOR_END: handle
