//! How fast broadcast values spread: a point per value, at the time it was known to exist
//! and as high as the time until every read that began later contained it (the checker's
//! *stable latency*). Lost values are red, at the time they were seen before vanishing.
//! With partitions shaded, the values broadcast during a partition stand out as a ramp
//! that ends when the network heals.

use std::fmt::Write as _;

use super::plot::{self, Panel, Scale, TimeSpan, nice_step};
use super::svg::{Svg, num, palette};
use super::{Run, Window};
use crate::checker::quantile;
use crate::checker::set_full::{Outcome, fates};

/// The operation whose values are followed.
const ADD: &str = "broadcast";

/// Whether the run broadcast anything, so the picture has something to show.
pub fn applies(run: &Run) -> bool {
    run.history.iter().any(|op| op.f == ADD)
}

pub fn svg(run: &Run, title: &str, window: &Window) -> String {
    let mut span = TimeSpan::of(run, window);
    let fates: Vec<_> = fates(&run.history, ADD)
        .into_iter()
        .filter(|f| span.contains(f.known as f64 / 1e9))
        .collect();
    // Values are broadcast in the main phase only: without a window, end the time axis
    // at the last one rather than after the final reads.
    if window.to_ms.is_none()
        && let Some(last) = fates.iter().map(|f| f.known).max()
    {
        span.to = (last as f64 / 1e9).ceil().max(span.from + 1.0);
    }
    let stable: Vec<u64> = {
        let mut v: Vec<u64> = fates
            .iter()
            .filter(|f| f.outcome == Outcome::Stable)
            .map(|f| f.latency_ms)
            .collect();
        v.sort_unstable();
        v
    };
    let lost = fates.iter().filter(|f| f.outcome == Outcome::Lost).count();
    let peak = fates.iter().map(|f| f.latency_ms).max().unwrap_or(0) as f64;
    // Latencies are whole milliseconds: show at least 0 to 10 ms.
    let step = nice_step(peak.max(10.0), 5);
    let max = (peak / step).ceil().max(1.0) * step;

    let mut svg = Svg::new(plot::WIDTH, Panel::page_height(1), &plot::style());
    plot::header(
        &mut svg,
        &format!("Propagation · {title}"),
        &format!(
            "One point per broadcast value: when it was acknowledged, and how long until \
             every read that began later contained it (ms) · {}",
            window.describe()
        ),
        &[
            (palette::OK, format!("stable: {}", stable.len())),
            (palette::FAIL, format!("lost: {lost}")),
        ],
        !run.partitions.is_empty(),
    );
    let panel = Panel::nth(0, span, Scale::Linear { max });
    let q = |p| quantile(&stable, p).map_or("-".to_string(), |ms| ms.to_string());
    let name = format!(
        "{ADD}: {} values · stable latency median {} ms · p95 {} ms · max {} ms",
        fates.len(),
        q(0.5),
        q(0.95),
        q(1.0)
    );
    panel.draw_frame(&mut svg, &name, "stable latency (ms)", &run.partitions);
    if fates.is_empty() {
        svg.text(
            plot::LEFT + 12.0,
            panel.y + 24.0,
            r#"class="notice""#,
            "No broadcast value was known to exist in this window.",
        );
    }
    for (outcome, colour) in [
        (Outcome::Stable, palette::OK),
        (Outcome::Lost, palette::FAIL),
    ] {
        let _ = write!(svg, r#"<g fill="{colour}" fill-opacity="0.7">"#);
        for f in fates.iter().filter(|f| f.outcome == outcome) {
            let _ = write!(
                svg,
                r#"<circle cx="{}" cy="{}" r="3.2"><title>{}: {} ms</title></circle>"#,
                num(panel.x_of(f.known as f64 / 1e9)),
                num(panel.y_of(f.latency_ms as f64)),
                super::escape(&f.value.to_string()),
                f.latency_ms
            );
        }
        let _ = writeln!(svg, "</g>");
    }
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Op, OpType, Process};
    use crate::viz::testdata::*;
    use serde_json::{Value, json};

    fn with_value(op: Op, value: Value) -> Op {
        Op { value, ..op }
    }

    #[test]
    fn a_point_per_value_at_its_stable_latency() {
        let c = Process::Client;
        let mut h = vec![
            with_value(op(0, 100, OpType::Invoke, c(0), "broadcast"), json!(1)),
            with_value(op(1, 100, OpType::Ok, c(0), "broadcast"), json!(1)),
            with_value(op(2, 200, OpType::Invoke, c(0), "broadcast"), json!(2)),
            with_value(op(3, 200, OpType::Ok, c(0), "broadcast"), json!(2)),
            op(4, 500, OpType::Invoke, c(1), "read"),
            with_value(op(5, 501, OpType::Ok, c(1), "read"), json!([2])),
            op(6, 900, OpType::Invoke, c(1), "read"),
            with_value(op(7, 901, OpType::Ok, c(1), "read"), json!([1, 2])),
        ];
        h.extend(partition_ops(8, 300, 600));
        let run = Run::from_history("t", h);
        assert!(applies(&run));
        let svg = svg(&run, "t", &Window::default());
        assert_eq!(
            svg.matches("<circle cx").count(),
            2 + 2,
            "2 values + 2 legend dots"
        );
        // Value 1 was missing from the read begun at 500 ms: stable 400 ms after 100 ms.
        assert!(svg.contains("<title>1: 400 ms</title>"));
        assert!(svg.contains("<title>2: 0 ms</title>"));
        assert!(svg.contains("2 values · stable latency median 400 ms"));
        assert!(svg.contains("stable: 2"));
        assert_eq!(svg.matches(r#"class="partition""#).count(), 2);
    }

    #[test]
    fn only_broadcast_runs_get_it() {
        let h = vec![op(0, 1, OpType::Invoke, Process::Client(0), "echo")];
        assert!(!applies(&Run::from_history("t", h)));
    }
}
