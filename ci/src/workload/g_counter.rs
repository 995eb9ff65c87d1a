//! `g-counter`: clients add non-negative deltas to a counter shared by all nodes and
//! read it; once the network has healed, every node must report the same total.
//!
//! Follows `src/maelstrom/workload/g_counter.clj` and `pn_counter.clj`: operations are
//! half reads and half adds of a delta drawn from -5..=4, with negative adds thrown away
//! and drawn again (so about two thirds are reads); each thread ends with one final
//! read; the counter checker judges only those.

use rand::Rng;
use rand::rngs::StdRng;
use serde_json::Value;

use super::schema::{Field, read_field, send_value};
use super::{Client, Completion, Generator, Invocation, Rpc, RpcFailure, Workload, final_read};
use crate::checker::g_counter;
use crate::history::OpType;

/// The grow-only counter workload: each thread ends with one final read.
pub fn workload() -> Workload {
    Workload {
        final_phase: Some(final_read),
        ..Workload::new(
            || Box::new(CounterClient),
            |_| Box::new(CounterGenerator),
            g_counter::check,
        )
    }
}

/// Reads and adds of 0..=4.
#[derive(Debug)]
pub struct CounterGenerator;

impl Generator for CounterGenerator {
    fn next_op(&mut self, rng: &mut StdRng) -> Option<Invocation> {
        loop {
            if rng.random_bool(0.5) {
                return Some(Invocation::new("read", Value::Null));
            }
            // pn-counter's delta; a grow-only counter filters out the negative ones.
            let delta: i64 = rng.random_range(-5..5);
            if delta >= 0 {
                return Some(Invocation::new("add", delta.into()));
            }
        }
    }
}

/// Sends `add` and `read` to one node.
#[derive(Debug)]
pub struct CounterClient;

impl Client for CounterClient {
    fn invoke(&mut self, rpc: &mut dyn Rpc, op: &Invocation) -> Completion {
        let outcome = match op.f.as_str() {
            "add" => send_value(rpc, "add", "delta", &op.value),
            "read" => read_field(rpc, "value", Field::Integer),
            other => Err(RpcFailure::Malformed(format!("unknown operation {other}"))),
        };
        match outcome {
            Ok(value) => Completion::ok(value),
            // This client does not sort errors into definite and indefinite: whatever
            // went wrong, nobody knows whether the add happened.
            Err(failure) => Completion {
                kind: OpType::Info,
                ..Completion::from_failure(op.value.clone(), &failure, false)
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::Canned;
    use rand::SeedableRng;
    use serde_json::json;

    #[test]
    fn generator_draws_two_thirds_reads_and_small_non_negative_adds() {
        let mut rng = StdRng::seed_from_u64(8);
        let ops: Vec<_> = (0..3000)
            .map(|_| CounterGenerator.next_op(&mut rng).unwrap())
            .collect();
        let deltas: Vec<i64> = ops
            .iter()
            .filter(|op| op.f == "add")
            .map(|op| op.value.as_i64().unwrap())
            .collect();
        assert!((900..1100).contains(&deltas.len()), "{} adds", deltas.len());
        assert!(deltas.iter().all(|d| (0..=4).contains(d)));
        assert!((0..=4).all(|d| deltas.contains(&d)));
    }

    fn invoke(f: &str, value: Value, reply: Result<Value, RpcFailure>) -> Completion {
        CounterClient.invoke(&mut Canned(reply), &Invocation::new(f, value))
    }

    #[test]
    fn every_failure_is_indeterminate() {
        let read = invoke(
            "read",
            Value::Null,
            Ok(json!({"type": "read_ok", "value": 12})),
        );
        assert_eq!(read, Completion::ok(json!(12)));
        let add = invoke(
            "add",
            json!(3),
            Ok(json!({"type": "add_ok", "in_reply_to": 4})),
        );
        assert_eq!(add, Completion::ok(json!(3)));
        let definite = RpcFailure::Error {
            code: 11,
            text: "later".into(),
        };
        for failure in [RpcFailure::Timeout, definite] {
            let add = invoke("add", json!(3), Err(failure.clone()));
            assert_eq!((add.kind, add.value), (OpType::Info, json!(3)));
            assert_eq!(invoke("read", Value::Null, Err(failure)).kind, OpType::Info);
        }
        let float = invoke(
            "read",
            Value::Null,
            Ok(json!({"type": "read_ok", "value": 12.0})),
        );
        assert_eq!(float.kind, OpType::Info);
    }
}
