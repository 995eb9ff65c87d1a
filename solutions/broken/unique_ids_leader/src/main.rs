//! A unique-ids node that is correct but not available, kept for the book: one node,
//! the leader, owns the only counter, and every other node forwards `generate` to it.
//! The ids are unique and dense, but a node cut off from the leader cannot answer.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use maelstrom::{ErrorCode, Message, Node, RpcError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Generate,
    GenerateOk { id: u64 },
}

/// How long a follower waits for the leader. Well under the client's 5 s, so the
/// client hears an answer instead of timing out.
const LEADER_TIMEOUT: Duration = Duration::from_secs(1);

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events, |msg| msg)?;
    // Every node sees the same list, so every node picks the same leader.
    let leader = node.node_ids()[0].clone();
    let mut next: u64 = 0;
    for msg in inbox {
        if !matches!(msg.payload(), Payload::Generate) {
            continue;
        }
        if node.id() == leader {
            // Clients and followers alike get the next number.
            node.reply(&msg, Payload::GenerateOk { id: next })?;
            next += 1;
        } else {
            forward(&node, &leader, msg);
        }
    }
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: forward
/// Asks the leader for an id on a thread of its own (an `rpc` blocks while it
/// waits), and passes the answer back to the client.
fn forward(node: &Node, leader: &str, request: Message<Payload>) {
    let (node, leader) = (node.clone(), leader.to_string());
    thread::spawn(move || {
        let answer = node.rpc::<_, Payload>(&leader, Payload::Generate, LEADER_TIMEOUT);
        let sent = match answer {
            Ok(reply) => node.reply(&request, reply),
            // No answer in time. The request may have reached the leader, which
            // then handed out an id whose reply was lost: the follower cannot
            // know. Only an indefinite code says so (Maelstrom's
            // resources/errors.edn reserves 11 for "definitely not done").
            Err(e) => node.reply(
                &request,
                RpcError::new(
                    ErrorCode::CRASH,
                    format!("no id from the leader {leader}: {e}"),
                ),
            ),
        };
        if let Err(e) = sent {
            eprintln!("could not answer {}: {e:#}", request.src);
        }
    });
}
// ANCHOR_END: forward
