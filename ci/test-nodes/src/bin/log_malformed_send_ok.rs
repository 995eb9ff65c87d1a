//! A kafka log whose every eighth `send_ok` gives the offset as a string: a reply that
//! does not fit its schema, which Maelstrom's client throws as an exception.

use test_nodes::kafka::{Fault, serve};

fn main() {
    let (node, inbox) = test_nodes::start();
    serve(&node, inbox, Fault::MalformedSendOk);
}
