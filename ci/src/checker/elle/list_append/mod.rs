//! The txn-list-append analysis: Elle's `elle:src/elle/list_append.clj` (`check`), which
//! Maelstrom's `src/maelstrom/workload/txn_list_append.clj` runs with no wrapper.
//!
//! A list read spells out the order of the appends it saw, so unlike registers the
//! version order of each key needs no guessing: sort the distinct lists read from a key
//! by length, check that each is a prefix of the next (else `incompatible-order`), and
//! take the longest as the order. An append nobody read is placed after the last
//! element any read saw. Then, per micro-op (Elle's `ww-graph`, `wr-graph`,
//! `rw-graph`):
//!
//! - wr: a read ending in element e depends on whoever appended e;
//! - ww: an append of e′ depends on whoever appended the element just before e′;
//! - rw: an append of e′ depends on everyone who read the state just before e′ (the
//!   list ending in the element before it, or the empty list).
//!
//! Ok and info transactions take part (an info transaction's appends may have happened;
//! its reads, left `nil`, say nothing). Besides the cycles, the analysis finds G1a (a
//! failed transaction's element read), G1b (a read ending in another transaction's
//! intermediate append), internal and future reads, duplicated elements, dirty updates
//! and lost updates; those live in [`anomalies`].

mod anomalies;

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};

use super::explain::{self, DataEdges, value_json};
use super::graph::{Graph, Kinds, RW, WR, WW};
use super::txn::{self, F, Key, Shape, Txn, Txns, Val};
use super::{Found, Policy, Verdict};
use crate::history::{Op, OpType};

pub fn check(history: &[Op], consistency_models: &str) -> Verdict {
    let (models, prohibited) = match super::models_of(consistency_models) {
        Ok(m) => m,
        Err(verdict) => return verdict,
    };
    let txns = Txns::from_history(history, Shape::Lists);
    if let Some((key, element)) = duplicate_append(&txns) {
        // Elle's `verify-unique-appends` throws with `:valid? :unknown`.
        let why = format!(
            "value {} appended to key {} multiple times!",
            txns.values.get(element),
            txns.key(key)
        );
        let text = format!("{why} Appends must be unique per key for the analysis to work.");
        return super::unknown(text, &why);
    }
    let reads = SortedReads::of(&txns);
    if let Some(verdict) = unwritten_in_order(&txns, &reads) {
        return verdict;
    }
    let mut found = Found::default();
    super::read_anomalies(&txns, &mut found);
    for (name, cases) in [
        ("internal", anomalies::internal(&txns)),
        ("future-read", anomalies::future_reads(&txns)),
        ("duplicate-elements", anomalies::duplicates(&txns)),
        (
            "incompatible-order",
            anomalies::incompatible_orders(&txns, &reads),
        ),
        ("dirty-update", anomalies::dirty_updates(&txns, &reads)),
    ] {
        for case in cases {
            found.add(name, case);
        }
    }

    let index = Index::new(&txns, &reads);
    let extra = super::order_edges_needed(&prohibited);
    let graph = index.dependencies(&txns, extra);
    super::cycle_anomalies(&txns, &graph, extra, &index, &mut found);
    let verdict = super::verdict(&txns, &graph, (&models, &prohibited), found, Policy::Elle);
    super::garbage_note(&txns, verdict)
}

/// Where Elle's analysis stops on an element nobody appended. Its `dirty-update-cases`
/// walks each key's elements as the longest read lists them and asserts, for each,
/// that some completed transaction appended it (`(assert t2 (str "No transaction wrote
/// " ...))` in `elle:src/elle/list_append.clj`). An `AssertionError` is not an
/// `Exception`, so Jepsen's `check-safe` (`jepsen/src/jepsen/checker.clj`) does not
/// catch it for the workload's checker; it escapes `compose` and the outer `check-safe`
/// of `analyze!` (`jepsen/src/jepsen/core.clj`) turns Maelstrom's whole result into
/// `{:valid? :unknown, :error ...}`. Here the workload's checker alone is unknown (the
/// runner chapter's differences list says so). Among several longest reads of one
/// length, which one Elle takes depends on a hash set's order; any of them counts here.
/// An element nobody appended elsewhere in a read is no anomaly to Elle (it only shows
/// through the incompatible order it makes); the summary notes it ([`super::garbage_note`]).
fn unwritten_in_order(txns: &Txns, reads: &SortedReads) -> Option<Verdict> {
    let in_longest = |key: Key, element: u32| {
        reads.by_reads.get(&key).is_some_and(|lists| {
            let longest = lists.last().map_or(0, Vec::len);
            lists
                .iter()
                .any(|list| list.len() == longest && list.contains(&element))
        })
    };
    let case = txn::garbage_reads(txns)
        .into_iter()
        .find(|case| case.element.is_some_and(|e| in_longest(case.mop.key, e)))?;
    let (key, element) = (txns.key(case.mop.key), txns.value(case.element));
    let (_, example) = explain::case(txns, "garbage-read", &case);
    let text = format!(
        "{example}. Elle's list-append analysis stops here on an assertion (\"No \
         transaction wrote {key} {element}\"), so Maelstrom reports the analysis as \
         unknown. A read may only list elements some transaction appended."
    );
    let error = format!("Assert failed: No transaction wrote {key} {element}\nt2");
    Some(super::unknown(text, &error))
}

/// Transactions whose appends may have happened: ok and info (Elle's `h/possible`).
fn possible(txn: &Txn) -> bool {
    matches!(txn.kind, OpType::Ok | OpType::Info)
}

/// The appended elements of a transaction, with their keys.
fn appends(txn: &Txn) -> impl Iterator<Item = (Key, u32)> + '_ {
    txn.mops
        .iter()
        .filter(|m| m.f == F::Write)
        .filter_map(|m| Some((m.key, m.value?)))
}

/// The first element appended to one key twice, by any transactions.
fn duplicate_append(txns: &Txns) -> Option<(Key, u32)> {
    let mut seen: HashSet<(Key, u32)> = HashSet::new();
    txns.txns
        .iter()
        .flat_map(appends)
        .find(|append| !seen.insert(*append))
}

/// Each key's distinct non-empty lists read by possible transactions, shortest first
/// (Elle's `sorted-values`). `by_reads` holds what reads alone show; `all` also takes a
/// key that only one append ever touched to have been `[e]` (Elle's
/// `values-from-single-appends`, which replaces what reads show of that key).
struct SortedReads {
    by_reads: HashMap<Key, Vec<Vec<u32>>>,
    all: HashMap<Key, Vec<Vec<u32>>>,
}

impl SortedReads {
    fn of(txns: &Txns) -> SortedReads {
        let mut by_reads: HashMap<Key, Vec<Vec<u32>>> = HashMap::new();
        let mut seen: HashSet<(Key, u32)> = HashSet::new();
        for txn in txns.txns.iter().filter(|t| possible(t)) {
            for mop in txn.mops.iter().filter(|m| m.f == F::Read) {
                let Some(list) = mop.value else { continue };
                let elements = txns.elements(mop.value);
                if !elements.is_empty() && seen.insert((mop.key, list)) {
                    by_reads.entry(mop.key).or_default().push(elements.to_vec());
                }
            }
        }
        for values in by_reads.values_mut() {
            // Stable: among lists of one length, the first read comes first.
            values.sort_by_key(Vec::len);
        }
        let mut single: HashMap<Key, Option<u32>> = HashMap::new();
        for (key, element) in txns.txns.iter().filter(|t| possible(t)).flat_map(appends) {
            single
                .entry(key)
                .and_modify(|only| *only = None)
                .or_insert(Some(element));
        }
        let mut all = by_reads.clone();
        for (key, only) in single {
            if let Some(element) = only {
                all.insert(key, vec![vec![element]]);
            }
        }
        SortedReads { by_reads, all }
    }
}

/// One key's version order: its elements as the longest read lists them (duplicates
/// dropped), and each element's position (Elle's `append-index`).
struct Order {
    elements: Vec<u32>,
    position: HashMap<u32, usize>,
}

/// What the dependency edges and their explanations are computed from.
struct Index {
    order: HashMap<Key, Order>,
    /// (key, element) → the possible transaction that appended it (`write-index`).
    writer: HashMap<(Key, u32), usize>,
    /// (key, last element or `None` for the empty list) → transactions that read the
    /// state it ends (`read-index`).
    readers: HashMap<(Key, Val), Vec<usize>>,
}

impl Index {
    fn new(txns: &Txns, reads: &SortedReads) -> Index {
        let mut order = HashMap::new();
        for (key, values) in &reads.all {
            let mut position = HashMap::new();
            let mut elements = Vec::new();
            for &e in values.last().into_iter().flatten() {
                if let Entry::Vacant(slot) = position.entry(e) {
                    slot.insert(elements.len());
                    elements.push(e);
                }
            }
            order.insert(*key, Order { elements, position });
        }
        let mut writer = HashMap::new();
        let mut readers: HashMap<(Key, Val), Vec<usize>> = HashMap::new();
        for (t, txn) in txns.txns.iter().enumerate().filter(|(_, t)| possible(t)) {
            for append in appends(txn) {
                writer.insert(append, t);
            }
            for mop in txn.mops.iter().filter(|m| m.f == F::Read) {
                // An info transaction's `nil` is the value it asked with, not a read.
                if txn.kind == OpType::Info && mop.value.is_none() {
                    continue;
                }
                readers
                    .entry((mop.key, txns.latest(mop)))
                    .or_default()
                    .push(t);
            }
        }
        Index {
            order,
            writer,
            readers,
        }
    }

    /// The element appended just before `element` to `key`, `None` for the empty list.
    /// An element no read saw comes after the last one any read saw (Elle's
    /// `previously-appended-element`).
    fn previous(&self, key: Key, element: u32) -> Val {
        let order = self.order.get(&key)?;
        match order.position.get(&element) {
            Some(&i) => i.checked_sub(1).map(|j| order.elements[j]),
            None => order.elements.last().copied(),
        }
    }

    fn was_read(&self, key: Key, element: u32) -> bool {
        self.order
            .get(&key)
            .is_some_and(|o| o.position.contains_key(&element))
    }

    /// The wr, ww and rw edges of every micro-op, and the order edges `extra` asks for.
    fn dependencies(&self, txns: &Txns, extra: Kinds) -> Graph {
        let mut edges: Vec<(u32, u32, Kinds)> = Vec::new();
        let none = Vec::new();
        for (t, txn) in txns.txns.iter().enumerate().filter(|(_, t)| possible(t)) {
            let to = t as u32;
            for mop in &txn.mops {
                match (mop.f, mop.value) {
                    (F::Read, _) => {
                        let writer = txns
                            .latest(mop)
                            .and_then(|e| self.writer.get(&(mop.key, e)));
                        if let Some(&w) = writer.filter(|w| **w != t) {
                            edges.push((w as u32, to, WR));
                        }
                    }
                    (F::Write, Some(element)) => {
                        let previous = self.previous(mop.key, element);
                        let writer = previous.and_then(|p| self.writer.get(&(mop.key, p)));
                        if let Some(&w) = writer.filter(|w| **w != t) {
                            edges.push((w as u32, to, WW));
                        }
                        let readers = self.readers.get(&(mop.key, previous)).unwrap_or(&none);
                        edges.extend(
                            readers
                                .iter()
                                .filter(|r| **r != t)
                                .map(|r| (*r as u32, to, RW)),
                        );
                    }
                    (F::Write, None) => {}
                }
            }
        }
        super::order_edges(txns, extra, possible, &mut edges);
        Graph::new(txns.txns.len(), edges)
    }

    /// Whether transaction `t` is `txn` (compared by history position).
    fn is(&self, txns: &Txns, t: Option<&usize>, txn: &Txn) -> bool {
        t.is_some_and(|t| txns.txns[*t].index == txn.index)
    }

    /// "which no read ever saw, so it can only come after …" for an unread append.
    fn unread(&self, txns: &Txns, key: Key, element: u32) -> String {
        if self.was_read(key, element) {
            String::new()
        } else {
            format!(
                " ({} appears in no read, so it can only come after the last element any \
                 read saw)",
                txns.values.get(element)
            )
        }
    }
}

/// The micro-op that makes each edge (Elle's `WWExplainer`, `WRExplainer`,
/// `RWExplainer`).
impl DataEdges for Index {
    fn explain(
        &self,
        txns: &Txns,
        kind: Kinds,
        a: &Txn,
        b: &Txn,
        (an, bn): (&str, &str),
    ) -> Option<(Value, String)> {
        let show = |e: u32| txns.values.get(e).to_string();
        if kind == WR {
            return b.mops.iter().filter(|m| m.f == F::Read).find_map(|mop| {
                let e = txns.latest(mop)?;
                if !self.is(txns, self.writer.get(&(mop.key, e)), a) {
                    return None;
                }
                let key = txns.key(mop.key);
                Some((
                    json!({"type": "wr", "key": key, "value": txns.values.get(e)}),
                    format!(
                        "{bn} read key {key} = {}, ending in {an}'s append of {}",
                        txns.value(mop.value),
                        show(e)
                    ),
                ))
            });
        }
        b.mops.iter().find_map(|mop| {
            let (F::Write, Some(e)) = (mop.f, mop.value) else {
                return None;
            };
            let previous = self.previous(mop.key, e);
            let key = txns.key(mop.key);
            let step = json!({"type": if kind == WW { "ww" } else { "rw" }, "key": key,
                "value": value_json(txns, previous), "value'": txns.values.get(e)});
            let unread = self.unread(txns, mop.key, e);
            match (kind, previous) {
                (WW, Some(p)) if self.is(txns, self.writer.get(&(mop.key, p)), a) => Some((
                    step,
                    format!(
                        "{bn} appended {} to key {key} right after {an}'s append of {}{unread}",
                        show(e),
                        show(p)
                    ),
                )),
                (RW, _) => {
                    let readers = self.readers.get(&(mop.key, previous))?;
                    if !readers.iter().any(|r| txns.txns[*r].index == a.index) {
                        return None;
                    }
                    let state = match previous {
                        None => "empty (nothing appended yet)".to_string(),
                        Some(p) => format!("ending in {}", show(p)),
                    };
                    Some((
                        step,
                        format!(
                            "{an} read key {key} {state}, so it did not see {bn}'s append of \
                             {}, which came next{unread}",
                            show(e)
                        ),
                    ))
                }
                _ => None,
            }
        })
    }
}

#[cfg(test)]
mod tests;
