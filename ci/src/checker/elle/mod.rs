//! The txn-rw-register checker: Elle's rw-register analysis as Maelstrom runs it.
//!
//! Sources: `elle:src/elle/rw_register.clj` (`check`), `elle:src/elle/txn.clj`
//! (`cycles`, `result-map`), `elle:src/elle/consistency_model.clj`, and
//! `src/maelstrom/workload/txn_rw_register.clj` (`:wfr-keys? true`; a wrapper that drops
//! `cycle-search-timeout` and fails the run on any other reported anomaly).
//!
//! The steps, one module each:
//!
//! 1. [`txn`]: parse transactions; find anomalies visible without a graph (internal,
//!    G1a, G1b, lost-update), and reads of values nobody wrote, which this version of
//!    Elle does not count as anomalies: they are only mentioned in the summary.
//! 2. [`versions`]: infer each key's version order.
//! 3. Build the dependency [`graph`]: wr (T2 read what T1 wrote), ww and rw (from the
//!    version order), plus real-time or process order when the model needs them.
//! 4. [`cycles`]: find and classify cycles.
//! 5. [`models`]: keep what `--consistency-models` forbids; say which models fell.

mod cycles;
mod explain;
mod graph;
pub mod models;
mod txn;
mod versions;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Value, json};

use self::cycles::Finding;
use self::graph::{Graph, Kinds, PROCESS, REALTIME, RW, WR, WW};
use self::txn::{Key, Txns, Val};
use self::versions::Versions;
use super::{Validity, Verdict};
use crate::history::{Op, OpType};

/// Examples kept per anomaly type in `results.json`; Elle keeps them all. The count is
/// always complete, in `anomaly-counts`, a key of the runner's own (see the runner
/// chapter, src/runner.md).
const EXAMPLES: usize = 8;

/// One reported instance: Elle's JSON shape and a sentence.
struct Anomaly {
    json: Value,
    text: String,
}

pub fn check(history: &[Op], consistency_models: &str) -> Verdict {
    let models = match models::parse(consistency_models) {
        Ok(models) => models,
        // Elle rejects unknown models when the checker runs; Maelstrom then reports the
        // analysis as unknown.
        Err(why) => {
            return Verdict::new(Validity::Unknown)
                .with("error", &why)
                .explain(format!("--consistency-models: {why}"));
        }
    };
    let prohibited = models::prohibited(&models);
    let txns = Txns::from_history(history);
    let mut found: BTreeMap<String, Vec<Anomaly>> = BTreeMap::new();
    let add = |found: &mut BTreeMap<String, Vec<Anomaly>>, name: &str, (json, text)| {
        found
            .entry(name.to_string())
            .or_default()
            .push(Anomaly { json, text });
    };

    for (name, cases) in [
        ("internal", txn::internal(&txns)),
        ("G1a", txn::aborted_reads(&txns)),
        ("G1b", txn::intermediate_reads(&txns)),
    ] {
        for case in &cases {
            add(&mut found, name, explain::case(&txns, name, case));
        }
    }
    for lost in txn::lost_updates(&txns) {
        add(
            &mut found,
            "lost-update",
            explain::lost_update(&txns, &lost),
        );
    }
    let versions = Versions::infer(&txns);
    for (key, scc) in &versions.cyclic {
        let sources = ["initial-state", "wfr-keys"];
        add(
            &mut found,
            "cyclic-versions",
            explain::cyclic_versions(&txns, *key, scc, &sources),
        );
    }

    let extra = order_edges_needed(&prohibited);
    let graph = match dependencies(&txns, &versions, extra) {
        Ok(graph) => graph,
        Err(why) => {
            return Verdict::new(Validity::Unknown)
                .with("error", &why)
                .explain(format!(
                    "{why}. Values are unique per key, so this cannot be analysed \
                     (Maelstrom's checker stops with the same error)."
                ));
        }
    };
    if graph.edge_count() == 0 {
        add(
            &mut found,
            "empty-transaction-graph",
            (json!(true), String::new()),
        );
    }
    for finding in cycles::search(&graph, extra) {
        match finding {
            Finding::Cycle { name, cycle } => {
                let entry = explain::cycle(&txns, &versions, &name, &cycle);
                add(&mut found, &name, entry);
            }
            Finding::Exists {
                model,
                kinds,
                scc,
                cycle,
            } => {
                let name = format!("{model}-cycle-exists");
                let ops: Vec<usize> = scc.iter().map(|t| txns.txns[*t as usize].index).collect();
                let json = json!({"type": name, "not": models::friendly(model),
                    "subgraph": explain::kind_list(kinds), "scc-size": scc.len(), "scc": ops});
                let (_, text) = explain::cycle(&txns, &versions, &name, &cycle);
                add(&mut found, &name, (json, text));
            }
            Finding::Timeout { name, size } => {
                let json = json!({"type": "cycle-search-timeout", "anomaly-spec-type": name,
                    "scc-size": size});
                let text = format!("searching {size} transactions for {name} took too long");
                add(&mut found, "cycle-search-timeout", (json, text));
            }
        }
    }
    let verdict = verdict(&txns, &graph, &models, &prohibited, found);
    garbage_note(&txns, verdict)
}

/// Reads of values no transaction wrote (say, 0 for a key never written). Elle 0.2.2,
/// the version Maelstrom uses, reports nothing for them (`elle:src/elle/rw_register.clj`,
/// `wr-graph`: a read value without a writer adds no edge; `check` has no such
/// anomaly), so they do not decide the verdict here either. The summary still says
/// so, marked as the runner's own note, since the node is very likely wrong.
fn garbage_note(txns: &Txns, verdict: Verdict) -> Verdict {
    let reads = txn::garbage_reads(txns);
    let Some(first) = reads.first() else {
        return verdict;
    };
    let (_, example) = explain::case(txns, "garbage-read", first);
    verdict.explain(format!(
        "Note (this runner's own; Elle reports nothing and the verdict does not depend on \
         it): {} read(s) returned a value nobody wrote. For example, {example}. A read \
         should return null or a value some transaction wrote.",
        reads.len()
    ))
}

/// Which order edges the model's anomalies need: real-time covers process order too,
/// since a process's transactions also follow each other in time (Elle's
/// `additional-graphs`).
fn order_edges_needed(prohibited: &HashSet<&str>) -> Kinds {
    if prohibited.iter().any(|a| a.ends_with("-realtime")) {
        REALTIME
    } else if prohibited.iter().any(|a| a.ends_with("-process")) {
        PROCESS
    } else {
        0
    }
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
    if extra & REALTIME != 0 {
        realtime_edges(txns, &mut edges);
    } else if extra & PROCESS != 0 {
        process_edges(txns, &mut edges);
    }
    Ok(Graph::new(txns.txns.len(), edges))
}

/// T1 → T2 when T1 completed ok before T2 was invoked, transitively reduced the way
/// Elle's `realtime-graph` does: keep a frontier of completed transactions, link each
/// new invocation from the frontier, and drop from the frontier whatever a newly
/// completed transaction already follows.
fn realtime_edges(txns: &Txns, edges: &mut Vec<(u32, u32, Kinds)>) {
    // (history index, transaction, is completion), in history order.
    let mut events: Vec<(usize, u32, bool)> = Vec::new();
    for (t, txn) in txns.oks() {
        events.push((txn.invoke_index, t as u32, false));
        events.push((txn.index, t as u32, true));
    }
    events.sort_unstable();
    let mut frontier: Vec<u32> = Vec::new();
    let mut preds: HashMap<u32, Vec<u32>> = HashMap::new();
    for (_, t, completion) in events {
        if completion {
            let before = preds.remove(&t).unwrap_or_default();
            frontier.retain(|f| !before.contains(f));
            frontier.push(t);
        } else {
            edges.extend(frontier.iter().map(|f| (*f, t, REALTIME)));
            preds.insert(t, frontier.clone());
        }
    }
}

/// Each process's ok transactions, in order.
fn process_edges(txns: &Txns, edges: &mut Vec<(u32, u32, Kinds)>) {
    let mut last: HashMap<u64, u32> = HashMap::new();
    for (t, txn) in txns.oks() {
        if let Some(prev) = last.insert(txn.process, t as u32) {
            edges.push((prev, t as u32, PROCESS));
        }
    }
}

/// Elle's `result-map` under Maelstrom's wrapper.
fn verdict(
    txns: &Txns,
    graph: &Graph,
    models: &[&str],
    prohibited: &HashSet<&str>,
    found: BTreeMap<String, Vec<Anomaly>>,
) -> Verdict {
    let reportable = |name: &str| {
        prohibited.contains(name)
            || matches!(name, "empty-transaction-graph" | "cycle-search-timeout")
    };
    // A cycle-exists entry adds nothing once a reportable specific anomaly rules its
    // model out (Elle's `remove-redundant-cycle-exists`).
    let specific: Vec<&str> = found
        .keys()
        .map(String::as_str)
        .filter(|n| reportable(n) && !n.ends_with("-cycle-exists"))
        .collect();
    let redundant = |name: &str| {
        name.strip_suffix("-cycle-exists")
            .is_some_and(|model| models::is_ruled_out(model, specific.iter().copied()))
    };
    let reported: Vec<&str> = found
        .keys()
        .map(String::as_str)
        .filter(|n| reportable(n) && !redundant(n) && *n != "cycle-search-timeout")
        .collect();

    let mut verdict = Verdict::new(Validity::from_bool(reported.is_empty()));
    let mut summary = format!(
        "Checked {} transactions ({} ok, {} info, {} failed) against {}: {} dependency \
         edges ({} ww, {} wr, {} rw",
        txns.txns.len(),
        count(txns, OpType::Ok),
        count(txns, OpType::Info),
        count(txns, OpType::Fail),
        models.join(", "),
        graph.edge_count(),
        graph.count_kind(WW),
        graph.count_kind(WR),
        graph.count_kind(RW),
    );
    for (kind, name) in [(REALTIME, "realtime"), (PROCESS, "process")] {
        let n = graph.count_kind(kind);
        if n > 0 {
            summary.push_str(&format!(", {n} {name}"));
        }
    }
    summary.push_str(").");
    verdict = verdict.explain(summary);
    if !txns.unparsed.is_empty() {
        verdict = verdict.explain(format!(
            "{} txn completions were not transactions and were skipped (first: entry {}).",
            txns.unparsed.len(),
            txns.unparsed[0]
        ));
    }
    // A valid result holds only `valid?` (Maelstrom's wrapper would add an empty
    // `anomaly-types`; listed in the runner chapter, src/runner.md).
    if reported.is_empty() {
        let anomalies: Vec<&str> = found.keys().map(String::as_str).collect();
        let specific = anomalies
            .iter()
            .copied()
            .filter(|n| !n.ends_with("-cycle-exists"));
        let allowed: Vec<&str> = anomalies
            .iter()
            .copied()
            .filter(|n| {
                let model = n.strip_suffix("-cycle-exists");
                !model.is_some_and(|m| models::is_ruled_out(m, specific.clone()))
            })
            .collect();
        if !allowed.is_empty() {
            verdict = verdict.explain(format!(
                "Also seen, and allowed by {}: {}.",
                models.join(", "),
                allowed.join(", ")
            ));
        }
        return verdict;
    }

    let mut anomalies = serde_json::Map::new();
    for name in &reported {
        let cases = &found[*name];
        let examples: Vec<&Value> = cases.iter().take(EXAMPLES).map(|a| &a.json).collect();
        anomalies.insert(name.to_string(), json!(examples));
        let first = &cases[0].text;
        let example = if first.is_empty() {
            String::new()
        } else {
            format!(" For example:\n    {first}\n  —")
        };
        verdict = verdict.explain(format!(
            "{name}: {} case(s).{example} {}{}",
            cases.len(),
            explain::lesson(name),
            explain::suffix_note(name)
        ));
    }
    verdict = verdict.explain(
        "(how to read this report: see the book: Troubleshooting › Reading a transaction \
         anomaly report)",
    );
    let (not, also_not) = models::boundary(found.keys().map(String::as_str));
    let counts: BTreeMap<&str, usize> = reported.iter().map(|n| (*n, found[*n].len())).collect();
    verdict
        .with("anomaly-types", &reported)
        .with("anomalies", anomalies)
        .with("anomaly-counts", counts)
        .with("not", not)
        .with("also-not", also_not)
}

fn count(txns: &Txns, kind: OpType) -> usize {
    txns.txns.iter().filter(|t| t.kind == kind).count()
}

#[cfg(test)]
mod tests;
