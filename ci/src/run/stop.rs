//! How a run stops early: the first failure is kept, and every thread that waits (a
//! client for its reply, the scheduler, the nemesis) is woken at once.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};

use crate::outcome::Failure;
use crate::sync::{lock, sleep_until};

/// The run's stop signal: dropping the sender disconnects every receiver, which wakes
/// whoever waits on one.
pub(super) struct Abort {
    sender: Mutex<Option<Sender<()>>>,
    receiver: Receiver<()>,
    failure: Mutex<Option<Failure>>,
    /// Set at teardown, when nodes exiting is expected.
    tearing_down: AtomicBool,
}

impl Abort {
    pub(super) fn new() -> Abort {
        let (sender, receiver) = crossbeam_channel::bounded(0);
        Abort {
            sender: Mutex::new(Some(sender)),
            receiver,
            failure: Mutex::new(None),
            tearing_down: AtomicBool::new(false),
        }
    }

    /// Records `failure` unless one came first, and stops the run.
    pub(super) fn fail(&self, failure: Failure) {
        let mut slot = lock(&self.failure);
        if slot.is_none() {
            *slot = Some(failure);
        }
        drop(slot);
        self.wake_all();
    }

    /// The run is over and its teardown begins: nodes may exit now, and whatever still
    /// waits is woken.
    pub(super) fn tear_down(&self) {
        self.tearing_down.store(true, Relaxed);
        self.wake_all();
    }

    fn wake_all(&self) {
        lock(&self.sender).take();
    }

    pub(super) fn is_tearing_down(&self) -> bool {
        self.tearing_down.load(Relaxed)
    }

    pub(super) fn failure(&self) -> Option<Failure> {
        lock(&self.failure).clone()
    }

    pub(super) fn is_aborted(&self) -> bool {
        self.failure().is_some()
    }

    /// Disconnects when the run stops, for threads that wait on channels.
    pub(super) fn signal(&self) -> &Receiver<()> {
        &self.receiver
    }

    /// Sleeps until `deadline`; false if the run stopped meanwhile.
    pub(super) fn sleep_until(&self, deadline: Instant) -> bool {
        sleep_until(&self.receiver, deadline)
    }
}
