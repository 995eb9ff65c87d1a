//! Network partitions: which shapes `--nemesis partition` cuts the network into, and
//! when. [`schedule`] applies them to the network over a run.
//!
//! Maelstrom uses Jepsen's partition package (`src/maelstrom/nemesis.clj` →
//! `jepsen:jepsen/src/jepsen/nemesis/combined.clj`, `partition-package` and `grudge`),
//! whose shapes come from `jepsen:jepsen/src/jepsen/nemesis.clj` (`complete-grudge`,
//! `bisect`, `split-one`, `majorities-ring`) and `jepsen:jepsen/src/jepsen/util.clj`
//! (`majority`, `minority-third`), all at Jepsen 0.3.7.

use std::collections::BTreeSet;
use std::time::Duration;

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};

use crate::net::Grudge;

mod schedule;

pub use schedule::Nemesis;

/// Whether `grudge` drops a message from `src` to `dest`.
pub fn drops(grudge: &Grudge, src: &str, dest: &str) -> bool {
    grudge
        .get(dest)
        .is_some_and(|senders| senders.contains(src))
}

/// The four shapes a partition can take; each start of a partition picks one at random.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One random node cut off from all others, both ways.
    One,
    /// Fewer than a third of the nodes cut off from the rest, both ways.
    MinorityThird,
    /// The nodes split into a minority and a majority, both ways.
    Majority,
    /// Every node hears a majority, but no two nodes hear the same majority.
    MajoritiesRing,
}

impl Shape {
    /// In Jepsen's order (`partition-specs`).
    pub const ALL: [Shape; 4] = [
        Shape::One,
        Shape::MinorityThird,
        Shape::Majority,
        Shape::MajoritiesRing,
    ];

    /// Picks a shape uniformly, as Jepsen's `rand-nth` over the four does.
    pub fn random(rng: &mut StdRng) -> Shape {
        *Shape::ALL.choose(rng).unwrap_or(&Shape::One)
    }

    /// Jepsen's name, recorded as the value of a `start-partition` operation.
    pub fn name(self) -> &'static str {
        match self {
            Shape::One => "one",
            Shape::MinorityThird => "minority-third",
            Shape::Majority => "majority",
            Shape::MajoritiesRing => "majorities-ring",
        }
    }
}

/// The smallest number strictly greater than half of `n`.
fn majority(n: usize) -> usize {
    n / 2 + 1
}

/// The largest number strictly less than a third of `n`.
fn minority_third(n: usize) -> usize {
    n.saturating_sub(1) / 3
}

/// Draws the grudge for one partition of the given shape over `nodes`.
pub fn grudge(shape: Shape, nodes: &[String], rng: &mut StdRng) -> Grudge {
    let mut shuffled = nodes.to_vec();
    shuffled.shuffle(rng);
    match shape {
        Shape::One => {
            let loner = shuffled.pop().into_iter().collect::<Vec<_>>();
            complete_grudge(&[loner, shuffled])
        }
        Shape::MinorityThird => {
            let rest = shuffled.split_off(minority_third(nodes.len()));
            complete_grudge(&[shuffled, rest])
        }
        Shape::Majority => {
            // Jepsen's `bisect`: the smaller half first.
            let rest = shuffled.split_off(nodes.len() / 2);
            complete_grudge(&[shuffled, rest])
        }
        Shape::MajoritiesRing if nodes.len() <= 5 => majorities_ring_perfect(&shuffled),
        Shape::MajoritiesRing => majorities_ring_stochastic(nodes, rng),
    }
}

/// Each node drops every node outside its own component.
fn complete_grudge(components: &[Vec<String>]) -> Grudge {
    let mut grudge = Grudge::new();
    for (i, component) in components.iter().enumerate() {
        let others: BTreeSet<String> = components
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .flat_map(|(_, c)| c.iter().cloned())
            .collect();
        for node in component {
            grudge.insert(node.clone(), others.clone());
        }
    }
    grudge
}

/// For up to five nodes (`majorities-ring-perfect`): the nodes, already shuffled, form a
/// ring. Each node keeps the window of `majority(n)` consecutive ring positions in
/// which it sits at offset `majority(n) / 2`, and drops everyone outside it. With five
/// nodes each hears its two neighbours; with three, each drops one other node and the
/// cuts run one way round the ring; with one or two nothing is cut.
fn majorities_ring_perfect(ring: &[String]) -> Grudge {
    let n = ring.len();
    let m = majority(n);
    (0..n)
        .map(|start| {
            let window: BTreeSet<&String> = (0..m).map(|k| &ring[(start + k) % n]).collect();
            let centre = ring[(start + m / 2) % n].clone();
            let dropped = ring
                .iter()
                .filter(|node| !window.contains(node))
                .cloned()
                .collect();
            (centre, dropped)
        })
        .collect()
}

/// For more than five nodes (`majorities-ring-stochastic`): starting with every node
/// linked only to itself, repeatedly link a least-linked node to another least-linked
/// node it is not linked to yet (ties broken at random), until every node is linked
/// to at least `majority(n)` nodes counting itself. Each node drops the nodes it is
/// not linked to, so the cuts are symmetric.
fn majorities_ring_stochastic(nodes: &[String], rng: &mut StdRng) -> Grudge {
    let m = majority(nodes.len());
    let mut links: Vec<BTreeSet<usize>> = (0..nodes.len()).map(|i| BTreeSet::from([i])).collect();
    loop {
        // Every node, least linked first, in random order within a degree.
        let mut order: Vec<usize> = (0..nodes.len()).collect();
        order.shuffle(rng);
        order.sort_by_key(|&i| links[i].len());
        let a = order[0];
        if links[a].len() >= m {
            break;
        }
        // `a` is not linked to everyone (it has fewer than a majority), so `b` exists.
        let Some(&b) = order.iter().find(|&&b| !links[a].contains(&b)) else {
            break;
        };
        links[a].insert(b);
        links[b].insert(a);
    }
    nodes
        .iter()
        .zip(&links)
        .map(|(node, linked)| {
            let dropped = (0..nodes.len())
                .filter(|i| !linked.contains(i))
                .map(|i| nodes[i].clone())
                .collect();
            (node.clone(), dropped)
        })
        .collect()
}

/// The wait before the next nemesis operation: uniform in [0, 2 × interval), so the
/// mean is the interval (Jepsen's `stagger`, `jepsen:jepsen/src/jepsen/generator.clj`,
/// which draws whole nanoseconds).
pub fn next_gap(interval_s: f64, rng: &mut StdRng) -> Duration {
    let bound = (2.0 * interval_s * 1e9) as u64;
    if bound == 0 {
        return Duration::ZERO;
    }
    Duration::from_nanos(rng.random_range(0..bound))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn nodes(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("n{i}")).collect()
    }

    /// Nodes that drop at least one sender.
    fn cut_nodes(grudge: &Grudge) -> usize {
        grudge
            .values()
            .filter(|senders| !senders.is_empty())
            .count()
    }

    fn is_noop(grudge: &Grudge) -> bool {
        cut_nodes(grudge) == 0
    }

    fn is_symmetric(grudge: &Grudge) -> bool {
        grudge
            .iter()
            .all(|(dest, srcs)| srcs.iter().all(|src| drops(grudge, dest, src)))
    }

    /// How many nodes each node hears, itself included.
    fn heard(grudge: &Grudge, n: usize) -> Vec<usize> {
        grudge.values().map(|dropped| n - dropped.len()).collect()
    }

    /// The sizes of the two sides of a clean split: each side is a set of nodes that
    /// drop exactly the other side.
    fn sides(grudge: &Grudge, n: usize) -> (usize, usize) {
        let small = grudge.values().map(BTreeSet::len).min().unwrap_or(0);
        let mut sizes = (small, n - small);
        if sizes.0 > sizes.1 {
            sizes = (sizes.1, sizes.0);
        }
        sizes
    }

    fn each_seed(mut check: impl FnMut(&mut StdRng)) {
        for seed in 0..50 {
            check(&mut StdRng::seed_from_u64(seed));
        }
    }

    #[test]
    fn one_node_means_no_partition_at_all() {
        each_seed(|rng| {
            for shape in Shape::ALL {
                let g = grudge(shape, &nodes(1), rng);
                assert!(is_noop(&g), "{shape:?}: {g:?}");
                assert_eq!(g.len(), 1);
            }
        });
    }

    #[test]
    fn two_nodes_split_by_one_and_majority_only() {
        each_seed(|rng| {
            for shape in [Shape::One, Shape::Majority] {
                let g = grudge(shape, &nodes(2), rng);
                assert_eq!(cut_nodes(&g), 2, "{shape:?}: {g:?}");
                assert!(is_symmetric(&g));
            }
            for shape in [Shape::MinorityThird, Shape::MajoritiesRing] {
                assert!(is_noop(&grudge(shape, &nodes(2), rng)), "{shape:?}");
            }
        });
    }

    #[test]
    fn three_nodes_ring_is_one_directional() {
        each_seed(|rng| {
            assert!(is_noop(&grudge(Shape::MinorityThird, &nodes(3), rng)));
            let ring = grudge(Shape::MajoritiesRing, &nodes(3), rng);
            // Each node drops exactly one other, and nobody drops the node dropping it.
            assert!(ring.values().all(|dropped| dropped.len() == 1), "{ring:?}");
            for (dest, srcs) in &ring {
                for src in srcs {
                    assert!(!drops(&ring, dest, src), "{ring:?} is symmetric somewhere");
                }
            }
            let one = grudge(Shape::One, &nodes(3), rng);
            assert_eq!(sides(&one, 3), (1, 2));
            assert_eq!(sides(&grudge(Shape::Majority, &nodes(3), rng), 3), (1, 2));
        });
    }

    #[test]
    fn five_nodes_cut_one_one_and_two() {
        each_seed(|rng| {
            let one = grudge(Shape::One, &nodes(5), rng);
            assert_eq!(sides(&one, 5), (1, 4));
            assert!(is_symmetric(&one));
            let third = grudge(Shape::MinorityThird, &nodes(5), rng);
            assert_eq!(sides(&third, 5), (1, 4));
            let majority = grudge(Shape::Majority, &nodes(5), rng);
            assert_eq!(sides(&majority, 5), (2, 3));
            assert!(is_symmetric(&majority));
            // The ring: everyone hears itself and its two neighbours, and no two
            // nodes hear the same three.
            let ring = grudge(Shape::MajoritiesRing, &nodes(5), rng);
            assert_eq!(heard(&ring, 5), [3; 5]);
            let majorities: BTreeSet<_> = ring.values().collect();
            assert_eq!(majorities.len(), 5);
            assert!(is_symmetric(&ring));
        });
    }

    #[test]
    fn twenty_five_nodes_cut_one_eight_and_twelve() {
        each_seed(|rng| {
            assert_eq!(sides(&grudge(Shape::One, &nodes(25), rng), 25), (1, 24));
            assert_eq!(
                sides(&grudge(Shape::MinorityThird, &nodes(25), rng), 25),
                (8, 17)
            );
            assert_eq!(
                sides(&grudge(Shape::Majority, &nodes(25), rng), 25),
                (12, 13)
            );
            let ring = grudge(Shape::MajoritiesRing, &nodes(25), rng);
            assert!(is_symmetric(&ring));
            assert!(heard(&ring, 25).iter().all(|&h| h >= 13), "{ring:?}");
            // Some node is cut off from something: this is a real partition.
            assert!(!is_noop(&ring));
        });
    }

    #[test]
    fn larger_rings_give_every_node_a_majority() {
        each_seed(|rng| {
            for n in 6..=12 {
                let ring = grudge(Shape::MajoritiesRing, &nodes(n), rng);
                assert_eq!(ring.len(), n);
                assert!(is_symmetric(&ring));
                assert!(heard(&ring, n).iter().all(|&h| h >= majority(n)));
                assert!(ring.iter().all(|(node, dropped)| !dropped.contains(node)));
            }
        });
    }

    #[test]
    fn shapes_and_names() {
        let mut rng = StdRng::seed_from_u64(1);
        let drawn: BTreeSet<_> = (0..100).map(|_| Shape::random(&mut rng).name()).collect();
        assert_eq!(drawn.len(), 4);
        assert!(drawn.contains("majorities-ring"));
    }

    #[test]
    fn gaps_are_uniform_below_twice_the_interval() {
        let mut rng = StdRng::seed_from_u64(2);
        let gaps: Vec<f64> = (0..2000)
            .map(|_| next_gap(10.0, &mut rng).as_secs_f64())
            .collect();
        assert!(gaps.iter().all(|&g| (0.0..20.0).contains(&g)));
        let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        assert!((9.0..11.0).contains(&mean), "mean {mean}");
        assert!(gaps.iter().any(|&g| g < 2.0) && gaps.iter().any(|&g| g > 18.0));
        assert_eq!(next_gap(0.0, &mut rng), Duration::ZERO);
    }
}
