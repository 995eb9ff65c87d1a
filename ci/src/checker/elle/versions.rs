//! The version order of each key, as far as a register history reveals it.
//!
//! A register read shows only the current value, so the order of values is inferred
//! from two facts only (`elle:src/elle/rw_register.clj`, `version-graphs`, with the
//! `:wfr-keys? true` Maelstrom passes in `src/maelstrom/workload/txn_rw_register.clj`):
//!
//! 1. `initial-state`: `nil` comes before every value written or read;
//! 2. `wfr-keys` (writes follow reads): a transaction that read v and then wrote v′ to
//!    the same key put v′ after v.
//!
//! If the second source makes some key's order cyclic, Elle reports `cyclic-versions`
//! and drops that source altogether, for every key.

use std::collections::HashMap;

use super::graph::{DATA, Graph, Scratch, WW};
use super::txn::{Key, Txns, Val};
use crate::history::OpType;

#[derive(Debug, Default)]
pub struct Versions {
    /// Per key, the edges v1 → v2 of the inferred order.
    pub edges: HashMap<Key, Vec<(Val, Val)>>,
    /// Per key, values in a cycle of the order (when wfr was dropped).
    pub cyclic: Vec<(Key, Vec<Val>)>,
}

impl Versions {
    pub fn infer(txns: &Txns) -> Versions {
        let mut initial: HashMap<Key, Vec<(Val, Val)>> = HashMap::new();
        let mut wfr: HashMap<Key, Vec<(Val, Val)>> = HashMap::new();
        for txn in &txns.txns {
            let reads = match txn.kind {
                OpType::Ok => txn.ext_reads(),
                OpType::Info => Vec::new(),
                _ => continue,
            };
            let writes = txn.ext_writes();
            for &(key, value) in writes.iter().chain(&reads) {
                if value.is_some() {
                    initial.entry(key).or_default().push((None, value));
                }
            }
            if txn.kind != OpType::Ok {
                continue;
            }
            for &(key, read) in reads.iter().filter(|(_, v)| v.is_some()) {
                if let Some(&(_, written @ Some(_))) = writes.iter().find(|(k, _)| *k == key) {
                    wfr.entry(key).or_default().push((read, written));
                }
            }
        }
        let mut combined = initial.clone();
        for (key, edges) in wfr {
            combined.entry(key).or_default().extend(edges);
        }
        for edges in combined.values_mut().chain(initial.values_mut()) {
            edges.sort_unstable();
            edges.dedup();
        }
        let cyclic = cycles(&combined);
        if cyclic.is_empty() {
            Versions {
                edges: combined,
                cyclic,
            }
        } else {
            Versions {
                edges: initial,
                cyclic,
            }
        }
    }

    /// Whether v1 → v2 is an edge of key's order.
    pub fn precedes(&self, key: Key, v1: Val, v2: Val) -> bool {
        self.edges
            .get(&key)
            .is_some_and(|edges| edges.binary_search(&(v1, v2)).is_ok())
    }
}

/// Every cycle (strongly connected component) of every key's version graph.
fn cycles(graphs: &HashMap<Key, Vec<(Val, Val)>>) -> Vec<(Key, Vec<Val>)> {
    let mut out = Vec::new();
    let mut scratch = Scratch::default();
    let mut keys: Vec<&Key> = graphs.keys().collect();
    keys.sort_unstable();
    for key in keys {
        let mut ids: HashMap<Val, u32> = HashMap::new();
        let mut names: Vec<Val> = Vec::new();
        let mut id = |v: Val| {
            *ids.entry(v).or_insert_with(|| {
                names.push(v);
                names.len() as u32 - 1
            })
        };
        let edges: Vec<(u32, u32, u8)> = graphs[key]
            .iter()
            .map(|&(a, b)| (id(a), id(b), WW))
            .collect();
        let graph = Graph::new(names.len(), edges);
        for scc in graph.sccs(DATA, None, &mut scratch) {
            out.push((*key, scc.into_iter().map(|i| names[i as usize]).collect()));
        }
    }
    out
}
