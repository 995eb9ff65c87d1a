//! Hand-made list histories: one per anomaly the analysis reports, and valid ones.

use serde_json::{Value, json};

use super::check;
use crate::checker::elle::tests::{History, types};
use crate::checker::{Validity, Verdict};
use crate::history::OpType;

fn verdict(h: &History, models: &str) -> Verdict {
    check(&h.ops, models)
}

/// The explanation, one string.
fn said(v: &Verdict) -> String {
    v.explanation.join("\n")
}

/// Appends to two keys, read back in one order by everyone, one at a time.
fn valid_history() -> History {
    let mut h = History::default();
    h.ok(0, json!([["append", 1, 1], ["r", 2, null]]))
        .ok(
            1,
            json!([["r", 1, [1]], ["append", 1, 2], ["append", 2, 1]]),
        )
        .ok(
            0,
            json!([["r", 1, [1, 2]], ["r", 2, [1]], ["append", 1, 3]]),
        )
        .ok(2, json!([["r", 1, [1, 2, 3]], ["r", 3, []]]));
    h
}

#[test]
fn a_serial_history_passes_every_model() {
    for model in [
        "read-uncommitted",
        "read-committed",
        "serializable",
        "strict-serializable",
    ] {
        let v = verdict(&valid_history(), model);
        assert_eq!(v.valid, Validity::Valid, "{model}: {}", said(&v));
        assert!(said(&v).contains("4 transactions (4 ok"), "{}", said(&v));
    }
    let v = verdict(&valid_history(), "strict-serializable");
    assert!(said(&v).contains("realtime"), "{}", said(&v));
}

#[test]
fn info_appends_may_have_happened() {
    let mut h = valid_history();
    h.txn(3, OpType::Info, json!([["append", 4, 1], ["r", 4, null]]))
        .ok(4, json!([["r", 4, [1]]]));
    let v = verdict(&h, "strict-serializable");
    assert_eq!(v.valid, Validity::Valid, "{}", said(&v));
}

/// Two transactions append to two keys; a read shows them in opposite orders.
#[test]
fn appends_interleaved_across_keys_are_g0() {
    let mut h = History::default();
    h.ok(0, json!([["append", 1, 1], ["append", 2, 1]]))
        .ok(1, json!([["append", 1, 2], ["append", 2, 2]]))
        .ok(2, json!([["r", 1, [1, 2]], ["r", 2, [2, 1]]]));
    let v = verdict(&h, "read-uncommitted");
    assert_eq!(types(&v), ["G0"], "{}", said(&v));
    assert_eq!(v.results["not"], json!(["read-uncommitted"]));
    let text = said(&v);
    assert!(
        text.contains("T2 appended 2 to key 1 right after T1's append of 1 (ww)"),
        "{text}"
    );
}

#[test]
fn reading_a_failed_append_is_g1a_and_building_on_it_a_dirty_update() {
    let mut h = valid_history();
    h.txn(3, OpType::Fail, json!([["append", 5, 1]]))
        .ok(4, json!([["r", 5, [1]], ["append", 5, 2]]))
        .ok(4, json!([["r", 5, [1, 2]]]));
    let v = verdict(&h, "read-committed");
    assert_eq!(types(&v), ["G1a", "dirty-update"], "{}", said(&v));
    let text = said(&v);
    assert!(
        text.contains("whose element 1 was appended by the failed op 9"),
        "{text}"
    );
    assert_eq!(v.results["anomalies"]["G1a"][0]["element"], 1);
    assert_eq!(
        v.results["anomalies"]["dirty-update"][0]["values"],
        json!([1, 2])
    );
    assert_eq!(verdict(&h, "read-uncommitted").valid, Validity::Valid);
}

#[test]
fn reading_half_a_transaction_is_g1b() {
    let mut h = valid_history();
    h.ok(3, json!([["append", 5, 1], ["append", 5, 2]]))
        .ok(4, json!([["r", 5, [1]]]));
    let v = verdict(&h, "read-committed");
    assert!(types(&v).contains(&"G1b".to_string()), "{}", said(&v));
    assert!(said(&v).contains("ending in 1, which op 9"), "{}", said(&v));
    // Its own intermediate state is a transaction's to read.
    let mut h = valid_history();
    h.ok(
        3,
        json!([["append", 5, 1], ["r", 5, [1]], ["append", 5, 2]]),
    );
    assert_eq!(verdict(&h, "read-committed").valid, Validity::Valid);
}

/// Each transaction reads the other's append.
#[test]
fn circular_information_flow_is_g1c() {
    let mut h = History::default();
    h.ok(0, json!([["append", 1, 1], ["r", 2, [1]]]))
        .ok(1, json!([["append", 2, 1], ["r", 1, [1]]]));
    let v = verdict(&h, "read-committed");
    assert_eq!(types(&v), ["G1c"], "{}", said(&v));
    let text = said(&v);
    assert!(
        text.contains("read key 2 = [1], ending in T1's append of 1 (wr)")
            || text.contains("read key 1 = [1], ending in T1's append of 1 (wr)"),
        "{text}"
    );
    assert_eq!(verdict(&h, "read-uncommitted").valid, Validity::Valid);
}

/// T2 sees T1's append to one key but not its append to another: read skew.
#[test]
fn seeing_half_of_a_committed_transaction_is_g_single() {
    let mut h = History::default();
    h.ok(0, json!([["append", 1, 1], ["append", 2, 1]]))
        .ok(1, json!([["r", 1, [1]], ["r", 2, null]]))
        .ok(2, json!([["r", 2, [1]]]));
    assert_eq!(verdict(&h, "read-committed").valid, Validity::Valid);
    let v = verdict(&h, "serializable");
    assert_eq!(types(&v), ["G-single-item"], "{}", said(&v));
    assert!(
        said(&v).contains("read key 2 empty (nothing appended yet), so it did not see"),
        "{}",
        said(&v)
    );
    assert_eq!(verdict(&h, "snapshot-isolation").valid, Validity::Invalid);
}

/// Both read both keys empty and append to a different one: write skew.
#[test]
fn write_skew_is_g2_item() {
    let mut h = History::default();
    h.ok(0, json!([["r", 1, null], ["r", 2, null], ["append", 1, 1]]))
        .ok(1, json!([["r", 1, null], ["r", 2, null], ["append", 2, 1]]))
        .ok(2, json!([["r", 1, [1]], ["r", 2, [1]]]));
    let v = verdict(&h, "serializable");
    assert_eq!(types(&v), ["G2-item"], "{}", said(&v));
    assert_eq!(verdict(&h, "snapshot-isolation").valid, Validity::Valid);
}

#[test]
fn two_appends_after_one_read_lose_an_update() {
    let mut h = History::default();
    h.ok(0, json!([["r", 1, null], ["append", 1, 1]]))
        .ok(1, json!([["r", 1, null], ["append", 1, 2]]))
        .ok(2, json!([["r", 1, [1, 2]]]));
    let v = verdict(&h, "repeatable-read");
    assert_eq!(types(&v), ["G-single-item", "lost-update"], "{}", said(&v));
    assert!(said(&v).contains("and then appended to it"), "{}", said(&v));
    assert_eq!(verdict(&h, "read-committed").valid, Validity::Valid);
}

/// The guide's first Datomic node: it sends the transaction back untouched.
#[test]
fn not_seeing_its_own_append_is_internal() {
    let mut h = valid_history();
    h.ok(3, json!([["append", 9, 6], ["r", 9, null]]))
        .ok(4, json!([["r", 9, [6]], ["append", 9, 7], ["r", 9, [6]]]));
    let v = verdict(&h, "serializable");
    assert!(types(&v).contains(&"internal".to_string()), "{}", said(&v));
    let cases = &v.results["anomalies"]["internal"];
    assert_eq!(cases[0]["expected"], json!(["...", 6]));
    assert_eq!(cases[1]["expected"], json!([6, 7]));
    assert!(said(&v).contains("it should end in [6]"), "{}", said(&v));
    let (not, _) = crate::checker::elle::models::boundary(["internal"]);
    assert_eq!(not.into_iter().collect::<Vec<_>>(), ["read-atomic"]);
    assert_eq!(verdict(&h, "read-committed").valid, Validity::Valid);
}

#[test]
fn an_empty_list_then_nil_is_internal_but_nil_then_anything_is_not() {
    let mut h = valid_history();
    h.ok(3, json!([["r", 9, []], ["r", 9, null]]))
        .ok(4, json!([["r", 8, null], ["append", 8, 1], ["r", 8, [1]]]));
    let v = verdict(&h, "serializable");
    assert_eq!(types(&v), ["internal"], "{}", said(&v));
    assert_eq!(v.results["anomaly-counts"]["internal"], 1);
}

/// The guide's mutable-list bug: the read shows appends made later in the transaction.
#[test]
fn reading_an_element_before_appending_it_is_a_future_read() {
    let mut h = valid_history();
    h.ok(
        3,
        json!([["r", 9, [1, 2]], ["append", 9, 1], ["append", 9, 2]]),
    );
    let v = verdict(&h, "serializable");
    assert!(
        types(&v).contains(&"future-read".to_string()),
        "{}",
        said(&v)
    );
    assert!(
        said(&v).contains("which holds 1, before appending 1 itself"),
        "{}",
        said(&v)
    );
}

#[test]
fn an_element_read_twice_is_a_duplicate() {
    let mut h = valid_history();
    h.ok(3, json!([["append", 5, 1]]))
        .ok(4, json!([["r", 5, [1, 1]]]));
    let v = verdict(&h, "read-uncommitted");
    assert_eq!(types(&v), ["duplicate-elements"], "{}", said(&v));
    assert_eq!(
        v.results["anomalies"]["duplicate-elements"][0]["duplicates"],
        json!({"1": 2})
    );
}

/// Two unsynchronized replicas: each key's list differs by node.
#[test]
fn reads_in_different_orders_are_incompatible() {
    let mut h = valid_history();
    h.ok(3, json!([["append", 5, 1]]))
        .ok(4, json!([["append", 5, 2]]))
        .ok(3, json!([["r", 5, [1, 2]]]))
        .ok(4, json!([["r", 5, [2]]]));
    let v = verdict(&h, "read-committed");
    assert!(
        types(&v).contains(&"incompatible-order".to_string()),
        "{}",
        said(&v)
    );
    assert_eq!(
        v.results["anomalies"]["incompatible-order"][0]["values"],
        json!([[2], [1, 2]])
    );
    assert!(said(&v).contains("neither is a prefix of the other"));
    assert!(
        v.results["not"]
            .as_array()
            .unwrap()
            .contains(&json!("read-committed"))
    );
}

/// Elle 0.2.2's `dirty-update-cases` asserts that some transaction appended each element
/// of a key's longest read (`elle:src/elle/list_append.clj`); the assertion escapes
/// Jepsen's checkers, and Maelstrom reports the analysis as unknown.
#[test]
fn an_element_nobody_appended_in_the_longest_read_stops_the_analysis() {
    let mut h = valid_history();
    h.ok(3, json!([["r", 1, [1, 2, 3, 99]]]));
    let v = verdict(&h, "read-uncommitted");
    assert_eq!(v.valid, Validity::Unknown, "{}", said(&v));
    assert_eq!(
        v.results["error"],
        json!("Assert failed: No transaction wrote 1 99\nt2")
    );
    assert!(types(&v).is_empty());
    assert!(said(&v).contains("whose element 99 no transaction appended"));
}

/// Outside the longest read, such an element is no anomaly to Elle: the read's order
/// disagrees with the longest one, and that is what fails the run. The summary notes
/// the element.
#[test]
fn an_element_nobody_appended_elsewhere_shows_as_an_incompatible_order() {
    let mut h = valid_history();
    h.ok(3, json!([["r", 1, [1, 99]]]));
    let v = verdict(&h, "read-committed");
    assert_eq!(v.valid, Validity::Invalid, "{}", said(&v));
    assert_eq!(types(&v), ["incompatible-order"], "{}", said(&v));
    let note = v.explanation.last().unwrap();
    assert!(
        note.contains("1 read(s) returned a value nobody wrote"),
        "{note}"
    );
    assert!(
        note.contains("whose element 99 no transaction appended"),
        "{note}"
    );
}

/// A store that acknowledges an append and loses it: a read that began after the
/// append finished does not show it.
#[test]
fn a_lost_append_is_a_realtime_cycle() {
    let mut h = History::default();
    h.ok(0, json!([["append", 1, 1]]))
        .ok(0, json!([["append", 1, 2]]))
        .ok(1, json!([["r", 1, [1]]]));
    assert_eq!(verdict(&h, "serializable").valid, Validity::Valid);
    let v = verdict(&h, "strict-serializable");
    assert_eq!(types(&v), ["G-single-item-realtime"], "{}", said(&v));
    let text = said(&v);
    assert!(
        text.contains("2 appears in no read, so it can only come after the last element"),
        "{text}"
    );
    assert!(text.contains("completed at"), "{text}");
}

#[test]
fn process_order_is_checked_for_session_models() {
    let mut h = History::default();
    h.ok(0, json!([["append", 1, 1]]))
        .ok(0, json!([["r", 1, null]]));
    let v = verdict(&h, "strong-session-serializable");
    assert_eq!(types(&v), ["G-single-item-process"], "{}", said(&v));
}

#[test]
fn no_dependencies_at_all_is_unknown() {
    let mut h = History::default();
    h.ok(0, json!([["append", 1, 1]]));
    let v = verdict(&h, "read-uncommitted");
    assert_eq!(v.valid, Validity::Unknown);
    assert_eq!(types(&v), ["empty-transaction-graph"]);
}

#[test]
fn appending_one_value_twice_makes_the_result_unknown() {
    let mut h = valid_history();
    h.ok(3, json!([["append", 1, 2]]));
    let v = verdict(&h, "read-committed");
    assert_eq!(v.valid, Validity::Unknown);
    assert!(said(&v).contains("value 2 appended to key 1 multiple times"));
}

#[test]
fn reads_show_lists_and_appends_their_name() {
    let mut h = History::default();
    h.ok(0, json!([["append", 1, 1], ["append", 2, 1]]))
        .ok(1, json!([["append", 1, 2], ["append", 2, 2]]))
        .ok(2, json!([["r", 1, [1, 2]], ["r", 2, [2, 1]]]));
    let v = verdict(&h, "read-uncommitted");
    let op = &v.results["anomalies"]["G0"][0]["cycle"][0]["value"];
    assert_eq!(op[0], json!(["append", 1, 1]));
    assert!(
        said(&v).contains("[append 1 1, append 2 1]"),
        "{}",
        said(&v)
    );
    let _: &Value = op;
}
