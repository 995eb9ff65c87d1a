//! A reference answer to the read-uncommitted chapter's exercise "per-write versions":
//! `txn_2`'s store with the clock ticked once per write instead of once per transaction
//! (`store.rs`), and a test in which the nodes agree on a state that no order of the
//! transactions explains. Replication and transactions are `txn_2`'s own.

pub mod replication;
pub mod store;
pub mod txn;
