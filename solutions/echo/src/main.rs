//! Challenge 1: echo. The node answers every `echo` request with the same text.

use std::sync::mpsc;

use maelstrom::{Message, Node};
use serde::{Deserialize, Serialize};

// ANCHOR: payload
/// Every message this node sends or receives, told apart by its `"type"` field.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Echo { echo: String },
    EchoOk { echo: String },
}
// ANCHOR_END: payload

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events, |msg| msg)?;
    for msg in inbox {
        handle(&node, msg)?;
    }
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: handle
fn handle(node: &Node, msg: Message<Payload>) -> anyhow::Result<()> {
    match msg.payload() {
        Payload::Echo { echo } => {
            let echo = echo.clone();
            node.reply(&msg, Payload::EchoOk { echo })
        }
        // We never ask anyone to echo, so an echo_ok is not for us.
        Payload::EchoOk { .. } => Ok(()),
    }
}
// ANCHOR_END: handle

// ANCHOR: test
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_replies_with_the_same_text() {
        let (node, sent) = Node::in_memory("n0", &["n0"]);
        let echo = Payload::Echo {
            echo: "hello".to_string(),
        };
        let request = Message::request("c1", "n0", 3, echo);
        handle(&node, request).unwrap();

        let replies = sent.take::<Payload>();
        assert_eq!(replies.len(), 1);
        assert_eq!(replies[0].dest, "c1");
        assert_eq!(replies[0].body.in_reply_to, Some(3));
        assert!(matches!(&replies[0].body.payload, Payload::EchoOk { echo } if echo == "hello"));
    }
}
// ANCHOR_END: test
