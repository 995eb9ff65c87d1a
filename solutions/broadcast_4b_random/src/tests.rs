//! A cluster in memory, in synchronous rounds: every node calls its peers, the calls
//! arrive, the answers arrive, and the next round starts. Good enough to count rounds,
//! which is what the theory of epidemics is about.

use std::collections::{BTreeMap, BTreeSet};

use maelstrom::{Message, Node, Sent};

use super::*;

struct Cluster {
    servers: BTreeMap<String, (Server, Sent)>,
    /// A node whose messages, in and out, are dropped.
    cut_off: Option<String>,
}

impl Cluster {
    fn new(size: usize, config: Config) -> Cluster {
        let ids: Vec<String> = (0..size).map(|i| format!("n{i}")).collect();
        let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut servers = BTreeMap::new();
        for id in &ids {
            let (node, sent) = Node::in_memory(id, &id_refs);
            servers.insert(id.clone(), (Server::new(node, config.clone()), sent));
        }
        Cluster {
            servers,
            cut_off: None,
        }
    }

    fn broadcast(&mut self, node: &str, value: u64) {
        let request = Message::request("c1", node, 1, Payload::Broadcast { message: value });
        let (server, sent) = self.servers.get_mut(node).unwrap();
        server.handle(request).unwrap();
        sent.take::<Payload>();
    }

    fn dropped(&self, msg: &Message<Payload>) -> bool {
        let cut = self.cut_off.as_deref();
        cut == Some(msg.src.as_str()) || cut == Some(msg.dest.as_str())
    }

    /// Delivers `messages` and returns what the receivers sent in answer.
    fn deliver(&mut self, messages: Vec<Message<Payload>>) -> Vec<Message<Payload>> {
        let mut answers = Vec::new();
        for msg in messages {
            if self.dropped(&msg) {
                continue;
            }
            let (server, sent) = self.servers.get_mut(&msg.dest).unwrap();
            server.handle(msg).unwrap();
            answers.extend(sent.take::<Payload>());
        }
        answers
    }

    /// One round everywhere; returns how many messages went between nodes.
    fn round(&mut self) -> usize {
        let mut calls = Vec::new();
        for (server, sent) in self.servers.values_mut() {
            server.round().unwrap();
            calls.extend(sent.take::<Payload>());
        }
        let call_count = calls.len();
        let answers = self.deliver(calls);
        let count = call_count + answers.len();
        assert!(self.deliver(answers).is_empty(), "an answer was answered");
        count
    }

    fn nodes_with(&self, value: u64) -> usize {
        let has = |(server, _): &&(Server, Sent)| server.messages.contains(&value);
        self.servers.values().filter(has).count()
    }

    /// Rounds until every node has `value`, at most `limit`.
    fn rounds_to_spread(&mut self, value: u64, limit: usize) -> Option<usize> {
        (1..=limit).find(|_| {
            self.round();
            self.nodes_with(value) == self.servers.len()
        })
    }
}

fn config(mode: Mode) -> Config {
    Config {
        mode,
        ..Config::default()
    }
}

// ANCHOR: test_spread
#[test]
fn push_pull_reaches_25_nodes_in_a_few_rounds() {
    let mut cluster = Cluster::new(25, Config::default());
    cluster.broadcast("n7", 1);
    let rounds = cluster.rounds_to_spread(1, 50).expect("the value spread");
    // log2(25) is about 4.6; push-pull does better than doubling, but the last
    // nodes to hear take a round or two of luck.
    assert!((3..=8).contains(&rounds), "took {rounds} rounds");
}
// ANCHOR_END: test_spread

#[test]
fn every_mode_reaches_everyone_and_push_pull_is_fastest() {
    let mut rounds = Vec::new();
    for mode in [Mode::Push, Mode::Pull, Mode::PushPull] {
        let mut cluster = Cluster::new(25, config(mode));
        cluster.broadcast("n7", 1);
        let taken = cluster.rounds_to_spread(1, 50);
        rounds.push(taken.unwrap_or_else(|| panic!("{mode:?} did not spread the value")));
    }
    let (push, pull, push_pull) = (rounds[0], rounds[1], rounds[2]);
    assert!(push_pull <= push && push_pull <= pull, "{rounds:?}");
}

#[test]
fn more_fanout_means_fewer_rounds_and_more_messages() {
    let mut results = Vec::new();
    for fanout in [1, 3] {
        let mut cluster = Cluster::new(
            25,
            Config {
                fanout,
                ..Config::default()
            },
        );
        cluster.broadcast("n0", 1);
        let rounds = cluster.rounds_to_spread(1, 50).expect("the value spread");
        results.push((rounds, cluster.round()));
    }
    assert!(results[1].0 <= results[0].0, "{results:?}");
    assert!(results[1].1 > results[0].1, "{results:?}");
}

// ANCHOR: test_partition
#[test]
fn a_healed_partition_needs_no_retries() {
    let mut cluster = Cluster::new(5, Config::default());
    cluster.cut_off = Some("n2".into());
    cluster.broadcast("n2", 1);
    cluster.broadcast("n3", 2);
    for _ in 0..10 {
        cluster.round();
    }
    assert_eq!(cluster.nodes_with(1), 1, "only n2 has 1");
    assert_eq!(cluster.nodes_with(2), 4, "everyone but n2 has 2");

    // Nothing remembers what was lost. The next exchanges that reach n2 simply
    // find the difference and repair it.
    cluster.cut_off = None;
    for _ in 0..20 {
        cluster.round();
    }
    assert_eq!(cluster.nodes_with(1), 5);
    assert_eq!(cluster.nodes_with(2), 5);
}
// ANCHOR_END: test_partition

#[test]
fn an_exchange_with_nothing_new_is_not_answered() {
    let mut cluster = Cluster::new(3, Config::default());
    cluster.broadcast("n0", 1);
    cluster.rounds_to_spread(1, 50).expect("the value spread");
    // Three calls a round, forever, and no answers once everyone agrees.
    assert_eq!(cluster.round(), 3);
}

#[test]
fn reads_settings_from_arguments() {
    let args = ["fanout=2", "round-ms=250", "mode=pull"].map(String::from);
    let config = Config::from_args(args).unwrap();
    assert_eq!(config.fanout, 2);
    assert_eq!(config.round, Duration::from_millis(250));
    assert_eq!(config.mode, Mode::Pull);
    assert!(Config::from_args(["mode=shout".to_string()]).is_err());
    assert!(Config::from_args(["round-ms=0".to_string()]).is_err());
}

#[test]
fn picks_different_peers() {
    let mut rng = Rng(3);
    let items = [1, 2, 3, 4, 5];
    for _ in 0..100 {
        let picked: BTreeSet<_> = rng.pick(&items, 3).into_iter().collect();
        assert_eq!(picked.len(), 3);
    }
    assert_eq!(rng.pick(&items, 9).len(), 5);
}
