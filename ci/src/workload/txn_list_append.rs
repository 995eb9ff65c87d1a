//! The txn-list-append workload: transactions of reads and appends over keys whose
//! values are lists.
//!
//! Facts from `src/maelstrom/workload/txn_list_append.clj`: the RPC schema (a read
//! returns `["r", k, null or a list]`, an append comes back unchanged), a reusable client,
//! errors through `with-errors` with no idempotent operations, and Jepsen's
//! `jepsen.tests.cycle.append` (`jepsen/src/jepsen/tests/cycle/append.clj`) for the
//! generator (Elle's `append-txns`: `wr-txns` with writes renamed `append`, so each
//! key's appended elements are 1, 2, … up to `--max-writes-per-key`) and the checker
//! (Elle's list-append analysis, [`crate::checker::elle::list_append`], with no
//! wrapper).
//!
//! `{"type":"txn","txn":[["r",1,null],["append",1,6]]}` →
//! `{"type":"txn_ok","txn":[["r",1,[3]],["append",1,6]]}`. The op's value is the
//! transaction: requested on invoke, as the node returned it on ok.

use serde_json::Value;

use super::Workload;
use super::txn_rw_register::{TxnClient, TxnGenerator};
use crate::checker::elle;

/// The txn-list-append workload; its client is reusable.
pub fn workload() -> Workload {
    Workload {
        reusable_client: true,
        ..Workload::new(
            || Box::new(LIST_CLIENT),
            |opts| Box::new(TxnGenerator::new(opts, "append")),
            |history, run| elle::list_append::check(history, &run.consistency_models),
        )
    }
}

const LIST_CLIENT: TxnClient = TxnClient {
    shape: "[\"r\", key, null or a list] or [\"append\", key, element]",
    mop_ok: well_formed,
};

/// `ReadRes` or `Append` of the workload's schema. A read's `[Element]` admits `null`
/// (Prismatic Schema lets `nil` through a sequence schema), which the workload's
/// documentation asks for when a key does not exist.
fn well_formed(mop: &[Value]) -> bool {
    match mop {
        [f, _, v] if f == "r" => v.is_null() || v.is_array(),
        [f, _, _] => f == "append",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::OpType;
    use crate::workload::{Canned, Client, Completion, Invocation, RpcFailure};
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use serde_json::json;

    fn run(reply: Result<Value, RpcFailure>) -> Completion {
        let op = Invocation::new("txn", json!([["r", 1, null], ["append", 1, 6]]));
        let mut client = LIST_CLIENT;
        client.invoke(&mut Canned(reply), &op)
    }

    #[test]
    fn completes_with_what_the_node_returned() {
        for txn in [
            json!([["r", 1, [3]], ["append", 1, 6]]),
            json!([["r", 1, null], ["append", 1, 6]]),
        ] {
            let done = run(Ok(json!({"type": "txn_ok", "txn": txn, "in_reply_to": 1})));
            assert_eq!(done, Completion::ok(txn));
        }
    }

    #[test]
    fn classifies_failures_like_maelstrom() {
        let conflict = RpcFailure::Error {
            code: 30,
            text: "conflict".into(),
        };
        assert_eq!(run(Err(conflict)).kind, OpType::Fail);
        assert_eq!(run(Err(RpcFailure::Timeout)).kind, OpType::Info);
        for bad in [
            json!({"type": "txn_ok", "txn": [["r", 1, 3]]}),
            json!({"type": "txn_ok", "txn": [["w", 1, 2]]}),
            json!({"type": "txn_ok", "txn": [["append", 1]]}),
            json!({"type": "txn_ok", "txn": [], "extra": true}),
        ] {
            assert_eq!(run(Ok(bad.clone())).kind, OpType::Info, "{bad}");
        }
    }

    #[test]
    fn generates_appends_of_unique_elements() {
        let opts = crate::cli::run_options(&["-w", "txn-list-append"]);
        let mut generator = (workload().generator)(&opts);
        let mut rng = StdRng::seed_from_u64(9);
        let mut appended = std::collections::HashSet::new();
        for _ in 0..2_000 {
            let op = generator.next_op(&mut rng).unwrap();
            for mop in op.value.as_array().unwrap() {
                match mop[0].as_str().unwrap() {
                    "r" => assert!(mop[2].is_null()),
                    "append" => assert!(appended.insert((mop[1].clone(), mop[2].clone()))),
                    other => panic!("{other}"),
                }
            }
        }
        assert!(appended.len() > 1000);
    }
}
