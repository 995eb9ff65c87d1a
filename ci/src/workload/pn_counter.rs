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
use serde_json::{Value, json};

use super::schema::{Field, checked_call};
use super::{Client, Completion, FinalContext, Generator, Invocation, Rpc, RpcFailure, Workload};
use crate::checker::{Verdict, g_counter};
use crate::cli::TestOpts;
use crate::history::Op;

/// The counter workloads: `pn-counter`, and `g-counter` when grow-only.
#[derive(Debug, Clone, Copy)]
pub struct Counter {
    grow_only: bool,
}

impl Counter {
    pub fn pn() -> Counter {
        Counter { grow_only: false }
    }

    pub fn grow_only() -> Counter {
        Counter { grow_only: true }
    }
}

impl Workload for Counter {
    fn name(&self) -> &'static str {
        if self.grow_only {
            "g-counter"
        } else {
            "pn-counter"
        }
    }

    fn reusable_client(&self) -> bool {
        false
    }

    fn new_client(&self) -> Box<dyn Client> {
        Box::new(CounterClient)
    }

    fn generator(&self, _opts: &TestOpts) -> Box<dyn Generator> {
        if self.grow_only {
            Box::new(super::g_counter::CounterGenerator)
        } else {
            Box::new(PnCounterGenerator)
        }
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
        // Whatever went wrong, nobody knows whether the add happened.
        Completion::from_thrown(op, outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::OpType;
    use crate::workload::Canned;
    use rand::SeedableRng;

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
        let deltas = deltas(super::super::g_counter::CounterGenerator, 3000);
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

    #[test]
    fn names_and_generators_follow_the_kind_of_counter() {
        assert_eq!(Counter::pn().name(), "pn-counter");
        assert_eq!(Counter::grow_only().name(), "g-counter");
    }
}
