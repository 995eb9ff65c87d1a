//! A broken list store: one transaction in five is stored and then reported as aborted
//! (error 30, txn-conflict, which says it certainly did not happen).

use test_nodes::append::{Fault, serve};

fn main() {
    let (node, inbox) = test_nodes::start();
    serve(&node, inbox, Fault::AbortAfterCommit);
}
