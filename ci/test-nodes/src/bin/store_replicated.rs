//! A correct, totally available, read-committed store for any number of nodes: each node
//! runs transactions alone against its own copy, answers at once, and sends the
//! transaction's final writes to every peer, again and again until the peer confirms.
//! Peers apply a transaction's writes all together, so nobody sees half of one, and
//! every read sees only writes of transactions that completed.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use test_nodes::{kind, txn};

const RETRY: Duration = Duration::from_millis(200);

fn main() {
    let (node, inbox) = test_nodes::start();
    let mut store = txn::Store::new();
    // Transaction id → (its writes, peers that have not confirmed them).
    let mut unconfirmed: HashMap<String, (Value, HashSet<String>)> = HashMap::new();
    let mut applied: HashSet<String> = HashSet::new();
    let mut next_id = 0u64;
    let mut last_retry = Instant::now();
    loop {
        match inbox.recv_timeout(RETRY) {
            Ok(message) => match kind(&message) {
                "txn" => {
                    let (done, writes) = txn::execute(&mut store, &txn::mops(&message));
                    node.reply(&message, txn::ok(done));
                    if !writes.is_empty() {
                        next_id += 1;
                        let id = format!("{}-{next_id}", node.id);
                        let writes: Value =
                            writes.into_iter().map(|(k, v)| json!([k, v])).collect();
                        let peers: HashSet<String> = node.peers().into_iter().collect();
                        for peer in &peers {
                            replicate(&node, peer, &id, &writes);
                        }
                        unconfirmed.insert(id, (writes, peers));
                    }
                }
                "replicate" => {
                    let body = &message["body"];
                    let id = body["id"].as_str().unwrap_or_default().to_string();
                    if applied.insert(id.clone()) {
                        for pair in body["writes"].as_array().into_iter().flatten() {
                            let key = pair[0].as_str().unwrap_or_default().to_string();
                            store.insert(key, pair[1].clone());
                        }
                    }
                    let src = message["src"].as_str().unwrap_or_default();
                    node.send(src, json!({"type": "replicated", "id": id}));
                }
                "replicated" => {
                    let id = message["body"]["id"].as_str().unwrap_or_default();
                    let src = message["src"].as_str().unwrap_or_default();
                    if let Some((_, waiting)) = unconfirmed.get_mut(id) {
                        waiting.remove(src);
                        if waiting.is_empty() {
                            unconfirmed.remove(id);
                        }
                    }
                }
                _ => {}
            },
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
        }
        if last_retry.elapsed() >= RETRY {
            last_retry = Instant::now();
            for (id, (writes, waiting)) in &unconfirmed {
                for peer in waiting {
                    replicate(&node, peer, id, writes);
                }
            }
        }
    }
}

fn replicate(node: &test_nodes::Node, peer: &str, id: &str, writes: &Value) {
    node.send(
        peer,
        json!({"type": "replicate", "id": id, "writes": writes}),
    );
}
