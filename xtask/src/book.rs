//! mdBook: the pinned version, installed on demand, and the book built, tested and served.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Result, bail};

use super::process::{self, cargo};

/// The mdBook the book is written for.
pub const MDBOOK_VERSION: &str = "0.5.4";

/// Where the check installs mdBook: under `target/`, which CI caches keep between runs, so
/// mdBook is compiled once, not on every run.
pub const TOOLS_ROOT: &str = "target/tools";

/// The mdBook program at the pinned version: the one on PATH, in [`TOOLS_ROOT`] or in
/// cargo's own bin directory if it is that version, otherwise installed into
/// [`TOOLS_ROOT`] (about three minutes of compiling on two cores).
pub fn ensure_mdbook() -> Result<PathBuf> {
    let installed = Path::new(TOOLS_ROOT).join("bin/mdbook");
    let candidates = [
        Some(PathBuf::from("mdbook")),
        Some(installed.clone()),
        cargo_bin().map(|b| b.join("mdbook")),
    ];
    for candidate in candidates.iter().flatten() {
        if version_of(candidate).as_deref() == Some(MDBOOK_VERSION) {
            return Ok(candidate.clone());
        }
    }
    match version_of(&PathBuf::from("mdbook")) {
        Some(other) => println!("mdbook {other} found; the book needs {MDBOOK_VERSION}"),
        None => println!("mdbook {MDBOOK_VERSION} not found"),
    }
    let mut cmd = cargo();
    cmd.args(["install", "--locked", "mdbook", "--version", MDBOOK_VERSION]);
    cmd.args(["--root", TOOLS_ROOT]);
    if !process::run(cmd)? {
        bail!("installing mdbook {MDBOOK_VERSION} failed");
    }
    match version_of(&installed) {
        Some(v) if v == MDBOOK_VERSION => Ok(installed),
        _ => bail!(
            "mdbook {MDBOOK_VERSION} was installed but {} is not it",
            installed.display()
        ),
    }
}

/// `$CARGO_HOME/bin`, or `~/.cargo/bin`.
fn cargo_bin() -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    Some(home.join("bin"))
}

/// `mdbook v0.5.4` → `0.5.4`.
fn version_of(program: &Path) -> Option<String> {
    let output = Command::new(program).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    parse_version(&text)
}

fn parse_version(text: &str) -> Option<String> {
    let word = text.split_whitespace().nth(1)?;
    Some(word.trim_start_matches('v').to_string())
}

/// `mdbook build`.
pub fn build() -> Result<bool> {
    let mut cmd = Command::new(ensure_mdbook()?);
    cmd.arg("build");
    process::run(cmd)
}

/// `mdbook test`: compiles the book's `rust` blocks that are not `ignore`.
pub fn test() -> Result<bool> {
    let mut cmd = Command::new(ensure_mdbook()?);
    cmd.arg("test");
    process::run(cmd)
}

/// `cargo xtask book`: serves the book on localhost, rebuilding it on changes.
pub fn serve(port: u16) -> Result<bool> {
    let mdbook = ensure_mdbook()?;
    println!("The book will be at http://localhost:{port} (Ctrl-C stops it).");
    let mut cmd = Command::new(mdbook);
    cmd.args([
        "serve",
        "--hostname",
        "localhost",
        "--port",
        &port.to_string(),
    ]);
    process::run(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mdbooks_version_line() {
        assert_eq!(parse_version("mdbook v0.5.4\n").as_deref(), Some("0.5.4"));
        assert_eq!(parse_version("mdbook 0.4.40").as_deref(), Some("0.4.40"));
        assert_eq!(parse_version(""), None);
    }
}
