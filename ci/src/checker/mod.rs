//! Checkers: pure functions from a history (and what else the run observed) to a
//! [`Verdict`]. They know the run only through [`RunInfo`], never the command line.
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
pub mod net;
pub mod protocol;
pub mod set_full;
pub mod stats;
pub mod unique_ids;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::history::{Op, Process};
use crate::net::journal::NetStats;
use crate::options::{self, Availability, RunOptions};

/// What checkers know of a run besides its history: who took part, and what it was
/// asked to put up with.
#[derive(Debug, Clone)]
pub struct RunInfo {
    pub nodes: Vec<String>,
    pub client_threads: usize,
    /// Whether the nemesis partitioned the network.
    pub partitions: bool,
    /// What `--availability` requires.
    pub availability: Option<Availability>,
    /// What `--consistency-models` names, for the transactional checkers.
    pub consistency_models: String,
}

impl RunInfo {
    pub fn new(opts: &RunOptions) -> RunInfo {
        RunInfo {
            nodes: opts.nodes.clone(),
            client_threads: opts.concurrency,
            partitions: opts.partitions(),
            availability: opts.availability,
            consistency_models: opts.consistency_models.clone(),
        }
    }

    /// Who performed `op`: the node its client process talks to, or the nemesis. Process
    /// p runs on thread p mod C (a thread takes a new process number, old + C, after an
    /// indeterminate operation).
    pub fn performer(&self, op: &Op) -> String {
        match op.process {
            Process::Client(p) => {
                let thread = p % self.client_threads.max(1) as u64;
                options::node_of_thread(&self.nodes, thread as usize).to_string()
            }
            Process::Nemesis => "the nemesis".into(),
        }
    }
}

/// The run that `maelstrom test --bin x <args>` would make, for checkers' tests.
#[cfg(test)]
pub(crate) fn test_run(args: &[&str]) -> RunInfo {
    RunInfo::new(&crate::cli::run_options(args))
}

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

impl<'de> Deserialize<'de> for Validity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Bool(true) => Ok(Validity::Valid),
            Value::Bool(false) => Ok(Validity::Invalid),
            Value::String(s) if s == "unknown" => Ok(Validity::Unknown),
            other => Err(serde::de::Error::custom(format!("not a validity: {other}"))),
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
    /// Each checker's results map under its key.
    pub fn parts_results(&self) -> Map<String, Value> {
        self.parts
            .iter()
            .map(|(key, v)| (key.to_string(), Value::Object(v.results.clone())))
            .collect()
    }
}

/// Composes the workload's verdict (from its own checker, which the engine runs) with
/// the common checkers' over the same run. `stats_exempt` names the `f`s that `stats`
/// does not require an ok for (kafka's `crash`).
pub fn analyze(
    workload: Verdict,
    stats_exempt: &[&str],
    run: &RunInfo,
    history: &[Op],
    net_stats: &NetStats,
    observed: &protocol::Observed,
) -> Analysis {
    let parts = vec![
        ("workload", workload),
        ("stats", stats::check(history, stats_exempt)),
        (
            "availability",
            availability::check(history, run.availability),
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
