//! Plumbing shared by the test nodes, in plain `serde_json` so that the runner is tested
//! independently of the helper crate the solutions use: JSON lines on stdin and stdout,
//! the `init` handshake, replies, and blocking RPCs.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

pub mod append;
pub mod crdt;
pub mod kafka;
pub mod lin_kv;
pub mod txn;

/// A node's identity and its way out.
#[derive(Debug)]
pub struct Node {
    pub id: String,
    pub ids: Vec<String>,
    next_msg_id: AtomicU64,
    /// Requests waiting for a reply, by `msg_id`.
    pending: Arc<Mutex<HashMap<u64, Sender<Value>>>>,
}

/// Writes one message as a line on stdout.
fn write(src: &str, dest: &str, body: Value) {
    let line = json!({"src": src, "dest": dest, "body": body}).to_string();
    let mut out = std::io::stdout().lock();
    // Nothing sensible is left to do when stdout is gone: the runner has stopped.
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

impl Node {
    /// The other nodes.
    pub fn peers(&self) -> Vec<String> {
        self.ids
            .iter()
            .filter(|id| **id != self.id)
            .cloned()
            .collect()
    }

    pub fn send(&self, dest: &str, body: Value) {
        write(&self.id, dest, body);
    }

    /// Answers `request` (a whole message) with `body`.
    pub fn reply(&self, request: &Value, mut body: Value) {
        body["in_reply_to"] = request["body"]["msg_id"].clone();
        write(&self.id, request["src"].as_str().unwrap_or_default(), body);
    }

    /// Sends `body` to `dest` and waits up to `timeout` for the reply body.
    pub fn rpc(&self, dest: &str, mut body: Value, timeout: Duration) -> Option<Value> {
        let msg_id = self.next_msg_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel();
        self.pending.lock().ok()?.insert(msg_id, tx);
        body["msg_id"] = msg_id.into();
        self.send(dest, body);
        let reply = rx.recv_timeout(timeout).ok();
        self.pending.lock().ok()?.remove(&msg_id);
        reply
    }
}

/// Starts a node: reads stdin on a thread of its own, answers `init`, routes replies to
/// waiting RPCs, and returns the node with a channel of every other message (whole
/// messages, `src`, `dest` and `body`).
pub fn start() -> (Arc<Node>, Receiver<Value>) {
    let pending: Arc<Mutex<HashMap<u64, Sender<Value>>>> = Arc::default();
    let (inbox_tx, inbox) = mpsc::channel();
    let (init_tx, init_rx) = mpsc::channel();
    let routes = Arc::clone(&pending);
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            let Ok(message) = serde_json::from_str::<Value>(&line) else {
                eprintln!("not JSON: {line}");
                continue;
            };
            let body = &message["body"];
            if body["type"] == "init" {
                let id = body["node_id"].as_str().unwrap_or_default().to_string();
                write(&id, message["src"].as_str().unwrap_or_default(), {
                    json!({"type": "init_ok", "in_reply_to": body["msg_id"]})
                });
                let _ = init_tx.send(message);
                continue;
            }
            let waiting = body["in_reply_to"]
                .as_u64()
                .and_then(|id| routes.lock().ok()?.remove(&id));
            match waiting {
                // The waiter may have just timed out; then nobody wants the reply.
                Some(tx) => drop(tx.send(body.clone())),
                None => {
                    if inbox_tx.send(message).is_err() {
                        break;
                    }
                }
            }
        }
    });
    let init = init_rx.recv().expect("stdin closed before init");
    let ids = init["body"]["node_ids"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let node = Node {
        id: init["body"]["node_id"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        ids: ids
            .iter()
            .filter_map(|id| id.as_str().map(String::from))
            .collect(),
        next_msg_id: AtomicU64::new(1),
        pending,
    };
    (Arc::new(node), inbox)
}

/// The type of a message's body.
pub fn kind(message: &Value) -> &str {
    message["body"]["type"].as_str().unwrap_or_default()
}

/// How long a node waits for a service before giving up.
const SERVICE_TIMEOUT: Duration = Duration::from_secs(1);

/// A grow-only counter kept in `seq-kv` under one key, shared by the nodes that use it.
pub mod counter {
    use super::{Node, SERVICE_TIMEOUT, kind};
    use serde_json::{Value, json};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
    use std::sync::mpsc::Receiver;

    const KEY: &str = "counter";

    /// Why a call to seq-kv gave no result: an error code, or no answer (code `None`).
    #[derive(Debug)]
    pub struct Failure(pub Option<u64>);

    fn call(node: &Node, body: Value) -> Result<Value, Failure> {
        let reply = node
            .rpc("seq-kv", body, SERVICE_TIMEOUT)
            .ok_or(Failure(None))?;
        match reply["type"].as_str() {
            Some("error") => Err(Failure(reply["code"].as_u64())),
            _ => Ok(reply),
        }
    }

    /// The counter as this node's view of seq-kv has it, possibly stale; 0 when unset.
    fn read_stale(node: &Node) -> Result<i64, Failure> {
        match call(node, json!({"type": "read", "key": KEY})) {
            Ok(reply) => Ok(reply["value"].as_i64().unwrap_or(0)),
            Err(Failure(Some(20))) => Ok(0),
            Err(e) => Err(e),
        }
    }

    /// Adds `delta`: a compare-and-set from the value read, retried until no other
    /// add got in between.
    pub fn add(node: &Node, delta: i64) -> Result<(), Failure> {
        loop {
            let current = read_stale(node)?;
            let cas = json!({"type": "cas", "key": KEY, "from": current,
                "to": current + delta, "create_if_not_exists": true});
            match call(node, cas) {
                Ok(_) => return Ok(()),
                Err(Failure(Some(20 | 22))) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads the latest value: writing a fresh value to a key of its own first moves
    /// this node's view of seq-kv to the newest state.
    pub fn read(node: &Node) -> Result<i64, Failure> {
        static SYNCS: AtomicU64 = AtomicU64::new(0);
        let sync = SYNCS.fetch_add(1, Ordering::Relaxed);
        let key = format!("sync-{}", node.id);
        call(node, json!({"type": "write", "key": key, "value": sync}))?;
        read_stale(node)
    }

    /// Serves `add` and `read`. A read reports `report(stored, own)`: `stored` is the
    /// counter read from seq-kv, `own` the sum of the adds this node acknowledged.
    pub fn serve(node: Arc<Node>, inbox: Receiver<Value>, report: fn(i64, i64) -> i64) {
        let own = Arc::new(AtomicI64::new(0));
        for message in inbox {
            let (node, own) = (Arc::clone(&node), Arc::clone(&own));
            // Each request waits on seq-kv, so each gets a thread of its own.
            std::thread::spawn(move || match kind(&message) {
                "add" => {
                    let delta = message["body"]["delta"].as_i64().unwrap_or(0);
                    match add(&node, delta) {
                        Ok(()) => {
                            own.fetch_add(delta, Ordering::Relaxed);
                            node.reply(&message, json!({"type": "add_ok"}));
                        }
                        Err(_) => node.reply(&message, json!({"type": "error", "code": 13})),
                    }
                }
                "read" => match read(&node) {
                    Ok(stored) => {
                        let value = report(stored, own.load(Ordering::Relaxed));
                        node.reply(&message, json!({"type": "read_ok", "value": value}));
                    }
                    Err(_) => node.reply(&message, json!({"type": "error", "code": 11})),
                },
                _ => {}
            });
        }
    }
}

/// Broadcast nodes that keep every value they have seen in one set and differ only in
/// how they pass a client's value on to the other nodes.
pub mod broadcast {
    use super::{Node, kind};
    use serde_json::{Value, json};
    use std::collections::BTreeSet;
    use std::sync::Arc;
    use std::sync::mpsc::Receiver;

    /// Serves `topology` (ignored), `broadcast` and `read`, and keeps the values peers pass
    /// on as `{"type": "forward", "message": v}`. `spread` is called for each value a
    /// client gives this node that it had not seen yet, before the `broadcast_ok`.
    pub fn serve(node: Arc<Node>, inbox: Receiver<Value>, spread: fn(&Node, u64)) {
        let mut seen: BTreeSet<u64> = BTreeSet::new();
        for message in inbox {
            match kind(&message) {
                "topology" => node.reply(&message, json!({"type": "topology_ok"})),
                "broadcast" => {
                    let value = message["body"]["message"].as_u64();
                    if let Some(v) = value.filter(|v| seen.insert(*v)) {
                        spread(&node, v);
                    }
                    node.reply(&message, json!({"type": "broadcast_ok"}));
                }
                "forward" => seen.extend(message["body"]["message"].as_u64()),
                "read" => node.reply(&message, json!({"type": "read_ok", "messages": seen})),
                _ => {}
            }
        }
    }
}
