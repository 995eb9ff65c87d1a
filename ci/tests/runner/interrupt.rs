//! Ctrl-C during a run: the `maelstrom` command stops the nodes, checks and writes what
//! the run recorded, and exits 255, instead of dying with the run unsaved.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

use crate::common::{self, node};

/// Polls until `done` holds, for at most `limit`.
fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn is_running(bin: &Path) -> bool {
    Command::new("pgrep")
        .arg("-f")
        .arg(bin)
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn ctrl_c_stops_the_nodes_and_keeps_the_run() {
    let scratch = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let dir = scratch.path();
    // A copy under a name of its own, so no other test's nodes are taken for ours.
    let bin = dir.join("interrupted_echo");
    std::fs::copy(node("correct_echo"), &bin).unwrap();
    let store = dir.join("store");

    let mut runner = Command::new(env!("CARGO_BIN_EXE_maelstrom"))
        .args([
            "test",
            "-w",
            "echo",
            "--node-count",
            "3",
            "--time-limit",
            "60",
        ])
        .args(["--rate", "10", "--no-progress", "--store"])
        .arg(&store)
        .arg("--bin")
        .arg(&bin)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once the nodes are up: each has a log file from its start.
    let logs = store.join("latest/node-logs");
    let started = wait_for(Duration::from_secs(30), || {
        std::fs::read_dir(&logs).is_ok_and(|d| d.count() == 3)
    });
    assert!(started, "the nodes never started");
    std::thread::sleep(Duration::from_secs(1));
    let sent = Command::new("kill")
        .args(["-INT", &runner.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());

    let Some(status) = runner.wait_timeout(Duration::from_secs(30)).unwrap() else {
        let _ = runner.kill();
        panic!("the runner did not stop within 30 s of Ctrl-C");
    };
    let mut summary = String::new();
    std::io::Read::read_to_string(&mut runner.stdout.take().unwrap(), &mut summary).unwrap();
    assert_eq!(status.code(), Some(255), "{summary}");
    common::assert_mentions(
        &summary,
        &[
            "Interrupted (Ctrl-C)",
            "Checks:",
            "The test could not run to the end",
        ],
    );
    for file in [
        "results.json",
        "history.jsonl",
        "messages.jsonl",
        "summary.txt",
    ] {
        assert!(store.join("latest").join(file).exists(), "no {file}");
    }
    // As in Maelstrom, `current` names the run too.
    let run = |link: &str| std::fs::canonicalize(store.join(link)).unwrap();
    assert_eq!(run("current"), run("latest"));
    assert!(
        wait_for(Duration::from_secs(5), || !is_running(&bin)),
        "a node is still running after the runner exited"
    );
}
