//! One node's copy of the registers. Transactions run here at once, without asking
//! any other node; their writes then travel to the peers, and every node settles
//! competing writes to a register the same way: the one with the larger version wins.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::replication::{Batch, Replication};
use crate::txn::{Kind, MicroOp};

/// At most this many writes per batch: after a long partition the backlog is large.
pub const MAX_BATCH: usize = 256;

// ANCHOR: version
/// When a transaction ran, as far as anyone can tell: the Lamport clock of the node
/// that ran it, then that node's position to break ties. Two versions are never equal
/// unless they belong to the same transaction, and comparing them orders every
/// transaction after every transaction whose writes its node had already seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Version(pub u64, pub u64);
// ANCHOR_END: version

// ANCHOR: write
/// One write, as it travels to the other nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Write {
    pub key: u64,
    pub value: u64,
    pub version: Version,
}
// ANCHOR_END: write

// ANCHOR: store
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
// ANCHOR_END: store

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

    // ANCHOR: execute
    /// Runs `txn` and returns it with every read filled in. Every write is applied
    /// here at once, and queued for the peers with the transaction's version.
    pub fn execute(&mut self, txn: &[MicroOp]) -> Vec<MicroOp> {
        self.clock += 1;
        let version = Version(self.clock, self.me);
        txn.iter()
            .map(|&MicroOp(kind, key, value)| match (kind, value) {
                (Kind::Read, _) => MicroOp(kind, key, self.value(key)),
                (Kind::Write, Some(value)) => {
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
    // ANCHOR_END: execute

    fn value(&self, key: u64) -> Option<u64> {
        self.registers.get(&key).map(|&(_, value)| value)
    }

    // ANCHOR: apply
    /// Last writer wins: keep whichever write has the larger version. A transaction's
    /// second write to a key has the same version as its first, and replaces it.
    fn apply(&mut self, write: &Write) {
        let current = self.registers.entry(write.key).or_default();
        if write.version >= current.0 {
            *current = (write.version, write.value);
        }
    }
    // ANCHOR_END: apply

    /// What to send `peer` on this tick, if anything.
    pub fn batch_for(&mut self, peer: &str) -> Option<Batch<Write>> {
        self.replication.batch_for(peer, self.clock)
    }

    // ANCHOR: receive
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
    // ANCHOR_END: receive
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

    // ANCHOR: converge_test
    #[test]
    fn concurrent_writes_settle_the_same_way_on_every_node() {
        let (mut n0, mut n1) = (
            Store::new("n0", &nodes(), 10),
            Store::new("n1", &nodes(), 10),
        );
        // Both write registers 1 and 2 at the same time, during a partition.
        n0.execute(&[MicroOp(W, 1, Some(10)), MicroOp(W, 2, Some(10))]);
        n1.execute(&[MicroOp(W, 2, Some(20)), MicroOp(W, 1, Some(20))]);
        // The partition heals and the batches cross.
        sync(&mut n0, "n0", &mut n1, "n1");
        sync(&mut n1, "n1", &mut n0, "n0");
        // Same clock value 1, so the node position decides: n1's transaction wins
        // both registers, on both nodes. No node sees 10 in one and 20 in the other.
        for store in [&mut n0, &mut n1] {
            assert_eq!((read(store, 1), read(store, 2)), (Some(20), Some(20)));
        }
    }

    #[test]
    fn a_write_that_read_another_wins_over_it_everywhere() {
        let (mut n0, mut n1) = (
            Store::new("n0", &nodes(), 10),
            Store::new("n1", &nodes(), 10),
        );
        // n0 has run many transactions, so its clock is far ahead of n1's.
        for v in 1..=5 {
            n0.execute(&[MicroOp(W, 1, Some(v))]);
        }
        sync(&mut n0, "n0", &mut n1, "n1");
        // n1 reads 5 and overwrites it: its version must beat n0's, or n0 would keep 5.
        n1.execute(&[MicroOp(Read, 1, None), MicroOp(W, 1, Some(6))]);
        sync(&mut n1, "n1", &mut n0, "n0");
        assert_eq!((read(&mut n0, 1), read(&mut n1, 1)), (Some(6), Some(6)));
    }
    // ANCHOR_END: converge_test

    // ANCHOR: intermediate_test
    /// Read uncommitted, and no better: with a backlog longer than one batch, a
    /// transaction's writes can arrive in two batches, and a reader in between sees
    /// a value the transaction itself overwrote (an "intermediate read").
    #[test]
    fn a_split_batch_shows_an_intermediate_write() {
        let (mut n0, mut n1) = (Store::new("n0", &nodes(), 2), Store::new("n1", &nodes(), 2));
        n0.execute(&[MicroOp(W, 7, Some(1))]);
        n0.execute(&[MicroOp(W, 8, Some(1)), MicroOp(W, 8, Some(2))]);
        sync(&mut n0, "n0", &mut n1, "n1");
        assert_eq!(read(&mut n1, 8), Some(1));
        sync(&mut n1, "n1", &mut n0, "n0");
        sync(&mut n0, "n0", &mut n1, "n1");
        assert_eq!(read(&mut n1, 8), Some(2));
    }
    // ANCHOR_END: intermediate_test
}
