//! The directory of communities: the listing query (what a viewer may see
//! listed, filtered, most recently active first) and the page of it the
//! pages (`/c`) and the API (`GET /api/v1/communities`) show.

use super::{COMMUNITY_COLUMNS, Community, valid_theme};
use crate::accounts::{self, User};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::policy::{Membership, Visibility};
use crate::state::AppState;

/// Longest directory search taken into account.
pub const QUERY_MAX: usize = 100;

/// What a directory request filters on; `clean` keeps what means something.
#[derive(Debug, Default, Clone)]
pub struct DirectoryFilter {
    pub theme: Option<String>,
    pub territory: Option<String>,
    pub visibility: Option<Visibility>,
    pub query: Option<String>,
    /// Only communities the viewer is an active member of.
    pub mine: bool,
}

pub const PAGE_SIZE: i64 = 30;

/// The directory: communities this viewer may see listed, most recently
/// active first, `PAGE_SIZE` per page (plus one to know if there is more).
pub async fn query(
    db: &Db,
    viewer: Option<&User>,
    f: &DirectoryFilter,
    page: i64,
) -> Result<(Vec<Community>, bool), sqlx::Error> {
    let viewer_id = crate::policy::sql_needs_viewer(viewer);
    // $1 is the viewer id (bound even when unused, to keep numbering fixed).
    let mut sql = format!(
        "SELECT {COMMUNITY_COLUMNS} FROM communities c WHERE {}",
        crate::policy::listed_communities_sql("c", viewer, 1)
    );
    let mut binds: Vec<String> = Vec::new();
    let mut next = 2;
    let mut push = |sql: &mut String, cond: &str, value: String| {
        sql.push_str(&cond.replace("$?", &format!("${next}")));
        binds.push(value);
        next += 1;
    };
    if let Some(t) = f.theme.as_deref().filter(|s| !s.is_empty()) {
        push(&mut sql, " AND c.theme = $?", t.to_string());
    }
    if let Some(t) = f.territory.as_deref().filter(|s| !s.is_empty()) {
        // The territory and everything below it (closure table).
        push(
            &mut sql,
            " AND c.id IN (SELECT ct.community_id FROM territories ft JOIN territory_closure tc ON tc.ancestor_id = ft.id \
             JOIN community_territories ct ON ct.territory_id = tc.descendant_id WHERE ft.slug = $?)",
            t.to_string(),
        );
    }
    if let Some(v) = f.visibility {
        push(&mut sql, " AND c.visibility = $?", v.as_str().to_string());
    }
    if let Some(q) = f.query.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = format!(
            "%{}%",
            q.to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        push(
            &mut sql,
            " AND (LOWER(c.name) LIKE $? ESCAPE '\\'",
            pattern.clone(),
        );
        push(
            &mut sql,
            " OR LOWER(c.description) LIKE $? ESCAPE '\\')",
            pattern,
        );
    }
    if f.mine {
        sql.push_str(" AND EXISTS (SELECT 1 FROM memberships mm WHERE mm.community_id = c.id AND mm.user_id = $1 AND mm.state = 'active')");
    }
    let offset = page.max(0) * PAGE_SIZE;
    sql.push_str(&format!(
        " ORDER BY c.last_activity_at DESC, c.id DESC LIMIT {} OFFSET {offset}",
        PAGE_SIZE + 1
    ));
    // Administrators are not bound by the listing condition, but "mine" still needs their id.
    let bound_id = viewer_id.or_else(|| if f.mine { viewer.map(|u| u.id) } else { None });
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(bound_id.unwrap_or(0));
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(&db.pool).await?;
    let mut list = rows
        .iter()
        .map(Community::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let more = list.len() as i64 > PAGE_SIZE;
    list.truncate(PAGE_SIZE as usize);
    Ok((list, more))
}

impl DirectoryFilter {
    /// A filter from what was asked, keeping only what means something (a
    /// known theme, region and visibility; the search trimmed and cut to
    /// `QUERY_MAX` characters), so that links stay clean.
    pub fn clean(
        q: &str,
        theme: &str,
        territory: &str,
        visibility: &str,
        mine: bool,
    ) -> DirectoryFilter {
        let known = |ok: bool, v: &str| if ok { v.to_string() } else { String::new() };
        DirectoryFilter {
            query: Some(accounts::truncate(q.trim(), QUERY_MAX)),
            theme: Some(known(valid_theme(theme), theme)),
            // Any territory's slug (the region choices, or a link from a territory page).
            territory: Some(known(
                territory.len() <= 100
                    && territory
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                territory,
            )),
            visibility: Visibility::parse(visibility),
            mine,
        }
    }
}

/// One page of the directory.
pub struct Listing {
    /// The communities, each with the viewer's membership.
    pub items: Vec<(Community, Option<Membership>)>,
    /// 1-based.
    pub page: i64,
    pub more: bool,
}

/// A page (1-based) of the directory as `viewer` may see it. "Mine"
/// without a viewer is `Unauthorized` (the pages send to the login form
/// first).
pub async fn list(
    state: &AppState,
    viewer: Option<&User>,
    f: &DirectoryFilter,
    page_no: i64,
) -> AppResult<Listing> {
    if f.mine && viewer.is_none() {
        return Err(AppError::Unauthorized);
    }
    let page = page_no.clamp(1, 100_000);
    let (list, more) = query(&state.db, viewer, f, page - 1).await?;
    let ids: Vec<i64> = list.iter().map(|c| c.id).collect();
    let mems = super::memberships(&state.db, viewer, &ids).await?;
    let items = list
        .into_iter()
        .map(|c| {
            let m = mems.get(&c.id).copied();
            (c, m)
        })
        .collect();
    Ok(Listing { items, page, more })
}
