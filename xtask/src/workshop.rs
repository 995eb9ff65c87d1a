//! The reader's own crates. `cargo xtask start <step>` puts a crate for the step in
//! `workshop/<step>/`, a package named `my_<step>` (binary `target/debug/my_<step>`),
//! started from the step it builds on, and `cargo xtask check --step <row> --mine` runs
//! a row of the acceptance table against it instead of the solution.
//!
//! The root Cargo.toml takes every crate in `workshop/` into the workspace through the
//! member `workshop/*`. Cargo reads a glob that matches nothing as a path and fails, so
//! `workshop/README.md` is committed: the glob always matches, and cargo leaves files
//! out of the members.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::diffs::{self, STEPS};
use super::markdown::is_anchor_line;
use super::project::{self, WORKSHOP_DIR};
use super::sources;
use super::steps::{self, Step};

/// The first step's starting point: a node that answers `init` and nothing else, with a
/// comment saying what to add. Its Cargo.toml is echo's.
const SKELETON: &str = include_str!("../skeleton/main.rs");

/// The package (and binary) name of the reader's crate for `step`.
pub fn package(step: &str) -> String {
    format!("my_{step}")
}

/// What [`start`] made, and the commands that test it.
#[derive(Debug)]
pub struct Started {
    /// The crate's directory, relative to the root.
    pub dir: PathBuf,
    pub package: String,
    /// What it was started from, and why, for the reader.
    pub from: String,
    /// `cargo build -p my_<step>`.
    pub build: String,
    /// The chapter's test command, run against the reader's binary.
    pub test: Option<String>,
    /// `cargo xtask check --step <row> --mine`.
    pub check: Option<String>,
}

/// `cargo xtask start <step>`.
pub fn run(step: &str) -> Result<bool> {
    let started = start(Path::new(""), step)?;
    println!(
        "start: {}/ is your crate `{}`: {}.",
        started.dir.display(),
        started.package,
        started.from
    );
    println!("start: the root Cargo.toml's member \"{WORKSHOP_DIR}/*\" puts it in the workspace.");
    println!("\nBuild it and run the chapter's test against it:\n");
    println!("    {}", started.build);
    if let Some(test) = &started.test {
        println!("    {test}");
    }
    if let Some(check) = &started.check {
        println!("\nor run the chapter's acceptance row against it (this builds it too):\n");
        println!("    {check}");
    }
    Ok(true)
}

/// Makes the reader's crate for `step` under `root` (empty for the current directory).
pub fn start(root: &Path, step: &str) -> Result<Started> {
    if !STEPS.contains(&step) {
        bail!(
            "`{step}` is not a step of the book; `cargo xtask start` takes one of: {}",
            STEPS.join(", ")
        );
    }
    let package = package(step);
    let dir = Path::new(WORKSHOP_DIR).join(step);
    if root.join(&dir).exists() {
        bail!(
            "{} already exists: it is your crate for `{step}`, and starting again would \
             overwrite your work. To start over, remove it first (`rm -r {}`).",
            dir.display(),
            dir.display()
        );
    }
    let crates = project::workspace_crates(root)?;
    if let Some(other) = crates.get(&package) {
        bail!(
            "the workspace already has a crate `{package}`, in {}",
            other.display()
        );
    }
    let (base, from) = match diffs::base(step) {
        None => (
            STEPS[0],
            "a skeleton: a node that answers init and nothing else; its src/main.rs says \
             what to add"
                .to_string(),
        ),
        Some(base) if diffs::base(base).is_some() => (
            base,
            format!(
                "a copy of the solution to `{base}`, the step before `{step}` in its \
                 challenge: change what this step changes"
            ),
        ),
        Some(base) => (
            base,
            format!(
                "a copy of the solution to `{base}`: `{step}` is the first step of its \
                 challenge, and `{base}` is the smallest whole node, whose shape every \
                 node keeps (the chapter's diff starts from it too); replace its messages \
                 with the challenge's"
            ),
        ),
    };
    let base_dir = crates
        .get(base)
        .with_context(|| format!("no crate `{base}` in the workspace to start from"))?;
    let files = match diffs::base(step) {
        None => vec![("src/main.rs".to_string(), SKELETON.to_string())],
        Some(_) => sources_of(root, base_dir)?,
    };
    let manifest = renamed_manifest(root, base_dir, base, &package)?;
    for (file, text) in std::iter::once(("Cargo.toml".to_string(), manifest)).chain(files) {
        let path = root.join(&dir).join(&file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    if project::workspace_crates(root)?.get(&package) != Some(&dir) {
        bail!(
            "{} was written, but the root Cargo.toml does not take it into the workspace: \
             its [workspace] members need \"{WORKSHOP_DIR}/*\"",
            dir.display()
        );
    }
    let all = steps::load(root)?;
    let row = main_row(&all, step);
    Ok(Started {
        build: format!("cargo build -p {package}"),
        test: row
            .map(|row| mine(root, row))
            .transpose()?
            .map(|m| m.chapter_command()),
        check: row.map(|row| format!("cargo xtask check --step {} --mine", row.name)),
        dir,
        package,
        from,
    })
}

/// The files under the crate's `src/`, as the book shows them: without its `ANCHOR`
/// lines, which mark what the chapters include and mean nothing in the reader's copy.
/// A step is a self-contained snapshot; one that reached a file outside its directory
/// (a `#[path]` module) would leave the copy depending on the solution.
fn sources_of(root: &Path, dir: &Path) -> Result<Vec<(String, String)>> {
    let outside: Vec<PathBuf> = sources::crate_files(root, dir)?
        .into_iter()
        .filter(|f| !f.starts_with(dir))
        .collect();
    if let Some(file) = outside.first() {
        bail!(
            "{} uses {}, outside its directory, so a copy of it would not stand alone",
            dir.display(),
            file.display()
        );
    }
    let src = root.join(dir).join("src");
    let mut files = Vec::new();
    for file in project::files_under(&src)? {
        let path = src.join(&file);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let shown: String = text
            .lines()
            .filter(|line| !is_anchor_line(line))
            .flat_map(|line| [line, "\n"])
            .collect();
        files.push((format!("src/{file}"), shown));
    }
    Ok(files)
}

/// The base crate's Cargo.toml with the package, and any binary named after it, renamed
/// to `package`; every other line (the workspace dependencies, the lints) as it was.
fn renamed_manifest(root: &Path, dir: &Path, base: &str, package: &str) -> Result<String> {
    let path = root.join(dir).join("Cargo.toml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut section = String::new();
    let mut out = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            section = trimmed.to_string();
        }
        let naming = ["[package]", "[[bin]]"].contains(&section.as_str())
            && trimmed.replace(' ', "") == format!("name=\"{base}\"");
        if naming {
            out.push_str(&format!("name = \"{package}\""));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    let parsed: toml::Table = toml::from_str(&out).context("the renamed Cargo.toml")?;
    let name = parsed.get("package").and_then(|p| p.get("name"));
    let bins = parsed.get("bin").and_then(|b| b.as_array());
    let bin_names = bins.into_iter().flatten().map(|b| b.get("name"));
    let renamed = std::iter::once(name)
        .chain(bin_names)
        .all(|n| n.and_then(|n| n.as_str()) == Some(package));
    if !renamed {
        bail!(
            "could not rename the package and binary in {} to `{package}`",
            path.display()
        );
    }
    Ok(out)
}

/// The row a step's chapter tests it with: the one named after the step
/// (`broadcast_2` → `broadcast-2`), else its first row expected valid.
pub fn main_row<'a>(all: &'a [Step], step: &str) -> Option<&'a Step> {
    let own = |s: &&Step| s.krate == step && s.bin.is_none();
    let named = step.replace('_', "-");
    all.iter()
        .filter(own)
        .find(|s| s.name == named)
        .or_else(|| {
            all.iter()
                .filter(own)
                .find(|s| s.expect == steps::Expect::Valid)
        })
}

/// The row, run against the reader's crate for its step instead of the solution.
pub fn mine(root: &Path, row: &Step) -> Result<Step> {
    let package = package(&row.krate);
    let started = project::workshop_crates(root)?;
    if !started.contains_key(&package) {
        if STEPS.contains(&row.krate.as_str()) && row.bin.is_none() {
            bail!(
                "row `{}` tests `{}`, and you have no crate `{package}` for it yet: \
                 start one with `cargo xtask start {}`",
                row.name,
                row.krate,
                row.krate
            );
        }
        bail!(
            "row `{}` tests `{}`, which is not a step you write (`cargo xtask start` \
             starts one of: {}); --mine runs the rows of those steps",
            row.name,
            row.krate,
            STEPS.join(", ")
        );
    }
    Ok(Step {
        krate: package,
        bin: None,
        ..row.clone()
    })
}

/// For a `--mine` without `--step`: the rows of the steps the reader has started.
pub fn rows_to_try(root: &Path, all: &[Step]) -> Result<Vec<String>> {
    let started = project::workshop_crates(root)?;
    Ok(all
        .iter()
        .filter(|row| row.bin.is_none() && started.contains_key(&package(&row.krate)))
        .map(|row| row.name.clone())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::cargo;
    use crate::project::tests::Scratch;
    use crate::table::{self, Kind, Runner};

    const MANIFEST: &str = "[package]\nname = \"NAME\"\nversion = \"0.1.0\"\n\
                            edition.workspace = true\n\n[dependencies]\n\
                            maelstrom = { workspace = true }\n\n[lints]\nworkspace = true\n";

    const ROWS: &str = "[[step]]\nname = \"echo\"\ncrate = \"echo\"\n\
                        args = [\"-w\", \"echo\", \"--node-count\", \"1\"]\nseed = 1\n\
                        expect = \"valid\"\n\n\
                        [[step]]\nname = \"unique-ids-leader\"\ncrate = \"unique_ids_leader\"\n\
                        args = [\"-w\", \"unique-ids\"]\nseed = 1\nexpect = \"invalid\"\n\
                        reason = \"x\"\n\n\
                        [[step]]\nname = \"unique-ids-random\"\ncrate = \"unique_ids\"\n\
                        args = [\"-w\", \"unique-ids\", \"--rate\", \"10\"]\nseed = 1\n\
                        expect = \"valid\"\n";

    fn project() -> Scratch {
        let s = Scratch::new("workshop");
        for name in ["echo", "unique_ids"] {
            s.write(
                &format!("solutions/{name}/Cargo.toml"),
                &MANIFEST.replace("NAME", name),
            );
        }
        s.write(
            "solutions/echo/src/main.rs",
            "// ANCHOR: main\nfn main() {}\n// ANCHOR_END: main\n",
        );
        s.write("solutions/unique_ids/src/main.rs", "fn main() {}\n");
        s.write("ci/steps.toml", ROWS);
        s
    }

    #[test]
    fn starts_a_first_step_from_echo_without_the_anchor_lines() {
        let s = project();
        let started = start(s.root(), "unique_ids").unwrap();
        assert_eq!(started.dir, Path::new("workshop/unique_ids"));
        assert_eq!(started.package, "my_unique_ids");
        assert!(started.from.contains("copy of the solution to `echo`"));
        assert!(started.from.contains("first step of its challenge"));
        let read = |file: &str| std::fs::read_to_string(s.root().join(file)).unwrap();
        assert_eq!(
            read("workshop/unique_ids/Cargo.toml"),
            MANIFEST.replace("NAME", "my_unique_ids"),
            "only the name changes"
        );
        assert_eq!(read("workshop/unique_ids/src/main.rs"), "fn main() {}\n");
        assert_eq!(started.build, "cargo build -p my_unique_ids");
        // No row is named after the step, so its first valid row gives the command.
        assert_eq!(
            started.test.as_deref(),
            Some("cargo maelstrom test -w unique-ids --bin target/debug/my_unique_ids --rate 10")
        );
        assert_eq!(
            started.check.as_deref(),
            Some("cargo xtask check --step unique-ids-random --mine")
        );
    }

    #[test]
    fn starts_echo_from_the_skeleton() {
        let s = project();
        let started = start(s.root(), "echo").unwrap();
        assert!(started.from.starts_with("a skeleton"));
        let main = std::fs::read_to_string(s.root().join("workshop/echo/src/main.rs")).unwrap();
        assert_eq!(main, SKELETON);
        assert!(
            !SKELETON.to_lowercase().contains("todo"),
            "the skeleton says what to add in words"
        );
        assert_eq!(
            started.test.as_deref(),
            Some("cargo maelstrom test -w echo --bin target/debug/my_echo --node-count 1")
        );
    }

    #[test]
    fn refuses_to_overwrite_or_to_start_what_is_not_a_step() {
        let s = project();
        start(s.root(), "echo").unwrap();
        s.write("workshop/echo/src/main.rs", "// my work\n");
        let e = format!("{:#}", start(s.root(), "echo").unwrap_err());
        assert!(e.contains("workshop/echo already exists"), "{e}");
        assert!(e.contains("rm -r workshop/echo"), "{e}");
        let mine = std::fs::read_to_string(s.root().join("workshop/echo/src/main.rs")).unwrap();
        assert_eq!(mine, "// my work\n", "nothing was overwritten");

        let e = format!("{:#}", start(s.root(), "unique_ids_leader").unwrap_err());
        assert!(e.contains("not a step of the book"), "{e}");
        assert!(e.contains("echo, unique_ids, broadcast_1"), "{e}");
    }

    #[test]
    fn says_so_when_the_workspace_does_not_take_the_crate() {
        let s = project();
        s.write("Cargo.toml", "[workspace]\nmembers = [\"solutions/*\"]\n");
        let e = format!("{:#}", start(s.root(), "echo").unwrap_err());
        assert!(e.contains("need \"workshop/*\""), "{e}");
    }

    #[test]
    fn refuses_a_step_that_reaches_outside_its_directory() {
        let s = project();
        s.write(
            "solutions/echo/src/main.rs",
            "#[path = \"../../shared/peers.rs\"]\nmod peers;\nfn main() {}\n",
        );
        s.write("solutions/shared/peers.rs", "\n");
        let e = format!("{:#}", start(s.root(), "unique_ids").unwrap_err());
        assert!(
            e.contains("solutions/shared/peers.rs, outside its directory"),
            "{e}"
        );
    }

    #[test]
    fn mine_runs_a_row_against_the_readers_crate() {
        let s = project();
        let rows = steps::load(s.root()).unwrap();
        let e = format!("{:#}", mine(s.root(), &rows[0]).unwrap_err());
        assert!(e.contains("start one with `cargo xtask start echo`"), "{e}");
        let e = format!("{:#}", mine(s.root(), &rows[1]).unwrap_err());
        assert!(
            e.contains("`unique_ids_leader`, which is not a step you write"),
            "{e}"
        );

        start(s.root(), "echo").unwrap();
        let row = mine(s.root(), &rows[0]).unwrap();
        assert_eq!(row.binary(), "my_echo");
        assert_eq!((row.name.as_str(), row.seed), ("echo", 1));
        assert_eq!(rows_to_try(s.root(), &rows).unwrap(), ["echo"]);
    }

    #[test]
    fn every_step_of_the_book_can_be_started() {
        // Each step crate must stand alone for its copy to (see `sources_of`), and each
        // has a row for `start` to print its test command from.
        let root = project::root();
        let crates = project::workspace_crates(&root).unwrap();
        let all = steps::load(&root).unwrap();
        for step in STEPS {
            let dir = &crates[step];
            sources_of(&root, dir).unwrap();
            renamed_manifest(&root, dir, step, &package(step)).unwrap();
            assert!(main_row(&all, step).is_some(), "no row tests `{step}`");
        }
    }

    /// The reader's path on a fresh clone, with the commands the book gives: `start` a
    /// step, build it with the command `start` prints, and run the chapter's row with
    /// `--mine`: the skeleton fails it for the reason it should, and the step once written
    /// passes it. A crate that does not build, or that the workspace does not take, fails
    /// the build.
    ///
    /// The clone is a copy of the repository's files (its own crates, without `target/`
    /// and without any crate of yours in workshop/). It uses our runner as
    /// `cargo xtask check` builds it, and keeps its debug builds in
    /// `target/xtask/fresh-clone/` between runs, so serde compiles once.
    #[test]
    fn a_reader_starts_builds_and_checks_a_step_in_a_fresh_clone() {
        let real = project::root();
        let clone = fresh_clone(&real);
        let clone = clone.path();
        let ours = |root: &Path| Runner {
            kind: Kind::Ours,
            root: root.to_path_buf(),
        };
        let log = |name: &str| clone.join("target/logs").join(format!("{name}.log"));
        let build_runner = ours(&real).runner_build_command().unwrap();
        let built = crate::process::run_logged(build_runner, &log("runner"));
        assert!(built.unwrap(), "our runner builds");
        std::fs::create_dir_all(clone.join("target/release")).unwrap();
        let link = |from: &Path, to: &str| std::os::unix::fs::symlink(from, clone.join(to));
        link(
            &real.join("target/release/maelstrom"),
            "target/release/maelstrom",
        )
        .unwrap();
        let cache = real.join("target/xtask/fresh-clone/debug");
        std::fs::create_dir_all(&cache).unwrap();
        link(&cache, "target/debug").unwrap();

        let run = |command: &str| {
            let words: Vec<&str> = command.split_whitespace().collect();
            assert_eq!(words[0], "cargo", "{command}");
            let mut cmd = cargo();
            cmd.args(&words[1..]).current_dir(clone);
            // What the reader's crate is built from must be warning-free, and the clone
            // must build without the network.
            cmd.env("RUSTFLAGS", "-D warnings")
                .env("CARGO_NET_OFFLINE", "true")
                .env_remove("CARGO_TARGET_DIR");
            let passed = crate::process::run_logged(cmd, &log(&words[1..].join("-")));
            assert!(passed.unwrap(), "`{command}` failed");
        };

        let echo = start(clone, "echo").unwrap();
        run(&echo.build);
        assert!(
            start(clone, "echo").is_err(),
            "a second start does not overwrite"
        );
        // A copied step builds, and its unit tests pass, as copied.
        let copied = start(clone, "unique_ids").unwrap();
        run(&copied.build.replace("build", "test"));

        let all = steps::load(clone).unwrap();
        let row = mine(clone, main_row(&all, "echo").unwrap()).unwrap();
        assert_eq!(
            echo.check.as_deref(),
            Some("cargo xtask check --step echo --mine")
        );
        let skeleton = table::run_row(&row, &ours(clone));
        assert!(!skeleton.passed(), "the skeleton answers no echo");
        let console = std::fs::read_to_string(&skeleton.console).unwrap();
        assert!(console.contains("not-supported"), "{console}");

        // The reader writes the step (here: the solution's code), builds, and passes.
        std::fs::copy(
            real.join("solutions/echo/src/main.rs"),
            clone.join("workshop/echo/src/main.rs"),
        )
        .unwrap();
        run(&echo.build);
        let written = table::run_row(&row, &ours(clone));
        assert!(written.passed(), "{:?}", written.problems);
    }

    /// A copy of the repository's files, as a clone has them: no build output, no run
    /// output, and no crate of the reader's.
    fn fresh_clone(real: &Path) -> tempfile::TempDir {
        let clone = tempfile::Builder::new()
            .prefix("xtask-test-clone-")
            .tempdir()
            .unwrap();
        let skip = ["target", ".git", "store", "book", WORKSHOP_DIR];
        let mut files = vec![format!("{WORKSHOP_DIR}/README.md")];
        for entry in std::fs::read_dir(real).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if skip.contains(&name.as_str()) {
                continue;
            }
            let path = real.join(&name);
            if path.is_dir() {
                let under = project::files_under(&path).unwrap();
                files.extend(under.into_iter().map(|f| format!("{name}/{f}")));
            } else {
                files.push(name);
            }
        }
        for file in files {
            let to = clone.path().join(&file);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(real.join(&file), &to).unwrap();
        }
        clone
    }
}
