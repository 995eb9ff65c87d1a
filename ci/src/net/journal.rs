//! The message journal: every send, delivery and drop, written to `messages.jsonl` and
//! counted for the `net` statistics (Maelstrom's `src/maelstrom/net/journal.clj` and
//! `net/checker.clj`).
//!
//! Events arrive on a channel and are written by a thread of their own, so the router
//! never waits for the disk.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::Sender;
use serde::Serialize;
use serde_json::value::RawValue;

use super::Packet;
use crate::clock::Clock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// The message entered the network.
    Send,
    /// The message was handed to its recipient.
    Recv,
    /// A partition dropped it.
    DropPartition,
    /// Its recipient had left the network (a client that had already given up).
    DropUnknownDest,
}

#[derive(Debug)]
pub struct Event {
    pub kind: EventKind,
    pub at: Instant,
    pub packet: Arc<Packet>,
}

/// What the journal thread receives.
#[derive(Debug)]
pub enum Entry {
    Event(Event),
    /// Flush and stop; later events are not recorded.
    Close,
}

/// Records one event (a no-op once the journal has stopped).
pub fn record(journal: &Sender<Entry>, kind: EventKind, packet: &Arc<Packet>, at: Instant) {
    let _ = journal.send(Entry::Event(Event {
        kind,
        at,
        packet: Arc::clone(packet),
    }));
}

/// Counts for one group of events (Maelstrom's `basic-stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GroupStats {
    #[serde(rename = "send-count")]
    pub send_count: u64,
    #[serde(rename = "recv-count")]
    pub recv_count: u64,
    /// Distinct message ids among the group's events. Every message gets exactly one send
    /// event, so this is the number of messages sent.
    #[serde(rename = "msg-count")]
    pub msg_count: u64,
}

/// What the journal counted over the whole run, `init` included.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetStats {
    pub all: GroupStats,
    /// Events of messages from or to a client.
    pub clients: GroupStats,
    /// Every other event: node ↔ node and node ↔ service.
    pub servers: GroupStats,
    pub dropped_partition: u64,
    pub dropped_unknown_dest: u64,
    /// For each message between servers written to a node's stdin, nanoseconds from its
    /// due time (send plus drawn latency) to the end of that write: what the runner's own
    /// routing adds to the configured latency. Not from the journal: the stdin writers
    /// measure it (`Network::note_written`).
    pub lateness: Vec<u64>,
}

impl NetStats {
    fn count(&mut self, kind: EventKind, packet: &Packet) {
        let group = if packet.involves_client() {
            &mut self.clients
        } else {
            &mut self.servers
        };
        for g in [&mut self.all, group] {
            match kind {
                EventKind::Send => {
                    g.send_count += 1;
                    g.msg_count += 1;
                }
                EventKind::Recv => g.recv_count += 1,
                EventKind::DropPartition | EventKind::DropUnknownDest => {}
            }
        }
        match kind {
            EventKind::DropPartition => self.dropped_partition += 1,
            EventKind::DropUnknownDest => self.dropped_unknown_dest += 1,
            EventKind::Send | EventKind::Recv => {}
        }
    }
}

/// One line of `messages.jsonl`.
#[derive(Serialize)]
struct Line<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: u64,
    /// Nanoseconds from the history's time zero; negative before the main phase.
    time: i64,
    src: &'a str,
    dest: &'a str,
    body: &'a RawValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
}

/// Where and how to journal.
#[derive(Debug)]
pub struct Journal {
    /// `messages.jsonl`, or nowhere.
    pub path: Option<PathBuf>,
    pub clock: Arc<Clock>,
    /// `--log-net-send` / `--log-net-recv`: also print events on stderr.
    pub log_send: bool,
    pub log_recv: bool,
}

impl Journal {
    /// Starts the journal thread; it ends on [`Entry::Close`] or when every sender is
    /// dropped.
    pub fn start(self) -> (Sender<Entry>, JoinHandle<NetStats>) {
        let (tx, rx) = crossbeam_channel::unbounded::<Entry>();
        let handle = std::thread::Builder::new()
            .name("net-journal".into())
            .spawn(move || {
                let mut writer = Writer::new(&self);
                let mut stats = NetStats::default();
                for entry in rx {
                    let Entry::Event(event) = entry else { break };
                    stats.count(event.kind, &event.packet);
                    self.log(&event);
                    writer.push(event);
                }
                writer.finish();
                stats
            })
            .expect("spawning the journal thread");
        (tx, handle)
    }

    fn log(&self, event: &Event) {
        let p = &event.packet;
        let show = match event.kind {
            EventKind::Send => self.log_send,
            _ => self.log_recv,
        };
        if show {
            let kind = match event.kind {
                EventKind::Send => "send",
                EventKind::Recv => "recv",
                _ => "drop",
            };
            eprintln!("{kind} {} {} → {} {}", p.id, p.src, p.dest, p.body.get());
        }
    }
}

/// Writes events once their time relative to time zero is known: events from before
/// time zero wait in memory (there are few: `init` and its replies).
struct Writer<'a> {
    out: Option<BufWriter<File>>,
    clock: &'a Clock,
    early: Vec<Event>,
}

impl<'a> Writer<'a> {
    fn new(journal: &'a Journal) -> Writer<'a> {
        let out = journal
            .path
            .as_ref()
            .and_then(|path| match File::create(path) {
                Ok(file) => Some(BufWriter::new(file)),
                Err(e) => {
                    eprintln!("cannot write the message journal {}: {e}", path.display());
                    None
                }
            });
        Writer {
            out,
            clock: &journal.clock,
            early: Vec::new(),
        }
    }

    fn push(&mut self, event: Event) {
        if self.out.is_none() {
            return;
        }
        if self.clock.zero().is_none() {
            self.early.push(event);
            return;
        }
        for early in std::mem::take(&mut self.early) {
            self.write(&early);
        }
        self.write(&event);
    }

    fn write(&mut self, event: &Event) {
        let Some(out) = self.out.as_mut() else {
            return;
        };
        let p = &event.packet;
        let (kind, reason) = match event.kind {
            EventKind::Send => ("send", None),
            EventKind::Recv => ("recv", None),
            EventKind::DropPartition => ("drop", Some("partition")),
            EventKind::DropUnknownDest => ("drop", Some("unknown-dest")),
        };
        let line = Line {
            kind,
            id: p.id,
            time: self.clock.nanos_at(event.at),
            src: &p.src,
            dest: &p.dest,
            body: &p.body,
            reason,
        };
        let written = serde_json::to_writer(&mut *out, &line)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"));
        if let Err(e) = written {
            eprintln!("cannot write the message journal: {e}");
            self.out = None;
        }
    }

    fn finish(mut self) {
        for early in std::mem::take(&mut self.early) {
            self.write(&early);
        }
        if let Some(mut out) = self.out.take()
            && let Err(e) = out.flush()
        {
            eprintln!("cannot write the message journal: {e}");
        }
    }
}
