//! A Maelstrom-compatible test runner, organized the way its data flows:
//!
//! processes and network → workloads that generate operations → a history → checkers →
//! a report.

pub mod checker;
pub mod cli;
pub mod client;
pub mod clock;
pub mod history;
pub mod json;
pub mod nemesis;
pub mod net;
pub mod process;
pub mod report;
pub mod run;
pub mod serve;
pub mod service;
pub mod sync;
pub mod viz;
pub mod workload;
pub mod xtask;
