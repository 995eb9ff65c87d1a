//! Tests of the node logic on a simulated network with its own clock: messages take a
//! fixed latency, a partition drops them, and time moves only when a test says so.

use super::*;
use maelstrom::Sent;

/// Nodes, the messages between them, and a clock.
struct Sim {
    servers: BTreeMap<String, (Server, Sent)>,
    now: Instant,
    latency: Duration,
    /// Messages between nodes, with the time they arrive.
    in_flight: Vec<(Instant, Message<Payload>)>,
    /// Nodes cut off from all others: what they send or are sent is dropped.
    cut_off: BTreeSet<String>,
    /// Every message sent between nodes, dropped ones included.
    log: Vec<Message<Payload>>,
}

impl Sim {
    fn new(node_count: usize, config: Config) -> Sim {
        let ids: Vec<String> = (0..node_count).map(|i| format!("n{i}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let now = Instant::now();
        let mut servers = BTreeMap::new();
        for id in &ids {
            let (node, sent) = Node::in_memory(id, &ids);
            let server = Server::new(node, config.clone());
            servers.insert(id.to_string(), (server, sent));
        }
        Sim {
            servers,
            now,
            latency: Duration::from_millis(100),
            in_flight: Vec::new(),
            cut_off: BTreeSet::new(),
            log: Vec::new(),
        }
    }

    fn broadcast(&mut self, node: &str, value: u64) {
        let request = Message::request("c1", node, 1, Payload::Broadcast { message: value });
        let (server, _) = self.servers.get_mut(node).unwrap();
        server.handle(request, self.now).unwrap();
        self.collect();
    }

    /// Moves the clock on by `duration`, one tick at a time.
    fn run_for(&mut self, duration: Duration) {
        let end = self.now + duration;
        while self.now < end {
            self.now += TICK;
            let (due, later) = self
                .in_flight
                .drain(..)
                .partition(|(at, _)| *at <= self.now);
            self.in_flight = later;
            for (_, msg) in due {
                let (server, _) = self.servers.get_mut(&msg.dest).unwrap();
                server.handle(msg, self.now).unwrap();
            }
            for (server, _) in self.servers.values_mut() {
                server.step(self.now).unwrap();
            }
            self.collect();
        }
    }

    /// Puts what the servers sent to other nodes on the wire; replies to clients are
    /// not needed here.
    fn collect(&mut self) {
        for (_, sent) in self.servers.values() {
            for msg in sent.take::<Payload>() {
                if !msg.dest.starts_with('n') {
                    continue;
                }
                self.log.push(msg.clone());
                let dropped = self.cut_off.contains(&msg.src) || self.cut_off.contains(&msg.dest);
                if !dropped {
                    self.in_flight.push((self.now + self.latency, msg));
                }
            }
        }
    }

    fn values_on(&self, node: &str) -> &BTreeSet<u64> {
        &self.servers[node].0.messages
    }

    fn everyone_has_value(&self, value: u64) -> bool {
        self.servers
            .values()
            .all(|(s, _)| s.messages.contains(&value))
    }

    fn everyone_has(&self, values: &[u64]) -> bool {
        let expected: BTreeSet<u64> = values.iter().copied().collect();
        self.servers.values().all(|(s, _)| s.messages == expected)
    }
}

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

#[test]
fn settings_come_from_key_value_arguments() {
    let args = |list: &[&str]| Config::from_args(list.iter().map(|s| s.to_string()));
    assert_eq!(args(&[]).unwrap(), Config::default());
    assert_eq!(args(&["hold-ms=300"]).unwrap().hold, ms(300));
    for bad in ["hold-ms=soon", "speed=9", "star"] {
        assert!(args(&[bad]).is_err(), "{bad} should be refused");
    }
}

// ANCHOR: test_quiet
#[test]
fn after_a_quiet_spell_news_goes_at_once_and_then_waits_for_the_round() {
    let mut sim = Sim::new(4, Config::default());
    sim.broadcast("n1", 7);
    // No round is running and n1 has not sent for a while: two hops, no waiting.
    sim.run_for(ms(200));
    assert!(sim.everyone_has(&[7]));

    // n1 sent a moment ago, so its next value waits until a hold has passed since
    // then. The hub is busy with a round by the time it arrives, so it waits there
    // for that round's answers too, and then takes one more hop.
    sim.broadcast("n1", 8);
    sim.run_for(ms(600));
    assert!(!sim.values_on("n2").contains(&8));
    sim.run_for(ms(400));
    assert!(sim.everyone_has(&[7, 8]));
}
// ANCHOR_END: test_quiet

// ANCHOR: test_rounds
#[test]
fn in_a_busy_network_leaves_answer_the_hub_and_values_take_at_most_a_round_and_two_hops() {
    let mut sim = Sim::new(5, Config::default());
    let round = ms(800 + 2 * 100);
    let mut sent_at = BTreeMap::new();
    for value in 0..100 {
        sim.broadcast(&format!("n{}", value % 5), value);
        sent_at.insert(value, sim.now);
        sim.run_for(ms(50));
        for (&v, &at) in &sent_at {
            if sim.now - at > round + ms(200 + 2 * TICK.as_millis() as u64) {
                assert!(sim.everyone_has_value(v), "{v} is late");
            }
        }
    }
    // Once the first round got going, every leaf sent only when the hub asked.
    let from_leaves = sim.log.iter().filter(|m| m.dest == "n0").count();
    let from_hub = sim.log.iter().filter(|m| m.src == "n0").count();
    assert!(
        from_leaves <= from_hub + 4,
        "{from_leaves} from leaves, {from_hub} from the hub"
    );
}
// ANCHOR_END: test_rounds

// ANCHOR: test_early_message
#[test]
fn a_message_sent_before_the_round_arrived_is_not_an_answer() {
    let mut sim = Sim::new(4, Config::default());
    sim.broadcast("n0", 1); // The hub starts a round at once.
    sim.run_for(ms(50));
    // n3 has not heard of the round yet and has been quiet: it sends at once.
    sim.broadcast("n3", 2);
    sim.run_for(ms(70));
    // Now the round has reached n3, so this value waits for n3's answer.
    sim.broadcast("n3", 3);
    // The answers arrive one hold after the round's message, and the next round
    // must carry n3's, so value 3 is everywhere one hop after that.
    sim.run_for(ms(100 + 800 + 100 + 100 - 120 + 2 * TICK.as_millis() as u64));
    assert!(sim.everyone_has(&[1, 2, 3]));
}
// ANCHOR_END: test_early_message

#[test]
fn a_healthy_network_sends_no_message_without_news_or_acks_and_then_falls_silent() {
    let mut sim = Sim::new(6, Config::default());
    for value in 0..40 {
        sim.broadcast(&format!("n{}", value % 6), value);
        sim.run_for(ms(30));
    }
    sim.run_for(ms(5000));
    assert!(sim.everyone_has(&(0..40).collect::<Vec<_>>()));
    let mut seen: BTreeMap<(String, String), BTreeSet<u64>> = BTreeMap::new();
    for msg in &sim.log {
        let Payload::Gossip { messages, acks } = &msg.body.payload else {
            panic!("only gossip between nodes");
        };
        let link = seen.entry((msg.src.clone(), msg.dest.clone())).or_default();
        let news = messages.iter().any(|v| !link.contains(v));
        link.extend(messages);
        assert!(news || !acks.is_empty(), "a message for nothing: {msg:?}");
    }
    let before = sim.log.len();
    sim.run_for(ms(5000));
    assert_eq!(
        sim.log.len(),
        before,
        "everything is acknowledged: nothing to say"
    );
}

#[test]
fn values_cross_a_partition_once_it_heals() {
    let mut sim = Sim::new(5, Config::default());
    sim.cut_off.insert("n0".into());
    sim.broadcast("n1", 1);
    sim.broadcast("n0", 2);
    sim.run_for(ms(5000));
    assert_eq!(sim.values_on("n1"), &BTreeSet::from([1]));
    assert_eq!(sim.values_on("n2"), &BTreeSet::new());

    sim.cut_off.clear();
    sim.run_for(RETRY_AFTER + ms(100 + 100));
    assert!(sim.everyone_has(&[1, 2]));
}
