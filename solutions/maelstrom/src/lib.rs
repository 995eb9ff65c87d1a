//! A small, synchronous helper for writing [Maelstrom] nodes.
//!
//! A node is a program that reads one JSON message per line on stdin and writes one per
//! line on stdout. This crate does the plumbing every node shares, so a solution is only
//! its own logic:
//!
//! - [`Message`] and [`Body`]: the envelope, with your own payload enum inside;
//! - [`init`]: the `init` / `init_ok` handshake, then a thread that sends every later
//!   message into your event channel, for your main loop to handle;
//! - [`Node`]: `send`, `reply`, and `rpc`, a request that blocks until its reply;
//! - [`kv`]: a client for Maelstrom's key-value services, built on `rpc`;
//! - [`Node::in_memory`] and [`Message::request`]: node logic under test, without stdin.
//!
//! [Maelstrom]: https://github.com/jepsen-io/maelstrom

mod input;
pub mod kv;
mod message;
mod node;

pub use input::{init, init_with};
pub use message::{Body, ErrorCode, Message, RpcError};
pub use node::{Node, Sent};
