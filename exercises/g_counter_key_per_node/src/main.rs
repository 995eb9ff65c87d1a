//! A reference answer to the grow-only counter chapter's exercise "a key per node".
//!
//! Still stateless as far as the counter goes: each node's part of it lives in `seq-kv`
//! under a key of the node's own. The node is that key's only writer, so an add needs no
//! read and no cas, only one write; a read catches up with the store and sums every
//! node's key.

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

fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events, |msg| msg)?;
    let mut counter = Counter::new(Kv::seq(&node), node.id(), node.node_ids());
    for msg in inbox {
        let result = match msg.payload() {
            Payload::Add { delta } => counter.add(*delta).map(|()| Payload::AddOk),
            Payload::Read => counter.read().map(|value| Payload::ReadOk { value }),
            Payload::AddOk | Payload::ReadOk { .. } => continue,
        };
        answer(&node, &msg, result)?;
    }
    Ok(())
}

/// Replies with `result`, or with `crash`: a write that timed out may still land.
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

/// The key under which node `id` keeps its part of the counter.
fn part_key(id: &str) -> String {
    format!("count-{id}")
}

struct Counter {
    kv: Kv,
    node_id: String,
    node_ids: Vec<String>,
    /// Everything this node has added: the value of its own key, once written.
    total: u64,
    /// How many times this node has caught up with seq-kv.
    catch_ups: u64,
}

impl Counter {
    fn new(kv: Kv, node_id: &str, node_ids: &[String]) -> Counter {
        Counter {
            kv,
            node_id: node_id.to_string(),
            node_ids: node_ids.to_vec(),
            total: 0,
            catch_ups: 0,
        }
    }

    // ANCHOR: answer
    /// Adds `delta` to this node's part, and writes the whole part, not the delta: a
    /// write that failed is made good by the next one, and a repeated one changes
    /// nothing. (A write slower than the one-second timeout could in principle land
    /// after a newer one and lower the part again; a cas that only ever raises it would
    /// rule that out, for one more round trip per add.)
    fn add(&mut self, delta: u64) -> Result<(), RpcError> {
        self.total += delta;
        self.kv.write(part_key(&self.node_id), self.total)
    }

    /// Catches up with seq-kv, then sums every node's part. A part nobody wrote yet
    /// counts as 0.
    fn read(&mut self) -> Result<u64, RpcError> {
        self.catch_ups += 1;
        let catch_up = format!("catch-up-{}", self.node_id);
        self.kv.write(catch_up, self.catch_ups)?;
        let mut sum = 0;
        for id in &self.node_ids {
            sum += self.kv.read::<u64>(part_key(id))?.unwrap_or(0);
        }
        Ok(sum)
    }
    // ANCHOR_END: answer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Vec<String> {
        ["n0", "n1", "n2"].map(String::from).to_vec()
    }

    #[test]
    fn every_node_writes_only_its_own_part_and_reads_sum_them_all() {
        let kv = Kv::in_memory();
        let mut n0 = Counter::new(kv.clone(), "n0", &ids());
        let mut n1 = Counter::new(kv.clone(), "n1", &ids());
        n0.add(3).unwrap();
        n1.add(4).unwrap();
        n0.add(2).unwrap();
        assert_eq!(kv.read::<u64>("count-n0"), Ok(Some(5)));
        assert_eq!(kv.read::<u64>("count-n1"), Ok(Some(4)));
        assert_eq!(kv.read::<u64>("count-n2"), Ok(None));
        assert_eq!(n0.read().unwrap(), 9);
        assert_eq!(n1.read().unwrap(), 9);
    }

    #[test]
    fn a_repeated_write_of_the_part_changes_nothing() {
        let kv = Kv::in_memory();
        let mut n0 = Counter::new(kv.clone(), "n0", &ids());
        n0.add(3).unwrap();
        n0.add(0).unwrap();
        assert_eq!(n0.read().unwrap(), 3);
    }
}
