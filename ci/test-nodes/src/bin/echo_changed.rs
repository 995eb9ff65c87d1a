//! An echo node that changes the payload: it answers with the text upper-cased.
fn main() {
    test_nodes::serve(|_, msg| {
        let echo = msg["body"]["echo"]
            .as_str()
            .unwrap_or_default()
            .to_uppercase();
        Some(serde_json::json!({"type": "echo_ok", "echo": echo}))
    });
}
