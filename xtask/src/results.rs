//! What a run left behind: its `results.json` (or a real Maelstrom's `results.edn`), its
//! summary, and the judgement of a row against them.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::steps::{Expect, Step, Target};

/// Looks up a dotted path such as `workload.stable-latencies.0.5` or
/// `net.servers.msgs-per-op`. Keys may themselves contain dots (`0.5`), so at each level
/// the longest run of segments that names a key wins; arrays take a numeric index.
pub fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let segments: Vec<&str> = path.split('.').collect();
    lookup_segments(value, &segments)
}

fn lookup_segments<'a>(value: &'a Value, segments: &[&str]) -> Option<&'a Value> {
    if segments.is_empty() {
        return Some(value);
    }
    match value {
        Value::Object(map) => (1..=segments.len()).rev().find_map(|n| {
            let key = segments[..n].join(".");
            map.get(&key)
                .and_then(|inner| lookup_segments(inner, &segments[n..]))
        }),
        Value::Array(items) => {
            let index: usize = segments[0].parse().ok()?;
            lookup_segments(items.get(index)?, &segments[1..])
        }
        _ => None,
    }
}

/// The run directory a runner wrote under `store`: `store/latest` when it exists,
/// otherwise the most recently modified directory holding a results file.
pub fn run_dir(store: &Path) -> Option<PathBuf> {
    let latest = store.join("latest");
    if latest.is_dir() {
        return Some(latest);
    }
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
    let mut stack = vec![store.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.file_name().and_then(|n| n.to_str()),
                Some("results.json" | "results.edn")
            ) {
                let modified = entry.metadata().and_then(|m| m.modified()).ok();
                found.push((modified.unwrap_or(std::time::UNIX_EPOCH), dir.clone()));
            }
        }
    }
    found.into_iter().max().map(|(_, dir)| dir)
}

/// Reads `results.json`, or a real Maelstrom's `results.edn` converted to the same shape.
pub fn read_results(run_dir: &Path) -> Result<Value> {
    let json = run_dir.join("results.json");
    if json.is_file() {
        let text = std::fs::read_to_string(&json)
            .with_context(|| format!("reading {}", json.display()))?;
        return serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", json.display()));
    }
    let edn = run_dir.join("results.edn");
    let text = std::fs::read_to_string(&edn).with_context(|| {
        format!(
            "{} has neither results.json nor results.edn",
            run_dir.display()
        )
    })?;
    super::edn::parse(&text).with_context(|| format!("reading {}", edn.display()))
}

/// The figures the final table shows for a run, and a comparison table's row records
/// (a figure the run did not have is left out of the file: TOML has no null).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub ops: Option<f64>,
    pub msgs_per_op: Option<f64>,
    pub availability: Option<f64>,
    pub latency_median: Option<f64>,
    pub latency_max: Option<f64>,
    /// Client operation latencies (our `op-latencies`), for workloads without
    /// stable latencies.
    pub op_latency_median: Option<f64>,
    pub op_latency_99: Option<f64>,
}

impl Figures {
    pub fn from_results(results: &Value) -> Figures {
        let number = |path: &str| lookup(results, path).and_then(Value::as_f64);
        Figures {
            ops: number("stats.count"),
            msgs_per_op: number("net.servers.msgs-per-op"),
            availability: number("availability.ok-fraction"),
            latency_median: number("workload.stable-latencies.0.5"),
            latency_max: number("workload.stable-latencies.1"),
            op_latency_median: number("op-latencies.0.5"),
            op_latency_99: number("op-latencies.0.99"),
        }
    }
}

/// What a finished run looked like from outside.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `None` when the runner was killed (by a signal or the table's time limit).
    pub exit_code: Option<i32>,
    /// The runner's summary (`summary.txt`), or its console output when it wrote none.
    pub summary: String,
    pub results: Option<Value>,
}

/// Every way the outcome falls short of the row; empty when the row passes.
pub fn judge(step: &Step, outcome: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    let wanted = step.expect.exit_code();
    match outcome.exit_code {
        Some(code) if code == wanted => {}
        Some(code) => problems.push(format!(
            "expected {} but the runner exited with {code}",
            step.expect
        )),
        None => problems.push(format!(
            "expected {} but the runner was killed",
            step.expect
        )),
    }
    if let Some(reason) = &step.reason
        && !outcome.summary.contains(reason.as_str())
    {
        problems.push(format!("the summary does not mention `{reason}`"));
    }
    // An exit status alone proves nothing (a program that does nothing exits 0): a run
    // that completed must have written results that agree with it.
    let wanted_valid = match step.expect {
        Expect::Valid => Some(Value::Bool(true)),
        Expect::Invalid => Some(Value::Bool(false)),
        Expect::Unknown => Some(Value::String("unknown".into())),
        Expect::Error => None,
    };
    match (&outcome.results, wanted_valid) {
        (None, Some(_)) => problems.push("the runner wrote no results file".into()),
        (Some(results), Some(wanted)) => match results.get("valid?") {
            Some(valid) if *valid == wanted => {}
            Some(valid) => problems.push(format!("results say valid? {valid}, not {wanted}")),
            None => problems.push("the results have no `valid?`".into()),
        },
        (_, None) => {}
    }
    let targets = match step.parsed_targets() {
        Ok(targets) => targets,
        Err(e) => {
            problems.push(format!("{e:#}"));
            Vec::new()
        }
    };
    if !targets.is_empty() {
        match &outcome.results {
            // Already reported above, unless a crash was expected.
            None if step.expect == Expect::Error => {
                problems.push("no results file to check the targets against".into())
            }
            None => {}
            Some(results) => problems.extend(missed_targets(&targets, results)),
        }
    }
    problems
}

fn missed_targets(targets: &[Target], results: &Value) -> Vec<String> {
    targets
        .iter()
        .filter_map(|target| match lookup(results, &target.path) {
            None => Some(format!(
                "target {target}: results have no `{}`",
                target.path
            )),
            Some(actual) if !target.holds(actual) => {
                Some(format!("target {target} missed: it is {actual}"))
            }
            Some(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps;
    use serde_json::json;

    fn results() -> Value {
        json!({
            "valid?": true,
            "stats": {"count": 100},
            "availability": {"ok-fraction": 1.0},
            "net": {"servers": {"msgs-per-op": 12.5}},
            "workload": {"stable-latencies": {"0": 0, "0.5": 320, "0.95": 500, "1": 580}},
            "list": [10, 20],
        })
    }

    #[test]
    fn looks_up_keys_with_dots() {
        let r = results();
        assert_eq!(
            lookup(&r, "workload.stable-latencies.0.5"),
            Some(&json!(320))
        );
        assert_eq!(lookup(&r, "workload.stable-latencies.1"), Some(&json!(580)));
        assert_eq!(lookup(&r, "valid?"), Some(&json!(true)));
        assert_eq!(lookup(&r, "list.1"), Some(&json!(20)));
        assert_eq!(lookup(&r, "net.clients.msgs-per-op"), None);
        let f = Figures::from_results(&r);
        assert_eq!(f.latency_median, Some(320.0));
        assert_eq!(f.msgs_per_op, Some(12.5));
    }

    fn step(extra: &str) -> Step {
        let text = format!(
            "[[step]]\nname = \"a\"\ncrate = \"b\"\nargs = [\"-w\", \"broadcast\"]\n\
             seed = 1\n{extra}\n"
        );
        steps::parse(&text).unwrap().remove(0)
    }

    fn outcome(code: Option<i32>, summary: &str) -> Outcome {
        Outcome {
            exit_code: code,
            summary: summary.into(),
            results: Some(results()),
        }
    }

    #[test]
    fn passes_a_row_that_meets_everything() {
        let s = step(
            "expect = \"valid\"\ntargets = { \"net.servers.msgs-per-op\" = \"< 20\", \
             \"workload.stable-latencies.1\" = \"<= 600\" }",
        );
        assert!(judge(&s, &outcome(Some(0), "")).is_empty());
    }

    #[test]
    fn fails_a_row_for_each_shortfall() {
        let s = step("expect = \"valid\"\ntargets = { \"net.servers.msgs-per-op\" = \"< 10\" }");
        let problems = judge(&s, &outcome(Some(1), ""));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("exited with 1"));
        assert!(problems[1].contains("missed: it is 12.5"));

        let s = step("expect = \"valid\"\ntargets = { \"net.nowhere\" = \"< 10\" }");
        assert!(judge(&s, &outcome(Some(0), ""))[0].contains("have no `net.nowhere`"));

        let s = step("expect = \"valid\"\ntargets = { \"net.nowhere\" = \"< 10\" }");
        let mut o = outcome(Some(0), "");
        o.results = None;
        assert_eq!(judge(&s, &o), ["the runner wrote no results file"]);

        // Exit 0 with results that say otherwise is no pass.
        let s = step("expect = \"valid\"");
        let mut o = outcome(Some(0), "");
        o.results = Some(json!({"valid?": false}));
        assert_eq!(judge(&s, &o), ["results say valid? false, not true"]);

        let s = step("expect = \"valid\"");
        assert!(judge(&s, &outcome(None, ""))[0].contains("killed"));
    }

    #[test]
    fn an_invalid_row_needs_its_reason_in_the_summary() {
        let s = step("expect = \"invalid\"\nreason = \"lost 3 values\"");
        let outcome = |code, summary| {
            let mut o = outcome(code, summary);
            o.results = Some(json!({"valid?": false}));
            o
        };
        assert!(judge(&s, &outcome(Some(1), "Analysis invalid: lost 3 values")).is_empty());
        let problems = judge(&s, &outcome(Some(1), "Analysis invalid: duplicate ids"));
        assert_eq!(problems, ["the summary does not mention `lost 3 values`"]);
        // Invalid for a different reason is not what the row expects, nor is a pass.
        assert!(!judge(&s, &outcome(Some(0), "lost 3 values")).is_empty());
    }

    #[test]
    fn finds_the_latest_run() {
        let s = crate::project::tests::Scratch::new("rundir");
        s.write("store/echo/20240101T000000.000/results.json", "{}");
        let dir = run_dir(&s.root().join("store")).unwrap();
        assert!(dir.ends_with("20240101T000000.000"));
        assert!(run_dir(&s.root().join("nowhere")).is_none());
    }
}
