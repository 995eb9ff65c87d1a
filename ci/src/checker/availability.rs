//! `--availability` (Maelstrom's `src/maelstrom/checker.clj`): the fraction of client
//! invocations that completed ok, against the required minimum.

use super::{Validity, Verdict};
use crate::history::{Op, OpType};
use crate::options::Availability;

pub fn check(history: &[Op], required: Option<Availability>) -> Verdict {
    let count = |kind| {
        history
            .iter()
            .filter(|op| op.kind == kind && op.is_client())
            .count()
    };
    let (oks, invokes) = (count(OpType::Ok), count(OpType::Invoke));
    let fraction = if invokes == 0 {
        1.0
    } else {
        oks as f64 / invokes as f64
    };
    let valid = match required {
        None => true,
        Some(Availability::Total) => oks == invokes,
        Some(Availability::AtLeast(min)) => fraction >= min,
    };
    let verdict = Verdict::new(Validity::from_bool(valid)).with("ok-fraction", fraction as f32);
    match required {
        Some(required) if !valid => {
            let wanted = match required {
                Availability::Total => "every one".to_string(),
                Availability::AtLeast(min) => format!("at least {:.1}%", min * 100.0),
            };
            verdict.explain(format!(
                "Only {oks} of {invokes} operations succeeded ({:.2}%); --availability asks \
                 for {wanted}.",
                fraction * 100.0
            ))
        }
        _ => verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn history(outcomes: &[OpType]) -> Vec<Op> {
        let mut h = Vec::new();
        for kind in outcomes {
            for kind in [OpType::Invoke, *kind] {
                h.push(Op::client(h.len(), kind, 0, "echo", Value::Null));
            }
        }
        h
    }

    #[test]
    fn total_means_every_operation() {
        let h = history(&[OpType::Ok, OpType::Ok, OpType::Ok, OpType::Fail]);
        assert_eq!(check(&h, None).valid, Validity::Valid);
        let total = check(&h, Some(Availability::Total));
        assert_eq!(total.valid, Validity::Invalid);
        assert!(total.explanation[0].contains("Only 3 of 4"));
        assert_eq!(total.results["ok-fraction"], 0.75);
        assert_eq!(
            check(&h, Some(Availability::AtLeast(0.75))).valid,
            Validity::Valid
        );
        assert_eq!(
            check(&h, Some(Availability::AtLeast(0.8))).valid,
            Validity::Invalid
        );
        assert_eq!(check(&[], Some(Availability::Total)).valid, Validity::Valid);
    }
}
