//! A reference answer to the grow-only counter chapter's exercise "a counter that can go
//! down": a PN-Counter, two G-Counters side by side. The G-Counter is the chapter's own
//! (`solutions/g_counter_gossip/src/counter.rs`), used as it is.

pub mod counter;

use counter::GCounter;
use serde::{Deserialize, Serialize};

// ANCHOR: pn_counter
/// A counter that goes up and down: what each node added, and what each node took away
/// (as a positive number). Both halves only grow, so each merges with `max` as before;
/// only the value subtracts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PnCounter {
    up: GCounter,
    down: GCounter,
}

impl PnCounter {
    /// Counts `delta`, which may be negative, for `node`: this node's own id only.
    pub fn add(&mut self, node: &str, delta: i64) {
        if delta >= 0 {
            self.up.add(node, delta.unsigned_abs());
        } else {
            self.down.add(node, delta.unsigned_abs());
        }
    }

    /// Everything added minus everything taken away, as far as we know.
    pub fn value(&self) -> i64 {
        self.up.value() as i64 - self.down.value() as i64
    }

    /// Takes in everything `other` knows; returns whether it taught us anything.
    pub fn merge(&mut self, other: &PnCounter) -> bool {
        let up = self.up.merge(&other.up);
        let down = self.down.merge(&other.down);
        up || down
    }

    /// Whether we already know everything `other` knows.
    pub fn covers(&self, other: &PnCounter) -> bool {
        self.up.covers(&other.up) && self.down.covers(&other.down)
    }
}
// ANCHOR_END: pn_counter

#[cfg(test)]
mod tests {
    use super::*;

    fn counter(deltas: &[(&str, i64)]) -> PnCounter {
        let mut c = PnCounter::default();
        for &(node, delta) in deltas {
            c.add(node, delta);
        }
        c
    }

    fn merged(a: &PnCounter, b: &PnCounter) -> PnCounter {
        let mut m = a.clone();
        m.merge(b);
        m
    }

    // ANCHOR: pn_laws
    #[test]
    fn merge_is_commutative_associative_and_idempotent() {
        let a = counter(&[("n0", 5), ("n0", -2), ("n1", 1)]);
        let b = counter(&[("n1", 4), ("n1", -3), ("n2", -2)]);
        let c = counter(&[("n0", 1), ("n2", 7)]);
        assert_eq!(merged(&a, &b), merged(&b, &a));
        assert_eq!(merged(&merged(&a, &b), &c), merged(&a, &merged(&b, &c)));
        assert_eq!(merged(&a, &a), a);
    }

    #[test]
    fn the_value_goes_down_and_a_repeated_merge_does_not_count_twice() {
        let mut n0 = counter(&[("n0", 5), ("n0", -7)]);
        assert_eq!(n0.value(), -2);
        let n1 = counter(&[("n1", 3)]);
        n0.merge(&n1);
        n0.merge(&n1);
        assert_eq!(n0.value(), 1);
        assert!(n0.covers(&n1) && !n1.covers(&n0));
    }
    // ANCHOR_END: pn_laws

    /// Why not one signed total per node, merged with `max`? Because a node's total
    /// can go down, and `max` would keep the stale, higher one.
    #[test]
    fn a_signed_entry_per_node_would_lose_a_decrement() {
        let before = 5i64;
        let after = before - 3;
        assert_eq!(
            before.max(after),
            before,
            "max keeps the value before the -3"
        );
        // The PN-Counter keeps both, and loses nothing.
        let mut old = counter(&[("n0", 5)]);
        let new = counter(&[("n0", 5), ("n0", -3)]);
        old.merge(&new);
        assert_eq!(old.value(), 2);
    }
}
