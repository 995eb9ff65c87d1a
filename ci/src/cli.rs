//! The command line: the same flags, spellings and defaults as `maelstrom test`, plus a
//! few extensions that are marked as such in `--help`.

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "maelstrom",
    about = "A Maelstrom-compatible test runner for Gossip Glomers"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs a workload against a node binary and checks the history.
    Test(Box<TestOpts>),
    /// Serves store/ as a web page listing runs (extension of Maelstrom's `serve`).
    Serve(ServeOpts),
    /// [extension] Redraws a run's pictures (messages, latency, rate), or a window of them.
    Viz(VizOpts),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WorkloadName {
    Echo,
    UniqueIds,
    Broadcast,
    GCounter,
    GSet,
    PnCounter,
    Kafka,
    TxnListAppend,
    TxnRwRegister,
}

impl WorkloadName {
    /// Maelstrom's spelling, e.g. `unique-ids`.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadName::Echo => "echo",
            WorkloadName::UniqueIds => "unique-ids",
            WorkloadName::Broadcast => "broadcast",
            WorkloadName::GCounter => "g-counter",
            WorkloadName::GSet => "g-set",
            WorkloadName::PnCounter => "pn-counter",
            WorkloadName::Kafka => "kafka",
            WorkloadName::TxnListAppend => "txn-list-append",
            WorkloadName::TxnRwRegister => "txn-rw-register",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LatencyDist {
    Constant,
    Uniform,
    Exponential,
}

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

/// `--availability`: `total`, or the least fraction of operations that must succeed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Availability {
    Total,
    AtLeast(f64),
}

impl std::str::FromStr for Availability {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "total" {
            return Ok(Availability::Total);
        }
        match s.parse::<f64>() {
            Ok(a) if (0.0..=1.0).contains(&a) => Ok(Availability::AtLeast(a)),
            _ => Err(format!(
                "expected `total` or a number from 0 to 1, got `{s}`"
            )),
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
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("expected a number, or a number followed by n (like 2n), got `{s}`");
        match s.strip_suffix('n') {
            Some(k) => k.parse().map(Concurrency::PerNode).map_err(|_| bad()),
            None => s.parse().map(Concurrency::Threads).map_err(|_| bad()),
        }
    }
}

#[derive(Debug, Clone, Parser)]
pub struct TestOpts {
    /// The workload to run.
    #[arg(short = 'w', long = "workload", value_enum, default_value = "echo")]
    pub workload: WorkloadName,

    /// The node binary to test.
    #[arg(long = "bin")]
    pub bin: std::path::PathBuf,

    /// Arguments passed on to the node binary (every argument that is not an option).
    #[arg(value_name = "ARGS")]
    pub bin_args: Vec<String>,

    /// How many nodes to run, named n0, n1, ... Without it: the --node/--nodes list, or
    /// n1 … n5.
    #[arg(long = "node-count")]
    pub node_count: Option<usize>,

    /// A node name (repeatable); used when --node-count is absent.
    #[arg(short = 'n', long = "node")]
    pub node: Vec<String>,

    /// Comma-separated node names; used when --node-count is absent.
    #[arg(long = "nodes", value_delimiter = ',')]
    pub nodes: Vec<String>,

    /// Seconds of the main phase.
    #[arg(long = "time-limit", default_value_t = 60.0)]
    pub time_limit: f64,

    /// Client operations per second, all clients together.
    #[arg(long, default_value_t = 5.0)]
    pub rate: f64,

    /// Client threads: a number, or Kn for K per node.
    #[arg(long, default_value = "1n")]
    pub concurrency: Concurrency,

    /// Mean latency in ms of messages between servers (clients always see 0).
    #[arg(long, default_value_t = 0.0)]
    pub latency: f64,

    /// How latencies are drawn around the mean.
    #[arg(long = "latency-dist", value_enum, default_value = "constant")]
    pub latency_dist: LatencyDist,

    /// Faults to inject; only `partition` exists.
    #[arg(long, value_delimiter = ',')]
    pub nemesis: Vec<String>,

    /// Mean seconds between nemesis operations.
    #[arg(long = "nemesis-interval", default_value_t = 10.0)]
    pub nemesis_interval: f64,

    /// `total`, or the least fraction of operations that must succeed.
    #[arg(long)]
    pub availability: Option<Availability>,

    /// The consistency model txn workloads are checked against.
    #[arg(long = "consistency-models", default_value = "strict-serializable")]
    pub consistency_models: String,

    /// The broadcast topology sent to nodes.
    #[arg(long, value_enum, default_value = "grid")]
    pub topology: Topology,

    /// Longest transaction the txn generator makes.
    #[arg(long = "max-txn-length", default_value_t = 4)]
    pub max_txn_length: usize,

    /// Writes per key before the generator moves to a fresh key.
    #[arg(long = "max-writes-per-key", default_value_t = 16)]
    pub max_writes_per_key: usize,

    /// Size of the active key pool for txn and kafka.
    #[arg(long = "key-count", default_value_t = 10)]
    pub key_count: usize,

    /// Echo node stderr to the console.
    #[arg(long = "log-stderr")]
    pub log_stderr: bool,

    /// Log every message when sent.
    #[arg(long = "log-net-send")]
    pub log_net_send: bool,

    /// Log every message when delivered.
    #[arg(long = "log-net-recv")]
    pub log_net_recv: bool,

    /// [extension] Seed for every random choice (ops, latencies, partitions); recorded in
    /// results.json. Random when absent.
    #[arg(long)]
    pub seed: Option<u64>,

    /// [extension] Where runs are stored.
    #[arg(long = "store", default_value = "store")]
    pub store: std::path::PathBuf,

    /// [extension] No progress line (for logs and CI).
    #[arg(long = "no-progress")]
    pub no_progress: bool,

    /// Run the test this many times, stopping at the first run that is not valid.
    #[arg(long = "test-count", default_value_t = 1)]
    pub test_count: usize,

    #[command(flatten)]
    pub jepsen: JepsenCompat,
}

/// Options of Jepsen's test command that mean nothing for local processes. They are
/// accepted, so command lines written for Maelstrom work unchanged, and ignored.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct JepsenCompat {
    #[arg(long = "leave-db-running", hide = true)]
    pub leave_db_running: bool,
    #[arg(long = "logging-json", hide = true)]
    pub logging_json: bool,
    #[arg(long, hide = true)]
    pub username: Option<String>,
    #[arg(long, hide = true)]
    pub password: Option<String>,
    #[arg(long = "ssh-private-key", hide = true)]
    pub ssh_private_key: Option<String>,
    #[arg(long = "strict-host-key-checking", hide = true)]
    pub strict_host_key_checking: bool,
    #[arg(long = "no-ssh", hide = true)]
    pub no_ssh: bool,
}

impl TestOpts {
    /// The nodes, as Maelstrom names them: `n0 … n(N-1)` with `--node-count N`, else
    /// the `--node`/`--nodes` names, else Jepsen's default `n1 … n5`.
    pub fn node_ids(&self) -> Vec<String> {
        if let Some(n) = self.node_count {
            return (0..n).map(|i| format!("n{i}")).collect();
        }
        let named: Vec<String> = self.node.iter().chain(&self.nodes).cloned().collect();
        if !named.is_empty() {
            return named;
        }
        (1..=5).map(|i| format!("n{i}")).collect()
    }

    pub fn node_count(&self) -> usize {
        self.node_ids().len()
    }

    pub fn partitions(&self) -> bool {
        self.nemesis.iter().any(|n| n == "partition")
    }

    pub fn client_threads(&self) -> usize {
        self.concurrency.threads(self.node_count())
    }

    /// The node a client process talks to. Process p runs on thread p mod C (a thread
    /// takes a new process number, old + C, after an indeterminate operation), and
    /// thread t is bound to node t mod N for the whole test.
    pub fn node_of_process(&self, process: u64) -> String {
        let nodes = self.node_ids();
        let threads = self.client_threads().max(1) as u64;
        let thread = (process % threads) as usize;
        nodes
            .get(thread % nodes.len().max(1))
            .cloned()
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Parser)]
pub struct ServeOpts {
    /// Port to listen on (loopback only).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The store directory to serve.
    #[arg(long = "store", default_value = "store")]
    pub store: std::path::PathBuf,
}

#[derive(Debug, Clone, Parser)]
pub struct VizOpts {
    /// The run's directory, e.g. store/latest or store/broadcast/20250101T120000.000.
    #[arg(default_value = "store/latest")]
    pub run: std::path::PathBuf,
    /// Start of the window, in ms since the main phase began (setup is negative).
    #[arg(long, allow_negative_numbers = true)]
    pub from: Option<f64>,
    /// End of the window, in ms since the main phase began; alone, the first N ms.
    #[arg(long, allow_negative_numbers = true)]
    pub to: Option<f64>,
    /// Most messages the diagram draws; a notice says how many more there were.
    #[arg(long = "max-messages", default_value_t = 2000)]
    pub max_messages: usize,
    /// Also draw the init/init_ok exchange.
    #[arg(long = "with-init")]
    pub with_init: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_challenge_command_line() {
        let cli = Cli::try_parse_from([
            "maelstrom",
            "test",
            "-w",
            "unique-ids",
            "--bin",
            "target/debug/unique_ids",
            "--time-limit",
            "30",
            "--rate",
            "1000",
            "--node-count",
            "3",
            "--availability",
            "total",
            "--nemesis",
            "partition",
            "--concurrency",
            "2n",
        ])
        .unwrap();
        let Command::Test(opts) = cli.command else {
            panic!("not test")
        };
        assert_eq!(opts.workload, WorkloadName::UniqueIds);
        assert_eq!(opts.client_threads(), 6);
        assert_eq!(opts.availability, Some(Availability::Total));
        assert!(opts.partitions());
        assert_eq!(opts.node_ids(), ["n0", "n1", "n2"]);
    }

    #[test]
    fn nodes_default_to_n1_to_n5_and_args_go_to_the_binary() {
        let parse = |args: &[&str]| {
            let base = ["maelstrom", "test", "--bin", "x"];
            let cli = Cli::try_parse_from(base.iter().chain(args)).unwrap();
            let Command::Test(opts) = cli.command else {
                panic!("not test")
            };
            opts
        };
        assert_eq!(parse(&[]).node_ids(), ["n1", "n2", "n3", "n4", "n5"]);
        assert_eq!(parse(&["--nodes", "a,b"]).node_ids(), ["a", "b"]);
        assert_eq!(parse(&["-n", "a", "--node", "b"]).node_ids(), ["a", "b"]);
        let opts = parse(&["one", "--rate", "3", "\u{2013}-nemesis", "partition"]);
        assert_eq!(opts.bin_args, ["one", "\u{2013}-nemesis", "partition"]);
        assert_eq!(opts.rate, 3.0);
        assert!(!opts.partitions());
    }

    #[test]
    fn parses_a_viz_window() {
        let cli =
            Cli::try_parse_from(["maelstrom", "viz", "store/latest", "--from", "2000"]).unwrap();
        let Command::Viz(opts) = cli.command else {
            panic!("not viz")
        };
        assert_eq!(opts.from, Some(2000.0));
        assert_eq!(opts.to, None);
        assert_eq!(opts.max_messages, 2000);
    }

    #[test]
    fn rejects_bad_values() {
        assert!("2x".parse::<Concurrency>().is_err());
        assert!("1.5".parse::<Availability>().is_err());
        assert_eq!(
            "0.99".parse::<Availability>(),
            Ok(Availability::AtLeast(0.99))
        );
    }
}
