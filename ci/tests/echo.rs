//! The echo workload against correct and broken nodes.

mod common;

use std::time::{Duration, Instant};

use ci::checker::Validity;
use ci::run::FailureKind;
use common::{node, run, script, verdict_of};

const SHORT: &[&str] = &[
    "-w",
    "echo",
    "--node-count",
    "1",
    "--time-limit",
    "3",
    "--seed",
    "7",
];

#[test]
fn a_correct_echo_passes() {
    let out = run(&node("correct_echo"), &[SHORT, &["--rate", "50"]].concat());
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
    assert_eq!(out.exit_code, 0);
    assert!(out.summary.ends_with("Everything looks good! ヽ(‘ー`)ノ\n"));
    let ok = out.results["stats"]["ok-count"].as_u64().unwrap();
    assert!(ok > 50, "{}", out.summary);
    // Every op is one request and one reply, plus init and init_ok.
    assert_eq!(out.results["net"]["clients"]["msg-count"], 2 * ok + 2);
    let store = out.store.unwrap();
    for file in [
        "results.json",
        "history.jsonl",
        "messages.jsonl",
        "summary.txt",
    ] {
        assert!(store.join(file).is_file(), "{file} missing");
    }
    assert!(store.join("node-logs/n0.log").is_file());
}

#[test]
fn a_python_echo_passes_too() {
    let out = run(&script("echo.py"), SHORT);
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
}

#[test]
fn an_echo_that_changes_the_text_is_invalid() {
    let out = run(&node("echo_changed"), SHORT);
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(verdict_of(&out, "workload"), false);
    assert_eq!(verdict_of(&out, "protocol"), true);
    assert!(
        out.summary.contains("did not get their own text back"),
        "{}",
        out.summary
    );
    assert!(out.summary.contains("PLEASE ECHO"), "{}", out.summary);
    assert!(out.summary.ends_with("Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻\n"));
}

#[test]
fn printing_garbage_on_stdout_is_a_protocol_violation() {
    let out = run(&node("garbage"), SHORT);
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(verdict_of(&out, "protocol"), false);
    assert_eq!(verdict_of(&out, "workload"), true);
    assert!(
        out.summary.contains("got a request: \"Please echo"),
        "{}",
        out.summary
    );
    assert!(
        out.summary
            .contains("Troubleshooting › Output that is not a message")
    );
}

#[test]
fn a_node_that_exits_at_once_fails_the_run_naming_it() {
    let started = Instant::now();
    let out = run(&node("exit_at_once"), SHORT);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(out.exit_code, 255, "{}", out.summary);
    let failure = out.failure.unwrap();
    assert_eq!(failure.kind, FailureKind::Crash);
    assert!(
        failure.message.contains("Node n0 exited with status 3"),
        "{}",
        failure.message
    );
    assert!(
        failure.message.contains("giving up before I start"),
        "{}",
        failure.message
    );
}

#[test]
fn a_node_that_crashes_mid_run_ends_it_promptly() {
    let started = Instant::now();
    let args = [
        "-w",
        "echo",
        "--node-count",
        "1",
        "--time-limit",
        "20",
        "--rate",
        "20",
    ];
    let out = run(&node("crash_after_init"), &args);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.exit_code, 255, "{}", out.summary);
    let failure = out.failure.unwrap();
    assert_eq!(failure.kind, FailureKind::Crash);
    assert!(
        failure.message.contains("exited with status 4"),
        "{}",
        failure.message
    );
    assert!(
        failure.message.contains("out of patience"),
        "{}",
        failure.message
    );
    assert!(out.store.unwrap().join("history.jsonl").is_file());
}

#[test]
fn a_node_that_never_answers_init_fails_within_the_init_timeout() {
    let started = Instant::now();
    let out = run(&node("silent_init"), SHORT);
    assert!(
        started.elapsed() < Duration::from_secs(13),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.exit_code, 255, "{}", out.summary);
    let failure = out.failure.unwrap();
    assert_eq!(failure.kind, FailureKind::Init);
    assert!(
        failure
            .message
            .contains("n0 did not answer init within 10 s")
    );
    assert!(
        failure
            .message
            .contains("Troubleshooting › Not answering init")
    );
    assert!(
        failure.message.contains("ignoring init"),
        "{}",
        failure.message
    );
}

#[test]
fn a_node_that_never_replies_ends_the_run_on_time() {
    let started = Instant::now();
    let out = run(&node("mute"), SHORT);
    // The time limit, plus at most one client timeout.
    assert!(
        started.elapsed() < Duration::from_secs(3 + 5 + 2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(verdict_of(&out, "workload"), false);
    assert_eq!(verdict_of(&out, "stats"), false);
    assert!(
        out.summary.contains("no echo_ok came back"),
        "{}",
        out.summary
    );
    assert!(
        out.summary.contains("got no reply within 5 s"),
        "{}",
        out.summary
    );
}

#[test]
fn a_reply_without_a_newline_is_named() {
    let out = run(&node("no_newline"), SHORT);
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(verdict_of(&out, "protocol"), false);
    assert!(
        out.summary
            .contains("Troubleshooting › A reply without a trailing newline"),
        "{}",
        out.summary
    );
}

#[test]
fn a_node_that_stops_reading_stdin_is_named() {
    // A thousand requests at once fill the 64 KiB pipe to the node.
    let args = [
        "-w",
        "echo",
        "--node-count",
        "1",
        "--time-limit",
        "2",
        "--concurrency",
        "1000",
    ];
    let out = run(
        &node("never_reads"),
        &[&args[..], &["--rate", "5000"]].concat(),
    );
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert!(
        out.summary.contains("had not read its stdin")
            && out
                .summary
                .contains("Troubleshooting › A node that blocks its stdin reader"),
        "{}",
        out.summary
    );
}

#[test]
fn replies_without_in_reply_to_are_named() {
    let out = run(&node("no_in_reply_to"), SHORT);
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(verdict_of(&out, "workload"), false);
    assert!(
        out.summary.contains("had no in_reply_to")
            && out
                .summary
                .contains("Troubleshooting › A reply without in_reply_to"),
        "{}",
        out.summary
    );
}
