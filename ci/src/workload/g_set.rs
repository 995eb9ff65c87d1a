//! `g-set`: clients add the elements 0, 1, 2, … to a grow-only set shared by all nodes
//! and read it; every acknowledged element must eventually be in every node's reads.
//!
//! Follows `src/maelstrom/workload/g_set.clj`: `{"type": "add", "element": e}` →
//! `add_ok`; `{"type": "read"}` → `{"type": "read_ok", "value": [e, …]}`. Half the
//! operations are adds, half reads (the same mix as broadcast); after the main phase
//! every client thread reads once more (not marked final), and Jepsen's set-full
//! checker judges the history with `add` as the add. The client calls the node outside
//! `with-errors`, so every failed operation, read or add, is `info`.

use serde_json::Value;

use super::broadcast::SetGenerator;
use super::schema::{Field, read_field, send_value};
use super::{Client, Completion, FinalContext, Invocation, Rpc, RpcFailure, Workload};
use crate::checker::set_full;

/// The grow-only set workload: each thread ends with one more read.
pub fn workload() -> Workload {
    Workload {
        final_phase: Some(final_unmarked_read),
        ..Workload::new(
            || Box::new(GSetClient),
            |_| Box::new(SetGenerator::new("add")),
            |history, run| set_full::check(history, "add", run),
        )
    }
}

/// `(gen/each-thread {:f :read})`: unlike broadcast's, these reads carry no `final?`;
/// set-full does not look at it.
fn final_unmarked_read(ctx: &mut dyn FinalContext) {
    ctx.perform(Invocation::new("read", Value::Null), false);
}

/// Sends `add` and `read` to one node.
#[derive(Debug)]
pub struct GSetClient;

impl Client for GSetClient {
    fn invoke(&mut self, rpc: &mut dyn Rpc, op: &Invocation) -> Completion {
        let outcome = match op.f.as_str() {
            "add" => send_value(rpc, "add", "element", &op.value),
            "read" => read_field(rpc, "value", Field::Array),
            other => Err(RpcFailure::Malformed(format!("unknown operation {other}"))),
        };
        match outcome {
            Ok(value) => Completion::ok(value),
            // g_set.clj's client has no `with-errors`: whatever went wrong escapes as an
            // exception, and nobody knows whether the add happened.
            Err(failure) => Completion::exception(op.value.clone(), &failure),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::OpType;
    use crate::workload::{Canned, Generator};
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use serde_json::json;

    fn invoke(f: &str, value: Value, reply: Result<Value, RpcFailure>) -> Completion {
        GSetClient.invoke(&mut Canned(reply), &Invocation::new(f, value))
    }

    #[test]
    fn adds_elements_and_reads_the_value_array() {
        let add = invoke(
            "add",
            json!(7),
            Ok(json!({"type": "add_ok", "in_reply_to": 1})),
        );
        assert_eq!(add, Completion::ok(json!(7)));
        let read = invoke(
            "read",
            Value::Null,
            Ok(json!({"type": "read_ok", "value": [7, 1]})),
        );
        assert_eq!(read, Completion::ok(json!([7, 1])));
    }

    #[test]
    fn failures_and_bad_replies_are_indeterminate() {
        let definite = RpcFailure::Error {
            code: 11,
            text: "later".into(),
        };
        for failure in [RpcFailure::Timeout, definite] {
            assert_eq!(
                invoke("add", json!(3), Err(failure.clone())).kind,
                OpType::Info
            );
            assert_eq!(invoke("read", Value::Null, Err(failure)).kind, OpType::Info);
        }
        // Broadcast's field name is not g-set's.
        let wrong = invoke(
            "read",
            Value::Null,
            Ok(json!({"type": "read_ok", "messages": [1]})),
        );
        assert_eq!(wrong.kind, OpType::Info);
    }

    #[test]
    fn generates_half_adds_of_fresh_elements() {
        let mut generator = SetGenerator::new("add");
        let mut rng = StdRng::seed_from_u64(3);
        let ops: Vec<Invocation> = (0..2000)
            .map(|_| generator.next_op(&mut rng).unwrap())
            .collect();
        let adds: Vec<u64> = ops
            .iter()
            .filter(|op| op.f == "add")
            .map(|op| op.value.as_u64().unwrap())
            .collect();
        assert!((900..1100).contains(&adds.len()));
        assert_eq!(adds, (0..adds.len() as u64).collect::<Vec<_>>());
    }
}
