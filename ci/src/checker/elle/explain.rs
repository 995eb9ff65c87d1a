//! Writing anomalies out: JSON in the shape Elle reports, and sentences a learner can
//! follow, naming every transaction and why each edge of a cycle is there.

use serde_json::{Value, json};

use super::cycles::Cycle;
use super::graph::{Kinds, PROCESS, REALTIME, RW, WR, WW, kind_name};
use super::txn::{Case, F, Key, LostUpdate, Mop, Txn, Txns, Val, kind_name as op_kind};
use super::versions::Versions;

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
    let f = if mop.f == F::Read { "r" } else { "w" };
    json!([f, txns.key(mop.key), value_json(txns, mop.value)])
}

fn value_json(txns: &Txns, value: Val) -> Value {
    value.map_or(Value::Null, |v| txns.values.get(v).clone())
}

/// `internal`, `G1a` and `G1b` cases, and reads of values nobody wrote.
pub fn case(txns: &Txns, name: &str, case: &Case) -> (Value, String) {
    let mut json = json!({"op": op_json(txns, case.txn), "mop": mop_json(txns, &case.mop)});
    let reader = txns.describe(case.txn);
    let (key, value) = (txns.key(case.mop.key), txns.value(case.mop.value));
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
            let how = if name == "G1a" {
                "the failed"
            } else {
                "an intermediate write of"
            };
            format!(
                "{reader} read key {key} = {value}, written by {how} {}",
                txns.describe(w)
            )
        }
        _ => format!("{reader} read key {key} = {value}, which no transaction wrote"),
    };
    (json, text)
}

pub fn lost_update(txns: &Txns, lost: &LostUpdate) -> (Value, String) {
    let ops: Vec<Value> = lost.txns.iter().map(|t| op_json(txns, *t)).collect();
    let who: Vec<String> = lost.txns.iter().map(|t| txns.describe(*t)).collect();
    let json = json!({"key": txns.key(lost.key), "value": value_json(txns, lost.value),
        "txns": ops});
    let text = format!(
        "{} all read key {} = {} and then wrote it",
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
pub fn cycle(txns: &Txns, versions: &Versions, name: &str, cycle: &Cycle) -> (Value, String) {
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
        let (step, why) = edge(
            txns,
            versions,
            kind,
            a_txn,
            b_txn,
            (&label(i), &label(i + 1)),
        );
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

/// Why `a` must precede `b` along an edge of `kind`, as a JSON step and a sentence
/// about the transactions labelled `names`.
fn edge(
    txns: &Txns,
    versions: &Versions,
    kind: Kinds,
    a: &Txn,
    b: &Txn,
    (an, bn): (&str, &str),
) -> (Value, String) {
    let show = |v: Val| txns.value(v);
    match kind {
        WR => {
            let reads = b.ext_reads();
            if let Some(&(k, v)) = a.ext_writes().iter().find(|w| reads.contains(w)) {
                let key = txns.key(k);
                return (
                    json!({"type": "wr", "key": key, "value": value_json(txns, v)}),
                    format!("{an} wrote key {key} = {}, which {bn} read", show(v)),
                );
            }
        }
        WW | RW => {
            let firsts = if kind == WW {
                a.ext_writes()
            } else {
                a.ext_reads()
            };
            let writes = b.ext_writes();
            for &(k, v1) in &firsts {
                if let Some(&(_, v2)) = writes
                    .iter()
                    .find(|(k2, v2)| *k2 == k && versions.precedes(k, v1, *v2))
                {
                    let key = txns.key(k);
                    let step = json!({"type": kind_name(kind), "key": key,
                        "value": value_json(txns, v1), "value'": value_json(txns, v2)});
                    let why = if kind == WW {
                        format!(
                            "{an} wrote key {key} = {}, which {bn} overwrote with {}",
                            show(v1),
                            show(v2)
                        )
                    } else {
                        format!(
                            "{an} read key {key} = {}, which {bn} overwrote with {}, so \
                             {an} read the older state",
                            show(v1),
                            show(v2)
                        )
                    };
                    return (step, why);
                }
            }
        }
        PROCESS => {
            return (
                json!({"type": "process", "process": a.process}),
                format!("{an} ran before {bn} in process {}", a.process),
            );
        }
        REALTIME => {
            return (
                json!({"type": "realtime", "time": a.time, "time'": b.invoke_time}),
                format!(
                    "{an} completed at {:.3} s, before {bn} began at {:.3} s",
                    a.time as f64 / 1e9,
                    b.invoke_time as f64 / 1e9
                ),
            );
        }
        _ => {}
    }
    (
        json!({"type": kind_name(kind)}),
        format!("{an} precedes {bn}"),
    )
}

/// What each anomaly means for the node's author.
pub fn lesson(name: &str) -> &'static str {
    let base = name
        .trim_end_matches("-realtime")
        .trim_end_matches("-process");
    match base {
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
