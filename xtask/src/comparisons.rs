//! Comparison tables: rows of the acceptance table that a chapter sets side by side.
//!
//! A row with `table = "<name>"` and a `label` is one line of
//! `src/generated/tables/<name>.md`, which shows what the row's run measured: messages
//! per operation and the median and maximum stable latency (for workloads without stable
//! latencies: availability and client operation latencies). `cargo xtask regen` runs the
//! rows and records each one's figures in the manifest; the table is rendered from those
//! records, so rerunning one row rewrites only its line, and the staleness check can tell
//! when a table no longer matches its rows or the code they ran.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::manifest::{MANIFEST, Manifest, Measured, sources_digest};
use super::project;
use super::results::Figures;
use super::steps::Step;

pub const TABLES_DIR: &str = "src/generated/tables";

/// The file a table is written to, relative to the root.
pub fn table_file(name: &str) -> PathBuf {
    Path::new(TABLES_DIR).join(format!("{name}.md"))
}

/// Every table the rows name, in order of first appearance, each with its rows in the
/// order of the acceptance table.
pub fn tables(steps: &[Step]) -> Vec<(&str, Vec<&Step>)> {
    let mut tables: Vec<(&str, Vec<&Step>)> = Vec::new();
    for step in steps {
        let Some(name) = step.table.as_deref() else {
            continue;
        };
        match tables.iter_mut().find(|(n, _)| *n == name) {
            Some((_, rows)) => rows.push(step),
            None => tables.push((name, vec![step])),
        }
    }
    tables
}

/// Records what a row's run measured.
pub fn record(root: &Path, manifest: &mut Manifest, step: &Step, figures: &Figures) -> Result<()> {
    let measured = Measured {
        command: step.learner_command(),
        sources: sources_digest(root, step)?,
        figures: figures.clone(),
    };
    manifest.measured.insert(step.name.clone(), measured);
    Ok(())
}

/// The markdown of a table, or the names of its rows that have no recorded figures.
pub fn render(
    rows: &[&Step],
    measured: &BTreeMap<String, Measured>,
) -> Result<String, Vec<String>> {
    let missing: Vec<String> = rows
        .iter()
        .filter(|s| !measured.contains_key(&s.name))
        .map(|s| s.name.clone())
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let common = common_args(rows);
    // Workloads without stable latencies (kafka, txn) compare availability and the
    // latency of client operations instead.
    let stable = rows
        .iter()
        .any(|s| measured[&s.name].figures.latency_median.is_some());
    let mut text = String::from(if stable {
        "| design | node and arguments | messages per operation | median latency | \
         maximum latency |\n|---|---|---:|---:|---:|\n"
    } else {
        "| design | node and arguments | messages per operation | availability | \
         median latency | 99% latency |\n|---|---|---:|---:|---:|---:|\n"
    });
    for step in rows {
        let m = &measured[&step.name].figures;
        let own: Vec<&str> = step
            .args
            .iter()
            .map(String::as_str)
            .filter(|a| !common.contains(a))
            .collect();
        let run = std::iter::once(step.krate.as_str())
            .chain(own)
            .collect::<Vec<_>>()
            .join(" ");
        let number = |v: Option<f64>, digits: usize, unit: &str| match v {
            Some(v) => format!("{v:.digits$}{unit}"),
            None => "–".to_string(),
        };
        let label = step.label.as_deref().unwrap_or(&step.name);
        let msgs = number(m.msgs_per_op, 2, "");
        text.push_str(&if stable {
            format!(
                "| {label} | `{run}` | {msgs} | {} | {} |\n",
                number(m.latency_median, 0, " ms"),
                number(m.latency_max, 0, " ms"),
            )
        } else {
            format!(
                "| {label} | `{run}` | {msgs} | {} | {} | {} |\n",
                number(m.availability, 4, ""),
                number(m.op_latency_median, 2, " ms"),
                number(m.op_latency_99, 2, " ms"),
            )
        });
    }
    let shared: Vec<&str> = rows[0]
        .args
        .iter()
        .map(String::as_str)
        .filter(|a| common.contains(a))
        .collect();
    let mut seeds: Vec<u64> = rows.iter().map(|s| s.seed).collect();
    seeds.dedup();
    let seed = match seeds.as_slice() {
        [one] => format!("`--seed {one}`"),
        _ => "the seed of its row in `ci/steps.toml`".to_string(),
    };
    let latencies = if stable {
        "stable latencies"
    } else {
        "those of client operations"
    };
    text.push_str(&format!(
        "\nEvery row ran `cargo maelstrom test --bin target/debug/<node> {}` with {seed} and \
         the node's arguments; latencies are {latencies}.\n",
        shared.join(" ")
    ));
    Ok(text)
}

/// Arguments every row of the table shares: an option counts as shared with its value.
fn common_args<'a>(rows: &[&'a Step]) -> Vec<&'a str> {
    let Some(first) = rows.first() else {
        return Vec::new();
    };
    // Pair each option with its value, so `--topology tree4` is one unit.
    let units = |step: &'a Step| -> Vec<Vec<&'a str>> {
        let mut units: Vec<Vec<&'a str>> = Vec::new();
        for word in step.args.iter().map(String::as_str) {
            let follows_option = units
                .last()
                .is_some_and(|u| u.len() == 1 && u[0].starts_with('-'))
                && !word.starts_with('-');
            match units.last_mut() {
                Some(unit) if follows_option => unit.push(word),
                _ => units.push(vec![word]),
            }
        }
        units
    };
    let others: Vec<Vec<Vec<&str>>> = rows[1..].iter().map(|s| units(s)).collect();
    units(first)
        .into_iter()
        .filter(|unit| others.iter().all(|o| o.contains(unit)))
        .flatten()
        .collect()
}

/// `cargo xtask regen`'s last step: writes every table whose rows all have figures, and
/// returns the tables it could not write, with the rows they lack.
pub fn write_all(root: &Path, steps: &[Step], manifest: &Manifest) -> Result<Vec<String>> {
    std::fs::create_dir_all(root.join(TABLES_DIR))?;
    let mut incomplete = Vec::new();
    for (name, rows) in tables(steps) {
        match render(&rows, &manifest.measured) {
            Ok(text) => {
                let file = table_file(name);
                if std::fs::read_to_string(root.join(&file)).ok().as_deref() != Some(&text) {
                    std::fs::write(root.join(&file), text)?;
                    println!("regen: wrote {}", file.display());
                }
            }
            Err(missing) => incomplete.push(format!(
                "table `{name}` not written: no figures yet for {}",
                missing.join(", ")
            )),
        }
    }
    Ok(incomplete)
}

/// Removes figures of rows in no table, and table files no row names.
pub fn prune(root: &Path, steps: &[Step], manifest: &mut Manifest) -> Result<()> {
    let in_table = |name: &str| steps.iter().any(|s| s.table.is_some() && s.name == name);
    manifest.measured.retain(|name, _| in_table(name));
    let names: Vec<&str> = tables(steps).into_iter().map(|(n, _)| n).collect();
    let dir = root.join(TABLES_DIR);
    if dir.is_dir() {
        for file in project::files_under(&dir)? {
            if let Some(name) = file.strip_suffix(".md")
                && !names.contains(&name)
            {
                std::fs::remove_file(dir.join(&file))?;
                println!("regen: removed {TABLES_DIR}/{file} (no row names that table)");
            }
        }
    }
    Ok(())
}

/// Every way the tables on disk differ from what their rows and the code would give now.
pub fn stale(root: &Path, steps: &[Step]) -> Result<Vec<String>> {
    let manifest = Manifest::load(root)?;
    let hint = |name: &str| format!("rerun it with `cargo xtask regen --step {name}`");
    let mut problems = Vec::new();
    for (table, rows) in tables(steps) {
        for step in &rows {
            let Some(m) = manifest.measured.get(&step.name) else {
                continue; // reported below, as a table that cannot be rendered
            };
            if m.command != step.learner_command() {
                problems.push(format!(
                    "table `{table}`: row `{}` was measured with `{}` but now runs `{}`: {}",
                    step.name,
                    m.command,
                    step.learner_command(),
                    hint(&step.name)
                ));
            } else if m.sources != sources_digest(root, step)? {
                problems.push(format!(
                    "table `{table}`: row `{}` is stale: crate `{}` or the helper crate \
                     changed since it was measured: {}",
                    step.name,
                    step.krate,
                    hint(&step.name)
                ));
            }
        }
        let file = table_file(table);
        match render(&rows, &manifest.measured) {
            Err(missing) => problems.push(format!(
                "{}: no figures in {MANIFEST} for {}: run `cargo xtask regen`",
                file.display(),
                missing.join(", ")
            )),
            Ok(text) => match std::fs::read_to_string(root.join(&file)) {
                Err(_) => problems.push(format!(
                    "{} is missing: run `cargo xtask regen`",
                    file.display()
                )),
                Ok(on_disk) if on_disk != text => problems.push(format!(
                    "{} differs from its rows (edited by hand, or a label changed): run \
                     `cargo xtask regen`",
                    file.display()
                )),
                Ok(_) => {}
            },
        }
    }
    let in_table = |name: &str| steps.iter().any(|s| s.table.is_some() && s.name == name);
    for name in manifest.measured.keys().filter(|n| !in_table(n)) {
        problems.push(format!(
            "{MANIFEST} has figures for `{name}`, which is in no table: run `cargo xtask regen`"
        ));
    }
    let names: Vec<&str> = tables(steps).into_iter().map(|(n, _)| n).collect();
    let dir = root.join(TABLES_DIR);
    if dir.is_dir() {
        for file in project::files_under(&dir)? {
            if file
                .strip_suffix(".md")
                .is_some_and(|n| !names.contains(&n))
            {
                problems.push(format!(
                    "{TABLES_DIR}/{file} belongs to no table in the acceptance table: run \
                     `cargo xtask regen` to remove it"
                ));
            }
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::tests::Scratch;
    use crate::steps;

    const ROWS: &str = "\
[[step]]
name = \"b3\"
crate = \"b3\"
args = [\"-w\", \"broadcast\", \"--node-count\", \"25\"]
seed = 1
expect = \"valid\"
table = \"designs\"
label = \"gossip\"

[[step]]
name = \"b4-tree\"
crate = \"b4\"
args = [\"-w\", \"broadcast\", \"--node-count\", \"25\", \"--topology\", \"tree4\", \"batch-ms=0\"]
seed = 1
expect = \"valid\"
table = \"designs\"
label = \"a tree\"
";

    fn project() -> (Scratch, Vec<Step>) {
        let s = Scratch::new("comparisons");
        for krate in ["b3", "b4"] {
            s.write(
                &format!("solutions/{krate}/Cargo.toml"),
                &format!("[package]\nname = \"{krate}\"\n"),
            );
            s.write(&format!("solutions/{krate}/src/main.rs"), "fn main() {}\n");
        }
        s.write("solutions/maelstrom/src/lib.rs", "pub fn init() {}\n");
        s.write("ci/steps.toml", ROWS);
        let steps = steps::load(s.root()).unwrap();
        (s, steps)
    }

    fn figures(msgs: f64, median: f64, max: f64) -> Figures {
        Figures {
            msgs_per_op: Some(msgs),
            latency_median: Some(median),
            latency_max: Some(max),
            ..Figures::default()
        }
    }

    /// Records both rows and writes the table, as `regen` does.
    fn recorded() -> (Scratch, Vec<Step>) {
        let (s, steps) = project();
        let mut manifest = Manifest::default();
        record(
            s.root(),
            &mut manifest,
            &steps[0],
            &figures(12.25, 410.0, 880.0),
        )
        .unwrap();
        record(
            s.root(),
            &mut manifest,
            &steps[1],
            &figures(3.1, 530.0, 600.0),
        )
        .unwrap();
        manifest.save(s.root()).unwrap();
        assert!(write_all(s.root(), &steps, &manifest).unwrap().is_empty());
        (s, steps)
    }

    #[test]
    fn a_table_shows_each_row_with_what_sets_it_apart() {
        let (s, _) = recorded();
        let text = std::fs::read_to_string(s.root().join(table_file("designs"))).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[2], "| gossip | `b3` | 12.25 | 410 ms | 880 ms |");
        assert_eq!(
            lines[3],
            "| a tree | `b4 --topology tree4 batch-ms=0` | 3.10 | 530 ms | 600 ms |"
        );
        assert!(lines[5].contains("target/debug/<node> -w broadcast --node-count 25`"));
        assert!(lines[5].contains("`--seed 1`"));
    }

    #[test]
    fn without_stable_latencies_a_table_shows_availability_and_operation_latencies() {
        let (s, steps) = project();
        let mut manifest = Manifest::default();
        for (step, msgs) in steps.iter().zip([6.2, 0.12]) {
            let f = Figures {
                msgs_per_op: Some(msgs),
                availability: Some(0.99964),
                op_latency_median: Some(0.2),
                op_latency_99: Some(4.762),
                ..Figures::default()
            };
            record(s.root(), &mut manifest, step, &f).unwrap();
        }
        let rows: Vec<&Step> = steps.iter().collect();
        let text = render(&rows, &manifest.measured).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].contains("| availability | median latency | 99% latency |"));
        assert_eq!(
            lines[2],
            "| gossip | `b3` | 6.20 | 0.9996 | 0.20 ms | 4.76 ms |"
        );
        assert!(lines[5].ends_with("latencies are those of client operations."));
    }

    #[test]
    fn a_fresh_table_is_current_and_a_code_change_makes_it_stale() {
        let (s, steps) = recorded();
        assert_eq!(stale(s.root(), &steps).unwrap(), Vec::<String>::new());

        s.write("solutions/b4/src/main.rs", "fn main() { }\n");
        let problems = stale(s.root(), &steps).unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("row `b4-tree` is stale"));
        assert!(problems[0].contains("cargo xtask regen --step b4-tree"));
    }

    #[test]
    fn new_args_a_new_label_or_a_hand_edit_are_noticed() {
        let (s, _) = recorded();
        s.write("ci/steps.toml", &ROWS.replace("batch-ms=0", "batch-ms=5"));
        let steps = steps::load(s.root()).unwrap();
        let problems = stale(s.root(), &steps).unwrap();
        assert!(problems[0].contains("now runs"), "{problems:?}");

        let (s, _) = recorded();
        s.write("ci/steps.toml", &ROWS.replace("a tree", "a tree of four"));
        let steps = steps::load(s.root()).unwrap();
        let problems = stale(s.root(), &steps).unwrap();
        assert!(
            problems[0].contains("differs from its rows"),
            "{problems:?}"
        );

        let (s, steps) = recorded();
        s.write("src/generated/tables/designs.md", "| made up |\n");
        assert!(stale(s.root(), &steps).unwrap()[0].contains("differs from its rows"));
    }

    #[test]
    fn missing_figures_and_leftovers_are_reported() {
        let (s, steps) = project();
        let problems = stale(s.root(), &steps).unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("no figures in"));
        assert!(problems[0].contains("b3, b4-tree"));

        let (s, _) = recorded();
        s.write("ci/steps.toml", "");
        let problems = stale(s.root(), &[]).unwrap();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("figures for `b3`, which is in no table"));
        assert!(problems[2].contains("designs.md belongs to no table"));
    }
}
