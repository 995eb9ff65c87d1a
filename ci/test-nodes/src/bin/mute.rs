//! A node that answers init and then never replies to anything.
fn main() {
    let (_node, inbox) = test_nodes::start();
    for msg in inbox {
        eprintln!("not answering {}", test_nodes::kind(&msg));
    }
}
