//! A correct broadcast node. Every 100 ms it sends each neighbour (from the topology)
//! the values that neighbour is not known to have, and keeps resending them until the
//! neighbour acknowledges them, so values get through partitions once they heal.

use std::collections::{BTreeSet, HashMap};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use test_nodes::kind;

const TICK: Duration = Duration::from_millis(100);
/// How long to wait for an acknowledgement before sending a value again.
const RESEND_AFTER: Duration = Duration::from_millis(1000);

fn values(message: &Value) -> impl Iterator<Item = u64> + '_ {
    message["body"]["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
}

fn main() {
    let (node, inbox) = test_nodes::start();
    let mut seen: BTreeSet<u64> = BTreeSet::new();
    let mut neighbours = node.peers();
    // Per neighbour: values it has, and values sent to it but not yet acknowledged.
    let mut has: HashMap<String, BTreeSet<u64>> = HashMap::new();
    let mut sent: HashMap<String, HashMap<u64, Instant>> = HashMap::new();
    let mut next_tick = Instant::now() + TICK;
    loop {
        let message = match inbox.recv_timeout(next_tick.saturating_duration_since(Instant::now()))
        {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => {
                next_tick += TICK;
                for peer in &neighbours {
                    let known = has.entry(peer.clone()).or_default();
                    let in_flight = sent.entry(peer.clone()).or_default();
                    let due: Vec<u64> = seen
                        .iter()
                        .copied()
                        .filter(|v| !known.contains(v))
                        .filter(|v| {
                            in_flight
                                .get(v)
                                .is_none_or(|at| at.elapsed() > RESEND_AFTER)
                        })
                        .collect();
                    if !due.is_empty() {
                        for v in &due {
                            in_flight.insert(*v, Instant::now());
                        }
                        node.send(peer, json!({"type": "gossip", "messages": due}));
                    }
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let src = message["src"].as_str().unwrap_or_default().to_string();
        match kind(&message) {
            "topology" => {
                if let Some(mine) = message["body"]["topology"][&node.id].as_array() {
                    neighbours = mine
                        .iter()
                        .filter_map(|n| n.as_str().map(String::from))
                        .collect();
                }
                node.reply(&message, json!({"type": "topology_ok"}));
            }
            "broadcast" => {
                if let Some(v) = message["body"]["message"].as_u64() {
                    seen.insert(v);
                }
                node.reply(&message, json!({"type": "broadcast_ok"}));
            }
            "read" => node.reply(&message, json!({"type": "read_ok", "messages": seen})),
            "gossip" => {
                let got: Vec<u64> = values(&message).collect();
                seen.extend(&got);
                has.entry(src.clone()).or_default().extend(&got);
                node.send(&src, json!({"type": "gossip_ok", "messages": got}));
            }
            "gossip_ok" => {
                let got: Vec<u64> = values(&message).collect();
                if let Some(in_flight) = sent.get_mut(&src) {
                    for v in &got {
                        in_flight.remove(v);
                    }
                }
                has.entry(src).or_default().extend(got);
            }
            other => eprintln!("ignoring a {other} message"),
        }
    }
}
