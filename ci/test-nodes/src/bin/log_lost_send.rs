//! A kafka log that acknowledges every eighth send and then forgets it.

use test_nodes::kafka::{Fault, serve};

fn main() {
    let (node, inbox) = test_nodes::start();
    serve(&node, inbox, Fault::LoseAcked);
}
