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
    /// The payload, for a `match`.
    pub fn payload(&self) -> &P {
        &self.body.payload
    }

    /// Consumes the message and keeps only its payload.
    pub fn into_payload(self) -> P {
        self.body.payload
    }
}

// ANCHOR: init_payload
/// The first message every node receives, and the reply it must send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum InitPayload {
    Init {
        node_id: String,
        node_ids: Vec<String>,
    },
    InitOk,
}
// ANCHOR_END: init_payload

/// One of Maelstrom's error codes (0–999), or a user code (1000 and up).
// ANCHOR: error_code
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
    // ANCHOR_END: error_code

    /// A definite error promises the operation did not happen; an indefinite one
    /// (a timeout, a crash, any unknown code) leaves the outcome open.
    pub fn is_definite(self) -> bool {
        matches!(self.0, 1 | 10 | 11 | 12 | 14 | 20 | 21 | 22 | 30)
    }

    /// Maelstrom's name for the code.
    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "timeout",
            1 => "node-not-found",
            10 => "not-supported",
            11 => "temporarily-unavailable",
            12 => "malformed-request",
            13 => "crash",
            14 => "abort",
            20 => "key-does-not-exist",
            21 => "key-already-exists",
            22 => "precondition-failed",
            30 => "txn-conflict",
            _ => "unknown",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.0, self.name())
    }
}

// ANCHOR: error_body
/// The body of an error reply: `{"type": "error", "code": 11, "text": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "error")]
pub struct ErrorBody {
    pub code: ErrorCode,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
}
// ANCHOR_END: error_body

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Payload {
        Echo { echo: String },
    }

    #[test]
    fn inbound_message_parses_and_ignores_the_network_id() {
        let line =
            r#"{"id":4,"src":"c1","dest":"n0","body":{"type":"echo","msg_id":1,"echo":"hi"}}"#;
        let msg: Message<Payload> = serde_json::from_str(line).unwrap();
        assert_eq!(msg.src, "c1");
        assert_eq!(msg.body.msg_id, Some(1));
        assert_eq!(msg.body.in_reply_to, None);
        assert_eq!(msg.into_payload(), Payload::Echo { echo: "hi".into() });
    }

    #[test]
    fn outbound_message_omits_absent_ids() {
        let msg = Message {
            src: "n0".into(),
            dest: "c1".into(),
            body: Body {
                msg_id: None,
                in_reply_to: Some(1),
                payload: Payload::Echo { echo: "hi".into() },
            },
        };
        let value = serde_json::to_value(&msg).unwrap();
        let expected = json!({"src": "n0", "dest": "c1",
            "body": {"type": "echo", "in_reply_to": 1, "echo": "hi"}});
        assert_eq!(value, expected);
    }

    #[test]
    fn error_body_has_type_error() {
        let body = ErrorBody {
            code: ErrorCode::TXN_CONFLICT,
            text: "busy".into(),
        };
        let value = serde_json::to_value(&body).unwrap();
        assert_eq!(value, json!({"type": "error", "code": 30, "text": "busy"}));
    }

    #[test]
    fn definite_codes_follow_maelstrom() {
        assert!(!ErrorCode::TIMEOUT.is_definite());
        assert!(!ErrorCode::CRASH.is_definite());
        assert!(ErrorCode::TEMPORARILY_UNAVAILABLE.is_definite());
        assert!(ErrorCode::PRECONDITION_FAILED.is_definite());
        assert!(!ErrorCode(1000).is_definite());
        assert!(!ErrorCode(42).is_definite());
    }
}
