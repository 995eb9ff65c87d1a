//! The manifest of shown runs, `src/generated/runs/manifest.toml`: what produced each run
//! the book shows (written by [`super::regen`]) and what each row of a comparison table
//! measured (see [`super::comparisons`]), so the staleness check ([`super::stale`]) can
//! tell when either no longer matches the code and the row.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::project;
use super::results::Figures;
use super::steps::Step;

pub const MANIFEST: &str = "src/generated/runs/manifest.toml";

const MANIFEST_HEADER: &str = "# Written by `cargo xtask regen`; `cargo xtask check` fails when a \
shown run no longer\n# matches the sources and arguments that produced it. Do not edit.\n\n";

/// What produced each shown run, and what each compared row measured.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(default)]
    pub run: BTreeMap<String, Entry>,
    /// What each row of a comparison table measured.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub measured: BTreeMap<String, Measured>,
}

/// What produced one shown run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    #[serde(rename = "crate")]
    pub krate: String,
    /// The command the file shows.
    pub command: String,
    /// SHA-256 over the crate's sources, the helper crate's sources and the command.
    pub sources: String,
    /// SHA-256 of the file as written, so a hand edit shows too.
    pub output: String,
}

/// What one row of a comparison table measured, and what it was measured from.
///
/// The figures sit beside the command in the file; serde cannot refuse unknown fields
/// next to flattened ones, so this table alone accepts them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// The command the row ran, as a learner would type it.
    pub command: String,
    /// The digest of the row's crate, the helper crate and the command (as for shown runs).
    pub sources: String,
    #[serde(flatten)]
    pub figures: Figures,
}

impl Manifest {
    pub fn load(root: &Path) -> Result<Manifest> {
        // The file merges as a union (.gitattributes), so two branches that regenerated the
        // same run leave two entries for it.
        project::load_manifest(&root.join(MANIFEST)).context(
            "after a merge, keep one entry per run and run `cargo xtask regen --step <name>` \
             for the runs both sides changed",
        )
    }

    pub fn save(&self, root: &Path) -> Result<()> {
        project::save_manifest(&root.join(MANIFEST), MANIFEST_HEADER, self)
    }
}

/// The digest a row's shown output or measured figures must have been made from, as
/// things stand now: the row's crate, the helper crate and the command.
pub fn sources_digest(root: &Path, step: &Step) -> Result<String> {
    let dir = project::solution_crate(root, &step.krate)
        .with_context(|| format!("step `{}`", step.name))?;
    let helper = Path::new(project::HELPER_CRATE);
    project::digest(root, &[&dir, helper], &step.learner_command())
}
