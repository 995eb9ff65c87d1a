//! How fast the kafka, txn-rw-register, txn-list-append, set-full (broadcast, g-set) and
//! counter (g-counter, pn-counter) checkers are on histories of challenge size.
//!
//! ```text
//! cargo run --release -p ci --example bench_checkers
//! ```
//!
//! Synthesizes, for each size (20 s at 1000 ops/s, and 60 s at 5000 ops/s), the history
//! a correct single-node system would produce under Maelstrom's generators — four client
//! threads; kafka with assigns, crashes and the final polls; transactions run in
//! invocation order against one store; g-set adds and reads against one set; counter
//! adds and reads, then the final reads — then times each checker on it. The histories
//! are valid, so every check runs to the end; each checker must say so.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use ci::checker::{Validity, elle, g_counter, kafka, set_full};
use ci::cli::TestOpts;
use ci::history::{Op, OpType, Process};
use ci::workload::key_pool::KeyPool;
use clap::Parser;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};

const THREADS: u64 = 4;

fn main() {
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
        let verdict = g_counter::check(&history, &opts());
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
        let verdict = set_full::check(&history, "add", &opts());
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

fn opts() -> TestOpts {
    TestOpts::parse_from(["test", "--bin", "x", "--node-count", "5"])
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
        } else if rng.random_bool(0.5) {
            let (key, msg) = pool.pick_write(&mut rng);
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
            if rng.random_bool(0.5) {
                let key = pool.pick(&mut rng);
                invoke.push(json!(["r", key, null]));
                let seen = match (shape, store.get(&key)) {
                    (Shape::Registers, values) => json!(values.and_then(|v| v.last())),
                    (Shape::Lists, values) => json!(values),
                };
                done.push(json!(["r", key, seen]));
            } else {
                let (key, value) = pool.pick_write(&mut rng);
                store.entry(key).or_default().push(value);
                writes.push((key, value));
                invoke.push(json!([write, key, value]));
                done.push(json!([write, key, value]));
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
