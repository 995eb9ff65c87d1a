//! A node's or a service's mailbox: Maelstrom's delivery rule, one message at a time.
//!
//! Maelstrom keeps, for each recipient, a queue ordered by deadline (a
//! `PriorityBlockingQueue` in `src/maelstrom/net.clj`), and one thread per recipient
//! (`stdin-thread` in `src/maelstrom/process.clj` for a node) calls `recv!` in a loop:
//!
//! 1. take the message with the earliest deadline, waiting for one if there is none;
//! 2. drop it if a partition now separates its sender from this recipient;
//! 3. sleep until its deadline, in whole milliseconds rounded down;
//! 4. deliver it (for a node: write the line to its stdin, which waits while the node is
//!    not reading).
//!
//! So a message can wait behind another: while the thread sleeps for a message due in
//! 100 ms, a client request that arrives meanwhile (latency 0) waits too, and so does a
//! message whose random latency would have made it due sooner. [`Mailbox::recv`] is
//! steps 1–3; the caller does step 4 before asking for the next message.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use super::journal::EventKind;
use super::{Packet, Shared};
use crate::sync::lock;

/// The messages waiting for one recipient.
#[derive(Default)]
pub(super) struct Queue {
    state: Mutex<State>,
    /// Signalled when a message arrives (or the queue closes).
    arrived: Condvar,
    /// Signalled when the queue closes, to cut a sleep short.
    closed: Condvar,
}

#[derive(Default)]
struct State {
    heap: BinaryHeap<Pending>,
    closed: bool,
}

impl Queue {
    /// Queues a message; false if the recipient has left.
    pub(super) fn push(&self, packet: Arc<Packet>) -> bool {
        let mut state = lock(&self.state);
        if state.closed {
            return false;
        }
        state.heap.push(Pending(packet));
        drop(state);
        self.arrived.notify_one();
        true
    }

    /// Stops delivery: what is still queued is never delivered.
    pub(super) fn close(&self) {
        lock(&self.state).closed = true;
        self.arrived.notify_all();
        self.closed.notify_all();
    }

    /// The message with the earliest deadline, waiting for one until `until` (forever
    /// when `None`). `None` when the queue closed or the wait ran out.
    fn pop(&self, until: Option<Instant>) -> Option<Arc<Packet>> {
        let mut state = lock(&self.state);
        loop {
            if state.closed {
                return None;
            }
            if let Some(Pending(packet)) = state.heap.pop() {
                return Some(packet);
            }
            state = match until {
                None => wait(&self.arrived, state, None),
                Some(until) => {
                    let left = until.checked_duration_since(Instant::now())?;
                    wait(&self.arrived, state, Some(left))
                }
            };
        }
    }

    /// Sleeps until `until`; false if the queue closed first.
    fn sleep_until(&self, until: Instant) -> bool {
        let mut state = lock(&self.state);
        loop {
            if state.closed {
                return false;
            }
            let Some(left) = until.checked_duration_since(Instant::now()) else {
                return true;
            };
            state = wait(&self.closed, state, Some(left));
        }
    }
}

/// Waits on `condvar`, at most `timeout`, carrying on after a panic elsewhere as
/// [`lock`] does.
fn wait<'a>(
    condvar: &Condvar,
    guard: MutexGuard<'a, State>,
    timeout: Option<Duration>,
) -> MutexGuard<'a, State> {
    match timeout {
        None => condvar.wait(guard).unwrap_or_else(|e| e.into_inner()),
        Some(timeout) => condvar
            .wait_timeout(guard, timeout)
            .map_or_else(|e| e.into_inner().0, |(guard, _)| guard),
    }
}

/// When a message taken from the queue at `taken` is delivered: `recv!` sleeps
/// `(long dt)` milliseconds, dt being what is left until the deadline, so whole
/// milliseconds rounded down. A message is delivered up to a millisecond early, and at
/// once when less than one is left.
fn wake_time(taken: Instant, due: Instant) -> Instant {
    let left = due.saturating_duration_since(taken).as_millis() as u64;
    taken + Duration::from_millis(left)
}

/// A queued message, ordered so the max-heap pops the earliest deadline first (ties in
/// send order).
struct Pending(Arc<Packet>);

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.0.due, other.0.id).cmp(&(self.0.due, self.0.id))
    }
}

/// What a node's stdin writer or a service's thread reads its messages from.
pub struct Mailbox {
    queue: Arc<Queue>,
    /// Weak: the network owns its members, not the other way round.
    net: Weak<Shared>,
}

impl Mailbox {
    pub(super) fn new(queue: Arc<Queue>, net: Weak<Shared>) -> Mailbox {
        Mailbox { queue, net }
    }

    /// The next message, delivered by Maelstrom's rule (see the module's comment).
    /// `None` once the recipient has left the network or the network has stopped.
    pub fn recv(&self) -> Option<Arc<Packet>> {
        self.recv_until(None)
    }

    /// As [`Mailbox::recv`], but waits at most `timeout` for a message to arrive (once
    /// one is taken, its latency is always waited out).
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Arc<Packet>> {
        self.recv_until(Some(Instant::now() + timeout))
    }

    /// How many messages wait in the queue, not counting one being delivered.
    #[cfg(test)]
    pub fn queued(&self) -> usize {
        lock(&self.queue.state).heap.len()
    }

    fn recv_until(&self, until: Option<Instant>) -> Option<Arc<Packet>> {
        loop {
            let packet = self.queue.pop(until)?;
            let taken = Instant::now();
            let net = self.net.upgrade()?;
            if net.is_grudged(&packet) {
                net.journal(EventKind::DropPartition, &packet, taken);
                continue;
            }
            let wake = wake_time(taken, packet.due);
            if !self.queue.sleep_until(wake) {
                return None;
            }
            let delivered = Instant::now();
            net.journal(EventKind::Recv, &packet, delivered);
            if !packet.involves_client() {
                // The runner's own lateness: how long after the moment this rule says
                // to deliver the thread actually woke.
                let late = delivered.saturating_duration_since(wake);
                lock(&net.lateness).push(late.as_nanos() as u64);
            }
            return Some(packet);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sleep_is_whole_milliseconds_rounded_down() {
        let taken = Instant::now();
        let after = |us| taken + Duration::from_micros(us);
        assert_eq!(wake_time(taken, after(9_400)), after(9_000));
        assert_eq!(wake_time(taken, after(10_000)), after(10_000));
        assert_eq!(wake_time(taken, after(999)), taken);
        // A deadline already past: at once.
        assert_eq!(wake_time(after(5_000), taken), after(5_000));
    }
}
