//! Local news aggregation (issue 17, C14): a community subscribes to
//! external RSS, Atom or JSON Feed URLs; a periodic job
//! ([`aggregate::run_due`], `jobs::Job::FetchFeeds`) fetches the feeds that
//! are due through the guarded fetcher with a conditional GET, parses them
//! ([`parse`]) and stores each new item as a watch item of that community
//! "from an external source" (`publications::create_external`), with no
//! author, a plain-text excerpt and the feed's name as its origin.
//!
//! De-duplication, per community (a private community's items never meet
//! an open one's: each community has its own publications, so what its
//! members say about an item stays in it): an item is new unless one of
//! the community's feeds already brought the same GUID or the same
//! canonical link (`preview::normalize_url`), or a member already shared
//! that link there.
//!
//! Health: every fetch records its outcome on the feed — last success,
//! last error (a message key and the detail), failures in a row and the
//! next try, with exponential backoff ([`backoff_secs`]). A bad feed is
//! never dropped: its page shows the error until the animator removes it.
//!
//! Territories and organisations follow feeds too (`places`, tables
//! `news_place_feeds` and `news_place_items`): the same fetch, parsing and
//! health, but their items are plain entries with their origin shown on
//! the owner's page, not publications (no members discuss them there).
//!
//! Files: this one (model, storage, reads), `parse` (feed-rs and the
//! refusals), `aggregate` (fetch and store), `ops` (subscribe, unsubscribe,
//! refresh — `ManageCommunity`), `places` (the same for a territory —
//! `ManageTerritory` — or an organisation — `EditOrganisation`).

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::{Db, now};

pub mod aggregate;
pub mod ops;
pub mod parse;
pub mod places;

pub use places::PlaceOwner;

/// Normal time between two fetches of a healthy feed.
pub const FETCH_INTERVAL: i64 = 30 * 60;
/// First wait after a failure; doubles with each failure in a row.
pub const BACKOFF_BASE: i64 = 10 * 60;
/// Longest wait between two tries of a failing feed.
pub const BACKOFF_MAX: i64 = 24 * 3600;
/// Largest feed body read (the fetcher refuses more, the feed's health
/// says why).
pub const MAX_FEED_BYTES: usize = 5 * 1024 * 1024;
/// Feeds one community may follow.
pub const FEEDS_PER_COMMUNITY: i64 = 100;
/// Tags given by the animator to every item of a feed, at most.
pub const FEED_TAGS_MAX: usize = 5;

/// Wait before the next try after `failures` failures in a row.
pub fn backoff_secs(failures: i64) -> i64 {
    if failures <= 0 {
        return FETCH_INTERVAL;
    }
    let exp = (failures - 1).clamp(0, 20);
    (BACKOFF_BASE << exp).min(BACKOFF_MAX)
}

/// One subscription of a community to a feed, with its health.
#[derive(Debug, Clone)]
pub struct Feed {
    pub id: i64,
    /// The community that follows it; 0 for a territory's or an
    /// organisation's feed (`place`).
    pub community_id: i64,
    /// The territory or organisation that follows it (`news_place_feeds`).
    pub place: Option<PlaceOwner>,
    pub url: String,
    /// The feed's own title, from its last good answer ('' before).
    pub title: String,
    pub site_url: String,
    /// Tags given to each of its items (comma-separated, as typed).
    pub tags: String,
    pub created_at: i64,
    pub etag: String,
    pub last_modified: String,
    pub last_fetch_at: Option<i64>,
    pub last_success_at: Option<i64>,
    /// Message key of the last error ('' when the last fetch went well).
    pub last_error: String,
    pub last_error_detail: String,
    pub last_error_at: Option<i64>,
    /// Failures in a row.
    pub failures: i64,
    pub next_fetch_at: i64,
    pub items_added: i64,
    pub items_duplicate: i64,
}

impl Feed {
    /// Its title, else its address's host, else its address.
    pub fn name(&self) -> String {
        if !self.title.trim().is_empty() {
            return self.title.clone();
        }
        url::Url::parse(&self.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| self.url.clone())
    }
    /// Whether its last fetch failed.
    pub fn failing(&self) -> bool {
        !self.last_error.is_empty()
    }
    /// The table its row is in.
    pub(crate) fn table(&self) -> &'static str {
        if self.place.is_some() {
            "news_place_feeds"
        } else {
            "news_feeds"
        }
    }
}

const FEED_COLUMNS: &str = "id, community_id, url, title, site_url, tags, created_at, etag, last_modified, \
     last_fetch_at, last_success_at, last_error, last_error_detail, last_error_at, failures, next_fetch_at, \
     items_added, items_duplicate";

fn feed_from(r: &AnyRow) -> Result<Feed, sqlx::Error> {
    feed_of(r, r.try_get("community_id")?, None)
}

fn feed_of(r: &AnyRow, community_id: i64, place: Option<PlaceOwner>) -> Result<Feed, sqlx::Error> {
    Ok(Feed {
        id: r.try_get("id")?,
        community_id,
        place,
        url: r.try_get("url")?,
        title: r.try_get("title")?,
        site_url: r.try_get("site_url")?,
        tags: r.try_get("tags")?,
        created_at: r.try_get("created_at")?,
        etag: r.try_get("etag")?,
        last_modified: r.try_get("last_modified")?,
        last_fetch_at: r.try_get("last_fetch_at")?,
        last_success_at: r.try_get("last_success_at")?,
        last_error: r.try_get("last_error")?,
        last_error_detail: r.try_get("last_error_detail")?,
        last_error_at: r.try_get("last_error_at")?,
        failures: r.try_get("failures")?,
        next_fetch_at: r.try_get("next_fetch_at")?,
        items_added: r.try_get("items_added")?,
        items_duplicate: r.try_get("items_duplicate")?,
    })
}

/// A community's feeds, in the order they were added. No permission
/// check: callers asked `ManageCommunity` (the health is the animator's).
pub async fn feeds_of(db: &Db, community_id: i64) -> Result<Vec<Feed>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FEED_COLUMNS} FROM news_feeds WHERE community_id = $1 ORDER BY id"
    )))
    .bind(community_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(feed_from)
    .collect()
}

/// One feed of a community.
pub async fn feed_in(db: &Db, community_id: i64, id: i64) -> Result<Option<Feed>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FEED_COLUMNS} FROM news_feeds WHERE community_id = $1 AND id = $2"
    )))
    .bind(community_id)
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .map(|r| feed_from(&r))
    .transpose()
}

/// Feeds whose next try has come, soonest first: communities' (up to
/// `limit`), then territories' and organisations' (up to `limit`).
pub async fn due(db: &Db, at: i64, limit: i64) -> Result<Vec<Feed>, sqlx::Error> {
    let mut out: Vec<Feed> = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FEED_COLUMNS} FROM news_feeds WHERE next_fetch_at <= $1 ORDER BY next_fetch_at, id LIMIT $2"
    )))
    .bind(at)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(feed_from)
    .collect::<Result<_, _>>()?;
    out.extend(places::due(db, at, limit).await?);
    Ok(out)
}

/// Where an aggregated publication came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The feed's name when the item was taken.
    pub name: String,
    /// The feed's web site, else the feed's address.
    pub url: String,
}

/// The external source of publication `publication_id`, if it came from a
/// feed. (Callers show it with the publication, which they may read.)
pub async fn source_of(db: &Db, publication_id: i64) -> Result<Option<Source>, sqlx::Error> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT source_name, source_url FROM news_items WHERE publication_id = $1 ORDER BY id LIMIT 1",
    )
    .bind(publication_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|(name, url)| Source { name, url }))
}

/// The next try of every feed of `community_id` is now (the animator's
/// "fetch now"); returns how many.
pub async fn make_due(
    db: &Db,
    community_id: i64,
    feed_id: Option<i64>,
) -> Result<u64, sqlx::Error> {
    let res = sqlx::query(
        "UPDATE news_feeds SET next_fetch_at = $1 WHERE community_id = $2 AND ($3 = 0 OR id = $3)",
    )
    .bind(now())
    .bind(community_id)
    .bind(feed_id.unwrap_or(0))
    .execute(&db.pool)
    .await?;
    Ok(res.rows_affected())
}
