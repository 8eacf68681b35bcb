//! Reading territory files as they are published, into rows and a
//! per-line report. No database here: parents are resolved by the
//! operation (`ops::import`).
//!
//! Recognised by their columns (CSV) or properties (GeoJSON), case-insensitively:
//! - Données Québec, "Découpages administratifs" (SDA): `regio_s`
//!   (`RES_CO_REG`, `RES_NM_REG`), `mrc_s` (`MRS_CO_MRC`, `MRS_NM_MRC`,
//!   parent `MRS_CO_REG`), `munic_s` (`MUS_CO_GEO`, `MUS_NM_MUN`, parent
//!   `MUS_CO_MRC`);
//! - MAMH, "Répertoire des municipalités" (`mcode`, `munnom`, parent MRC
//!   from `mrc` written "Name (code)", else the region from `regadm`);
//! - Statistics Canada census subdivisions (`CSDUID` = "24" + the 5-digit
//!   geographic code, `CSDNAME`, parent MRC from `CDUID`'s last two
//!   digits); rows of other provinces are ignored;
//! - plain files: `level`, `code`, `name`, `parent_code` (optional
//!   `parent_level`, `lat`, `lon`), French names accepted (`niveau`, `nom`,
//!   `code_parent`); `--level` gives the level when there is no column.
//!
//! CSV: comma, semicolon or tab (taken from the header), quotes as in RFC
//! 4180, UTF-8 (with or without BOM) or else Latin-1.

use serde_json::Value;

use super::Level;
use super::geo::{self, GeometryError, Shape};

/// Largest file accepted (the full municipal layer, simplified, is well under).
pub const MAX_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    SdaRegions,
    SdaMrc,
    SdaMunicipalities,
    Mamh,
    StatCan,
    Plain,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::SdaRegions => "sda-regio_s",
            Format::SdaMrc => "sda-mrc_s",
            Format::SdaMunicipalities => "sda-munic_s",
            Format::Mamh => "mamh",
            Format::StatCan => "statcan-csd",
            Format::Plain => "plain",
        }
    }
}

/// Where a parent is looked for.
#[derive(Debug, Clone, PartialEq)]
pub struct ParentRef {
    pub level: Level,
    pub code: String,
    /// When the parent is unknown but the territory already exists, keep
    /// its current parent (census divisions do not always match MRCs).
    pub keep_existing: bool,
}

#[derive(Debug, Clone)]
pub struct Row {
    /// Line of the CSV file (header = 1), or feature number (from 1).
    pub line: usize,
    pub level: Level,
    pub code: String,
    pub name: String,
    pub parent: Option<ParentRef>,
    /// (lat, lon)
    pub centroid: Option<(f64, f64)>,
    /// Simplified GeoJSON geometry for display.
    pub boundary: Option<String>,
}

/// One problem with one line; message keys `territory-issue-<kind>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub line: usize,
    pub code: String,
    pub key: &'static str,
}

#[derive(Debug)]
pub struct Parsed {
    pub format: Format,
    /// Whether `line` counts features (GeoJSON) rather than lines.
    pub features: bool,
    pub rows: Vec<Row>,
    pub issues: Vec<Issue>,
    /// Lines of other provinces (census files), not errors.
    pub ignored: usize,
}

/// Why a whole file was refused (message keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileError {
    Empty,
    TooLarge,
    /// Not CSV nor GeoJSON we can read.
    Unreadable,
    /// No column or property we recognise.
    UnknownColumns,
    /// A plain file without a level column, and no level given.
    NoLevel,
    /// A zip archive without a shapefile (`.shp` with its `.dbf`).
    NoShapefile,
    /// A zip archive of several layers, and no level given to choose one.
    SeveralLayers,
    /// A shapefile in a projection other than geographic or Lambert
    /// conformal conic.
    Projection,
}

impl FileError {
    pub fn key(self) -> &'static str {
        match self {
            FileError::Empty => "territory-file-empty",
            FileError::TooLarge => "territory-file-too-large",
            FileError::Unreadable => "territory-file-unreadable",
            FileError::UnknownColumns => "territory-file-unknown-columns",
            FileError::NoLevel => "territory-file-no-level",
            FileError::NoShapefile => "territory-file-no-shapefile",
            FileError::SeveralLayers => "territory-file-several-layers",
            FileError::Projection => "territory-file-projection",
        }
    }
}

fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        // Latin-1: each byte is its code point.
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

/// Split CSV text into records (each with its starting line number).
pub fn csv_records(text: &str) -> Vec<(usize, Vec<String>)> {
    let first = text.lines().next().unwrap_or("");
    let delim = [',', ';', '\t']
        .into_iter()
        .max_by_key(|d| first.matches(*d).count())
        .unwrap_or(',');
    let mut out = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut start = 1;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => {
                quoted = true;
                any = true;
            }
            c if c == delim => {
                fields.push(std::mem::take(&mut field));
                any = true;
            }
            '\r' => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                if any || fields.iter().any(|f| !f.is_empty()) {
                    out.push((start, std::mem::take(&mut fields)));
                } else {
                    fields.clear();
                }
                any = false;
                line += 1;
                start = line;
            }
            _ => {
                field.push(c);
                any = true;
            }
        }
    }
    if any || !field.is_empty() {
        fields.push(field);
        out.push((start, fields));
    }
    out
}

/// Columns of one format, looked up case-insensitively.
struct Columns {
    format: Format,
    level: Option<Level>,
    code: &'static [&'static str],
    name: &'static [&'static str],
    parent: &'static [&'static str],
    parent_level: Option<Level>,
}

const SDA_REG: Columns = Columns {
    format: Format::SdaRegions,
    level: Some(Level::Region),
    code: &["res_co_reg"],
    name: &["res_nm_reg"],
    parent: &[],
    parent_level: Some(Level::Province),
};
const SDA_MRC: Columns = Columns {
    format: Format::SdaMrc,
    level: Some(Level::Mrc),
    code: &["mrs_co_mrc"],
    name: &["mrs_nm_mrc"],
    parent: &["mrs_co_reg"],
    parent_level: Some(Level::Region),
};
const SDA_MUN: Columns = Columns {
    format: Format::SdaMunicipalities,
    level: Some(Level::Municipality),
    code: &["mus_co_geo"],
    name: &["mus_nm_mun"],
    parent: &["mus_co_mrc"],
    parent_level: Some(Level::Mrc),
};
const MAMH: Columns = Columns {
    format: Format::Mamh,
    level: Some(Level::Municipality),
    code: &["mcode"],
    name: &["munnom"],
    parent: &["mrc"],
    parent_level: Some(Level::Mrc),
};
const STATCAN: Columns = Columns {
    format: Format::StatCan,
    level: Some(Level::Municipality),
    code: &["csduid"],
    name: &["csdname"],
    parent: &["cduid"],
    parent_level: Some(Level::Mrc),
};
const PLAIN: Columns = Columns {
    format: Format::Plain,
    level: None,
    code: &["code"],
    name: &["name", "nom"],
    parent: &["parent_code", "code_parent", "parent"],
    parent_level: None,
};

fn detect(keys: &[String]) -> Option<&'static Columns> {
    let has = |k: &str| keys.iter().any(|h| h == k);
    [&SDA_MUN, &SDA_MRC, &SDA_REG, &MAMH, &STATCAN, &PLAIN]
        .into_iter()
        .find(|c| c.code.iter().any(|k| has(k)) && c.name.iter().any(|k| has(k)))
}

/// A record's values by lowercased key.
type Record = Vec<(String, String)>;

fn get<'a>(r: &'a Record, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| {
        r.iter()
            .find(|(h, _)| h == k)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    })
}

/// Digits between the last parentheses: "Trois-Rivières (371)" → "371".
fn code_in_parentheses(s: &str) -> Option<String> {
    let inner = s.rsplit_once('(')?.1.split(')').next()?.trim();
    (!inner.is_empty() && inner.chars().all(|c| c.is_ascii_digit())).then(|| inner.to_string())
}

/// Official codes are digit strings of a fixed width per level (files that
/// went through a spreadsheet lose leading zeros: they are put back).
pub fn normalise_code(level: Level, raw: &str) -> Option<String> {
    let raw = raw.trim();
    let raw = raw.strip_suffix(".0").unwrap_or(raw);
    let width = match level {
        Level::Province | Level::Region | Level::Mrc => 2,
        Level::Municipality => 5,
        Level::Sector => {
            let ok = !raw.is_empty()
                && raw.len() <= 20
                && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            return ok.then(|| raw.to_string());
        }
    };
    if raw.is_empty() || !raw.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let max = if level == Level::Mrc { 3 } else { width };
    if raw.len() > max {
        return None;
    }
    Some(format!("{raw:0>width$}"))
}

struct Reader {
    cols: &'static Columns,
    level_hint: Option<Level>,
    out: Parsed,
    seen: std::collections::HashSet<(Level, String)>,
}

impl Reader {
    fn issue(&mut self, line: usize, code: &str, key: &'static str) {
        self.out.issues.push(Issue {
            line,
            code: code.to_string(),
            key,
        });
    }

    fn record(&mut self, line: usize, r: &Record, geometry: Option<&Value>) {
        let cols = self.cols;
        let raw_code = get(r, cols.code).unwrap_or("").to_string();
        let level = match cols.level {
            Some(l) => l,
            None => match get(r, &["level", "niveau"]).map(Level::parse) {
                Some(Some(l)) => l,
                Some(None) => return self.issue(line, &raw_code, "territory-issue-bad-level"),
                None => match self.level_hint {
                    Some(l) => l,
                    None => return self.issue(line, &raw_code, "territory-issue-bad-level"),
                },
            },
        };
        let code = if cols.format == Format::StatCan {
            match raw_code.strip_prefix("24") {
                Some(rest) if rest.len() == 5 => Some(rest.to_string()),
                Some(_) => None,
                None => {
                    self.out.ignored += 1;
                    return;
                }
            }
        } else {
            normalise_code(level, &raw_code)
        };
        let Some(code) = code else {
            return self.issue(line, &raw_code, "territory-issue-bad-code");
        };
        let Some(name) =
            get(r, cols.name).map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
        else {
            return self.issue(line, &code, "territory-issue-no-name");
        };
        if name.chars().count() > 200 {
            return self.issue(line, &code, "territory-issue-no-name");
        }
        if !self.seen.insert((level, code.clone())) {
            return self.issue(line, &code, "territory-issue-duplicate");
        }
        // The parent.
        let parent = match cols.format {
            Format::SdaRegions => Some(ParentRef {
                level: Level::Province,
                code: "24".into(),
                keep_existing: false,
            }),
            Format::Mamh => {
                let mrc = get(r, &["mrc"]).and_then(code_in_parentheses);
                let reg = get(r, &["regadm"]).and_then(code_in_parentheses);
                match (mrc, reg) {
                    (Some(c), _) => normalise_code(Level::Mrc, &c).map(|code| ParentRef {
                        level: Level::Mrc,
                        code,
                        keep_existing: false,
                    }),
                    (None, Some(c)) => normalise_code(Level::Region, &c).map(|code| ParentRef {
                        level: Level::Region,
                        code,
                        keep_existing: false,
                    }),
                    _ => None,
                }
            }
            Format::StatCan => get(r, cols.parent)
                .and_then(|cd| cd.strip_prefix("24"))
                .and_then(|cd| normalise_code(Level::Mrc, cd))
                .map(|code| ParentRef {
                    level: Level::Mrc,
                    code,
                    keep_existing: true,
                }),
            _ => {
                let plevel = cols
                    .parent_level
                    .or_else(|| get(r, &["parent_level", "niveau_parent"]).and_then(Level::parse))
                    .or(level.parent());
                match (get(r, cols.parent), plevel) {
                    (Some(pc), Some(pl)) => match normalise_code(pl, pc) {
                        Some(code) => Some(ParentRef {
                            level: pl,
                            code,
                            keep_existing: false,
                        }),
                        None => return self.issue(line, &code, "territory-issue-unknown-parent"),
                    },
                    _ => None,
                }
            }
        };
        if parent.is_none() && level != Level::Province {
            return self.issue(line, &code, "territory-issue-unknown-parent");
        }
        // Where it is.
        let (mut centroid, mut boundary) = (None, None);
        if let Some(g) = geometry.filter(|g| !g.is_null()) {
            match geo::parse(g) {
                Ok(shape) => {
                    centroid = Some(geo::centroid(&shape));
                    boundary = geo::simplified_geojson(&shape, geo::SIMPLIFY_DEGREES);
                    if let Shape::Point(..) = shape {
                        boundary = None;
                    }
                }
                Err(e) => {
                    return self.issue(
                        line,
                        &code,
                        match e {
                            GeometryError::Kind
                            | GeometryError::Shape
                            | GeometryError::Projected => "territory-issue-geometry",
                        },
                    );
                }
            }
        }
        let num = |keys: &[&str]| get(r, keys).map(|v| v.replace(',', ".").parse::<f64>());
        match (num(&["lat", "latitude"]), num(&["lon", "lng", "longitude"])) {
            (Some(Ok(lat)), Some(Ok(lon)))
                if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
            {
                centroid = Some((geo::round6(lat), geo::round6(lon)));
            }
            (None, None) => {}
            _ => return self.issue(line, &code, "territory-issue-geometry"),
        }
        let centroid = centroid.map(|(a, b)| (geo::round6(a), geo::round6(b)));
        self.out.rows.push(Row {
            line,
            level,
            code,
            name,
            parent,
            centroid,
            boundary,
        });
    }
}

/// Read a file. `level` is the level of a plain file without a level column.
pub fn parse(bytes: &[u8], level: Option<Level>) -> Result<Parsed, FileError> {
    if bytes.len() > MAX_BYTES {
        return Err(FileError::TooLarge);
    }
    if super::shp::is_zip(bytes) {
        let features = super::shp::read(bytes, level)?;
        return parse_features(features.iter().collect(), level);
    }
    let text = decode(bytes);
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(FileError::Empty);
    }
    if trimmed.starts_with('{') {
        return parse_geojson(trimmed, level);
    }
    let records = csv_records(&text);
    let Some(((_, header), rest)) = records.split_first() else {
        return Err(FileError::Empty);
    };
    let keys: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let cols = detect(&keys).ok_or(FileError::UnknownColumns)?;
    if cols.level.is_none()
        && level.is_none()
        && !keys.iter().any(|k| k == "level" || k == "niveau")
    {
        return Err(FileError::NoLevel);
    }
    let mut reader = Reader {
        cols,
        level_hint: level,
        out: Parsed {
            format: cols.format,
            features: false,
            rows: Vec::new(),
            issues: Vec::new(),
            ignored: 0,
        },
        seen: Default::default(),
    };
    for (line, fields) in rest {
        let record: Record = keys.iter().cloned().zip(fields.iter().cloned()).collect();
        reader.record(*line, &record, None);
    }
    if reader.out.rows.is_empty() && reader.out.issues.is_empty() && reader.out.ignored == 0 {
        return Err(FileError::Empty);
    }
    Ok(reader.out)
}

fn parse_geojson(text: &str, level: Option<Level>) -> Result<Parsed, FileError> {
    let v: Value = serde_json::from_str(text).map_err(|_| FileError::Unreadable)?;
    let features: Vec<&Value> = match v.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => v
            .get("features")
            .and_then(Value::as_array)
            .ok_or(FileError::Unreadable)?
            .iter()
            .collect(),
        Some("Feature") => vec![&v],
        _ => return Err(FileError::Unreadable),
    };
    parse_features(features, level)
}

/// The level a file with these (lowercased) columns is of, when its
/// columns say so (the official layers).
pub fn detected_level(keys: &[String]) -> Option<Level> {
    detect(keys).and_then(|c| c.level)
}

/// GeoJSON features (from a GeoJSON file or a shapefile), read as lines.
fn parse_features(features: Vec<&Value>, level: Option<Level>) -> Result<Parsed, FileError> {
    if features.is_empty() {
        return Err(FileError::Empty);
    }
    let record_of = |f: &Value| -> Record {
        f.get("properties")
            .and_then(Value::as_object)
            .map(|o| {
                o.iter()
                    .map(|(k, v)| {
                        let s = match v {
                            Value::String(s) => s.clone(),
                            Value::Null => String::new(),
                            // Codes exported as numbers lose leading zeros: put back later.
                            other => other.to_string(),
                        };
                        (k.to_lowercase(), s)
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let first_keys: Vec<String> = record_of(features[0]).into_iter().map(|(k, _)| k).collect();
    let cols = detect(&first_keys).ok_or(FileError::UnknownColumns)?;
    if cols.level.is_none()
        && level.is_none()
        && !first_keys.iter().any(|k| k == "level" || k == "niveau")
    {
        return Err(FileError::NoLevel);
    }
    let mut reader = Reader {
        cols,
        level_hint: level,
        out: Parsed {
            format: cols.format,
            features: true,
            rows: Vec::new(),
            issues: Vec::new(),
            ignored: 0,
        },
        seen: Default::default(),
    };
    for (i, f) in features.iter().enumerate() {
        reader.record(i + 1, &record_of(f), f.get("geometry"));
    }
    Ok(reader.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_quotes_semicolons_and_latin1() {
        let recs = csv_records("a;b\r\n\"x;y\";\"il a dit \"\"oui\"\"\"\n\n1;2");
        assert_eq!(recs.len(), 3);
        assert_eq!(
            recs[1].1,
            vec!["x;y".to_string(), "il a dit \"oui\"".to_string()]
        );
        assert_eq!(recs[2].0, 4);
        assert_eq!(decode(b"Trois-Rivi\xe8res"), "Trois-Rivières");
    }

    #[test]
    fn codes_get_their_zeros_back() {
        assert_eq!(normalise_code(Level::Region, "4").as_deref(), Some("04"));
        assert_eq!(
            normalise_code(Level::Municipality, "7047").as_deref(),
            Some("07047")
        );
        assert_eq!(normalise_code(Level::Mrc, "371").as_deref(), Some("371"));
        assert_eq!(normalise_code(Level::Municipality, "37A67"), None);
        assert_eq!(normalise_code(Level::Municipality, "370670"), None);
    }

    #[test]
    fn sda_municipalities_csv_with_a_duplicate_and_a_bad_code() {
        let csv = "MUS_CO_GEO,MUS_NM_MUN,MUS_CO_MRC,MUS_NM_MRC,MUS_CO_REG,MUS_NM_REG\n\
                   37067,Trois-Rivières,371,Trois-Rivières,04,Mauricie\n\
                   37067,Trois-Rivières,371,Trois-Rivières,04,Mauricie\n\
                   3x067,Nulle part,371,Trois-Rivières,04,Mauricie\n";
        let p = parse(csv.as_bytes(), None).expect("parsed");
        assert_eq!(p.format, Format::SdaMunicipalities);
        assert_eq!(p.rows.len(), 1);
        assert_eq!(
            p.rows[0].parent.as_ref().map(|p| p.code.as_str()),
            Some("371")
        );
        let keys: Vec<_> = p.issues.iter().map(|i| (i.line, i.key)).collect();
        assert_eq!(
            keys,
            vec![
                (3, "territory-issue-duplicate"),
                (4, "territory-issue-bad-code")
            ]
        );
    }

    #[test]
    fn statcan_ignores_other_provinces_and_mamh_reads_parentheses() {
        let csv = "CSDUID,CSDNAME,CSDTYPE,CDUID,PRUID\n2437067,Trois-Rivières,V,2437,24\n3520005,Toronto,C,3520,35\n";
        let p = parse(csv.as_bytes(), None).expect("parsed");
        assert_eq!(p.format, Format::StatCan);
        assert_eq!((p.rows.len(), p.ignored), (1, 1));
        assert_eq!(p.rows[0].code, "37067");
        assert_eq!(
            p.rows[0]
                .parent
                .as_ref()
                .map(|p| (p.code.as_str(), p.keep_existing)),
            Some(("37", true))
        );
        let mamh = "\"mcode\";\"munnom\";\"mdes\";\"regadm\";\"mrc\"\n\"37067\";\"Trois-Rivières\";\"V\";\"Mauricie (04)\";\"Trois-Rivières (371)\"\n";
        let p = parse(mamh.as_bytes(), None).expect("parsed");
        assert_eq!(p.format, Format::Mamh);
        assert_eq!(
            p.rows[0].parent.as_ref().map(|p| p.code.as_str()),
            Some("371")
        );
    }

    #[test]
    fn geojson_features_with_geometry_and_a_projected_one() {
        let g = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"MRS_CO_MRC":"371","MRS_NM_MRC":"Trois-Rivières","MRS_CO_REG":"04"},
           "geometry":{"type":"Polygon","coordinates":[[[-72.7,46.3],[-72.4,46.3],[-72.4,46.5],[-72.7,46.5],[-72.7,46.3]]]}},
          {"type":"Feature","properties":{"MRS_CO_MRC":"372","MRS_NM_MRC":"Ailleurs","MRS_CO_REG":"04"},
           "geometry":{"type":"Point","coordinates":[-7990000.0,5800000.0]}}]}"#;
        let p = parse(g.as_bytes(), None).expect("parsed");
        assert_eq!(p.format, Format::SdaMrc);
        assert!(p.features);
        let (lat, lon) = p.rows[0].centroid.expect("centroid");
        assert!((lat - 46.4).abs() < 1e-6 && (lon + 72.55).abs() < 1e-6);
        assert!(p.rows[0].boundary.is_some());
        assert_eq!(
            p.issues,
            vec![Issue {
                line: 2,
                code: "372".into(),
                key: "territory-issue-geometry"
            }]
        );
    }

    #[test]
    fn plain_files_need_a_level() {
        assert_eq!(
            parse(b"code,name,parent_code\n1,A,04\n", None).err(),
            Some(FileError::NoLevel)
        );
        let p = parse(
            b"code,name,parent_code\nmtl-1,Centre-Sud,66023\n",
            Some(Level::Sector),
        )
        .expect("parsed");
        assert_eq!(
            p.rows[0]
                .parent
                .as_ref()
                .map(|p| (p.level, p.code.as_str())),
            Some((Level::Municipality, "66023"))
        );
        assert_eq!(
            parse(b"foo,bar\n1,2\n", None).err(),
            Some(FileError::UnknownColumns)
        );
    }
}
