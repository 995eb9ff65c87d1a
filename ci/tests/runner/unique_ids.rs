//! The unique-ids workload, as the challenge runs it (shorter), against correct and
//! broken nodes.

use crate::common::{args, assert_mentions, node, run, verdict_of};
use ci::checker::Validity;

const CHALLENGE: &str = "-w unique-ids --time-limit 4 --rate 1000 --node-count 3 \
    --availability total --nemesis partition --nemesis-interval 1 --seed 11";

#[test]
fn distinct_ids_pass_under_partitions() {
    let out = run(&node("correct_unique_ids"), &args(CHALLENGE));
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
    let acknowledged = out.results["workload"]["acknowledged-count"]
        .as_u64()
        .unwrap();
    assert!(acknowledged > 1000, "{}", out.summary);
    assert_eq!(out.results["availability"]["ok-fraction"], 1.0);
    // The nemesis ran: partitions started at t ≈ 0 and alternated with heals.
    let history = std::fs::read_to_string(out.store.unwrap().join("history.jsonl")).unwrap();
    assert_mentions(
        &history,
        &[
            r#""process":"nemesis","f":"start-partition""#,
            r#""value":"network-healed""#,
        ],
    );
}

#[test]
fn ids_that_repeat_across_nodes_are_invalid() {
    let out = run(&node("unique_ids_repeat"), &args(CHALLENGE));
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(verdict_of(&out, "workload"), false);
    assert_eq!(verdict_of(&out, "availability"), true);
    assert!(
        out.results["workload"]["duplicated-count"]
            .as_u64()
            .unwrap()
            > 100
    );
    assert_mentions(&out.summary, &["ids were handed out more than once"]);
}

#[test]
fn a_node_that_never_replies_fails_total_availability() {
    let command = "-w unique-ids --node-count 3 --time-limit 2 --availability total";
    let out = run(&node("mute"), &args(command));
    assert_eq!(out.exit_code, 1, "{}", out.summary);
    assert_eq!(verdict_of(&out, "availability"), false);
    assert_eq!(verdict_of(&out, "stats"), false);
    // Nothing was acknowledged, so nothing was duplicated.
    assert_eq!(verdict_of(&out, "workload"), true);
    assert_mentions(&out.summary, &["--availability asks for every one"]);
}

/// Maelstrom keeps integers exact at any size (Jackson reads them as `BigInteger`), so
/// ids above 2^64 that differ by one are distinct, and `history.jsonl` keeps their
/// digits.
#[test]
fn distinct_ids_beyond_64_bits_stay_distinct() {
    let out = run(&node("unique_ids_huge"), &args(CHALLENGE));
    assert_eq!(out.valid, Validity::Valid, "{}", out.summary);
    assert_eq!(out.results["workload"]["duplicated-count"], 0);
    let history = std::fs::read_to_string(out.store.unwrap().join("history.jsonl")).unwrap();
    // 2^70 + 3n + 1: the second id n1 handed out.
    assert_mentions(&history, &[r#""value":1180591620717411303428"#]);
    let range = out.results["workload"]["range"].to_string();
    assert!(range.contains("1180591620717411303424"), "{range}");
}
