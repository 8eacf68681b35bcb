//! What a calendar feed needs besides the events themselves, read for a
//! whole list at once: tags, cancelled occurrences, territory names, and
//! which events the reader holds a place in (for a private online link).
//! At most four statements whatever the number of events, each only when
//! some event needs it (a feed of 500 occurrences costs a handful of
//! statements, `tests/it/sqlcount.rs`).

use std::collections::{HashMap, HashSet};

use super::{Event, ical};
use crate::accounts::User;
use crate::db::Db;
use crate::publications::Tag;

/// The extras of a list of events, by event id.
#[derive(Debug, Default)]
pub struct Extras {
    pub tags: HashMap<i64, Vec<Tag>>,
    pub cancelled: HashMap<i64, Vec<String>>,
    /// Territory id → name.
    pub places: HashMap<i64, String>,
    /// Events where the reader is going with a place (not waitlisted).
    pub held: HashSet<i64>,
}

fn id_list(ids: impl Iterator<Item = i64>) -> String {
    let mut v: Vec<i64> = ids.collect();
    v.sort_unstable();
    v.dedup();
    v.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// Tags of several events, in one statement.
pub async fn tags_of_many(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Vec<Tag>>, sqlx::Error> {
    let mut out: HashMap<i64, Vec<Tag>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    crate::publications::tick();
    let rows: Vec<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT event_id, tag_key, label FROM event_tags WHERE event_id IN ({}) \
         ORDER BY event_id, tag_key",
        id_list(ids.iter().copied())
    )))
    .fetch_all(&db.pool)
    .await?;
    for (id, name, label) in rows {
        out.entry(id).or_default().push(Tag { name, label });
    }
    Ok(out)
}

/// The cancelled occurrences of several series, in one statement.
pub async fn cancelled_of_many(
    db: &Db,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<String>>, sqlx::Error> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    crate::publications::tick();
    let rows: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT event_id, start_local FROM event_occurrences WHERE status = 'cancelled' \
         AND event_id IN ({}) ORDER BY event_id, start_local",
        id_list(ids.iter().copied())
    )))
    .fetch_all(&db.pool)
    .await?;
    for (id, s) in rows {
        out.entry(id).or_default().push(s);
    }
    Ok(out)
}

/// Read the extras of `list` for `viewer` (None: an anonymous reader, who
/// holds no place).
pub async fn extras(db: &Db, viewer: Option<&User>, list: &[Event]) -> Result<Extras, sqlx::Error> {
    let ids: Vec<i64> = list.iter().map(|e| e.id).collect();
    let series: Vec<i64> = list
        .iter()
        .filter(|e| !e.rrule.is_empty())
        .map(|e| e.id)
        .collect();
    let mut x = Extras {
        tags: tags_of_many(db, &ids).await?,
        cancelled: cancelled_of_many(db, &series).await?,
        ..Extras::default()
    };
    let territories: Vec<i64> = list.iter().filter_map(|e| e.territory_id).collect();
    if !territories.is_empty() {
        crate::publications::tick();
        let rows: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT id, name FROM territories WHERE id IN ({})",
            id_list(territories.into_iter())
        )))
        .fetch_all(&db.pool)
        .await?;
        x.places = rows.into_iter().collect();
    }
    // Only the events whose online link is for participants need asking.
    let private: Vec<i64> = list
        .iter()
        .filter(|e| e.online_private && e.online())
        .map(|e| e.id)
        .collect();
    if let Some(u) = viewer
        && !private.is_empty()
    {
        crate::publications::tick();
        let rows: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT event_id FROM event_rsvps WHERE user_id = $1 AND answer = 'going' \
             AND waitlisted = 0 AND event_id IN ({})",
            id_list(private.into_iter())
        )))
        .bind(u.id)
        .fetch_all(&db.pool)
        .await?;
        x.held = rows.into_iter().collect();
    }
    Ok(x)
}

/// The feed's items for `viewer`: no statement (see `extras`).
pub fn items<'a>(x: &mut Extras, viewer: Option<&User>, list: &'a [Event]) -> Vec<ical::Item<'a>> {
    list.iter()
        .map(|e| {
            let show_online = !e.online_private
                || viewer.is_some_and(|u| {
                    Some(u.id) == e.organiser_id || u.is_admin || x.held.contains(&e.id)
                });
            ical::Item {
                e,
                tags: x.tags.remove(&e.id).unwrap_or_default(),
                cancelled: x.cancelled.remove(&e.id).unwrap_or_default(),
                show_online,
                place: e
                    .territory_id
                    .and_then(|t| x.places.get(&t).cloned())
                    .unwrap_or_default(),
                // A feed for nobody in particular holds public events only.
                image: viewer.is_none(),
            }
        })
        .collect()
}

/// A whole feed of `list` for `viewer`, in at most four statements.
pub async fn calendar(
    db: &Db,
    viewer: Option<&User>,
    list: &[Event],
    name: &str,
    public_url: &str,
) -> Result<String, sqlx::Error> {
    let mut x = extras(db, viewer, list).await?;
    let items = items(&mut x, viewer, list);
    Ok(ical::calendar(name, public_url, &items))
}
