//! `lin-kv`: clients read, write and compare-and-set integer keys, and every key must
//! behave as one linearizable register.
//!
//! Facts from Maelstrom's `src/maelstrom/workload/lin_kv.clj` (the RPCs, the reusable
//! client, `read` the only idempotent operation, the client timeout max(10 × --latency,
//! 1000) ms) and Jepsen's `jepsen/src/jepsen/tests/linearizable_register.clj` with
//! `jepsen/src/jepsen/independent.clj` (the generator and the checker):
//!
//! * keys are 0, 1, 2, …; each key is worked on by a group of 2 × (node count) client
//!   threads (`concurrent-generator`), so `--concurrency` must be a multiple of that,
//!   and there are `--concurrency / (2 × nodes)` keys in play at once;
//! * in a group, half the threads only read, the other half write or cas (`reserve`),
//!   one write to two cas (`mix [w cas cas]`); values are 0..=4 (`rand-int 5`);
//! * a key is left for the next fresh one once more than 20 processes have worked on it
//!   (`process-limit 20`): a thread takes a new process after each `info`, so a key lasts
//!   until 21 − 2 × nodes of its operations have crashed, and a healthy run may stay on
//!   the first keys throughout;
//! * errors: definite ones fail (a cas whose `from` does not match, code 22; a read or
//!   cas of a missing key, code 20); a timeout or an indefinite error fails a read and
//!   leaves a write or cas `info` (`with-errors` in `src/maelstrom/client.clj`).
//!
//! Our engine hands each operation to any idle thread, where Jepsen binds a key's
//! operations to its group's threads and reads to half of them. So the generator draws
//! the same operations (key, function, values) in the same proportions, and tracks the
//! crashes per key itself; only which thread runs an operation differs. One quirk is
//! kept: Jepsen's `reserve` counts threads from 0, so only the first group's threads
//! ever read; the other groups only write and cas.
//!
//! `{"type":"read","key":0}` → `{"type":"read_ok","value":3}`;
//! `{"type":"write","key":0,"value":3}` → `{"type":"write_ok"}`;
//! `{"type":"cas","key":0,"from":3,"to":1}` → `{"type":"cas_ok"}`.
//! An operation's value is `[key, value]`: `[0, null]` for a read's invocation and
//! `[0, 3]` for its completion, `[0, [3, 1]]` for a cas.

use std::time::Duration;

use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use super::schema::{Field, checked_call};
use super::{Client, Completion, Generator, Invocation, Rpc, RpcFailure, Workload};
use crate::checker::linearizable;
use crate::history::OpType;
use crate::options::RunOptions;

/// Jepsen's `process-limit` for a key (`linearizable_register.clj`'s default).
const PROCESSES_PER_KEY: usize = 20;

/// The linearizable key-value workload: a reusable client, options checked before the
/// nodes start, and its own client timeout.
pub fn workload() -> Workload {
    Workload {
        reusable_client: true,
        check_opts,
        client_timeout: |opts| client_timeout(opts.latency),
        ..Workload::new(
            || Box::new(KvClient),
            |opts| Box::new(KvGenerator::for_run(opts)),
            linearizable::check,
        )
    }
}

/// Refuses a run Maelstrom's generator cannot make: keys are worked on by groups of
/// 2 × nodes threads, so `--concurrency` must fill whole groups.
fn check_opts(opts: &RunOptions) -> Result<(), String> {
    let nodes = opts.nodes.len();
    let group = 2 * nodes;
    let threads = opts.concurrency;
    if group > PROCESSES_PER_KEY {
        return Err(format!(
            "lin-kv works each key with 2 client threads per node, and with at most \
             {PROCESSES_PER_KEY} client processes per key: {nodes} nodes need {group} \
             (Maelstrom's generator then never produces an operation). Use at most 10 \
             nodes."
        ));
    }
    if threads < group || !threads.is_multiple_of(group) {
        return Err(format!(
            "lin-kv works each key with 2 client threads per node ({group} with {nodes} \
             nodes), so --concurrency must be a multiple of {group}, and it gives \
             {threads} threads. Add --concurrency 2n, as Maelstrom's guide does \
             (Maelstrom itself stops with \"this jepsen.independent/concurrent-generator \
             cannot run a key with {group} threads concurrently\")."
        ));
    }
    Ok(())
}

/// lin-kv's client timeout: ten times the mean latency, and at least a second.
fn client_timeout(latency_ms: f64) -> Duration {
    Duration::from_secs_f64((10.0 * latency_ms).max(1000.0) / 1000.0)
}

/// One group of threads: the key it works on and the processes that have worked on it.
#[derive(Debug, Clone, PartialEq)]
struct Group {
    key: u64,
    processes: usize,
}

/// Reads, writes and cas operations on the keys in play, moving each group to a fresh
/// key once its key has seen too many processes.
#[derive(Debug)]
struct KvGenerator {
    /// Threads per group: 2 × nodes.
    group_size: usize,
    groups: Vec<Group>,
    next_key: u64,
}

impl KvGenerator {
    /// One group per 2 × nodes client threads.
    fn for_run(opts: &RunOptions) -> KvGenerator {
        let nodes = opts.nodes.len().max(1);
        KvGenerator::new(nodes, (opts.concurrency / (2 * nodes)).max(1))
    }

    fn new(nodes: usize, groups: usize) -> KvGenerator {
        let group_size = 2 * nodes;
        KvGenerator {
            group_size,
            groups: (0..groups as u64)
                .map(|key| Group {
                    key,
                    processes: group_size,
                })
                .collect(),
            next_key: groups as u64,
        }
    }
}

impl Generator for KvGenerator {
    fn next_op(&mut self, rng: &mut StdRng) -> Option<Invocation> {
        let g = rng.random_range(0..self.groups.len());
        let key = self.groups[g].key;
        // Only the first group has reading threads (see the module's comment).
        if g == 0 && rng.random_bool(0.5) {
            return Some(Invocation::new("read", json!([key, null])));
        }
        let op = if rng.random_range(0..3) == 0 {
            Invocation::new("write", json!([key, rng.random_range(0..5)]))
        } else {
            let (from, to): (u64, u64) = (rng.random_range(0..5), rng.random_range(0..5));
            Invocation::new("cas", json!([key, [from, to]]))
        };
        Some(op)
    }

    fn observe(&mut self, invocation: &Invocation, completion: &Completion) {
        if completion.kind != OpType::Info {
            return;
        }
        // The thread goes on as a new process: one more process on this key.
        let key = invocation.value.get(0).and_then(Value::as_u64);
        let Some(group) = self.groups.iter_mut().find(|g| Some(g.key) == key) else {
            return;
        };
        group.processes += 1;
        if group.processes > PROCESSES_PER_KEY {
            *group = Group {
                key: self.next_key,
                processes: self.group_size,
            };
            self.next_key += 1;
        }
    }
}

/// Sends `read`, `write` and `cas` to one node.
#[derive(Debug)]
struct KvClient;

impl Client for KvClient {
    fn invoke(&mut self, rpc: &mut dyn Rpc, op: &Invocation) -> Completion {
        let idempotent = op.f == "read";
        Completion::from_result(op, request(rpc, op), idempotent)
    }
}

/// Performs `op`; its completed value, or why there is none.
fn request(rpc: &mut dyn Rpc, op: &Invocation) -> Result<Value, RpcFailure> {
    let (key, value) = (&op.value[0], &op.value[1]);
    match op.f.as_str() {
        "read" => {
            let request = json!({"type": "read", "key": key});
            let reply = checked_call(rpc, request, "read_ok", &[("value", Field::Any)])?;
            Ok(json!([key, reply["value"]]))
        }
        "write" => {
            let request = json!({"type": "write", "key": key, "value": value});
            checked_call(rpc, request, "write_ok", &[]).map(|_| op.value.clone())
        }
        "cas" => {
            let request = json!({"type": "cas", "key": key, "from": value[0], "to": value[1]});
            checked_call(rpc, request, "cas_ok", &[]).map(|_| op.value.clone())
        }
        other => Err(RpcFailure::Malformed(format!("unknown operation {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::Canned;
    use rand::SeedableRng;

    fn opts(args: &str) -> RunOptions {
        let args: Vec<&str> = args.split_whitespace().collect();
        crate::cli::run_options(&[&["-w", "lin-kv"], &args[..]].concat())
    }

    #[test]
    fn concurrency_must_fill_whole_groups() {
        assert!(check_opts(&opts("--node-count 5 --concurrency 2n")).is_ok());
        assert!(check_opts(&opts("--node-count 2 --concurrency 8")).is_ok());
        let err = check_opts(&opts("--node-count 1")).unwrap_err();
        assert!(err.contains("--concurrency 2n"), "{err}");
        assert!(check_opts(&opts("--node-count 2 --concurrency 6")).is_err());
        let err = check_opts(&opts("--node-count 11 --concurrency 2n")).unwrap_err();
        assert!(err.contains("at most 10 nodes"), "{err}");
        // The workload refuses them through its description.
        assert!((workload().check_opts)(&opts("--node-count 1")).is_err());
    }

    #[test]
    fn the_timeout_is_ten_latencies_and_at_least_a_second() {
        assert_eq!(client_timeout(0.0), Duration::from_secs(1));
        assert_eq!(client_timeout(100.0), Duration::from_secs(1));
        assert_eq!(client_timeout(250.0), Duration::from_millis(2500));
        let o = opts("--node-count 1 --concurrency 2n --latency 300");
        assert_eq!((workload().client_timeout)(&o), Duration::from_secs(3));
    }

    #[test]
    fn groups_follow_the_concurrency() {
        let generator = KvGenerator::for_run(&opts("--node-count 2 --concurrency 8"));
        let keys: Vec<u64> = generator.groups.iter().map(|g| g.key).collect();
        assert_eq!((keys, generator.group_size), (vec![0, 1], 4));
    }

    #[test]
    fn one_group_reads_half_the_time_and_stays_on_its_key() {
        let mut generator = KvGenerator::new(5, 1);
        let mut rng = StdRng::seed_from_u64(3);
        let ops: Vec<Invocation> = (0..6000)
            .map(|_| generator.next_op(&mut rng).unwrap())
            .collect();
        let count = |f: &str| ops.iter().filter(|op| op.f == f).count() as f64 / 6000.0;
        assert!((count("read") - 0.5).abs() < 0.03);
        assert!((count("write") - 1.0 / 6.0).abs() < 0.03);
        assert!((count("cas") - 1.0 / 3.0).abs() < 0.03);
        assert!(ops.iter().all(|op| op.value[0] == 0));
        for op in &ops {
            let values: Vec<&Value> = match op.f.as_str() {
                "read" => vec![],
                "write" => vec![&op.value[1]],
                _ => op.value[1].as_array().unwrap().iter().collect(),
            };
            assert!(values.iter().all(|v| v.as_u64().is_some_and(|v| v < 5)));
        }
    }

    #[test]
    fn crashes_move_a_group_to_a_fresh_key() {
        let mut generator = KvGenerator::new(5, 2);
        let crash = Completion::info(Value::Null, "net-timeout".into());
        let ok = Completion::ok(Value::Null);
        let op = |key: u64| Invocation::new("write", json!([key, 1]));
        // 10 processes to start with; the 11th crash makes 21.
        for _ in 0..10 {
            generator.observe(&op(1), &crash);
            generator.observe(&op(1), &ok);
        }
        assert_eq!(generator.groups[1].key, 1);
        generator.observe(&op(1), &crash);
        assert_eq!(generator.groups[1].key, 2);
        assert_eq!(generator.groups[0].key, 0);
        // The second group never reads.
        let mut rng = StdRng::seed_from_u64(4);
        for _ in 0..200 {
            let op = generator.next_op(&mut rng).unwrap();
            assert!(op.f != "read" || op.value[0] == 0, "{op:?}");
        }
    }

    fn invoke(f: &str, value: Value, reply: Result<Value, RpcFailure>) -> Completion {
        KvClient.invoke(&mut Canned(reply), &Invocation::new(f, value))
    }

    #[test]
    fn completes_with_the_key_and_the_value() {
        let read = invoke(
            "read",
            json!([3, null]),
            Ok(json!({"type": "read_ok", "value": 4, "in_reply_to": 1})),
        );
        assert_eq!(read, Completion::ok(json!([3, 4])));
        let cas = invoke(
            "cas",
            json!([3, [4, 0]]),
            Ok(json!({"type": "cas_ok", "in_reply_to": 1})),
        );
        assert_eq!(cas, Completion::ok(json!([3, [4, 0]])));
        // A read that returns null is an ok read of null.
        let null = invoke(
            "read",
            json!([3, null]),
            Ok(json!({"type": "read_ok", "value": null})),
        );
        assert_eq!(null.kind, OpType::Ok);
        let missing = invoke("read", json!([3, null]), Ok(json!({"type": "read_ok"})));
        assert_eq!(missing.kind, OpType::Info);
    }

    #[test]
    fn classifies_errors_like_maelstrom() {
        let error = |code| {
            Err(RpcFailure::Error {
                code,
                text: String::new(),
            })
        };
        // Definite: the cas certainly did not happen.
        assert_eq!(
            invoke("cas", json!([0, [1, 2]]), error(22)).kind,
            OpType::Fail
        );
        assert_eq!(
            invoke("cas", json!([0, [1, 2]]), error(20)).kind,
            OpType::Fail
        );
        assert_eq!(
            invoke("read", json!([0, null]), error(20)).kind,
            OpType::Fail
        );
        // Indefinite: a read can fail (it changes nothing); a write or cas cannot.
        let timeout = || Err(RpcFailure::Timeout);
        assert_eq!(
            invoke("read", json!([0, null]), timeout()).kind,
            OpType::Fail
        );
        assert_eq!(invoke("write", json!([0, 1]), timeout()).kind, OpType::Info);
        assert_eq!(
            invoke("cas", json!([0, [1, 2]]), error(13)).kind,
            OpType::Info
        );
        assert_eq!(
            invoke("read", json!([0, null]), error(13)).kind,
            OpType::Fail
        );
    }
}
