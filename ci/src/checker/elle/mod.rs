//! The transactional checkers: Elle's rw-register and list-append analyses as Maelstrom
//! runs them (`txn-rw-register`, `txn-list-append`).
//!
//! Sources: `elle:src/elle/rw_register.clj` and `elle:src/elle/list_append.clj`
//! (`check`), `elle:src/elle/txn.clj` (`cycles`, `result-map`),
//! `elle:src/elle/consistency_model.clj`, all of Elle 0.2.2 (the version Jepsen 0.3.7,
//! which Maelstrom's `project.clj` pins, depends on), and Maelstrom's
//! `src/maelstrom/workload/txn_rw_register.clj` and `txn_list_append.clj`.
//!
//! Both analyses take the same steps; only the first two differ:
//!
//! 1. [`txn`]: parse transactions; find anomalies visible without a graph (internal,
//!    G1a, G1b, lost-update); list-append adds its own ([`list_append`]). Reads of
//!    values nobody wrote are no anomaly to this version of Elle: rw-register's summary
//!    only mentions them, and list-append stops where Elle's assertion stops it.
//! 2. Infer each key's version order ([`versions`] for registers; a list read spells
//!    it out) and build the dependency [`graph`] from it: wr (T2 read what T1 wrote),
//!    ww and rw, plus real-time or process order when the model needs them.
//! 3. [`cycles`]: find and classify cycles.
//! 4. [`models`]: keep what `--consistency-models` forbids; say which models fell.

mod cycles;
mod explain;
mod graph;
pub mod list_append;
pub mod models;
mod rw_register;
mod txn;
mod versions;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Value, json};

pub use self::rw_register::check;

use self::cycles::Finding;
use self::explain::DataEdges;
use self::graph::{Graph, Kinds, PROCESS, REALTIME, RW, WR, WW};
use self::txn::{Txn, Txns};
use super::{Validity, Verdict};
use crate::history::OpType;

/// Examples kept per anomaly type in `results.json`; Elle keeps them all. The count is
/// always complete, in `anomaly-counts`, a key of the runner's own (see the runner
/// chapter, src/runner.md).
const EXAMPLES: usize = 8;

/// One reported instance: Elle's JSON shape and a sentence.
struct Anomaly {
    json: Value,
    text: String,
}

/// Every anomaly found, by name.
#[derive(Default)]
struct Found(BTreeMap<String, Vec<Anomaly>>);

impl Found {
    fn add(&mut self, name: &str, (json, text): (Value, String)) {
        self.0
            .entry(name.to_string())
            .or_default()
            .push(Anomaly { json, text });
    }
}

/// How a workload turns the anomalies into a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Policy {
    /// Maelstrom's wrapper in `txn_rw_register.clj`: cycle-search timeouts are dropped,
    /// and any other reported anomaly fails the run.
    MaelstromRwRegister,
    /// Elle's own `result-map` (`txn_list_append.clj` has no wrapper): prohibited
    /// anomalies fail the run; the others worth reporting (an empty transaction
    /// graph, a cycle-search timeout) make it unknown.
    Elle,
}

/// The models `--consistency-models` names and every anomaly they forbid, or the
/// verdict for an argument Elle would reject (it rejects unknown models when the checker
/// runs; Maelstrom then reports the analysis as unknown).
fn models_of(arg: &str) -> Result<(Vec<&'static str>, HashSet<&'static str>), Verdict> {
    match models::parse(arg) {
        Ok(models) => {
            let prohibited = models::prohibited(&models);
            Ok((models, prohibited))
        }
        Err(why) => Err(unknown(format!("--consistency-models: {why}"), &why)),
    }
}

/// An analysis that cannot go on: unknown, with why.
fn unknown(explanation: String, error: &str) -> Verdict {
    Verdict::new(Validity::Unknown)
        .with("error", error)
        .explain(explanation)
}

/// The anomalies every shape finds without a graph (Elle's `g1a-cases`, `g1b-cases`,
/// `lost-update-cases`).
fn read_anomalies(txns: &Txns, found: &mut Found) {
    for (name, cases) in [
        ("G1a", txn::aborted_reads(txns)),
        ("G1b", txn::intermediate_reads(txns)),
    ] {
        for case in &cases {
            found.add(name, explain::case(txns, name, case));
        }
    }
    for lost in txn::lost_updates(txns) {
        found.add("lost-update", explain::lost_update(txns, &lost));
    }
}

/// Reads of values no transaction wrote (say, 0 for a key never written). Elle 0.2.2,
/// the version Maelstrom uses, has no anomaly for them: in `elle:src/elle/rw_register.clj`
/// (`wr-graph`) a read value without a writer adds no edge and `check` reports nothing;
/// in `elle:src/elle/list_append.clj` an element outside the longest read of its key
/// only shows through the incompatible order it makes (one inside stops the analysis,
/// see [`list_append`]). So they do not decide the verdict here either. The summary
/// still says so, marked as the runner's own note, since the node is very likely wrong.
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

/// Adds the order edges `extra` asks for. `follows` says which transactions may be
/// the later end of a real-time edge: those the analysis made vertices of its graph.
fn order_edges(
    txns: &Txns,
    extra: Kinds,
    follows: impl Fn(&Txn) -> bool,
    edges: &mut Vec<(u32, u32, Kinds)>,
) {
    if extra & REALTIME != 0 {
        realtime_edges(txns, follows, edges);
    } else if extra & PROCESS != 0 {
        process_edges(txns, edges);
    }
}

/// T1 → T2 when T1 completed ok before T2 was invoked, transitively reduced the way
/// Elle's `realtime-graph` (`elle:src/elle/core.clj`) does: keep a frontier of completed
/// transactions, link each new invocation from the frontier, and drop from the frontier
/// whatever a newly completed transaction already follows.
fn realtime_edges(txns: &Txns, follows: impl Fn(&Txn) -> bool, edges: &mut Vec<(u32, u32, Kinds)>) {
    // (history index, transaction, is completion), in history order.
    let mut events: Vec<(usize, u32, bool)> = Vec::new();
    for (t, txn) in txns.txns.iter().enumerate() {
        if follows(txn) {
            events.push((txn.invoke_index, t as u32, false));
        }
        if txn.kind == OpType::Ok {
            events.push((txn.index, t as u32, true));
        }
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

/// Each process's ok transactions, in order (Elle's `process-graph`).
fn process_edges(txns: &Txns, edges: &mut Vec<(u32, u32, Kinds)>) {
    let mut last: HashMap<u64, u32> = HashMap::new();
    for (t, txn) in txns.oks() {
        if let Some(prev) = last.insert(txn.process, t as u32) {
            edges.push((prev, t as u32, PROCESS));
        }
    }
}

/// Searches the dependency graph for cycles and adds what it finds; an empty graph is an
/// anomaly of its own (Elle's `cycles`).
fn cycle_anomalies(
    txns: &Txns,
    graph: &Graph,
    extra: Kinds,
    edges: &dyn DataEdges,
    found: &mut Found,
) {
    if graph.edge_count() == 0 {
        found.add("empty-transaction-graph", (json!(true), String::new()));
    }
    for finding in cycles::search(graph, extra) {
        match finding {
            Finding::Cycle { name, cycle } => {
                let entry = explain::cycle(txns, edges, &name, &cycle);
                found.add(&name, entry);
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
                let (_, text) = explain::cycle(txns, edges, &name, &cycle);
                found.add(&name, (json, text));
            }
            Finding::Timeout { name, size } => {
                let json = json!({"type": "cycle-search-timeout", "anomaly-spec-type": name,
                    "scc-size": size});
                let text = format!("searching {size} transactions for {name} took too long");
                found.add("cycle-search-timeout", (json, text));
            }
        }
    }
}

/// Elle's `result-map`, under the workload's `policy`.
fn verdict(
    txns: &Txns,
    graph: &Graph,
    (models, prohibited): (&[&str], &HashSet<&str>),
    found: Found,
    policy: Policy,
) -> Verdict {
    let found = found.0;
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
    let dropped =
        |name: &str| policy == Policy::MaelstromRwRegister && name == "cycle-search-timeout";
    let reported: Vec<&str> = found
        .keys()
        .map(String::as_str)
        .filter(|n| reportable(n) && !redundant(n) && !dropped(n))
        .collect();
    let bad = reported
        .iter()
        .any(|n| policy == Policy::MaelstromRwRegister || prohibited.contains(n));
    let valid = match (reported.is_empty(), bad) {
        (true, _) => Validity::Valid,
        (false, true) => Validity::Invalid,
        (false, false) => Validity::Unknown,
    };

    let mut verdict = Verdict::new(valid);
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
    // A valid result holds only `valid?` (txn-rw-register's wrapper in Maelstrom would
    // add an empty `anomaly-types`; listed in the runner chapter, src/runner.md).
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
            explain::lesson(name, txns.shape),
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
