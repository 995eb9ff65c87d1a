//! The echo checker (Maelstrom's `src/maelstrom/workload/echo.clj`): every echo must
//! come back with exactly the payload that was sent. An operation that got no reply, or
//! an error, has no payload and counts as an error too.

use serde_json::{Value, json};

use super::{Validity, Verdict};
use crate::history::{OpType, Pair, pairs};

pub fn check(history: &[crate::history::Op]) -> Verdict {
    let pairs = pairs(history);
    let errors: Vec<Pair<'_>> = pairs
        .iter()
        .copied()
        .filter(|pair| {
            let received = pair.completion.filter(|c| c.kind == OpType::Ok);
            received.and_then(|c| echoed(&c.value)) != Some(&pair.invoke.value)
        })
        .collect();
    // An object per error, where Maelstrom's `checker` (`workload/echo.clj`) lists two
    // labels and the two values; the verdict is the same (see the runner chapter).
    let listed: Vec<Value> = errors
        .iter()
        .map(|pair| {
            json!({
                "expected": pair.invoke.value,
                "received": pair.completion.map(|c| &c.value),
                "error": pair.completion.and_then(|c| c.error.as_ref()),
            })
        })
        .collect();
    let verdict = Verdict::new(Validity::from_bool(errors.is_empty())).with("errors", listed);
    match errors.first() {
        None => verdict.explain(format!(
            "All {} echo replies carried back exactly the text that was sent.",
            pairs.len()
        )),
        Some(first) => verdict
            .explain(format!(
                "{} of {} echo operations did not get their own text back.",
                errors.len(),
                pairs.len()
            ))
            .explain(format!("First: {}", describe(first))),
    }
}

/// The payload an ok completion carries: the echo workload's client records the whole
/// reply body as the value.
fn echoed(completion_value: &Value) -> Option<&Value> {
    completion_value.get("echo")
}

fn describe(pair: &Pair<'_>) -> String {
    let sent = &pair.invoke.value;
    match pair.completion {
        Some(c) if c.kind == OpType::Ok => match echoed(&c.value) {
            Some(got) => format!(
                "sent {sent}, the reply's echo was {got} (reply {})",
                c.value
            ),
            None => format!("sent {sent}, the reply had no echo field: {}", c.value),
        },
        Some(c) => format!(
            "sent {sent}, no echo_ok came back ({}: {})",
            serde_json::to_string(&c.kind).unwrap_or_default(),
            c.error.as_ref().unwrap_or(&Value::Null)
        ),
        None => format!("sent {sent}, the operation never completed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Op;

    fn op(index: usize, kind: OpType, value: Value) -> Op {
        Op::client(index, kind, 0, "echo", value)
    }

    fn reply(echo: &str) -> Value {
        json!({"type": "echo_ok", "echo": echo, "in_reply_to": 1})
    }

    #[test]
    fn accepts_matching_replies() {
        let h = vec![
            op(0, OpType::Invoke, json!("Please echo 5")),
            op(1, OpType::Ok, reply("Please echo 5")),
        ];
        let v = check(&h);
        assert_eq!(v.valid, Validity::Valid);
        assert!(v.explanation[0].contains("All 1 echo"));
    }

    #[test]
    fn rejects_a_changed_payload() {
        let h = vec![
            op(0, OpType::Invoke, json!("Please echo 5")),
            op(1, OpType::Ok, reply("Please echo 6")),
        ];
        let v = check(&h);
        assert_eq!(v.valid, Validity::Invalid);
        assert_eq!(v.results["errors"][0]["expected"], "Please echo 5");
        assert!(
            v.explanation[1].contains("\"Please echo 6\""),
            "{:?}",
            v.explanation
        );
    }

    #[test]
    fn rejects_a_timeout() {
        let mut timeout = op(1, OpType::Info, json!("Please echo 5"));
        timeout.error = Some(json!("net-timeout"));
        let v = check(&[op(0, OpType::Invoke, json!("Please echo 5")), timeout]);
        assert_eq!(v.valid, Validity::Invalid);
        assert!(
            v.explanation[1].contains("net-timeout"),
            "{:?}",
            v.explanation
        );
    }
}
