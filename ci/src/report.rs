//! The end of the data flow: the store directory, the progress line, and the summary
//! with Maelstrom's final line.

use std::fs;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Map, Value, json};

use crate::checker::protocol::Observed;
use crate::checker::{Analysis, Validity, latencies};
use crate::cli::{Availability, TestOpts};
use crate::history::{Op, Recorder};
use crate::net::journal::NetStats;
use crate::run::{Failure, Outcome};

/// Jepsen's final lines (`jepsen/src/jepsen/cli.clj`), printed verbatim.
pub const VALID_LINE: &str = "Everything looks good! ヽ(‘ー`)ノ";
pub const INVALID_LINE: &str = "Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻";
pub const UNKNOWN_LINE: &str = "Errors occurred during analysis, but no anomalies found. ಠ~ಠ";

/// One run's directory: `store/<workload>/<YYYYmmddTHHMMSS.mmm>/`.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// Creates the run's directory with its `node-logs/`, and points `store/latest`,
    /// `store/current` and `store/<workload>/latest` at it. (Jepsen points `current` at
    /// the run under way and all three at a run it saves, `jepsen/src/jepsen/store.clj`,
    /// `update-current-symlink!` and `update-symlinks!`; a run here is both at once.)
    pub fn create(root: &Path, workload: &str) -> io::Result<Store> {
        let parent = root.join(workload);
        fs::create_dir_all(&parent)?;
        let stamp = chrono::Local::now().format("%Y%m%dT%H%M%S%.3f").to_string();
        // Two runs in the same millisecond (parallel tests) get a suffix.
        let mut name = stamp.clone();
        let mut n = 1;
        let dir = loop {
            let dir = parent.join(&name);
            match fs::create_dir(&dir) {
                Ok(()) => break dir,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    name = format!("{stamp}-{n}");
                    n += 1;
                }
                Err(e) => return Err(e),
            }
        };
        fs::create_dir(dir.join("node-logs"))?;
        relink(&parent.join("latest"), Path::new(&name));
        for link in ["latest", "current"] {
            relink(&root.join(link), &Path::new(workload).join(&name));
        }
        Ok(Store { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    pub fn node_logs(&self) -> PathBuf {
        self.dir.join("node-logs")
    }

    fn write(&self, file: &str, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) {
        let path = self.path(file);
        let written = fs::File::create(&path).and_then(|f| {
            let mut out = BufWriter::new(f);
            write(&mut out)?;
            out.flush()
        });
        if let Err(e) = written {
            eprintln!("cannot write {}: {e}", path.display());
        }
    }
}

/// Replaces the symlink `link` with one to `target` (relative). Best effort: a store on
/// a file system without symlinks still works.
fn relink(link: &Path, target: &Path) {
    let _ = fs::remove_file(link);
    #[cfg(unix)]
    let _ = std::os::unix::fs::symlink(target, link);
}

/// The progress line while a run goes on: elapsed time, operations, errors. Only on a
/// terminal, and not with `--no-progress`.
pub struct Progress {
    bar: ProgressBar,
    ticker: Option<std::thread::JoinHandle<()>>,
    stop: crossbeam_channel::Sender<()>,
}

impl Progress {
    pub fn start(opts: &TestOpts, history: Arc<Recorder>) -> Option<Progress> {
        if opts.no_progress || !io::stderr().is_terminal() {
            return None;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(ProgressStyle::with_template("{spinner} {msg}").ok()?);
        let limit = opts.time_limit;
        let (stop, stopped) = crossbeam_channel::bounded::<()>(0);
        let ticking = bar.clone();
        let ticker = std::thread::spawn(move || {
            let started = std::time::Instant::now();
            loop {
                let (done, errors) = history.progress();
                let elapsed = started.elapsed().as_secs_f64();
                let phase = if elapsed <= limit {
                    format!("{elapsed:.0}/{limit:.0} s")
                } else {
                    "after the time limit".to_string()
                };
                ticking.set_message(format!("{phase}  {done} ops  {errors} not ok"));
                ticking.tick();
                // Stops when `Progress::finish` drops the sender.
                if let Err(crossbeam_channel::RecvTimeoutError::Disconnected) =
                    stopped.recv_timeout(Duration::from_millis(200))
                {
                    return;
                }
            }
        });
        Some(Progress {
            bar,
            ticker: Some(ticker),
            stop,
        })
    }

    /// A line above the progress line.
    pub fn note(&self, line: &str) {
        self.bar.println(line);
    }

    pub fn finish(mut self) {
        drop(self.stop);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        self.bar.finish_and_clear();
    }
}

/// Everything the report is made from.
#[derive(Debug)]
pub struct RunFacts<'a> {
    pub opts: &'a TestOpts,
    pub seed: u64,
    pub nodes: &'a [String],
    pub history: &'a [Op],
    pub stats: &'a NetStats,
    pub failure: Option<&'a Failure>,
    pub analysis: Option<&'a Analysis>,
    pub observed: &'a Observed,
}

/// Writes every file of the run and returns the outcome with its summary.
pub fn finish(store: &Store, run: &RunFacts<'_>) -> Outcome {
    store.write("history.jsonl", |out| {
        for op in run.history {
            serde_json::to_writer(&mut *out, op)?; // Big integers exact: see `Op`.
            out.write_all(b"\n")?;
        }
        Ok(())
    });
    // Drawn from the files just written (and the journal), so the summary can name them.
    let pictures = crate::viz::write_all(store.dir());
    let perf = perf(&pictures);
    let valid = match (run.failure, run.analysis) {
        (None, Some(analysis)) => analysis.valid.and(perf.valid),
        _ => Validity::Invalid,
    };
    let exit_code = match (run.failure, valid) {
        (Some(_), _) => 255,
        (None, Validity::Valid) => 0,
        (None, Validity::Invalid) => 1,
        (None, Validity::Unknown) => 2,
    };
    let mut results = results(run, valid);
    if run.analysis.is_some() {
        results.insert("perf".into(), Value::Object(perf.results));
    }
    let summary = summary(store, run, valid, &pictures);
    store.write("results.json", |out| {
        let results = Value::Object(results.clone());
        serde_json::to_writer_pretty(&mut *out, &crate::json::Exact(&results))?;
        out.write_all(b"\n")
    });
    store.write("summary.txt", |out| out.write_all(summary.as_bytes()));

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

/// Maelstrom's `perf` result (Jepsen's `checker/perf`, `jepsen/src/jepsen/checker.clj`):
/// it draws the latency and rate plots and says `valid? true`, or `unknown` when they
/// could not be drawn, which makes the whole run unknown. Here the plots are
/// `latency.svg` and `rate.svg`. (Maelstrom's `timeline` checker, which writes
/// `timeline.html`, has no counterpart: see the runner chapter.)
fn perf(pictures: &anyhow::Result<Vec<PathBuf>>) -> crate::checker::Verdict {
    use crate::checker::Verdict;
    let drawn = |name: &str| match pictures {
        Ok(files) => files.iter().any(|f| f.ends_with(name)),
        Err(_) => false,
    };
    let graph = |name: &str| {
        if drawn(name) {
            Verdict::new(Validity::Valid)
        } else {
            let why = match pictures {
                Err(e) => format!("{e:#}"),
                Ok(_) => format!("{name} was not drawn"),
            };
            Verdict::new(Validity::Unknown).with("error", why)
        }
    };
    let (latency, rate) = (graph("latency.svg"), graph("rate.svg"));
    Verdict::new(latency.valid.and(rate.valid))
        .with("latency-graph", latency.results)
        .with("rate-graph", rate.results)
}

fn results(run: &RunFacts<'_>, valid: Validity) -> Map<String, Value> {
    let mut results = run.analysis.map(Analysis::results).unwrap_or_default();
    results.insert(
        "valid?".into(),
        serde_json::to_value(valid).unwrap_or_default(),
    );
    results.insert("workload-name".into(), json!(run.opts.workload.as_str()));
    results.insert("seed".into(), json!(run.seed));
    results.insert("opts".into(), opts_json(run.opts, run.nodes));
    if let Some(q) = latencies::op_latencies(run.history) {
        results.insert("op-latencies".into(), Value::Object(q));
    }
    if let Some(failure) = run.failure {
        results.insert(
            "error".into(),
            json!({"kind": format!("{:?}", failure.kind).to_lowercase(),
                   "message": failure.message}),
        );
    }
    results
}

/// The options the run used, for replaying it.
fn opts_json(opts: &TestOpts, nodes: &[String]) -> Value {
    json!({
        "workload": opts.workload.as_str(),
        "bin": opts.bin,
        "args": opts.bin_args,
        "nodes": nodes,
        // Whole numbers, as the command line takes them.
        "time-limit": opts.time_limit as u64,
        "rate": opts.rate,
        "concurrency": opts.client_threads(),
        "latency": opts.latency as u64,
        "latency-dist": format!("{:?}", opts.latency_dist).to_lowercase(),
        "nemesis": opts.nemesis,
        "nemesis-interval": opts.nemesis_interval,
        "availability": match opts.availability {
            None => Value::Null,
            Some(Availability::Total) => json!("total"),
            Some(Availability::AtLeast(a)) => json!(a),
        },
        "topology": format!("{:?}", opts.topology).to_lowercase(),
        "consistency-models": opts.consistency_models,
        "max-txn-length": opts.max_txn_length,
        "max-writes-per-key": opts.max_writes_per_key,
        "key-count": opts.key_count,
    })
}

/// The summary: what ran, how operations went, each checker's verdict and why, where
/// the files are, then Maelstrom's final line.
fn summary(
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
            let own = if crate::checker::RUNNERS_OWN.contains(name) {
                "  (this runner's own check; Maelstrom has none)"
            } else {
                ""
            };
            lines.push(format!("  {name:<14}{word}{own}"));
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
    let opts = run.opts;
    let count = |n: usize, one: &str| match n {
        1 => format!("1 {one}"),
        n => format!("{n} {one}s"),
    };
    let mut setup = format!(
        "{}: {}, {}, {} s at {} ops/s",
        opts.workload.as_str(),
        count(run.nodes.len(), "node"),
        count(opts.client_threads(), "client thread"),
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
        Err(e) => Some(format!(
            "Pictures: not drawn, so the perf check is unknown, as in Maelstrom: {e:#}"
        )),
    }
}
