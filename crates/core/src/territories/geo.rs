//! Geometry for territories: checking a GeoJSON boundary, its centroid,
//! and a simplified copy for display (Douglas–Peucker per ring). WGS 84
//! degrees throughout; projected coordinates are refused with a message.

use serde_json::{Value, json};

/// Tolerance of the display simplification, in degrees (~100 m).
pub const SIMPLIFY_DEGREES: f64 = 0.001;

/// Why a geometry was refused (message key suffix `territory-geometry-<why>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryError {
    /// Not a Point, Polygon or MultiPolygon.
    Kind,
    /// Coordinates missing, not numbers, or a ring too short or not closed.
    Shape,
    /// Coordinates outside longitude/latitude ranges (a projected file).
    Projected,
}

impl GeometryError {
    pub fn key(self) -> &'static str {
        match self {
            GeometryError::Kind => "territory-geometry-kind",
            GeometryError::Shape => "territory-geometry-shape",
            GeometryError::Projected => "territory-geometry-projected",
        }
    }
}

pub type Ring = Vec<(f64, f64)>;

/// A checked geometry: a point, or polygons (each a list of rings, the
/// first the outer one), in (lon, lat).
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Point(f64, f64),
    Polygons(Vec<Vec<Ring>>),
}

fn position(v: &Value) -> Result<(f64, f64), GeometryError> {
    let a = v.as_array().ok_or(GeometryError::Shape)?;
    if a.len() < 2 {
        return Err(GeometryError::Shape);
    }
    let x = a[0].as_f64().ok_or(GeometryError::Shape)?;
    let y = a[1].as_f64().ok_or(GeometryError::Shape)?;
    if !x.is_finite() || !y.is_finite() {
        return Err(GeometryError::Shape);
    }
    if !(-180.0..=180.0).contains(&x) || !(-90.0..=90.0).contains(&y) {
        return Err(GeometryError::Projected);
    }
    Ok((x, y))
}

fn ring(v: &Value) -> Result<Ring, GeometryError> {
    let pts = v
        .as_array()
        .ok_or(GeometryError::Shape)?
        .iter()
        .map(position)
        .collect::<Result<Ring, _>>()?;
    if pts.len() < 4 || pts.first() != pts.last() {
        return Err(GeometryError::Shape);
    }
    Ok(pts)
}

fn polygon(v: &Value) -> Result<Vec<Ring>, GeometryError> {
    let rings = v
        .as_array()
        .ok_or(GeometryError::Shape)?
        .iter()
        .map(ring)
        .collect::<Result<Vec<_>, _>>()?;
    if rings.is_empty() {
        return Err(GeometryError::Shape);
    }
    Ok(rings)
}

/// Check a GeoJSON geometry object.
pub fn parse(geometry: &Value) -> Result<Shape, GeometryError> {
    let coords = geometry.get("coordinates").ok_or(GeometryError::Shape)?;
    match geometry.get("type").and_then(Value::as_str) {
        Some("Point") => {
            let (x, y) = position(coords)?;
            Ok(Shape::Point(x, y))
        }
        Some("Polygon") => Ok(Shape::Polygons(vec![polygon(coords)?])),
        Some("MultiPolygon") => {
            let polys = coords
                .as_array()
                .ok_or(GeometryError::Shape)?
                .iter()
                .map(polygon)
                .collect::<Result<Vec<_>, _>>()?;
            if polys.is_empty() {
                return Err(GeometryError::Shape);
            }
            Ok(Shape::Polygons(polys))
        }
        _ => Err(GeometryError::Kind),
    }
}

/// Signed area and centroid of a ring (shoelace), in degrees.
fn ring_area_centroid(r: &Ring) -> (f64, f64, f64) {
    let mut a = 0.0;
    let (mut cx, mut cy) = (0.0, 0.0);
    for w in r.windows(2) {
        let (x0, y0) = w[0];
        let (x1, y1) = w[1];
        let cross = x0 * y1 - x1 * y0;
        a += cross;
        cx += (x0 + x1) * cross;
        cy += (y0 + y1) * cross;
    }
    a /= 2.0;
    if a.abs() < 1e-12 {
        let n = r.len().max(1) as f64;
        let sx: f64 = r.iter().map(|p| p.0).sum();
        let sy: f64 = r.iter().map(|p| p.1).sum();
        return (0.0, sx / n, sy / n);
    }
    (a, cx / (6.0 * a), cy / (6.0 * a))
}

/// The centroid (lat, lon) of a shape: area-weighted over the outer rings
/// (holes ignored: a display point, not a survey).
pub fn centroid(s: &Shape) -> (f64, f64) {
    match s {
        Shape::Point(x, y) => (*y, *x),
        Shape::Polygons(polys) => {
            let (mut wa, mut wx, mut wy) = (0.0, 0.0, 0.0);
            let mut first = None;
            for p in polys {
                let (a, x, y) = ring_area_centroid(&p[0]);
                first.get_or_insert((y, x));
                wa += a.abs();
                wx += x * a.abs();
                wy += y * a.abs();
            }
            if wa > 0.0 {
                (wy / wa, wx / wa)
            } else {
                first.unwrap_or((0.0, 0.0))
            }
        }
    }
}

fn perpendicular(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt();
    if len == 0.0 {
        return ((p.0 - a.0).powi(2) + (p.1 - a.1).powi(2)).sqrt();
    }
    ((p.0 - a.0) * dy - (p.1 - a.1) * dx).abs() / len
}

/// Douglas–Peucker on an open polyline (iterative: no recursion depth).
pub fn simplify_line(pts: &[(f64, f64)], tolerance: f64) -> Vec<(f64, f64)> {
    if pts.len() < 3 {
        return pts.to_vec();
    }
    let mut keep = vec![false; pts.len()];
    keep[0] = true;
    keep[pts.len() - 1] = true;
    let mut stack = vec![(0usize, pts.len() - 1)];
    while let Some((s, e)) = stack.pop() {
        let mut best = (0.0, 0usize);
        for i in s + 1..e {
            let d = perpendicular(pts[i], pts[s], pts[e]);
            if d > best.0 {
                best = (d, i);
            }
        }
        if best.0 > tolerance {
            keep[best.1] = true;
            stack.push((s, best.1));
            stack.push((best.1, e));
        }
    }
    pts.iter()
        .zip(keep)
        .filter_map(|(p, k)| k.then_some(*p))
        .collect()
}

/// A ring simplified, still closed with at least four positions (a ring
/// that would collapse keeps its original points).
fn simplify_ring(r: &Ring, tolerance: f64) -> Option<Ring> {
    // Split at the point farthest from the first, so both halves are lines.
    let far = (1..r.len())
        .max_by(|&a, &b| {
            let da = (r[a].0 - r[0].0).powi(2) + (r[a].1 - r[0].1).powi(2);
            let db = (r[b].0 - r[0].0).powi(2) + (r[b].1 - r[0].1).powi(2);
            da.total_cmp(&db)
        })
        .unwrap_or(0);
    let mut out = simplify_line(&r[..=far], tolerance);
    let back = simplify_line(&r[far..], tolerance);
    out.extend_from_slice(&back[1..]);
    (out.len() >= 4).then_some(out)
}

/// The display copy of a shape as a GeoJSON geometry string (rings that
/// collapse at this tolerance — islets — are dropped; a polygon whose
/// outer ring collapses is dropped whole). `None` for points.
pub fn simplified_geojson(s: &Shape, tolerance: f64) -> Option<String> {
    let Shape::Polygons(polys) = s else {
        return None;
    };
    let mut out: Vec<Vec<Vec<[f64; 2]>>> = Vec::new();
    for p in polys {
        let Some(outer) = simplify_ring(&p[0], tolerance) else {
            continue;
        };
        let mut rings = vec![outer];
        rings.extend(p[1..].iter().filter_map(|h| simplify_ring(h, tolerance)));
        out.push(
            rings
                .into_iter()
                .map(|r| r.into_iter().map(|(x, y)| [round6(x), round6(y)]).collect())
                .collect(),
        );
    }
    let geometry = match out.len() {
        0 => return None,
        1 => json!({"type": "Polygon", "coordinates": out.remove(0)}),
        _ => json!({"type": "MultiPolygon", "coordinates": out}),
    };
    Some(geometry.to_string())
}

/// Six decimals: about 10 cm, more than a display needs.
pub fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// Outer rings of a stored (simplified) boundary, for drawing.
pub fn outer_rings(boundary: &str) -> Vec<Ring> {
    let Ok(v) = serde_json::from_str::<Value>(boundary) else {
        return Vec::new();
    };
    match parse(&v) {
        Ok(Shape::Polygons(polys)) => polys
            .into_iter()
            .filter_map(|p| p.into_iter().next())
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_geometries() {
        let ok = json!({"type": "Polygon", "coordinates": [[[-72.0, 46.0], [-72.5, 46.0], [-72.5, 46.5], [-72.0, 46.0]]]});
        assert!(matches!(parse(&ok), Ok(Shape::Polygons(_))));
        let open = json!({"type": "Polygon", "coordinates": [[[-72.0, 46.0], [-72.5, 46.0], [-72.5, 46.5], [-72.1, 46.0]]]});
        assert_eq!(parse(&open), Err(GeometryError::Shape));
        let projected = json!({"type": "Point", "coordinates": [-7_990_000.0, 5_800_000.0]});
        assert_eq!(parse(&projected), Err(GeometryError::Projected));
        assert_eq!(
            parse(&json!({"type": "LineString", "coordinates": []})),
            Err(GeometryError::Kind)
        );
    }

    #[test]
    fn centroid_of_a_square_is_its_middle() {
        let sq = Shape::Polygons(vec![vec![vec![
            (-73.0, 45.0),
            (-72.0, 45.0),
            (-72.0, 46.0),
            (-73.0, 46.0),
            (-73.0, 45.0),
        ]]]);
        let (lat, lon) = centroid(&sq);
        assert!((lat - 45.5).abs() < 1e-9 && (lon + 72.5).abs() < 1e-9);
    }

    #[test]
    fn simplification_drops_points_within_tolerance_and_keeps_rings_closed() {
        // A square with many nearly collinear points along its edges.
        let mut r: Ring = Vec::new();
        for i in 0..100 {
            r.push((
                -73.0 + i as f64 / 100.0,
                45.0 + if i % 2 == 0 { 0.0 } else { 0.0001 },
            ));
        }
        r.extend([(-72.0, 45.0), (-72.0, 46.0), (-73.0, 46.0), (-73.0, 45.0)]);
        let s = Shape::Polygons(vec![vec![r.clone()]]);
        let out = simplified_geojson(&s, SIMPLIFY_DEGREES).expect("kept");
        let back = parse(&serde_json::from_str(&out).expect("json")).expect("valid");
        let Shape::Polygons(p) = back else {
            panic!("polygon")
        };
        assert!(p[0][0].len() < 10, "{} points", p[0][0].len());
        assert_eq!(p[0][0].first(), p[0][0].last());
    }
}
