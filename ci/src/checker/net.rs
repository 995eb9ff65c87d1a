//! The `net` statistics (Maelstrom's `src/maelstrom/net/checker.clj`): message counts
//! from the journal, and messages per client operation. Always valid.
//!
//! One extension: `servers` also holds `routing-overhead`, quantiles in milliseconds of
//! how long after its due time (send time plus drawn latency) each message between
//! servers was written to a node's stdin. It is what this runner adds to `--latency`.

use serde_json::{Value, json};

use super::{Validity, Verdict};
use crate::history::{Op, OpType};
use crate::net::journal::{GroupStats, NetStats};

/// Client invocations: every operation a client started, final ones included.
pub fn op_count(history: &[Op]) -> u64 {
    history
        .iter()
        .filter(|op| op.is_client() && op.kind == OpType::Invoke)
        .count() as u64
}

/// Maelstrom divides as a 32-bit float; we print the float's shortest decimal form
/// (2.0833333, not 2.0833332538604736).
pub fn msgs_per_op(msgs: u64, ops: u64) -> Value {
    let per_op = msgs as f32 / ops as f32;
    per_op
        .to_string()
        .parse::<f64>()
        .map(Value::from)
        .unwrap_or(Value::Null)
}

pub fn check(stats: &NetStats, history: &[Op]) -> Verdict {
    let ops = op_count(history);
    let group = |g: &GroupStats, per_op: bool| {
        let mut v = serde_json::to_value(g).unwrap_or_default();
        if per_op && ops > 0 {
            v["msgs-per-op"] = msgs_per_op(g.msg_count, ops);
        }
        v
    };
    let mut servers = group(&stats.servers, true);
    if let Some(q) = super::latencies::quantiles_ms(&mut stats.lateness.clone()) {
        servers["routing-overhead"] = q.into();
    }
    Verdict::new(Validity::Valid)
        .with("all", group(&stats.all, true))
        .with("clients", group(&stats.clients, false))
        .with("servers", servers)
        .with(
            "dropped",
            json!({"partition": stats.dropped_partition,
                   "unknown-dest": stats.dropped_unknown_dest}),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Process;

    #[test]
    fn msgs_per_op_divides_by_client_invocations() {
        let stats = NetStats {
            all: GroupStats {
                send_count: 25,
                recv_count: 24,
                msg_count: 25,
            },
            clients: GroupStats {
                send_count: 10,
                recv_count: 10,
                msg_count: 10,
            },
            servers: GroupStats {
                send_count: 15,
                recv_count: 14,
                msg_count: 15,
            },
            dropped_partition: 1,
            dropped_unknown_dest: 0,
            lateness: vec![3_000_000, 50_000, 120_000, 80_000],
        };
        let op = |kind, process| Op {
            process,
            ..Op::client(0, kind, 0, "x", Value::Null)
        };
        let h = vec![
            op(OpType::Invoke, Process::Client(0)),
            op(OpType::Ok, Process::Client(0)),
            op(OpType::Invoke, Process::Client(1)),
            op(OpType::Invoke, Process::Client(2)),
            op(OpType::Info, Process::Nemesis),
        ];
        let v = check(&stats, &h);
        assert_eq!(v.results["all"]["msgs-per-op"], json!(8.333333));
        assert_eq!(v.results["servers"]["msgs-per-op"], json!(5.0));
        assert!(v.results["clients"].get("msgs-per-op").is_none());
        assert_eq!(v.results["servers"]["recv-count"], 14);
        assert_eq!(
            v.results["servers"]["routing-overhead"],
            json!({"0": 0.05, "0.5": 0.12, "0.95": 3.0, "0.99": 3.0, "1": 3.0})
        );
        let none = check(&stats, &[]);
        assert!(none.results["all"].get("msgs-per-op").is_none());
    }
}
