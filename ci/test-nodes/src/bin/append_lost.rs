//! A broken list store: one append in five is acknowledged, and its own transaction
//! sees it, but it is never stored.

use test_nodes::append::{Fault, serve};

fn main() {
    let (node, inbox) = test_nodes::start();
    serve(&node, inbox, Fault::LoseAppend);
}
