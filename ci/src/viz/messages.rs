//! The message-sequence (Lamport) diagram: one vertical lane per participant, time running
//! down the page, an arrow for every message from its send to its delivery.
//!
//! Lanes come in Maelstrom's order: clients, then nodes, then services. Time runs down
//! but not at a constant rate: every event gets at least one row, so a burst of messages
//! in the same millisecond stays legible, and a quiet stretch is shortened and marked with
//! how much time it skipped. The left margin gives the clock. Arrows are labelled with the
//! message type and the rest of the body (without `type`, `msg_id`, `in_reply_to`); the
//! full message is the arrow's tooltip. A message a partition dropped ends in a cross,
//! error replies are pink, and partitions are shaded.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt::Write as _;
use std::io::BufRead;

use anyhow::{Context, Result};
use serde::Deserialize;
use serde_json::Value;

use super::svg::{Svg, escape, num, palette, truncate};
use super::{Options, Partition, Window, natural_key};

/// What happened to a message, as the journal records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Send,
    Recv,
    Drop,
}

/// One line of `messages.jsonl`.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: EventKind,
    /// The network's message id, shared by a message's send and its recv or drop.
    pub id: u64,
    /// Nanoseconds since the history's time zero; negative during setup.
    pub time: i64,
    pub src: String,
    pub dest: String,
    #[serde(default)]
    pub body: Value,
    /// Why a message was dropped: `partition`, or `unknown-dest` when its recipient had
    /// already left the network (a client that gave up waiting).
    #[serde(default)]
    pub reason: Option<String>,
}

/// The fields of a journal line needed to decide whether to draw it, so the lines that
/// are not drawn cost little to read.
#[derive(Deserialize)]
struct Head {
    #[serde(rename = "type")]
    kind: EventKind,
    id: u64,
    time: i64,
    #[serde(default)]
    body: BodyType,
}

#[derive(Deserialize, Default)]
struct BodyType {
    #[serde(rename = "type", default)]
    kind: Value,
}

/// The selected part of a journal, ready to draw.
#[derive(Debug)]
pub struct Diagram {
    /// Sends of drawn messages with their recv or drop, in time order.
    events: Vec<Event>,
    partitions: Vec<Partition>,
    window: Window,
    max_messages: usize,
    /// Fit a page of the book.
    compact: bool,
    /// All clients share one lane (compact, or too many clients for a lane each).
    merge_clients: bool,
    /// Messages sent in the window but left out because of `max_messages`.
    omitted: usize,
    /// Drawn sends that were neither delivered nor dropped before the journal ended.
    in_flight: usize,
}

impl Diagram {
    /// Reads a journal, keeping the messages sent in the window (up to the limit) and what
    /// became of them, even if that happened after the window ends.
    pub fn read(reader: impl BufRead, partitions: &[Partition], opts: &Options) -> Result<Diagram> {
        let mut events = Vec::new();
        let mut open: HashSet<u64> = HashSet::new();
        let mut drawn = 0;
        let mut omitted = 0;
        // A little past the window's end every message drawn has usually been delivered;
        // then the rest of the journal need not be read.
        let done_after = opts.window.to_ms.map(|to| ((to + 1000.0) * 1e6) as i64);
        for (i, line) in reader.lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let bad = || format!("line {}: not a journal event: {line}", i + 1);
            let head: Head = serde_json::from_str(&line).with_context(bad)?;
            let keep = match head.kind {
                EventKind::Send => {
                    let init = matches!(head.body.kind.as_str(), Some("init" | "init_ok"));
                    if !opts.window.contains_ns(head.time) || (init && !opts.with_init) {
                        false
                    } else if drawn == opts.max_messages {
                        omitted += 1;
                        false
                    } else {
                        drawn += 1;
                        open.insert(head.id);
                        true
                    }
                }
                EventKind::Recv | EventKind::Drop => open.remove(&head.id),
            };
            if keep {
                events.push(serde_json::from_str(&line).with_context(bad)?);
            }
            if open.is_empty() && done_after.is_some_and(|end| head.time > end) {
                break;
            }
        }
        Ok(Diagram::new(events, partitions, opts, omitted, open.len()))
    }

    fn new(
        mut events: Vec<Event>,
        partitions: &[Partition],
        opts: &Options,
        omitted: usize,
        in_flight: usize,
    ) -> Diagram {
        // The journal is written in time order up to thread scheduling; make it exact.
        events.sort_by_key(|e| e.time);
        let clients: HashSet<&str> = events
            .iter()
            .flat_map(|e| [e.src.as_str(), e.dest.as_str()])
            .filter(|n| Role::of(n) == Role::Client)
            .collect();
        let merge_clients = opts.compact || clients.len() > MAX_CLIENT_LANES;
        Diagram {
            events,
            partitions: partitions.to_vec(),
            window: opts.window,
            max_messages: opts.max_messages,
            compact: opts.compact,
            merge_clients,
            omitted,
            in_flight,
        }
    }

    /// How many messages the diagram draws.
    pub fn message_count(&self) -> usize {
        self.events
            .iter()
            .filter(|e| e.kind == EventKind::Send)
            .count()
    }

    pub fn to_svg(&self, title: &str) -> String {
        Layout::new(self).draw(self, title)
    }
}

/// Which kind of participant a lane belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Client,
    Node,
    Service,
}

impl Role {
    fn of(name: &str) -> Role {
        // Maelstrom's rule: a participant whose id starts with `c` is a client.
        if name.starts_with('c') {
            Role::Client
        } else if crate::service::NAMES.contains(&name) {
            Role::Service
        } else {
            Role::Node
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Role::Client => "clients",
            Role::Node => "nodes",
            Role::Service => "services",
        }
    }
}

/// The lane a participant is drawn on.
fn lane_name(merge_clients: bool, name: &str) -> &str {
    if merge_clients && Role::of(name) == Role::Client {
        CLIENTS
    } else {
        name
    }
}

// Page geometry, in px.
/// The width a compact diagram aims at, and the least width of any.
const COMPACT_WIDTH: f64 = 820.0;
const GUTTER: f64 = 86.0;
const RIGHT_MARGIN: f64 = 24.0;
const HEADER: f64 = 150.0;
const FOOTER: f64 = 70.0;
/// The least vertical distance between two events.
const ROW: f64 = 18.0;
/// How far apart two events a millisecond apart are drawn, when that is more than a row.
const PX_PER_MS: f64 = 0.5;
/// Longer pauses than this are shortened to it, with a mark saying how long they were.
const MAX_GAP: f64 = 70.0;
/// The lane names are repeated this often down the page.
const REPEAT_NAMES: f64 = 900.0;

struct Lane {
    name: String,
    role: Role,
    x: f64,
}

/// Where everything goes.
struct Layout {
    lanes: Vec<Lane>,
    lane_x: HashMap<String, f64>,
    /// The y of each event, in the order of `Diagram::events`.
    ys: Vec<f64>,
    /// Pauses drawn shorter than they were: (y between the two rows, real length in ms).
    breaks: Vec<(f64, f64)>,
    width: f64,
    height: f64,
    node_lane_width: f64,
    merge_clients: bool,
}

/// More clients than this share one lane: a 25-node run has 50 of them, and lanes of
/// their own would push the nodes off the screen.
const MAX_CLIENT_LANES: usize = 10;

/// The lane all clients share in a compact diagram.
const CLIENTS: &str = "clients";

impl Layout {
    fn new<'a>(d: &'a Diagram) -> Layout {
        let lane_name = |n: &'a str| lane_name(d.merge_clients, n);
        let mut names: Vec<&str> = d
            .events
            .iter()
            .flat_map(|e| [lane_name(&e.src), lane_name(&e.dest)])
            .collect();
        names.sort_by_key(|n| (Role::of(n), natural_key(n)));
        names.dedup();

        // Wide enough lanes for labels, narrower for clients (whose arrows only ever go to
        // nodes). The page widens with the number of lanes rather than squeezing them,
        // except in a compact diagram, which aims at the width of a book's page.
        let servers = names
            .iter()
            .filter(|n| Role::of(n) != Role::Client)
            .count()
            .max(1);
        let clients = names.len() - servers.min(names.len());
        let (node_w, client_w) = if d.compact {
            let client_w = 76.0;
            let room = COMPACT_WIDTH - GUTTER - RIGHT_MARGIN - client_w * clients as f64;
            ((room / servers as f64).clamp(80.0, 170.0), client_w)
        } else {
            let node_w = (1000.0 / servers as f64).clamp(80.0, 170.0);
            let client_w = if d.merge_clients { 76.0 } else { node_w * 0.45 };
            (node_w, client_w.clamp(54.0, 76.0))
        };
        let mut x = GUTTER;
        let mut lanes = Vec::new();
        for name in names {
            let role = Role::of(name);
            let w = if role == Role::Client {
                client_w
            } else {
                node_w
            };
            lanes.push(Lane {
                name: name.to_string(),
                role,
                x: x + w / 2.0,
            });
            x += w;
        }
        let width = (x + RIGHT_MARGIN).max(COMPACT_WIDTH);
        let lane_x = lanes.iter().map(|l| (l.name.clone(), l.x)).collect();

        let mut ys = Vec::with_capacity(d.events.len());
        let mut breaks = Vec::new();
        let mut y = HEADER + ROW;
        for (i, e) in d.events.iter().enumerate() {
            if i > 0 {
                let ms = (e.time - d.events[i - 1].time) as f64 / 1e6;
                let gap = (ms * PX_PER_MS).max(ROW);
                if gap > MAX_GAP {
                    breaks.push((y + MAX_GAP / 2.0, ms));
                }
                y += gap.min(MAX_GAP);
            }
            ys.push(y);
        }
        let height = y + ROW + FOOTER;
        Layout {
            lanes,
            lane_x,
            ys,
            breaks,
            width,
            height,
            node_lane_width: node_w,
            merge_clients: d.merge_clients,
        }
    }

    /// The x of a participant's lane.
    fn x_of(&self, name: &str) -> Option<f64> {
        self.lane_x
            .get(lane_name(self.merge_clients, name))
            .copied()
    }

    /// The y at which time `t` (ns) falls, between the rows around it.
    fn y_at(&self, d: &Diagram, t: i64) -> f64 {
        let i = d.events.partition_point(|e| e.time <= t);
        if i == 0 {
            return self.ys.first().map_or(HEADER, |y| y - ROW / 2.0);
        }
        if i == d.events.len() {
            return self.ys[i - 1] + ROW / 2.0;
        }
        let (t0, t1) = (d.events[i - 1].time, d.events[i].time);
        let (y0, y1) = (self.ys[i - 1], self.ys[i]);
        if t1 == t0 {
            return y0;
        }
        y0 + (y1 - y0) * (t - t0) as f64 / (t1 - t0) as f64
    }

    fn draw(&self, d: &Diagram, title: &str) -> String {
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
            let sides = super::sides(&p.grudge);
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

/// Average width of a label character, in px.
const CHAR_WIDTH: f64 = 6.4;
/// How many recent labels a new one is kept clear of.
const LABELS_CHECKED: usize = 300;

/// Arrow labels, each placed along its arrow where it overlaps no recent label if it can:
/// at the middle, or else nearer one end.
#[derive(Default)]
struct Labels {
    markup: String,
    /// Bounding boxes (left, top, right, bottom) of the most recent labels.
    boxes: VecDeque<[f64; 4]>,
    /// Rows (top, bottom) kept free for the repeated lane names.
    reserved: Vec<(f64, f64)>,
}

impl Labels {
    fn along(&mut self, class: &str, body: &Value, (x0, y0): (f64, f64), (x1, y1): (f64, f64)) {
        let (dx, dy) = (x1 - x0, y1 - y0);
        let len = (dx * dx + dy * dy).sqrt();
        // A label may reach the lanes at the arrow's ends, not past them.
        let text = label(body, len - 4.0);
        // Keep the text upright whichever way the arrow points.
        let angle = if dx >= 0.0 {
            dy.atan2(dx)
        } else {
            (-dy).atan2(-dx)
        };
        let (sin, cos) = angle.sin_cos();
        let half_w = text.chars().count() as f64 * CHAR_WIDTH / 2.0;
        let half_h = 6.0;
        let (ex, ey) = (
            cos.abs() * half_w + sin.abs() * half_h,
            sin.abs() * half_w + cos.abs() * half_h,
        );
        let box_at = |t: f64| {
            // The text sits 4 px above the line.
            let (cx, cy) = (x0 + dx * t + 4.0 * sin, y0 + dy * t - 4.0 * cos);
            [cx - ex, cy - ey, cx + ex, cy + ey]
        };
        let fits = |t: f64| half_w <= t.min(1.0 - t) * len - 6.0;
        let t = [0.5, 0.32, 0.68, 0.2, 0.8]
            .into_iter()
            .find(|&t| fits(t) && !self.overlaps(&box_at(t)))
            .unwrap_or(0.5);
        self.remember(box_at(t));
        let _ = writeln!(
            self.markup,
            r#"<text class="label {class} halo" transform="translate({} {}) rotate({})" y="-4" text-anchor="middle">{}</text>"#,
            num(x0 + dx * t),
            num(y0 + dy * t),
            num(angle.to_degrees()),
            escape(&text)
        );
    }

    /// Beside a message a node sent itself, to the right of its loop.
    fn beside_loop(&mut self, class: &str, body: &Value, x: f64, y: f64) {
        let text = label(body, 200.0);
        let w = text.chars().count() as f64 * CHAR_WIDTH;
        self.remember([x, y - 8.0, x + w, y + 6.0]);
        let _ = writeln!(
            self.markup,
            r#"<text class="label {class} halo" x="{}" y="{}">{}</text>"#,
            num(x),
            num(y + 4.0),
            escape(&text)
        );
    }

    fn overlaps(&self, b: &[f64; 4]) -> bool {
        self.reserved
            .iter()
            .any(|&(top, bottom)| b[1] < bottom && top < b[3])
            || self
                .boxes
                .iter()
                .any(|o| b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3])
    }

    fn remember(&mut self, b: [f64; 4]) {
        if self.boxes.len() == LABELS_CHECKED {
            self.boxes.pop_front();
        }
        self.boxes.push_back(b);
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

/// `client`, `server`, `service`, `error`, `drop` (by a partition) or `gone` (dropped
/// because its recipient had left): how a message is drawn, given its send and its end.
fn message_class(send: &Event, end: &Event) -> &'static str {
    let roles = (Role::of(&send.src), Role::of(&send.dest));
    if end.kind == EventKind::Drop {
        if end.reason.as_deref() == Some("unknown-dest") {
            "gone"
        } else {
            "drop"
        }
    } else if send.body.get("type").and_then(Value::as_str) == Some("error") {
        "error"
    } else if roles.0 == Role::Client || roles.1 == Role::Client {
        "client"
    } else if roles.0 == Role::Service || roles.1 == Role::Service {
        "service"
    } else {
        "server"
    }
}

/// The arrow's text: the type, then the other body fields as `key=value` (leaving out
/// `msg_id` and `in_reply_to`), cut to 48 characters or to what fits along the arrow.
fn label(body: &Value, room_px: f64) -> String {
    let kind = body.get("type").and_then(Value::as_str).unwrap_or("?");
    let mut text = kind.to_string();
    if let Value::Object(fields) = body {
        let fields: BTreeMap<&String, &Value> = fields
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "type" | "msg_id" | "in_reply_to"))
            .collect();
        if kind == "error" {
            // `error 11 temporarily unavailable` reads better than `code=11 text=...`.
            for key in ["code", "text"] {
                if let Some(v) = body.get(key) {
                    let _ = write!(
                        text,
                        " {}",
                        v.as_str().map_or(v.to_string(), str::to_string)
                    );
                }
            }
        } else {
            for (k, v) in fields {
                let _ = write!(text, " {k}={v}");
            }
        }
    }
    // About 6 px per character at the label's size.
    let fits = (room_px / 6.2).floor().max(0.0) as usize;
    truncate(&text, fits.clamp(kind.chars().count() + 1, 48))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn journal(lines: &[Value]) -> String {
        lines.iter().map(|l| format!("{l}\n")).collect()
    }

    fn ev(kind: &str, id: u64, ms: f64, src: &str, dest: &str, body: Value) -> Value {
        json!({"type": kind, "id": id, "time": (ms * 1e6) as i64, "src": src, "dest": dest,
               "body": body})
    }

    /// Two nodes and a client: init, an echo round trip, a gossip message delivered, one
    /// dropped, and an error reply.
    fn small_run() -> String {
        journal(&[
            ev(
                "send",
                0,
                -5.0,
                "c0",
                "n0",
                json!({"type": "init", "msg_id": 1}),
            ),
            ev(
                "recv",
                0,
                -5.0,
                "c0",
                "n0",
                json!({"type": "init", "msg_id": 1}),
            ),
            ev(
                "send",
                1,
                1.0,
                "c1",
                "n0",
                json!({"type": "echo", "echo": "hi", "msg_id": 1}),
            ),
            ev(
                "recv",
                1,
                1.0,
                "c1",
                "n0",
                json!({"type": "echo", "echo": "hi", "msg_id": 1}),
            ),
            ev(
                "send",
                2,
                2.0,
                "n0",
                "n1",
                json!({"type": "gossip", "ids": [1, 2]}),
            ),
            ev(
                "send",
                3,
                2.5,
                "n1",
                "n0",
                json!({"type": "gossip", "ids": [3]}),
            ),
            ev(
                "recv",
                2,
                102.0,
                "n0",
                "n1",
                json!({"type": "gossip", "ids": [1, 2]}),
            ),
            ev(
                "drop",
                3,
                2.5,
                "n1",
                "n0",
                json!({"type": "gossip", "ids": [3]}),
            ),
            ev(
                "send",
                4,
                300.0,
                "n0",
                "c1",
                json!({"type": "error", "code": 11, "text": "busy", "in_reply_to": 1}),
            ),
            ev(
                "recv",
                4,
                300.0,
                "n0",
                "c1",
                json!({"type": "error", "code": 11, "text": "busy", "in_reply_to": 1}),
            ),
        ])
    }

    fn diagram(journal: &str, opts: &Options) -> Diagram {
        Diagram::read(journal.as_bytes(), &[], opts).unwrap()
    }

    fn count(svg: &str, needle: &str) -> usize {
        svg.matches(needle).count()
    }

    /// The arrows only, without the legend.
    fn arrows(svg: &str) -> &str {
        let start = svg.find(r#"<g class="messages">"#).unwrap();
        let end = svg.find(r#"<g class="labels">"#).unwrap();
        &svg[start..end]
    }

    #[test]
    fn draws_lanes_arrows_crosses_and_errors() {
        let d = diagram(&small_run(), &Options::default());
        assert_eq!(d.message_count(), 4, "init is left out by default");
        let svg = d.to_svg("test");
        // Clients first, then nodes.
        let c1 = svg.find(">c1</text>").unwrap();
        let n0 = svg.find(">n0</text>").unwrap();
        let n1 = svg.find(">n1</text>").unwrap();
        assert!(c1 < n0 && n0 < n1);
        assert!(!svg.contains(">c0</text>"), "c0 only sent init");
        assert_eq!(count(&svg, r#"class="lane""#), 2);
        assert_eq!(count(&svg, r#"class="lane client-lane""#), 1);
        // One arrowhead per delivered message, one cross per dropped one.
        let arrows = arrows(&svg);
        assert_eq!(count(arrows, "<line "), 4);
        assert_eq!(count(arrows, r#"marker-end="url(#head-"#), 3);
        assert_eq!(count(arrows, r#"class="cross""#), 1);
        assert_eq!(count(arrows, r#"<g class="error">"#), 1);
        assert_eq!(count(arrows, r#"<g class="client">"#), 1);
        assert_eq!(count(arrows, r#"<g class="server">"#), 1);
        assert!(svg.contains("echo echo=&quot;hi&quot;"));
        assert!(svg.contains("gossip ids=[1,2]"));
        assert!(svg.contains("error 11 busy"));
        assert!(svg.contains("n1 → n0 (dropped by a partition)"));
        // The legend names what the diagram shows, and only that.
        assert!(svg.contains(">dropped by a partition</text>"));
        assert!(!svg.contains(">to or from a service</text>"));
        assert!(!svg.contains(">partition</text>"));
        // The 100 ms latency of the gossip and the 200 ms pause are shortened and marked.
        assert!(svg.contains("+198 ms"));
        assert!(!svg.contains(r#"class="notice""#));
    }

    #[test]
    fn compact_diagrams_share_one_client_lane() {
        let opts = Options {
            compact: true,
            with_init: true,
            ..Options::default()
        };
        let svg = diagram(&small_run(), &opts).to_svg("t");
        assert!(svg.contains(">clients</text>"));
        assert_eq!(
            count(&svg, ">clients</text>"),
            1,
            "no caption over the merged lane"
        );
        assert!(!svg.contains(">c0</text>") && !svg.contains(">c1</text>"));
        assert_eq!(count(&svg, r#"class="lane client-lane""#), 1);
        assert_eq!(count(arrows(&svg), "<line "), 5);
        assert!(svg.contains(r#"width="820""#));
    }

    #[test]
    fn replies_to_departed_clients_are_told_apart_from_partitions() {
        let j = journal(&[
            ev(
                "send",
                1,
                1.0,
                "n0",
                "c3",
                json!({"type": "read_ok", "in_reply_to": 4}),
            ),
            json!({"type": "drop", "id": 1, "time": 1_000_000, "src": "n0", "dest": "c3",
                   "body": {"type": "read_ok"}, "reason": "unknown-dest"}),
        ]);
        let svg = diagram(&j, &Options::default()).to_svg("t");
        assert_eq!(count(arrows(&svg), r#"<g class="gone">"#), 1);
        assert_eq!(count(arrows(&svg), r#"class="cross""#), 1);
        assert!(svg.contains("1 to a recipient that had left"));
        assert!(svg.contains(">dropped: recipient had left</text>"));
        assert!(!svg.contains("dropped by partitions"));
    }

    #[test]
    fn many_clients_share_one_lane() {
        let lines: Vec<Value> = (0..12)
            .flat_map(|i| {
                let body = json!({"type": "read"});
                let client = format!("c{i}");
                [
                    ev("send", i, i as f64, &client, "n0", body.clone()),
                    ev("recv", i, i as f64, &client, "n0", body),
                ]
            })
            .collect();
        let svg = diagram(&journal(&lines), &Options::default()).to_svg("t");
        assert_eq!(count(&svg, r#"class="lane client-lane""#), 1);
        assert!(svg.contains(">clients</text>"));
        assert!(svg.contains("c11 → n0"), "tooltips still name the client");
        let few = journal(&lines[..20]);
        let svg = diagram(&few, &Options::default()).to_svg("t");
        assert_eq!(count(&svg, r#"class="lane client-lane""#), 10);
    }

    #[test]
    fn init_can_be_included() {
        let opts = Options {
            with_init: true,
            ..Options::default()
        };
        let d = diagram(&small_run(), &opts);
        assert_eq!(d.message_count(), 5);
        assert!(d.to_svg("t").contains(">c0</text>"));
    }

    #[test]
    fn window_keeps_messages_sent_in_it_and_their_fate() {
        let opts = Options {
            window: Window {
                from_ms: Some(1.5),
                to_ms: Some(50.0),
            },
            ..Options::default()
        };
        let d = diagram(&small_run(), &opts);
        // The two gossip messages; the delivery at 102 ms is kept although it is later.
        assert_eq!(d.message_count(), 2);
        assert_eq!(d.events.len(), 4);
        let svg = d.to_svg("t");
        assert!(svg.contains("from 1.5 ms to 50 ms"));
        assert!(!svg.contains(">c1</text>"));
    }

    #[test]
    fn truncation_is_announced() {
        let opts = Options {
            max_messages: 1,
            ..Options::default()
        };
        let d = diagram(&small_run(), &opts);
        assert_eq!(d.message_count(), 1);
        assert_eq!(d.omitted, 3);
        let svg = d.to_svg("t");
        assert_eq!(count(&svg, r#"class="notice""#), 2, "top and bottom");
        assert!(svg.contains("Only the first 1 messages are drawn: 3 more"));
    }

    #[test]
    fn undelivered_messages_are_counted_not_drawn() {
        let j = journal(&[ev("send", 7, 1.0, "n0", "n1", json!({"type": "gossip"}))]);
        let d = diagram(&j, &Options::default());
        assert_eq!(d.in_flight, 1);
        let svg = d.to_svg("t");
        assert!(svg.contains("1 messages were still in flight"));
        assert_eq!(count(arrows(&svg), "<line "), 0);
    }

    #[test]
    fn partitions_are_shaded() {
        let p = Partition {
            start: 1_800_000,
            end: Some(150_000_000),
            shape: "one".into(),
            grudge: serde_json::from_value(json!({"n0": ["n1"], "n1": ["n0"]})).unwrap(),
        };
        let d = Diagram::read(small_run().as_bytes(), &[p], &Options::default()).unwrap();
        let svg = d.to_svg("t");
        assert_eq!(count(&svg, r#"class="partition""#), 2, "band + legend");
        assert_eq!(count(&svg, r#"class="cut-off""#), 1);
        assert!(svg.contains("partition: one: n0 | n1"));
    }

    #[test]
    fn bad_lines_are_named() {
        let err = Diagram::read("{\"type\":\"send\"}\n".as_bytes(), &[], &Options::default())
            .unwrap_err();
        assert!(format!("{err:#}").contains("line 1: not a journal event"));
    }

    #[test]
    fn labels_fit_their_arrows() {
        let body = json!({"type": "broadcast_ok", "msg_id": 3, "in_reply_to": 2});
        assert_eq!(label(&body, 500.0), "broadcast_ok");
        let body = json!({"type": "read_ok", "messages": (0..100).collect::<Vec<_>>()});
        assert_eq!(label(&body, 1000.0).chars().count(), 48);
        assert_eq!(label(&body, 60.0), "read_ok …");
        assert!(label(&body, 0.0).starts_with("read_ok"));
    }
}
