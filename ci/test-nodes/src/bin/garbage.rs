//! An echo node that prints a debugging line on stdout before each reply.
fn main() {
    test_nodes::serve(|_, msg| {
        println!("got a request: {}", msg["body"]["echo"]);
        Some(serde_json::json!({"type": "echo_ok", "echo": msg["body"]["echo"]}))
    });
}
