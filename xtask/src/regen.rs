//! `cargo xtask regen`: runs the rows the book shows and writes
//! `src/generated/runs/<name>.txt` (the command a learner types, then the runner's
//! summary), recording in the manifest (see [`super::manifest`]) what produced each file.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::comparisons;
use super::manifest::{Entry, Manifest, sources_digest};
use super::project;
use super::steps::{self, Step};
use super::table;

pub const RUNS_DIR: &str = "src/generated/runs";
/// The file a shown row writes, relative to the root.
pub fn run_file(name: &str) -> PathBuf {
    Path::new(RUNS_DIR).join(format!("{name}.txt"))
}

/// The text of a shown run: the command, then what the runner printed. The table gives
/// each row its own store; a learner's run uses the default `store/`, so that is the path
/// the book shows.
pub fn render(step: &Step, summary: &str) -> String {
    let row_store = format!("{}/{}/store", table::ROWS_DIR, step.name);
    let summary = summary.replace(&row_store, "store");
    let mut text = format!("{}\n{summary}", prompt_lines(step));
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// Widest line of a wrapped command, continuation backslash included: the book's page.
const PAGE_WIDTH: usize = 90;

/// The learner's command after a `$ ` prompt, wrapped the way the chapters write long
/// commands: the program and `--bin` on the first line, then options (each kept with its
/// value) on indented continuation lines.
pub fn prompt_lines(step: &Step) -> String {
    let (workload, rest) = step.ordered_args();
    let quote = |w: &String| super::process::quote(w);
    let mut first: Vec<String> = vec!["$ cargo maelstrom test".into()];
    first.extend(workload.iter().map(quote));
    first.extend(["--bin".into(), format!("target/debug/{}", step.krate)]);
    // Options with their values: `--rate 1000` never breaks between the two words.
    let mut groups: Vec<String> = Vec::new();
    let mut words = rest;
    words.extend(["--seed".to_string(), step.seed.to_string()]);
    for word in &words {
        match groups.last_mut() {
            Some(last)
                if !word.starts_with('-') && last.starts_with('-') && !last.contains(' ') =>
            {
                last.push(' ');
                last.push_str(&quote(word));
            }
            _ => groups.push(quote(word)),
        }
    }
    let mut lines = vec![first.join(" ")];
    for group in groups {
        let current = lines.last_mut().expect("the first line");
        if current.len() + 1 + group.len() + " \\".len() <= PAGE_WIDTH {
            current.push(' ');
            current.push_str(&group);
        } else {
            lines.push(format!("    {group}"));
        }
    }
    lines.join(" \\\n")
}

/// `cargo xtask regen [--step name]...`.
pub fn run(only: &[String]) -> Result<bool> {
    let root = Path::new(".");
    let all = steps::load(root)?;
    for name in only {
        match all.iter().find(|s| s.name == *name) {
            None => bail!("no step named `{name}` in {}", steps::STEPS_FILE),
            Some(step) if !step.show && step.table.is_none() => {
                bail!("step `{name}` is not in the book (no `show = true`, no `table`)")
            }
            Some(_) => {}
        }
    }
    let chosen: Vec<Step> = all
        .iter()
        .filter(|s| (s.show || s.table.is_some()) && (only.is_empty() || only.contains(&s.name)))
        .cloned()
        .collect();
    let runner = table::build_ours("regen", "runs to show or compare", &chosen)?;
    std::fs::create_dir_all(RUNS_DIR)?;
    let mut manifest = Manifest::load(root)?;
    let mut all_ok = true;
    // One at a time: the figures a reader sees should come from an unshared machine.
    for step in &chosen {
        let row = table::run_row(step, &runner);
        if !row.passed() {
            println!(
                "regen: {} not written: the run does not meet its row",
                step.name
            );
            all_ok = false;
            continue;
        }
        if step.table.is_some() {
            comparisons::record(root, &mut manifest, step, &row.figures)?;
            manifest.save(root)?;
        }
        if !step.show {
            continue;
        }
        let summary = row
            .run_dir
            .as_ref()
            .and_then(|dir| std::fs::read_to_string(dir.join("summary.txt")).ok())
            .with_context(|| format!("step `{}`: the run wrote no summary.txt", step.name))?;
        let text = render(step, &summary);
        let file = run_file(&step.name);
        std::fs::write(root.join(&file), &text)?;
        manifest.run.insert(
            step.name.clone(),
            Entry {
                krate: step.krate.clone(),
                command: step.learner_command(),
                sources: sources_digest(root, step)?,
                output: project::digest_bytes(text.as_bytes()),
            },
        );
        println!("regen: wrote {}", file.display());
    }
    if only.is_empty() {
        prune(root, &all, &mut manifest)?;
        comparisons::prune(root, &all, &mut manifest)?;
    }
    manifest.save(root)?;
    for problem in comparisons::write_all(root, &all, &manifest)? {
        println!("regen: {problem}");
        all_ok = false;
    }
    Ok(all_ok)
}

/// Removes run files and manifest entries of rows no longer shown.
fn prune(root: &Path, all: &[Step], manifest: &mut Manifest) -> Result<()> {
    let shown = |name: &str| all.iter().any(|s| s.show && s.name == name);
    manifest.run.retain(|name, _| shown(name));
    for file in project::unwanted_files(&root.join(RUNS_DIR), ".txt", shown)? {
        std::fs::remove_file(root.join(RUNS_DIR).join(&file))?;
        println!("regen: removed {RUNS_DIR}/{file} (no row shows it)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_the_learners_command_and_store() {
        let text = "[[step]]\nname = \"echo\"\ncrate = \"echo\"\n\
                    args = [\"--node-count\", \"1\", \"-w\", \"echo\"]\nseed = 3\n\
                    expect = \"valid\"\nshow = true\n";
        let step = steps::parse(text).unwrap().remove(0);
        let summary = "echo: 1 node\nResults: target/xtask/rows/echo/store/echo/20260101T000000.000\n\
                       \nEverything looks good!";
        assert_eq!(
            render(&step, summary),
            "$ cargo maelstrom test -w echo --bin target/debug/echo --node-count 1 --seed 3\n\
             echo: 1 node\nResults: store/echo/20260101T000000.000\n\nEverything looks good!\n"
        );
    }

    #[test]
    fn wraps_long_commands_for_the_page_without_splitting_an_option() {
        let text = "[[step]]\nname = \"u\"\ncrate = \"unique_ids_counter_only\"\n\
                    args = [\"-w\", \"unique-ids\", \"--time-limit\", \"30\", \"--rate\", \
                    \"1000\", \"--node-count\", \"3\", \"--availability\", \"total\", \
                    \"--nemesis\", \"partition\", \"--log-stderr\"]\nseed = 1\n\
                    expect = \"valid\"\nshow = true\n";
        let step = steps::parse(text).unwrap().remove(0);
        let shown = prompt_lines(&step);
        assert_eq!(
            shown,
            "$ cargo maelstrom test -w unique-ids --bin target/debug/unique_ids_counter_only \\\n\
             \x20   --time-limit 30 --rate 1000 --node-count 3 --availability total --nemesis partition \\\n\
             \x20   --log-stderr --seed 1"
        );
        assert!(shown.lines().all(|l| l.chars().count() <= PAGE_WIDTH));
        // Joined back, it is the one-line command the manifest records.
        let joined = shown.replace(" \\\n    ", " ");
        assert_eq!(joined, format!("$ {}", step.learner_command()));
    }
}
