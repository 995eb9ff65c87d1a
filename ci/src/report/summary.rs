//! The summary printed at the end of a run (and kept as `summary.txt`): what ran, how
//! operations went, each checker's verdict and why, where the files are, then Jepsen's
//! final line.

use serde_json::Value;

use super::RunFacts;
use crate::checker::{Validity, latencies};
use crate::history::Op;
use crate::store::Store;

/// Jepsen's final lines (`jepsen/src/jepsen/cli.clj`), printed verbatim.
pub const VALID_LINE: &str = "Everything looks good! ヽ(‘ー`)ノ";
pub const INVALID_LINE: &str = "Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻";
pub const UNKNOWN_LINE: &str = "Errors occurred during analysis, but no anomalies found. ಠ~ಠ";

/// The summary: what ran, how operations went, each checker's verdict and why, where
/// the files are, then Maelstrom's final line.
pub(super) fn summary(
    store: &Store,
    run: &RunFacts<'_>,
    valid: Validity,
    pictures: &anyhow::Result<Vec<std::path::PathBuf>>,
) -> String {
    let mut lines = vec![setup_line(run)];
    if let Some(failure) = run.failure {
        lines.push(String::new());
        lines.push(failure.message.clone());
    }
    let (all, _) = crate::checker::stats::counts(run.history);
    if all.count > 0 || run.failure.is_none() {
        lines.push(format!(
            "Operations: {} ({} ok, {} failed, {} indeterminate)",
            all.count, all.ok, all.fail, all.info
        ));
        lines.extend(latency_line(run.history));
        lines.extend(messages_line(run));
    }
    if let Some(analysis) = run.analysis {
        lines.push("Checks:".into());
        for (name, verdict) in &analysis.parts {
            let word = match verdict.valid {
                Validity::Valid => "valid",
                Validity::Invalid => "INVALID",
                Validity::Unknown => "unknown",
            };
            lines.push(format!("  {name:<14}{word}"));
            lines.extend(verdict.explanation.iter().map(|why| format!("    {why}")));
        }
    }
    lines.push(format!("Results: {}", store.dir().display()));
    lines.extend(pictures_line(pictures));
    lines.push(String::new());
    lines.push(match (run.failure, valid) {
        (Some(_), _) => "The test could not run to the end: see above.".to_string(),
        (None, Validity::Valid) => VALID_LINE.to_string(),
        (None, Validity::Invalid) => INVALID_LINE.to_string(),
        (None, Validity::Unknown) => UNKNOWN_LINE.to_string(),
    });
    lines.join("\n") + "\n"
}

/// `echo: 1 node, 1 client thread, 10 s at 5 ops/s, seed 42`.
fn setup_line(run: &RunFacts<'_>) -> String {
    let opts = run.options;
    let count = |n: usize, one: &str| match n {
        1 => format!("1 {one}"),
        n => format!("{n} {one}s"),
    };
    let mut setup = format!(
        "{}: {}, {}, {} s at {} ops/s",
        opts.workload,
        count(opts.nodes.len(), "node"),
        count(opts.concurrency, "client thread"),
        opts.time_limit,
        opts.rate
    );
    if opts.latency > 0.0 {
        setup.push_str(&format!(", latency {} ms", opts.latency));
    }
    if opts.partitions() {
        setup.push_str(", partitions");
    }
    format!("{setup}, seed {}", run.seed)
}

fn latency_line(history: &[Op]) -> Option<String> {
    let q = latencies::op_latencies(history)?;
    let ms = |k: &str| q.get(k).and_then(Value::as_f64).unwrap_or(0.0);
    Some(format!(
        "Latency of ok operations (ms): median {:.2}, 95% {:.2}, 99% {:.2}, max {:.2}",
        ms("0.5"),
        ms("0.95"),
        ms("0.99"),
        ms("1")
    ))
}

fn messages_line(run: &RunFacts<'_>) -> Option<String> {
    let ops = crate::checker::net::op_count(run.history);
    let per_op = |msgs: u64| msgs as f64 / ops as f64;
    (ops > 0).then(|| {
        format!(
            "Messages: {} ({} between servers); per operation {:.2} all, {:.2} servers",
            run.stats.all.msg_count,
            run.stats.servers.msg_count,
            per_op(run.stats.all.msg_count),
            per_op(run.stats.servers.msg_count)
        )
    })
}

/// `Pictures: messages.svg latency.svg rate.svg`, or why they are missing.
fn pictures_line(pictures: &anyhow::Result<Vec<std::path::PathBuf>>) -> Option<String> {
    match pictures {
        Ok(files) if !files.is_empty() => {
            let names: Vec<String> = files
                .iter()
                .filter_map(|f| f.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .collect();
            Some(format!("Pictures: {}", names.join(" ")))
        }
        Ok(_) => None,
        Err(e) => Some(format!("Pictures: not drawn: {e:#}")),
    }
}
