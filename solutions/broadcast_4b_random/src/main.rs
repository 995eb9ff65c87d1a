//! A variant for the efficient-broadcast chapter: gossip as an epidemic. No topology,
//! no hub, no acknowledgements. Every round, each node picks `fanout` peers at random
//! and sends each the whole set it has; a peer answers with the values the sender
//! lacked. A lost message costs only time: the next round compares again.

use std::collections::{BTreeSet, HashMap};
use std::sync::mpsc::{self, Sender};
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail};
use maelstrom::{Message, Node};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
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
    // ANCHOR: payload
    /// Between nodes, once per round and chosen peer: every value the sender has.
    Sync {
        messages: Vec<u64>,
    },
    /// The answer to a `sync`: the values its sender lacked. Not sent when empty.
    SyncOk {
        messages: Vec<u64>,
    },
    // ANCHOR_END: payload
}

#[derive(Debug)]
enum Event {
    Message(Message<Payload>),
    Tick,
}

// ANCHOR: config
/// Which way news travels in an exchange.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// The caller's values go to the peer; the peer does not answer.
    Push,
    /// The peer answers with what the caller lacks, and ignores what the caller has.
    Pull,
    /// Both.
    PushPull,
}

/// From arguments like `fanout=2 round-ms=200 mode=push`.
#[derive(Debug, Clone, PartialEq)]
struct Config {
    /// How many peers, picked at random, each node calls every round.
    fanout: usize,
    /// How long a round lasts.
    round: Duration,
    mode: Mode,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            fanout: 1,
            round: Duration::from_millis(100),
            mode: Mode::PushPull,
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
            let number = || -> anyhow::Result<u64> {
                value
                    .parse()
                    .with_context(|| format!("{key}: not a number"))
            };
            match key {
                "fanout" => config.fanout = usize::try_from(number()?)?,
                "round-ms" => config.round = Duration::from_millis(number()?),
                "mode" => {
                    config.mode = match value {
                        "push" => Mode::Push,
                        "pull" => Mode::Pull,
                        "push-pull" => Mode::PushPull,
                        _ => bail!("mode: push, pull or push-pull, not `{value}`"),
                    }
                }
                _ => bail!("unknown setting `{key}` (known: fanout, round-ms, mode)"),
            }
        }
        if config.round.is_zero() {
            bail!("round-ms must be more than 0");
        }
        Ok(config)
    }
}

// ANCHOR: rng
/// A small random number generator (SplitMix64): the solutions use no crates but
/// serde and anyhow, and picking peers needs nothing stronger. Each node seeds it
/// with its own position in the node list, so runs can be repeated.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `count` different items of `items` (all of them if there are fewer), each
    /// set of that size equally likely: the first steps of a Fisher-Yates shuffle.
    fn pick<'a, T>(&mut self, items: &'a [T], count: usize) -> Vec<&'a T> {
        let mut order: Vec<&T> = items.iter().collect();
        let count = count.min(order.len());
        for i in 0..count {
            let j = i + (self.next() % (order.len() - i) as u64) as usize;
            order.swap(i, j);
        }
        order.truncate(count);
        order
    }
}
// ANCHOR_END: rng

// ANCHOR: server
struct Server {
    node: Node,
    config: Config,
    messages: BTreeSet<u64>,
    /// Every other node: anyone may be called, whatever the topology says.
    peers: Vec<String>,
    rng: Rng,
}
// ANCHOR_END: server

impl Server {
    fn new(node: Node, config: Config) -> Server {
        let peers: Vec<String> = node
            .node_ids()
            .iter()
            .filter(|id| id.as_str() != node.id())
            .cloned()
            .collect();
        let position = node.node_ids().iter().position(|id| id == node.id());
        let rng = Rng(position.unwrap_or(0) as u64);
        Server {
            node,
            config,
            messages: BTreeSet::new(),
            peers,
            rng,
        }
    }

    // ANCHOR: handle
    fn handle(&mut self, msg: Message<Payload>) -> anyhow::Result<()> {
        let mode = self.config.mode;
        match msg.payload() {
            Payload::Broadcast { message } => {
                self.messages.insert(*message);
                self.node.reply(&msg, Payload::BroadcastOk)
            }
            Payload::Read => {
                let messages = self.messages.iter().copied().collect();
                self.node.reply(&msg, Payload::ReadOk { messages })
            }
            // Peers are picked at random from every node; the topology is not used.
            Payload::Topology { .. } => self.node.reply(&msg, Payload::TopologyOk),
            Payload::Sync { messages } => {
                let theirs: BTreeSet<u64> = messages.iter().copied().collect();
                // Pull: answer with what the caller lacks, before learning from it.
                let ours = &self.messages;
                let lacking: Vec<u64> = ours.difference(&theirs).copied().collect();
                if mode != Mode::Push && !lacking.is_empty() {
                    let reply = Payload::SyncOk { messages: lacking };
                    self.node.send(&msg.src, reply)?;
                }
                // Push: learn what the caller has.
                if mode != Mode::Pull {
                    self.messages.extend(theirs);
                }
                Ok(())
            }
            Payload::SyncOk { messages } => {
                self.messages.extend(messages);
                Ok(())
            }
            Payload::BroadcastOk | Payload::ReadOk { .. } | Payload::TopologyOk => Ok(()),
        }
    }
    // ANCHOR_END: handle

    // ANCHOR: round
    /// One round: call `fanout` peers picked at random and show each everything.
    fn round(&mut self) -> anyhow::Result<()> {
        let messages: Vec<u64> = self.messages.iter().copied().collect();
        for peer in self.rng.pick(&self.peers, self.config.fanout) {
            let sync = Payload::Sync {
                messages: messages.clone(),
            };
            self.node.send(peer, sync)?;
        }
        Ok(())
    }
    // ANCHOR_END: round
}

fn main() -> anyhow::Result<()> {
    let config = Config::from_args(std::env::args().skip(1))?;
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events.clone(), Event::Message)?;
    eprintln!("{}: {config:?}", node.id());
    spawn_ticker(events, config.round);

    let mut server = Server::new(node, config);
    for event in inbox {
        match event {
            Event::Message(msg) => server.handle(msg)?,
            Event::Tick => server.round()?,
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
