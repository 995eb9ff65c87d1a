//! A kafka log that gives every eighth send the offset of the send before it.

use test_nodes::kafka::{Fault, serve};

fn main() {
    let (node, inbox) = test_nodes::start();
    serve(&node, inbox, Fault::ReuseOffset);
}
