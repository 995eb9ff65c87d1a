//! Drawing the laid-out diagram: partitions, lanes, the clock, the arrows, the header
//! with its legend and notices, and the style that colours them.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::labels::Labels;
use super::layout::{FOOTER, GUTTER, HEADER, Layout, REPEAT_NAMES, RIGHT_MARGIN};
use super::{Diagram, Event, EventKind, Role, message_class};
use crate::viz::svg::{Svg, num, palette};

impl Layout {
    pub(super) fn draw(&self, d: &Diagram, title: &str) -> String {
        let mut svg = Svg::new(self.width, self.height, &style());
        self.draw_markers(&mut svg);
        self.draw_partitions(&mut svg, d);
        self.draw_lanes(&mut svg);
        self.draw_clock(&mut svg, d);
        self.draw_messages(&mut svg, d);
        self.draw_header(&mut svg, d, title);
        svg.finish()
    }

    fn draw_markers(&self, svg: &mut Svg) {
        svg.raw("<defs>\n");
        for (class, colour) in CLASSES {
            let _ = writeln!(
                svg,
                r#"<marker id="head-{class}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,1 L10,5 L0,9 z" style="fill: {colour}; stroke: none"/></marker>"#,
            );
        }
        svg.raw("</defs>\n");
    }

    fn draw_partitions(&self, svg: &mut Svg, d: &Diagram) {
        let (Some(first), Some(last)) = (d.events.first(), d.events.last()) else {
            return;
        };
        for p in &d.partitions {
            let end = p.end.unwrap_or(i64::MAX);
            if end < first.time || p.start > last.time {
                continue;
            }
            let y0 = self.y_at(d, p.start);
            let y1 = self.y_at(d, end);
            let x = GUTTER - 6.0;
            let _ = write!(svg, "<g>");
            svg.rect(
                x,
                y0,
                self.width - x - RIGHT_MARGIN / 2.0,
                y1 - y0,
                r#"class="partition""#,
            );
            svg.title(&p.describe());
            // The nodes cut off from the largest group get a darker stripe on their lanes.
            let sides = crate::viz::sides(&p.grudge);
            for side in sides.iter().take(sides.len().saturating_sub(1)) {
                for node in side {
                    if let Some(lx) = self.x_of(node) {
                        let w = self.node_lane_width * 0.5;
                        svg.rect(lx - w / 2.0, y0, w, y1 - y0, r#"class="cut-off""#);
                    }
                }
            }
            let _ = writeln!(svg, "</g>");
            svg.text(
                self.width - RIGHT_MARGIN,
                y0 + 14.0,
                r#"class="partition-label halo" text-anchor="end""#,
                &p.describe(),
            );
        }
    }

    fn draw_lanes(&self, svg: &mut Svg) {
        let top = HEADER + 4.0;
        let bottom = self.height - FOOTER;
        for lane in &self.lanes {
            let class = if lane.role == Role::Client {
                "lane client-lane"
            } else {
                "lane"
            };
            svg.line(
                (lane.x, top),
                (lane.x, bottom),
                &format!(r#"class="{class}""#),
            );
        }
        for y in self.name_rows() {
            for lane in &self.lanes {
                svg.text(
                    lane.x,
                    y,
                    r#"class="lane-name repeat halo" text-anchor="middle""#,
                    &lane.name,
                );
            }
        }
    }

    /// Where the lane names are repeated, so a long diagram never loses them.
    fn name_rows(&self) -> impl Iterator<Item = f64> {
        let last = self.height - FOOTER - 200.0;
        (1..)
            .map(|i| HEADER + i as f64 * REPEAT_NAMES)
            .take_while(move |&y| y < last)
    }

    /// Times in the left margin, and marks where a pause was shortened.
    fn draw_clock(&self, svg: &mut Svg, d: &Diagram) {
        let (Some(first), Some(last)) = (d.events.first(), d.events.last()) else {
            return;
        };
        // Whole milliseconds unless the picture spans only a few of them.
        let decimals = if last.time - first.time < 20_000_000 {
            2
        } else {
            0
        };
        let mut last_y = f64::NEG_INFINITY;
        let mut last_text = String::new();
        for (e, &y) in d.events.iter().zip(&self.ys) {
            let text = format!("{:.decimals$} ms", e.time as f64 / 1e6);
            if y - last_y < 44.0 || text == last_text {
                continue;
            }
            last_y = y;
            svg.text(
                GUTTER - 12.0,
                y + 4.0,
                r#"class="clock" text-anchor="end""#,
                &text,
            );
            last_text = text;
            svg.line((GUTTER - 9.0, y), (GUTTER - 4.0, y), r#"class="tick""#);
        }
        for &(y, ms) in &self.breaks {
            svg.line(
                (GUTTER - 4.0, y),
                (self.width - RIGHT_MARGIN, y),
                r#"class="break""#,
            );
            svg.text(
                GUTTER - 12.0,
                y + 4.0,
                r#"class="clock skipped" text-anchor="end""#,
                &format!("+{ms:.0} ms"),
            );
        }
    }

    fn draw_messages(&self, svg: &mut Svg, d: &Diagram) {
        let mut sends: HashMap<u64, (usize, &Event)> = HashMap::new();
        let mut labels = Labels {
            reserved: self.name_rows().map(|y| (y - 12.0, y + 4.0)).collect(),
            ..Labels::default()
        };
        svg.raw("<g class=\"messages\">\n");
        for (i, e) in d.events.iter().enumerate() {
            match e.kind {
                EventKind::Send => {
                    sends.insert(e.id, (i, e));
                }
                EventKind::Recv | EventKind::Drop => {
                    if let Some(&(j, send)) = sends.get(&e.id) {
                        self.draw_message(svg, &mut labels, send, self.ys[j], e, self.ys[i]);
                    }
                }
            }
        }
        svg.raw("</g>\n<g class=\"labels\">\n");
        svg.raw(&labels.markup);
        svg.raw("</g>\n");
    }

    fn draw_message(
        &self,
        svg: &mut Svg,
        labels: &mut Labels,
        send: &Event,
        y0: f64,
        end: &Event,
        y1: f64,
    ) {
        let (Some(x0), Some(x1)) = (self.x_of(&send.src), self.x_of(&send.dest)) else {
            return;
        };
        let dropped = end.kind == EventKind::Drop;
        let class = message_class(send, end);
        let tooltip = format!(
            "{} → {}{}: {}",
            send.src,
            send.dest,
            match class {
                "drop" => " (dropped by a partition)",
                "gone" => " (dropped: the recipient had left)",
                _ => "",
            },
            send.body
        );
        let _ = write!(svg, r#"<g class="{class}">"#);
        svg.title(&tooltip);
        if x0 == x1 {
            // A node messaging itself: a small loop to the right.
            let _ = write!(
                svg,
                r#"<path d="M{x} {y0} C{c} {y0} {c} {y1} {x} {y1}" marker-end="url(#head-{class})"/>"#,
                x = num(x0),
                c = num(x0 + 36.0),
                y0 = num(y0),
                y1 = num(y1),
            );
            labels.beside_loop(class, &send.body, x0 + 30.0, (y0 + y1) / 2.0);
        } else {
            // Drops end in a cross a little short of the lane they never reached.
            let (dx, dy) = (x1 - x0, y1 - y0);
            let len = (dx * dx + dy * dy).sqrt();
            let stop = if dropped { (len - 12.0) / len } else { 1.0 };
            let (ex, ey) = (x0 + dx * stop, y0 + dy * stop);
            let marker = if dropped {
                String::new()
            } else {
                format!(r#" marker-end="url(#head-{class})""#)
            };
            let _ = write!(
                svg,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}"{marker}/>"#,
                num(x0),
                num(y0),
                num(ex),
                num(ey)
            );
            if dropped {
                let s = 5.0;
                let _ = write!(
                    svg,
                    r#"<path class="cross" d="M{} {} L{} {} M{} {} L{} {}"/>"#,
                    num(ex - s),
                    num(ey - s),
                    num(ex + s),
                    num(ey + s),
                    num(ex - s),
                    num(ey + s),
                    num(ex + s),
                    num(ey - s)
                );
            }
            labels.along(class, &send.body, (x0, y0), (x1, y1));
        }
        let _ = writeln!(svg, "</g>");
    }

    fn draw_header(&self, svg: &mut Svg, d: &Diagram, title: &str) {
        svg.text(
            GUTTER,
            30.0,
            r#"class="title""#,
            &format!("Messages · {title}"),
        );
        let classes = self.classes(d);
        let count = |class: &str| classes.iter().filter(|c| **c == class).count();
        let mut what = format!(
            "{} messages sent in {}",
            d.message_count(),
            d.window.describe()
        );
        if count("drop") > 0 {
            let _ = write!(what, ", {} dropped by partitions", count("drop"));
        }
        if count("gone") > 0 {
            let _ = write!(what, ", {} to a recipient that had left", count("gone"));
        }
        what.push_str(" · time runs down");
        if !d.compact {
            what.push_str("; hover an arrow for the whole message");
        }
        svg.text(GUTTER, 52.0, r#"class="muted""#, &what);
        let partitioned = self.partitions_shown(d) > 0;
        self.draw_legend(svg, 74.0, &classes, partitioned);

        // Group captions above the lane names.
        let mut y = HEADER - 30.0;
        let mut start = 0;
        while start < self.lanes.len() {
            let role = self.lanes[start].role;
            let end = self.lanes[start..]
                .iter()
                .position(|l| l.role != role)
                .map_or(self.lanes.len(), |n| start + n);
            let mid = (self.lanes[start].x + self.lanes[end - 1].x) / 2.0;
            // A lane that is the whole group (the merged `clients`) needs no caption.
            if !(end - start == 1 && self.lanes[start].name == role.plural()) {
                svg.text(
                    mid,
                    y,
                    r#"class="group muted" text-anchor="middle""#,
                    role.plural(),
                );
            }
            start = end;
        }
        y += 20.0;
        for lane in &self.lanes {
            svg.text(
                lane.x,
                y,
                r#"class="lane-name" text-anchor="middle""#,
                &lane.name,
            );
        }

        let mut notices = Vec::new();
        if d.omitted > 0 {
            notices.push(format!(
                "Only the first {} messages are drawn: {} more were sent in this window. \
                 Draw a later part with `cargo maelstrom viz <run> --from <ms> --to <ms>`.",
                d.max_messages, d.omitted
            ));
        }
        if d.in_flight > 0 {
            notices.push(format!(
                "{} messages were still in flight when the journal ended (not drawn).",
                d.in_flight
            ));
        }
        if d.events.is_empty() {
            notices.push("No messages were sent in this window.".to_string());
        }
        for (i, notice) in notices.iter().enumerate() {
            // At the top, where it is seen first, and again where the drawing stops.
            svg.text(GUTTER, 96.0 + 16.0 * i as f64, r#"class="notice""#, notice);
            svg.text(
                GUTTER,
                self.height - FOOTER + 30.0 + 16.0 * i as f64,
                r#"class="notice""#,
                notice,
            );
        }
    }

    /// The class of every message drawn.
    fn classes(&self, d: &Diagram) -> Vec<&'static str> {
        let mut sends: HashMap<u64, &Event> = HashMap::new();
        let mut out = Vec::new();
        for e in &d.events {
            match e.kind {
                EventKind::Send => {
                    sends.insert(e.id, e);
                }
                EventKind::Recv | EventKind::Drop => {
                    if let Some(send) = sends.get(&e.id) {
                        out.push(message_class(send, e));
                    }
                }
            }
        }
        out
    }

    /// How many partitions overlap the drawn events.
    fn partitions_shown(&self, d: &Diagram) -> usize {
        let (Some(first), Some(last)) = (d.events.first(), d.events.last()) else {
            return 0;
        };
        d.partitions
            .iter()
            .filter(|p| p.end.unwrap_or(i64::MAX) >= first.time && p.start <= last.time)
            .count()
    }

    /// A legend of the kinds of message the diagram shows.
    fn draw_legend(&self, svg: &mut Svg, y: f64, classes: &[&str], partitioned: bool) {
        let mut x = GUTTER;
        let kinds = [
            ("client", "client traffic"),
            ("server", "between nodes"),
            ("service", "to or from a service"),
            ("error", "error reply"),
            ("drop", "dropped by a partition"),
            ("gone", "dropped: recipient had left"),
        ];
        for (class, what) in kinds.into_iter().filter(|(c, _)| classes.contains(c)) {
            let _ = write!(svg, r#"<g class="{class}">"#);
            let crossed = matches!(class, "drop" | "gone");
            let marker = if crossed {
                String::new()
            } else {
                format!(r#"marker-end="url(#head-{class})""#)
            };
            svg.line((x, y - 4.0), (x + 28.0, y - 4.0), &marker);
            if crossed {
                let _ = write!(
                    svg,
                    r#"<path class="cross" d="M{a} {b} L{c} {d} M{a} {d} L{c} {b}"/>"#,
                    a = num(x + 24.0),
                    b = num(y - 8.0),
                    c = num(x + 32.0),
                    d = num(y),
                );
            }
            let _ = writeln!(svg, "</g>");
            svg.text(x + 36.0, y, "", what);
            x += 50.0 + 6.5 * what.len() as f64;
        }
        if partitioned {
            svg.rect(x, y - 11.0, 26.0, 13.0, r#"class="partition""#);
            svg.text(x + 32.0, y, "", "partition");
        }
    }
}

/// The drawing classes of messages with their colours.
const CLASSES: [(&str, &str); 6] = [
    ("client", palette::CLIENT),
    ("server", palette::SERVER),
    ("service", palette::SERVICE),
    ("error", palette::ERROR),
    ("drop", palette::DROP),
    ("gone", palette::MUTED),
];

/// The diagram's CSS: message colours come from the shared palette.
fn style() -> String {
    let mut css = String::from(
        r#"
.lane { stroke: #ced4da; stroke-width: 1.5; }
.client-lane { stroke-dasharray: 2 3; }
.lane-name { font-weight: bold; font-size: 13px; }
.lane-name.repeat { fill: #adb5bd; font-size: 11px; }
.group { font-size: 11px; letter-spacing: 0.08em; text-transform: uppercase; }
.clock { font-size: 10.5px; fill: #868e96; font-variant-numeric: tabular-nums; }
.clock.skipped { fill: #adb5bd; font-style: italic; }
.tick { stroke: #adb5bd; }
.break { stroke: #dee2e6; stroke-width: 1; stroke-dasharray: 6 5; }
.partition-label { fill: #d9480f; font-size: 11px; font-weight: bold; }
.notice { fill: #d9480f; font-weight: bold; }
line, path { fill: none; stroke-width: 1.5; }
.drop line, .drop path, .gone line, .gone path { stroke-dasharray: 5 3; }
.drop path.cross, .gone path.cross { stroke-dasharray: none; stroke-width: 2.5; }
.messages g:hover line, .messages g:hover path { stroke-width: 3; }
.label { font-size: 11px; }
"#,
    );
    let _ = writeln!(
        css,
        ".partition {{ fill: {p}; fill-opacity: 0.16; }}\n.cut-off {{ fill: {p}; fill-opacity: 0.28; }}",
        p = palette::PARTITION
    );
    for (class, colour) in CLASSES {
        let _ = writeln!(
            css,
            ".{class} line, .{class} path {{ stroke: {colour}; }} .label.{class} {{ fill: {colour}; }}"
        );
    }
    css
}
