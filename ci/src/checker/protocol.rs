//! Protocol problems the runner saw while the nodes ran: this runner's own check
//! ([`super::RUNNERS_OWN`]), marked so in the summary. Lines that are not messages,
//! messages to nobody, and output left without its trailing newline make the run
//! invalid; client timeouts are explained.
//!
//! Maelstrom has no such check. At a line that is not a message, or one whose `src` or
//! `dest` is not on the network, its stdout thread throws and stops reading that node
//! (`src/maelstrom/process.clj`, `stdout-thread` and `io-thread`; `validate-msg` in
//! `src/maelstrom/net.clj`), and a line without its newline is never read: Maelstrom
//! shows these only through the timeouts that follow, if any. The runner keeps reading
//! and fails the run instead, so it can fail a node Maelstrom would pass (a stray line
//! after the last reply); the runner chapter (src/runner.md) explains why.

use std::time::Duration;

use serde::Serialize;

use super::{Validity, Verdict};
use crate::history::Op;
use crate::net::Unmatched;
use crate::process::{Violation, shorten};

/// What the run observed about the nodes' output.
#[derive(Debug, Default)]
pub struct Observed {
    pub violations: u64,
    pub examples: Vec<Violation>,
    /// Output that never got its newline.
    pub unterminated: Vec<Unterminated>,
    /// Nodes that had stopped reading their stdin.
    pub stdin_blocked: Vec<StdinBlocked>,
    /// Messages to clients that had no `in_reply_to`.
    pub unmatched: Unmatched,
}

/// Text a node printed with no newline after it.
#[derive(Debug, Clone, Serialize)]
pub struct Unterminated {
    pub node: String,
    pub text: String,
}

/// A node whose stdin had not been read for a while when the test ended.
#[derive(Debug, Clone, Serialize)]
pub struct StdinBlocked {
    pub node: String,
    pub seconds: f64,
}

/// What the run observed, and the history's timeouts explained; a client waited
/// `client_timeout` for each reply.
pub fn check(observed: &Observed, history: &[Op], client_timeout: Duration) -> Verdict {
    let valid = observed.violations == 0 && observed.unterminated.is_empty();
    let mut verdict = Verdict::new(Validity::from_bool(valid))
        .with("violation-count", observed.violations)
        .with("violations", &observed.examples)
        .with("replies-without-in-reply-to", observed.unmatched.count)
        .with("stdin-blocked", &observed.stdin_blocked)
        .with("unterminated", &observed.unterminated);
    if let Some(first) = observed.examples.first() {
        verdict = verdict.explain(format!(
            "{} lines on the nodes' stdout were not messages that could be sent.",
            observed.violations
        ));
        verdict = verdict.explain(first.describe());
    }
    for Unterminated { node, text } in &observed.unterminated {
        verdict = verdict.explain(format!(
            "{node} printed {} with no newline after it, so it was never read as a message \
             (see the book: Troubleshooting › A reply without a trailing newline)",
            shorten(text, 120)
        ));
    }
    for StdinBlocked { node, seconds } in &observed.stdin_blocked {
        verdict = verdict.explain(format!(
            "{node} had not read its stdin for {seconds:.1} s when the test ended, so messages \
             to it piled up (see the book: Troubleshooting › A node that blocks its stdin \
             reader)"
        ));
    }
    if let Some((node, body)) = &observed.unmatched.example {
        verdict = verdict.explain(format!(
            "{} messages to clients had no in_reply_to, so they answered no request; the \
             first, from {node}: {} (see the book: Troubleshooting › A reply without \
             in_reply_to)",
            observed.unmatched.count,
            shorten(body, 120)
        ));
    }
    // A timeout `with-errors` caught, or one that escaped as an exception (g-counter).
    let timeouts = history
        .iter()
        .filter(|op| {
            op.is_client() && op.error.as_ref().is_some_and(|e| e == "net-timeout")
                || op.exception_kind() == Some("timeout")
        })
        .count();
    if timeouts > 0 {
        let hint = if observed.unmatched.count > 0 {
            "(their replies, if any, had no in_reply_to: see above)"
        } else {
            "(see the book: Troubleshooting › A node that blocks its stdin reader)"
        };
        let seconds = client_timeout.as_secs_f64();
        verdict = verdict.explain(format!(
            "{timeouts} requests got no reply within {seconds} s {hint}"
        ));
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::OpType;
    use serde_json::Value;

    #[test]
    fn violations_and_lost_newlines_invalidate_timeouts_explain() {
        let five = crate::rpc::TIMEOUT;
        let clean = check(&Observed::default(), &[], five);
        assert_eq!(clean.valid, Validity::Valid);
        assert!(clean.explanation.is_empty());

        let unterminated = Observed {
            unterminated: vec![Unterminated {
                node: "n0".into(),
                text: "{\"src\":\"n0\"".into(),
            }],
            ..Observed::default()
        };
        let v = check(&unterminated, &[], five);
        assert_eq!(v.valid, Validity::Invalid);
        assert!(v.explanation[0].contains("A reply without a trailing newline"));

        let timeout = Op {
            error: Some("net-timeout".into()),
            ..Op::client(0, OpType::Info, 0, "echo", Value::Null)
        };
        let timeouts = [timeout];
        let v = check(&Observed::default(), &timeouts, five);
        assert_eq!(v.valid, Validity::Valid);
        assert!(v.explanation[0].starts_with("1 requests got no reply within 5 s"));
        // The workload's own timeout (lin-kv's, with --latency 250).
        let lin_kv = Duration::from_millis(2500);
        let v = check(&Observed::default(), &timeouts, lin_kv);
        assert!(v.explanation[0].starts_with("1 requests got no reply within 2.5 s"));
    }
}
