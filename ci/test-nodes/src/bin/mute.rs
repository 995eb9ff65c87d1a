//! A node that answers init and then never replies to anything.
fn main() {
    test_nodes::serve(|_, _| None);
}
