//! Territory operations: importing a file (administrators, the command
//! line), and resolving what a person typed to place something.

use std::collections::HashMap;

use sqlx::AnyConnection;

use super::import::{self, Format, Issue, Row};
use super::{Level, Resolved, Territory, closure, fold, places, slug_of};
use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::state::AppState;

/// What to import.
pub struct ImportInput<'a> {
    pub bytes: &'a [u8],
    /// The level of a plain file without a level column.
    pub level: Option<Level>,
    /// Apply the good lines even when some are bad.
    pub skip_bad_lines: bool,
    /// Called with (rows done, rows in all) as the import goes.
    pub progress: Option<&'a (dyn Fn(usize, usize) + Send + Sync)>,
}

#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub format: Option<Format>,
    /// Whether line numbers count GeoJSON features.
    pub features: bool,
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Lines of other provinces (census files).
    pub ignored: usize,
    /// Bad lines, in file order.
    pub issues: Vec<Issue>,
    /// Whether anything was written (false: errors and no skipping).
    pub applied: bool,
}

/// Import a territory file: every line is checked (code, name, parent,
/// geometry, duplicates); with errors nothing changes unless
/// `skip_bad_lines`; a second run of the same file changes nothing. One
/// transaction, audited. Administrators and the system.
pub async fn import(
    state: &AppState,
    actor: &Actor,
    input: ImportInput<'_>,
) -> AppResult<ImportReport> {
    if !actor.may(Action::Administer) {
        return Err(AppError::Forbidden);
    }
    let parsed = import::parse(input.bytes, input.level).map_err(|e| AppError::Invalid {
        fields: vec![("file".into(), e.key().into())],
    })?;
    let mut report = ImportReport {
        format: Some(parsed.format),
        features: parsed.features,
        rows: parsed.rows.len() + parsed.issues.len(),
        ignored: parsed.ignored,
        issues: parsed.issues,
        ..Default::default()
    };
    let mut rows = parsed.rows;
    // Parents before children, file order within a level.
    rows.sort_by_key(|r| (r.level, r.line));
    let source = format!("import:{}", parsed.format.as_str());
    let total = rows.len();
    let mut tx = state.db.begin().await?;
    let mut ids: HashMap<(Level, String), i64> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        if let Some(p) = input.progress
            && (i % 50 == 0 || i + 1 == total)
        {
            p(i + 1, total);
        }
        match apply_row(&mut tx, row, &source, &mut ids).await? {
            Applied::Created => report.created += 1,
            Applied::Updated => report.updated += 1,
            Applied::Unchanged => report.unchanged += 1,
            Applied::Refused(key) => report.issues.push(Issue {
                line: row.line,
                code: row.code.clone(),
                key,
            }),
        }
    }
    report.issues.sort_by_key(|i| i.line);
    if !report.issues.is_empty() && !input.skip_bad_lines {
        tx.rollback().await?;
        report.created = 0;
        report.updated = 0;
        report.unchanged = 0;
        return Ok(report);
    }
    audit_in(
        &mut tx,
        actor,
        "territories_imported",
        None,
        &format!(
            "{}: {} created, {} updated, {} unchanged, {} skipped",
            parsed.format.as_str(),
            report.created,
            report.updated,
            report.unchanged,
            report.issues.len()
        ),
    )
    .await?;
    tx.commit().await?;
    report.applied = true;
    Ok(report)
}

enum Applied {
    Created,
    Updated,
    Unchanged,
    Refused(&'static str),
}

struct Existing {
    id: i64,
    parent_id: Option<i64>,
    name: String,
    lat: Option<f64>,
    lon: Option<f64>,
    boundary: Option<String>,
    source: String,
}

async fn find(
    conn: &mut AnyConnection,
    level: Level,
    code: &str,
) -> Result<Option<Existing>, sqlx::Error> {
    let row: Option<(i64, Option<i64>, String, Option<f64>, Option<f64>, Option<String>, String)> = sqlx::query_as(
        "SELECT id, parent_id, name, lat, lon, boundary, source FROM territories WHERE level = $1 AND code = $2",
    )
    .bind(level.as_str())
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(
        |(id, parent_id, name, lat, lon, boundary, source)| Existing {
            id,
            parent_id,
            name,
            lat,
            lon,
            boundary,
            source,
        },
    ))
}

async fn free_slug(conn: &mut AnyConnection, row: &Row) -> Result<String, sqlx::Error> {
    let base = slug_of(&row.name);
    let base = if base.is_empty() {
        row.level.as_str().to_string()
    } else {
        base
    };
    for candidate in [
        base.clone(),
        format!("{base}-{}", row.code),
        format!("{base}-{}-{}", row.level.as_str(), row.code),
    ] {
        let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM territories WHERE slug = $1")
            .bind(&candidate)
            .fetch_one(&mut *conn)
            .await?;
        if taken == 0 {
            return Ok(candidate);
        }
    }
    Ok(format!(
        "{base}-{}-{}-{}",
        row.level.as_str(),
        row.code,
        crate::db::now()
    ))
}

/// Apply rows (parents first) in the caller's transaction; the refused
/// rows' message keys by line. Used by `seed-demo`'s demo layer.
pub async fn apply_rows_in(
    conn: &mut AnyConnection,
    rows: &[Row],
    source: &str,
) -> Result<Vec<(usize, &'static str)>, sqlx::Error> {
    let mut ids = HashMap::new();
    let mut refused = Vec::new();
    let mut sorted: Vec<&Row> = rows.iter().collect();
    sorted.sort_by_key(|r| (r.level, r.line));
    for r in sorted {
        if let Applied::Refused(k) = apply_row(conn, r, source, &mut ids).await? {
            refused.push((r.line, k));
        }
    }
    Ok(refused)
}

async fn apply_row(
    conn: &mut AnyConnection,
    row: &Row,
    source: &str,
    ids: &mut HashMap<(Level, String), i64>,
) -> Result<Applied, sqlx::Error> {
    let existing = find(conn, row.level, &row.code).await?;
    // The parent: in this file, else already known.
    let parent_id = match &row.parent {
        None => None,
        Some(p) => match ids.get(&(p.level, p.code.clone())) {
            Some(id) => Some(*id),
            None => match find(conn, p.level, &p.code).await? {
                Some(e) => Some(e.id),
                None if p.keep_existing && existing.is_some() => {
                    existing.as_ref().and_then(|e| e.parent_id)
                }
                None => return Ok(Applied::Refused("territory-issue-unknown-parent")),
            },
        },
    };
    let depth = match parent_id {
        Some(p) => {
            let d: i64 = sqlx::query_scalar("SELECT depth FROM territories WHERE id = $1")
                .bind(p)
                .fetch_one(&mut *conn)
                .await?;
            d + 1
        }
        None => 0,
    };
    let (lat, lon) = match row.centroid {
        Some((a, b)) => (Some(a), Some(b)),
        None => (None, None),
    };
    let now = crate::db::now();
    let Some(e) = existing else {
        let slug = free_slug(conn, row).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO territories (parent_id, level, code, slug, name, name_key, depth, lat, lon, boundary, source, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, CAST($8 AS DOUBLE PRECISION), CAST($9 AS DOUBLE PRECISION), $10, $11, $12, $12) RETURNING id",
        )
        .bind(parent_id)
        .bind(row.level.as_str())
        .bind(&row.code)
        .bind(&slug)
        .bind(&row.name)
        .bind(fold(&row.name))
        .bind(depth)
        .bind(crate::db::f64_param(lat))
        .bind(crate::db::f64_param(lon))
        .bind(row.boundary.as_deref())
        .bind(source)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
        closure::insert_in(conn, id, parent_id).await?;
        ids.insert((row.level, row.code.clone()), id);
        return Ok(Applied::Created);
    };
    ids.insert((row.level, row.code.clone()), e.id);
    let mut changed = false;
    if let Some(p) = parent_id.filter(|p| Some(*p) != e.parent_id) {
        if closure::is_within(conn, p, e.id).await? {
            return Ok(Applied::Refused("territory-issue-unknown-parent"));
        }
        closure::move_in(conn, e.id, p).await?;
        places::territory_moved_in(conn, e.id).await?;
        changed = true;
    }
    // A file without positions leaves the known ones.
    let (lat, lon) = if row.centroid.is_some() {
        (lat, lon)
    } else {
        (e.lat, e.lon)
    };
    let boundary = row.boundary.clone().or(e.boundary.clone());
    if e.name != row.name
        || e.lat != lat
        || e.lon != lon
        || e.boundary != boundary
        || (e.source == "demo")
    {
        sqlx::query(
            "UPDATE territories SET name = $1, name_key = $2, lat = CAST($3 AS DOUBLE PRECISION), lon = CAST($4 AS DOUBLE PRECISION), boundary = $5, \
             source = CASE WHEN source = 'demo' THEN $6 ELSE source END, updated_at = $7 WHERE id = $8",
        )
        .bind(&row.name)
        .bind(fold(&row.name))
        .bind(crate::db::f64_param(lat))
        .bind(crate::db::f64_param(lon))
        .bind(boundary.as_deref())
        .bind(source)
        .bind(now)
        .bind(e.id)
        .execute(&mut *conn)
        .await?;
        changed = true;
    }
    Ok(if changed {
        Applied::Updated
    } else {
        Applied::Unchanged
    })
}

/// Resolve the territory a person typed, as a field error when it cannot
/// be placed: unknown (`territory-unknown`) or shared by several
/// (`territory-ambiguous`: the person adds the parent, "Name (Parent)").
pub async fn resolve_field(
    state: &AppState,
    typed: &str,
) -> AppResult<Result<Option<Territory>, &'static str>> {
    if typed.trim().is_empty() {
        return Ok(Ok(None));
    }
    Ok(match super::resolve(&state.db, typed).await? {
        Resolved::One(t) => Ok(Some(t)),
        Resolved::NotFound => Err("territory-unknown"),
        Resolved::Ambiguous(_) => Err("territory-ambiguous"),
    })
}
