//! Init and setup: every node gets its `init` and, for workloads that have one, a setup
//! request; a node that does not answer is told what it printed instead.

use std::thread;
use std::time::Duration;

use serde_json::{Value, json};

use super::{FailureKind, Run};
use crate::client::NetClient;
use crate::outcome::Failure;
use crate::rpc::{ErrorCode, RpcFailure};
use crate::workload::schema::expect_reply;

/// How long a node has to answer `init`.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);

impl Run<'_> {
    /// Sends every node its `init` at once; true when all answered `init_ok`.
    pub(super) fn init_all(&self) -> bool {
        let problems: Vec<String> = thread::scope(|s| {
            let handles: Vec<_> = self
                .nodes
                .iter()
                .map(|node| s.spawn(move || self.init(node)))
                .collect();
            handles
                .into_iter()
                .filter_map(|h| h.join().unwrap_or(Some("init thread panicked".into())))
                .collect()
        });
        if self.abort.is_aborted() {
            return false;
        }
        if problems.is_empty() {
            return true;
        }
        self.abort.fail(Failure {
            kind: FailureKind::Init,
            message: problems.join("\n\n"),
        });
        false
    }

    /// `None` when `node` answered its `init` with `init_ok`, else what went wrong.
    fn init(&self, node: &str) -> Option<String> {
        let mut client =
            NetClient::open(&self.net, node, self.abort.signal()).with_timeout(INIT_TIMEOUT);
        let body = json!({"type": "init", "node_id": node, "node_ids": self.nodes});
        let reply = client.request(body);
        if self.abort.is_aborted() {
            return None; // The crash report says more than a timeout would.
        }
        match reply {
            Ok(reply) if reply.get("type").and_then(Value::as_str) == Some("init_ok") => None,
            Ok(reply) => Some(format!(
                "{node} answered init with {reply}, but the reply must have type init_ok \
                 (see the book: Troubleshooting › Not answering init)"
            )),
            Err(RpcFailure::Error { code, text }) => Some(format!(
                "{node} answered init with error {code} ({}) {text:?} \
                 (see the book: Troubleshooting › Not answering init)",
                ErrorCode::name_of(code)
            )),
            Err(RpcFailure::Malformed(why)) => Some(format!("{node}: {why}")),
            Err(RpcFailure::Timeout) => Some(self.init_timeout(node, client.id())),
        }
    }

    /// Explains a missing `init_ok` from what the node did print.
    fn init_timeout(&self, node: &str, client: &str) -> String {
        let secs = INIT_TIMEOUT.as_secs();
        let Some(process) = self.cluster.node(node) else {
            return format!("{node} did not answer init within {secs} s");
        };
        let mut message = format!("{node} did not answer init within {secs} s.");
        let printed = process.tails.stdout();
        let (section, detail) = match printed.iter().find_map(|l| init_reply_problem(l, client)) {
            Some((section, detail)) => (section, detail),
            None if process.tails.unterminated(Duration::ZERO).is_some() => (
                "A reply without a trailing newline",
                "It printed a line without a newline at the end, so it was never read.".into(),
            ),
            None if printed.is_empty() => (
                "Not answering init",
                "It printed nothing on stdout.".to_string(),
            ),
            None => ("Not answering init", String::new()),
        };
        if !detail.is_empty() {
            message.push(' ');
            message.push_str(&detail);
        }
        if !printed.is_empty() {
            message.push_str(&format!(
                "\nWhat it printed on stdout instead:\n    {}",
                printed.join("\n    ")
            ));
        }
        let stderr = process.tails.stderr();
        if !stderr.is_empty() {
            message.push_str(&format!(
                "\nIts last lines on stderr:\n    {}",
                stderr.join("\n    ")
            ));
        }
        message.push_str(&format!("\n(see the book: Troubleshooting › {section})"));
        message
    }

    /// Each node's setup request (broadcast's `topology`), from a client that stays open
    /// until teardown as Jepsen's do. `None` if one failed.
    pub(super) fn setup_all(&self) -> Option<Vec<NetClient>> {
        let mut clients = Vec::new();
        let Some(setup_request) = self.workload.setup_request else {
            return Some(clients);
        };
        for node in self.nodes {
            let body = setup_request(node, self.options);
            let mut client = NetClient::open(&self.net, node, self.abort.signal());
            let kind = body
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let reply = client
                .request(body)
                .and_then(|reply| expect_reply(&reply, &format!("{kind}_ok"), &[]));
            if self.abort.is_aborted() {
                return None;
            }
            if let Err(failure) = reply {
                self.abort.fail(Failure {
                    kind: FailureKind::Init,
                    message: format!("{node} did not answer {kind} properly: {failure:?}"),
                });
                return None;
            }
            clients.push(client);
        }
        Some(clients)
    }
}

/// Says what is wrong with a line a node printed in reply to `init`, if it looks like
/// an attempt at `init_ok`.
fn init_reply_problem(line: &str, client: &str) -> Option<(&'static str, String)> {
    let msg: Value = serde_json::from_str(line).ok()?;
    let body = msg.get("body")?;
    if body.get("type").and_then(Value::as_str) != Some("init_ok") {
        return None;
    }
    if msg.get("dest").and_then(Value::as_str) != Some(client) {
        return Some((
            "Answering to the wrong dest",
            format!(
                "Its init_ok went to {}, but init came from {client}: a reply goes to the \
                 request's src.",
                msg.get("dest").unwrap_or(&Value::Null)
            ),
        ));
    }
    if body.get("in_reply_to").and_then(Value::as_u64).is_none() {
        return Some((
            "A reply without in_reply_to",
            "Its init_ok has no in_reply_to, so it answers nothing: copy the request's msg_id \
             into in_reply_to."
                .to_string(),
        ));
    }
    None
}
