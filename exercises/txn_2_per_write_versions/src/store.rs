//! `txn_2`'s store, except that every write gets a version of its own: the clock ticks
//! once per write. Nodes still converge; what they converge to is no longer the effect
//! of whole transactions.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::replication::{Batch, Replication};
use crate::txn::{Kind, MicroOp};

/// At most this many writes per batch: after a long partition the backlog is large.
pub const MAX_BATCH: usize = 256;

/// When a write happened: the Lamport clock of the node that made it, then that node's
/// position to break ties. Here every write has a version of its own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Version(pub u64, pub u64);

/// One write, as it travels to the other nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Write {
    pub key: u64,
    pub value: u64,
    pub version: Version,
}

#[derive(Debug)]
pub struct Store {
    /// This node's position in the node list.
    me: u64,
    /// A Lamport clock: never behind any version this node has seen.
    clock: u64,
    /// Each register's value, and the version of the transaction that wrote it.
    registers: HashMap<u64, (Version, u64)>,
    /// Every write this node made, in order, on its way to every peer.
    replication: Replication<Write>,
}

impl Store {
    pub fn new(me: &str, node_ids: &[String], max_batch: usize) -> Store {
        let position = node_ids.iter().position(|n| n == me).unwrap_or(0);
        let peers = node_ids.iter().map(String::as_str).filter(|&n| n != me);
        Store {
            me: position as u64,
            clock: 0,
            registers: HashMap::new(),
            replication: Replication::new(peers, max_batch),
        }
    }

    /// Runs `txn` and returns it with every read filled in. Every write is applied
    /// here at once, and queued for the peers with a version of its own.
    pub fn execute(&mut self, txn: &[MicroOp]) -> Vec<MicroOp> {
        txn.iter()
            .map(|&MicroOp(kind, key, value)| match (kind, value) {
                (Kind::Read, _) => MicroOp(kind, key, self.value(key)),
                (Kind::Write, Some(value)) => {
                    // ANCHOR: per_write
                    // A version per write, not per transaction.
                    self.clock += 1;
                    let version = Version(self.clock, self.me);
                    // ANCHOR_END: per_write
                    let write = Write {
                        key,
                        value,
                        version,
                    };
                    self.apply(&write);
                    self.replication.record(write);
                    MicroOp(kind, key, Some(value))
                }
                (Kind::Write, None) => MicroOp(kind, key, None),
            })
            .collect()
    }

    fn value(&self, key: u64) -> Option<u64> {
        self.registers.get(&key).map(|&(_, value)| value)
    }

    /// Last writer wins: keep whichever write has the larger version. A transaction's
    /// second write to a key now has a larger version than its first.
    fn apply(&mut self, write: &Write) {
        let current = self.registers.entry(write.key).or_default();
        if write.version >= current.0 {
            *current = (write.version, write.value);
        }
    }

    /// What to send `peer` on this tick, if anything.
    pub fn batch_for(&mut self, peer: &str) -> Option<Batch<Write>> {
        self.replication.batch_for(peer, self.clock)
    }

    /// Takes in a batch of writes from `peer`, one write at a time.
    pub fn receive(&mut self, peer: &str, batch: Batch<Write>) {
        // Lamport's rule: what this node runs from now on gets a larger version than
        // anything it has seen, so a transaction that read a value always wins over
        // the write that produced it.
        self.clock = self.clock.max(batch.clock);
        for write in self.replication.receive(peer, batch).unwrap_or_default() {
            self.apply(&write);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::txn::Kind::{Read, Write as W};

    fn nodes() -> Vec<String> {
        vec!["n0".to_string(), "n1".to_string()]
    }

    fn read(store: &mut Store, key: u64) -> Option<u64> {
        store.execute(&[MicroOp(Read, key, None)])[0].2
    }

    fn sync(from: &mut Store, from_id: &str, to: &mut Store, to_id: &str) {
        if let Some(batch) = from.batch_for(to_id) {
            to.receive(from_id, batch);
        }
    }

    // ANCHOR: g0_test
    #[test]
    fn the_nodes_agree_on_a_dirty_write() {
        let (mut n0, mut n1) = (
            Store::new("n0", &nodes(), 10),
            Store::new("n1", &nodes(), 10),
        );
        // T1 on n0 writes x then y; T2 on n1 writes y then x, during a partition.
        let (x, y) = (1, 2);
        n0.execute(&[MicroOp(W, x, Some(1)), MicroOp(W, y, Some(1))]);
        n1.execute(&[MicroOp(W, y, Some(2)), MicroOp(W, x, Some(2))]);
        // T1's x has version (1, n0) and its y (2, n0); T2's y (1, n1) and its x (2, n1).
        sync(&mut n0, "n0", &mut n1, "n1");
        sync(&mut n1, "n1", &mut n0, "n0");
        for store in [&mut n0, &mut n1] {
            // Both nodes agree: x from T2, y from T1. On x, T2 overwrote T1; on y, T1
            // overwrote T2. No order of the two transactions gives that: G0.
            assert_eq!((read(store, x), read(store, y)), (Some(2), Some(1)));
        }
    }
    // ANCHOR_END: g0_test
}
