//! Latency over time: a point per completed client operation, at the time it was invoked
//! and as high as it took to complete (log scale), coloured by how it completed. One panel
//! per operation function (`broadcast`, `read`, ...), partitions shaded.

use std::fmt::Write as _;

use super::plot::{self, Panel, Scale, TimeSpan};
use super::svg::{Svg, num};
use super::{Run, Window};
use crate::checker::quantile;
use crate::history::{OpType, pairs};

/// More points than this are thinned (every k-th is drawn) and a notice says so.
const MAX_POINTS: usize = 40_000;

struct Point<'a> {
    f: &'a str,
    kind: OpType,
    seconds: f64,
    ms: f64,
}

pub fn svg(run: &Run, title: &str, window: &Window) -> String {
    let span = TimeSpan::of(run, window);
    let points: Vec<Point> = pairs(&run.history)
        .into_iter()
        .filter_map(|p| {
            let done = p.completion?;
            let seconds = p.invoke.time as f64 / 1e9;
            span.contains(seconds).then(|| Point {
                f: &p.invoke.f,
                kind: done.kind,
                seconds,
                ms: done.time.saturating_sub(p.invoke.time) as f64 / 1e6,
            })
        })
        .collect();
    let fs = functions(points.iter().map(|p| p.f));

    // Whole decades from just under the fastest operation to just over the slowest.
    let decade = |ms: f64| ms.max(1e-3).log10();
    let lo = points
        .iter()
        .map(|p| decade(p.ms))
        .fold(f64::INFINITY, f64::min);
    let hi = points
        .iter()
        .map(|p| decade(p.ms))
        .fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if points.is_empty() {
        (-1, 3)
    } else {
        let lo = lo.floor() as i32;
        (lo, (hi.ceil() as i32).max(lo + 1))
    };

    let mut svg = Svg::new(plot::WIDTH, Panel::page_height(fs.len()), &plot::style());
    plot::header(
        &mut svg,
        &format!("Operation latency · {title}"),
        &format!(
            "One point per completed operation: when it was invoked, and how long it took \
             (ms, log scale) · {}",
            window.describe()
        ),
        &plot::completion_legend(points.iter().map(|p| p.kind)),
        !run.partitions.is_empty(),
    );
    let stride = points.len().div_ceil(MAX_POINTS).max(1);
    if stride > 1 {
        svg.text(
            plot::LEFT,
            plot::TOP - 2.0,
            r#"class="notice""#,
            &format!("{} operations: every {stride}th is drawn.", points.len()),
        );
    }
    if fs.is_empty() {
        plot::nothing_completed(&mut svg);
    }
    for (i, f) in fs.iter().enumerate() {
        let panel = Panel::nth(i, span, Scale::Log { lo, hi });
        let mine: Vec<&Point> = points.iter().filter(|p| p.f == *f).collect();
        panel.draw_frame(
            &mut svg,
            &panel_name(f, &mine),
            "latency (ms)",
            &run.partitions,
        );
        // Ok first, so the rarer failures are drawn on top.
        for (kind, _) in plot::COMPLETIONS {
            let colour = plot::colour(kind);
            let _ = write!(svg, r#"<g fill="{colour}" fill-opacity="0.6">"#);
            for p in mine.iter().filter(|p| p.kind == kind).step_by(stride) {
                let _ = write!(
                    svg,
                    r#"<circle cx="{}" cy="{}" r="2.2"/>"#,
                    num(panel.x_of(p.seconds)),
                    num(panel.y_of(p.ms))
                );
            }
            let _ = writeln!(svg, "</g>");
        }
    }
    svg.finish()
}

/// `read: 210 operations · median 0.12 ms · p99 3.4 ms · max 5000 ms`
fn panel_name(f: &str, points: &[&Point]) -> String {
    let mut us: Vec<u64> = points.iter().map(|p| (p.ms * 1e3) as u64).collect();
    us.sort_unstable();
    let ms = |p| quantile(&us, p).map_or(0.0, |us| us as f64 / 1e3);
    format!(
        "{f}: {} operations · median {} ms · p99 {} ms · max {} ms",
        points.len(),
        short(ms(0.5)),
        short(ms(0.99)),
        short(ms(1.0))
    )
}

/// Three significant digits or fewer: 0.0123, 0.05, 1.23, 123, 5000.
fn short(ms: f64) -> String {
    if ms >= 100.0 || ms == 0.0 {
        return format!("{ms:.0}");
    }
    let decimals = (2 - ms.log10().floor() as i32).max(0) as usize;
    let s = format!("{ms:.decimals$}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Distinct functions in order of first appearance.
pub(super) fn functions<'a>(fs: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for f in fs {
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Process;
    use crate::viz::testdata::*;

    fn run() -> Run {
        let c = Process::Client;
        let mut h = vec![
            op(0, 10, OpType::Invoke, c(0), "broadcast"),
            op(1, 11, OpType::Ok, c(0), "broadcast"),
            op(2, 20, OpType::Invoke, c(1), "read"),
            op(3, 2000, OpType::Invoke, c(0), "read"),
            op(4, 2001, OpType::Fail, c(0), "read"),
            op(5, 5020, OpType::Info, c(1), "read"),
            op(6, 6000, OpType::Invoke, c(2), "read"),
        ];
        h.extend(partition_ops(7, 1000, 3000));
        Run::from_history("test", h)
    }

    #[test]
    fn a_point_per_completed_op_a_panel_per_function() {
        let svg = svg(&run(), "t", &Window::default());
        assert_eq!(
            svg.matches("<circle cx").count(),
            3 + 3,
            "3 ops + 3 legend dots"
        );
        assert!(svg.contains("broadcast: 1 operations"));
        assert!(svg.contains("read: 2 operations · median 5000 ms"));
        assert_eq!(svg.matches(r#"class="panel-name""#).count(), 2);
        assert!(svg.contains("ok: 1"));
        assert!(svg.contains("fail: 1"));
        assert!(svg.contains("info (outcome unknown): 1"));
        // The partition is shaded in both panels, plus the legend.
        assert_eq!(svg.matches(r#"class="partition""#).count(), 3);
        // Decades from 1 ms to 10 s.
        assert!(svg.contains(">10000</text>"));
        assert!(!svg.contains(">100000</text>"));
    }

    #[test]
    fn window_selects_by_invocation_time() {
        let w = Window {
            from_ms: Some(1500.0),
            to_ms: Some(2500.0),
        };
        let svg = svg(&run(), "t", &w);
        assert_eq!(svg.matches("<circle cx").count(), 1 + 3);
        assert!(!svg.contains("broadcast:"));
        assert!(svg.contains("from 1500 ms to 2500 ms"));
    }

    #[test]
    fn empty_history_says_so() {
        let svg = svg(&Run::from_history("t", vec![]), "t", &Window::default());
        assert!(svg.contains("No operation completed"));
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(0.01234), "0.0123");
        assert_eq!(short(1.234), "1.23");
        assert_eq!(short(12.34), "12.3");
        assert_eq!(short(5000.0), "5000");
        assert_eq!(short(0.05), "0.05");
        assert_eq!(short(2.0), "2");
    }
}
