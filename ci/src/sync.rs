//! Waiting on threads: locks that carry on after a panic, and a sleep that a signal cuts
//! short.
//!
//! A thread that panicked while holding a lock has
//! already made the run fail loudly; what it guarded is still the best record there is,
//! and the report should get to it rather than panic in turn.

use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;

use crossbeam_channel::{Receiver, select};

pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Sleeps until `deadline`; false, at once, if `stop` disconnects (its sender is
/// dropped) meanwhile.
pub fn sleep_until(stop: &Receiver<()>, deadline: Instant) -> bool {
    select! {
        recv(stop) -> _ => false,
        default(deadline.saturating_duration_since(Instant::now())) => true,
    }
}
