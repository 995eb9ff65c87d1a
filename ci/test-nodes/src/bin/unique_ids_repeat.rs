//! A unique-ids node whose ids repeat across nodes: a counter alone.
fn main() {
    let mut next = 0u64;
    test_nodes::serve(|_, _| {
        next += 1;
        Some(serde_json::json!({"type": "generate_ok", "id": next}))
    });
}
