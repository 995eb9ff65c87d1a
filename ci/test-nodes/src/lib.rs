//! Nodes the runner's own tests run against, correct and deliberately broken. They use
//! plain serde_json rather than the solutions' helper crate, so the runner is tested on
//! its own.

use std::io::{BufRead, Write};

use serde_json::{Value, json};

/// Every message on stdin, parsed; lines that are not JSON are skipped.
pub fn messages() -> impl Iterator<Item = Value> {
    std::io::stdin()
        .lock()
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| serde_json::from_str(&line).ok())
}

/// Prints one message as a line.
pub fn send(msg: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{msg}");
    let _ = out.flush();
}

/// The reply to `request`: `body` plus `in_reply_to`, from the request's dest to its src.
pub fn reply_to(request: &Value, mut body: Value) -> Value {
    body["in_reply_to"] = request["body"]["msg_id"].clone();
    json!({"src": request["dest"], "dest": request["src"], "body": body})
}

/// The request's `type`.
pub fn kind(msg: &Value) -> &str {
    msg["body"]["type"].as_str().unwrap_or_default()
}

/// Answers `init`, then hands every other message to `handle`, sending what it returns.
pub fn serve(mut handle: impl FnMut(&str, &Value) -> Option<Value>) {
    let mut me = String::new();
    for msg in messages() {
        if kind(&msg) == "init" {
            me = msg["body"]["node_id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            send(&reply_to(&msg, json!({"type": "init_ok"})));
        } else if let Some(body) = handle(&me, &msg) {
            send(&reply_to(&msg, body));
        }
    }
}
