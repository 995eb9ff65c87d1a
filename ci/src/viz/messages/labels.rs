//! Arrow labels: each message's text, placed along its arrow where it overlaps no recent
//! label if it can.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;

use serde_json::Value;

use crate::viz::svg::{escape, num, truncate};

/// Average width of a label character, in px.
const CHAR_WIDTH: f64 = 6.4;
/// How many recent labels a new one is kept clear of.
const LABELS_CHECKED: usize = 300;

/// Arrow labels, each placed along its arrow where it overlaps no recent label if it can:
/// at the middle, or else nearer one end.
#[derive(Default)]
pub(super) struct Labels {
    pub(super) markup: String,
    /// Bounding boxes (left, top, right, bottom) of the most recent labels.
    pub(super) boxes: VecDeque<[f64; 4]>,
    /// Rows (top, bottom) kept free for the repeated lane names.
    pub(super) reserved: Vec<(f64, f64)>,
}

impl Labels {
    pub(super) fn along(
        &mut self,
        class: &str,
        body: &Value,
        (x0, y0): (f64, f64),
        (x1, y1): (f64, f64),
    ) {
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
    pub(super) fn beside_loop(&mut self, class: &str, body: &Value, x: f64, y: f64) {
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

/// The arrow's text: the type, then the other body fields as `key=value` (leaving out
/// `msg_id` and `in_reply_to`), cut to 48 characters or to what fits along the arrow.
pub(super) fn label(body: &Value, room_px: f64) -> String {
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
