//! A correct unique-ids node whose ids are integers above 2^70: 2^70 + a counter that
//! interleaves the nodes. Distinct integers, which Maelstrom (Jackson) keeps exact; a
//! runner that read them as floats would see duplicates.

use std::io::Write;

fn main() {
    let (node, inbox) = test_nodes::start();
    let count = node.ids.len().max(1) as u128;
    let index = node.ids.iter().position(|id| *id == node.id).unwrap_or(0) as u128;
    for (n, msg) in inbox.into_iter().enumerate() {
        let id = (1u128 << 70) + n as u128 * count + index;
        // serde_json's `Value` cannot hold such an integer, so the line is written out.
        let line = format!(
            r#"{{"src":{},"dest":{},"body":{{"type":"generate_ok","in_reply_to":{},"id":{id}}}}}"#,
            serde_json::json!(node.id),
            msg["src"],
            msg["body"]["msg_id"],
        );
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}").and_then(|()| out.flush());
    }
}
