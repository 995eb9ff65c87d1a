//! `g-counter`: clients add non-negative deltas to a counter shared by all nodes and
//! read it; once the network has healed, every node must report the same total.
//!
//! Follows `src/maelstrom/workload/g_counter.clj` and `pn_counter.clj`: operations are
//! half reads and half adds of a delta drawn from -5..=4, with negative adds thrown away
//! and drawn again (so about two thirds are reads); each thread ends with one final
//! read; the counter checker judges only those.

use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::schema::{Field, checked_call};
use super::{Client, Completion, FinalContext, Generator, Invocation, Rpc, RpcFailure, Workload};
use crate::checker::{Verdict, g_counter};
use crate::cli::TestOpts;
use crate::history::{Op, exception_error};
use crate::json::Exact;

/// The grow-only counter workload.
#[derive(Debug, Default)]
pub struct GCounter;

impl Workload for GCounter {
    fn name(&self) -> &'static str {
        "g-counter"
    }

    fn reusable_client(&self) -> bool {
        false
    }

    fn new_client(&self) -> Box<dyn Client> {
        Box::new(CounterClient)
    }

    fn generator(&self, _opts: &TestOpts) -> Box<dyn Generator> {
        Box::new(CounterGenerator)
    }

    fn has_final_phase(&self) -> bool {
        true
    }

    fn final_phase(&self, ctx: &mut dyn FinalContext) {
        ctx.perform(Invocation::new("read", Value::Null), true);
    }

    fn check(&self, history: &[Op], opts: &TestOpts) -> Verdict {
        g_counter::check(history, opts)
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
            "add" => {
                let request = json!({"type": "add", "delta": op.value});
                checked_call(rpc, request, "add_ok", &[]).map(|_| op.value.clone())
            }
            "read" => checked_call(
                rpc,
                json!({"type": "read"}),
                "read_ok",
                &[("value", Field::Integer)],
            )
            .map(|reply| reply["value"].clone()),
            other => Err(RpcFailure::Malformed(format!("unknown operation {other}"))),
        };
        // pn_counter.clj turns the value read into a `long`, which throws for an
        // integer that does not fit in 64 signed bits.
        if let Ok(value) = &outcome
            && op.f == "read"
            && !value.is_i64()
        {
            let why = format!("value out of range for long: {}", Exact(value));
            return Completion::info(op.value.clone(), exception_error("out-of-range", &why));
        }
        match outcome {
            Ok(value) => Completion::ok(value),
            // pn_counter.clj's client has no `with-errors`: whatever went wrong (a
            // timeout, even a definite error code) escapes as an exception, and nobody
            // knows whether the add happened.
            Err(failure) => Completion::exception(op.value.clone(), &failure),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::OpType;
    use crate::workload::Canned;
    use rand::SeedableRng;

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
        for (failure, kind) in [(RpcFailure::Timeout, "timeout"), (definite, "rpc-error")] {
            let add = invoke("add", json!(3), Err(failure.clone()));
            assert_eq!((add.kind, add.value), (OpType::Info, json!(3)));
            let error = add.error.unwrap();
            let error = error.as_str().unwrap();
            assert!(
                error.starts_with(&format!("indeterminate: {kind}: ")),
                "{error}"
            );
            assert_eq!(invoke("read", Value::Null, Err(failure)).kind, OpType::Info);
        }
        let float = invoke(
            "read",
            Value::Null,
            Ok(json!({"type": "read_ok", "value": 12.0})),
        );
        assert_eq!(float.kind, OpType::Info);
        let huge = crate::json::parse(r#"{"type": "read_ok", "value": 9223372036854775808}"#);
        let huge = invoke("read", Value::Null, Ok(huge.unwrap()));
        assert_eq!(huge.kind, OpType::Info);
        let error = huge.error.unwrap();
        assert!(
            error
                .as_str()
                .unwrap()
                .ends_with("long: 9223372036854775808"),
            "{error}"
        );
    }
}
