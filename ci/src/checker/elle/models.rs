//! Consistency models and the anomalies they forbid.
//!
//! The relations below are the facts Elle 0.2.2 encodes in `elle:src/elle/consistency_model.clj`
//! (`models`, `direct-proscribed-anomalies`, `implied-anomalies`,
//! `canonical-model-names`), written out as tables. From them: the anomalies a list of
//! models forbids (`--consistency-models` decides what fails a run), and, given the
//! anomalies found, the weakest models ruled out (`not`) and the stronger ones that fall
//! with them (`also-not`).

use std::collections::{BTreeSet, HashSet, VecDeque};

/// Friendly names and the canonical (Adya-style) names Elle reasons with.
const CANONICAL: &[(&str, &str)] = &[
    ("consistent-view", "PL-2+"),
    ("conflict-serializable", "PL-3"),
    ("cursor-stability", "PL-CS"),
    ("forward-consistent-view", "PL-FCV"),
    ("monotonic-snapshot-read", "PL-MSR"),
    ("monotonic-view", "PL-2L"),
    ("read-committed", "PL-2"),
    ("read-uncommitted", "PL-1"),
    ("repeatable-read", "PL-2.99"),
    ("serializable", "PL-3"),
    ("snapshot-isolation", "PL-SI"),
    ("strict-serializable", "PL-SS"),
    ("strong-serializable", "PL-SS"),
    ("update-serializable", "PL-3U"),
    ("strong-session-read-uncommitted", "strong-session-PL-1"),
    ("strong-session-read-committed", "strong-session-PL-2"),
    ("strong-read-uncommitted", "strong-PL-1"),
    ("strong-read-committed", "strong-PL-2"),
];

/// `a` → models every history satisfying `a` also satisfies (before canonicalisation).
const IMPLIES: &[(&str, &[&str])] = &[
    ("causal-cerone", &["read-atomic"]),
    ("consistent-view", &["cursor-stability", "monotonic-view"]),
    ("conflict-serializable", &["view-serializable"]),
    ("cursor-stability", &["read-committed", "PL-2"]),
    ("forward-consistent-view", &["consistent-view"]),
    ("PL-2", &["PL-1"]),
    ("PL-3", &["repeatable-read", "update-serializable"]),
    ("update-serializable", &["forward-consistent-view"]),
    ("monotonic-atomic-view", &["read-committed"]),
    ("monotonic-view", &["PL-2"]),
    ("monotonic-snapshot-read", &["PL-2"]),
    (
        "parallel-snapshot-isolation",
        &["causal-cerone", "update-atomic"],
    ),
    ("prefix", &["causal-cerone"]),
    ("read-atomic", &["monotonic-atomic-view"]),
    ("read-committed", &["read-uncommitted"]),
    (
        "repeatable-read",
        &["cursor-stability", "monotonic-atomic-view"],
    ),
    ("update-atomic", &["read-atomic"]),
    (
        "serializable",
        &["repeatable-read", "snapshot-isolation", "view-serializable"],
    ),
    ("session-serializable", &["1SR"]),
    (
        "snapshot-isolation",
        &[
            "forward-consistent-view",
            "monotonic-atomic-view",
            "monotonic-snapshot-read",
            "parallel-snapshot-isolation",
            "prefix",
        ],
    ),
    (
        "strict-serializable",
        &[
            "PL-3",
            "serializable",
            "linearizable",
            "snapshot-isolation",
            "strong-snapshot-isolation",
            "strong-session-serializable",
        ],
    ),
    ("strong-session-PL-1", &["PL-1"]),
    ("strong-session-PL-2", &["PL-2", "strong-session-PL-1"]),
    ("strong-PL-1", &["strong-session-PL-1"]),
    ("strong-PL-2", &["strong-session-PL-2", "strong-PL-1"]),
    (
        "strong-session-serializable",
        &["serializable", "strong-session-snapshot-isolation"],
    ),
    (
        "strong-session-snapshot-isolation",
        &["snapshot-isolation", "strong-session-PL-2"],
    ),
    ("strong-serializable", &["session-serializable"]),
    (
        "strong-snapshot-isolation",
        &["strong-session-snapshot-isolation", "strong-PL-2"],
    ),
    ("linearizable", &["sequential"]),
    ("sequential", &["causal"]),
    ("causal", &["writes-follow-reads", "PRAM"]),
    (
        "PRAM",
        &["monotonic-reads", "monotonic-writes", "read-your-writes"],
    ),
];

/// Model → anomalies it forbids directly (stronger models inherit them).
const FORBIDS: &[(&str, &[&str])] = &[
    ("causal-cerone", &["internal", "G1a"]),
    ("cursor-stability", &["G1", "G-cursor", "lost-update"]),
    ("monotonic-view", &["G1", "G-monotonic"]),
    ("monotonic-snapshot-read", &["G1", "G-MSR"]),
    ("consistent-view", &["G1", "G-single"]),
    ("forward-consistent-view", &["G1", "G-SIb"]),
    ("parallel-snapshot-isolation", &["internal", "G1a"]),
    (
        "PL-3",
        &["G1", "G2", "predicate-read-miss", "PL-3-cycle-exists"],
    ),
    ("PL-2", &["G1", "PL-2-cycle-exists"]),
    (
        "PL-1",
        &[
            "G0",
            "duplicate-elements",
            "cyclic-versions",
            "PL-1-cycle-exists",
        ],
    ),
    ("prefix", &["internal", "G1a"]),
    ("serializable", &["internal"]),
    (
        "snapshot-isolation",
        &[
            "internal",
            "G1",
            "G-SI",
            "G-nonadjacent",
            "PL-SI-cycle-exists",
        ],
    ),
    ("read-atomic", &["internal", "G1a", "future-read"]),
    (
        "repeatable-read",
        &["G1", "G2-item", "PL-2.99-cycle-exists", "lost-update"],
    ),
    ("update-atomic", &["lost-update"]),
    (
        "strict-serializable",
        &["G1", "G1c-realtime", "G2-realtime", "PL-SS-cycle-exists"],
    ),
    (
        "strong-session-PL-1",
        &["strong-session-PL-1-cycle-exists", "G0-process"],
    ),
    (
        "strong-session-PL-2",
        &["strong-session-PL-2-cycle-exists", "G1c-process"],
    ),
    ("strong-PL-1", &["strong-PL-1-cycle-exists", "G0-realtime"]),
    ("strong-PL-2", &["strong-PL-2-cycle-exists", "G1c-realtime"]),
    (
        "strong-session-snapshot-isolation",
        &[
            "internal",
            "G1-process",
            "G-nonadjacent-process",
            "strong-session-snapshot-isolation-cycle-exists",
        ],
    ),
    (
        "strong-snapshot-isolation",
        &[
            "internal",
            "G1-realtime",
            "G-nonadjacent-realtime",
            "strong-snapshot-isolation-cycle-exists",
        ],
    ),
    (
        "strong-session-serializable",
        &[
            "G1-process",
            "G2-process",
            "strong-session-serializable-cycle-exists",
        ],
    ),
    ("update-serializable", &["G1", "G-update"]),
];

/// Anomaly → anomalies its presence implies.
const ANOMALY_IMPLIES: &[(&str, &[&str])] = &[
    ("G0", &["G1c", "G0-process"]),
    ("G0-process", &["G1c-process", "G0-realtime"]),
    ("G0-realtime", &["G1c-realtime"]),
    ("G1a", &["G1"]),
    ("G1b", &["G1"]),
    ("G1c", &["G1", "G1c-process"]),
    ("G1c-process", &["G1c-realtime", "G1-process"]),
    ("G1c-realtime", &["G1-realtime"]),
    ("G1", &["G1-process"]),
    ("G1-process", &["G1-realtime"]),
    (
        "G-single-item",
        &["G-single", "G-single-item-process", "G-nonadjacent-item"],
    ),
    (
        "G-single-item-process",
        &[
            "G-single-process",
            "G-single-item-realtime",
            "G-nonadjacent-item-process",
        ],
    ),
    (
        "G-single-item-realtime",
        &["G-single-realtime", "G-nonadjacent-item-realtime"],
    ),
    ("G-single", &["G-nonadjacent", "GSIb", "G-single-process"]),
    (
        "G-single-process",
        &["G-nonadjacent-process", "G-single-realtime"],
    ),
    ("G-single-realtime", &["G-nonadjacent-realtime"]),
    (
        "G-nonadjacent-item",
        &["G-nonadjacent", "G2-item", "G-nonadjacent-item-process"],
    ),
    (
        "G-nonadjacent-item-process",
        &[
            "G-nonadjacent-process",
            "G2-item-process",
            "G-nonadjacent-item-realtime",
        ],
    ),
    (
        "G-nonadjacent-item-realtime",
        &["G2-item-realtime", "G-nonadjacent-realtime"],
    ),
    ("G-nonadjacent", &["G2", "G-nonadjacent-process"]),
    (
        "G-nonadjacent-process",
        &["G2-process", "G-nonadjacent-realtime"],
    ),
    ("G-nonadjacent-realtime", &["G2-realtime"]),
    ("G2", &["G2-process"]),
    ("G2-item", &["G2", "G2-item-process"]),
    ("G2-item-process", &["G2-process", "G2-item-realtime"]),
    ("G2-item-realtime", &["G2-realtime"]),
    ("G2-process", &["G2-realtime"]),
    ("GSIa", &["GSI"]),
    ("GSIb", &["GSI"]),
    ("incompatible-order", &["G1a"]),
    ("future-read", &["G1c"]),
    ("dirty-update", &["G1a"]),
    ("lost-update", &["write-skew", "G2-item"]),
    ("write-skew", &["G2"]),
];

pub fn canonical(model: &str) -> &str {
    CANONICAL
        .iter()
        .find(|(friendly, _)| *friendly == model)
        .map_or(model, |(_, c)| c)
}

/// The name results use: `serializable` for PL-3, `strict-serializable` for PL-SS.
pub fn friendly(model: &str) -> &str {
    match model {
        "PL-3" => "serializable",
        "PL-SS" => "strict-serializable",
        _ => CANONICAL
            .iter()
            .find(|(_, c)| *c == model)
            .map_or(model, |(friendly, _)| friendly),
    }
}

/// Pairs (a, b) of the model graph, canonicalised: a implies b.
fn model_edges() -> impl Iterator<Item = (&'static str, &'static str)> {
    IMPLIES
        .iter()
        .flat_map(|(a, bs)| bs.iter().map(move |b| (canonical(a), canonical(b))))
}

/// Every model name Elle knows, friendly or canonical.
fn all_models() -> BTreeSet<&'static str> {
    let mut all: BTreeSet<&str> = model_edges().flat_map(|(a, b)| [a, b]).collect();
    all.extend(CANONICAL.iter().flat_map(|(f, c)| [*f, *c]));
    all
}

/// Parses `--consistency-models` the way Maelstrom does (`opt-spec` in
/// `src/maelstrom/core.clj`: `(str/split s #"\s+,\s+")`, so in practice one model),
/// and rejects unknown names as Elle does when the checker runs (`validate-models` in
/// `elle:src/elle/consistency_model.clj`).
pub fn parse(arg: &str) -> Result<Vec<&'static str>, String> {
    let known = all_models();
    split_spaced_commas(arg)
        .into_iter()
        .map(|name| {
            known.get(name).copied().ok_or_else(|| {
                let list: Vec<&str> = known.iter().map(|m| friendly(m)).collect();
                let list: BTreeSet<&str> = list.into_iter().collect();
                format!(
                    "unknown consistency model `{name}`; known models are: {}",
                    list.into_iter().collect::<Vec<_>>().join(", ")
                )
            })
        })
        .collect()
}

/// Java's `Pattern.split` with `\s+,\s+` (what Clojure's `str/split` calls): pieces
/// between commas that have whitespace on both sides, whitespace and all; trailing
/// empty pieces dropped.
fn split_spaced_commas(s: &str) -> Vec<&str> {
    // Java's `\s`.
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r');
    let bytes = s.as_bytes();
    let mut pieces = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        if !space(bytes[i]) {
            i += 1;
            continue;
        }
        // A run of whitespace: a match begins here if a comma and more whitespace
        // follow it.
        let mut j = i;
        while j < bytes.len() && space(bytes[j]) {
            j += 1;
        }
        if j + 1 < bytes.len() && bytes[j] == b',' && space(bytes[j + 1]) {
            let mut end = j + 1;
            while end < bytes.len() && space(bytes[end]) {
                end += 1;
            }
            pieces.push(&s[start..i]);
            start = end;
            i = end;
        } else {
            i = j;
        }
    }
    if pieces.is_empty() {
        return vec![s];
    }
    pieces.push(&s[start..]);
    while pieces.last().is_some_and(|p| p.is_empty()) {
        pieces.pop();
    }
    pieces
}

/// Breadth-first closure of `start` under `next`.
fn closure<'a>(
    start: impl IntoIterator<Item = &'a str>,
    next: impl Fn(&str) -> Vec<&'a str>,
) -> HashSet<&'a str> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut queue: VecDeque<&str> = start.into_iter().collect();
    while let Some(x) = queue.pop_front() {
        if seen.insert(x) {
            queue.extend(next(x));
        }
    }
    seen
}

fn stronger(model: &str) -> Vec<&'static str> {
    model_edges()
        .filter(|(_, b)| *b == model)
        .map(|(a, _)| a)
        .collect()
}

fn weaker(model: &str) -> Vec<&'static str> {
    model_edges()
        .filter(|(a, _)| *a == model)
        .map(|(_, b)| b)
        .collect()
}

fn forbids(model: &str) -> Vec<&'static str> {
    FORBIDS
        .iter()
        .filter(|(m, _)| canonical(m) == model)
        .flat_map(|(_, anomalies)| anomalies.iter().copied())
        .collect()
}

fn forbidden_by(anomaly: &str) -> Vec<&'static str> {
    FORBIDS
        .iter()
        .filter(|(_, anomalies)| anomalies.contains(&anomaly))
        .map(|(m, _)| canonical(m))
        .collect()
}

fn implied_by(anomaly: &str) -> Vec<&'static str> {
    ANOMALY_IMPLIES
        .iter()
        .filter(|(a, _)| *a == anomaly)
        .flat_map(|(_, bs)| bs.iter().copied())
        .collect()
}

fn implying(anomaly: &str) -> Vec<&'static str> {
    ANOMALY_IMPLIES
        .iter()
        .filter(|(_, bs)| bs.contains(&anomaly))
        .map(|(a, _)| *a)
        .collect()
}

/// Anomalies whose presence implies one of these (themselves included).
pub fn implied_anomalies<'a>(anomalies: impl IntoIterator<Item = &'a str>) -> HashSet<&'a str> {
    closure(anomalies, |a| -> Vec<&'a str> { implied_by(a) })
}

/// Every anomaly that must be absent for all `models` to hold (Elle's
/// `anomalies-prohibited-by`).
pub fn prohibited(models: &[&'static str]) -> HashSet<&'static str> {
    let implied = closure(models.iter().map(|m| canonical(m)), weaker);
    closure(implied.into_iter().flat_map(forbids), implying)
}

/// The models these anomalies rule out, and every model stronger than those.
fn impossible_models<'a>(anomalies: impl IntoIterator<Item = &'a str>) -> HashSet<&'static str> {
    let direct: Vec<&'static str> = implied_anomalies(anomalies)
        .into_iter()
        .flat_map(forbidden_by)
        .collect();
    closure(direct, stronger)
}

/// Models in `ms` that imply no other model in `ms`: the weakest ones.
fn weakest(ms: &HashSet<&'static str>) -> BTreeSet<&'static str> {
    ms.iter()
        .copied()
        .filter(|m| {
            let below = closure([*m], weaker);
            !ms.iter().any(|other| other != m && below.contains(other))
        })
        .collect()
}

/// Elle's `friendly-boundary`: the weakest models ruled out, and the other ruled-out ones.
pub fn boundary<'a>(
    anomalies: impl IntoIterator<Item = &'a str>,
) -> (BTreeSet<&'static str>, BTreeSet<&'static str>) {
    let impossible = impossible_models(anomalies);
    let not = weakest(&impossible);
    let also_not = impossible
        .iter()
        .filter(|m| !not.contains(*m))
        .map(|m| friendly(m))
        .collect();
    (not.into_iter().map(friendly).collect(), also_not)
}

/// The model and every model stronger than it (canonical names).
pub fn stronger_or_equal(model: &str) -> HashSet<&'static str> {
    let start: Vec<&'static str> = all_models()
        .into_iter()
        .filter(|m| *m == canonical(model))
        .collect();
    closure(start, stronger)
}

/// Whether a model is ruled out once `anomalies` are known to be present.
pub fn is_ruled_out<'a>(model: &str, anomalies: impl IntoIterator<Item = &'a str>) -> bool {
    impossible_models(anomalies).contains(canonical(model))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(set: HashSet<&str>) -> Vec<&str> {
        let mut v: Vec<&str> = set.into_iter().collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn read_uncommitted_forbids_only_write_cycles() {
        let p = prohibited(&parse("read-uncommitted").unwrap());
        assert_eq!(
            sorted(p),
            [
                "G0",
                "PL-1-cycle-exists",
                "cyclic-versions",
                "duplicate-elements"
            ]
        );
    }

    #[test]
    fn read_committed_adds_g1_but_not_internal() {
        let p = prohibited(&parse("read-committed").unwrap());
        for a in [
            "G0",
            "G1a",
            "G1b",
            "G1c",
            "G1",
            "PL-2-cycle-exists",
            "cyclic-versions",
        ] {
            assert!(p.contains(a), "{a}");
        }
        for a in [
            "internal",
            "lost-update",
            "G-single-item",
            "G2-item",
            "G1c-realtime",
        ] {
            assert!(!p.contains(a), "{a}");
        }
        assert!(p.contains("future-read") && p.contains("dirty-update"));
    }

    #[test]
    fn serializable_and_strict_serializable() {
        let s = prohibited(&parse("serializable").unwrap());
        for a in [
            "internal",
            "lost-update",
            "G-single-item",
            "G-nonadjacent-item",
            "G2-item",
        ] {
            assert!(s.contains(a), "{a}");
        }
        assert!(!s.contains("G1c-realtime") && !s.contains("G0-process"));
        let ss = prohibited(&parse("strict-serializable").unwrap());
        for a in [
            "G0-realtime",
            "G1c-process",
            "G-single-item-realtime",
            "G2-item-realtime",
        ] {
            assert!(ss.contains(a), "{a}");
        }
        assert!(s.is_subset(&ss));
    }

    #[test]
    fn repeatable_read_and_snapshot_isolation_differ_on_g2_item() {
        let rr = prohibited(&parse("repeatable-read").unwrap());
        let si = prohibited(&parse("snapshot-isolation").unwrap());
        assert!(rr.contains("G2-item") && rr.contains("lost-update") && !rr.contains("internal"));
        assert!(!si.contains("G2-item") && si.contains("G-single-item"));
        assert!(si.contains("G-nonadjacent-item") && si.contains("internal"));
    }

    #[test]
    fn maelstrom_splits_only_on_spaced_commas() {
        assert_eq!(parse("read-committed").unwrap(), ["read-committed"]);
        assert_eq!(
            parse("read-committed , serializable").unwrap(),
            ["read-committed", "serializable"]
        );
        let err = parse("read-committed,serializable").unwrap_err();
        assert!(err.contains("unknown consistency model"), "{err}");
        assert!(parse("read-committed, serializable").is_err());
        assert!(parse("PL-2").is_ok());
        // Any whitespace, any amount, on both sides; nothing else is trimmed.
        assert_eq!(
            parse("read-committed \t,\n  serializable").unwrap(),
            ["read-committed", "serializable"]
        );
        assert_eq!(split_spaced_commas("a , b , "), ["a", "b"]);
        assert_eq!(split_spaced_commas(" , a"), ["", "a"]);
        assert_eq!(split_spaced_commas("a , , b"), ["a", ", b"]);
        assert!(parse(" serializable").is_err());
    }

    #[test]
    fn boundaries_name_the_weakest_ruled_out_models() {
        let (not, also_not) = boundary(["G0"]);
        assert_eq!(not.into_iter().collect::<Vec<_>>(), ["read-uncommitted"]);
        assert!(also_not.contains("read-committed") && also_not.contains("strict-serializable"));
        let (not, _) = boundary(["G1c"]);
        assert_eq!(not.into_iter().collect::<Vec<_>>(), ["read-committed"]);
        let (not, _) = boundary(["G2-item"]);
        assert_eq!(not.into_iter().collect::<Vec<_>>(), ["repeatable-read"]);
        assert!(is_ruled_out("serializable", ["G-single-item"]));
        assert!(!is_ruled_out("read-committed", ["G-single-item"]));
    }
}
