//! A broken grow-only counter: it stores adds in `seq-kv` correctly, but its reads add
//! this node's own adds on top of the stored total, counting them twice.

fn main() {
    let (node, inbox) = test_nodes::start();
    test_nodes::counter::serve(node, inbox, |stored, own| stored + own);
}
