//! Services: the network participants Maelstrom provides besides the nodes under test.
//!
//! Four run in every test, whatever the workload: `lin-kv`, `seq-kv`, `lww-kv` (key-value
//! stores with three different consistency guarantees) and `lin-tso` (a timestamp
//! oracle). A node talks to them with ordinary messages, and the engine runs each as a
//! participant whose id is its name: it hands every request to [`Service::handle`] and
//! sends back the reply with `in_reply_to` added. Behaviour follows Maelstrom's
//! `src/maelstrom/service.clj`, quirks included (see each type).

mod kv;
mod tso;

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;

use crate::net::Network;

pub use kv::{LinKv, LwwKv, SeqKv};
pub use tso::LinTso;

/// A service handles one request at a time, in arrival order.
pub trait Service: Send {
    /// The reply body to a request from `src`, or `None` when the request's `type` is one
    /// the service does not know (Maelstrom logs an error and sends nothing, so the
    /// requester times out). The engine adds `in_reply_to`; replies carry no `msg_id`.
    fn handle(&mut self, src: &str, body: &Value) -> Option<Value>;
}

/// The services' ids on the network, in the order [`all`] makes them.
pub const NAMES: [&str; 4] = ["lin-kv", "seq-kv", "lww-kv", "lin-tso"];

/// Every service, by name, each with its own random generator derived from `seed`.
pub fn all(seed: u64) -> Vec<(&'static str, Box<dyn Service>)> {
    let mut seeds = StdRng::seed_from_u64(seed);
    let services: [Box<dyn Service>; 4] = [
        Box::new(LinKv::new()),
        Box::new(SeqKv::new(StdRng::from_rng(&mut seeds))),
        Box::new(LwwKv::new(StdRng::from_rng(&mut seeds))),
        Box::new(LinTso::new()),
    ];
    NAMES.into_iter().zip(services).collect()
}

/// Puts every service on the network, each answering its requests on a thread of its own
/// until the network closes its inbox.
pub fn start_all(net: &Network, seed: u64) {
    for (name, mut service) in all(seed) {
        let inbox = net.register(name);
        let net = net.clone();
        std::thread::Builder::new()
            .name(format!("service {name}"))
            .spawn(move || {
                while let Some(packet) = inbox.recv() {
                    // Big integers stay exact, as in Maelstrom (see `crate::json`).
                    let Ok(body) = crate::json::parse(packet.body.get()) else {
                        continue;
                    };
                    // An unknown request gets no reply, as in Maelstrom.
                    let Some(mut reply) = service.handle(&packet.src, &body) else {
                        continue;
                    };
                    if let Some(fields) = reply.as_object_mut() {
                        let msg_id = body.get("msg_id").cloned().unwrap_or(Value::Null);
                        fields.insert("in_reply_to".into(), msg_id);
                    }
                    let reply = crate::json::Exact(&reply);
                    if let Ok(raw) = serde_json::value::to_raw_value(&reply) {
                        let _ = net.send(name, &packet.src, raw);
                    }
                }
            })
            .expect("spawning a service thread");
    }
}

/// The `type` of a request body, if it has one.
fn request_type(body: &Value) -> Option<&str> {
    body.get("type").and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn all_services_answer_under_their_names() {
        let mut services = all(7);
        let names: Vec<_> = services.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, NAMES);
        for (name, service) in &mut services {
            let request = if *name == "lin-tso" {
                json!({"type": "ts", "msg_id": 1})
            } else {
                json!({"type": "read", "key": "k", "msg_id": 1})
            };
            let reply = service.handle("n0", &request);
            assert!(reply.is_some(), "{name} did not answer");
            assert_eq!(service.handle("n0", &json!({"type": "nope"})), None);
        }
    }
}
