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
            let server = Server::new(node, config.clone(), now);
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
                server.tick(self.now).unwrap();
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
    let config = args(&["shape=given", "batch-ms=40", "leaf-batch-ms=7"]).unwrap();
    assert_eq!(config.shape, Shape::Given);
    assert_eq!((config.batch, config.leaf_batch), (ms(40), ms(7)));
    for bad in ["shape=ring", "batch-ms=soon", "speed=9", "star"] {
        assert!(args(&[bad]).is_err(), "{bad} should be refused");
    }
}

// ANCHOR: test_two_hops
#[test]
fn a_leaf_value_reaches_the_other_leaves_in_two_hops_and_one_batch() {
    let mut sim = Sim::new(4, Config::default());
    sim.broadcast("n1", 7);
    // One hop: the leaf sent at once, so the hub has it after one latency.
    sim.run_for(ms(100));
    assert!(sim.values_on("n0").contains(&7));
    assert!(sim.values_on("n2").is_empty());
    // The hub waits for the end of its batch (200 ms at most), then one more hop.
    sim.run_for(ms(200 + 100));
    assert!(sim.everyone_has(&[7]));
}
// ANCHOR_END: test_two_hops

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

// ANCHOR: test_partition
#[test]
fn values_cross_a_partition_once_it_heals() {
    let mut sim = Sim::new(5, Config::default());
    sim.cut_off.insert("n0".into()); // the hub itself
    sim.broadcast("n1", 1);
    sim.broadcast("n0", 2);
    sim.run_for(ms(5000));
    assert_eq!(sim.values_on("n1"), &BTreeSet::from([1]));
    assert_eq!(sim.values_on("n2"), &BTreeSet::new());

    sim.cut_off.clear();
    // The next retry, one hop, one batch, one more hop.
    sim.run_for(RETRY_AFTER + ms(100 + 200 + 100));
    assert!(sim.everyone_has(&[1, 2]));
}
// ANCHOR_END: test_partition

#[test]
fn other_shapes_deliver_everything_too() {
    let line = || {
        let topology = (0..5)
            .map(|i: usize| {
                let ids = [i.checked_sub(1), Some(i + 1).filter(|&j| j < 5)];
                let ids = ids.into_iter().flatten().map(|j| format!("n{j}")).collect();
                (format!("n{i}"), ids)
            })
            .collect();
        Payload::Topology { topology }
    };
    for shape in [Shape::Given, Shape::Direct] {
        let config = Config {
            shape,
            ..Config::default()
        };
        let mut sim = Sim::new(5, config);
        for id in 0..5 {
            let id = format!("n{id}");
            let (server, _) = sim.servers.get_mut(&id).unwrap();
            server
                .handle(Message::request("c0", &id, 1, line()), sim.now)
                .unwrap();
        }
        sim.broadcast("n0", 1);
        sim.broadcast("n4", 2);
        sim.run_for(ms(2000));
        assert!(sim.everyone_has(&[1, 2]), "{shape:?}");
    }
}
