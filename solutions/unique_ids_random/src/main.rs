//! Unique ids, another way: each id is 128 random bits. Nodes share nothing, not
//! even a counter; a collision is possible in principle and absurdly unlikely in
//! practice.

use std::fs::File;
use std::io::Read;
use std::sync::mpsc;

use maelstrom::{Message, Node};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Generate,
    GenerateOk { id: String },
}

// ANCHOR: random_id
/// 128 bits from the operating system's random source, as 32 hex digits.
///
/// `/dev/urandom` exists on Linux and macOS, where Maelstrom runs. It never blocks
/// and is seeded by the kernel, so two processes started at the same instant still
/// get unrelated bytes (a clock-seeded generator would not promise that).
fn random_id(source: &mut File) -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    source.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
// ANCHOR_END: random_id

fn main() -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();
    let node = maelstrom::init(events, |msg| msg)?;
    let mut source = File::open("/dev/urandom")?;
    for msg in inbox {
        handle(&node, &mut source, msg)?;
    }
    Ok(())
}

fn handle(node: &Node, source: &mut File, msg: Message<Payload>) -> anyhow::Result<()> {
    match msg.payload() {
        Payload::Generate => {
            let id = random_id(source)?;
            node.reply(&msg, Payload::GenerateOk { id })
        }
        Payload::GenerateOk { .. } => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_32_hex_digits_and_differ() {
        let mut source = File::open("/dev/urandom").unwrap();
        let a = random_id(&mut source).unwrap();
        let b = random_id(&mut source).unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
