//! `cargo xtask pictures`: draws the book's pictures from seeded runs of the step crates
//! and records what produced each, so `cargo xtask check` can tell when one is stale.
//!
//! `ci/pictures.toml` lists them: each names a crate, the runner's arguments and seed,
//! which picture to draw and which part of the run. The picture goes to
//! `src/generated/pictures/<name>.svg`, where a chapter shows it with
//! `![what it shows](generated/pictures/<name>.svg)`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use super::project;
use super::steps::{Expect, Step};
use super::table::{self, Runner};
use ci::viz::{self, Picture, Window};

pub const PICTURES_FILE: &str = "ci/pictures.toml";
pub const PICTURES_DIR: &str = "src/generated/pictures";
pub const MANIFEST: &str = "src/generated/pictures/manifest.toml";

const MANIFEST_HEADER: &str = "# Written by `cargo xtask pictures`; `cargo xtask check` fails when \
a picture no longer\n# matches the sources and settings that produced it. Do not edit.\n\n";

/// The code whose changes make every picture stale: the crate run, the helper crate it
/// uses, and the drawing code.
const DRAWING_CODE: &str = "ci/src/viz";

/// One row of `ci/pictures.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Spec {
    /// The file is `src/generated/pictures/<name>.svg`.
    pub name: String,
    #[serde(rename = "crate")]
    pub krate: String,
    /// Everything after `--bin <binary>` on the runner's command line.
    pub args: Vec<String>,
    pub seed: u64,
    pub picture: Picture,
    /// What the run must end with (valid unless said otherwise).
    #[serde(default)]
    pub expect: Option<Expect>,
    /// The window, in ms of the run's clock.
    #[serde(default)]
    pub from: Option<f64>,
    #[serde(default)]
    pub to: Option<f64>,
    /// Instead of `from`/`to`: this many ms before and after the first partition heals.
    #[serde(default)]
    pub around_first_heal: Option<[f64; 2]>,
    #[serde(default)]
    pub max_messages: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    picture: Vec<Spec>,
}

impl Spec {
    /// The run, as a row of the acceptance table, so it is built and run the same way.
    fn step(&self) -> Step {
        Step {
            name: format!("picture-{}", self.name),
            krate: self.krate.clone(),
            args: self.args.clone(),
            seed: self.seed,
            expect: self.expect.unwrap_or(Expect::Valid),
            reason: None,
            show: false,
            targets: BTreeMap::new(),
            table: None,
            label: None,
        }
    }

    fn file(&self) -> PathBuf {
        Path::new(PICTURES_DIR).join(format!("{}.svg", self.name))
    }

    /// Digest of what the picture is drawn from: the crate, the helper crate, the drawing
    /// code and this row.
    fn sources_digest(&self, root: &Path) -> Result<String> {
        let dir = project::solution_crate(root, &self.krate)
            .with_context(|| format!("picture `{}`", self.name))?;
        // The row as parsed, so reformatting the table changes nothing.
        let row = format!("{self:?}");
        project::digest(
            root,
            &[
                &dir,
                Path::new(project::HELPER_CRATE),
                Path::new(DRAWING_CODE),
            ],
            &row,
        )
    }

    /// The drawing options once the run is known (a window around its first heal needs
    /// the run's partitions).
    fn options(&self, run_dir: &Path) -> Result<viz::Options> {
        let window = match self.around_first_heal {
            None => Window {
                from_ms: self.from,
                to_ms: self.to,
            },
            Some([before, after]) => {
                let run = viz::Run::load(run_dir)?;
                let heal = run
                    .partitions
                    .iter()
                    .find_map(|p| p.end)
                    .with_context(|| format!("picture `{}`: no partition healed", self.name))?;
                let heal_ms = (heal / 1_000_000) as f64;
                Window {
                    from_ms: Some(heal_ms - before),
                    to_ms: Some(heal_ms + after),
                }
            }
        };
        let mut opts = viz::Options {
            window,
            title: Some(format!("{}, seed {}", self.krate, self.seed)),
            compact: true,
            ..viz::Options::default()
        };
        if let Some(max) = self.max_messages {
            opts.max_messages = max;
        }
        Ok(opts)
    }
}

/// The rows of `ci/pictures.toml` (none if it does not exist).
pub fn load(root: &Path) -> Result<Vec<Spec>> {
    let path = root.join(PICTURES_FILE);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(Vec::new());
    };
    let file: File =
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let mut names = std::collections::BTreeSet::new();
    for spec in &file.picture {
        if !names.insert(&spec.name) {
            bail!("{PICTURES_FILE}: two pictures are named `{}`", spec.name);
        }
        if spec.around_first_heal.is_some() && (spec.from.is_some() || spec.to.is_some()) {
            bail!(
                "{PICTURES_FILE}: picture `{}` has both a window and around-first-heal",
                spec.name
            );
        }
    }
    Ok(file.picture)
}

/// What produced each picture.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(default)]
    pub picture: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    #[serde(rename = "crate")]
    pub krate: String,
    /// SHA-256 over the crate, the helper crate, the drawing code and the picture's row.
    pub sources: String,
    /// SHA-256 of the file as written, so a hand edit shows too.
    pub output: String,
}

impl Manifest {
    pub fn load(root: &Path) -> Result<Manifest> {
        project::load_manifest(&root.join(MANIFEST))
    }

    pub fn save(&self, root: &Path) -> Result<()> {
        project::save_manifest(&root.join(MANIFEST), MANIFEST_HEADER, self)
    }
}

/// `cargo xtask pictures [--name name]...`.
pub fn run(only: &[String]) -> Result<bool> {
    let root = Path::new(".");
    let all = load(root)?;
    for name in only {
        if !all.iter().any(|s| s.name == *name) {
            bail!("no picture named `{name}` in {PICTURES_FILE}");
        }
    }
    let chosen: Vec<&Spec> = all
        .iter()
        .filter(|s| only.is_empty() || only.contains(&s.name))
        .collect();
    let steps: Vec<Step> = chosen.iter().map(|s| s.step()).collect();
    let runner = table::build_ours("pictures", "runs", &steps)?;
    std::fs::create_dir_all(root.join(PICTURES_DIR))?;
    let mut manifest = Manifest::load(root)?;
    let mut all_ok = true;
    // One at a time, like the shown runs: latencies drawn should come from an unshared
    // machine.
    for (spec, step) in chosen.iter().zip(&steps) {
        match draw(root, spec, step, &runner) {
            Ok(entry) => {
                manifest.picture.insert(spec.name.clone(), entry);
                println!("pictures: wrote {}", spec.file().display());
            }
            Err(e) => {
                println!("pictures: {} not written: {e:#}", spec.name);
                all_ok = false;
            }
        }
    }
    if only.is_empty() {
        prune(root, &all, &mut manifest)?;
    }
    manifest.save(root)?;
    Ok(all_ok)
}

fn draw(root: &Path, spec: &Spec, step: &Step, runner: &Runner) -> Result<Entry> {
    let row = table::run_row(step, runner);
    if !row.passed() {
        bail!(
            "the run does not end as expected: {}",
            row.problems.join("; ")
        );
    }
    let run_dir = row.run_dir.context("the run wrote no store directory")?;
    let svg = viz::draw(&run_dir, spec.picture, &spec.options(&run_dir)?)?.with_context(|| {
        format!(
            "the run has nothing to draw a {:?} picture from",
            spec.picture
        )
    })?;
    std::fs::write(root.join(spec.file()), &svg)?;
    Ok(Entry {
        krate: spec.krate.clone(),
        sources: spec.sources_digest(root)?,
        output: project::digest_bytes(svg.as_bytes()),
    })
}

/// Removes pictures and manifest entries no row of the table asks for any more.
fn prune(root: &Path, all: &[Spec], manifest: &mut Manifest) -> Result<()> {
    let wanted = |name: &str| all.iter().any(|s| s.name == name);
    manifest.picture.retain(|name, _| wanted(name));
    for file in project::unwanted_files(&root.join(PICTURES_DIR), ".svg", wanted)? {
        std::fs::remove_file(root.join(PICTURES_DIR).join(&file))?;
        println!("pictures: removed {PICTURES_DIR}/{file} (no row asks for it)");
    }
    Ok(())
}

/// Every stale, missing, edited or orphaned picture, each saying how to fix it.
pub fn stale(root: &Path) -> Result<Vec<String>> {
    let specs = load(root)?;
    let manifest = Manifest::load(root)?;
    let hint = |name: &str| format!("redraw it with `cargo xtask pictures --name {name}`");
    let mut problems = Vec::new();
    for spec in &specs {
        let file = spec.file();
        let shown = file.display();
        let Ok(bytes) = std::fs::read(root.join(&file)) else {
            problems.push(format!("{shown} is missing: {}", hint(&spec.name)));
            continue;
        };
        let Some(entry) = manifest.picture.get(&spec.name) else {
            problems.push(format!(
                "{shown} has no entry in {MANIFEST}: {}",
                hint(&spec.name)
            ));
            continue;
        };
        if entry.sources != spec.sources_digest(root)? {
            problems.push(format!(
                "{shown} is stale: crate `{}`, the helper crate, the drawing code or its row \
                 in {PICTURES_FILE} changed since it was drawn: {}",
                spec.krate,
                hint(&spec.name)
            ));
        }
        if entry.output != project::digest_bytes(&bytes) {
            problems.push(format!(
                "{shown} was edited by hand after it was drawn: {}",
                hint(&spec.name)
            ));
        }
    }
    let wanted = |name: &str| specs.iter().any(|s| s.name == name);
    for name in manifest.picture.keys().filter(|n| !wanted(n)) {
        problems.push(format!(
            "{MANIFEST} records `{name}`, which no row of {PICTURES_FILE} asks for: run \
             `cargo xtask pictures`"
        ));
    }
    for file in project::unwanted_files(&root.join(PICTURES_DIR), ".svg", wanted)? {
        problems.push(format!(
            "{PICTURES_DIR}/{file} belongs to no row of {PICTURES_FILE}: run \
             `cargo xtask pictures` to remove it"
        ));
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::tests::Scratch;

    const ROW: &str = "[[picture]]\nname = \"gossip\"\ncrate = \"echo\"\n\
                       args = [\"-w\", \"echo\"]\nseed = 1\npicture = \"messages\"\nto = 1500\n";

    /// A project with one picture drawn and recorded.
    fn project() -> Scratch {
        let s = Scratch::new("pictures");
        s.write("solutions/echo/Cargo.toml", "[package]\nname = \"echo\"\n");
        s.write("solutions/echo/src/main.rs", "fn main() {}\n");
        s.write("solutions/maelstrom/src/lib.rs", "pub fn init() {}\n");
        s.write("ci/src/viz/mod.rs", "// drawing\n");
        s.write(PICTURES_FILE, ROW);
        s.write("src/generated/pictures/gossip.svg", "<svg/>");
        let spec = load(s.root()).unwrap().remove(0);
        let mut manifest = Manifest::default();
        manifest.picture.insert(
            "gossip".into(),
            Entry {
                krate: "echo".into(),
                sources: spec.sources_digest(s.root()).unwrap(),
                output: project::digest_bytes(b"<svg/>"),
            },
        );
        manifest.save(s.root()).unwrap();
        s
    }

    #[test]
    fn a_recorded_picture_is_current() {
        let s = project();
        assert_eq!(stale(s.root()).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn changes_to_the_crate_the_drawing_code_or_the_row_make_it_stale() {
        for (file, text) in [
            ("solutions/echo/src/main.rs", "fn main() { }\n"),
            ("ci/src/viz/mod.rs", "// drawing, changed\n"),
            (PICTURES_FILE, &ROW.replace("1500", "2000")),
        ] {
            let s = project();
            s.write(file, text);
            let problems = stale(s.root()).unwrap();
            assert_eq!(problems.len(), 1, "{file}: {problems:?}");
            assert!(problems[0].contains("is stale"), "{problems:?}");
            assert!(problems[0].contains("cargo xtask pictures --name gossip"));
        }
    }

    #[test]
    fn hand_edits_missing_files_and_orphans_are_reported() {
        let s = project();
        s.write("src/generated/pictures/gossip.svg", "<svg></svg>");
        s.write("src/generated/pictures/old.svg", "<svg/>");
        let problems = stale(s.root()).unwrap().join("\n");
        assert!(problems.contains("edited by hand"), "{problems}");
        assert!(problems.contains("old.svg belongs to no row"), "{problems}");

        let s = project();
        std::fs::remove_file(s.root().join("src/generated/pictures/gossip.svg")).unwrap();
        assert!(stale(s.root()).unwrap()[0].contains("is missing"));
    }

    #[test]
    fn rows_are_checked_when_loaded() {
        let s = Scratch::new("pictures-bad");
        s.write(PICTURES_FILE, &format!("{ROW}\n{ROW}"));
        assert!(format!("{:#}", load(s.root()).unwrap_err()).contains("two pictures"));
        s.write(
            PICTURES_FILE,
            &ROW.replace("to = 1500", "around-first-heal = [1, 2]\nto = 3"),
        );
        assert!(format!("{:#}", load(s.root()).unwrap_err()).contains("both a window"));
        s.write(PICTURES_FILE, &ROW.replace("messages", "pie"));
        assert!(load(s.root()).is_err());
    }
}
