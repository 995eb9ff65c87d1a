//! Reply schemas. Maelstrom validates every reply to a client RPC as a closed map
//! (`defrpc` in `src/maelstrom/client.clj`, Prismatic Schema): exactly the documented
//! fields, plus an optional integer `msg_id` and the integer `in_reply_to`. A reply that
//! does not fit makes the operation indeterminate.

use serde_json::Value;

use super::{Rpc, RpcFailure};

/// The type a field must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Any,
    Integer,
    String,
    Array,
    Object,
}

impl Field {
    fn admits(self, value: &Value) -> bool {
        match self {
            Field::Any => true,
            Field::Integer => value.is_i64() || value.is_u64(),
            Field::String => value.is_string(),
            Field::Array => value.is_array(),
            Field::Object => value.is_object(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Field::Any => "any value",
            Field::Integer => "an integer",
            Field::String => "a string",
            Field::Array => "an array",
            Field::Object => "an object",
        }
    }
}

/// Checks `reply` against the closed schema `{"type": reply_type, fields…}`, saying what
/// is wrong in words a node author can act on.
pub fn check_reply(
    reply: &Value,
    reply_type: &str,
    fields: &[(&str, Field)],
) -> Result<(), String> {
    let Some(map) = reply.as_object() else {
        return Err(format!("expected a JSON object, got {reply}"));
    };
    if map.get("type").and_then(Value::as_str) != Some(reply_type) {
        return Err(format!("expected \"type\": \"{reply_type}\" in {reply}"));
    }
    for (name, field) in fields {
        match map.get(*name) {
            None => {
                return Err(format!(
                    "{reply_type} is missing the field \"{name}\": {reply}"
                ));
            }
            Some(value) if !field.admits(value) => {
                return Err(format!(
                    "\"{name}\" in {reply_type} must be {}, got {value}",
                    field.name()
                ));
            }
            Some(_) => {}
        }
    }
    for (name, value) in map {
        let expected = match name.as_str() {
            "type" => continue,
            "msg_id" | "in_reply_to" => Field::Integer,
            _ if fields.iter().any(|(f, _)| f == name) => continue,
            _ => {
                return Err(format!(
                    "{reply_type} has an unexpected field \"{name}\" (Maelstrom accepts only the \
                     documented fields): {reply}"
                ));
            }
        };
        if !expected.admits(value) {
            return Err(format!("\"{name}\" must be an integer, got {value}"));
        }
    }
    Ok(())
}

/// [`check_reply`] for a client: a reply that does not fit is a malformed response.
pub fn expect_reply(
    reply: &Value,
    reply_type: &str,
    fields: &[(&str, Field)],
) -> Result<(), RpcFailure> {
    check_reply(reply, reply_type, fields).map_err(RpcFailure::Malformed)
}

/// Sends `request` and checks the reply against the closed schema `{"type": reply_type,
/// fields…}`, as every client RPC in Maelstrom is checked: the reply's body, or why the
/// operation has none.
pub fn checked_call(
    rpc: &mut dyn Rpc,
    request: Value,
    reply_type: &str,
    fields: &[(&str, Field)],
) -> Result<Value, RpcFailure> {
    let reply = rpc.call(request)?;
    expect_reply(&reply, reply_type, fields)?;
    Ok(reply)
}

/// `{"type": "read"}`, answered by `{"type": "read_ok", <field>: ..}`: the field's value.
pub fn read_field(rpc: &mut dyn Rpc, field: &str, kind: Field) -> Result<Value, RpcFailure> {
    let request = serde_json::json!({"type": "read"});
    checked_call(rpc, request, "read_ok", &[(field, kind)]).map(|reply| reply[field].clone())
}

/// `{"type": f, <key>: value}`, answered by a bare `{"type": "<f>_ok"}`: the value sent.
pub fn send_value(
    rpc: &mut dyn Rpc,
    f: &str,
    key: &str,
    value: &Value,
) -> Result<Value, RpcFailure> {
    let request = serde_json::json!({"type": f, key: value});
    checked_call(rpc, request, &format!("{f}_ok"), &[]).map(|_| value.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_exactly_the_documented_fields() {
        let fields = [("value", Field::Integer)];
        let ok = json!({"type": "read_ok", "value": 3, "in_reply_to": 2, "msg_id": 9});
        assert_eq!(check_reply(&ok, "read_ok", &fields), Ok(()));
        let cases = [
            json!({"type": "read_ok", "in_reply_to": 2}),
            json!({"type": "read_ok", "value": 3.0, "in_reply_to": 2}),
            json!({"type": "read_ok", "value": "3", "in_reply_to": 2}),
            json!({"type": "read_ok", "value": 3, "extra": 1, "in_reply_to": 2}),
            json!({"type": "add_ok", "value": 3, "in_reply_to": 2}),
            json!({"type": "read_ok", "value": 3, "msg_id": "a"}),
            json!([1]),
        ];
        for reply in cases {
            assert!(check_reply(&reply, "read_ok", &fields).is_err(), "{reply}");
        }
        let err = check_reply(
            &json!({"type": "read_ok", "value": 1, "nodes": 2}),
            "read_ok",
            &fields,
        );
        assert!(err.unwrap_err().contains("unexpected field \"nodes\""));
    }
}
