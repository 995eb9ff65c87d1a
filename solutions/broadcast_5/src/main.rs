//! Challenge 3e: efficient broadcast, part II.
//!
//! The star of part I, now run in rounds set by the hub. The hub sends each leaf what
//! it gathered; each leaf holds that message for `hold`, gathering its own clients'
//! values, then answers with them (which also acknowledges the hub's). When every leaf
//! has answered, the hub starts the next round at once. A round costs two messages per
//! leaf however many values it carries, and a leaf's values reach the hub just as the
//! hub is about to send, so they never wait there.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::mpsc::{self, Sender};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use maelstrom::{Message, Node};
use serde::{Deserialize, Serialize};

/// How often the ticker wakes the main loop: the resolution of every timer.
const TICK: Duration = Duration::from_millis(10);
/// How long a value may go unacknowledged before we send it again.
const RETRY_AFTER: Duration = Duration::from_millis(2000);
/// How long we may hold an acknowledgement back, hoping it can ride on a message we
/// send anyway.
const ACK_DELAY: Duration = Duration::from_millis(1000);
// ANCHOR: round_slack
/// How much longer than `hold` the hub waits for a leaf's answer before it stops
/// waiting: two hops, and time for a busy process to get to it.
const ROUND_SLACK: Duration = Duration::from_millis(500);
// ANCHOR_END: round_slack

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
    Gossip {
        messages: Vec<u64>,
        acks: Vec<u64>,
    },
}

#[derive(Debug)]
enum Event {
    Message(Message<Payload>),
    Tick,
}

// ANCHOR: config
/// How this node spreads values, from arguments like `hold-ms=800`.
#[derive(Debug, Clone, PartialEq)]
struct Config {
    /// How long a leaf holds the hub's message before answering it. A round lasts
    /// this long plus a round trip.
    hold: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            hold: Duration::from_millis(800),
        }
    }
}
// ANCHOR_END: config

impl Config {
    fn from_args(args: impl IntoIterator<Item = String>) -> anyhow::Result<Config> {
        let mut config = Config::default();
        for arg in args {
            match arg.split_once('=') {
                Some(("hold-ms", ms)) => {
                    let ms = ms.parse().context("hold-ms: not a number")?;
                    config.hold = Duration::from_millis(ms);
                }
                _ => bail!("unknown argument `{arg}` (known: hold-ms=N)"),
            }
        }
        Ok(config)
    }
}

// ANCHOR: link
/// Our side of the conversation with one peer.
#[derive(Debug, Default)]
struct Link {
    /// Values the peer has not acknowledged; every message to it carries them all.
    unacked: BTreeSet<u64>,
    /// Whether some of `unacked` have never been sent.
    news: bool,
    /// When we last sent to the peer.
    last_sent: Option<Instant>,
    /// Values the peer sent that we have not acknowledged yet, and since when.
    owed: BTreeSet<u64>,
    owed_since: Option<Instant>,
}

impl Link {
    /// Whether the peer has values it was never sent.
    fn has_news(&self) -> bool {
        self.news && !self.unacked.is_empty()
    }

    /// Whether something is late: a value the peer should have acknowledged, or an
    /// acknowledgement the peer is waiting for.
    fn is_overdue(&self, now: Instant) -> bool {
        let waited = |since: Option<Instant>, wait| since.is_some_and(|t| now - t >= wait);
        let retry = !self.unacked.is_empty() && waited(self.last_sent, RETRY_AFTER);
        retry || waited(self.owed_since, ACK_DELAY)
    }

    /// Whether a message to this peer would say anything.
    fn has_anything(&self) -> bool {
        !self.unacked.is_empty() || !self.owed.is_empty()
    }

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

// ANCHOR: round
/// The hub's round in progress.
#[derive(Debug)]
struct Round {
    started: Instant,
    /// Leaves we sent values to and have not heard from since.
    waiting: BTreeSet<String>,
}
// ANCHOR_END: round

// ANCHOR: server
struct Server {
    node: Node,
    config: Config,
    messages: BTreeSet<u64>,
    hub: String,
    links: BTreeMap<String, Link>,
    /// On the hub: the round in progress, if any.
    round: Option<Round>,
    /// On a leaf: when to answer the hub's latest message.
    answer_at: Option<Instant>,
}
// ANCHOR_END: server

impl Server {
    fn new(node: Node, config: Config) -> Server {
        let hub = node.node_ids()[0].clone();
        Server {
            node,
            config,
            messages: BTreeSet::new(),
            hub,
            links: BTreeMap::new(),
            round: None,
            answer_at: None,
        }
    }

    fn is_hub(&self) -> bool {
        self.node.id() == self.hub
    }

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
            Payload::Topology { .. } => self.node.reply(&msg, Payload::TopologyOk)?,
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
                // Only an answer carries acknowledgements: a leaf owes some only once
                // a round's values reached it. What it sent before is not an answer.
                if let Some(round) = &mut self.round
                    && !acks.is_empty()
                {
                    round.waiting.remove(&msg.src);
                }
                if !self.is_hub() && !messages.is_empty() {
                    // The hub's round reached us: answer after gathering for `hold`.
                    self.answer_at.get_or_insert(now + self.config.hold);
                }
            }
            Payload::BroadcastOk | Payload::ReadOk { .. } | Payload::TopologyOk => {}
        }
        self.step(now)
    }
    // ANCHOR_END: handle

    /// Remembers `value` and, if it is new, queues it for the peers that need it:
    /// from a leaf's client, the hub; on the hub, every leaf but the one it came from.
    fn learn(&mut self, value: u64, from: Option<&str>) {
        if let Some(link) = from.and_then(|peer| self.links.get_mut(peer)) {
            link.unacked.remove(&value);
        }
        if !self.messages.insert(value) {
            return;
        }
        let targets: Vec<String> = if self.is_hub() {
            let others = self.node.peers().filter(|&peer| Some(peer) != from);
            others.map(String::from).collect()
        } else if from.is_none() {
            vec![self.hub.clone()]
        } else {
            Vec::new() // A leaf passes nothing on.
        };
        for peer in targets {
            let link = self.links.entry(peer).or_default();
            link.unacked.insert(value);
            link.news = true;
        }
    }

    /// Does whatever is due at `now`. Called after every event.
    fn step(&mut self, now: Instant) -> anyhow::Result<()> {
        if self.is_hub() {
            self.hub_step(now)
        } else {
            self.leaf_step(now)
        }
    }

    // ANCHOR: hub_step
    fn hub_step(&mut self, now: Instant) -> anyhow::Result<()> {
        if let Some(round) = &self.round {
            let gave_up = now - round.started >= self.config.hold + ROUND_SLACK;
            if !round.waiting.is_empty() && !gave_up {
                return Ok(()); // Some leaves have yet to answer.
            }
            self.round = None;
        }
        let calls_for_a_round = |l: &Link| l.has_news() || l.is_overdue(now);
        if !self.links.values().any(calls_for_a_round) {
            return Ok(()); // Nothing new anywhere: no round until there is.
        }
        let mut waiting = BTreeSet::new();
        for (leaf, link) in &mut self.links {
            if !link.has_anything() {
                continue;
            }
            let message = link.next_message(now);
            if matches!(&message, Payload::Gossip { messages, .. } if !messages.is_empty()) {
                waiting.insert(leaf.clone());
            }
            self.node.send(leaf, message)?;
        }
        self.round = Some(Round {
            started: now,
            waiting,
        });
        Ok(())
    }
    // ANCHOR_END: hub_step

    // ANCHOR: leaf_step
    fn leaf_step(&mut self, now: Instant) -> anyhow::Result<()> {
        let link = self.links.entry(self.hub.clone()).or_default();
        let due = match self.answer_at {
            // In a round: answer when the hold is over, and not before.
            Some(at) => now >= at,
            // Outside a round, news goes at most once per hold: at once after a quiet
            // spell, but never so often that a hub we cannot reach gets flooded.
            // Overdue retries and acknowledgements go regardless.
            None => {
                let rested = link.last_sent.is_none_or(|t| now - t >= self.config.hold);
                (rested && link.has_news()) || link.is_overdue(now)
            }
        };
        if due {
            self.answer_at = None;
            self.node.send(&self.hub, link.next_message(now))?;
        }
        Ok(())
    }
    // ANCHOR_END: leaf_step
}

fn main() -> anyhow::Result<()> {
    let config = Config::from_args(std::env::args().skip(1))?;
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events.clone(), Event::Message)?;
    eprintln!("{}: {config:?}", node.id());
    spawn_ticker(events, TICK);

    let mut server = Server::new(node, config);
    for event in inbox {
        let now = Instant::now();
        match event {
            Event::Message(msg) => server.handle(msg, now)?,
            Event::Tick => server.step(now)?,
        }
    }
    Ok(())
}

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
