//! What the plots over time share: a page of panels stacked above one time axis, tick
//! choice, scales, partition shading and the legend.

use std::fmt::Write as _;

use super::svg::{Svg, num, palette};
use super::{Partition, Run, Window};
use crate::history::OpType;

pub const LEFT: f64 = 78.0;
pub const RIGHT: f64 = 28.0;
pub const WIDTH: f64 = 980.0;
/// Title, subtitle and legend.
pub const TOP: f64 = 96.0;
pub const PANEL_HEIGHT: f64 = 190.0;
/// Between panels: room for tick labels and the next panel's name.
pub const PANEL_GAP: f64 = 62.0;

/// The plotted stretch of time, in seconds since time zero.
#[derive(Debug, Clone, Copy)]
pub struct TimeSpan {
    pub from: f64,
    pub to: f64,
}

impl TimeSpan {
    /// The window's bounds, or from 0 to the history's last entry.
    pub fn of(run: &Run, window: &Window) -> TimeSpan {
        let last = run.history.iter().map(|op| op.time).max().unwrap_or(0) as f64 / 1e9;
        let from = window.from_ms.map_or(0.0, |ms| ms / 1e3);
        let to = window.to_ms.map_or(last, |ms| ms / 1e3);
        TimeSpan {
            from,
            to: if to > from { to } else { from + 1.0 },
        }
    }

    pub fn contains(&self, seconds: f64) -> bool {
        (self.from..=self.to).contains(&seconds)
    }
}

/// A plotting area on the page and the ranges it shows.
#[derive(Debug, Clone, Copy)]
pub struct Panel {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub span: TimeSpan,
    pub scale: Scale,
}

/// How values map to heights.
#[derive(Debug, Clone, Copy)]
pub enum Scale {
    Linear {
        max: f64,
    },
    /// Decades from 10^lo to 10^hi.
    Log {
        lo: i32,
        hi: i32,
    },
}

impl Panel {
    /// The `i`th panel of a page.
    pub fn nth(i: usize, span: TimeSpan, scale: Scale) -> Panel {
        Panel {
            x: LEFT,
            y: TOP + PANEL_GAP - 20.0 + i as f64 * (PANEL_HEIGHT + PANEL_GAP),
            w: WIDTH - LEFT - RIGHT,
            h: PANEL_HEIGHT,
            span,
            scale,
        }
    }

    /// The page height that holds `n` panels.
    pub fn page_height(n: usize) -> f64 {
        TOP + PANEL_GAP - 20.0 + n.max(1) as f64 * (PANEL_HEIGHT + PANEL_GAP) + 10.0
    }

    pub fn x_of(&self, seconds: f64) -> f64 {
        self.x + self.w * (seconds - self.span.from) / (self.span.to - self.span.from)
    }

    pub fn y_of(&self, v: f64) -> f64 {
        let frac = match self.scale {
            Scale::Linear { max } => v / max,
            Scale::Log { lo, hi } => (v.max(10f64.powi(lo)).log10() - lo as f64) / (hi - lo) as f64,
        };
        self.y + self.h * (1.0 - frac.clamp(0.0, 1.0))
    }

    /// Frame, grid, ticks, the panel's name and its y axis label; partitions shaded.
    pub fn draw_frame(&self, svg: &mut Svg, name: &str, y_label: &str, partitions: &[Partition]) {
        self.shade(svg, partitions);
        // Vertical grid and time ticks.
        let step = nice_step(self.span.to - self.span.from, 10);
        let mut t = (self.span.from / step).ceil() * step;
        while t <= self.span.to + 1e-9 {
            let x = self.x_of(t);
            svg.line((x, self.y), (x, self.y + self.h), r#"class="grid""#);
            svg.text(
                x,
                self.y + self.h + 16.0,
                r#"class="tick-label" text-anchor="middle""#,
                &format_tick(t, step),
            );
            t += step;
        }
        svg.text(
            self.x + self.w,
            self.y + self.h + 32.0,
            r#"class="axis-label" text-anchor="end""#,
            "time since the main phase began (s)",
        );
        // Horizontal grid and value ticks.
        for (v, label) in self.y_ticks() {
            let y = self.y_of(v);
            svg.line((self.x, y), (self.x + self.w, y), r#"class="grid""#);
            svg.text(
                self.x - 8.0,
                y + 4.0,
                r#"class="tick-label" text-anchor="end""#,
                &label,
            );
        }
        svg.rect(self.x, self.y, self.w, self.h, r#"class="frame""#);
        svg.text(self.x, self.y - 10.0, r#"class="panel-name""#, name);
        let _ = writeln!(
            svg,
            r#"<text class="axis-label" text-anchor="middle" transform="translate({} {}) rotate(-90)">{y_label}</text>"#,
            num(self.x - 56.0),
            num(self.y + self.h / 2.0)
        );
    }

    fn y_ticks(&self) -> Vec<(f64, String)> {
        match self.scale {
            Scale::Linear { max } => {
                let step = nice_step(max, 5);
                (0..)
                    .map(|i| i as f64 * step)
                    .take_while(|v| *v <= max + 1e-9)
                    .map(|v| (v, format_tick(v, step)))
                    .collect()
            }
            Scale::Log { lo, hi } => (lo..=hi)
                .map(|e| {
                    let v = 10f64.powi(e);
                    (v, format_tick(v, v))
                })
                .collect(),
        }
    }

    /// Partitions as bands across the panel.
    fn shade(&self, svg: &mut Svg, partitions: &[Partition]) {
        for p in partitions {
            let start = (p.start as f64 / 1e9).max(self.span.from);
            let end = p
                .end
                .map_or(self.span.to, |e| e as f64 / 1e9)
                .min(self.span.to);
            if end < start {
                continue;
            }
            let (x0, x1) = (self.x_of(start), self.x_of(end));
            let _ = write!(svg, "<g>");
            svg.rect(
                x0,
                self.y,
                (x1 - x0).max(1.5),
                self.h,
                r#"class="partition""#,
            );
            svg.title(&p.describe());
            let _ = writeln!(svg, "</g>");
        }
    }
}

/// A round step (1, 2 or 5 times a power of ten) giving about `target` ticks over `range`.
pub fn nice_step(range: f64, target: usize) -> f64 {
    let rough = (range / target as f64).max(1e-9);
    let power = 10f64.powf(rough.log10().floor());
    let m = rough / power;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// A tick value with as many decimals as its step needs.
fn format_tick(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    format!("{v:.decimals$}")
}

pub fn colour(kind: OpType) -> &'static str {
    match kind {
        OpType::Ok => palette::OK,
        OpType::Fail => palette::FAIL,
        OpType::Info => palette::INFO,
        OpType::Invoke => palette::MUTED,
    }
}

/// The completion types in the order they are drawn and listed.
pub const COMPLETIONS: [(OpType, &str); 3] = [
    (OpType::Ok, "ok"),
    (OpType::Info, "info (outcome unknown)"),
    (OpType::Fail, "fail"),
];

/// A legend of completion types with how many of each `kinds` holds.
pub fn completion_legend(kinds: impl Iterator<Item = OpType>) -> Vec<(&'static str, String)> {
    let kinds: Vec<OpType> = kinds.collect();
    COMPLETIONS
        .iter()
        .map(|(kind, name)| {
            let n = kinds.iter().filter(|k| *k == kind).count();
            (colour(*kind), format!("{name}: {n}"))
        })
        .collect()
}

/// The notice of a picture with no operation to draw.
pub fn nothing_completed(svg: &mut Svg) {
    svg.text(
        LEFT,
        TOP + 40.0,
        r#"class="notice""#,
        "No operation completed in this window.",
    );
}

/// Title, a line of explanation, and a legend of dot colours (plus partitions, if any).
pub fn header(svg: &mut Svg, title: &str, what: &str, legend: &[(&str, String)], partitions: bool) {
    svg.text(LEFT, 30.0, r#"class="title""#, title);
    svg.text(LEFT, 52.0, r#"class="muted""#, what);
    let mut x = LEFT;
    let y = 76.0;
    for (colour, text) in legend {
        let _ = writeln!(
            svg,
            r#"<circle cx="{}" cy="{}" r="5" fill="{colour}"/>"#,
            num(x + 5.0),
            num(y - 4.0),
        );
        svg.text(x + 15.0, y, "", text);
        x += 40.0 + 6.5 * text.chars().count() as f64;
    }
    if partitions {
        svg.rect(x, y - 11.0, 26.0, 13.0, r#"class="partition""#);
        svg.text(x + 32.0, y, "", "partition");
    }
}

/// The plots' CSS.
pub fn style() -> String {
    format!(
        r#"
.grid {{ stroke: #e9ecef; stroke-width: 1; }}
.frame {{ fill: none; stroke: #adb5bd; stroke-width: 1; }}
.tick-label {{ font-size: 11px; fill: #495057; font-variant-numeric: tabular-nums; }}
.axis-label {{ font-size: 11px; fill: #868e96; }}
.panel-name {{ font-size: 13px; font-weight: bold; }}
.partition {{ fill: {}; fill-opacity: 0.2; }}
.notice {{ fill: #d9480f; font-weight: bold; }}
"#,
        palette::PARTITION
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(10.0, 10), 1.0);
        assert_eq!(nice_step(60.0, 10), 10.0);
        assert_eq!(nice_step(2.0, 10), 0.2);
        assert_eq!(nice_step(37.0, 5), 10.0);
        assert_eq!(format_tick(0.4, 0.2), "0.4");
        assert_eq!(format_tick(0.01, 0.01), "0.01");
        assert_eq!(format_tick(1000.0, 1000.0), "1000");
    }

    #[test]
    fn scales_map_into_the_panel() {
        let span = TimeSpan {
            from: 0.0,
            to: 10.0,
        };
        let p = Panel::nth(0, span, Scale::Log { lo: -1, hi: 3 });
        assert_eq!(p.y_of(1000.0), p.y);
        assert_eq!(p.y_of(0.0), p.y + p.h, "zero sits on the floor");
        assert_eq!(p.x_of(5.0), p.x + p.w / 2.0);
        let p = Panel::nth(1, span, Scale::Linear { max: 4.0 });
        assert_eq!(p.y_of(2.0), p.y + p.h / 2.0);
    }
}
