use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::value::to_raw_value;
use serde_json::{Value, json};

use super::journal::{Journal, NetStats};
use super::*;
use crate::clock::Clock;

fn draws(dist: LatencyDist, mean_ms: f64, seed: u64, n: usize) -> Vec<u64> {
    let latency = Latency { dist, mean_ms };
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|_| latency.draw(&mut rng).as_millis() as u64)
        .collect()
}

fn mean(xs: &[u64]) -> f64 {
    xs.iter().sum::<u64>() as f64 / xs.len() as f64
}

#[test]
fn constant_latency_is_the_mean() {
    assert!(
        draws(LatencyDist::Constant, 100.0, 1, 100)
            .iter()
            .all(|&ms| ms == 100)
    );
    assert!(
        draws(LatencyDist::Constant, 0.0, 1, 10)
            .iter()
            .all(|&ms| ms == 0)
    );
}

#[test]
fn uniform_latency_covers_zero_to_twice_the_mean_exclusive() {
    let xs = draws(LatencyDist::Uniform, 10.0, 2, 20_000);
    assert_eq!(*xs.iter().min().unwrap(), 0);
    assert_eq!(*xs.iter().max().unwrap(), 19);
    assert!((mean(&xs) - 9.5).abs() < 0.2, "{}", mean(&xs));
    assert!(
        draws(LatencyDist::Uniform, 0.0, 2, 10)
            .iter()
            .all(|&ms| ms == 0)
    );
}

#[test]
fn exponential_latency_has_the_mean_truncated_to_whole_ms() {
    let xs = draws(LatencyDist::Exponential, 100.0, 3, 20_000);
    // Truncation lowers the mean by about half a millisecond.
    assert!((mean(&xs) - 99.5).abs() < 3.0, "{}", mean(&xs));
    assert!(xs.iter().any(|&ms| ms > 300));
    assert!(
        draws(LatencyDist::Exponential, 0.0, 3, 10)
            .iter()
            .all(|&ms| ms == 0)
    );
}

#[test]
fn the_same_seed_draws_the_same_latencies() {
    for dist in [LatencyDist::Uniform, LatencyDist::Exponential] {
        assert_eq!(draws(dist, 50.0, 9, 100), draws(dist, 50.0, 9, 100));
        assert_ne!(draws(dist, 50.0, 9, 100), draws(dist, 50.0, 10, 100));
    }
}

/// A network without a journal file, with `latency` ms of constant latency.
fn network(latency: f64) -> (Network, NetworkThreads) {
    let journal = Journal {
        path: None,
        clock: Arc::new(Clock::new()),
        log_send: false,
        log_recv: false,
    };
    let latency = Latency {
        dist: LatencyDist::Constant,
        mean_ms: latency,
    };
    Network::start(latency, 1, journal)
}

fn body(v: Value) -> Box<RawValue> {
    to_raw_value(&v).unwrap()
}

fn line(src: &str, dest: &str, n: u64) -> String {
    json!({"src": src, "dest": dest, "body": {"type": "x", "n": n}}).to_string()
}

fn stop(net: Network, threads: NetworkThreads) -> NetStats {
    let stats = threads.stop(&net);
    drop(net);
    stats
}

#[test]
fn clients_see_no_latency_servers_see_the_configured_one() {
    // A whole second of latency, so the bounds below leave room for a busy machine
    // while still telling "none" from "the configured one" apart.
    let (net, threads) = network(1000.0);
    let n0 = net.register("n0");
    let n1 = net.register("n1");
    let (c0, _c0_inbox) = net.open_client();
    assert_eq!(c0, "c0");

    let sent = Instant::now();
    net.send(&c0, "n0", body(json!({"type": "echo"}))).unwrap();
    n0.recv_timeout(Duration::from_secs(2)).unwrap();
    assert!(sent.elapsed() < Duration::from_millis(500));

    let sent = Instant::now();
    net.send_line(&line("n0", "n1", 1)).unwrap();
    let packet = n1.recv_timeout(Duration::from_secs(3)).unwrap();
    let waited = sent.elapsed();
    // Maelstrom sleeps whole milliseconds, rounded down: up to one early.
    assert!(waited >= Duration::from_millis(999), "{waited:?}");
    assert!(waited < Duration::from_millis(1500), "{waited:?}");
    // What the node reads: a fresh id first, then src, dest and the body as written.
    assert_eq!(
        packet.to_line(),
        "{\"id\":1,\"src\":\"n0\",\"dest\":\"n1\",\"body\":{\"n\":1,\"type\":\"x\"}}\n"
    );
    stop(net, threads);
}

#[test]
fn constant_latency_delivers_in_send_order() {
    let (net, threads) = network(5.0);
    let _n0 = net.register("n0");
    let n1 = net.register("n1");
    for n in 0..200 {
        net.send_line(&line("n0", "n1", n)).unwrap();
    }
    let ids: Vec<u64> = (0..200)
        .map(|_| n1.recv_timeout(Duration::from_secs(1)).unwrap().id)
        .collect();
    assert_eq!(ids, (0..200).collect::<Vec<_>>());
    stop(net, threads);
}

#[test]
fn a_grudge_drops_server_messages_one_way_and_never_client_traffic() {
    let (net, threads) = network(0.0);
    let n0 = net.register("n0");
    let n1 = net.register("n1");
    let kv = net.register("lin-kv");
    let (c0, _c0_inbox) = net.open_client();
    let grudge = [("n1".to_string(), ["n0".to_string()].into())].into();
    net.set_grudge(grudge);

    net.send_line(&line("n0", "n1", 1)).unwrap(); // dropped
    net.send_line(&line("n1", "n0", 2)).unwrap();
    net.send(&c0, "n1", body(json!({"type": "read"}))).unwrap();
    net.send_line(&line("n0", "lin-kv", 3)).unwrap();
    let from = |mailbox: &Mailbox| {
        mailbox
            .recv_timeout(Duration::from_secs(1))
            .unwrap()
            .src
            .clone()
    };
    assert_eq!(from(&n0), "n1");
    assert_eq!(from(&n1), "c0");
    assert_eq!(from(&kv), "n0");
    assert!(n1.recv_timeout(Duration::from_millis(50)).is_none());

    net.heal();
    net.send_line(&line("n0", "n1", 4)).unwrap();
    assert_eq!(from(&n1), "n0");

    let stats = stop(net, threads);
    assert_eq!(stats.dropped_partition, 1);
    // A dropped message was sent, so it counts, but it was never received.
    assert_eq!(stats.all.msg_count, 5);
    assert_eq!(stats.all.recv_count, 4);
    assert_eq!(stats.clients.msg_count, 1);
    assert_eq!(stats.servers.msg_count, 4);
    assert_eq!(stats.servers.recv_count, 3);
}

#[test]
fn lines_are_checked_before_they_are_sent() {
    let (net, threads) = network(0.0);
    let _n0 = net.register("n0");
    let (c0, c0_inbox) = net.open_client();
    let err = |line: &str| net.send_line(line).unwrap_err();
    assert!(matches!(err("hello"), LineError::NotJson(_)));
    assert!(matches!(
        err(r#"{"src":"n0","dest":"c0"}"#),
        LineError::Malformed(_)
    ));
    assert!(matches!(
        err(r#"{"src":"n0","dest":"c0","body":{},"extra":1}"#),
        LineError::Malformed(e) if e.contains("extra")
    ));
    assert!(matches!(
        err(r#"{"src":5,"dest":"c0","body":{}}"#),
        LineError::Malformed(_)
    ));
    assert_eq!(
        err(&line("n9", "c0", 0)),
        LineError::UnknownSrc("n9".into())
    );
    assert_eq!(
        err(&line("n0", "n7", 0)),
        LineError::UnknownDest("n7".into())
    );
    assert_eq!(
        err(&line("n0", "c5", 0)),
        LineError::UnknownDest("c5".into())
    );
    // An `id` of the node's own is allowed and replaced.
    net.send_line(r#"{"id":77,"src":"n0","dest":"c0","body":{"type":"ok"}}"#)
        .unwrap();
    assert_eq!(c0_inbox.recv_timeout(Duration::from_secs(1)).unwrap().id, 0);

    // A late reply to a client that is gone is dropped, not an error.
    drop(c0_inbox);
    net.unregister(&c0);
    net.send_line(&line("n0", "c0", 1)).unwrap();
    let stats = stop(net, threads);
    assert_eq!(stats.dropped_unknown_dest, 1);
    assert_eq!(stats.all.msg_count, 2);
}

#[test]
fn messages_to_a_node_that_left_are_dropped_not_refused() {
    let journal = Journal {
        path: None,
        clock: Arc::new(Clock::new()),
        log_send: false,
        log_recv: false,
    };
    let (net, threads) = Network::start(Latency::zero(), 1, journal);
    let _n0 = net.register("n0");
    let _n1 = net.register("n1");
    net.unregister("n0");
    let line = r#"{"src":"n1","dest":"n0","body":{"type":"gossip"}}"#;
    assert!(net.send_line(line).is_ok());
    let never = r#"{"src":"n1","dest":"n7","body":{"type":"gossip"}}"#;
    assert!(matches!(
        net.send_line(never),
        Err(LineError::UnknownDest(_))
    ));
    threads.stop(&net);
}

/// Maelstrom's `recv!` (`src/maelstrom/net.clj`) takes the earliest message, then sleeps
/// until its deadline: a message that arrives during that sleep waits, even one with no
/// latency at all.
#[test]
fn a_message_waits_behind_the_one_being_delivered() {
    let (net, threads) = network(500.0);
    let _n0 = net.register("n0");
    let n1 = net.register("n1");
    let (c0, _c0_inbox) = net.open_client();
    let start = Instant::now();
    net.send_line(&line("n0", "n1", 1)).unwrap();
    let delivered = std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let first = n1.recv().unwrap();
            let second = n1.recv().unwrap();
            (first.src.clone(), second.src.clone(), start.elapsed())
        });
        // Once the reader holds n0's message, a client's request comes in.
        while n1.queued() > 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
        net.send(&c0, "n1", body(json!({"type": "read"}))).unwrap();
        reader.join().unwrap()
    });
    assert_eq!((delivered.0.as_str(), delivered.1.as_str()), ("n0", "c0"));
    assert!(
        delivered.2 >= Duration::from_millis(499),
        "{:?}",
        delivered.2
    );
    stop(net, threads);
}

/// The partition is checked when a message reaches the head of its queue, not when it is
/// sent: a message queued behind another is dropped by a partition that starts
/// meanwhile, and one sent during a partition that heals before its turn gets through.
#[test]
fn partitions_are_checked_at_the_head_of_the_queue() {
    let (net, threads) = network(200.0);
    let _n0 = net.register("n0");
    let n1 = net.register("n1");
    let _n2 = net.register("n2");
    let cut = || [("n1".to_string(), ["n0".to_string()].into())].into();

    net.send_line(&line("n2", "n1", 1)).unwrap();
    net.send_line(&line("n0", "n1", 2)).unwrap();
    net.set_grudge(cut());
    assert_eq!(n1.recv().unwrap().src, "n2");
    assert!(n1.recv_timeout(Duration::from_millis(300)).is_none());

    net.send_line(&line("n0", "n1", 3)).unwrap();
    net.heal();
    assert_eq!(n1.recv().unwrap().src, "n0");

    let stats = stop(net, threads);
    assert_eq!(stats.dropped_partition, 1);
}
