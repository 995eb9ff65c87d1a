//! `op-latencies` (an extension; Maelstrom only plots these): quantiles of the time
//! from invocation to ok completion, in milliseconds.

use serde_json::{Map, Value};

use super::quantiles;
use crate::history::{Op, OpType, pairs};

/// Nanoseconds from each invocation to its ok completion.
pub fn ok_latencies(history: &[Op]) -> Vec<u64> {
    pairs(history)
        .iter()
        .filter_map(|p| {
            p.completion
                .filter(|c| c.kind == OpType::Ok)
                .map(|c| (p.invoke, c))
        })
        .map(|(invoke, ok)| ok.time.saturating_sub(invoke.time))
        .collect()
}

/// `{"0": ms, "0.5": ms, "0.95": ms, "0.99": ms, "1": ms}`, to the microsecond; `None`
/// without ok operations.
pub fn op_latencies(history: &[Op]) -> Option<Map<String, Value>> {
    quantiles_ms(&mut ok_latencies(history))
}

/// Maelstrom's quantiles of durations in nanoseconds, as milliseconds to the
/// microsecond; `None` without samples.
pub fn quantiles_ms(nanos: &mut [u64]) -> Option<Map<String, Value>> {
    let q = quantiles(nanos)?;
    Some(
        q.into_iter()
            .map(|(k, ns)| {
                let us = ns.as_u64().unwrap_or(0) / 1_000;
                (k, Value::from(us as f64 / 1_000.0))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_of_ok_operations_in_ms() {
        let op = |time, kind, process| Op {
            time,
            ..Op::client(0, kind, process, "echo", Value::Null)
        };
        let h = vec![
            op(0, OpType::Invoke, 0),
            op(1_500_000, OpType::Ok, 0),
            op(2_000_000, OpType::Invoke, 1),
            op(7_000_000_000, OpType::Info, 1),
        ];
        let q = op_latencies(&h).unwrap();
        assert_eq!(q["0.5"], 1.5);
        assert_eq!(q["1"], 1.5);
        assert!(op_latencies(&h[2..]).is_none());
    }
}
