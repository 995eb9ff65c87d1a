//! A single-node kafka-style log with optional, deliberate faults.

use std::collections::HashMap;
use std::sync::mpsc::Receiver;

use serde_json::{Map, Value, json};

use super::{Node, kind};

/// What the log does wrong, every `EVERY`th time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// A send gets the same offset as the send before it, and overwrites it.
    ReuseOffset,
    /// A send is acknowledged with an offset but never stored.
    LoseAcked,
    /// A poll starts one message after the offset asked for.
    SkipPoll,
    /// A send is stored, but answered with a definite error (11, temporarily
    /// unavailable), which promises it did not happen.
    FailStoredSend,
    /// A send is stored, but its `send_ok` gives the offset as a string, which does
    /// not fit the reply's schema.
    MalformedSendOk,
    /// A `commit_offsets` is answered with a definite error (22, precondition failed, as
    /// when a compare-and-set in lin-kv loses), a few times, each time after a poll that
    /// continued where the same client's last committed poll of a key ended and returned
    /// just one of the messages waiting there: so that client's next poll of the key
    /// starts past a message no successful poll of its returned.
    FailCommit,
}

const EVERY: u64 = 8;
/// How many commits [`Fault::FailCommit`] fails.
const FAILED_COMMITS: u64 = 20;

#[derive(Debug, Default)]
struct Log {
    /// Per key, (offset, message) in offset order.
    entries: HashMap<String, Vec<(i64, Value)>>,
    next: HashMap<String, i64>,
    committed: HashMap<String, i64>,
    sends: u64,
    polls: u64,
    /// For [`Fault::FailCommit`]: per (client, key), the offset the client last
    /// committed; the clients whose next commit fails; how many failed.
    committed_by: HashMap<(String, String), i64>,
    fail_next_commit: Vec<String>,
    failed_commits: u64,
}

impl Log {
    fn send(&mut self, key: &str, msg: Value, fault: Fault) -> i64 {
        self.sends += 1;
        let faulty = self.sends.is_multiple_of(EVERY);
        let next = self.next.entry(key.to_string()).or_insert(0);
        let entries = self.entries.entry(key.to_string()).or_default();
        if faulty && fault == Fault::ReuseOffset && *next > 0 {
            let offset = *next - 1;
            if let Some(last) = entries.last_mut() {
                *last = (offset, msg);
            }
            return offset;
        }
        let offset = *next;
        *next += 1;
        if !(faulty && fault == Fault::LoseAcked) {
            entries.push((offset, msg));
        }
        offset
    }

    fn poll(&mut self, client: &str, offsets: &Map<String, Value>, fault: Fault) -> Value {
        self.polls += 1;
        let skip = usize::from(fault == Fault::SkipPoll && self.polls.is_multiple_of(EVERY));
        let mut msgs = Map::new();
        for (key, from) in offsets {
            let from = from.as_i64().unwrap_or(0);
            let Some(entries) = self.entries.get(key) else {
                continue;
            };
            let start = entries.partition_point(|(o, _)| *o < from);
            let mut waiting = &entries[start..];
            let continues =
                self.committed_by.get(&(client.into(), key.clone())) == Some(&(from - 1));
            if fault == Fault::FailCommit
                && self.failed_commits < FAILED_COMMITS
                && continues
                && waiting.len() >= 2
                && !self.fail_next_commit.iter().any(|c| c == client)
            {
                waiting = &waiting[..1];
                self.fail_next_commit.push(client.to_string());
                self.failed_commits += 1;
            }
            let pairs: Vec<Value> = waiting
                .iter()
                .skip(skip)
                .map(|(o, m)| json!([o, m]))
                .collect();
            msgs.insert(key.clone(), pairs.into());
        }
        Value::Object(msgs)
    }
}

/// An error reply with a definite code.
fn error(code: u64) -> Value {
    json!({"type": "error", "code": code, "text": "deliberately failed"})
}

/// Serves send, poll, commit_offsets and list_committed_offsets until stdin closes.
pub fn serve(node: &Node, inbox: Receiver<Value>, fault: Fault) {
    let mut log = Log::default();
    for message in inbox {
        let body = &message["body"];
        let client = message["src"].as_str().unwrap_or_default();
        let reply = match kind(&message) {
            "send" => {
                let key = body["key"].as_str().unwrap_or_default();
                let offset = log.send(key, body["msg"].clone(), fault);
                let faulty = log.sends.is_multiple_of(EVERY);
                if fault == Fault::FailStoredSend && faulty {
                    error(11)
                } else if fault == Fault::MalformedSendOk && faulty {
                    json!({"type": "send_ok", "offset": offset.to_string()})
                } else {
                    json!({"type": "send_ok", "offset": offset})
                }
            }
            "poll" => {
                let offsets = body["offsets"].as_object().cloned().unwrap_or_default();
                let msgs = log.poll(client, &offsets, fault);
                json!({"type": "poll_ok", "msgs": msgs})
            }
            "commit_offsets" => {
                if let Some(i) = log.fail_next_commit.iter().position(|c| c == client) {
                    log.fail_next_commit.remove(i);
                    node.reply(&message, error(22));
                    continue;
                }
                for (key, offset) in body["offsets"].as_object().into_iter().flatten() {
                    let offset = offset.as_i64().unwrap_or(0);
                    let committed = log.committed.entry(key.clone()).or_insert(0);
                    *committed = (*committed).max(offset);
                    log.committed_by
                        .insert((client.to_string(), key.clone()), offset);
                }
                json!({"type": "commit_offsets_ok"})
            }
            "list_committed_offsets" => {
                let mut offsets = Map::new();
                for key in body["keys"].as_array().into_iter().flatten() {
                    let key = key.as_str().unwrap_or_default();
                    if let Some(offset) = log.committed.get(key) {
                        offsets.insert(key.to_string(), (*offset).into());
                    }
                }
                json!({"type": "list_committed_offsets_ok", "offsets": offsets})
            }
            _ => continue,
        };
        node.reply(&message, reply);
    }
}
