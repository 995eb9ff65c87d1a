//! What the runner's own routing adds to the configured latency.
//!
//! ```text
//! cargo run --release -p ci --example bench_routing
//! ```
//!
//! Builds the test nodes (release), then runs 25 of them for 20 s at 100 ops/s with
//! `--latency 100`, twice:
//!
//! - `echo_via_peer`, a node that replies at once: it asks the next node to echo the
//!   text, then answers its client. Each operation is two 100 ms hops between servers,
//!   so its latency shows what the runner adds per operation.
//! - `bcast_gossip`, a gossiping broadcast node whose 25 nodes all tick together every
//!   100 ms: about a hundred messages fall due in the same millisecond, ten times a
//!   second, so the nodes, the runner and the journal compete for the cores at once.
//!
//! For each it prints the runner's own statistic, `net.servers.routing-overhead` in
//! results.json: how long after its due time (send plus drawn latency) each message
//! between servers was written to its node's stdin.

use std::path::PathBuf;
use std::process::Command;

use ci::cli::{Cli, Command as Sub};
use clap::Parser;
use serde_json::Value;

const RUNS: [(&str, &str); 2] = [("echo", "echo_via_peer"), ("broadcast", "bcast_gossip")];

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "-p", "test-nodes"])
        .current_dir(&root)
        .status()
        .expect("running cargo build");
    assert!(
        status.success(),
        "cargo build --release -p test-nodes failed"
    );
    let store = tempfile::tempdir().expect("creating a scratch store");

    println!("25 nodes, 20 s at 100 ops/s, --latency 100, seed 1 (milliseconds)");
    println!(
        "{:<15}{:<32}routing overhead per message",
        "node", "operation latency"
    );
    println!("{:<15}{:<32}p50 / p95 / p99 / max", "", "p50 / p99 / max");
    for (workload, node) in RUNS {
        let bin = root.join("target/release").join(node);
        let bin = bin.display().to_string();
        let store = store.path().display().to_string();
        let argv = [
            "maelstrom",
            "test",
            "-w",
            workload,
            "--bin",
            &bin,
            "--node-count",
            "25",
            "--time-limit",
            "20",
            "--rate",
            "100",
            "--latency",
            "100",
            "--seed",
            "1",
            "--no-progress",
            "--store",
            &store,
        ];
        let cli = Cli::try_parse_from(argv).expect("valid arguments");
        let Sub::Test(opts) = cli.command else {
            unreachable!("a test command")
        };
        let outcome = ci::run::test(&opts);
        let results = &outcome.results;
        let ms = |q: &Value, keys: &[&str]| {
            let figures: Vec<String> = keys
                .iter()
                .map(|k| format!("{:.2}", q[*k].as_f64().unwrap_or(f64::NAN)))
                .collect();
            figures.join(" / ")
        };
        println!(
            "{node:<15}{:<32}{}",
            ms(&results["op-latencies"], &["0.5", "0.99", "1"]),
            ms(
                &results["net"]["servers"]["routing-overhead"],
                &["0.5", "0.95", "0.99", "1"]
            ),
        );
        assert_eq!(outcome.exit_code, 0, "{node}: the run was not valid");
    }
}
