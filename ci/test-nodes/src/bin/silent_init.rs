//! A node that reads everything and never answers, not even init.
fn main() {
    for msg in test_nodes::messages() {
        eprintln!("ignoring {}", test_nodes::kind(&msg));
    }
}
