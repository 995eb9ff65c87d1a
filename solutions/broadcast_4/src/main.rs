//! Challenge 3d: efficient broadcast, part I.
//!
//! Values travel on a star: a leaf sends each value to the hub at once, and the hub
//! sends what it gathered to every other leaf in one message per leaf every
//! `batch`. Acknowledgements ride on the messages that go the other way, and a value
//! is sent again only if its acknowledgement is overdue, so a healthy network carries
//! almost nothing but values, and a partition loses none.
//!
//! The shape and the waits come from the command line (`shape=given batch-ms=0`, ...)
//! so the designs the book compares are all this one program.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::mpsc::{self, Sender};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use maelstrom::{Message, Node};
use serde::{Deserialize, Serialize};

// ANCHOR: timing
/// How often the ticker wakes the main loop. Every deadline lives in the state and is
/// checked on each tick, so this is the resolution of all our timers.
const TICK: Duration = Duration::from_millis(10);
/// How long a value may go unacknowledged before we send it again.
const RETRY_AFTER: Duration = Duration::from_millis(2000);
/// How long we may hold an acknowledgement back, hoping it can ride on a message we
/// send anyway. It must reach the peer before that peer's `RETRY_AFTER` runs out.
const ACK_DELAY: Duration = Duration::from_millis(1000);
// ANCHOR_END: timing

// ANCHOR: payload
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Broadcast {
        message: u64,
    },
    BroadcastOk,
    Read,
    ReadOk {
        messages: Vec<u64>,
    },
    Topology {
        topology: HashMap<String, Vec<String>>,
    },
    TopologyOk,
    /// Between nodes: values for the receiver, and acknowledgements of values the
    /// receiver sent us. Either list may be empty.
    Gossip {
        messages: Vec<u64>,
        acks: Vec<u64>,
    },
}
// ANCHOR_END: payload

#[derive(Debug)]
enum Event {
    Message(Message<Payload>),
    Tick,
}

// ANCHOR: config
/// The overlay values travel on.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    /// The first node is the hub, linked to every other node; the rest are leaves.
    Star,
    /// The topology Maelstrom sends (the runner's `--topology` picks it).
    Given,
    /// Each node sends its clients' values straight to every other node. Nobody
    /// relays.
    Direct,
}

/// How this node spreads values, from arguments like `shape=star batch-ms=200`.
#[derive(Debug, Clone, PartialEq)]
struct Config {
    shape: Shape,
    /// How long new values wait on a node that relays for others (the hub of a star;
    /// every node in the other shapes), so that one message carries many.
    batch: Duration,
    /// The same wait on a leaf of a star, which only speaks for itself.
    leaf_batch: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            shape: Shape::Star,
            batch: Duration::from_millis(200),
            leaf_batch: Duration::ZERO,
        }
    }
}
// ANCHOR_END: config

impl Config {
    fn from_args(args: impl IntoIterator<Item = String>) -> anyhow::Result<Config> {
        let mut config = Config::default();
        for arg in args {
            let Some((key, value)) = arg.split_once('=') else {
                bail!("expected key=value, got `{arg}`");
            };
            let millis = || -> anyhow::Result<Duration> {
                let ms = value
                    .parse()
                    .with_context(|| format!("{key}: not a number"))?;
                Ok(Duration::from_millis(ms))
            };
            match key {
                "shape" => {
                    config.shape = match value {
                        "star" => Shape::Star,
                        "given" => Shape::Given,
                        "direct" => Shape::Direct,
                        _ => bail!("shape: expected star, given or direct, got `{value}`"),
                    }
                }
                "batch-ms" => config.batch = millis()?,
                "leaf-batch-ms" => config.leaf_batch = millis()?,
                _ => bail!("unknown setting `{key}` (known: shape, batch-ms, leaf-batch-ms)"),
            }
        }
        Ok(config)
    }
}

// ANCHOR: link
/// Our side of the conversation with one peer.
#[derive(Debug, Default)]
struct Link {
    /// Values the peer has not acknowledged. Every message to the peer carries all
    /// of them, so a value that was lost is sent again at no extra cost in messages.
    unacked: BTreeSet<u64>,
    /// Whether some of `unacked` have never been sent.
    news: bool,
    /// When we last sent to the peer.
    last_sent: Option<Instant>,
    /// Values the peer sent that we have not acknowledged yet.
    owed: BTreeSet<u64>,
    /// Since when we have owed them.
    owed_since: Option<Instant>,
}

impl Link {
    /// Whether to send to this peer now: news once `flush` says the batch is over, a
    /// retry once the peer had its time to answer, an acknowledgement before the peer
    /// gives up waiting for it.
    fn is_due(&self, now: Instant, flush: bool) -> bool {
        let waited = |since: Option<Instant>, wait| since.is_some_and(|t| now - t >= wait);
        let news = flush && self.news && !self.unacked.is_empty();
        let retry = !self.unacked.is_empty() && waited(self.last_sent, RETRY_AFTER);
        news || retry || waited(self.owed_since, ACK_DELAY)
    }

    /// The message that tells the peer everything we owe it.
    fn next_message(&mut self, now: Instant) -> Payload {
        self.news = false;
        self.last_sent = Some(now);
        self.owed_since = None;
        Payload::Gossip {
            messages: self.unacked.iter().copied().collect(),
            acks: std::mem::take(&mut self.owed).into_iter().collect(),
        }
    }
}
// ANCHOR_END: link

// ANCHOR: server
struct Server {
    node: Node,
    config: Config,
    messages: BTreeSet<u64>,
    /// Where values go: a value from a client goes to every neighbour.
    neighbours: Vec<String>,
    /// Whether a value from a peer goes on to our other neighbours.
    relays: bool,
    /// How long new values wait here; zero sends them as soon as they arrive.
    batch: Duration,
    last_flush: Instant,
    links: BTreeMap<String, Link>,
}
// ANCHOR_END: server

impl Server {
    // ANCHOR: new
    fn new(node: Node, config: Config, now: Instant) -> Server {
        let peers = || node.peers().map(String::from).collect();
        let hub = node.node_ids()[0].clone();
        let (neighbours, relays, batch) = match config.shape {
            Shape::Star if node.id() == hub => (peers(), true, config.batch),
            Shape::Star => (vec![hub], true, config.leaf_batch),
            // Filled in when the topology arrives.
            Shape::Given => (Vec::new(), true, config.batch),
            Shape::Direct => (peers(), false, config.batch),
        };
        Server {
            node,
            config,
            messages: BTreeSet::new(),
            neighbours,
            relays,
            batch,
            last_flush: now,
            links: BTreeMap::new(),
        }
    }
    // ANCHOR_END: new

    // ANCHOR: handle
    fn handle(&mut self, msg: Message<Payload>, now: Instant) -> anyhow::Result<()> {
        match msg.payload() {
            Payload::Broadcast { message } => {
                self.learn(*message, None);
                self.node.reply(&msg, Payload::BroadcastOk)?;
            }
            Payload::Read => {
                let messages = self.messages.iter().copied().collect();
                self.node.reply(&msg, Payload::ReadOk { messages })?;
            }
            Payload::Topology { topology } => {
                if self.config.shape == Shape::Given {
                    let mine = topology.get(self.node.id());
                    self.neighbours = mine.cloned().unwrap_or_default();
                }
                self.node.reply(&msg, Payload::TopologyOk)?;
            }
            Payload::Gossip { messages, acks } => {
                let link = self.links.entry(msg.src.clone()).or_default();
                for value in acks {
                    link.unacked.remove(value);
                }
                if !messages.is_empty() {
                    link.owed.extend(messages);
                    link.owed_since.get_or_insert(now);
                }
                for &value in messages {
                    self.learn(value, Some(&msg.src));
                }
            }
            Payload::BroadcastOk | Payload::ReadOk { .. } | Payload::TopologyOk => {}
        }
        // A node that does not batch sends what it just learned right away.
        self.flush(now, self.batch.is_zero())
    }
    // ANCHOR_END: handle

    // ANCHOR: learn
    fn learn(&mut self, value: u64, from: Option<&str>) {
        if let Some(link) = from.and_then(|peer| self.links.get_mut(peer)) {
            // The peer that told us has the value: never send it back.
            link.unacked.remove(&value);
        }
        if !self.messages.insert(value) {
            return; // Known already, so already passed on.
        }
        if from.is_some() && !self.relays {
            return;
        }
        for peer in &self.neighbours {
            if Some(peer.as_str()) != from {
                let link = self.links.entry(peer.clone()).or_default();
                link.unacked.insert(value);
                link.news = true;
            }
        }
    }
    // ANCHOR_END: learn

    // ANCHOR: tick
    fn tick(&mut self, now: Instant) -> anyhow::Result<()> {
        let batch_over = now - self.last_flush >= self.batch;
        if batch_over {
            self.last_flush = now;
        }
        self.flush(now, batch_over)
    }

    /// Sends to every peer that is due a message. News goes out only if `news` is
    /// true; retries and acknowledgements go whenever they are due.
    fn flush(&mut self, now: Instant, news: bool) -> anyhow::Result<()> {
        for (peer, link) in &mut self.links {
            if link.is_due(now, news) {
                self.node.send(peer, link.next_message(now))?;
            }
        }
        Ok(())
    }
    // ANCHOR_END: tick
}

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    let config = Config::from_args(std::env::args().skip(1))?;
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events.clone(), Event::Message)?;
    eprintln!("{}: {config:?}", node.id());
    spawn_ticker(events, TICK);

    let mut server = Server::new(node, config, Instant::now());
    for event in inbox {
        // Time is read once per event and handed in, so tests can supply their own.
        let now = Instant::now();
        match event {
            Event::Message(msg) => server.handle(msg, now)?,
            Event::Tick => server.tick(now)?,
        }
    }
    Ok(())
}
// ANCHOR_END: main

/// Sends a `Tick` every `interval`, until the main loop is gone.
fn spawn_ticker(events: Sender<Event>, interval: Duration) {
    thread::spawn(move || {
        loop {
            thread::sleep(interval);
            if events.send(Event::Tick).is_err() {
                return;
            }
        }
    });
}

#[cfg(test)]
mod tests;
