//! The acceptance table, `ci/steps.toml`: one `[[step]]` per run of the runner against a
//! solution (or a deliberately broken node), with what the run must show.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::Value;

pub const STEPS_FILE: &str = "ci/steps.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    step: Vec<Step>,
}

/// One row of the table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Unique; a shown run's output goes to `src/generated/runs/<name>.txt`.
    pub name: String,
    /// The package whose binary is tested (`target/debug/<crate>`).
    #[serde(rename = "crate")]
    pub krate: String,
    /// The binary, when the package's is not named after it: one of the runner's test
    /// nodes is `crate = "test-nodes"`, `bin = "correct_echo"` (`target/debug/correct_echo`).
    #[serde(default)]
    pub bin: Option<String>,
    /// Everything after `--bin <binary>` on the runner's command line.
    pub args: Vec<String>,
    pub seed: u64,
    pub expect: Expect,
    /// For a row not expected valid: a piece of text the runner's summary must contain.
    #[serde(default)]
    pub reason: Option<String>,
    /// The book includes this run's output.
    #[serde(default)]
    pub show: bool,
    /// Conditions on `results.json`: path → `"<op> <value>"`.
    #[serde(default)]
    pub targets: BTreeMap<String, String>,
    /// The comparison table (`src/generated/tables/<table>.md`) this run is a line of.
    #[serde(default)]
    pub table: Option<String>,
    /// The design this run stands for, as the comparison table names it.
    #[serde(default)]
    pub label: Option<String>,
}

/// The outcome a row expects, as the runner's exit status (Maelstrom's, which are
/// Jepsen's: jepsen/src/jepsen/cli.clj).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// `valid? true`, exit 0.
    Valid,
    /// `valid? false`, exit 1.
    Invalid,
    /// `valid? :unknown`, exit 2.
    Unknown,
    /// The test could not run to the end (a node crashed, init failed), exit 255.
    Error,
}

impl Expect {
    pub fn exit_code(self) -> i32 {
        match self {
            Expect::Valid => 0,
            Expect::Invalid => 1,
            Expect::Unknown => 2,
            Expect::Error => 255,
        }
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = match self {
            Expect::Valid => "valid",
            Expect::Invalid => "invalid",
            Expect::Unknown => "unknown",
            Expect::Error => "error",
        };
        write!(f, "{word} (exit {})", self.exit_code())
    }
}

/// Options the table sets itself; a row giving them would fight it.
const RESERVED_ARGS: [&str; 4] = ["--bin", "--seed", "--store", "--no-progress"];

/// Workloads with a final phase wait 10 s for recovery after the main phase (Maelstrom's
/// src/maelstrom/core.clj, `gen/sleep 10` before the final generator).
const FINAL_PHASE_WORKLOADS: [&str; 5] = ["broadcast", "g-counter", "pn-counter", "g-set", "kafka"];

impl Step {
    /// The binary the row runs, `target/debug/<binary>`: its `bin`, or its crate's name.
    pub fn binary(&self) -> &str {
        self.bin.as_deref().unwrap_or(&self.krate)
    }

    /// The value of an option in `args` (`--time-limit 20` → `Some("20")`).
    pub fn arg(&self, names: &[&str]) -> Option<&str> {
        let at = self.args.iter().position(|a| names.contains(&a.as_str()))?;
        self.args.get(at + 1).map(String::as_str)
    }

    pub fn workload(&self) -> &str {
        self.arg(&["-w", "--workload"]).unwrap_or("lin-kv")
    }

    /// `args` with the workload option first: the order the book writes commands in.
    pub fn ordered_args(&self) -> (Vec<String>, Vec<String>) {
        let mut rest = self.args.clone();
        match rest.iter().position(|a| a == "-w" || a == "--workload") {
            Some(at) if at + 1 < rest.len() => {
                let workload: Vec<String> = rest.drain(at..at + 2).collect();
                (workload, rest)
            }
            _ => (Vec::new(), rest),
        }
    }

    /// The command a learner types to make this run, seed included.
    pub fn learner_command(&self) -> String {
        self.command(Some(self.seed))
    }

    /// The command a chapter gives for its test: the learner's, without the seed.
    pub fn chapter_command(&self) -> String {
        self.command(None)
    }

    fn command(&self, seed: Option<u64>) -> String {
        let (workload, rest) = self.ordered_args();
        let mut words = vec!["cargo".to_string(), "maelstrom".into(), "test".into()];
        words.extend(workload);
        words.extend(["--bin".into(), format!("target/debug/{}", self.binary())]);
        words.extend(rest);
        if let Some(seed) = seed {
            words.extend(["--seed".into(), seed.to_string()]);
        }
        let quoted: Vec<String> = words.iter().map(|w| super::process::quote(w)).collect();
        quoted.join(" ")
    }

    /// The run's `--time-limit` in seconds (the runner's default, 60, when not given).
    pub fn time_limit(&self) -> f64 {
        self.arg(&["--time-limit"])
            .and_then(|t| t.parse().ok())
            .unwrap_or(60.0)
    }

    /// Seconds the run should take: the main phase, the recovery wait of workloads with a
    /// final phase, and a few seconds to start, stop and check.
    pub fn estimated_seconds(&self) -> f64 {
        let time_limit = self.time_limit();
        let recovery = if FINAL_PHASE_WORKLOADS.contains(&self.workload()) {
            10.0
        } else {
            0.0
        };
        time_limit + recovery + 5.0
    }

    /// Whether the row's verdict depends on how quickly a busy machine answers: a target
    /// bounds a latency or the availability. `cargo xtask check` runs such a row alone;
    /// any other row (validity, message counts) comes out the same beside other runs, so
    /// those run many at a time. (`cargo xtask regen` runs every row it records alone.)
    pub fn timing_sensitive(&self) -> bool {
        self.targets
            .keys()
            .any(|path| path.contains("latencies") || path.starts_with("availability"))
    }

    pub fn parsed_targets(&self) -> Result<Vec<Target>> {
        self.targets
            .iter()
            .map(|(path, condition)| {
                Target::parse(path, condition)
                    .with_context(|| format!("step `{}`, target `{path}`", self.name))
            })
            .collect()
    }
}

/// Reads and validates the table.
pub fn load(root: &Path) -> Result<Vec<Step>> {
    let path = root.join(STEPS_FILE);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    parse(&text).with_context(|| format!("in {STEPS_FILE}"))
}

pub fn parse(text: &str) -> Result<Vec<Step>> {
    let file: File = toml::from_str(text)?;
    let mut names = BTreeSet::new();
    for step in &file.step {
        validate(step)?;
        if !names.insert(step.name.as_str()) {
            bail!("two steps are named `{}`", step.name);
        }
    }
    Ok(file.step)
}

fn validate(step: &Step) -> Result<()> {
    let name = &step.name;
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    };
    if !plain(name) {
        bail!("step name `{name}`: use lowercase letters, digits, `_` and `-` only");
    }
    if !plain(&step.krate) {
        bail!(
            "step `{name}`: crate `{}` is not a package name",
            step.krate
        );
    }
    if let Some(bin) = step.bin.as_deref().filter(|b| !plain(b)) {
        bail!("step `{name}`: bin `{bin}` is not a binary's name");
    }
    if let Some(arg) = step
        .args
        .iter()
        .find(|a| RESERVED_ARGS.contains(&a.as_str()))
    {
        bail!("step `{name}`: `{arg}` is set by the table itself; remove it from args");
    }
    match (step.expect, &step.reason) {
        (Expect::Valid, Some(_)) => {
            bail!("step `{name}`: a `reason` only makes sense for a run not expected valid")
        }
        (Expect::Valid, None) => {}
        (_, None) => bail!(
            "step `{name}`: expected {}, so give a `reason`: text its summary must contain",
            step.expect
        ),
        (_, Some(reason)) if reason.trim().is_empty() => {
            bail!("step `{name}`: `reason` is empty")
        }
        _ => {}
    }
    match (&step.table, &step.label) {
        (Some(table), Some(_)) if !plain(table) => {
            bail!("step `{name}`: table `{table}`: use lowercase letters, digits, `_` and `-` only")
        }
        (Some(_), None) => bail!("step `{name}`: a row in a `table` needs a `label`"),
        (None, Some(_)) => bail!("step `{name}`: a `label` only makes sense with a `table`"),
        _ => {}
    }
    step.parsed_targets()?;
    Ok(())
}

/// One condition on a figure in `results.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub path: String,
    pub op: Cmp,
    pub value: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Le,
    Lt,
    Ge,
    Gt,
    Eq,
    /// Inclusive range: the value is `[low, high]`.
    In,
}

impl Cmp {
    fn symbol(self) -> &'static str {
        match self {
            Cmp::Le => "<=",
            Cmp::Lt => "<",
            Cmp::Ge => ">=",
            Cmp::Gt => ">",
            Cmp::Eq => "==",
            Cmp::In => "in",
        }
    }
}

impl Target {
    /// `"<= 2.0"`, `"< 400"`, `">= 0.99"`, `"== true"`, `"== \"text\""`, or an
    /// inclusive range `"in 26.4..29.2"`.
    pub fn parse(path: &str, condition: &str) -> Result<Target> {
        let condition = condition.trim();
        if let Some(range) = condition.strip_prefix("in ") {
            let bounds: Option<Vec<f64>> = range
                .split_once("..")
                .map(|(low, high)| [low, high])
                .and_then(|b| b.iter().map(|x| x.trim().parse().ok()).collect());
            let Some([low, high]) = bounds.as_deref() else {
                bail!("`{condition}`: a range is written `in <low>..<high>`");
            };
            if low > high {
                bail!("`{condition}`: the low end is above the high end");
            }
            return Ok(Target {
                path: path.to_string(),
                op: Cmp::In,
                value: serde_json::json!([low, high]),
            });
        }
        // Longest symbols first, so `<=` is not read as `<` followed by `= 2`.
        let ops = [
            ("<=", Cmp::Le),
            (">=", Cmp::Ge),
            ("==", Cmp::Eq),
            ("<", Cmp::Lt),
            (">", Cmp::Gt),
        ];
        let Some((op, rest)) = ops
            .iter()
            .find_map(|(sym, op)| condition.strip_prefix(sym).map(|rest| (*op, rest.trim())))
        else {
            bail!("`{condition}` should start with one of <=, <, >=, >, ==, in");
        };
        let value: Value = serde_json::from_str(rest)
            .with_context(|| format!("`{rest}` is not a number, true, false or a string"))?;
        if op != Cmp::Eq && !value.is_number() {
            bail!(
                "`{condition}`: only numbers can be compared with {}",
                op.symbol()
            );
        }
        Ok(Target {
            path: path.to_string(),
            op,
            value,
        })
    }

    /// Whether `actual` meets the condition.
    pub fn holds(&self, actual: &Value) -> bool {
        match (self.op, actual.as_f64(), self.value.as_f64()) {
            (Cmp::Le, Some(a), Some(b)) => a <= b,
            (Cmp::Lt, Some(a), Some(b)) => a < b,
            (Cmp::Ge, Some(a), Some(b)) => a >= b,
            (Cmp::Gt, Some(a), Some(b)) => a > b,
            (Cmp::Eq, Some(a), Some(b)) => a == b,
            (Cmp::Eq, _, _) => actual == &self.value,
            (Cmp::In, Some(a), _) => {
                let bound = |i: usize| self.value[i].as_f64().unwrap_or(f64::NAN);
                bound(0) <= a && a <= bound(1)
            }
            _ => false,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.path, self.op.symbol(), self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ECHO: &str = r#"
[[step]]
name = "echo"
crate = "echo"
args = ["--node-count", "1", "-w", "echo", "--time-limit", "10"]
seed = 1
expect = "valid"
show = true
targets = { "net.servers.msgs-per-op" = "<= 2.0", "workload.stable-latencies.1" = "< 550" }
"#;

    #[test]
    fn reads_a_row() {
        let steps = parse(ECHO).unwrap();
        let step = &steps[0];
        assert_eq!(step.krate, "echo");
        assert!(step.show);
        assert!(step.timing_sensitive(), "a target bounds a stable latency");
        assert_eq!(step.workload(), "echo");
        assert_eq!(step.estimated_seconds(), 15.0);
        assert_eq!(
            step.learner_command(),
            "cargo maelstrom test -w echo --bin target/debug/echo --node-count 1 \
             --time-limit 10 --seed 1"
        );
        assert_eq!(
            step.chapter_command(),
            "cargo maelstrom test -w echo --bin target/debug/echo --node-count 1 \
             --time-limit 10"
        );
        let targets = step.parsed_targets().unwrap();
        assert_eq!(targets[0].path, "net.servers.msgs-per-op");
        assert_eq!(targets[0].op, Cmp::Le);
        assert_eq!(targets[1].op, Cmp::Lt);
    }

    #[test]
    fn rejects_bad_rows_with_the_reason() {
        let err = |text: &str| format!("{:#}", parse(text).unwrap_err());
        let row = |extra: &str| {
            format!("[[step]]\nname = \"a\"\ncrate = \"echo\"\nargs = []\nseed = 1\n{extra}\n")
        };
        assert!(err(&row("expect = \"invalid\"")).contains("give a `reason`"));
        assert!(err(&row("expect = \"valid\"\nreason = \"x\"")).contains("only makes sense"));
        assert!(err(&row("expect = \"maybe\"")).contains("unknown variant"));
        assert!(err(&row("expect = \"valid\"\nsho = true")).contains("unknown field"));
        assert!(
            err(&row("expect = \"valid\"\ntargets = { \"x\" = \"~ 3\" }"))
                .contains("should start with")
        );
        let twice = format!("{}{}", row("expect = \"valid\""), row("expect = \"valid\""));
        assert!(err(&twice).contains("two steps are named `a`"));
        let seeded = "[[step]]\nname = \"a\"\ncrate = \"echo\"\nargs = [\"--seed\", \"2\"]\n\
                      seed = 1\nexpect = \"valid\"\n";
        assert!(err(seeded).contains("set by the table itself"));
    }

    #[test]
    fn a_row_may_name_a_binary_of_its_package() {
        let text = "[[step]]\nname = \"proxy\"\ncrate = \"test-nodes\"\n\
                    bin = \"correct_echo\"\nargs = [\"-w\", \"echo\"]\nseed = 1\n\
                    expect = \"valid\"\n";
        let step = parse(text).unwrap().remove(0);
        assert_eq!(step.krate, "test-nodes");
        assert_eq!(step.binary(), "correct_echo");
        assert_eq!(
            step.learner_command(),
            "cargo maelstrom test -w echo --bin target/debug/correct_echo --seed 1"
        );
        // Without `bin`, the binary is the crate's.
        assert_eq!(parse(ECHO).unwrap()[0].binary(), "echo");
        let bad = text.replace("correct_echo", "../echo");
        let e = format!("{:#}", parse(&bad).unwrap_err());
        assert!(e.contains("bin `../echo` is not a binary's name"), "{e}");
    }

    #[test]
    fn only_latency_and_availability_targets_make_a_row_timing_sensitive() {
        let with = |targets: &str| {
            let text = format!(
                "[[step]]\nname = \"a\"\ncrate = \"b\"\nargs = []\nseed = 1\n\
                 expect = \"valid\"\ntargets = {{ {targets} }}\n"
            );
            parse(&text).unwrap().remove(0).timing_sensitive()
        };
        assert!(!with(""));
        assert!(!with("\"net.servers.msgs-per-op\" = \"<= 0.5\""));
        assert!(with("\"availability.ok-fraction\" = \">= 0.999\""));
        assert!(with("\"op-latencies.0.99\" = \"< 50\""));
    }

    #[test]
    fn compares_figures() {
        let t = |c: &str| Target::parse("p", c).unwrap();
        assert!(t("<= 2.0").holds(&json!(2.0)));
        assert!(!t("< 2").holds(&json!(2)));
        assert!(t(">= 0.99").holds(&json!(1)));
        assert!(!t("> 1").holds(&json!(1)));
        assert!(t("== true").holds(&json!(true)));
        assert!(!t("== true").holds(&json!("true")));
        assert!(t("== 3").holds(&json!(3.0)));
        // A figure that is not a number never meets a numeric bound.
        assert!(!t("<= 2").holds(&json!(null)));
        assert!(Target::parse("p", "< true").is_err());
        assert!(t("in 26.4..29.2").holds(&json!(27.8)));
        assert!(t("in 26.4..29.2").holds(&json!(26.4)));
        assert!(!t("in 26.4..29.2").holds(&json!(29.3)));
        assert!(!t("in 26.4..29.2").holds(&json!(null)));
        assert!(Target::parse("p", "in 5..2").is_err());
        assert!(Target::parse("p", "in 2").is_err());
    }
}
