//! JSON numbers kept exact at any size.
//!
//! Maelstrom reads nodes' JSON with Jackson, which keeps every integer exact however
//! large (a `BigInteger` beyond 64 bits), so two distinct ids above `u64::MAX` stay
//! distinct. `serde_json::Value` cannot hold such an integer: it parses it as a float,
//! and 2^70 + 1 and 2^70 + 2 become the same number. serde_json's
//! `arbitrary_precision` feature would fix that, but Cargo turns a feature on for every
//! crate built together, and it breaks the internally tagged enums the solutions use.
//!
//! So the runner keeps an integer that fits in no 64-bit type as a one-entry object,
//! `{"$integer": "<its digits>"}` ([`big`]): values compare equal exactly when the
//! integers do, and [`Exact`] writes it back as the bare number, so `history.jsonl` and
//! `results.json` hold the digits the node sent. [`parse`] reads JSON text this way;
//! everything a node sends that ends up in a history goes through it.

use std::cmp::Ordering;
use std::fmt;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// The key of the object that stands for a big integer.
const KEY: &str = "$integer";

/// Parses JSON text, keeping integers beyond 64 bits exact (see the module's docs).
pub fn parse(text: &str) -> serde_json::Result<Value> {
    let value: Value = serde_json::from_str(text)?;
    // serde_json reads an integer too big for 64 bits as a float of at least 2^63 in
    // size; only then is the slower, exact reading needed.
    if has_huge_float(&value) {
        let raw: &RawValue = serde_json::from_str(text)?;
        return exact(raw);
    }
    Ok(value)
}

fn has_huge_float(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.as_f64().is_some_and(|f| f.abs() >= 9.2e18) && n.is_f64(),
        Value::Array(items) => items.iter().any(has_huge_float),
        Value::Object(map) => map.values().any(has_huge_float),
        _ => false,
    }
}

/// Reads a value from its raw text, level by level, so that each number's own digits
/// are seen.
fn exact(raw: &RawValue) -> serde_json::Result<Value> {
    let text = raw.get().trim();
    match text.as_bytes().first() {
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(text)?;
            items.into_iter().map(exact).collect()
        }
        Some(b'{') => {
            // Later duplicate keys win, as when serde_json reads a `Value`.
            let fields: std::collections::BTreeMap<String, &RawValue> = serde_json::from_str(text)?;
            let mut map = Map::new();
            for (key, raw) in fields {
                map.insert(key, exact(raw)?);
            }
            Ok(Value::Object(map))
        }
        Some(b'-' | b'0'..=b'9') if is_integer_text(text) => {
            match (text.parse::<i64>(), text.parse::<u64>()) {
                (Ok(i), _) => Ok(i.into()),
                (_, Ok(u)) => Ok(u.into()),
                _ => Ok(big(text)),
            }
        }
        _ => serde_json::from_str(text),
    }
}

fn is_integer_text(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The value standing for the integer whose decimal digits (with an optional `-`) are
/// `digits`.
pub fn big(digits: &str) -> Value {
    let mut map = Map::new();
    map.insert(KEY.into(), Value::String(digits.into()));
    Value::Object(map)
}

/// The digits of an integer kept by [`big`].
pub fn big_digits(value: &Value) -> Option<&str> {
    match value.as_object()? {
        map if map.len() == 1 => {
            let digits = map.get(KEY)?.as_str()?;
            is_integer_text(digits).then_some(digits)
        }
        _ => None,
    }
}

/// Whether `value` is an integer of any size (Maelstrom's schema type `s/Int`).
pub fn is_integer(value: &Value) -> bool {
    value.is_i64() || value.is_u64() || big_digits(value).is_some()
}

/// Orders two integers of any size exactly, or `None` if either is not one.
pub fn cmp_integers(a: &Value, b: &Value) -> Option<Ordering> {
    let text = |v: &Value| -> Option<String> {
        if is_integer(v) {
            Some(big_digits(v).map_or_else(|| v.to_string(), str::to_string))
        } else {
            None
        }
    };
    let (a, b) = (text(a)?, text(b)?);
    let key = |t: &str| {
        let negative = t.starts_with('-');
        let digits = t.trim_start_matches('-').trim_start_matches('0');
        (negative, digits.len(), digits.to_string())
    };
    let ((na, la, da), (nb, lb, db)) = (key(&a), key(&b));
    let magnitude = la.cmp(&lb).then_with(|| da.cmp(&db));
    Some(match (na, nb) {
        (false, false) => magnitude,
        (true, true) => magnitude.reverse(),
        (true, false) if la + lb == 0 => Ordering::Equal,
        (false, true) if la + lb == 0 => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
    })
}

/// Writes a value with its big integers as bare numbers: as JSON through serde, or as
/// compact JSON text through `Display`.
#[derive(Debug, Clone, Copy)]
pub struct Exact<'a>(pub &'a Value);

impl Serialize for Exact<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Some(digits) = big_digits(self.0) {
            // serde_json's serializer writes a raw value's text as it is.
            let raw =
                RawValue::from_string(digits.to_string()).map_err(serde::ser::Error::custom)?;
            return raw.serialize(s);
        }
        match self.0 {
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Exact(item))?;
                }
                seq.end()
            }
            Value::Object(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (key, value) in fields {
                    map.serialize_entry(key, &Exact(value))?;
                }
                map.end()
            }
            other => other.serialize(s),
        }
    }
}

impl fmt::Display for Exact<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match serde_json::to_string(self) {
            Ok(text) => f.write_str(&text),
            Err(_) => write!(f, "{}", self.0),
        }
    }
}

/// For `#[serde(serialize_with)]` on a field holding a [`Value`].
pub fn serialize<S: Serializer>(value: &Value, s: S) -> Result<S::Ok, S::Error> {
    Exact(value).serialize(s)
}

/// For `#[serde(serialize_with)]` on a field holding an `Option<Value>`.
pub fn serialize_option<S: Serializer>(value: &Option<Value>, s: S) -> Result<S::Ok, S::Error> {
    value.as_ref().map(Exact).serialize(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TWO_70: &str = "1180591620717411303424";

    #[test]
    fn big_integers_stay_exact_and_distinct() {
        let a = parse(&format!(
            "{{\"id\": {TWO_70}1, \"n\": [1, -{TWO_70}2, 2.5]}}"
        ))
        .unwrap();
        let b = parse(&format!(
            "{{\"id\": {TWO_70}2, \"n\": [1, -{TWO_70}2, 2.5]}}"
        ))
        .unwrap();
        assert_ne!(a, b);
        assert_eq!(big_digits(&a["id"]), Some(&*format!("{TWO_70}1")));
        assert_eq!(a["n"][0], 1);
        assert_eq!(a["n"][2], 2.5);
        assert_eq!(
            Exact(&a).to_string(),
            format!("{{\"id\":{TWO_70}1,\"n\":[1,-{TWO_70}2,2.5]}}")
        );
        // What fits in 64 bits, and floats, are read as serde_json reads them.
        let small = parse("[18446744073709551615, -9223372036854775808, 1e300, 1.0]").unwrap();
        assert_eq!(small, json!([u64::MAX, i64::MIN, 1e300, 1.0]));
        assert!(is_integer(&a["id"]) && is_integer(&small[0]) && !is_integer(&small[2]));
    }

    #[test]
    fn integers_of_any_size_order_exactly() {
        let n = |t: &str| parse(t).unwrap();
        let order = |a: &str, b: &str| cmp_integers(&n(a), &n(b)).unwrap();
        assert_eq!(
            order(&format!("{TWO_70}1"), &format!("{TWO_70}2")),
            Ordering::Less
        );
        assert_eq!(order(&format!("-{TWO_70}"), "3"), Ordering::Less);
        assert_eq!(order("3", "3"), Ordering::Equal);
        assert_eq!(
            order(&format!("-{TWO_70}1"), &format!("-{TWO_70}2")),
            Ordering::Greater
        );
        assert!(cmp_integers(&json!(1.5), &json!(1)).is_none());
    }
}
