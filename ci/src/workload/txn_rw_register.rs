//! The txn-rw-register workload: transactions of reads and writes over integer keys.
//!
//! Facts from `src/maelstrom/workload/txn_rw_register.clj` (RPC schema, reusable client,
//! errors through `with-errors` with no idempotent operations, checker options) and
//! `elle:src/elle/txn.clj` (`wr-txns`: transaction length, ½ reads ½ writes, the key
//! pool, unique values).
//!
//! `{"type":"txn","txn":[["r",1,null],["w",1,6]]}` → `{"type":"txn_ok","txn":[["r",1,3],["w",1,6]]}`.
//! The op's value is the transaction: requested on invoke, as the node returned it on ok.

use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::key_pool::{Draw, KeyPool};
use super::schema::{Field, checked_call};
use super::{Client, Completion, Generator, Invocation, Rpc, RpcFailure, Workload};
use crate::checker;
use crate::options::RunOptions;

/// The txn-rw-register workload; its client is reusable.
pub fn workload() -> Workload {
    Workload {
        reusable_client: true,
        ..Workload::new(
            || Box::new(REGISTER_CLIENT),
            |opts| Box::new(TxnGenerator::new(opts, "w")),
            |history, run| checker::elle::check(history, &run.consistency_models),
        )
    }
}

/// The client of both transaction workloads: it sends a `txn` and accepts the reply when
/// each of its micro-ops passes `mop_ok`. Maelstrom does not check that they match the
/// request.
pub struct TxnClient {
    /// What a micro-op of the reply must look like, for the malformed reply's message.
    pub shape: &'static str,
    pub mop_ok: fn(&[Value]) -> bool,
}

const REGISTER_CLIENT: TxnClient = TxnClient {
    shape: "[\"r\" or \"w\", key, value]",
    mop_ok: |mop| matches!(mop, [f, _, _] if f == "r" || f == "w"),
};

impl Client for TxnClient {
    fn invoke(&mut self, rpc: &mut dyn Rpc, op: &Invocation) -> Completion {
        let request = json!({"type": "txn", "txn": op.value});
        let reply = checked_call(rpc, request, "txn_ok", &[("txn", Field::Array)])
            .and_then(|reply| self.txn_of(&reply));
        Completion::from_result(op, reply, false)
    }
}

impl TxnClient {
    /// The reply's `txn`, if each of its micro-ops passes `mop_ok`.
    fn txn_of(&self, reply: &Value) -> Result<Value, RpcFailure> {
        let txn = &reply["txn"];
        let well_formed = txn.as_array().is_some_and(|mops| {
            mops.iter()
                .all(|mop| mop.as_array().is_some_and(|m| (self.mop_ok)(m)))
        });
        if !well_formed {
            return Err(RpcFailure::Malformed(format!(
                "`txn` must be a list of {} in reply {reply}",
                self.shape
            )));
        }
        Ok(txn.clone())
    }
}

/// Elle's `wr-txns`: 1 to `--max-txn-length` micro-ops, each a read or a write of a key
/// from the pool; writes carry the key's next unique value. txn-list-append's appends
/// are these writes, renamed (Elle's `append-txns` in `list_append.clj`).
pub struct TxnGenerator {
    pool: KeyPool,
    max_length: usize,
    /// `w` or `append`.
    write: &'static str,
}

impl TxnGenerator {
    pub fn new(opts: &RunOptions, write: &'static str) -> TxnGenerator {
        TxnGenerator {
            pool: KeyPool::new(opts.key_count, opts.max_writes_per_key),
            max_length: opts.max_txn_length.max(1),
            write,
        }
    }
}

impl Generator for TxnGenerator {
    fn next_op(&mut self, rng: &mut StdRng) -> Option<Invocation> {
        let length = rng.random_range(1..=self.max_length);
        let mops: Vec<Value> = (0..length)
            .map(|_| match self.pool.draw(rng) {
                Draw::Read(key) => json!(["r", key, null]),
                Draw::Write(key, value) => json!([self.write, key, value]),
            })
            .collect();
        Some(Invocation::new("txn", json!(mops)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::OpType;
    use crate::workload::Canned;
    use rand::SeedableRng;
    use std::collections::HashSet;

    fn run(reply: Result<Value, RpcFailure>) -> Completion {
        let op = Invocation::new("txn", json!([["r", 1, null], ["w", 1, 6]]));
        let mut client = REGISTER_CLIENT;
        client.invoke(&mut Canned(reply), &op)
    }

    #[test]
    fn completes_with_what_the_node_returned() {
        let txn = json!([["r", 1, 3], ["w", 1, 6]]);
        let done = run(Ok(json!({"type": "txn_ok", "txn": txn, "in_reply_to": 1})));
        assert_eq!(done, Completion::ok(txn));
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
            json!({"type": "txn_ok", "txn": [["r", 1]]}),
            json!({"type": "txn_ok", "txn": [["x", 1, 2]]}),
            json!({"type": "txn_ok", "txn": [], "extra": true}),
        ] {
            assert_eq!(run(Ok(bad.clone())).kind, OpType::Info, "{bad}");
        }
    }

    #[test]
    fn generates_short_transactions_with_unique_writes() {
        let mut generator = TxnGenerator {
            pool: KeyPool::new(10, 16),
            max_length: 4,
            write: "w",
        };
        let mut rng = StdRng::seed_from_u64(9);
        let mut writes = HashSet::new();
        let (mut reads, mut total, mut lengths) = (0, 0, HashSet::new());
        for _ in 0..5_000 {
            let op = generator.next_op(&mut rng).unwrap();
            let mops = op.value.as_array().unwrap();
            lengths.insert(mops.len());
            for mop in mops {
                total += 1;
                if mop[0] == "r" {
                    reads += 1;
                    assert!(mop[2].is_null());
                } else {
                    assert!(writes.insert((mop[1].clone(), mop[2].clone())), "{mop}");
                }
            }
        }
        assert_eq!(lengths, HashSet::from([1, 2, 3, 4]));
        assert!((reads as f64 / total as f64 - 0.5).abs() < 0.03);
    }
}
