//! The kafka checker: Jepsen's kafka analysis as Maelstrom runs it.
//!
//! Source: `jepsen:jepsen/src/jepsen/tests/kafka.clj` (`analysis`, `checker`,
//! `allowed-error-types`, `condense-error`), with the options Maelstrom sets in
//! `src/maelstrom/workload/kafka.clj`: assign (not subscribe), no transactions, and no
//! write-write inference, so the only dependency cycles left are polls that read sends
//! invoked after they completed.
//!
//! Every anomaly but `int-send-skip` and the G0 family invalidates the run. Each type is
//! reported as `{"count": n, "errs": [examples]}` under Maelstrom's name (`unseen` has its
//! own shape), and explained in a sentence that names the operation, key and offsets.

mod lag;
mod log;

use std::collections::HashMap;

use serde_json::{Map, Value, json};

pub use self::log::assign_keys;
use self::log::{Body, KOp, KeyId, KeyLog, Log, MsgId, NONE};
use super::{Validity, Verdict};
use crate::history::{Op, OpType};

/// Anomalies Jepsen allows with Maelstrom's settings (`allowed-error-types`): write
/// isolation does not exist in this log model.
const ALLOWED: &[&str] = &[
    "int-send-skip",
    "G0",
    "G0-process",
    "G0-realtime",
    "PL-1-cycle-exists",
    "strong-PL-1-cycle-exists",
];

pub fn check(history: &[Op]) -> Verdict {
    let log = Log::from_history(history);
    let mut found = vec![
        inconsistent_offsets(&log),
        duplicates(&log),
        lost_writes(&log),
        nonmonotonic_sends(&log),
        aborted_reads(&log),
        future_reads(&log),
    ];
    found.extend(poll_skips(&log));
    found.extend(int_poll_skips(&log));
    found.retain(|f| !f.cases.is_empty());
    found.sort_by_key(|f| f.name);
    let unseen = unseen(&log);
    let phantoms = phantom_reads(&log);

    let mut error_types: Vec<&str> = found.iter().map(|f| f.name).collect();
    if unseen.is_some() {
        error_types.push("unseen");
    }
    error_types.sort_unstable();
    let bad: Vec<&str> = error_types
        .iter()
        .copied()
        .filter(|t| !ALLOWED.contains(t))
        .collect();
    let mut valid = Validity::from_bool(bad.is_empty());
    if !phantoms.cases.is_empty() {
        // Jepsen's checker throws `:no-writer-of-value` here (`wr-graph` in
        // `jepsen/tests/kafka.clj`), which Maelstrom reports as an analysis error: `valid?`
        // unknown and nothing else. The other anomalies stay listed (see the runner
        // chapter).
        valid = Validity::Unknown;
    }

    let mut verdict = Verdict::new(valid)
        .with("worst-realtime-lag", lag::worst_realtime_lag(&log))
        .with("bad-error-types", &bad)
        .with("error-types", &error_types)
        .with("info-txn-causes", &log.info_causes);
    verdict = verdict.explain(summary(&log));
    for f in &found {
        verdict = verdict
            .with(f.name, f.condensed())
            .explain(f.sentence(ALLOWED.contains(&f.name)));
    }
    if let Some((json, sentence)) = unseen {
        verdict = verdict.with("unseen", json).explain(sentence);
    }
    if !phantoms.cases.is_empty() {
        verdict = verdict
            .with("no-writer-of-value", phantoms.condensed())
            .explain(phantoms.sentence(false));
    }
    if !log.unparsed.is_empty() {
        verdict = verdict.explain(format!(
            "{} history entries did not have the kafka workload's shape and were skipped \
             (first: entry {}).",
            log.unparsed.len(),
            log.unparsed[0]
        ));
    }
    verdict
}

fn summary(log: &Log) -> String {
    let count = |f: &str, kind: OpType| {
        log.ops
            .iter()
            .filter(|op| op.f() == f && op.kind == kind)
            .count()
    };
    format!(
        "Checked {} ok sends and {} ok polls over {} keys ({} info, {} failed sends).",
        count("send", OpType::Ok),
        count("poll", OpType::Ok),
        log.keys.len(),
        count("send", OpType::Info),
        count("send", OpType::Fail),
    )
}

// ---------------------------------------------------------------------------------------
// Reporting

/// One instance of an anomaly.
struct Case {
    /// What `condense-error` sorts this type's examples by (a delta or a count).
    sort: i64,
    json: Value,
    text: String,
}

/// How `condense-error` picks the examples it prints.
#[derive(Clone, Copy)]
enum Pick {
    /// The first n by ascending sort key.
    Lowest(usize),
    /// The last n by ascending sort key.
    Highest(usize),
    /// The first n in history order (Jepsen prints them all; we cap the list).
    First(usize),
}

struct Found {
    name: &'static str,
    pick: Pick,
    /// What a learner should conclude, appended to the first example.
    lesson: &'static str,
    cases: Vec<Case>,
}

impl Found {
    fn new(name: &'static str, pick: Pick, lesson: &'static str) -> Found {
        Found {
            name,
            pick,
            lesson,
            cases: Vec::new(),
        }
    }

    fn examples(&self) -> Vec<&Case> {
        let mut cases: Vec<&Case> = self.cases.iter().collect();
        match self.pick {
            Pick::Lowest(n) => {
                cases.sort_by_key(|c| c.sort);
                cases.truncate(n);
            }
            Pick::Highest(n) => {
                cases.sort_by_key(|c| c.sort);
                cases.reverse();
                cases.truncate(n);
            }
            Pick::First(n) => cases.truncate(n),
        }
        cases
    }

    fn condensed(&self) -> Value {
        let errs: Vec<&Value> = self.examples().into_iter().map(|c| &c.json).collect();
        json!({"count": self.cases.len(), "errs": errs})
    }

    fn sentence(&self, allowed: bool) -> String {
        let first = self
            .examples()
            .first()
            .map(|c| c.text.as_str())
            .unwrap_or("");
        let note = if allowed { " (allowed)" } else { "" };
        format!(
            "{}{note}: {} case(s). For example, {first} — {}",
            self.name,
            self.cases.len(),
            self.lesson
        )
    }
}

fn messages(log: &KeyLog, msgs: &[MsgId]) -> Vec<Value> {
    msgs.iter().map(|m| log.value(*m).clone()).collect()
}

fn list(items: &[String]) -> String {
    const SHOWN: usize = 6;
    let mut s = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        s.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    s
}

// ---------------------------------------------------------------------------------------
// Detectors over the log

/// One offset, several messages (`version-orders` errors).
fn inconsistent_offsets(log: &Log) -> Found {
    let mut found = Found::new(
        "inconsistent-offsets",
        Pick::Lowest(32),
        "two sends were given the same offset, or polls disagree about what it holds.",
    );
    for key in &log.keys {
        for (i, here) in key.at.iter().enumerate().filter(|(_, h)| h.len() > 1) {
            let values = messages(key, here);
            let shown: Vec<String> = values.iter().map(Value::to_string).collect();
            found.cases.push(Case {
                sort: here.len() as i64,
                json: json!({"key": key.name, "offset": key.offsets[i], "index": i,
                    "values": values}),
                text: format!(
                    "key {}: offset {} holds {}",
                    key.name,
                    key.offsets[i],
                    shown.join(" and ")
                ),
            });
        }
    }
    found
}

/// One message at several offsets.
fn duplicates(log: &Log) -> Found {
    let mut found = Found::new(
        "duplicate",
        Pick::Lowest(32),
        "each message must be stored at exactly one offset (was a send applied twice?).",
    );
    for key in &log.keys {
        let mut seen_at: Vec<u32> = vec![0; key.len()];
        for here in &key.at {
            for &m in here {
                seen_at[m as usize] += 1;
            }
        }
        for (m, _) in seen_at.iter().enumerate().filter(|(_, n)| **n > 1) {
            let offsets: Vec<i64> = (key.first_index[m]..=key.last_index[m])
                .filter(|i| key.at[*i as usize].contains(&(m as MsgId)))
                .map(|i| key.offsets[i as usize])
                .collect();
            let shown: Vec<String> = offsets.iter().map(i64::to_string).collect();
            found.cases.push(Case {
                sort: offsets.len() as i64,
                json: json!({"key": key.name, "value": key.value(m as MsgId),
                    "count": offsets.len(), "offsets": offsets}),
                text: format!(
                    "key {}: message {} appears at offsets {}",
                    key.name,
                    key.value(m as MsgId),
                    shown.join(", ")
                ),
            });
        }
    }
    found
}

/// Messages below the highest offset anyone read that nobody read, sent by an ok send
/// (`lost-write-cases`).
fn lost_writes(log: &Log) -> Found {
    let mut found = Found::new(
        "lost-write",
        Pick::First(32),
        "an acknowledged send disappeared: polls moved past its offset without ever \
         returning it.",
    );
    for key in &log.keys {
        // The highest of the earliest indexes at which read messages appear.
        let bound = (0..key.len())
            .filter(|m| key.read[*m] && key.first_index[*m] != NONE)
            .map(|m| key.first_index[m])
            .max();
        let Some(bound) = bound else { continue };
        // Who read the message at the bound, to show that polls got that far.
        let max_read = key.at[bound as usize]
            .iter()
            .find_map(|m| log.ops.get(key.first_reader[*m as usize] as usize));
        for m in 0..key.len() {
            let last = key.last_index[m];
            if key.read[m] || last == NONE || last > bound {
                continue;
            }
            let Some(writer) = log.ops.get(key.writer[m] as usize) else {
                continue;
            };
            if !must_have_committed(key, writer, m as MsgId) {
                continue;
            }
            let m = m as MsgId;
            let reader = max_read
                .map(|r| format!(" ({})", r.describe()))
                .unwrap_or_default();
            found.cases.push(Case {
                sort: 0,
                json: json!({"key": key.name, "value": key.value(m),
                    "index": key.first_index[m as usize], "max-read-index": bound,
                    "writer": writer.to_json(), "max-read": max_read.map(KOp::to_json)}),
                text: format!(
                    "key {}: message {} was sent by {} but never returned by any poll, \
                     although polls read up to offset {}{reader}",
                    key.name,
                    key.describe(m),
                    writer.describe(),
                    key.offsets[bound as usize],
                ),
            });
        }
    }
    found
}

/// Jepsen's `must-have-committed?`: ok, or info but visibly read.
fn must_have_committed(key: &KeyLog, writer: &KOp, msg: MsgId) -> bool {
    match writer.kind {
        OpType::Ok => true,
        OpType::Info => key.read[msg as usize],
        _ => false,
    }
}

/// The order relation between two consecutive messages of a key: how many dense indexes
/// the second is after the first, when both have one.
fn delta(key: &KeyLog, from: MsgId, to: MsgId) -> Option<i64> {
    Some(key.index_of(to)? as i64 - key.index_of(from)? as i64)
}

/// The messages strictly between two dense indexes.
fn skipped(key: &KeyLog, from: MsgId, to: MsgId) -> Vec<MsgId> {
    match (key.index_of(from), key.index_of(to)) {
        (Some(a), Some(b)) => (a + 1..b).map(|i| key.at[i as usize][0]).collect(),
        _ => Vec::new(),
    }
}

/// Between consecutive ok polls of one process, per key: the next poll must start right
/// after where the previous one ended (`poll-skip+nonmonotonic-cases`). An assign keeps
/// only the keys it still names.
fn poll_skips(log: &Log) -> Vec<Found> {
    let mut skips = Found::new(
        "poll-skip",
        Pick::Highest(8),
        "a consumer's next poll must start right after the last message its previous \
         poll returned.",
    );
    let mut backwards = Found::new(
        "nonmonotonic-poll",
        Pick::Lowest(8),
        "a consumer's polls must keep moving forward through the log.",
    );
    // Per process, per key: the op that last read the key, and its last message then.
    let mut last: HashMap<u64, HashMap<KeyId, (usize, Option<MsgId>)>> = HashMap::new();
    for (i, op) in log.ops.iter().enumerate() {
        match &op.body {
            Body::Assign { keys } if op.kind != OpType::Fail => {
                last.entry(op.process)
                    .or_default()
                    .retain(|k, _| keys.contains(k));
            }
            Body::Poll { reads } if op.kind == OpType::Ok => {
                let mine = last.entry(op.process).or_default();
                for (k, pairs) in reads {
                    let key = log.key(*k);
                    let first = pairs.first().map(|p| p.1);
                    if let Some(&(prev_op, Some(prev))) = mine.get(k)
                        && let Some(first) = first
                        && let Some(d) = delta(key, prev, first)
                    {
                        let prev_op = &log.ops[prev_op];
                        let ops = json!([prev_op.to_json(), op.to_json()]);
                        let was = format!(
                            "{} polled key {} up to message {}, then {} started at message {}",
                            prev_op.describe(),
                            key.name,
                            key.describe(prev),
                            op.describe(),
                            key.describe(first)
                        );
                        if d > 1 {
                            let gone = skipped(key, prev, first);
                            let shown: Vec<String> =
                                gone.iter().map(|m| key.value(*m).to_string()).collect();
                            skips.cases.push(Case {
                                sort: d,
                                json: json!({"key": key.name, "delta": d,
                                    "skipped": messages(key, &gone), "ops": ops}),
                                text: format!("{was}, skipping message(s) {}", list(&shown)),
                            });
                        } else if d < 1 {
                            backwards.cases.push(Case {
                                sort: d,
                                json: json!({"key": key.name, "delta": d,
                                    "values": [key.value(prev), key.value(first)], "ops": ops}),
                                text: format!("{was}, {} back", 1 - d),
                            });
                        }
                    }
                    mine.insert(*k, (i, pairs.last().map(|p| p.1)));
                }
            }
            _ => {}
        }
    }
    vec![skips, backwards]
}

/// Within one poll's list for a key, consecutive messages must be consecutive in the log
/// (`int-poll-skip+nonmonotonic-cases`).
fn int_poll_skips(log: &Log) -> Vec<Found> {
    let mut skips = Found::new(
        "int-poll-skip",
        Pick::Highest(8),
        "one poll must return consecutive messages, with no gaps.",
    );
    let mut backwards = Found::new(
        "int-nonmonotonic-poll",
        Pick::Lowest(8),
        "one poll must return messages in log order, each once.",
    );
    for op in log.ops.iter().filter(|op| op.kind == OpType::Ok) {
        let Body::Poll { reads } = &op.body else {
            continue;
        };
        for (k, pairs) in reads {
            let key = log.key(*k);
            for w in pairs.windows(2) {
                let (a, b) = (w[0].1, w[1].1);
                let Some(d) = delta(key, a, b) else { continue };
                let was = format!(
                    "{} returned for key {} message {} followed by {}",
                    op.describe(),
                    key.name,
                    key.describe(a),
                    key.describe(b)
                );
                let json = |extra: (&str, Value)| {
                    let mut m = Map::new();
                    m.insert("key".into(), key.name.clone().into());
                    m.insert("values".into(), json!([key.value(a), key.value(b)]));
                    m.insert("delta".into(), d.into());
                    m.insert(extra.0.into(), extra.1);
                    m.insert("op".into(), op.to_json());
                    Value::Object(m)
                };
                if d > 1 {
                    let gone = skipped(key, a, b);
                    let shown: Vec<String> =
                        gone.iter().map(|m| key.value(*m).to_string()).collect();
                    skips.cases.push(Case {
                        sort: d,
                        json: json(("skipped", json!(messages(key, &gone)))),
                        text: format!("{was}, skipping message(s) {}", list(&shown)),
                    });
                } else if d < 1 {
                    backwards.cases.push(Case {
                        sort: d,
                        json: json(("skipped", json!([]))),
                        text: format!("{was}, which is not after it"),
                    });
                }
            }
        }
    }
    vec![skips, backwards]
}

/// One process's sends to a key must land at increasing offsets
/// (`nonmonotonic-send-cases`; ok and info sends, reset per key by assigns).
fn nonmonotonic_sends(log: &Log) -> Found {
    let mut found = Found::new(
        "nonmonotonic-send",
        Pick::Lowest(8),
        "a later send must get a later offset than the same client's earlier send.",
    );
    let mut last: HashMap<u64, HashMap<KeyId, (usize, MsgId)>> = HashMap::new();
    for (i, op) in log.ops.iter().enumerate() {
        if !matches!(op.kind, OpType::Ok | OpType::Info) {
            continue;
        }
        match &op.body {
            Body::Assign { keys } => {
                last.entry(op.process)
                    .or_default()
                    .retain(|k, _| keys.contains(k));
            }
            Body::Send { key: k, msg, .. } => {
                let mine = last.entry(op.process).or_default();
                let key = log.key(*k);
                if let Some(&(prev_op, prev)) = mine.get(k)
                    && let Some(d) = delta(key, prev, *msg)
                    && d < 1
                {
                    let prev_op = &log.ops[prev_op];
                    found.cases.push(Case {
                        sort: d,
                        json: json!({"key": key.name, "values": [key.value(prev), key.value(*msg)],
                            "delta": d, "ops": [prev_op.to_json(), op.to_json()]}),
                        text: format!(
                            "{} sent message {} to key {}, then {} sent message {}",
                            prev_op.describe(),
                            key.describe(prev),
                            key.name,
                            op.describe(),
                            key.describe(*msg)
                        ),
                    });
                }
                mine.insert(*k, (i, *msg));
            }
            _ => {}
        }
    }
    found
}

/// Ok polls returning messages whose send failed (`g1a-cases`).
fn aborted_reads(log: &Log) -> Found {
    let mut found = Found::new(
        "G1a",
        Pick::First(32),
        "a send that reported failure must have had no effect.",
    );
    for_each_read(log, |op, key, msg| {
        if key.failed[msg as usize] {
            let writer = log.ops.get(key.writer[msg as usize] as usize);
            found.cases.push(Case {
                sort: 0,
                json: json!({"key": key.name, "value": key.value(msg),
                    "writer": writer.map(KOp::to_json), "reader": op.to_json()}),
                text: format!(
                    "{} returned message {} of key {}, whose send failed",
                    op.describe(),
                    key.describe(msg),
                    key.name
                ),
            });
        }
    });
    found
}

/// Polls that read a send invoked after the poll completed. With Maelstrom's settings
/// Elle's graph for kafka has only write-read edges (send → poll) and real-time edges, and
/// every cycle in it contains such a pair, so looking for the pairs finds exactly the
/// histories Elle reports as `G1c-realtime`.
fn future_reads(log: &Log) -> Found {
    let mut found = Found::new(
        "G1c-realtime",
        Pick::First(8),
        "a poll returned a message from the future: the message's send had not even \
         started when the poll completed.",
    );
    for_each_read(log, |op, key, msg| {
        let Some(writer) = log.ops.get(key.writer[msg as usize] as usize) else {
            return;
        };
        if op.time < writer.invoke_time {
            found.cases.push(Case {
                sort: 2,
                json: json!({"cycle": [writer.to_json(), op.to_json()],
                    "steps": [{"type": "wr", "key": key.name, "value": key.value(msg)},
                              {"type": "realtime"}]}),
                text: format!(
                    "{} completed at {:.3} s having returned message {} of key {}, \
                     but {} that sent it was invoked only at {:.3} s",
                    op.describe(),
                    op.time as f64 / 1e9,
                    key.describe(msg),
                    key.name,
                    writer.describe(),
                    writer.invoke_time as f64 / 1e9
                ),
            });
        }
    });
    found
}

/// Ok polls returning messages no client ever sent.
fn phantom_reads(log: &Log) -> Found {
    let mut found = Found::new(
        "no-writer-of-value",
        Pick::First(8),
        "polls may only return messages clients sent. Maelstrom's checker stops with an \
         error on such a history, so the result is unknown.",
    );
    for_each_read(log, |op, key, msg| {
        if key.writer[msg as usize] == NONE {
            found.cases.push(Case {
                sort: 0,
                json: json!({"key": key.name, "value": key.value(msg), "reader": op.to_json()}),
                text: format!(
                    "{} returned message {} of key {}, which no client sent",
                    op.describe(),
                    key.describe(msg),
                    key.name
                ),
            });
        }
    });
    found
}

/// Calls `f` for every message every ok poll returned.
fn for_each_read(log: &Log, mut f: impl FnMut(&KOp, &KeyLog, MsgId)) {
    for op in log.ops.iter().filter(|op| op.kind == OpType::Ok) {
        if let Body::Poll { reads } = &op.body {
            for (k, pairs) in reads {
                let key = log.key(*k);
                for &(_, msg) in pairs {
                    f(op, key, msg);
                }
            }
        }
    }
}

/// Messages acknowledged by an ok send that no ok poll ever returned (`unseen`), with
/// the time of the last ok send or poll.
fn unseen(log: &Log) -> Option<(Value, String)> {
    let time = log
        .ops
        .iter()
        .filter(|op| {
            op.kind == OpType::Ok && matches!(op.body, Body::Send { .. } | Body::Poll { .. })
        })
        .map(|op| op.time)
        .next_back()?;
    let mut by_key: HashMap<KeyId, Vec<&Value>> = HashMap::new();
    for op in log.ops.iter().filter(|op| op.kind == OpType::Ok) {
        if let Body::Send { key: k, msg, .. } = op.body
            && !log.key(k).read[msg as usize]
        {
            by_key.entry(k).or_default().push(log.key(k).value(msg));
        }
    }
    let mut unseen: Vec<(&KeyLog, Vec<&Value>)> = by_key
        .into_iter()
        .map(|(k, msgs)| (log.key(k), msgs))
        .collect();
    if unseen.is_empty() {
        return None;
    }
    unseen.sort_by(|a, b| key_order(&a.0.name, &b.0.name));
    let total: usize = unseen.iter().map(|(_, m)| m.len()).sum();
    let mut counts = Map::new();
    let mut shown = Map::new();
    let mut parts = Vec::new();
    for (key, msgs) in &mut unseen {
        msgs.sort_by(|a, b| json_order(a, b));
        counts.insert(key.name.clone(), msgs.len().into());
        shown.insert(
            key.name.clone(),
            json!(msgs.iter().take(32).collect::<Vec<_>>()),
        );
        let texts: Vec<String> = msgs.iter().map(|m| m.to_string()).collect();
        parts.push(format!("key {}: {}", key.name, list(&texts)));
    }
    const KEYS_SHOWN: usize = 5;
    let mut shown_keys = parts[..parts.len().min(KEYS_SHOWN)].join("; ");
    if parts.len() > KEYS_SHOWN {
        shown_keys.push_str(&format!("; and {} more keys", parts.len() - KEYS_SHOWN));
    }
    let sentence = format!(
        "unseen: {total} acknowledged message(s) were never returned by any poll \
         ({shown_keys}) — by the end of the final polls every acknowledged message must \
         be readable."
    );
    Some((
        json!({"time": time, "unseen": counts, "messages": shown}),
        sentence,
    ))
}

/// Keys that look like numbers sort numerically.
fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    (a.len(), a).cmp(&(b.len(), b))
}

fn json_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

#[cfg(test)]
mod tests;
