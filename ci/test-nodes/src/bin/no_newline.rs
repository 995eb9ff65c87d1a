//! An echo node that answers init properly but writes its replies without a newline.
use std::io::Write;

fn main() {
    test_nodes::serve(|_, msg| {
        let body = serde_json::json!({"type": "echo_ok", "echo": msg["body"]["echo"]});
        let mut out = std::io::stdout().lock();
        let _ = write!(out, "{}", test_nodes::reply_to(msg, body));
        let _ = out.flush();
        None
    });
}
