//! The runner installed on its own (`cargo install --path ci --bin maelstrom`): a copy of
//! the binary, run from a directory outside the repository with a node in another
//! language, needs nothing but itself and writes `store/` where it runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common;

/// A fresh, empty directory in the system's temporary directory.
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("maelstrom-install-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("creating a scratch directory");
    dir
}

/// Runs the copied runner in `dir`, with no cargo variables in its environment.
fn maelstrom(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(dir.join("maelstrom"));
    cmd.args(args).current_dir(dir);
    for (name, _) in std::env::vars() {
        if name.starts_with("CARGO") {
            cmd.env_remove(name);
        }
    }
    cmd.output().expect("running the copied runner")
}

#[test]
fn a_copy_of_the_runner_works_from_any_directory() {
    let dir = scratch();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    assert!(
        !dir.starts_with(repo),
        "{} is inside the repository",
        dir.display()
    );
    std::fs::copy(env!("CARGO_BIN_EXE_maelstrom"), dir.join("maelstrom")).unwrap();
    std::fs::copy(common::script("echo.py"), dir.join("echo.py")).unwrap();

    let args = "test -w echo --bin echo.py --node-count 1 --time-limit 2 --no-progress";
    let out = maelstrom(&dir, &common::args(args));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Everything looks good!"), "{stdout}");
    let results = dir.join("store/latest/results.json");
    assert!(results.is_file(), "no {}", results.display());
    assert!(dir.join("store/latest/messages.svg").is_file());

    // Pictures are redrawn from the run alone.
    std::fs::remove_file(dir.join("store/latest/latency.svg")).unwrap();
    let out = maelstrom(&dir, &["viz", "store/latest"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("store/latest/latency.svg").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}
