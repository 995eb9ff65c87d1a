//! The parts of a chapter the checks look at: fenced code blocks, prose lines, and mdBook
//! `{{#include …}}` directives with what they select.

/// A fenced code block.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// 1-based line of the opening fence.
    pub line: usize,
    /// The info string after the fence (`rust,ignore`), trimmed.
    pub info: String,
    /// The lines between the fences, each with its 1-based line number.
    pub body: Vec<(usize, String)>,
    /// False when the file ends before the closing fence.
    pub closed: bool,
}

impl Block {
    /// The language: the info string's first word (`rust` in `rust,ignore`).
    pub fn language(&self) -> &str {
        self.info.split([',', ' ', '\t']).next().unwrap_or_default()
    }

    /// The attributes after the language (`ignore` in `rust,ignore`).
    pub fn attributes(&self) -> Vec<&str> {
        self.info
            .split([',', ' ', '\t'])
            .skip(1)
            .filter(|a| !a.is_empty())
            .collect()
    }
}

/// A chapter split into code blocks and the prose lines around them.
#[derive(Debug, Default)]
pub struct Document {
    pub blocks: Vec<Block>,
    /// Lines outside code blocks and HTML comments, with 1-based line numbers.
    pub prose: Vec<(usize, String)>,
}

/// An opening or closing fence: three or more backticks or tildes, indented at most three
/// spaces (CommonMark).
fn fence(line: &str) -> Option<(char, usize, &str)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let c = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = rest.len() - rest.trim_start_matches(c).len();
    (len >= 3).then(|| (c, len, rest[len..].trim()))
}

pub fn parse(text: &str) -> Document {
    let mut doc = Document::default();
    let mut open: Option<(char, usize, Block)> = None;
    let mut in_comment = false;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if let Some((c, len, block)) = &mut open {
            match fence(line) {
                Some((fc, flen, rest)) if fc == *c && flen >= *len && rest.is_empty() => {
                    block.closed = true;
                    doc.blocks.push(block.clone());
                    open = None;
                }
                _ => block.body.push((n, line.to_string())),
            }
            continue;
        }
        if in_comment {
            in_comment = !line.contains("-->");
            continue;
        }
        if let Some((c, len, info)) = fence(line) {
            // A backtick fence's info string may not contain backticks; then it is inline
            // code, not a fence.
            if !(c == '`' && info.contains('`')) {
                let block = Block {
                    line: n,
                    info: info.to_string(),
                    body: Vec::new(),
                    closed: false,
                };
                open = Some((c, len, block));
                continue;
            }
        }
        let (visible, comment_open) = strip_comments(line);
        in_comment = comment_open;
        doc.prose.push((n, visible));
    }
    if let Some((_, _, block)) = open {
        doc.blocks.push(block);
    }
    doc
}

/// The line without HTML comments; true when a comment stays open past the line's end.
fn strip_comments(line: &str) -> (String, bool) {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start + 4..].find("-->") {
            Some(end) => rest = &rest[start + 4 + end + 3..],
            None => return (out, true),
        }
    }
    out.push_str(rest);
    (out, false)
}

/// What an include takes from its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    Whole,
    /// Line numbers (`file.rs:3:10`, `file.rs::10`, `file.rs:3`).
    Lines,
    Anchor(String),
}

/// One `{{#include …}}` or `{{#rustdoc_include …}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    pub line: usize,
    /// `include` or `rustdoc_include`.
    pub kind: String,
    /// The path as written, relative to the chapter's directory.
    pub path: String,
    pub selection: Selection,
}

const DIRECTIVES: [&str; 2] = ["include", "rustdoc_include"];

/// The includes on one line. An include escaped as `\{{#include …}}` is shown literally by
/// mdBook, so it is not one.
pub fn includes(line_no: usize, line: &str) -> Vec<Include> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(start) = line[from..].find("{{#").map(|s| s + from) {
        from = start + 3;
        if line[..start].ends_with('\\') {
            continue;
        }
        let Some(end) = line[start..].find("}}").map(|e| e + start) else {
            break;
        };
        let inner = line[start + 3..end].trim();
        let (kind, args) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
        if !DIRECTIVES.contains(&kind) {
            continue;
        }
        let args = args.trim();
        let (path, selection) = match args.split_once(':') {
            None => (args, Selection::Whole),
            Some((path, rest)) => {
                let first = rest.split(':').next().unwrap_or_default();
                let selection = if rest.is_empty() {
                    Selection::Whole
                } else if first.is_empty() || first.chars().all(|c| c.is_ascii_digit()) {
                    Selection::Lines
                } else {
                    Selection::Anchor(rest.to_string())
                };
                (path, selection)
            }
        };
        found.push(Include {
            line: line_no,
            kind: kind.to_string(),
            path: path.to_string(),
            selection,
        });
        from = end + 2;
    }
    found
}

/// Every include in a document, in code blocks and prose alike.
pub fn all_includes(doc: &Document) -> Vec<Include> {
    let block_lines = doc.blocks.iter().flat_map(|b| b.body.iter());
    doc.prose
        .iter()
        .chain(block_lines)
        .flat_map(|(n, line)| includes(*n, line))
        .collect()
}

/// A problem with the `ANCHOR:` / `ANCHOR_END:` markers of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorProblem {
    pub line: usize,
    pub message: String,
}

/// The markers mdBook looks for, each with whether it closes an anchor.
const MARKERS: [(&str, bool); 2] = [("ANCHOR:", false), ("ANCHOR_END:", true)];

/// Whether mdBook treats this line as an anchor marker, which it never shows.
pub fn is_anchor_line(line: &str) -> bool {
    MARKERS.iter().any(|(marker, _)| line.contains(marker))
}

/// The anchors a file defines (opened and closed, in order of opening) and its marker
/// problems. mdBook matches `ANCHOR:\s*name` and `ANCHOR_END:\s*name` anywhere on a line,
/// with names of word characters and `-`.
pub fn anchors(text: &str) -> (Vec<String>, Vec<AnchorProblem>) {
    let mut defined = Vec::new();
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        for (marker, closing) in MARKERS {
            let mut rest = line;
            while let Some(at) = rest.find(marker) {
                rest = &rest[at + marker.len()..];
                let name: String = rest
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
                    .collect();
                if name.is_empty() {
                    problems.push(AnchorProblem {
                        line: n,
                        message: format!("`{marker}` without a name"),
                    });
                    continue;
                }
                let already = open.iter().position(|(o, _)| *o == name);
                match (closing, already) {
                    (false, None) => open.push((name, n)),
                    (false, Some(_)) => problems.push(AnchorProblem {
                        line: n,
                        message: format!("anchor `{name}` opened again before it was closed"),
                    }),
                    (true, Some(at)) => {
                        open.remove(at);
                        if !defined.contains(&name) {
                            defined.push(name);
                        }
                    }
                    (true, None) => problems.push(AnchorProblem {
                        line: n,
                        message: format!("ANCHOR_END: {name} closes an anchor never opened"),
                    }),
                }
            }
        }
    }
    for (name, n) in open {
        problems.push(AnchorProblem {
            line: n,
            message: format!(
                "anchor `{name}` is never closed (mdBook would include the rest of the file)"
            ),
        });
    }
    (defined, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_blocks_and_prose() {
        let text = "# Title\n\n```rust,ignore\n{{#include a.rs:main}}\n```\n\
                    text <!-- a -- comment --> after\n<!--\n-- hidden\n-->\n\
                    ````text\n```\nstill inside\n````\n~~~\nopen";
        let doc = parse(text);
        assert_eq!(doc.blocks.len(), 3);
        assert_eq!(doc.blocks[0].language(), "rust");
        assert_eq!(doc.blocks[0].attributes(), ["ignore"]);
        assert_eq!(
            doc.blocks[0].body,
            [(4, "{{#include a.rs:main}}".to_string())]
        );
        assert_eq!(doc.blocks[1].body.len(), 2);
        assert!(!doc.blocks[2].closed);
        let prose: Vec<&str> = doc.prose.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(prose, ["# Title", "", "text  after", ""]);
    }

    #[test]
    fn reads_includes() {
        let inc = |s: &str| includes(1, s);
        assert_eq!(
            inc("{{#include ../solutions/echo/src/main.rs:handle}}")[0].selection,
            Selection::Anchor("handle".into())
        );
        assert_eq!(inc("{{#include a.rs}}")[0].selection, Selection::Whole);
        assert_eq!(inc("{{#include a.rs:2:5}}")[0].selection, Selection::Lines);
        assert_eq!(inc("{{#include a.rs::5}}")[0].selection, Selection::Lines);
        assert_eq!(
            inc("{{#rustdoc_include a.rs:x}}")[0].kind,
            "rustdoc_include"
        );
        assert!(inc(r"\{{#include a.rs}}").is_empty());
        assert!(inc("{{#title Echo}}").is_empty());
        assert_eq!(inc("{{#include a}} and {{#include b}}").len(), 2);
    }

    #[test]
    fn finds_anchor_problems() {
        let (defined, problems) = anchors("// ANCHOR: a\n// ANCHOR: b\n// ANCHOR_END: b\n");
        assert_eq!(defined, ["b"]);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("`a` is never closed"));
        assert_eq!(problems[0].line, 1);

        let (_, problems) = anchors("// ANCHOR_END: z\n");
        assert!(problems[0].message.contains("never opened"));

        let (defined, problems) =
            anchors("// ANCHOR: a\n// ANCHOR_END: a\n// ANCHOR: a\n// ANCHOR_END: a\n");
        assert_eq!((defined.len(), problems.len()), (1, 0));
    }
}
