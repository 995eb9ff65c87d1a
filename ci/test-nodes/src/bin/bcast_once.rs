//! A broadcast node that is correct only on a perfect network: it forwards each new
//! value once to every other node and never checks that it arrived. A partition drops
//! those messages for good, so values are lost under `--nemesis partition`.

use serde_json::json;

fn main() {
    let (node, inbox) = test_nodes::start();
    test_nodes::broadcast::serve(node, inbox, |node, value| {
        // One send per peer, no acknowledgement, no retry.
        for peer in node.peers() {
            node.send(&peer, json!({"type": "forward", "message": value}));
        }
    });
}
