//! Challenge 3b, first step: the single-node server, rebuilt around an event loop.
//!
//! Nothing is gossiped yet. What changes is the shape of the program: a thread reads
//! stdin, another thread ticks like a clock, and the main loop handles what both send
//! it, one event at a time.

use std::collections::{BTreeSet, HashMap};
use std::sync::mpsc::{self, Sender};
use std::thread;
use std::time::Duration;

use maelstrom::{Message, Node};
use serde::{Deserialize, Serialize};

/// How often the ticker wakes the main loop.
const TICK_INTERVAL: Duration = Duration::from_millis(100);

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
}

// ANCHOR: event
/// Everything the main loop reacts to. Each kind comes from its own thread; all of
/// them arrive through one channel, in one order.
#[derive(Debug)]
enum Event {
    /// A message read from stdin.
    Message(Message<Payload>),
    /// The clock ticked.
    Tick,
}
// ANCHOR_END: event

struct Server {
    node: Node,
    messages: BTreeSet<u64>,
}

impl Server {
    fn new(node: Node) -> Server {
        Server {
            node,
            messages: BTreeSet::new(),
        }
    }

    fn handle(&mut self, msg: Message<Payload>) -> anyhow::Result<()> {
        match msg.payload() {
            Payload::Broadcast { message } => {
                self.messages.insert(*message);
                self.node.reply(&msg, Payload::BroadcastOk)
            }
            Payload::Read => {
                let messages = self.messages.iter().copied().collect();
                self.node.reply(&msg, Payload::ReadOk { messages })
            }
            Payload::Topology { .. } => self.node.reply(&msg, Payload::TopologyOk),
            Payload::BroadcastOk | Payload::ReadOk { .. } | Payload::TopologyOk => Ok(()),
        }
    }

    // ANCHOR: tick
    fn tick(&mut self) -> anyhow::Result<()> {
        // Nothing to do yet: the next step gossips here.
        Ok(())
    }
    // ANCHOR_END: tick
}

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    // One channel; every thread that produces events gets a sender.
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events.clone(), Event::Message)?;
    spawn_ticker(events, TICK_INTERVAL);

    // The main loop owns the server: no other thread can touch it.
    let mut server = Server::new(node);
    for event in inbox {
        match event {
            Event::Message(msg) => server.handle(msg)?,
            Event::Tick => server.tick()?,
        }
    }
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: ticker
/// Sends a `Tick` every `interval`, until the main loop is gone.
fn spawn_ticker(events: Sender<Event>, interval: Duration) {
    thread::spawn(move || {
        loop {
            thread::sleep(interval);
            if events.send(Event::Tick).is_err() {
                return; // The receiver was dropped: the program is ending.
            }
        }
    });
}
// ANCHOR_END: ticker

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn the_ticker_ticks_and_stops_when_nobody_listens() {
        let (events, inbox) = mpsc::channel();
        spawn_ticker(events, Duration::from_millis(1));
        let start = Instant::now();
        for _ in 0..3 {
            let event = inbox.recv_timeout(Duration::from_secs(5)).unwrap();
            assert!(matches!(event, Event::Tick));
        }
        assert!(start.elapsed() >= Duration::from_millis(3));
        // Dropping the receiver makes the ticker's next send fail, and it returns.
        drop(inbox);
    }
}
