//! A correct single-node list store: each transaction runs alone, start to finish. Run
//! as one node it is strict serializable; run as several, each node has lists of its
//! own, and reads disagree on their order.

use test_nodes::append::{Fault, serve};

fn main() {
    let (node, inbox) = test_nodes::start();
    serve(&node, inbox, Fault::None);
}
