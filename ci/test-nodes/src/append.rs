//! A single-node store of lists for txn-list-append, with optional, deliberate faults.
//! Transactions run one at a time, start to finish, so without a fault the store is
//! strict serializable.

use std::collections::HashMap;
use std::sync::mpsc::Receiver;

use serde_json::{Value, json};

use super::{Node, kind};

/// What the store does wrong, every `EVERY`th time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// An append is acknowledged, and seen by its own transaction, but never stored.
    LoseAppend,
    /// An append is stored twice.
    DuplicateAppend,
    /// A transaction is stored, then reported as aborted (a definite `txn-conflict`).
    AbortAfterCommit,
}

const EVERY: u64 = 5;

/// Keys (JSON text) to lists.
type Lists = HashMap<String, Vec<Value>>;

/// Runs a transaction's micro-ops against `store` without changing it: reads see the
/// store plus the transaction's own earlier appends; a key that does not exist reads as
/// `null`. Returns the completed micro-ops and the appends, in order.
fn run(store: &Lists, mops: &[Value]) -> (Vec<Value>, Vec<(String, Value)>) {
    let mut done = Vec::with_capacity(mops.len());
    let mut appends: Vec<(String, Value)> = Vec::new();
    for mop in mops {
        let (f, key) = (&mop[0], &mop[1]);
        let k = key.to_string();
        if f == "r" {
            let mine = appends.iter().filter(|(a, _)| *a == k).map(|(_, e)| e);
            let list: Vec<Value> = store
                .get(&k)
                .into_iter()
                .flatten()
                .chain(mine)
                .cloned()
                .collect();
            let seen = if list.is_empty() && !store.contains_key(&k) {
                Value::Null
            } else {
                json!(list)
            };
            done.push(json!(["r", key, seen]));
        } else {
            appends.push((k, mop[2].clone()));
            done.push(mop.clone());
        }
    }
    (done, appends)
}

/// Serves `txn` requests, committing each transaction at once.
pub fn serve(node: &Node, inbox: Receiver<Value>, fault: Fault) {
    let mut store = Lists::new();
    let (mut appends_seen, mut txns_seen) = (0u64, 0u64);
    for message in inbox.iter().filter(|m| kind(m) == "txn") {
        let mops = message["body"]["txn"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let (done, appends) = run(&store, &mops);
        for (key, element) in appends {
            appends_seen += 1;
            let faulty = appends_seen.is_multiple_of(EVERY);
            let copies = match fault {
                Fault::LoseAppend if faulty => 0,
                Fault::DuplicateAppend if faulty => 2,
                _ => 1,
            };
            if copies > 0 {
                let list = store.entry(key).or_default();
                list.extend(std::iter::repeat_n(element, copies));
            }
        }
        txns_seen += 1;
        if fault == Fault::AbortAfterCommit && txns_seen.is_multiple_of(EVERY) {
            node.reply(
                &message,
                json!({"type": "error", "code": 30, "text": "conflict"}),
            );
        } else {
            node.reply(&message, json!({"type": "txn_ok", "txn": done}));
        }
    }
}
