//! A broken pn-counter node, the mistake Maelstrom's guide makes first: a G-counter
//! holding each node's signed total. Merging takes each node's largest total, so a
//! peer keeps a node's total from before its decrements, and they are lost.

use std::time::Duration;

use test_nodes::crdt::{PnCounter, serve};

fn main() {
    let (node, inbox) = test_nodes::start();
    let period = Some(Duration::from_millis(200));
    serve(node, inbox, &mut PnCounter::with_signed_counts(), period);
}
