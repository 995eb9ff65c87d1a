//! Transactions over integer registers: what they look like, and how one runs.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

// ANCHOR: micro_op
/// One step of a transaction. On the wire it is a three-element array: a read is
/// `["r", key, null]` and comes back as `["r", key, value]` (still `null` if the key
/// was never written); a write is `["w", key, value]` and comes back unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MicroOp(pub Kind, pub u64, pub Option<u64>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    #[serde(rename = "r")]
    Read,
    #[serde(rename = "w")]
    Write,
}
// ANCHOR_END: micro_op

// ANCHOR: store
/// Every register's current value.
#[derive(Debug, Default)]
pub struct Store {
    values: HashMap<u64, u64>,
}

impl Store {
    /// Runs `txn` from start to end and returns it with every read filled in.
    ///
    /// Nothing else happens on this node while it runs (one thread, one transaction
    /// at a time), so no other transaction can see it half done.
    pub fn execute(&mut self, txn: &[MicroOp]) -> Vec<MicroOp> {
        txn.iter()
            .map(|&MicroOp(kind, key, value)| match kind {
                Kind::Read => MicroOp(kind, key, self.values.get(&key).copied()),
                Kind::Write => {
                    if let Some(value) = value {
                        self.values.insert(key, value);
                    }
                    MicroOp(kind, key, value)
                }
            })
            .collect()
    }
}
// ANCHOR_END: store

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_see_earlier_writes_in_the_same_and_earlier_transactions() {
        let mut store = Store::default();
        let txn: Vec<MicroOp> =
            serde_json::from_value(json!([["r", 1, null], ["w", 1, 6], ["r", 1, null]])).unwrap();
        let done = store.execute(&txn);
        let expected = json!([["r", 1, null], ["w", 1, 6], ["r", 1, 6]]);
        assert_eq!(serde_json::to_value(&done).unwrap(), expected);

        let later = store.execute(&[MicroOp(Kind::Read, 1, None)]);
        assert_eq!(later, [MicroOp(Kind::Read, 1, Some(6))]);
    }
}
