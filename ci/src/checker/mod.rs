//! Checkers: pure functions from a history (and the run's facts) to a [`Verdict`].
//!
//! Each module mirrors one of Maelstrom's checkers and fills `results` with the keys
//! Maelstrom prints, so `results.json` reads like Maelstrom's `results.edn`.

pub mod availability;
pub mod echo;
pub mod elle;
pub mod exceptions;
pub mod g_counter;
pub mod intern;
pub mod kafka;
pub mod latencies;
pub mod linearizable;
pub mod net;
pub mod protocol;
pub mod set_full;
pub mod stats;
pub mod unique_ids;

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::cli::TestOpts;
use crate::history::Op;
use crate::net::journal::NetStats;
use crate::workload::Workload;

/// Maelstrom's three-valued `valid?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    Valid,
    Invalid,
    /// Nothing wrong was found, but too little was seen to say it is right.
    Unknown,
}

impl Validity {
    /// The worse of two: invalid beats unknown beats valid.
    pub fn and(self, other: Validity) -> Validity {
        use Validity::*;
        match (self, other) {
            (Invalid, _) | (_, Invalid) => Invalid,
            (Unknown, _) | (_, Unknown) => Unknown,
            _ => Valid,
        }
    }

    pub fn from_bool(valid: bool) -> Validity {
        if valid {
            Validity::Valid
        } else {
            Validity::Invalid
        }
    }
}

impl Serialize for Validity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Validity::Valid => s.serialize_bool(true),
            Validity::Invalid => s.serialize_bool(false),
            Validity::Unknown => s.serialize_str("unknown"),
        }
    }
}

/// What one checker concluded.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub valid: Validity,
    /// Maelstrom's result map for this checker, `"valid?"` included.
    pub results: Map<String, Value>,
    /// Sentences for the summary: what was checked and, when something is wrong, what
    /// went wrong, in words a learner can act on (which op, which value, what was expected).
    pub explanation: Vec<String>,
}

impl Verdict {
    /// A verdict whose `results` starts with `"valid?"`, the rest added by the caller.
    pub fn new(valid: Validity) -> Verdict {
        let mut results = Map::new();
        results.insert(
            "valid?".into(),
            serde_json::to_value(valid).unwrap_or(Value::Null),
        );
        Verdict {
            valid,
            results,
            explanation: Vec::new(),
        }
    }

    /// Adds one key to `results`.
    pub fn with(mut self, key: &str, value: impl Serialize) -> Verdict {
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        self.results.insert(key.to_string(), value);
        self
    }

    /// Adds one sentence to the explanation.
    pub fn explain(mut self, line: impl Into<String>) -> Verdict {
        self.explanation.push(line.into());
        self
    }
}

/// Maelstrom's quantile rule: sort the samples; quantile p is the sample at index
/// min(n - 1, floor(n * p)). Returns `None` for no samples.
pub fn quantile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let i = ((sorted.len() as f64 * p).floor() as usize).min(sorted.len() - 1);
    Some(sorted[i])
}

/// The quantiles Maelstrom reports, as a map `{"0": .., "0.5": .., "0.95": .., "0.99": .., "1": ..}`.
pub fn quantiles(samples: &mut [u64]) -> Option<Map<String, Value>> {
    samples.sort_unstable();
    let mut map = Map::new();
    for (name, p) in [
        ("0", 0.0),
        ("0.5", 0.5),
        ("0.95", 0.95),
        ("0.99", 0.99),
        ("1", 1.0),
    ] {
        map.insert(name.into(), quantile(samples, p)?.into());
    }
    Some(map)
}

/// Every checker's verdict on one run, composed as Maelstrom's `checker/compose` does.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The worst of the parts.
    pub valid: Validity,
    /// `(results key, verdict)`, in the order the summary shows them.
    pub parts: Vec<(&'static str, Verdict)>,
}

impl Analysis {
    /// The results map: one key per checker, and `valid?`.
    pub fn results(&self) -> Map<String, Value> {
        let mut results: Map<String, Value> = self
            .parts
            .iter()
            .map(|(key, v)| (key.to_string(), Value::Object(v.results.clone())))
            .collect();
        results.insert(
            "valid?".into(),
            serde_json::to_value(self.valid).unwrap_or(Value::Null),
        );
        results
    }
}

/// Runs the workload's checker and the common ones over a finished run.
pub fn analyze(
    workload: &dyn Workload,
    opts: &TestOpts,
    history: &[Op],
    net_stats: &NetStats,
    observed: &protocol::Observed,
) -> Analysis {
    let parts = vec![
        ("workload", workload.check(history, opts)),
        ("stats", stats::check(history, workload.stats_exempt())),
        (
            "availability",
            availability::check(history, opts.availability),
        ),
        ("exceptions", exceptions::check(history)),
        ("protocol", protocol::check(observed, history)),
        ("net", net::check(net_stats, history)),
    ];
    let valid = parts
        .iter()
        .fold(Validity::Valid, |acc, (_, v)| acc.and(v.valid));
    Analysis { valid, parts }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_takes_the_worst() {
        use Validity::*;
        assert_eq!(Valid.and(Unknown), Unknown);
        assert_eq!(Unknown.and(Invalid), Invalid);
        assert_eq!(Valid.and(Valid), Valid);
        assert_eq!(serde_json::to_value(Unknown).unwrap(), "unknown");
    }

    #[test]
    fn quantiles_use_floor_of_n_p() {
        let mut s = vec![50, 10, 40, 20, 30];
        let q = quantiles(&mut s).unwrap();
        assert_eq!(q["0"], 10);
        assert_eq!(q["0.5"], 30);
        assert_eq!(q["0.95"], 50);
        assert_eq!(q["1"], 50);
        assert!(quantiles(&mut []).is_none());
    }
}
