//! `cargo xtask check`: every stage in turn, each saying what it does, then one table of
//! what passed and the acceptance rows' key figures.

use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use clap::ValueEnum;

use super::process::{self, cargo};
use super::steps::{self, Step};
use super::table::{self, RowResult, Runner};
use super::{CheckOpts, book, snippets, stale};

/// The stages, in the order `check` runs them: quick static checks first, so a typo is
/// reported in seconds, then builds, tests, the book and the long acceptance table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Stage {
    /// `cargo fmt --all --check`.
    Fmt,
    /// The book's code blocks, includes, anchors and dashes.
    Snippets,
    /// Shown runs and step diffs match the code that produced them.
    Stale,
    /// `cargo build --workspace --all-targets`.
    Build,
    /// `cargo clippy --workspace --all-targets -- -D warnings`.
    Clippy,
    /// `cargo test --workspace`.
    Test,
    /// `mdbook build` and `mdbook test`.
    Book,
    /// Every row of ci/steps.toml.
    Table,
}

const ALL: [Stage; 8] = [
    Stage::Fmt,
    Stage::Snippets,
    Stage::Stale,
    Stage::Build,
    Stage::Clippy,
    Stage::Test,
    Stage::Book,
    Stage::Table,
];

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
    let start = Instant::now();
    let stages: Vec<Stage> = ALL
        .into_iter()
        .filter(|s| {
            if opts.only.is_empty() {
                opts.steps.is_empty() || *s == Stage::Table
            } else {
                opts.only.contains(s)
            }
        })
        .collect();
    let mut results = Vec::new();
    let mut rows = Vec::new();
    for stage in stages {
        println!("\n==> {}: {}", stage.name(), stage.doing());
        let stage_start = Instant::now();
        let (passed, note) = match run_stage(stage, opts, &mut rows) {
            Ok(outcome) => outcome,
            Err(e) => {
                println!("{}: {e:#}", stage.name());
                (false, "could not run".to_string())
            }
        };
        let seconds = stage_start.elapsed().as_secs_f64();
        let verdict = if passed { "passed" } else { "FAILED" };
        println!("==> {}: {verdict} in {}", stage.name(), duration(seconds));
        results.push(StageResult {
            stage,
            passed,
            seconds,
            note,
        });
    }
    let all_passed = results.iter().all(|r| r.passed);
    print_summary(&results, &rows, start.elapsed().as_secs_f64());
    Ok(all_passed)
}

fn run_stage(stage: Stage, opts: &CheckOpts, rows: &mut Vec<RowResult>) -> Result<(bool, String)> {
    let cargo_with = |args: &[&str]| {
        let mut cmd = cargo();
        cmd.args(args);
        process::run(cmd)
    };
    let plain = |passed: bool| (passed, String::new());
    Ok(match stage {
        Stage::Fmt => plain(cargo_with(&["fmt", "--all", "--check"])?),
        Stage::Build => plain(cargo_with(&["build", "--workspace", "--all-targets"])?),
        Stage::Clippy => plain(cargo_with(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])?),
        Stage::Test => plain(cargo_with(&["test", "--workspace"])?),
        Stage::Book => {
            let built = book::build()?;
            plain(built && book::test()?)
        }
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
        Stage::Table => {
            let (passed, found) = run_table(opts)?;
            let failed = found.iter().filter(|r| !r.passed()).count();
            let note = match found.len() {
                0 => "no rows".to_string(),
                n => format!("{}, {failed} failed", count(n, "row")),
            };
            *rows = found;
            (passed, note)
        }
    })
}

fn count(n: usize, what: &str) -> String {
    match n {
        0 => String::new(),
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    }
}

fn run_table(opts: &CheckOpts) -> Result<(bool, Vec<RowResult>)> {
    let all = steps::load(Path::new("."))?;
    for name in &opts.steps {
        if !all.iter().any(|s| s.name == *name) {
            anyhow::bail!("no step named `{name}` in {}", steps::STEPS_FILE);
        }
    }
    let chosen: Vec<Step> = all
        .into_iter()
        .filter(|s| opts.steps.is_empty() || opts.steps.contains(&s.name))
        .collect();
    if chosen.is_empty() {
        println!("the acceptance table has no rows yet");
        return Ok((true, Vec::new()));
    }
    let runner = Runner::choose(&opts.runner)?;
    let serial = chosen.iter().filter(|s| s.serial).count();
    println!(
        "{} rows ({serial} serial, the rest {} at a time) against {}; estimated {}",
        chosen.len(),
        opts.jobs,
        runner.describe(),
        duration(table::estimate_seconds(&chosen, opts.jobs))
    );
    if matches!(runner, Runner::Real(_)) {
        println!("(a real Maelstrom has no --seed: its runs are not reproducible)");
    }
    if !table::build(&chosen, &runner)? {
        println!("the build failed, so no row can run");
        return Ok((false, Vec::new()));
    }
    let start = Instant::now();
    let rows = table::run_rows(&chosen, &runner, opts.jobs);
    println!(
        "the acceptance table took {}",
        duration(start.elapsed().as_secs_f64())
    );
    let passed = rows.iter().all(RowResult::passed);
    Ok((passed, rows))
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
    fn stage_names_match_the_command_line() {
        for stage in ALL {
            let value = stage.to_possible_value().unwrap();
            assert_eq!(value.get_name(), stage.name());
        }
    }
}
