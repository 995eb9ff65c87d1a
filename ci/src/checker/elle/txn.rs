//! Transactions as the Elle checkers see them, and the anomalies visible in a single
//! transaction or a pair of them without any graph (Elle's `internal`, `G1a`, `G1b`,
//! `lost-update`; `elle:src/elle/rw_register.clj`, `elle:src/elle/list_append.clj`,
//! `elle:src/elle/txn.clj`).
//!
//! Two shapes of transaction share this: registers (`["r", k, v]`, `["w", k, v]`) and
//! lists (`["r", k, [e1, e2, …]]`, `["append", k, e]`). An append is the lists' write.
//! Keys and values are interned as small integers; `None` stands for JSON `null`, the
//! value of a key nobody has written. A list read's value is the whole list, interned
//! as one value, and its elements are kept in [`Txns::lists`]: an element is interned
//! like any other value, so an appended `3` and the `3` inside a read share an id.

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

/// What the values of a history's transactions are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shape {
    /// txn-rw-register: reads and writes of single values.
    #[default]
    Registers,
    /// txn-list-append: reads of whole lists and appends of single elements.
    Lists,
}

/// The parsed history.
#[derive(Debug, Default)]
pub struct Txns {
    pub shape: Shape,
    pub txns: Vec<Txn>,
    pub keys: Interner,
    pub values: Interner,
    /// For [`Shape::Lists`]: the elements of each list a read returned, by the list's id.
    pub lists: HashMap<u32, Vec<u32>>,
    /// History indexes of txn completions whose value was not a transaction.
    pub unparsed: Vec<usize>,
}

impl Txns {
    pub fn from_history(history: &[Op], shape: Shape) -> Txns {
        let mut out = Txns {
            shape,
            ..Txns::default()
        };
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
        let mut mops = Vec::new();
        for mop in value.as_array()? {
            let [f, k, v] = mop.as_array()?.as_slice() else {
                return None;
            };
            let f = match f.as_str()? {
                "r" => F::Read,
                f if f == self.write_name() => F::Write,
                _ => return None,
            };
            let key = self.keys.intern(k);
            let value = match (v, f, self.shape) {
                (Value::Null, ..) => None,
                (_, F::Read, Shape::Lists) => Some(self.list(v)?),
                _ => Some(self.values.intern(v)),
            };
            mops.push(Mop { f, key, value });
        }
        Some(mops)
    }

    /// Interns a list a read returned, and its elements.
    fn list(&mut self, v: &Value) -> Option<u32> {
        let elements = v.as_array()?;
        let id = self.values.intern(v);
        if !self.lists.contains_key(&id) {
            let ids = elements.iter().map(|e| self.values.intern(e)).collect();
            self.lists.insert(id, ids);
        }
        Some(id)
    }

    /// How this shape spells a write: `w` or `append`.
    pub fn write_name(&self) -> &'static str {
        match self.shape {
            Shape::Registers => "w",
            Shape::Lists => "append",
        }
    }

    /// `r`, or the write's name.
    pub fn f_name(&self, f: F) -> &'static str {
        match f {
            F::Read => "r",
            F::Write => self.write_name(),
        }
    }

    /// The elements of a list read (none for `nil`).
    pub fn elements(&self, value: Val) -> &[u32] {
        value
            .and_then(|v| self.lists.get(&v))
            .map_or(&[], Vec::as_slice)
    }

    /// The versions a read saw: a register's value; every element of a list.
    pub fn seen(&self, mop: &Mop) -> Vec<Val> {
        match self.shape {
            Shape::Registers => vec![mop.value],
            Shape::Lists => self.elements(mop.value).iter().map(|e| Some(*e)).collect(),
        }
    }

    /// The version a read returned: a register's value; the last element of a list, the
    /// append that made the state read (`None` for the initial, empty state).
    pub fn latest(&self, mop: &Mop) -> Val {
        match self.shape {
            Shape::Registers => mop.value,
            Shape::Lists => self.elements(mop.value).last().copied(),
        }
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
                let f = self.f_name(m.f);
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
    /// The version of the read the case is about: a register's value, or one element of
    /// a list.
    pub element: Val,
    /// The value the transaction should have seen, for `internal`.
    pub expected: Option<Val>,
    /// The other transaction: the failed or intermediate writer.
    pub writer: Option<usize>,
}

/// An ok register transaction whose read disagrees with its own earlier read or write
/// of the key. A read of `nil` sets no expectation (Elle's `op-internal-case` in
/// `rw_register.clj`; lists have their own, in `list_append`).
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
                    element: mop.value,
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

/// Reads, by ok transactions, of a version some transaction wrote: the writers are
/// found with `writes` (which writes of which transactions count) and `counts` (which
/// transactions); `observed` says which versions of a read count.
fn reads_of(
    txns: &Txns,
    counts: impl Fn(&Txn) -> bool,
    writes: impl Fn(&Txn) -> Vec<(Key, Val)>,
    observed: impl Fn(&Mop) -> Vec<Val>,
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
            for element in observed(mop) {
                if let Some(&w) = writer.get(&(mop.key, element))
                    && w != t
                {
                    out.push(Case {
                        txn: t,
                        mop: *mop,
                        element,
                        expected: None,
                        writer: Some(w),
                    });
                }
            }
        }
    }
    out
}

/// G1a, aborted read: an ok transaction read a value (any element of a list) written by
/// a failed one (Elle's `g1a-cases`).
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
        |mop| txns.seen(mop),
    )
}

/// G1b, intermediate read: an ok transaction read a value another transaction
/// overwrote before it finished; for lists, a state whose last element another
/// transaction followed with a further append to the key (Elle's `g1b-cases`).
pub fn intermediate_reads(txns: &Txns) -> Vec<Case> {
    reads_of(
        txns,
        |_| true,
        Txn::intermediate_writes,
        |mop| vec![txns.latest(mop)],
    )
}

/// Reads of a value (a list element) no transaction ever tried to write. Elle's
/// analyses have no anomaly for them; the summary mentions them (see `garbage_note` in
/// this checker's module), because a node that invents values (say, 0 for a missing
/// key) is very likely wrong.
pub fn garbage_reads(txns: &Txns) -> Vec<Case> {
    let written: HashSet<(Key, Val)> = txns
        .txns
        .iter()
        .flat_map(|t| t.mops.iter().filter(|m| m.f == F::Write))
        .map(|m| (m.key, m.value))
        .collect();
    let mut out = Vec::new();
    for (t, txn) in txns.oks() {
        for mop in txn.mops.iter().filter(|m| m.f == F::Read) {
            for element in txns.seen(mop).into_iter().filter(Option::is_some) {
                if !written.contains(&(mop.key, element)) {
                    out.push(Case {
                        txn: t,
                        mop: *mop,
                        element,
                        expected: None,
                        writer: None,
                    });
                }
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
