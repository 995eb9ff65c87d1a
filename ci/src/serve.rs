//! `cargo maelstrom serve`: the store as a small web site on this machine only.
//!
//! `/` lists the runs, newest first, with their verdict and key figures; `/run/<workload>/
//! <time>/` shows one run (its summary, pictures and files); `/store/<path>` is any file of
//! the store. The server listens on 127.0.0.1, never on other interfaces: the store holds
//! node logs and nothing in it is meant for the network.

use std::fmt::Write as _;
use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result};

use crate::checker::Validity;
use crate::cli::{self, ServeOpts};
use crate::report::Results;
use crate::store;
use crate::viz::{Picture, escape};

/// Serves until interrupted.
pub fn run(opts: &ServeOpts) -> Result<()> {
    check_store(&opts.store)?;
    let server = tiny_http::Server::http(("127.0.0.1", opts.port))
        .map_err(|e| anyhow::anyhow!("cannot listen on 127.0.0.1:{}: {e}", opts.port))?;
    println!(
        "Serving {} at http://127.0.0.1:{}/ (Ctrl-C stops)",
        opts.store.display(),
        opts.port
    );
    serve(&server, &opts.store);
    Ok(())
}

/// Answers requests until the server is unblocked.
pub fn serve(server: &tiny_http::Server, store: &Path) {
    for request in server.incoming_requests() {
        let page = respond(store, request.url());
        let header =
            tiny_http::Header::from_bytes(&b"Content-Type"[..], page.content_type.as_bytes());
        let mut response = tiny_http::Response::from_data(page.body).with_status_code(page.status);
        if let Ok(header) = header {
            response = response.with_header(header);
        }
        // A browser that went away is no reason to stop serving the others.
        let _ = request.respond(response);
    }
}

/// An answer to a request.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Page {
    fn html(title: &str, content: &str) -> Page {
        Page {
            status: 200,
            content_type: "text/html; charset=utf-8".into(),
            body: format!(
                "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{}</title>\
                 <style>{STYLE}</style></head><body>\n{content}</body></html>\n",
                escape(title)
            )
            .into_bytes(),
        }
    }

    fn not_found(what: &str) -> Page {
        let mut page = Page::html(
            "Not found",
            &format!("<h1>Not found</h1><p>{}</p>", escape(what)),
        );
        page.status = 404;
        page
    }
}

/// The page for a URL.
pub fn respond(store: &Path, url: &str) -> Page {
    let path = url.split(['?', '#']).next().unwrap_or("");
    if path == "/" {
        return index(store);
    }
    if let Some(rel) = path.strip_prefix("/run/") {
        return match inside(store, rel.trim_end_matches('/')) {
            Some(dir) if dir.is_dir() => run_page(store, &dir),
            _ => Page::not_found(path),
        };
    }
    if let Some(rel) = path.strip_prefix("/store/") {
        return match inside(store, rel) {
            Some(file) if file.is_file() => match fs::read(&file) {
                Ok(body) => Page {
                    status: 200,
                    content_type: content_type(&file).into(),
                    body,
                },
                Err(_) => Page::not_found(path),
            },
            _ => Page::not_found(path),
        };
    }
    Page::not_found(path)
}

/// `store/<rel>` if `rel` is a plain relative path (no `..`, no escapes) that stays inside
/// the store even after following symlinks such as `latest`.
fn inside(store: &Path, rel: &str) -> Option<PathBuf> {
    if rel.contains(['%', '\\']) {
        return None;
    }
    let rel = Path::new(rel);
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    let root = fs::canonicalize(store).ok()?;
    let path = fs::canonicalize(store.join(rel)).ok()?;
    path.starts_with(&root).then_some(path)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("html") => "text/html; charset=utf-8",
        Some("json") => "application/json; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    }
}

/// A run directory found in the store.
struct RunDir {
    workload: String,
    time: String,
    path: PathBuf,
    results: Option<Results>,
}

impl RunDir {
    fn link(&self) -> String {
        format!("{}/{}", self.workload, self.time)
    }
}

/// Every `store/<workload>/<time>/` directory, newest first. Symlinks (`latest`) and other
/// directories without run files are skipped.
fn runs(store: &Path) -> Vec<RunDir> {
    let mut out = Vec::new();
    for workload in dirs(store) {
        for run in dirs(&workload) {
            let is_run = [store::RESULTS, store::HISTORY, store::JOURNAL]
                .iter()
                .any(|f| run.join(f).exists());
            if !is_run {
                continue;
            }
            out.push(RunDir {
                workload: file_name(&workload),
                time: file_name(&run),
                results: Results::read(&run),
                path: run,
            });
        }
    }
    out.sort_by(|a, b| b.time.cmp(&a.time).then(a.workload.cmp(&b.workload)));
    out
}

/// The real (not symlinked) subdirectories of `dir`, sorted.
fn dirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn index(store: &Path) -> Page {
    let runs = runs(store);
    let mut html = format!(
        "<h1>Runs</h1><p class=\"muted\">{} runs in <code>{}</code>, newest first.</p>\n",
        runs.len(),
        escape(&store.display().to_string())
    );
    if runs.is_empty() {
        html.push_str("<p>No runs yet. Start one with <code>cargo maelstrom test ...</code>.</p>");
    } else {
        html.push_str(
            "<table><tr><th>when</th><th>workload</th><th>verdict</th><th>figures</th>\
             <th>options</th><th>files</th></tr>\n",
        );
        for run in &runs {
            let results = run.results.as_ref();
            let _ = writeln!(
                html,
                "<tr><td><a href=\"/run/{link}/\">{time}</a></td><td>{workload}</td>\
                 <td>{verdict}</td><td>{figures}</td><td class=\"opts\">{opts}</td>\
                 <td>{files}</td></tr>",
                link = escape(&run.link()),
                time = escape(&run.time),
                workload = escape(&run.workload),
                verdict = verdict(results),
                figures = escape(&figures(results).join(" · ")),
                opts = escape(&options(results)),
                files = file_links(run),
            );
        }
        html.push_str("</table>\n");
    }
    Page::html("Runs", &html)
}

/// A coloured `valid`, `invalid` or `unknown`.
fn verdict(results: Option<&Results>) -> String {
    let (class, word) = match results.map(|r| r.valid) {
        Some(Validity::Valid) => ("valid", "valid"),
        Some(Validity::Invalid) => ("invalid", "invalid"),
        Some(Validity::Unknown) => ("unknown", "unknown"),
        None => ("unknown", "no results"),
    };
    format!("<span class=\"{class}\">{word}</span>")
}

/// The numbers a learner compares between runs, when the results have them.
fn figures(results: Option<&Results>) -> Vec<String> {
    let Some(results) = results else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(n) = results.msgs_per_op() {
        out.push(format!("{n:.2} msgs/op"));
    }
    if let Some(q) = results.stable_latencies()
        && let (Some(m), Some(x)) = (q.get("0.5"), q.get("1"))
    {
        out.push(format!("stable latency median {m} ms, max {x} ms"));
    }
    if let Some(q) = &results.op_latencies
        && let (Some(m), Some(p)) = (q.get("0.5"), q.get("0.99"))
    {
        out.push(format!("op latency median {m} ms, p99 {p} ms"));
    }
    if let Some(f) = results.ok_fraction() {
        out.push(format!("{:.1}% ok", f * 100.0));
    }
    out.push(format!("seed {}", results.seed));
    out
}

/// The run's options as a command line.
fn options(results: Option<&Results>) -> String {
    results.map_or_else(String::new, |r| cli::command_line(&r.opts))
}

/// Links to the files a run directory holds, pictures first.
fn file_links(run: &RunDir) -> String {
    files(&run.path)
        .iter()
        .map(|f| {
            format!(
                "<a href=\"/store/{}/{}\">{}</a>",
                escape(&run.link()),
                escape(f),
                escape(f)
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The run's files relative to its directory (node logs included), pictures first.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for sub in ["", store::NODE_LOGS] {
        let Ok(entries) = fs::read_dir(dir.join(sub)) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                if sub.is_empty() {
                    name
                } else {
                    format!("{sub}/{name}")
                }
            })
            .collect();
        names.sort_by_key(|n| (!n.ends_with(".svg"), n.clone()));
        out.extend(names);
    }
    out
}

fn run_page(store: &Path, dir: &Path) -> Page {
    let root = fs::canonicalize(store).unwrap_or_else(|_| store.to_path_buf());
    let rel = dir
        .strip_prefix(&root)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let run = RunDir {
        workload: dir.parent().map(file_name).unwrap_or_default(),
        time: file_name(dir),
        path: dir.to_path_buf(),
        results: Results::read(dir),
    };
    let results = run.results.as_ref();
    let mut html = format!(
        "<p><a href=\"/\">← all runs</a></p><h1>{} {}</h1><p>{} {}</p>\n",
        escape(&run.workload),
        escape(&run.time),
        verdict(results),
        escape(&figures(results).join(" · "))
    );
    let opts = options(results);
    if !opts.is_empty() {
        let _ = writeln!(html, "<p class=\"opts\">{}</p>", escape(&opts));
    }
    let _ = writeln!(html, "<p>Files: {}</p>", file_links(&run));
    if let Ok(summary) = fs::read_to_string(dir.join(store::SUMMARY)) {
        let _ = writeln!(html, "<h2>Summary</h2><pre>{}</pre>", escape(&summary));
    }
    for (picture, caption) in [
        (Picture::Latency, "Latency"),
        (Picture::Rate, "Throughput"),
        (Picture::Propagation, "Propagation"),
        (
            Picture::Messages,
            "Messages (open it alone to hover arrows for whole messages)",
        ),
    ] {
        let file = picture.file_name();
        if dir.join(&file).exists() {
            let src = format!("/store/{}/{file}", escape(&rel));
            let _ = writeln!(
                html,
                "<h2>{caption}</h2><a href=\"{src}\"><img src=\"{src}\" alt=\"{file}\"></a>"
            );
        }
    }
    Page::html(&format!("{} {}", run.workload, run.time), &html)
}

const STYLE: &str = "
body { font-family: system-ui, sans-serif; margin: 2em; color: #212529; }
table { border-collapse: collapse; font-size: 14px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #dee2e6; vertical-align: top; }
th { background: #f8f9fa; }
a { color: #1c6fc2; }
.muted { color: #868e96; }
.valid { color: #2b8a3e; font-weight: bold; }
.invalid { color: #c92a2a; font-weight: bold; }
.unknown { color: #e67700; font-weight: bold; }
.opts { font-family: monospace; font-size: 12px; color: #495057; max-width: 30em; }
pre { background: #f8f9fa; padding: 1em; overflow-x: auto; }
img { max-width: 100%; border: 1px solid #dee2e6; }
";

/// Serving a store that does not exist would only show an empty page: say why instead.
fn check_store(store: &Path) -> Result<()> {
    fs::metadata(store)
        .with_context(|| format!("no store at {} (run a test first)", store.display()))
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use std::io::{Read, Write};

    /// Results as the report writes them.
    fn results(valid: Validity, seed: u64, args: &[&str], checks: Value) -> String {
        let opts = cli::run_options(args);
        let results = Results {
            valid,
            workload_name: opts.workload,
            seed,
            opts,
            op_latencies: None,
            error: None,
            checks: serde_json::from_value(checks).unwrap(),
        };
        serde_json::to_string(&results).unwrap()
    }

    /// A store with two runs (one valid, one invalid), a `latest` symlink and a secret
    /// file next to the store, all in a directory removed when the first value drops.
    fn store() -> (tempfile::TempDir, PathBuf) {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join("secret.txt"), "not for the web").unwrap();
        let store = root.path().join("store");
        let old = store.join("echo/20250101T100000.000");
        let new = store.join("broadcast/20250102T100000.000");
        fs::create_dir_all(old.join("node-logs")).unwrap();
        fs::create_dir_all(&new).unwrap();
        let args = "-w echo --node-count 1 --time-limit 10 --nemesis partition mode=fast";
        let args: Vec<&str> = args.split(' ').collect();
        let net = json!({"net": {"servers": {"msgs-per-op": 0.0}}});
        fs::write(
            old.join("results.json"),
            results(Validity::Valid, 7, &args, net),
        )
        .unwrap();
        fs::write(old.join("node-logs/n0.log"), "hello").unwrap();
        fs::write(old.join("latency.svg"), "<svg/>").unwrap();
        let stable = json!({"workload": {"stable-latencies": {"0.5": 10, "1": 90}}});
        fs::write(
            new.join("results.json"),
            results(Validity::Invalid, 8, &["-w", "broadcast"], stable),
        )
        .unwrap();
        fs::write(new.join("summary.txt"), "lost <3> messages").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&new, store.join("latest")).unwrap();
        (root, store)
    }

    fn text(page: &Page) -> String {
        String::from_utf8(page.body.clone()).unwrap()
    }

    #[test]
    fn index_lists_runs_newest_first_with_figures() {
        let (_root, store) = store();
        let page = respond(&store, "/");
        assert_eq!(page.status, 200);
        let html = text(&page);
        let new = html.find("20250102T100000.000").unwrap();
        let old = html.find("20250101T100000.000").unwrap();
        assert!(new < old);
        assert_eq!(
            html.matches("<tr><td>").count(),
            2,
            "latest is not a run of its own"
        );
        assert!(html.contains(r#"<span class="invalid">invalid</span>"#));
        assert!(html.contains("stable latency median 10 ms, max 90 ms"));
        assert!(html.contains("0.00 msgs/op · seed 7"));
        assert!(html.contains(
            "-w echo --bin x --node-count 1 --time-limit 10.0 --rate 5.0 \
             --nemesis partition mode=fast"
        ));
        assert!(!html.contains("--latency"), "defaults are left out");
        assert!(html.contains(r#"href="/store/echo/20250101T100000.000/node-logs/n0.log""#));
    }

    #[test]
    fn run_page_shows_summary_and_pictures() {
        let (_root, store) = store();
        let html = text(&respond(&store, "/run/echo/20250101T100000.000/"));
        assert!(html.contains(r#"<img src="/store/echo/20250101T100000.000/latency.svg""#));
        let html = text(&respond(&store, "/run/latest/"));
        assert!(html.contains("lost &lt;3&gt; messages"));
    }

    #[test]
    fn files_are_served_with_their_types() {
        let (_root, store) = store();
        let page = respond(&store, "/store/echo/20250101T100000.000/latency.svg");
        assert_eq!(page.status, 200);
        assert_eq!(page.content_type, "image/svg+xml");
        assert_eq!(page.body, b"<svg/>");
        let page = respond(
            &store,
            "/store/echo/20250101T100000.000/node-logs/n0.log?x=1",
        );
        assert_eq!(text(&page), "hello");
        assert!(page.content_type.starts_with("text/plain"));
    }

    #[test]
    fn nothing_outside_the_store_is_served() {
        let (_root, store) = store();
        for url in [
            "/store/../secret.txt",
            "/store/%2e%2e/secret.txt",
            "/store//etc/passwd",
            "/store/echo/../../secret.txt",
            "/run/../",
            "/nope",
            "/store/echo/20250101T100000.000/missing.svg",
        ] {
            let page = respond(&store, url);
            assert_eq!(page.status, 404, "{url}");
            assert!(!text(&page).contains("not for the web"), "{url}");
        }
    }

    #[test]
    fn an_empty_store_says_how_to_fill_it() {
        let store = tempfile::tempdir().unwrap();
        assert!(text(&respond(store.path(), "/")).contains("No runs yet"));
    }

    #[test]
    fn serves_over_loopback() {
        let (_root, store) = store();
        let server = std::sync::Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let addr = server.server_addr().to_ip().unwrap();
        assert!(addr.ip().is_loopback());
        let handle = {
            let server = server.clone();
            std::thread::spawn(move || serve(&server, &store))
        };
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        server.unblock();
        handle.join().unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.contains("text/html"));
        assert!(response.contains("20250102T100000.000"));
    }
}
