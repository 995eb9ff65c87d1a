//! `txn_3`'s store with `txn_aborted_read`'s rule: a transaction that writes a register
//! twice is refused. The check comes before anything reaches the registers.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::replication::{Batch, Replication};
use crate::txn::{Kind, MicroOp};

/// At most this many transactions per batch. A batch may stop between two
/// transactions, never inside one.
pub const MAX_BATCH: usize = 256;

/// Why a transaction was not committed: it wrote the same register twice.
#[derive(Debug, PartialEq)]
pub struct Refused;

/// When a transaction ran: the Lamport clock of the node that ran it, then that node's
/// position to break ties.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Version(pub u64, pub u64);

/// A committed transaction's effect, as it travels to the other nodes: one version
/// for all of it, and only the last value it wrote to each register. The values it
/// overwrote itself (intermediate writes) never leave the node that ran it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Committed {
    pub version: Version,
    /// `(register, value)` pairs. A list, not a map: JSON object keys are strings.
    pub writes: Vec<(u64, u64)>,
}

#[derive(Debug)]
pub struct Store {
    me: u64,
    clock: u64,
    /// Each register's value, and the version of the transaction that wrote it.
    registers: HashMap<u64, (Version, u64)>,
    /// Every transaction this node committed that wrote something, in order.
    replication: Replication<Committed>,
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

    /// Runs `txn` and returns it with every read filled in, or refuses it if it writes
    /// a register twice.
    ///
    /// Writes go to a buffer of the transaction's own; its reads look there first.
    /// Only at the end, at commit, does the buffer reach the registers and the queue
    /// for the peers, as one [`Committed`].
    // ANCHOR: execute
    pub fn execute(&mut self, txn: &[MicroOp]) -> Result<Vec<MicroOp>, Refused> {
        let mut writes = BTreeMap::new();
        let mut done = Vec::new();
        for &MicroOp(kind, key, value) in txn {
            done.push(match (kind, value) {
                (Kind::Read, _) => {
                    let seen = writes.get(&key).copied().or_else(|| self.value(key));
                    MicroOp(kind, key, seen)
                }
                // Refused while everything is still in the buffer: dropping the buffer
                // undoes the transaction, and nobody saw any of it.
                (Kind::Write, Some(_)) if writes.contains_key(&key) => return Err(Refused),
                (Kind::Write, Some(value)) => {
                    writes.insert(key, value);
                    MicroOp(kind, key, Some(value))
                }
                (Kind::Write, None) => MicroOp(kind, key, None),
            });
        }
        if !writes.is_empty() {
            self.clock += 1;
            let version = Version(self.clock, self.me);
            let writes = writes.into_iter().collect();
            let committed = Committed { version, writes };
            self.apply(&committed);
            self.replication.record(committed);
        }
        Ok(done)
    }
    // ANCHOR_END: execute

    fn value(&self, key: u64) -> Option<u64> {
        self.registers.get(&key).map(|&(_, value)| value)
    }

    /// Applies a whole transaction, in one call: nothing can read in between. Each
    /// register keeps whichever transaction has the larger version, as in 6b.
    fn apply(&mut self, txn: &Committed) {
        for &(key, value) in &txn.writes {
            let current = self.registers.entry(key).or_default();
            if txn.version > current.0 {
                *current = (txn.version, value);
            }
        }
    }

    /// What to send `peer` on this tick, if anything.
    pub fn batch_for(&mut self, peer: &str) -> Option<Batch<Committed>> {
        self.replication.batch_for(peer, self.clock)
    }

    /// Takes in a batch of transactions from `peer`.
    pub fn receive(&mut self, peer: &str, batch: Batch<Committed>) {
        self.clock = self.clock.max(batch.clock);
        for txn in self.replication.receive(peer, batch).unwrap_or_default() {
            self.apply(&txn);
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

    #[test]
    fn a_refused_transaction_leaves_no_trace() {
        let mut store = Store::new("n0", &nodes(), 10);
        let twice = [MicroOp(W, 9, Some(1)), MicroOp(W, 9, Some(2))];
        assert_eq!(store.execute(&twice), Err(Refused));
        let read = store.execute(&[MicroOp(Read, 9, None)]).unwrap();
        assert_eq!(read, [MicroOp(Read, 9, None)]);
        assert_eq!(store.batch_for("n1").map(|b| b.changes.len()), None);
    }

    #[test]
    fn other_transactions_commit_as_in_txn_3() {
        let mut store = Store::new("n0", &nodes(), 10);
        let done = store.execute(&[MicroOp(W, 1, Some(3)), MicroOp(Read, 1, None)]);
        assert_eq!(done.unwrap()[1], MicroOp(Read, 1, Some(3)));
    }
}
