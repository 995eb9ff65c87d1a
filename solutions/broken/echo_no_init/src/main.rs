//! A broken echo node, kept for the book: written without the helper crate, it
//! answers `echo` and nothing else. The runner's first message is `init`, and it
//! waits for `init_ok` before any client sends a request, so the test never starts.

use std::io::{self, BufRead, Write};

use serde_json::{Value, json};

fn main() -> anyhow::Result<()> {
    let mut stdout = io::stdout().lock();
    for line in io::stdin().lock().lines() {
        let request: Value = serde_json::from_str(&line?)?;
        let body = &request["body"];
        // ANCHOR: handle
        // The bug: only `echo` is answered. `init` falls into the catch-all arm,
        // so the node never learns its id and never says `init_ok`.
        let reply = match body["type"].as_str() {
            Some("echo") => json!({
                "type": "echo_ok",
                "echo": body["echo"],
                "in_reply_to": body["msg_id"],
            }),
            _ => continue,
        };
        // ANCHOR_END: handle
        let msg = json!({"src": request["dest"], "dest": request["src"], "body": reply});
        writeln!(stdout, "{msg}")?;
    }
    Ok(())
}
