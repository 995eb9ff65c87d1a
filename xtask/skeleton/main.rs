//! Your echo node. It already does the handshake: `maelstrom::init` reads the `init`
//! message, answers `init_ok`, returns the node, and sends every later message into the
//! channel `inbox` reads from. Each one comes to `handle`, which knows none yet, so the
//! helper crate answers each request with error 10, not-supported, and the echo test
//! fails.
//!
//! What to add, as the echo chapter shows:
//! 1. In `Payload`, the request `Echo { echo: String }` and its reply
//!    `EchoOk { echo: String }`.
//! 2. In `handle`, a `match` on the payload: an `Echo` is answered with
//!    `node.reply(&msg, Payload::EchoOk { echo })`, carrying the same text.

use std::sync::mpsc;

use maelstrom::{Message, Node};
use serde::{Deserialize, Serialize};

/// Every message this node sends or receives, told apart by its `"type"` field.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {}

fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events, |msg| msg)?;
    for msg in inbox {
        handle(&node, msg)?;
    }
    Ok(())
}

/// Answers one message. `Payload` has no variants yet, so no message gets here, and a
/// `match` on it needs no arms. (The underscore in `_node` says it is not used yet; drop
/// it when `handle` replies.)
fn handle(_node: &Node, msg: Message<Payload>) -> anyhow::Result<()> {
    match *msg.payload() {}
}
