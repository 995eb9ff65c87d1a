//! `g-counter`: the `pn-counter` workload ([`super::pn_counter`]) with the negative adds
//! left out, as `src/maelstrom/workload/g_counter.clj` builds it: the same client,
//! final read and checker, and pn-counter's generator filtered, so about two thirds of
//! the operations are reads and the adds are of 0..=4 (tested with pn-counter's
//! generator).

use rand::rngs::StdRng;

use super::pn_counter::{self, PnCounterGenerator};
use super::{Generator, Invocation, Workload};

/// pn-counter's workload with [`CounterGenerator`].
pub fn workload() -> Workload {
    Workload {
        generator: |_| Box::new(CounterGenerator),
        ..pn_counter::workload()
    }
}

/// pn-counter's operations, negative adds thrown away.
#[derive(Debug)]
pub struct CounterGenerator;

impl Generator for CounterGenerator {
    fn next_op(&mut self, rng: &mut StdRng) -> Option<Invocation> {
        loop {
            let op = PnCounterGenerator.next_op(rng)?;
            if op.f != "add" || op.value.as_i64().is_some_and(|d| d >= 0) {
                return Some(op);
            }
        }
    }
}
