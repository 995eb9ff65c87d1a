//! A correct lin-kv store on any number of nodes, partitions included: every request is
//! passed on to Maelstrom's `lin-kv` service (which partitions never cut off), and its
//! answer passed back.

use test_nodes::lin_kv;

fn main() {
    let (node, inbox) = test_nodes::start();
    lin_kv::serve(node, inbox, lin_kv::reply_forwarded, |_, _| {});
}
