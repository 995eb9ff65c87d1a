//! A broken broadcast node: it keeps what clients broadcast to it and never tells
//! anyone else, so with more than one node the other nodes never see the value.

fn main() {
    let (node, inbox) = test_nodes::start();
    // Passes nothing on: a value stays on the node a client gave it to.
    test_nodes::broadcast::serve(node, inbox, |_node, _value| {});
}
