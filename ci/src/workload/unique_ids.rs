//! The unique-ids workload (Maelstrom's `src/maelstrom/workload/unique_ids.clj`):
//! clients send `{"type":"generate"}` and expect `{"type":"generate_ok","id":<any>}`.

use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::schema::{Field, checked_call};
use super::{Client, Completion, Invocation, Rpc, Workload};
use crate::checker;

/// The unique-ids workload. Maelstrom's unique-ids client is reusable: it keeps its
/// `cN` after a timeout.
pub fn workload() -> Workload {
    Workload {
        reusable_client: true,
        ..Workload::new(
            || Box::new(GenerateClient),
            |_| Box::new(|_: &mut StdRng| Some(Invocation::new("generate", Value::Null))),
            |history, _| checker::unique_ids::check(history),
        )
    }
}

struct GenerateClient;

impl Client for GenerateClient {
    /// An ok completion's value is the id the node generated.
    fn invoke(&mut self, rpc: &mut dyn Rpc, op: &Invocation) -> Completion {
        let request = json!({"type": "generate"});
        let id = checked_call(rpc, request, "generate_ok", &[("id", Field::Any)])
            .map(|reply| reply["id"].clone());
        Completion::from_result(op, id, false)
    }
}
