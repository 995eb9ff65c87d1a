//! One test run, start to finish (spec §2.4, after Maelstrom's `src/maelstrom/core.clj`
//! and Jepsen's test lifecycle):
//!
//! 1. start the network and its journal, register every node and service;
//! 2. start the node processes and send each its `init`;
//! 3. take time zero; send the workload's setup requests;
//! 4. the main phase: a scheduler hands operations to client threads at `--rate`, while
//!    the nemesis partitions the network;
//! 5. for workloads that have one, the final phase: heal, wait 10 s, final operations;
//! 6. tear everything down, check the history, write the report.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, select};
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use serde_json::{Map, Value, json};

use crate::checker::protocol::{StdinBlocked, Unterminated};
use crate::checker::{self, Validity};
use crate::cli::TestOpts;
use crate::client::{NetClient, RPC_TIMEOUT};
use crate::clock::Clock;
use crate::history::{Op, OpType, Process, Recorder};
use crate::nemesis;
use crate::net::journal::{Journal, NetStats};
use crate::net::{Latency, Network};
use crate::process::{Cluster, Launch, NodeProcess, StdoutClosed, Violations};
use crate::report::{self, Progress, Store};
use crate::sync::lock;
use crate::workload::schema::expect_reply;
use crate::workload::{self, Client, Completion, FinalContext, Invocation, RpcFailure, Workload};

/// How long a node has to answer `init`.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// The pause between healing and the final operations.
pub const RECOVERY_WAIT: Duration = Duration::from_secs(10);

/// Why a run ended without an analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// The run could not start: a missing binary, an unwritable store.
    Startup,
    /// A node did not answer `init` (or the setup request) properly.
    Init,
    /// A node exited during the run.
    Crash,
    /// The person running it pressed Ctrl-C.
    Interrupted,
}

#[derive(Debug, Clone)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

/// What a run produced.
#[derive(Debug)]
pub struct Outcome {
    pub valid: Validity,
    /// 0 valid, 1 invalid, 2 unknown, 255 a failed run.
    pub exit_code: i32,
    /// Maelstrom's results map plus our extensions; what `results.json` holds.
    pub results: Map<String, Value>,
    /// The report printed at the end (also `summary.txt`).
    pub summary: String,
    /// The run's store directory, once created.
    pub store: Option<PathBuf>,
    pub failure: Option<Failure>,
    pub seed: u64,
}

/// Runs a test as `maelstrom test` would. Never panics on bad nodes and never hangs:
/// every path reaps the processes and, once the store exists, writes what it has.
pub fn test(opts: &TestOpts) -> Outcome {
    let seed = opts.seed.unwrap_or_else(rand::random);
    let workload = workload::for_name(opts.workload);
    let failed = |message: String| Outcome {
        valid: Validity::Invalid,
        exit_code: 255,
        results: Map::new(),
        summary: format!("{message}\n"),
        store: None,
        failure: Some(Failure {
            kind: FailureKind::Startup,
            message,
        }),
        seed,
    };
    let nodes = opts.node_ids();
    if nodes.is_empty() {
        return failed("a test needs at least one node".into());
    }
    let mut launch = match Launch::new(&opts.bin, opts.bin_args.clone(), opts.log_stderr) {
        Ok(launch) => launch,
        Err(message) => return failed(message),
    };
    let store = match Store::create(&opts.store, workload.name()) {
        Ok(store) => store,
        Err(e) => return failed(format!("cannot create the store directory: {e}")),
    };
    launch.log_dir = Some(store.node_logs());
    let mut run = Run::start(opts, seed, workload.as_ref(), &store, &nodes);
    let ended = run.run(&launch);
    run.finish(ended, &store)
}

/// The run under way, for [`interrupt`] (the `maelstrom` command runs one at a time):
/// a weak handle, so a finished run is not kept.
static CURRENT: Mutex<Option<std::sync::Weak<Abort>>> = Mutex::new(None);

/// Stops the run under way as a failure, as if a node had crashed: the nodes are stopped
/// and what the run recorded is checked and written to the store. For a Ctrl-C handler;
/// returns false when no run is under way.
pub fn interrupt() -> bool {
    let current = lock(&CURRENT).as_ref().and_then(|a| a.upgrade());
    let Some(abort) = current else {
        return false;
    };
    abort.trigger(Failure {
        kind: FailureKind::Interrupted,
        message: "Interrupted (Ctrl-C): the nodes were stopped before the end of the run. \
                  What it recorded is checked below, but without the run's last part (the \
                  final reads, for most workloads), so the checks may find faults a whole \
                  run would not."
            .into(),
    });
    true
}

/// Independent random streams, so a seed fixes the operations and the partitions no
/// matter how the threads interleave.
struct Seeds {
    generator: u64,
    latency: u64,
    nemesis: u64,
    services: u64,
}

impl Seeds {
    fn new(seed: u64) -> Seeds {
        let mut master = StdRng::seed_from_u64(seed);
        Seeds {
            generator: master.next_u64(),
            latency: master.next_u64(),
            nemesis: master.next_u64(),
            services: master.next_u64(),
        }
    }
}

/// Stops everything waiting on it: dropping the sender disconnects every receiver.
struct Abort {
    sender: Mutex<Option<Sender<()>>>,
    receiver: Receiver<()>,
    failure: Mutex<Option<Failure>>,
    /// Set at teardown, when nodes exiting is expected.
    tearing_down: AtomicBool,
}

impl Abort {
    fn new() -> Abort {
        let (sender, receiver) = crossbeam_channel::bounded(0);
        Abort {
            sender: Mutex::new(Some(sender)),
            receiver,
            failure: Mutex::new(None),
            tearing_down: AtomicBool::new(false),
        }
    }

    /// Records the first failure and wakes every waiter.
    fn trigger(&self, failure: Failure) {
        let mut slot = lock(&self.failure);
        if slot.is_none() {
            *slot = Some(failure);
        }
        drop(slot);
        lock(&self.sender).take();
    }

    fn failure(&self) -> Option<Failure> {
        lock(&self.failure).clone()
    }

    fn is_aborted(&self) -> bool {
        self.failure().is_some()
    }

    /// Sleeps until `deadline`; false if the run was aborted meanwhile.
    fn sleep_until(&self, deadline: Instant) -> bool {
        select! {
            recv(self.receiver) -> _ => false,
            default(deadline.saturating_duration_since(Instant::now())) => true,
        }
    }
}

/// Everything one run shares between its threads.
struct Run<'a> {
    opts: &'a TestOpts,
    seed: u64,
    seeds: Seeds,
    workload: &'a dyn Workload,
    nodes: Vec<String>,
    clock: Arc<Clock>,
    net: Network,
    net_threads: Option<crate::net::NetworkThreads>,
    history: Arc<Recorder>,
    abort: Arc<Abort>,
    violations: Arc<Violations>,
    cluster: Cluster,
    progress: Option<Progress>,
}

impl<'a> Run<'a> {
    fn start(
        opts: &'a TestOpts,
        seed: u64,
        workload: &'a dyn Workload,
        store: &Store,
        nodes: &[String],
    ) -> Run<'a> {
        let seeds = Seeds::new(seed);
        let clock = Arc::new(Clock::new());
        let journal = Journal {
            path: Some(store.path("messages.jsonl")),
            clock: Arc::clone(&clock),
            log_send: opts.log_net_send,
            log_recv: opts.log_net_recv,
        };
        let latency = Latency {
            dist: opts.latency_dist,
            mean_ms: opts.latency,
        };
        let (net, net_threads) = Network::start(latency, seeds.latency, journal);
        let cluster = Cluster::new(&net);
        let abort = Arc::new(Abort::new());
        *lock(&CURRENT) = Some(Arc::downgrade(&abort));
        Run {
            opts,
            seed,
            seeds,
            workload,
            nodes: nodes.to_vec(),
            history: Arc::new(Recorder::new(Arc::clone(&clock))),
            clock,
            net,
            net_threads: Some(net_threads),
            abort,
            violations: Arc::new(Violations::default()),
            cluster,
            progress: None,
        }
    }

    /// Steps 1–5. Returns how far the run got; failures are in `self.abort`.
    fn run(&mut self, launch: &Launch) -> Phase {
        // Every participant is on the network before any node can send.
        let inboxes: Vec<_> = self.nodes.iter().map(|n| self.net.register(n)).collect();
        self.start_services();
        let (closed_tx, closed_rx) = crossbeam_channel::unbounded();
        for (node, inbox) in self.nodes.iter().zip(inboxes) {
            match NodeProcess::spawn(node, inbox, launch, &self.net, &self.violations, &closed_tx) {
                Ok(process) => self.cluster.nodes.push(process),
                Err(e) => {
                    self.abort.trigger(Failure {
                        kind: FailureKind::Startup,
                        message: format!("cannot start {}: {e}", launch.bin.display()),
                    });
                    return Phase::Startup;
                }
            }
        }
        self.watch_for_exits(closed_rx);

        if !self.init_all() {
            return Phase::Init;
        }
        self.clock.set_zero();
        let Some(_setup_clients) = self.setup_all() else {
            return Phase::Init;
        };
        self.progress = Progress::start(self.opts, Arc::clone(&self.history));
        let workers = self.main_phase();
        if self.abort.is_aborted() {
            return Phase::Main;
        }
        if self.workload.has_final_phase() {
            self.final_phase(workers);
        }
        Phase::Done
    }

    fn start_services(&self) {
        for (name, mut service) in crate::service::all(self.seeds.services) {
            let inbox = self.net.register(name);
            let net = self.net.clone();
            thread::Builder::new()
                .name(format!("service {name}"))
                .spawn(move || {
                    while let Some(packet) = inbox.recv() {
                        let Ok(body) = serde_json::from_str::<Value>(packet.body.get()) else {
                            continue;
                        };
                        // An unknown request gets no reply, as in Maelstrom.
                        let Some(mut reply) = service.handle(&packet.src, &body) else {
                            continue;
                        };
                        if let Some(fields) = reply.as_object_mut() {
                            let msg_id = body.get("msg_id").cloned().unwrap_or(Value::Null);
                            fields.insert("in_reply_to".into(), msg_id);
                        }
                        if let Ok(raw) = serde_json::value::to_raw_value(&reply) {
                            let _ = net.send(name, &packet.src, raw);
                        }
                    }
                })
                .expect("spawning a service thread");
        }
    }

    /// A node whose stdout closes has (almost always) exited: abort the run at once.
    fn watch_for_exits(&self, closed: Receiver<StdoutClosed>) {
        let abort = Arc::clone(&self.abort);
        thread::spawn(move || {
            for StdoutClosed(node) in closed {
                if abort.tearing_down.load(Relaxed) {
                    return;
                }
                abort.trigger(Failure {
                    kind: FailureKind::Crash,
                    message: node,
                });
            }
        });
    }

    /// Sends every node its `init` at once; true when all answered `init_ok`.
    fn init_all(&self) -> bool {
        let problems: Vec<String> = thread::scope(|s| {
            let handles: Vec<_> = self
                .nodes
                .iter()
                .map(|node| s.spawn(move || self.init(node)))
                .collect();
            handles
                .into_iter()
                .filter_map(|h| h.join().unwrap_or(Some("init thread panicked".into())))
                .collect()
        });
        if self.abort.is_aborted() {
            return false;
        }
        if problems.is_empty() {
            return true;
        }
        self.abort.trigger(Failure {
            kind: FailureKind::Init,
            message: problems.join("\n\n"),
        });
        false
    }

    /// `None` when `node` answered its `init` with `init_ok`, else what went wrong.
    fn init(&self, node: &str) -> Option<String> {
        let mut client =
            NetClient::open(&self.net, node, &self.abort.receiver).with_timeout(INIT_TIMEOUT);
        let body = json!({"type": "init", "node_id": node, "node_ids": self.nodes});
        let reply = client.request(body);
        if self.abort.is_aborted() {
            return None; // The crash report says more than a timeout would.
        }
        match reply {
            Ok(reply) if reply.get("type").and_then(Value::as_str) == Some("init_ok") => None,
            Ok(reply) => Some(format!(
                "{node} answered init with {reply}, but the reply must have type init_ok \
                 (see the book: Troubleshooting › Not answering init)"
            )),
            Err(RpcFailure::Error { code, text }) => Some(format!(
                "{node} answered init with error {code} ({}) {text:?} \
                 (see the book: Troubleshooting › Not answering init)",
                workload::error_name(code)
            )),
            Err(RpcFailure::Malformed(why)) => Some(format!("{node}: {why}")),
            Err(RpcFailure::Timeout) => Some(self.init_timeout(node, client.id())),
        }
    }

    /// Explains a missing `init_ok` from what the node did print.
    fn init_timeout(&self, node: &str, client: &str) -> String {
        let secs = INIT_TIMEOUT.as_secs();
        let Some(process) = self.cluster.node(node) else {
            return format!("{node} did not answer init within {secs} s");
        };
        let mut message = format!("{node} did not answer init within {secs} s.");
        let printed = process.tails.stdout();
        let (section, detail) = match printed.iter().find_map(|l| init_reply_problem(l, client)) {
            Some((section, detail)) => (section, detail),
            None if process.tails.unterminated(Duration::ZERO).is_some() => (
                "A reply without a trailing newline",
                "It printed a line without a newline at the end, so it was never read.".into(),
            ),
            None if printed.is_empty() => (
                "Not answering init",
                "It printed nothing on stdout.".to_string(),
            ),
            None => ("Not answering init", String::new()),
        };
        if !detail.is_empty() {
            message.push(' ');
            message.push_str(&detail);
        }
        if !printed.is_empty() {
            message.push_str(&format!(
                "\nWhat it printed on stdout instead:\n    {}",
                printed.join("\n    ")
            ));
        }
        let stderr = process.tails.stderr();
        if !stderr.is_empty() {
            message.push_str(&format!(
                "\nIts last lines on stderr:\n    {}",
                stderr.join("\n    ")
            ));
        }
        message.push_str(&format!("\n(see the book: Troubleshooting › {section})"));
        message
    }

    /// Each node's setup request (broadcast's `topology`), from a client that stays open
    /// until teardown as Jepsen's do. `None` if one failed.
    fn setup_all(&self) -> Option<Vec<NetClient>> {
        let mut clients = Vec::new();
        for node in &self.nodes {
            let Some(body) = self.workload.setup_request(node, self.opts) else {
                continue;
            };
            let mut client = NetClient::open(&self.net, node, &self.abort.receiver);
            let kind = body
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let reply = client
                .request(body)
                .and_then(|reply| expect_reply(&reply, &format!("{kind}_ok"), &[]));
            if self.abort.is_aborted() {
                return None;
            }
            if let Err(failure) = reply {
                self.abort.trigger(Failure {
                    kind: FailureKind::Init,
                    message: format!("{node} did not answer {kind} properly: {failure:?}"),
                });
                return None;
            }
            clients.push(client);
        }
        Some(clients)
    }

    /// The main phase; returns the client threads' state for the final phase.
    fn main_phase(&self) -> Vec<Worker> {
        let threads = self.opts.client_threads().max(1);
        let zero = Instant::now();
        let end = zero + Duration::from_secs_f64(self.opts.time_limit.max(0.0));
        let (work_tx, work_rx) = crossbeam_channel::bounded::<Invocation>(0);
        let (done_tx, done_rx) = crossbeam_channel::unbounded();
        thread::scope(|s| {
            let nemesis = self
                .opts
                .partitions()
                .then(|| s.spawn(|| self.nemesis(end)));
            let workers: Vec<_> = (0..threads)
                .map(|t| {
                    let (work_rx, done_tx) = (work_rx.clone(), done_tx.clone());
                    let mut worker = Worker::new(self, t, threads);
                    s.spawn(move || {
                        for op in work_rx {
                            let completion = worker.perform(self, &op, false);
                            let _ = done_tx.send((op, completion));
                        }
                        worker
                    })
                })
                .collect();
            drop((work_rx, done_tx));
            self.schedule(end, work_tx, done_rx);
            if let Some(nemesis) = nemesis {
                let _ = nemesis.join();
            }
            workers.into_iter().filter_map(|w| w.join().ok()).collect()
        })
    }

    /// Draws operations and hands each to a free client thread, with uniform random
    /// gaps in [0, 2/rate) s (Jepsen's `stagger`). A thread takes an operation only when
    /// idle, so a slow cluster lowers the real rate.
    ///
    /// The generator sees completions when the scheduler wakes for its next operation
    /// (or waits for a thread), not the moment they happen: waking for each would cost
    /// a thread switch per operation.
    fn schedule(
        &self,
        end: Instant,
        work: Sender<Invocation>,
        done: Receiver<(Invocation, Completion)>,
    ) {
        let mut generator = self.workload.generator(self.opts);
        let mut rng = StdRng::seed_from_u64(self.seeds.generator);
        let observe = |generator: &mut Box<dyn workload::Generator>| {
            for (op, completion) in done.try_iter() {
                generator.observe(&op, &completion);
            }
        };
        if self.opts.rate <= 0.0 {
            self.abort.sleep_until(end);
            return;
        }
        let max_gap = 2.0 / self.opts.rate;
        let mut next = Instant::now();
        loop {
            next += Duration::from_secs_f64(rng.random_range(0.0..max_gap));
            if next >= end || !self.abort.sleep_until(next) {
                break;
            }
            observe(&mut generator);
            let Some(op) = generator.next_op(&mut rng) else {
                break;
            };
            // Hand it to the first idle thread. Only when every thread was busy does the
            // schedule slip: the next gap then counts from now (Jepsen's `stagger`).
            let op = match work.try_send(op) {
                Ok(()) => continue,
                Err(crossbeam_channel::TrySendError::Full(op)) => op,
                Err(crossbeam_channel::TrySendError::Disconnected(_)) => break,
            };
            select! {
                send(work, op) -> _ => {}
                recv(self.abort.receiver) -> _ => break,
                default(end.saturating_duration_since(Instant::now())) => break,
            }
            next = next.max(Instant::now());
        }
        drop(work);
        // Completions of the last operations.
        for (op, completion) in done {
            generator.observe(&op, &completion);
        }
    }

    /// Partitions from t ≈ 0 until the end of the main phase, alternating start and
    /// stop (spec §3.6). Returns whether a partition is still in force.
    fn nemesis(&self, end: Instant) -> bool {
        let mut rng = StdRng::seed_from_u64(self.seeds.nemesis);
        let interval = self.opts.nemesis_interval;
        let mut at = Instant::now();
        let mut partitioned = false;
        while at < end && self.abort.sleep_until(at) {
            if partitioned {
                self.heal();
            } else {
                let shape = nemesis::Shape::random(&mut rng);
                let grudge = nemesis::grudge(shape, &self.nodes, &mut rng);
                let record = |value| {
                    let process = Process::Nemesis;
                    self.history.record(
                        OpType::Info,
                        process,
                        "start-partition",
                        value,
                        None,
                        false,
                    );
                };
                record(json!(shape.name()));
                self.net.set_grudge(grudge.clone());
                record(json!(["isolated", grudge]));
            }
            partitioned = !partitioned;
            at += nemesis::next_gap(interval, &mut rng);
        }
        partitioned
    }

    fn heal(&self) {
        let record = |value| {
            let process = Process::Nemesis;
            self.history
                .record(OpType::Info, process, "stop-partition", value, None, false);
        };
        record(Value::Null);
        self.net.heal();
        record(json!("network-healed"));
    }

    /// Heal, wait for recovery, then each client thread's final operations.
    fn final_phase(&self, workers: Vec<Worker>) {
        if self.opts.partitions() {
            self.heal();
        }
        if let Some(progress) = &self.progress {
            progress.note("Waiting for recovery...");
        } else {
            eprintln!("Waiting for recovery...");
        }
        if !self.abort.sleep_until(Instant::now() + RECOVERY_WAIT) {
            return;
        }
        let started = Instant::now();
        thread::scope(|s| {
            for worker in workers {
                s.spawn(move || {
                    let mut ctx = FinalThread {
                        run: self,
                        worker,
                        started,
                    };
                    self.workload.final_phase(&mut ctx);
                });
            }
        });
    }

    /// Step 6: teardown, analysis, report.
    fn finish(mut self, phase: Phase, store: &Store) -> Outcome {
        self.abort.tearing_down.store(true, Relaxed);
        if let Some(progress) = self.progress.take() {
            progress.finish();
        }
        let failure = self.abort.failure().map(|f| self.describe_failure(f));
        // Wake anything still waiting, then stop the nodes and the network.
        self.abort.trigger(Failure {
            kind: FailureKind::Startup,
            message: "teardown".into(),
        });
        let (unterminated, stdin_blocked) = self.output_problems();
        self.violations.close();
        self.cluster.shutdown();
        let stats = match self.net_threads.take() {
            Some(threads) => threads.stop(&self.net),
            None => NetStats::default(),
        };
        let history = self.history.take();
        let observed = checker::protocol::Observed {
            violations: self.violations.count(),
            examples: self.violations.examples(),
            unterminated,
            stdin_blocked,
            unmatched: self.net.unmatched(),
        };
        let analysis = (phase != Phase::Startup && phase != Phase::Init)
            .then(|| checker::analyze(self.workload, self.opts, &history, &stats, &observed));
        let run = report::RunFacts {
            opts: self.opts,
            seed: self.seed,
            nodes: &self.nodes,
            history: &history,
            stats: &stats,
            failure: failure.as_ref(),
            analysis: analysis.as_ref(),
            observed: &observed,
        };
        report::finish(store, &run)
    }

    /// What is wrong with the nodes' pipes as the run ends: text waiting for its newline
    /// on stdout (for half a second or more), and stdin left unread (for a second or
    /// more).
    fn output_problems(&self) -> (Vec<Unterminated>, Vec<StdinBlocked>) {
        let mut unterminated = Vec::new();
        let mut stdin_blocked = Vec::new();
        for n in &self.cluster.nodes {
            let node = n.id.clone();
            if let Some(text) = n.tails.unterminated(Duration::from_millis(500)) {
                unterminated.push(Unterminated {
                    node: node.clone(),
                    text,
                });
            }
            if let Some(waited) = n.tails.stdin_blocked(Duration::from_secs(1)) {
                let seconds = waited.as_secs_f64();
                stdin_blocked.push(StdinBlocked { node, seconds });
            }
        }
        (unterminated, stdin_blocked)
    }

    /// Adds to a failure what the nodes' output says about it: for a crash, the report
    /// of the node that exited first and of any other that exited too.
    fn describe_failure(&self, failure: Failure) -> Failure {
        if failure.kind != FailureKind::Crash {
            return failure;
        }
        let first = failure.message;
        let mut reports = Vec::new();
        for process in &self.cluster.nodes {
            let wait = if process.id == first {
                Duration::from_secs(1)
            } else {
                Duration::ZERO
            };
            if let Some(status) = process.wait_exit(wait) {
                process.wait_output(Duration::from_secs(1));
                reports.push(process.crash_report(Some(status)));
            } else if process.id == first {
                reports.push(process.crash_report(None));
            }
        }
        Failure {
            kind: FailureKind::Crash,
            message: reports.join("\n\n"),
        }
    }
}

/// How far a run got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Startup,
    Init,
    Main,
    Done,
}

/// Says what is wrong with a line a node printed in reply to `init`, if it looks like
/// an attempt at `init_ok`.
fn init_reply_problem(line: &str, client: &str) -> Option<(&'static str, String)> {
    let msg: Value = serde_json::from_str(line).ok()?;
    let body = msg.get("body")?;
    if body.get("type").and_then(Value::as_str) != Some("init_ok") {
        return None;
    }
    if msg.get("dest").and_then(Value::as_str) != Some(client) {
        return Some((
            "Answering to the wrong dest",
            format!(
                "Its init_ok went to {}, but init came from {client}: a reply goes to the \
                 request's src.",
                msg.get("dest").unwrap_or(&Value::Null)
            ),
        ));
    }
    if body.get("in_reply_to").and_then(Value::as_u64).is_none() {
        return Some((
            "A reply without in_reply_to",
            "Its init_ok has no in_reply_to, so it answers nothing: copy the request's msg_id \
             into in_reply_to."
                .to_string(),
        ));
    }
    None
}

/// One client thread: its node, its current process number and its client.
struct Worker {
    node: String,
    process: u64,
    /// Added to the process number after an indeterminate operation.
    stride: u64,
    client: Option<(Box<dyn Client>, NetClient)>,
}

impl Worker {
    /// Thread `t` is bound to node `t mod N` for the whole run.
    fn new(run: &Run<'_>, t: usize, threads: usize) -> Worker {
        Worker {
            node: run.nodes[t % run.nodes.len()].clone(),
            process: t as u64,
            stride: threads as u64,
            client: None,
        }
    }

    /// Performs one operation, recording its invocation and completion.
    fn perform(&mut self, run: &Run<'_>, op: &Invocation, is_final: bool) -> Completion {
        let (client, rpc) = self.client.get_or_insert_with(|| {
            let rpc = NetClient::open(&run.net, &self.node, &run.abort.receiver);
            (run.workload.new_client(), rpc)
        });
        let process = Process::Client(self.process);
        let history = &run.history;
        history.record(
            OpType::Invoke,
            process,
            &op.f,
            op.value.clone(),
            None,
            is_final,
        );
        let completion = client.invoke(rpc, op);
        let (value, error) = (completion.value.clone(), completion.error.clone());
        history.record(completion.kind, process, &op.f, value, error, is_final);
        if completion.kind == OpType::Info {
            // Nobody knows what happened to that operation, so this thread goes on as
            // a new process, and (unless the client is reusable) with a new client.
            self.process += self.stride;
            if !run.workload.reusable_client() {
                self.client = None;
            }
        }
        completion
    }
}

/// What a workload's final phase sees of one client thread.
struct FinalThread<'r, 'a> {
    run: &'r Run<'a>,
    worker: Worker,
    started: Instant,
}

impl FinalContext for FinalThread<'_, '_> {
    fn perform(&mut self, op: Invocation, is_final: bool) -> Completion {
        self.worker.perform(self.run, &op, is_final)
    }

    fn history(&self) -> Vec<Op> {
        self.run.history.snapshot()
    }

    fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

/// The client timeout, for workloads that explain timeouts.
pub const CLIENT_TIMEOUT: Duration = RPC_TIMEOUT;
