//! A reference answer to the read-uncommitted chapter's exercise "per-write versions":
//! `txn_2`'s store with the clock ticked once per write instead of once per transaction
//! (`store.rs`), and a test in which the nodes agree on a state that no order of the
//! transactions explains. Replication and transactions are `txn_2`'s own.

#[path = "../../../solutions/txn_2/src/replication.rs"]
pub mod replication;
pub mod store;
#[path = "../../../solutions/txn_2/src/txn.rs"]
pub mod txn;
