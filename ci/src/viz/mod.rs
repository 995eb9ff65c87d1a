//! Pictures of a finished run, drawn from the files the run left in its directory:
//!
//! - `messages.svg`: a message-sequence (Lamport) diagram from `messages.jsonl`;
//! - `latency.svg`: the latency of every completed operation, over time;
//! - `rate.svg`: completed operations per second, over time;
//! - `propagation.svg` (broadcast runs): how long each value took to reach every read.
//!
//! Partitions (the nemesis entries of `history.jsonl`) are shaded in all three. Each picture
//! is a standalone SVG file that any browser opens; nothing here needs a plotting library.

pub mod latency;
pub mod messages;
mod plot;
pub mod propagation;
pub mod rate;
pub mod screenshot;
mod svg;

pub use svg::escape;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::Value;

use crate::history::{Op, Process};
use crate::store;

/// Which part of a run to draw, in milliseconds of the history's clock (0 is the start of
/// the main phase; setup traffic such as `topology` has negative times).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Window {
    pub from_ms: Option<f64>,
    pub to_ms: Option<f64>,
}

impl Window {
    pub fn contains_ns(&self, t: i64) -> bool {
        let ms = t as f64 / 1e6;
        self.from_ms.is_none_or(|from| ms >= from) && self.to_ms.is_none_or(|to| ms <= to)
    }

    /// The part of file names that tells this window apart: `-2000-4000ms`,
    /// `-to-1500ms`, `-from-2000ms`, or nothing for the whole run.
    fn suffix(&self) -> String {
        match (self.from_ms, self.to_ms) {
            (None, None) => String::new(),
            (Some(from), None) => format!("-from-{from}ms"),
            (None, Some(to)) => format!("-to-{to}ms"),
            (Some(from), Some(to)) => format!("-{from}-{to}ms"),
        }
    }

    /// Says in words which part of the run is drawn.
    fn describe(&self) -> String {
        match (self.from_ms, self.to_ms) {
            (None, None) => "the whole run".to_string(),
            (Some(from), None) => format!("from {from} ms on"),
            (None, Some(to)) => format!("up to {to} ms"),
            (Some(from), Some(to)) => format!("from {from} ms to {to} ms"),
        }
    }
}

/// What to draw and how much of it.
#[derive(Debug, Clone)]
pub struct Options {
    pub window: Window,
    /// The message diagram draws at most this many messages; a notice says how many more
    /// the window holds.
    pub max_messages: usize,
    /// Draw `init`/`init_ok` too (left out by default, as Maelstrom does, to keep the
    /// picture about the algorithm).
    pub with_init: bool,
    /// Names the run in the pictures' titles instead of its directory.
    pub title: Option<String>,
    /// Fit a page of the book: all clients share one lane, nodes get narrower lanes.
    pub compact: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            window: Window::default(),
            max_messages: 2000,
            with_init: false,
            title: None,
            compact: false,
        }
    }
}

/// The pictures there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Picture {
    Messages,
    Latency,
    Rate,
    Propagation,
}

impl Picture {
    pub const ALL: [Picture; 4] = [
        Picture::Messages,
        Picture::Latency,
        Picture::Rate,
        Picture::Propagation,
    ];

    /// The file name's stem, e.g. `messages`.
    pub fn name(self) -> &'static str {
        match self {
            Picture::Messages => "messages",
            Picture::Latency => "latency",
            Picture::Rate => "rate",
            Picture::Propagation => "propagation",
        }
    }

    /// The file a run's own picture is written to, e.g. `messages.svg`.
    pub fn file_name(self) -> String {
        self.file_name_for(&Window::default())
    }

    /// The file the picture of `window` is written to: `messages-2000-4000ms.svg`.
    fn file_name_for(self, window: &Window) -> String {
        format!("{}{}.svg", self.name(), window.suffix())
    }
}

/// Draws one picture of the run in `run_dir`; `None` when the run has nothing it could
/// show (no journal for the diagram, no broadcasts for propagation).
pub fn draw(run_dir: &Path, picture: Picture, opts: &Options) -> Result<Option<String>> {
    draw_run(&Run::load(run_dir)?, run_dir, picture, opts)
}

fn draw_run(run: &Run, run_dir: &Path, picture: Picture, opts: &Options) -> Result<Option<String>> {
    let title = opts.title.as_deref().unwrap_or(&run.title);
    let window = &opts.window;
    Ok(match picture {
        Picture::Messages => {
            let journal = run_dir.join(store::JOURNAL);
            if !journal.exists() {
                return Ok(None);
            }
            let file = fs::File::open(&journal)
                .with_context(|| format!("opening {}", journal.display()))?;
            let diagram = messages::Diagram::read(BufReader::new(file), &run.partitions, opts)
                .with_context(|| format!("reading {}", journal.display()))?;
            Some(diagram.to_svg(title))
        }
        _ if !run.history_found => None,
        Picture::Latency => Some(latency::svg(run, title, window)),
        Picture::Rate => Some(rate::svg(run, title, window)),
        Picture::Propagation => {
            propagation::applies(run).then(|| propagation::svg(run, title, window))
        }
    })
}

/// `cargo maelstrom viz`: redraws a run's pictures, or a window of them, and prints the
/// paths written.
pub fn command(opts: &crate::cli::VizOpts) -> Result<()> {
    if !opts.run.join(store::HISTORY).exists() && !opts.run.join(store::JOURNAL).exists() {
        anyhow::bail!(
            "{} is not a run directory (it has no {} or {})",
            opts.run.display(),
            store::HISTORY,
            store::JOURNAL
        );
    }
    let options = Options {
        window: Window {
            from_ms: opts.from,
            to_ms: opts.to,
        },
        max_messages: opts.max_messages,
        with_init: opts.with_init,
        ..Options::default()
    };
    for path in write_with(&opts.run, &options)? {
        println!("{}", path.display());
    }
    Ok(())
}

/// Draws every picture of the finished run in `run_dir` into that directory and returns
/// the paths written. A picture whose input file is missing is skipped.
pub fn write_all(run_dir: &Path) -> Result<Vec<PathBuf>> {
    write_with(run_dir, &Options::default())
}

/// Like [`write_all`], with a window and limits; windowed pictures get the window in their
/// file names (`messages-2000-4000ms.svg`) so they never replace the run's own pictures.
pub fn write_with(run_dir: &Path, opts: &Options) -> Result<Vec<PathBuf>> {
    let run = Run::load(run_dir)?;
    let mut written = Vec::new();
    for picture in Picture::ALL {
        if let Some(svg) = draw_run(&run, run_dir, picture, opts)? {
            let name = picture.file_name_for(&opts.window);
            let path = run_dir.join(name);
            fs::write(&path, svg).with_context(|| format!("writing {}", path.display()))?;
            written.push(path);
        }
    }
    Ok(written)
}

/// What the pictures need from a run directory, besides the journal (which can be large
/// and is read as a stream).
#[derive(Debug, Default)]
pub struct Run {
    /// Names the run in titles, e.g. `broadcast 20250101T120000.000`.
    pub title: String,
    pub history: Vec<Op>,
    pub partitions: Vec<Partition>,
    history_found: bool,
}

impl Run {
    /// Reads `history.jsonl` (if present) from a run directory.
    pub fn load(run_dir: &Path) -> Result<Run> {
        let path = run_dir.join(store::HISTORY);
        let history = if path.exists() {
            let file =
                fs::File::open(&path).with_context(|| format!("opening {}", path.display()))?;
            read_history(BufReader::new(file))
                .with_context(|| format!("reading {}", path.display()))?
        } else {
            Vec::new()
        };
        Ok(Run {
            title: run_title(run_dir),
            partitions: partitions(&history),
            history,
            history_found: path.exists(),
        })
    }

    /// A run from a history in memory (tests, and callers that have one at hand).
    pub fn from_history(title: &str, history: Vec<Op>) -> Run {
        Run {
            title: title.to_string(),
            partitions: partitions(&history),
            history,
            history_found: true,
        }
    }
}

/// `<workload> <timestamp>` from `store/<workload>/<timestamp>`, following symlinks such as
/// `store/latest`.
fn run_title(run_dir: &Path) -> String {
    let dir = fs::canonicalize(run_dir).unwrap_or_else(|_| run_dir.to_path_buf());
    let name = |p: Option<&Path>| {
        p.and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    format!("{} {}", name(dir.parent()), name(Some(&dir)))
        .trim()
        .to_string()
}

/// Reads a history, one JSON operation per line; names the line of any error.
pub fn read_history(reader: impl BufRead) -> Result<Vec<Op>> {
    let mut ops = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let op = serde_json::from_str(&line)
            .with_context(|| format!("line {}: not a history entry: {line}", i + 1))?;
        ops.push(op);
    }
    Ok(ops)
}

/// One partition of the network, as the nemesis recorded it in the history.
#[derive(Debug, Clone, PartialEq)]
pub struct Partition {
    /// Nanoseconds since time zero: the nemesis began to partition.
    pub start: i64,
    /// When the network healed; `None` if it never did before the history ends.
    pub end: Option<i64>,
    /// The shape's name (`majority`, `one`, ...).
    pub shape: String,
    /// Receiver → senders it drops, when the history says.
    pub grudge: BTreeMap<String, BTreeSet<String>>,
}

impl Partition {
    /// A short description: the shape, and the sides when the grudge splits the nodes into
    /// groups that cannot hear each other (`majority: n0 n3 | n1 n2 n4`).
    pub fn describe(&self) -> String {
        let sides = sides(&self.grudge);
        if sides.len() < 2 {
            return format!("partition: {}", self.shape);
        }
        let sides: Vec<String> = sides.iter().map(|s| s.join(" ")).collect();
        format!("partition: {}: {}", self.shape, sides.join(" | "))
    }
}

/// Groups of nodes that can reach each other in at least one direction (the connected
/// components of "not dropped"). A symmetric split gives its sides; a ring gives one group.
fn sides(grudge: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = grudge
        .iter()
        .flat_map(|(k, v)| std::iter::once(k).chain(v))
        .collect();
    let hears = |a: &String, b: &String| !grudge.get(a).is_some_and(|g| g.contains(b));
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut seen: BTreeSet<&String> = BTreeSet::new();
    for &start in &nodes {
        if !seen.insert(start) {
            continue;
        }
        let mut group = vec![start];
        let mut i = 0;
        while i < group.len() {
            let a = group[i];
            for &b in &nodes {
                if !seen.contains(b) && (hears(a, b) || hears(b, a)) {
                    seen.insert(b);
                    group.push(b);
                }
            }
            i += 1;
        }
        let mut names: Vec<String> = group.into_iter().cloned().collect();
        names.sort_by_key(|n| natural_key(n));
        groups.push(names);
    }
    groups.sort_by_key(|g| g.len());
    groups
}

/// The partitions a history's nemesis entries describe. Each nemesis operation appears as
/// an invocation and a completion; a partition runs from the invocation of a
/// `start-partition` to the completion of the next `stop-partition`, so the shaded span
/// covers all the time the grudge may have been in force. A `stop-partition` with no
/// partition in force (the heal before a final phase) changes nothing.
pub fn partitions(history: &[Op]) -> Vec<Partition> {
    // (f, first entry's time, last entry's time, values), pairing consecutive entries.
    let mut ops: Vec<(&str, i64, i64, Vec<&Value>)> = Vec::new();
    for op in history.iter().filter(|op| op.process == Process::Nemesis) {
        let time = i64::try_from(op.time).unwrap_or(i64::MAX);
        match ops.last_mut() {
            Some(last) if last.0 == op.f && last.3.len() == 1 => {
                last.2 = time;
                last.3.push(&op.value);
            }
            _ => ops.push((&op.f, time, time, vec![&op.value])),
        }
    }
    let mut out = Vec::new();
    let mut open: Option<Partition> = None;
    for (f, first, last, values) in ops {
        match f {
            "start-partition" if open.is_none() => {
                let shape = values.iter().find_map(|v| v.as_str()).unwrap_or_default();
                open = Some(Partition {
                    start: first,
                    end: None,
                    shape: shape.to_string(),
                    grudge: values
                        .iter()
                        .find_map(|v| find_grudge(v))
                        .unwrap_or_default(),
                });
            }
            "stop-partition" => {
                if let Some(mut p) = open.take() {
                    p.end = Some(last);
                    out.push(p);
                }
            }
            _ => {}
        }
    }
    out.extend(open);
    out
}

/// Finds the grudge map in a completion value like `["isolated", {"n0": ["n1"], ...}]`.
fn find_grudge(v: &Value) -> Option<BTreeMap<String, BTreeSet<String>>> {
    match v {
        Value::Array(items) => items.iter().find_map(find_grudge),
        Value::Object(_) => serde_json::from_value(v.clone()).ok(),
        _ => None,
    }
}

/// Sorts `n2` before `n10` and clients, nodes, services by name within their kind.
pub(crate) fn natural_key(name: &str) -> (String, u64) {
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (prefix, number) = name.split_at(name.len() - digits);
    (prefix.to_string(), number.parse().unwrap_or(0))
}

#[cfg(test)]
pub(crate) mod testdata {
    //! Small synthetic runs for the pictures' tests.
    use super::*;
    use crate::history::OpType;
    use serde_json::json;

    pub fn op(index: usize, ms: u64, kind: OpType, process: Process, f: &str) -> Op {
        Op {
            index,
            time: ms * 1_000_000,
            kind,
            process,
            f: f.into(),
            value: Value::Null,
            error: None,
            is_final: false,
        }
    }

    /// A nemesis start (invoke + info with the grudge) and stop (invoke + info).
    pub fn partition_ops(index: usize, start_ms: u64, stop_ms: u64) -> Vec<Op> {
        let nem = |i, ms, f: &str, value: Value| Op {
            value,
            ..op(index + i, ms, OpType::Info, Process::Nemesis, f)
        };
        vec![
            nem(0, start_ms, "start-partition", json!("majority")),
            nem(
                1,
                start_ms + 1,
                "start-partition",
                json!(["isolated", {"n0": ["n2"], "n1": ["n2"], "n2": ["n0", "n1"]}]),
            ),
            nem(2, stop_ms, "stop-partition", Value::Null),
            nem(3, stop_ms + 1, "stop-partition", json!("network-healed")),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::testdata::*;
    use super::*;

    #[test]
    fn partitions_span_from_start_to_healed() {
        let mut h = partition_ops(0, 100, 300);
        h.extend(partition_ops(4, 500, 900).into_iter().take(2));
        let p = partitions(&h);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].start, 100_000_000);
        assert_eq!(p[0].end, Some(301_000_000));
        assert_eq!(p[0].shape, "majority");
        assert_eq!(p[0].describe(), "partition: majority: n2 | n0 n1");
        assert_eq!(p[1].start, 500_000_000);
        assert_eq!(p[1].end, None);
    }

    #[test]
    fn a_heal_with_nothing_in_force_changes_nothing() {
        let mut h = partition_ops(0, 100, 300);
        h.extend(partition_ops(4, 0, 900).into_iter().skip(2));
        let p = partitions(&h);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].end, Some(301_000_000));
    }

    #[test]
    fn a_ring_has_no_sides() {
        let grudge: BTreeMap<String, BTreeSet<String>> =
            serde_json::from_value(serde_json::json!({"n0": ["n1"], "n1": ["n2"], "n2": ["n0"]}))
                .unwrap();
        assert_eq!(sides(&grudge).len(), 1);
    }

    #[test]
    fn windows_select_and_name() {
        let w = Window {
            from_ms: Some(2000.0),
            to_ms: Some(4000.0),
        };
        assert!(w.contains_ns(3_000_000_000));
        assert!(!w.contains_ns(1_999_000_000));
        assert!(!w.contains_ns(4_001_000_000));
        assert_eq!(w.suffix(), "-2000-4000ms");
        assert_eq!(Window::default().suffix(), "");
        let first = Window {
            from_ms: None,
            to_ms: Some(1500.0),
        };
        assert_eq!(first.suffix(), "-to-1500ms");
        assert!(Window::default().contains_ns(-5));
    }

    #[test]
    fn names_sort_naturally() {
        let mut v = vec!["n10", "n2", "c1", "n0"];
        v.sort_by_key(|n| natural_key(n));
        assert_eq!(v, ["c1", "n0", "n2", "n10"]);
    }
}
