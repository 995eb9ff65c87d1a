//! A broken g-set node: it passes each added element to every peer once and never
//! again, so an element added while a partition cuts a peer off never reaches it.

use test_nodes::crdt::{GSet, serve};

fn main() {
    let (node, inbox) = test_nodes::start();
    serve(node, inbox, &mut GSet::passing_on_once(), None);
}
