//! A broken echo node, kept for the book: it is the echo solution with one debug
//! line added. `println!` writes to stdout, which is the node's network: the
//! runner tries to read the debug line as a message and rejects it.

use std::sync::mpsc;

use maelstrom::{Message, Node};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Echo { echo: String },
    EchoOk { echo: String },
}

fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events, |msg| msg)?;
    for msg in inbox {
        handle(&node, msg)?;
    }
    Ok(())
}

// ANCHOR: handle
fn handle(node: &Node, msg: Message<Payload>) -> anyhow::Result<()> {
    // The bug: a debug line on stdout. `eprintln!` would send it to the
    // node's log instead.
    println!("got {:?}", msg.payload());
    match msg.payload() {
        Payload::Echo { echo } => {
            let echo = echo.clone();
            node.reply(&msg, Payload::EchoOk { echo })
        }
        Payload::EchoOk { .. } => Ok(()),
    }
}
// ANCHOR_END: handle
