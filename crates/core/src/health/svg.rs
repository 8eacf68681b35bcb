//! Sober bar charts drawn on the server: plain SVG, no script, no remote
//! resource, a title and description for assistive technology (each chart
//! also comes with a table on the page). Small counts (1 to 4) are never
//! drawn to scale: their bar is a uniform, lighter "< 5" bar, so no
//! individual can be singled out from a chart either.

use super::SMALL;

/// A count as shown: "< 5" for 1 to 4.
pub fn shown(n: i64) -> String {
    if n > 0 && n < SMALL {
        format!("< {SMALL}")
    } else {
        n.to_string()
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const W: i64 = 640;
const H: i64 = 180;
const LEFT: i64 = 40;
const BOTTOM: i64 = 24;
const TOP: i64 = 10;

/// A bar chart of `values` (one per label, oldest first). `id` makes the
/// title and description ids unique on the page.
pub fn bars(id: &str, title: &str, desc: &str, labels: &[String], values: &[i64]) -> String {
    let n = values.len().max(1) as i64;
    // The scale starts at SMALL so a "< 5" bar never reveals its count.
    let max = values.iter().copied().max().unwrap_or(0).max(SMALL);
    let plot_w = W - LEFT - 8;
    let plot_h = H - TOP - BOTTOM;
    let slot = plot_w / n;
    let bar_w = (slot * 7 / 10).max(2);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {W} {H}\" \
         role=\"img\" aria-labelledby=\"{id}-t {id}-d\" preserveAspectRatio=\"xMinYMin meet\">\
         <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        esc(title),
        esc(desc)
    );
    // Axis and two grid lines with their values.
    let base = TOP + plot_h;
    out.push_str(&format!(
        "<line class=\"chart-axis\" x1=\"{LEFT}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\"/>",
        W - 8
    ));
    for v in [max / 2, max] {
        let y = base - v * plot_h / max;
        out.push_str(&format!(
            "<line class=\"chart-grid\" x1=\"{LEFT}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\"/>\
             <text class=\"chart-label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{v}</text>",
            W - 8,
            LEFT - 4,
            y + 4
        ));
    }
    for (i, v) in values.iter().enumerate() {
        let x = LEFT + i as i64 * slot + (slot - bar_w) / 2;
        if *v > 0 {
            let (h, class) = if *v < SMALL {
                (SMALL * plot_h / max, "chart-bar chart-bar-small")
            } else {
                (v * plot_h / max, "chart-bar")
            };
            out.push_str(&format!(
                "<rect class=\"{class}\" x=\"{x}\" y=\"{}\" width=\"{bar_w}\" height=\"{h}\"/>",
                base - h
            ));
        }
        // Every fourth label, and the last one.
        if i % 4 == 0 || i + 1 == values.len() {
            if let Some(l) = labels.get(i) {
                out.push_str(&format!(
                    "<text class=\"chart-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                    x + bar_w / 2,
                    H - 6,
                    esc(l)
                ));
            }
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_are_hidden() {
        assert_eq!(shown(0), "0");
        assert_eq!(shown(1), "< 5");
        assert_eq!(shown(4), "< 5");
        assert_eq!(shown(5), "5");
    }

    #[test]
    fn small_bars_have_one_height() {
        let l: Vec<String> = (0..3).map(|i| i.to_string()).collect();
        let a = bars("a", "t", "d", &l, &[1, 0, 20]);
        let b = bars("a", "t", "d", &l, &[4, 0, 20]);
        assert_eq!(a, b, "1 and 4 draw the same chart");
        assert!(a.contains("chart-bar-small"));
        assert!(!bars("a", "t", "d", &l, &[5, 0, 20]).contains("chart-bar-small"));
    }
}
