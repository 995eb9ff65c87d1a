//! Running other programs, always saying first what is being run.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result};

/// The command as someone would type it, for messages.
pub fn display(cmd: &Command) -> String {
    // An absolute program path (cargo from $CARGO, mdbook from ~/.cargo/bin) is shown by
    // its name, the way one would type it.
    let program = std::path::Path::new(cmd.get_program());
    let shown = match program.file_name() {
        Some(name) if program.is_absolute() => name,
        _ => program.as_os_str(),
    };
    let mut words = vec![shown.to_string_lossy().into_owned()];
    words.extend(cmd.get_args().map(|a| quote(&a.to_string_lossy())));
    words.join(" ")
}

/// Quotes a word for a POSIX shell only when it needs it.
pub fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Prints the command, runs it with the console attached, and says whether it succeeded.
pub fn run(mut cmd: Command) -> Result<bool> {
    println!("$ {}", display(&cmd));
    let status = cmd
        .status()
        .with_context(|| format!("could not start `{}`", display(&cmd)))?;
    Ok(status.success())
}

/// Prints the command, runs it with its output going to `log`, and says whether it
/// succeeded; on failure, the log's last lines are shown.
pub fn run_logged(mut cmd: Command, log: &Path) -> Result<bool> {
    println!("$ {}  > {}", display(&cmd), log.display());
    if let Some(dir) = log.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = std::fs::File::create(log)?;
    let status = cmd
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file)
        .status()
        .with_context(|| format!("could not start `{}`", display(&cmd)))?;
    if !status.success() {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        for line in &lines[lines.len().saturating_sub(20)..] {
            println!("| {line}");
        }
    }
    Ok(status.success())
}

/// `cargo`, as the one that runs this program (so `cargo +toolchain xtask` stays on it).
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_a_shell_would_split() {
        assert_eq!(quote("--node-count"), "--node-count");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
    }
}
