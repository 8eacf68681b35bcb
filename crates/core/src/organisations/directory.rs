//! The directory of organisations: filters (text, sector, territory with
//! roll-up, legal form), pages of 30, and the CSV export — every row
//! through the policy's SQL (`policy::visible_organisations_sql`), so an
//! unverified or members-only organisation never reaches an outsider.

use super::sql::{Sql, Val};
use super::{ORG_COLUMNS, Organisation};
use crate::accounts::User;
use crate::db::Db;
use crate::policy;

pub const PAGE_SIZE: i64 = 30;
/// Most rows in one export.
pub const EXPORT_MAX: i64 = 20000;

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub q: String,
    pub sector: String,
    /// A territory slug: organisations serving it or anything below it, or
    /// whose address is in it.
    pub territory: String,
    /// A territory already resolved (its id), used instead of `territory`:
    /// a page that has loaded the territory saves the lookup.
    pub territory_id: Option<i64>,
    pub legal_form: String,
}

/// "Organisation `o` is in or serves territory `$t` or below": one indexed
/// join on the closure table whatever the depth.
pub fn in_territory_sql(o: &str, t: &str) -> String {
    format!(
        "(EXISTS (SELECT 1 FROM organisation_territories ot JOIN territory_closure tc \
         ON tc.descendant_id = ot.territory_id WHERE ot.organisation_id = {o}.id AND tc.ancestor_id = {t}) \
         OR EXISTS (SELECT 1 FROM territory_closure tp WHERE tp.ancestor_id = {t} AND tp.descendant_id = {o}.place_id))"
    )
}

/// The WHERE clause of the filter and the policy, bound into `sql`.
/// Unknown territory → matches nothing.
async fn where_clause(
    db: &Db,
    sql: &mut Sql,
    viewer: Option<&User>,
    f: &Filter,
) -> Result<(), sqlx::Error> {
    let p = sql.viewer(viewer);
    sql.push(&format!(
        " WHERE {}",
        policy::visible_organisations_sql("o", viewer, p)
    ));
    let q = f.q.trim();
    if !q.is_empty() {
        let like = format!("%{}%", q.to_lowercase().replace(['%', '_'], ""));
        let ph = sql.bind(Val::S(like));
        sql.push(&format!(" AND LOWER(o.name) LIKE {ph}"));
    }
    if !f.sector.is_empty() {
        let ph = sql.bind(Val::S(f.sector.clone()));
        sql.push(&format!(
            " AND EXISTS (SELECT 1 FROM organisation_sectors os WHERE os.organisation_id = o.id AND os.sector = {ph})"
        ));
    }
    if !f.legal_form.is_empty() {
        let ph = sql.bind(Val::S(f.legal_form.clone()));
        sql.push(&format!(" AND o.legal_form = {ph}"));
    }
    if let Some(id) = f.territory_id {
        let ph = sql.bind(Val::I(id));
        sql.push(&format!(" AND {}", in_territory_sql("o", &ph)));
    } else if !f.territory.is_empty() {
        match super::places::by_slug(db, &f.territory).await? {
            Some(t) => {
                let ph = sql.bind(Val::I(t.id));
                sql.push(&format!(" AND {}", in_territory_sql("o", &ph)));
            }
            None => sql.push(" AND 1 = 0"),
        }
    }
    Ok(())
}

pub struct Listing {
    pub items: Vec<Organisation>,
    pub page: i64,
    pub more: bool,
}

/// One page of the directory, by name.
pub async fn list(
    db: &Db,
    viewer: Option<&User>,
    f: &Filter,
    page: i64,
) -> Result<Listing, sqlx::Error> {
    let page = page.clamp(1, 100_000);
    let mut sql = Sql::new(&format!("SELECT {ORG_COLUMNS} FROM organisations o"));
    where_clause(db, &mut sql, viewer, f).await?;
    let lim = sql.bind(Val::I(PAGE_SIZE + 1));
    let off = sql.bind(Val::I((page - 1) * PAGE_SIZE));
    sql.push(&format!(" ORDER BY o.name, o.id LIMIT {lim} OFFSET {off}"));
    let rows = sql.query().fetch_all(&db.pool).await?;
    let mut items = rows
        .iter()
        .map(Organisation::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let more = items.len() as i64 > PAGE_SIZE;
    items.truncate(PAGE_SIZE as usize);
    Ok(Listing { items, page, more })
}

/// Every matching organisation (at most `EXPORT_MAX`), by name.
pub async fn all(
    db: &Db,
    viewer: Option<&User>,
    f: &Filter,
) -> Result<Vec<Organisation>, sqlx::Error> {
    let mut sql = Sql::new(&format!("SELECT {ORG_COLUMNS} FROM organisations o"));
    where_clause(db, &mut sql, viewer, f).await?;
    let lim = sql.bind(Val::I(EXPORT_MAX));
    sql.push(&format!(" ORDER BY o.name, o.id LIMIT {lim}"));
    let rows = sql.query().fetch_all(&db.pool).await?;
    rows.iter().map(Organisation::from_row).collect()
}

/// Sector codes of several organisations at once (id → codes).
pub async fn sectors_for(
    db: &Db,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<String>>, sqlx::Error> {
    let mut out: std::collections::HashMap<i64, Vec<String>> = Default::default();
    for chunk in ids.chunks(500) {
        let mut sql = Sql::new(
            "SELECT organisation_id, sector FROM organisation_sectors WHERE organisation_id IN (",
        );
        let phs: Vec<String> = chunk.iter().map(|id| sql.bind(Val::I(*id))).collect();
        sql.push(&phs.join(", "));
        sql.push(") ORDER BY sector");
        if chunk.is_empty() {
            continue;
        }
        for r in sql.query().fetch_all(&db.pool).await? {
            use sqlx::Row;
            out.entry(r.try_get("organisation_id")?)
                .or_default()
                .push(r.try_get("sector")?);
        }
    }
    Ok(out)
}

/// One CSV field (RFC 4180): quoted when it holds a comma, quote or line
/// break; a leading `=`, `+`, `-` or `@` is prefixed with `'` so that a
/// spreadsheet never runs it as a formula.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The CSV export of the directory (UTF-8 with a byte-order mark, so
/// spreadsheets read the accents).
pub async fn csv(
    db: &Db,
    public_url: &str,
    viewer: Option<&User>,
    f: &Filter,
) -> Result<String, sqlx::Error> {
    let orgs = all(db, viewer, f).await?;
    let ids: Vec<i64> = orgs.iter().map(|o| o.id).collect();
    let sectors = sectors_for(db, &ids).await?;
    let mut out = String::from("\u{feff}");
    out.push_str("name,url,legal_form,neq,sectors,address,lat,lon,website,email,phone,status\r\n");
    for o in &orgs {
        let row = [
            o.name.clone(),
            crate::urls::absolute(public_url, &o.path()),
            o.legal_form.clone(),
            o.neq.clone(),
            sectors.get(&o.id).map(|s| s.join(";")).unwrap_or_default(),
            o.address.clone(),
            o.lat.map(|v| format!("{v:.6}")).unwrap_or_default(),
            o.lon.map(|v| format!("{v:.6}")).unwrap_or_default(),
            o.website.clone(),
            o.email.clone(),
            o.phone.clone(),
            o.status.as_str().to_string(),
        ];
        out.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields() {
        assert_eq!(csv_field("Coop, la"), "\"Coop, la\"");
        assert_eq!(csv_field("dit \"x\""), "\"dit \"\"x\"\"\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("simple"), "simple");
    }
}
