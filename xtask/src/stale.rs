//! The staleness check: every run output the book shows was produced by the code and
//! arguments as they are now, every chapter's run include has a recorded run, and the step
//! diffs and the book's pictures are current.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};

use super::manifest::{MANIFEST, Manifest, sources_digest};
use super::markdown;
use super::project;
use super::regen::{self, RUNS_DIR};
use super::steps::{self, Step};

/// Every staleness problem, each saying how to fix it.
pub fn check(root: &Path) -> Result<Vec<String>> {
    let steps = steps::load(root)?;
    let included = includes_of(root, RUNS_DIR, ".txt")?;
    let mut problems = runs(root, &steps, &included)?;
    problems.extend(unknown_runs(&steps, &included));
    let diffs = super::diffs::expected(root)?;
    problems.extend(super::diffs::stale(root, &diffs)?);
    problems.extend(unshown_diffs(root, &diffs)?);
    problems.extend(super::comparisons::stale(root, &steps)?);
    problems.extend(super::pictures::stale(root)?);
    Ok(problems)
}

/// File name without its extension (a run, a step) → where chapters include the file
/// (`src/echo.md:126`).
type RunIncludes = BTreeMap<String, Vec<String>>;

fn regen_hint(name: &str) -> String {
    format!("regenerate it with `cargo xtask regen --step {name}`")
}

/// Shown rows against their files and manifest entries.
fn runs(root: &Path, steps: &[Step], included: &RunIncludes) -> Result<Vec<String>> {
    let manifest = Manifest::load(root)?;
    let mut problems = Vec::new();
    for step in steps.iter().filter(|s| s.show) {
        let file = regen::run_file(&step.name);
        let shown = file.display();
        let by = match included.get(&step.name) {
            Some(places) => format!(" (included by {})", places.join(", ")),
            None => String::new(),
        };
        let Ok(text) = std::fs::read_to_string(root.join(&file)) else {
            problems.push(format!(
                "{shown}{by} is missing: {}",
                regen_hint(&step.name)
            ));
            continue;
        };
        let Some(entry) = manifest.run.get(&step.name) else {
            problems.push(format!(
                "{shown}{by} has no entry in {MANIFEST}: {}",
                regen_hint(&step.name)
            ));
            continue;
        };
        let digest = sources_digest(root, step)?;
        if entry.command != step.learner_command() {
            problems.push(format!(
                "{shown} shows `{}` but the row now runs `{}`: {}",
                entry.command,
                step.learner_command(),
                regen_hint(&step.name)
            ));
        } else if entry.sources != digest {
            problems.push(format!(
                "{shown} is stale: crate `{}` or the helper crate changed since it was \
                 written: {}",
                step.krate,
                regen_hint(&step.name)
            ));
        }
        if entry.output != project::digest_bytes(text.as_bytes()) {
            problems.push(format!(
                "{shown} was edited by hand after it was written: {}",
                regen_hint(&step.name)
            ));
        }
    }
    let shown = |name: &str| steps.iter().any(|s| s.show && s.name == name);
    for name in manifest.run.keys().filter(|n| !shown(n)) {
        problems.push(format!(
            "{MANIFEST} records `{name}`, which no row shows: run `cargo xtask regen`"
        ));
    }
    for file in project::unwanted_files(&root.join(RUNS_DIR), ".txt", shown)? {
        problems.push(format!(
            "{RUNS_DIR}/{file} belongs to no row with `show = true`: run \
             `cargo xtask regen` to remove it"
        ));
    }
    Ok(problems)
}

/// Every include in the chapters of a `<dir>/<name><ext>` file, by name.
fn includes_of(root: &Path, dir: &str, ext: &str) -> Result<RunIncludes> {
    let src = root.join("src");
    let dir = root.join(dir);
    let mut found = RunIncludes::new();
    for file in project::files_under(&src)? {
        if !file.ends_with(".md") {
            continue;
        }
        let chapter = src.join(&file);
        let text = std::fs::read_to_string(&chapter)
            .with_context(|| format!("reading {}", chapter.display()))?;
        for include in markdown::includes(&text, 1) {
            let target = chapter.parent().unwrap_or(&src).join(&include.path);
            if let Some(name) = name_in(&dir, &target, ext) {
                let place = format!("src/{file}:{}", include.line);
                found.entry(name).or_default().push(place);
            }
        }
    }
    Ok(found)
}

/// Step diffs no chapter shows: each belongs in its step's chapter.
fn unshown_diffs(root: &Path, diffs: &super::diffs::Diffs) -> Result<Vec<String>> {
    let included = includes_of(root, super::diffs::DIFFS_DIR, ".diff")?;
    Ok(diffs
        .keys()
        .filter(|file| {
            let step = file.file_stem().map(|s| s.to_string_lossy().into_owned());
            !step.is_some_and(|step| included.contains_key(&step))
        })
        .map(|file| {
            format!(
                "{} is included by no chapter: show it in its step's chapter, in a \
                 ```diff block under \"What changed since the last step\"",
                file.display()
            )
        })
        .collect())
}

/// Includes of runs no row shows (shown rows' files are checked by [`runs`]).
fn unknown_runs(steps: &[Step], included: &RunIncludes) -> Vec<String> {
    included
        .iter()
        .filter(|(name, _)| !steps.iter().any(|s| s.show && s.name == **name))
        .map(|(name, places)| {
            let verb = if places.len() == 1 {
                "includes"
            } else {
                "include"
            };
            format!(
                "{} {verb} the run `{name}`, but {} has no row `{name}` with `show = true`",
                places.join(", "),
                steps::STEPS_FILE
            )
        })
        .collect()
}

/// `<name>` when `path` is `<dir>/<name><ext>`, comparing paths without `..`.
fn name_in(dir: &Path, path: &Path, ext: &str) -> Option<String> {
    let normal = |p: &Path| {
        let mut parts: Vec<String> = Vec::new();
        for c in p.components() {
            match c {
                std::path::Component::ParentDir => {
                    parts.pop();
                }
                std::path::Component::CurDir => {}
                other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
            }
        }
        parts
    };
    let (dir, file) = (normal(dir), normal(path));
    let (last, parent) = file.split_last()?;
    (parent == dir.as_slice())
        .then(|| last.strip_suffix(ext).map(str::to_string))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Entry;
    use crate::project::tests::Scratch;
    use crate::regen::render;

    const ROW: &str = "[[step]]\nname = \"echo\"\ncrate = \"echo\"\n\
                       args = [\"-w\", \"echo\", \"--time-limit\", \"10\"]\nseed = 1\n\
                       expect = \"valid\"\nshow = true\n";

    /// A project with the echo crate, the helper crate and one shown row, recorded.
    fn project() -> Scratch {
        let s = Scratch::new("stale");
        s.write("solutions/echo/Cargo.toml", "[package]\nname = \"echo\"\n");
        s.write("solutions/echo/src/main.rs", "fn main() {}\n");
        s.write("solutions/maelstrom/src/lib.rs", "pub fn init() {}\n");
        s.write("ci/steps.toml", ROW);
        s.write(
            "src/echo.md",
            "# Echo\n\n```text\n{{#include generated/runs/echo.txt}}\n```\n",
        );
        let step = steps::load(s.root()).unwrap().remove(0);
        let text = render(&step, "Everything looks good!\n");
        s.write("src/generated/runs/echo.txt", &text);
        let mut manifest = Manifest::default();
        manifest.run.insert(
            "echo".into(),
            Entry {
                krate: "echo".into(),
                command: step.learner_command(),
                sources: sources_digest(s.root(), &step).unwrap(),
                output: project::digest_bytes(text.as_bytes()),
            },
        );
        manifest.save(s.root()).unwrap();
        s
    }

    #[test]
    fn a_fresh_recording_is_current() {
        let s = project();
        assert_eq!(check(s.root()).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn a_source_change_makes_the_run_stale() {
        let s = project();
        s.write("solutions/echo/src/main.rs", "fn main() { }\n");
        let problems = check(s.root()).unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("src/generated/runs/echo.txt is stale"));
        assert!(problems[0].contains("cargo xtask regen --step echo"));

        let s = project();
        s.write("solutions/maelstrom/src/node.rs", "// new\n");
        assert!(check(s.root()).unwrap()[0].contains("is stale"));
    }

    #[test]
    fn changed_args_or_a_hand_edit_make_the_run_stale() {
        let s = project();
        s.write("ci/steps.toml", &ROW.replace("seed = 1", "seed = 2"));
        let problems = check(s.root()).unwrap();
        assert!(problems[0].contains("but the row now runs"), "{problems:?}");
        assert!(problems[0].contains("--seed 2"));

        let s = project();
        s.write(
            "src/generated/runs/echo.txt",
            "$ cargo maelstrom test\nmade up\n",
        );
        assert!(check(s.root()).unwrap()[0].contains("edited by hand"));
    }

    #[test]
    fn a_missing_or_unrecorded_run_fails() {
        let s = project();
        std::fs::remove_file(s.root().join("src/generated/runs/echo.txt")).unwrap();
        let problems = check(s.root()).unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("echo.txt (included by src/echo.md:4) is missing"));

        let s = project();
        std::fs::remove_file(s.root().join(MANIFEST)).unwrap();
        let problems = check(s.root()).unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("has no entry in"));
        assert!(problems[0].contains("cargo xtask regen --step echo"));
    }

    #[test]
    fn a_chapter_including_an_unknown_run_fails() {
        let s = project();
        s.write(
            "src/more/g.md",
            "```text\n{{#include ../generated/runs/g_counter.txt}}\n```\n",
        );
        let problems = check(s.root()).unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("src/more/g.md:2 includes the run `g_counter`"));
    }

    #[test]
    fn a_step_diff_no_chapter_shows_fails() {
        let s = project();
        s.write(
            "solutions/unique_ids/Cargo.toml",
            "[package]\nname = \"unique_ids\"\n",
        );
        s.write("solutions/unique_ids/src/main.rs", "fn main() { ids(); }\n");
        let (file, text) = super::super::diffs::expected(s.root())
            .unwrap()
            .pop_first()
            .unwrap();
        s.write(file.to_str().unwrap(), &text);
        let problems = check(s.root()).unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("unique_ids.diff is included by no chapter"));

        s.write(
            "src/unique-ids.md",
            "```diff\n{{#include generated/diffs/unique_ids.diff}}\n```\n",
        );
        assert_eq!(check(s.root()).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn leftovers_fail() {
        let s = project();
        s.write("ci/steps.toml", &ROW.replace("show = true\n", ""));
        s.write("src/echo.md", "# Echo\n");
        let problems = check(s.root()).unwrap();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("records `echo`, which no row shows"));
        assert!(problems[1].contains("echo.txt belongs to no row"));
    }
}
