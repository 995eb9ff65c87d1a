//! A node that answers init and then never reads its stdin again, as happens when the
//! loop that reads messages makes a blocking call that waits for a later message.
use std::io::{BufRead, Write};

use serde_json::{Value, json};

fn main() {
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    let init: Value = serde_json::from_str(&line).unwrap_or_default();
    let reply = json!({"src": init["body"]["node_id"], "dest": init["src"],
        "body": {"type": "init_ok", "in_reply_to": init["body"]["msg_id"]}});
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{reply}").and_then(|()| out.flush());
    loop {
        std::thread::park();
    }
}
