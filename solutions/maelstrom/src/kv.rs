//! A client for Maelstrom's key-value services: `seq-kv`, `lin-kv` and `lww-kv`.
//!
//! Each call is one [`Node::rpc`], so it blocks the calling thread until the service
//! answers or the timeout passes. The requests are those of Maelstrom's
//! doc/services.md. [`Kv::in_memory`] is a stand-in for unit tests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::message::{ErrorCode, RpcError};
use crate::node::{Node, decode_reply};

/// How long a call waits before it gives up.
const TIMEOUT: Duration = Duration::from_secs(1);

/// One of the key-value services, reached through a node.
#[derive(Debug, Clone)]
pub enum Kv {
    Service {
        node: Node,
        name: &'static str,
    },
    /// Keys as JSON text, so any JSON key works. Clones share the map.
    InMemory(Arc<Mutex<HashMap<String, Value>>>),
}

#[derive(Deserialize)]
struct ReadOk {
    value: Value,
}

impl Kv {
    /// The sequentially consistent store: reads may be stale, but never go backwards.
    pub fn seq(node: &Node) -> Kv {
        Kv::service(node, "seq-kv")
    }

    /// The linearizable store: every operation sees every one that finished before it.
    pub fn lin(node: &Node) -> Kv {
        Kv::service(node, "lin-kv")
    }

    /// The last-write-wins store, deliberately weak.
    pub fn lww(node: &Node) -> Kv {
        Kv::service(node, "lww-kv")
    }

    fn service(node: &Node, name: &'static str) -> Kv {
        let node = node.clone();
        Kv::Service { node, name }
    }

    /// A store inside this process, linearizable, shared by every clone: lets unit
    /// tests run node logic that uses a store without a network.
    pub fn in_memory() -> Kv {
        Kv::InMemory(Arc::default())
    }

    // ANCHOR: read
    /// The value under `key`, or `None` if nobody wrote it yet (as far as this store
    /// lets us see).
    pub fn read<T: DeserializeOwned>(&self, key: impl Serialize) -> Result<Option<T>, RpcError> {
        match self.call(json!({"type": "read", "key": to_value(key)?})) {
            Ok(ReadOk { value }) => T::deserialize(value).map(Some).map_err(crash),
            Err(e) if e.code == ErrorCode::KEY_DOES_NOT_EXIST => Ok(None),
            Err(e) => Err(e),
        }
    }
    // ANCHOR_END: read

    /// Sets `key` to `value`.
    pub fn write(&self, key: impl Serialize, value: impl Serialize) -> Result<(), RpcError> {
        let (key, value) = (to_value(key)?, to_value(value)?);
        let request = json!({"type": "write", "key": key, "value": value});
        self.call::<Value>(request).map(drop)
    }

    // ANCHOR: cas
    /// Sets `key` to `to` only if it currently holds `from`. With `create`, a missing
    /// key counts as holding `from`. Fails with [`ErrorCode::PRECONDITION_FAILED`] when
    /// the value was something else.
    pub fn cas(
        &self,
        key: impl Serialize,
        from: impl Serialize,
        to: impl Serialize,
        create: bool,
    ) -> Result<(), RpcError> {
        let (key, from, to) = (to_value(key)?, to_value(from)?, to_value(to)?);
        let mut request = json!({"type": "cas", "key": key, "from": from, "to": to});
        if create {
            request["create_if_not_exists"] = true.into();
        }
        self.call::<Value>(request).map(drop)
    }
    // ANCHOR_END: cas

    fn call<R: DeserializeOwned>(&self, request: Value) -> Result<R, RpcError> {
        match self {
            Kv::Service { node, name } => node.rpc(name, request, TIMEOUT),
            Kv::InMemory(map) => {
                // Each request changes the map in one step, so a poisoned lock is whole.
                let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
                decode_reply(serve(&mut map, &request))
            }
        }
    }
}

/// What the services answer to `request`, for [`Kv::in_memory`].
fn serve(map: &mut HashMap<String, Value>, request: &Value) -> Value {
    let key = request["key"].to_string();
    let error = |code: ErrorCode| json!({"type": "error", "code": code});
    match (request["type"].as_str(), map.get(&key)) {
        (Some("read"), Some(value)) => json!({"type": "read_ok", "value": value}),
        (Some("read"), None) => error(ErrorCode::KEY_DOES_NOT_EXIST),
        (Some("write"), _) => {
            map.insert(key, request["value"].clone());
            json!({"type": "write_ok"})
        }
        (Some("cas"), Some(value)) if *value != request["from"] => {
            error(ErrorCode::PRECONDITION_FAILED)
        }
        (Some("cas"), None) if request["create_if_not_exists"] != true => {
            error(ErrorCode::KEY_DOES_NOT_EXIST)
        }
        (Some("cas"), _) => {
            map.insert(key, request["to"].clone());
            json!({"type": "cas_ok"})
        }
        _ => error(ErrorCode::NOT_SUPPORTED),
    }
}

fn to_value(v: impl Serialize) -> Result<Value, RpcError> {
    serde_json::to_value(v).map_err(crash)
}

fn crash(e: serde_json::Error) -> RpcError {
    RpcError::new(ErrorCode::CRASH, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::tests::answer;

    #[test]
    fn read_of_a_missing_key_is_none() {
        let (node, sent) = Node::in_memory("n0", &["n0"]);
        let kv = Kv::seq(&node);
        let call = std::thread::spawn(move || kv.read::<u64>("x"));
        let request = answer(&node, &sent, json!({"type": "error", "code": 20}));
        assert_eq!(request, json!({"type": "read", "key": "x"}));
        assert_eq!(call.join().unwrap(), Ok(None));
    }

    #[test]
    fn cas_sends_create_only_when_asked_and_reports_precondition_failed() {
        let (node, sent) = Node::in_memory("n0", &["n0"]);
        let kv = Kv::lin(&node);
        let call = std::thread::spawn(move || kv.cas("x", 1, 2, true));
        let request = answer(&node, &sent, json!({"type": "error", "code": 22}));
        let expected =
            json!({"type": "cas", "key": "x", "from": 1, "to": 2, "create_if_not_exists": true});
        assert_eq!(request, expected);
        let err = call.join().unwrap().unwrap_err();
        assert_eq!(err.code, ErrorCode::PRECONDITION_FAILED);
    }

    #[test]
    fn in_memory_store_behaves_like_lin_kv() {
        let kv = Kv::in_memory();
        assert_eq!(kv.read::<u64>("x"), Ok(None));
        let err = kv.cas("x", 1, 2, false).unwrap_err();
        assert_eq!(err.code, ErrorCode::KEY_DOES_NOT_EXIST);
        kv.cas("x", 1, 2, true).unwrap();
        let err = kv.cas("x", 1, 3, true).unwrap_err();
        assert_eq!(err.code, ErrorCode::PRECONDITION_FAILED);
        kv.clone().write("x", 5).unwrap();
        assert_eq!(kv.read::<u64>("x"), Ok(Some(5)));
        kv.write(["a", "b"], vec![1, 2]).unwrap();
        assert_eq!(kv.read::<Vec<u64>>(["a", "b"]), Ok(Some(vec![1, 2])));
    }
}
