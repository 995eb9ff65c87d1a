//! A correct echo node.
fn main() {
    test_nodes::serve(|_, msg| {
        let echo = msg["body"]["echo"].clone();
        Some(serde_json::json!({"type": "echo_ok", "echo": echo}))
    });
}
