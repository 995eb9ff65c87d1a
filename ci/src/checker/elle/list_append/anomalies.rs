//! Anomalies of list histories that need no dependency graph (Elle's
//! `elle:src/elle/list_append.clj`: `op-int-case`, `op-future-read-case`, `duplicates`,
//! `incompatible-orders`, `dirty-update-cases`). Each is returned as Elle's JSON and a
//! sentence.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::super::explain::{mop_json, op_json};
use super::super::txn::{F, Key, Mop, Txns};
use super::{SortedReads, possible};
use crate::history::OpType;

type Case = (Value, String);

/// JSON for a list of elements.
fn list_json(txns: &Txns, elements: &[u32]) -> Value {
    json!(
        elements
            .iter()
            .map(|e| txns.values.get(*e))
            .collect::<Vec<_>>()
    )
}

fn list_text(txns: &Txns, elements: &[u32]) -> String {
    list_json(txns, elements).to_string()
}

/// What a transaction expects to read of a key, from its own earlier micro-ops.
struct Expected {
    /// False when the transaction appended without reading first: then only the end
    /// of the list is known (Elle's `[... 6]`).
    whole: bool,
    elements: Vec<u32>,
}

impl Expected {
    fn admits(&self, read: &[u32], read_nil: bool) -> bool {
        if self.whole {
            // Elle compares with `=`: an empty list read earlier is not `nil`.
            !read_nil && read == self.elements.as_slice()
        } else {
            read.ends_with(&self.elements)
        }
    }

    fn json(&self, txns: &Txns) -> Value {
        let mut list = list_json(txns, &self.elements);
        if !self.whole
            && let Some(items) = list.as_array_mut()
        {
            items.insert(0, json!("..."));
        }
        list
    }
}

/// An ok transaction that read a key differently from what its own earlier reads and
/// appends of that key imply. A read of `nil` sets no expectation; appending after it
/// starts a known list (Elle's `op-internal-case`). One case per transaction.
pub fn internal(txns: &Txns) -> Vec<Case> {
    let mut out = Vec::new();
    for (t, txn) in txns.oks() {
        // Key → what the next read must show; `None` after a read of `nil`.
        let mut state: HashMap<Key, Option<Expected>> = HashMap::new();
        for mop in &txn.mops {
            match (mop.f, mop.value) {
                (F::Write, Some(e)) => {
                    let expected = state.entry(mop.key).or_insert(Some(Expected {
                        whole: false,
                        elements: Vec::new(),
                    }));
                    match expected {
                        Some(x) => x.elements.push(e),
                        None => {
                            *expected = Some(Expected {
                                whole: true,
                                elements: vec![e],
                            });
                        }
                    }
                }
                (F::Write, None) => {}
                (F::Read, value) => {
                    let read = txns.elements(value);
                    if let Some(Some(expected)) = state.get(&mop.key)
                        && !expected.admits(read, value.is_none())
                    {
                        out.push(internal_case(txns, t, mop, expected));
                        break;
                    }
                    let next = value.map(|_| Expected {
                        whole: true,
                        elements: read.to_vec(),
                    });
                    state.insert(mop.key, next);
                }
            }
        }
    }
    out
}

fn internal_case(txns: &Txns, t: usize, mop: &Mop, expected: &Expected) -> Case {
    let json = json!({"op": op_json(txns, t), "mop": mop_json(txns, mop),
        "expected": expected.json(txns)});
    let should = if expected.whole {
        format!("be {}", list_text(txns, &expected.elements))
    } else {
        format!("end in {}", list_text(txns, &expected.elements))
    };
    let text = format!(
        "{} read key {} = {}, but after its own earlier reads and appends it should {should}",
        txns.describe(t),
        txns.key(mop.key),
        txns.value(mop.value)
    );
    (json, text)
}

/// An ok transaction that read an element it appended only later (Elle's
/// `op-future-read-case`). One case per transaction.
pub fn future_reads(txns: &Txns) -> Vec<Case> {
    let mut out = Vec::new();
    for (t, txn) in txns.oks() {
        // (key, element) → the first read that contained it.
        let mut read: HashMap<(Key, u32), &Mop> = HashMap::new();
        for mop in &txn.mops {
            match (mop.f, mop.value) {
                (F::Read, value) => {
                    for e in txns.elements(value) {
                        read.entry((mop.key, *e)).or_insert(mop);
                    }
                }
                (F::Write, Some(e)) => {
                    if let Some(reader) = read.get(&(mop.key, e)) {
                        let element = txns.values.get(e);
                        let json = json!({"op": op_json(txns, t),
                            "mop": mop_json(txns, reader), "element": element});
                        let text = format!(
                            "{} read key {} = {}, which holds {element}, before appending \
                             {element} itself",
                            txns.describe(t),
                            txns.key(mop.key),
                            txns.value(reader.value)
                        );
                        out.push((json, text));
                        break;
                    }
                }
                (F::Write, None) => {}
            }
        }
    }
    out
}

/// Reads that list an element more than once (Elle's `duplicates`).
pub fn duplicates(txns: &Txns) -> Vec<Case> {
    let mut out = Vec::new();
    for (t, txn) in txns.txns.iter().enumerate().filter(|(_, t)| possible(t)) {
        for mop in txn.mops.iter().filter(|m| m.f == F::Read) {
            let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
            for e in txns.elements(mop.value) {
                *counts.entry(*e).or_default() += 1;
            }
            counts.retain(|_, n| *n > 1);
            if counts.is_empty() {
                continue;
            }
            let dups: serde_json::Map<String, Value> = counts
                .iter()
                .map(|(e, n)| (txns.values.get(*e).to_string(), json!(n)))
                .collect();
            let listed: Vec<String> = counts
                .iter()
                .map(|(e, n)| format!("{} {n} times", txns.values.get(*e)))
                .collect();
            let json = json!({"op": op_json(txns, t), "mop": mop_json(txns, mop),
                "duplicates": dups});
            let text = format!(
                "{} read key {} = {}, which lists {}",
                txns.describe(t),
                txns.key(mop.key),
                txns.value(mop.value),
                listed.join(", ")
            );
            out.push((json, text));
        }
    }
    out
}

/// Keys with two reads neither of which is a prefix of the other: no single order of
/// appends explains both (Elle's `incompatible-orders`). One case per key, the first
/// such pair in order of length.
pub fn incompatible_orders(txns: &Txns, reads: &SortedReads) -> Vec<Case> {
    let mut keys: Vec<&Key> = reads.all.keys().collect();
    keys.sort_unstable();
    let mut out = Vec::new();
    for key in keys {
        let values = &reads.all[key];
        let Some(pair) = values.windows(2).find(|w| !w[1].starts_with(&w[0])) else {
            continue;
        };
        let (a, b) = (&pair[0], &pair[1]);
        let json = json!({"key": txns.key(*key), "values": [list_json(txns, a),
            list_json(txns, b)]});
        let who = |list: &[u32]| {
            first_reader(txns, *key, list).map_or(String::new(), |t| {
                let txn = &txns.txns[t];
                format!(" (op {}, process {})", txn.index, txn.process)
            })
        };
        let text = format!(
            "key {} was read as {}{} and as {}{}: neither is a prefix of the other",
            txns.key(*key),
            list_text(txns, a),
            who(a),
            list_text(txns, b),
            who(b)
        );
        out.push((json, text));
    }
    out
}

/// The first ok transaction that read `list` from `key`.
fn first_reader(txns: &Txns, key: Key, list: &[u32]) -> Option<usize> {
    txns.oks()
        .find(|(_, txn)| {
            txn.mops
                .iter()
                .any(|m| m.f == F::Read && m.key == key && txns.elements(m.value) == list)
        })
        .map(|(t, _)| t)
}

/// A committed append that came, in a key's order, after an element of a failed
/// transaction with nothing committed in between (Elle's `dirty-update-cases`, which
/// walks the order reads alone show; `info` appends in between leave it open).
pub fn dirty_updates(txns: &Txns, reads: &SortedReads) -> Vec<Case> {
    // (key, element) → the completion of any kind that appended it.
    let mut writer: HashMap<(Key, u32), usize> = HashMap::new();
    for (t, txn) in txns.txns.iter().enumerate() {
        for append in super::appends(txn) {
            writer.insert(append, t);
        }
    }
    let mut keys: Vec<&Key> = reads.by_reads.keys().collect();
    keys.sort_unstable();
    let mut out = Vec::new();
    for key in keys {
        let Some(longest) = reads.by_reads[key].last() else {
            continue;
        };
        // The last transaction whose state counts (`None`: the initial, committed
        // state), and the elements since.
        let mut last: Option<usize> = None;
        let mut since: Vec<u32> = Vec::new();
        for &e in longest {
            // An element nobody appended is a garbage read, reported on its own.
            let Some(&t2) = writer.get(&(*key, e)) else {
                continue;
            };
            since.push(e);
            let kind = |t: Option<usize>| t.map_or(OpType::Ok, |t| txns.txns[t].kind);
            match (kind(last), txns.txns[t2].kind) {
                (OpType::Fail, OpType::Ok) => {
                    if let Some(t1) = last {
                        out.push(dirty_case(txns, *key, &since, t1, t2));
                    }
                    (last, since) = (Some(t2), vec![e]);
                }
                (_, OpType::Info) | (OpType::Fail, OpType::Fail) => {}
                _ => (last, since) = (Some(t2), vec![e]),
            }
        }
    }
    out
}

fn dirty_case(txns: &Txns, key: Key, values: &[u32], t1: usize, t2: usize) -> Case {
    let json = json!({"key": txns.key(key), "values": list_json(txns, values),
        "txns": [op_json(txns, t1), "...", op_json(txns, t2)]});
    let text = format!(
        "key {}: {} appended {} after {}, which begins with an append of the failed {}",
        txns.key(key),
        txns.describe(t2),
        values
            .last()
            .map_or(String::new(), |e| txns.values.get(*e).to_string()),
        list_text(txns, &values[..values.len().saturating_sub(1)]),
        txns.describe(t1)
    );
    (json, text)
}
