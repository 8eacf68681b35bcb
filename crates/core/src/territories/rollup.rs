//! What a territory page shows one viewer, rolled up from everything
//! below the territory through `territory_closure` (communities) and
//! `publication_territory_rollup` (publications), always through the
//! policy's SQL: a community the viewer may not discover (a private one
//! for outsiders, an unlisted one for non-members) is in no list, count,
//! feed or map point.
//!
//! Extension point for other domains (organisations, initiatives, later
//! events): they read their own placement tables joined to
//! `territory_closure` on `ancestor_id = territory.id`, and hand their
//! points to `map::render` as `MapPoint`s; the page has a section for
//! each (see `src/web/territories.rs`, `Extra`).

use sqlx::Row;

use super::map::MapPoint;
use super::{COLUMNS, Territory};
use crate::accounts::User;
use crate::communities::{COMMUNITY_COLUMNS, Community};
use crate::db::Db;
use crate::policy;

/// Communities shown on a territory page (the newest activity first).
pub const COMMUNITIES_SHOWN: i64 = 30;
/// Points on a map at most (the list beside it says when there are more).
pub const MAP_POINTS_MAX: i64 = 500;

/// Communities this viewer may discover: open ones, and those they belong
/// to (the search rule: unlisted and private stay out for others).
fn visible(viewer: Option<&User>) -> String {
    policy::searchable_communities_sql("c", viewer, 1)
}

/// Filters of a territory page.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// A community theme (sector).
    pub theme: Option<String>,
}

/// A sub-territory with how many communities this viewer sees below it.
#[derive(Debug, Clone)]
pub struct Child {
    pub territory: Territory,
    pub communities: i64,
}

/// The sub-territories, each with its count: one statement.
pub async fn children(
    db: &Db,
    viewer: Option<&User>,
    id: i64,
    f: &Filter,
) -> Result<Vec<Child>, sqlx::Error> {
    let theme = if f.theme.is_some() {
        " AND c.theme = $3"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {COLUMNS}, (SELECT COUNT(DISTINCT ct.community_id) FROM territory_closure tc \
           JOIN community_territories ct ON ct.territory_id = tc.descendant_id JOIN communities c ON c.id = ct.community_id \
           WHERE tc.ancestor_id = t.id AND {}{theme}) AS n \
         FROM territories t WHERE t.parent_id = $2 ORDER BY t.name_key, t.id",
        visible(viewer)
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(policy::sql_needs_viewer(viewer).unwrap_or(0))
        .bind(id);
    if let Some(t) = &f.theme {
        q = q.bind(t.clone());
    }
    let rows = q.fetch_all(&db.pool).await?;
    rows.iter()
        .map(|r| {
            Ok(Child {
                territory: Territory::from_row(r)?,
                communities: r.try_get("n")?,
            })
        })
        .collect()
}

/// Communities placed on the territory or below, that this viewer may
/// discover: the first `COMMUNITIES_SHOWN` by latest activity, and how
/// many in all (one statement).
pub async fn communities(
    db: &Db,
    viewer: Option<&User>,
    id: i64,
    f: &Filter,
) -> Result<(Vec<Community>, i64), sqlx::Error> {
    let theme = if f.theme.is_some() {
        " AND c.theme = $3"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {COMMUNITY_COLUMNS}, COUNT(*) OVER () AS total FROM communities c WHERE {}{theme} \
         AND c.id IN (SELECT ct.community_id FROM territory_closure tc JOIN community_territories ct \
           ON ct.territory_id = tc.descendant_id WHERE tc.ancestor_id = $2) \
         ORDER BY c.last_activity_at DESC, c.id DESC LIMIT {COMMUNITIES_SHOWN}",
        visible(viewer)
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(policy::sql_needs_viewer(viewer).unwrap_or(0))
        .bind(id);
    if let Some(t) = &f.theme {
        q = q.bind(t.clone());
    }
    let rows = q.fetch_all(&db.pool).await?;
    let total = match rows.first() {
        Some(r) => r.try_get("total")?,
        None => 0,
    };
    let list = rows
        .iter()
        .map(Community::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((list, total))
}

/// Map points of the communities below the territory that this viewer may
/// discover, at the centroid of the territory each is placed on (or of its
/// parent, when a file gave no position), one statement, at most
/// `MAP_POINTS_MAX`.
pub async fn community_points(
    db: &Db,
    viewer: Option<&User>,
    id: i64,
    f: &Filter,
) -> Result<Vec<MapPoint>, sqlx::Error> {
    let theme = if f.theme.is_some() {
        " AND c.theme = $3"
    } else {
        ""
    };
    let sql = format!(
        "SELECT c.slug, c.name, COALESCE(t.lat, pt.lat) AS lat, COALESCE(t.lon, pt.lon) AS lon FROM territory_closure tc \
         JOIN community_territories ct ON ct.territory_id = tc.descendant_id \
         JOIN territories t ON t.id = ct.territory_id LEFT JOIN territories pt ON pt.id = t.parent_id \
         JOIN communities c ON c.id = ct.community_id \
         WHERE tc.ancestor_id = $2 AND COALESCE(t.lat, pt.lat) IS NOT NULL AND COALESCE(t.lon, pt.lon) IS NOT NULL AND {}{theme} \
         ORDER BY c.name, c.id LIMIT {MAP_POINTS_MAX}",
        visible(viewer)
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(policy::sql_needs_viewer(viewer).unwrap_or(0))
        .bind(id);
    if let Some(t) = &f.theme {
        q = q.bind(t.clone());
    }
    let rows = q.fetch_all(&db.pool).await?;
    rows.iter()
        .map(|r| {
            let slug: String = r.try_get("slug")?;
            Ok(MapPoint {
                lat: r.try_get("lat")?,
                lon: r.try_get("lon")?,
                label: r.try_get("name")?,
                href: crate::urls::community(&slug),
                kind: "community",
                weight: 1,
            })
        })
        .collect()
}

/// Map points of the sub-territories that have a centroid, weighted by
/// their communities.
pub fn child_points(children: &[Child]) -> Vec<MapPoint> {
    children
        .iter()
        .filter_map(|c| {
            let (lat, lon) = c.territory.point()?;
            Some(MapPoint {
                lat,
                lon,
                label: c.territory.name.clone(),
                href: c.territory.path(),
                kind: "territory",
                weight: c.communities,
            })
        })
        .collect()
}

/// The territory's boundary, when it has one (one statement; the page
/// reads it only to draw the map).
pub async fn boundary(db: &Db, id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT boundary FROM territories WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await
        .map(Option::flatten)
}
