//! A grow-only counter as a state-based CRDT: one running total per node.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

// ANCHOR: g_counter
/// How much each node has added so far, by node id. The counter's value is the sum.
///
/// Only node `n` ever raises the total for `n`, so two copies of this map can only
/// differ by one of them being behind on some entries: merging keeps the larger total
/// of every entry, and loses nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GCounter {
    totals: BTreeMap<String, u64>,
}
// ANCHOR_END: g_counter

// ANCHOR: g_counter_impl
impl GCounter {
    /// Counts `delta` for `node`. Call it only with this node's own id.
    pub fn add(&mut self, node: &str, delta: u64) {
        *self.totals.entry(node.to_string()).or_default() += delta;
    }

    /// The counter's value: everything every node has added, as far as we know.
    pub fn value(&self) -> u64 {
        self.totals.values().sum()
    }

    /// Takes in everything `other` knows. Returns whether it taught us anything.
    pub fn merge(&mut self, other: &GCounter) -> bool {
        let mut learned = false;
        for (node, &theirs) in &other.totals {
            let mine = self.totals.entry(node.clone()).or_default();
            if theirs > *mine {
                *mine = theirs;
                learned = true;
            }
        }
        learned
    }

    /// Whether we already know everything `other` knows.
    pub fn covers(&self, other: &GCounter) -> bool {
        other
            .totals
            .iter()
            .all(|(node, &theirs)| self.totals.get(node).copied().unwrap_or(0) >= theirs)
    }
}
// ANCHOR_END: g_counter_impl

#[cfg(test)]
mod tests {
    use super::*;

    fn counter(totals: &[(&str, u64)]) -> GCounter {
        let mut c = GCounter::default();
        for &(node, total) in totals {
            c.add(node, total);
        }
        c
    }

    fn merged(a: &GCounter, b: &GCounter) -> GCounter {
        let mut m = a.clone();
        m.merge(b);
        m
    }

    #[test]
    fn value_is_the_sum_of_every_nodes_total() {
        let mut c = counter(&[("n0", 3), ("n1", 4)]);
        c.add("n0", 2);
        assert_eq!(c.value(), 9);
    }

    // ANCHOR: laws
    // Gossip may arrive in any order, twice, or not at all until a partition heals.
    // These three laws are why none of that changes where the counters end up.
    #[test]
    fn merge_is_commutative_associative_and_idempotent() {
        let a = counter(&[("n0", 5), ("n1", 1)]);
        let b = counter(&[("n1", 4), ("n2", 2)]);
        let c = counter(&[("n0", 1), ("n2", 7)]);
        assert_eq!(merged(&a, &b), merged(&b, &a));
        assert_eq!(merged(&merged(&a, &b), &c), merged(&a, &merged(&b, &c)));
        assert_eq!(merged(&a, &a), a);
        assert_eq!(merged(&a, &b), counter(&[("n0", 5), ("n1", 4), ("n2", 2)]));
    }
    // ANCHOR_END: laws

    #[test]
    fn merge_reports_whether_anything_was_learned() {
        let mut a = counter(&[("n0", 5)]);
        assert!(!a.merge(&counter(&[("n0", 3)])));
        assert!(a.merge(&counter(&[("n0", 3), ("n1", 1)])));
        assert_eq!(a, counter(&[("n0", 5), ("n1", 1)]));
    }

    #[test]
    fn covers_compares_every_entry() {
        let big = counter(&[("n0", 5), ("n1", 2)]);
        assert!(big.covers(&counter(&[("n0", 5)])));
        assert!(big.covers(&GCounter::default()));
        assert!(!big.covers(&counter(&[("n2", 1)])));
        assert!(!counter(&[("n0", 5)]).covers(&big));
    }

    #[test]
    fn travels_as_a_plain_json_object() {
        let json = serde_json::to_string(&counter(&[("n0", 5), ("n1", 2)])).unwrap();
        assert_eq!(json, r#"{"n0":5,"n1":2}"#);
    }
}
