//! The runner's modules depend on each other in one direction only, the way its data
//! flows: processes and network → workloads → history → checkers → report. A module
//! that imported one that imports it back would tie the two into one.
//!
//! Reads every file under `ci/src` (the program's `bin/` and `lib.rs` aside), collects
//! the top-level modules each one names through `crate::`, and looks for a cycle in that
//! graph.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Files that are not part of the runner's module tree: the program, which uses the
/// library, and the file that declares the modules.
const LEFT_OUT: [&str; 2] = ["bin", "lib.rs"];

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its `//` comments (doc comments included), so prose that
/// mentions a module is no dependency.
fn code(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first segment of each path that follows `crate::`, braces included:
/// `crate::{a::b, c}` names `a` and `c`.
fn named_modules(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let before = code[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.insert(first_segment(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            out.insert(first_segment(&item));
        } else {
            out.insert(first_segment(rest));
        }
    }
    out.remove("");
    out
}

fn first_segment(path: &str) -> String {
    path.trim()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Top-level module → the other top-level modules its files name.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        if LEFT_OUT.contains(&top.as_ref()) {
            continue;
        }
        let module = top.trim_end_matches(".rs").to_string();
        let text = fs::read_to_string(&file).unwrap();
        let named = named_modules(&code(&text));
        let edges = graph.entry(module.clone()).or_default();
        edges.extend(named.into_iter().filter(|m| *m != module));
    }
    // Only edges between the runner's modules, not to items lib.rs itself declares.
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for edges in graph.values_mut() {
        edges.retain(|m| modules.contains(m));
    }
    graph
}

/// A cycle of the graph, as the modules along it (the first repeated at the end).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        module: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(module) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = path.iter().position(|m| m == module).unwrap();
                let mut cycle = path[start..].to_vec();
                cycle.push(module.to_string());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(module.to_string(), Mark::Open);
        path.push(module.to_string());
        for next in graph.get(module).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, marks, path) {
                return Some(cycle);
            }
        }
        path.pop();
        marks.insert(module.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    graph
        .keys()
        .find_map(|module| visit(module, graph, &mut marks, &mut Vec::new()))
}

#[test]
fn the_runners_modules_form_no_cycle() {
    let graph = module_graph();
    assert!(graph.len() > 10, "too few modules found: {graph:?}");
    if let Some(cycle) = find_cycle(&graph) {
        let listing: Vec<String> = graph
            .iter()
            .map(|(m, edges)| format!("  {m} → {}", Vec::from_iter(edges.clone()).join(", ")))
            .collect();
        panic!(
            "the runner's modules import each other in a cycle: {}\nAll imports:\n{}",
            cycle.join(" → "),
            listing.join("\n")
        );
    }
}

#[test]
fn module_names_are_read_from_paths_and_groups() {
    let named = named_modules(&code(
        "use crate::{a::{b, c}, d};\nlet x = crate::e::f();\n// crate::g\nuse notcrate::h;",
    ));
    assert_eq!(Vec::from_iter(named), ["a", "d", "e"]);
    let graph = BTreeMap::from([
        ("x".to_string(), BTreeSet::from(["y".to_string()])),
        ("y".to_string(), BTreeSet::from(["z".to_string()])),
        ("z".to_string(), BTreeSet::from(["x".to_string()])),
    ]);
    assert_eq!(find_cycle(&graph).unwrap(), ["x", "y", "z", "x"]);
    let line = BTreeMap::from([("x".to_string(), BTreeSet::from(["y".to_string()]))]);
    assert_eq!(find_cycle(&line), None);
}
