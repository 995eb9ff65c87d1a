//! Shipping this node's changes to every peer, in order, none lost, none applied twice.
//!
//! Each node numbers the changes it makes 0, 1, 2, ... A batch to a peer carries every
//! change from the first one that peer has not acknowledged, so a lost batch costs
//! nothing but time: the next tick sends the same changes again. The receiver skips
//! what it already applied, which makes a repeated or reordered batch harmless.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Even with nothing to say, a node writes to each peer after this many quiet ticks,
/// so that a lost message never leaves a peer waiting for an answer forever.
const HEARTBEAT_TICKS: u32 = 50;

// ANCHOR: batch
/// What one node sends another on a tick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch<C> {
    /// The number, in the sender's sequence, of `changes[0]`.
    pub first: usize,
    /// Every change of the sender's from `first` to the newest.
    pub changes: Vec<C>,
    /// The sender's clock when it sent this batch.
    pub clock: u64,
    /// How many of the receiver's changes the sender has applied: an acknowledgement.
    pub applied: usize,
}
// ANCHOR_END: batch

/// What we know about one peer's progress, and it about ours.
#[derive(Debug, Default)]
struct Peer {
    /// How many of our changes the peer has acknowledged.
    acked: usize,
    /// How many of the peer's changes we have applied.
    applied: usize,
    /// The peer sent us changes and has not had our acknowledgement since.
    owe_ack: bool,
    /// The clock we last told this peer.
    told_clock: u64,
    /// Ticks since we last sent this peer anything.
    quiet_ticks: u32,
}

// ANCHOR: replication
/// This node's changes, and each peer's progress through them and ours through theirs.
#[derive(Debug)]
pub struct Replication<C> {
    mine: Vec<C>,
    peers: BTreeMap<String, Peer>,
}
// ANCHOR_END: replication

impl<C: Clone> Replication<C> {
    pub fn new<'a>(peers: impl IntoIterator<Item = &'a str>) -> Replication<C> {
        let peers = peers
            .into_iter()
            .map(|p| (p.to_string(), Peer::default()))
            .collect();
        Replication {
            mine: Vec::new(),
            peers,
        }
    }

    /// Queues a change this node made, for every peer.
    pub fn record(&mut self, change: C) {
        self.mine.push(change);
    }

    // ANCHOR: batch_for
    /// The batch `peer` should get on this tick, or `None` if it needs nothing: it has
    /// all our changes, our acknowledgement of its own, and our latest clock.
    pub fn batch_for(&mut self, peer: &str, clock: u64) -> Option<Batch<C>> {
        let state = self.peers.get_mut(peer)?;
        let needed = state.acked < self.mine.len()
            || state.owe_ack
            || clock > state.told_clock
            || state.quiet_ticks >= HEARTBEAT_TICKS;
        if !needed {
            state.quiet_ticks += 1;
            return None;
        }
        state.owe_ack = false;
        state.told_clock = clock;
        state.quiet_ticks = 0;
        Some(Batch {
            first: state.acked,
            changes: self.mine[state.acked..].to_vec(),
            clock,
            applied: state.applied,
        })
    }
    // ANCHOR_END: batch_for

    // ANCHOR: receive
    /// Takes in a batch from `peer`. Returns the changes we had not applied yet, in
    /// order, or `None` if the batch starts after a gap (an older batch was lost and a
    /// newer one overtook it: the peer will send the missing changes again).
    ///
    /// When it returns `Some`, we hold every change the peer had made when it sent the
    /// batch, so whatever its `clock` promises about later changes holds.
    pub fn receive(&mut self, peer: &str, batch: Batch<C>) -> Option<Vec<C>> {
        let state = self.peers.get_mut(peer)?;
        state.acked = state.acked.max(batch.applied).min(self.mine.len());
        if !batch.changes.is_empty() {
            // Even a batch of changes we already have needs an answer: it means the
            // peer has not seen our acknowledgement.
            state.owe_ack = true;
        }
        if batch.first > state.applied {
            return None;
        }
        // A late batch may hold nothing we lack; skip what we have already applied.
        let already = state.applied - batch.first;
        let fresh = batch.changes.get(already..).unwrap_or_default().to_vec();
        state.applied += fresh.len();
        Some(fresh)
    }
    // ANCHOR_END: receive
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (Replication<u32>, Replication<u32>) {
        (Replication::new(["b"]), Replication::new(["a"]))
    }

    #[test]
    fn changes_arrive_once_and_in_order_even_when_batches_are_lost() {
        let (mut a, mut b) = pair();
        a.record(1);
        a.record(2);
        let lost = a.batch_for("b", 0).unwrap();
        a.record(3);
        // The first batch never arrives; the next one carries everything again.
        let batch = a.batch_for("b", 0).unwrap();
        assert_eq!(batch.changes, [1, 2, 3]);
        assert_eq!(b.receive("a", batch.clone()), Some(vec![1, 2, 3]));
        // A late or repeated copy brings nothing new.
        assert_eq!(b.receive("a", lost), Some(vec![]));
        assert_eq!(b.receive("a", batch), Some(vec![]));
    }

    #[test]
    fn acknowledgements_stop_the_resending() {
        let (mut a, mut b) = pair();
        a.record(1);
        let batch = a.batch_for("b", 5).unwrap();
        b.receive("a", batch);
        // b owes an answer, which acknowledges the change.
        let answer = b.batch_for("a", 5).unwrap();
        assert_eq!((answer.applied, answer.changes.len()), (1, 0));
        assert_eq!(a.receive("b", answer), Some(vec![]));
        // Now both are quiet.
        assert_eq!(a.batch_for("b", 5), None);
        assert_eq!(b.batch_for("a", 5), None);
    }

    #[test]
    fn a_batch_after_a_gap_is_refused_and_a_higher_clock_is_announced() {
        let (mut a, mut b) = pair();
        let gap = Batch {
            first: 3,
            changes: vec![4],
            clock: 9,
            applied: 0,
        };
        assert_eq!(b.receive("a", gap), None);
        a.batch_for("b", 1);
        assert!(a.batch_for("b", 1).is_none());
        assert!(a.batch_for("b", 2).is_some());
    }

    #[test]
    fn a_quiet_peer_still_hears_from_us_now_and_then() {
        let (mut a, _) = pair();
        a.batch_for("b", 1);
        let sent = (0..=HEARTBEAT_TICKS)
            .filter(|_| a.batch_for("b", 1).is_some())
            .count();
        assert_eq!(sent, 1);
    }
}
