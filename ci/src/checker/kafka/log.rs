//! The history of a kafka run, parsed once into dense tables the detectors share.
//!
//! Jepsen's checker (`jepsen:jepsen/src/jepsen/tests/kafka.clj`, `version-orders`) keeps
//! each key's log as a vector indexed by raw offset, which explodes when a node hands out
//! huge or sparse offsets. Here a log is a hash map from offset to messages while the
//! history is read, then one sorted vector: a message's *dense index* is its position
//! among the offsets that hold anything. Messages are interned per key as `u32`s, so every
//! later question ("where does this message sit?", "was it ever read?") is an array lookup.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::checker::intern::Interner;
use crate::history::{Op, OpType, Process};

/// Index of a message within its key.
pub type MsgId = u32;
/// Index of a key.
pub type KeyId = u32;
/// "No such index".
pub const NONE: u32 = u32::MAX;

/// One completed client operation of the kafka workload.
#[derive(Debug)]
pub struct KOp {
    /// The completion's position in the history.
    pub index: usize,
    pub process: u64,
    pub kind: OpType,
    pub invoke_time: u64,
    pub time: u64,
    pub body: Body,
}

#[derive(Debug)]
pub enum Body {
    /// A send; the offset is known only for ok sends.
    Send {
        key: KeyId,
        msg: MsgId,
        offset: Option<i64>,
    },
    /// A poll; only ok polls have reads (the others carry the request).
    Poll {
        reads: Vec<(KeyId, Vec<(i64, MsgId)>)>,
    },
    Assign {
        keys: Vec<KeyId>,
    },
    Crash,
}

impl KOp {
    pub fn f(&self) -> &'static str {
        match self.body {
            Body::Send { .. } => "send",
            Body::Poll { .. } => "poll",
            Body::Assign { .. } => "assign",
            Body::Crash => "crash",
        }
    }

    /// How results name an operation: enough to find it in `history.jsonl`.
    pub fn to_json(&self) -> Value {
        json!({
            "index": self.index,
            "time": self.time,
            "type": self.kind,
            "process": self.process,
            "f": self.f(),
        })
    }

    /// "op 1234 (process 5, ok send)".
    pub fn describe(&self) -> String {
        let kind = serde_json::to_value(self.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        format!(
            "op {} (process {}, {kind} {})",
            self.index,
            self.process,
            self.f()
        )
    }
}

/// Everything known about one key.
#[derive(Debug, Default)]
pub struct KeyLog {
    pub name: String,
    /// The key's messages, by id.
    msgs: Interner,
    /// Offset → messages seen there (ok polls and ok sends), while reading the history.
    slots: HashMap<i64, Slot>,

    /// Per message: the last completed op that tried to send it (Jepsen's `writer-of`).
    pub writer: Vec<u32>,
    /// Per message: some failed send sent it.
    pub failed: Vec<bool>,
    /// Per message: some ok poll returned it.
    pub read: Vec<bool>,
    /// Per message: the first ok poll that returned it, or [`NONE`].
    pub first_reader: Vec<u32>,

    /// Dense index → offset, ascending.
    pub offsets: Vec<i64>,
    /// Dense index → every message seen at that offset (usually one).
    pub at: Vec<Vec<MsgId>>,
    /// Message → the dense index where it is the offset's representative (the first
    /// message seen there; Jepsen's `:by-value`), or [`NONE`].
    pub by_value: Vec<u32>,
    /// Message → its first and last dense index in the log, or [`NONE`].
    pub first_index: Vec<u32>,
    pub last_index: Vec<u32>,
}

#[derive(Debug)]
struct Slot {
    first: MsgId,
    more: Vec<MsgId>,
}

impl KeyLog {
    fn intern(&mut self, msg: &Value) -> MsgId {
        let id = self.msgs.intern(msg);
        if id as usize == self.writer.len() {
            self.writer.push(NONE);
            self.failed.push(false);
            self.read.push(false);
            self.first_reader.push(NONE);
        }
        id
    }

    fn observe(&mut self, offset: i64, msg: MsgId) {
        match self.slots.get_mut(&offset) {
            None => {
                self.slots.insert(
                    offset,
                    Slot {
                        first: msg,
                        more: Vec::new(),
                    },
                );
            }
            Some(slot) if slot.first != msg && !slot.more.contains(&msg) => slot.more.push(msg),
            Some(_) => {}
        }
    }

    /// Turns the offset map into the dense tables.
    fn finish(&mut self) {
        let mut slots: Vec<(i64, Slot)> = std::mem::take(&mut self.slots).into_iter().collect();
        slots.sort_unstable_by_key(|(offset, _)| *offset);
        let n = self.msgs.len();
        self.by_value = vec![NONE; n];
        self.first_index = vec![NONE; n];
        self.last_index = vec![NONE; n];
        for (i, (offset, slot)) in slots.into_iter().enumerate() {
            let i = i as u32;
            self.by_value[slot.first as usize] = i;
            let mut here = vec![slot.first];
            here.extend(slot.more);
            for &m in &here {
                if self.first_index[m as usize] == NONE {
                    self.first_index[m as usize] = i;
                }
                self.last_index[m as usize] = i;
            }
            self.offsets.push(offset);
            self.at.push(here);
        }
    }

    pub fn value(&self, msg: MsgId) -> &Value {
        self.msgs.get(msg)
    }

    /// How many distinct messages the key has; ids are `0..len()`.
    pub fn len(&self) -> usize {
        self.msgs.len()
    }

    /// The dense index of a message for order comparisons, if it has one.
    pub fn index_of(&self, msg: MsgId) -> Option<u32> {
        Some(self.by_value[msg as usize]).filter(|i| *i != NONE)
    }

    /// "12 (offset 3)", or "12 (offset unknown)".
    pub fn describe(&self, msg: MsgId) -> String {
        match self.first_index[msg as usize] {
            NONE => format!("{} (offset unknown)", self.value(msg)),
            i => format!("{} (offset {})", self.value(msg), self.offsets[i as usize]),
        }
    }
}

/// The parsed history.
#[derive(Debug, Default)]
pub struct Log {
    pub keys: Vec<KeyLog>,
    key_ids: HashMap<String, KeyId>,
    /// Completed send/poll/assign/crash ops in history order.
    pub ops: Vec<KOp>,
    /// `error` values of info sends and polls (Jepsen's `info-txn-causes`).
    pub info_causes: Vec<Value>,
    /// Entries whose value did not have the workload's shape.
    pub unparsed: Vec<usize>,
}

impl Log {
    pub fn key(&self, key: KeyId) -> &KeyLog {
        &self.keys[key as usize]
    }

    fn key_id(&mut self, name: &str) -> KeyId {
        if let Some(id) = self.key_ids.get(name) {
            return *id;
        }
        let id = self.keys.len() as KeyId;
        self.key_ids.insert(name.to_string(), id);
        self.keys.push(KeyLog {
            name: name.to_string(),
            ..KeyLog::default()
        });
        id
    }

    pub fn from_history(history: &[Op]) -> Log {
        let mut log = Log::default();
        let mut invoked: HashMap<Process, u64> = HashMap::new();
        for op in history {
            let Process::Client(process) = op.process else {
                continue;
            };
            if op.kind == OpType::Invoke {
                invoked.insert(op.process, op.time);
                continue;
            }
            let invoke_time = invoked.remove(&op.process).unwrap_or(op.time);
            let Some(body) = log.parse(op) else {
                if matches!(op.f.as_str(), "send" | "poll" | "assign") {
                    log.unparsed.push(op.index);
                }
                continue;
            };
            if op.kind == OpType::Info
                && matches!(body, Body::Send { .. } | Body::Poll { .. })
                && let Some(error) = &op.error
                && !log.info_causes.contains(error)
            {
                log.info_causes.push(error.clone());
            }
            let at = log.ops.len() as u32;
            log.record(&body, op.kind, at);
            log.ops.push(KOp {
                index: op.index,
                process,
                kind: op.kind,
                invoke_time,
                time: op.time,
                body,
            });
        }
        for key in &mut log.keys {
            key.finish();
        }
        log
    }

    fn parse(&mut self, op: &Op) -> Option<Body> {
        let mop = || op.value.get(0)?.as_array();
        match op.f.as_str() {
            "crash" => Some(Body::Crash),
            "assign" => {
                let (keys, _) = assign_keys(&op.value)?;
                let keys = keys.iter().map(|k| self.key_id(k)).collect();
                Some(Body::Assign { keys })
            }
            "send" => match mop()?.as_slice() {
                [_, Value::String(key), sent] => {
                    let key = self.key_id(key);
                    // ok: `[offset, msg]`; otherwise the bare message asked for.
                    let (offset, msg) = match (op.kind, sent.as_array().map(Vec::as_slice)) {
                        (OpType::Ok, Some([offset, msg])) => (Some(offset.as_i64()?), msg),
                        (OpType::Ok, _) => return None,
                        _ => (None, sent),
                    };
                    let msg = self.keys[key as usize].intern(msg);
                    Some(Body::Send { key, msg, offset })
                }
                _ => None,
            },
            "poll" if op.kind != OpType::Ok => Some(Body::Poll { reads: Vec::new() }),
            "poll" => {
                let msgs = mop()?.get(1)?.as_object()?;
                let mut reads = Vec::with_capacity(msgs.len());
                for (name, pairs) in msgs {
                    let key = self.key_id(name);
                    let log = &mut self.keys[key as usize];
                    let mut read = Vec::new();
                    for pair in pairs.as_array()? {
                        let [offset, msg] = pair.as_array()?.as_slice() else {
                            return None;
                        };
                        read.push((offset.as_i64()?, log.intern(msg)));
                    }
                    reads.push((key, read));
                }
                Some(Body::Poll { reads })
            }
            _ => None,
        }
    }

    /// Feeds one op into the per-key tables.
    fn record(&mut self, body: &Body, kind: OpType, at: u32) {
        match body {
            Body::Send { key, msg, offset } => {
                let log = &mut self.keys[*key as usize];
                log.writer[*msg as usize] = at;
                if kind == OpType::Fail {
                    log.failed[*msg as usize] = true;
                }
                // Only ok sends know their offset. (Jepsen also uses info sends proven
                // visible, but an info send carries no offset, so it adds nothing.)
                if let Some(offset) = offset {
                    log.observe(*offset, *msg);
                }
            }
            Body::Poll { reads } => {
                for (key, pairs) in reads {
                    let log = &mut self.keys[*key as usize];
                    for &(offset, msg) in pairs {
                        if !log.read[msg as usize] {
                            log.read[msg as usize] = true;
                            log.first_reader[msg as usize] = at;
                        }
                        log.observe(offset, msg);
                    }
                }
            }
            Body::Assign { .. } | Body::Crash => {}
        }
    }
}

/// The keys of an assign op, and whether it seeks to the beginning. A final-phase assign
/// is written `{"keys": [..], "seek-to-beginning?": true}` (the kafka workload's client
/// reads it with this too).
pub fn assign_keys(value: &Value) -> Option<(Vec<String>, bool)> {
    let strings = |v: &Value| -> Option<Vec<String>> {
        v.as_array()?
            .iter()
            .map(|k| k.as_str().map(str::to_string))
            .collect()
    };
    match value {
        Value::Array(_) => Some((strings(value)?, false)),
        Value::Object(map) => {
            let seek = map.get("seek-to-beginning?").and_then(Value::as_bool)?;
            Some((strings(map.get("keys")?)?, seek))
        }
        _ => None,
    }
}
