//! The partition nemesis at work, as Maelstrom's `src/maelstrom/core.clj` runs Jepsen's
//! partition package (`jepsen:jepsen/src/jepsen/nemesis/combined.clj`): from the start of
//! the main phase until its end, alternately partition the network and heal it, each
//! step recorded in the history as a nemesis operation.

use std::time::Instant;

use crossbeam_channel::Receiver;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::{Shape, grudge, next_gap};
use crate::history::{OpType, Process, Recorder};
use crate::net::Network;
use crate::sync::sleep_until;

/// What the nemesis acts on.
#[derive(Clone, Copy)]
pub struct Nemesis<'a> {
    pub net: &'a Network,
    pub history: &'a Recorder,
    pub nodes: &'a [String],
}

impl Nemesis<'_> {
    /// Partitions from now until `end`, alternating start and stop with gaps drawn by
    /// [`next_gap`] around `interval` seconds; the first partition starts at once.
    /// Returns early when `stop` disconnects, and says whether a partition is still in
    /// force.
    pub fn run(&self, interval: f64, seed: u64, end: Instant, stop: &Receiver<()>) -> bool {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut at = Instant::now();
        let mut partitioned = false;
        while at < end && sleep_until(stop, at) {
            if partitioned {
                self.heal();
            } else {
                let shape = Shape::random(&mut rng);
                let grudge = grudge(shape, self.nodes, &mut rng);
                self.record("start-partition", json!(shape.name()));
                self.net.set_grudge(grudge.clone());
                self.record("start-partition", json!(["isolated", grudge]));
            }
            partitioned = !partitioned;
            at += next_gap(interval, &mut rng);
        }
        partitioned
    }

    /// Ends any partition, recorded as Jepsen records a `stop-partition`.
    pub fn heal(&self) {
        self.record("stop-partition", Value::Null);
        self.net.heal();
        self.record("stop-partition", json!("network-healed"));
    }

    fn record(&self, f: &str, value: Value) {
        let nemesis = Process::Nemesis;
        self.history
            .record(OpType::Info, nemesis, f, value, None, false);
    }
}
