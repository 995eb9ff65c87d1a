//! Partitions: their shapes and schedule (spec §3.6).
//!
//! A minimal version so the engine can run `--nemesis partition`; the full shapes of
//! Maelstrom's nemesis replace it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// `receiver → senders whose messages it drops`.
pub type Grudge = BTreeMap<String, BTreeSet<String>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    One,
    MinorityThird,
    Majority,
    MajoritiesRing,
}

impl Shape {
    pub fn random(rng: &mut StdRng) -> Shape {
        [
            Shape::One,
            Shape::MinorityThird,
            Shape::Majority,
            Shape::MajoritiesRing,
        ][rng.random_range(0..4)]
    }

    pub fn name(self) -> &'static str {
        match self {
            Shape::One => "one",
            Shape::MinorityThird => "minority-third",
            Shape::Majority => "majority",
            Shape::MajoritiesRing => "majorities-ring",
        }
    }
}

/// Both directions between two sides.
fn split(a: &[String], b: &[String]) -> Grudge {
    let mut grudge = Grudge::new();
    for (side, other) in [(a, b), (b, a)] {
        for node in side {
            grudge
                .entry(node.clone())
                .or_default()
                .extend(other.iter().cloned());
        }
    }
    grudge.retain(|_, senders| !senders.is_empty());
    grudge
}

pub fn grudge(shape: Shape, nodes: &[String], rng: &mut StdRng) -> Grudge {
    let mut shuffled = nodes.to_vec();
    shuffled.shuffle(rng);
    let n = shuffled.len();
    let cut = match shape {
        Shape::One => n.min(1),
        Shape::MinorityThird => (n.saturating_sub(1)) / 3,
        Shape::Majority => n / 2,
        Shape::MajoritiesRing => return ring(&shuffled),
    };
    let (a, b) = shuffled.split_at(cut);
    split(a, b)
}

/// Each node hears the majority window of the ring centred on itself.
fn ring(ring: &[String]) -> Grudge {
    let n = ring.len();
    if n <= 2 {
        return Grudge::new();
    }
    let m = n / 2 + 1;
    let mut grudge = Grudge::new();
    for (i, node) in ring.iter().enumerate() {
        let start = i + n - m / 2;
        let heard: BTreeSet<&String> = (0..m).map(|k| &ring[(start + k) % n]).collect();
        let dropped: BTreeSet<String> = ring
            .iter()
            .filter(|other| !heard.contains(other))
            .cloned()
            .collect();
        if !dropped.is_empty() {
            grudge.insert(node.clone(), dropped);
        }
    }
    grudge
}

/// Uniform in [0, 2 × interval) seconds.
pub fn next_gap(interval_s: f64, rng: &mut StdRng) -> Duration {
    let max = (2.0 * interval_s).max(f64::MIN_POSITIVE);
    Duration::from_secs_f64(rng.random_range(0.0..max))
}
