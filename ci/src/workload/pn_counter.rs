//! `pn-counter`: clients add positive and negative deltas to a counter shared by all
//! nodes and read it; once the network has healed, every node must report the same
//! total. `g-counter` is the same workload with the negative adds left out
//! ([`super::g_counter`]).
//!
//! Follows `src/maelstrom/workload/pn_counter.clj`: operations are half reads and half
//! adds of a delta drawn from -5..=4 (`(- (rand-int 10) 5)`); each thread ends with one
//! final read (`:final? true`); the checker judges only those, against every sum the
//! adds allow ([`crate::checker::g_counter`]). The client calls the node outside
//! `with-errors`, so every failed operation is `info`.

use rand::Rng;
use rand::rngs::StdRng;
use serde_json::Value;

use super::schema::{Field, read_field, send_value};
use super::{Client, Completion, Generator, Invocation, Rpc, RpcFailure, Workload, final_read};
use crate::checker::g_counter;
use crate::history::exception_error;
use crate::json::Exact;

/// The counter workload: each thread ends with one final read.
pub fn workload() -> Workload {
    Workload {
        final_phase: Some(final_read),
        ..Workload::new(
            || Box::new(CounterClient),
            |_| Box::new(PnCounterGenerator),
            g_counter::check,
        )
    }
}

/// Reads, and adds of -5..=4.
#[derive(Debug)]
pub struct PnCounterGenerator;

impl Generator for PnCounterGenerator {
    fn next_op(&mut self, rng: &mut StdRng) -> Option<Invocation> {
        if rng.random_bool(0.5) {
            return Some(Invocation::new("read", Value::Null));
        }
        let delta: i64 = rng.random_range(-5..5);
        Some(Invocation::new("add", delta.into()))
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
    use crate::workload::{Canned, g_counter};
    use rand::SeedableRng;
    use serde_json::json;

    /// The deltas of the adds among `n` operations of `generator`.
    fn deltas(mut generator: impl Generator, n: usize) -> Vec<i64> {
        let mut rng = StdRng::seed_from_u64(8);
        (0..n)
            .map(|_| generator.next_op(&mut rng).unwrap())
            .filter(|op| op.f == "add")
            .map(|op| op.value.as_i64().unwrap())
            .collect()
    }

    #[test]
    fn generator_draws_half_reads_and_adds_of_minus_5_to_4() {
        let deltas = deltas(PnCounterGenerator, 4000);
        assert!(
            (1900..2100).contains(&deltas.len()),
            "{} adds",
            deltas.len()
        );
        assert!((-5..=4).all(|d| deltas.contains(&d)));
        assert!(deltas.iter().all(|d| (-5..=4).contains(d)));
    }

    /// g-counter's generator keeps the non-negative adds: about a third of the operations.
    #[test]
    fn g_counter_draws_two_thirds_reads_and_small_non_negative_adds() {
        let deltas = deltas(g_counter::CounterGenerator, 3000);
        assert!((900..1100).contains(&deltas.len()), "{} adds", deltas.len());
        assert!(deltas.iter().all(|d| (0..=4).contains(d)));
        assert!((0..=4).all(|d| deltas.contains(&d)));
    }

    /// The two counter workloads differ in their generators alone.
    #[test]
    fn the_kind_of_counter_picks_the_generator() {
        let opts = crate::cli::run_options(&[]);
        let deltas = |workload: Workload| {
            let mut generator = (workload.generator)(&opts);
            let mut rng = StdRng::seed_from_u64(8);
            (0..1000)
                .filter_map(|_| generator.next_op(&mut rng))
                .filter(|op| op.f == "add")
                .map(|op| op.value.as_i64().unwrap())
                .collect::<Vec<_>>()
        };
        assert!(deltas(workload()).iter().any(|d| *d < 0));
        assert!(deltas(g_counter::workload()).iter().all(|d| *d >= 0));
        let (pn, g) = (workload(), g_counter::workload());
        assert_eq!(pn.checker as usize, g.checker as usize);
        assert_eq!(pn.client as usize, g.client as usize);
        assert!(pn.final_phase.is_some() && g.final_phase.is_some());
    }

    fn invoke(f: &str, value: Value, reply: Result<Value, RpcFailure>) -> Completion {
        CounterClient.invoke(&mut Canned(reply), &Invocation::new(f, value))
    }

    #[test]
    fn every_failure_is_indeterminate() {
        let read = invoke(
            "read",
            Value::Null,
            Ok(json!({"type": "read_ok", "value": -12})),
        );
        assert_eq!(read, Completion::ok(json!(-12)));
        let add = invoke(
            "add",
            json!(-3),
            Ok(json!({"type": "add_ok", "in_reply_to": 4})),
        );
        assert_eq!(add, Completion::ok(json!(-3)));
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
