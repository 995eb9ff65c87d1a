//! A broken unique-ids node, kept for the book: every node asks the leader for the
//! next id with `rpc`, straight from its main loop, and the leader asks too, of
//! itself. The leader's main loop then waits for an answer that only its main loop
//! could give: its own `next_id` request sits in the queue behind the `rpc` that
//! waits for it. Every request to the leader queues up behind that wait.

use std::sync::mpsc;
use std::time::Duration;

use maelstrom::{ErrorCode, Message, Node, RpcError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Generate,
    GenerateOk { id: u64 },
    NextId,
    NextIdOk { id: u64 },
}

/// How long a node waits for the leader before it gives up: generous, since the
/// leader is usually a message away.
const LEADER_TIMEOUT: Duration = Duration::from_secs(10);

fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events, |msg| msg)?;
    // Every node sees the same list, so every node picks the same leader.
    let leader = node.node_ids()[0].clone();
    let mut next: u64 = 0;
    // ANCHOR: main_loop
    for msg in inbox {
        match msg.payload() {
            // The bug: `rpc` blocks this loop until the leader answers. On
            // the leader, the `next_id` it sends itself waits in the same
            // channel this loop reads, so it is handled only after the wait.
            Payload::Generate => {
                let answer = node.rpc(&leader, Payload::NextId, LEADER_TIMEOUT);
                answer_client(&node, &msg, answer)?;
            }
            Payload::NextId => {
                node.reply(&msg, Payload::NextIdOk { id: next })?;
                next += 1;
            }
            _ => {}
        }
    }
    // ANCHOR_END: main_loop
    Ok(())
}

fn answer_client(
    node: &Node,
    request: &Message<Payload>,
    answer: Result<Payload, RpcError>,
) -> anyhow::Result<()> {
    match answer {
        Ok(Payload::NextIdOk { id }) => node.reply(request, Payload::GenerateOk { id }),
        Ok(other) => node.reply(
            request,
            RpcError::new(
                ErrorCode::CRASH,
                format!("unexpected answer from the leader: {other:?}"),
            ),
        ),
        Err(e) => node.reply(
            request,
            RpcError::new(
                ErrorCode::TEMPORARILY_UNAVAILABLE,
                format!("no id from the leader: {e}"),
            ),
        ),
    }
}
