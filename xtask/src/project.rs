//! Where things are: the repository root, the solution crates, and a digest of a crate's
//! sources (what a shown run or a diff was made from).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
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

/// Package name → directory (relative to the root) of every crate under `solutions/` and
/// `solutions/broken/`.
pub fn solution_crates(root: &Path) -> Result<BTreeMap<String, PathBuf>> {
    let mut crates = BTreeMap::new();
    for parent in ["solutions", "solutions/broken"] {
        let Ok(entries) = std::fs::read_dir(root.join(parent)) else {
            continue;
        };
        for entry in entries {
            let dir = entry?.path();
            let manifest = dir.join("Cargo.toml");
            if !manifest.is_file() {
                continue;
            }
            let text = std::fs::read_to_string(&manifest)
                .with_context(|| format!("reading {}", manifest.display()))?;
            let parsed: toml::Table =
                toml::from_str(&text).with_context(|| format!("parsing {}", manifest.display()))?;
            let name = parsed
                .get("package")
                .and_then(|p| p.get("name"))
                .and_then(|n| n.as_str())
                .with_context(|| format!("{} has no package name", manifest.display()))?;
            let relative = dir.strip_prefix(root).unwrap_or(&dir).to_path_buf();
            crates.insert(name.to_string(), relative);
        }
    }
    Ok(crates)
}

/// The directory (relative to the root) of the solution crate named `krate`.
pub fn solution_crate(root: &Path, krate: &str) -> Result<PathBuf> {
    solution_crates(root)?
        .remove(krate)
        .with_context(|| format!("no crate `{krate}` under solutions/"))
}

/// Every file under `dir` except `target/` directories, as paths relative to `dir` with
/// `/` separators, sorted so digests and diffs do not depend on directory order.
pub fn files_under(dir: &Path) -> Result<Vec<String>> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
        let entries =
            std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
        for entry in entries {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                if entry.file_name() != "target" {
                    walk(base, &path, out)?;
                }
            } else {
                let relative = path.strip_prefix(base).unwrap_or(&path);
                let parts: Vec<_> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(parts.join("/"));
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files)?;
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

/// A SHA-256 digest (hex) over the named directories' files and some extra text.
///
/// Each file contributes its path (with the directory's name) and its length-prefixed
/// bytes, so moving bytes from one file to another changes the digest too.
pub fn digest(root: &Path, dirs: &[&Path], extra: &str) -> Result<String> {
    let mut hasher = Sha256::new();
    for dir in dirs {
        for file in files_under(&root.join(dir))? {
            let path = root.join(dir).join(&file);
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            hasher.update(format!("{}/{file}\0", dir.display()).as_bytes());
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(&bytes);
        }
    }
    hasher.update(b"extra\0");
    hasher.update(extra.as_bytes());
    Ok(hex(&hasher.finalize()))
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

    impl Scratch {
        pub fn new(label: &str) -> Scratch {
            let dir = tempfile::Builder::new()
                .prefix(&format!("xtask-test-{label}-"))
                .tempdir()
                .unwrap();
            Scratch(dir)
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
    fn finds_crates_by_package_name() {
        let s = Scratch::new("crates");
        s.write("solutions/echo/Cargo.toml", "[package]\nname = \"echo\"\n");
        s.write(
            "solutions/broken/silent/Cargo.toml",
            "[package]\nname = \"broken_silent\"\n",
        );
        let crates = solution_crates(s.root()).unwrap();
        assert_eq!(crates["echo"], Path::new("solutions/echo"));
        assert_eq!(
            crates["broken_silent"],
            Path::new("solutions/broken/silent")
        );
    }
}
