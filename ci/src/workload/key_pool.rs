//! The key pool the kafka, txn-rw-register and txn-list-append generators share.
//!
//! Each draws keys the way Elle's `wr-txns` generator does
//! (`elle:src/elle/txn.clj`, `rand-key`, `fresh-key`, `wr-txns`): a pool of
//! `--key-count` active integer keys, initially `0..key-count`; a key's position in the
//! pool is chosen with an exponential bias *toward later positions* (each position twice as
//! likely as the one before it); each key's writes are `1, 2, …, --max-writes-per-key`, and
//! a key that would need one more write is replaced, in place, by a fresh key (the largest
//! key so far plus one). So a value names its write uniquely within its key.

use std::collections::HashMap;

use rand::Rng;
use rand::rngs::StdRng;

/// The active keys and the next value to write to each.
#[derive(Debug, Clone)]
pub struct KeyPool {
    active: Vec<u64>,
    next_value: HashMap<u64, u64>,
    max_writes_per_key: u64,
    /// Elle's `key-dist-scale`: drawing uniformly below it and taking a logarithm gives an
    /// index in `0..active.len()`.
    scale: f64,
}

/// A micro-operation's kind and key, and for a write the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Draw {
    Read(u64),
    Write(u64, u64),
}

/// The base of the exponential key distribution (Elle's default `key-dist-base`).
const BASE: f64 = 2.0;

impl KeyPool {
    pub fn new(key_count: usize, max_writes_per_key: usize) -> KeyPool {
        let key_count = key_count.max(1);
        let scale = BASE * (BASE.powi(key_count as i32) - 1.0) / (BASE - 1.0);
        KeyPool {
            active: (0..key_count as u64).collect(),
            next_value: HashMap::new(),
            max_writes_per_key: max_writes_per_key.max(1) as u64,
            scale,
        }
    }

    /// A random active key, later pool positions exponentially more likely.
    pub fn pick(&self, rng: &mut StdRng) -> u64 {
        let x = rng.random::<f64>() * self.scale + BASE;
        let i = (x.log(BASE) - 1.0).floor().max(0.0) as usize;
        self.active[i.min(self.active.len() - 1)]
    }

    /// One micro-operation, drawn as Elle's `wr-txns` draws it: read or write with even
    /// odds, then a key. A write to a key whose values are used up retires that key for a
    /// fresh one and draws both again, the kind included, so a little more than half the
    /// micro-operations are reads.
    pub fn draw(&mut self, rng: &mut StdRng) -> Draw {
        loop {
            let write = rng.random_bool(0.5);
            let key = self.pick(rng);
            if !write {
                return Draw::Read(key);
            }
            let value = self.next_value.get(&key).copied().unwrap_or(1);
            if value <= self.max_writes_per_key {
                self.next_value.insert(key, value + 1);
                return Draw::Write(key, value);
            }
            self.replace(key);
        }
    }

    fn replace(&mut self, key: u64) {
        let fresh = self.active.iter().max().copied().unwrap_or(0) + 1;
        if let Some(slot) = self.active.iter_mut().find(|k| **k == key) {
            *slot = fresh;
        }
    }

    pub fn active(&self) -> &[u64] {
        &self.active
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn later_positions_are_more_likely() {
        let pool = KeyPool::new(10, 16);
        let mut rng = StdRng::seed_from_u64(7);
        let mut counts = [0usize; 10];
        for _ in 0..100_000 {
            counts[pool.pick(&mut rng) as usize] += 1;
        }
        // Position i has probability 2^i / (2^10 - 1): the last about a half, the one
        // before it about a quarter.
        assert!(counts[9] > 45_000 && counts[9] < 55_000, "{counts:?}");
        assert!(counts[8] > 22_000 && counts[8] < 28_000, "{counts:?}");
        assert!(counts.windows(2).all(|w| w[0] <= w[1] + 300), "{counts:?}");
    }

    #[test]
    fn values_are_unique_per_key_and_keys_get_replaced() {
        let mut pool = KeyPool::new(3, 4);
        let mut rng = StdRng::seed_from_u64(1);
        let mut seen = std::collections::HashSet::new();
        while seen.len() < 100 {
            if let Draw::Write(k, v) = pool.draw(&mut rng) {
                assert!((1..=4).contains(&v));
                assert!(seen.insert((k, v)), "value {v} written twice to key {k}");
            }
        }
        // 100 writes at 4 per key need at least 25 distinct keys.
        assert!(
            seen.iter()
                .map(|(k, _)| k)
                .collect::<std::collections::HashSet<_>>()
                .len()
                >= 25
        );
        assert_eq!(pool.active().len(), 3);
    }

    #[test]
    fn a_used_up_key_redraws_the_kind_too() {
        // Elle draws the kind again after retiring a key, so reads are a little more
        // than half: with one value per key, every write to an old key is redrawn.
        let mut pool = KeyPool::new(2, 1);
        let mut rng = StdRng::seed_from_u64(3);
        let n = 20_000;
        let reads = (0..n)
            .filter(|_| matches!(pool.draw(&mut rng), Draw::Read(_)))
            .count();
        assert!(reads * 100 > n * 55, "{reads} reads of {n}");
    }
}
