//! A broken echo node, kept for the book: it answers with `send` instead of `reply`,
//! so its answers carry no `in_reply_to` and no client ever recognises them.

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
    match msg.payload() {
        Payload::Echo { echo } => {
            let echo = echo.clone();
            // The bug: `send` addresses the client but does not say which
            // request this answers.
            node.send(&msg.src, Payload::EchoOk { echo })
        }
        Payload::EchoOk { .. } => Ok(()),
    }
}
// ANCHOR_END: handle
