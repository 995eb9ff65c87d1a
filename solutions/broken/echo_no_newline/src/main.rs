//! A broken echo node, kept for the book: written without the helper crate, it
//! writes each message with `write!` where it needed `writeln!`. Every message is
//! JSON, but none ends its line, so the runner never reads one.

use std::io::{self, BufRead, Write};

use serde_json::{Value, json};

fn main() -> anyhow::Result<()> {
    let mut node_id = String::new();
    for line in io::stdin().lock().lines() {
        let request: Value = serde_json::from_str(&line?)?;
        let body = &request["body"];
        let mut reply = match body["type"].as_str() {
            Some("init") => {
                node_id = body["node_id"].as_str().unwrap_or_default().to_string();
                json!({"type": "init_ok"})
            }
            Some("echo") => json!({"type": "echo_ok", "echo": body["echo"]}),
            _ => continue,
        };
        reply["in_reply_to"] = body["msg_id"].clone();
        send(&node_id, &request["src"], reply)?;
    }
    Ok(())
}

// ANCHOR: send
fn send(src: &str, dest: &Value, body: Value) -> anyhow::Result<()> {
    let msg = json!({"src": src, "dest": dest, "body": body});
    let mut stdout = io::stdout().lock();
    // The bug: `write!` adds no newline, and the runner reads whole lines.
    // Flushing pushes the bytes out, but the line is still not finished.
    write!(stdout, "{msg}")?;
    stdout.flush()?;
    Ok(())
}
// ANCHOR_END: send
