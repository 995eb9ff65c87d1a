//! Challenge 4: a grow-only counter that is stateless, as the challenge asks. The
//! counter is one key in `seq-kv`, every add is a compare-and-set loop, and every read
//! first catches up with the store.
//!
//! Correct, and simple to reason about, but each operation costs at least two round
//! trips to the store. The step beyond the challenge (`g_counter_gossip`) keeps the
//! counter in the nodes' memory instead, and needs no store at all.

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

/// The one key every node adds to.
const COUNTER: &str = "counter";

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events, |msg| msg)?;
    let mut counter = Counter::new(Kv::seq(&node), node.id());
    for msg in inbox {
        // Each call below blocks until seq-kv answers. The stdin reader runs on its
        // own thread and hands the answers straight to us, so that is safe.
        let result = match msg.payload() {
            Payload::Add { delta } => counter.add(*delta).map(|()| Payload::AddOk),
            Payload::Read => counter.read().map(|value| Payload::ReadOk { value }),
            Payload::AddOk | Payload::ReadOk { .. } => continue,
        };
        answer(&node, &msg, result)?;
    }
    Ok(())
}

/// Replies with `result`, or with an error the client will treat as "unknown outcome".
fn answer(
    node: &Node,
    msg: &Message<Payload>,
    result: Result<Payload, RpcError>,
) -> anyhow::Result<()> {
    match result {
        Ok(reply) => node.reply(msg, reply),
        // A timed-out cas may still have been applied, so the add's fate is unknown:
        // `crash` is Maelstrom's code for exactly that.
        Err(e) => node.reply(msg, RpcError::new(ErrorCode::CRASH, e.to_string())),
    }
}
// ANCHOR_END: main

struct Counter {
    kv: Kv,
    node_id: String,
    /// How many times this node has caught up with seq-kv; see [`Counter::catch_up`].
    catch_ups: u64,
}

impl Counter {
    fn new(kv: Kv, node_id: &str) -> Counter {
        Counter {
            kv,
            node_id: node_id.to_string(),
            catch_ups: 0,
        }
    }

    // ANCHOR: add
    /// Adds `delta`: read the total, then store total + delta *only if* the total is
    /// still what we read. If anyone added in between, or if our read was stale, the
    /// cas fails and we go round again with a fresher read.
    fn add(&mut self, delta: u64) -> Result<(), RpcError> {
        loop {
            let total = self.kv.read::<u64>(COUNTER)?.unwrap_or(0);
            match self.kv.cas(COUNTER, total, total + delta, true) {
                Ok(()) => return Ok(()),
                Err(e) if e.code == ErrorCode::PRECONDITION_FAILED => continue,
                Err(e) => return Err(e),
            }
        }
    }
    // ANCHOR_END: add

    // ANCHOR: read
    /// Reads the total, after making sure seq-kv shows us its newest state.
    fn read(&mut self) -> Result<u64, RpcError> {
        self.catch_up()?;
        Ok(self.kv.read::<u64>(COUNTER)?.unwrap_or(0))
    }

    /// Writes a value this node never wrote before to a key of its own.
    ///
    /// seq-kv must apply a write that changes something to its newest state, and it
    /// never shows a node anything older than what that node has already seen. So
    /// every read after this one sees every add that finished before it.
    fn catch_up(&mut self) -> Result<(), RpcError> {
        self.catch_ups += 1;
        let key = format!("catch-up-{}", self.node_id);
        self.kv.write(key, self.catch_ups)
    }
    // ANCHOR_END: read
}

#[cfg(test)]
mod tests {
    use super::*;

    // An in-memory store is linearizable, so these tests check the logic, not
    // seq-kv's staleness: that is what the runner's partitions and stale reads are for.
    #[test]
    fn adds_accumulate_and_reads_see_them() {
        let kv = Kv::in_memory();
        let mut n0 = Counter::new(kv.clone(), "n0");
        let mut n1 = Counter::new(kv.clone(), "n1");
        n0.add(3).unwrap();
        n1.add(4).unwrap();
        n0.add(0).unwrap();
        assert_eq!(n0.read().unwrap(), 7);
        assert_eq!(n1.read().unwrap(), 7);
    }

    #[test]
    fn every_catch_up_writes_a_new_value_to_the_nodes_own_key() {
        let kv = Kv::in_memory();
        let mut n0 = Counter::new(kv.clone(), "n0");
        n0.read().unwrap();
        n0.read().unwrap();
        assert_eq!(kv.read::<u64>("catch-up-n0"), Ok(Some(2)));
        assert_eq!(kv.read::<u64>("catch-up-n1"), Ok(None));
    }
}
