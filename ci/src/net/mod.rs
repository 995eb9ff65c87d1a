//! The simulated network every message goes through: node ↔ node, client ↔ node and
//! node ↔ service.
//!
//! Like Maelstrom's `src/maelstrom/net.clj`, it gives every message a network-wide `id`,
//! delays it by a latency drawn per message (0 when a client is involved), delivers to
//! each recipient in deadline order, drops messages across a partition, and journals
//! every event (see [`journal`]).
//!
//! One router thread owns the delay queue of messages between servers: senders hand it
//! packets over a channel, it keeps them in a heap ordered by deadline and sleeps exactly
//! until the next one is due (no polling), then hands each to its recipient's inbox.
//! Messages to or from a client go straight to the recipient's inbox. Recipients (a
//! node's stdin writer, a client, a service) read their inbox channel.

pub mod journal;

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::options::LatencyDist;
use crate::sync::{lock, read, write};
use journal::{Entry, EventKind, Journal, NetStats, record};

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

/// What a recipient's inbox receives.
pub type Inbox = Receiver<Arc<Packet>>;

struct Shared {
    next_id: AtomicU64,
    latency: Latency,
    /// Draws latencies; seeded, so a run's draws depend only on the order of sends.
    rng: Mutex<StdRng>,
    /// How late each message between servers reached a node (see [`Network::note_written`]).
    lateness: Mutex<Vec<u64>>,
    next_client: AtomicU64,
    members: RwLock<HashMap<String, Sender<Arc<Packet>>>>,
    /// Participants that were on the network and left it (nodes stopped at teardown);
    /// messages to them are dropped like those to closed clients, not refused.
    departed: RwLock<HashSet<String>>,
    router: Sender<Command>,
    journal: Sender<Entry>,
    unmatched: Mutex<Unmatched>,
}

/// Messages clients received that answer no request: they have no `in_reply_to`.
#[derive(Debug, Clone, Default)]
pub struct Unmatched {
    pub count: u64,
    /// The first one, as `(sender, body)`.
    pub example: Option<(String, String)>,
}

enum Command {
    Route(Arc<Packet>, Instant),
    Grudge(Grudge),
    Stop,
}

/// A handle on the network; clones share it.
#[derive(Clone)]
pub struct Network {
    shared: Arc<Shared>,
}

/// Owns the router and journal threads; [`NetworkThreads::stop`] ends them and returns
/// the statistics.
pub struct NetworkThreads {
    router: JoinHandle<()>,
    journal: JoinHandle<NetStats>,
}

impl Network {
    /// Starts the router (latencies drawn from `seed`) and the journal.
    pub fn start(latency: Latency, seed: u64, journal: Journal) -> (Network, NetworkThreads) {
        let (router_tx, router_rx) = crossbeam_channel::unbounded();
        let (events, journal_thread) = journal.start();
        let shared = Arc::new(Shared {
            next_id: AtomicU64::new(0),
            latency,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            lateness: Default::default(),
            next_client: AtomicU64::new(0),
            members: RwLock::new(HashMap::new()),
            departed: RwLock::new(HashSet::new()),
            router: router_tx,
            journal: events.clone(),
            unmatched: Default::default(),
        });
        let router = Router {
            commands: router_rx,
            shared: Arc::downgrade(&shared),
            grudge: HashMap::new(),
            heap: BinaryHeap::new(),
            events,
        };
        let router = std::thread::Builder::new()
            .name("net-router".into())
            .spawn(move || router.run())
            .expect("spawning the router thread");
        let threads = NetworkThreads {
            router,
            journal: journal_thread,
        };
        (Network { shared }, threads)
    }

    /// Adds a participant and returns its inbox.
    pub fn register(&self, id: &str) -> Inbox {
        let (tx, rx) = crossbeam_channel::unbounded();
        self.members_mut().insert(id.to_string(), tx);
        rx
    }

    /// Removes a participant; messages still addressed to it are dropped.
    pub fn unregister(&self, id: &str) {
        if self.members_mut().remove(id).is_some() {
            let mut departed = write(&self.shared.departed);
            departed.insert(id.to_string());
        }
    }

    /// Was on the network once and has left: a node stopped at teardown, whose peers
    /// may still be sending to it.
    fn has_departed(&self, id: &str) -> bool {
        read(&self.shared.departed).contains(id)
    }

    /// Opens a client: the next id `c0`, `c1`, … from one network-wide counter.
    pub fn open_client(&self) -> (String, Inbox) {
        let id = format!("c{}", self.shared.next_client.fetch_add(1, Relaxed));
        let inbox = self.register(&id);
        (id, inbox)
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
        let client = packet.involves_client();
        if !client {
            packet.due += self.shared.latency.draw(&mut lock(&self.shared.rng));
        }
        let packet = Arc::new(packet);
        if client {
            self.deliver_now(&packet, sent);
        } else {
            // A send error means the router has stopped: the run is over.
            let _ = self.shared.router.send(Command::Route(packet, sent));
        }
        Ok(())
    }

    /// Client traffic has no latency and is never partitioned, so the sender hands it
    /// straight to the recipient instead of waking the router for it. (A message the
    /// router is just about to deliver to the same recipient may then come second;
    /// that reordering is within the router's own timing noise.)
    fn deliver_now(&self, packet: &Arc<Packet>, sent: Instant) {
        let journal = &self.shared.journal;
        record(journal, EventKind::Send, packet, sent);
        let delivered = self
            .members()
            .get(&packet.dest)
            .is_some_and(|inbox| inbox.send(Arc::clone(packet)).is_ok());
        let kind = if delivered {
            EventKind::Recv
        } else {
            EventKind::DropUnknownDest
        };
        record(journal, kind, packet, Instant::now());
    }

    /// Notes that these messages were written to a node's stdin at `at`: the runner's
    /// own lateness, after each message's due time, for those between servers.
    pub fn note_written<'a>(&self, packets: impl IntoIterator<Item = &'a Packet>, at: Instant) {
        let mut late = packets
            .into_iter()
            .filter(|p| !p.involves_client())
            .map(|p| at.saturating_duration_since(p.due).as_nanos() as u64)
            .peekable();
        // Client traffic alone (most of an echo run) takes no lock.
        if late.peek().is_some() {
            lock(&self.shared.lateness).extend(late);
        }
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
        let _ = self.shared.router.send(Command::Grudge(grudge));
    }

    /// Ends every partition.
    pub fn heal(&self) {
        self.set_grudge(Grudge::new());
    }

    fn members(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Sender<Arc<Packet>>>> {
        read(&self.shared.members)
    }

    fn members_mut(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Sender<Arc<Packet>>>> {
        write(&self.shared.members)
    }
}

impl NetworkThreads {
    /// Stops the router (messages still in flight are never delivered) and then the
    /// journal, which flushes. Returns the journal's statistics.
    pub fn stop(self, net: &Network) -> NetStats {
        let _ = net.shared.router.send(Command::Stop);
        let _ = self.router.join();
        let _ = net.shared.journal.send(Entry::Close);
        let mut stats = self.journal.join().unwrap_or_default();
        stats.lateness = std::mem::take(&mut *lock(&net.shared.lateness));
        stats
    }
}

/// A packet waiting in the heap until it is due.
struct Pending {
    packet: Arc<Packet>,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    /// Reversed, so the max-heap pops the earliest deadline; ties go in send order.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.packet.due, other.packet.id).cmp(&(self.packet.due, self.packet.id))
    }
}

struct Router {
    commands: Receiver<Command>,
    /// Weak, so the router stops when the last `Network` handle is dropped.
    shared: std::sync::Weak<Shared>,
    grudge: HashMap<String, HashSet<String>>,
    heap: BinaryHeap<Pending>,
    events: Sender<Entry>,
}

impl Router {
    fn run(mut self) {
        loop {
            let next = match self.heap.peek() {
                Some(p) => self.commands.recv_deadline(p.packet.due),
                None => self
                    .commands
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected),
            };
            match next {
                Ok(command) => {
                    let mut running = self.handle(command);
                    // Take everything already queued before delivering, so a burst is
                    // ordered by deadline as a whole.
                    while running && let Ok(command) = self.commands.try_recv() {
                        running = self.handle(command);
                    }
                    if !running {
                        // What is due is still delivered; the rest never is.
                        self.deliver_due();
                        return;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            self.deliver_due();
        }
    }

    /// Returns false on `Stop`.
    fn handle(&mut self, command: Command) -> bool {
        match command {
            Command::Stop => return false,
            Command::Grudge(grudge) => {
                self.grudge = grudge
                    .into_iter()
                    .map(|(receiver, senders)| (receiver, senders.into_iter().collect()))
                    .collect();
            }
            Command::Route(packet, sent) => self.accept(packet, sent),
        }
        true
    }

    /// Journals the send of a message between servers, applies the partition and queues
    /// the message for its due time.
    ///
    /// Maelstrom checks the partition when the message reaches the head of the
    /// recipient's queue (`recv!` in `net.clj`); for a recipient that keeps up, that is
    /// the send time. We check at send time: a message sent just before a partition
    /// starts is delivered, one sent during a partition is dropped even if the partition
    /// heals before its deadline.
    fn accept(&mut self, packet: Arc<Packet>, sent: Instant) {
        self.journal(EventKind::Send, &packet, sent);
        let grudged = self
            .grudge
            .get(&packet.dest)
            .is_some_and(|senders| senders.contains(&packet.src));
        if grudged {
            self.journal(EventKind::DropPartition, &packet, sent);
            return;
        }
        self.heap.push(Pending { packet });
    }

    fn deliver_due(&mut self) {
        let Some(shared) = self.shared.upgrade() else {
            return;
        };
        let now = Instant::now();
        let members = read(&shared.members);
        while self.heap.peek().is_some_and(|p| p.packet.due <= now) {
            let Some(Pending { packet }) = self.heap.pop() else {
                break;
            };
            let delivered = members
                .get(&packet.dest)
                .is_some_and(|inbox| inbox.send(Arc::clone(&packet)).is_ok());
            let kind = if delivered {
                EventKind::Recv
            } else {
                EventKind::DropUnknownDest
            };
            self.journal(kind, &packet, now);
        }
    }

    fn journal(&self, kind: EventKind, packet: &Arc<Packet>, at: Instant) {
        record(&self.events, kind, packet, at);
    }
}

#[cfg(test)]
mod tests;
