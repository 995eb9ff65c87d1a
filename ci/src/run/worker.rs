//! Client threads: each performs operations through its own client and records them in
//! the history.

use std::time::Instant;

use super::Run;
use crate::client::NetClient;
use crate::history::{Completion, Invocation, Op, OpType, Process};
use crate::options;
use crate::workload::{Client, FinalContext};

/// One client thread: its node, its current process number and its client.
pub(super) struct Worker {
    node: String,
    process: u64,
    /// Added to the process number after an indeterminate operation.
    stride: u64,
    client: Option<(Box<dyn Client>, NetClient)>,
}

impl Worker {
    /// Thread `t` is bound to node `t mod N` for the whole run.
    pub(super) fn new(run: &Run<'_>, t: usize, threads: usize) -> Worker {
        Worker {
            node: options::node_of_thread(run.nodes, t).to_string(),
            process: t as u64,
            stride: threads as u64,
            client: None,
        }
    }

    /// Performs one operation, recording its invocation and completion.
    pub(super) fn perform(&mut self, run: &Run<'_>, op: &Invocation, is_final: bool) -> Completion {
        let (client, rpc) = self.client.get_or_insert_with(|| {
            let rpc = NetClient::open(&run.net, &self.node, run.abort.signal());
            ((run.workload.client)(), rpc)
        });
        let process = Process::Client(self.process);
        let history = &run.history;
        history.record(
            OpType::Invoke,
            process,
            &op.f,
            op.value.clone(),
            None,
            is_final,
        );
        let completion = client.invoke(rpc, op);
        let (value, error) = (completion.value.clone(), completion.error.clone());
        history.record(completion.kind, process, &op.f, value, error, is_final);
        if completion.kind == OpType::Info {
            // Nobody knows what happened to that operation, so this thread goes on as
            // a new process, and (unless the client is reusable) with a new client.
            self.process += self.stride;
            if !run.workload.reusable_client {
                self.client = None;
            }
        }
        completion
    }
}

/// What a workload's final phase sees of one client thread.
pub(super) struct FinalThread<'r, 'a> {
    pub(super) run: &'r Run<'a>,
    pub(super) worker: Worker,
    pub(super) started: Instant,
}

impl FinalContext for FinalThread<'_, '_> {
    fn perform(&mut self, op: Invocation, is_final: bool) -> Completion {
        self.worker.perform(self.run, &op, is_final)
    }

    fn history(&self) -> Vec<Op> {
        self.run.history.snapshot()
    }

    fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}
