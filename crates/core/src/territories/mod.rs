//! Territories (C13): the tree province › region › MRC › municipality ›
//! sector, with official codes, and what is placed on it. No HTTP.
//!
//! - this file: the model, name folding, lookups (slug, code, name search
//!   for the picker), resolving what a person typed, breadcrumbs, children;
//! - `closure`: the closure table kept in step with the tree (insert, move);
//! - `geo`: geometry checks, centroids, simplification for display;
//! - `import`: the file formats (Données Québec SDA layers, MAMH répertoire,
//!   Statistics Canada census subdivisions, plain CSV/GeoJSON) read into rows
//!   with a per-line report;
//! - `places`: placements of communities and publications and the
//!   publication roll-up;
//! - `rollup`: what a territory page shows a viewer (through the policy);
//! - `map`: the server-rendered SVG map (generic points, clustering);
//! - `ops`: the operations (import, placing).
//!
//! Roll-ups go through `territory_closure` (migration 0010): "everything
//! below T" is one indexed join whatever the depth.

pub mod closure;
pub mod demo;
pub mod geo;
pub mod import;
pub mod map;
pub mod ops;
pub mod places;
pub mod rollup;
pub mod shp;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::Db;

/// Levels of the tree, top down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Province,
    Region,
    Mrc,
    Municipality,
    Sector,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Province,
        Level::Region,
        Level::Mrc,
        Level::Municipality,
        Level::Sector,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::Region => "region",
            Level::Mrc => "mrc",
            Level::Municipality => "municipality",
            Level::Sector => "sector",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        match s.trim().to_ascii_lowercase().as_str() {
            "province" => Some(Level::Province),
            "region" | "région" | "regio" => Some(Level::Region),
            "mrc" | "te" => Some(Level::Mrc),
            "municipality" | "municipalite" | "municipalité" | "munic" => {
                Some(Level::Municipality)
            }
            "sector" | "secteur" | "neighbourhood" | "quartier" => Some(Level::Sector),
            _ => None,
        }
    }

    /// The level a territory of this level hangs from.
    pub fn parent(self) -> Option<Level> {
        match self {
            Level::Province => None,
            Level::Region => Some(Level::Province),
            Level::Mrc => Some(Level::Region),
            Level::Municipality => Some(Level::Mrc),
            Level::Sector => Some(Level::Municipality),
        }
    }

    pub fn depth(self) -> i64 {
        self as i64
    }

    /// Message key of the level's name (`territory-level-<level>`).
    pub fn label_key(self) -> String {
        format!("territory-level-{}", self.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct Territory {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub level: Level,
    pub code: String,
    pub slug: String,
    pub name: String,
    pub depth: i64,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub source: String,
}

pub const COLUMNS: &str =
    "t.id, t.parent_id, t.level, t.code, t.slug, t.name, t.depth, t.lat, t.lon, t.source";

impl Territory {
    pub fn from_row(r: &AnyRow) -> Result<Territory, sqlx::Error> {
        let level: String = r.try_get("level")?;
        Ok(Territory {
            id: r.try_get("id")?,
            parent_id: r.try_get("parent_id")?,
            level: Level::parse(&level)
                .ok_or_else(|| sqlx::Error::Decode(format!("unknown level {level}").into()))?,
            code: r.try_get("code")?,
            slug: r.try_get("slug")?,
            name: r.try_get("name")?,
            depth: r.try_get("depth")?,
            lat: r.try_get("lat")?,
            lon: r.try_get("lon")?,
            source: r.try_get("source")?,
        })
    }

    pub fn path(&self) -> String {
        crate::urls::territory(&self.slug)
    }

    pub fn point(&self) -> Option<(f64, f64)> {
        Some((self.lat?, self.lon?))
    }

    /// Demo rows (seed-demo's layer) are marked as such on their page.
    pub fn is_demo(&self) -> bool {
        self.source == "demo"
    }
}

/// The folded form of a name, for search: no accents, no case, runs of
/// anything but letters and digits as one space ("Saguenay–Lac-Saint-Jean"
/// → "saguenay lac saint jean"). Stored as `territories.name_key`.
pub fn fold(name: &str) -> String {
    crate::communities::slugify(name).replace('-', " ")
}

/// A slug from a name (the communities' slug rules: `[a-z0-9-]`).
pub fn slug_of(name: &str) -> String {
    crate::communities::slugify(name)
}

pub async fn by_slug(db: &Db, slug: &str) -> Result<Option<Territory>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM territories t WHERE t.slug = $1"
    )))
    .bind(slug)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(Territory::from_row).transpose()
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Territory>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM territories t WHERE t.id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(Territory::from_row).transpose()
}

pub async fn by_code(db: &Db, level: Level, code: &str) -> Result<Option<Territory>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM territories t WHERE t.level = $1 AND t.code = $2"
    )))
    .bind(level.as_str())
    .bind(code)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(Territory::from_row).transpose()
}

/// Territories whose folded name starts with the folded query, or has a
/// word starting with it ("jean" finds "Saint-Jean-sur-Richelieu"): exact
/// names first, then higher levels, then by name; at most `limit`. With
/// the parent's name, to tell homonyms apart.
pub async fn search(
    db: &Db,
    query: &str,
    limit: i64,
) -> Result<Vec<(Territory, Option<String>)>, sqlx::Error> {
    let q = fold(query);
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let esc = q
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS}, pt.name AS parent_name FROM territories t LEFT JOIN territories pt ON pt.id = t.parent_id \
         WHERE t.name_key LIKE $1 ESCAPE '\\' OR t.name_key LIKE $2 ESCAPE '\\' \
         ORDER BY CASE WHEN t.name_key = $3 THEN 0 ELSE 1 END, t.depth, t.name_key, t.id LIMIT {}",
        limit.clamp(1, 200)
    )))
    .bind(format!("{esc}%"))
    .bind(format!("% {esc}%"))
    .bind(&q)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((Territory::from_row(r)?, r.try_get("parent_name")?)))
        .collect()
}

/// What a person typed in a territory field, resolved.
#[derive(Debug)]
pub enum Resolved {
    One(Territory),
    /// Several territories have that name: the person picks one (each
    /// offered as `input_label`).
    Ambiguous(Vec<(Territory, Option<String>)>),
    NotFound,
}

/// Resolve a typed territory: its slug, its name (folded), or
/// "Name (Parent name)" to tell homonyms apart.
pub async fn resolve(db: &Db, typed: &str) -> Result<Resolved, sqlx::Error> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(Resolved::NotFound);
    }
    if let Some(t) = by_slug(db, typed).await? {
        return Ok(Resolved::One(t));
    }
    let (name, parent) = match typed.strip_suffix(')').and_then(|s| s.rsplit_once('(')) {
        Some((n, p)) => (n.trim(), Some(fold(p))),
        None => (typed, None),
    };
    let key = fold(name);
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS}, pt.name AS parent_name FROM territories t LEFT JOIN territories pt ON pt.id = t.parent_id \
         WHERE t.name_key = $1 ORDER BY t.depth, t.id LIMIT 50"
    )))
    .bind(&key)
    .fetch_all(&db.pool)
    .await?;
    let mut found: Vec<(Territory, Option<String>)> = rows
        .iter()
        .map(|r| Ok((Territory::from_row(r)?, r.try_get("parent_name")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    if let Some(p) = parent {
        found.retain(|(_, pn)| pn.as_deref().map(fold).as_deref() == Some(p.as_str()));
    }
    Ok(match found.len() {
        0 => Resolved::NotFound,
        1 => Resolved::One(found.remove(0).0),
        _ => Resolved::Ambiguous(found),
    })
}

/// How a territory is written in a form so that `resolve` finds it again:
/// its name, or "Name (Parent)" when the name alone is shared.
pub async fn input_label(db: &Db, t: &Territory) -> Result<String, sqlx::Error> {
    let same: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM territories WHERE name_key = $1")
        .bind(fold(&t.name))
        .fetch_one(&db.pool)
        .await?;
    if same <= 1 {
        return Ok(t.name.clone());
    }
    let parent = match t.parent_id {
        Some(p) => by_id(db, p).await?,
        None => None,
    };
    Ok(match parent {
        Some(p) => format!("{} ({})", t.name, p.name),
        None => t.slug.clone(),
    })
}

/// The path from the root down to `id` (itself last): one statement.
pub async fn breadcrumbs(db: &Db, id: i64) -> Result<Vec<Territory>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM territory_closure tc JOIN territories t ON t.id = tc.ancestor_id \
         WHERE tc.descendant_id = $1 ORDER BY tc.distance DESC"
    )))
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(Territory::from_row).collect()
}

/// Direct children of a territory, by name.
pub async fn children(db: &Db, id: i64) -> Result<Vec<Territory>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM territories t WHERE t.parent_id = $1 ORDER BY t.name_key, t.id"
    )))
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(Territory::from_row).collect()
}

/// The territories down to `max_depth` (the picker's list without
/// JavaScript: the regions and MRCs), by depth then name.
pub async fn upper_levels(db: &Db, max_depth: i64) -> Result<Vec<Territory>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM territories t WHERE t.depth <= $1 ORDER BY t.depth, t.name_key"
    )))
    .bind(max_depth)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(Territory::from_row).collect()
}

/// Names of territories by slug (displays of several communities at once).
pub async fn names_by_slug(
    db: &Db,
    slugs: &[&str],
) -> Result<std::collections::HashMap<String, String>, sqlx::Error> {
    let mut out = std::collections::HashMap::new();
    let wanted: Vec<&str> = slugs.iter().copied().filter(|s| !s.is_empty()).collect();
    if wanted.is_empty() {
        return Ok(out);
    }
    let marks: Vec<String> = (1..=wanted.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT slug, name FROM territories WHERE slug IN ({})",
        marks.join(", ")
    );
    let mut q = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql));
    for s in &wanted {
        q = q.bind(*s);
    }
    for (s, n) in q.fetch_all(&db.pool).await? {
        out.insert(s, n);
    }
    Ok(out)
}

/// How many territories per level (the admin page).
pub async fn counts_by_level(db: &Db) -> Result<Vec<(Level, i64)>, sqlx::Error> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT level, COUNT(*) FROM territories GROUP BY level")
            .fetch_all(&db.pool)
            .await?;
    let mut out: Vec<(Level, i64)> = rows
        .into_iter()
        .filter_map(|(l, n)| Level::parse(&l).map(|l| (l, n)))
        .collect();
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_to_words() {
        assert_eq!(fold("Saguenay–Lac-Saint-Jean"), "saguenay lac saint jean");
        assert_eq!(fold("L'Île-d'Orléans"), "l ile d orleans");
        assert_eq!(fold("  Trois-Rivières "), "trois rivieres");
        assert_eq!(
            slug_of("Gaspésie–Îles-de-la-Madeleine"),
            "gaspesie-iles-de-la-madeleine"
        );
    }

    #[test]
    fn levels_round_trip_and_hang_from_the_one_above() {
        for l in Level::ALL {
            assert_eq!(Level::parse(l.as_str()), Some(l));
        }
        assert_eq!(Level::Municipality.parent(), Some(Level::Mrc));
        assert_eq!(Level::Province.parent(), None);
        assert_eq!(Level::Mrc.depth(), 2);
    }
}
