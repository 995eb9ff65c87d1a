//! The runner's messages end with pointers such as "see the book: Troubleshooting › Not
//! answering init". Each must name a section title of `src/troubleshooting.md`
//! exactly, or the reader is sent looking for a section that does not exist.

use std::path::{Path, PathBuf};

use ci::net::LineError;

const POINTER: &str = "Troubleshooting › ";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The chapter's `## ` titles.
fn sections() -> Vec<String> {
    let chapter = std::fs::read_to_string(root().join("src/troubleshooting.md"))
        .expect("reading src/troubleshooting.md");
    chapter
        .lines()
        .filter_map(|line| line.strip_prefix("## "))
        .map(|title| title.trim().to_string())
        .collect()
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("reading ci/src") {
        let path = entry.expect("reading ci/src").path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Joins string literals continued with a trailing backslash, as the compiler does.
fn join_continuations(text: &str) -> String {
    let mut joined = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let mut line = line.to_string();
        while let Some(head) = line.strip_suffix('\\') {
            let next = lines.next().unwrap_or_default().trim_start();
            line = format!("{head}{next}");
        }
        joined.push_str(&line);
        joined.push('\n');
    }
    joined
}

/// The section names written out after the pointer in the runner's sources (a `{`
/// means the name is filled in at run time; those are checked separately).
fn literal_pointers() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    sources(&root().join("ci/src"), &mut files);
    let mut pointers = Vec::new();
    for file in files {
        let text = join_continuations(&std::fs::read_to_string(&file).expect("reading"));
        for (at, _) in text.match_indices(POINTER) {
            let rest = &text[at + POINTER.len()..];
            let end = rest.find([')', '"', '\n']).unwrap_or(rest.len());
            let name = &rest[..end];
            if !name.starts_with('{') {
                pointers.push((file.clone(), name.to_string()));
            }
        }
    }
    pointers
}

#[test]
fn every_pointer_names_a_section() {
    let sections = sections();
    let pointers = literal_pointers();
    assert!(
        pointers.len() >= 4,
        "found only {} pointers: is the pattern still right?",
        pointers.len()
    );
    let mut names: Vec<(String, String)> = pointers
        .into_iter()
        .map(|(file, name)| (file.display().to_string(), name))
        .collect();
    for error in [
        LineError::NotJson(String::new()),
        LineError::Malformed(String::new()),
        LineError::UnknownSrc(String::new()),
        LineError::UnknownDest(String::new()),
    ] {
        names.push((format!("{error:?}"), error.troubleshooting().to_string()));
    }
    for (from, name) in names {
        assert!(
            sections.contains(&name),
            "{from} points to \"Troubleshooting › {name}\", which is not a section title \
             of src/troubleshooting.md: {sections:?}"
        );
    }
}
