//! `broadcast`: clients broadcast the integers 0, 1, 2, … to any node and read back the
//! set each node has; every value must eventually reach every node.
//!
//! Follows `src/maelstrom/workload/broadcast.clj`: each node first gets a `topology`
//! message suggesting neighbours; then half the operations are `broadcast`, half
//! `read`; at the end every client thread reads once more, and the history is judged
//! by Jepsen's set-full checker with `broadcast` as the add.

use std::collections::BTreeMap;

use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::schema::{Field, read_field, send_value};
use super::{Client, Completion, Generator, Invocation, Rpc, RpcFailure, Workload, final_read};
use crate::checker::set_full;
use crate::options::Topology;

/// A topology: each node's neighbours.
pub type Neighbours = BTreeMap<String, Vec<String>>;

/// The neighbours `--topology` gives each node, nodes taken in `node_ids` order.
pub fn topology(kind: Topology, nodes: &[String]) -> Neighbours {
    match kind {
        Topology::Grid => grid(nodes),
        Topology::Line => line(nodes),
        Topology::Total => total(nodes),
        Topology::Tree | Topology::Tree2 => tree(2, nodes),
        Topology::Tree3 => tree(3, nodes),
        Topology::Tree4 => tree(4, nodes),
    }
}

/// A square grid of side ⌈√n⌉ filled row by row; each node's neighbours are, in this
/// order, the nodes below, above, right and left of it that exist.
fn grid(nodes: &[String]) -> Neighbours {
    let n = nodes.len() as isize;
    let side = (n as f64).sqrt().ceil() as isize;
    let at = |row: isize, col: isize| {
        let index = row * side + col;
        (row >= 0 && (0..side).contains(&col) && index < n).then(|| nodes[index as usize].clone())
    };
    let mut neighbours = Neighbours::new();
    for row in 0..side {
        for col in 0..side {
            if let Some(node) = at(row, col) {
                let around = [
                    at(row + 1, col),
                    at(row - 1, col),
                    at(row, col + 1),
                    at(row, col - 1),
                ];
                neighbours.insert(node, around.into_iter().flatten().collect());
            }
        }
    }
    neighbours
}

/// A line: each node's neighbours are the nodes before and after it. A single node has
/// no entry at all.
fn line(nodes: &[String]) -> Neighbours {
    if nodes.len() < 2 {
        return Neighbours::new();
    }
    nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let before = i.checked_sub(1).map(|j| nodes[j].clone());
            let after = nodes.get(i + 1).cloned();
            (node.clone(), before.into_iter().chain(after).collect())
        })
        .collect()
}

/// Everyone is everyone else's neighbour.
fn total(nodes: &[String]) -> Neighbours {
    nodes
        .iter()
        .map(|node| {
            let others = nodes
                .iter()
                .filter(|other| *other != node)
                .cloned()
                .collect();
            (node.clone(), others)
        })
        .collect()
}

/// A tree with `branching` children per node, laid out like a heap: node i's children
/// are nodes b·i+1 … b·i+b. Neighbours are the parent (if any), then the children.
fn tree(branching: usize, nodes: &[String]) -> Neighbours {
    nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let parent = i.checked_sub(1).map(|j| nodes[j / branching].clone());
            let children = (branching * i + 1..=branching * i + branching)
                .filter_map(|child| nodes.get(child).cloned());
            (node.clone(), parent.into_iter().chain(children).collect())
        })
        .collect()
}

/// The broadcast workload. Every node gets the whole topology, not just its own
/// neighbours, and each thread ends with one final read.
pub fn workload() -> Workload {
    Workload {
        setup_request: Some(|_node, opts| {
            let neighbours = topology(opts.topology, &opts.nodes);
            json!({"type": "topology", "topology": neighbours})
        }),
        final_phase: Some(final_read),
        ..Workload::new(
            || Box::new(BroadcastClient),
            |_| Box::new(SetGenerator::new("broadcast")),
            |history, run| set_full::check(history, "broadcast", run),
        )
    }
}

/// Half adds of 0, 1, 2, … (`broadcast` for broadcast, `add` for g-set), half reads:
/// the `gen/mix` of Maelstrom's `broadcast.clj` and `g_set.clj`.
#[derive(Debug)]
pub struct SetGenerator {
    add_f: &'static str,
    next_value: u64,
}

impl SetGenerator {
    pub fn new(add_f: &'static str) -> SetGenerator {
        SetGenerator {
            add_f,
            next_value: 0,
        }
    }
}

impl Generator for SetGenerator {
    fn next_op(&mut self, rng: &mut StdRng) -> Option<Invocation> {
        if rng.random_bool(0.5) {
            let value = self.next_value;
            self.next_value += 1;
            Some(Invocation::new(self.add_f, value.into()))
        } else {
            Some(Invocation::new("read", Value::Null))
        }
    }
}

/// Sends `broadcast` and `read` to one node.
#[derive(Debug)]
pub struct BroadcastClient;

impl Client for BroadcastClient {
    fn invoke(&mut self, rpc: &mut dyn Rpc, op: &Invocation) -> Completion {
        // A read that timed out certainly changed nothing, so it can simply fail; a
        // broadcast that timed out may still have happened.
        let idempotent = op.f == "read";
        let outcome = match op.f.as_str() {
            "broadcast" => send_value(rpc, "broadcast", "message", &op.value),
            "read" => read_field(rpc, "messages", Field::Array),
            other => Err(RpcFailure::Malformed(format!("unknown operation {other}"))),
        };
        Completion::from_result(op, outcome, idempotent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::OpType;
    use crate::workload::Canned;
    use rand::SeedableRng;

    fn nodes(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("n{i}")).collect()
    }

    fn shown(neighbours: &Neighbours) -> Vec<String> {
        neighbours
            .iter()
            .map(|(node, around)| format!("{node}:{}", around.join(",")))
            .collect()
    }

    #[test]
    fn grid_of_five_matches_maelstrom() {
        let g = topology(Topology::Grid, &nodes(5));
        assert_eq!(
            shown(&g),
            ["n0:n3,n1", "n1:n4,n2,n0", "n2:n1", "n3:n0,n4", "n4:n1,n3"]
        );
        assert_eq!(shown(&topology(Topology::Grid, &nodes(1))), ["n0:"]);
        // 25 nodes: a 5×5 grid, so a corner has two neighbours and the centre four.
        let g = topology(Topology::Grid, &nodes(25));
        assert_eq!(g["n0"], ["n5", "n1"]);
        assert_eq!(g["n12"], ["n17", "n7", "n13", "n11"]);
    }

    #[test]
    fn line_and_total() {
        assert!(topology(Topology::Line, &nodes(1)).is_empty());
        assert_eq!(
            shown(&topology(Topology::Line, &nodes(2))),
            ["n0:n1", "n1:n0"]
        );
        assert_eq!(
            shown(&topology(Topology::Line, &nodes(3))),
            ["n0:n1", "n1:n0,n2", "n2:n1"]
        );
        assert_eq!(
            shown(&topology(Topology::Total, &nodes(3))),
            ["n0:n1,n2", "n1:n0,n2", "n2:n0,n1"]
        );
    }

    #[test]
    fn trees_are_heaps() {
        let t = topology(Topology::Tree, &nodes(6));
        assert_eq!(
            shown(&t),
            [
                "n0:n1,n2",
                "n1:n0,n3,n4",
                "n2:n0,n5",
                "n3:n1",
                "n4:n1",
                "n5:n2"
            ]
        );
        assert_eq!(topology(Topology::Tree2, &nodes(6)), t);
        let t3 = topology(Topology::Tree3, &nodes(5));
        assert_eq!(
            shown(&t3),
            ["n0:n1,n2,n3", "n1:n0,n4", "n2:n0", "n3:n0", "n4:n1"]
        );
        let t4 = topology(Topology::Tree4, &nodes(7));
        assert_eq!(t4["n0"], ["n1", "n2", "n3", "n4"]);
        assert_eq!(t4["n1"], ["n0", "n5", "n6"]);
        assert_eq!(shown(&topology(Topology::Tree, &nodes(1))), ["n0:"]);
    }

    #[test]
    fn generator_mixes_unique_broadcasts_and_reads() {
        let mut generator = SetGenerator::new("broadcast");
        let mut rng = StdRng::seed_from_u64(4);
        let ops: Vec<_> = (0..1000)
            .map(|_| generator.next_op(&mut rng).unwrap())
            .collect();
        let values: Vec<u64> = ops
            .iter()
            .filter(|op| op.f == "broadcast")
            .map(|op| op.value.as_u64().unwrap())
            .collect();
        assert_eq!(values, (0..values.len() as u64).collect::<Vec<_>>());
        assert!(
            (400..600).contains(&values.len()),
            "{} broadcasts",
            values.len()
        );
    }

    fn invoke(f: &str, value: Value, reply: Result<Value, RpcFailure>) -> Completion {
        BroadcastClient.invoke(&mut Canned(reply), &Invocation::new(f, value))
    }

    #[test]
    fn client_checks_replies_and_classifies_failures() {
        let ok = invoke(
            "read",
            Value::Null,
            Ok(json!({"type": "read_ok", "messages": [1, 2], "in_reply_to": 1})),
        );
        assert_eq!(ok, Completion::ok(json!([1, 2])));
        let ok = invoke(
            "broadcast",
            json!(3),
            Ok(json!({"type": "broadcast_ok", "in_reply_to": 1})),
        );
        assert_eq!(ok, Completion::ok(json!(3)));
        // Closed schemas: an extra field makes the operation indeterminate.
        let extra = invoke(
            "broadcast",
            json!(3),
            Ok(json!({"type": "broadcast_ok", "ok": true})),
        );
        assert_eq!(extra.kind, OpType::Info);
        let not_array = invoke(
            "read",
            Value::Null,
            Ok(json!({"type": "read_ok", "messages": 5})),
        );
        assert_eq!(not_array.kind, OpType::Info);
        // Reads are idempotent: a timed-out read fails, a timed-out broadcast is info.
        assert_eq!(
            invoke("read", Value::Null, Err(RpcFailure::Timeout)).kind,
            OpType::Fail
        );
        let lost = invoke("broadcast", json!(3), Err(RpcFailure::Timeout));
        assert_eq!((lost.kind, lost.value), (OpType::Info, json!(3)));
    }
}
