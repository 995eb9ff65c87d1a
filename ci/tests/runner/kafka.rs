//! The kafka workload with fly.io's single-node command (5a), shortened: a correct log
//! passes, and each broken one fails for its own reason.

use crate::common::{node, run};
use ci::checker::Validity;
use ci::run::Outcome;
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

/// Maelstrom's kafka client runs inside `with-errors` with only `assign` idempotent
/// (`src/maelstrom/workload/kafka.clj`, `invoke!`): a definite error code fails the
/// operation. A poll whose commit then fails is not recorded as a read, yet the client
/// has moved past its messages, so its next poll skips them (Jepsen's
/// `jepsen/src/jepsen/tests/kafka.clj`, `poll-skip+nonmonotonic-cases`).
#[test]
fn a_log_whose_commits_fail_definitely_skips() {
    let out = challenge("log_failed_commit");
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(bad_error_types(&out), ["poll-skip"], "{}", out.summary);
    let by_f = &out.results["stats"]["by-f"];
    assert!(
        by_f["poll"]["fail-count"].as_u64() > Some(0),
        "{}",
        out.summary
    );
}

/// A send answered with a definite error fails; a poll that returns its message anyway
/// is an aborted read (`g1a-cases` in Jepsen's `jepsen/src/jepsen/tests/kafka.clj`).
#[test]
fn a_log_that_keeps_failed_sends_has_aborted_reads() {
    let out = challenge("log_failed_send_kept");
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(bad_error_types(&out), ["G1a"], "{}", out.summary);
    assert!(out.summary.contains("whose send failed"), "{}", out.summary);
}

/// A reply that does not fit its schema escapes kafka's `with-errors` as an exception
/// (`check-body` in `src/maelstrom/client.clj`): the send is indeterminate, and Jepsen's
/// `unhandled-exceptions` checker lists it. The log itself is correct.
#[test]
fn malformed_replies_are_listed_as_exceptions() {
    let out = challenge("log_malformed_send_ok");
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
    let listed = &out.results["exceptions"]["exceptions"];
    assert_eq!(
        listed[0]["class"], "malformed-rpc-response",
        "{}",
        out.summary
    );
    assert_eq!(listed[0]["example"]["f"], "send", "{}", out.summary);
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{}", out.summary);
}
