//! The echo workload against correct and broken nodes: each broken one must be rejected
//! for its own reason, and the run must end on time whatever the node does.

use std::time::{Duration, Instant};

use crate::common::{args, assert_mentions, node, run, script, verdict_of};
use ci::checker::Validity;
use ci::run::FailureKind;

const SHORT: &str = "-w echo --node-count 1 --time-limit 3 --seed 7";

fn short(bin: &str) -> ci::run::Outcome {
    run(&node(bin), &args(SHORT))
}

/// Asserts the run took less than `secs` seconds.
fn assert_within(started: Instant, secs: u64) {
    let took = started.elapsed();
    assert!(took < Duration::from_secs(secs), "took {took:?}");
}

#[test]
fn a_correct_echo_passes() {
    let out = run(&node("correct_echo"), &args(&format!("{SHORT} --rate 50")));
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
    let out = run(&script("echo.py"), &args(SHORT));
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
}

#[test]
fn an_echo_that_changes_the_text_is_invalid() {
    let out = short("echo_changed");
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(verdict_of(&out, "workload"), false);
    assert_eq!(verdict_of(&out, "protocol"), true);
    assert_mentions(
        &out.summary,
        &["did not get their own text back", "PLEASE ECHO"],
    );
    assert!(out.summary.ends_with("Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻\n"));
}

#[test]
fn printing_garbage_on_stdout_is_a_protocol_violation() {
    let out = short("garbage");
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(verdict_of(&out, "protocol"), false);
    assert_eq!(verdict_of(&out, "workload"), true);
    assert_mentions(
        &out.summary,
        &[
            "got a request: \"Please echo",
            "Troubleshooting › Output that is not a message",
        ],
    );
}

#[test]
fn a_node_that_exits_at_once_fails_the_run_naming_it() {
    let started = Instant::now();
    let out = short("exit_at_once");
    assert_within(started, 8);
    assert_eq!(out.exit_code, 255, "{}", out.summary);
    let failure = out.failure.unwrap();
    assert_eq!(failure.kind, FailureKind::Crash);
    assert_mentions(
        &failure.message,
        &["Node n0 exited with status 3", "giving up before I start"],
    );
}

#[test]
fn a_node_that_crashes_mid_run_ends_it_promptly() {
    let started = Instant::now();
    // A long time limit and a loose bound: a run that waited for the limit would take
    // over 60 s, so finishing within 30 s shows the crash ended it, even on a busy machine.
    let command = "-w echo --node-count 1 --time-limit 60 --rate 20";
    let out = run(&node("crash_after_init"), &args(command));
    assert_within(started, 30);
    assert_eq!(out.exit_code, 255, "{}", out.summary);
    let failure = out.failure.unwrap();
    assert_eq!(failure.kind, FailureKind::Crash);
    assert_mentions(
        &failure.message,
        &["exited with status 4", "out of patience"],
    );
    assert!(out.store.unwrap().join("history.jsonl").is_file());
}

#[test]
fn a_node_that_never_answers_init_fails_within_the_init_timeout() {
    let started = Instant::now();
    let out = short("silent_init");
    assert_within(started, 16);
    assert_eq!(out.exit_code, 255, "{}", out.summary);
    let failure = out.failure.unwrap();
    assert_eq!(failure.kind, FailureKind::Init);
    assert_mentions(
        &failure.message,
        &[
            "n0 did not answer init within 10 s",
            "Troubleshooting › Not answering init",
            // What it wrote on stderr meanwhile.
            "ignoring init",
        ],
    );
}

#[test]
fn a_node_that_never_replies_ends_the_run_on_time() {
    let started = Instant::now();
    let out = short("mute");
    // The time limit, plus at most one client timeout.
    assert_within(started, 3 + 5 + 5);
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(verdict_of(&out, "workload"), false);
    assert_eq!(verdict_of(&out, "stats"), false);
    assert_mentions(
        &out.summary,
        &["no echo_ok came back", "got no reply within 5 s"],
    );
}

#[test]
fn a_reply_without_a_newline_is_named() {
    let out = short("no_newline");
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(verdict_of(&out, "protocol"), false);
    assert_mentions(
        &out.summary,
        &["Troubleshooting › A reply without a trailing newline"],
    );
}

#[test]
fn a_node_that_stops_reading_stdin_is_named() {
    // A thousand requests at once fill the 64 KiB pipe to the node.
    let command = "-w echo --node-count 1 --time-limit 2 --concurrency 1000 --rate 5000";
    let out = run(&node("never_reads"), &args(command));
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_mentions(
        &out.summary,
        &[
            "had not read its stdin",
            "Troubleshooting › A node that blocks its stdin reader",
        ],
    );
}

#[test]
fn replies_without_in_reply_to_are_named() {
    let out = short("no_in_reply_to");
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(verdict_of(&out, "workload"), false);
    assert_mentions(
        &out.summary,
        &[
            "had no in_reply_to",
            "Troubleshooting › A reply without in_reply_to",
        ],
    );
}

/// results.json carries Maelstrom's `perf` result (Jepsen's `checker/perf` in
/// `jepsen/src/jepsen/checker.clj`: the latency and rate plots, `valid? true`), whose
/// plots here are latency.svg and rate.svg.
#[test]
fn results_carry_maelstrom_perf() {
    let out = short("correct_echo");
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
    assert_eq!(
        out.results["perf"],
        serde_json::json!({"latency-graph": {"valid?": true},
                           "rate-graph": {"valid?": true}, "valid?": true})
    );
    let store = out.store.unwrap();
    assert!(store.join("latency.svg").exists() && store.join("rate.svg").exists());
}

/// The summary marks the checks Maelstrom does not have.
#[test]
fn the_summary_marks_the_runners_own_checks() {
    let out = short("correct_echo");
    assert_mentions(
        &out.summary,
        &["  protocol      valid  (this runner's own check; Maelstrom has none)\n"],
    );
    assert!(
        !out.summary.contains("workload      valid  ("),
        "{}",
        out.summary
    );
}
