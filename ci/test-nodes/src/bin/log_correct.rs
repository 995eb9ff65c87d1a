//! A correct single-node kafka-style log.

use test_nodes::kafka::{Fault, serve};

fn main() {
    let (node, inbox) = test_nodes::start();
    serve(&node, inbox, Fault::None);
}
