//! A Maelstrom-compatible test runner, organized the way its data flows:
//!
//! processes and network → workloads that generate operations → a history → checkers →
//! a report.
//!
//! - the run's description: `options` (what a run is asked to do), `cli` (the command
//!   line that asks it);
//! - processes and network: `process`, `net`, `nemesis`, `service`, `client`, with `rpc`
//!   (requests, replies and error codes), `json` (the nodes' JSON, integers of any
//!   size kept exact) and `clock`, `sync`;
//! - workloads: `workload`, one module each;
//! - the history: `history`;
//! - checkers: `checker`, one module each;
//! - the report: `outcome`, `report`, `store`, `viz`, and `serve` to browse it;
//! - `run` drives a test through all of them.
//!
//! Modules import only along this flow; `ci/tests/runner/structure.rs` checks that no
//! two import each other, however indirectly.

pub mod checker;
pub mod cli;
pub mod client;
pub mod clock;
pub mod history;
pub mod json;
pub mod nemesis;
pub mod net;
pub mod options;
pub mod outcome;
pub mod process;
pub mod report;
pub mod rpc;
pub mod run;
pub mod serve;
pub mod service;
pub mod store;
pub mod sync;
pub mod viz;
pub mod workload;
