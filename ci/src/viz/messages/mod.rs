//! The message-sequence (Lamport) diagram: one vertical lane per participant, time running
//! down the page, an arrow for every message from its send to its delivery.
//!
//! Lanes come in Maelstrom's order: clients, then nodes, then services. Time runs down
//! but not at a constant rate: every event gets at least one row, so a burst of messages
//! in the same millisecond stays legible, and a quiet stretch is shortened and marked with
//! how much time it skipped. The left margin gives the clock. Arrows are labelled with the
//! message type and the rest of the body (without `type`, `msg_id`, `in_reply_to`); the
//! full message is the arrow's tooltip. A message a partition dropped ends in a cross,
//! error replies are pink, and partitions are shaded.

mod draw;
mod labels;
mod layout;
mod select;
#[cfg(test)]
mod tests;

use serde_json::Value;

pub use select::{Event, EventKind};

use super::{Partition, Window};
use layout::Layout;

/// The selected part of a journal, ready to draw.
#[derive(Debug)]
pub struct Diagram {
    /// Sends of drawn messages with their recv or drop, in time order.
    events: Vec<Event>,
    partitions: Vec<Partition>,
    window: Window,
    max_messages: usize,
    /// Fit a page of the book.
    compact: bool,
    /// All clients share one lane (compact, or too many clients for a lane each).
    merge_clients: bool,
    /// Messages sent in the window but left out because of `max_messages`.
    omitted: usize,
    /// Drawn sends that were neither delivered nor dropped before the journal ended.
    in_flight: usize,
}

impl Diagram {
    /// How many messages the diagram draws.
    pub fn message_count(&self) -> usize {
        self.events
            .iter()
            .filter(|e| e.kind == EventKind::Send)
            .count()
    }

    pub fn to_svg(&self, title: &str) -> String {
        Layout::new(self).draw(self, title)
    }
}

/// Which kind of participant a lane belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Client,
    Node,
    Service,
}

impl Role {
    fn of(name: &str) -> Role {
        // Maelstrom's rule: a participant whose id starts with `c` is a client.
        if name.starts_with('c') {
            Role::Client
        } else if crate::service::NAMES.contains(&name) {
            Role::Service
        } else {
            Role::Node
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Role::Client => "clients",
            Role::Node => "nodes",
            Role::Service => "services",
        }
    }
}

/// The lane a participant is drawn on.
fn lane_name(merge_clients: bool, name: &str) -> &str {
    if merge_clients && Role::of(name) == Role::Client {
        CLIENTS
    } else {
        name
    }
}

/// More clients than this share one lane: a 25-node run has 50 of them, and lanes of
/// their own would push the nodes off the screen.
const MAX_CLIENT_LANES: usize = 10;

/// The lane all clients share in a compact diagram.
const CLIENTS: &str = "clients";

/// `client`, `server`, `service`, `error`, `drop` (by a partition) or `gone` (dropped
/// because its recipient had left): how a message is drawn, given its send and its end.
fn message_class(send: &Event, end: &Event) -> &'static str {
    let roles = (Role::of(&send.src), Role::of(&send.dest));
    if end.kind == EventKind::Drop {
        if end.reason.as_deref() == Some("unknown-dest") {
            "gone"
        } else {
            "drop"
        }
    } else if send.body.get("type").and_then(Value::as_str) == Some("error") {
        "error"
    } else if roles.0 == Role::Client || roles.1 == Role::Client {
        "client"
    } else if roles.0 == Role::Service || roles.1 == Role::Service {
        "service"
    } else {
        "server"
    }
}
