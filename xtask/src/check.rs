//! `cargo xtask check`: every stage, each saying what it does, then one table of what
//! passed and the acceptance rows' key figures.
//!
//! The stages share their work, so a fresh clone is checked in minutes rather than half an
//! hour: one debug build serves xtask itself, `build` and `test`; one release build of the
//! runner serves every row; the rows that are not timing-sensitive run many at a time
//! while clippy, the tests and the book run (such rows mostly wait on their time limit);
//! the timing-sensitive rows run last, one by one, with nothing else running.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Instant;

use anyhow::{Result, bail};
use clap::ValueEnum;

use super::process::{self, cargo};
use super::steps::{self, Step};
use super::table::{self, RowResult, Runner};
use super::{CheckOpts, book, project, snippets, stale, workshop};

/// The stages, in the order `check` starts them: quick static checks first, so a typo is
/// reported in seconds, then the build, then clippy, the tests and the book beside the
/// acceptance table's light rows, and last its timing-sensitive rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Stage {
    /// `cargo fmt --all --check`, leaving out your own crates in workshop/.
    Fmt,
    /// The book's code blocks, includes, anchors and dashes.
    Snippets,
    /// Shown runs and step diffs match the code that produced them.
    Stale,
    /// `cargo build --workspace --all-targets` (but your crates in workshop/).
    Build,
    /// `cargo clippy --workspace --all-targets -- -D warnings` (but workshop/).
    Clippy,
    /// `cargo test --workspace`, eight tests of a program at a time (but workshop/).
    Test,
    /// `mdbook build` and `mdbook test`.
    Book,
    /// Every row of ci/steps.toml (with `--quick`, only the short ones).
    Table,
}

impl Stage {
    fn name(self) -> &'static str {
        match self {
            Stage::Fmt => "fmt",
            Stage::Snippets => "snippets",
            Stage::Stale => "stale",
            Stage::Build => "build",
            Stage::Clippy => "clippy",
            Stage::Test => "test",
            Stage::Book => "book",
            Stage::Table => "table",
        }
    }

    fn doing(self) -> &'static str {
        match self {
            Stage::Fmt => "checking formatting",
            Stage::Snippets => "checking the book's code blocks, includes and anchors",
            Stage::Stale => "checking shown runs and step diffs are current",
            Stage::Build => "building every crate",
            Stage::Clippy => "linting every crate",
            Stage::Test => "running unit and runner tests",
            Stage::Book => "building and testing the book",
            Stage::Table => "running the acceptance table",
        }
    }
}

struct StageResult {
    stage: Stage,
    passed: bool,
    seconds: f64,
    note: String,
}

pub fn run(opts: &CheckOpts) -> Result<bool> {
    if opts.mine {
        // Before anything runs: a row the reader cannot run is a mistake to hear at once.
        if opts.steps.is_empty() {
            let all = steps::load(Path::new(""))?;
            let yours = workshop::rows_to_try(Path::new(""), &all)?;
            bail!(
                "--mine runs the rows you name with --step; {}",
                if yours.is_empty() {
                    "you have started no crate yet (`cargo xtask start <step>`)".to_string()
                } else {
                    format!(
                        "the rows of the steps you started are: {}",
                        yours.join(", ")
                    )
                }
            );
        }
        let rows = chosen_rows(opts)?;
        println!(
            "check --mine: {}",
            rows.iter()
                .map(|r| format!("row `{}` runs target/debug/{}", r.name, r.binary()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let start = Instant::now();
    let selected = |stage: &Stage| {
        if opts.only.is_empty() {
            opts.steps.is_empty() || *stage == Stage::Table
        } else {
            opts.only.contains(stage)
        }
    };
    let mdbook = if selected(&Stage::Book) {
        MdBook::start()
    } else {
        MdBook::none()
    };
    let mut results = Vec::new();
    for stage in [Stage::Fmt, Stage::Snippets, Stage::Stale, Stage::Build] {
        if selected(&stage) {
            results.push(timed(stage, || run_stage(stage, &mdbook)));
        }
    }
    let beside: Vec<Stage> = [Stage::Clippy, Stage::Test, Stage::Book]
        .into_iter()
        .filter(selected)
        .collect();
    let mut rows = Vec::new();
    if selected(&Stage::Table) {
        let (table, mut found) = run_table(opts, &beside, &mdbook, &mut results);
        rows.append(&mut found);
        results.push(table);
    } else {
        for stage in beside {
            results.push(timed(stage, || run_stage(stage, &mdbook)));
        }
    }
    let all_passed = results.iter().all(|r| r.passed);
    print_summary(&results, &rows, start.elapsed().as_secs_f64());
    Ok(all_passed)
}

/// Runs a stage between its announcement and its verdict.
fn timed(stage: Stage, run: impl FnOnce() -> Result<(bool, String)>) -> StageResult {
    println!("\n==> {}: {}", stage.name(), stage.doing());
    let start = Instant::now();
    let (passed, note) = run().unwrap_or_else(|e| {
        println!("{}: {e:#}", stage.name());
        (false, "could not run".to_string())
    });
    let seconds = start.elapsed().as_secs_f64();
    let verdict = if passed { "passed" } else { "FAILED" };
    println!("==> {}: {verdict} in {}", stage.name(), duration(seconds));
    StageResult {
        stage,
        passed,
        seconds,
        note,
    }
}

/// mdBook, found or being installed in the background while the builds run: compiling it
/// takes minutes, which the builds' single-threaded stretches and the rows' waiting
/// absorb.
struct MdBook(Mutex<Option<JoinHandle<Result<PathBuf>>>>);

impl MdBook {
    fn none() -> MdBook {
        MdBook(Mutex::new(None))
    }

    fn start() -> MdBook {
        let handle = std::thread::spawn(|| match book::find_mdbook() {
            Some(found) => Ok(found),
            None => book::install_mdbook(Some(Path::new(INSTALL_LOG))),
        });
        MdBook(Mutex::new(Some(handle)))
    }

    /// The program, once found or installed.
    fn get(&self) -> Result<PathBuf> {
        let handle = self.0.lock().expect("mdbook lock").take();
        match handle {
            Some(handle) => handle.join().expect("the mdbook install panicked"),
            None => book::ensure_mdbook(),
        }
    }
}

const INSTALL_LOG: &str = "target/tools/install-mdbook.log";

/// The cargo command of a stage that runs one, as words after `cargo`. The reader's own
/// crates in workshop/ are left out: they are work in progress, not the project's.
fn cargo_words(stage: Stage, root: &Path) -> Result<Vec<String>> {
    let yours = project::workshop_crates(root)?;
    let mut words: Vec<String> = Vec::new();
    let mut push = |list: &[&str]| words.extend(list.iter().map(|w| w.to_string()));
    let workspace = |words: &mut Vec<String>| {
        words.push("--workspace".into());
        for package in yours.keys() {
            words.extend(["--exclude".into(), package.clone()]);
        }
    };
    match stage {
        // `cargo fmt` has no --exclude: name every other package instead.
        Stage::Fmt if !yours.is_empty() => {
            push(&["fmt", "--check"]);
            let all = project::workspace_crates(root)?;
            for package in all.keys().filter(|p| !yours.contains_key(*p)) {
                words.extend(["-p".into(), package.clone()]);
            }
        }
        Stage::Fmt => push(&["fmt", "--all", "--check"]),
        // Every target in the test profile, so `test` only runs what this built.
        Stage::Build => {
            push(&["build"]);
            workspace(&mut words);
            words.push("--all-targets".into());
        }
        Stage::Clippy => {
            push(&["clippy"]);
            workspace(&mut words);
            words.extend(["--all-targets", "--", "-D", "warnings"].map(String::from));
        }
        // The runner's integration tests mostly wait on their runs' time limits, so more
        // of them at once than there are cores: eight cut this stage from 237 s to 139 s
        // on two cores (`cargo test --workspace`, same build, same machine). They are one
        // test program (ci/tests/runner/) because cargo runs programs one at a time.
        Stage::Test => {
            push(&["test"]);
            workspace(&mut words);
            words.extend(["--", "--test-threads", TEST_THREADS].map(String::from));
        }
        _ => bail!("stage {} runs no cargo command", stage.name()),
    }
    Ok(words)
}

fn run_stage(stage: Stage, mdbook: &MdBook) -> Result<(bool, String)> {
    let plain = |passed: bool| (passed, String::new());
    Ok(match stage {
        Stage::Fmt | Stage::Build | Stage::Clippy | Stage::Test => {
            let mut cmd = cargo();
            cmd.args(cargo_words(stage, Path::new(""))?);
            plain(process::run(cmd)?)
        }
        Stage::Book => plain(book::build_and_test(&mdbook.get()?)?),
        Stage::Snippets => {
            let problems = snippets::check_book(Path::new("src"))?;
            snippets::report(&problems);
            (problems.is_empty(), count(problems.len(), "problem"))
        }
        Stage::Stale => {
            let problems = stale::check(Path::new("."))?;
            if problems.is_empty() {
                println!("stale: every shown run and step diff is current");
            }
            for problem in &problems {
                println!("{problem}");
            }
            (problems.is_empty(), count(problems.len(), "problem"))
        }
        Stage::Table => unreachable!("the table is run by run_table"),
    })
}

fn count(n: usize, what: &str) -> String {
    match n {
        0 => String::new(),
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    }
}

/// How many tests of one test program run at once.
const TEST_THREADS: &str = "8";

/// How many rows run side by side unless `--jobs` says otherwise. Our runner's rows mostly
/// wait on their time limit: a 25-node broadcast row used 6 to 14 CPU-seconds over its
/// 33 s, a kafka row 18, a 3-node unique-ids row 7 (measured with `/usr/bin/time cargo
/// xtask check --step <row>`), so eight at a time keep about a core and a half busy and
/// the table's 47 light rows take about three minutes. A real Maelstrom's JVM keeps a
/// core busy on its own.
const JOBS_OURS: usize = 8;
const JOBS_REAL: usize = 2;

/// `--quick` keeps the rows of at most this many seconds of test time.
const QUICK_TIME_LIMIT: f64 = 10.0;

/// The rows `--step` and `--quick` leave, each run against the reader's crate with
/// `--mine`.
fn chosen_rows(opts: &CheckOpts) -> Result<Vec<Step>> {
    let root = Path::new("");
    let all = steps::load(root)?;
    for name in &opts.steps {
        if !all.iter().any(|s| s.name == *name) {
            bail!("no step named `{name}` in {}", steps::STEPS_FILE);
        }
    }
    let rows = all
        .into_iter()
        .filter(|s| opts.steps.is_empty() || opts.steps.contains(&s.name))
        .filter(|s| !opts.quick || s.time_limit() <= QUICK_TIME_LIMIT);
    if opts.mine {
        rows.map(|row| workshop::mine(root, &row)).collect()
    } else {
        Ok(rows.collect())
    }
}

/// The acceptance table, with the `beside` stages run while its light rows run: those
/// rows mostly sleep, so clippy, the tests and the book lose little to them, and their
/// verdicts do not depend on a quiet machine. The timing-sensitive rows run last, one by
/// one, with nothing else running. Returns the table's result and its rows.
fn run_table(
    opts: &CheckOpts,
    beside: &[Stage],
    mdbook: &MdBook,
    results: &mut Vec<StageResult>,
) -> (StageResult, Vec<RowResult>) {
    let start = Instant::now();
    println!("\n==> table: {}", Stage::Table.doing());
    let prepared = prepare_table(opts);
    let table = match &prepared {
        Ok(Some(table)) => Some(table),
        Ok(None) => None,
        Err(e) => {
            println!("table: {e:#}");
            None
        }
    };
    let (light, alone): (Vec<&Step>, Vec<&Step>) = match table {
        Some(t) => t.rows.iter().partition(|s| !s.timing_sensitive()),
        None => (Vec::new(), Vec::new()),
    };
    let mut phases = Vec::new();
    let mut rows = std::thread::scope(|scope| {
        let side = table.filter(|_| !light.is_empty()).map(|t| {
            println!(
                "table: {} rows side by side, {} at a time, in the background",
                light.len(),
                t.jobs
            );
            scope.spawn(|| {
                let start = Instant::now();
                let rows = table::run_rows(&light, &t.runner, t.jobs);
                let took = duration(start.elapsed().as_secs_f64());
                println!("table: the {} rows side by side took {took}", rows.len());
                (rows, format!("{} side by side in {took}", light.len()))
            })
        });
        for &stage in beside {
            results.push(timed(stage, || run_stage(stage, mdbook)));
        }
        side.map_or_else(Vec::new, |h| {
            let (rows, phase) = h.join().expect("the table's rows panicked");
            phases.push(phase);
            rows
        })
    });
    if let Some(t) = table.filter(|_| !alone.is_empty()) {
        println!(
            "\n==> table: {}, one at a time with nothing beside them",
            count(alone.len(), "timing-sensitive row")
        );
        let start = Instant::now();
        rows.extend(table::run_rows(&alone, &t.runner, 1));
        let took = duration(start.elapsed().as_secs_f64());
        phases.push(format!("{} alone in {took}", alone.len()));
    }
    if let Some(t) = table {
        let place = |r: &RowResult| t.rows.iter().position(|s| s.name == r.step.name);
        rows.sort_by_key(place);
    }
    let seconds = start.elapsed().as_secs_f64();
    let failed = rows.iter().filter(|r| !r.passed()).count();
    let (passed, note) = match prepared {
        Err(_) => (false, "could not run".to_string()),
        Ok(None) => (true, "no rows".to_string()),
        Ok(Some(t)) if !t.built => (false, "the build failed".to_string()),
        Ok(Some(_)) => (
            failed == 0,
            format!(
                "{}, {failed} failed ({})",
                count(rows.len(), "row"),
                phases.join(", ")
            ),
        ),
    };
    let verdict = if passed { "passed" } else { "FAILED" };
    println!("==> table: {verdict} in {}", duration(seconds));
    let result = StageResult {
        stage: Stage::Table,
        passed,
        seconds,
        note,
    };
    (result, rows)
}

/// The table's rows, the runner they go through, and the build of both.
struct Table {
    rows: Vec<Step>,
    runner: Runner,
    jobs: usize,
    /// False when the build failed: then no row runs.
    built: bool,
}

fn prepare_table(opts: &CheckOpts) -> Result<Option<Table>> {
    let mut rows = chosen_rows(opts)?;
    if rows.is_empty() {
        println!("the acceptance table has no rows to run");
        return Ok(None);
    }
    let runner = Runner::choose(&opts.runner)?;
    let jobs = opts.jobs.unwrap_or(if runner.is_real() {
        JOBS_REAL
    } else {
        JOBS_OURS
    });
    let alone = rows.iter().filter(|s| s.timing_sensitive()).count();
    println!(
        "{} rows ({} side by side, {alone} alone) against {}; estimated {}",
        rows.len(),
        rows.len() - alone,
        runner.describe(),
        duration(table::estimate_seconds(&rows, jobs))
    );
    if runner.is_real() {
        println!(
            "(a real Maelstrom has no --seed: its runs are not reproducible; a row is judged \
             by its verdict and targets, its `reason` being our runner's wording)"
        );
    }
    let built = table::build(&rows, &runner)?;
    if !built {
        println!("the build failed, so no row can run");
        rows.clear();
    }
    Ok(Some(Table {
        rows,
        runner,
        jobs,
        built,
    }))
}

/// `75.2` → `1 min 15 s`.
pub fn duration(seconds: f64) -> String {
    if seconds < 60.0 {
        format!("{seconds:.1} s")
    } else {
        let whole = seconds.round() as u64;
        format!("{} min {} s", whole / 60, whole % 60)
    }
}

fn figure(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "-".to_string(), |v| format!("{v:.decimals$}"))
}

fn print_summary(stages: &[StageResult], rows: &[RowResult], seconds: f64) {
    println!("\n==> summary");
    println!("{:<10} {:<6} {:>12}  notes", "stage", "result", "time");
    for r in stages {
        println!(
            "{:<10} {:<6} {:>12}  {}",
            r.stage.name(),
            if r.passed { "pass" } else { "FAIL" },
            duration(r.seconds),
            r.note
        );
    }
    if !rows.is_empty() {
        let width = rows
            .iter()
            .map(|r| r.step.name.len())
            .max()
            .unwrap_or(4)
            .max(4);
        println!(
            "\n{:<width$} {:<8} {:<6} {:>7} {:>8} {:>6} {:>8} {:>8} {:>8}",
            "step", "expect", "result", "ops", "msgs/op", "avail", "lat p50", "lat max", "time"
        );
        for r in rows {
            let f = &r.figures;
            println!(
                "{:<width$} {:<8} {:<6} {:>7} {:>8} {:>6} {:>8} {:>8} {:>8}",
                r.step.name,
                format!("{:?}", r.step.expect).to_lowercase(),
                if r.passed() { "pass" } else { "FAIL" },
                figure(f.ops, 0),
                figure(f.msgs_per_op, 2),
                figure(f.availability, 3),
                figure(f.latency_median, 0),
                figure(f.latency_max, 0),
                duration(r.seconds),
            );
        }
        println!("(latencies: workload.stable-latencies in ms; msgs/op: net.servers)");
    }
    let failed: Vec<&str> = stages
        .iter()
        .filter(|r| !r.passed)
        .map(|r| r.stage.name())
        .collect();
    if failed.is_empty() {
        println!("\ncheck: everything passed in {}", duration(seconds));
    } else {
        println!(
            "\ncheck: FAILED ({}) after {}",
            failed.join(", "),
            duration(seconds)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_durations() {
        assert_eq!(duration(4.25), "4.2 s");
        assert_eq!(duration(75.2), "1 min 15 s");
    }

    #[test]
    fn the_readers_crates_are_left_out_of_the_projects_stages() {
        let s = crate::project::tests::Scratch::new("check");
        s.write("solutions/echo/Cargo.toml", "[package]\nname = \"echo\"\n");
        s.write("xtask/Cargo.toml", "[package]\nname = \"xtask\"\n");
        s.write(
            "Cargo.toml",
            "[workspace]\nmembers = [\"xtask\", \"solutions/*\", \"workshop/*\"]\n",
        );
        s.write("workshop/README.md", "");
        let words = |stage| cargo_words(stage, s.root()).unwrap().join(" ");
        assert_eq!(words(Stage::Fmt), "fmt --all --check");
        assert_eq!(words(Stage::Build), "build --workspace --all-targets");

        s.write(
            "workshop/echo/Cargo.toml",
            "[package]\nname = \"my_echo\"\n",
        );
        assert_eq!(words(Stage::Fmt), "fmt --check -p echo -p xtask");
        assert_eq!(
            words(Stage::Build),
            "build --workspace --exclude my_echo --all-targets"
        );
        assert_eq!(
            words(Stage::Clippy),
            "clippy --workspace --exclude my_echo --all-targets -- -D warnings"
        );
        assert_eq!(
            words(Stage::Test),
            "test --workspace --exclude my_echo -- --test-threads 8"
        );
    }

    #[test]
    fn stage_names_match_the_command_line() {
        for stage in Stage::value_variants().iter().copied() {
            let value = stage.to_possible_value().unwrap();
            assert_eq!(value.get_name(), stage.name());
        }
    }
}
