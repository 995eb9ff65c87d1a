//! An echo node that answers a few requests, then exits in the middle of the run.
fn main() {
    let mut answered = 0;
    test_nodes::serve(|_, msg| {
        answered += 1;
        if answered > 3 {
            eprintln!("out of patience after {answered} requests");
            std::process::exit(4);
        }
        Some(serde_json::json!({"type": "echo_ok", "echo": msg["body"]["echo"]}))
    });
}
