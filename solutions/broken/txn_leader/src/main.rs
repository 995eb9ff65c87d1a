//! Deliberately broken, for `--availability total`: part 1's single node made the
//! leader, and every other node forwarding its transactions to it. The leader runs them
//! one at a time, as `txn_1` does (its store is `txn_1`'s own), so the history is as
//! good as a single node's; but a node cut off from the leader cannot answer at all.

mod txn;

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use maelstrom::{ErrorCode, Message, Node, RpcError};
use serde::{Deserialize, Serialize};
use txn::{MicroOp, Store};

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Txn { txn: Vec<MicroOp> },
    TxnOk { txn: Vec<MicroOp> },
}

/// How long a follower waits for the leader: well under the client's own timeout, so
/// the client hears the error rather than nothing.
const LEADER_TIMEOUT: Duration = Duration::from_secs(1);

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events, |msg| msg)?;
    // Every node sees the same list, so every node picks the same leader.
    let leader = node.node_ids()[0].clone();
    let mut store = Store::default();
    for msg in inbox {
        let Payload::Txn { txn } = msg.payload() else {
            continue;
        };
        if node.id() == leader {
            // Clients and followers alike: one transaction at a time, as on one node.
            let txn = store.execute(txn);
            node.reply(&msg, Payload::TxnOk { txn })?;
        } else {
            forward(&node, &leader, msg);
        }
    }
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: forward
/// Hands the transaction to the leader on a thread of its own (an `rpc` blocks while
/// it waits), and passes the answer back to the client.
fn forward(node: &Node, leader: &str, request: Message<Payload>) {
    let (node, leader) = (node.clone(), leader.to_string());
    thread::spawn(move || {
        let Payload::Txn { txn } = request.payload() else {
            return;
        };
        let txn = Payload::Txn { txn: txn.clone() };
        let sent = match node.rpc::<_, Payload>(&leader, txn, LEADER_TIMEOUT) {
            Ok(reply) => node.reply(&request, reply),
            // The leader may have run it before the answer was lost: outcome unknown.
            Err(e) => node.reply(
                &request,
                RpcError::new(
                    ErrorCode::CRASH,
                    format!("no answer from the leader {leader}: {e}"),
                ),
            ),
        };
        if let Err(e) = sent {
            eprintln!("could not answer {}: {e:#}", request.src);
        }
    });
}
// ANCHOR_END: forward
