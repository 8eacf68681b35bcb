//! The agenda's reads: events a viewer may see (the policy's SQL form,
//! `visible_sql`), filtered by community, territory (with roll-up), tag,
//! organisation, online, a person's registrations or communities, and a
//! time window; and their occurrences in that window.

use super::time::{self, Occurrence};
use super::{COLUMNS, Event};
use crate::accounts::User;
use crate::db::Db;
use crate::organisations::sql::{Sql, Val};
use crate::policy;

/// The SQL form of `Action::ViewEvent` on the event alias `e`, the viewer
/// bound at `$param` (when `policy::sql_needs_viewer`): one of its
/// communities is findable by the viewer, or the viewer organises it.
pub fn visible_sql(e: &str, viewer: Option<&User>, param: usize) -> String {
    let find = policy::findable_communities_sql("vc", viewer, param);
    let own = if policy::sql_needs_viewer(viewer).is_some() {
        format!(" OR {e}.organiser_id = ${param}")
    } else {
        String::new()
    };
    format!(
        "(EXISTS (SELECT 1 FROM event_communities vec JOIN communities vc ON vc.id = vec.community_id \
         WHERE vec.event_id = {e}.id AND {find}){own})"
    )
}

/// The id of an organisation named by its slug, for the organisation
/// filter (what it lists still goes through `visible_sql`).
pub async fn organisation_id(db: &Db, slug: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM organisations WHERE slug = $1")
        .bind(slug)
        .fetch_optional(&db.pool)
        .await
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub community_id: Option<i64>,
    /// A territory id: events placed in it or below.
    pub territory_id: Option<i64>,
    /// A folded tag key.
    pub tag: String,
    pub organisation_id: Option<i64>,
    /// Some(true): online or hybrid; Some(false): in person (address or hybrid).
    pub online: Option<bool>,
    /// Only the events this person answered going or maybe to.
    pub registered: Option<i64>,
    /// Only events of the communities this person is an active member of.
    pub member_of: Option<i64>,
    /// Some(true): free (no price given); Some(false): paid.
    pub free: Option<bool>,
}

/// Events (series) the viewer may see, overlapping `[from, to)`, soonest
/// first, at most `limit`.
pub async fn between(
    db: &Db,
    viewer: Option<&User>,
    f: &Filter,
    from: i64,
    to: i64,
    limit: i64,
) -> Result<Vec<Event>, sqlx::Error> {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM events e"));
    where_clause(&mut sql, viewer, f);
    let a = sql.bind(Val::I(from));
    let b = sql.bind(Val::I(to));
    let n = sql.bind(Val::I(limit));
    sql.push(&format!(
        " AND e.series_ends_at > {a} AND e.starts_at < {b} ORDER BY e.starts_at, e.id LIMIT {n}"
    ));
    let rows = sql.query().fetch_all(&db.pool).await?;
    rows.iter().map(Event::from_row).collect()
}

/// Events whose last occurrence ended before `before`, latest first.
pub async fn past(
    db: &Db,
    viewer: Option<&User>,
    f: &Filter,
    before: i64,
    limit: i64,
) -> Result<Vec<Event>, sqlx::Error> {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM events e"));
    where_clause(&mut sql, viewer, f);
    let a = sql.bind(Val::I(before));
    let n = sql.bind(Val::I(limit));
    sql.push(&format!(
        " AND e.series_ends_at <= {a} ORDER BY e.series_ends_at DESC, e.id DESC LIMIT {n}"
    ));
    let rows = sql.query().fetch_all(&db.pool).await?;
    rows.iter().map(Event::from_row).collect()
}

/// The community, territory, tag, registration and membership filters are
/// written `e.id IN (…)` rather than a correlated `EXISTS`: SQLite then
/// starts from the filter's own index (a community's 24 events) instead of
/// walking every event in time order and testing each (a community's feed
/// went from 7.4 ms to well under 1 ms at scale 1; BENCHMARKS.md).
/// PostgreSQL plans both forms as the same semi-join.
fn where_clause(sql: &mut Sql, viewer: Option<&User>, f: &Filter) {
    let p = sql.viewer(viewer);
    sql.push(&format!(" WHERE {}", visible_sql("e", viewer, p)));
    if let Some(c) = f.community_id {
        let ph = sql.bind(Val::I(c));
        sql.push(&format!(
            " AND e.id IN (SELECT fc.event_id FROM event_communities fc WHERE fc.community_id = {ph})"
        ));
    }
    if let Some(t) = f.territory_id {
        let ph = sql.bind(Val::I(t));
        sql.push(&format!(
            " AND e.territory_id IN (SELECT tc.descendant_id FROM territory_closure tc WHERE tc.ancestor_id = {ph})"
        ));
    }
    if !f.tag.is_empty() {
        let ph = sql.bind(Val::S(f.tag.clone()));
        sql.push(&format!(
            " AND e.id IN (SELECT ft.event_id FROM event_tags ft WHERE ft.tag_key = {ph})"
        ));
    }
    if let Some(o) = f.organisation_id {
        let ph = sql.bind(Val::I(o));
        sql.push(&format!(" AND e.organisation_id = {ph}"));
    }
    match f.online {
        Some(true) => sql.push(" AND e.place_kind IN ('online', 'hybrid')"),
        Some(false) => sql.push(" AND e.place_kind IN ('address', 'hybrid')"),
        None => {}
    }
    match f.free {
        Some(true) => sql.push(" AND e.price = ''"),
        Some(false) => sql.push(" AND e.price <> ''"),
        None => {}
    }
    if let Some(u) = f.registered {
        let ph = sql.bind(Val::I(u));
        // Starts from the person's registrations (`event_rsvps_user`), as
        // the membership filter below: a per-event EXISTS tested every
        // event of the instance in time order.
        sql.push(&format!(
            " AND e.id IN (SELECT fr.event_id FROM event_rsvps fr WHERE fr.user_id = {ph} \
             AND fr.answer IN ('going', 'maybe'))"
        ));
    }
    if let Some(u) = f.member_of {
        let ph = sql.bind(Val::I(u));
        // Starts from the member's communities (like the community filter
        // above): a per-event EXISTS walked every event of the instance,
        // 31 ms for the signed-in home page at scale 10, 0.14 ms this way.
        sql.push(&format!(
            " AND e.id IN (SELECT mc.event_id FROM memberships mm JOIN event_communities mc ON mc.community_id = mm.community_id \
             WHERE mm.user_id = {ph} AND mm.state = 'active')"
        ));
    }
}

/// One occurrence of an event, for the agenda and the month grid.
#[derive(Debug, Clone)]
pub struct Dated {
    /// Shared by the occurrences of one series (never copied per date).
    pub event: std::sync::Arc<Event>,
    pub occ: Occurrence,
    pub cancelled: bool,
}

/// The occurrences of `events` in `[from, to)`, in time order, at most
/// `limit` in all (each series expanded within its own bounds). One
/// statement for the cancelled occurrences, when a series is listed.
pub async fn occurrences(
    db: &Db,
    events: Vec<Event>,
    from: i64,
    to: i64,
    limit: usize,
) -> Result<Vec<Dated>, sqlx::Error> {
    let series: Vec<i64> = events
        .iter()
        .filter(|e| !e.rrule.is_empty())
        .map(|e| e.id)
        .collect();
    let cancelled = super::feed::cancelled_of_many(db, &series).await?;
    let none = Vec::new();
    let mut out = Vec::new();
    for e in events {
        let e = std::sync::Arc::new(e);
        let (occ, _) = time::expand(&e.timing(), from, to, time::MAX_OCCURRENCES);
        let c = cancelled.get(&e.id).unwrap_or(&none);
        for o in occ {
            let key = time::format_local(o.start_local, e.all_day);
            out.push(Dated {
                cancelled: e.status == super::Status::Cancelled || c.contains(&key),
                event: std::sync::Arc::clone(&e),
                occ: o,
            });
        }
    }
    out.sort_by_key(|d| (d.occ.start, d.event.id));
    out.truncate(limit);
    Ok(out)
}
