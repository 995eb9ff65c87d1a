//! Reading stdin: the `init` handshake, then every later message on a thread of its own.

use std::io::{BufRead, BufReader, Write};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::{self, JoinHandle};

use anyhow::{Context, bail};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::message::{ErrorCode, InitPayload, Message};
use crate::node::Node;

/// Everything a node reads after `init`, not yet being read.
///
/// Turn it into a channel of messages with [`Input::into_receiver`], or feed your own
/// event channel with [`Input::forward`].
pub struct Input {
    lines: Box<dyn BufRead + Send>,
    /// How many lines have been read, so errors can name the line.
    line_no: usize,
    /// Messages that arrived before `init`; they are handed on first.
    early: Vec<(usize, String)>,
    node: Node,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("line_no", &self.line_no)
            .finish_non_exhaustive()
    }
}

// ANCHOR: init
/// Reads `init` from stdin, answers `init_ok`, and returns the node and the rest of stdin.
pub fn init() -> anyhow::Result<(Node, Input)> {
    init_with(BufReader::new(std::io::stdin()), std::io::stdout())
}
// ANCHOR_END: init

// ANCHOR: handshake
/// Like [`init`], with any input and output: tests use in-memory buffers.
pub fn init_with(
    mut input: impl BufRead + Send + 'static,
    output: impl Write + Send + 'static,
) -> anyhow::Result<(Node, Input)> {
    let mut line_no = 0;
    let mut early = Vec::new();
    loop {
        let mut line = String::new();
        let read = input.read_line(&mut line).context("reading stdin")?;
        if read == 0 {
            bail!("stdin closed after {line_no} lines without an init message");
        }
        line_no += 1;
        let msg: Message<Value> = match serde_json::from_str(&line) {
            Ok(msg) => msg,
            Err(e) => {
                eprintln!("{}", not_a_message(line_no, &line, &e));
                continue;
            }
        };
        let Ok(init) = serde_json::from_value::<Message<InitPayload>>(to_value(&msg)) else {
            // A peer that started first may talk to us before our own init: keep it.
            early.push((line_no, line));
            continue;
        };
        let InitPayload::Init { node_id, node_ids } = &init.body.payload else {
            continue;
        };
        let node = Node::new(node_id.clone(), node_ids.clone(), output);
        node.reply(&init, InitPayload::InitOk)?;
        let lines = Box::new(input);
        let input = Input {
            lines,
            line_no,
            early,
            node: node.clone(),
        };
        return Ok((node, input));
    }
}
// ANCHOR_END: handshake

impl Input {
    // ANCHOR: into_receiver
    /// Starts the reader thread and returns a channel of the messages it reads.
    pub fn into_receiver<P>(self) -> Receiver<Message<P>>
    where
        P: DeserializeOwned + Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        self.forward(tx, |msg| msg);
        rx
    }
    // ANCHOR_END: into_receiver

    // ANCHOR: forward
    /// Starts the reader thread; each message is wrapped by `wrap` and sent on `events`.
    ///
    /// Use this when the main loop waits for more than messages, e.g. timer ticks: one
    /// event enum, one channel, many senders.
    pub fn forward<P, E>(
        self,
        events: Sender<E>,
        wrap: impl Fn(Message<P>) -> E + Send + 'static,
    ) -> JoinHandle<()>
    where
        P: DeserializeOwned + Send + 'static,
        E: Send + 'static,
    {
        thread::spawn(move || self.read_all(events, wrap))
    }
    // ANCHOR_END: forward

    // ANCHOR: reader_loop
    fn read_all<P, E>(mut self, events: Sender<E>, wrap: impl Fn(Message<P>) -> E)
    where
        P: DeserializeOwned,
    {
        for (line_no, line) in std::mem::take(&mut self.early) {
            if !self.handle_line(line_no, &line, &events, &wrap) {
                return;
            }
        }
        loop {
            let mut line = String::new();
            match self.lines.read_line(&mut line) {
                Ok(0) => return, // stdin closed: the test is over.
                Ok(_) => {}
                Err(e) => {
                    eprintln!("stdin: {e}");
                    return;
                }
            }
            self.line_no += 1;
            if !self.handle_line(self.line_no, &line, &events, &wrap) {
                return;
            }
        }
    }
    // ANCHOR_END: reader_loop

    // ANCHOR: route_line
    /// Routes one line; returns false once nobody listens any more.
    fn handle_line<P, E>(
        &self,
        line_no: usize,
        line: &str,
        events: &Sender<E>,
        wrap: &impl Fn(Message<P>) -> E,
    ) -> bool
    where
        P: DeserializeOwned,
    {
        let msg: Message<Value> = match serde_json::from_str(line) {
            Ok(msg) => msg,
            Err(e) => {
                eprintln!("{}", not_a_message(line_no, line, &e));
                return true;
            }
        };
        // A reply some thread is blocked on in `Node::rpc` goes straight to it.
        let Some(msg) = self.node.deliver_reply(msg) else {
            return true;
        };
        match parse_payload::<P>(&msg) {
            Ok(typed) => events.send(wrap(typed)).is_ok(),
            Err(e) => {
                self.refuse(line_no, line, &msg, &e);
                true
            }
        }
    }
    // ANCHOR_END: route_line

    // ANCHOR: refuse
    /// Explains on stderr why a message was not understood and, if it was a request,
    /// answers it with an error so the sender need not wait for a timeout.
    fn refuse(&self, line_no: usize, line: &str, msg: &Message<Value>, e: &serde_json::Error) {
        let line = line.trim_end();
        eprintln!("stdin line {line_no}: cannot handle this message ({e}): {line}");
        if msg.body.msg_id.is_none() || msg.body.payload.get("type") == Some(&"init".into()) {
            return;
        }
        let code = if e.to_string().starts_with("unknown variant") {
            ErrorCode::NOT_SUPPORTED
        } else {
            ErrorCode::MALFORMED_REQUEST
        };
        if let Err(e) = self.node.reply_error(msg, code, e.to_string()) {
            eprintln!("could not send the error reply: {e:#}");
        }
    }
    // ANCHOR_END: refuse
}

fn parse_payload<P: DeserializeOwned>(msg: &Message<Value>) -> serde_json::Result<Message<P>> {
    serde_json::from_value(to_value(msg))
}

fn to_value(msg: &Message<Value>) -> Value {
    serde_json::to_value(msg).unwrap_or(Value::Null)
}

fn not_a_message(line_no: usize, line: &str, e: &serde_json::Error) -> String {
    format!(
        "stdin line {line_no} is not a Maelstrom message ({e}): {}",
        line.trim_end()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::Sent;
    use serde::{Deserialize, Serialize};
    use std::io::Cursor;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Payload {
        Echo { echo: String },
    }

    fn lines(text: &[&str]) -> Cursor<Vec<u8>> {
        Cursor::new(text.join("\n").into_bytes())
    }

    const INIT: &str = r#"{"id":0,"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0","n1"]}}"#;
    const ECHO: &str = r#"{"src":"c1","dest":"n0","body":{"type":"echo","msg_id":1,"echo":"hi"}}"#;

    #[test]
    fn init_answers_init_ok_and_knows_the_cluster() {
        let sent = Sent::default();
        let (node, _) = init_with(lines(&[INIT]), sent.clone()).unwrap();
        assert_eq!(node.id(), "n0");
        assert_eq!(node.node_ids(), ["n0", "n1"]);
        let out = sent.take::<Value>();
        assert_eq!(out[0].dest, "c0");
        assert_eq!(out[0].body.in_reply_to, Some(1));
        assert_eq!(out[0].body.payload["type"], "init_ok");
    }

    #[test]
    fn messages_before_init_are_kept_and_garbage_is_skipped() {
        let sent = Sent::default();
        let (_, input) = init_with(lines(&[ECHO, "garbage", INIT, "{}", ECHO]), sent).unwrap();
        let got: Vec<Message<Payload>> = input.into_receiver().iter().collect();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].body.payload, Payload::Echo { echo: "hi".into() });
    }

    #[test]
    fn unknown_types_are_refused_with_not_supported() {
        let sent = Sent::default();
        let odd = r#"{"src":"c1","dest":"n0","body":{"type":"dance","msg_id":5}}"#;
        let (_, input) = init_with(lines(&[INIT, odd]), sent.clone()).unwrap();
        let got: Vec<Message<Payload>> = input.into_receiver().iter().collect();
        assert!(got.is_empty());
        let out = sent.take::<Value>();
        let error = &out.last().unwrap().body;
        assert_eq!(error.in_reply_to, Some(5));
        assert_eq!(error.payload["code"], 10);
    }

    #[test]
    fn eof_before_init_is_an_error_not_a_panic() {
        let err = init_with(lines(&["nope"]), Sent::default()).unwrap_err();
        assert!(err.to_string().contains("without an init"), "{err}");
    }

    #[test]
    fn errors_name_the_line() {
        let e = serde_json::from_str::<Value>("{").unwrap_err();
        assert!(not_a_message(17, "{", &e).starts_with("stdin line 17 "));
    }
}
