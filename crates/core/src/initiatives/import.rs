//! Import of initiatives from GeoJSON (a FeatureCollection of Points) or
//! CSV (a header line; `lat`/`lon` columns), by moderators or the command
//! line. Columns / properties: `ref` (or `id`), `name`, `category`,
//! `description`, `address`, `territory` (a slug), `organisation` (a slug),
//! `contact`, `website`, `opening_hours`.
//!
//! - Every line is checked first, with the same validation as the form; the
//!   report says, per line, created / updated / unchanged or the fields in
//!   error.
//! - With an error anywhere, nothing changes — unless the person asked to
//!   skip bad lines.
//! - Idempotent: a line is known by its `ref` (else its derived address)
//!   within the file's source name; the same file again changes nothing.
//!   Imported initiatives are validated (a moderator imports them).

use std::collections::HashSet;

use serde_json::Value;

use super::{Values, ops};
use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::state::AppState;

pub const MAX_LINES: usize = 20000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    GeoJson,
    Csv,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
    /// (field, message key) pairs.
    Error {
        fields: Vec<(String, String)>,
    },
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Line {
    /// 1-based: the CSV line (the header is line 1) or the feature number.
    pub line: usize,
    pub reference: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Report {
    pub lines: Vec<Line>,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: usize,
    /// Whether the changes were written (false: errors and no skip).
    pub applied: bool,
}

/// Read one CSV document (RFC 4180: quoted fields, doubled quotes, CRLF or
/// LF) into records with their starting line numbers.
pub fn read_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>, usize> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut rec: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut start = 1;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => rec.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                rec.push(std::mem::take(&mut field));
                if !(rec.len() == 1 && rec[0].is_empty()) {
                    out.push((start, std::mem::take(&mut rec)));
                }
                rec.clear();
                line += 1;
                start = line;
                any = false;
            }
            c => field.push(c),
        }
    }
    if quoted {
        return Err(start);
    }
    if any {
        rec.push(field);
        if !(rec.len() == 1 && rec[0].is_empty()) {
            out.push((start, rec));
        }
    }
    Ok(out)
}

/// One record of the file: its line, reference and typed values.
struct Record {
    line: usize,
    reference: String,
    values: Values,
    /// A problem found while reading (no point, wrong geometry…).
    read_error: Option<(&'static str, &'static str)>,
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

fn records(format: Format, body: &str) -> Result<Vec<Record>, (&'static str, &'static str)> {
    let mut out = Vec::new();
    match format {
        Format::GeoJson => {
            let doc: Value =
                serde_json::from_str(body).map_err(|_| ("file", "import-not-geojson"))?;
            if doc["type"] != "FeatureCollection" || !doc["features"].is_array() {
                return Err(("file", "import-not-geojson"));
            }
            for (n, f) in doc["features"].as_array().into_iter().flatten().enumerate() {
                let p = &f["properties"];
                let get = |k: &str| text(&p[k]);
                let mut values = Values {
                    name: get("name"),
                    description: get("description"),
                    category: get("category"),
                    organisation: get("organisation"),
                    territory: get("territory"),
                    contact: get("contact"),
                    website: get("website"),
                    address: get("address"),
                    opening_hours: get("opening_hours"),
                    ..Default::default()
                };
                let g = &f["geometry"];
                let mut read_error = None;
                match (g["type"].as_str(), g["coordinates"].as_array()) {
                    (Some("Point"), Some(c))
                        if c.len() >= 2 && c[0].is_number() && c[1].is_number() =>
                    {
                        values.lon = text(&c[0]);
                        values.lat = text(&c[1]);
                    }
                    _ if g.is_null() => {}
                    _ => read_error = Some(("geometry", "import-geometry-invalid")),
                }
                let reference = [get("ref"), text(&f["id"]), get("id")]
                    .into_iter()
                    .find(|r| !r.trim().is_empty())
                    .unwrap_or_default();
                out.push(Record {
                    line: n + 1,
                    reference,
                    values,
                    read_error,
                });
            }
        }
        Format::Csv => {
            let rows = read_csv(body).map_err(|_| ("file", "import-csv-unreadable"))?;
            let Some((_, header)) = rows.first() else {
                return Err(("file", "import-empty"));
            };
            let header: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
            if !header.iter().any(|h| h == "name") {
                return Err(("file", "import-csv-no-name"));
            }
            for (line, row) in rows.iter().skip(1) {
                let get = |k: &str| {
                    header
                        .iter()
                        .position(|h| h == k)
                        .and_then(|i| row.get(i))
                        .cloned()
                        .unwrap_or_default()
                };
                let mut read_error = None;
                if row.len() != header.len() {
                    read_error = Some(("file", "import-csv-columns"));
                }
                out.push(Record {
                    line: *line,
                    reference: if get("ref").is_empty() {
                        get("id")
                    } else {
                        get("ref")
                    },
                    values: Values {
                        name: get("name"),
                        description: get("description"),
                        category: get("category"),
                        organisation: get("organisation"),
                        territory: get("territory"),
                        contact: get("contact"),
                        website: get("website"),
                        address: get("address"),
                        opening_hours: get("opening_hours"),
                        lat: get("lat"),
                        lon: get("lon"),
                        ..Default::default()
                    },
                    read_error,
                });
            }
        }
    }
    if out.len() > MAX_LINES {
        return Err(("file", "import-too-many"));
    }
    Ok(out)
}

/// Import `body` (named `source`, e.g. the file name: references are
/// unique within it). See the module documentation.
pub async fn run(
    state: &AppState,
    actor: &Actor,
    source: &str,
    format: Format,
    body: &str,
    skip_bad: bool,
) -> AppResult<Report> {
    if !actor.may(Action::ModerateInitiatives) {
        return Err(AppError::Forbidden);
    }
    let source = source.trim();
    let source = if source.is_empty() { "import" } else { source };
    let recs = records(format, body).map_err(|(f, k)| AppError::Invalid {
        fields: vec![(f.into(), k.into())],
    })?;
    let mut report = Report::default();
    let mut seen = HashSet::new();
    // Phase 1: check every line (reads only).
    let mut planned = Vec::new();
    for mut r in recs {
        let reference = if r.reference.trim().is_empty() {
            crate::communities::slugify(&r.values.name)
        } else {
            r.reference.trim().to_string()
        };
        let ext = format!("{source}:{reference}");
        let mut fields: Vec<(String, String)> = Vec::new();
        if let Some((f, k)) = r.read_error {
            fields.push((f.into(), k.into()));
        }
        if !seen.insert(ext.clone()) {
            fields.push(("ref".into(), "import-duplicate-ref".into()));
        }
        let existing: Option<(i64, String)> =
            sqlx::query_as("SELECT id, slug FROM initiatives WHERE external_ref = $1")
                .bind(&ext)
                .fetch_optional(&state.db.pool)
                .await?;
        if let Some((_, slug)) = &existing {
            r.values.slug = slug.clone();
        }
        let checked = if fields.is_empty() {
            match super::check(state, actor, &r.values, existing.as_ref().map(|e| e.0)).await? {
                Ok(c) => Some(c),
                Err(errs) => {
                    fields.extend(
                        errs.into_iter()
                            .map(|(f, k)| (f.to_string(), k.to_string())),
                    );
                    None
                }
            }
        } else {
            None
        };
        match checked {
            Some(c) if fields.is_empty() => {
                let same = match &existing {
                    Some((id, _)) => super::by_key(&state.db, &id.to_string())
                        .await?
                        .is_some_and(|old| unchanged(&old, &c)),
                    None => false,
                };
                let outcome = match (&existing, same) {
                    (Some(_), true) => Outcome::Unchanged,
                    (Some(_), false) => Outcome::Updated,
                    (None, _) => Outcome::Created,
                };
                planned.push((ext, existing.map(|e| e.0), c, outcome.clone()));
                report.lines.push(Line {
                    line: r.line,
                    reference,
                    outcome,
                });
            }
            _ => {
                report.errors += 1;
                report.lines.push(Line {
                    line: r.line,
                    reference,
                    outcome: Outcome::Error { fields },
                });
            }
        }
    }
    if report.errors > 0 && !skip_bad {
        return Ok(report);
    }
    // Phase 2: write the good lines in one transaction.
    let mut tx = state.db.begin().await?;
    let mut used_slugs: HashSet<String> = HashSet::new();
    for (ext, existing, mut c, outcome) in planned {
        match (existing, &outcome) {
            (_, Outcome::Unchanged) => report.unchanged += 1,
            (Some(id), _) => {
                ops::update_in(&mut tx, id, &c).await?;
                report.updated += 1;
            }
            (None, _) => {
                // Two new lines may derive the same address.
                if !used_slugs.insert(c.slug.clone()) {
                    c.slug = format!("{}-{}", c.slug, used_slugs.len());
                    used_slugs.insert(c.slug.clone());
                }
                ops::insert_in(
                    &mut tx,
                    &c,
                    "validated",
                    actor.audit_id(),
                    Some(&ext),
                    source,
                )
                .await?;
                report.created += 1;
            }
        }
    }
    audit_in(
        &mut tx,
        actor,
        "initiatives_imported",
        None,
        &format!(
            "{source}: {} created, {} updated, {} unchanged, {} errors",
            report.created, report.updated, report.unchanged, report.errors
        ),
    )
    .await?;
    tx.commit().await?;
    report.applied = true;
    Ok(report)
}

fn unchanged(old: &super::Initiative, c: &super::Checked) -> bool {
    old.name == c.name
        && old.slug == c.slug
        && old.description == c.description
        && old.category == c.category
        && old.organisation_id == c.organisation_id
        && old.territory_id == c.territory_id
        && old.contact == c.contact
        && old.website == c.website
        && old.address == c.address
        && old.lat == c.point.lat
        && old.lon == c.point.lon
        && old.opening_hours == c.opening_hours
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_reader() {
        let rows = read_csv("\u{feff}name,description\r\n\"Coop, la\",\"dit \"\"oui\"\"\nsur deux lignes\"\r\nB,x\n\nC,").unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows[1],
            (
                2,
                vec![
                    "Coop, la".to_string(),
                    "dit \"oui\"\nsur deux lignes".to_string()
                ]
            )
        );
        assert_eq!(rows[2], (4, vec!["B".to_string(), "x".to_string()]));
        assert_eq!(rows[3], (6, vec!["C".to_string(), String::new()]));
        assert_eq!(read_csv("a\n\"open"), Err(2));
    }
}

/// What the `initiative_import` fuzz target drives: a file read into its
/// records (the checks before any database work). Returns, per record, its
/// line and the typed values, or the file's error key.
pub mod fuzzing {
    pub use super::Format;

    pub fn records(
        format: Format,
        body: &str,
    ) -> Result<Vec<(usize, super::Values)>, &'static str> {
        super::records(format, body)
            .map(|rs| rs.into_iter().map(|r| (r.line, r.values)).collect())
            .map_err(|(_, key)| key)
    }
}
