//! Shared by the runner's tests: building the test nodes and running the engine.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use ci::cli::{Cli, Command as Sub};
use ci::run::Outcome;
use clap::Parser;

/// The target directory the tests were built in.
fn target_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/tmp has a parent")
        .to_path_buf()
}

/// Path of a test node binary, built once per test process.
pub fn node(name: &str) -> String {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "-p", "test-nodes", "--target-dir"])
            .arg(target_dir())
            .status()
            .expect("running cargo build");
        assert!(status.success(), "cargo build -p test-nodes failed");
    });
    target_dir().join("debug").join(name).display().to_string()
}

/// A script in `ci/tests/nodes/`.
pub fn script(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/nodes")
        .join(name)
        .display()
        .to_string()
}

/// Runs `maelstrom test` with these arguments (plus a private store and no progress
/// line) as a library call.
pub fn run(bin: &str, args: &[&str]) -> Outcome {
    let store = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("store");
    let mut argv = vec![
        "maelstrom",
        "test",
        "--bin",
        bin,
        "--no-progress",
        "--store",
    ];
    let store = store.display().to_string();
    argv.push(&store);
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(&argv).expect("valid arguments");
    let Sub::Test(opts) = cli.command else {
        panic!("not a test command")
    };
    ci::run::test(&opts)
}

/// The explanation lines of one checker in the results' summary.
pub fn verdict_of<'a>(outcome: &'a Outcome, key: &str) -> &'a serde_json::Value {
    &outcome.results[key]["valid?"]
}

/// Asserts that `text` contains every one of `needles`, showing `text` if not.
pub fn assert_mentions(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "no {needle:?} in:\n{text}");
    }
}

/// A command line's words: `args("-w echo --node-count 1")`.
pub fn args(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// Asserts that the run's partitions were real: some grudge the nemesis put in force (read
/// back from the run's history) cut some node off.
pub fn assert_partitioned(out: &Outcome) {
    use ci::history::{Op, Process};
    let store = out.store.as_ref().expect("a store directory");
    let text = std::fs::read_to_string(store.join("history.jsonl")).expect("history.jsonl");
    let cuts: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str::<Op>(line).expect("a history entry"))
        .filter(|op| op.process == Process::Nemesis && op.value[0] == "isolated")
        .map(|op| op.value[1].clone())
        .collect();
    assert!(
        cuts.iter().any(|g| g
            .as_object()
            .unwrap()
            .values()
            .any(|senders| senders.as_array().is_some_and(|s| !s.is_empty()))),
        "no partition in {cuts:?}"
    );
}
