//! Throughput over time: completed operations per second, one panel per operation function,
//! one line per way of completing (ok, info, fail), counted in one-second buckets by the
//! completion's time. Partitions are shaded.

use std::fmt::Write as _;

use super::latency::functions;
use super::plot::{self, Panel, Scale, TimeSpan, nice_step};
use super::svg::{Svg, num};
use super::{Run, Window};
use crate::history::{OpType, pairs};

pub fn svg(run: &Run, title: &str, window: &Window) -> String {
    let span = TimeSpan::of(run, window);
    // One-second buckets, finer when the window is only a few seconds long.
    let bucket = if span.to - span.from >= 10.0 {
        1.0
    } else {
        nice_step(span.to - span.from, 20)
    };
    let buckets = ((span.to - span.from) / bucket).ceil().max(1.0) as usize;
    let completions: Vec<(&str, OpType, f64)> = pairs(&run.history)
        .into_iter()
        .filter_map(|p| {
            let done = p.completion?;
            let seconds = done.time as f64 / 1e9;
            span.contains(seconds)
                .then_some((p.invoke.f.as_str(), done.kind, seconds))
        })
        .collect();
    let fs = functions(completions.iter().map(|c| c.0));

    // counts[f][kind][bucket]
    let mut counts = vec![[vec![0usize; buckets], vec![0; buckets], vec![0; buckets]]; fs.len()];
    for &(f, kind, seconds) in &completions {
        let fi = fs.iter().position(|x| *x == f).unwrap_or(0);
        let ki = plot::COMPLETIONS
            .iter()
            .position(|(k, _)| *k == kind)
            .unwrap_or(0);
        let b = (((seconds - span.from) / bucket) as usize).min(buckets - 1);
        counts[fi][ki][b] += 1;
    }
    let peak = counts
        .iter()
        .flatten()
        .flatten()
        .copied()
        .max()
        .unwrap_or(0) as f64
        / bucket;
    let max = (peak / nice_step(peak.max(1.0), 5)).ceil() * nice_step(peak.max(1.0), 5);

    let mut svg = Svg::new(plot::WIDTH, Panel::page_height(fs.len()), &plot::style());
    plot::header(
        &mut svg,
        &format!("Throughput · {title}"),
        &format!(
            "Operations completed per second, counted in {} s buckets · {}",
            bucket,
            window.describe()
        ),
        &plot::completion_legend(completions.iter().map(|c| c.1)),
        !run.partitions.is_empty(),
    );
    if fs.is_empty() {
        plot::nothing_completed(&mut svg);
    }
    for (i, f) in fs.iter().enumerate() {
        let panel = Panel::nth(i, span, Scale::Linear { max: max.max(1.0) });
        let total: usize = counts[i].iter().flatten().sum();
        let seconds = span.to - span.from;
        let name = format!(
            "{f}: {total} completed · {:.1} per second on average",
            total as f64 / seconds
        );
        panel.draw_frame(&mut svg, &name, "ops/s", &run.partitions);
        for (ki, (kind, _)) in plot::COMPLETIONS.iter().enumerate() {
            let series = &counts[i][ki];
            if series.iter().all(|&n| n == 0) {
                continue;
            }
            let colour = plot::colour(*kind);
            let points: Vec<(f64, f64)> = series
                .iter()
                .enumerate()
                .filter_map(|(b, &n)| {
                    // The last bucket may be cut short by the end of the span: divide by
                    // the time it covers, or leave it out when that is too short to say.
                    let start = span.from + b as f64 * bucket;
                    let width = (span.to - start).min(bucket);
                    (width >= bucket * 0.25).then(|| {
                        let mid = start + width / 2.0;
                        (panel.x_of(mid), panel.y_of(n as f64 / width))
                    })
                })
                .collect();
            let _ = write!(
                svg,
                r#"<g><polyline fill="none" stroke="{colour}" stroke-width="2" stroke-linejoin="round" points=""#
            );
            for (x, y) in &points {
                let _ = write!(svg, "{},{} ", num(*x), num(*y));
            }
            let _ = write!(svg, r#""/><g fill="{colour}">"#);
            for (x, y) in &points {
                let _ = write!(
                    svg,
                    r#"<circle cx="{}" cy="{}" r="2.5"/>"#,
                    num(*x),
                    num(*y)
                );
            }
            let _ = writeln!(svg, "</g></g>");
        }
    }
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Process;
    use crate::viz::testdata::*;

    #[test]
    fn a_line_per_function_and_completion_type() {
        let c = Process::Client;
        let mut h = Vec::new();
        // 3 ok reads in the first second, 1 in the 12th; one failed broadcast.
        for (i, ms) in [100, 300, 500, 11_500].into_iter().enumerate() {
            h.push(op(2 * i, ms, OpType::Invoke, c(0), "read"));
            h.push(op(2 * i + 1, ms + 1, OpType::Ok, c(0), "read"));
        }
        h.push(op(8, 700, OpType::Invoke, c(1), "broadcast"));
        h.push(op(9, 5700, OpType::Fail, c(1), "broadcast"));
        h.extend(partition_ops(10, 2000, 4000));
        let svg = svg(&Run::from_history("t", h), "t", &Window::default());
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("read: 4 completed"));
        assert!(svg.contains("broadcast: 1 completed"));
        assert!(svg.contains("in 1 s buckets"));
        assert_eq!(svg.matches(r#"class="partition""#).count(), 3);
        // The y axis reaches the busiest second: 3 per second.
        assert!(svg.contains(">3</text>"));
    }
}
