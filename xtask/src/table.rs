//! Running the acceptance table: build the crates, run each row through the runner (ours,
//! or a real Maelstrom), and judge what it left behind.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use wait_timeout::ChildExt;

use super::RunnerOpts;
use super::process::{self, cargo};
use super::results::{self, Figures, Outcome};
use super::steps::Step;

/// Where each row's console output and store go.
pub const ROWS_DIR: &str = "target/xtask/rows";

/// The runner the rows go through.
#[derive(Debug, Clone)]
pub enum Runner {
    /// Ours, `target/release/maelstrom`: seeded, quiet, with a store per row.
    Ours,
    /// A real Maelstrom: no seeds, results in `results.edn`, no `summary.txt`.
    Real(PathBuf),
}

impl Runner {
    /// Ours, unless `MAELSTROM` names a real one or `--real` asks for the one on PATH.
    pub fn choose(opts: &RunnerOpts) -> Result<Runner> {
        if let Some(path) = std::env::var_os("MAELSTROM").filter(|p| !p.is_empty()) {
            return Ok(Runner::Real(PathBuf::from(path)));
        }
        if !opts.real {
            return Ok(Runner::Ours);
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .map(|dir| dir.join("maelstrom"))
            .find(|candidate| candidate.is_file())
            .map(Runner::Real)
            .context("--real: no `maelstrom` on PATH (or set MAELSTROM=/path/to/maelstrom)")
    }

    pub fn describe(&self) -> String {
        match self {
            Runner::Ours => "our runner (target/release/maelstrom)".into(),
            Runner::Real(path) => format!("a real Maelstrom ({})", path.display()),
        }
    }
}

/// Builds the runner and every crate the rows test, all crates in one cargo call.
pub fn build(steps: &[Step], runner: &Runner) -> Result<bool> {
    let mut ok = true;
    if matches!(runner, Runner::Ours) {
        let mut cmd = cargo();
        cmd.args(["build", "--release", "-p", "ci", "--bin", "maelstrom"]);
        ok &= process::run(cmd)?;
    }
    let mut crates: Vec<&str> = steps.iter().map(|s| s.krate.as_str()).collect();
    crates.sort();
    crates.dedup();
    if !crates.is_empty() {
        let mut cmd = cargo();
        cmd.arg("build");
        for krate in crates {
            cmd.args(["-p", krate]);
        }
        ok &= process::run(cmd)?;
    }
    Ok(ok)
}

/// Builds our runner and the crates `steps` test, for a command that keeps what our runner
/// writes (`regen` its summaries, `pictures` its journal). A real Maelstrom writes neither,
/// so `MAELSTROM` is refused rather than silently ignored. `task` and `runs` name the
/// command and its runs in what it prints.
pub fn build_ours(task: &str, runs: &str, steps: &[Step]) -> Result<Runner> {
    let runner = Runner::choose(&RunnerOpts::default())?;
    if !matches!(runner, Runner::Ours) {
        bail!("`cargo xtask {task}` keeps what our runner writes; unset MAELSTROM to use it");
    }
    println!(
        "{task}: {} {runs}, about {:.0} s",
        steps.len(),
        estimate_seconds(steps, 1)
    );
    if !build(steps, &runner)? {
        bail!("the build failed");
    }
    Ok(runner)
}

/// One row's result.
#[derive(Debug, Clone)]
pub struct RowResult {
    pub step: Step,
    /// Empty when the row passed.
    pub problems: Vec<String>,
    pub figures: Figures,
    pub seconds: f64,
    /// The run's store directory, when it wrote one.
    pub run_dir: Option<PathBuf>,
    pub console: PathBuf,
}

impl RowResult {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Wall time of the rows if the light ones run `jobs` at a time and the timing-sensitive
/// ones one by one, from each row's estimate.
pub fn estimate_seconds(steps: &[Step], jobs: usize) -> f64 {
    let (alone, light): (Vec<&Step>, Vec<&Step>) = steps.iter().partition(|s| s.timing_sensitive());
    let alone: f64 = alone.iter().map(|s| s.estimated_seconds()).sum();
    alone + side_by_side_seconds(&light, jobs)
}

/// Wall time of rows run `jobs` at a time as [`run_rows`] runs them: longest first, each
/// taking the next free lane.
pub fn side_by_side_seconds(steps: &[&Step], jobs: usize) -> f64 {
    let mut seconds: Vec<f64> = steps.iter().map(|s| s.estimated_seconds()).collect();
    seconds.sort_by(|a, b| b.total_cmp(a));
    let mut lanes = vec![0.0_f64; jobs.max(1)];
    for row in seconds {
        let lane = lanes
            .iter_mut()
            .min_by(|a, b| a.total_cmp(b))
            .expect("at least one lane");
        *lane += row;
    }
    lanes.into_iter().fold(0.0, f64::max)
}

/// Runs the rows `jobs` at a time (one by one when `jobs` is 1), longest first so the
/// last lane does not start a long row when the others are done. Results come back in
/// the order of `steps`.
pub fn run_rows(steps: &[&Step], runner: &Runner, jobs: usize) -> Vec<RowResult> {
    let mut order: Vec<usize> = (0..steps.len()).collect();
    if jobs > 1 {
        order.sort_by(|&a, &b| {
            let seconds = |i: usize| steps[i].estimated_seconds();
            seconds(b).total_cmp(&seconds(a))
        });
    }
    let queue = Mutex::new(VecDeque::from(order));
    let done = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, steps.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().expect("queue lock").pop_front();
                    let Some(i) = next else { break };
                    let result = run_row(steps[i], runner);
                    done.lock().expect("results lock").push((i, result));
                }
            });
        }
    });
    let mut done = done.into_inner().expect("results lock");
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, result)| result).collect()
}

/// The runner command for a row, run from the repository root (ours) or from the row's
/// own directory (a real Maelstrom writes `store/` where it runs).
pub fn command(step: &Step, runner: &Runner, row_dir: &Path) -> Command {
    let (workload, rest) = step.ordered_args();
    let binary = Path::new("target/debug").join(&step.krate);
    let mut cmd;
    match runner {
        Runner::Ours => {
            cmd = Command::new("target/release/maelstrom");
            cmd.arg("test").args(&workload).arg("--bin").arg(&binary);
            cmd.args(&rest).args(["--seed", &step.seed.to_string()]);
            cmd.arg("--no-progress")
                .arg("--store")
                .arg(row_dir.join("store"));
        }
        Runner::Real(path) => {
            cmd = Command::new(path);
            let root = std::env::current_dir().unwrap_or_default();
            cmd.arg("test")
                .args(&workload)
                .arg("--bin")
                .arg(root.join(&binary));
            cmd.args(&rest).current_dir(row_dir);
        }
    }
    cmd
}

/// Longest a row may run before the table stops it: well past its estimate, since a
/// runner that never ends must not hold CI for 90 minutes.
fn deadline(step: &Step) -> Duration {
    Duration::from_secs_f64(step.estimated_seconds() * 2.0 + 60.0)
}

pub fn run_row(step: &Step, runner: &Runner) -> RowResult {
    let row_dir = Path::new(ROWS_DIR).join(&step.name);
    let console = row_dir.join("console.txt");
    let start = Instant::now();
    let (outcome, mut problems) = match execute(step, runner, &row_dir, &console) {
        Ok(outcome) => (Some(outcome), Vec::new()),
        Err(e) => (None, vec![format!("{e:#}")]),
    };
    let seconds = start.elapsed().as_secs_f64();
    let run_dir = results::run_dir(&row_dir.join("store"));
    let mut figures = Figures::default();
    if let Some(outcome) = &outcome {
        problems.extend(results::judge(step, outcome));
        if let Some(r) = &outcome.results {
            figures = Figures::from_results(r);
        }
    }
    let result = RowResult {
        step: step.clone(),
        problems,
        figures,
        seconds,
        run_dir,
        console,
    };
    print_row(&result);
    result
}

fn execute(step: &Step, runner: &Runner, row_dir: &Path, console: &Path) -> Result<Outcome> {
    if row_dir.exists() {
        std::fs::remove_dir_all(row_dir)
            .with_context(|| format!("clearing {}", row_dir.display()))?;
    }
    std::fs::create_dir_all(row_dir)?;
    let log = std::fs::File::create(console)?;
    let mut cmd = command(step, runner, row_dir);
    println!(
        "[table] {}: {}  (about {:.0} s)",
        step.name,
        process::display(&cmd),
        step.estimated_seconds()
    );
    cmd.stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    let mut child = cmd
        .spawn()
        .with_context(|| format!("could not start `{}`", process::display(&cmd)))?;
    let limit = deadline(step);
    let Some(status) = child.wait_timeout(limit)? else {
        let _ = child.kill();
        let _ = child.wait();
        bail!(
            "the runner was still running after {} s and was stopped; see {}",
            limit.as_secs(),
            console.display()
        );
    };
    let console_text = std::fs::read_to_string(console).unwrap_or_default();
    let run_dir = results::run_dir(&row_dir.join("store"));
    let summary = run_dir
        .as_ref()
        .and_then(|dir| std::fs::read_to_string(dir.join("summary.txt")).ok())
        .unwrap_or(console_text);
    let results = match &run_dir {
        Some(dir) => Some(results::read_results(dir)?),
        None => None,
    };
    Ok(Outcome {
        exit_code: status.code(),
        summary,
        results,
    })
}

fn print_row(row: &RowResult) {
    let name = &row.step.name;
    if row.passed() {
        println!("[table] {name}: pass in {:.1} s", row.seconds);
        return;
    }
    println!("[table] {name}: FAIL after {:.1} s", row.seconds);
    for problem in &row.problems {
        println!("[table] {name}:   {problem}");
    }
    let console = std::fs::read_to_string(&row.console).unwrap_or_default();
    let lines: Vec<&str> = console.lines().collect();
    let tail = &lines[lines.len().saturating_sub(15)..];
    if !tail.is_empty() {
        println!("[table] {name}:   last lines of {}:", row.console.display());
        for line in tail {
            println!("[table] {name}:   | {line}");
        }
    }
    if let Some(dir) = &row.run_dir {
        println!("[table] {name}:   run files in {}", dir.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps;

    fn rows(text: &str) -> Vec<Step> {
        steps::parse(text).unwrap()
    }

    fn row(name: &str, time_limit: u32, timed: bool) -> String {
        let targets = if timed {
            "targets = { \"workload.stable-latencies.1\" = \"< 600\" }\n"
        } else {
            ""
        };
        format!(
            "[[step]]\nname = \"{name}\"\ncrate = \"echo\"\nargs = [\"-w\", \"echo\", \
             \"--time-limit\", \"{time_limit}\"]\nseed = 7\nexpect = \"valid\"\n{targets}"
        )
    }

    #[test]
    fn estimates_lanes_plus_rows_alone() {
        let text = [
            row("a", 10, false),
            row("b", 10, false),
            row("c", 20, true),
            row("d", 40, false),
        ]
        .concat();
        let steps = rows(&text);
        // c runs alone (25 s); a, b and d (15, 15, 45 s) share the lanes.
        assert_eq!(estimate_seconds(&steps, 1), 100.0);
        assert_eq!(estimate_seconds(&steps, 2), 25.0 + 45.0);
        assert_eq!(estimate_seconds(&steps, 8), 25.0 + 45.0);
    }

    #[test]
    fn builds_our_runner_command_with_seed_and_own_store() {
        let steps = rows(&row("a", 10, false));
        let cmd = command(&steps[0], &Runner::Ours, Path::new("target/xtask/rows/a"));
        assert_eq!(
            process::display(&cmd),
            "target/release/maelstrom test -w echo --bin target/debug/echo --time-limit 10 \
             --seed 7 --no-progress --store target/xtask/rows/a/store"
        );
    }

    #[test]
    fn a_runner_that_exits_0_without_results_does_not_pass() {
        let s = crate::project::tests::Scratch::new("table");
        let step = rows(&row("a", 10, false)).remove(0);
        // `true` exits 0 like a valid run but writes no results: that is no pass.
        let fake = Runner::Real(PathBuf::from("true"));
        let outcome = execute(
            &step,
            &fake,
            &s.root().join("row"),
            &s.root().join("console.txt"),
        );
        let outcome = outcome.unwrap();
        assert_eq!(outcome.exit_code, Some(0));
        let problems = results::judge(&step, &outcome);
        assert!(
            problems.iter().any(|p| p.contains("no results")),
            "{problems:?}"
        );
    }
}
