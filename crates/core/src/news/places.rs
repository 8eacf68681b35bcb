//! Feeds followed by a territory or an organisation (`news_place_feeds`)
//! and the items they bring (`news_place_items`). The fetch, the parsing
//! and the health are the communities' (`aggregate`); what differs is the
//! owner and the items: a plain entry per item (title, link, excerpt,
//! origin, date), de-duplicated per owner by GUID and canonical link,
//! shown on the owner's page to whoever reads that page. Territories have
//! no roles of their own, so their feeds are managed by administrators
//! (`ManageTerritory`); an organisation's by its admins
//! (`EditOrganisation`).

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::db::{Db, now};
use crate::error::{AppError, AppResult};
use crate::jobs::{Job, Queue};
use crate::policy::Action;
use crate::state::AppState;

use super::Feed;
use super::parse::ParsedFeed;

/// A territory or an organisation, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceOwner {
    Territory(i64),
    Organisation(i64),
}

impl PlaceOwner {
    fn column(self) -> &'static str {
        match self {
            PlaceOwner::Territory(_) => "territory_id",
            PlaceOwner::Organisation(_) => "organisation_id",
        }
    }
    fn id(self) -> i64 {
        match self {
            PlaceOwner::Territory(id) | PlaceOwner::Organisation(id) => id,
        }
    }
    fn label(self) -> String {
        match self {
            PlaceOwner::Territory(id) => format!("territory {id}"),
            PlaceOwner::Organisation(id) => format!("organisation {id}"),
        }
    }
}

/// A territory or an organisation, by slug (what pages name).
#[derive(Debug, Clone, Copy)]
pub enum PlaceRef<'a> {
    Territory(&'a str),
    Organisation(&'a str),
}

const PLACE_FEED_COLUMNS: &str = "id, territory_id, organisation_id, url, title, site_url, tags, created_at, etag, \
     last_modified, last_fetch_at, last_success_at, last_error, last_error_detail, last_error_at, failures, \
     next_fetch_at, items_added, items_duplicate";

fn place_feed_from(r: &AnyRow) -> Result<Feed, sqlx::Error> {
    let t: Option<i64> = r.try_get("territory_id")?;
    let o: Option<i64> = r.try_get("organisation_id")?;
    let owner = match (t, o) {
        (Some(t), _) => PlaceOwner::Territory(t),
        (None, Some(o)) => PlaceOwner::Organisation(o),
        (None, None) => return Err(sqlx::Error::ColumnNotFound("territory_id".into())),
    };
    super::feed_of(r, 0, Some(owner))
}

/// The feeds of one owner, in the order they were added. No permission
/// check: callers asked for the right to manage them ([`managed`]).
pub async fn feeds_of(db: &Db, owner: PlaceOwner) -> Result<Vec<Feed>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PLACE_FEED_COLUMNS} FROM news_place_feeds WHERE {} = $1 ORDER BY id",
        owner.column()
    )))
    .bind(owner.id())
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(place_feed_from)
    .collect()
}

pub(super) async fn due(db: &Db, at: i64, limit: i64) -> Result<Vec<Feed>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PLACE_FEED_COLUMNS} FROM news_place_feeds WHERE next_fetch_at <= $1 \
         ORDER BY next_fetch_at, id LIMIT $2"
    )))
    .bind(at)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(place_feed_from)
    .collect()
}

/// One item as an owner's page shows it.
#[derive(Debug, Clone)]
pub struct PlaceItem {
    pub title: String,
    pub url: String,
    pub excerpt: String,
    /// The origin: the feed's name when the item was taken, and its site.
    pub source_name: String,
    pub source_url: String,
    pub published_at: i64,
}

/// The newest `limit` items of one owner. Whoever reads the owner's page
/// reads them (callers asked: a territory's page is public, an
/// organisation's is `ViewOrganisation`).
pub async fn items(db: &Db, owner: PlaceOwner, limit: i64) -> Result<Vec<PlaceItem>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT title, url, excerpt, source_name, source_url, published_at FROM news_place_items \
         WHERE {} = $1 ORDER BY published_at DESC, id DESC LIMIT $2",
        owner.column()
    )))
    .bind(owner.id())
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PlaceItem {
                title: r.try_get("title")?,
                url: r.try_get("url")?,
                excerpt: r.try_get("excerpt")?,
                source_name: r.try_get("source_name")?,
                source_url: r.try_get("source_url")?,
                published_at: r.try_get("published_at")?,
            })
        })
        .collect()
}

/// Store the new items of one answer of a territory's or organisation's
/// feed (oldest first), in one transaction; returns (added, duplicate).
pub(super) async fn store(
    db: &Db,
    feed: &Feed,
    owner: PlaceOwner,
    parsed: &ParsedFeed,
) -> Result<(i64, i64), sqlx::Error> {
    let (source_name, source_url) = super::aggregate::source_of_feed(feed, parsed);
    let col = owner.column();
    let t = now();
    let (mut added, mut duplicate) = (0, 0);
    let mut tx = db.begin().await?;
    for item in parsed.items.iter().rev() {
        let Some(url) = item.url.as_deref() else {
            continue;
        };
        let Ok(url_key) = crate::preview::normalize_url(url) else {
            continue;
        };
        let guid_key = if item.guid.is_empty() {
            url_key.clone()
        } else {
            item.guid.clone()
        };
        let known: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM news_place_items WHERE {col} = $1 AND (guid_key = $2 OR url_key = $3)"
        )))
        .bind(owner.id())
        .bind(&guid_key)
        .bind(&url_key)
        .fetch_one(&mut *tx)
        .await?;
        if known > 0 {
            duplicate += 1;
            continue;
        }
        let title = if item.title.is_empty() {
            url
        } else {
            item.title.as_str()
        };
        let published = item.published.filter(|p| *p > 0 && *p <= t).unwrap_or(t);
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO news_place_items ({col}, feed_id, guid_key, url_key, url, title, excerpt, source_name, \
             source_url, published_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        )))
        .bind(owner.id())
        .bind(feed.id)
        .bind(&guid_key)
        .bind(&url_key)
        .bind(url)
        .bind(title)
        .bind(&item.excerpt)
        .bind(&source_name)
        .bind(&source_url)
        .bind(published)
        .bind(t)
        .execute(&mut *tx)
        .await?;
        added += 1;
    }
    tx.commit().await?;
    Ok((added, duplicate))
}

// ---- operations ------------------------------------------------------------------------

/// A territory or organisation whose feeds the actor manages.
pub struct Managed {
    pub owner: PlaceOwner,
    pub name: String,
    /// Its page (`/t/{slug}`, `/o/{slug}`).
    pub path: String,
    pub feeds: Vec<Feed>,
}

/// The owner at `place` with its feeds, for whoever manages it: 404 for an
/// unknown territory or an organisation the actor may not read, 403 for
/// anyone else.
pub async fn managed(state: &AppState, actor: &Actor, place: PlaceRef<'_>) -> AppResult<Managed> {
    let (owner, name, path) = match place {
        PlaceRef::Territory(slug) => {
            let t = crate::territories::by_slug(&state.db, slug)
                .await?
                .ok_or(AppError::NotFound)?;
            if !actor.may(Action::ManageTerritory) {
                return Err(AppError::Forbidden);
            }
            (
                PlaceOwner::Territory(t.id),
                t.name,
                crate::urls::territory(&t.slug),
            )
        }
        PlaceRef::Organisation(slug) => {
            let l = crate::organisations::ops::load_for(state, actor, slug).await?;
            if !actor.may(Action::EditOrganisation {
                o: &l.facts,
                m: l.role,
            }) {
                return Err(AppError::Forbidden);
            }
            (
                PlaceOwner::Organisation(l.o.id),
                l.o.name.clone(),
                crate::urls::organisation(&l.o.slug),
            )
        }
    };
    let feeds = feeds_of(&state.db, owner).await?;
    Ok(Managed {
        owner,
        name,
        path,
        feeds,
    })
}

/// Follow the feed at `url` for a territory or an organisation; fetched at
/// once (queued). Same checks as a community's (`ops::subscribe`).
pub async fn subscribe(
    state: &AppState,
    actor: &Actor,
    place: PlaceRef<'_>,
    url: &str,
    tags: &str,
) -> AppResult<Feed> {
    let m = managed(state, actor, place).await?;
    // The communities' refusals, in words that do not name a community.
    let (url, tags) = super::ops::checked(&m.feeds, url, tags).map_err(|e| match e {
        AppError::Invalid { fields } => AppError::Invalid {
            fields: fields
                .into_iter()
                .map(|(f, k)| match k.as_str() {
                    "news-error-already" => (f, "news-error-place-already".to_string()),
                    "news-error-too-many" => (f, "news-error-place-too-many".to_string()),
                    _ => (f, k),
                })
                .collect(),
        },
        e => e,
    })?;
    let t = now();
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "INSERT INTO news_place_feeds ({}, url, tags, added_by, created_at, next_fetch_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        m.owner.column()
    )))
    .bind(m.owner.id())
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
        &format!("{} feed {id} {url}", m.owner.label()),
    )
    .await?;
    let job = Job::FetchFeeds {
        user_agent: crate::fetch::user_agent(&state.config.public_url()),
    };
    Queue::push_in(&mut tx, &job, Some("news:fetch")).await?;
    tx.commit().await?;
    state.jobs.wake();
    feeds_of(&state.db, m.owner)
        .await?
        .into_iter()
        .find(|f| f.id == id)
        .ok_or(AppError::NotFound)
}

/// Stop following feed `id`; the items already taken stay, with their
/// origin.
pub async fn unsubscribe(
    state: &AppState,
    actor: &Actor,
    place: PlaceRef<'_>,
    id: i64,
) -> AppResult<()> {
    let m = managed(state, actor, place).await?;
    let Some(feed) = m.feeds.iter().find(|f| f.id == id) else {
        return Err(AppError::NotFound);
    };
    let mut tx = state.db.begin().await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM news_place_feeds WHERE id = $1 AND {} = $2",
        m.owner.column()
    )))
    .bind(id)
    .bind(m.owner.id())
    .execute(&mut *tx)
    .await?;
    audit_in(
        &mut tx,
        actor,
        "news.unsubscribe",
        None,
        &format!("{} feed {id} {}", m.owner.label(), feed.url),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Fetch the owner's feeds now, without waiting for their next try.
pub async fn fetch_now(state: &AppState, actor: &Actor, place: PlaceRef<'_>) -> AppResult<u64> {
    let m = managed(state, actor, place).await?;
    let n = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE news_place_feeds SET next_fetch_at = $1 WHERE {} = $2",
        m.owner.column()
    )))
    .bind(now())
    .bind(m.owner.id())
    .execute(&state.db.pool)
    .await?
    .rows_affected();
    super::ops::queue_pass(state).await?;
    Ok(n)
}
