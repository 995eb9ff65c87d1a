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

/// The runner the rows go through, and the checkout they run in.
#[derive(Debug, Clone)]
pub struct Runner {
    pub kind: Kind,
    /// The repository root: the rows' binaries are built under its `target/debug/`, our
    /// runner is its `target/release/maelstrom`, and the rows write under its
    /// [`ROWS_DIR`]. Empty for the current directory, where `cargo xtask` runs, so the
    /// paths the runner prints stay relative (`target/xtask/rows/echo/store`).
    pub root: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Ours, `target/release/maelstrom`: seeded, quiet, with a store per row.
    Ours,
    /// A real Maelstrom: no seeds, results in `results.edn`, no `summary.txt`.
    Real(PathBuf),
}

/// Our runner, under the root.
const OUR_RUNNER: &str = "target/release/maelstrom";

impl Runner {
    /// Ours, unless `MAELSTROM` names a real one or `--real` asks for the one on PATH;
    /// in the current directory.
    pub fn choose(opts: &RunnerOpts) -> Result<Runner> {
        let runner = |kind| Runner {
            kind,
            root: PathBuf::new(),
        };
        if let Some(path) = std::env::var_os("MAELSTROM").filter(|p| !p.is_empty()) {
            return Ok(runner(Kind::Real(PathBuf::from(path))));
        }
        if !opts.real {
            return Ok(runner(Kind::Ours));
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .map(|dir| dir.join("maelstrom"))
            .find(|candidate| candidate.is_file())
            .map(|found| runner(Kind::Real(found)))
            .context("--real: no `maelstrom` on PATH (or set MAELSTROM=/path/to/maelstrom)")
    }

    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Ours => format!("our runner ({OUR_RUNNER})"),
            Kind::Real(path) => format!("a real Maelstrom ({})", path.display()),
        }
    }

    pub fn is_real(&self) -> bool {
        matches!(self.kind, Kind::Real(_))
    }

    /// Where the row's binary is built, under the root.
    pub fn binary(&self, step: &Step) -> PathBuf {
        self.root.join("target/debug").join(step.binary())
    }

    /// `cargo`, run in the root.
    fn cargo(&self) -> Command {
        let mut cmd = cargo();
        if !self.root.as_os_str().is_empty() {
            cmd.current_dir(&self.root);
        }
        cmd
    }

    /// The command that builds every binary the rows run, in one cargo call: each
    /// package with `-p`, each binary with `--bin` (a row's `bin` is one binary of a
    /// package that has many, such as the runner's test nodes).
    pub fn build_command(&self, steps: &[Step]) -> Option<Command> {
        let mut packages: Vec<&str> = steps.iter().map(|s| s.krate.as_str()).collect();
        let mut binaries: Vec<&str> = steps.iter().map(Step::binary).collect();
        for list in [&mut packages, &mut binaries] {
            list.sort();
            list.dedup();
        }
        if packages.is_empty() {
            return None;
        }
        let mut cmd = self.cargo();
        cmd.arg("build");
        for package in packages {
            cmd.args(["-p", package]);
        }
        for binary in binaries {
            cmd.args(["--bin", binary]);
        }
        Some(cmd)
    }

    /// The command that builds our runner; none for a real Maelstrom.
    pub fn runner_build_command(&self) -> Option<Command> {
        let mut cmd = self.cargo();
        cmd.args(["build", "--release", "-p", "ci", "--bin", "maelstrom"]);
        (self.kind == Kind::Ours).then_some(cmd)
    }
}

/// Builds the runner and every binary the rows test.
pub fn build(steps: &[Step], runner: &Runner) -> Result<bool> {
    let mut ok = true;
    for cmd in [runner.runner_build_command(), runner.build_command(steps)]
        .into_iter()
        .flatten()
    {
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
    if runner.is_real() {
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
    /// What could not be checked (a real Maelstrom's run has no summary of ours).
    pub unchecked: Vec<String>,
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
    let binary = runner.binary(step);
    let mut cmd;
    match &runner.kind {
        Kind::Ours => {
            cmd = Command::new(runner.root.join(OUR_RUNNER));
            cmd.arg("test").args(&workload).arg("--bin").arg(&binary);
            cmd.args(&rest).args(["--seed", &step.seed.to_string()]);
            cmd.arg("--no-progress")
                .arg("--store")
                .arg(row_dir.join("store"));
        }
        Kind::Real(path) => {
            cmd = Command::new(path);
            let binary = std::path::absolute(&binary).unwrap_or(binary);
            cmd.arg("test").args(&workload).arg("--bin").arg(binary);
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
    let row_dir = runner.root.join(ROWS_DIR).join(&step.name);
    let console = row_dir.join("console.txt");
    let start = Instant::now();
    let (outcome, mut problems) = match execute(step, runner, &row_dir, &console) {
        Ok(outcome) => (Some(outcome), Vec::new()),
        Err(e) => (None, vec![format!("{e:#}")]),
    };
    let seconds = start.elapsed().as_secs_f64();
    let run_dir = results::run_dir(&row_dir.join("store"));
    let mut figures = Figures::default();
    let mut unchecked = Vec::new();
    if let Some(outcome) = &outcome {
        problems.extend(results::judge(step, outcome));
        unchecked.extend(results::unchecked(step, outcome));
        if let Some(r) = &outcome.results {
            figures = Figures::from_results(r);
        }
    }
    let result = RowResult {
        step: step.clone(),
        problems,
        unchecked,
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
    let run_dir = results::run_dir(&row_dir.join("store"));
    // A row's `reason` is our summary's wording, which a real Maelstrom does not print.
    let summary = (!runner.is_real()).then(|| {
        run_dir
            .as_ref()
            .and_then(|dir| std::fs::read_to_string(dir.join("summary.txt")).ok())
            .unwrap_or_else(|| std::fs::read_to_string(console).unwrap_or_default())
    });
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
    for note in &row.unchecked {
        println!("[table] {name}: not checked: {note}");
    }
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

    fn ours() -> Runner {
        Runner {
            kind: Kind::Ours,
            root: PathBuf::new(),
        }
    }

    #[test]
    fn builds_our_runner_command_with_seed_and_own_store() {
        let steps = rows(&row("a", 10, false));
        let cmd = command(&steps[0], &ours(), Path::new("target/xtask/rows/a"));
        assert_eq!(
            process::display(&cmd),
            "target/release/maelstrom test -w echo --bin target/debug/echo --time-limit 10 \
             --seed 7 --no-progress --store target/xtask/rows/a/store"
        );
    }

    #[test]
    fn builds_and_runs_a_test_node_by_its_binary() {
        let text = [
            row("a", 10, false),
            row("b", 10, false).replace(
                "crate = \"echo\"",
                "crate = \"test-nodes\"\nbin = \"correct_echo\"",
            ),
            row("c", 10, false).replace("crate = \"echo\"", "crate = \"txn_1\""),
        ]
        .concat();
        let steps = rows(&text);
        let build = ours().build_command(&steps).unwrap();
        assert_eq!(
            process::display(&build),
            "cargo build -p echo -p test-nodes -p txn_1 --bin correct_echo --bin echo --bin txn_1"
        );
        let cmd = command(&steps[1], &ours(), Path::new("rows/b"));
        assert!(
            process::display(&cmd).contains(" --bin target/debug/correct_echo "),
            "{}",
            process::display(&cmd)
        );
        // Another checkout: everything under its root.
        let elsewhere = Runner {
            kind: Kind::Ours,
            root: PathBuf::from("/tmp/clone"),
        };
        let cmd = command(&steps[0], &elsewhere, Path::new("/tmp/clone/rows/a"));
        assert_eq!(cmd.get_program(), "/tmp/clone/target/release/maelstrom");
        assert!(process::display(&cmd).contains(" --bin /tmp/clone/target/debug/echo "));
        assert_eq!(
            elsewhere.build_command(&steps).unwrap().get_current_dir(),
            Some(Path::new("/tmp/clone"))
        );
    }

    /// A row naming one of the runner's test nodes by its binary, built and run as the
    /// table does, in this checkout: a correct echo node passes a short echo run.
    #[test]
    fn a_test_node_row_builds_and_passes() {
        let root = crate::project::root();
        let text = "[[step]]\nname = \"xtask-test-correct-echo\"\ncrate = \"test-nodes\"\n\
                    bin = \"correct_echo\"\nargs = [\"-w\", \"echo\", \"--node-count\", \"1\", \
                    \"--time-limit\", \"3\"]\nseed = 1\nexpect = \"valid\"\n";
        let steps = rows(text);
        let runner = Runner {
            kind: Kind::Ours,
            root: root.clone(),
        };
        let logs = root.join("target/xtask/test-node-row");
        let builds = [runner.runner_build_command(), runner.build_command(&steps)];
        for (i, cmd) in builds.into_iter().flatten().enumerate() {
            let log = logs.join(format!("build-{i}.log"));
            assert!(
                process::run_logged(cmd, &log).unwrap(),
                "see {}",
                log.display()
            );
        }
        let row = run_row(&steps[0], &runner);
        assert!(row.passed(), "{:?}", row.problems);
        assert_eq!(row.figures.ops.map(|n| n > 0.0), Some(true));
        // Its digest covers the test nodes' package.
        crate::manifest::sources_digest(&root, &steps[0]).unwrap();
    }

    #[test]
    fn a_runner_that_exits_0_without_results_does_not_pass() {
        let s = crate::project::tests::Scratch::new("table");
        let step = rows(&row("a", 10, false)).remove(0);
        // `true` exits 0 like a valid run but writes no results: that is no pass.
        let fake = Runner {
            kind: Kind::Real(PathBuf::from("true")),
            root: PathBuf::new(),
        };
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
