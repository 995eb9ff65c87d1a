//! A broken echo node, kept for the book: written without the helper crate, it
//! addresses each reply to the request's `dest` (itself) instead of its `src`
//! (whoever asked). Its `init_ok` goes back to the node itself, so the runner
//! never hears it.

use std::io::{self, BufRead, Write};

use serde_json::{Value, json};

fn main() -> anyhow::Result<()> {
    let mut stdout = io::stdout().lock();
    for line in io::stdin().lock().lines() {
        let request: Value = serde_json::from_str(&line?)?;
        let body = &request["body"];
        let mut reply = match body["type"].as_str() {
            Some("init") => json!({"type": "init_ok"}),
            Some("echo") => json!({"type": "echo_ok", "echo": body["echo"]}),
            _ => continue,
        };
        // ANCHOR: reply
        reply["in_reply_to"] = body["msg_id"].clone();
        // The bug: `dest` is copied from the request, where it names this
        // node. A reply goes to the request's `src`.
        let msg = json!({"src": request["dest"], "dest": request["dest"], "body": reply});
        // ANCHOR_END: reply
        writeln!(stdout, "{msg}")?;
    }
    Ok(())
}
