//! The files a crate is made of: everything in its directory, and every file its Rust
//! sources reach outside it by a path written in them: a `#[path = "..."]` module, or
//! `include!`, `include_str!` and `include_bytes!`. A broken node shares its good step's
//! modules that way (`#[path = "../../../broadcast_3/src/gossip.rs"] mod gossip;`), so a
//! change to the shared module must change the broken node's digest too.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result};

use super::project;

/// What a Rust source says about other files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// A path written in a `#[path]` attribute or an include macro, relative to the
    /// directory of the file that writes it; `module` is the module a `#[path]` names.
    Path {
        written: String,
        module: Option<String>,
    },
    /// `mod name;` without a `#[path]`.
    Module(String),
}

/// Every file of the crate in `dir` (relative to `root`), as paths relative to `root`:
/// the files under `dir` (but `target/`) in [`project::files_under`]'s order, then, sorted,
/// the files outside `dir` that its Rust sources reach, and those they reach in turn.
///
/// A file reached through `#[path]` declares its own modules the way a `mod.rs` does
/// (rustc looks for them beside it), so `mod helpers;` in it reaches `helpers.rs` or
/// `helpers/mod.rs` next to it. A written path that names no file is left out: the build
/// reports it.
pub fn crate_files(root: &Path, dir: &Path) -> Result<Vec<PathBuf>> {
    let own: Vec<PathBuf> = project::files_under(&root.join(dir))?
        .into_iter()
        .map(|file| dir.join(file))
        .collect();
    let mut reached = BTreeSet::new();
    let mut queue: Vec<PathBuf> = own.iter().filter(|f| is_rust(f)).cloned().collect();
    while let Some(file) = queue.pop() {
        let path = root.join(&file);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let base = file.parent().unwrap_or(Path::new(""));
        let outside = !file.starts_with(dir);
        for link in links(&text) {
            let candidates = match link {
                Link::Path { written, .. } => vec![normalize(&base.join(written))],
                // Inside the crate's directory, the walk already has every module file.
                Link::Module(name) if outside => vec![
                    base.join(format!("{name}.rs")),
                    base.join(&name).join("mod.rs"),
                ],
                Link::Module(_) => continue,
            };
            for target in candidates {
                if !target.starts_with(dir)
                    && root.join(&target).is_file()
                    && reached.insert(target.clone())
                    && is_rust(&target)
                {
                    queue.push(target);
                }
            }
        }
    }
    Ok(own.into_iter().chain(reached).collect())
}

fn is_rust(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rs")
}

/// `a/b/../c/./d` → `a/c/d`, without asking the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The links in Rust source `text`, in order. Comments are skipped, so a path shown in
/// a doc comment reaches nothing.
pub fn links(text: &str) -> Vec<Link> {
    let tokens = tokens(text);
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let at = |k: usize| tokens.get(i + k);
        let punct = |k: usize, c: char| at(k) == Some(&Token::Punct(c));
        let word = |k: usize, w: &str| matches!(at(k), Some(Token::Ident(x)) if x == w);
        // `#[path = "..."]`, then the item it is on.
        if punct(0, '#')
            && punct(1, '[')
            && word(2, "path")
            && punct(3, '=')
            && punct(5, ']')
            && let Some(Token::Str(written)) = at(4)
        {
            let (module, used) = match module_after(&tokens[i + 6..]) {
                Some((name, used)) => (Some(name), used),
                None => (None, 0),
            };
            found.push(Link::Path {
                written: written.clone(),
                module,
            });
            i += 6 + used;
            continue;
        }
        let include = ["include", "include_str", "include_bytes"];
        if include.iter().any(|w| word(0, w))
            && punct(1, '!')
            && punct(2, '(')
            && let Some(Token::Str(written)) = at(3)
        {
            found.push(Link::Path {
                written: written.clone(),
                module: None,
            });
            i += 4;
            continue;
        }
        if let Some((name, used)) = module_after(&tokens[i..]) {
            found.push(Link::Module(name));
            i += used;
            continue;
        }
        i += 1;
    }
    found
}

/// `mod name;` at the start of `tokens`, after any attributes and visibility: the name,
/// and how many tokens it took.
fn module_after(tokens: &[Token]) -> Option<(String, usize)> {
    let mut i = 0;
    loop {
        match (tokens.get(i), tokens.get(i + 1)) {
            // A `#[path]` of its own: not a plain module.
            (Some(Token::Punct('#')), Some(Token::Punct('[')))
                if tokens.get(i + 2) == Some(&Token::Ident("path".into())) =>
            {
                return None;
            }
            // Another attribute: skip to its closing bracket.
            (Some(Token::Punct('#')), Some(Token::Punct('['))) => {
                let mut depth = 0;
                loop {
                    match tokens.get(i)? {
                        Token::Punct('[') => depth += 1,
                        Token::Punct(']') => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                i += 1;
            }
            (Some(Token::Ident(w)), Some(Token::Punct('('))) if w == "pub" => {
                let close = tokens[i..].iter().position(|t| *t == Token::Punct(')'))?;
                i += close + 1;
            }
            (Some(Token::Ident(w)), _) if w == "pub" => i += 1,
            (Some(Token::Ident(w)), Some(Token::Ident(name))) if w == "mod" => {
                return (tokens.get(i + 2) == Some(&Token::Punct(';')))
                    .then(|| (name.clone(), i + 3));
            }
            _ => return None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    /// A string literal's value.
    Str(String),
    Punct(char),
}

/// Rust source as identifiers, string literals and single punctuation characters, with
/// comments, numbers and character literals left out: just enough to find the links.
fn tokens(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let next = |i: usize| chars.get(i).copied();
    while let Some(c) = next(i) {
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next(i + 1) == Some('/') {
            while next(i).is_some_and(|c| c != '\n') {
                i += 1;
            }
        } else if c == '/' && next(i + 1) == Some('*') {
            // Block comments nest in Rust.
            let mut depth = 0;
            while i < chars.len() {
                if next(i) == Some('/') && next(i + 1) == Some('*') {
                    depth += 1;
                    i += 2;
                } else if next(i) == Some('*') && next(i + 1) == Some('/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == '"' {
            let (value, end) = string(&chars, i + 1);
            out.push(Token::Str(value));
            i = end;
        } else if c == 'r' && matches!(next(i + 1), Some('"' | '#')) {
            // A raw string: r"...", r#"..."#, and so on.
            let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
            let start = i + 1 + hashes + 1;
            let closing: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let end = (start..chars.len())
                .find(|&j| chars[j..].starts_with(&closing))
                .unwrap_or(chars.len());
            out.push(Token::Str(chars[start.min(end)..end].iter().collect()));
            i = end + closing.len();
        } else if c == '\'' {
            // A character literal ('"', '\'', '\u{22}') or a lifetime ('a).
            if next(i + 1) == Some('\\') {
                i += 2;
                while next(i).is_some_and(|c| c != '\'') {
                    i += 1;
                }
                i += 1;
            } else if next(i + 2) == Some('\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while next(i).is_some_and(|c| c.is_alphanumeric() || c == '_') {
                i += 1;
            }
            if !c.is_ascii_digit() {
                out.push(Token::Ident(chars[start..i].iter().collect()));
            }
        } else {
            out.push(Token::Punct(c));
            i += 1;
        }
    }
    out
}

/// The value of a string literal whose text starts at `start` (after the opening quote),
/// and the index after its closing quote.
fn string(chars: &[char], start: usize) -> (String, usize) {
    let mut value = String::new();
    let mut i = start;
    while let Some(&c) = chars.get(i) {
        match c {
            '"' => return (value, i + 1),
            '\\' => {
                if let Some(&escaped) = chars.get(i + 1) {
                    value.push(match escaped {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                }
                i += 2;
            }
            other => {
                value.push(other);
                i += 1;
            }
        }
    }
    (value, i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::tests::Scratch;

    fn path(written: &str, module: Option<&str>) -> Link {
        Link::Path {
            written: written.into(),
            module: module.map(str::to_string),
        }
    }

    #[test]
    fn finds_path_modules_includes_and_plain_modules() {
        let text = r##"
//! Shares `#[path = "../doc.rs"] mod doc;` with nobody: this is a comment.
/* and so is #[path = "block.rs"] mod block; /* nested */ still a comment */
#[path = "../../broadcast_3/src/gossip.rs"]
mod gossip;
#[cfg(test)]
#[path="shared/tests.rs"] #[allow(dead_code)] pub(crate) mod tests;
pub mod plain;
mod inline { fn f() {} }
const QUOTE: char = '"';
const TEXT: &str = include_str!("data/text.txt");
const RAW: &str = r#"#[path = "raw.rs"] mod raw;"#;
fn f<'a>(x: &'a str) -> &'a str { x }
include!(concat!(env!("OUT_DIR"), "/gen.rs"));
"##;
        assert_eq!(
            links(text),
            [
                path("../../broadcast_3/src/gossip.rs", Some("gossip")),
                path("shared/tests.rs", Some("tests")),
                Link::Module("plain".into()),
                path("data/text.txt", None),
            ]
        );
    }

    #[test]
    fn normalizes_without_the_file_system() {
        assert_eq!(
            normalize(Path::new("solutions/broken/x/src/../../../b/src/./g.rs")),
            Path::new("solutions/b/src/g.rs")
        );
        assert_eq!(normalize(Path::new("../up/a.rs")), Path::new("../up/a.rs"));
    }

    #[test]
    fn a_crate_reaches_shared_modules_and_what_they_declare() {
        let s = Scratch::new("sources");
        s.write("solutions/good/src/main.rs", "mod gossip;\nfn main() {}\n");
        s.write("solutions/good/src/gossip.rs", "mod peers;\n");
        s.write("solutions/good/src/gossip/peers.rs", "// peers\n");
        s.write(
            "solutions/broken/bad/src/main.rs",
            "#[path = \"../../../good/src/gossip.rs\"]\nmod gossip;\n\
             const README: &str = include_str!(\"../README.md\");\nfn main() {}\n",
        );
        s.write("solutions/broken/bad/README.md", "in the crate already\n");
        s.write(
            "solutions/broken/bad/Cargo.toml",
            "[package]\nname = \"bad\"\n",
        );
        let files = crate_files(s.root(), Path::new("solutions/broken/bad")).unwrap();
        // rustc looks for a #[path] file's modules beside it (`gossip/peers.rs` would be
        // `src/peers.rs` here), so `peers.rs` next to `gossip.rs` is what it reaches: none.
        assert_eq!(
            files,
            [
                Path::new("solutions/broken/bad/Cargo.toml"),
                Path::new("solutions/broken/bad/README.md"),
                Path::new("solutions/broken/bad/src/main.rs"),
                Path::new("solutions/good/src/gossip.rs"),
            ]
        );
        s.write("solutions/good/src/peers.rs", "// beside gossip.rs\n");
        let files = crate_files(s.root(), Path::new("solutions/broken/bad")).unwrap();
        assert_eq!(
            files.last().unwrap(),
            Path::new("solutions/good/src/peers.rs")
        );
    }
}
