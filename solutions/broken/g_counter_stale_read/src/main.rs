//! Deliberately broken: a grow-only counter that trusts whatever seq-kv reads back.
//!
//! An add reads the total and writes total + delta. Two things go wrong: seq-kv may
//! answer the read from an old state, and another node may add between our read and
//! our write. Either way the write throws adds away, and the final reads come up short.
//! The chapter shows this failing next to `g_counter`, which fixes both with a
//! compare-and-set loop and a catch-up write before reading.

use std::sync::mpsc;

use maelstrom::kv::Kv;
use maelstrom::{ErrorCode, Message, Node, RpcError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Add { delta: u64 },
    AddOk,
    Read,
    ReadOk { value: u64 },
}

const COUNTER: &str = "counter";

fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events, |msg| msg)?;
    let kv = Kv::seq(&node);
    for msg in inbox {
        let result = match msg.payload() {
            Payload::Add { delta } => add(&kv, *delta).map(|()| Payload::AddOk),
            Payload::Read => read(&kv).map(|value| Payload::ReadOk { value }),
            Payload::AddOk | Payload::ReadOk { .. } => continue,
        };
        answer(&node, &msg, result)?;
    }
    Ok(())
}

fn answer(
    node: &Node,
    msg: &Message<Payload>,
    result: Result<Payload, RpcError>,
) -> anyhow::Result<()> {
    match result {
        Ok(reply) => node.reply(msg, reply),
        Err(e) => node.reply(msg, RpcError::new(ErrorCode::CRASH, e.to_string())),
    }
}

// ANCHOR: add
/// BROKEN: the total we read may be stale, and may be overtaken before we write.
fn add(kv: &Kv, delta: u64) -> Result<(), RpcError> {
    let total = kv.read::<u64>(COUNTER)?.unwrap_or(0);
    kv.write(COUNTER, total + delta)
}

/// BROKEN: a plain read may be answered from an old state of the store.
fn read(kv: &Kv) -> Result<u64, RpcError> {
    Ok(kv.read::<u64>(COUNTER)?.unwrap_or(0))
}
// ANCHOR_END: add
