//! How fast the kafka, txn-rw-register, txn-list-append, set-full (broadcast, g-set),
//! counter (g-counter, pn-counter) and lin-kv checkers are on long histories.
//!
//! ```text
//! cargo run --release -p ci --example bench_checkers
//! cargo run --release -p ci --example bench_checkers -- lin-kv
//! ```
//!
//! With an argument, only the checkers whose name starts with it run.
//!
//! Synthesizes, for each size (20 s at 1000 ops/s, and 60 s at 5000 ops/s), the history
//! a correct single-node system would produce under Maelstrom's generators — four client
//! threads; kafka with assigns, crashes and the final polls; transactions run in
//! invocation order against one store; g-set adds and reads against one set; counter
//! adds and reads, then the final reads — then times each checker on it. The histories
//! are valid, so every check runs to the end; each checker must say so.
//!
//! For lin-kv: 60 s at 100 ops/s on 5 nodes with `--concurrency 2n` (10 threads), as a
//! linearizable store answers: each operation takes effect at a random moment between
//! its invocation and its completion (0.5–30 ms later). Once with no crashes (all on key
//! 0, as a healthy run is), and once with 2% of writes and cas timing out after 1 s,
//! half of them taking effect (so keys move on every 11 crashes, as Jepsen's process
//! limit makes them), then 10%; and the same at 1000 ops/s.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use ci::checker::{RunInfo, Validity, elle, g_counter, kafka, linearizable, set_full};
use ci::history::{Op, OpType, Process};
use ci::workload::key_pool::{Draw, KeyPool};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};

const THREADS: u64 = 4;

fn main() {
    let only = std::env::args().nth(1).unwrap_or_default();
    if "lin-kv".starts_with(&only) {
        for (rate, crash_p) in [
            (100, 0.0),
            (100, 0.02),
            (100, 0.1),
            (1000, 0.0),
            (1000, 0.02),
        ] {
            let history = lin_kv_history(60, rate, 5, crash_p, 3);
            let started = Instant::now();
            let verdict = linearizable::check(&history, &lin_kv_run());
            let explored: u64 = verdict.results["results"]
                .as_object()
                .map(|keys| {
                    keys.values()
                        .filter_map(|k| k["linearizable"]["configs-explored"].as_u64())
                        .sum()
                })
                .unwrap_or(0);
            let name = format!(
                "lin-kv, {}% crashed, {} keys, {explored} configs",
                crash_p * 100.0,
                verdict.results["results"]
                    .as_object()
                    .map_or(0, |k| k.len())
            );
            report(&name, 60, rate, &history, started, verdict.valid);
        }
    }
    if only.is_empty() {
        challenge_sizes();
    }
}

fn challenge_sizes() {
    for (seconds, rate) in [(20, 1000), (60, 5000)] {
        let ops = seconds * rate;
        let history = kafka_history(ops, rate, 1);
        let started = Instant::now();
        let verdict = kafka::check(&history);
        report("kafka", seconds, rate, &history, started, verdict.valid);

        for replicas in [1, 2] {
            let history = txn_history(ops, rate, replicas, Shape::Registers, 2);
            for model in ["read-committed", "strict-serializable"] {
                if replicas > 1 && model == "strict-serializable" {
                    continue; // Replicas that lag are not meant to be serializable.
                }
                let started = Instant::now();
                let verdict = elle::check(&history, model);
                let name = format!("txn-rw-register, {replicas} node(s), {model}");
                report(&name, seconds, rate, &history, started, verdict.valid);
            }
        }

        let history = txn_history(ops, rate, 1, Shape::Lists, 2);
        for model in ["read-committed", "strict-serializable"] {
            let started = Instant::now();
            let verdict = elle::list_append::check(&history, model);
            let name = format!("txn-list-append, 1 node, {model}");
            report(&name, seconds, rate, &history, started, verdict.valid);
        }

        let history = counter_history(ops, rate, 4);
        let started = Instant::now();
        let verdict = g_counter::check(&history, &five_nodes());
        report(
            "pn-counter",
            seconds,
            rate,
            &history,
            started,
            verdict.valid,
        );
    }
    // Every g-set read lists every element so far, so a history holds about
    // ops² / 8 elements: the rate of the guide's runs, and a heavy 1000/s for 20 s.
    for (seconds, rate) in [(60, 100), (20, 1000)] {
        let history = g_set_history(seconds * rate, rate, 3);
        let started = Instant::now();
        let verdict = set_full::check(&history, "add", &five_nodes());
        report(
            "g-set (set-full)",
            seconds,
            rate,
            &history,
            started,
            verdict.valid,
        );
    }
}

/// A run on 5 nodes with one client thread per node and Maelstrom's 5 s client timeout.
fn five_nodes() -> RunInfo {
    RunInfo {
        nodes: (0..5).map(|i| format!("n{i}")).collect(),
        client_threads: 5,
        partitions: false,
        availability: None,
        consistency_models: String::new(),
        client_timeout: ci::rpc::TIMEOUT,
    }
}

fn report(name: &str, seconds: u64, rate: u64, history: &[Op], started: Instant, valid: Validity) {
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{name:<48} {seconds:>3} s at {rate:>4}/s: {:>7} entries checked in {elapsed:6.2} s",
        history.len()
    );
    assert_eq!(
        valid,
        Validity::Valid,
        "{name} should accept a correct history"
    );
}

/// Appends history entries, one invocation and its completion at a time.
struct Recorder {
    ops: Vec<Op>,
}

impl Recorder {
    fn entry(&mut self, time: u64, kind: OpType, process: u64, f: &str, value: Value) {
        self.ops.push(Op {
            index: self.ops.len(),
            time,
            kind,
            process: Process::Client(process),
            f: f.to_string(),
            value,
            error: None,
            is_final: false,
        });
    }

    fn crash(&mut self, time: u64, process: u64) {
        self.op(
            time,
            process,
            "crash",
            Value::Null,
            OpType::Info,
            Value::Null,
        );
    }

    fn op(&mut self, time: u64, process: u64, f: &str, invoke: Value, kind: OpType, done: Value) {
        self.entry(time, OpType::Invoke, process, f, invoke);
        self.entry(time + 100_000, kind, process, f, done);
    }
}

/// A correct kafka log under Maelstrom's kafka generator, then the final polls.
fn kafka_history(ops: u64, rate: u64, seed: u64) -> Vec<Op> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut pool = KeyPool::new(10, 16);
    let mut logs: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    // Per thread: its process number and its next offset per assigned key.
    let mut threads: Vec<(u64, BTreeMap<u64, usize>)> =
        (0..THREADS).map(|t| (t, BTreeMap::new())).collect();
    let gap = 1_000_000_000 / rate;
    let crash_p = THREADS as f64 / (30.0 * rate as f64);
    let mut h = Recorder { ops: Vec::new() };
    for i in 0..ops {
        let time = i * gap;
        let (process, offsets) = &mut threads[(i % THREADS) as usize];
        let roll: f64 = rng.random();
        if roll < crash_p {
            h.crash(time, *process);
            *process += THREADS;
            offsets.clear();
        } else if roll < crash_p + 1.0 / 64.0 {
            let key = pool.pick(&mut rng);
            let kept = offsets.get(&key).copied().unwrap_or(0);
            *offsets = BTreeMap::from([(key, kept)]);
            let keys = json!([key.to_string()]);
            h.op(time, *process, "assign", keys.clone(), OpType::Ok, keys);
        } else if let Draw::Write(key, msg) = pool.draw(&mut rng) {
            let log = logs.entry(key).or_default();
            log.push(msg);
            let invoke = json!([["send", key.to_string(), msg]]);
            let done = json!([["send", key.to_string(), [log.len() - 1, msg]]]);
            h.op(time, *process, "send", invoke, OpType::Ok, done);
        } else {
            let msgs = poll(&logs, offsets);
            let done = json!([["poll", msgs]]);
            h.op(time, *process, "poll", json!([["poll"]]), OpType::Ok, done);
        }
    }
    // Final phase: every thread crashes, seeks every key to 0 and polls everything.
    let end = ops * gap + 10_000_000_000;
    for (t, (process, offsets)) in threads.iter_mut().enumerate() {
        let time = end + t as u64 * 1_000_000;
        h.crash(time, *process);
        *process += THREADS;
        *offsets = logs.keys().map(|k| (*k, 0)).collect();
        let keys: Vec<String> = logs.keys().map(u64::to_string).collect();
        let seek = json!({"keys": keys, "seek-to-beginning?": true});
        h.op(
            time + 200_000,
            *process,
            "assign",
            seek.clone(),
            OpType::Ok,
            seek,
        );
        let done = json!([["poll", poll(&logs, offsets)]]);
        h.op(
            time + 400_000,
            *process,
            "poll",
            json!([["poll"]]),
            OpType::Ok,
            done,
        );
    }
    h.ops
}

/// Everything after each assigned key's offset; advances the offsets.
fn poll(logs: &BTreeMap<u64, Vec<u64>>, offsets: &mut BTreeMap<u64, usize>) -> Value {
    let mut msgs = Map::new();
    for (key, next) in offsets.iter_mut() {
        let log = logs.get(key).map(Vec::as_slice).unwrap_or_default();
        let pairs: Vec<Value> = (*next..log.len()).map(|o| json!([o, log[o]])).collect();
        *next = log.len();
        msgs.insert(key.to_string(), pairs.into());
    }
    Value::Object(msgs)
}

/// What a transaction history holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// txn-rw-register: a read sees the last value written.
    Registers,
    /// txn-list-append: a read sees every value appended, in order.
    Lists,
}

/// Transactions from Elle's generator, run one at a time in invocation order, each
/// overlapping the other threads' transactions in time. With one replica that is a
/// strict serializable store; with several, each thread uses its own replica and the
/// others apply its writes 50 transactions later: read committed, with plenty of the
/// cycles read committed allows (G-single, G2-item) for the cycle search to chew on.
/// Each key keeps the list of values written to it; a register read shows the last.
fn txn_history(ops: u64, rate: u64, replicas: usize, shape: Shape, seed: u64) -> Vec<Op> {
    const LAG: usize = 50;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut pool = KeyPool::new(10, 16);
    let mut stores: Vec<HashMap<u64, Vec<u64>>> = vec![HashMap::new(); replicas];
    let mut in_flight: std::collections::VecDeque<(usize, Vec<(u64, u64)>)> = Default::default();
    let write = match shape {
        Shape::Registers => "w",
        Shape::Lists => "append",
    };
    let gap = 1_000_000_000 / rate;
    // (time, is completion, op) sorted into history order afterwards.
    let mut events: Vec<(u64, bool, u64, Value)> = Vec::new();
    for i in 0..ops {
        let length = rng.random_range(1..=4);
        let replica = (i % THREADS) as usize % replicas;
        let store = &mut stores[replica];
        let mut invoke = Vec::new();
        let mut done = Vec::new();
        let mut writes = Vec::new();
        for _ in 0..length {
            match pool.draw(&mut rng) {
                Draw::Read(key) => {
                    invoke.push(json!(["r", key, null]));
                    let seen = match (shape, store.get(&key)) {
                        (Shape::Registers, values) => json!(values.and_then(|v| v.last())),
                        (Shape::Lists, values) => json!(values),
                    };
                    done.push(json!(["r", key, seen]));
                }
                Draw::Write(key, value) => {
                    store.entry(key).or_default().push(value);
                    writes.push((key, value));
                    invoke.push(json!([write, key, value]));
                    done.push(json!([write, key, value]));
                }
            }
        }
        in_flight.push_back((replica, writes));
        if in_flight.len() > LAG
            && let Some((from, writes)) = in_flight.pop_front()
        {
            for (_, store) in stores.iter_mut().enumerate().filter(|(r, _)| *r != from) {
                for (key, value) in &writes {
                    store.entry(*key).or_default().push(*value);
                }
            }
        }
        let time = i * gap;
        events.push((time, false, i % THREADS, json!(invoke)));
        events.push((
            time + (THREADS * gap) - gap / 2,
            true,
            i % THREADS,
            json!(done),
        ));
    }
    events.sort_by_key(|(time, done, _, _)| (*time, *done));
    let mut h = Recorder { ops: Vec::new() };
    for (time, done, process, value) in events {
        let kind = if done { OpType::Ok } else { OpType::Invoke };
        h.entry(time, kind, process, "txn", value);
    }
    h.ops
}

/// A lin-kv run on 5 nodes with `--concurrency 2n` and no latency.
fn lin_kv_run() -> RunInfo {
    RunInfo {
        client_threads: 10,
        // lin-kv's: max(10 × latency, 1000) ms.
        client_timeout: Duration::from_secs(1),
        ..five_nodes()
    }
}

/// One lin-kv operation as generated: when it began, took effect (if it did) and ended.
struct KvOp {
    process: u64,
    key: u64,
    f: &'static str,
    /// `[from, to]` for a cas, the value for a write.
    arg: Value,
    invoked: u64,
    effect: Option<u64>,
    ended: u64,
    crashed: bool,
}

/// A linearizable lin-kv store's history under Maelstrom's lin-kv generator with
/// `--concurrency 2n`: one group of 2 × `nodes` threads, half of them reading.
fn lin_kv_history(seconds: u64, rate: u64, nodes: u64, crash_p: f64, seed: u64) -> Vec<Op> {
    const TIMEOUT: u64 = 1_000_000_000;
    let threads = 2 * nodes;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut free_at = vec![0u64; threads as usize];
    let mut process: Vec<u64> = (0..threads).collect();
    let (mut key, mut processes) = (0u64, threads);
    let mut ops = Vec::new();
    let mut time = 0u64;
    let end = seconds * 1_000_000_000;
    while time < end {
        time += rng.random_range(0..2_000_000_000 / rate);
        // Readers are the first half of the threads, as Jepsen's `reserve` has it.
        let read = rng.random_bool(0.5);
        let range = if read { 0..nodes } else { nodes..threads };
        let Some(t) = range.clone().find(|&t| free_at[t as usize] <= time) else {
            continue;
        };
        let (f, arg) = match (read, rng.random_range(0..3)) {
            (true, _) => ("read", Value::Null),
            (false, 0) => ("write", json!(rng.random_range(0..5))),
            _ => (
                "cas",
                json!([rng.random_range(0..5), rng.random_range(0..5)]),
            ),
        };
        let crashed = !read && rng.random_bool(crash_p);
        let took = if crashed {
            TIMEOUT
        } else {
            rng.random_range(500_000..30_000_000)
        };
        let effect = (!crashed || rng.random_bool(0.5)).then(|| time + rng.random_range(0..took));
        ops.push(KvOp {
            process: process[t as usize],
            key,
            f,
            arg,
            invoked: time,
            effect,
            ended: time + took,
            crashed,
        });
        free_at[t as usize] = time + took;
        if crashed {
            process[t as usize] += threads;
            processes += 1;
            if processes > 20 {
                (key, processes) = (key + 1, threads);
            }
        }
    }
    // Apply the operations in the order they took effect, to find what each returned.
    let mut order: Vec<usize> = (0..ops.len())
        .filter(|&i| ops[i].effect.is_some())
        .collect();
    order.sort_by_key(|&i| ops[i].effect);
    let mut store: HashMap<u64, u64> = HashMap::new();
    // Per op: its completion (type, value), None when it never took effect and crashed.
    let mut outcomes: Vec<(OpType, Value)> = ops
        .iter()
        .map(|op| (OpType::Info, json!([op.key, op.arg])))
        .collect();
    for i in order {
        let op = &ops[i];
        let current = store.get(&op.key).copied();
        let (kind, value) = match op.f {
            "read" => match current {
                Some(v) => (OpType::Ok, json!([op.key, v])),
                None => (OpType::Fail, json!([op.key, null])),
            },
            "write" => {
                store.insert(op.key, op.arg.as_u64().unwrap_or(0));
                (OpType::Ok, json!([op.key, op.arg]))
            }
            _ => {
                let (from, to) = (op.arg[0].as_u64(), op.arg[1].as_u64().unwrap_or(0));
                if current.is_some() && current == from {
                    store.insert(op.key, to);
                    (OpType::Ok, json!([op.key, op.arg]))
                } else {
                    (OpType::Fail, json!([op.key, op.arg]))
                }
            }
        };
        outcomes[i] = if op.crashed {
            (OpType::Info, value)
        } else {
            (kind, value)
        };
    }
    // (time, is completion, op) sorted into history order.
    let mut events: Vec<(u64, bool, usize)> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        events.push((op.invoked, false, i));
        events.push((op.ended, true, i));
    }
    events.sort_unstable();
    let mut h = Recorder { ops: Vec::new() };
    for (time, done, i) in events {
        let op = &ops[i];
        if done {
            let (kind, value) = outcomes[i].clone();
            h.entry(time, kind, op.process, op.f, value);
        } else {
            let invoke = if op.f == "read" {
                json!([op.key, null])
            } else {
                json!([op.key, op.arg])
            };
            h.entry(time, OpType::Invoke, op.process, op.f, invoke);
        }
    }
    h.ops
}

/// g-set against one set: half adds of 0, 1, 2, …, half reads of everything added so
/// far, then one read per thread.
fn g_set_history(ops: u64, rate: u64, seed: u64) -> Vec<Op> {
    let mut rng = StdRng::seed_from_u64(seed);
    let gap = 1_000_000_000 / rate;
    let mut added: Vec<u64> = Vec::new();
    let mut h = Recorder { ops: Vec::new() };
    for i in 0..ops + THREADS {
        let (time, process) = (i * gap, i % THREADS);
        if i < ops && rng.random_bool(0.5) {
            let element = added.len() as u64;
            added.push(element);
            h.op(
                time,
                process,
                "add",
                json!(element),
                OpType::Ok,
                json!(element),
            );
        } else {
            h.op(time, process, "read", Value::Null, OpType::Ok, json!(added));
        }
    }
    h.ops
}

/// pn-counter against one counter: half adds of -5..=4, half reads, then one final read
/// per thread.
fn counter_history(ops: u64, rate: u64, seed: u64) -> Vec<Op> {
    let mut rng = StdRng::seed_from_u64(seed);
    let gap = 1_000_000_000 / rate;
    let mut total = 0i64;
    let mut h = Recorder { ops: Vec::new() };
    for i in 0..ops + THREADS {
        let (time, process) = (i * gap, i % THREADS);
        if i < ops && rng.random_bool(0.5) {
            let delta: i64 = rng.random_range(-5..5);
            total += delta;
            h.op(time, process, "add", json!(delta), OpType::Ok, json!(delta));
        } else {
            h.op(time, process, "read", Value::Null, OpType::Ok, json!(total));
            if i >= ops {
                let last = h.ops.len() - 1;
                h.ops[last].is_final = true;
                h.ops[last - 1].is_final = true;
            }
        }
    }
    h.ops
}
