//! Maelstrom's synchronous client (`src/maelstrom/client.clj`): one network id `cN`,
//! `msg_id`s from 1, one request outstanding, and a timeout.

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, select};
use serde_json::{Value, json};

use crate::net::{Inbox, Network};
use crate::rpc::{Rpc, RpcFailure};

/// Maelstrom's client timeout.
pub const RPC_TIMEOUT: Duration = Duration::from_secs(5);

/// A client bound to one node. Dropping it closes it: it leaves the network, and
/// replies that arrive later are dropped there.
pub struct NetClient {
    id: String,
    node: String,
    net: Network,
    inbox: Inbox,
    next_msg_id: u64,
    timeout: Duration,
    /// Disconnects when the run is aborted, so a waiting call returns at once.
    abort: Receiver<()>,
}

impl NetClient {
    /// Opens a client with the next free `cN` id.
    pub fn open(net: &Network, node: &str, abort: &Receiver<()>) -> NetClient {
        let (id, inbox) = net.open_client();
        NetClient {
            id,
            node: node.to_string(),
            net: net.clone(),
            inbox,
            next_msg_id: 1,
            timeout: RPC_TIMEOUT,
            abort: abort.clone(),
        }
    }

    pub fn with_timeout(mut self, timeout: Duration) -> NetClient {
        self.timeout = timeout;
        self
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Sends `body` with a fresh `msg_id` and waits for the message whose `in_reply_to`
    /// matches, returning its whole body. Every other message is discarded, as in
    /// Maelstrom. An error body becomes [`RpcFailure::Error`].
    pub fn request(&mut self, mut body: Value) -> Result<Value, RpcFailure> {
        let msg_id = self.next_msg_id;
        self.next_msg_id += 1;
        match body.as_object_mut() {
            Some(fields) => {
                fields.insert("msg_id".into(), json!(msg_id));
            }
            None => return Err(RpcFailure::Malformed("request is not an object".into())),
        }
        let raw = serde_json::value::to_raw_value(&body)
            .map_err(|e| RpcFailure::Malformed(e.to_string()))?;
        if self.net.send(&self.id, &self.node, raw).is_err() {
            // The node left the network: the run is ending.
            return Err(RpcFailure::Timeout);
        }
        let deadline = Instant::now() + self.timeout;
        loop {
            let packet = select! {
                recv(self.inbox) -> packet => match packet {
                    Ok(packet) => packet,
                    Err(_) => return Err(RpcFailure::Timeout),
                },
                recv(self.abort) -> _ => return Err(RpcFailure::Timeout),
                default(deadline.saturating_duration_since(Instant::now())) => {
                    return Err(RpcFailure::Timeout)
                }
            };
            let Ok(reply) = serde_json::from_str::<Value>(packet.body.get()) else {
                continue;
            };
            match reply.get("in_reply_to").and_then(Value::as_u64) {
                Some(id) if id == msg_id => {}
                Some(_) => continue, // late, for an earlier request
                None => {
                    self.net.note_unmatched(&packet);
                    continue;
                }
            }
            return as_result(reply);
        }
    }
}

/// An `error` body becomes an [`RpcFailure::Error`]; anything else is the reply.
fn as_result(reply: Value) -> Result<Value, RpcFailure> {
    if reply.get("type").and_then(Value::as_str) != Some("error") {
        return Ok(reply);
    }
    match reply.get("code").and_then(Value::as_u64) {
        Some(code) => Err(RpcFailure::Error {
            code,
            text: reply
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        }),
        None => Err(RpcFailure::Malformed(format!(
            "an error reply needs an integer code: {reply}"
        ))),
    }
}

impl Rpc for NetClient {
    fn node(&self) -> &str {
        &self.node
    }

    fn call(&mut self, body: Value) -> Result<Value, RpcFailure> {
        self.request(body)
    }
}

impl Drop for NetClient {
    fn drop(&mut self) {
        self.net.unregister(&self.id);
    }
}
