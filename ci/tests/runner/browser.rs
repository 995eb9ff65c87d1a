//! The pictures open in a real browser and show something: headless Chromium screenshots
//! the message diagram and the plots of a small synthetic run, and the screenshots must be
//! PNGs of the right size with a drawing on them. They are kept in `store/screenshots/`.
//!
//! Chromium comes from `bash ci/install-chromium.sh`. Under CI (`CI` set) this test runs
//! that script when the browser is missing and fails if it still is; on a developer's
//! machine without Chromium it is skipped with a note.

use std::fs;
use std::path::{Path, PathBuf};

use ci::viz::{self, screenshot};
use serde_json::{Value, json};

/// A run of five nodes gossiping in a ring, with one partition that drops messages.
fn synthetic_run(dir: &Path) {
    let nodes: Vec<String> = (0..5).map(|i| format!("n{i}")).collect();
    let mut journal = Vec::new();
    let mut history = Vec::new();
    let mut id = 0;
    let (cut_from, cut_to) = (400.0, 900.0);
    let mut message = |journal: &mut Vec<Value>, ms: f64, src: &str, dest: &str, body: Value| {
        let latency = if src.starts_with('c') || dest.starts_with('c') {
            0.02
        } else {
            40.0
        };
        let cut = (cut_from..cut_to).contains(&ms) && (src == "n0") != (dest == "n0");
        let cut = cut && !src.starts_with('c') && !dest.starts_with('c');
        let ns = |ms: f64| (ms * 1e6) as i64;
        journal.push(json!({"type": "send", "id": id, "time": ns(ms), "src": src,
                            "dest": dest, "body": body}));
        let (kind, at) = if cut {
            ("drop", ms)
        } else {
            ("recv", ms + latency)
        };
        journal.push(json!({"type": kind, "id": id, "time": ns(at), "src": src,
                            "dest": dest, "body": body}));
        id += 1;
    };
    let op = |history: &mut Vec<Value>, ms: f64, kind: &str, process: usize, f: &str, value| {
        history.push(json!({"index": history.len(), "time": (ms * 1e6) as u64,
                            "type": kind, "process": process, "f": f, "value": value}));
    };
    // A read sees what was broadcast 40 ms before it, except that values broadcast during
    // the partition reach every node only 40 ms after it heals.
    let broadcast_at = |i: usize| 20.0 + i as f64 * 33.0;
    let seen = |ms: f64| -> Vec<usize> {
        (0..30)
            .filter(|&v| v % 3 != 2)
            .filter(|&v| {
                let at = broadcast_at(v);
                let ready = if (cut_from..cut_to).contains(&at) {
                    cut_to
                } else {
                    at
                };
                ready + 40.0 <= ms
            })
            .collect()
    };
    history.push(json!({"index": 0, "time": 400_000_000u64, "type": "info",
        "process": "nemesis", "f": "start-partition", "value": "one"}));
    for i in 0..30 {
        // Everyone reads everything at the end.
        if i == 29 {
            for n in 0..5 {
                let ms = 1100.0 + n as f64;
                op(&mut history, ms, "invoke", n, "read", json!(null));
                op(&mut history, ms + 0.1, "ok", n, "read", json!(seen(ms)));
            }
        }
        let ms = broadcast_at(i);
        let n = i % 5;
        let client = format!("c{}", n + 5);
        if i % 3 == 2 {
            message(
                &mut journal,
                ms,
                &client,
                &nodes[n],
                json!({"type": "read", "msg_id": i}),
            );
            message(
                &mut journal,
                ms + 0.1,
                &nodes[n],
                &client,
                json!({"type": "read_ok", "messages": seen(ms), "in_reply_to": i}),
            );
            op(&mut history, ms, "invoke", n, "read", json!(null));
            op(
                &mut history,
                ms + 0.2 + i as f64 / 10.0,
                "ok",
                n,
                "read",
                json!(seen(ms)),
            );
            continue;
        }
        message(
            &mut journal,
            ms,
            &client,
            &nodes[n],
            json!({"type": "broadcast", "message": i, "msg_id": i}),
        );
        message(
            &mut journal,
            ms + 0.1,
            &nodes[n],
            &client,
            json!({"type": "broadcast_ok", "in_reply_to": i}),
        );
        for peer in [(n + 1) % 5, (n + 4) % 5] {
            message(
                &mut journal,
                ms + 0.2,
                &nodes[n],
                &nodes[peer],
                json!({"type": "gossip", "messages": [i]}),
            );
        }
        op(&mut history, ms, "invoke", n, "broadcast", json!(i));
        op(
            &mut history,
            ms + 0.15,
            if i == 7 { "info" } else { "ok" },
            n,
            "broadcast",
            json!(i),
        );
    }
    history.push(json!({"index": 0, "time": 900_000_000u64, "type": "info",
        "process": "nemesis", "f": "stop-partition", "value": "network-healed"}));
    journal.sort_by_key(|e| e["time"].as_i64());
    history.sort_by_key(|e| e["time"].as_u64());
    for (i, h) in history.iter_mut().enumerate() {
        h["index"] = json!(i);
    }
    let lines = |v: &[Value]| v.iter().map(|l| format!("{l}\n")).collect::<String>();
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join("messages.jsonl"), lines(&journal)).unwrap();
    fs::write(dir.join("history.jsonl"), lines(&history)).unwrap();
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Width and height of an SVG from its root element.
fn svg_size(svg: &str) -> (u32, u32) {
    let attr = |name: &str| -> u32 {
        let start = svg.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        let end = start + svg[start..].find('"').unwrap();
        svg[start..end].parse::<f64>().unwrap().ceil() as u32
    };
    (attr("width"), attr("height"))
}

/// Checks a screenshot is a PNG of the window's size with a drawing on it: not one flat
/// colour, a fair share of the page inked, several colours.
fn assert_drawn(png: &Path, (width, height): (u32, u32)) {
    let decoder = png::Decoder::new(std::io::BufReader::new(fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(
        (info.width, info.height),
        (width, height),
        "{}",
        png.display()
    );
    let channels = info.color_type.samples();
    let pixels = &pixels[..info.buffer_size()];
    let mut colours = std::collections::HashSet::new();
    let mut inked = 0usize;
    for px in pixels.chunks(channels) {
        let rgb = [px[0], px[1.min(channels - 1)], px[2.min(channels - 1)]];
        colours.insert(rgb);
        if rgb.iter().any(|&c| c < 200) {
            inked += 1;
        }
    }
    let share = inked as f64 / (width * height) as f64;
    assert!(
        colours.len() >= 16,
        "{}: only {} colours",
        png.display(),
        colours.len()
    );
    assert!(
        share > 0.005,
        "{}: only {share:.4} of the page is drawn on",
        png.display()
    );
    assert!(
        share < 0.6,
        "{}: {share:.2} of the page is dark",
        png.display()
    );
}

#[test]
fn pictures_render_in_chromium() {
    if screenshot::chromium().is_none() && std::env::var_os("CI").is_some() {
        let status = std::process::Command::new("bash")
            .arg(workspace().join("ci/install-chromium.sh"))
            .status()
            .unwrap();
        assert!(status.success(), "ci/install-chromium.sh failed: {status}");
    }
    if screenshot::chromium().is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing under CI",
            screenshot::CHROMIUM
        );
        eprintln!(
            "skipped: no {}; `bash ci/install-chromium.sh` installs it",
            screenshot::CHROMIUM
        );
        return;
    }
    let run = workspace().join("target/browser-test/broadcast/20250101T000000.000");
    let _ = fs::remove_dir_all(&run);
    synthetic_run(&run);
    let written = viz::write_all(&run).unwrap();
    assert_eq!(written.len(), 4, "{written:?}");
    let shots = workspace().join("store/screenshots");
    for path in written {
        let svg = fs::read_to_string(&path).unwrap();
        let (w, h) = svg_size(&svg);
        // The top of a long diagram is enough to see it renders.
        let window = (w, h.min(1600));
        let name = path.file_stem().unwrap().to_string_lossy();
        let png = shots.join(format!("{name}.png"));
        screenshot::take(&path, &png, window).unwrap();
        assert_drawn(&png, window);
    }
}
