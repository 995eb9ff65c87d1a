//! Workloads: what clients ask the nodes, and how each answer becomes a history entry.
//!
//! A workload is three things: a [`Generator`] of operations for the main phase, a
//! per-thread [`Client`] that performs one operation through RPCs to its node, and a
//! checker run over the finished history. The engine (`crate::run`) does the rest:
//! scheduling at `--rate`, timestamps, process numbers, the final phase's timing.

pub mod broadcast;
pub mod echo;
pub mod g_counter;
pub mod g_set;
pub mod kafka;
pub mod key_pool;
pub mod pn_counter;
pub mod schema;
pub mod txn_list_append;
pub mod txn_rw_register;
pub mod unique_ids;

use rand::rngs::StdRng;
use serde_json::Value;

use crate::checker::Verdict;
use crate::cli::{TestOpts, WorkloadName};
use crate::history::{Op, OpType};

/// The workload `-w` names.
pub fn for_name(name: WorkloadName) -> Box<dyn Workload> {
    match name {
        WorkloadName::Echo => Box::new(echo::Echo),
        WorkloadName::UniqueIds => Box::new(unique_ids::UniqueIds),
        WorkloadName::Broadcast => Box::new(broadcast::Broadcast),
        WorkloadName::GCounter => Box::new(pn_counter::Counter::grow_only()),
        WorkloadName::GSet => Box::new(g_set::GSet),
        WorkloadName::PnCounter => Box::new(pn_counter::Counter::pn()),
        WorkloadName::Kafka => Box::new(kafka::Kafka),
        WorkloadName::TxnListAppend => Box::new(txn_list_append::TxnListAppend),
        WorkloadName::TxnRwRegister => Box::new(txn_rw_register::TxnRwRegister),
    }
}

/// An operation to perform: its function and the value asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    pub f: String,
    pub value: Value,
}

impl Invocation {
    pub fn new(f: &str, value: Value) -> Invocation {
        Invocation {
            f: f.to_string(),
            value,
        }
    }
}

/// How an operation ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub kind: OpType,
    pub value: Value,
    pub error: Option<Value>,
}

impl Completion {
    pub fn ok(value: Value) -> Completion {
        Completion {
            kind: OpType::Ok,
            value,
            error: None,
        }
    }

    pub fn fail(value: Value, error: Value) -> Completion {
        Completion {
            kind: OpType::Fail,
            value,
            error: Some(error),
        }
    }

    pub fn info(value: Value, error: Value) -> Completion {
        Completion {
            kind: OpType::Info,
            value,
            error: Some(error),
        }
    }
}

/// Why an RPC from a client to a node gave no normal reply.
#[derive(Debug, Clone, PartialEq)]
pub enum RpcFailure {
    /// No reply within the timeout.
    Timeout,
    /// An error body: `{"type":"error","code":..,"text":..}`.
    Error { code: u64, text: String },
    /// A reply that does not fit the RPC's response schema.
    Malformed(String),
}

/// Maelstrom's definite error codes: the operation certainly did not happen.
pub fn is_definite(code: u64) -> bool {
    matches!(code, 1 | 10 | 11 | 12 | 14 | 20 | 21 | 22 | 30)
}

/// Maelstrom's name for an error code (`:unknown` for codes it does not know).
pub fn error_name(code: u64) -> &'static str {
    match code {
        0 => "timeout",
        1 => "node-not-found",
        10 => "not-supported",
        11 => "temporarily-unavailable",
        12 => "malformed-request",
        13 => "crash",
        14 => "abort",
        20 => "key-does-not-exist",
        21 => "key-already-exists",
        22 => "precondition-failed",
        30 => "txn-conflict",
        _ => "unknown",
    }
}

impl Completion {
    /// Maelstrom's rule (`client.clj`, `with-errors`) for a failed RPC: definite errors
    /// fail; timeouts and indefinite errors fail only when `f` is idempotent, otherwise
    /// they are `info`; malformed replies are always `info`.
    pub fn from_failure(value: Value, failure: &RpcFailure, idempotent: bool) -> Completion {
        match failure {
            RpcFailure::Timeout if idempotent => Completion::fail(value, "net-timeout".into()),
            RpcFailure::Timeout => Completion::info(value, "net-timeout".into()),
            RpcFailure::Error { code, text } => {
                let error = serde_json::json!([error_name(*code), text]);
                if is_definite(*code) || idempotent {
                    Completion::fail(value, error)
                } else {
                    Completion::info(value, error)
                }
            }
            RpcFailure::Malformed(why) => {
                Completion::info(value, serde_json::json!(["malformed-response", why]))
            }
        }
    }

    /// For clients that, like Maelstrom's g-set and counter clients, call the node
    /// outside `with-errors` (`client.clj`): any failure throws, and Jepsen records an
    /// operation that threw as `info`, whatever the error was.
    pub fn from_thrown(op: &Invocation, result: Result<Value, RpcFailure>) -> Completion {
        match result {
            Ok(value) => Completion::ok(value),
            Err(failure) => Completion {
                kind: OpType::Info,
                ..Completion::from_failure(op.value.clone(), &failure, false)
            },
        }
    }

    /// `op` completed with what the node returned, or by [`Completion::from_failure`].
    pub fn from_result(
        op: &Invocation,
        result: Result<Value, RpcFailure>,
        idempotent: bool,
    ) -> Completion {
        match result {
            Ok(value) => Completion::ok(value),
            Err(failure) => Completion::from_failure(op.value.clone(), &failure, idempotent),
        }
    }
}

/// Sends requests to one node on behalf of one client thread (implemented by the engine).
pub trait Rpc {
    /// The node this client talks to.
    fn node(&self) -> &str;
    /// Sends `body` (a JSON object with `type`; `msg_id` is added) to the node and waits
    /// up to Maelstrom's 5 s client timeout for the reply body.
    fn call(&mut self, body: Value) -> Result<Value, RpcFailure>;
}

/// Performs operations for one client thread.
pub trait Client: Send {
    fn invoke(&mut self, rpc: &mut dyn Rpc, op: &Invocation) -> Completion;
}

/// Produces the main phase's operations. Called from one scheduler thread, so it may
/// keep state (key pools, counters) without locks.
pub trait Generator: Send {
    /// The next operation, or `None` when this generator has no more.
    fn next_op(&mut self, rng: &mut StdRng) -> Option<Invocation>;

    /// Sees every completed operation, for generators that adapt to what happened.
    fn observe(&mut self, _invocation: &Invocation, _completion: &Completion) {}
}

/// What one thread of the final phase can do: perform operations that are recorded in
/// the history (tagged final where asked), and see the history so far.
pub trait FinalContext {
    fn perform(&mut self, op: Invocation, is_final: bool) -> Completion;
    fn history(&self) -> Vec<Op>;
    /// Seconds since the final phase began.
    fn elapsed(&self) -> f64;
}

/// One of Maelstrom's workloads.
pub trait Workload: Send + Sync {
    /// Maelstrom's name, e.g. `unique-ids`.
    fn name(&self) -> &'static str;

    /// Whether a thread keeps its client after an indeterminate (`info`) operation.
    /// Maelstrom opens a fresh client (with a fresh `cN` id) when this is false.
    fn reusable_client(&self) -> bool;

    fn new_client(&self) -> Box<dyn Client>;

    fn generator(&self, opts: &TestOpts) -> Box<dyn Generator>;

    /// A request each node gets once before the main phase (broadcast's `topology`).
    fn setup_request(&self, _node: &str, _opts: &TestOpts) -> Option<Value> {
        None
    }

    /// Whether the run ends with healing, a 10 s recovery wait and final operations.
    fn has_final_phase(&self) -> bool {
        false
    }

    /// One thread's final operations.
    fn final_phase(&self, _ctx: &mut dyn FinalContext) {}

    /// `f`s that `stats` does not require an ok for (kafka's `crash`).
    fn stats_exempt(&self) -> &'static [&'static str] {
        &[]
    }

    /// The workload's own checker.
    fn check(&self, history: &[Op], opts: &TestOpts) -> Verdict;
}

/// An [`Rpc`] for client unit tests: answers every call with one canned reply.
#[cfg(test)]
pub(crate) struct Canned(pub Result<Value, RpcFailure>);

#[cfg(test)]
impl Rpc for Canned {
    fn node(&self) -> &str {
        "n0"
    }
    fn call(&mut self, _body: Value) -> Result<Value, RpcFailure> {
        self.0.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_classify_like_maelstrom() {
        let v = Value::Null;
        let timeout = RpcFailure::Timeout;
        assert_eq!(
            Completion::from_failure(v.clone(), &timeout, false).kind,
            OpType::Info
        );
        assert_eq!(
            Completion::from_failure(v.clone(), &timeout, true).kind,
            OpType::Fail
        );
        let definite = RpcFailure::Error {
            code: 11,
            text: "busy".into(),
        };
        assert_eq!(
            Completion::from_failure(v.clone(), &definite, false).kind,
            OpType::Fail
        );
        let crash = RpcFailure::Error {
            code: 13,
            text: String::new(),
        };
        assert_eq!(
            Completion::from_failure(v.clone(), &crash, false).kind,
            OpType::Info
        );
        let user = RpcFailure::Error {
            code: 1000,
            text: String::new(),
        };
        assert_eq!(Completion::from_failure(v, &user, false).kind, OpType::Info);
    }
}
