//! A small, synchronous helper for writing [Maelstrom] nodes.
//!
//! A node is a program that reads one JSON message per line on stdin and writes one per
//! line on stdout. This crate does the plumbing every node shares, so a solution is only
//! its own logic:
//!
//! - [`Message`] and [`Body`]: the envelope, with your own payload enum inside;
//! - [`init`]: the `init` / `init_ok` handshake, returning a [`Node`] and an [`Input`];
//! - [`Input`]: stdin read on a thread of its own, as a channel of messages;
//! - [`Node`]: `send`, `reply`, `reply_error` and a blocking `rpc` with a timeout;
//! - [`kv`]: a client for Maelstrom's key-value services, built on `rpc`.
//!
//! [Maelstrom]: https://github.com/jepsen-io/maelstrom

mod input;
pub mod kv;
mod message;
mod node;

pub use input::{Input, init, init_with};
pub use message::{Body, ErrorBody, ErrorCode, Message};
pub use node::{Node, RpcError, Sent};
