//! The server-rendered SVG map: Québec's outline (assets/maps, CC BY 4.0),
//! an optional territory boundary, and points — territories, communities,
//! and whatever another domain hands in as `MapPoint`s (organisations,
//! initiatives) — clustered on a grid, each linking to its page. No
//! script, no third-party request; the page puts the accessible list
//! (`MapView::items`) beside it.

use super::geo::Ring;

/// The outline's path data, in the asset's coordinates (viewBox 0 0 793 1032).
pub const QUEBEC_OUTLINE: &str = include_str!("../../../../assets/maps/quebec.svgpath");

/// The outline's extent in its own coordinates (x0, y0, x1, y1).
const QUEBEC_BOX: (f64, f64, f64, f64) = (549.6, 719.3, 752.4, 990.4);

/// WGS 84 (lat, lon) to the asset's Mercator coordinates (see assets/maps/README.md).
pub fn project(lat: f64, lon: f64) -> (f64, f64) {
    let lat = lat.clamp(-85.0, 85.0).to_radians();
    (
        1263.24 + 8.947 * lon,
        1442.1 - 512.6 * (std::f64::consts::FRAC_PI_4 + lat / 2.0).tan().ln(),
    )
}

/// A point any domain may put on the map.
#[derive(Debug, Clone)]
pub struct MapPoint {
    pub lat: f64,
    pub lon: f64,
    pub label: String,
    pub href: String,
    /// A short kind for styling and the list ("territory", "community",
    /// "organisation", "initiative"…): CSS class `map-<kind>`.
    pub kind: &'static str,
    /// A count drawn on the point (a territory's communities), or 1.
    pub weight: i64,
}

/// One drawn marker: a single point or a cluster of several.
#[derive(Debug, Clone)]
pub struct Marker {
    pub x: f64,
    pub y: f64,
    pub r: f64,
    /// Indexes into `MapView::items`.
    pub members: Vec<usize>,
    pub weight: i64,
}

/// Entries in the list beside a map at most: the map draws every point
/// (clustered), the list names the first ones and says how many more
/// there are (the page links to the filtered directories for them).
pub const LIST_MAX: usize = 100;

/// Names in a cluster's tooltip at most, then "(+N)".
const CLUSTER_NAMES: usize = 8;

/// What a page needs to show a map and its list.
#[derive(Debug, Clone)]
pub struct MapView {
    /// The whole `<svg>` element.
    pub svg: String,
    /// The first `LIST_MAX` points, in list order (the accessible
    /// alternative); the entry `n` has the id `<list_anchor>-<n>`.
    pub items: Vec<MapPoint>,
    /// How many points the map draws beyond `items` (the list's
    /// `<list_anchor>-more` entry says so).
    pub more: usize,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The frame: the boundary's and points' extent, padded, at least ~1° wide;
/// the whole province when there is nothing else.
fn frame(points: &[(f64, f64)], rings: &[Vec<(f64, f64)>]) -> (f64, f64, f64, f64) {
    let mut xs: Vec<(f64, f64)> = points.to_vec();
    for r in rings {
        xs.extend(r.iter().copied());
    }
    if xs.is_empty() {
        let (x0, y0, x1, y1) = QUEBEC_BOX;
        return (x0 - 4.0, y0 - 4.0, x1 - x0 + 8.0, y1 - y0 + 8.0);
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (x, y) in xs {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    let min_span = 9.0;
    let (w, h) = ((x1 - x0).max(min_span), (y1 - y0).max(min_span));
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let pad = 0.12;
    let (w, h) = (w * (1.0 + 2.0 * pad), h * (1.0 + 2.0 * pad));
    (cx - w / 2.0, cy - h / 2.0, w, h)
}

/// Group points on a grid of `cells` × `cells` over the frame.
pub fn cluster(
    projected: &[(f64, f64)],
    weights: &[i64],
    frame: (f64, f64, f64, f64),
    cells: f64,
) -> Vec<Marker> {
    let (fx, fy, fw, fh) = frame;
    let size = fw.max(fh) / cells;
    let mut groups: Vec<((i64, i64), Vec<usize>)> = Vec::new();
    for (i, (x, y)) in projected.iter().enumerate() {
        let key = (
            ((x - fx) / size).floor() as i64,
            ((y - fy) / size).floor() as i64,
        );
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(i),
            None => groups.push((key, vec![i])),
        }
    }
    let base = fw.max(fh) / 90.0;
    groups
        .into_iter()
        .map(|(_, members)| {
            let n = members.len() as f64;
            let x = members.iter().map(|&i| projected[i].0).sum::<f64>() / n;
            let y = members.iter().map(|&i| projected[i].1).sum::<f64>() / n;
            let weight: i64 = members.iter().map(|&i| weights[i].max(1)).sum();
            Marker {
                x,
                y,
                r: base * (1.0 + (weight as f64).ln().max(0.0) * 0.5).min(3.0),
                members,
                weight,
            }
        })
        .collect()
}

/// Draw the map. `title` names it for assistive technology; `boundary`
/// is the territory's outer rings (lon, lat) when it has some;
/// `list_anchor` is the id of the list beside the map (a cluster links to
/// its first entry there, `#<list_anchor>-<n>`).
pub fn render(title: &str, boundary: &[Ring], points: Vec<MapPoint>, list_anchor: &str) -> MapView {
    let projected: Vec<(f64, f64)> = points.iter().map(|p| project(p.lat, p.lon)).collect();
    let rings: Vec<Vec<(f64, f64)>> = boundary
        .iter()
        .map(|r| r.iter().map(|&(lon, lat)| project(lat, lon)).collect())
        .collect();
    let f = frame(&projected, &rings);
    let weights: Vec<i64> = points.iter().map(|p| p.weight).collect();
    let markers = cluster(&projected, &weights, f, 24.0);
    let (fx, fy, fw, fh) = f;
    let mut s = format!(
        "<svg class=\"map\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{fx:.2} {fy:.2} {fw:.2} {fh:.2}\" \
         role=\"group\" aria-labelledby=\"map-title\" preserveAspectRatio=\"xMidYMid meet\"><title id=\"map-title\">{}</title>",
        esc(title)
    );
    s.push_str(&format!(
        "<rect class=\"map-water\" x=\"{fx:.2}\" y=\"{fy:.2}\" width=\"{fw:.2}\" height=\"{fh:.2}\"/>\
         <path class=\"map-land\" d=\"{}\" vector-effect=\"non-scaling-stroke\"/>",
        QUEBEC_OUTLINE.trim()
    ));
    for r in &rings {
        let mut d = String::new();
        for (i, (x, y)) in r.iter().enumerate() {
            d.push_str(&format!("{}{x:.2},{y:.2}", if i == 0 { "M" } else { "L" }));
        }
        d.push('Z');
        s.push_str(&format!(
            "<path class=\"map-boundary\" d=\"{d}\" vector-effect=\"non-scaling-stroke\"/>"
        ));
    }
    for m in &markers {
        let first = m.members[0];
        let p = &points[first];
        let (href, label) = if m.members.len() == 1 {
            (p.href.clone(), p.label.clone())
        } else {
            let names: Vec<&str> = m
                .members
                .iter()
                .take(CLUSTER_NAMES)
                .map(|&i| points[i].label.as_str())
                .collect();
            let mut label = names.join(", ");
            if m.members.len() > CLUSTER_NAMES {
                label.push_str(&format!(", … (+{})", m.members.len() - CLUSTER_NAMES));
            }
            // A cluster links to its first entry in the list, or to the
            // list's "more" line when that entry is past the cap.
            let href = if first < LIST_MAX {
                format!("#{list_anchor}-{first}")
            } else {
                format!("#{list_anchor}-more")
            };
            (href, label)
        };
        let class = if m.members.len() == 1 {
            p.kind
        } else {
            "cluster"
        };
        s.push_str(&format!(
            "<a href=\"{}\" class=\"map-{class}\"><title>{}</title><circle cx=\"{:.2}\" cy=\"{:.2}\" r=\"{:.2}\" vector-effect=\"non-scaling-stroke\"/>",
            esc(&href),
            esc(&label),
            m.x,
            m.y,
            m.r
        ));
        if m.weight > 1 {
            s.push_str(&format!(
                "<text x=\"{:.2}\" y=\"{:.2}\" font-size=\"{:.2}\" text-anchor=\"middle\" dominant-baseline=\"central\" aria-hidden=\"true\">{}</text>",
                m.x,
                m.y,
                m.r * 1.1,
                m.weight
            ));
        }
        s.push_str("</a>");
    }
    s.push_str("</svg>");
    let mut items = points;
    let more = items.len().saturating_sub(LIST_MAX);
    items.truncate(LIST_MAX);
    MapView {
        svg: s,
        items,
        more,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(lat: f64, lon: f64, label: &str) -> MapPoint {
        MapPoint {
            lat,
            lon,
            label: label.into(),
            href: format!("/t/{label}"),
            kind: "community",
            weight: 1,
        }
    }

    #[test]
    fn projection_matches_the_outline() {
        // The 45th parallel is the outline's southern edge; Blanc-Sablon its eastern end.
        let (_, y) = project(45.0, -73.0);
        assert!((y - 990.3).abs() < 0.5, "{y}");
        let (x, _) = project(51.4, -57.1);
        assert!((x - 752.4).abs() < 0.5, "{x}");
        assert!(QUEBEC_OUTLINE.starts_with('m') && QUEBEC_OUTLINE.len() > 10_000);
    }

    #[test]
    fn near_points_cluster_and_far_ones_do_not() {
        let view = render(
            "Carte",
            &[],
            vec![
                pt(45.50, -73.57, "a"),
                pt(45.51, -73.56, "b"),
                pt(48.45, -68.52, "c"),
            ],
            "liste",
        );
        // Montréal's two points make one cluster linking to the list; Rimouski stands alone.
        assert!(view.svg.contains("href=\"#liste-0\""), "{}", view.svg);
        assert!(view.svg.contains("<title>a, b</title>"));
        assert!(view.svg.contains("href=\"/t/c\""));
        assert_eq!(view.svg.matches("<circle").count(), 2);
        assert_eq!(view.items.len(), 3);
    }

    #[test]
    fn the_list_is_capped_and_clusters_name_a_few() {
        // 130 points in Montréal: one cluster, a list of LIST_MAX, 30 more.
        let points: Vec<MapPoint> = (0..130)
            .map(|i| pt(45.5, -73.57, &format!("p{i}")))
            .collect();
        let view = render("Carte", &[], points, "liste");
        assert_eq!(view.items.len(), LIST_MAX);
        assert_eq!(view.more, 30);
        assert_eq!(view.svg.matches("<circle").count(), 1);
        assert!(
            view.svg
                .contains("<title>p0, p1, p2, p3, p4, p5, p6, p7, … (+122)</title>"),
            "{}",
            view.svg
        );
        // A cluster whose first point is past the cap links to the "more" line.
        let mut far: Vec<MapPoint> = (0..LIST_MAX)
            .map(|i| pt(48.45, -68.52, &format!("r{i}")))
            .collect();
        far.push(pt(45.50, -73.57, "m0"));
        far.push(pt(45.50, -73.57, "m1"));
        let view = render("Carte", &[], far, "liste");
        assert!(view.svg.contains("href=\"#liste-more\""), "{}", view.svg);
        assert_eq!(view.more, 2);
    }

    #[test]
    fn labels_are_escaped() {
        let view = render("<Carte>", &[], vec![pt(46.0, -72.0, "x\"><script>")], "l");
        assert!(!view.svg.contains("<script>") && view.svg.contains("&lt;Carte&gt;"));
    }
}
