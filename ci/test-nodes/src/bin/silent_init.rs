//! A node that reads everything and never answers, not even init.
use std::io::BufRead;

fn main() {
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let msg: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        eprintln!("ignoring {}", test_nodes::kind(&msg));
    }
}
