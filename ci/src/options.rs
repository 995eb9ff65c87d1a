//! A run's options as typed values: what the command line (`crate::cli`) parses into,
//! what workloads and checkers are given, and what `results.json` records under `opts`
//! so that `serve` can read it back.

use std::fmt;
use std::path::PathBuf;

use clap::ValueEnum;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The workloads `-w` names. Maelstrom's spelling of each (`unique-ids`) is the one clap
/// derives from the variant, and [`WorkloadName::name`] gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WorkloadName {
    Echo,
    UniqueIds,
    Broadcast,
    GSet,
    GCounter,
    PnCounter,
    Kafka,
    LinKv,
    TxnRwRegister,
    TxnListAppend,
}

/// How latencies of messages between servers are drawn around the mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LatencyDist {
    Constant,
    Uniform,
    Exponential,
}

/// The broadcast topology sent to nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Topology {
    Grid,
    Line,
    Tree,
    Tree2,
    Tree3,
    Tree4,
    Total,
}

/// The name clap parses a value from, e.g. `unique-ids` or `tree2`.
fn clap_name(value: &impl ValueEnum) -> String {
    value
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

impl WorkloadName {
    /// Maelstrom's spelling, e.g. `unique-ids`.
    pub fn name(self) -> String {
        clap_name(&self)
    }
}

impl fmt::Display for WorkloadName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&clap_name(self))
    }
}

impl fmt::Display for LatencyDist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&clap_name(self))
    }
}

impl fmt::Display for Topology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&clap_name(self))
    }
}

/// `--availability`: `total`, or the least fraction of operations that must succeed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Availability {
    Total,
    AtLeast(f64),
}

impl std::str::FromStr for Availability {
    type Err = String;
    /// Maelstrom reads the value as EDN, so a ratio such as `1/2` is a number too.
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "total" {
            return Ok(Availability::Total);
        }
        let number = match s.split_once('/') {
            Some((n, d)) => match (n.parse::<i64>(), d.parse::<i64>()) {
                (Ok(n), Ok(d)) if d != 0 => Some(n as f64 / d as f64),
                _ => None,
            },
            None => s.parse::<f64>().ok(),
        };
        match number {
            Some(a) if (0.0..=1.0).contains(&a) => Ok(Availability::AtLeast(a)),
            _ => Err("must be either 'total' or a number between 0 and 1.".into()),
        }
    }
}

/// As the command line spells it: `total` or the number.
impl fmt::Display for Availability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Availability::Total => f.write_str("total"),
            Availability::AtLeast(a) => write!(f, "{a:?}"),
        }
    }
}

/// In `results.json`: `"total"` or the number.
impl Serialize for Availability {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Availability::Total => s.serialize_str("total"),
            Availability::AtLeast(a) => s.serialize_f64(*a),
        }
    }
}

impl<'de> Deserialize<'de> for Availability {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) if s == "total" => Ok(Availability::Total),
            serde_json::Value::Number(n) => n
                .as_f64()
                .map(Availability::AtLeast)
                .ok_or_else(|| serde::de::Error::custom("not a fraction")),
            other => Err(serde::de::Error::custom(format!(
                "not an availability: {other}"
            ))),
        }
    }
}

/// `--concurrency`: a number of client threads, or `Kn` for K per node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concurrency {
    Threads(usize),
    PerNode(usize),
}

impl Concurrency {
    pub fn threads(self, node_count: usize) -> usize {
        match self {
            Concurrency::Threads(n) => n,
            Concurrency::PerNode(k) => k * node_count,
        }
    }
}

impl std::str::FromStr for Concurrency {
    type Err = String;
    /// Jepsen's rule: digits, optionally followed by `n`.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || "Must be an integer, optionally followed by n.".to_string();
        let (digits, per_node) = match s.strip_suffix('n') {
            Some(k) => (k, true),
            None => (s, false),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let k = digits.parse().map_err(|_| bad())?;
        Ok(if per_node {
            Concurrency::PerNode(k)
        } else {
            Concurrency::Threads(k)
        })
    }
}

/// (De)serializes a clap value by its command-line name.
pub(crate) mod by_name {
    use clap::ValueEnum;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<T: ValueEnum, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::clap_name(value))
    }

    pub fn deserialize<'de, T: ValueEnum, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        let name = String::deserialize(d)?;
        T::from_str(&name, false).map_err(serde::de::Error::custom)
    }
}

/// A whole number as an integer (`10`, not `10.0`), as the command line takes it;
/// runs written before it took only whole numbers have `10.0`, which reads the same.
fn whole<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
    if value.fract() == 0.0 && value.abs() < 9e15 {
        s.serialize_i64(*value as i64)
    } else {
        s.serialize_f64(*value)
    }
}

/// What a run was asked to do, with the nodes named and the client threads counted:
/// everything about the run `results.json` records under `opts`, with the command line's
/// names as keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RunOptions {
    #[serde(with = "by_name")]
    pub workload: WorkloadName,
    pub bin: PathBuf,
    /// Arguments passed on to the node binary.
    pub args: Vec<String>,
    pub nodes: Vec<String>,
    /// Seconds of the main phase (a whole number, as the command line takes it).
    #[serde(serialize_with = "whole")]
    pub time_limit: f64,
    /// Client operations per second, all clients together.
    pub rate: f64,
    /// Client threads.
    pub concurrency: usize,
    /// Mean latency in ms of messages between servers (a whole number, as the command
    /// line takes it).
    #[serde(serialize_with = "whole")]
    pub latency: f64,
    #[serde(with = "by_name")]
    pub latency_dist: LatencyDist,
    pub nemesis: Vec<String>,
    /// Mean seconds between nemesis operations.
    pub nemesis_interval: f64,
    pub availability: Option<Availability>,
    #[serde(with = "by_name")]
    pub topology: Topology,
    pub consistency_models: String,
    pub max_txn_length: usize,
    pub max_writes_per_key: usize,
    pub key_count: usize,
}

impl RunOptions {
    /// Whether the nemesis partitions the network.
    pub fn partitions(&self) -> bool {
        self.nemesis.iter().any(|n| n == "partition")
    }
}

/// The node client thread `t` talks to for the whole run: node `t mod N`.
pub fn node_of_thread(nodes: &[String], thread: usize) -> &str {
    match nodes.len() {
        0 => "",
        n => &nodes[thread % n],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_maelstroms() {
        assert_eq!(WorkloadName::UniqueIds.name(), "unique-ids");
        assert_eq!(WorkloadName::TxnRwRegister.to_string(), "txn-rw-register");
        assert_eq!(WorkloadName::LinKv.name(), "lin-kv");
        assert_eq!(WorkloadName::GSet.name(), "g-set");
        assert_eq!(WorkloadName::PnCounter.name(), "pn-counter");
        assert_eq!(WorkloadName::TxnListAppend.name(), "txn-list-append");
        assert_eq!(Topology::Tree2.to_string(), "tree2");
        assert_eq!(LatencyDist::Exponential.to_string(), "exponential");
        assert_eq!(Availability::AtLeast(0.5).to_string(), "0.5");
    }

    #[test]
    fn rejects_bad_values() {
        assert!("2x".parse::<Concurrency>().is_err());
        assert!("+2".parse::<Concurrency>().is_err());
        assert!("1.5".parse::<Availability>().is_err());
        assert_eq!(
            "0.99".parse::<Availability>(),
            Ok(Availability::AtLeast(0.99))
        );
        assert_eq!(
            "1/4".parse::<Availability>(),
            Ok(Availability::AtLeast(0.25))
        );
    }

    /// `results.json` holds whole numbers as the command line takes them, and runs
    /// written before, with `10.0`, read the same.
    #[test]
    fn whole_numbers_are_written_as_integers_and_read_in_both_forms() {
        let opts = |time_limit: serde_json::Value, latency: serde_json::Value| {
            serde_json::from_value::<RunOptions>(serde_json::json!({
                "workload": "echo", "bin": "x", "args": [], "nodes": ["n0"],
                "time-limit": time_limit, "rate": 5.0, "concurrency": 1,
                "latency": latency, "latency-dist": "constant", "nemesis": [],
                "nemesis-interval": 10.0, "availability": null, "topology": "grid",
                "consistency-models": "strict-serializable", "max-txn-length": 4,
                "max-writes-per-key": 16, "key-count": 10
            }))
            .unwrap()
        };
        let new = opts(10.into(), 30.into());
        assert_eq!(opts(10.0.into(), 30.0.into()), new);
        let json = serde_json::to_value(&new).unwrap();
        assert_eq!(json["time-limit"].to_string(), "10");
        assert_eq!(json["latency"].to_string(), "30");
        assert_eq!(json["rate"].to_string(), "5.0");
    }
}
