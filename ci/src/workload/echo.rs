//! The echo workload (Maelstrom's `src/maelstrom/workload/echo.clj`): clients send
//! `{"type":"echo","echo":S}` and expect `{"type":"echo_ok","echo":S}` back.

use rand::Rng;
use rand::rngs::StdRng;
use serde_json::json;

use super::schema::{Field, checked_call};
use super::{Client, Completion, Invocation, Rpc, Workload};
use crate::checker;

/// The echo workload: `"Please echo <n>"`, n uniform in 0…127, forever.
pub fn workload() -> Workload {
    Workload::new(
        || Box::new(EchoClient),
        |_| {
            Box::new(|rng: &mut StdRng| {
                let n: u32 = rng.random_range(0..128);
                Some(Invocation::new("echo", json!(format!("Please echo {n}"))))
            })
        },
        |history, _| checker::echo::check(history),
    )
}

struct EchoClient;

impl Client for EchoClient {
    /// An ok completion's value is the whole reply body, as in Maelstrom; the checker
    /// compares its `echo` with the request.
    fn invoke(&mut self, rpc: &mut dyn Rpc, op: &Invocation) -> Completion {
        let request = json!({"type": "echo", "echo": op.value});
        let reply = checked_call(rpc, request, "echo_ok", &[("echo", Field::Any)]);
        Completion::from_result(op, reply, false)
    }
}
