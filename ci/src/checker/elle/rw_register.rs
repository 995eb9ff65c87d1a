//! The txn-rw-register analysis: Elle's `elle:src/elle/rw_register.clj` (`check`) with
//! the `:wfr-keys? true` and the wrapper of Maelstrom's
//! `src/maelstrom/workload/txn_rw_register.clj`.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::explain::{self, DataEdges, value_json};
use super::graph::{Graph, Kinds, RW, WR, WW, kind_name};
use super::txn::{self, Key, Shape, Txn, Txns, Val};
use super::versions::Versions;
use super::{Found, Policy, Verdict};
use crate::history::{Op, OpType};

pub fn check(history: &[Op], consistency_models: &str) -> Verdict {
    let (models, prohibited) = match super::models_of(consistency_models) {
        Ok(m) => m,
        Err(verdict) => return verdict,
    };
    let txns = Txns::from_history(history, Shape::Registers);
    let mut found = Found::default();
    for case in &txn::internal(&txns) {
        found.add("internal", explain::case(&txns, "internal", case));
    }
    super::read_anomalies(&txns, &mut found);
    let versions = Versions::infer(&txns);
    for (key, scc) in &versions.cyclic {
        let sources = ["initial-state", "wfr-keys"];
        found.add(
            "cyclic-versions",
            explain::cyclic_versions(&txns, *key, scc, &sources),
        );
    }

    let extra = super::order_edges_needed(&prohibited);
    let graph = match dependencies(&txns, &versions, extra) {
        Ok(graph) => graph,
        Err(why) => {
            let text = format!(
                "{why}. Values are unique per key, so this cannot be analysed (Maelstrom's \
                 checker stops with the same error)."
            );
            return super::unknown(text, &why);
        }
    };
    super::cycle_anomalies(&txns, &graph, extra, &versions, &mut found);
    let verdict = super::verdict(
        &txns,
        &graph,
        (&models, &prohibited),
        found,
        Policy::MaelstromRwRegister,
    );
    super::garbage_note(&txns, verdict)
}

/// The dependency graph over transactions (vertex i = `txns.txns[i]`).
fn dependencies(txns: &Txns, versions: &Versions, extra: Kinds) -> Result<Graph, String> {
    // Ok transactions' external reads and writes, by (key, value).
    let mut readers: HashMap<(Key, Val), Vec<u32>> = HashMap::new();
    let mut writers: HashMap<(Key, Val), Vec<u32>> = HashMap::new();
    for (t, txn) in txns.oks() {
        for r in txn.ext_reads() {
            readers.entry(r).or_default().push(t as u32);
        }
        for w in txn.ext_writes() {
            writers.entry(w).or_default().push(t as u32);
        }
    }
    let mut edges: Vec<(u32, u32, Kinds)> = Vec::new();
    // wr: the one transaction that wrote a value precedes everyone who read it.
    for (kv, rs) in &readers {
        match writers.get(kv).map(Vec::as_slice) {
            None | Some([]) => {}
            Some([w]) => edges.extend(rs.iter().map(|r| (*w, *r, WR))),
            Some(ws) => {
                let ops: Vec<String> = ws
                    .iter()
                    .map(|w| txns.txns[*w as usize].index.to_string())
                    .collect();
                return Err(format!(
                    "Key {} had value {} written by more than one op: {}",
                    txns.key(kv.0),
                    txns.value(kv.1),
                    ops.join(", ")
                ));
            }
        }
    }
    // ww and rw: along each edge v1 → v2 of a key's version order, whoever wrote or read
    // v1 precedes whoever wrote v2.
    let none: Vec<u32> = Vec::new();
    for (key, order) in &versions.edges {
        for &(v1, v2) in order {
            let later = writers.get(&(*key, v2)).unwrap_or(&none);
            for (earlier, kind) in [(&writers, WW), (&readers, RW)] {
                for &a in earlier.get(&(*key, v1)).unwrap_or(&none) {
                    edges.extend(later.iter().map(|b| (a, *b, kind)));
                }
            }
        }
    }
    super::order_edges(txns, extra, |t| t.kind == OpType::Ok, &mut edges);
    Ok(Graph::new(txns.txns.len(), edges))
}

/// A register edge is explained by the external read or write of `a` and the write of
/// `b` that the version order puts next.
impl DataEdges for Versions {
    fn explain(
        &self,
        txns: &Txns,
        kind: Kinds,
        a: &Txn,
        b: &Txn,
        (an, bn): (&str, &str),
    ) -> Option<(Value, String)> {
        let show = |v: Val| txns.value(v);
        if kind == WR {
            let reads = b.ext_reads();
            let &(k, v) = a.ext_writes().iter().find(|w| reads.contains(w))?;
            let key = txns.key(k);
            return Some((
                json!({"type": "wr", "key": key, "value": value_json(txns, v)}),
                format!("{an} wrote key {key} = {}, which {bn} read", show(v)),
            ));
        }
        let firsts = match kind {
            WW => a.ext_writes(),
            RW => a.ext_reads(),
            _ => return None,
        };
        let writes = b.ext_writes();
        firsts.iter().find_map(|&(k, v1)| {
            let &(_, v2) = writes
                .iter()
                .find(|(k2, v2)| *k2 == k && self.precedes(k, v1, *v2))?;
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
                    "{an} read key {key} = {}, which {bn} overwrote with {}, so {an} read \
                     the older state",
                    show(v1),
                    show(v2)
                )
            };
            Some((step, why))
        })
    }
}
