use serde_json::{Value, json};

use super::labels::label;
use super::*;
use crate::viz::Options;

fn journal(lines: &[Value]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn ev(kind: &str, id: u64, ms: f64, src: &str, dest: &str, body: Value) -> Value {
    json!({"type": kind, "id": id, "time": (ms * 1e6) as i64, "src": src, "dest": dest,
           "body": body})
}

/// Two nodes and a client: init, an echo round trip, a gossip message delivered, one
/// dropped, and an error reply.
fn small_run() -> String {
    journal(&[
        ev(
            "send",
            0,
            -5.0,
            "c0",
            "n0",
            json!({"type": "init", "msg_id": 1}),
        ),
        ev(
            "recv",
            0,
            -5.0,
            "c0",
            "n0",
            json!({"type": "init", "msg_id": 1}),
        ),
        ev(
            "send",
            1,
            1.0,
            "c1",
            "n0",
            json!({"type": "echo", "echo": "hi", "msg_id": 1}),
        ),
        ev(
            "recv",
            1,
            1.0,
            "c1",
            "n0",
            json!({"type": "echo", "echo": "hi", "msg_id": 1}),
        ),
        ev(
            "send",
            2,
            2.0,
            "n0",
            "n1",
            json!({"type": "gossip", "ids": [1, 2]}),
        ),
        ev(
            "send",
            3,
            2.5,
            "n1",
            "n0",
            json!({"type": "gossip", "ids": [3]}),
        ),
        ev(
            "recv",
            2,
            102.0,
            "n0",
            "n1",
            json!({"type": "gossip", "ids": [1, 2]}),
        ),
        ev(
            "drop",
            3,
            2.5,
            "n1",
            "n0",
            json!({"type": "gossip", "ids": [3]}),
        ),
        ev(
            "send",
            4,
            300.0,
            "n0",
            "c1",
            json!({"type": "error", "code": 11, "text": "busy", "in_reply_to": 1}),
        ),
        ev(
            "recv",
            4,
            300.0,
            "n0",
            "c1",
            json!({"type": "error", "code": 11, "text": "busy", "in_reply_to": 1}),
        ),
    ])
}

fn diagram(journal: &str, opts: &Options) -> Diagram {
    Diagram::read(journal.as_bytes(), &[], opts).unwrap()
}

fn count(svg: &str, needle: &str) -> usize {
    svg.matches(needle).count()
}

/// The arrows only, without the legend.
fn arrows(svg: &str) -> &str {
    let start = svg.find(r#"<g class="messages">"#).unwrap();
    let end = svg.find(r#"<g class="labels">"#).unwrap();
    &svg[start..end]
}

#[test]
fn draws_lanes_arrows_crosses_and_errors() {
    let d = diagram(&small_run(), &Options::default());
    assert_eq!(d.message_count(), 4, "init is left out by default");
    let svg = d.to_svg("test");
    // Clients first, then nodes.
    let c1 = svg.find(">c1</text>").unwrap();
    let n0 = svg.find(">n0</text>").unwrap();
    let n1 = svg.find(">n1</text>").unwrap();
    assert!(c1 < n0 && n0 < n1);
    assert!(!svg.contains(">c0</text>"), "c0 only sent init");
    assert_eq!(count(&svg, r#"class="lane""#), 2);
    assert_eq!(count(&svg, r#"class="lane client-lane""#), 1);
    // One arrowhead per delivered message, one cross per dropped one.
    let arrows = arrows(&svg);
    assert_eq!(count(arrows, "<line "), 4);
    assert_eq!(count(arrows, r#"marker-end="url(#head-"#), 3);
    assert_eq!(count(arrows, r#"class="cross""#), 1);
    assert_eq!(count(arrows, r#"<g class="error">"#), 1);
    assert_eq!(count(arrows, r#"<g class="client">"#), 1);
    assert_eq!(count(arrows, r#"<g class="server">"#), 1);
    assert!(svg.contains("echo echo=&quot;hi&quot;"));
    assert!(svg.contains("gossip ids=[1,2]"));
    assert!(svg.contains("error 11 busy"));
    assert!(svg.contains("n1 → n0 (dropped by a partition)"));
    // The legend names what the diagram shows, and only that.
    assert!(svg.contains(">dropped by a partition</text>"));
    assert!(!svg.contains(">to or from a service</text>"));
    assert!(!svg.contains(">partition</text>"));
    // The 100 ms latency of the gossip and the 200 ms pause are shortened and marked.
    assert!(svg.contains("+198 ms"));
    assert!(!svg.contains(r#"class="notice""#));
}

#[test]
fn compact_diagrams_share_one_client_lane() {
    let opts = Options {
        compact: true,
        with_init: true,
        ..Options::default()
    };
    let svg = diagram(&small_run(), &opts).to_svg("t");
    assert!(svg.contains(">clients</text>"));
    assert_eq!(
        count(&svg, ">clients</text>"),
        1,
        "no caption over the merged lane"
    );
    assert!(!svg.contains(">c0</text>") && !svg.contains(">c1</text>"));
    assert_eq!(count(&svg, r#"class="lane client-lane""#), 1);
    assert_eq!(count(arrows(&svg), "<line "), 5);
    assert!(svg.contains(r#"width="820""#));
}

#[test]
fn replies_to_departed_clients_are_told_apart_from_partitions() {
    let j = journal(&[
        ev(
            "send",
            1,
            1.0,
            "n0",
            "c3",
            json!({"type": "read_ok", "in_reply_to": 4}),
        ),
        json!({"type": "drop", "id": 1, "time": 1_000_000, "src": "n0", "dest": "c3",
               "body": {"type": "read_ok"}, "reason": "unknown-dest"}),
    ]);
    let svg = diagram(&j, &Options::default()).to_svg("t");
    assert_eq!(count(arrows(&svg), r#"<g class="gone">"#), 1);
    assert_eq!(count(arrows(&svg), r#"class="cross""#), 1);
    assert!(svg.contains("1 to a recipient that had left"));
    assert!(svg.contains(">dropped: recipient had left</text>"));
    assert!(!svg.contains("dropped by partitions"));
}

#[test]
fn many_clients_share_one_lane() {
    let lines: Vec<Value> = (0..12)
        .flat_map(|i| {
            let body = json!({"type": "read"});
            let client = format!("c{i}");
            [
                ev("send", i, i as f64, &client, "n0", body.clone()),
                ev("recv", i, i as f64, &client, "n0", body),
            ]
        })
        .collect();
    let svg = diagram(&journal(&lines), &Options::default()).to_svg("t");
    assert_eq!(count(&svg, r#"class="lane client-lane""#), 1);
    assert!(svg.contains(">clients</text>"));
    assert!(svg.contains("c11 → n0"), "tooltips still name the client");
    let few = journal(&lines[..20]);
    let svg = diagram(&few, &Options::default()).to_svg("t");
    assert_eq!(count(&svg, r#"class="lane client-lane""#), 10);
}

#[test]
fn init_can_be_included() {
    let opts = Options {
        with_init: true,
        ..Options::default()
    };
    let d = diagram(&small_run(), &opts);
    assert_eq!(d.message_count(), 5);
    assert!(d.to_svg("t").contains(">c0</text>"));
}

#[test]
fn window_keeps_messages_sent_in_it_and_their_fate() {
    let opts = Options {
        window: Window {
            from_ms: Some(1.5),
            to_ms: Some(50.0),
        },
        ..Options::default()
    };
    let d = diagram(&small_run(), &opts);
    // The two gossip messages; the delivery at 102 ms is kept although it is later.
    assert_eq!(d.message_count(), 2);
    assert_eq!(d.events.len(), 4);
    let svg = d.to_svg("t");
    assert!(svg.contains("from 1.5 ms to 50 ms"));
    assert!(!svg.contains(">c1</text>"));
}

#[test]
fn truncation_is_announced() {
    let opts = Options {
        max_messages: 1,
        ..Options::default()
    };
    let d = diagram(&small_run(), &opts);
    assert_eq!(d.message_count(), 1);
    assert_eq!(d.omitted, 3);
    let svg = d.to_svg("t");
    assert_eq!(count(&svg, r#"class="notice""#), 2, "top and bottom");
    assert!(svg.contains("Only the first 1 messages are drawn: 3 more"));
}

#[test]
fn undelivered_messages_are_counted_not_drawn() {
    let j = journal(&[ev("send", 7, 1.0, "n0", "n1", json!({"type": "gossip"}))]);
    let d = diagram(&j, &Options::default());
    assert_eq!(d.in_flight, 1);
    let svg = d.to_svg("t");
    assert!(svg.contains("1 messages were still in flight"));
    assert_eq!(count(arrows(&svg), "<line "), 0);
}

#[test]
fn partitions_are_shaded() {
    let p = Partition {
        start: 1_800_000,
        end: Some(150_000_000),
        shape: "one".into(),
        grudge: serde_json::from_value(json!({"n0": ["n1"], "n1": ["n0"]})).unwrap(),
    };
    let d = Diagram::read(small_run().as_bytes(), &[p], &Options::default()).unwrap();
    let svg = d.to_svg("t");
    assert_eq!(count(&svg, r#"class="partition""#), 2, "band + legend");
    assert_eq!(count(&svg, r#"class="cut-off""#), 1);
    assert!(svg.contains("partition: one: n0 | n1"));
}

#[test]
fn bad_lines_are_named() {
    let err =
        Diagram::read("{\"type\":\"send\"}\n".as_bytes(), &[], &Options::default()).unwrap_err();
    assert!(format!("{err:#}").contains("line 1: not a journal event"));
}

#[test]
fn labels_fit_their_arrows() {
    let body = json!({"type": "broadcast_ok", "msg_id": 3, "in_reply_to": 2});
    assert_eq!(label(&body, 500.0), "broadcast_ok");
    let body = json!({"type": "read_ok", "messages": (0..100).collect::<Vec<_>>()});
    assert_eq!(label(&body, 1000.0).chars().count(), 48);
    assert_eq!(label(&body, 60.0), "read_ok …");
    assert!(label(&body, 0.0).starts_with("read_ok"));
}
