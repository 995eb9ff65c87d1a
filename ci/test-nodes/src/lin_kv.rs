//! Key-value nodes for the lin-kv workload: a map applied in one place, and forwarding
//! requests to Maelstrom's `lin-kv` service.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use serde_json::{Value, json};

use super::{Node, kind};

/// Keys (JSON text) to values.
pub type Map = HashMap<String, Value>;

fn error(code: u64, text: &str) -> Value {
    json!({"type": "error", "code": code, "text": text})
}

/// Applies a `read`, `write` or `cas` request body to `map`; the reply body. Errors as
/// the lin-kv service gives them: 20 for a missing key, 22 for a `from` that does not
/// match.
pub fn apply(map: &mut Map, body: &Value) -> Value {
    let key = body["key"].to_string();
    match (kind_of(body), map.get(&key)) {
        ("write", _) => {
            map.insert(key, body["value"].clone());
            json!({"type": "write_ok"})
        }
        (_, None) => error(20, "key does not exist"),
        ("read", Some(value)) => json!({"type": "read_ok", "value": value}),
        (_, Some(value)) if *value != body["from"] => error(22, "from does not match"),
        _ => {
            map.insert(key, body["to"].clone());
            json!({"type": "cas_ok"})
        }
    }
}

fn kind_of(body: &Value) -> &str {
    body["type"].as_str().unwrap_or_default()
}

/// How long a node waits for the lin-kv service: well under the client's 1 s.
const SERVICE_TIMEOUT: Duration = Duration::from_millis(500);

/// Sends a client's request body on to the lin-kv service and returns the service's
/// reply body (an error body included); `None` when it does not answer.
pub fn forward(node: &Node, body: &Value) -> Option<Value> {
    let mut request = body.clone();
    if let Some(fields) = request.as_object_mut() {
        fields.remove("msg_id");
    }
    let mut reply = node.rpc("lin-kv", request, SERVICE_TIMEOUT)?;
    if let Some(fields) = reply.as_object_mut() {
        fields.remove("in_reply_to");
    }
    Some(reply)
}

/// Answers `message` with what lin-kv answered, or an indefinite error (code 0, a
/// timeout: the request may have happened) when it did not.
pub fn reply_forwarded(node: &Node, message: &Value) {
    let reply = forward(node, &message["body"]).unwrap_or_else(|| error(0, "lin-kv timed out"));
    node.reply(message, reply);
}

/// Hands every `read`, `write` and `cas` to `handle` on a thread of its own (a handler
/// may wait on the lin-kv service), and every other message to `other`.
pub fn serve(
    node: Arc<Node>,
    inbox: Receiver<Value>,
    handle: impl Fn(&Node, &Value) + Send + Sync + 'static,
    other: impl Fn(&Node, &Value),
) {
    let handle = Arc::new(handle);
    for message in inbox {
        if matches!(kind(&message), "read" | "write" | "cas") {
            let (node, handle) = (Arc::clone(&node), Arc::clone(&handle));
            std::thread::spawn(move || handle(&node, &message));
        } else {
            other(&node, &message);
        }
    }
}
