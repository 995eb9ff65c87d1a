//! A correct unique-ids node: its own id and a counter.
fn main() {
    let mut next = 0u64;
    test_nodes::serve(|me, _| {
        next += 1;
        Some(serde_json::json!({"type": "generate_ok", "id": format!("{me}-{next}")}))
    });
}
