//! A client for Maelstrom's key-value services: `seq-kv`, `lin-kv` and `lww-kv`.
//!
//! Each call is one [`Node::rpc`], so it blocks the calling thread until the service
//! answers or the timeout passes. [`Kv::in_memory`] is a stand-in for unit tests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::message::{ErrorBody, ErrorCode};
use crate::node::{Node, RpcError};

/// How long a call waits before it gives up.
const TIMEOUT: Duration = Duration::from_secs(1);

/// One of the key-value services, reached through a node.
#[derive(Debug, Clone)]
pub struct Kv {
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    Service {
        node: Node,
        service: &'static str,
    },
    /// Keys as JSON text, so any JSON key works. Clones share the map.
    Memory(Arc<Mutex<HashMap<String, Value>>>),
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Request<'a> {
    Read {
        key: &'a Value,
    },
    Write {
        key: &'a Value,
        value: &'a Value,
    },
    Cas {
        key: &'a Value,
        from: &'a Value,
        to: &'a Value,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        create_if_not_exists: bool,
    },
}

// The variants are named after the wire types, which all end in `_ok`.
#[allow(clippy::enum_variant_names)]
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Reply {
    ReadOk { value: Value },
    WriteOk,
    CasOk,
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

    /// A store inside this process, linearizable, shared by every clone: lets unit
    /// tests run node logic that uses a store without a network.
    pub fn in_memory() -> Kv {
        Kv {
            backend: Backend::Memory(Arc::default()),
        }
    }

    fn service(node: &Node, service: &'static str) -> Kv {
        Kv {
            backend: Backend::Service {
                node: node.clone(),
                service,
            },
        }
    }

    // ANCHOR: read
    /// The value under `key`, or `None` if nobody wrote it yet (as far as this store
    /// lets us see).
    pub fn read<T: DeserializeOwned>(&self, key: impl Serialize) -> Result<Option<T>, RpcError> {
        let key = to_value(key)?;
        match self.call(Request::Read { key: &key }) {
            Ok(Reply::ReadOk { value }) => serde_json::from_value(value)
                .map(Some)
                .map_err(|e| RpcError::Malformed(e.to_string())),
            Ok(_) => Err(RpcError::Malformed("expected read_ok".into())),
            Err(e) if e.code() == Some(ErrorCode::KEY_DOES_NOT_EXIST) => Ok(None),
            Err(e) => Err(e),
        }
    }
    // ANCHOR_END: read

    /// Sets `key` to `value`.
    pub fn write(&self, key: impl Serialize, value: impl Serialize) -> Result<(), RpcError> {
        let (key, value) = (to_value(key)?, to_value(value)?);
        self.call(Request::Write {
            key: &key,
            value: &value,
        })
        .map(drop)
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
        let request = Request::Cas {
            key: &key,
            from: &from,
            to: &to,
            create_if_not_exists: create,
        };
        self.call(request).map(drop)
    }
    // ANCHOR_END: cas

    fn call(&self, request: Request<'_>) -> Result<Reply, RpcError> {
        match &self.backend {
            Backend::Service { node, service } => node.rpc(service, request, TIMEOUT),
            Backend::Memory(map) => {
                let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
                apply(&mut map, request)
            }
        }
    }
}

/// What the services do with one request, for [`Kv::in_memory`].
fn apply(map: &mut HashMap<String, Value>, request: Request<'_>) -> Result<Reply, RpcError> {
    let error = |code, text: &str| {
        let text = text.to_string();
        Err(RpcError::Remote(ErrorBody { code, text }))
    };
    match request {
        Request::Read { key } => match map.get(&key.to_string()) {
            Some(value) => Ok(Reply::ReadOk {
                value: value.clone(),
            }),
            None => error(ErrorCode::KEY_DOES_NOT_EXIST, "key does not exist"),
        },
        Request::Write { key, value } => {
            map.insert(key.to_string(), value.clone());
            Ok(Reply::WriteOk)
        }
        Request::Cas {
            key,
            from,
            to,
            create_if_not_exists,
        } => match map.get(&key.to_string()) {
            Some(current) if current != from => {
                error(ErrorCode::PRECONDITION_FAILED, "current value differs")
            }
            None if !create_if_not_exists => {
                error(ErrorCode::KEY_DOES_NOT_EXIST, "key does not exist")
            }
            _ => {
                map.insert(key.to_string(), to.clone());
                Ok(Reply::CasOk)
            }
        },
    }
}

fn to_value(v: impl Serialize) -> Result<Value, RpcError> {
    serde_json::to_value(v).map_err(|e| RpcError::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;
    use serde_json::json;

    /// Plays the service: answers the first request the node sends with `reply`.
    fn answer(node: &Node, sent: &crate::Sent, reply: Value) -> Value {
        let request = loop {
            if let Some(m) = sent.take::<Value>().pop() {
                break m;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let mut body = reply;
        body["in_reply_to"] = json!(request.body.msg_id);
        let msg = json!({"src": request.dest, "dest": "n0", "body": body});
        let msg: Message<Value> = serde_json::from_value(msg).unwrap();
        assert!(node.deliver_reply(msg).is_none());
        request.body.payload
    }

    #[test]
    fn read_of_a_missing_key_is_none() {
        let (node, sent) = Node::in_memory("n0", &["n0"]);
        let kv = Kv::seq(&node);
        let call = std::thread::spawn(move || kv.read::<u64>("x"));
        let req = answer(&node, &sent, json!({"type": "error", "code": 20}));
        assert_eq!(req, json!({"type": "read", "key": "x"}));
        assert_eq!(call.join().unwrap(), Ok(None));
    }

    #[test]
    fn cas_sends_create_only_when_asked_and_reports_precondition_failed() {
        let (node, sent) = Node::in_memory("n0", &["n0"]);
        let kv = Kv::lin(&node);
        let call = std::thread::spawn(move || kv.cas("x", 1, 2, true));
        let req = answer(&node, &sent, json!({"type": "error", "code": 22}));
        let expected =
            json!({"type": "cas", "key": "x", "from": 1, "to": 2, "create_if_not_exists": true});
        assert_eq!(req, expected);
        let err = call.join().unwrap().unwrap_err();
        assert_eq!(err.code(), Some(ErrorCode::PRECONDITION_FAILED));
    }

    #[test]
    fn in_memory_store_behaves_like_lin_kv() {
        let kv = Kv::in_memory();
        assert_eq!(kv.read::<u64>("x"), Ok(None));
        let err = kv.cas("x", 1, 2, false).unwrap_err();
        assert_eq!(err.code(), Some(ErrorCode::KEY_DOES_NOT_EXIST));
        kv.cas("x", 1, 2, true).unwrap();
        let err = kv.cas("x", 1, 3, true).unwrap_err();
        assert_eq!(err.code(), Some(ErrorCode::PRECONDITION_FAILED));
        kv.clone().write("x", 5).unwrap();
        assert_eq!(kv.read::<u64>("x"), Ok(Some(5)));
        kv.write(["a", "b"], vec![1, 2]).unwrap();
        assert_eq!(kv.read::<Vec<u64>>(["a", "b"]), Ok(Some(vec![1, 2])));
    }
}
