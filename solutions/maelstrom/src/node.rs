//! A node's identity and its way out: sending, replying, and waiting for replies.

use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::Context;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::message::{ErrorCode, Message, RpcError};

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
    /// The threads blocked in [`Node::rpc`], by the `msg_id` of their request.
    waiting: Mutex<HashMap<u64, SyncSender<Value>>>,
}
// ANCHOR_END: node

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node").field("id", &self.id()).finish()
    }
}

impl Node {
    /// A node that writes its messages to `out`; [`crate::init`] makes the real one.
    pub(crate) fn new(id: String, node_ids: Vec<String>, out: impl Write + Send + 'static) -> Node {
        let inner = Inner {
            id,
            node_ids,
            next_msg_id: AtomicU64::new(1),
            out: Mutex::new(Box::new(out)),
            waiting: Mutex::default(),
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
        let ids = self.node_ids().iter().map(String::as_str);
        ids.filter(move |&n| n != self.id())
    }

    // ANCHOR: send
    /// Sends a message that expects no reply.
    pub fn send<P: Serialize>(&self, dest: &str, payload: P) -> anyhow::Result<()> {
        self.write(dest, None, None, payload)
    }

    /// Answers `request`: sends `payload` back to its sender, `in_reply_to` its `msg_id`.
    pub fn reply<Q, P: Serialize>(&self, request: &Message<Q>, payload: P) -> anyhow::Result<()> {
        self.write(&request.src, None, request.body.msg_id, payload)
    }

    // ANCHOR_END: send

    // ANCHOR: rpc
    /// Sends a request and blocks this thread until its reply comes, or `timeout` passes.
    ///
    /// The stdin reader hands the reply straight to this thread, so the main loop goes
    /// on handling other messages meanwhile, and several threads may wait at once.
    pub fn rpc<P, R>(&self, dest: &str, payload: P, timeout: Duration) -> Result<R, RpcError>
    where
        P: Serialize,
        R: DeserializeOwned,
    {
        let msg_id = self.inner.next_msg_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::sync_channel(1);
        self.waiting().insert(msg_id, tx);
        if let Err(e) = self.write(dest, Some(msg_id), None, payload) {
            self.waiting().remove(&msg_id);
            return Err(RpcError::new(ErrorCode::CRASH, format!("{e:#}")));
        }
        let reply = rx.recv_timeout(timeout);
        self.waiting().remove(&msg_id);
        match reply {
            Ok(body) => decode_reply(body),
            Err(_) => {
                let text = format!("no reply from {dest} in {timeout:?}");
                Err(RpcError::new(ErrorCode::TIMEOUT, text))
            }
        }
    }
    // ANCHOR_END: rpc

    // ANCHOR: deliver_reply
    /// If a thread waits in [`Node::rpc`] for this reply, hands it over and returns
    /// `None`; otherwise gives the message back.
    pub(crate) fn deliver_reply(&self, msg: Message<Value>) -> Option<Message<Value>> {
        let waiter = msg
            .body
            .in_reply_to
            .and_then(|id| self.waiting().remove(&id));
        let Some(waiter) = waiter else {
            return Some(msg);
        };
        // The waiter may have timed out just now; then nobody needs the reply.
        let _ = waiter.try_send(msg.into_payload());
        None
    }
    // ANCHOR_END: deliver_reply

    fn waiting(&self) -> MutexGuard<'_, HashMap<u64, SyncSender<Value>>> {
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
        let msg = Message::new(self.id(), dest, msg_id, in_reply_to, payload);
        // Serialize before taking the lock, so other threads wait only for the write.
        let mut line = serde_json::to_string(&msg)?;
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
pub(crate) fn decode_reply<R: DeserializeOwned>(body: Value) -> Result<R, RpcError> {
    let malformed = |e| RpcError::new(ErrorCode::CRASH, format!("malformed reply: {e}"));
    if body.get("type") == Some(&Value::from("error")) {
        return Err(RpcError::deserialize(&body).map_err(malformed)?);
    }
    R::deserialize(&body).map_err(malformed)
}

/// What a [`Node::in_memory`] node has sent, for tests to inspect.
#[derive(Debug, Clone, Default)]
pub struct Sent {
    bytes: Arc<Mutex<Vec<u8>>>,
}

impl Sent {
    /// Takes every message sent so far, parsed with payload type `P`.
    ///
    /// # Panics
    /// If a line is not a `Message<P>`: this is meant for tests.
    pub fn take<P: DeserializeOwned>(&self) -> Vec<Message<P>> {
        let bytes = std::mem::take(&mut *self.bytes.lock().unwrap());
        let lines = bytes.split(|&b| b == b'\n').filter(|line| !line.is_empty());
        let parse = |line| serde_json::from_slice(line).expect("every line sent is a message");
        lines.map(parse).collect()
    }
}

impl Write for Sent {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut bytes = self.bytes.lock().unwrap_or_else(|e| e.into_inner());
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Payload {
        Ping,
        Pong { n: u64 },
    }

    #[test]
    fn reply_goes_back_to_the_sender_in_reply_to_its_msg_id() {
        let (node, sent) = Node::in_memory("n0", &["n0", "n1", "n2"]);
        assert_eq!(node.peers().collect::<Vec<_>>(), ["n1", "n2"]);
        let request = Message::request("c1", "n0", 7, Payload::Ping);
        node.reply(&request, Payload::Pong { n: 1 }).unwrap();
        node.send("n1", Payload::Ping).unwrap();
        let out = serde_json::to_value(sent.take::<Value>()).unwrap();
        let reply = json!({"src": "n0", "dest": "c1",
            "body": {"type": "pong", "n": 1, "in_reply_to": 7}});
        let gossip = json!({"src": "n0", "dest": "n1", "body": {"type": "ping"}});
        assert_eq!(out, json!([reply, gossip]));
    }

    /// Plays the other side of an rpc: waits for the request `sent` holds, answers it
    /// with `body` through the reader's path, and returns the request's body.
    pub(crate) fn answer(node: &Node, sent: &Sent, mut body: Value) -> Value {
        let request = loop {
            match sent.take::<Value>().pop() {
                Some(request) => break request,
                None => std::thread::sleep(Duration::from_millis(1)),
            }
        };
        body["in_reply_to"] = json!(request.body.msg_id);
        let reply = json!({"src": request.dest, "dest": "n0", "body": body});
        let reply = serde_json::from_value(reply).unwrap();
        assert!(node.deliver_reply(reply).is_none(), "a thread waits for it");
        request.body.payload
    }

    #[test]
    fn rpc_gets_its_reply_from_the_reader() {
        let (node, sent) = Node::in_memory("n0", &["n0", "n1"]);
        let waiter = node.clone();
        let call = std::thread::spawn(move || {
            waiter.rpc::<_, Payload>("n1", Payload::Ping, Duration::from_secs(5))
        });
        let request = answer(&node, &sent, json!({"type": "pong", "n": 3}));
        assert_eq!(request, json!({"type": "ping"}));
        assert_eq!(call.join().unwrap(), Ok(Payload::Pong { n: 3 }));
    }

    #[test]
    fn rpc_reports_timeouts_error_replies_and_malformed_replies_as_errors() {
        let (node, _) = Node::in_memory("n0", &["n0"]);
        let err = node.rpc::<_, Payload>("n1", Payload::Ping, Duration::from_millis(10));
        assert_eq!(err.unwrap_err().code, ErrorCode::TIMEOUT);
        let err = decode_reply::<Payload>(json!({"type": "error", "code": 22, "text": "no"}));
        let precondition_failed = RpcError::new(ErrorCode::PRECONDITION_FAILED, "no");
        assert_eq!(err, Err(precondition_failed));
        for body in [json!({"type": "error"}), json!({"type": "pong"}), json!(7)] {
            let err = decode_reply::<Payload>(body).unwrap_err();
            assert_eq!(err.code, ErrorCode::CRASH, "{err}");
        }
    }
}
