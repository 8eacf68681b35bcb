//! Saved searches: a member keeps a search (query and filters) and is told
//! in the notification centre when new items match it. The check runs as
//! the member (the one policy applies), over index entries newer than the
//! last check; several nodes share the work by claiming rows.

use serde::Serialize;
use sqlx::Row;

use super::params::{self, SearchParams};
use crate::actor::Actor;
use crate::db::{Db, now};
use crate::notifications::{self, NewNotification};

/// Notification kind for new matches.
pub const KIND: &str = "saved_search";
/// Saved searches per member.
pub const MAX_PER_MEMBER: i64 = 50;
pub const NAME_MAX: usize = 100;

#[derive(Debug, Clone)]
pub struct Saved {
    pub id: i64,
    pub name: String,
    pub params: SearchParams,
    pub created_at: i64,
}

impl Saved {
    pub fn link(&self) -> String {
        format!("/search?{}", self.params.to_query())
    }
}

/// Details stored with the notification.
#[derive(Serialize, serde::Deserialize)]
pub struct Data {
    pub name: String,
    pub count: i64,
    pub link: String,
}

pub enum SaveError {
    EmptyQuery,
    TooMany,
    /// Only a person keeps searches (the instance itself has none).
    NotAPerson,
}

/// Operation: keep a search for the person acting (pages and API). The
/// count and the insert are one write transaction, so two saves at once
/// cannot pass the limit together.
pub async fn save(
    db: &Db,
    actor: &Actor,
    name: &str,
    p: &SearchParams,
) -> Result<Result<i64, SaveError>, sqlx::Error> {
    let Some(user) = actor.user() else {
        return Ok(Err(SaveError::NotAPerson));
    };
    let mut p = p.clone();
    p.page = 0;
    if !super::query::parse(&p.q).runnable() {
        return Ok(Err(SaveError::EmptyQuery));
    }
    let mut tx = db.begin().await?;
    if db.backend == crate::db::Backend::Postgres {
        // SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL's
        // read committed would let two saves count 49 together.
        sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
    }
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM saved_searches WHERE user_id = $1")
        .bind(user.id)
        .fetch_one(&mut *tx)
        .await?;
    if count >= MAX_PER_MEMBER {
        return Ok(Err(SaveError::TooMany));
    }
    let name: String = {
        let n = name.trim();
        if n.is_empty() { p.q.trim() } else { n }
    }
    .chars()
    .filter(|c| !c.is_control())
    .take(NAME_MAX)
    .collect();
    // New matches are those indexed from now on.
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM search_docs")
        .fetch_one(&mut *tx)
        .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO saved_searches (user_id, name, params, last_doc_id, checked_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(user.id)
    .bind(&name)
    .bind(p.to_query())
    .bind(last.unwrap_or(0))
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ok(id))
}

pub async fn list(db: &Db, user_id: i64) -> Result<Vec<Saved>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, name, params, created_at FROM saved_searches WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Saved {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                params: serde_urlencoded::from_str(&r.try_get::<String, _>(2)?).unwrap_or_default(),
                created_at: r.try_get(3)?,
            })
        })
        .collect()
}

/// Operation: delete one of the acting person's saved searches; false when
/// it is not theirs, is gone, or nobody in particular acts.
pub async fn delete(db: &Db, actor: &Actor, id: i64) -> Result<bool, sqlx::Error> {
    let Some(user_id) = actor.user().map(|u| u.id) else {
        return Ok(false);
    };
    let res = sqlx::query("DELETE FROM saved_searches WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(res.rows_affected() > 0)
}

/// Check every saved search not checked for `min_interval` seconds; one
/// notification per search with new matches. Returns how many were notified.
pub async fn check_due(db: &Db, min_interval: i64) -> anyhow::Result<usize> {
    let t = now();
    let due: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM saved_searches WHERE checked_at <= $1 AND claimed_until < $2 ORDER BY checked_at LIMIT 500",
    )
    .bind(t - min_interval)
    .bind(t)
    .fetch_all(&db.pool)
    .await?;
    if due.is_empty() {
        return Ok(0);
    }
    // One horizon for the whole round: entries indexed meanwhile are
    // reported at the next one.
    let upto: i64 = sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM search_docs")
        .fetch_one(&db.pool)
        .await?
        .unwrap_or(0);
    let mut notified = 0;
    for id in due {
        // Claim it (another node may be on it).
        let claimed = sqlx::query(
            "UPDATE saved_searches SET claimed_until = $1 WHERE id = $2 AND claimed_until < $3",
        )
        .bind(t + 120)
        .bind(id)
        .bind(t)
        .execute(&db.pool)
        .await?
        .rows_affected()
            == 1;
        if claimed && check_one(db, id, upto).await? {
            notified += 1;
        }
    }
    Ok(notified)
}

async fn check_one(db: &Db, id: i64, upto: i64) -> anyhow::Result<bool> {
    let Some(r) =
        sqlx::query("SELECT user_id, name, params, last_doc_id FROM saved_searches WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?
    else {
        return Ok(false);
    };
    let user_id: i64 = r.try_get(0)?;
    let name: String = r.try_get(1)?;
    let p: SearchParams =
        serde_urlencoded::from_str(&r.try_get::<String, _>(2)?).unwrap_or_default();
    let last: i64 = r.try_get(3)?;
    let user = crate::accounts::by_id(db, user_id).await?;
    let mut count = 0;
    if let Some(user) = user.filter(|u| u.status == crate::accounts::Status::Active)
        && upto > last
    {
        let (mut req, _) = params::resolve(db, Some(&user), &p).await?;
        req.after_doc = Some(last);
        req.upto_doc = Some(upto);
        req.page = 0;
        count = super::search(db, Some(&user), &req).await?.total;
    }
    sqlx::query("UPDATE saved_searches SET last_doc_id = $1, checked_at = $2, claimed_until = 0 WHERE id = $3")
        .bind(upto.max(last))
        .bind(now())
        .bind(id)
        .execute(&db.pool)
        .await?;
    if count > 0 {
        let data = Data {
            name,
            count,
            link: format!("/search?{}", p.with("sort", "date").to_query()),
        };
        notifications::insert(
            db,
            &[NewNotification {
                user_id,
                kind: KIND,
                actor_id: None,
                community_id: None,
                publication_id: None,
                reply_id: None,
                data: serde_json::to_string(&data)?,
                event_id: None,
            }],
        )
        .await?;
    }
    Ok(count > 0)
}
