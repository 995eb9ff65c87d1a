//! A reference answer to the read-committed chapter's exercise "a fractured read": the
//! stores of part 2 (`txn_2`) and part 3 (`txn_3`), used as they are, and tests that
//! put the same question to both. Replication and transactions are the same code in
//! both steps.

// Links to the steps' own files: part2.rs is txn_2's store.rs, part3.rs is txn_3's.
pub mod part2;
pub mod part3;
pub mod replication;
pub mod txn;

#[cfg(test)]
mod tests {
    use crate::txn::Kind::{Read, Write as W};
    use crate::txn::MicroOp;
    use crate::{part2, part3};

    fn nodes() -> Vec<String> {
        vec!["n0".to_string(), "n1".to_string()]
    }

    /// Runs one read-only transaction that reads registers 1 and 2.
    fn read_both(execute: impl FnOnce(&[MicroOp]) -> Vec<MicroOp>) -> (Option<u64>, Option<u64>) {
        let done = execute(&[MicroOp(Read, 1, None), MicroOp(Read, 2, None)]);
        (done[0].2, done[1].2)
    }

    // ANCHOR: fractured
    /// T writes registers 1 and 2 on n0. A batch holds one change. In part 2 a change is
    /// a write, so the first batch brings T's write to register 1 alone, and a reader on
    /// n1 sees T's 1 next to the older value of 2 (none at all): a fractured read.
    #[test]
    fn part_2_shows_a_fractured_read() {
        let mut n0 = part2::Store::new("n0", &nodes(), 1);
        let mut n1 = part2::Store::new("n1", &nodes(), 1);
        n0.execute(&[MicroOp(W, 1, Some(5)), MicroOp(W, 2, Some(5))]);
        let batch = n0.batch_for("n1").unwrap();
        n1.receive("n0", batch);
        assert_eq!(read_both(|t| n1.execute(t)), (Some(5), None));
    }

    /// The same in part 3: a change is a whole transaction, so a reader on n1 sees all
    /// of T or none of it.
    #[test]
    fn part_3_shows_all_of_a_transaction_or_none() {
        let mut n0 = part3::Store::new("n0", &nodes(), 1);
        let mut n1 = part3::Store::new("n1", &nodes(), 1);
        n0.execute(&[MicroOp(W, 1, Some(5)), MicroOp(W, 2, Some(5))]);
        assert_eq!(read_both(|t| n1.execute(t)), (None, None));
        let batch = n0.batch_for("n1").unwrap();
        n1.receive("n0", batch);
        assert_eq!(read_both(|t| n1.execute(t)), (Some(5), Some(5)));
    }
    // ANCHOR_END: fractured

    // ANCHOR: not_fractured
    /// Mixed, but not fractured: n1 writes register 2 (transaction U) with a clock well
    /// ahead of n0's, then n0's transaction T, which wrote 1 and 2, arrives. Register 2
    /// keeps U's value, because U's version is larger: U comes after T. A reader sees
    /// T's 1 next to a *newer* 2, which read atomic allows.
    #[test]
    fn a_newer_value_next_to_a_transaction_is_not_a_fractured_read() {
        let mut n0 = part3::Store::new("n0", &nodes(), 10);
        let mut n1 = part3::Store::new("n1", &nodes(), 10);
        for value in 1..=3 {
            n1.execute(&[MicroOp(W, 2, Some(100 + value))]);
        }
        n0.execute(&[MicroOp(W, 1, Some(7)), MicroOp(W, 2, Some(7))]);
        let batch = n0.batch_for("n1").unwrap();
        n1.receive("n0", batch);
        assert_eq!(read_both(|t| n1.execute(t)), (Some(7), Some(103)));
        // n0 settles the same way once n1's transactions arrive: U is the later one.
        let batch = n1.batch_for("n0").unwrap();
        n0.receive("n1", batch);
        assert_eq!(read_both(|t| n0.execute(t)), (Some(7), Some(103)));
    }
    // ANCHOR_END: not_fractured
}
