//! A kafka log that stores every eighth send but answers it with error 11 (temporarily
//! unavailable), a definite error: polls then return a message whose send failed.

use test_nodes::kafka::{Fault, serve};

fn main() {
    let (node, inbox) = test_nodes::start();
    serve(&node, inbox, Fault::FailStoredSend);
}
