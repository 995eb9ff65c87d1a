//! The kafka workload with fly.io's single-node command (5a), shortened: a correct log
//! passes, and each broken one fails for its own reason.

mod common;

use ci::checker::Validity;
use ci::run::Outcome;
use common::{node, run};
use serde_json::Value;

/// `-w kafka --node-count 1 --concurrency 2n --rate 1000`, 5 s instead of 20.
fn challenge(bin: &str) -> Outcome {
    let args = [
        "-w",
        "kafka",
        "--node-count",
        "1",
        "--concurrency",
        "2n",
        "--time-limit",
        "5",
        "--rate",
        "1000",
        "--seed",
        "5",
    ];
    run(&node(bin), &args)
}

fn bad_error_types(out: &Outcome) -> Vec<String> {
    let types = &out.results["workload"]["bad-error-types"];
    serde_json::from_value(types.clone()).unwrap_or_default()
}

#[test]
fn a_correct_log_passes() {
    let out = challenge("log_correct");
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
    assert_eq!(out.exit_code, 0);
    assert_eq!(out.results["workload"]["error-types"], Value::Array(vec![]));
    // Every kind of operation happened, and crashes are exempt from stats.
    let by_f = &out.results["stats"]["by-f"];
    for f in ["send", "poll", "assign"] {
        assert!(
            by_f[f]["ok-count"].as_u64().unwrap() > 0,
            "{f}: {}",
            out.summary
        );
    }
    assert_eq!(by_f["crash"]["ok-count"], 0);
    // The final phase crashed both clients, sought to the beginning and polled.
    let history = std::fs::read_to_string(out.store.unwrap().join("history.jsonl")).unwrap();
    assert!(history.contains(r#""seek-to-beginning?":true"#));
    assert!(history.matches(r#""f":"crash""#).count() >= 4);
}

#[test]
fn a_log_that_reuses_offsets_is_inconsistent() {
    let out = challenge("log_reused_offset");
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert!(bad_error_types(&out).contains(&"inconsistent-offsets".into()));
    assert!(
        out.summary.contains("two sends were given the same offset"),
        "{}",
        out.summary
    );
}

#[test]
fn a_log_that_loses_acknowledged_sends_loses_writes() {
    let out = challenge("log_lost_send");
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    let bad = bad_error_types(&out);
    assert!(bad.contains(&"lost-write".into()), "{bad:?}");
    assert!(!bad.contains(&"inconsistent-offsets".into()), "{bad:?}");
    assert!(
        out.summary.contains("never returned by any poll"),
        "{}",
        out.summary
    );
}

#[test]
fn a_log_whose_polls_skip_messages_skips() {
    let out = challenge("log_poll_skip");
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(bad_error_types(&out), ["poll-skip"], "{}", out.summary);
}
