//! A store whose reads ignore the transaction's own writes.

use std::collections::HashMap;

use crate::txn::{Kind, MicroOp};

#[derive(Debug, Default)]
pub struct Store {
    values: HashMap<u64, u64>,
}

impl Store {
    // ANCHOR: execute
    /// Runs `txn`, every read answered from a copy taken before the first micro-op.
    pub fn execute(&mut self, txn: &[MicroOp]) -> Vec<MicroOp> {
        let before = self.values.clone();
        txn.iter()
            .map(|&MicroOp(kind, key, value)| match kind {
                Kind::Read => MicroOp(kind, key, before.get(&key).copied()),
                Kind::Write => {
                    if let Some(value) = value {
                        self.values.insert(key, value);
                    }
                    MicroOp(kind, key, value)
                }
            })
            .collect()
    }
    // ANCHOR_END: execute
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_after_a_write_in_the_same_transaction_misses_it() {
        let mut store = Store::default();
        let done = store.execute(&[
            MicroOp(Kind::Write, 1, Some(6)),
            MicroOp(Kind::Read, 1, None),
        ]);
        assert_eq!(done[1], MicroOp(Kind::Read, 1, None));
        // The next transaction sees the write.
        let later = store.execute(&[MicroOp(Kind::Read, 1, None)]);
        assert_eq!(later, [MicroOp(Kind::Read, 1, Some(6))]);
    }
}
