//! Choosing what the diagram shows: the messages sent in the window (up to the limit),
//! with what became of each, read from the journal as a stream.

use std::collections::HashSet;
use std::io::BufRead;

use anyhow::{Context, Result};
use serde::Deserialize;
use serde_json::Value;

use super::{Diagram, MAX_CLIENT_LANES, Role};
use crate::viz::{Options, Partition};

/// What happened to a message, as the journal records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Send,
    Recv,
    Drop,
}

/// One line of `messages.jsonl`.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: EventKind,
    /// The network's message id, shared by a message's send and its recv or drop.
    pub id: u64,
    /// Nanoseconds since the history's time zero; negative during setup.
    pub time: i64,
    pub src: String,
    pub dest: String,
    #[serde(default)]
    pub body: Value,
    /// Why a message was dropped: `partition`, or `unknown-dest` when its recipient had
    /// already left the network (a client that gave up waiting).
    #[serde(default)]
    pub reason: Option<String>,
}

/// The fields of a journal line needed to decide whether to draw it, so the lines that
/// are not drawn cost little to read.
#[derive(Deserialize)]
struct Head {
    #[serde(rename = "type")]
    kind: EventKind,
    id: u64,
    time: i64,
    #[serde(default)]
    body: BodyType,
}

#[derive(Deserialize, Default)]
struct BodyType {
    #[serde(rename = "type", default)]
    kind: Value,
}

impl Diagram {
    /// Reads a journal, keeping the messages sent in the window (up to the limit) and what
    /// became of them, even if that happened after the window ends.
    pub fn read(reader: impl BufRead, partitions: &[Partition], opts: &Options) -> Result<Diagram> {
        let mut events = Vec::new();
        let mut open: HashSet<u64> = HashSet::new();
        let mut drawn = 0;
        let mut omitted = 0;
        // A little past the window's end every message drawn has usually been delivered;
        // then the rest of the journal need not be read.
        let done_after = opts.window.to_ms.map(|to| ((to + 1000.0) * 1e6) as i64);
        for (i, line) in reader.lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let bad = || format!("line {}: not a journal event: {line}", i + 1);
            let head: Head = serde_json::from_str(&line).with_context(bad)?;
            let keep = match head.kind {
                EventKind::Send => {
                    let init = matches!(head.body.kind.as_str(), Some("init" | "init_ok"));
                    if !opts.window.contains_ns(head.time) || (init && !opts.with_init) {
                        false
                    } else if drawn == opts.max_messages {
                        omitted += 1;
                        false
                    } else {
                        drawn += 1;
                        open.insert(head.id);
                        true
                    }
                }
                EventKind::Recv | EventKind::Drop => open.remove(&head.id),
            };
            if keep {
                events.push(serde_json::from_str(&line).with_context(bad)?);
            }
            if open.is_empty() && done_after.is_some_and(|end| head.time > end) {
                break;
            }
        }
        Ok(Diagram::new(events, partitions, opts, omitted, open.len()))
    }

    fn new(
        mut events: Vec<Event>,
        partitions: &[Partition],
        opts: &Options,
        omitted: usize,
        in_flight: usize,
    ) -> Diagram {
        // The journal is written in time order up to thread scheduling; make it exact.
        events.sort_by_key(|e| e.time);
        let clients: HashSet<&str> = events
            .iter()
            .flat_map(|e| [e.src.as_str(), e.dest.as_str()])
            .filter(|n| Role::of(n) == Role::Client)
            .collect();
        let merge_clients = opts.compact || clients.len() > MAX_CLIENT_LANES;
        Diagram {
            events,
            partitions: partitions.to_vec(),
            window: opts.window,
            max_messages: opts.max_messages,
            compact: opts.compact,
            merge_clients,
            omitted,
            in_flight,
        }
    }
}
