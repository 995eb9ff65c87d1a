//! Challenge 4, one step beyond: a grow-only counter kept in the nodes' memory rather
//! than in `seq-kv`. Each node keeps a [`GCounter`], counts its own adds in it, and now
//! and then trades the whole thing with each peer that may be missing something. No
//! shared store, no locks: a partition only delays the trade.

mod counter;

use std::collections::HashMap;
use std::sync::mpsc::{self, Sender};
use std::thread;
use std::time::Duration;

use counter::GCounter;
use maelstrom::{Message, Node};
use serde::{Deserialize, Serialize};

// ANCHOR: payload
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Add {
        delta: u64,
    },
    AddOk,
    Read,
    ReadOk {
        value: u64,
    },
    /// "Here is everything I know; tell me what you know."
    Gossip {
        counter: GCounter,
    },
    /// The answer to a gossip: the answerer's counter, after merging the gossip in.
    GossipOk {
        counter: GCounter,
    },
}
// ANCHOR_END: payload

// ANCHOR: event
/// Everything the main loop waits for: a message from stdin, or the clock.
enum Event {
    Message(Message<Payload>),
    Tick,
}

/// How often a node offers its counter to its peers.
const GOSSIP_EVERY: Duration = Duration::from_millis(500);
// ANCHOR_END: event

// ANCHOR: main
fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events.clone(), Event::Message)?;
    tick_every(GOSSIP_EVERY, events);

    let mut counter = Counter::new(node);
    for event in inbox {
        counter.handle(event)?;
    }
    Ok(())
}

/// Sends [`Event::Tick`] every `period`, on a thread of its own.
fn tick_every(period: Duration, events: Sender<Event>) {
    thread::spawn(move || {
        while events.send(Event::Tick).is_ok() {
            thread::sleep(period);
        }
    });
}
// ANCHOR_END: main

// ANCHOR: state
struct Counter {
    node: Node,
    counter: GCounter,
    /// For each peer, everything it has shown us it knows. It may know more by now,
    /// never less, so this is a safe lower bound.
    peer_knows: HashMap<String, GCounter>,
}
// ANCHOR_END: state

impl Counter {
    fn new(node: Node) -> Counter {
        // Nobody has shown us anything yet: as far as we know, every peer knows nothing.
        let peer_knows = node
            .peers()
            .map(|peer| (peer.to_string(), GCounter::default()))
            .collect();
        Counter {
            node,
            counter: GCounter::default(),
            peer_knows,
        }
    }

    fn handle(&mut self, event: Event) -> anyhow::Result<()> {
        match event {
            Event::Message(msg) => self.on_message(msg),
            Event::Tick => self.gossip(),
        }
    }

    // ANCHOR: on_message
    fn on_message(&mut self, msg: Message<Payload>) -> anyhow::Result<()> {
        match msg.payload() {
            Payload::Add { delta } => {
                self.counter.add(self.node.id(), *delta);
                self.node.reply(&msg, Payload::AddOk)
            }
            Payload::Read => {
                let value = self.counter.value();
                self.node.reply(&msg, Payload::ReadOk { value })
            }
            Payload::Gossip { counter } => {
                self.learn(&msg.src, counter);
                let counter = self.counter.clone();
                self.node.reply(&msg, Payload::GossipOk { counter })
            }
            Payload::GossipOk { counter } => {
                self.learn(&msg.src, counter);
                Ok(())
            }
            Payload::AddOk | Payload::ReadOk { .. } => Ok(()),
        }
    }

    /// Merges what `peer` sent, and remembers that `peer` knows at least that much.
    fn learn(&mut self, peer: &str, theirs: &GCounter) {
        self.counter.merge(theirs);
        self.peer_knows
            .entry(peer.to_string())
            .or_default()
            .merge(theirs);
    }
    // ANCHOR_END: on_message

    // ANCHOR: gossip
    /// Offers our counter to every peer that has not yet shown us it knows it all.
    ///
    /// A gossip lost to a partition is simply sent again on the next tick, because
    /// the peer's answer never came and so `peer_knows` did not move. When every peer
    /// is up to date, a tick sends nothing at all.
    fn gossip(&mut self) -> anyhow::Result<()> {
        for peer in self.node.peers() {
            let up_to_date = self
                .peer_knows
                .get(peer)
                .is_some_and(|theirs| theirs.covers(&self.counter));
            if !up_to_date {
                let counter = self.counter.clone();
                self.node.send(peer, Payload::Gossip { counter })?;
            }
        }
        Ok(())
    }
    // ANCHOR_END: gossip
}

#[cfg(test)]
mod tests {
    use super::*;
    use maelstrom::Sent;

    fn message(src: &str, payload: Payload) -> Message<Payload> {
        Message::request(src, "n0", 1, payload)
    }

    fn deliver(counter: &mut Counter, src: &str, payload: Payload) {
        counter
            .handle(Event::Message(message(src, payload)))
            .unwrap();
    }

    /// The gossip messages `sent` holds, as (destination, counter value) pairs.
    fn gossip_sent(sent: &Sent) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        for msg in sent.take::<Payload>() {
            if let Payload::Gossip { counter } = msg.body.payload {
                out.push((msg.dest, counter.value()));
            }
        }
        out
    }

    #[test]
    fn adds_count_locally_and_reads_sum_everything_known() {
        let (node, sent) = Node::in_memory("n0", &["n0", "n1"]);
        let mut counter = Counter::new(node);
        deliver(&mut counter, "c1", Payload::Add { delta: 3 });
        let mut theirs = GCounter::default();
        theirs.add("n1", 4);
        deliver(&mut counter, "n1", Payload::GossipOk { counter: theirs });
        deliver(&mut counter, "c1", Payload::Read);
        let replies = sent.take::<Payload>();
        assert!(matches!(
            replies.last().unwrap().body.payload,
            Payload::ReadOk { value: 7 }
        ));
    }

    // ANCHOR: gossip_test
    #[test]
    fn gossip_repeats_until_the_peer_answers_then_stops() {
        let (node, sent) = Node::in_memory("n0", &["n0", "n1"]);
        let mut counter = Counter::new(node);
        deliver(&mut counter, "c1", Payload::Add { delta: 2 });
        sent.take::<Payload>();

        // The first offer is lost to a partition: the next tick offers again.
        counter.handle(Event::Tick).unwrap();
        assert_eq!(gossip_sent(&sent), [("n1".to_string(), 2)]);
        counter.handle(Event::Tick).unwrap();
        assert_eq!(gossip_sent(&sent), [("n1".to_string(), 2)]);

        // n1 answers with everything it knows, which includes our 2: nothing left to say.
        let mut theirs = GCounter::default();
        theirs.add("n0", 2);
        deliver(&mut counter, "n1", Payload::GossipOk { counter: theirs });
        counter.handle(Event::Tick).unwrap();
        assert_eq!(gossip_sent(&sent), []);
    }
    // ANCHOR_END: gossip_test

    #[test]
    fn a_node_with_nothing_to_tell_stays_quiet() {
        let (node, sent) = Node::in_memory("n0", &["n0", "n1", "n2"]);
        let mut counter = Counter::new(node);
        counter.handle(Event::Tick).unwrap();
        assert_eq!(gossip_sent(&sent), []);
        deliver(&mut counter, "c1", Payload::Add { delta: 0 });
        counter.handle(Event::Tick).unwrap();
        assert_eq!(gossip_sent(&sent), []);
    }

    #[test]
    fn a_gossip_is_answered_with_the_merged_counter() {
        let (node, sent) = Node::in_memory("n0", &["n0", "n1"]);
        let mut counter = Counter::new(node);
        deliver(&mut counter, "c1", Payload::Add { delta: 1 });
        let mut theirs = GCounter::default();
        theirs.add("n1", 5);
        deliver(&mut counter, "n1", Payload::Gossip { counter: theirs });
        let answer = sent.take::<Payload>().pop().unwrap();
        assert_eq!(answer.dest, "n1");
        assert!(
            matches!(answer.body.payload, Payload::GossipOk { counter } if counter.value() == 6)
        );
    }
}
