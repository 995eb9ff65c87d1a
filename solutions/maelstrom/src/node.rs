//! A node's identity and its way out: sending, replying and waiting for replies.

use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::Context;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::message::{Body, ErrorBody, ErrorCode, Message};

// ANCHOR: node
/// A handle on this node: its id, its peers, and its stdout.
///
/// Cloning is cheap and every clone shares the same output and message ids, so a
/// timer thread or a worker thread can send on the node's behalf.
#[derive(Clone)]
pub struct Node {
    inner: Arc<Inner>,
}

struct Inner {
    id: String,
    node_ids: Vec<String>,
    next_msg_id: AtomicU64,
    out: Mutex<Box<dyn Write + Send>>,
    /// Replies that a thread blocked in [`Node::rpc`] is waiting for, by `msg_id`.
    waiting: Mutex<HashMap<u64, SyncSender<Message<Value>>>>,
}
// ANCHOR_END: node

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("id", &self.inner.id)
            .finish_non_exhaustive()
    }
}

// ANCHOR: rpc_error
/// Why an [`Node::rpc`] call gave no answer.
#[derive(Debug, Clone, PartialEq)]
pub enum RpcError {
    /// No reply came in time. The request may still take effect.
    Timeout { dest: String, after: Duration },
    /// The other side answered with an error body.
    Remote(ErrorBody),
    /// The reply arrived but did not have the expected shape.
    Malformed(String),
    /// The request could not be written to stdout.
    Send(String),
}
// ANCHOR_END: rpc_error

impl RpcError {
    /// The error code, when the other side sent one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            RpcError::Remote(body) => Some(body.code),
            _ => None,
        }
    }
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RpcError::Timeout { dest, after } => write!(f, "no reply from {dest} in {after:?}"),
            RpcError::Remote(body) => write!(f, "error {}: {}", body.code, body.text),
            RpcError::Malformed(why) => write!(f, "malformed reply: {why}"),
            RpcError::Send(why) => write!(f, "could not send: {why}"),
        }
    }
}

impl std::error::Error for RpcError {}

impl Node {
    /// A node that writes its messages to `out`. [`crate::init`] builds one for you;
    /// tests build one with [`Node::in_memory`].
    pub fn new(id: String, node_ids: Vec<String>, out: impl Write + Send + 'static) -> Node {
        let inner = Inner {
            id,
            node_ids,
            next_msg_id: AtomicU64::new(1),
            out: Mutex::new(Box::new(out)),
            waiting: Mutex::new(HashMap::new()),
        };
        Node {
            inner: Arc::new(inner),
        }
    }

    // ANCHOR: in_memory
    /// A node whose output is kept in memory, for unit tests of node logic.
    pub fn in_memory(id: &str, node_ids: &[&str]) -> (Node, Sent) {
        let sent = Sent::default();
        let ids = node_ids.iter().map(|s| s.to_string()).collect();
        (Node::new(id.to_string(), ids, sent.clone()), sent)
    }
    // ANCHOR_END: in_memory

    /// This node's id, such as `"n1"`.
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// Every node in the cluster, this one included, in the same order on every node.
    pub fn node_ids(&self) -> &[String] {
        &self.inner.node_ids
    }

    /// Every other node in the cluster.
    pub fn peers(&self) -> impl Iterator<Item = &str> {
        self.node_ids()
            .iter()
            .map(String::as_str)
            .filter(move |n| *n != self.id())
    }

    /// A fresh message id, unique among the messages this node sends.
    pub fn next_msg_id(&self) -> u64 {
        self.inner.next_msg_id.fetch_add(1, Ordering::Relaxed)
    }

    // ANCHOR: send
    /// Sends a message that expects no reply.
    pub fn send<P: Serialize>(&self, dest: &str, payload: P) -> anyhow::Result<()> {
        self.write(dest, None, None, payload)
    }

    /// Sends a request with a fresh `msg_id` and returns that id. The reply comes back
    /// like any other message, with `in_reply_to` set to it.
    pub fn request<P: Serialize>(&self, dest: &str, payload: P) -> anyhow::Result<u64> {
        let msg_id = self.next_msg_id();
        self.write(dest, Some(msg_id), None, payload)?;
        Ok(msg_id)
    }

    /// Answers `request`: sends `payload` back to its sender, `in_reply_to` its `msg_id`.
    pub fn reply<Q, P: Serialize>(&self, request: &Message<Q>, payload: P) -> anyhow::Result<()> {
        let in_reply_to = request.body.msg_id;
        self.write(&request.src, None, in_reply_to, payload)
    }
    // ANCHOR_END: send

    /// Answers `request` with an error body carrying one of Maelstrom's codes.
    pub fn reply_error<Q>(
        &self,
        request: &Message<Q>,
        code: ErrorCode,
        text: impl Into<String>,
    ) -> anyhow::Result<()> {
        self.reply(
            request,
            ErrorBody {
                code,
                text: text.into(),
            },
        )
    }

    // ANCHOR: rpc
    /// Sends a request and blocks this thread until its reply comes, or `timeout` passes.
    ///
    /// The stdin reader hands the reply straight to this thread, so the main loop can go
    /// on handling other messages meanwhile, and several threads may wait at once.
    pub fn rpc<P, R>(&self, dest: &str, payload: P, timeout: Duration) -> Result<R, RpcError>
    where
        P: Serialize,
        R: DeserializeOwned,
    {
        let msg_id = self.next_msg_id();
        let (tx, rx) = mpsc::sync_channel(1);
        self.waiting().insert(msg_id, tx);
        if let Err(e) = self.write(dest, Some(msg_id), None, payload) {
            self.waiting().remove(&msg_id);
            return Err(RpcError::Send(format!("{e:#}")));
        }
        let reply = rx.recv_timeout(timeout);
        self.waiting().remove(&msg_id);
        match reply {
            Ok(reply) => decode_reply(reply.body.payload),
            Err(_) => Err(RpcError::Timeout {
                dest: dest.to_string(),
                after: timeout,
            }),
        }
    }
    // ANCHOR_END: rpc

    // ANCHOR: deliver_reply
    /// If a thread waits in [`Node::rpc`] for this reply, hands it over and returns
    /// `None`; otherwise gives the message back.
    pub(crate) fn deliver_reply(&self, msg: Message<Value>) -> Option<Message<Value>> {
        let Some(id) = msg.body.in_reply_to else {
            return Some(msg);
        };
        match self.waiting().remove(&id) {
            Some(waiter) => {
                // The waiter may have timed out in the meantime; then nobody needs it.
                let _ = waiter.try_send(msg);
                None
            }
            None => Some(msg),
        }
    }
    // ANCHOR_END: deliver_reply

    fn waiting(&self) -> MutexGuard<'_, HashMap<u64, SyncSender<Message<Value>>>> {
        // A panic elsewhere cannot leave the map half-changed, so a poisoned lock is safe.
        self.inner.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    // ANCHOR: write_line
    fn write<P: Serialize>(
        &self,
        dest: &str,
        msg_id: Option<u64>,
        in_reply_to: Option<u64>,
        payload: P,
    ) -> anyhow::Result<()> {
        let msg = Message {
            src: self.id().to_string(),
            dest: dest.to_string(),
            body: Body {
                msg_id,
                in_reply_to,
                payload,
            },
        };
        // Serialize before taking the lock, so other threads wait only for the write.
        let mut line = serde_json::to_string(&msg).context("serializing a message")?;
        line.push('\n');
        let mut out = self.inner.out.lock().unwrap_or_else(|e| e.into_inner());
        out.write_all(line.as_bytes())
            .context("writing to stdout")?;
        // Maelstrom reads line by line: without the flush the line may sit in a buffer.
        out.flush().context("flushing stdout")
    }
    // ANCHOR_END: write_line
}

/// Turns a reply body into `R`, or into the error it carries.
fn decode_reply<R: DeserializeOwned>(body: Value) -> Result<R, RpcError> {
    if body.get("type").and_then(Value::as_str) == Some("error") {
        return match serde_json::from_value::<ErrorBody>(body) {
            Ok(error) => Err(RpcError::Remote(error)),
            Err(e) => Err(RpcError::Malformed(e.to_string())),
        };
    }
    serde_json::from_value(body).map_err(|e| RpcError::Malformed(e.to_string()))
}

/// What a [`Node::in_memory`] node has sent, for tests to inspect.
#[derive(Clone, Default)]
pub struct Sent {
    bytes: Arc<Mutex<Vec<u8>>>,
}

impl fmt::Debug for Sent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sent").finish_non_exhaustive()
    }
}

impl Sent {
    /// Takes every message sent so far, parsed with payload type `P`.
    ///
    /// # Panics
    /// If a line is not a `Message<P>`: this is meant for tests.
    pub fn take<P: DeserializeOwned>(&self) -> Vec<Message<P>> {
        let bytes = std::mem::take(&mut *self.bytes.lock().unwrap());
        let text = String::from_utf8(bytes).expect("output is UTF-8");
        text.lines()
            .map(|line| serde_json::from_str(line).expect("every output line is a message"))
            .collect()
    }
}

impl Write for Sent {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Payload {
        Ping,
        Pong { n: u64 },
    }

    fn request(msg_id: u64) -> Message<Payload> {
        Message {
            src: "c1".into(),
            dest: "n0".into(),
            body: Body {
                msg_id: Some(msg_id),
                in_reply_to: None,
                payload: Payload::Ping,
            },
        }
    }

    #[test]
    fn reply_goes_back_to_the_sender_in_reply_to_its_msg_id() {
        let (node, sent) = Node::in_memory("n0", &["n0", "n1"]);
        node.reply(&request(7), Payload::Pong { n: 1 }).unwrap();
        let out = sent.take::<Payload>();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].dest, "c1");
        assert_eq!(out[0].src, "n0");
        assert_eq!(out[0].body.in_reply_to, Some(7));
        assert_eq!(out[0].body.payload, Payload::Pong { n: 1 });
    }

    #[test]
    fn msg_ids_are_fresh_and_peers_exclude_self() {
        let (node, _) = Node::in_memory("n1", &["n0", "n1", "n2"]);
        assert_ne!(node.next_msg_id(), node.next_msg_id());
        assert_eq!(node.peers().collect::<Vec<_>>(), ["n0", "n2"]);
    }

    #[test]
    fn rpc_gets_its_reply_from_the_reader() {
        let (node, sent) = Node::in_memory("n0", &["n0", "n1"]);
        let waiter = node.clone();
        let call = std::thread::spawn(move || {
            waiter.rpc::<_, Payload>("n1", Payload::Ping, Duration::from_secs(5))
        });
        // Play the other node: wait for the request, then answer it.
        let req = loop {
            if let Some(m) = sent.take::<Payload>().pop() {
                break m;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let reply = serde_json::json!({"src": "n1", "dest": "n0",
            "body": {"type": "pong", "n": 3, "in_reply_to": req.body.msg_id}});
        assert!(
            node.deliver_reply(serde_json::from_value(reply).unwrap())
                .is_none()
        );
        assert_eq!(call.join().unwrap(), Ok(Payload::Pong { n: 3 }));
    }

    #[test]
    fn rpc_times_out_and_reports_error_replies() {
        let (node, _) = Node::in_memory("n0", &["n0"]);
        let err = node.rpc::<_, Payload>("n1", Payload::Ping, Duration::from_millis(10));
        assert!(matches!(err, Err(RpcError::Timeout { .. })));
        let body = serde_json::json!({"type": "error", "code": 22, "text": "no"});
        let err = decode_reply::<Payload>(body).unwrap_err();
        assert_eq!(err.code(), Some(ErrorCode::PRECONDITION_FAILED));
    }
}
