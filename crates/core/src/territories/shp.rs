//! Zipped shapefiles, as Données Québec publishes the "Découpages
//! administratifs" layers (`regio_s`, `mrc_s`, `munic_s`): a `.zip` holding
//! `.shp` (geometry), `.dbf` (attributes), `.prj` (coordinate system) and
//! sometimes `.cpg` (text encoding).
//!
//! Each layer is turned into GeoJSON features (properties from the DBF,
//! geometry in longitude/latitude) and read by the same code as a GeoJSON
//! file (`import::parse_features`), so the per-line report, the parents and
//! the simplification are the same whatever the format.
//!
//! Coordinates: geographic systems (NAD83, WGS84; no `.prj` means
//! geographic) are taken as they are — NAD83 and WGS84 differ by about a
//! metre, far below the display simplification. A Lambert conformal conic
//! projection (NAD83 / Québec Lambert, EPSG:32198, and its kin) is inverted
//! here; any other projection refuses the file with a message that says how
//! to export it.
//!
//! Bounds: the archive is at most `import::MAX_BYTES`; each member is read
//! up to `MAX_MEMBER` bytes (a zip bomb stops there), and at most
//! `MAX_FEATURES` shapes are read.

use std::io::{Cursor, Read};

use serde_json::{Map, Value, json};

use super::import::FileError;
use super::{Level, import};
use shapefile::dbase;

/// Largest member of the archive read (bytes, uncompressed).
const MAX_MEMBER: u64 = 256 * 1024 * 1024;
/// Most shapes read from one layer.
const MAX_FEATURES: usize = 200_000;

/// Whether these bytes are a zip archive.
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// One layer of the archive: its members.
struct Layer {
    shp: Vec<u8>,
    dbf: Vec<u8>,
    prj: Option<String>,
}

fn read_member(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, i: usize) -> Result<Vec<u8>, FileError> {
    let f = zip.by_index(i).map_err(|_| FileError::Unreadable)?;
    if f.size() > MAX_MEMBER {
        return Err(FileError::TooLarge);
    }
    // Grown as read: a declared size is not trusted for an allocation.
    let mut out = Vec::with_capacity(f.size().min(1 << 20) as usize);
    // The declared size can lie: read one byte past the cap to know.
    f.take(MAX_MEMBER + 1)
        .read_to_end(&mut out)
        .map_err(|_| FileError::Unreadable)?;
    if out.len() as u64 > MAX_MEMBER {
        return Err(FileError::TooLarge);
    }
    Ok(out)
}

/// The layers of the archive (a `.shp` with its `.dbf`), by base name.
fn layers(bytes: &[u8]) -> Result<Vec<Layer>, FileError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| FileError::Unreadable)?;
    let names: Vec<String> = (0..zip.len())
        .map(|i| {
            zip.name_for_index(i)
                .and_then(|r| r.ok())
                .map(|n| n.into_owned())
                .unwrap_or_default()
        })
        .collect();
    let find = |base: &str, ext: &str| {
        names.iter().position(|n| {
            n.len() == base.len() + ext.len()
                && n.starts_with(base)
                && n[base.len()..].eq_ignore_ascii_case(ext)
        })
    };
    let mut bases: Vec<String> = names
        .iter()
        .filter(|n| !n.starts_with("__MACOSX/"))
        .filter_map(|n| {
            let dot = n.len().checked_sub(4)?;
            (n.is_char_boundary(dot) && n[dot..].eq_ignore_ascii_case(".shp"))
                .then(|| n[..dot].to_string())
        })
        .collect();
    bases.sort();
    let mut out = Vec::new();
    for base in bases {
        let (Some(shp), Some(dbf)) = (find(&base, ".shp"), find(&base, ".dbf")) else {
            continue;
        };
        let prj = match find(&base, ".prj") {
            Some(i) => Some(String::from_utf8_lossy(&read_member(&mut zip, i)?).into_owned()),
            None => None,
        };
        out.push(Layer {
            shp: read_member(&mut zip, shp)?,
            dbf: read_member(&mut zip, dbf)?,
            prj,
        });
    }
    if out.is_empty() {
        return Err(FileError::NoShapefile);
    }
    Ok(out)
}

/// A DBF's text is UTF-8 when all of it is (Latin-1 accented bytes are
/// never valid UTF-8), else Windows-1252, what the official layers use.
fn dbf_reader(dbf: &[u8]) -> Result<dbase::Reader<Cursor<&[u8]>>, FileError> {
    let builder = dbase::ReaderBuilder::new();
    let builder = if std::str::from_utf8(dbf.get(32..).unwrap_or_default()).is_ok() {
        builder.with_encoding(dbase::encoding::Unicode)
    } else {
        builder.with_encoding(dbase::encoding::LossyCodePage(
            dbase::yore::code_pages::CP1252,
        ))
    };
    builder
        .build(Cursor::new(dbf))
        .map_err(|_| FileError::Unreadable)
}

/// From projected metres to (longitude, latitude) degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Crs {
    Geographic,
    Lambert(Lcc),
}

/// A Lambert conformal conic projection with two standard parallels on an
/// ellipsoid (Snyder, "Map Projections — A Working Manual", USGS 1987,
/// equations 15-9 to 15-11 and 7-9, inverse).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lcc {
    a: f64,
    e: f64,
    n: f64,
    f: f64,
    rho0: f64,
    lon0: f64,
    x0: f64,
    y0: f64,
}

impl Lcc {
    /// Angles in degrees; `a` in metres, `inv_f` the inverse flattening.
    pub fn new(
        a: f64,
        inv_f: f64,
        lat1: f64,
        lat2: f64,
        lat0: f64,
        lon0: f64,
        x0: f64,
        y0: f64,
    ) -> Option<Lcc> {
        let fl = 1.0 / inv_f;
        let e = (2.0 * fl - fl * fl).sqrt();
        let (p1, p2, p0) = (lat1.to_radians(), lat2.to_radians(), lat0.to_radians());
        let m = |p: f64| p.cos() / (1.0 - e * e * p.sin().powi(2)).sqrt();
        let t = |p: f64| {
            (std::f64::consts::FRAC_PI_4 - p / 2.0).tan()
                / ((1.0 - e * p.sin()) / (1.0 + e * p.sin())).powf(e / 2.0)
        };
        let n = if (lat1 - lat2).abs() < 1e-10 {
            p1.sin()
        } else {
            (m(p1).ln() - m(p2).ln()) / (t(p1).ln() - t(p2).ln())
        };
        let f = m(p1) / (n * t(p1).powf(n));
        let rho0 = a * f * t(p0).powf(n);
        let ok = [n, f, rho0].iter().all(|v| v.is_finite()) && n != 0.0;
        ok.then_some(Lcc {
            a,
            e,
            n,
            f,
            rho0,
            lon0: lon0.to_radians(),
            x0,
            y0,
        })
    }

    /// (x, y) metres → (longitude, latitude) degrees.
    pub fn inverse(&self, x: f64, y: f64) -> (f64, f64) {
        let (dx, dy) = (x - self.x0, self.rho0 - (y - self.y0));
        let sign = self.n.signum();
        let rho = sign * (dx * dx + dy * dy).sqrt();
        let t = (rho / (self.a * self.f)).powf(1.0 / self.n);
        let theta = (sign * dx).atan2(sign * dy);
        let lon = theta / self.n + self.lon0;
        let half_pi = std::f64::consts::FRAC_PI_2;
        let mut lat = half_pi - 2.0 * t.atan();
        for _ in 0..15 {
            let es = self.e * lat.sin();
            let next = half_pi - 2.0 * (t * ((1.0 - es) / (1.0 + es)).powf(self.e / 2.0)).atan();
            let done = (next - lat).abs() < 1e-12;
            lat = next;
            if done {
                break;
            }
        }
        (lon.to_degrees(), lat.to_degrees())
    }
}

/// `PARAMETER["name", value]` of a WKT, case-insensitively.
fn wkt_param(wkt: &str, name: &str) -> Option<f64> {
    let lower = wkt.to_ascii_lowercase();
    let at = lower.find(&format!("parameter[\"{}\"", name.to_ascii_lowercase()))?;
    let rest = &wkt[at..];
    let value = rest.split(',').nth(1)?.split(']').next()?.trim();
    value.parse().ok()
}

/// The coordinate system a `.prj` (WKT 1, ESRI or OGC flavour) describes.
pub fn crs_of(prj: Option<&str>) -> Result<Crs, FileError> {
    let Some(wkt) = prj.map(str::trim).filter(|w| !w.is_empty()) else {
        return Ok(Crs::Geographic);
    };
    let upper = wkt.to_ascii_uppercase();
    if !upper.starts_with("PROJCS") {
        return if upper.starts_with("GEOGCS") {
            Ok(Crs::Geographic)
        } else {
            Err(FileError::Projection)
        };
    }
    if !upper.contains("LAMBERT_CONFORMAL_CONIC")
        || !upper.contains("UNIT[\"METER\"") && !upper.contains("UNIT[\"METRE\"")
    {
        return Err(FileError::Projection);
    }
    // SPHEROID["GRS_1980",6378137.0,298.257222101]
    let sph = upper.find("SPHEROID[").ok_or(FileError::Projection)?;
    let mut parts = wkt[sph..].split(',').skip(1);
    let a: f64 = parts
        .next()
        .and_then(|v| v.trim().parse().ok())
        .ok_or(FileError::Projection)?;
    let inv_f: f64 = parts
        .next()
        .and_then(|v| v.split(']').next()?.trim().parse().ok())
        .ok_or(FileError::Projection)?;
    let p = |n: &str| wkt_param(wkt, n);
    let lcc = Lcc::new(
        a,
        inv_f,
        p("standard_parallel_1").ok_or(FileError::Projection)?,
        p("standard_parallel_2")
            .or(p("standard_parallel_1"))
            .ok_or(FileError::Projection)?,
        p("latitude_of_origin").unwrap_or(0.0),
        p("central_meridian").unwrap_or(0.0),
        p("false_easting").unwrap_or(0.0),
        p("false_northing").unwrap_or(0.0),
    )
    .ok_or(FileError::Projection)?;
    Ok(Crs::Lambert(lcc))
}

fn lon_lat(crs: Crs, x: f64, y: f64) -> [f64; 2] {
    match crs {
        Crs::Geographic => [x, y],
        Crs::Lambert(l) => {
            let (lon, lat) = l.inverse(x, y);
            [lon, lat]
        }
    }
}

/// A shape as a GeoJSON geometry (null for a null shape or a kind that is
/// not a place: lines).
fn geometry(shape: shapefile::Shape, crs: Crs) -> Value {
    use shapefile::{PolygonRing, Shape};
    let ring =
        |pts: Vec<[f64; 2]>| Value::from(pts.into_iter().map(|p| json!(p)).collect::<Vec<_>>());
    // Outer rings start polygons; inner rings (holes) belong to the last.
    fn polygons<P>(
        rings: &[PolygonRing<P>],
        xy: impl Fn(&P) -> [f64; 2],
    ) -> Vec<Vec<Vec<[f64; 2]>>> {
        let mut out: Vec<Vec<Vec<[f64; 2]>>> = Vec::new();
        for r in rings {
            let pts: Vec<[f64; 2]> = r.points().iter().map(&xy).collect();
            match r {
                PolygonRing::Outer(_) => out.push(vec![pts]),
                PolygonRing::Inner(_) => match out.last_mut() {
                    Some(p) => p.push(pts),
                    None => out.push(vec![pts]),
                },
            }
        }
        out
    }
    let multi = |polys: Vec<Vec<Vec<[f64; 2]>>>| {
        let coords: Vec<Value> = polys
            .into_iter()
            .map(|p| Value::from(p.into_iter().map(ring).collect::<Vec<_>>()))
            .collect();
        match coords.len() {
            0 => Value::Null,
            1 => json!({"type": "Polygon", "coordinates": coords[0]}),
            _ => json!({"type": "MultiPolygon", "coordinates": coords}),
        }
    };
    match shape {
        Shape::Point(p) => json!({"type": "Point", "coordinates": lon_lat(crs, p.x, p.y)}),
        Shape::PointM(p) => json!({"type": "Point", "coordinates": lon_lat(crs, p.x, p.y)}),
        Shape::PointZ(p) => json!({"type": "Point", "coordinates": lon_lat(crs, p.x, p.y)}),
        Shape::Polygon(p) => multi(polygons(p.rings(), |q| lon_lat(crs, q.x, q.y))),
        Shape::PolygonM(p) => multi(polygons(p.rings(), |q| lon_lat(crs, q.x, q.y))),
        Shape::PolygonZ(p) => multi(polygons(p.rings(), |q| lon_lat(crs, q.x, q.y))),
        _ => Value::Null,
    }
}

/// The features of one layer, properties named as in the DBF.
fn features(layer: &Layer) -> Result<Vec<Value>, FileError> {
    let crs = crs_of(layer.prj.as_deref())?;
    let shapes = shapefile::ShapeReader::new(Cursor::new(&layer.shp[..]))
        .map_err(|_| FileError::Unreadable)?;
    let table = dbf_reader(&layer.dbf)?;
    let mut reader = shapefile::Reader::new(shapes, table);
    let mut out = Vec::new();
    for item in reader.iter_shapes_and_records() {
        if out.len() >= MAX_FEATURES {
            return Err(FileError::TooLarge);
        }
        let (shape, record) = item.map_err(|_| FileError::Unreadable)?;
        let mut props = Map::new();
        for (name, value) in record {
            use dbase::FieldValue as F;
            let v = match value {
                F::Character(Some(s)) => Value::String(s.trim().to_string()),
                F::Numeric(Some(n)) => {
                    // Codes stored as numbers: integral values as integers.
                    if n.fract() == 0.0 && n.abs() < 1e15 {
                        json!(n as i64)
                    } else {
                        json!(n)
                    }
                }
                F::Integer(i) => json!(i),
                F::Float(Some(f)) => json!(f),
                F::Double(d) => json!(d),
                F::Memo(s) => Value::String(s),
                _ => Value::Null,
            };
            props.insert(name, v);
        }
        out.push(json!({"type": "Feature", "properties": props, "geometry": geometry(shape, crs)}));
    }
    Ok(out)
}

/// The detected level of a layer's first feature (for choosing a layer).
fn layer_level(features: &[Value]) -> Option<Level> {
    let keys: Vec<String> = features
        .first()?
        .get("properties")?
        .as_object()?
        .keys()
        .map(|k| k.to_lowercase())
        .collect();
    import::detected_level(&keys)
}

/// The features of the archive's layer: its only layer, or, when it holds
/// several (the whole "Découpages administratifs" download), the one of
/// `level`. Without a level and with several layers, the error asks for it.
pub fn read(bytes: &[u8], level: Option<Level>) -> Result<Vec<Value>, FileError> {
    let layers = layers(bytes)?;
    if layers.len() == 1 {
        return features(&layers[0]);
    }
    let Some(level) = level else {
        return Err(FileError::SeveralLayers);
    };
    for layer in &layers {
        let f = features(layer)?;
        if layer_level(&f) == Some(level) {
            return Ok(f);
        }
    }
    Err(FileError::UnknownColumns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../tests/fixtures/territories/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("fixture")
    }

    /// Québec Lambert (EPSG:32198) inverted here against points projected
    /// by PROJ (tests/fixtures/territories/lambert_points.txt, written by
    /// make_shapefiles.py with pyproj): within a millionth of a degree.
    #[test]
    fn quebec_lambert_inverse_matches_proj() {
        let wkt = String::from_utf8(
            zip::ZipArchive::new(Cursor::new(&fixture("munic_s_lambert.zip")[..]))
                .unwrap()
                .by_name("munic_s.prj")
                .unwrap()
                .bytes()
                .map(Result::unwrap)
                .collect(),
        )
        .unwrap();
        let Crs::Lambert(lcc) = crs_of(Some(&wkt)).unwrap() else {
            panic!("not read as Lambert: {wkt}");
        };
        let points = String::from_utf8(fixture("lambert_points.txt")).unwrap();
        let mut checked = 0;
        for line in points.lines().filter(|l| !l.starts_with('#')) {
            let v: Vec<f64> = line
                .split_whitespace()
                .map(|x| x.parse().unwrap())
                .collect();
            let (lon, lat) = lcc.inverse(v[2], v[3]);
            assert!(
                (lon - v[0]).abs() < 1e-6 && (lat - v[1]).abs() < 1e-6,
                "{line}: {lon} {lat}"
            );
            checked += 1;
        }
        assert_eq!(checked, 6);
    }

    #[test]
    fn other_projections_are_refused_and_geographic_is_kept() {
        let utm = r#"PROJCS["NAD_1983_UTM_Zone_18N",GEOGCS["GCS_North_American_1983",DATUM["D_North_American_1983",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],UNIT["Meter",1.0]]"#;
        assert_eq!(crs_of(Some(utm)), Err(FileError::Projection));
        let geo = r#"GEOGCS["GCS_North_American_1983",DATUM["D_North_American_1983",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
        assert_eq!(crs_of(Some(geo)), Ok(Crs::Geographic));
        assert_eq!(crs_of(None), Ok(Crs::Geographic));
    }

    #[test]
    fn lambert_layer_in_latin1_reads_as_municipalities() {
        let f = read(&fixture("munic_s_lambert.zip"), None).unwrap();
        assert_eq!(f.len(), 4);
        assert_eq!(f[0]["properties"]["MUS_NM_MUN"], "Trois-Rivières");
        assert_eq!(f[1]["properties"]["MUS_NM_MUN"], "Montréal");
        // Back in degrees: the box around Trois-Rivières.
        let ring = &f[0]["geometry"]["coordinates"][0];
        let (lon, lat) = (ring[0][0].as_f64().unwrap(), ring[0][1].as_f64().unwrap());
        assert!(
            (lon + 72.75).abs() < 1e-6 && (lat - 46.25).abs() < 1e-6,
            "{ring}"
        );
        assert_eq!(layer_level(&f), Some(Level::Municipality));
    }

    #[test]
    fn broken_and_empty_archives_are_refused() {
        let mut bytes = fixture("munic_s_nad83.zip");
        assert_eq!(read(&bytes, None).unwrap().len(), 3);
        bytes.truncate(bytes.len() / 2);
        assert!(read(&bytes, None).is_err());
        // An archive with no shapefile in it.
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        assert!(
            w.start_file("notes.txt", zip::write::SimpleFileOptions::default())
                .is_ok()
        );
        let empty = w.finish().unwrap().into_inner();
        assert_eq!(read(&empty, None).err(), Some(FileError::NoShapefile));
    }
}
