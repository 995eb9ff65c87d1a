//! State-based CRDT nodes: each node keeps a value, answers clients from it, and sends
//! its whole state to every peer now and then as `{"type": "replicate", "value": …}`;
//! a node merges what it receives. A lost message costs nothing: the next round
//! carries everything again.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Node, kind};

/// A replicated data type.
pub trait Crdt {
    /// Handles a client request (a whole message); the reply body, if any.
    fn handle(&mut self, node: &Node, request: &Value) -> Option<Value>;
    /// Merges a peer's state.
    fn merge(&mut self, state: &Value);
    /// This node's state, as sent to peers.
    fn state(&self) -> Value;
}

/// Serves clients and peers; with `period`, replicates the whole state to every peer
/// that often.
pub fn serve(
    node: Arc<Node>,
    inbox: Receiver<Value>,
    crdt: &mut dyn Crdt,
    period: Option<Duration>,
) {
    let tick = period.unwrap_or(Duration::from_secs(3600));
    let mut next = Instant::now() + tick;
    loop {
        match inbox.recv_timeout(next.saturating_duration_since(Instant::now())) {
            Ok(message) if kind(&message) == "replicate" => crdt.merge(&message["body"]["value"]),
            Ok(message) => {
                if let Some(reply) = crdt.handle(&node, &message) {
                    node.reply(&message, reply);
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                next += tick;
                if period.is_some() {
                    replicate(&node, crdt.state());
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Sends `state` to every peer, once.
pub fn replicate(node: &Node, state: Value) {
    for peer in node.peers() {
        node.send(&peer, json!({"type": "replicate", "value": state}));
    }
}

/// The integers a state or request lists.
fn integers(value: &Value) -> impl Iterator<Item = u64> + '_ {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
}

/// A grow-only set of integers, merged by union.
#[derive(Debug, Default)]
pub struct GSet {
    elements: std::collections::BTreeSet<u64>,
    /// The broken variant: pass each new element to the peers once, right away.
    pass_on_once: bool,
}

impl GSet {
    pub fn passing_on_once() -> GSet {
        GSet {
            pass_on_once: true,
            ..GSet::default()
        }
    }
}

impl Crdt for GSet {
    fn handle(&mut self, node: &Node, request: &Value) -> Option<Value> {
        match kind(request) {
            "add" => {
                let element = request["body"]["element"].as_u64()?;
                if self.elements.insert(element) && self.pass_on_once {
                    replicate(node, json!([element]));
                }
                Some(json!({"type": "add_ok"}))
            }
            "read" => Some(json!({"type": "read_ok", "value": self.elements})),
            _ => None,
        }
    }

    fn merge(&mut self, state: &Value) {
        self.elements.extend(integers(state));
    }

    fn state(&self) -> Value {
        json!(self.elements)
    }
}

/// Per-node counts, merged by keeping each node's larger count: a G-counter.
#[derive(Debug, Default)]
struct Counts(std::collections::BTreeMap<String, i64>);

impl Counts {
    fn add(&mut self, node: &str, delta: i64) {
        *self.0.entry(node.to_string()).or_default() += delta;
    }

    fn merge(&mut self, state: &Value) {
        for (node, count) in state.as_object().into_iter().flatten() {
            let count = count.as_i64().unwrap_or(0);
            let mine = self.0.entry(node.clone()).or_insert(count);
            *mine = (*mine).max(count);
        }
    }

    fn sum(&self) -> i64 {
        self.0.values().sum()
    }
}

/// A PN-counter: increments and decrements in two G-counters.
#[derive(Debug, Default)]
pub struct PnCounter {
    inc: Counts,
    dec: Counts,
    /// The broken variant, a plain G-counter: negative deltas go into `inc` as they
    /// are, where merging by maximum forgets them.
    signed_counts: bool,
}

impl PnCounter {
    pub fn with_signed_counts() -> PnCounter {
        PnCounter {
            signed_counts: true,
            ..PnCounter::default()
        }
    }
}

impl Crdt for PnCounter {
    fn handle(&mut self, node: &Node, request: &Value) -> Option<Value> {
        match kind(request) {
            "add" => {
                let delta = request["body"]["delta"].as_i64()?;
                if delta >= 0 || self.signed_counts {
                    self.inc.add(&node.id, delta);
                } else {
                    self.dec.add(&node.id, -delta);
                }
                Some(json!({"type": "add_ok"}))
            }
            "read" => Some(json!({"type": "read_ok", "value": self.inc.sum() - self.dec.sum()})),
            _ => None,
        }
    }

    fn merge(&mut self, state: &Value) {
        self.inc.merge(&state["inc"]);
        self.dec.merge(&state["dec"]);
    }

    fn state(&self) -> Value {
        json!({"inc": self.inc.0, "dec": self.dec.0})
    }
}
