//! mdBook: the pinned version, installed on demand, and the book built, tested and served.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Result, bail};

use super::process::{self, cargo};

/// The mdBook the book is written for.
pub const MDBOOK_VERSION: &str = "0.5.4";

/// Where xtask installs mdBook: under `target/`, which a CI cache of `target/` keeps
/// between runs, so mdBook is compiled once, not on every run.
pub const TOOLS_ROOT: &str = "target/tools";

/// The mdBook program at the pinned version, installed if it is not here yet.
pub fn ensure_mdbook() -> Result<PathBuf> {
    match find_mdbook() {
        Some(found) => Ok(found),
        None => install_mdbook(None),
    }
}

/// The mdBook program at the pinned version, if one is here: on PATH, in [`TOOLS_ROOT`]
/// or in cargo's own bin directory.
pub fn find_mdbook() -> Option<PathBuf> {
    let candidates = [
        Some(PathBuf::from("mdbook")),
        Some(installed()),
        cargo_bin().map(|b| b.join("mdbook")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|candidate| version_of(candidate).as_deref() == Some(MDBOOK_VERSION))
}

fn installed() -> PathBuf {
    Path::new(TOOLS_ROOT).join("bin/mdbook")
}

/// Installs the pinned mdBook into [`TOOLS_ROOT`], about a minute and a half of compiling
/// on two cores. It is built in cargo's dev profile: that takes half the compiling of a
/// release build (150 rather than 310 CPU-seconds, measured with `cargo install`), and it
/// still builds this book in two seconds. Cargo's output goes to `log` when given (the
/// check installs mdBook while other stages print), to the console otherwise. The build
/// has a scratch directory of its own, so it neither waits for nor holds up the project's
/// builds in `target/`.
pub fn install_mdbook(log: Option<&Path>) -> Result<PathBuf> {
    match version_of(Path::new("mdbook")) {
        Some(other) => println!("mdbook {other} found; the book needs {MDBOOK_VERSION}"),
        None => println!("mdbook {MDBOOK_VERSION} not found"),
    }
    let scratch = tempfile::tempdir()?;
    let mut cmd = cargo();
    cmd.args(["install", "--locked", "--debug", "mdbook"]);
    cmd.args(["--version", MDBOOK_VERSION]);
    cmd.args(["--root", TOOLS_ROOT, "--target-dir"])
        .arg(scratch.path());
    let ok = match log {
        None => process::run(cmd)?,
        Some(log) => {
            println!(
                "book: installing mdbook {MDBOOK_VERSION} into {TOOLS_ROOT} in the \
                 background ({})",
                log.display()
            );
            process::run_logged(cmd, log)?
        }
    };
    if !ok {
        bail!("installing mdbook {MDBOOK_VERSION} failed");
    }
    let installed = installed();
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

/// `mdbook build`, then `mdbook test` (which compiles the book's `rust` blocks that are
/// not `ignore`).
pub fn build_and_test(mdbook: &Path) -> Result<bool> {
    for step in ["build", "test"] {
        let mut cmd = Command::new(mdbook);
        cmd.arg(step);
        if !process::run(cmd)? {
            return Ok(false);
        }
    }
    Ok(true)
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
