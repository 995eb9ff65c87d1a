//! The runner's tests, as one program of many modules: cargo runs the tests of one
//! program at the same time, and the programs one after another, so one program lets
//! the slow ones (most wait out their runs' time limits) overlap, and links once.

mod broadcast;
mod browser;
mod command_line;
mod common;
mod echo;
mod g_counter;
mod g_set;
mod install;
mod interrupt;
mod kafka;
mod lin_kv;
mod pn_counter;
mod seeds;
mod structure;
mod troubleshooting;
mod txn;
mod txn_list_append;
mod unique_ids;
