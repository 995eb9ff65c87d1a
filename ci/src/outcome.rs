//! What a run produced, and why a run ended early: made by the engine (`crate::run`),
//! written down by the report.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::checker::Validity;

/// Why a run ended without an analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureKind {
    /// The run could not start: a missing binary, an unwritable store.
    Startup,
    /// A node did not answer `init` (or the setup request) properly.
    Init,
    /// A node exited during the run.
    Crash,
    /// The person running it pressed Ctrl-C.
    Interrupted,
}

/// In `results.json`, its `error`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

/// What a run produced.
#[derive(Debug)]
pub struct Outcome {
    pub valid: Validity,
    /// 0 valid, 1 invalid, 2 unknown, 255 a failed run.
    pub exit_code: i32,
    /// Maelstrom's results map plus our extensions; what `results.json` holds.
    pub results: Map<String, Value>,
    /// The report printed at the end (also `summary.txt`).
    pub summary: String,
    /// The run's store directory, once created.
    pub store: Option<PathBuf>,
    pub failure: Option<Failure>,
    pub seed: u64,
}
