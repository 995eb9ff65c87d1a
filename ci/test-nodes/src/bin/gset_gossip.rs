//! A correct g-set node: a grow-only set whose whole state goes to every peer every
//! 200 ms, merged by union. Partitions delay elements; they cannot lose them.

use std::time::Duration;

use test_nodes::crdt::{GSet, serve};

fn main() {
    let (node, inbox) = test_nodes::start();
    serve(
        node,
        inbox,
        &mut GSet::default(),
        Some(Duration::from_millis(200)),
    );
}
