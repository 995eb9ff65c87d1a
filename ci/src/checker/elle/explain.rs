//! Writing anomalies out: JSON in the shape Elle reports, and sentences a learner can
//! follow, naming every transaction and why each edge of a cycle is there.

use serde_json::{Value, json};

use super::cycles::Cycle;
use super::graph::{Kinds, PROCESS, REALTIME, kind_name};
use super::txn::{Case, Key, LostUpdate, Mop, Shape, Txn, Txns, Val, kind_name as op_kind};

/// Why one transaction precedes another along a data edge (ww, wr or rw): each analysis
/// knows from what it inferred the edge (Elle's `DataExplainer`s).
pub trait DataEdges {
    /// A JSON step and a sentence for the edge `a → b` of `kind`, naming the two
    /// transactions by `names`; `None` if no micro-op explains it.
    fn explain(
        &self,
        txns: &Txns,
        kind: Kinds,
        a: &Txn,
        b: &Txn,
        names: (&str, &str),
    ) -> Option<(Value, String)>;
}

/// A transaction as results name it: the history entry, value included.
pub fn op_json(txns: &Txns, t: usize) -> Value {
    let txn = &txns.txns[t];
    json!({
        "index": txn.index,
        "time": txn.time,
        "type": op_kind(txn.kind),
        "process": txn.process,
        "f": "txn",
        "value": txn.mops.iter().map(|m| mop_json(txns, m)).collect::<Vec<_>>(),
    })
}

pub fn mop_json(txns: &Txns, mop: &Mop) -> Value {
    json!([
        txns.f_name(mop.f),
        txns.key(mop.key),
        value_json(txns, mop.value)
    ])
}

pub fn value_json(txns: &Txns, value: Val) -> Value {
    value.map_or(Value::Null, |v| txns.values.get(v).clone())
}

/// `internal`, `G1a` and `G1b` cases, and reads of values nobody wrote.
pub fn case(txns: &Txns, name: &str, case: &Case) -> (Value, String) {
    let mut json = json!({"op": op_json(txns, case.txn), "mop": mop_json(txns, &case.mop)});
    let reader = txns.describe(case.txn);
    let (key, value) = (txns.key(case.mop.key), txns.value(case.mop.value));
    let lists = txns.shape == Shape::Lists;
    let element = txns.value(case.element);
    if lists {
        json["element"] = value_json(txns, case.element);
    }
    let text = match (name, case.writer, case.expected) {
        ("internal", _, Some(expected)) => {
            json["expected"] = value_json(txns, expected);
            format!(
                "{reader} read key {key} = {value}, but had itself just seen or written {}",
                txns.value(expected)
            )
        }
        (_, Some(w), _) => {
            json["writer"] = op_json(txns, w);
            let writer = txns.describe(w);
            match (name == "G1a", lists) {
                (true, false) => {
                    format!("{reader} read key {key} = {value}, written by the failed {writer}")
                }
                (false, false) => format!(
                    "{reader} read key {key} = {value}, written by an intermediate write of \
                     {writer}"
                ),
                (true, true) => format!(
                    "{reader} read key {key} = {value}, whose element {element} was appended \
                     by the failed {writer}"
                ),
                (false, true) => format!(
                    "{reader} read key {key} = {value}, ending in {element}, which {writer} \
                     appended and then appended to again: a state in the middle of that \
                     transaction"
                ),
            }
        }
        _ if lists => format!(
            "{reader} read key {key} = {value}, whose element {element} no transaction \
             appended"
        ),
        _ => format!("{reader} read key {key} = {value}, which no transaction wrote"),
    };
    (json, text)
}

pub fn lost_update(txns: &Txns, lost: &LostUpdate) -> (Value, String) {
    let ops: Vec<Value> = lost.txns.iter().map(|t| op_json(txns, *t)).collect();
    let who: Vec<String> = lost.txns.iter().map(|t| txns.describe(*t)).collect();
    let json = json!({"key": txns.key(lost.key), "value": value_json(txns, lost.value),
        "txns": ops});
    let wrote = match txns.shape {
        Shape::Registers => "wrote it",
        Shape::Lists => "appended to it",
    };
    let text = format!(
        "{} all read key {} = {} and then {wrote}",
        who.join(" and "),
        txns.key(lost.key),
        txns.value(lost.value)
    );
    (json, text)
}

pub fn cyclic_versions(txns: &Txns, key: Key, scc: &[Val], sources: &[&str]) -> (Value, String) {
    let values: Vec<Value> = scc.iter().map(|v| value_json(txns, *v)).collect();
    let shown: Vec<String> = scc.iter().map(|v| txns.value(*v)).collect();
    let json = json!({"key": txns.key(key), "scc": values, "sources": sources});
    let text = format!(
        "key {}: values {} each come after another in the order read-then-write \
         transactions imply",
        txns.key(key),
        shown.join(", ")
    );
    (json, text)
}

/// A cycle, with each transaction written out and each edge justified.
pub fn cycle(txns: &Txns, edges: &dyn DataEdges, name: &str, cycle: &Cycle) -> (Value, String) {
    let n = cycle.steps.len();
    let label = |i: usize| format!("T{}", i % n + 1);
    let mut lines: Vec<String> = cycle
        .steps
        .iter()
        .enumerate()
        .map(|(i, (t, _))| format!("{} = {}", label(i), txns.describe(*t as usize)))
        .collect();
    let mut steps = Vec::new();
    for (i, &(a, kind)) in cycle.steps.iter().enumerate() {
        let b = cycle.steps[(i + 1) % n].0;
        let (a_txn, b_txn) = (&txns.txns[a as usize], &txns.txns[b as usize]);
        let names = (label(i), label(i + 1));
        let names = (names.0.as_str(), names.1.as_str());
        let (step, why) = order_edge(kind, a_txn, b_txn, names)
            .or_else(|| edges.explain(txns, kind, a_txn, b_txn, names))
            .unwrap_or_else(|| {
                (
                    json!({"type": kind_name(kind)}),
                    format!("{} precedes {}", names.0, names.1),
                )
            });
        steps.push(step);
        lines.push(format!("{why} ({})", kind_name(kind)));
    }
    let ops: Vec<Value> = cycle
        .steps
        .iter()
        .map(|(t, _)| op_json(txns, *t as usize))
        .collect();
    let json = json!({"type": name, "cycle": ops, "steps": steps});
    (json, lines.join(";\n    "))
}

/// Why `a` precedes `b` along a process or real-time edge.
fn order_edge(kind: Kinds, a: &Txn, b: &Txn, (an, bn): (&str, &str)) -> Option<(Value, String)> {
    match kind {
        PROCESS => Some((
            json!({"type": "process", "process": a.process}),
            format!("{an} ran before {bn} in process {}", a.process),
        )),
        REALTIME => Some((
            json!({"type": "realtime", "time": a.time, "time'": b.invoke_time}),
            format!(
                "{an} completed at {:.3} s, before {bn} began at {:.3} s",
                a.time as f64 / 1e9,
                b.invoke_time as f64 / 1e9
            ),
        )),
        _ => None,
    }
}

/// What each anomaly means for the node's author.
pub fn lesson(name: &str, shape: Shape) -> &'static str {
    let base = name
        .trim_end_matches("-realtime")
        .trim_end_matches("-process");
    match (base, shape) {
        ("G1b", Shape::Lists) => {
            return "a read must never end in an append its transaction followed with \
                    another append to the same key: that is a transaction seen half done.";
        }
        ("internal", Shape::Lists) => {
            return "a transaction must see its own appends, in order, on top of what it \
                    read.";
        }
        _ => {}
    }
    match base {
        "incompatible-order" => {
            "two reads of one key must agree on the order of its elements: one must be \
             a prefix of the other. Replicas that append in different orders, or lose \
             appends, show this."
        }
        "duplicate-elements" => "each element is appended once, so no read may contain it twice.",
        "dirty-update" => {
            "a committed transaction appended right after an element of a failed one: \
             it built on state that was rolled back."
        }
        "future-read" => {
            "a transaction read an element it only appended later: it saw its own \
             future."
        }
        "G0" => {
            "writes of different transactions interleaved (a dirty write): each \
                 transaction's writes must take effect as a unit."
        }
        "G1c" => {
            "information flowed in a circle: each transaction saw effects of the \
                  other, so neither can have come first."
        }
        "G-single-item" | "G-nonadjacent-item" | "G2-item" => {
            "a transaction missed a write that the rest of the cycle says it must have \
             seen: no serial order of these transactions explains what they read."
        }
        "internal" => "a transaction must see its own earlier writes and reads.",
        "G1a" => "a failed transaction must leave no trace: nobody may read its writes.",
        "G1b" => {
            "only a transaction's last write to a key may become visible; values it \
                  overwrote itself must never be read."
        }
        "lost-update" => {
            "both read the same value and both wrote the key, so one update \
                          silently overwrote the other."
        }
        "cyclic-versions" => "the order of a key's values runs in a circle.",
        "empty-transaction-graph" => {
            "no transaction read what another wrote, so there \
                                      was nothing to check; Maelstrom counts this as a \
                                      failure."
        }
        "cycle-search-timeout" => {
            "the search for this kind of cycle gave up (Maelstrom \
                                   ignores this)."
        }
        "PL-1-cycle-exists" => {
            "these transactions overwrote each other's writes in a \
                                circle (ww edges alone): a dirty write, which read \
                                uncommitted forbids."
        }
        "PL-2-cycle-exists" => {
            "information flowed in a circle through writes and reads \
                                (ww and wr edges), which read committed forbids."
        }
        _ => "a dependency cycle breaking this model exists among these transactions.",
    }
}

/// "realtime" edges make a cycle real-time; say so.
pub fn suffix_note(name: &str) -> &'static str {
    if name.ends_with("-realtime") {
        " Real-time order closes the cycle: a transaction that completed before another \
         began must come first."
    } else if name.ends_with("-process") {
        " Process order closes the cycle: each client sees its own transactions in order."
    } else {
        ""
    }
}

/// The edge kinds of a cycle-exists subgraph, as Elle lists them.
pub fn kind_list(kinds: Kinds) -> Vec<&'static str> {
    super::graph::KIND_NAMES
        .iter()
        .filter(|(k, _)| kinds & k != 0)
        .map(|(_, name)| *name)
        .collect()
}
