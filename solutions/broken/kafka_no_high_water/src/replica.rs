//! Deliberately broken: `kafka_3`'s replica without the high-water mark. Polls return
//! whatever this node holds, so a message with a smaller offset can still arrive from a
//! peer after a poller has moved past that offset.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::replication::{Batch, Replication};

// ANCHOR: change
/// A change to the logs, as it travels from the node that made it to the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Append { key: String, offset: u64, msg: u64 },
    Commit { key: String, offset: u64 },
}
// ANCHOR_END: change

// ANCHOR: replica
#[derive(Debug)]
pub struct Replica {
    /// This node's position in the node list, and the length of that list.
    me: u64,
    nodes: u64,
    /// A Lamport clock: one more than the highest clock value this node has seen.
    clock: u64,
    /// Each key's messages by offset. Offsets have gaps, and that is allowed.
    logs: HashMap<String, BTreeMap<u64, u64>>,
    committed: HashMap<String, u64>,
    replication: Replication<Change>,
    /// For each peer, a clock value it has promised never to use again: every offset it
    /// hands out from now on comes from a later clock. See [`Replica::high_water_mark`].
    promised: BTreeMap<String, u64>,
}
// ANCHOR_END: replica

impl Replica {
    pub fn new(me: &str, node_ids: &[String]) -> Replica {
        let position = node_ids.iter().position(|n| n == me).unwrap_or(0);
        let peers = node_ids.iter().map(String::as_str).filter(|&n| n != me);
        Replica {
            me: position as u64,
            nodes: node_ids.len().max(1) as u64,
            clock: 0,
            logs: HashMap::new(),
            committed: HashMap::new(),
            replication: Replication::new(peers.clone()),
            promised: peers.map(|p| (p.to_string(), 0)).collect(),
        }
    }

    // ANCHOR: send
    /// Appends `msg` to the log of `key` and returns its offset: the clock's next value
    /// times the number of nodes, plus this node's position. No two nodes can produce
    /// the same offset, and a node's offsets only grow.
    pub fn send(&mut self, key: &str, msg: u64) -> u64 {
        self.clock += 1;
        let offset = self.clock * self.nodes + self.me;
        let change = Change::Append {
            key: key.to_string(),
            offset,
            msg,
        };
        self.apply(change.clone());
        self.replication.record(change);
        offset
    }
    // ANCHOR_END: send

    // ANCHOR: poll
    /// BROKEN: returns every message this node holds, however recent. A peer may still
    /// hand out a smaller offset, and a poller that has moved past it never sees it.
    pub fn poll(&self, key: &str, from: u64) -> Vec<(u64, u64)> {
        let Some(log) = self.logs.get(key) else {
            return Vec::new();
        };
        log.range(from..).map(|(&o, &m)| (o, m)).collect()
    }
    // ANCHOR_END: poll

    /// Raises the committed offset of `key` to `offset`, unless it is already higher.
    pub fn commit(&mut self, key: &str, offset: u64) {
        let change = Change::Commit {
            key: key.to_string(),
            offset,
        };
        self.apply(change.clone());
        self.replication.record(change);
    }

    /// The committed offset of each of `keys` that has one.
    pub fn committed(&self, keys: &[String]) -> BTreeMap<String, u64> {
        keys.iter()
            .filter_map(|key| Some((key.clone(), *self.committed.get(key)?)))
            .collect()
    }

    // ANCHOR: receive
    /// What to send `peer` on this tick, if anything.
    pub fn batch_for(&mut self, peer: &str) -> Option<Batch<Change>> {
        self.replication.batch_for(peer, self.clock)
    }

    /// Takes in a batch from `peer`.
    pub fn receive(&mut self, peer: &str, batch: Batch<Change>) {
        // Lamport's rule: never lag behind a clock we have seen.
        self.clock = self.clock.max(batch.clock);
        let clock = batch.clock;
        let Some(changes) = self.replication.receive(peer, batch) else {
            return;
        };
        for change in changes {
            self.apply(change);
        }
        // We now hold everything `peer` did up to `clock`, and it will never hand out
        // an offset from `clock` or below again.
        if let Some(promised) = self.promised.get_mut(peer) {
            *promised = clock.max(*promised);
        }
    }
    // ANCHOR_END: receive

    fn apply(&mut self, change: Change) {
        match change {
            Change::Append { key, offset, msg } => {
                self.logs.entry(key).or_default().insert(offset, msg);
            }
            Change::Commit { key, offset } => {
                let committed = self.committed.entry(key).or_default();
                *committed = offset.max(*committed);
            }
        }
    }
}
