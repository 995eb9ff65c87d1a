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
pub mod lin_kv;
pub mod pn_counter;
pub mod schema;
pub mod txn_list_append;
pub mod txn_rw_register;
pub mod unique_ids;

use std::time::Duration;

use rand::rngs::StdRng;
use serde_json::Value;

use crate::checker::{RunInfo, Verdict};
use crate::history::Op;
use crate::options::{RunOptions, WorkloadName};
use crate::rpc;

/// The types a workload's parts speak in.
pub use crate::history::{Completion, Invocation};
pub use crate::rpc::{Rpc, RpcFailure};

/// The workload `-w` names.
pub fn for_name(name: WorkloadName) -> Workload {
    match name {
        WorkloadName::Echo => echo::workload(),
        WorkloadName::UniqueIds => unique_ids::workload(),
        WorkloadName::Broadcast => broadcast::workload(),
        WorkloadName::GSet => g_set::workload(),
        WorkloadName::GCounter => g_counter::workload(),
        WorkloadName::PnCounter => pn_counter::workload(),
        WorkloadName::Kafka => kafka::workload(),
        WorkloadName::LinKv => lin_kv::workload(),
        WorkloadName::TxnRwRegister => txn_rw_register::workload(),
        WorkloadName::TxnListAppend => txn_list_append::workload(),
    }
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

/// A closure from the random generator to the next operation is a generator that
/// needs no completions.
impl<F: FnMut(&mut StdRng) -> Option<Invocation> + Send> Generator for F {
    fn next_op(&mut self, rng: &mut StdRng) -> Option<Invocation> {
        self(rng)
    }
}

/// What one thread of the final phase can do: perform operations that are recorded in
/// the history (tagged final where asked), and see the history so far.
pub trait FinalContext {
    fn perform(&mut self, op: Invocation, is_final: bool) -> Completion;
    fn history(&self) -> Vec<Op>;
    /// Seconds since the final phase began.
    fn elapsed(&self) -> f64;
}

/// The final phase of workloads that end with one final read per thread.
pub fn final_read(ctx: &mut dyn FinalContext) {
    ctx.perform(Invocation::new("read", Value::Null), true);
}

/// One of Maelstrom's workloads, described as Maelstrom's workload maps describe one: a
/// client, a generator and a checker, and the parts only some workloads have.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    /// A fresh client for a client thread.
    pub client: fn() -> Box<dyn Client>,
    /// The main phase's operations.
    pub generator: fn(&RunOptions) -> Box<dyn Generator>,
    /// The workload's own checker, over the finished history.
    pub checker: fn(&[Op], &RunInfo) -> Verdict,
    /// Whether a thread keeps its client after an indeterminate (`info`) operation.
    /// Maelstrom opens a fresh client (with a fresh `cN` id) when this is false.
    pub reusable_client: bool,
    /// A request each node gets once before the main phase (broadcast's `topology`).
    pub setup_request: Option<fn(&str, &RunOptions) -> Value>,
    /// One client thread's final operations, for workloads whose run ends with healing,
    /// a 10 s recovery wait and final operations.
    pub final_phase: Option<fn(&mut dyn FinalContext)>,
    /// `f`s that `stats` does not require an ok for (kafka's `crash`).
    pub stats_exempt: &'static [&'static str],
    /// Why this workload cannot run with these options, if it cannot; asked before any
    /// node starts.
    pub check_opts: fn(&RunOptions) -> Result<(), String>,
    /// How long a client waits for each reply.
    pub client_timeout: fn(&RunOptions) -> Duration,
}

impl Workload {
    /// A workload of a client, a generator and a checker only.
    pub fn new(
        client: fn() -> Box<dyn Client>,
        generator: fn(&RunOptions) -> Box<dyn Generator>,
        checker: fn(&[Op], &RunInfo) -> Verdict,
    ) -> Workload {
        Workload {
            client,
            generator,
            checker,
            reusable_client: false,
            setup_request: None,
            final_phase: None,
            stats_exempt: &[],
            check_opts: |_| Ok(()),
            client_timeout: |_| rpc::TIMEOUT,
        }
    }
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
