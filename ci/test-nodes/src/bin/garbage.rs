//! An echo node that prints a debugging line on stdout before each reply.
use serde_json::json;

fn main() {
    let (node, inbox) = test_nodes::start();
    for msg in inbox {
        println!("got a request: {}", msg["body"]["echo"]);
        node.reply(
            &msg,
            json!({"type": "echo_ok", "echo": msg["body"]["echo"]}),
        );
    }
}
