//! The command line: the same flags, spellings, defaults and validations as `maelstrom
//! test` (Maelstrom's `src/maelstrom/core.clj`, `test-opt-spec` and `opt-spec`, merged
//! with Jepsen's `jepsen/src/jepsen/cli.clj`, `test-opt-spec`), plus a few extensions
//! that are marked as such in `--help`. A value Maelstrom refuses is refused here too,
//! with a message naming the flag, and the `maelstrom` command exits 254, as Jepsen's
//! `run!` does.

use clap::{Parser, Subcommand};

use crate::options::{Availability, Concurrency, LatencyDist, RunOptions, Topology, WorkloadName};

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

/// `--nemesis`: the faults Maelstrom knows (`nemeses` in `src/maelstrom/core.clj`).
fn nemesis(s: &str) -> Result<String, String> {
    // Maelstrom splits on commas with any whitespace around them; clap splits on the
    // commas, so the whitespace is trimmed here.
    match s.trim() {
        "partition" => Ok("partition".into()),
        _ => Err("Must be one of partition".into()),
    }
}

/// An integer as Java's `Long/parseLong` reads it: an optional sign, then digits.
fn long(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("not an integer: {s}"));
    }
    s.parse().map_err(|_| format!("not an integer: {s}"))
}

/// A positive integer (`--time-limit`, `--node-count`, `--test-count`, `--key-count`,
/// `--max-txn-length`, `--max-writes-per-key`).
fn positive(s: &str) -> Result<usize, String> {
    match long(s)? {
        n if n > 0 => usize::try_from(n).map_err(|e| e.to_string()),
        _ => Err("Must be positive".into()),
    }
}

/// `--time-limit`: whole seconds, as Jepsen parses it.
fn seconds(s: &str) -> Result<f64, String> {
    positive(s).map(|n| n as f64)
}

/// `--latency`: whole milliseconds, not negative.
fn millis(s: &str) -> Result<f64, String> {
    match long(s)? {
        n if n >= 0 => Ok(n as f64),
        _ => Err("Must be non-negative".into()),
    }
}

/// `--rate`: any number (Java's `Double/parseDouble`), not negative.
fn rate(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(r) if r >= 0.0 => Ok(r),
        Ok(_) => Err("Can't be negative".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// `--nemesis-interval`: any positive number of seconds.
fn interval(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(i) if i > 0.0 => Ok(i),
        Ok(_) => Err("Must be positive".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// `--nodes`: names separated by commas, whitespace after a comma dropped (Jepsen
/// splits on `,\s*`).
fn node_list(s: &str) -> Result<NodeList, String> {
    Ok(NodeList(
        s.split(',')
            .enumerate()
            .map(|(i, n)| if i == 0 { n } else { n.trim_start() }.to_string())
            .collect(),
    ))
}

/// `--nodes-file`: node names, one a line (Jepsen's `parse-nodes`).
fn nodes_file(path: &str) -> Result<NodeList, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let mut names: Vec<String> = text.split('\n').map(|l| l.trim().to_string()).collect();
    while names.last().is_some_and(String::is_empty) {
        names.pop();
    }
    Ok(NodeList(names))
}

/// Node names from `--nodes` or `--nodes-file`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeList(pub Vec<String>);

#[derive(Debug, Clone, Parser)]
// As with Jepsen's option parser, a flag given twice keeps its last value.
#[command(args_override_self = true)]
pub struct TestOpts {
    /// The workload to run.
    // Maelstrom's default (`test-opt-spec` in `src/maelstrom/core.clj`).
    #[arg(short = 'w', long = "workload", value_enum, default_value = "lin-kv")]
    pub workload: WorkloadName,

    /// The node binary to test.
    #[arg(long = "bin")]
    pub bin: std::path::PathBuf,

    /// Arguments passed on to the node binary (every argument that is not an option).
    #[arg(value_name = "ARGS")]
    pub bin_args: Vec<String>,

    /// How many nodes to run, named n0, n1, ...; replaces the --nodes list. Without it
    /// and without --node, --nodes or --nodes-file: n1 … n5.
    #[arg(long = "node-count", value_parser = positive, allow_negative_numbers = true)]
    pub node_count: Option<usize>,

    /// A node name (repeatable), added after the other lists.
    #[arg(short = 'n', long = "node", action = clap::ArgAction::Append)]
    pub node: Vec<String>,

    /// Comma-separated node names.
    #[arg(long = "nodes", value_parser = node_list)]
    pub nodes: Option<NodeList>,

    /// A file of node names, one a line, listed first.
    #[arg(long = "nodes-file", value_parser = nodes_file)]
    pub nodes_file: Option<NodeList>,

    /// Seconds of the main phase (a whole number).
    #[arg(long = "time-limit", default_value = "60", value_parser = seconds, allow_negative_numbers = true)]
    pub time_limit: f64,

    /// Client operations per second, all clients together.
    #[arg(long, default_value = "5", value_parser = rate, allow_negative_numbers = true)]
    pub rate: f64,

    /// Client threads: a number, or Kn for K per node.
    #[arg(long, default_value = "1n")]
    pub concurrency: Concurrency,

    /// Mean latency in whole ms of messages between servers (clients always see 0).
    #[arg(long, default_value = "0", value_parser = millis, allow_negative_numbers = true)]
    pub latency: f64,

    /// How latencies are drawn around the mean.
    #[arg(long = "latency-dist", value_enum, default_value = "constant")]
    pub latency_dist: LatencyDist,

    /// Faults to inject; only `partition` exists.
    #[arg(long, value_delimiter = ',', value_parser = nemesis)]
    pub nemesis: Vec<String>,

    /// Mean seconds between nemesis operations.
    #[arg(long = "nemesis-interval", default_value = "10", value_parser = interval, allow_negative_numbers = true)]
    pub nemesis_interval: f64,

    /// `total`, or the least fraction of operations that must succeed.
    #[arg(long)]
    pub availability: Option<Availability>,

    /// The consistency models txn workloads are checked against, separated by a comma
    /// with spaces on both sides (Maelstrom splits on `\s+,\s+`). Unknown names are
    /// reported when the history is checked, as in Maelstrom.
    #[arg(long = "consistency-models", default_value = "strict-serializable")]
    pub consistency_models: String,

    /// The broadcast topology sent to nodes.
    #[arg(long, value_enum, default_value = "grid")]
    pub topology: Topology,

    /// Longest transaction the txn generator makes.
    #[arg(long = "max-txn-length", default_value = "4", value_parser = positive, allow_negative_numbers = true)]
    pub max_txn_length: usize,

    /// Writes per key before the generator moves to a fresh key.
    #[arg(long = "max-writes-per-key", default_value = "16", value_parser = positive, allow_negative_numbers = true)]
    pub max_writes_per_key: usize,

    /// Size of the active key pool for txn and kafka.
    #[arg(long = "key-count", default_value = "10", value_parser = positive, allow_negative_numbers = true)]
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
    #[arg(long = "test-count", default_value = "1", value_parser = positive, allow_negative_numbers = true)]
    pub test_count: usize,

    #[command(flatten)]
    pub jepsen: JepsenCompat,
}

/// Options of Jepsen's test command that mean nothing for local processes. They are
/// accepted, so command lines written for Maelstrom work unchanged, and ignored.
/// (Maelstrom ignores the SSH options too: its test map sets `:ssh {:dummy? true}`.)
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
    /// The nodes, merged as Maelstrom does (`parse-node-count` in
    /// `src/maelstrom/core.clj`, then `parse-nodes` in Jepsen's `cli.clj`): the
    /// `--nodes-file` names, then `n0 … n(N-1)` with `--node-count N` or else the
    /// `--nodes` names, then the `--node` names; with none of these, `n1 … n5`.
    pub fn node_ids(&self) -> Vec<String> {
        let listed: Option<Vec<String>> = match self.node_count {
            Some(n) => Some((0..n).map(|i| format!("n{i}")).collect()),
            None => self.nodes.as_ref().map(|l| l.0.clone()),
        };
        let node = if !self.node.is_empty() {
            self.node.clone()
        } else if listed.is_some() || self.nodes_file.is_some() {
            Vec::new()
        } else {
            (1..=5).map(|i| format!("n{i}")).collect()
        };
        let file = self.nodes_file.iter().flat_map(|l| l.0.iter().cloned());
        file.chain(listed.unwrap_or_default()).chain(node).collect()
    }

    /// What the run is asked to do, nodes named and client threads counted.
    pub fn run_options(&self) -> RunOptions {
        let nodes = self.node_ids();
        RunOptions {
            workload: self.workload,
            bin: self.bin.clone(),
            args: self.bin_args.clone(),
            concurrency: self.concurrency.threads(nodes.len()),
            nodes,
            time_limit: self.time_limit,
            rate: self.rate,
            latency: self.latency,
            latency_dist: self.latency_dist,
            nemesis: self.nemesis.clone(),
            nemesis_interval: self.nemesis_interval,
            availability: self.availability,
            topology: self.topology,
            consistency_models: self.consistency_models.clone(),
            max_txn_length: self.max_txn_length,
            max_writes_per_key: self.max_writes_per_key,
            key_count: self.key_count,
        }
    }
}

/// The options of `maelstrom test --bin <bin> <more>`, for tests.
#[cfg(test)]
pub(crate) fn run_options(more: &[&str]) -> RunOptions {
    let mut args = vec!["test", "--bin", "x"];
    args.extend_from_slice(more);
    TestOpts::parse_from(args).run_options()
}

/// A run's options as the command line that repeats it: the workload, binary and sizes
/// always, other options only where they differ from the defaults, then the node's own
/// arguments.
pub fn command_line(run: &RunOptions) -> String {
    // Only the options that have defaults are compared with these.
    let defaults = TestOpts::parse_from(["test", "--bin", "x"]).run_options();
    let mut words: Vec<String> = Vec::new();
    let mut flag = |name: &str, value: String| words.push(format!("{name} {value}"));
    flag("-w", run.workload.name());
    flag("--bin", run.bin.display().to_string());
    flag("--node-count", run.nodes.len().to_string());
    flag("--time-limit", run.time_limit.to_string());
    flag("--rate", format!("{:?}", run.rate));
    if run.latency != defaults.latency {
        flag("--latency", run.latency.to_string());
    }
    if run.latency_dist != defaults.latency_dist {
        flag("--latency-dist", run.latency_dist.to_string());
    }
    if run.nemesis != defaults.nemesis {
        flag("--nemesis", run.nemesis.join(","));
    }
    if run.nemesis_interval != defaults.nemesis_interval {
        flag("--nemesis-interval", format!("{:?}", run.nemesis_interval));
    }
    if run.availability != defaults.availability
        && let Some(availability) = run.availability
    {
        flag("--availability", availability.to_string());
    }
    if run.topology != defaults.topology {
        flag("--topology", run.topology.to_string());
    }
    words.extend(run.args.iter().cloned());
    words.join(" ")
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
        let run = opts.run_options();
        assert_eq!(run.concurrency, 6);
        assert_eq!(run.availability, Some(Availability::Total));
        assert!(run.partitions());
        assert_eq!(run.nodes, ["n0", "n1", "n2"]);
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
        // Maelstrom's default workload (`src/maelstrom/core.clj`).
        assert_eq!(parse(&[]).workload, WorkloadName::LinKv);
        assert_eq!(parse(&["--nodes", "a,b"]).node_ids(), ["a", "b"]);
        assert_eq!(parse(&["-n", "a", "--node", "b"]).node_ids(), ["a", "b"]);
        let opts = parse(&["one", "--rate", "3", "\u{2013}-nemesis", "partition"]);
        assert_eq!(opts.bin_args, ["one", "\u{2013}-nemesis", "partition"]);
        assert_eq!(opts.rate, 3.0);
        assert!(!opts.run_options().partitions());
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
    fn a_command_line_shows_what_differs_from_the_defaults() {
        let run = run_options(&["-w", "echo", "--node-count", "1", "--time-limit", "10"]);
        // Whole numbers where the command line takes only those.
        assert_eq!(
            command_line(&run),
            "-w echo --bin x --node-count 1 --time-limit 10 --rate 5.0"
        );
        let run = run_options(&["--nemesis", "partition", "--availability", "0.5", "a"]);
        assert!(
            command_line(&run).ends_with("--rate 5.0 --nemesis partition --availability 0.5 a"),
            "{}",
            command_line(&run)
        );
        let run = run_options(&[
            "--node-count",
            "3",
            "--latency",
            "30",
            "--nemesis-interval",
            "2.5",
        ]);
        let line = command_line(&run);
        assert!(
            line.contains("--latency 30 --nemesis-interval 2.5"),
            "{line}"
        );
        // What it prints, the command line takes back.
        let words: Vec<&str> = line.split(' ').collect();
        let again = Cli::try_parse_from(["maelstrom", "test"].iter().chain(&words)).unwrap();
        let Command::Test(again) = again.command else {
            panic!("not test")
        };
        assert_eq!(again.run_options(), run);
    }

    fn parse_test(args: &[&str]) -> Result<Box<TestOpts>, clap::Error> {
        let base = ["maelstrom", "test", "--bin", "x"];
        match Cli::try_parse_from(base.iter().chain(args))?.command {
            Command::Test(opts) => Ok(opts),
            _ => panic!("not test"),
        }
    }

    /// Every value Maelstrom's option parser refuses (`src/maelstrom/core.clj` and
    /// Jepsen's `cli.clj`) is refused, naming the flag.
    #[test]
    fn refuses_what_maelstrom_refuses_naming_the_flag() {
        for (flag, value) in [
            ("--nemesis", "partitions"),
            ("--nemesis", "partition,kill"),
            ("--nemesis", ""),
            ("--time-limit", "0"),
            ("--time-limit", "2.5"),
            ("--latency", "-1"),
            ("--latency", "0.5"),
            ("--rate", "-1"),
            ("--nemesis-interval", "0"),
            ("--node-count", "0"),
            ("--test-count", "0"),
            ("--key-count", "0"),
            ("--max-txn-length", "0"),
            ("--max-writes-per-key", "-2"),
            ("--concurrency", "n"),
            ("--availability", "2"),
            ("--topology", "ring"),
            ("--latency-dist", "normal"),
            ("--workload", "kv"),
            ("--nodes-file", "/no/such/file"),
        ] {
            let e = parse_test(&[flag, value]).expect_err(&format!("{flag} {value}"));
            assert!(e.use_stderr(), "{flag} {value}");
            assert!(e.to_string().contains(flag), "{flag} {value}: {e}");
        }
        let e = parse_test(&["--bogus"]).unwrap_err();
        assert!(e.to_string().contains("--bogus"), "{e}");
    }

    #[test]
    fn accepts_what_maelstrom_accepts() {
        let opts = parse_test(&[
            "--nemesis",
            "partition , partition",
            "--nemesis-interval",
            "2.5",
            "--rate",
            "0",
            "--availability",
            "1",
            "--username",
            "me",
            "--no-ssh",
            "--leave-db-running",
            "--time-limit",
            "3",
            "--time-limit",
            "4",
        ])
        .unwrap();
        assert!(opts.run_options().partitions());
        assert_eq!((opts.nemesis_interval, opts.time_limit), (2.5, 4.0));
        assert_eq!(opts.availability, Some(Availability::AtLeast(1.0)));
    }

    /// Jepsen's `parse-nodes` after Maelstrom's `parse-node-count`: the file's names,
    /// then `--node-count`'s (which replace `--nodes`), then `--node`'s.
    #[test]
    fn node_lists_merge_as_in_maelstrom() {
        let dir = std::env::temp_dir().join(format!("nodes-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("nodes");
        std::fs::write(&file, "f1\n  f2 \n\n").unwrap();
        let file = file.display().to_string();
        let ids = |args: &[&str]| parse_test(args).unwrap().node_ids();
        assert_eq!(ids(&["--nodes", "a, b,c"]), ["a", "b", "c"]);
        assert_eq!(ids(&["--nodes-file", &file]), ["f1", "f2"]);
        assert_eq!(
            ids(&["--nodes-file", &file, "--nodes", "a", "-n", "x"]),
            ["f1", "f2", "a", "x"]
        );
        assert_eq!(
            ids(&["--node-count", "2", "--nodes", "a,b", "-n", "x"]),
            ["n0", "n1", "x"]
        );
        assert_eq!(ids(&["-n", "x", "-n", "y"]), ["x", "y"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
