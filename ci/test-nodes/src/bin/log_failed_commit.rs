//! A kafka log that answers an early `commit_offsets` in eight with error 22
//! (precondition failed) after the poll has already handed out its messages.

use test_nodes::kafka::{Fault, serve};

fn main() {
    let (node, inbox) = test_nodes::start();
    serve(&node, inbox, Fault::FailCommit);
}
