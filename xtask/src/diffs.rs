//! Step diffs: what changed from one step's crate to the next, as a unified diff the
//! chapters include in ```` ```diff ```` blocks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use similar::TextDiff;

/// The steps in book order. Each step after `echo` gets a diff named after it
/// (`broadcast_2.diff`) against the step before it in the same challenge
/// (`broadcast_1` → `broadcast_2`), or, for the first step of a challenge, against `echo`:
/// the smallest whole node, whose shape every later node keeps. A diff across challenges
/// (`unique_ids` → `broadcast_1`) would only show one program replaced by another.
pub const STEPS: [&str; 14] = [
    "echo",
    "unique_ids",
    "broadcast_1",
    "broadcast_2",
    "broadcast_3",
    "broadcast_4",
    "broadcast_5",
    "g_counter",
    "kafka_1",
    "kafka_2",
    "kafka_3",
    "txn_1",
    "txn_2",
    "txn_3",
];

pub const DIFFS_DIR: &str = "src/generated/diffs";

/// `cargo xtask diffs`: writes every diff and removes those whose pair no longer exists.
pub fn write() -> Result<bool> {
    let root = Path::new(".");
    let wanted = expected(root)?;
    std::fs::create_dir_all(DIFFS_DIR)?;
    for (file, text) in &wanted {
        let current = std::fs::read_to_string(file).ok();
        if current.as_deref() != Some(text.as_str()) {
            std::fs::write(file, text).with_context(|| format!("writing {}", file.display()))?;
            println!("wrote {}", file.display());
        }
    }
    for file in existing(root)? {
        if !wanted.contains_key(&file) {
            std::fs::remove_file(&file)?;
            println!(
                "removed {} (its step or the step before it no longer exists)",
                file.display()
            );
        }
    }
    println!("diffs: {} step diffs are current", wanted.len());
    Ok(true)
}

/// Problems with the diffs on disk: missing, out of date, or left over.
pub fn stale(root: &Path, wanted: &Diffs) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for (file, text) in wanted {
        match std::fs::read_to_string(root.join(file)) {
            Err(_) => problems.push(format!("{} is missing", file.display())),
            Ok(current) if current != *text => problems.push(format!(
                "{} is out of date: the step crates changed since it was written",
                file.display()
            )),
            Ok(_) => {}
        }
    }
    for file in existing(root)? {
        if !wanted.contains_key(&file) {
            problems.push(format!(
                "{} is not the diff of an existing step against the step before it",
                file.display()
            ));
        }
    }
    if !problems.is_empty() {
        problems.push("regenerate the diffs with `cargo xtask diffs`".into());
    }
    Ok(problems)
}

/// Each diff file (relative to the root) and the text it should hold.
pub type Diffs = BTreeMap<PathBuf, String>;

/// The diffs the step crates make now.
pub fn expected(root: &Path) -> Result<Diffs> {
    let crates = super::project::solution_crates(root)?;
    let mut diffs = BTreeMap::new();
    for pair in STEPS.windows(2) {
        let (before, step) = (pair[0], pair[1]);
        let base = if challenge(before) == challenge(step) {
            before
        } else {
            STEPS[0]
        };
        let (Some(old), Some(new)) = (crates.get(base), crates.get(step)) else {
            continue;
        };
        let text = diff_crates(root, old, new)?;
        diffs.insert(Path::new(DIFFS_DIR).join(format!("{step}.diff")), text);
    }
    Ok(diffs)
}

/// `broadcast_2` → `broadcast`; a step without a number is a challenge of its own.
fn challenge(step: &str) -> &str {
    match step.rsplit_once('_') {
        Some((name, n)) if n.chars().all(|c| c.is_ascii_digit()) => name,
        _ => step,
    }
}

fn existing(root: &Path) -> Result<Vec<PathBuf>> {
    let dir = root.join(DIFFS_DIR);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    Ok(super::project::files_under(&dir)?
        .into_iter()
        .filter(|f| f.ends_with(".diff"))
        .map(|f| Path::new(DIFFS_DIR).join(f))
        .collect())
}

/// A unified diff of every file under `src/` of two crates, paths shown from the crate
/// directory's name (`broadcast_1/src/main.rs`).
pub fn diff_crates(root: &Path, old: &Path, new: &Path) -> Result<String> {
    let read_sources = |dir: &Path| -> Result<BTreeMap<String, String>> {
        let src = root.join(dir).join("src");
        let mut files = BTreeMap::new();
        if src.is_dir() {
            for file in super::project::files_under(&src)? {
                let path = src.join(&file);
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                files.insert(format!("src/{file}"), without_anchors(&text));
            }
        }
        Ok(files)
    };
    let label = |dir: &Path| {
        dir.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    };
    let (old_files, new_files) = (read_sources(old)?, read_sources(new)?);
    let names: std::collections::BTreeSet<&String> =
        old_files.keys().chain(new_files.keys()).collect();
    let mut out = String::new();
    for name in names {
        let before = old_files.get(name).map_or("", String::as_str);
        let after = new_files.get(name).map_or("", String::as_str);
        if before == after {
            continue;
        }
        // A file that exists on one side only is diffed against /dev/null, as git does.
        let side = |files: &BTreeMap<String, String>, dir: &Path| {
            if files.contains_key(name) {
                format!("{}/{name}", label(dir))
            } else {
                "/dev/null".to_string()
            }
        };
        let (old_label, new_label) = (side(&old_files, old), side(&new_files, new));
        let diff = TextDiff::from_lines(before, after);
        let text = diff
            .unified_diff()
            .context_radius(3)
            .header(&old_label, &new_label)
            .to_string();
        out.push_str(&text);
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    Ok(out)
}

/// The source as the book shows it: mdBook hides `ANCHOR` marker lines, and a diff that
/// kept them would show half-open anchors and changes no reader can see.
fn without_anchors(text: &str) -> String {
    text.lines()
        .filter(|line| !super::markdown::is_anchor_line(line))
        .flat_map(|line| [line, "\n"])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::tests::Scratch;

    fn crate_at(s: &Scratch, name: &str, main: &str) {
        s.write(
            &format!("solutions/{name}/Cargo.toml"),
            &format!("[package]\nname = \"{name}\"\n"),
        );
        s.write(&format!("solutions/{name}/src/main.rs"), main);
    }

    fn stale_now(s: &Scratch) -> Vec<String> {
        stale(s.root(), &expected(s.root()).unwrap()).unwrap()
    }

    #[test]
    fn diffs_consecutive_steps_that_exist() {
        let s = Scratch::new("diffs");
        crate_at(&s, "broadcast_1", "fn main() {\n    one();\n}\n");
        crate_at(
            &s,
            "broadcast_2",
            "// ANCHOR: main\nfn main() {\n    two();\n}\n// ANCHOR_END: main\n",
        );
        s.write(
            "solutions/broadcast_2/src/gossip.rs",
            "pub fn gossip() {}\n",
        );
        crate_at(&s, "broadcast_4", "fn main() {}\n");
        crate_at(&s, "unique_ids", "fn main() {}\n");
        crate_at(&s, "g_counter", "fn main() {}\n");

        let diffs = expected(s.root()).unwrap();
        assert_eq!(
            diffs.keys().collect::<Vec<_>>(),
            [Path::new("src/generated/diffs/broadcast_2.diff")],
            "broadcast_3 is missing, so no diff reaches 4; echo is missing, so no first \
             step of a challenge has a diff"
        );
        let text = &diffs[Path::new("src/generated/diffs/broadcast_2.diff")];
        assert!(text.contains("--- broadcast_1/src/main.rs\n+++ broadcast_2/src/main.rs\n"));
        assert!(text.contains("-    one();\n+    two();\n"));
        assert!(
            !text.contains("ANCHOR"),
            "marker lines are not shown:\n{text}"
        );
        assert!(text.contains("--- /dev/null\n+++ broadcast_2/src/gossip.rs\n"));

        // The first step of a challenge is diffed against echo, not the step before it.
        crate_at(&s, "echo", "fn main() {\n    echo();\n}\n");
        let with_echo = expected(s.root()).unwrap();
        assert_eq!(with_echo.len(), 4, "{:?}", with_echo.keys());
        let text = &with_echo[Path::new("src/generated/diffs/g_counter.diff")];
        assert!(text.starts_with("--- echo/src/main.rs\n+++ g_counter/src/main.rs\n"));
        std::fs::remove_dir_all(s.root().join("solutions/echo")).unwrap();

        // Missing, then current, then stale after a change, then left over.
        assert!(stale_now(&s)[0].contains("broadcast_2.diff is missing"));
        for (file, text) in &diffs {
            s.write(file.to_str().unwrap(), text);
        }
        assert!(stale_now(&s).is_empty());
        crate_at(&s, "broadcast_2", "fn main() {\n    three();\n}\n");
        let problems = stale_now(&s);
        assert!(problems[0].contains("out of date"), "{problems:?}");
        assert!(problems[1].contains("cargo xtask diffs"));
        s.write("src/generated/diffs/txn_9.diff", "");
        assert!(stale_now(&s)[1].contains("txn_9.diff is not the diff"));
    }
}
