//! A broken store: it holds each transaction until the next one arrives, then runs the
//! two micro-op by micro-op, alternating, each writing straight to the shared store.
//! The transactions read and overwrite each other's uncommitted writes — dirty reads and
//! dirty writes — which show up as dependency cycles: G1c, and cycles of overwrites
//! (ww edges alone) that break even read uncommitted.

use serde_json::Value;
use test_nodes::{kind, txn};

fn main() {
    let (node, inbox) = test_nodes::start();
    let mut store = txn::Store::new();
    let mut waiting: Option<Value> = None;
    for request in inbox.iter().filter(|m| kind(m) == "txn") {
        let Some(earlier) = waiting.take() else {
            waiting = Some(request);
            continue;
        };
        let pair = [&earlier, &request];
        let mops = pair.map(txn::mops);
        let mut overlays = [txn::Store::new(), txn::Store::new()];
        let mut done: [Vec<Value>; 2] = Default::default();
        for i in 0..mops[0].len().max(mops[1].len()) {
            for t in 0..2 {
                if let Some(mop) = mops[t].get(i) {
                    let (out, writes) =
                        txn::run(&store, &mut overlays[t], std::slice::from_ref(mop));
                    store.extend(writes);
                    done[t].extend(out);
                }
            }
        }
        for (request, done) in pair.into_iter().zip(done) {
            node.reply(request, txn::ok(done));
        }
    }
}
