//! Append-only logs in memory, one per key, and a committed offset per key.

use std::collections::{BTreeMap, HashMap};

// ANCHOR: logs
/// Every log this node holds, and how far clients say they have processed each one.
#[derive(Debug, Default)]
pub struct Logs {
    /// The log of each key. A message's offset is its index in the vector.
    logs: HashMap<String, Vec<u64>>,
    committed: HashMap<String, u64>,
}
// ANCHOR_END: logs

impl Logs {
    // ANCHOR: append
    /// Appends `msg` to the log of `key` and returns the offset it got.
    pub fn append(&mut self, key: &str, msg: u64) -> u64 {
        let log = self.logs.entry(key.to_string()).or_default();
        log.push(msg);
        (log.len() - 1) as u64
    }

    /// The messages of `key` from offset `from` on, each with its offset.
    pub fn read_from(&self, key: &str, from: u64) -> Vec<(u64, u64)> {
        let Some(log) = self.logs.get(key) else {
            return Vec::new();
        };
        let from = usize::try_from(from).unwrap_or(usize::MAX).min(log.len());
        (from..log.len()).map(|i| (i as u64, log[i])).collect()
    }
    // ANCHOR_END: append

    // ANCHOR: commit
    /// Records that `key` has been processed up to `offset`. Never goes backwards: a
    /// slow client committing an old offset must not undo a faster one's progress.
    pub fn commit(&mut self, key: &str, offset: u64) {
        let committed = self.committed.entry(key.to_string()).or_default();
        *committed = offset.max(*committed);
    }

    /// The committed offset of each of `keys` that has one.
    pub fn committed(&self, keys: &[String]) -> BTreeMap<String, u64> {
        keys.iter()
            .filter_map(|key| Some((key.clone(), *self.committed.get(key)?)))
            .collect()
    }
    // ANCHOR_END: commit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_up_per_key() {
        let mut logs = Logs::default();
        assert_eq!(logs.append("a", 10), 0);
        assert_eq!(logs.append("a", 11), 1);
        assert_eq!(logs.append("b", 12), 0);
        assert_eq!(logs.read_from("a", 0), [(0, 10), (1, 11)]);
        assert_eq!(logs.read_from("a", 1), [(1, 11)]);
        assert_eq!(logs.read_from("a", 7), []);
        assert_eq!(logs.read_from("zzz", 0), []);
    }

    #[test]
    fn commits_only_move_forward_and_unknown_keys_are_left_out() {
        let mut logs = Logs::default();
        logs.commit("a", 5);
        logs.commit("a", 3);
        let keys = ["a".to_string(), "b".to_string()];
        assert_eq!(
            logs.committed(&keys),
            BTreeMap::from([("a".to_string(), 5)])
        );
    }
}
