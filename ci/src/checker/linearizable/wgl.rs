//! The search: is there one order of a key's operations that a compare-and-set register
//! agrees with, and that keeps every operation between its invocation and completion?
//!
//! This is Wing and Gong's algorithm with Lowe's memoization, as Knossos implements it
//! (Knossos's `src/knossos/wgl.clj` and `src/knossos/wgl/dll_history.clj`):
//!
//! * the history is a doubly linked list of call and return entries, in history order,
//!   except that the returns of crashed operations (`info`, or never answered) go to the
//!   very end: such an operation may take effect at any time after its invocation, or
//!   never;
//! * walking the list from its head, the search *linearizes* a call (applies it to the
//!   register) when the register allows it, and removes the call and its return from the
//!   list, then starts again from the head; reaching the return of an operation not yet
//!   linearized means the last choice was wrong, so it backtracks: undoes the most recent
//!   linearization and tries the next call after it;
//! * every configuration reached — the set of operations linearized and the register's
//!   value — is remembered; reaching one again is skipped, since everything after it has
//!   been explored already. That memo is what makes the search practical, and its size is
//!   the search's work.
//!
//! The history is linearizable when every completed operation has been linearized, and
//! not when the search must backtrack with nothing left to undo.

use std::collections::HashSet;

/// The register's value: an interned JSON value, [`NIL`] before the first write.
pub type Value = u32;

/// The value of a key nobody wrote, and of a JSON `null`.
pub const NIL: Value = 0;

/// What an operation does to the register (Knossos's `cas-register` in
/// `src/knossos/model.clj`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A read that returned this value; `None` for a read that returned `null`, which
    /// Knossos takes for a read whose value is unknown, legal in any state.
    Read(Option<Value>),
    Write(Value),
    Cas {
        from: Value,
        to: Value,
    },
}

impl Action {
    /// The register after this action, or `None` when it cannot happen in `state`.
    pub fn step(self, state: Value) -> Option<Value> {
        match self {
            Action::Read(None) => Some(state),
            Action::Read(Some(v)) => (v == state).then_some(state),
            Action::Write(v) => Some(v),
            Action::Cas { from, to } => (from == state).then_some(to),
        }
    }
}

/// One operation on the key: what it did, and where in the history it began and ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call {
    pub action: Action,
    /// The history index of its invocation.
    pub invoked: usize,
    /// The history index of its `ok`; `None` for a crashed operation.
    pub returned: Option<usize>,
}

/// How the search ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every completed operation fits one order; the register ends holding `state`.
    Valid { state: Value, explored: usize },
    /// No order exists: see [`Stuck`].
    Invalid(Stuck),
    /// The search explored `explored` configurations, the bound, without an answer.
    /// `reached` completed operations (in completion order) could be ordered.
    Unknown { explored: usize, reached: usize },
}

/// Where every attempt failed: all operations that completed before `call` could be
/// ordered, but `call` could not be added to any of those orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stuck {
    /// The index (in the search's input) of the first completed operation no order
    /// reaches past.
    pub call: usize,
    /// The configurations that got furthest: the register's value, and the operations
    /// linearized beyond the ones that completed before `call` (indices in the input).
    pub configs: Vec<(Value, Vec<usize>)>,
    pub explored: usize,
}

/// Where an operation's bit lives: completed operations are numbered in completion
/// order (so the operations linearized are mostly a prefix), crashed ones apart.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Ok(usize),
    Crashed(usize),
}

/// The operations linearized so far, as two bit sets.
#[derive(Debug, Clone)]
struct Linearized {
    ok: Vec<u64>,
    crashed: Vec<u64>,
}

/// A configuration, compactly: the register's value, how many leading words of the
/// completed operations' bits are full, and the words after them (the crashed
/// operations' words first, a fixed number, then the rest of the completed ones' up to
/// the last non-zero word).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Config {
    state: Value,
    full_words: u32,
    words: Box<[u64]>,
}

impl Linearized {
    fn new(ok_count: usize, crashed_count: usize) -> Linearized {
        Linearized {
            ok: vec![0; ok_count.div_ceil(64)],
            crashed: vec![0; crashed_count.div_ceil(64)],
        }
    }

    fn word(&mut self, slot: Slot) -> (&mut u64, u64) {
        match slot {
            Slot::Ok(i) => (&mut self.ok[i / 64], 1 << (i % 64)),
            Slot::Crashed(i) => (&mut self.crashed[i / 64], 1 << (i % 64)),
        }
    }

    fn set(&mut self, slot: Slot) {
        let (word, bit) = self.word(slot);
        *word |= bit;
    }

    fn clear(&mut self, slot: Slot) {
        let (word, bit) = self.word(slot);
        *word &= !bit;
    }

    fn config(&self, state: Value) -> Config {
        let full = self.ok.iter().take_while(|w| **w == u64::MAX).count();
        let end = self
            .ok
            .iter()
            .rposition(|w| *w != 0)
            .map_or(full, |last| (last + 1).max(full));
        let words = self
            .crashed
            .iter()
            .chain(&self.ok[full..end])
            .copied()
            .collect();
        Config {
            state,
            full_words: full as u32,
            words,
        }
    }
}

impl Config {
    /// How many completed operations, in completion order, are all linearized.
    fn reached(&self, crashed_words: usize, ok_count: usize) -> usize {
        let next = self.words.get(crashed_words).copied().unwrap_or(0);
        let reached = self.full_words as usize * 64 + next.trailing_ones() as usize;
        reached.min(ok_count)
    }

    /// The completed operations (by completion number) linearized from `from` on, and
    /// the crashed ones (by crash number).
    fn members(&self, crashed_words: usize) -> (Vec<usize>, Vec<usize>) {
        let bits = |words: &[u64], base: usize| -> Vec<usize> {
            let mut out = Vec::new();
            for (w, word) in words.iter().enumerate() {
                for b in 0..64 {
                    if word & (1 << b) != 0 {
                        out.push(base + w * 64 + b);
                    }
                }
            }
            out
        };
        let ok = bits(&self.words[crashed_words..], self.full_words as usize * 64);
        (ok, bits(&self.words[..crashed_words], 0))
    }
}

const NONE: usize = usize::MAX;
const HEAD: usize = 0;

/// The history as a doubly linked list of entries, node 0 its head. Removing a call
/// removes its return too; restoring them in the reverse order of removal puts the
/// list back as it was.
#[derive(Debug)]
struct Entries {
    next: Vec<usize>,
    prev: Vec<usize>,
    /// The input index of each node's operation (unused for the head).
    call: Vec<usize>,
    /// For a call node, its return node; `NONE` for a return node.
    partner: Vec<usize>,
}

impl Entries {
    fn new(calls: &[Call]) -> Entries {
        // (position, is return, input index), sorted into list order; crashed returns
        // go last.
        let mut events: Vec<(usize, bool, usize)> = Vec::with_capacity(calls.len() * 2);
        for (i, call) in calls.iter().enumerate() {
            events.push((call.invoked, false, i));
            events.push((call.returned.unwrap_or(NONE), true, i));
        }
        events.sort_unstable_by_key(|&(position, _, i)| (position, i));
        let nodes = events.len() + 1;
        let mut entries = Entries {
            next: (1..=nodes)
                .map(|n| if n == nodes { NONE } else { n })
                .collect(),
            prev: (0..nodes).map(|n| n.wrapping_sub(1)).collect(),
            call: vec![NONE; nodes],
            partner: vec![NONE; nodes],
        };
        entries.prev[HEAD] = NONE;
        let mut call_node = vec![NONE; calls.len()];
        for (n, &(_, is_return, i)) in events.iter().enumerate() {
            let node = n + 1;
            entries.call[node] = i;
            if is_return {
                entries.partner[call_node[i]] = node;
            } else {
                call_node[i] = node;
            }
        }
        entries
    }

    fn is_call(&self, node: usize) -> bool {
        self.partner[node] != NONE
    }

    fn unlink(&mut self, node: usize) {
        let (prev, next) = (self.prev[node], self.next[node]);
        self.next[prev] = next;
        if next != NONE {
            self.prev[next] = prev;
        }
    }

    fn relink(&mut self, node: usize) {
        let (prev, next) = (self.prev[node], self.next[node]);
        self.next[prev] = node;
        if next != NONE {
            self.prev[next] = node;
        }
    }

    /// Removes a call and its return.
    fn lift(&mut self, call: usize) {
        self.unlink(call);
        self.unlink(self.partner[call]);
    }

    /// Puts back what [`Entries::lift`] removed.
    fn unlift(&mut self, call: usize) {
        self.relink(self.partner[call]);
        self.relink(call);
    }
}

/// Searches for a linearization of `calls`, exploring at most `limit` configurations.
pub fn search(calls: &[Call], limit: usize) -> Outcome {
    // Number the completed operations in completion order, the crashed ones apart.
    let mut completed: Vec<usize> = (0..calls.len())
        .filter(|&i| calls[i].returned.is_some())
        .collect();
    completed.sort_unstable_by_key(|&i| calls[i].returned);
    let mut slots = vec![Slot::Crashed(0); calls.len()];
    for (n, &i) in completed.iter().enumerate() {
        slots[i] = Slot::Ok(n);
    }
    let mut crashed_count = 0;
    for (i, call) in calls.iter().enumerate() {
        if call.returned.is_none() {
            slots[i] = Slot::Crashed(crashed_count);
            crashed_count += 1;
        }
    }
    let ok_count = completed.len();
    let crashed_words = crashed_count.div_ceil(64);

    let mut entries = Entries::new(calls);
    let mut linearized = Linearized::new(ok_count, crashed_count);
    let mut memo: HashSet<Config> = HashSet::new();
    memo.insert(linearized.config(NIL));
    let mut reached = 0;
    // The linearized calls, most recent last, with the register's value before each.
    let mut stack: Vec<(usize, Value)> = Vec::new();
    let mut state = NIL;
    let mut remaining = ok_count;
    let mut entry = entries.next[HEAD];
    loop {
        if remaining == 0 {
            return Outcome::Valid {
                state,
                explored: memo.len(),
            };
        }
        // While a completed operation is left, its return is in the list ahead of every
        // crashed return, and the walk stops at the first return: `entry` is a node.
        let node = entry;
        let i = entries.call[node];
        if entries.is_call(node) {
            if let Some(next_state) = calls[i].action.step(state) {
                linearized.set(slots[i]);
                let config = linearized.config(next_state);
                let reach = config.reached(crashed_words, ok_count);
                if memo.insert(config) {
                    if memo.len() > limit {
                        return Outcome::Unknown {
                            explored: memo.len(),
                            reached: reached.max(reach),
                        };
                    }
                    reached = reached.max(reach);
                    stack.push((node, state));
                    state = next_state;
                    entries.lift(node);
                    if matches!(slots[i], Slot::Ok(_)) {
                        remaining -= 1;
                    }
                    entry = entries.next[HEAD];
                    continue;
                }
                linearized.clear(slots[i]);
            }
            entry = entries.next[node];
        } else {
            // The return of a completed operation that is not linearized: backtrack.
            let Some((node, previous)) = stack.pop() else {
                return Outcome::Invalid(stuck(calls, &memo, &completed, reached, crashed_words));
            };
            let undone = entries.call[node];
            linearized.clear(slots[undone]);
            if matches!(slots[undone], Slot::Ok(_)) {
                remaining += 1;
            }
            entries.unlift(node);
            state = previous;
            entry = entries.next[node];
        }
    }
}

/// Describes where the search got stuck: the first completed operation no order
/// reaches past, and the configurations that reached it (Knossos's `invalid-analysis`).
fn stuck(
    calls: &[Call],
    memo: &HashSet<Config>,
    completed: &[usize],
    reached: usize,
    crashed_words: usize,
) -> Stuck {
    let crashed: Vec<usize> = (0..calls.len())
        .filter(|&i| calls[i].returned.is_none())
        .collect();
    let mut configs: Vec<(Value, Vec<usize>)> = memo
        .iter()
        .filter(|c| c.reached(crashed_words, completed.len()) == reached)
        .map(|c| {
            let (ok, crash) = c.members(crashed_words);
            let mut members: Vec<usize> = ok
                .into_iter()
                .filter(|&n| n >= reached)
                .map(|n| completed[n])
                .chain(crash.into_iter().map(|n| crashed[n]))
                .collect();
            members.sort_unstable();
            (c.state, members)
        })
        .collect();
    configs.sort();
    Stuck {
        call: completed[reached],
        configs,
        explored: memo.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A call from history positions `invoked` to `returned` (`None`: crashed).
    fn call(action: Action, invoked: usize, returned: Option<usize>) -> Call {
        Call {
            action,
            invoked,
            returned,
        }
    }

    fn read(v: Value) -> Action {
        Action::Read(Some(v))
    }

    #[test]
    fn the_register_model() {
        assert_eq!(read(NIL).step(NIL), Some(NIL));
        assert_eq!(read(2).step(1), None);
        assert_eq!(Action::Read(None).step(3), Some(3));
        assert_eq!(Action::Write(2).step(1), Some(2));
        assert_eq!(Action::Cas { from: 1, to: 2 }.step(1), Some(2));
        assert_eq!(Action::Cas { from: 1, to: 2 }.step(NIL), None);
    }

    #[test]
    fn sequential_and_concurrent_histories() {
        // write 1; then read 1 and write 2 overlap, and a read of 2 follows.
        let calls = [
            call(Action::Write(1), 0, Some(1)),
            call(read(1), 2, Some(5)),
            call(Action::Write(2), 3, Some(4)),
            call(read(2), 6, Some(7)),
        ];
        assert!(matches!(
            search(&calls, 100),
            Outcome::Valid { state: 2, .. }
        ));
        // The read of 1 must come before the write of 2, though it completed after it.
        let calls = [
            call(Action::Write(1), 0, Some(1)),
            call(Action::Write(2), 2, Some(4)),
            call(read(1), 3, Some(5)),
            call(read(2), 6, Some(7)),
        ];
        assert!(matches!(search(&calls, 100), Outcome::Valid { .. }));
    }

    #[test]
    fn a_stale_read_gets_stuck_on_it() {
        let calls = [
            call(Action::Write(1), 0, Some(1)),
            call(Action::Write(2), 2, Some(3)),
            call(read(1), 4, Some(5)),
        ];
        let Outcome::Invalid(stuck) = search(&calls, 100) else {
            panic!("a stale read passed")
        };
        assert_eq!(stuck.call, 2);
        assert_eq!(stuck.configs, [(2, vec![])]);
    }

    #[test]
    fn crashed_calls_may_happen_late_or_never() {
        // A crashed write of 2, invoked early, explains a later read of 2…
        let calls = [
            call(Action::Write(1), 0, Some(2)),
            call(Action::Write(2), 1, None),
            call(read(1), 3, Some(4)),
            call(read(2), 5, Some(6)),
        ];
        assert!(matches!(
            search(&calls, 100),
            Outcome::Valid { state: 2, .. }
        ));
        // …or may never have happened…
        let calls = [call(Action::Write(2), 0, None), call(read(NIL), 1, Some(2))];
        assert!(matches!(search(&calls, 100), Outcome::Valid { .. }));
        // …but cannot take effect before it was invoked.
        let calls = [call(read(2), 0, Some(1)), call(Action::Write(2), 2, None)];
        assert!(matches!(search(&calls, 100), Outcome::Invalid(_)));
    }

    #[test]
    fn the_bound_gives_unknown() {
        let calls = [
            call(Action::Write(1), 0, Some(1)),
            call(Action::Write(2), 2, Some(3)),
        ];
        assert_eq!(
            search(&calls, 1),
            Outcome::Unknown {
                explored: 2,
                reached: 1
            }
        );
        assert!(matches!(
            search(&calls, 3),
            Outcome::Valid { explored: 3, .. }
        ));
    }
}
