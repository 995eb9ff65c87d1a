//! Reading stdin: the `init` handshake, then every later message, on a thread of its
//! own, into the node's event channel.

use std::fmt;
use std::io::{BufRead, BufReader, Write};
use std::sync::mpsc::Sender;
use std::thread;

use anyhow::bail;
use serde::Deserialize;
use serde::de::value::MapDeserializer;
use serde::de::{self, DeserializeOwned};
use serde_json::Value;

use crate::message::{ErrorCode, InitPayload, Message, RpcError};
use crate::node::Node;

// ANCHOR: init
/// Waits for `init` on stdin and answers it. Then reads the rest of stdin on a thread
/// of its own, and sends each message into `events`, wrapped by `wrap`.
pub fn init<P, E>(events: Sender<E>, wrap: fn(Message<P>) -> E) -> anyhow::Result<Node>
where
    P: DeserializeOwned + 'static,
    E: Send + 'static,
{
    let stdin = BufReader::new(std::io::stdin());
    init_with(stdin, std::io::stdout(), events, wrap)
}
// ANCHOR_END: init

// ANCHOR: handshake
/// Like [`init`], with any input and output: tests use in-memory buffers.
pub fn init_with<P, E>(
    input: impl BufRead + Send + 'static,
    output: impl Write + Send + 'static,
    events: Sender<E>,
    wrap: fn(Message<P>) -> E,
) -> anyhow::Result<Node>
where
    P: DeserializeOwned + 'static,
    E: Send + 'static,
{
    let mut lines = messages(input);
    // A peer that started first may write to us before our own init: keep its messages.
    let mut early = Vec::new();
    let (node, init) = loop {
        let Some((line_no, msg)) = lines.next() else {
            bail!("stdin closed before an init message came");
        };
        if type_of(&msg) != Some("init") {
            early.push((line_no, msg));
            continue;
        }
        match InitPayload::deserialize(msg.payload()) {
            Ok(InitPayload::Init { node_id, node_ids }) => {
                break (Node::new(node_id, node_ids, output), msg);
            }
            _ => eprintln!("stdin line {line_no}: an init without node_id and node_ids"),
        }
    };
    node.reply(&init, InitPayload::InitOk)?;
    let reader = node.clone();
    thread::spawn(move || read_all(&reader, early.into_iter().chain(lines), &events, wrap));
    Ok(node)
}
// ANCHOR_END: handshake

// ANCHOR: lines
/// The messages on stdin, each line parsed once, with its line number. A line that is
/// not a message is reported on stderr and skipped.
fn messages(input: impl BufRead) -> impl Iterator<Item = (usize, Message<Value>)> {
    let lines = input.split(b'\n').map_while(|line| match line {
        Ok(line) => Some(line),
        Err(e) => {
            eprintln!("stdin: {e}");
            None
        }
    });
    let parse = |(line_no, line): (usize, Vec<u8>)| match serde_json::from_slice(&line) {
        Ok(msg) => Some((line_no, msg)),
        Err(e) => {
            let line = String::from_utf8_lossy(&line);
            eprintln!("stdin line {line_no}: not a message ({e}): {line}");
            None
        }
    };
    (1..).zip(lines).filter_map(parse)
}
// ANCHOR_END: lines

// ANCHOR: read_all
/// The reader thread: hands each message to whoever is waiting for it, until stdin
/// closes or nobody listens on `events` any more.
fn read_all<P: DeserializeOwned, E>(
    node: &Node,
    messages: impl Iterator<Item = (usize, Message<Value>)>,
    events: &Sender<E>,
    wrap: fn(Message<P>) -> E,
) {
    for (line_no, msg) in messages {
        // A reply that a thread blocked in `Node::rpc` waits for goes straight to it.
        let Some(msg) = node.deliver_reply(msg) else {
            continue;
        };
        match P::deserialize(msg.payload()) {
            Ok(payload) => {
                if events.send(wrap(msg.with_payload(payload))).is_err() {
                    return; // The main loop is gone: the node is ending.
                }
            }
            Err(e) => refuse::<P>(node, line_no, &msg, &e),
        }
    }
}
// ANCHOR_END: read_all

// ANCHOR: refuse
/// Explains on stderr why a message was not understood and, if it was a request,
/// answers it with an error so that the sender need not wait for a timeout.
fn refuse<P: DeserializeOwned>(
    node: &Node,
    line_no: usize,
    msg: &Message<Value>,
    e: &serde_json::Error,
) {
    eprintln!(
        "stdin line {line_no}: cannot handle this message from {} ({e})",
        msg.src
    );
    if msg.body.msg_id.is_none() {
        return;
    }
    let code = match type_of(msg) {
        Some(kind) if !knows_type::<P>(kind) => ErrorCode::NOT_SUPPORTED,
        _ => ErrorCode::MALFORMED_REQUEST,
    };
    if let Err(e) = node.reply(msg, RpcError::new(code, e.to_string())) {
        eprintln!("could not send the error reply: {e:#}");
    }
}

/// Whether the payload type `P` has a variant for messages of type `kind`.
///
/// Serde reports a type it does not know by calling `unknown_variant` on the error
/// type of the input. So we give `P` an input holding the type alone, whose error type
/// remembers whether that was the call.
fn knows_type<P: DeserializeOwned>(kind: &str) -> bool {
    let type_alone = MapDeserializer::new(std::iter::once(("type", kind)));
    !matches!(P::deserialize(type_alone), Err(Probe(true)))
}
// ANCHOR_END: refuse

/// The error type of that input: whether serde found the type unknown.
#[derive(Debug)]
struct Probe(bool);

impl de::Error for Probe {
    fn custom<T: fmt::Display>(_: T) -> Probe {
        Probe(false)
    }

    fn unknown_variant(_: &str, _: &'static [&'static str]) -> Probe {
        Probe(true)
    }
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for Probe {}

/// The message's `"type"`, if it has one.
fn type_of(msg: &Message<Value>) -> Option<&str> {
    msg.payload().get("type")?.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::Sent;
    use serde::Serialize;
    use serde_json::json;
    use std::io::Cursor;
    use std::sync::mpsc;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Payload {
        Echo { echo: String },
        Ping,
    }

    const INIT: &str = r#"{"id":0,"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0","n1"]}}"#;
    const ECHO: &str = r#"{"src":"c1","dest":"n0","body":{"type":"echo","msg_id":2,"echo":"hi"}}"#;

    /// Runs a node on `lines`: the payloads it handed to the main loop, and the bodies it
    /// wrote.
    fn run(lines: &[&[u8]]) -> anyhow::Result<(Vec<Payload>, Vec<Value>)> {
        let (events, inbox) = mpsc::channel();
        let sent = Sent::default();
        let input = Cursor::new(lines.join(&b'\n'));
        let node = init_with(input, sent.clone(), events, |msg: Message<Payload>| msg)?;
        assert_eq!((node.id(), node.node_ids().len()), ("n0", 2));
        let got = inbox.iter().map(Message::into_payload).collect();
        Ok((
            got,
            sent.take::<Value>()
                .into_iter()
                .map(|m| json!(m.body))
                .collect(),
        ))
    }

    #[test]
    fn init_is_answered_and_messages_before_it_are_kept() {
        let (got, out) = run(&[ECHO.as_bytes(), INIT.as_bytes()]).unwrap();
        assert_eq!(got, [Payload::Echo { echo: "hi".into() }]);
        assert_eq!(out, [json!({"type": "init_ok", "in_reply_to": 1})]);
    }

    #[test]
    fn bad_lines_are_skipped_and_bad_requests_refused_without_a_panic() {
        let lines: [&[u8]; 11] = [
            b"garbage",
            br#"{"src":"c0","dest":"n0","body":{"type":"init","msg_id":9}}"#,
            INIT.as_bytes(),
            b"",
            b"{}",
            b"\xff\xfe is not UTF-8",
            br#"{"src":"c1","dest":"n0","body":{"type":"dance","msg_id":5}}"#,
            br#"{"src":"c1","dest":"n0","body":{"type":"echo","msg_id":6}}"#,
            br#"{"src":"c1","dest":"n0","body":{"msg_id":7}}"#,
            br#"{"src":"n1","dest":"n0","body":{"type":"dance"}}"#,
            ECHO.as_bytes(),
        ];
        let (got, out) = run(&lines).unwrap();
        assert_eq!(got, [Payload::Echo { echo: "hi".into() }]);
        // Not supported (10), then malformed (12) twice; nothing for the message that
        // asked for no answer.
        let codes: Vec<_> = out[1..]
            .iter()
            .map(|b| [&b["in_reply_to"], &b["code"]])
            .collect();
        assert_eq!(json!(codes), json!([[5, 10], [6, 12], [7, 12]]));
    }

    #[test]
    fn eof_before_init_is_an_error_not_a_panic() {
        let err = run(&[ECHO.as_bytes()]).unwrap_err();
        assert!(err.to_string().contains("before an init"), "{err}");
    }
}
