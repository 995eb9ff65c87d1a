//! The progress line while a run goes on: elapsed time, operations, errors.

use std::io::{self, IsTerminal};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::history::Recorder;

/// The progress line while a run goes on: elapsed time, operations, errors. Only on a
/// terminal, and not with `--no-progress`.
pub struct Progress {
    bar: ProgressBar,
    ticker: Option<std::thread::JoinHandle<()>>,
    stop: crossbeam_channel::Sender<()>,
}

impl Progress {
    /// Starts the line for a run of `limit` seconds, unless it is `wanted` not or stderr
    /// is no terminal.
    pub fn start(wanted: bool, limit: f64, history: Arc<Recorder>) -> Option<Progress> {
        if !wanted || !io::stderr().is_terminal() {
            return None;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(ProgressStyle::with_template("{spinner} {msg}").ok()?);
        let (stop, stopped) = crossbeam_channel::bounded::<()>(0);
        let ticking = bar.clone();
        let ticker = std::thread::spawn(move || {
            let started = std::time::Instant::now();
            loop {
                let (done, errors) = history.progress();
                let elapsed = started.elapsed().as_secs_f64();
                let phase = if elapsed <= limit {
                    format!("{elapsed:.0}/{limit:.0} s")
                } else {
                    "after the time limit".to_string()
                };
                ticking.set_message(format!("{phase}  {done} ops  {errors} not ok"));
                ticking.tick();
                // Stops when `Progress::finish` drops the sender.
                if let Err(crossbeam_channel::RecvTimeoutError::Disconnected) =
                    stopped.recv_timeout(Duration::from_millis(200))
                {
                    return;
                }
            }
        });
        Some(Progress {
            bar,
            ticker: Some(ticker),
            stop,
        })
    }

    /// A line above the progress line.
    pub fn note(&self, line: &str) {
        self.bar.println(line);
    }

    pub fn finish(mut self) {
        drop(self.stop);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        self.bar.finish_and_clear();
    }
}
