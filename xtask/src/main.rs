//! `cargo xtask`: the one command that checks everything, and the commands that keep the
//! book's generated files honest.
//!
//! * `check` runs every stage (build, fmt, clippy, tests, the book, the snippet and
//!   staleness checks, the acceptance table) and ends with one table of results.
//! * `book` installs the pinned mdBook if needed and serves the book on localhost.
//! * `regen` runs the acceptance rows the book shows, or compares in a table, and records
//!   what produced them.
//! * `diffs` writes the diff between consecutive step crates.
//! * `pictures` draws the book's pictures from seeded runs.
//! * `snippets` runs only the check of the book's code blocks and includes.
//!
//! It runs the runner as a program (`target/release/maelstrom`) and reads what it wrote;
//! only the pictures use the runner's library, for its drawing code.
//!
//! One module per concern: [`steps`] reads `ci/steps.toml`, [`table`] runs its rows,
//! [`results`] reads what a run wrote, [`manifest`] records what produced the book's
//! generated files, [`regen`] and [`stale`] keep shown runs current, [`comparisons`] the
//! tables that set several runs side by side, [`diffs`] the step diffs, [`pictures`] the
//! book's pictures, [`markdown`] and [`snippets`] the chapters' code blocks and includes,
//! [`book`] mdBook itself.

mod book;
mod check;
mod comparisons;
mod diffs;
mod edn;
mod manifest;
mod markdown;
mod pictures;
mod process;
mod project;
mod regen;
mod results;
mod snippets;
mod stale;
mod steps;
mod table;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use check::Stage;

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    about = "Checks the whole project and writes the book's generated files"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs every check: build, fmt, clippy, tests, the book, snippets, stale outputs and
    /// the acceptance table. Exits non-zero if anything failed. `--quick` leaves out the
    /// table's long runs.
    Check(CheckOpts),
    /// Installs the pinned mdBook if needed and serves the book on localhost.
    Book {
        /// Port to serve on.
        #[arg(long, default_value_t = 3000)]
        port: u16,
    },
    /// Runs the acceptance rows marked `show = true` or in a `table`, and writes their output
    /// and comparison tables for the book.
    Regen {
        /// Only these rows (repeatable).
        #[arg(long = "step")]
        steps: Vec<String>,
    },
    /// Writes src/generated/diffs/<step>.diff between consecutive step crates.
    Diffs,
    /// Draws the book's pictures (ci/pictures.toml) into src/generated/pictures/.
    Pictures {
        /// Only these pictures (repeatable).
        #[arg(long = "name")]
        names: Vec<String>,
    },
    /// Checks the book's code blocks, includes and anchors.
    Snippets,
}

#[derive(Debug, Clone, clap::Args)]
pub struct CheckOpts {
    /// Run only these stages (repeatable, or separated by commas).
    #[arg(long = "only", value_enum, value_delimiter = ',')]
    pub only: Vec<Stage>,
    /// Run only these rows of the acceptance table (repeatable); implies `--only table`
    /// unless `--only` is given.
    #[arg(long = "step")]
    pub steps: Vec<String>,
    /// Everything but the long runs: the acceptance table keeps only its rows of at most
    /// 10 s (the failing echo nodes and the troubleshooting rows).
    #[arg(long)]
    pub quick: bool,
    /// How many rows that are not timing-sensitive run at the same time (default: 8 with
    /// our runner, 2 with a real Maelstrom, whose JVM keeps a core busy).
    #[arg(long)]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub runner: RunnerOpts,
}

/// Which runner the acceptance table uses.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RunnerOpts {
    /// Run the table against a real Maelstrom found on PATH (or named by the MAELSTROM
    /// environment variable, which selects it even without this flag).
    #[arg(long)]
    pub real: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = project::root();
    if let Err(e) = std::env::set_current_dir(&root) {
        eprintln!("error: cannot enter {}: {e}", root.display());
        return ExitCode::FAILURE;
    }
    let outcome = match cli.command {
        Command::Check(opts) => check::run(&opts),
        Command::Book { port } => book::serve(port),
        Command::Regen { steps } => regen::run(&steps),
        Command::Diffs => diffs::write(),
        Command::Pictures { names } => pictures::run(&names),
        Command::Snippets => snippets::run(),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
