//! A correct grow-only counter: the count lives in `seq-kv`, adds are compare-and-set
//! loops, and reads first move this node's view of seq-kv to the newest state.

fn main() {
    let (node, inbox) = test_nodes::start();
    test_nodes::counter::serve(node, inbox, |stored, _own| stored);
}
