//! The run's clock: one monotonic origin for the history and the message journal.
//!
//! Maelstrom measures history times from "time zero", taken after every node has
//! answered `init`. The journal starts earlier (it records `init` itself), so its events
//! before time zero get negative times.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Clock {
    started: Instant,
    zero: OnceLock<Instant>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

impl Clock {
    pub fn new() -> Clock {
        Clock {
            started: Instant::now(),
            zero: OnceLock::new(),
        }
    }

    /// Takes time zero now (only the first call counts).
    pub fn set_zero(&self) {
        let _ = self.zero.set(Instant::now());
    }

    /// Time zero, once taken.
    pub fn zero(&self) -> Option<Instant> {
        self.zero.get().copied()
    }

    /// Nanoseconds from time zero to `at` (negative before it). Before time zero is
    /// taken, times count from the clock's creation.
    pub fn nanos_at(&self, at: Instant) -> i64 {
        let origin = self.zero().unwrap_or(self.started);
        signed_nanos(at, origin)
    }

    /// Nanoseconds since time zero, for history entries (0 before time zero).
    pub fn history_nanos(&self) -> u64 {
        self.nanos_at(Instant::now()).max(0) as u64
    }

    /// How long the clock has been running.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

/// `a - b` in nanoseconds, negative when `a` is earlier.
pub fn signed_nanos(a: Instant, b: Instant) -> i64 {
    match a.checked_duration_since(b) {
        Some(d) => d.as_nanos() as i64,
        None => -(b.duration_since(a).as_nanos() as i64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_before_zero_are_negative() {
        let clock = Clock::new();
        let before = Instant::now();
        std::thread::sleep(Duration::from_millis(2));
        clock.set_zero();
        assert!(clock.nanos_at(before) < 0);
        assert!(clock.nanos_at(Instant::now()) >= 0);
    }
}
