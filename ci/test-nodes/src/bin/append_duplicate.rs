//! A broken list store: one append in five is stored twice.

use test_nodes::append::{Fault, serve};

fn main() {
    let (node, inbox) = test_nodes::start();
    serve(&node, inbox, Fault::DuplicateAppend);
}
