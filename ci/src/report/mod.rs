//! The end of the data flow: a finished run's files in its store directory, the outcome
//! it returns, and the progress line while it goes on.

mod progress;
mod results;
mod summary;

pub use progress::Progress;
pub use results::Results;
pub use summary::{INVALID_LINE, UNKNOWN_LINE, VALID_LINE};

use crate::checker::protocol::Observed;
use crate::checker::{Analysis, Validity, latencies};
use crate::history::Op;
use crate::net::journal::NetStats;
use crate::options::RunOptions;
use crate::outcome::{Failure, Outcome};
use crate::store::{self, Store};

/// Everything the report is made from.
#[derive(Debug)]
pub struct RunFacts<'a> {
    pub options: &'a RunOptions,
    pub seed: u64,
    pub history: &'a [Op],
    pub stats: &'a NetStats,
    pub failure: Option<&'a Failure>,
    pub analysis: Option<&'a Analysis>,
    pub observed: &'a Observed,
}

/// Writes every file of the run and returns the outcome with its summary.
pub fn finish(store: &Store, run: &RunFacts<'_>) -> Outcome {
    let valid = match (run.failure, run.analysis) {
        (None, Some(analysis)) => analysis.valid,
        _ => Validity::Invalid,
    };
    let exit_code = match (run.failure, valid) {
        (Some(_), _) => 255,
        (None, Validity::Valid) => 0,
        (None, Validity::Invalid) => 1,
        (None, Validity::Unknown) => 2,
    };
    let results = Results {
        valid,
        workload_name: run.options.workload,
        seed: run.seed,
        opts: run.options.clone(),
        op_latencies: latencies::op_latencies(run.history),
        error: run.failure.cloned(),
        checks: run
            .analysis
            .map(Analysis::parts_results)
            .unwrap_or_default(),
    }
    .to_map();

    store.write(store::HISTORY, |out| {
        for op in run.history {
            serde_json::to_writer(&mut *out, op)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    });
    // Drawn from the files just written (and the journal), so the summary can name them.
    let pictures = crate::viz::write_all(store.dir());
    let summary = summary::summary(store, run, valid, &pictures);
    store.write(store::RESULTS, |out| {
        serde_json::to_writer_pretty(&mut *out, &results)?;
        out.write_all(b"\n")
    });
    store.write(store::SUMMARY, |out| out.write_all(summary.as_bytes()));

    Outcome {
        valid,
        exit_code,
        results,
        summary,
        store: Some(store.dir().to_path_buf()),
        failure: run.failure.cloned(),
        seed: run.seed,
    }
}
