//! The client's side of Maelstrom's protocol: requests to a node, and the ways one can
//! end without a normal reply, error codes included.

use serde_json::Value;

/// Maelstrom's error codes, from its `resources/errors.edn`: each code's name and whether
/// it is definite (the operation certainly did not happen). Codes it does not list,
/// user codes (1000 and up) among them, are indefinite and named `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Timeout = 0,
    NodeNotFound = 1,
    NotSupported = 10,
    TemporarilyUnavailable = 11,
    MalformedRequest = 12,
    Crash = 13,
    Abort = 14,
    KeyDoesNotExist = 20,
    KeyAlreadyExists = 21,
    PreconditionFailed = 22,
    TxnConflict = 30,
}

impl ErrorCode {
    /// `errors.edn`, in its order: (code, name, definite?).
    const TABLE: [(ErrorCode, &'static str, bool); 11] = [
        (ErrorCode::Timeout, "timeout", false),
        (ErrorCode::NodeNotFound, "node-not-found", true),
        (ErrorCode::NotSupported, "not-supported", true),
        (
            ErrorCode::TemporarilyUnavailable,
            "temporarily-unavailable",
            true,
        ),
        (ErrorCode::MalformedRequest, "malformed-request", true),
        (ErrorCode::Crash, "crash", false),
        (ErrorCode::Abort, "abort", true),
        (ErrorCode::KeyDoesNotExist, "key-does-not-exist", true),
        (ErrorCode::KeyAlreadyExists, "key-already-exists", true),
        (ErrorCode::PreconditionFailed, "precondition-failed", true),
        (ErrorCode::TxnConflict, "txn-conflict", true),
    ];

    pub fn code(self) -> u64 {
        self as u64
    }

    fn entry(code: u64) -> Option<(ErrorCode, &'static str, bool)> {
        ErrorCode::TABLE
            .into_iter()
            .find(|(c, ..)| c.code() == code)
    }

    /// Whether `code` is definite: the operation certainly did not happen.
    pub fn is_definite(code: u64) -> bool {
        ErrorCode::entry(code).is_some_and(|(.., definite)| definite)
    }

    /// Maelstrom's name for `code` (`unknown` for codes it does not know).
    pub fn name_of(code: u64) -> &'static str {
        ErrorCode::entry(code).map_or("unknown", |(_, name, _)| name)
    }

    /// An error reply body with this code, as the services send them.
    pub fn reply(self, text: impl Into<String>) -> Value {
        serde_json::json!({"type": "error", "code": self.code(), "text": text.into()})
    }
}

/// Why an RPC from a client to a node gave no normal reply.
#[derive(Debug, Clone, PartialEq)]
pub enum RpcFailure {
    /// No reply within the timeout.
    Timeout,
    /// An error body: `{"type":"error","code":..,"text":..}`.
    Error { code: u64, text: String },
    /// A reply that does not fit the RPC's response schema.
    Malformed(String),
}

/// Sends requests to one node on behalf of one client thread (over the network, by
/// `crate::client`; canned, in tests).
pub trait Rpc {
    /// The node this client talks to.
    fn node(&self) -> &str;
    /// Sends `body` (a JSON object with `type`; `msg_id` is added) to the node and waits
    /// up to Maelstrom's 5 s client timeout for the reply body.
    fn call(&mut self, body: Value) -> Result<Value, RpcFailure>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_named_and_classified_as_in_errors_edn() {
        assert_eq!(ErrorCode::name_of(11), "temporarily-unavailable");
        assert_eq!(ErrorCode::name_of(0), "timeout");
        assert_eq!(ErrorCode::name_of(1000), "unknown");
        let definite: Vec<u64> = (0..100).filter(|&c| ErrorCode::is_definite(c)).collect();
        assert_eq!(definite, [1, 10, 11, 12, 14, 20, 21, 22, 30]);
        assert_eq!(ErrorCode::KeyDoesNotExist.reply("no")["code"], 20);
    }
}
