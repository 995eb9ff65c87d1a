//! The three key-value services. They share one meaning of `read`, `write` and `cas`
//! ([`effect`]) and differ in which state of the store a request meets:
//!
//! * `lin-kv`: always the current one (linearizable);
//! * `seq-kv`: any state between the last one the requesting node saw and the newest
//!   (sequentially consistent);
//! * `lww-kv`: one of two replicas that never exchange anything (see [`LwwKv`]).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::{Service, request_type};
use crate::rpc::ErrorCode;

/// What a request does, decided from the current value of its key.
#[derive(Debug)]
struct Effect {
    reply: Value,
    /// The key's new value, when the request stores one.
    store: Option<Value>,
}

impl Effect {
    fn reply(reply: Value) -> Effect {
        Effect { reply, store: None }
    }

    /// Whether applying this effect would leave a key holding `current` different.
    /// Writing the value a key already holds changes nothing.
    fn changes(&self, current: Option<&Value>) -> bool {
        self.store.as_ref().is_some_and(|new| Some(new) != current)
    }
}

/// Maelstrom's key-value semantics (`PersistentKV` in `service.clj`) for one request,
/// given the current value of its key; `None` for a request type it does not know.
/// `honour_create` says whether `create_if_not_exists` works (lww-kv ignores it).
fn effect(body: &Value, current: Option<&Value>, honour_create: bool) -> Option<Effect> {
    let field = |name| body.get(name).cloned().unwrap_or(Value::Null);
    let missing = || Effect::reply(ErrorCode::KeyDoesNotExist.reply("key does not exist"));
    let effect = match request_type(body)? {
        "read" => match current {
            Some(value) => Effect::reply(json!({"type": "read_ok", "value": value})),
            None => missing(),
        },
        "write" => Effect {
            reply: json!({"type": "write_ok"}),
            store: Some(field("value")),
        },
        "cas" => {
            let (from, to) = (field("from"), field("to"));
            match current {
                Some(value) if *value == from => Effect {
                    reply: json!({"type": "cas_ok"}),
                    store: Some(to),
                },
                // Maelstrom renders both values with Clojure's printer; JSON text is
                // the same for numbers and strings, which is what nodes store.
                Some(value) => Effect::reply(
                    ErrorCode::PreconditionFailed
                        .reply(format!("current value {value} is not {from}")),
                ),
                // Any value but null and false counts as true, as in Clojure.
                None if honour_create
                    && !matches!(
                        field("create_if_not_exists"),
                        Value::Null | Value::Bool(false)
                    ) =>
                {
                    Effect {
                        reply: json!({"type": "cas_ok"}),
                        store: Some(to),
                    }
                }
                None => missing(),
            }
        }
        _ => return None,
    };
    Some(effect)
}

/// Keys are compared as parsed JSON, so `"1"`, `1` and `1.0` are three different keys.
/// The store is keyed by the key's JSON text, which is canonical because `serde_json`
/// keeps object fields sorted.
fn key_of(body: &Value) -> String {
    body.get("key").unwrap_or(&Value::Null).to_string()
}

/// One state of a store. Values sit behind `Arc` so that keeping many past states (as
/// seq-kv does) shares them instead of copying them.
#[derive(Debug, Clone, Default, PartialEq)]
struct Store(BTreeMap<String, Arc<Value>>);

impl Store {
    fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key).map(|value| value.as_ref())
    }

    /// Applies a request; `None` (and no change) for an unknown type.
    fn apply(&mut self, body: &Value) -> Option<Value> {
        let key = key_of(body);
        let effect = effect(body, self.get(&key), true)?;
        if let Some(value) = effect.store {
            self.0.insert(key, Arc::new(value));
        }
        Some(effect.reply)
    }
}

/// `lin-kv`: one store; every request meets the current state.
#[derive(Debug, Default)]
pub struct LinKv {
    store: Store,
}

impl LinKv {
    pub fn new() -> LinKv {
        LinKv::default()
    }
}

impl Service for LinKv {
    fn handle(&mut self, _src: &str, body: &Value) -> Option<Value> {
        self.store.apply(body)
    }
}

/// How many past states seq-kv keeps (Maelstrom's ring buffer size).
const RETAINED_STATES: usize = 32;

/// `seq-kv`: sequentially consistent, implemented the way Maelstrom does it.
///
/// The service keeps the last 32 states of the store, numbered from 0 (the empty
/// store), and for each node the number of the last state that node met. A request
/// from node X meets a state drawn uniformly between X's number and the newest, both
/// included (`Sequential` in `src/maelstrom/service.clj`; before its commit 72935e2 the
/// newest state could not be drawn). If the request would not change that state (every
/// read, a failed cas, a write of the value already there) it is answered from it, and
/// X's number moves up to it.
/// Otherwise it is applied to the newest state instead, producing a new newest state,
/// and X's number becomes that. So each node sees the store move only forwards, but
/// reads can be stale, and a fresh node may not see a key others wrote long ago.
///
/// One deliberate difference: when X's number is older than the oldest state kept,
/// Maelstrom's ring buffer wraps around and serves some other retained state; we
/// draw from the retained states only (as if X had last seen the oldest one).
#[derive(Debug)]
pub struct SeqKv {
    rng: StdRng,
    /// The retained states, oldest first. The last one is number `newest`.
    states: VecDeque<Store>,
    newest: u64,
    /// The number of the last state each node met; 0 for nodes not seen yet.
    seen: HashMap<String, u64>,
}

impl SeqKv {
    pub fn new(rng: StdRng) -> SeqKv {
        SeqKv {
            rng,
            states: VecDeque::from([Store::default()]),
            newest: 0,
            seen: HashMap::new(),
        }
    }

    fn oldest(&self) -> u64 {
        self.newest + 1 - self.states.len() as u64
    }

    fn state(&self, number: u64) -> &Store {
        &self.states[(number - self.oldest()) as usize]
    }
}

impl Service for SeqKv {
    fn handle(&mut self, src: &str, body: &Value) -> Option<Value> {
        let last_seen = self.seen.get(src).copied().unwrap_or(0);
        let number = self
            .rng
            .random_range(last_seen.max(self.oldest())..=self.newest);
        let key = key_of(body);
        let old = self.state(number).get(&key);
        let attempt = effect(body, old, true)?;
        if !attempt.changes(old) {
            self.seen.insert(src.to_string(), number);
            return Some(attempt.reply);
        }
        // Changing an old state would fork history: apply to the newest state instead.
        let mut next = self.state(self.newest).clone();
        let reply = next.apply(body)?;
        self.states.push_back(next);
        if self.states.len() > RETAINED_STATES {
            self.states.pop_front();
        }
        self.newest += 1;
        self.seen.insert(src.to_string(), self.newest);
        Some(reply)
    }
}

/// One lww-kv replica: a Lamport clock and, per key, the value with the clock reading
/// at which it was stored.
#[derive(Debug, Default)]
struct Replica {
    clock: u64,
    entries: BTreeMap<String, (u64, Value)>,
}

/// `lww-kv`, deliberately weak, as Maelstrom's code has it (not as its docs describe).
///
/// Maelstrom's `Eventual` service (`src/maelstrom/service.clj` at cb7f072) keeps two
/// replicas (its `doc/services.md` says five); each request first merges one random
/// replica into another and is then applied to a random replica. But the merged
/// replica is computed and thrown away (the update that applies the request starts
/// from the unmerged vector), so the replicas never converge: every request meets one
/// of two independent stores at random. Reads can flip between them forever. We
/// reproduce that, skipping the merge whose result Maelstrom discards. `cas` does not
/// honour `create_if_not_exists` here.
#[derive(Debug)]
pub struct LwwKv {
    rng: StdRng,
    replicas: [Replica; 2],
}

impl LwwKv {
    pub fn new(rng: StdRng) -> LwwKv {
        LwwKv {
            rng,
            replicas: Default::default(),
        }
    }
}

impl Service for LwwKv {
    fn handle(&mut self, _src: &str, body: &Value) -> Option<Value> {
        let i = self.rng.random_range(0..self.replicas.len());
        let replica = &mut self.replicas[i];
        let key = key_of(body);
        let current = replica.entries.get(&key).map(|(_, value)| value);
        let effect = effect(body, current, false)?;
        if let Some(value) = effect.store {
            replica.entries.insert(key, (replica.clock, value));
            replica.clock += 1;
        }
        Some(effect.reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn read(key: &str) -> Value {
        json!({"type": "read", "key": key, "msg_id": 1})
    }

    fn write(key: &str, value: Value) -> Value {
        json!({"type": "write", "key": key, "value": value, "msg_id": 1})
    }

    fn cas(key: &str, from: Value, to: Value, create: bool) -> Value {
        let mut body = json!({"type": "cas", "key": key, "from": from, "to": to, "msg_id": 1});
        if create {
            body["create_if_not_exists"] = json!(true);
        }
        body
    }

    /// The value a read reply carries, `None` for "key does not exist".
    fn read_value(reply: Option<Value>) -> Option<i64> {
        let reply = reply.expect("reads are answered");
        match reply["type"].as_str() {
            Some("read_ok") => Some(reply["value"].as_i64().expect("integer values")),
            Some("error") => {
                assert_eq!(reply["code"], 20);
                None
            }
            _ => panic!("unexpected reply {reply}"),
        }
    }

    #[test]
    fn lin_kv_reads_writes_and_compares_and_sets() {
        let mut kv = LinKv::new();
        assert_eq!(
            kv.handle("n0", &read("x")),
            Some(json!({"type": "error", "code": 20, "text": "key does not exist"}))
        );
        assert_eq!(
            kv.handle("n0", &cas("x", json!(1), json!(2), false))
                .unwrap()["code"],
            20
        );
        assert_eq!(
            kv.handle("n0", &cas("x", json!(1), json!(2), true)),
            Some(json!({"type": "cas_ok"}))
        );
        assert_eq!(kv.handle("n1", &read("x")).unwrap()["value"], 2);
        let refused = kv
            .handle("n0", &cas("x", json!(1), json!(3), true))
            .unwrap();
        assert_eq!(refused["code"], 22);
        assert_eq!(refused["text"], "current value 2 is not 1");
        assert_eq!(
            kv.handle("n0", &write("x", json!(5))),
            Some(json!({"type": "write_ok"}))
        );
        assert_eq!(
            kv.handle("n0", &cas("x", json!(5), json!(6), false)),
            Some(json!({"type": "cas_ok"}))
        );
        assert_eq!(kv.handle("n2", &read("x")).unwrap()["value"], 6);
    }

    #[test]
    fn keys_and_values_compare_as_json() {
        let mut kv = LinKv::new();
        kv.handle("n0", &json!({"type": "write", "key": 1, "value": 1}));
        assert_eq!(
            kv.handle("n0", &json!({"type": "read", "key": "1"}))
                .unwrap()["code"],
            20
        );
        assert_eq!(
            kv.handle("n0", &json!({"type": "read", "key": 1.0}))
                .unwrap()["code"],
            20
        );
        let cas = json!({"type": "cas", "key": 1, "from": 1.0, "to": 2});
        assert_eq!(kv.handle("n0", &cas).unwrap()["code"], 22);
    }

    #[test]
    fn unknown_requests_get_no_reply_and_change_nothing() {
        let mut kv = SeqKv::new(StdRng::seed_from_u64(1));
        assert_eq!(
            kv.handle("n0", &json!({"type": "delete", "key": "x"})),
            None
        );
        assert_eq!(kv.handle("n0", &json!({"no type": true})), None);
        assert_eq!(kv.newest, 0);
        assert!(kv.seen.is_empty());
    }

    #[test]
    fn seq_kv_allows_stale_reads() {
        let mut kv = SeqKv::new(StdRng::seed_from_u64(3));
        kv.handle("n0", &write("x", json!(1)));
        // The writer sees its write; nodes that never talked to the store may not.
        assert_eq!(read_value(kv.handle("n0", &read("x"))), Some(1));
        let first_reads: Vec<_> = (1..40)
            .map(|n| read_value(kv.handle(&format!("n{n}"), &read("x"))))
            .collect();
        assert!(
            first_reads.contains(&None),
            "no stale read in {first_reads:?}"
        );
        assert!(
            first_reads.contains(&Some(1)),
            "no fresh read in {first_reads:?}"
        );
    }

    #[test]
    fn seq_kv_never_takes_a_node_backwards() {
        let mut kv = SeqKv::new(StdRng::seed_from_u64(5));
        let (mut last, mut stale) = (None, 0);
        for value in 0..200 {
            kv.handle("writer", &write("x", json!(value)));
            // Several reads between writes, so the reader really moves around.
            for _ in 0..3 {
                let seen = read_value(kv.handle("reader", &read("x")));
                assert!(seen >= last, "read {seen:?} after {last:?}");
                stale += usize::from(seen < Some(value));
                last = seen;
            }
        }
        // The test means something only if the reader did lag behind.
        assert!(stale > 100, "only {stale} stale reads");
    }

    #[test]
    fn seq_kv_catches_up_after_a_change() {
        let mut kv = SeqKv::new(StdRng::seed_from_u64(9));
        for value in 0..20 {
            kv.handle("writer", &write("x", json!(value)));
        }
        // A write of a key of its own brings a node to the newest state.
        kv.handle("reader", &write("reader-sync", json!(1)));
        assert_eq!(read_value(kv.handle("reader", &read("x"))), Some(19));
    }

    #[test]
    fn seq_kv_cas_meets_the_newest_state() {
        let mut kv = SeqKv::new(StdRng::seed_from_u64(11));
        kv.handle("n0", &write("x", json!(1)));
        kv.handle("n0", &cas("x", json!(1), json!(2), false));
        // A cas meeting the stale state x = 1 would change it, so it is retried on the
        // newest state, where `from` no longer holds. (Meeting the empty first state it
        // fails with 20, also without changing anything.)
        let codes: Vec<Value> = (1..30)
            .map(|n| kv.handle(&format!("n{n}"), &cas("x", json!(1), json!(3), false)))
            .map(|reply| reply.unwrap()["code"].clone())
            .collect();
        assert!(
            codes.iter().all(|code| *code == 20 || *code == 22),
            "{codes:?}"
        );
        assert!(codes.contains(&json!(22)), "{codes:?}");
        assert_eq!(read_value(kv.handle("n0", &read("x"))), Some(2));
    }

    #[test]
    fn seq_kv_keeps_32_states_and_clamps_older_ones() {
        let mut kv = SeqKv::new(StdRng::seed_from_u64(13));
        for value in 0..100 {
            kv.handle("writer", &write("x", json!(value)));
        }
        assert_eq!(kv.states.len(), RETAINED_STATES);
        // A node that last saw state 0 reads one of the 32 retained states.
        for n in 0..50 {
            let seen = read_value(kv.handle(&format!("fresh{n}"), &read("x")));
            assert!(seen >= Some(100 - 32), "read {seen:?}");
        }
    }

    #[test]
    fn lww_kv_replicas_never_converge() {
        let mut kv = LwwKv::new(StdRng::seed_from_u64(17));
        kv.handle("n0", &write("x", json!(1)));
        let reads: Vec<_> = (0..40)
            .map(|_| read_value(kv.handle("n0", &read("x"))))
            .collect();
        assert!(
            reads.contains(&None) && reads.contains(&Some(1)),
            "{reads:?}"
        );
    }

    #[test]
    fn lww_kv_ignores_create_if_not_exists() {
        let mut kv = LwwKv::new(StdRng::seed_from_u64(19));
        for _ in 0..10 {
            let reply = kv
                .handle("n0", &cas("y", json!(0), json!(1), true))
                .unwrap();
            assert_eq!(reply["code"], 20);
        }
    }
}
