//! One test run, start to finish (after Maelstrom's `src/maelstrom/core.clj` and
//! Jepsen's test lifecycle, `jepsen:jepsen/src/jepsen/core.clj`):
//!
//! 1. start the network and its journal, register every node and service;
//! 2. start the node processes and send each its `init`;
//! 3. take time zero; send the workload's setup requests;
//! 4. the main phase: a scheduler hands operations to client threads at `--rate`, while
//!    the nemesis partitions the network;
//! 5. for workloads that have one, the final phase: heal, wait 10 s, final operations;
//! 6. tear everything down, check the history, write the report.

mod init;
mod schedule;
mod stop;
mod worker;

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crossbeam_channel::Receiver;
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use serde_json::Map;

use crate::checker::protocol::{Observed, StdinBlocked, Unterminated};
use crate::checker::{self, RunInfo, Validity};
use crate::cli::TestOpts;
use crate::clock::Clock;
use crate::history::Recorder;
use crate::nemesis::Nemesis;
use crate::net::journal::{Journal, NetStats};
use crate::net::{Latency, Network, NetworkThreads};
use crate::options::RunOptions;
use crate::process::{Cluster, Launch, NodeProcess, StdoutClosed, Violations};
use crate::report::{self, Progress};
use crate::store::{self, Store};
use crate::sync::lock;
use crate::workload::{self, Workload};
use stop::Abort;

/// What [`test`] returns.
pub use crate::outcome::{Failure, FailureKind, Outcome};

/// Runs a test as `maelstrom test` would. Never panics on bad nodes and never hangs:
/// every path reaps the processes and, once the store exists, writes what it has.
pub fn test(opts: &TestOpts) -> Outcome {
    let seed = opts.seed.unwrap_or_else(rand::random);
    let options = opts.run_options();
    let workload = workload::for_name(options.workload);
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
    if options.nodes.is_empty() {
        return failed("a test needs at least one node".into());
    }
    let mut launch = match Launch::new(&opts.bin, opts.bin_args.clone(), opts.log_stderr) {
        Ok(launch) => launch,
        Err(message) => return failed(message),
    };
    let store = match Store::create(&opts.store, &options.workload.name()) {
        Ok(store) => store,
        Err(e) => return failed(format!("cannot create the store directory: {e}")),
    };
    launch.log_dir = Some(store.node_logs());
    let mut run = Run::start(opts, &options, seed, &workload, &store);
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
    abort.fail(Failure {
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

/// Everything one run shares between its threads.
struct Run<'a> {
    opts: &'a TestOpts,
    options: &'a RunOptions,
    seed: u64,
    seeds: Seeds,
    workload: &'a Workload,
    nodes: &'a [String],
    clock: Arc<Clock>,
    net: Network,
    net_threads: Option<NetworkThreads>,
    history: Arc<Recorder>,
    abort: Arc<Abort>,
    violations: Arc<Violations>,
    cluster: Cluster,
    progress: Option<Progress>,
}

impl<'a> Run<'a> {
    fn start(
        opts: &'a TestOpts,
        options: &'a RunOptions,
        seed: u64,
        workload: &'a Workload,
        store: &Store,
    ) -> Run<'a> {
        let seeds = Seeds::new(seed);
        let clock = Arc::new(Clock::new());
        let journal = Journal {
            path: Some(store.path(store::JOURNAL)),
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
            options,
            seed,
            seeds,
            workload,
            nodes: &options.nodes,
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
        crate::service::start_all(&self.net, self.seeds.services);
        let (closed_tx, closed_rx) = crossbeam_channel::unbounded();
        for (node, inbox) in self.nodes.iter().zip(inboxes) {
            match NodeProcess::spawn(node, inbox, launch, &self.net, &self.violations, &closed_tx) {
                Ok(process) => self.cluster.nodes.push(process),
                Err(e) => {
                    self.abort.fail(Failure {
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
        self.progress = Progress::start(
            !self.opts.no_progress,
            self.options.time_limit,
            Arc::clone(&self.history),
        );
        let workers = self.main_phase();
        if self.abort.is_aborted() {
            return Phase::Main;
        }
        if let Some(final_ops) = self.workload.final_phase {
            self.final_phase(workers, final_ops);
        }
        Phase::Done
    }

    /// What the nemesis acts on.
    fn nemesis(&self) -> Nemesis<'_> {
        Nemesis {
            net: &self.net,
            history: &self.history,
            nodes: self.nodes,
        }
    }

    /// A node whose stdout closes has (almost always) exited: abort the run at once.
    fn watch_for_exits(&self, closed: Receiver<StdoutClosed>) {
        let abort = Arc::clone(&self.abort);
        thread::spawn(move || {
            for StdoutClosed(node) in closed {
                if abort.is_tearing_down() {
                    return;
                }
                abort.fail(Failure {
                    kind: FailureKind::Crash,
                    message: node,
                });
            }
        });
    }

    /// Step 6: teardown, analysis, report.
    fn finish(mut self, phase: Phase, store: &Store) -> Outcome {
        // Wake anything still waiting; from now on nodes exiting is no crash.
        self.abort.tear_down();
        if let Some(progress) = self.progress.take() {
            progress.finish();
        }
        let failure = self.abort.failure().map(|f| self.describe_failure(f));
        let (unterminated, stdin_blocked) = self.output_problems();
        self.violations.close();
        self.cluster.shutdown();
        let stats = match self.net_threads.take() {
            Some(threads) => threads.stop(&self.net),
            None => NetStats::default(),
        };
        let history = self.history.take();
        let observed = Observed {
            violations: self.violations.count(),
            examples: self.violations.examples(),
            unterminated,
            stdin_blocked,
            unmatched: self.net.unmatched(),
        };
        let analysis = (phase != Phase::Startup && phase != Phase::Init).then(|| {
            let info = RunInfo::new(self.options);
            let verdict = (self.workload.checker)(&history, &info);
            let exempt = self.workload.stats_exempt;
            checker::analyze(verdict, exempt, &info, &history, &stats, &observed)
        });
        let run = report::RunFacts {
            options: self.options,
            seed: self.seed,
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
