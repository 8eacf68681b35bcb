//! The operations of news aggregation, one per state change: subscribe a
//! community to a feed, unsubscribe, fetch now. Whoever manages the
//! community (`policy::Action::ManageCommunity`: its animators and owners,
//! instance administrators) does them; the feeds' health is theirs to see.

use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::communities::access::{self, Loaded};
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::jobs::{Job, Queue};
use crate::policy::Action;
use crate::state::AppState;

use super::{FEED_TAGS_MAX, FEEDS_PER_COMMUNITY, Feed};

/// Longest feed address accepted.
pub const URL_MAX: usize = 2000;

fn invalid(field: &str, key: &str) -> AppError {
    AppError::Invalid {
        fields: vec![(field.to_string(), key.to_string())],
    }
}

/// The community at `slug` with its feeds, for whoever manages it (404 to
/// anyone who may not read it, 403 to a reader who may not manage it).
pub async fn managed(
    state: &AppState,
    actor: &Actor,
    slug: &str,
) -> AppResult<(Loaded, Vec<Feed>)> {
    let l = access::load(state, actor.user(), slug).await?;
    if !actor.may(Action::ManageCommunity {
        c: &l.facts,
        m: l.m,
    }) {
        return Err(AppError::Forbidden);
    }
    let feeds = super::feeds_of(&state.db, l.c.id).await?;
    Ok((l, feeds))
}

/// Queue an aggregation pass now (the worker takes the feeds that are due).
pub async fn queue_pass(state: &AppState) -> AppResult<()> {
    let job = Job::FetchFeeds {
        user_agent: crate::fetch::user_agent(&state.config.public_url()),
    };
    state.jobs.push(&state.db, &job, Some("news:fetch")).await?;
    Ok(())
}

/// A feed address and its tags as typed, checked against the feeds
/// already followed: (address, tags as stored).
pub(super) fn checked(feeds: &[Feed], url: &str, tags: &str) -> AppResult<(String, String)> {
    let url = url.trim();
    let checked = url::Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    let Some(checked) = checked.filter(|_| url.len() <= URL_MAX) else {
        return Err(invalid("url", "news-error-url"));
    };
    if !checked.username().is_empty() || checked.password().is_some() {
        return Err(invalid("url", "news-error-url"));
    }
    let url = checked.to_string();
    if feeds.iter().any(|f| f.url == url) {
        return Err(invalid("url", "news-error-already"));
    }
    if feeds.len() as i64 >= FEEDS_PER_COMMUNITY {
        return Err(invalid("url", "news-error-too-many"));
    }
    let parsed = crate::publications::parse_tags(tags).map_err(|k| invalid("tags", k))?;
    if parsed.len() > FEED_TAGS_MAX {
        return Err(invalid("tags", "publication-tags-too-many"));
    }
    let tags = parsed
        .iter()
        .map(|t| t.label.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    Ok((url, tags))
}

/// Subscribe the community at `slug` to the feed at `url`, its items
/// tagged with `tags` (comma-separated, at most [`FEED_TAGS_MAX`]). It is
/// fetched at once (queued).
pub async fn subscribe(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    url: &str,
    tags: &str,
) -> AppResult<Feed> {
    let (l, feeds) = managed(state, actor, slug).await?;
    let (url, tags) = checked(&feeds, url, tags)?;
    let t = now();
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO news_feeds (community_id, url, tags, added_by, created_at, next_fetch_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(l.c.id)
    .bind(&url)
    .bind(&tags)
    .bind(actor.audit_id())
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    audit_in(
        &mut tx,
        actor,
        "news.subscribe",
        None,
        &format!("community {} feed {id} {url}", l.c.id),
    )
    .await?;
    let job = Job::FetchFeeds {
        user_agent: crate::fetch::user_agent(&state.config.public_url()),
    };
    Queue::push_in(&mut tx, &job, Some("news:fetch")).await?;
    tx.commit().await?;
    state.jobs.wake();
    super::feed_in(&state.db, l.c.id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Stop following feed `id` of the community at `slug`. The items already
/// taken stay (members may have discussed them), with their origin.
pub async fn unsubscribe(state: &AppState, actor: &Actor, slug: &str, id: i64) -> AppResult<()> {
    let (l, feeds) = managed(state, actor, slug).await?;
    let Some(feed) = feeds.iter().find(|f| f.id == id) else {
        return Err(AppError::NotFound);
    };
    let mut tx = state.db.begin().await?;
    sqlx::query("DELETE FROM news_feeds WHERE id = $1 AND community_id = $2")
        .bind(id)
        .bind(l.c.id)
        .execute(&mut *tx)
        .await?;
    audit_in(
        &mut tx,
        actor,
        "news.unsubscribe",
        None,
        &format!("community {} feed {id} {}", l.c.id, feed.url),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Fetch the community's feeds (or one of them) now, without waiting for
/// their next try (a failing feed's backoff included).
pub async fn fetch_now(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    feed_id: Option<i64>,
) -> AppResult<u64> {
    let (l, feeds) = managed(state, actor, slug).await?;
    if let Some(id) = feed_id
        && !feeds.iter().any(|f| f.id == id)
    {
        return Err(AppError::NotFound);
    }
    let n = super::make_due(&state.db, l.c.id, feed_id).await?;
    queue_pass(state).await?;
    Ok(n)
}
