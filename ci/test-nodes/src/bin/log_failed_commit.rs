//! A kafka log that, a few times, answers `commit_offsets` with error 22 (precondition
//! failed) after the poll has handed out its messages (see `Fault::FailCommit`).

use test_nodes::kafka::{Fault, serve};

fn main() {
    let (node, inbox) = test_nodes::start();
    serve(&node, inbox, Fault::FailCommit);
}
