//! Closed reply schemas.
//!
//! Maelstrom validates every client RPC's reply against a Prismatic Schema map
//! (`src/maelstrom/client.clj`, `defrpc` and `recv-schema`): exactly the documented fields,
//! plus an optional integer `msg_id` and the integer `in_reply_to`. Schema maps are closed,
//! so an extra field fails validation just like a missing one.

use serde_json::{Map, Value};

use super::RpcFailure;

/// Checks that `body` is `{"type": expected, ..fields}` with nothing else but `msg_id` and
/// `in_reply_to`, and returns its fields. The caller checks the fields' types.
pub fn closed_reply<'a>(
    body: &'a Value,
    expected: &str,
    fields: &[&str],
) -> Result<&'a Map<String, Value>, RpcFailure> {
    let bad = |why: String| Err(RpcFailure::Malformed(format!("{why} in reply {body}")));
    let Some(map) = body.as_object() else {
        return bad("not a JSON object".into());
    };
    if map.get("type").and_then(Value::as_str) != Some(expected) {
        return bad(format!("expected \"type\": \"{expected}\""));
    }
    for (key, value) in map {
        match key.as_str() {
            "type" => {}
            "msg_id" | "in_reply_to" if !is_integer(value) => {
                return bad(format!("`{key}` must be an integer"));
            }
            "msg_id" | "in_reply_to" => {}
            k if fields.contains(&k) => {}
            k => return bad(format!("unexpected field `{k}`")),
        }
    }
    if let Some(missing) = fields.iter().find(|f| !map.contains_key(**f)) {
        return bad(format!("missing field `{missing}`"));
    }
    Ok(map)
}

/// A JSON integer (`1`, not `1.0`), as Schema's `s/Int` demands.
pub fn is_integer(value: &Value) -> bool {
    value.is_i64() || value.is_u64()
}

/// The value as an `i64`, if it is a JSON integer that fits.
pub fn as_integer(value: &Value) -> Option<i64> {
    value.as_i64()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_exactly_the_documented_fields() {
        let ok = json!({"type": "send_ok", "offset": 3, "in_reply_to": 1, "msg_id": 9});
        assert!(closed_reply(&ok, "send_ok", &["offset"]).is_ok());
        for bad in [
            json!({"type": "send_ok", "offset": 3, "extra": 1}),
            json!({"type": "send_ok"}),
            json!({"type": "poll_ok", "offset": 3}),
            json!({"type": "send_ok", "offset": 3, "msg_id": 1.5}),
            json!([1, 2]),
        ] {
            assert!(
                matches!(
                    closed_reply(&bad, "send_ok", &["offset"]),
                    Err(RpcFailure::Malformed(_))
                ),
                "{bad}"
            );
        }
    }
}
