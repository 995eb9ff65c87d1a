//! `g-counter`: the `pn-counter` workload ([`super::pn_counter`]) with the negative adds
//! left out, as `src/maelstrom/workload/g_counter.clj` builds it: the same client and
//! checker, and pn-counter's generator filtered, so about two thirds of the operations
//! are reads and the adds are of 0..=4.

use rand::rngs::StdRng;

use super::pn_counter::PnCounterGenerator;
use super::{Generator, Invocation};

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

#[cfg(test)]
mod tests {
    use super::*;
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
}
