//! Read/write-register transactions: a store, and executing a transaction against it.

use std::collections::HashMap;

use serde_json::{Value, json};

/// Keys (JSON text) to values.
pub type Store = HashMap<String, Value>;

/// A transaction's micro-ops from a `txn` request.
pub fn mops(request: &Value) -> Vec<Value> {
    request["body"]["txn"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Runs micro-ops against `store`, reads seeing `overlay` (this transaction's own writes)
/// first. Fills in read values, records writes in `overlay`, and returns the completed
/// micro-ops and the writes in order.
pub fn run(
    store: &Store,
    overlay: &mut Store,
    mops: &[Value],
) -> (Vec<Value>, Vec<(String, Value)>) {
    let mut done = Vec::with_capacity(mops.len());
    let mut writes = Vec::new();
    for mop in mops {
        let (f, key, value) = (&mop[0], &mop[1], &mop[2]);
        let k = key.to_string();
        if f == "r" {
            let seen = overlay
                .get(&k)
                .or(store.get(&k))
                .cloned()
                .unwrap_or(Value::Null);
            done.push(json!(["r", key, seen]));
        } else {
            overlay.insert(k.clone(), value.clone());
            writes.push((k, value.clone()));
            done.push(mop.clone());
        }
    }
    (done, writes)
}

/// Runs a whole transaction atomically: returns the completed micro-ops and the final
/// value written to each key.
pub fn execute(store: &mut Store, mops: &[Value]) -> (Vec<Value>, Store) {
    let mut overlay = Store::new();
    let (done, _) = run(store, &mut overlay, mops);
    store.extend(overlay.clone());
    (done, overlay)
}

/// The `txn_ok` body.
pub fn ok(done: Vec<Value>) -> Value {
    json!({"type": "txn_ok", "txn": done})
}
