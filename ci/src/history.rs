//! The history: every operation a client invoked and how it completed, in order.
//!
//! Checkers read nothing else. The shape follows Maelstrom's `history.edn`: each
//! operation appears twice, once as `invoke` and once as `ok`, `fail` or `info`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::rpc::{ErrorCode, RpcFailure};
use crate::sync::lock;

/// How an operation entry came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OpType {
    /// A client started the operation.
    Invoke,
    /// It completed and certainly happened.
    Ok,
    /// It completed and certainly did not happen.
    Fail,
    /// Nobody knows whether it happened (a timeout, an indefinite error).
    Info,
}

/// Who performed an operation: a client process number, or the nemesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Process {
    Client(u64),
    Nemesis,
}

impl Serialize for Process {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Process::Client(n) => s.serialize_u64(*n),
            Process::Nemesis => s.serialize_str("nemesis"),
        }
    }
}

impl<'de> Deserialize<'de> for Process {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Number(n) if n.is_u64() => Ok(Process::Client(n.as_u64().unwrap_or(0))),
            Value::String(s) if s == "nemesis" => Ok(Process::Nemesis),
            other => Err(serde::de::Error::custom(format!("not a process: {other}"))),
        }
    }
}

/// One entry of the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Op {
    /// Position in the history, dense from 0.
    pub index: usize,
    /// Nanoseconds since the start of the main phase.
    pub time: u64,
    #[serde(rename = "type")]
    pub kind: OpType,
    pub process: Process,
    /// The operation's function: `echo`, `generate`, `broadcast`, `read`, `add`, `send`,
    /// `poll`, `assign`, `crash`, `txn`, `start-partition`, ...
    pub f: String,
    /// On `invoke`, what was asked; on `ok`, what was observed; otherwise the request.
    pub value: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    /// Set on the reads of a workload's final phase.
    #[serde(rename = "final?", default, skip_serializing_if = "std::ops::Not::not")]
    pub is_final: bool,
}

#[cfg(test)]
impl Op {
    /// A client entry for hand-written test histories, timed one per millisecond.
    pub(crate) fn client(index: usize, kind: OpType, process: u64, f: &str, value: Value) -> Op {
        Op {
            index,
            time: index as u64 * 1_000_000,
            kind,
            process: Process::Client(process),
            f: f.into(),
            value,
            error: None,
            is_final: false,
        }
    }
}

impl Op {
    pub fn is_client(&self) -> bool {
        matches!(self.process, Process::Client(_))
    }
}

/// An operation to perform: its function and the value asked for. It enters the
/// history as an `invoke` entry.
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

/// How an operation ended: the history's `ok`, `fail` or `info` entry for it.
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

    /// Maelstrom's rule (`client.clj`, `with-errors`) for a failed RPC: definite errors
    /// fail; timeouts and indefinite errors fail only when `f` is idempotent, otherwise
    /// they are `info`; malformed replies are always `info`.
    pub fn from_failure(value: Value, failure: &RpcFailure, idempotent: bool) -> Completion {
        match failure {
            RpcFailure::Timeout if idempotent => Completion::fail(value, "net-timeout".into()),
            RpcFailure::Timeout => Completion::info(value, "net-timeout".into()),
            RpcFailure::Error { code, text } => {
                let error = serde_json::json!([ErrorCode::name_of(*code), text]);
                if ErrorCode::is_definite(*code) || idempotent {
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

/// An invocation and its completion, if it completed.
#[derive(Debug, Clone, Copy)]
pub struct Pair<'a> {
    pub invoke: &'a Op,
    pub completion: Option<&'a Op>,
}

/// Pairs every client invocation with its completion: the next entry of the same
/// process. Pairs come in invocation order.
pub fn pairs(history: &[Op]) -> Vec<Pair<'_>> {
    let mut open: std::collections::HashMap<Process, usize> = Default::default();
    let mut out: Vec<Pair<'_>> = Vec::new();
    for op in history.iter().filter(|op| op.is_client()) {
        if op.kind == OpType::Invoke {
            open.insert(op.process, out.len());
            out.push(Pair {
                invoke: op,
                completion: None,
            });
        } else if let Some(i) = open.remove(&op.process) {
            out[i].completion = Some(op);
        }
    }
    out
}

/// Appends entries to a history as they happen, from any thread: each gets the next
/// index and the current time, taken under one lock so times never go backwards.
#[derive(Debug)]
pub struct Recorder {
    clock: std::sync::Arc<crate::clock::Clock>,
    ops: std::sync::Mutex<Vec<Op>>,
    completed: std::sync::atomic::AtomicU64,
    not_ok: std::sync::atomic::AtomicU64,
}

impl Recorder {
    pub fn new(clock: std::sync::Arc<crate::clock::Clock>) -> Recorder {
        Recorder {
            clock,
            ops: Default::default(),
            completed: Default::default(),
            not_ok: Default::default(),
        }
    }

    /// Records one entry.
    pub fn record(
        &self,
        kind: OpType,
        process: Process,
        f: &str,
        value: Value,
        error: Option<Value>,
        is_final: bool,
    ) {
        use std::sync::atomic::Ordering::Relaxed;
        if process != Process::Nemesis && kind != OpType::Invoke {
            self.completed.fetch_add(1, Relaxed);
            if kind != OpType::Ok {
                self.not_ok.fetch_add(1, Relaxed);
            }
        }
        let mut ops = lock(&self.ops);
        let op = Op {
            index: ops.len(),
            time: self.clock.history_nanos(),
            kind,
            process,
            f: f.to_string(),
            value,
            error,
            is_final,
        };
        ops.push(op);
    }

    /// Client operations completed so far, and how many of them were not ok.
    pub fn progress(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.completed.load(Relaxed), self.not_ok.load(Relaxed))
    }

    /// A copy of the history so far.
    pub fn snapshot(&self) -> Vec<Op> {
        lock(&self.ops).clone()
    }

    /// The history, leaving this recorder empty.
    pub fn take(&self) -> Vec<Op> {
        std::mem::take(&mut *lock(&self.ops))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn op_round_trips_with_maelstrom_key_names() {
        let op = Op {
            index: 3,
            time: 1_000,
            kind: OpType::Ok,
            process: Process::Client(2),
            f: "read".into(),
            value: json!([1, 2]),
            error: None,
            is_final: true,
        };
        let v = serde_json::to_value(&op).unwrap();
        assert_eq!(v["type"], "ok");
        assert_eq!(v["final?"], true);
        assert_eq!(v["process"], 2);
        assert_eq!(serde_json::from_value::<Op>(v).unwrap(), op);
        let nemesis = json!({"index": 0, "time": 0, "type": "info", "process": "nemesis",
            "f": "start-partition", "value": "majority"});
        assert_eq!(
            serde_json::from_value::<Op>(nemesis).unwrap().process,
            Process::Nemesis
        );
    }

    #[test]
    fn failures_classify_like_maelstrom() {
        let v = Value::Null;
        let classify = |failure: RpcFailure, idempotent| {
            Completion::from_failure(v.clone(), &failure, idempotent).kind
        };
        let error = |code| RpcFailure::Error {
            code,
            text: String::new(),
        };
        assert_eq!(classify(RpcFailure::Timeout, false), OpType::Info);
        assert_eq!(classify(RpcFailure::Timeout, true), OpType::Fail);
        assert_eq!(classify(error(11), false), OpType::Fail);
        assert_eq!(classify(error(13), false), OpType::Info);
        assert_eq!(classify(error(1000), false), OpType::Info);
        assert_eq!(classify(error(1000), true), OpType::Fail);
    }

    #[test]
    fn pairs_match_completions_by_process() {
        let op = |index, kind, process| Op::client(index, kind, process, "echo", Value::Null);
        let h = vec![
            op(0, OpType::Invoke, 0),
            op(1, OpType::Invoke, 1),
            op(2, OpType::Ok, 1),
            op(3, OpType::Info, 0),
            op(4, OpType::Invoke, 2),
        ];
        let p = pairs(&h);
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].completion.unwrap().index, 3);
        assert_eq!(p[1].completion.unwrap().index, 2);
        assert!(p[2].completion.is_none());
    }
}
