//! Transactions as the rw-register checker sees them, and the anomalies visible in a
//! single transaction or a pair of them without any graph (Elle's `internal`, `G1a`,
//! `G1b`, `lost-update`; `elle:src/elle/rw_register.clj`, `elle:src/elle/txn.clj`).
//!
//! Keys and values are interned as small integers; `None` stands for JSON `null`, the
//! value of a key nobody has written.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::checker::intern::Interner;
use crate::history::{Op, OpType, Process};

pub type Key = u32;
pub type Val = Option<u32>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum F {
    Read,
    Write,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mop {
    pub f: F,
    pub key: Key,
    pub value: Val,
}

/// One completed transaction: what the node returned if ok, else what was asked.
#[derive(Debug)]
pub struct Txn {
    /// The completion's position in the history.
    pub index: usize,
    pub process: u64,
    pub kind: OpType,
    /// The invocation's position in the history.
    pub invoke_index: usize,
    pub invoke_time: u64,
    pub time: u64,
    pub mops: Vec<Mop>,
}

impl Txn {
    /// The value of each key as the transaction first found it, for keys whose first
    /// micro-op is a read (Jepsen's `ext-reads`).
    pub fn ext_reads(&self) -> Vec<(Key, Val)> {
        let mut seen: Vec<Key> = Vec::new();
        let mut out = Vec::new();
        for mop in &self.mops {
            if !seen.contains(&mop.key) {
                seen.push(mop.key);
                if mop.f == F::Read {
                    out.push((mop.key, mop.value));
                }
            }
        }
        out
    }

    /// The last value the transaction wrote to each key (Jepsen's `ext-writes`).
    pub fn ext_writes(&self) -> Vec<(Key, Val)> {
        let mut out: Vec<(Key, Val)> = Vec::new();
        for mop in self.mops.iter().filter(|m| m.f == F::Write) {
            match out.iter_mut().find(|(k, _)| *k == mop.key) {
                Some(slot) => slot.1 = mop.value,
                None => out.push((mop.key, mop.value)),
            }
        }
        out
    }

    /// Writes overwritten later in the same transaction.
    pub fn intermediate_writes(&self) -> Vec<(Key, Val)> {
        let mut out = Vec::new();
        let mut last: HashMap<Key, usize> = HashMap::new();
        for (i, mop) in self
            .mops
            .iter()
            .enumerate()
            .filter(|(_, m)| m.f == F::Write)
        {
            last.insert(mop.key, i);
        }
        for (i, mop) in self.mops.iter().enumerate() {
            if mop.f == F::Write && last.get(&mop.key) != Some(&i) {
                out.push((mop.key, mop.value));
            }
        }
        out
    }
}

/// The parsed history.
#[derive(Debug, Default)]
pub struct Txns {
    pub txns: Vec<Txn>,
    pub keys: Interner,
    pub values: Interner,
    /// History indexes of txn completions whose value was not a transaction.
    pub unparsed: Vec<usize>,
}

impl Txns {
    pub fn from_history(history: &[Op]) -> Txns {
        let mut out = Txns::default();
        let mut invoked: HashMap<Process, (usize, u64)> = HashMap::new();
        for op in history.iter().filter(|op| op.f == "txn") {
            let Process::Client(process) = op.process else {
                continue;
            };
            if op.kind == OpType::Invoke {
                invoked.insert(op.process, (op.index, op.time));
                continue;
            }
            let (invoke_index, invoke_time) =
                invoked.remove(&op.process).unwrap_or((op.index, op.time));
            match out.parse(&op.value) {
                Some(mops) => out.txns.push(Txn {
                    index: op.index,
                    process,
                    kind: op.kind,
                    invoke_index,
                    invoke_time,
                    time: op.time,
                    mops,
                }),
                None => out.unparsed.push(op.index),
            }
        }
        out
    }

    fn parse(&mut self, value: &Value) -> Option<Vec<Mop>> {
        value
            .as_array()?
            .iter()
            .map(|mop| {
                let [f, k, v] = mop.as_array()?.as_slice() else {
                    return None;
                };
                let f = match f.as_str()? {
                    "r" => F::Read,
                    "w" => F::Write,
                    _ => return None,
                };
                let key = self.keys.intern(k);
                let value = (!v.is_null()).then(|| self.values.intern(v));
                Some(Mop { f, key, value })
            })
            .collect()
    }

    pub fn key(&self, key: Key) -> &Value {
        self.keys.get(key)
    }

    /// The committed transactions, with their positions.
    pub fn oks(&self) -> impl Iterator<Item = (usize, &Txn)> {
        self.txns
            .iter()
            .enumerate()
            .filter(|(_, t)| t.kind == OpType::Ok)
    }

    /// `nil` or the value.
    pub fn value(&self, value: Val) -> String {
        value.map_or("nil".to_string(), |v| self.values.get(v).to_string())
    }

    /// `[r 1 nil, w 2 5]`.
    pub fn show(&self, txn: &Txn) -> String {
        let mops: Vec<String> = txn
            .mops
            .iter()
            .map(|m| {
                let f = if m.f == F::Read { "r" } else { "w" };
                format!("{f} {} {}", self.key(m.key), self.value(m.value))
            })
            .collect();
        format!("[{}]", mops.join(", "))
    }

    /// "op 12 (process 3, ok) [r 1 nil, w 2 5]".
    pub fn describe(&self, t: usize) -> String {
        let txn = &self.txns[t];
        format!(
            "op {} (process {}, {}) {}",
            txn.index,
            txn.process,
            kind_name(txn.kind),
            self.show(txn)
        )
    }
}

pub fn kind_name(kind: OpType) -> &'static str {
    match kind {
        OpType::Invoke => "invoke",
        OpType::Ok => "ok",
        OpType::Fail => "fail",
        OpType::Info => "info",
    }
}

/// A single-transaction or read-from anomaly: which transaction, which micro-op, and
/// (when another transaction is involved) which one.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub txn: usize,
    pub mop: Mop,
    /// The value the transaction should have seen, for `internal`.
    pub expected: Option<Val>,
    /// The other transaction: the failed or intermediate writer.
    pub writer: Option<usize>,
}

/// An ok transaction whose read disagrees with its own earlier read or write of the
/// key. A read of `nil` sets no expectation (Elle's `op-internal-case`).
pub fn internal(txns: &Txns) -> Vec<Case> {
    let mut out = Vec::new();
    for (t, txn) in txns.oks() {
        let mut state: HashMap<Key, Val> = HashMap::new();
        for mop in &txn.mops {
            if mop.f == F::Read
                && let Some(&expected @ Some(_)) = state.get(&mop.key)
                && expected != mop.value
            {
                out.push(Case {
                    txn: t,
                    mop: *mop,
                    expected: Some(expected),
                    writer: None,
                });
                break;
            }
            state.insert(mop.key, mop.value);
        }
    }
    out
}

/// Reads, by ok transactions, of a value some transaction wrote: the writers are found
/// with `writes` (which writes of which transactions count) and `counts` (which
/// transactions).
fn reads_of(
    txns: &Txns,
    counts: impl Fn(&Txn) -> bool,
    writes: impl Fn(&Txn) -> Vec<(Key, Val)>,
) -> Vec<Case> {
    let mut writer: HashMap<(Key, Val), usize> = HashMap::new();
    for (t, txn) in txns.txns.iter().enumerate().filter(|(_, t)| counts(t)) {
        for w in writes(txn) {
            writer.insert(w, t);
        }
    }
    let mut out = Vec::new();
    for (t, txn) in txns.oks() {
        for mop in txn.mops.iter().filter(|m| m.f == F::Read) {
            if let Some(&w) = writer.get(&(mop.key, mop.value))
                && w != t
            {
                out.push(Case {
                    txn: t,
                    mop: *mop,
                    expected: None,
                    writer: Some(w),
                });
            }
        }
    }
    out
}

/// G1a, aborted read: an ok transaction read a value written by a failed one.
pub fn aborted_reads(txns: &Txns) -> Vec<Case> {
    reads_of(
        txns,
        |t| t.kind == OpType::Fail,
        |t| {
            t.mops
                .iter()
                .filter(|m| m.f == F::Write)
                .map(|m| (m.key, m.value))
                .collect()
        },
    )
}

/// G1b, intermediate read: an ok transaction read a value another transaction
/// overwrote before it finished.
pub fn intermediate_reads(txns: &Txns) -> Vec<Case> {
    reads_of(txns, |_| true, Txn::intermediate_writes)
}

/// Reads of a value no transaction ever tried to write. Elle ignores them; the summary
/// mentions them (see `garbage_note` in this checker's module), because a node that
/// invents values (say, 0 for a missing key) is very likely wrong.
pub fn garbage_reads(txns: &Txns) -> Vec<Case> {
    let written: HashSet<(Key, Val)> = txns
        .txns
        .iter()
        .flat_map(|t| t.mops.iter().filter(|m| m.f == F::Write))
        .map(|m| (m.key, m.value))
        .collect();
    let mut out = Vec::new();
    for (t, txn) in txns.oks() {
        for mop in txn
            .mops
            .iter()
            .filter(|m| m.f == F::Read && m.value.is_some())
        {
            if !written.contains(&(mop.key, mop.value)) {
                out.push(Case {
                    txn: t,
                    mop: *mop,
                    expected: None,
                    writer: None,
                });
            }
        }
    }
    out
}

/// Two or more ok transactions that read the same value of a key and then wrote it:
/// each overwrote the other's update (Elle's `lost-update-cases`).
pub struct LostUpdate {
    pub key: Key,
    pub value: Val,
    pub txns: Vec<usize>,
}

pub fn lost_updates(txns: &Txns) -> Vec<LostUpdate> {
    let mut by_read: HashMap<(Key, Val), Vec<usize>> = HashMap::new();
    for (t, txn) in txns.oks() {
        let mut first_read: HashMap<Key, Val> = HashMap::new();
        let mut written: HashSet<Key> = HashSet::new();
        for mop in &txn.mops {
            match (mop.f, first_read.get(&mop.key)) {
                (F::Write, Some(read)) if !written.contains(&mop.key) => {
                    written.insert(mop.key);
                    by_read.entry((mop.key, *read)).or_default().push(t);
                }
                (F::Write, _) => {}
                (F::Read, None) => {
                    first_read.insert(mop.key, mop.value);
                }
                (F::Read, Some(_)) => {}
            }
        }
    }
    let mut out: Vec<LostUpdate> = by_read
        .into_iter()
        .filter(|(_, ts)| ts.len() > 1)
        .map(|((key, value), txns)| LostUpdate { key, value, txns })
        .collect();
    out.sort_by_key(|l| l.txns[0]);
    out
}
