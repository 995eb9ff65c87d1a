//! A directed graph over transactions whose edges carry kinds (ww, wr, rw, process,
//! realtime), and Tarjan's strongly connected components over any subset of the kinds.
//!
//! Edges are stored once per ordered pair, with the kinds OR-ed together, in compressed
//! rows: the out-edges of vertex v are `targets[starts[v]..starts[v + 1]]`.

/// Edge kinds, as bits.
pub type Kinds = u8;
pub const WW: Kinds = 1;
pub const WR: Kinds = 2;
pub const RW: Kinds = 4;
pub const PROCESS: Kinds = 8;
pub const REALTIME: Kinds = 16;
pub const DATA: Kinds = WW | WR | RW;

/// Each kind's bit and the name Elle gives it.
pub const KIND_NAMES: [(Kinds, &str); 5] = [
    (WW, "ww"),
    (WR, "wr"),
    (RW, "rw"),
    (PROCESS, "process"),
    (REALTIME, "realtime"),
];

pub fn kind_name(kind: Kinds) -> &'static str {
    KIND_NAMES
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("?", |(_, name)| name)
}

/// The kind Elle's explainer names an edge with the kinds `k` by.
pub fn preferred(k: Kinds) -> Kinds {
    [WR, WW, RW, REALTIME, PROCESS]
        .into_iter()
        .find(|kind| k & kind != 0)
        .unwrap_or(0)
}

#[derive(Debug, Default)]
pub struct Graph {
    starts: Vec<usize>,
    targets: Vec<u32>,
    kinds: Vec<Kinds>,
}

const NONE: u32 = u32::MAX;

impl Graph {
    /// Builds a graph over vertices `0..n` from `(from, to, kind)` triples. Self-edges are
    /// dropped: a transaction never depends on itself.
    pub fn new(n: usize, mut edges: Vec<(u32, u32, Kinds)>) -> Graph {
        edges.retain(|(a, b, _)| a != b);
        edges.sort_unstable_by_key(|(a, b, _)| (*a, *b));
        let mut g = Graph {
            starts: vec![0; n + 1],
            targets: Vec::with_capacity(edges.len()),
            kinds: Vec::with_capacity(edges.len()),
        };
        let mut last: Option<(u32, u32)> = None;
        for (a, b, k) in edges {
            if last == Some((a, b)) {
                *g.kinds.last_mut().unwrap_or(&mut 0) |= k;
                continue;
            }
            last = Some((a, b));
            g.targets.push(b);
            g.kinds.push(k);
            g.starts[a as usize + 1] += 1;
        }
        for v in 0..n {
            g.starts[v + 1] += g.starts[v];
        }
        g
    }

    pub fn vertex_count(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn edge_count(&self) -> usize {
        self.targets.len()
    }

    /// Out-edges of `v` as (target, kinds).
    pub fn out(&self, v: u32) -> impl Iterator<Item = (u32, Kinds)> + '_ {
        let range = self.starts[v as usize]..self.starts[v as usize + 1];
        self.targets[range.clone()]
            .iter()
            .copied()
            .zip(self.kinds[range].iter().copied())
    }

    /// The kinds of the edge a → b (0 if none).
    #[cfg(test)]
    fn kinds_between(&self, a: u32, b: u32) -> Kinds {
        self.out(a).find(|(t, _)| *t == b).map_or(0, |(_, k)| k)
    }

    /// The same graph with each edge reduced to the one kind Elle's explainer would give
    /// it: wr before ww before rw before process and real-time order (the order of
    /// Elle's combined explainers). A pair that is both wr and rw is explained as wr,
    /// and that is the kind that names the cycle.
    pub fn explained(&self) -> Graph {
        Graph {
            starts: self.starts.clone(),
            targets: self.targets.clone(),
            kinds: self.kinds.iter().map(|k| preferred(*k)).collect(),
        }
    }

    /// How many edges have each kind.
    pub fn count_kind(&self, kind: Kinds) -> usize {
        self.kinds.iter().filter(|k| **k & kind != 0).count()
    }

    /// Strongly connected components with more than one vertex, using only edges with a
    /// kind in `mask`, among `vertices` (all of them when `None`). Iterative Tarjan.
    pub fn sccs(
        &self,
        mask: Kinds,
        vertices: Option<&[u32]>,
        scratch: &mut Scratch,
    ) -> Vec<Vec<u32>> {
        scratch.prepare(self.vertex_count());
        let all: Vec<u32>;
        let vertices = match vertices {
            Some(vs) => vs,
            None => {
                all = (0..self.vertex_count() as u32).collect();
                &all
            }
        };
        for &v in vertices {
            scratch.member[v as usize] = true;
        }
        let mut out = Vec::new();
        let mut counter = 0u32;
        // Call stack of (vertex, position in its out-edges).
        let mut calls: Vec<(u32, usize)> = Vec::new();
        for &root in vertices {
            if scratch.index[root as usize] != NONE {
                continue;
            }
            scratch.visit(root, &mut counter);
            calls.push((root, self.starts[root as usize]));
            while let Some(&(v, start)) = calls.last() {
                let end = self.starts[v as usize + 1];
                let mut pos = start;
                let mut next = None;
                while pos < end {
                    let (w, k) = (self.targets[pos], self.kinds[pos]);
                    pos += 1;
                    if k & mask == 0 || !scratch.member[w as usize] {
                        continue;
                    }
                    if scratch.index[w as usize] == NONE {
                        next = Some(w);
                        break;
                    } else if scratch.on_stack[w as usize] {
                        let low = scratch.low[v as usize].min(scratch.index[w as usize]);
                        scratch.low[v as usize] = low;
                    }
                }
                if let Some(top) = calls.last_mut() {
                    top.1 = pos;
                }
                if let Some(w) = next {
                    scratch.visit(w, &mut counter);
                    calls.push((w, self.starts[w as usize]));
                    continue;
                }
                calls.pop();
                if let Some(&(parent, _)) = calls.last() {
                    let low = scratch.low[parent as usize].min(scratch.low[v as usize]);
                    scratch.low[parent as usize] = low;
                }
                if scratch.low[v as usize] == scratch.index[v as usize] {
                    let mut component = Vec::new();
                    while let Some(w) = scratch.stack.pop() {
                        scratch.on_stack[w as usize] = false;
                        component.push(w);
                        if w == v {
                            break;
                        }
                    }
                    if component.len() > 1 {
                        component.sort_unstable();
                        out.push(component);
                    }
                }
            }
        }
        scratch.reset(vertices);
        out
    }
}

/// Per-vertex arrays reused across SCC searches, cleared after each by touching only the
/// vertices that search visited.
#[derive(Debug, Default)]
pub struct Scratch {
    index: Vec<u32>,
    low: Vec<u32>,
    on_stack: Vec<bool>,
    member: Vec<bool>,
    stack: Vec<u32>,
    touched: Vec<u32>,
}

impl Scratch {
    fn prepare(&mut self, n: usize) {
        if self.index.len() < n {
            self.index.resize(n, NONE);
            self.low.resize(n, NONE);
            self.on_stack.resize(n, false);
            self.member.resize(n, false);
        }
    }

    fn visit(&mut self, v: u32, counter: &mut u32) {
        self.index[v as usize] = *counter;
        self.low[v as usize] = *counter;
        *counter += 1;
        self.stack.push(v);
        self.on_stack[v as usize] = true;
        self.touched.push(v);
    }

    fn reset(&mut self, vertices: &[u32]) {
        for v in self.touched.drain(..) {
            self.index[v as usize] = NONE;
            self.low[v as usize] = NONE;
        }
        for &v in vertices {
            self.member[v as usize] = false;
        }
        self.stack.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_components_per_kind_mask() {
        // 0 -ww-> 1 -wr-> 2 -rw-> 0, and 3 -ww-> 4 -ww-> 3, and 5 alone.
        let g = Graph::new(
            6,
            vec![
                (0, 1, WW),
                (1, 2, WR),
                (2, 0, RW),
                (3, 4, WW),
                (4, 3, WW),
                (5, 5, WW),
            ],
        );
        let mut s = Scratch::default();
        assert_eq!(g.sccs(DATA, None, &mut s), vec![vec![0, 1, 2], vec![3, 4]]);
        assert_eq!(g.sccs(WW | WR, None, &mut s), vec![vec![3, 4]]);
        assert_eq!(g.sccs(DATA, Some(&[0, 1, 2]), &mut s), vec![vec![0, 1, 2]]);
        assert_eq!(g.kinds_between(2, 0), RW);
        assert_eq!(g.edge_count(), 5);
    }

    #[test]
    fn merges_parallel_edges_into_one_with_both_kinds() {
        let g = Graph::new(2, vec![(0, 1, WW), (0, 1, RW)]);
        assert_eq!(g.kinds_between(0, 1), WW | RW);
        assert_eq!(g.edge_count(), 1);
    }

    #[test]
    fn deep_chains_do_not_overflow_the_stack() {
        let n = 200_000u32;
        let mut edges: Vec<(u32, u32, Kinds)> = (0..n - 1).map(|i| (i, i + 1, WW)).collect();
        edges.push((n - 1, 0, WW));
        let g = Graph::new(n as usize, edges);
        let sccs = g.sccs(WW, None, &mut Scratch::default());
        assert_eq!(sccs.len(), 1);
        assert_eq!(sccs[0].len(), n as usize);
    }
}
