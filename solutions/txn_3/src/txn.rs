//! What a transaction looks like on the wire.

use serde::{Deserialize, Serialize};

// ANCHOR: micro_op
/// One step of a transaction. On the wire it is a three-element array: a read is
/// `["r", key, null]` and comes back as `["r", key, value]` (still `null` if the key
/// was never written); a write is `["w", key, value]` and comes back unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MicroOp(pub Kind, pub u64, pub Option<u64>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    #[serde(rename = "r")]
    Read,
    #[serde(rename = "w")]
    Write,
}
// ANCHOR_END: micro_op
