//! A few lines of SVG writing shared by every picture: escaping, number formatting, the
//! document frame and the palette. Pictures build their markup with `write!` into an
//! [`Svg`], so the markup stays visible in the code that draws it.

use std::fmt::Write as _;

/// Colours shared by all pictures, so a colour means the same thing everywhere.
pub mod palette {
    /// Operations that completed `ok`.
    pub const OK: &str = "#2f7dd1";
    /// Operations that completed `fail` (certainly did not happen).
    pub const FAIL: &str = "#d6336c";
    /// Operations that completed `info` (may or may not have happened).
    pub const INFO: &str = "#f08c00";
    /// Messages to or from a client.
    pub const CLIENT: &str = "#4d96e0";
    /// Messages between server nodes.
    pub const SERVER: &str = "#343a40";
    /// Messages between a node and a service (lin-kv, seq-kv, ...).
    pub const SERVICE: &str = "#7048c8";
    /// Error replies.
    pub const ERROR: &str = "#e6007a";
    /// Messages a partition dropped.
    pub const DROP: &str = "#e8590c";
    /// The shading of a partition.
    pub const PARTITION: &str = "#ffa94d";
    /// Secondary text.
    pub const MUTED: &str = "#868e96";
}

/// An SVG document being written.
pub struct Svg {
    out: String,
}

impl Svg {
    /// Starts a document of the given size. `style` is extra CSS for this picture.
    pub fn new(width: f64, height: f64, style: &str) -> Svg {
        let mut out = String::new();
        let _ = write!(
            out,
            r##"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w}" height="{h}" viewBox="0 0 {w} {h}">
<style>
svg {{ font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 12px; fill: #212529; }}
.muted {{ fill: {muted}; }}
.title {{ font-size: 16px; font-weight: bold; }}
.small {{ font-size: 11px; }}
.halo {{ paint-order: stroke; stroke: #fff; stroke-width: 3.5px; stroke-linejoin: round; }}
{style}
</style>
<rect width="100%" height="100%" fill="#fff"/>
"##,
            w = num(width),
            h = num(height),
            muted = palette::MUTED,
        );
        Svg { out }
    }

    /// Appends raw markup.
    pub fn raw(&mut self, markup: &str) {
        self.out.push_str(markup);
    }

    /// Text anchored at `(x, y)`; `attrs` is extra attributes (`class`, `text-anchor`, ...).
    pub fn text(&mut self, x: f64, y: f64, attrs: &str, text: &str) {
        let _ = writeln!(
            self.out,
            r#"<text x="{}" y="{}" {attrs}>{}</text>"#,
            num(x),
            num(y),
            escape(text)
        );
    }

    pub fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), attrs: &str) {
        let _ = writeln!(
            self.out,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" {attrs}/>"#,
            num(x1),
            num(y1),
            num(x2),
            num(y2)
        );
    }

    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, attrs: &str) {
        let _ = writeln!(
            self.out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" {attrs}/>"#,
            num(x),
            num(y),
            num(w.max(0.0)),
            num(h.max(0.0))
        );
    }

    /// A tooltip for the element opened just before (browsers show it on hover).
    pub fn title(&mut self, text: &str) {
        let _ = write!(self.out, "<title>{}</title>", escape(text));
    }

    pub fn finish(mut self) -> String {
        self.out.push_str("</svg>\n");
        self.out
    }
}

impl std::fmt::Write for Svg {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.out.push_str(s);
        Ok(())
    }
}

/// A coordinate with one decimal, trailing zeros dropped: small files, no visible rounding.
pub fn num(v: f64) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    let s = format!("{v:.1}");
    match s.strip_suffix(".0") {
        Some("-0") => "0".to_string(),
        Some(whole) => whole.to_string(),
        None => s,
    }
}

/// Escapes text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Control characters are not allowed in XML at all.
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Cuts `s` to at most `max` characters, marking the cut with an ellipsis.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(2.25), "2.2");
        assert_eq!(num(-0.01), "0");
        assert_eq!(num(f64::NAN), "0");
    }

    #[test]
    fn text_is_escaped_and_cut() {
        assert_eq!(escape(r#"<a & "b">"#), "&lt;a &amp; &quot;b&quot;&gt;");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(truncate("ééééé", 3), "éé…");
    }
}
