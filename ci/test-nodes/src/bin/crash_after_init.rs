//! An echo node that answers a few requests, then exits in the middle of the run.
use serde_json::json;

fn main() {
    let (node, inbox) = test_nodes::start();
    for (answered, msg) in inbox.into_iter().enumerate() {
        if answered == 3 {
            eprintln!("out of patience after {answered} requests");
            std::process::exit(4);
        }
        node.reply(
            &msg,
            json!({"type": "echo_ok", "echo": msg["body"]["echo"]}),
        );
    }
}
