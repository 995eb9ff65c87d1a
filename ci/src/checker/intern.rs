//! Interning JSON values (keys, messages, register values) as dense `u32` ids, so the
//! checkers index arrays instead of hashing values again and again. Integers, by far
//! the common case, are looked up without being printed.

use std::collections::HashMap;

use serde_json::Value;

/// Interns JSON values (keys or register values) as dense ids.
#[derive(Debug, Default)]
pub struct Interner {
    ints: HashMap<i64, u32>,
    others: HashMap<String, u32>,
    values: Vec<Value>,
}

impl Interner {
    pub fn intern(&mut self, v: &Value) -> u32 {
        let next = self.values.len() as u32;
        let id = match v.as_i64() {
            Some(i) => *self.ints.entry(i).or_insert(next),
            None => *self.others.entry(v.to_string()).or_insert(next),
        };
        if id == next {
            self.values.push(v.clone());
        }
        id
    }

    pub fn get(&self, id: u32) -> &Value {
        &self.values[id as usize]
    }
}

impl Interner {
    /// How many distinct values so far; ids are `0..len()`.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equal_values_share_an_id() {
        let mut i = Interner::default();
        assert_eq!(i.intern(&json!(7)), 0);
        assert_eq!(i.intern(&json!("7")), 1);
        assert_eq!(i.intern(&json!(7)), 0);
        assert_eq!(i.intern(&json!(7.0)), 2);
        assert_eq!(i.get(1), &json!("7"));
        assert_eq!(i.len(), 3);
    }
}
