//! The entry points of the import: a file imported by an organiser into a
//! community where they may post, and a community's subscriptions to
//! external iCalendar URLs (managers), fetched through the guarded fetcher
//! by the job queue (`Job::EventFeed`) at once, on demand and every
//! `FEED_INTERVAL`. The import itself is `import::apply`.

use super::ics;
use super::import::{Report, Target, apply};
use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::db::{Db, now};
use crate::error::{AppError, AppResult};
use crate::jobs::Job;
use crate::policy::Action;
use crate::state::AppState;

/// A subscribed feed is fetched again after this long.
pub const FEED_INTERVAL: i64 = 6 * 3600;
/// Subscriptions of one community.
pub const MAX_FEEDS: i64 = 10;
/// The longest URL subscribed to.
pub const MAX_URL: usize = 2000;

// ---- entry points ----------------------------------------------------------------------------

/// The community of `slug` with the actor's membership, when the actor may
/// do `what` there (`NotFound` when unseen, `Forbidden` otherwise).
async fn community_for(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    manage: bool,
) -> AppResult<crate::communities::Community> {
    let c = crate::communities::by_slug(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let m = crate::communities::membership(&state.db, c.id, actor.user()).await?;
    let f = c.facts();
    if !actor.may(Action::FindCommunityContent { c: &f, m }) {
        return Err(AppError::NotFound);
    }
    let ok = if manage {
        actor.may(Action::ManageCommunity { c: &f, m })
    } else {
        actor.may(Action::PostInCommunity { c: &f, m })
    };
    if !ok {
        return Err(AppError::Forbidden);
    }
    Ok(c)
}

/// May the actor import a file into / manage the feeds of this community?
pub async fn may_import(state: &AppState, actor: &Actor, slug: &str, manage: bool) -> bool {
    community_for(state, actor, slug, manage).await.is_ok()
}

/// An organiser imports a file into a community where they may post.
pub async fn import_file(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    body: &str,
) -> AppResult<Report> {
    let u = actor.user().ok_or(AppError::Forbidden)?;
    let c = community_for(state, actor, slug, false).await?;
    if let Err(retry_after) = crate::ratelimit::hit(
        &state.db,
        &format!("event-import:{}", u.id),
        crate::ratelimit::Limit {
            max: 30,
            window_secs: 86400,
        },
    )
    .await?
    {
        return Err(AppError::TooManyRequests { retry_after });
    }
    let target = Target {
        community_id: c.id,
        organiser_id: Some(u.id),
        feed_id: None,
    };
    Ok(apply(&state.db, &state.config.public_url(), actor, target, body).await?)
}

/// A community's subscription.
#[derive(Debug, Clone)]
pub struct Feed {
    pub id: i64,
    pub community_id: i64,
    pub url: String,
    pub created_by: Option<i64>,
    pub fetched_at: Option<i64>,
    pub next_fetch_at: i64,
    pub last_status: String,
    pub last_error: String,
    pub last_report: Option<Report>,
}

type FeedRow = (
    i64,
    i64,
    String,
    Option<i64>,
    Option<i64>,
    i64,
    String,
    String,
    String,
);

const FEED_COLUMNS: &str = "id, community_id, url, created_by, fetched_at, next_fetch_at, \
     last_status, last_error, last_report";

fn feed_of(r: FeedRow) -> Feed {
    Feed {
        id: r.0,
        community_id: r.1,
        url: r.2,
        created_by: r.3,
        fetched_at: r.4,
        next_fetch_at: r.5,
        last_status: r.6,
        last_error: r.7,
        last_report: serde_json::from_str(&r.8).ok(),
    }
}

pub async fn feeds_of(db: &Db, community_id: i64) -> Result<Vec<Feed>, sqlx::Error> {
    let rows: Vec<FeedRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {FEED_COLUMNS} FROM event_feeds WHERE community_id = $1 ORDER BY id"
    )))
    .bind(community_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(feed_of).collect())
}

async fn feed_by_id(db: &Db, id: i64) -> Result<Option<Feed>, sqlx::Error> {
    let row: Option<FeedRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {FEED_COLUMNS} FROM event_feeds WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(feed_of))
}

fn fetch_job(state: &AppState, feed_id: i64) -> Job {
    Job::EventFeed {
        feed_id,
        base_url: state.config.public_url(),
    }
}

/// Queue a fetch of one feed now (one waiting fetch per feed).
async fn queue_fetch(state: &AppState, feed_id: i64) -> AppResult<()> {
    state
        .jobs
        .push(
            &state.db,
            &fetch_job(state, feed_id),
            Some(&format!("event-feed:{feed_id}")),
        )
        .await?;
    Ok(())
}

/// A manager of the community subscribes it to an external calendar; the
/// first fetch is queued at once.
pub async fn subscribe(state: &AppState, actor: &Actor, slug: &str, url: &str) -> AppResult<i64> {
    let c = community_for(state, actor, slug, true).await?;
    let url = url.trim();
    let url = match url.strip_prefix("webcal://") {
        Some(rest) => format!("https://{rest}"),
        None => url.to_string(),
    };
    let ok = url.len() <= MAX_URL
        && url::Url::parse(&url)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    if !ok {
        return Err(super::ops::invalid(vec![("url", "event-feed-url-invalid")]));
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM event_feeds WHERE community_id = $1")
        .bind(c.id)
        .fetch_one(&state.db.pool)
        .await?;
    if n >= MAX_FEEDS {
        return Err(super::ops::invalid(vec![("url", "event-feed-too-many")]));
    }
    let mut tx = state.db.begin().await?;
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO event_feeds (community_id, url, created_by, created_at, next_fetch_at) \
         VALUES ($1, $2, $3, $4, $4) ON CONFLICT (community_id, url) DO NOTHING RETURNING id",
    )
    .bind(c.id)
    .bind(&url)
    .bind(actor.audit_id())
    .bind(now())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        return Err(super::ops::invalid(vec![("url", "event-feed-duplicate")]));
    };
    audit_in(
        &mut tx,
        actor,
        "event_feed_subscribed",
        None,
        &format!("{} {url}", c.id),
    )
    .await?;
    tx.commit().await?;
    queue_fetch(state, id).await?;
    Ok(id)
}

async fn feed_in(state: &AppState, actor: &Actor, slug: &str, id: i64) -> AppResult<Feed> {
    let c = community_for(state, actor, slug, true).await?;
    feed_by_id(&state.db, id)
        .await?
        .filter(|f| f.community_id == c.id)
        .ok_or(AppError::NotFound)
}

/// Fetch a subscription again now.
pub async fn refresh(state: &AppState, actor: &Actor, slug: &str, id: i64) -> AppResult<()> {
    let f = feed_in(state, actor, slug, id).await?;
    queue_fetch(state, f.id).await
}

/// End a subscription (the events it brought stay, as imported ones).
pub async fn unsubscribe(state: &AppState, actor: &Actor, slug: &str, id: i64) -> AppResult<()> {
    let f = feed_in(state, actor, slug, id).await?;
    let mut tx = state.db.begin().await?;
    sqlx::query("DELETE FROM event_feeds WHERE id = $1")
        .bind(f.id)
        .execute(&mut *tx)
        .await?;
    audit_in(&mut tx, actor, "event_feed_unsubscribed", None, &f.url).await?;
    tx.commit().await?;
    Ok(())
}

/// Queue the fetches that are due (every node, hourly; one waiting job per
/// feed). Returns how many were queued.
pub async fn queue_due(state: &AppState, at: i64) -> AppResult<usize> {
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM event_feeds WHERE next_fetch_at <= $1 ORDER BY id")
            .bind(at)
            .fetch_all(&state.db.pool)
            .await?;
    for id in &ids {
        queue_fetch(state, *id).await?;
    }
    Ok(ids.len())
}

fn fetcher(public_url: &str) -> &'static crate::fetch::Fetcher {
    static F: std::sync::OnceLock<crate::fetch::Fetcher> = std::sync::OnceLock::new();
    F.get_or_init(|| crate::fetch::Fetcher::new(&crate::fetch::user_agent(public_url)))
}

/// The job: fetch one subscription through the guarded fetcher and import
/// it as its subscriber would (who must still be allowed to post in the
/// community, asked of the policy now). The outcome is kept on the
/// subscription; a failure waits for the next period.
pub async fn run_feed(db: &Db, feed_id: i64, public_url: &str) -> Result<(), sqlx::Error> {
    let Some(f) = feed_by_id(db, feed_id).await? else {
        return Ok(());
    };
    let t = now();
    let outcome: Result<Report, &'static str> = async {
        let Some(c) = crate::communities::by_id(db, f.community_id).await? else {
            return Ok(Err("event-feed-owner-lost"));
        };
        let owner = match f.created_by {
            Some(id) => crate::accounts::by_id(db, id).await?,
            None => None,
        };
        let m = crate::communities::membership(db, c.id, owner.as_ref()).await?;
        let Some(owner) = owner
            .filter(|u| crate::policy::can(Some(u), Action::PostInCommunity { c: &c.facts(), m }))
        else {
            return Ok(Err("event-feed-owner-lost"));
        };
        let policy = crate::fetch::FetchPolicy {
            max_bytes: ics::MAX_BYTES,
            timeout: std::time::Duration::from_secs(30),
            max_redirects: 5,
            allow_loopback_for_tests: crate::publications::fetch_allow_list(&f.url),
            accept: "text/calendar, */*;q=0.5",
        };
        let got = match fetcher(public_url).get(&f.url, &policy).await {
            Ok(g) => g,
            Err(crate::fetch::FetchError::TooLarge) => return Ok(Err("event-import-too-large")),
            Err(e) => return Ok(Err(e.message_key())),
        };
        let body = String::from_utf8_lossy(&got.body);
        let target = Target {
            community_id: c.id,
            organiser_id: Some(owner.id),
            feed_id: Some(f.id),
        };
        let actor = Actor::System { what: "event-feed" };
        let r = apply(db, public_url, &actor, target, &body).await?;
        Ok::<_, sqlx::Error>(match &r.refused {
            Some(x) if x.key == "event-import-too-large" => Err("event-import-too-large"),
            _ => Ok(r),
        })
    }
    .await?;
    let (status, error, report) = match outcome {
        Ok(r) => {
            let key = r
                .refused
                .as_ref()
                .map(|x| x.key.clone())
                .unwrap_or_default();
            let status = if key.is_empty() { "ok" } else { "error" };
            (status, key, serde_json::to_string(&r).unwrap_or_default())
        }
        Err(k) => ("error", k.to_string(), f_report(&f)),
    };
    sqlx::query(
        "UPDATE event_feeds SET fetched_at = $1, next_fetch_at = $2, last_status = $3, last_error = $4, \
         last_report = $5 WHERE id = $6",
    )
    .bind(t)
    .bind(t + FEED_INTERVAL)
    .bind(status)
    .bind(error)
    .bind(report)
    .bind(f.id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The report kept when a fetch fails: the last one.
fn f_report(f: &Feed) -> String {
    f.last_report
        .as_ref()
        .and_then(|r| serde_json::to_string(r).ok())
        .unwrap_or_default()
}
