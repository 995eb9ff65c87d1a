//! Finding and classifying dependency cycles.
//!
//! Elle (`elle:src/elle/txn.clj`, `cycle-anomaly-specs`, `cycle-explainer`) names a cycle
//! by the kinds of its edges: only ww is G0; some wr but no rw is G1c; exactly one rw is
//! G-single; several rw are G2-item when two of them are adjacent, G-nonadjacent when
//! none are. A cycle that needs process or real-time edges gets a `-process` or
//! `-realtime` suffix.
//!
//! The search, per strongly connected component of the whole graph and per anomaly type
//! (weakest first): restrict the component to the edge kinds the type may use and split
//! it again into components; in each, take an edge of the kind the type needs (an
//! *anchor*: rw, wr, a process/real-time edge) and search breadth-first from its head
//! back to its tail. The search walks (vertex, facts so far) states — how many rw edges,
//! whether the last edge was rw, whether a wr or a process/real-time edge was seen — so
//! the first cycle it closes is a shortest one through that anchor that has the type.
//! An anchor inside a component always lies on some cycle; whether that cycle has the
//! right edges is what the search decides. Each search has a fixed budget of states; a
//! search that runs out reports `cycle-search-timeout`, as Elle does after 1 s.

use std::collections::{HashMap, HashSet, VecDeque};

use super::graph::{DATA, Graph, Kinds, PROCESS, REALTIME, RW, Scratch, WR, WW, preferred};
use super::models;

/// States one search may visit before giving up.
const BUDGET: usize = 2_000_000;

/// A cycle: `steps[i] = (v, kind)` is the edge from `v` to the next step's vertex (the
/// last step's edge closes the cycle back to the first vertex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    pub steps: Vec<(u32, Kinds)>,
}

impl Cycle {
    /// Elle's name for this cycle, from its edge kinds.
    pub fn classify(&self) -> String {
        let count = |k: Kinds| self.steps.iter().filter(|(_, kind)| *kind == k).count();
        let (ww, wr, rw) = (count(WW), count(WR), count(RW));
        let n = self.steps.len();
        let rw_adjacent = (0..n).any(|i| self.steps[i].1 == RW && self.steps[(i + 1) % n].1 == RW);
        let data = match (rw, wr, ww) {
            (1, _, _) => "G-single-item",
            (r, _, _) if r > 1 && rw_adjacent => "G2-item",
            (r, _, _) if r > 1 => "G-nonadjacent-item",
            (_, w, _) if w > 0 => "G1c",
            _ => "G0",
        };
        let suffix = if count(REALTIME) > 0 {
            "-realtime"
        } else if count(PROCESS) > 0 {
            "-process"
        } else {
            ""
        };
        format!("{data}{suffix}")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rw {
    /// No rw edges.
    Never,
    /// Exactly one.
    One,
    /// Two or more.
    Several,
    /// Two or more, no two of them next to each other.
    SeveralApart,
}

/// What a cycle of one anomaly type may and must contain.
#[derive(Debug, Clone, Copy)]
struct Spec {
    name: &'static str,
    /// Data kinds the cycle may use.
    data: Kinds,
    rw: Rw,
    needs_wr: bool,
    /// PROCESS or REALTIME for the variants (at least one such edge), else 0.
    extra: Kinds,
    /// Whether a cycle counts only if it is named after this type (Elle's `:type`): a
    /// search for G2-item may close a cycle that turns out to be G-nonadjacent.
    typed: bool,
}

const fn spec(name: &'static str, data: Kinds, rw: Rw, needs_wr: bool, typed: bool) -> Spec {
    Spec {
        name,
        data,
        rw,
        needs_wr,
        extra: 0,
        typed,
    }
}

const BASE: [Spec; 5] = [
    spec("G0", WW, Rw::Never, false, false),
    spec("G1c", WW | WR, Rw::Never, true, false),
    spec("G-single-item", DATA, Rw::One, false, true),
    spec("G-nonadjacent-item", DATA, Rw::SeveralApart, false, true),
    spec("G2-item", DATA, Rw::Several, false, true),
];

/// Search order: data anomalies, then their process variants, then real-time ones
/// (Elle's `anomaly-severity-graph`).
fn specs(extra: Kinds) -> Vec<(String, Spec)> {
    let mut out: Vec<(String, Spec)> = BASE.iter().map(|s| (s.name.to_string(), *s)).collect();
    for (kind, suffix) in [(PROCESS, "-process"), (REALTIME, "-realtime")] {
        if extra & kind != 0 {
            out.extend(
                BASE.iter()
                    .map(|s| (format!("{}{suffix}", s.name), Spec { extra: kind, ..*s })),
            );
        }
    }
    out
}

// Facts a search state carries.
const RW1: u8 = 1;
const RW2: u8 = 2;
const LAST_RW: u8 = 4;
const HAS_WR: u8 = 8;
const HAS_EXTRA: u8 = 16;

enum Found {
    Cycle(Cycle),
    Nothing,
    OutOfBudget,
}

impl Spec {
    fn mask(&self) -> Kinds {
        self.data | self.extra
    }

    /// The edge kind every cycle of this type must contain, to start from.
    fn anchor(&self) -> Kinds {
        if self.rw != Rw::Never {
            RW
        } else if self.extra != 0 {
            self.extra
        } else if self.needs_wr {
            WR
        } else {
            self.data
        }
    }

    /// The facts once the anchor edge is taken.
    fn start(&self, anchor: Kinds) -> u8 {
        match anchor {
            RW => RW1 | LAST_RW,
            WR => HAS_WR,
            k if k == self.extra => HAS_EXTRA,
            _ => 0,
        }
    }

    /// The facts after taking an edge of `kind` with facts `from`, or `None` if this
    /// type's cycles cannot take it.
    fn step(&self, from: u8, kind: Kinds) -> Option<u8> {
        if kind == RW {
            match self.rw {
                Rw::Never | Rw::One => return None,
                Rw::SeveralApart if from & LAST_RW != 0 => return None,
                _ => {}
            }
            let count = if from & RW1 != 0 { RW1 | RW2 } else { RW1 };
            return Some(from | count | LAST_RW);
        }
        let mut to = from & !LAST_RW;
        if kind == WR {
            to |= HAS_WR;
        }
        if kind == self.extra {
            to |= HAS_EXTRA;
        }
        Some(to)
    }

    /// Whether a path closed with these facts makes a cycle of this type.
    fn done(&self, facts: u8) -> bool {
        let rw_ok = match self.rw {
            Rw::Never => facts & RW1 == 0,
            Rw::One => facts & RW2 == 0,
            Rw::Several => facts & RW2 != 0,
            // The anchor is rw, so the edge closing the cycle must not be.
            Rw::SeveralApart => facts & RW2 != 0 && facts & LAST_RW == 0,
        };
        rw_ok
            && (!self.needs_wr || facts & HAS_WR != 0)
            && (self.extra == 0 || facts & HAS_EXTRA != 0)
    }

    /// A shortest cycle of this type through some anchor edge in `component`.
    fn search(&self, name: &str, graph: &Graph, component: &[u32], scratch: &mut Scratch) -> Found {
        let mut budget = BUDGET;
        for sub in graph.sccs(self.mask(), Some(component), scratch) {
            let members: HashSet<u32> = sub.iter().copied().collect();
            for &u in &sub {
                for (v, kinds) in graph.out(u) {
                    let anchor = kinds & self.anchor();
                    if anchor == 0 || !members.contains(&v) {
                        continue;
                    }
                    let anchor = anchor & anchor.wrapping_neg(); // lowest bit
                    let facts = self.start(anchor);
                    match self.close(graph, &members, (u, anchor), v, facts, &mut budget) {
                        Found::Cycle(c) if self.typed && c.classify() != name => {}
                        Found::Nothing => {}
                        found => return found,
                    }
                }
            }
        }
        Found::Nothing
    }

    /// Breadth-first from `start` back to the anchor's tail.
    fn close(
        &self,
        graph: &Graph,
        members: &HashSet<u32>,
        anchor: (u32, Kinds),
        start: u32,
        facts: u8,
        budget: &mut usize,
    ) -> Found {
        let (target, anchor_kind) = anchor;
        let mut parent: HashMap<(u32, u8), (u32, u8, Kinds)> = HashMap::new();
        let mut queue = VecDeque::from([(start, facts)]);
        parent.insert((start, facts), (u32::MAX, 0, 0));
        while let Some((x, f)) = queue.pop_front() {
            if *budget == 0 {
                return Found::OutOfBudget;
            }
            *budget -= 1;
            for (y, kinds) in graph.out(x) {
                if !members.contains(&y) {
                    continue;
                }
                for kind in super::graph::KIND_NAMES.iter().map(|(k, _)| *k) {
                    if kinds & kind & self.mask() == 0 {
                        continue;
                    }
                    let Some(g) = self.step(f, kind) else {
                        continue;
                    };
                    if parent.contains_key(&(y, g)) {
                        continue;
                    }
                    parent.insert((y, g), (x, f, kind));
                    if y != target {
                        queue.push_back((y, g));
                    } else if self.done(g) {
                        return Found::Cycle(unwind(&parent, (y, g), anchor_kind));
                    }
                }
            }
        }
        Found::Nothing
    }
}

/// Rebuilds the cycle from the search's parent links, ending at the anchor's tail.
fn unwind(parent: &HashMap<(u32, u8), (u32, u8, Kinds)>, end: (u32, u8), anchor: Kinds) -> Cycle {
    // Walk back from the tail to the anchor's head, collecting (vertex, edge into next).
    let mut rev: Vec<(u32, Kinds)> = Vec::new();
    let mut at = end;
    while let Some(&(prev, facts, kind)) = parent.get(&at) {
        if prev == u32::MAX {
            break;
        }
        rev.push((prev, kind));
        at = (prev, facts);
    }
    rev.reverse();
    let mut steps = vec![(end.0, anchor)];
    steps.extend(rev);
    Cycle { steps }
}

/// One anomaly found in one component.
#[derive(Debug)]
pub enum Finding {
    Cycle {
        name: String,
        cycle: Cycle,
    },
    /// A cycle whose edges break `model` exists in these transactions, though no
    /// specific cycle was explained (Elle's `*-cycle-exists`).
    Exists {
        model: &'static str,
        kinds: Kinds,
        scc: Vec<u32>,
        /// One such cycle, to show.
        cycle: Cycle,
    },
    /// The search for `name` ran out of budget in a component of `size` transactions.
    Timeout {
        name: String,
        size: usize,
    },
}

/// Subgraphs whose cycles rule a model out (Elle's `cycle-exists-specs`, leaving out the
/// snapshot-isolation ones, which need composed graphs).
const EXISTS: [(&str, Kinds); 10] = [
    ("PL-1", WW),
    ("PL-2", WW | WR),
    ("PL-2.99", DATA),
    ("PL-3", DATA),
    ("strong-session-PL-1", WW | PROCESS),
    ("strong-session-PL-2", WW | WR | PROCESS),
    ("strong-session-serializable", DATA | PROCESS),
    ("strong-PL-1", WW | REALTIME),
    ("strong-PL-2", WW | WR | REALTIME),
    ("PL-SS", DATA | REALTIME),
];

/// Everything the cycle search finds in the graph. `extra` says which of PROCESS and
/// REALTIME edges the graph has. Cycles are searched for and named over the graph's
/// explained kinds ([`Graph::explained`]); cycle existence is decided on the raw kinds,
/// as Elle projects its graph.
pub fn search(graph: &Graph, extra: Kinds) -> Vec<Finding> {
    let explained = graph.explained();
    let mut scratch = Scratch::default();
    let mut out = Vec::new();
    for component in graph.sccs(DATA | extra, None, &mut scratch) {
        cycle_exists(graph, &component, extra, &mut scratch, &mut out);
        let mut redundant: HashSet<String> = HashSet::new();
        for (name, spec) in specs(extra) {
            if redundant.contains(&name) {
                continue;
            }
            match spec.search(&name, &explained, &component, &mut scratch) {
                Found::Cycle(cycle) => {
                    let found = cycle.classify();
                    redundant.extend(
                        models::implied_anomalies([found.as_str(), name.as_str()])
                            .into_iter()
                            .map(str::to_string),
                    );
                    out.push(Finding::Cycle { name: found, cycle });
                }
                Found::Nothing => {}
                Found::OutOfBudget => out.push(Finding::Timeout {
                    name,
                    size: component.len(),
                }),
            }
        }
    }
    out
}

fn cycle_exists(
    graph: &Graph,
    component: &[u32],
    extra: Kinds,
    scratch: &mut Scratch,
    out: &mut Vec<Finding>,
) {
    let mut ruled_out: HashSet<&str> = HashSet::new();
    for (model, kinds) in EXISTS {
        if ruled_out.contains(model) || kinds & !(DATA | extra) != 0 {
            continue;
        }
        let mut sccs = graph.sccs(kinds, Some(component), scratch);
        sccs.sort_by_key(Vec::len);
        if let Some(scc) = sccs.into_iter().next()
            && let Some(cycle) = shortest_cycle(graph, &scc, kinds)
        {
            ruled_out.extend(models::stronger_or_equal(model));
            out.push(Finding::Exists {
                model,
                kinds,
                scc,
                cycle,
            });
        }
    }
}

/// A shortest cycle through the first vertex of a component, over edges in `mask`.
fn shortest_cycle(graph: &Graph, scc: &[u32], mask: Kinds) -> Option<Cycle> {
    let members: HashSet<u32> = scc.iter().copied().collect();
    let start = *scc.first()?;
    let mut parent: HashMap<u32, (u32, Kinds)> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(x) = queue.pop_front() {
        for (y, kinds) in graph.out(x) {
            if kinds & mask == 0 || !members.contains(&y) || parent.contains_key(&y) {
                continue;
            }
            parent.insert(y, (x, preferred(kinds & mask)));
            if y == start {
                let mut steps = Vec::new();
                let mut at = start;
                loop {
                    let (prev, kind) = parent[&at];
                    steps.push((prev, kind));
                    at = prev;
                    if at == start {
                        break;
                    }
                }
                steps.reverse();
                return Some(Cycle { steps });
            }
            queue.push_back(y);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycles(n: usize, edges: Vec<(u32, u32, Kinds)>, extra: Kinds) -> Vec<String> {
        let g = Graph::new(n, edges);
        let mut names: Vec<String> = search(&g, extra)
            .into_iter()
            .filter_map(|f| match f {
                Finding::Cycle { name, .. } => Some(name),
                _ => None,
            })
            .collect();
        names.sort();
        names
    }

    #[test]
    fn classifies_by_edge_kinds() {
        let c = |kinds: &[Kinds]| {
            Cycle {
                steps: kinds
                    .iter()
                    .enumerate()
                    .map(|(i, k)| (i as u32, *k))
                    .collect(),
            }
            .classify()
        };
        assert_eq!(c(&[WW, WW]), "G0");
        assert_eq!(c(&[WW, WR]), "G1c");
        assert_eq!(c(&[WR, RW]), "G-single-item");
        assert_eq!(c(&[RW, WR, RW, WR]), "G-nonadjacent-item");
        assert_eq!(c(&[RW, RW, WR]), "G2-item");
        assert_eq!(c(&[RW, WR, RW]), "G2-item"); // last and first are adjacent
        assert_eq!(c(&[WR, REALTIME]), "G1c-realtime");
        assert_eq!(c(&[WW, PROCESS]), "G0-process");
    }

    #[test]
    fn finds_the_weakest_cycles_first() {
        // 0 ww 1 ww 0: G0 (which implies G1c, so no G1c is searched for).
        assert_eq!(cycles(2, vec![(0, 1, WW), (1, 0, WW)], 0), ["G0"]);
        // 0 wr 1 ww 0: G1c.
        assert_eq!(cycles(2, vec![(0, 1, WR), (1, 0, WW)], 0), ["G1c"]);
        // 0 wr 1 rw 0.
        assert_eq!(
            cycles(2, vec![(0, 1, WR), (1, 0, RW)], 0),
            ["G-single-item"]
        );
        // 0 rw 1 rw 0.
        assert_eq!(cycles(2, vec![(0, 1, RW), (1, 0, RW)], 0), ["G2-item"]);
        // 0 rw 1 wr 2 rw 3 wr 0.
        let nonadjacent = vec![(0, 1, RW), (1, 2, WR), (2, 3, RW), (3, 0, WR)];
        assert_eq!(cycles(4, nonadjacent, 0), ["G-nonadjacent-item"]);
    }

    #[test]
    fn a_g0_cycle_and_a_g_single_cycle_in_one_component() {
        // 0 ww 1 ww 0 and 1 wr 2 rw 1.
        let edges = vec![(0, 1, WW), (1, 0, WW), (1, 2, WR), (2, 1, RW)];
        assert_eq!(cycles(3, edges, 0), ["G-single-item", "G0"]);
    }

    #[test]
    fn realtime_variants_need_a_realtime_edge() {
        // 0 wr 1, and 1 finished before 0 began.
        let edges = vec![(0, 1, WR), (1, 0, REALTIME)];
        assert_eq!(cycles(2, edges.clone(), REALTIME), ["G1c-realtime"]);
        // Without real-time edges in the analysis, nothing.
        assert!(cycles(2, vec![(0, 1, WR)], 0).is_empty());
    }

    #[test]
    fn acyclic_graphs_have_no_findings() {
        let edges = vec![(0, 1, WW), (1, 2, WR), (0, 2, RW), (2, 3, WW)];
        assert!(search(&Graph::new(4, edges), 0).is_empty());
    }

    #[test]
    fn the_shortest_cycle_through_the_anchor_is_reported() {
        // A long G1c loop 0→1→2→3→0 and a short one 0→4→0, both with wr edges.
        let edges = vec![
            (0, 1, WW),
            (1, 2, WW),
            (2, 3, WW),
            (3, 0, WR),
            (0, 4, WR),
            (4, 0, WW),
        ];
        let found = search(&Graph::new(5, edges), 0);
        let lengths: Vec<usize> = found
            .iter()
            .filter_map(|f| match f {
                Finding::Cycle { cycle, .. } => Some(cycle.steps.len()),
                _ => None,
            })
            .collect();
        assert_eq!(lengths, [2]);
    }

    #[test]
    fn cycle_exists_names_the_weakest_broken_model() {
        let g = Graph::new(2, vec![(0, 1, WR), (1, 0, WW)]);
        let exists: Vec<&str> = search(&g, 0)
            .into_iter()
            .filter_map(|f| match f {
                Finding::Exists { model, cycle, .. } => {
                    assert_eq!(cycle.steps.len(), 2);
                    Some(model)
                }
                _ => None,
            })
            .collect();
        assert_eq!(exists, ["PL-2"]);
    }
}
