//! A broken lin-kv store: like `linkv_proxy`, but every third cas is acknowledged
//! without being done. A later read shows the value that cas should have replaced.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::json;
use test_nodes::{kind, lin_kv};

fn main() {
    let (node, inbox) = test_nodes::start();
    let cas_count = AtomicU64::new(0);
    let handle = move |node: &test_nodes::Node, message: &serde_json::Value| {
        if kind(message) == "cas" && cas_count.fetch_add(1, Ordering::Relaxed) % 3 == 2 {
            return node.reply(message, json!({"type": "cas_ok"}));
        }
        lin_kv::reply_forwarded(node, message);
    };
    lin_kv::serve(node, inbox, handle, |_, _| {});
}
