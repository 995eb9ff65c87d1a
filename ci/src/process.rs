//! The node processes: spawning them, feeding their stdin from the network, turning
//! their stdout lines into network messages, keeping their stderr, and making sure every
//! one of them is gone when the run ends (Maelstrom's `src/maelstrom/process.clj`).

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use serde::Serialize;
use wait_timeout::ChildExt;

use crate::net::{LineError, Mailbox, Network};
use crate::sync::lock;

/// How many lines of stdout and stderr are kept for a crash report, as in Maelstrom.
pub const TAIL_LINES: usize = 32;

/// How many protocol violations are kept as examples (all are counted).
const VIOLATION_EXAMPLES: usize = 10;

/// What every node process is started with.
#[derive(Debug, Clone)]
pub struct Launch {
    /// The canonical path of the node binary.
    pub bin: PathBuf,
    pub args: Vec<String>,
    /// Where `<node>.log` files go; `None` keeps stderr only in memory.
    pub log_dir: Option<PathBuf>,
    /// `--log-stderr`: also print node stderr on the console.
    pub log_stderr: bool,
}

impl Launch {
    /// Resolves `bin` the way Maelstrom does (canonical path), with an error a learner
    /// can act on when it does not exist.
    pub fn new(bin: &Path, args: Vec<String>, log_stderr: bool) -> Result<Launch, String> {
        let bin = bin.canonicalize().map_err(|e| {
            format!(
                "cannot run --bin {}: {e}. Build it first (for example `cargo build -p echo` \
                 gives target/debug/echo).",
                bin.display()
            )
        })?;
        Ok(Launch {
            bin,
            args,
            log_dir: None,
            log_stderr,
        })
    }
}

/// A line a node printed that is not a message it may send.
#[derive(Debug, Clone, Serialize)]
pub struct Violation {
    pub node: String,
    pub line: String,
    pub error: String,
    /// The book's troubleshooting section.
    pub section: &'static str,
}

impl Violation {
    pub fn describe(&self) -> String {
        format!(
            "{} printed a line that cannot be sent, because {}: {} (see the book: \
             Troubleshooting › {})",
            self.node,
            self.error,
            shorten(&self.line, 200),
            self.section
        )
    }
}

/// Every protocol violation of a run: all counted, the first few kept.
#[derive(Debug, Default)]
pub struct Violations {
    count: AtomicU64,
    examples: Mutex<Vec<Violation>>,
    /// Set at teardown: nodes leave the network then, so what they still print is moot.
    closed: AtomicBool,
}

impl Violations {
    fn record(&self, node: &str, line: &str, error: &LineError) {
        if self.closed.load(Relaxed) {
            return;
        }
        self.count.fetch_add(1, Relaxed);
        let mut examples = lock(&self.examples);
        if examples.len() < VIOLATION_EXAMPLES {
            examples.push(Violation {
                node: node.to_string(),
                line: line.to_string(),
                error: error.to_string(),
                section: error.troubleshooting(),
            });
        }
    }

    pub fn count(&self) -> u64 {
        self.count.load(Relaxed)
    }

    /// Stops recording: the test is over.
    pub fn close(&self) {
        self.closed.store(true, Relaxed);
    }

    pub fn examples(&self) -> Vec<Violation> {
        lock(&self.examples).clone()
    }
}

/// The last lines a node wrote, for reports.
#[derive(Debug, Default)]
pub struct Tails {
    stdout: Mutex<VecDeque<String>>,
    stderr: Mutex<VecDeque<String>>,
    /// Bytes on stdout not yet ended by a newline, and since when.
    unterminated: Mutex<Option<(Instant, String)>>,
    /// Since when a write to the node's stdin has been waiting for the node to read.
    stdin_blocked: Mutex<Option<Instant>>,
}

impl Tails {
    fn push(lines: &Mutex<VecDeque<String>>, line: &str) {
        let mut lines = lock(lines);
        if lines.len() == TAIL_LINES {
            lines.pop_front();
        }
        lines.push_back(line.to_string());
    }

    pub fn stdout(&self) -> Vec<String> {
        lock(&self.stdout).iter().cloned().collect()
    }

    pub fn stderr(&self) -> Vec<String> {
        lock(&self.stderr).iter().cloned().collect()
    }

    /// Text the node printed without a trailing newline, if it has waited there for at
    /// least `min_age`.
    pub fn unterminated(&self, min_age: Duration) -> Option<String> {
        lock(&self.unterminated)
            .as_ref()
            .filter(|(since, _)| since.elapsed() >= min_age)
            .map(|(_, text)| text.clone())
    }

    /// How long a write to stdin has been waiting, if it has waited at least
    /// `min_age`: the node is not reading its stdin.
    pub fn stdin_blocked(&self, min_age: Duration) -> Option<Duration> {
        lock(&self.stdin_blocked)
            .map(|since| since.elapsed())
            .filter(|waited| *waited >= min_age)
    }

    fn set_unterminated(&self, pending: &[u8]) {
        let mut slot = lock(&self.unterminated);
        if pending.is_empty() {
            *slot = None;
        } else if slot.is_none() {
            *slot = Some((
                Instant::now(),
                String::from_utf8_lossy(pending).into_owned(),
            ));
        } else if let Some((_, text)) = slot.as_mut() {
            *text = String::from_utf8_lossy(pending).into_owned();
        }
    }
}

/// Sent when a node's stdout closes, which almost always means it exited.
#[derive(Debug, Clone)]
pub struct StdoutClosed(pub String);

/// One running node.
pub struct NodeProcess {
    pub id: String,
    child: Mutex<Child>,
    pub tails: Arc<Tails>,
    pub log_path: Option<PathBuf>,
    readers: Vec<JoinHandle<()>>,
}

impl NodeProcess {
    /// Starts the binary as node `id` (its mailbox already registered), in the
    /// system's temporary directory as Maelstrom does.
    pub fn spawn(
        id: &str,
        mailbox: Mailbox,
        launch: &Launch,
        net: &Network,
        violations: &Arc<Violations>,
        closed: &Sender<StdoutClosed>,
    ) -> io::Result<NodeProcess> {
        // A process group of its own: a Ctrl-C in the terminal reaches the runner, which
        // stops the nodes itself after saving what the run recorded.
        let mut child = Command::new(&launch.bin)
            .args(&launch.args)
            .process_group(0)
            .current_dir(std::env::temp_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::other("the node's pipes were not created"));
        };
        let tails = Arc::new(Tails::default());
        let log_path = launch.log_dir.as_ref().map(|d| d.join(format!("{id}.log")));
        let log = match &log_path {
            Some(path) => Some(File::create(path)?),
            None => None,
        };

        let stdin_tails = Arc::clone(&tails);
        spawn_thread(format!("{id} stdin"), move || {
            write_stdin(mailbox, stdin, &stdin_tails)
        });
        let stdout_reader = {
            let (id, net, tails) = (id.to_string(), net.clone(), Arc::clone(&tails));
            let (violations, closed) = (Arc::clone(violations), closed.clone());
            spawn_thread(format!("{id} stdout"), move || {
                read_stdout(&id, stdout, &net, &tails, &violations);
                let _ = closed.send(StdoutClosed(id));
            })
        };
        let stderr_reader = {
            let (id, tails, echo) = (id.to_string(), Arc::clone(&tails), launch.log_stderr);
            spawn_thread(format!("{id} stderr"), move || {
                read_stderr(&id, stderr, log, &tails, echo)
            })
        };
        Ok(NodeProcess {
            id: id.to_string(),
            child: Mutex::new(child),
            tails,
            log_path,
            readers: vec![stdout_reader, stderr_reader],
        })
    }

    /// The exit status, if the process has exited.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        lock(&self.child).try_wait().ok().flatten()
    }

    /// Waits up to `timeout` for the process to exit.
    pub fn wait_exit(&self, timeout: Duration) -> Option<ExitStatus> {
        lock(&self.child).wait_timeout(timeout).ok().flatten()
    }

    /// Waits up to `timeout` for the node's stdout and stderr to be read to the end,
    /// so a crash report has its last words.
    pub fn wait_output(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.readers.iter().any(|r| !r.is_finished()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Kills the process (if it still runs) and reaps it.
    fn kill(&self) {
        let mut child = lock(&self.child);
        if let Ok(None) = child.try_wait() {
            let _ = child.kill();
        }
        let _ = child.wait();
    }

    /// A crash report: exit status and the last lines of stdout and stderr.
    pub fn crash_report(&self, status: Option<ExitStatus>) -> String {
        let status = match status {
            Some(s) => describe_exit(s),
            None => "closed its stdout".to_string(),
        };
        let mut report = format!("Node {} {status}.", self.id);
        for (name, lines) in [
            ("stdout", self.tails.stdout()),
            ("stderr", self.tails.stderr()),
        ] {
            if lines.is_empty() {
                report.push_str(&format!("\nIt wrote nothing to {name}."));
            } else {
                let last = match lines.len() {
                    1 => "line".to_string(),
                    n => format!("{n} lines"),
                };
                report.push_str(&format!(
                    "\nIts last {last} of {name}:\n    {}",
                    lines.join("\n    ")
                ));
            }
        }
        if let Some(path) = &self.log_path {
            report.push_str(&format!("\nIts full stderr is in {}", path.display()));
        }
        report
    }
}

fn describe_exit(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("was killed by signal {signal}");
        }
    }
    match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => "exited".to_string(),
    }
}

/// Every node of a run. Dropping it kills and reaps every process, on every path.
pub struct Cluster {
    pub nodes: Vec<NodeProcess>,
    net: Network,
}

impl Cluster {
    pub fn new(net: &Network) -> Cluster {
        Cluster {
            nodes: Vec::new(),
            net: net.clone(),
        }
    }

    pub fn node(&self, id: &str) -> Option<&NodeProcess> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The first node that has exited, with its status.
    pub fn exited(&self) -> Option<(&NodeProcess, ExitStatus)> {
        self.nodes
            .iter()
            .find_map(|n| n.exit_status().map(|status| (n, status)))
    }

    /// Kills every node and waits for them; their output readers get a moment to
    /// finish writing logs, but a reader stuck on a pipe some grandchild holds open is
    /// left behind rather than waited for.
    pub fn shutdown(&mut self) {
        for node in &self.nodes {
            self.net.unregister(&node.id);
            node.kill();
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        for node in &mut self.nodes {
            for reader in node.readers.drain(..) {
                while !reader.is_finished() && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(2));
                }
                if reader.is_finished() {
                    let _ = reader.join();
                }
            }
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn spawn_thread(name: String, f: impl FnOnce() + Send + 'static) -> JoinHandle<()> {
    std::thread::Builder::new()
        .name(name)
        .spawn(f)
        .expect("spawning a node I/O thread")
}

/// Writes each delivered message to the node's stdin as one line, flushed at once, as
/// Maelstrom's `stdin-thread` does (`src/maelstrom/process.clj`). A write waits while the
/// pipe is full, that is while the node does not read, and the next message waits in
/// the mailbox meanwhile; `tails` knows since when.
fn write_stdin(mailbox: Mailbox, mut stdin: ChildStdin, tails: &Tails) {
    while let Some(packet) = mailbox.recv() {
        *lock(&tails.stdin_blocked) = Some(Instant::now());
        if stdin.write_all(packet.to_line().as_bytes()).is_err() {
            return; // The process is gone; teardown will say so.
        }
        *lock(&tails.stdin_blocked) = None;
    }
}

/// Splits stdout into lines and sends each as a message. A line that is not a valid
/// message is recorded as a violation; reading goes on.
fn read_stdout(
    id: &str,
    mut stdout: ChildStdout,
    net: &Network,
    tails: &Tails,
    violations: &Violations,
) {
    let mut chunk = vec![0u8; 64 * 1024];
    let mut pending: Vec<u8> = Vec::new();
    let handle = |bytes: &[u8]| {
        let line = String::from_utf8_lossy(bytes);
        let line = line.strip_suffix('\r').unwrap_or(&line);
        Tails::push(&tails.stdout, line);
        if let Err(e) = net.send_line(line) {
            violations.record(id, line, &e);
        }
    };
    loop {
        let n = match stdout.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        pending.extend_from_slice(&chunk[..n]);
        let mut start = 0;
        while let Some(end) = pending[start..].iter().position(|&b| b == b'\n') {
            handle(&pending[start..start + end]);
            start += end + 1;
        }
        pending.drain(..start);
        tails.set_unterminated(&pending);
    }
    // At the end of the output an unterminated last line still counts, as it does for a
    // line reader.
    if !pending.is_empty() {
        handle(&pending);
    }
}

fn read_stderr(id: &str, stderr: impl Read, log: Option<File>, tails: &Tails, echo: bool) {
    let mut log = log.map(BufWriter::new);
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        if echo {
            eprintln!("{id} stderr: {line}");
        }
        Tails::push(&tails.stderr, &line);
        if let Some(out) = log.as_mut() {
            // Flushed per line, so the log is complete even if we are killed next.
            let _ = writeln!(out, "{line}").and_then(|()| out.flush());
        }
    }
}

/// The first `max` characters of `s`, with an ellipsis when cut.
pub fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}
