//! The parts of a chapter the checks look at: code blocks, prose, and mdBook's
//! `{{#include …}}` directives with what they select.
//!
//! Code blocks and prose come from pulldown-cmark, the parser mdBook itself renders with
//! (the same version as mdBook 0.5.4), set up the way mdBook sets it up, so the check sees
//! what a reader sees. Directives are not markdown: mdBook replaces them in the raw text
//! before parsing, wherever they are, so they are found in the raw text too.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// A code block.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// 1-based line of the opening fence (of the first line, for an indented block).
    pub line: usize,
    /// The info string after the fence (`rust,ignore`), trimmed; empty when indented.
    pub info: String,
    /// False for an indented block, which cannot name a language.
    pub fenced: bool,
    /// The block's lines, each with its 1-based line number.
    pub body: Vec<(usize, String)>,
    /// False when the block runs to the end of the chapter (or of the list or quote it is
    /// in) without a closing fence.
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

/// A chapter split into code blocks and the prose around them.
#[derive(Debug, Default)]
pub struct Document {
    pub blocks: Vec<Block>,
    /// Runs of text that mdBook typesets (not code, not HTML), each with the 1-based line
    /// it starts on.
    pub prose: Vec<(usize, String)>,
}

/// The parser mdBook renders chapters with: the options of mdBook 0.5.4's
/// `new_cmark_parser` (its mdbook-markdown crate), less smart punctuation, so that a `--`
/// that mdBook would turn into a dash is still there to be found.
fn parser(text: &str) -> Parser<'_> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_DEFINITION_LIST
        | Options::ENABLE_GFM;
    Parser::new_ext(text, options)
}

/// 1-based line numbers of byte offsets.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        let starts = std::iter::once(0).chain(text.match_indices('\n').map(|(at, _)| at + 1));
        Lines(starts.collect())
    }

    fn of(&self, offset: usize) -> usize {
        self.0.partition_point(|&start| start <= offset)
    }
}

pub fn parse(text: &str) -> Document {
    let lines = Lines::new(text);
    let mut doc = Document::default();
    let mut block: Option<Block> = None;
    // Consecutive text events make one run: the parser may split a line's text.
    let mut run: Option<(usize, String)> = None;
    for (event, range) in parser(text).into_offset_iter() {
        if !matches!(event, Event::Text(_)) {
            doc.prose.extend(run.take());
        }
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let (info, fenced) = match kind {
                    CodeBlockKind::Fenced(info) => (info.trim().to_string(), true),
                    CodeBlockKind::Indented => (String::new(), false),
                };
                block = Some(Block {
                    line: lines.of(range.start),
                    info,
                    fenced,
                    body: Vec::new(),
                    closed: !fenced || has_closing_fence(&text[range]),
                });
            }
            Event::End(TagEnd::CodeBlock) => doc.blocks.extend(block.take()),
            Event::Text(t) => match &mut block {
                Some(block) => {
                    let first = lines.of(range.start);
                    for (i, line) in t.lines().enumerate() {
                        block.body.push((first + i, line.to_string()));
                    }
                }
                None => match &mut run {
                    Some((_, so_far)) => so_far.push_str(&t),
                    None => run = Some((lines.of(range.start), t.to_string())),
                },
            },
            _ => {}
        }
    }
    doc.prose.extend(run);
    doc
}

/// Whether a fenced block's source (opening fence to where the parser ended it) ends with
/// a closing fence: the opening's character, at least as many times, and nothing after.
/// Quote markers and indentation before a fence are the containers', not the fence's.
fn has_closing_fence(source: &str) -> bool {
    let fence = |line: &str| {
        let rest = line.trim_start_matches([' ', '\t', '>']);
        let c = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
        let len = rest.len() - rest.trim_start_matches(c).len();
        Some((c, len, rest[len..].trim().is_empty()))
    };
    let mut lines = source.lines();
    let (Some(first), Some(last)) = (lines.next(), lines.next_back()) else {
        return false;
    };
    match (fence(first), fence(last)) {
        (Some((c, len, _)), Some((close, close_len, bare))) => {
            close == c && close_len >= len && bare
        }
        _ => false,
    }
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

/// The includes in some raw text whose first line is `first_line`, found the way mdBook's
/// links preprocessor finds them (mdBook 0.5.4's mdbook-driver, `find_links`): `{{`,
/// optional spaces, `#` and the directive's name, spaces, arguments up to `}}`. Code blocks
/// and comments do not hide them. An escaped `\{{#…}}` is shown literally, and mdBook's
/// match for it runs to the last `}}` of its line.
pub fn includes(text: &str, first_line: usize) -> Vec<Include> {
    let lines = Lines::new(text);
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find("{{").map(|s| s + from) {
        from = start + 2;
        if text[..start].ends_with('\\') {
            if text[start..].starts_with("{{#") {
                let line_end = text[start..].find('\n').map_or(text.len(), |e| e + start);
                if let Some(close) = text[start..line_end].rfind("}}") {
                    from = start + close + 2;
                }
            }
            continue;
        }
        let Some(inner) = text[start + 2..].trim_start().strip_prefix('#') else {
            continue;
        };
        let kind_len = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len());
        let (kind, rest) = inner.split_at(kind_len);
        let args_len = rest.find('}').unwrap_or(rest.len());
        let (args, after) = rest.split_at(args_len);
        let separated = args.starts_with(char::is_whitespace);
        if !DIRECTIVES.contains(&kind) || !separated || !after.starts_with("}}") {
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
            line: first_line + lines.of(start) - 1,
            kind: kind.to_string(),
            path: path.to_string(),
            selection,
        });
        from = text.len() - after.len() + 2;
    }
    found
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
        let text = "# Title\n\n```rust,ignore\n{{#include a.rs:main}}\n```\n\n\
                    text <!-- a -- comment --> `--code` [a link](https://x/a--b) after\n\n\
                    <!--\n-- hidden\n-->\n\n\
                    ````text\n```\nstill inside\n````\n\n\
                    > ```sh\n> cargo build\n> ```\n\n    indented\n\n~~~\nopen";
        let doc = parse(text);
        assert_eq!(doc.blocks.len(), 5, "{:?}", doc.blocks);
        assert_eq!(doc.blocks[0].language(), "rust");
        assert_eq!(doc.blocks[0].attributes(), ["ignore"]);
        assert_eq!(
            doc.blocks[0].body,
            [(4, "{{#include a.rs:main}}".to_string())]
        );
        assert!(doc.blocks[0].closed);
        assert_eq!(doc.blocks[1].line, 13);
        assert_eq!(
            doc.blocks[1].body,
            [(14, "```".to_string()), (15, "still inside".to_string())]
        );
        assert!(doc.blocks[1].closed);
        // In a quote, the fences carry the quote's marker.
        assert_eq!(doc.blocks[2].language(), "sh");
        assert_eq!(doc.blocks[2].body, [(19, "cargo build".to_string())]);
        assert!(doc.blocks[2].closed);
        assert!(!doc.blocks[3].fenced && doc.blocks[3].closed);
        assert_eq!(doc.blocks[3].line, 22);
        assert!(!doc.blocks[4].closed);
        assert_eq!(doc.blocks[4].body, [(25, "open".to_string())]);
        // Code spans, link targets and comments are not prose.
        let prose: Vec<&str> = doc.prose.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(prose, ["Title", "text ", " ", " ", "a link", " after"]);
        assert_eq!(doc.prose[1].0, 7);
    }

    #[test]
    fn a_fence_closes_only_with_its_own_character_and_length() {
        assert!(!parse("````\nx\n```\n").blocks[0].closed);
        assert!(!parse("```\nx\n~~~\n").blocks[0].closed);
        assert!(!parse("```text").blocks[0].closed);
        assert!(parse("```text\n```").blocks[0].closed);
    }

    #[test]
    fn reads_includes() {
        let inc = |s: &str| includes(s, 1);
        assert_eq!(
            inc("{{#include ../solutions/echo/src/main.rs:handle}}")[0].selection,
            Selection::Anchor("handle".into())
        );
        assert_eq!(inc("{{#include a.rs}}")[0].selection, Selection::Whole);
        assert_eq!(inc("{{ #include a.rs }}")[0].path, "a.rs");
        assert_eq!(inc("{{#include a.rs:2:5}}")[0].selection, Selection::Lines);
        assert_eq!(inc("{{#include a.rs::5}}")[0].selection, Selection::Lines);
        assert_eq!(
            inc("{{#rustdoc_include a.rs:x}}")[0].kind,
            "rustdoc_include"
        );
        assert!(inc(r"\{{#include a.rs}}").is_empty());
        // mdBook's escaped match runs to the line's last `}}`.
        assert!(inc(r"\{{#include a}} and {{#include b}}").is_empty());
        assert_eq!(inc("\\{{#include a}}\n{{#include b}}")[0].line, 2);
        assert!(inc("{{#title Echo}}").is_empty());
        assert!(inc("{{#includea.rs}}").is_empty());
        assert_eq!(inc("{{#include a}} and {{#include b}}").len(), 2);
        let found = includes("x\n<!-- {{#include c.rs:y}} -->\n", 10);
        assert_eq!((found[0].line, found[0].path.as_str()), (11, "c.rs"));
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
