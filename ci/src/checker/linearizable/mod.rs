//! The linearizability checker of the `lin-kv` workload: each key is a compare-and-set
//! register, checked on its own.
//!
//! Maelstrom's `src/maelstrom/workload/lin_kv.clj` takes its checker from Jepsen's
//! `jepsen/src/jepsen/tests/linearizable_register.clj`: Jepsen's `independent/checker`
//! (`jepsen/src/jepsen/independent.clj`) splits the history by key and runs
//! `checker/linearizable` (`jepsen/src/jepsen/checker.clj`, Knossos with a
//! `cas-register` model) on each key's operations. The run is valid when every key is;
//! `results` holds each key's result and `failures` the keys that are not valid. (Each
//! key's result in Maelstrom also has a `timeline`, and an invalid key a `linear.svg`;
//! the runner writes neither and explains the key in words: see the runner chapter,
//! src/runner.md.)
//!
//! Before the search, each key's operations are prepared as Knossos's
//! `src/knossos/history.clj` (`preprocess`) does: a failed operation never happened and
//! is dropped; an `ok` read contributes the value it returned; an operation that crashed
//! (`info`, or never answered) may take effect at any time after its invocation, or
//! never. A crashed read has no value, so it constrains nothing and is dropped too.
//!
//! The search ([`wgl`]) remembers every configuration it reaches; it gives up after
//! [`SEARCH_LIMIT`] configurations on one key, and that key's verdict is `unknown`
//! (Knossos answers `:unknown` when it runs out of memory or time).

pub mod wgl;

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::intern::Interner;
use super::{RunInfo, Validity, Verdict};
use crate::history::{Op, OpType, Process, pairs};
use wgl::{Action, Call, NIL, Outcome, Stuck};

/// The most configurations the search explores on one key before answering `unknown`.
/// Each costs some tens of bytes, so the bound also caps the checker's memory.
pub const SEARCH_LIMIT: usize = 1_000_000;

/// How many failing keys the summary explains in full.
const EXPLAINED_KEYS: usize = 3;

/// The final paths kept per failing key, as Jepsen keeps 10.
const MAX_PATHS: usize = 10;

/// One key's operations, ready for the search.
struct KeyOps<'a> {
    key: Value,
    values: Interner,
    calls: Vec<Call>,
    /// Each call's invocation and completion (`None`: never answered).
    ops: Vec<(&'a Op, Option<&'a Op>)>,
}

impl KeyOps<'_> {
    fn value(&self, v: wgl::Value) -> &Value {
        if v == NIL {
            &Value::Null
        } else {
            self.values.get(v)
        }
    }
}

/// Sorts keys as Jepsen's sorted map does: numbers by value, before anything else.
fn key_order(key: &Value) -> (u8, i64, String) {
    match key.as_i64() {
        Some(i) => (0, i, String::new()),
        None => (1, 0, key.to_string()),
    }
}

/// The name of a key in `results`: its number, or its JSON text.
fn key_name(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Splits the history's `read`, `write` and `cas` operations by key (their values are
/// `[key, value]`), preparing each as Knossos does.
fn split(history: &[Op]) -> Vec<KeyOps<'_>> {
    let mut keys: BTreeMap<(u8, i64, String), KeyOps<'_>> = BTreeMap::new();
    for pair in pairs(history) {
        let invoke = pair.invoke;
        let Some([key, requested]) = invoke.value.as_array().map(Vec::as_slice) else {
            continue;
        };
        if !matches!(invoke.f.as_str(), "read" | "write" | "cas") {
            continue;
        }
        let ops = keys.entry(key_order(key)).or_insert_with(|| {
            let mut values = Interner::default();
            values.intern(&Value::Null); // id 0: NIL
            KeyOps {
                key: key.clone(),
                values,
                calls: Vec::new(),
                ops: Vec::new(),
            }
        });
        let completion = pair.completion;
        let kind = completion.map_or(OpType::Info, |c| c.kind);
        let crashed = kind == OpType::Info;
        let action = match (invoke.f.as_str(), kind) {
            (_, OpType::Fail | OpType::Invoke) | ("read", OpType::Info) => None,
            ("read", _) => {
                // The ok read's value is the second half of `[key, value]`.
                let done = completion.map_or(&Value::Null, |c| &c.value);
                let seen = done.get(1).unwrap_or(done);
                Some(Action::Read(
                    (!seen.is_null()).then(|| ops.values.intern(seen)),
                ))
            }
            ("write", _) => Some(Action::Write(ops.values.intern(requested))),
            _ => match requested.as_array().map(Vec::as_slice) {
                Some([from, to]) => Some(Action::Cas {
                    from: ops.values.intern(from),
                    to: ops.values.intern(to),
                }),
                _ => None,
            },
        };
        let Some(action) = action else {
            continue;
        };
        ops.calls.push(Call {
            action,
            invoked: invoke.index,
            returned: if crashed {
                None
            } else {
                completion.map(|c| c.index)
            },
        });
        ops.ops.push((invoke, completion));
    }
    keys.into_values().collect()
}

/// The lin-kv workload's checker: every key of the history checked for
/// linearizability, exploring at most [`SEARCH_LIMIT`] configurations per key.
pub fn check(history: &[Op], run: &RunInfo) -> Verdict {
    check_bounded(history, run, SEARCH_LIMIT)
}

/// [`check`], exploring at most `limit` configurations per key. `run` names the node a
/// client process talks to.
pub fn check_bounded(history: &[Op], run: &RunInfo, limit: usize) -> Verdict {
    let keys = split(history);
    let mut results = Map::new();
    let mut failures = Vec::new();
    let mut not_linearizable = Vec::new();
    let mut unknown = Vec::new();
    let mut valid = Validity::Valid;
    let mut explanations = Vec::new();
    let (mut checked, mut crashed) = (0, 0);
    for ops in &keys {
        checked += ops.calls.len();
        crashed += ops.calls.iter().filter(|c| c.returned.is_none()).count();
        let name = key_name(&ops.key);
        let outcome = wgl::search(&ops.calls, limit);
        let result = match &outcome {
            Outcome::Valid { state, explored } => json!({
                "valid?": true,
                "model": {"value": ops.value(*state)},
                "analyzer": "wgl",
                "configs-explored": explored,
            }),
            Outcome::Invalid(stuck) => {
                failures.push(name.clone());
                not_linearizable.push(name.clone());
                if not_linearizable.len() <= EXPLAINED_KEYS {
                    explanations.push(explain_stuck(ops, stuck, history, run));
                }
                invalid_result(ops, stuck)
            }
            Outcome::Unknown { explored, reached } => {
                failures.push(name.clone());
                unknown.push(name.clone());
                explanations.push(explain_unknown(ops, *explored, *reached, limit));
                json!({
                    "valid?": "unknown",
                    "cause": "search-limit",
                    "configs-explored": explored,
                    "search-limit": limit,
                })
            }
        };
        let key_valid = match outcome {
            Outcome::Valid { .. } => Validity::Valid,
            Outcome::Invalid(_) => Validity::Invalid,
            Outcome::Unknown { .. } => Validity::Unknown,
        };
        valid = valid.and(key_valid);
        results.insert(name, json!({"valid?": key_valid, "linearizable": result}));
    }

    let verdict_words = match (not_linearizable.as_slice(), unknown.as_slice()) {
        ([], []) => "every key is linearizable".to_string(),
        ([], undecided) => format!("undecided: {} (see below)", keys_named(undecided)),
        (wrong, _) => format!("not linearizable: {}", keys_named(wrong)),
    };
    let mut verdict = Verdict::new(valid)
        .with("results", results)
        .with("failures", &failures)
        .explain(format!(
            "linearizability, key by key (a compare-and-set register per key): {}, \
             {checked} operations, {crashed} of them crashed (info: they may or may not have \
             taken effect); {verdict_words}",
            plural(keys.len(), "key"),
        ));
    for line in explanations {
        verdict = verdict.explain(line);
    }
    if not_linearizable.len() > EXPLAINED_KEYS {
        verdict = verdict.explain(
            "(the other keys that are not linearizable are explained in results.json, \
             under workload.results)",
        );
    }
    verdict
}

/// `key 3`, `keys 0, 4`.
fn keys_named(keys: &[String]) -> String {
    match keys {
        [one] => format!("key {one}"),
        many => format!("keys {}", many.join(", ")),
    }
}

/// `1 key`, `3 keys`.
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// An operation as Knossos renders one, with its value for this key alone.
fn render(op: &Op) -> Value {
    let value = op.value.get(1).cloned().unwrap_or(Value::Null);
    json!({
        "process": op.process,
        "type": op.kind,
        "f": op.f,
        "value": value,
        "index": op.index,
        "time": op.time,
    })
}

/// The completion of call `i` if it has one, else its invocation.
fn last_entry<'a>(ops: &KeyOps<'a>, i: usize) -> &'a Op {
    let (invoke, completion) = ops.ops[i];
    completion.unwrap_or(invoke)
}

/// The calls open when call `stuck` completed (Knossos's `concurrent-ops-at`): invoked
/// before its completion and not completed before it; crashed calls stay open.
fn concurrent(ops: &KeyOps<'_>, stuck: usize) -> Vec<usize> {
    let end = ops.calls[stuck].returned.unwrap_or(usize::MAX);
    (0..ops.calls.len())
        .filter(|&i| i != stuck)
        .filter(|&i| {
            let c = &ops.calls[i];
            c.invoked < end && c.returned.is_none_or(|r| r > end)
        })
        .collect()
}

/// A step of a final path: the register after an action, or why the action could not
/// happen.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    To(wgl::Value),
    Impossible(String),
}

/// Paths from the furthest configurations: the register's value, then some of the
/// concurrent calls in some order, then the stuck call, each applied until one cannot
/// happen (Knossos's `final-paths-for-config`). Shortest first, at most `MAX_PATHS`.
fn final_paths(ops: &KeyOps<'_>, stuck: &Stuck) -> Vec<(wgl::Value, Vec<(usize, Step)>)> {
    let open = concurrent(ops, stuck.call);
    let mut paths = Vec::new();
    let mut states: Vec<wgl::Value> = Vec::new();
    for (state, done) in &stuck.configs {
        let pending: Vec<usize> = open.iter().copied().filter(|i| !done.contains(i)).collect();
        if states.contains(state) {
            continue;
        }
        states.push(*state);
        // Orders of 0, 1, 2, … pending calls, then the stuck one.
        let mut orders: Vec<Vec<usize>> = vec![Vec::new()];
        while !orders.is_empty() && paths.len() < MAX_PATHS {
            for order in &orders {
                let mut path = Vec::new();
                let mut register = *state;
                for &i in order.iter().chain([&stuck.call]) {
                    match ops.calls[i].action.step(register) {
                        Some(next) => {
                            register = next;
                            path.push((i, Step::To(next)));
                        }
                        None => {
                            path.push((i, Step::Impossible(impossible(ops, i, register))));
                            break;
                        }
                    }
                }
                // Only paths that end at the stuck call explain it.
                if path.last().is_some_and(|(i, _)| *i == stuck.call)
                    && !paths.contains(&(*state, path.clone()))
                {
                    paths.push((*state, path));
                    if paths.len() == MAX_PATHS {
                        break;
                    }
                }
            }
            orders = orders
                .iter()
                .flat_map(|order| {
                    pending
                        .iter()
                        .filter(|i| !order.contains(i))
                        .map(|&i| [order.as_slice(), &[i]].concat())
                        .collect::<Vec<_>>()
                })
                .take(1000)
                .collect();
        }
    }
    paths
}

/// Why `action` cannot happen to a register holding `register`, in Knossos's words.
fn impossible(ops: &KeyOps<'_>, i: usize, register: wgl::Value) -> String {
    let held = ops.value(register);
    match ops.calls[i].action {
        Action::Read(v) => format!(
            "can't read {} from register {held}",
            ops.value(v.unwrap_or(NIL))
        ),
        Action::Cas { from, to } => format!(
            "can't CAS {held} from {} to {}",
            ops.value(from),
            ops.value(to)
        ),
        Action::Write(_) => String::new(), // a write always can
    }
}

fn invalid_result(ops: &KeyOps<'_>, stuck: &Stuck) -> Value {
    let op = last_entry(ops, stuck.call);
    // The ok just before it in completion order (Knossos's `previous-ok`).
    let end = ops.calls[stuck.call].returned;
    let previous = (0..ops.calls.len())
        .filter(|&i| ops.calls[i].returned.is_some() && ops.calls[i].returned < end)
        .max_by_key(|&i| ops.calls[i].returned)
        .map(|i| render(last_entry(ops, i)));
    let paths: Vec<Value> = final_paths(ops, stuck)
        .into_iter()
        .map(|(state, steps)| {
            let mut path = vec![json!({"model": {"value": ops.value(state)}})];
            for (i, step) in steps {
                let model = match step {
                    Step::To(v) => json!({"value": ops.value(v)}),
                    Step::Impossible(why) => json!({"inconsistent": why}),
                };
                path.push(json!({"op": render(last_entry(ops, i)), "model": model}));
            }
            Value::Array(path)
        })
        .collect();
    let configs: Vec<Value> = stuck
        .configs
        .iter()
        .take(MAX_PATHS)
        .map(|(state, done)| {
            json!({
                "model": {"value": ops.value(*state)},
                "linearized-concurrent": done.iter()
                    .map(|&i| render(last_entry(ops, i)))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "valid?": false,
        "op": render(op),
        "previous-ok": previous,
        "final-paths": paths,
        "configs": configs,
        "analyzer": "wgl",
        "configs-explored": stuck.explored,
    })
}

/// `read 2`, `write 3`, `cas 3→1`.
fn describe_action(ops: &KeyOps<'_>, action: Action) -> String {
    match action {
        Action::Read(v) => format!("read {}", ops.value(v.unwrap_or(NIL))),
        Action::Write(v) => format!("write {}", ops.value(v)),
        Action::Cas { from, to } => {
            format!("cas {}→{}", ops.value(from), ops.value(to))
        }
    }
}

fn seconds(op: &Op) -> String {
    format!("{:.3} s", op.time as f64 / 1e9)
}

/// `the read 2 by process 3 (on n0), invoked at 1.234 s, ok at 1.240 s`.
fn describe_call(ops: &KeyOps<'_>, i: usize, run: &RunInfo) -> String {
    let (invoke, completion) = ops.ops[i];
    let who = match invoke.process {
        Process::Client(p) => format!("process {p} (on {})", run.performer(invoke)),
        Process::Nemesis => "the nemesis".into(),
    };
    let ended = match completion {
        Some(c) if c.kind == OpType::Ok => format!("ok at {}", seconds(c)),
        Some(c) => format!(
            "info at {}: it may or may not have taken effect",
            seconds(c)
        ),
        None => "never answered: it may or may not have taken effect".into(),
    };
    format!(
        "the {} by {who}, invoked at {}, {ended}",
        describe_action(ops, ops.calls[i].action),
        seconds(invoke)
    )
}

/// Explains a key that is not linearizable, in the order a learner reads it: the
/// operation no order can include, how far the orders got, what was concurrent, and an
/// example of the dead end.
fn explain_stuck(ops: &KeyOps<'_>, stuck: &Stuck, history: &[Op], run: &RunInfo) -> String {
    let key = key_name(&ops.key);
    let call = &ops.calls[stuck.call];
    let mut text = format!(
        "key {key} is not linearizable: no order of its operations can include {}.",
        describe_call(ops, stuck.call, run)
    );
    let end = call.returned;
    let before = ops
        .calls
        .iter()
        .filter(|c| c.returned.is_some() && c.returned < end)
        .count();
    let mut states: Vec<String> = stuck
        .configs
        .iter()
        .map(|(s, _)| ops.value(*s).to_string())
        .collect();
    states.dedup();
    let holds = match states.as_slice() {
        [one] => format!("the register then holds {one}"),
        many => format!("the register then holds one of {}", many.join(", ")),
    };
    text.push_str(&format!(
        "\n    The {before} operations that completed before it fit one order, and {holds}."
    ));
    let open = concurrent(ops, stuck.call);
    if open.is_empty() {
        text.push_str(" No other operation was in flight.");
    } else {
        let listed: Vec<String> = open
            .iter()
            .take(6)
            .map(|&i| describe_call(ops, i, run))
            .collect();
        text.push_str(&format!(
            "\n    In flight with it, in any order: {}{}.",
            listed.join("; "),
            if open.len() > 6 {
                format!("; and {} more", open.len() - 6)
            } else {
                String::new()
            }
        ));
    }
    if let Some((state, path)) = final_paths(ops, stuck).first() {
        let mut words = vec![format!("register {}", ops.value(*state))];
        for (i, step) in path {
            let action = describe_action(ops, ops.calls[*i].action);
            words.push(match step {
                Step::To(v) => format!("{action} → {}", ops.value(*v)),
                Step::Impossible(why) => format!("{action}: {why}"),
            });
        }
        text.push_str(&format!("\n    For example: {}.", words.join(", then ")));
    }
    let (invoke, _) = ops.ops[stuck.call];
    if let Some((since, grudge)) = partition_at(history, invoke.time) {
        text.push_str(&format!(
            "\n    A partition was in force when it began (since {since:.3} s; who cannot \
             hear whom: {grudge})."
        ));
    }
    if let Action::Read(Some(v)) = call.action
        && let Some(w) = held_earlier(ops, stuck, v)
    {
        text.push_str(&format!(
            "\n    It read {}, which the key held earlier (stored by {}): a stale read, as \
             from a node answering from a copy that missed later changes, or an \
             acknowledged write or cas that never took effect.",
            ops.value(v),
            describe_call(ops, w, run)
        ));
    }
    text
}

/// The partition in force at `time` (ns), if any: when it began (s) and its grudge,
/// from the nemesis entries (`start-partition` … `["isolated", grudge]`).
fn partition_at(history: &[Op], time: u64) -> Option<(f64, Value)> {
    let mut current = None;
    for op in history.iter().filter(|op| op.process == Process::Nemesis) {
        if op.time > time {
            break;
        }
        match (op.f.as_str(), op.value.as_array().map(Vec::as_slice)) {
            ("start-partition", Some([tag, grudge])) if tag == "isolated" => {
                current = Some((op.time as f64 / 1e9, grudge.clone()));
            }
            ("stop-partition", _) => current = None,
            _ => {}
        }
    }
    current
}

/// Evidence that a read of `v` is stale: the last write or cas that stored `v` and
/// completed before the read began, when every order that got as far as the read leaves
/// the register holding something else and nothing in flight could store `v` again.
fn held_earlier(ops: &KeyOps<'_>, stuck: &Stuck, v: wgl::Value) -> Option<usize> {
    let calls = &ops.calls;
    let stores = |i: usize| match calls[i].action {
        Action::Write(w) | Action::Cas { to: w, .. } => w == v,
        Action::Read(_) => false,
    };
    if stuck.configs.iter().any(|(state, _)| *state == v)
        || concurrent(ops, stuck.call).into_iter().any(stores)
    {
        return None;
    }
    let began = calls[stuck.call].invoked;
    (0..calls.len())
        .filter(|&i| stores(i) && calls[i].returned.is_some_and(|r| r < began))
        .max_by_key(|&i| calls[i].returned)
}

fn explain_unknown(ops: &KeyOps<'_>, explored: usize, reached: usize, limit: usize) -> String {
    let crashed = ops.calls.iter().filter(|c| c.returned.is_none()).count();
    format!(
        "key {} is undecided (unknown): the search gave up after exploring {explored} \
         configurations (its bound is {limit} per key), having ordered the first {reached} \
         of the key's {} completed operations without finding anything wrong. {crashed} \
         operations on this key crashed; each may have taken effect at any moment after it \
         began, or never, which multiplies the orders to try.",
        key_name(&ops.key),
        ops.calls.len() - crashed,
    )
}

#[cfg(test)]
mod tests;
