//! The `maelstrom` command refuses what Maelstrom's refuses, with Jepsen's exit status
//! for bad arguments, 254 (`jepsen/src/jepsen/cli.clj`, `run!`), and a message that
//! names the flag.

use std::process::Command;

/// Runs `maelstrom test --bin /bin/true` with `args`: its exit status and stderr.
fn maelstrom_test(args: &[&str]) -> (Option<i32>, String) {
    let store = concat!(env!("CARGO_TARGET_TMPDIR"), "/store");
    let out = Command::new(env!("CARGO_BIN_EXE_maelstrom"))
        .args(["test", "-w", "echo", "--bin", "/bin/true", "--no-progress"])
        .args(["--store", store])
        .args(args)
        .output()
        .expect("running maelstrom");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn an_unknown_nemesis_is_refused() {
    let (code, stderr) = maelstrom_test(&["--nemesis", "partitions"]);
    assert_eq!(code, Some(254), "{stderr}");
    assert!(stderr.contains("--nemesis"), "{stderr}");
    assert!(stderr.contains("partition"), "{stderr}");
}

#[test]
fn values_maelstrom_refuses_are_refused() {
    for args in [
        ["--time-limit", "2.5"],
        ["--node-count", "0"],
        ["--latency", "-5"],
        ["--topology", "ring"],
    ] {
        let (code, stderr) = maelstrom_test(&args);
        assert_eq!(code, Some(254), "{args:?}: {stderr}");
        assert!(stderr.contains(args[0]), "{args:?}: {stderr}");
    }
}
