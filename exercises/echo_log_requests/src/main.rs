//! Echo exercise "Watch a request arrive": the echo node, logging every request it
//! handles to stderr, which the runner keeps in `node-logs/<node>.log`.

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
            // stderr, never stdout: stdout carries messages and nothing else.
            eprintln!("{} asks {} to echo {echo:?}", msg.src, node.id());
            let echo = echo.clone();
            node.reply(&msg, Payload::EchoOk { echo })
        }
        Payload::EchoOk { .. } => Ok(()),
    }
}
// ANCHOR_END: handle

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logging_changes_nothing_on_stdout() {
        let (node, sent) = Node::in_memory("n0", &["n0"]);
        let echo = Payload::Echo {
            echo: "hello".to_string(),
        };
        let request = Message::request("c1", "n0", 3, echo);
        handle(&node, request).unwrap();
        let replies = sent.take::<Payload>();
        assert_eq!(replies.len(), 1, "the log line went to stderr, not stdout");
        assert_eq!(replies[0].body.in_reply_to, Some(3));
    }
}
