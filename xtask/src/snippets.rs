//! The snippet check: the book's code comes from the crates, every include finds what it
//! names, and prose has no `--` for smart punctuation to turn into a dash.
//!
//! mdBook forgives too much: a missing file or anchor includes nothing, an unclosed anchor
//! includes the rest of the file, and `mdbook test` compiles any `rust` block on its own.
//! These rules catch each of those before a reader does.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::markdown::{self, Block, Include, Selection};

/// The attribute that marks a tiny inline Rust illustration, compiled by `mdbook test`.
pub const ILLUSTRATION: &str = "edition2024";

const INLINE_RUST_RULE: &str = "Rust code in the book comes from the solution crates: put it \
in a crate under solutions/ between `// ANCHOR: name` and `// ANCHOR_END: name` lines and \
include it with a ```rust,ignore block holding only `{{#include path:name}}`. Only a tiny \
language illustration may be typed inline, in a ```rust,edition2024 block (not `ignore`), \
which `mdbook test` compiles";

/// One broken rule, located in a chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

/// `cargo xtask snippets`.
pub fn run() -> Result<bool> {
    let problems = check_book(Path::new("src"))?;
    report(&problems);
    Ok(problems.is_empty())
}

pub fn report(problems: &[Problem]) {
    if problems.is_empty() {
        println!("snippets: every code block, include and anchor is in order");
    }
    for problem in problems {
        println!("{problem}");
    }
}

/// Checks every `.md` file under the book's source directory.
pub fn check_book(src: &Path) -> Result<Vec<Problem>> {
    let mut chapters = Vec::new();
    for file in super::project::files_under(src)? {
        if file.ends_with(".md") {
            chapters.push(src.join(file));
        }
    }
    let mut files = IncludedFiles::default();
    let mut problems = Vec::new();
    for chapter in chapters {
        let text = std::fs::read_to_string(&chapter)
            .with_context(|| format!("reading {}", chapter.display()))?;
        problems.extend(check_chapter(&chapter, &text, &mut files));
    }
    Ok(problems)
}

/// A file's anchors and the problems with its markers.
type Anchors = (Vec<String>, Vec<markdown::AnchorProblem>);

/// Included files read once each (`None`: the file does not exist).
#[derive(Default)]
pub struct IncludedFiles {
    read: BTreeMap<PathBuf, Option<Anchors>>,
}

impl IncludedFiles {
    fn get(&mut self, path: &Path) -> Option<&Anchors> {
        self.read
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                let text = std::fs::read_to_string(path).ok()?;
                Some(markdown::anchors(&text))
            })
            .as_ref()
    }
}

pub fn check_chapter(chapter: &Path, text: &str, files: &mut IncludedFiles) -> Vec<Problem> {
    let doc = markdown::parse(text);
    let mut problems = Vec::new();
    let mut problem = |line: usize, message: String| {
        problems.push(Problem {
            file: chapter.to_path_buf(),
            line,
            message,
        })
    };
    for block in &doc.blocks {
        for (line, message) in block_problems(block) {
            problem(line, message);
        }
    }
    let dir = chapter.parent().unwrap_or(Path::new(""));
    for include in markdown::includes(text, 1) {
        for message in include_problems(dir, &include, files) {
            problem(include.line, message);
        }
    }
    for (line, text) in &doc.prose {
        if let Some(message) = dash_problem(text) {
            problem(*line, message);
        }
    }
    problems
}

fn block_problems(block: &Block) -> Vec<(usize, String)> {
    let mut problems = Vec::new();
    if !block.closed {
        problems.push((
            block.line,
            "this code block is never closed, so the rest of the chapter is code".to_string(),
        ));
    }
    if !block.fenced {
        problems.push((
            block.line,
            "an indented code block: mdbook test compiles it as Rust. Fence it and give it a \
             language (```text for output, ```sh for commands)"
                .to_string(),
        ));
        return problems;
    }
    if block.language().is_empty() {
        problems.push((
            block.line,
            "give this code block a language (```text for output, ```sh for commands, \
             ```rust,ignore around includes): mdbook test compiles a block without one as Rust"
                .to_string(),
        ));
        return problems;
    }
    if block.language() != "rust" {
        return problems;
    }
    let attributes = block.attributes();
    let ignored = attributes.contains(&"ignore");
    let code: Vec<&(usize, String)> = block
        .body
        .iter()
        .filter(|(_, line)| !line.trim().is_empty())
        .collect();
    let only_includes = code.iter().all(|(n, line)| {
        let found = markdown::includes(line, *n);
        found.len() == 1 && line.trim().starts_with("{{#") && line.trim().ends_with("}}")
    });
    if !only_includes {
        if !attributes.contains(&ILLUSTRATION) || ignored {
            let first = code
                .iter()
                .find(|(n, line)| markdown::includes(line, *n).is_empty());
            let at = first.map_or(block.line, |(n, _)| *n);
            problems.push((at, format!("Rust typed inline. {INLINE_RUST_RULE}")));
        }
        return problems;
    }
    if !ignored {
        for (n, line) in &code {
            for include in markdown::includes(line, *n) {
                if include.path.ends_with(".rs") {
                    problems.push((
                        *n,
                        format!(
                            "`{}` is included in a ```{} block, so mdbook test would compile \
                             it on its own, without its crate: write ```rust,ignore (cargo \
                             compiles the crate)",
                            include.path, block.info
                        ),
                    ));
                }
            }
        }
    }
    problems
}

fn include_problems(dir: &Path, include: &Include, files: &mut IncludedFiles) -> Vec<String> {
    let path = dir.join(&include.path);
    let Some((defined, marker_problems)) = files.get(&path) else {
        let hint = if include.path.contains("generated/runs/") {
            "; shown runs are written by `cargo xtask regen`"
        } else if include.path.contains("generated/diffs/") {
            "; step diffs are written by `cargo xtask diffs`"
        } else {
            ""
        };
        return vec![format!(
            "`{}` includes {}, which does not exist (mdBook would include nothing){hint}",
            include.kind,
            path.display()
        )];
    };
    let mut problems: Vec<String> = marker_problems
        .iter()
        .map(|p| format!("included file {}:{}: {}", path.display(), p.line, p.message))
        .collect();
    if let Selection::Anchor(name) = &include.selection
        && !defined.contains(name)
    {
        problems.push(format!(
            "{} has no anchor `{name}` (mdBook would include nothing); it has: {}",
            path.display(),
            if defined.is_empty() {
                "none".to_string()
            } else {
                defined.join(", ")
            }
        ));
    }
    problems
}

/// `--` in a run of prose (code spans, link targets and HTML are not prose), outside the
/// directives mdBook replaces before it typesets anything.
fn dash_problem(text: &str) -> Option<String> {
    let mut rest = text;
    let mut typeset = String::new();
    while let Some(start) = rest.find("{{#") {
        typeset.push_str(&rest[..start]);
        rest = match rest[start..].find("}}") {
            Some(end) => &rest[start + end + 2..],
            None => "",
        };
    }
    typeset.push_str(rest);
    typeset.contains("--").then(|| {
        "`--` in prose: smart punctuation turns it into an en dash. Put commands and flags in \
         inline code (`--time-limit`) or a code block; type a dash as — or –"
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::tests::Scratch;

    const MAIN_RS: &str = "// ANCHOR: main\nfn main() {}\n// ANCHOR_END: main\n";

    /// Checks one chapter `src/ch.md` next to `solutions/echo/src/main.rs`.
    fn check(chapter: &str, main_rs: &str) -> Vec<String> {
        let s = Scratch::new("snippets");
        s.write("solutions/echo/src/main.rs", main_rs);
        s.write("src/ch.md", chapter);
        check_book(&s.root().join("src"))
            .unwrap()
            .iter()
            .map(|p| {
                assert!(p.file.ends_with("src/ch.md"));
                format!("{}: {}", p.line, p.message)
            })
            .collect()
    }

    fn include_block(info: &str, target: &str) -> String {
        format!("# Echo\n\n```{info}\n{{{{#include {target}}}}}\n```\n")
    }

    #[test]
    fn accepts_a_correct_chapter() {
        let chapter = format!(
            "{}\nRun `cargo maelstrom test --time-limit 10`:\n\n```sh\ncargo build\n```\n\n\
             | a | b |\n|---|:--|\n\n---\n\n```rust,edition2024\nlet x = 1;\n```\n\
             <!-- a -- comment -->\n[link](https://example.com/a--b)\n",
            include_block("rust,ignore", "../solutions/echo/src/main.rs:main")
        );
        assert_eq!(check(&chapter, MAIN_RS), Vec::<String>::new());
    }

    #[test]
    fn rejects_a_missing_file() {
        let problems = check(
            &include_block("rust,ignore", "../solutions/echo/src/lib.rs:main"),
            MAIN_RS,
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("4: "));
        assert!(problems[0].contains("lib.rs, which does not exist"));
    }

    #[test]
    fn rejects_a_missing_anchor() {
        let problems = check(
            &include_block("rust,ignore", "../solutions/echo/src/main.rs:handle"),
            MAIN_RS,
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("has no anchor `handle`"));
        assert!(problems[0].contains("it has: main"));
    }

    #[test]
    fn rejects_an_unclosed_anchor() {
        let main_rs = "// ANCHOR: main\nfn main() {}\n// ANCHOR: helper\nfn helper() {}\n";
        let problems = check(
            &include_block("rust,ignore", "../solutions/echo/src/main.rs"),
            main_rs,
        );
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("main.rs:1: anchor `main` is never closed"));
        assert!(problems[1].contains("main.rs:3: anchor `helper` is never closed"));
    }

    #[test]
    fn rejects_an_anchor_closed_but_never_opened() {
        let main_rs = "fn main() {}\n// ANCHOR_END: main\n";
        let problems = check(
            &include_block("rust,ignore", "../solutions/echo/src/main.rs:main"),
            main_rs,
        );
        assert!(
            problems[0].contains("closes an anchor never opened"),
            "{problems:?}"
        );
        assert!(problems[1].contains("has no anchor `main`"));
    }

    #[test]
    fn rejects_inline_rust() {
        for info in [
            "rust",
            "rust,ignore",
            "rust,edition2024,ignore",
            "rust,no_run",
        ] {
            let chapter = format!("# Echo\n\n```{info}\nfn main() {{}}\n```\n");
            let problems = check(&chapter, MAIN_RS);
            assert_eq!(problems.len(), 1, "{info}: {problems:?}");
            assert!(problems[0].starts_with("4: Rust typed inline"));
            assert!(problems[0].contains("ANCHOR: name"));
        }
        // An include with code typed around it is inline code too.
        let chapter = "```rust,ignore\n{{#include ../solutions/echo/src/main.rs:main}}\n\
                       fn extra() {}\n```\n";
        assert!(check(chapter, MAIN_RS)[0].starts_with("3: Rust typed inline"));
    }

    #[test]
    fn rejects_a_rust_include_that_mdbook_test_would_compile() {
        let problems = check(
            &include_block("rust", "../solutions/echo/src/main.rs:main"),
            MAIN_RS,
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("write ```rust,ignore"));
    }

    #[test]
    fn rejects_dashes_in_prose_and_blocks_without_a_language() {
        let problems = check("Run cargo maelstrom --time-limit 10.\n", MAIN_RS);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("1: `--` in prose"));

        let problems = check("```\ncargo build\n```\n", MAIN_RS);
        assert!(problems[0].contains("give this code block a language"));

        let problems = check("```text\nunclosed\n", MAIN_RS);
        assert!(problems[0].contains("never closed"));

        // Wherever mdBook typesets text: headings, table cells, link text.
        let problems = check(
            "## Why --rate matters\n\n| flag |\n|---|\n| a --b |\n\n[see --x](a.md)\n",
            MAIN_RS,
        );
        let lines: Vec<&str> = problems.iter().map(|p| &p[..2]).collect();
        assert_eq!(lines, ["1:", "5:", "7:"], "{problems:?}");
        // Raw HTML is not typeset.
        assert!(check("<div>\na -- b\n</div>\n", MAIN_RS).is_empty());

        let problems = check("Some text.\n\n    cargo build\n", MAIN_RS);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("3: an indented code block"));
    }
}
