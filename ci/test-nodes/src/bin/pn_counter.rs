//! A correct pn-counter node: a PN-counter CRDT (increments and decrements counted per
//! node in two G-counters) whose whole state goes to every peer every 200 ms.

use std::time::Duration;

use test_nodes::crdt::{PnCounter, serve};

fn main() {
    let (node, inbox) = test_nodes::start();
    let period = Some(Duration::from_millis(200));
    serve(node, inbox, &mut PnCounter::default(), period);
}
