//! A kafka log whose every eighth poll starts one message after the offset asked for.

use test_nodes::kafka::{Fault, serve};

fn main() {
    let (node, inbox) = test_nodes::start();
    serve(&node, inbox, Fault::SkipPoll);
}
