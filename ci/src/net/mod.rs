//! The simulated network every message goes through: node ↔ node, client ↔ node and
//! node ↔ service.
//!
//! Like Maelstrom's `src/maelstrom/net.clj`, it gives every message a network-wide `id`,
//! delays it by a latency drawn per message when it is sent (0 when a client is
//! involved), drops messages across a partition, and journals every event (see
//! [`journal`]).
//!
//! Delivery follows `net.clj` exactly: every node and service has one queue ordered by
//! deadline and one thread that takes the earliest message, checks the partition, sleeps
//! until the deadline and delivers, one message at a time (see [`mailbox`]). A message
//! can therefore wait behind another whose deadline is later, and a partition is
//! checked when a message reaches the head of its queue, not when it is sent. Clients
//! read a plain channel: what reaches them has no latency and is never partitioned, so
//! a deadline queue would hand them the same messages in the same order.

pub mod journal;
mod mailbox;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::options::LatencyDist;
use crate::sync::{lock, read, write};
use journal::{Entry, EventKind, Journal, NetStats, record};
pub use mailbox::Mailbox;
use mailbox::Queue;

/// A message in flight. The body stays the exact JSON text its sender wrote: it is
/// parsed once (to validate it) and never re-encoded on its way to a node.
#[derive(Debug, Serialize)]
pub struct Packet {
    pub id: u64,
    pub src: String,
    pub dest: String,
    pub body: Box<RawValue>,
    /// When it is due at its recipient: its send time plus the latency drawn for it.
    /// Not part of the message; the runner measures its own lateness against it.
    #[serde(skip)]
    pub due: Instant,
}

impl Packet {
    /// Maelstrom's rule (`util.clj`, `involves-client?`): a message involves a client when
    /// its source or destination starts with `c`.
    pub fn involves_client(&self) -> bool {
        is_client(&self.src) || is_client(&self.dest)
    }

    /// The line a node reads on stdin: `{"id":..,"src":..,"dest":..,"body":..}`.
    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).unwrap_or_default();
        line.push('\n');
        line
    }
}

pub fn is_client(id: &str) -> bool {
    id.starts_with('c')
}

/// A partition: for each receiving node, the senders whose messages it drops.
///
/// Every node has an entry, as in Jepsen; an empty set means it hears everyone. Only
/// server nodes ever appear, so clients and services are never cut off.
pub type Grudge = BTreeMap<String, BTreeSet<String>>;

/// How latencies of messages between servers are drawn.
#[derive(Debug, Clone, Copy)]
pub struct Latency {
    pub dist: LatencyDist,
    /// The mean, in milliseconds.
    pub mean_ms: f64,
}

impl Latency {
    pub fn zero() -> Latency {
        Latency {
            dist: LatencyDist::Constant,
            mean_ms: 0.0,
        }
    }

    /// One draw, truncated to whole milliseconds as Maelstrom's `latency-for` does
    /// (`src/maelstrom/net.clj`).
    pub fn draw(&self, rng: &mut StdRng) -> Duration {
        let mean = self.mean_ms.max(0.0);
        let ms = match self.dist {
            LatencyDist::Constant => mean as u64,
            // Incanter's `integer-distribution 0 (2 × mean)` draws from [0, 2 × mean): its
            // rejection sampler keeps a candidate only while `candidate < end`
            // (incanter-core `src/incanter/distributions.clj`, `UniformInt`'s `draw`).
            LatencyDist::Uniform => {
                let end = (2.0 * mean) as u64;
                if end == 0 {
                    0
                } else {
                    rng.random_range(0..end)
                }
            }
            // Maelstrom crashes on a mean of 0 here; we deliver at once instead.
            LatencyDist::Exponential => match Exp::new(1.0 / mean) {
                Ok(exp) if mean > 0.0 => exp.sample(rng) as u64,
                _ => 0,
            },
        };
        Duration::from_millis(ms)
    }
}

/// Why a line a node printed could not be sent.
#[derive(Debug, Clone, PartialEq)]
pub enum LineError {
    /// Not JSON at all (Maelstrom: "not well-formed JSON").
    NotJson(String),
    /// JSON, but not `{"src":..,"dest":..,"body":..}` (Maelstrom: "malformed message").
    Malformed(String),
    /// `src` names nobody on the network.
    UnknownSrc(String),
    /// `dest` names nobody on the network, and never did.
    UnknownDest(String),
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineError::NotJson(e) => write!(f, "it is not JSON ({e})"),
            LineError::Malformed(e) => write!(
                f,
                "it is not a message: a line must be an object with exactly src, dest and body ({e})"
            ),
            LineError::UnknownSrc(src) => write!(f, "its src {src:?} is not on the network"),
            LineError::UnknownDest(dest) => write!(f, "its dest {dest:?} is not on the network"),
        }
    }
}

impl LineError {
    /// The book's troubleshooting section for this mistake.
    pub fn troubleshooting(&self) -> &'static str {
        match self {
            LineError::NotJson(_) | LineError::Malformed(_) => "Output that is not a message",
            LineError::UnknownSrc(_) | LineError::UnknownDest(_) => "Answering to the wrong dest",
        }
    }
}

/// The envelope as a node writes it. `id` may be present (it is ignored and replaced);
/// any other top-level key makes the message malformed, as Maelstrom's schema does.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<'a> {
    #[serde(borrow)]
    src: Cow<'a, str>,
    #[serde(borrow)]
    dest: Cow<'a, str>,
    body: Box<RawValue>,
    #[serde(default, rename = "id")]
    _id: Option<i64>,
}

/// What a client reads: messages to it, in the order they were sent.
pub type Inbox = Receiver<Arc<Packet>>;

/// Where the network puts a message for one participant.
enum Member {
    /// A client's channel.
    Client(Sender<Arc<Packet>>),
    /// A node's or a service's deadline queue.
    Queue(Arc<Queue>),
}

struct Shared {
    next_id: AtomicU64,
    latency: Latency,
    /// Draws latencies; seeded, so a run's draws depend only on the order of sends.
    rng: Mutex<StdRng>,
    /// Receiver → the senders it drops messages from, while a partition is in force.
    grudge: RwLock<HashMap<String, HashSet<String>>>,
    /// How late each message between servers was delivered (see [`Mailbox::recv`]).
    lateness: Mutex<Vec<u64>>,
    next_client: AtomicU64,
    members: RwLock<HashMap<String, Member>>,
    /// Participants that were on the network and left it (nodes stopped at teardown);
    /// messages to them are dropped like those to closed clients, not refused.
    departed: RwLock<HashSet<String>>,
    journal: Sender<Entry>,
    unmatched: Mutex<Unmatched>,
}

impl Shared {
    fn journal(&self, kind: EventKind, packet: &Arc<Packet>, at: Instant) {
        record(&self.journal, kind, packet, at);
    }

    /// Whether a partition in force now drops `packet` (`recv!` in `net.clj`).
    fn is_grudged(&self, packet: &Packet) -> bool {
        read(&self.grudge)
            .get(&packet.dest)
            .is_some_and(|senders| senders.contains(&packet.src))
    }
}

/// Messages clients received that answer no request: they have no `in_reply_to`.
#[derive(Debug, Clone, Default)]
pub struct Unmatched {
    pub count: u64,
    /// The first one, as `(sender, body)`.
    pub example: Option<(String, String)>,
}

/// A handle on the network; clones share it.
#[derive(Clone)]
pub struct Network {
    shared: Arc<Shared>,
}

/// Owns the journal thread; [`NetworkThreads::stop`] ends it and returns the statistics.
pub struct NetworkThreads {
    journal: JoinHandle<NetStats>,
}

impl Network {
    /// Starts the network (latencies drawn from `seed`) and its journal.
    pub fn start(latency: Latency, seed: u64, journal: Journal) -> (Network, NetworkThreads) {
        let (events, journal_thread) = journal.start();
        let shared = Arc::new(Shared {
            next_id: AtomicU64::new(0),
            latency,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            grudge: Default::default(),
            lateness: Default::default(),
            next_client: AtomicU64::new(0),
            members: RwLock::new(HashMap::new()),
            departed: RwLock::new(HashSet::new()),
            journal: events,
            unmatched: Default::default(),
        });
        let threads = NetworkThreads {
            journal: journal_thread,
        };
        (Network { shared }, threads)
    }

    /// Adds a node or a service and returns the mailbox its delivery thread reads.
    pub fn register(&self, id: &str) -> Mailbox {
        let queue = Arc::new(Queue::default());
        self.members_mut()
            .insert(id.to_string(), Member::Queue(Arc::clone(&queue)));
        Mailbox::new(queue, Arc::downgrade(&self.shared))
    }

    /// Removes a participant; messages still addressed to it are dropped.
    pub fn unregister(&self, id: &str) {
        let Some(member) = self.members_mut().remove(id) else {
            return;
        };
        if let Member::Queue(queue) = member {
            queue.close();
        }
        write(&self.shared.departed).insert(id.to_string());
    }

    /// Was on the network once and has left: a node stopped at teardown, whose peers
    /// may still be sending to it.
    fn has_departed(&self, id: &str) -> bool {
        read(&self.shared.departed).contains(id)
    }

    /// Opens a client: the next id `c0`, `c1`, … from one network-wide counter.
    pub fn open_client(&self) -> (String, Inbox) {
        let id = format!("c{}", self.shared.next_client.fetch_add(1, Relaxed));
        let (tx, rx) = crossbeam_channel::unbounded();
        self.members_mut().insert(id.clone(), Member::Client(tx));
        (id, rx)
    }

    pub fn is_member(&self, id: &str) -> bool {
        self.members().contains_key(id)
    }

    /// A client id that was handed out once and has been closed since.
    fn is_closed_client(&self, id: &str) -> bool {
        let issued = self.shared.next_client.load(Relaxed);
        id.strip_prefix('c')
            .and_then(|n| n.parse::<u64>().ok())
            .is_some_and(|n| n < issued && !self.is_member(id))
    }

    /// Sends a message from a client or service. Both ends must be on the network.
    pub fn send(&self, src: &str, dest: &str, body: Box<RawValue>) -> Result<(), LineError> {
        if !self.is_member(src) {
            return Err(LineError::UnknownSrc(src.to_string()));
        }
        self.route(src.to_string(), dest.to_string(), body)
    }

    /// Sends a line a node printed on stdout, after checking it is a message.
    pub fn send_line(&self, line: &str) -> Result<(), LineError> {
        let envelope: Envelope<'_> =
            serde_json::from_str(line).map_err(|e| match e.classify() {
                serde_json::error::Category::Data => LineError::Malformed(e.to_string()),
                _ => LineError::NotJson(e.to_string()),
            })?;
        if !self.is_member(&envelope.src) {
            return Err(LineError::UnknownSrc(envelope.src.into_owned()));
        }
        self.route(
            envelope.src.into_owned(),
            envelope.dest.into_owned(),
            envelope.body,
        )
    }

    /// `send!` in `net.clj`: a fresh id, a deadline (send time + latency), a send event
    /// in the journal, and the message into its recipient's queue.
    fn route(&self, src: String, dest: String, body: Box<RawValue>) -> Result<(), LineError> {
        let sent = Instant::now();
        if !self.is_member(&dest) && !self.is_closed_client(&dest) && !self.has_departed(&dest) {
            return Err(LineError::UnknownDest(dest));
        }
        let id = self.shared.next_id.fetch_add(1, Relaxed);
        let mut packet = Packet {
            id,
            src,
            dest,
            body,
            due: sent,
        };
        if !packet.involves_client() {
            packet.due += self.shared.latency.draw(&mut lock(&self.shared.rng));
        }
        let packet = Arc::new(packet);
        self.shared.journal(EventKind::Send, &packet, sent);
        let queued = match self.members().get(&packet.dest) {
            // Nothing delays or drops a message to a client: it is received now.
            Some(Member::Client(inbox)) => inbox.send(Arc::clone(&packet)).is_ok_and(|()| {
                self.shared
                    .journal(EventKind::Recv, &packet, Instant::now());
                true
            }),
            Some(Member::Queue(queue)) => queue.push(Arc::clone(&packet)),
            None => false,
        };
        if !queued {
            self.shared
                .journal(EventKind::DropUnknownDest, &packet, Instant::now());
        }
        Ok(())
    }

    /// Notes a message a client received without an `in_reply_to`: it answers nothing.
    pub fn note_unmatched(&self, packet: &Packet) {
        let mut unmatched = lock(&self.shared.unmatched);
        unmatched.count += 1;
        if unmatched.example.is_none() {
            unmatched.example = Some((packet.src.clone(), packet.body.get().to_string()));
        }
    }

    pub fn unmatched(&self) -> Unmatched {
        lock(&self.shared.unmatched).clone()
    }

    /// Starts dropping messages across `grudge` (receiver → senders it ignores).
    pub fn set_grudge(&self, grudge: Grudge) {
        *write(&self.shared.grudge) = grudge
            .into_iter()
            .map(|(receiver, senders)| (receiver, senders.into_iter().collect()))
            .collect();
    }

    /// Ends every partition.
    pub fn heal(&self) {
        write(&self.shared.grudge).clear();
    }

    fn members(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Member>> {
        read(&self.shared.members)
    }

    fn members_mut(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Member>> {
        write(&self.shared.members)
    }
}

impl NetworkThreads {
    /// Closes every queue (messages still in flight are never delivered) and then the
    /// journal, which flushes. Returns the journal's statistics.
    pub fn stop(self, net: &Network) -> NetStats {
        for member in net.members().values() {
            if let Member::Queue(queue) = member {
                queue.close();
            }
        }
        let _ = net.shared.journal.send(Entry::Close);
        let mut stats = self.journal.join().unwrap_or_default();
        stats.lateness = std::mem::take(&mut *lock(&net.shared.lateness));
        stats
    }
}

#[cfg(test)]
mod tests;
