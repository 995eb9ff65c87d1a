//! `results.json`: Maelstrom's results map (one entry per checker, and `valid?`) plus what
//! this runner records about the run. The report writes it; `serve` reads it back.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::checker::Validity;
use crate::options::{RunOptions, WorkloadName};
use crate::outcome::Failure;
use crate::store;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Results {
    #[serde(rename = "valid?")]
    pub valid: Validity,
    #[serde(with = "crate::options::by_name")]
    pub workload_name: WorkloadName,
    pub seed: u64,
    pub opts: RunOptions,
    /// Quantiles of the latencies of ok operations, in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op_latencies: Option<Map<String, Value>>,
    /// Why the run ended early.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
    /// Each checker's results under its name (`workload`, `stats`, `net`, ...).
    #[serde(flatten)]
    pub checks: Map<String, Value>,
}

impl Results {
    /// The results of the run in `dir`, if it has a results file this runner wrote.
    pub fn read(dir: &Path) -> Option<Results> {
        let text = std::fs::read_to_string(dir.join(store::RESULTS)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// As the file holds them: one JSON object.
    pub fn to_map(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }

    /// A value one checker reported, by its path inside that checker's results.
    fn reported(&self, checker: &str, path: &[&str]) -> Option<&Value> {
        path.iter()
            .try_fold(self.checks.get(checker)?, |value, key| value.get(key))
    }

    /// Messages between servers per operation (the `net` checker's).
    pub fn msgs_per_op(&self) -> Option<f64> {
        self.reported("net", &["servers", "msgs-per-op"])?.as_f64()
    }

    /// Quantiles of how long values took to reach every read (set-full's, for broadcast).
    pub fn stable_latencies(&self) -> Option<&Value> {
        self.reported("workload", &["stable-latencies"])
    }

    /// The fraction of operations that completed ok (the `availability` checker's).
    pub fn ok_fraction(&self) -> Option<f64> {
        self.reported("availability", &["ok-fraction"])?.as_f64()
    }
}
