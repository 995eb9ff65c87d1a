//! The phases that perform operations: the main phase, where a scheduler hands the
//! workload's operations to client threads at `--rate` while the nemesis partitions the
//! network, and the final phase.

use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, select};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::Run;
use super::worker::{FinalThread, Worker};
use crate::history::{Completion, Invocation};
use crate::workload::{FinalContext, Generator};

/// The pause between healing and the final operations.
const RECOVERY_WAIT: Duration = Duration::from_secs(10);

impl Run<'_> {
    /// The main phase; returns the client threads' state for the final phase.
    pub(super) fn main_phase(&self) -> Vec<Worker> {
        let threads = self.options.concurrency.max(1);
        let zero = Instant::now();
        let end = zero + Duration::from_secs_f64(self.options.time_limit.max(0.0));
        let (work_tx, work_rx) = crossbeam_channel::bounded::<Invocation>(0);
        let (done_tx, done_rx) = crossbeam_channel::unbounded();
        thread::scope(|s| {
            let nemesis = self
                .options
                .partitions()
                .then(|| s.spawn(|| self.nemesis_until(end)));
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
        let mut generator = (self.workload.generator)(self.options);
        let mut rng = StdRng::seed_from_u64(self.seeds.generator);
        let observe = |generator: &mut Box<dyn Generator>| {
            for (op, completion) in done.try_iter() {
                generator.observe(&op, &completion);
            }
        };
        if self.options.rate <= 0.0 {
            self.abort.sleep_until(end);
            return;
        }
        let max_gap = 2.0 / self.options.rate;
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
                recv(self.abort.signal()) -> _ => break,
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

    /// Partitions the network from t ≈ 0 until `end`, the end of the main phase.
    fn nemesis_until(&self, end: Instant) {
        let interval = self.options.nemesis_interval;
        let seed = self.seeds.nemesis;
        self.nemesis().run(interval, seed, end, self.abort.signal());
    }

    /// Heal, wait for recovery, then each client thread's final operations.
    pub(super) fn final_phase(&self, workers: Vec<Worker>, final_ops: fn(&mut dyn FinalContext)) {
        if self.options.partitions() {
            self.nemesis().heal();
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
                    final_ops(&mut ctx);
                });
            }
        });
    }
}
