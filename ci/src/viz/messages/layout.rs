//! Where everything goes: lanes left to right in Maelstrom's order, and a row for every
//! event down the page, with quiet stretches shortened.

use std::collections::HashMap;

use super::{Diagram, Role, lane_name};
use crate::viz::natural_key;

// Page geometry, in px.
/// The width a compact diagram aims at, and the least width of any.
pub(super) const COMPACT_WIDTH: f64 = 820.0;
pub(super) const GUTTER: f64 = 86.0;
pub(super) const RIGHT_MARGIN: f64 = 24.0;
pub(super) const HEADER: f64 = 150.0;
pub(super) const FOOTER: f64 = 70.0;
/// The least vertical distance between two events.
pub(super) const ROW: f64 = 18.0;
/// How far apart two events a millisecond apart are drawn, when that is more than a row.
pub(super) const PX_PER_MS: f64 = 0.5;
/// Longer pauses than this are shortened to it, with a mark saying how long they were.
pub(super) const MAX_GAP: f64 = 70.0;
/// The lane names are repeated this often down the page.
pub(super) const REPEAT_NAMES: f64 = 900.0;

pub(super) struct Lane {
    pub(super) name: String,
    pub(super) role: Role,
    pub(super) x: f64,
}

/// Where everything goes.
pub(super) struct Layout {
    pub(super) lanes: Vec<Lane>,
    pub(super) lane_x: HashMap<String, f64>,
    /// The y of each event, in the order of `Diagram::events`.
    pub(super) ys: Vec<f64>,
    /// Pauses drawn shorter than they were: (y between the two rows, real length in ms).
    pub(super) breaks: Vec<(f64, f64)>,
    pub(super) width: f64,
    pub(super) height: f64,
    pub(super) node_lane_width: f64,
    pub(super) merge_clients: bool,
}

impl Layout {
    pub(super) fn new<'a>(d: &'a Diagram) -> Layout {
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
    pub(super) fn x_of(&self, name: &str) -> Option<f64> {
        self.lane_x
            .get(lane_name(self.merge_clients, name))
            .copied()
    }

    /// The y at which time `t` (ns) falls, between the rows around it.
    pub(super) fn y_at(&self, d: &Diagram, t: i64) -> f64 {
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
}
