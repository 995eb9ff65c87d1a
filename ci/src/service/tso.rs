//! `lin-tso`: a timestamp oracle handing out 0, 1, 2, … to whoever asks.

use serde_json::{Value, json};

use super::{Service, request_type};

/// Answers `{"type":"ts"}` with the next integer, shared by all callers.
#[derive(Debug, Default)]
pub struct LinTso {
    next: u64,
}

impl LinTso {
    pub fn new() -> LinTso {
        LinTso::default()
    }
}

impl Service for LinTso {
    fn handle(&mut self, _src: &str, body: &Value) -> Option<Value> {
        if request_type(body)? != "ts" {
            return None;
        }
        let ts = self.next;
        self.next += 1;
        Some(json!({"type": "ts_ok", "ts": ts}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_count_up_across_callers() {
        let mut tso = LinTso::new();
        let ts = |reply: Option<Value>| reply.unwrap()["ts"].as_u64().unwrap();
        assert_eq!(ts(tso.handle("n0", &json!({"type": "ts", "msg_id": 1}))), 0);
        assert_eq!(ts(tso.handle("n1", &json!({"type": "ts", "msg_id": 1}))), 1);
        assert_eq!(tso.handle("n1", &json!({"type": "read"})), None);
        assert_eq!(ts(tso.handle("n0", &json!({"type": "ts", "msg_id": 2}))), 2);
    }
}
