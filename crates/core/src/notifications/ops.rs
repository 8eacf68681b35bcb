//! Changing what one receives: the settings page, the API and the
//! one-click unsubscribe links all come here.

use super::prefs::{self, Channel, Kind, Level, Zone};
use crate::actor::Actor;
use crate::db::{Db, now};
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::publications::tick;
use crate::state::AppState;

/// The whole preference form: a channel per kind, the digest schedule and
/// watching levels of communities.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// (kind code, channel code) as typed.
    pub channels: Vec<(String, String)>,
    pub digest_hour: String,
    pub time_zone: String,
    pub weekly_day: String,
    /// (community id, level code).
    pub levels: Vec<(i64, String)>,
}

fn me(actor: &Actor) -> AppResult<&crate::accounts::User> {
    let user = actor.user().ok_or(AppError::Unauthorized)?;
    if !actor.may(Action::EditAccount { target: user }) {
        return Err(AppError::Forbidden);
    }
    Ok(user)
}

/// Validate and store everything at once (`Invalid` with field keys:
/// `channel-<kind>`, `digest_hour`, `time_zone`, `weekly_day`,
/// `level-<community id>`). A watching level is only kept for a community
/// the person belongs to.
pub async fn update(state: &AppState, actor: &Actor, c: &Changes) -> AppResult<()> {
    let user = me(actor)?;
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut channels = Vec::new();
    for (k, ch) in &c.channels {
        match (Kind::parse(k), Channel::parse(ch)) {
            (Some(kind), _) if kind.fixed() => {}
            (Some(kind), Some(channel)) => channels.push((kind, channel)),
            _ => fields.push((format!("channel-{k}"), "notify-error-channel".into())),
        }
    }
    let hour = c
        .digest_hour
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|h| (0..24).contains(h));
    if hour.is_none() {
        fields.push(("digest_hour".into(), "notify-error-hour".into()));
    }
    let zone = Zone::parse(c.time_zone.trim());
    if zone.is_none() {
        fields.push(("time_zone".into(), "notify-error-zone".into()));
    }
    let day = c
        .weekly_day
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|d| (0..7).contains(d));
    if day.is_none() {
        fields.push(("weekly_day".into(), "notify-error-day".into()));
    }
    let mut levels = Vec::new();
    for (cid, l) in &c.levels {
        match Level::parse(l) {
            Some(level) => levels.push((*cid, level)),
            None => fields.push((format!("level-{cid}"), "notify-error-level".into())),
        }
    }
    let (Some(hour), Some(zone), Some(day), true) = (hour, zone, day, fields.is_empty()) else {
        return Err(AppError::Invalid { fields });
    };
    let member_of: Vec<i64> = member_communities(&state.db, user.id)
        .await?
        .into_iter()
        .map(|(id, _, _)| id)
        .collect();
    let mut tx = state.db.begin().await?;
    for (kind, channel) in channels {
        upsert_channel(&mut tx, user.id, kind, channel).await?;
    }
    tick();
    sqlx::query(
        "INSERT INTO notification_schedule (user_id, digest_hour, time_zone, weekly_day) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO UPDATE SET digest_hour = $2, time_zone = $3, weekly_day = $4",
    )
    .bind(user.id)
    .bind(hour)
    .bind(zone.code())
    .bind(day)
    .execute(&mut *tx)
    .await?;
    for (cid, level) in levels {
        if member_of.contains(&cid) {
            upsert_level(&mut tx, user.id, cid, level).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Set one community's watching level (a member only; `NotFound` otherwise).
pub async fn set_level(
    state: &AppState,
    actor: &Actor,
    community_id: i64,
    level: Level,
) -> AppResult<()> {
    let user = me(actor)?;
    let member = member_communities(&state.db, user.id)
        .await?
        .iter()
        .any(|(id, _, _)| *id == community_id);
    if !member {
        return Err(AppError::NotFound);
    }
    store_level(&state.db, user.id, community_id, level).await?;
    Ok(())
}

/// Mute (or stop muting) a thread the person reads.
pub async fn set_thread_muted(
    state: &AppState,
    actor: &Actor,
    publication_id: i64,
    muted: bool,
) -> AppResult<()> {
    let user = me(actor)?;
    crate::publications::ops::readable(state, Some(user), publication_id).await?;
    tick();
    if muted {
        sqlx::query(
            "INSERT INTO thread_mutes (user_id, publication_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, publication_id) DO NOTHING",
        )
        .bind(user.id)
        .bind(publication_id)
        .bind(now())
        .execute(&state.db.pool)
        .await?;
    } else {
        sqlx::query("DELETE FROM thread_mutes WHERE user_id = $1 AND publication_id = $2")
            .bind(user.id)
            .bind(publication_id)
            .execute(&state.db.pool)
            .await?;
    }
    Ok(())
}

/// Muted threads the settings page lists (with a button to hear them
/// again), the most recently muted first.
pub const MUTED_SHOWN: i64 = 50;

/// The threads a person muted and may still read: (publication id, title).
/// A thread they can no longer read is left out (its title is not theirs
/// to see any more; nothing of it reaches them anyway).
pub async fn muted_threads(state: &AppState, actor: &Actor) -> AppResult<Vec<(i64, String)>> {
    let user = me(actor)?;
    tick();
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT publication_id FROM thread_mutes WHERE user_id = $1 \
         ORDER BY created_at DESC, publication_id DESC LIMIT $2",
    )
    .bind(user.id)
    .bind(MUTED_SHOWN)
    .fetch_all(&state.db.pool)
    .await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        match crate::publications::ops::readable(state, Some(user), id).await {
            Ok((p, _)) => out.push((id, p.title)),
            Err(AppError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The communities a person is an active member of: (id, slug, name), by name.
pub async fn member_communities(
    db: &Db,
    user_id: i64,
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    tick();
    sqlx::query_as(
        "SELECT c.id, c.slug, c.name FROM memberships m JOIN communities c ON c.id = m.community_id \
         WHERE m.user_id = $1 AND m.state = 'active' ORDER BY c.name, c.id",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

async fn upsert_channel(
    conn: &mut sqlx::AnyConnection,
    user_id: i64,
    kind: Kind,
    channel: Channel,
) -> Result<(), sqlx::Error> {
    tick();
    sqlx::query(
        "INSERT INTO notification_prefs (user_id, kind, channel) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, kind) DO UPDATE SET channel = $3",
    )
    .bind(user_id)
    .bind(kind.code())
    .bind(channel.code())
    .execute(conn)
    .await?;
    Ok(())
}

async fn upsert_level(
    conn: &mut sqlx::AnyConnection,
    user_id: i64,
    community_id: i64,
    level: Level,
) -> Result<(), sqlx::Error> {
    tick();
    sqlx::query(
        "INSERT INTO community_watch (user_id, community_id, level) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, community_id) DO UPDATE SET level = $3",
    )
    .bind(user_id)
    .bind(community_id)
    .bind(level.code())
    .execute(conn)
    .await?;
    Ok(())
}

/// One kind's channel (the unsubscribe link's change).
pub(super) async fn store_channel(
    db: &Db,
    user_id: i64,
    kind: Kind,
    channel: Channel,
) -> Result<(), sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    upsert_channel(&mut conn, user_id, kind, channel).await
}

/// One community's level (the unsubscribe link's change).
pub(super) async fn store_level(
    db: &Db,
    user_id: i64,
    community_id: i64,
    level: Level,
) -> Result<(), sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    upsert_level(&mut conn, user_id, community_id, level).await
}

/// What the settings page shows.
pub struct Current {
    pub prefs: prefs::Prefs,
    pub schedule: prefs::Schedule,
    pub communities: Vec<(i64, String, String)>,
    /// Muted threads still readable: (publication id, title).
    pub muted_threads: Vec<(i64, String)>,
}

pub async fn current(state: &AppState, actor: &Actor) -> AppResult<Current> {
    let user = me(actor)?;
    Ok(Current {
        prefs: prefs::load(&state.db, user.id).await?,
        schedule: prefs::schedule(&state.db, user.id).await?,
        communities: member_communities(&state.db, user.id).await?,
        muted_threads: muted_threads(state, actor).await?,
    })
}
