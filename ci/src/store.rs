//! The store: one directory per run under `store/<workload>/`, the files a run leaves
//! there, and the symlinks that point at the latest run. The engine creates it, the
//! report writes it, and `viz` and `serve` read it.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The history, one JSON operation per line.
pub const HISTORY: &str = "history.jsonl";
/// The message journal, one JSON event per line.
pub const JOURNAL: &str = "messages.jsonl";
/// Maelstrom's results map plus the run's options.
pub const RESULTS: &str = "results.json";
/// The summary the run printed.
pub const SUMMARY: &str = "summary.txt";
/// One `<node>.log` of stderr per node.
pub const NODE_LOGS: &str = "node-logs";

/// One run's directory: `store/<workload>/<YYYYmmddTHHMMSS.mmm>/`.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// Creates the run's directory with its `node-logs/`, and points `store/latest`,
    /// `store/current` and `store/<workload>/latest` at it. (Jepsen points `current` at
    /// the run under way and all three at a run it saves, `jepsen/src/jepsen/store.clj`,
    /// `update-current-symlink!` and `update-symlinks!`; a run here is both at once.)
    pub fn create(root: &Path, workload: &str) -> io::Result<Store> {
        let parent = root.join(workload);
        fs::create_dir_all(&parent)?;
        let stamp = chrono::Local::now().format("%Y%m%dT%H%M%S%.3f").to_string();
        // Two runs in the same millisecond (parallel tests) get a suffix.
        let mut name = stamp.clone();
        let mut n = 1;
        let dir = loop {
            let dir = parent.join(&name);
            match fs::create_dir(&dir) {
                Ok(()) => break dir,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    name = format!("{stamp}-{n}");
                    n += 1;
                }
                Err(e) => return Err(e),
            }
        };
        fs::create_dir(dir.join(NODE_LOGS))?;
        relink(&parent.join("latest"), Path::new(&name));
        for link in ["latest", "current"] {
            relink(&root.join(link), &Path::new(workload).join(&name));
        }
        Ok(Store { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    pub fn node_logs(&self) -> PathBuf {
        self.dir.join(NODE_LOGS)
    }

    /// Writes `file` of the run; a file that cannot be written is reported on stderr, and
    /// the run goes on to write the others.
    pub fn write(&self, file: &str, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) {
        let path = self.path(file);
        let written = fs::File::create(&path).and_then(|f| {
            let mut out = BufWriter::new(f);
            write(&mut out)?;
            out.flush()
        });
        if let Err(e) = written {
            eprintln!("cannot write {}: {e}", path.display());
        }
    }
}

/// Replaces the symlink `link` with one to `target` (relative). Best effort: a store on
/// a file system without symlinks still works.
fn relink(link: &Path, target: &Path) {
    let _ = fs::remove_file(link);
    #[cfg(unix)]
    let _ = std::os::unix::fs::symlink(target, link);
}
