//! `worst-realtime-lag`: how far behind the newest acknowledged message a consumer was
//! (Jepsen's `realtime-lag`, informational only).
//!
//! Once some ok op has shown offset o of a key to exist, every offset up to o exists, so
//! offset o − 1 stopped being the newest message at that moment. A poll invoked at time t
//! whose highest offset for the key is h therefore lags by t − (the time offset h + 1 was
//! first known to exist), or 0. Jepsen keeps one time per raw offset in a vector; because
//! the known offsets only ever grow, the same information is a short list of steps
//! (offset reached, time), searched by bisection.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::log::{Body, KeyId, Log};
use crate::history::OpType;

pub fn worst_realtime_lag(log: &Log) -> Value {
    let known = known_offsets(log);
    let expired_at = |key: KeyId, offset: i64| -> Option<u64> {
        let steps = known.get(&key)?;
        let i = steps.partition_point(|(reached, _)| *reached < offset);
        steps.get(i).map(|(_, time)| *time)
    };
    // (lag, invoke time, process, key) of the worst poll so far.
    let mut worst: Option<(u64, u64, u64, KeyId)> = None;
    // Per process, the highest offset read per assigned key (-1: nothing yet).
    let mut reading: HashMap<u64, BTreeMap<KeyId, i64>> = HashMap::new();
    for op in log.ops.iter().filter(|op| op.kind == OpType::Ok) {
        match &op.body {
            Body::Assign { keys } => {
                let old = reading.remove(&op.process).unwrap_or_default();
                let new = keys
                    .iter()
                    .map(|k| (*k, old.get(k).copied().unwrap_or(-1)))
                    .collect();
                reading.insert(op.process, new);
            }
            Body::Poll { reads } => {
                let mine = reading.entry(op.process).or_default();
                for (k, pairs) in reads {
                    let highest = pairs.iter().map(|p| p.0).max().unwrap_or(-1);
                    let e = mine.entry(*k).or_insert(highest);
                    *e = (*e).max(highest);
                }
                for (k, offset) in mine.iter() {
                    let lag = expired_at(*k, offset.saturating_add(1))
                        .map_or(0, |t| op.invoke_time.saturating_sub(t));
                    if worst.is_none_or(|w| lag > w.0) {
                        worst = Some((lag, op.invoke_time, op.process, *k));
                    }
                }
            }
            _ => {}
        }
    }
    match worst {
        Some((lag, time, process, key)) => json!({
            "time": time as f64 / 1e9,
            "lag": lag as f64 / 1e9,
            "process": process,
            "key": log.key(key).name,
        }),
        None => json!({"time": 0, "lag": 0}),
    }
}

/// Per key, the steps (highest offset known to exist, since when), offsets increasing.
fn known_offsets(log: &Log) -> HashMap<KeyId, Vec<(i64, u64)>> {
    let mut known: HashMap<KeyId, Vec<(i64, u64)>> = HashMap::new();
    let mut note = |key: KeyId, offset: i64, time: u64| {
        let steps = known.entry(key).or_default();
        if steps.last().is_none_or(|(reached, _)| offset > *reached) {
            steps.push((offset, time));
        }
    };
    for op in log.ops.iter().filter(|op| op.kind == OpType::Ok) {
        match &op.body {
            Body::Send {
                key,
                offset: Some(offset),
                ..
            } => note(*key, *offset, op.time),
            Body::Poll { reads } => {
                for (key, pairs) in reads {
                    if let Some(highest) = pairs.iter().map(|p| p.0).max() {
                        note(*key, highest, op.time);
                    }
                }
            }
            _ => {}
        }
    }
    known
}
