//! Where things are: the repository root, the solution crates, and a digest of a crate's
//! sources (what a shown run or a diff was made from).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

/// The repository root: the parent of the `ci` package.
pub fn root() -> PathBuf {
    let ci = Path::new(env!("CARGO_MANIFEST_DIR"));
    ci.parent().unwrap_or(ci).to_path_buf()
}

/// The helper crate every solution uses; its sources are part of every shown run's digest.
pub const HELPER_CRATE: &str = "solutions/maelstrom";

/// Where `cargo xtask start` puts a reader's own crates; the root Cargo.toml takes every
/// crate in it into the workspace with the member `workshop/*`.
pub const WORKSHOP_DIR: &str = "workshop";

/// Package name → directory (relative to the root) of every member of the workspace, as
/// the root Cargo.toml's `members` name them: a directory, or a directory ending in `/*`
/// for every directory under it that holds a Cargo.toml (unless `exclude` names it, as
/// cargo does). So a row, a picture or a diff finds its crate wherever it lives:
/// `solutions/`, `solutions/broken/`, `exercises/`, `workshop/` or `ci/test-nodes`.
pub fn workspace_crates(root: &Path) -> Result<BTreeMap<String, PathBuf>> {
    let manifest = root.join("Cargo.toml");
    let workspace = read_toml(&manifest)?
        .remove("workspace")
        .with_context(|| format!("{} has no [workspace]", manifest.display()))?;
    let paths = |key: &str| -> Vec<String> {
        let list = workspace.get(key).and_then(|v| v.as_array());
        let items = list.map(|items| items.iter().filter_map(|i| i.as_str()));
        items.into_iter().flatten().map(str::to_string).collect()
    };
    let excluded = paths("exclude");
    let mut dirs = Vec::new();
    for member in paths("members") {
        if let Some(parent) = member.strip_suffix("/*") {
            dirs.extend(
                subdirectories(&root.join(parent))?
                    .into_iter()
                    .map(|name| format!("{parent}/{name}"))
                    .filter(|dir| !excluded.iter().any(|ex| Path::new(dir).starts_with(ex))),
            );
        } else if member.contains(['*', '?', '[']) {
            bail!(
                "{}: member `{member}`: only a directory or `<directory>/*` is understood",
                manifest.display()
            );
        } else {
            dirs.push(member);
        }
    }
    let mut crates = BTreeMap::new();
    for dir in dirs {
        let manifest = root.join(&dir).join("Cargo.toml");
        if !manifest.is_file() {
            continue;
        }
        let name = read_toml(&manifest)?
            .get("package")
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
            .map(str::to_string)
            .with_context(|| format!("{} has no package name", manifest.display()))?;
        crates.insert(name, PathBuf::from(dir));
    }
    Ok(crates)
}

/// The directory (relative to the root) of the workspace's crate named `krate`.
pub fn crate_dir(root: &Path, krate: &str) -> Result<PathBuf> {
    workspace_crates(root)?
        .remove(krate)
        .with_context(|| format!("no crate `{krate}` in the workspace (the root Cargo.toml)"))
}

/// The reader's own crates: the workspace's crates under `workshop/`.
pub fn workshop_crates(root: &Path) -> Result<BTreeMap<String, PathBuf>> {
    let mut crates = workspace_crates(root)?;
    crates.retain(|_, dir| dir.starts_with(WORKSHOP_DIR));
    Ok(crates)
}

fn read_toml(path: &Path) -> Result<toml::Table> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// The names of the directories in `dir`, sorted; none when `dir` does not exist.
fn subdirectories(dir: &Path) -> Result<Vec<String>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry?;
        if entry.path().is_dir() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// Every file under `dir` except `target/` directories, as paths relative to `dir` with
/// `/` separators, sorted so digests and diffs do not depend on directory order.
/// Symbolic links are followed (a broken node may link a file of its good step), each
/// directory once, so a link to a parent directory does not loop.
pub fn files_under(dir: &Path) -> Result<Vec<String>> {
    fn walk(base: &Path, dir: &Path, seen: &mut Vec<PathBuf>, out: &mut Vec<String>) -> Result<()> {
        let real = dir
            .canonicalize()
            .with_context(|| format!("reading {}", dir.display()))?;
        if seen.contains(&real) {
            return Ok(());
        }
        seen.push(real);
        let entries =
            std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
        for entry in entries {
            let entry = entry?;
            let path = entry.path();
            // `Path::is_dir` follows links, where the entry's own file type would not.
            if path.is_dir() {
                if entry.file_name() != "target" {
                    walk(base, &path, seen, out)?;
                }
            } else {
                out.push(slashed(path.strip_prefix(base).unwrap_or(&path)));
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut Vec::new(), &mut files)?;
    files.sort();
    Ok(files)
}

/// A manifest of generated files, or an empty one before the command that writes it has
/// run once.
pub fn load_manifest<T: DeserializeOwned + Default>(path: &Path) -> Result<T> {
    match std::fs::read_to_string(path) {
        Err(_) => Ok(T::default()),
        Ok(text) => toml::from_str(&text).with_context(|| format!("parsing {}", path.display())),
    }
}

/// Writes a manifest after `header`, which says what wrote it and not to edit it.
pub fn save_manifest<T: Serialize>(path: &Path, header: &str, manifest: &T) -> Result<()> {
    let text = format!("{header}{}", toml::to_string_pretty(manifest)?);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)?;
    Ok(())
}

/// The files `<name><ext>` under `dir` whose name `wanted` rejects: generated files that
/// no row asks for any more. None when `dir` does not exist yet.
pub fn unwanted_files(dir: &Path, ext: &str, wanted: impl Fn(&str) -> bool) -> Result<Vec<String>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = files_under(dir)?;
    files.retain(|file| file.strip_suffix(ext).is_some_and(|name| !wanted(name)));
    Ok(files)
}

/// A SHA-256 digest (hex) over the named directories' files, the files their Rust
/// sources reach outside them (see [`super::sources::crate_files`]), and some extra text.
///
/// Each file contributes its path (relative to the root) and its length-prefixed bytes,
/// so moving bytes from one file to another changes the digest too.
pub fn digest(root: &Path, dirs: &[&Path], extra: &str) -> Result<String> {
    let mut hasher = Sha256::new();
    let mut done = std::collections::BTreeSet::new();
    for dir in dirs {
        for file in super::sources::crate_files(root, dir)? {
            if !done.insert(file.clone()) {
                continue;
            }
            let path = root.join(&file);
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            hasher.update(format!("{}\0", slashed(&file)).as_bytes());
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(&bytes);
        }
    }
    hasher.update(b"extra\0");
    hasher.update(extra.as_bytes());
    Ok(hex(&hasher.finalize()))
}

/// A relative path with `/` between its parts, on any system.
fn slashed(path: &Path) -> String {
    let parts: Vec<_> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// A SHA-256 digest (hex) of some bytes.
pub fn digest_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A scratch directory, removed when dropped.
    pub struct Scratch(tempfile::TempDir);

    /// A scratch project's root Cargo.toml: crates go where the real one finds them.
    pub const WORKSPACE: &str = "[workspace]\nmembers = [\"solutions/*\", \
        \"solutions/broken/*\", \"exercises/*\", \"workshop/*\"]\n";

    impl Scratch {
        /// An empty project but for its root Cargo.toml ([`WORKSPACE`]).
        pub fn new(label: &str) -> Scratch {
            let dir = tempfile::Builder::new()
                .prefix(&format!("xtask-test-{label}-"))
                .tempdir()
                .unwrap();
            let scratch = Scratch(dir);
            scratch.write("Cargo.toml", WORKSPACE);
            scratch
        }

        pub fn root(&self) -> &Path {
            self.0.path()
        }

        pub fn write(&self, path: &str, text: &str) {
            let path = self.root().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    #[test]
    fn digest_changes_with_any_source_and_ignores_target() {
        let s = Scratch::new("digest");
        s.write("a/src/main.rs", "fn main() {}\n");
        s.write("a/Cargo.toml", "[package]\nname = \"a\"\n");
        let dirs = [Path::new("a")];
        let before = digest(s.root(), &dirs, "args").unwrap();

        s.write("a/target/debug/junk", "built");
        assert_eq!(digest(s.root(), &dirs, "args").unwrap(), before);

        assert_ne!(digest(s.root(), &dirs, "other args").unwrap(), before);
        s.write("a/src/main.rs", "fn main() { }\n");
        assert_ne!(digest(s.root(), &dirs, "args").unwrap(), before);
    }

    #[test]
    fn digest_follows_links_and_path_modules() {
        let s = Scratch::new("digest-shared");
        s.write("solutions/good/src/gossip.rs", "pub fn gossip() {}\n");
        s.write("solutions/good/src/lib.rs", "pub fn other() {}\n");
        s.write(
            "solutions/broken/bad/src/main.rs",
            "#[path = \"../../../good/src/gossip.rs\"]\nmod gossip;\nmod linked;\n",
        );
        std::os::unix::fs::symlink(
            s.root().join("solutions/good/src/lib.rs"),
            s.root().join("solutions/broken/bad/src/linked.rs"),
        )
        .unwrap();
        let dirs = [Path::new("solutions/broken/bad")];
        let before = digest(s.root(), &dirs, "").unwrap();

        s.write("solutions/good/src/gossip.rs", "pub fn gossip() { }\n");
        let after_shared = digest(s.root(), &dirs, "").unwrap();
        assert_ne!(after_shared, before, "a change to the shared module shows");

        s.write("solutions/good/src/lib.rs", "pub fn other() { }\n");
        assert_ne!(
            digest(s.root(), &dirs, "").unwrap(),
            after_shared,
            "a change to the linked file shows"
        );

        // A link to a directory is followed, and a link back up does not loop.
        let link_dir = |target: &str, link: &str| {
            std::os::unix::fs::symlink(s.root().join(target), s.root().join(link)).unwrap()
        };
        link_dir("solutions/good/src", "solutions/broken/bad/src/good");
        link_dir("solutions/broken", "solutions/broken/bad/src/up");
        let files = files_under(&s.root().join("solutions/broken/bad")).unwrap();
        assert_eq!(
            files,
            [
                "src/good/gossip.rs",
                "src/good/lib.rs",
                "src/linked.rs",
                "src/main.rs"
            ]
        );
    }

    #[test]
    fn finds_crates_by_package_name() {
        let s = Scratch::new("crates");
        s.write("solutions/echo/Cargo.toml", "[package]\nname = \"echo\"\n");
        s.write(
            "solutions/broken/silent/Cargo.toml",
            "[package]\nname = \"broken_silent\"\n",
        );
        s.write(
            "exercises/echo_twice/Cargo.toml",
            "[package]\nname = \"echo_twice\"\n",
        );
        s.write(
            "workshop/echo/Cargo.toml",
            "[package]\nname = \"my_echo\"\n",
        );
        s.write("workshop/README.md", "Your crates\n");
        s.write(
            "ci/test-nodes/Cargo.toml",
            "[package]\nname = \"test-nodes\"\n",
        );
        let crates = workspace_crates(s.root()).unwrap();
        assert_eq!(crates["echo"], Path::new("solutions/echo"));
        assert_eq!(
            crates["broken_silent"],
            Path::new("solutions/broken/silent")
        );
        assert_eq!(crates["echo_twice"], Path::new("exercises/echo_twice"));
        assert!(
            !crates.contains_key("test-nodes"),
            "not a member of this workspace"
        );
        assert_eq!(
            workshop_crates(s.root())
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            ["my_echo"]
        );

        // The real shape: members named one by one, and an excluded folder.
        s.write(
            "Cargo.toml",
            "[workspace]\nmembers = [\"ci/test-nodes\", \"solutions/*\", \
             \"solutions/broken/silent\", \"workshop/*\"]\nexclude = [\"solutions/broken\"]\n",
        );
        let crates = workspace_crates(s.root()).unwrap();
        assert_eq!(crates["test-nodes"], Path::new("ci/test-nodes"));
        assert_eq!(crates.len(), 4, "{crates:?}");
        assert!(crate_dir(s.root(), "nope").is_err());

        s.write("Cargo.toml", "[workspace]\nmembers = [\"solutions/e*\"]\n");
        let e = workspace_crates(s.root()).unwrap_err();
        assert!(format!("{e:#}").contains("only a directory or"), "{e:#}");
    }
}
