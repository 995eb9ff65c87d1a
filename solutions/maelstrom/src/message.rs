//! The shape of every message on the wire, and Maelstrom's error codes.

use serde::{Deserialize, Serialize};

/// One message: who sent it, who it is for, and what it says.
///
/// `P` is the payload: usually an enum of every message type a node speaks, tagged by
/// `"type"`. Inbound messages also carry a network-wide `"id"`, which nodes ignore, so
/// it has no field here and serde skips it.
// ANCHOR: message
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message<P> {
    pub src: String,
    pub dest: String,
    pub body: Body<P>,
}

/// The body: the two reserved id fields, then the payload's own fields beside them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Body<P> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<u64>,
    #[serde(flatten)]
    pub payload: P,
}
// ANCHOR_END: message

impl<P> Message<P> {
    // ANCHOR: request
    /// A request from `src` to `dest`, as a node reads it from stdin: what a unit test
    /// hands to the code under test.
    pub fn request(src: &str, dest: &str, msg_id: u64, payload: P) -> Message<P> {
        Message::new(src, dest, Some(msg_id), None, payload)
    }
    // ANCHOR_END: request

    pub(crate) fn new(
        src: &str,
        dest: &str,
        msg_id: Option<u64>,
        in_reply_to: Option<u64>,
        payload: P,
    ) -> Message<P> {
        let body = Body {
            msg_id,
            in_reply_to,
            payload,
        };
        let (src, dest) = (src.to_string(), dest.to_string());
        Message { src, dest, body }
    }

    /// The payload, for a `match`.
    pub fn payload(&self) -> &P {
        &self.body.payload
    }

    /// Consumes the message and keeps only its payload.
    pub fn into_payload(self) -> P {
        self.body.payload
    }

    /// The same message with another payload: the reader's typed copy of a line.
    pub(crate) fn with_payload<Q>(&self, payload: Q) -> Message<Q> {
        let Body {
            msg_id,
            in_reply_to,
            ..
        } = self.body;
        Message::new(&self.src, &self.dest, msg_id, in_reply_to, payload)
    }
}

// ANCHOR: init_payload
/// The first message every node receives, and the reply it must send.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum InitPayload {
    Init {
        node_id: String,
        node_ids: Vec<String>,
    },
    InitOk,
}
// ANCHOR_END: init_payload

// ANCHOR: error_code
/// One of Maelstrom's error codes (0–999), or a user code (1000 and up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ErrorCode(pub u32);

impl ErrorCode {
    pub const TIMEOUT: Self = Self(0);
    pub const NODE_NOT_FOUND: Self = Self(1);
    pub const NOT_SUPPORTED: Self = Self(10);
    pub const TEMPORARILY_UNAVAILABLE: Self = Self(11);
    pub const MALFORMED_REQUEST: Self = Self(12);
    pub const CRASH: Self = Self(13);
    pub const ABORT: Self = Self(14);
    pub const KEY_DOES_NOT_EXIST: Self = Self(20);
    pub const KEY_ALREADY_EXISTS: Self = Self(21);
    pub const PRECONDITION_FAILED: Self = Self(22);
    pub const TXN_CONFLICT: Self = Self(30);
}

/// Each of Maelstrom's codes with its name, and whether it is definite: whether it
/// promises that the operation did not happen. From Maelstrom's resources/errors.edn.
const CODES: [(ErrorCode, &str, bool); 11] = [
    (ErrorCode::TIMEOUT, "timeout", false),
    (ErrorCode::NODE_NOT_FOUND, "node-not-found", true),
    (ErrorCode::NOT_SUPPORTED, "not-supported", true),
    (
        ErrorCode::TEMPORARILY_UNAVAILABLE,
        "temporarily-unavailable",
        true,
    ),
    (ErrorCode::MALFORMED_REQUEST, "malformed-request", true),
    (ErrorCode::CRASH, "crash", false),
    (ErrorCode::ABORT, "abort", true),
    (ErrorCode::KEY_DOES_NOT_EXIST, "key-does-not-exist", true),
    (ErrorCode::KEY_ALREADY_EXISTS, "key-already-exists", true),
    (ErrorCode::PRECONDITION_FAILED, "precondition-failed", true),
    (ErrorCode::TXN_CONFLICT, "txn-conflict", true),
];
// ANCHOR_END: error_code

impl ErrorCode {
    /// A definite error promises the operation did not happen; an indefinite one (a
    /// timeout, a crash, any code Maelstrom does not know) leaves the outcome open.
    pub fn is_definite(self) -> bool {
        CODES
            .iter()
            .any(|&(code, _, definite)| code == self && definite)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match CODES.iter().find(|&&(code, ..)| code == *self) {
            Some((_, name, _)) => write!(f, "{} ({name})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

// ANCHOR: rpc_error
/// An error reply, `{"type": "error", "code": 11, "text": "..."}`, and the error of a
/// [`crate::Node::rpc`] that got none: `timeout` when no reply came in time, `crash`
/// when the request could not be sent or the reply made no sense. Both are indefinite:
/// the request may still take effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "error")]
pub struct RpcError {
    pub code: ErrorCode,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
}
// ANCHOR_END: rpc_error

impl RpcError {
    pub fn new(code: ErrorCode, text: impl Into<String>) -> RpcError {
        let text = text.into();
        RpcError { code, text }
    }
}

impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error {}: {}", self.code, self.text)
    }
}

impl std::error::Error for RpcError {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn the_wire_format_round_trips_without_absent_ids_or_the_network_id() {
        let line = r#"{"id":4,"src":"c1","dest":"n0","body":{"type":"echo","msg_id":1}}"#;
        let msg: Message<Value> = serde_json::from_str(line).unwrap();
        assert_eq!(
            msg,
            Message::request("c1", "n0", 1, json!({"type": "echo"}))
        );
        let out = serde_json::to_value(msg.with_payload(json!({"type": "echo_ok"}))).unwrap();
        let body = json!({"type": "echo_ok", "msg_id": 1});
        assert_eq!(out, json!({"src": "c1", "dest": "n0", "body": body}));
    }

    #[test]
    fn error_replies_and_codes_follow_maelstrom() {
        let error = RpcError::new(ErrorCode::TXN_CONFLICT, "busy");
        let value = serde_json::to_value(&error).unwrap();
        assert_eq!(value, json!({"type": "error", "code": 30, "text": "busy"}));
        assert_eq!(error.to_string(), "error 30 (txn-conflict): busy");
        assert!(!ErrorCode::TIMEOUT.is_definite());
        assert!(!ErrorCode::CRASH.is_definite());
        assert!(ErrorCode::PRECONDITION_FAILED.is_definite());
        assert!(!ErrorCode(1000).is_definite());
        assert_eq!(ErrorCode(1000).to_string(), "1000");
    }
}
