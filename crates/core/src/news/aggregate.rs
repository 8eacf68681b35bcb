//! One aggregation pass: fetch the feeds that are due (a few at once),
//! each with a conditional GET through the guarded fetcher, parse, store
//! the new items, record each feed's health.

use std::sync::Arc;
use std::time::Duration;

use crate::db::{Backend, Db, now};
use crate::fetch::{Conditional, FetchPolicy, Fetcher, Validators};
use crate::publications::{self, External, Tag};

use super::parse::{self, ParsedFeed};
use super::{Feed, MAX_FEED_BYTES, backoff_secs};

/// Feeds fetched at once.
const CONCURRENCY: usize = 8;
/// Feeds taken by one pass (the next pass takes the rest).
const PASS_LIMIT: i64 = 1000;
const TIMEOUT: Duration = Duration::from_secs(20);
/// How long a pass holds a feed it fetches.
const LEASE: i64 = 600;
const ACCEPT: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
     application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5";

/// What one fetch of one feed did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 304: nothing new.
    NotModified,
    /// Parsed: `added` new items, `duplicate` already known.
    Fetched { added: i64, duplicate: i64 },
    /// Refused or unreachable: the message key and the detail, as the
    /// feed's health shows them.
    Failed { key: String, detail: String },
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    pub feeds: usize,
    pub not_modified: usize,
    pub fetched: usize,
    pub failed: usize,
    pub added: i64,
    pub duplicate: i64,
}

/// The shared guarded client of the aggregator.
pub fn fetcher(user_agent: &str) -> &'static Fetcher {
    static F: std::sync::OnceLock<Fetcher> = std::sync::OnceLock::new();
    F.get_or_init(|| Fetcher::new(user_agent))
}

/// Fetch every feed that is due now, [`CONCURRENCY`] at once.
pub async fn run_due(db: &Db, user_agent: &str) -> Result<PassReport, sqlx::Error> {
    let feeds = super::due(db, now(), PASS_LIMIT).await?;
    let fetcher = fetcher(user_agent);
    let permits = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let mut set = tokio::task::JoinSet::new();
    for feed in feeds {
        // Claimed for a while (another pass, on this node or another, skips
        // it; a pass that dies mid-fetch lets it go when the lease ends).
        let claimed = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {} SET next_fetch_at = $1 WHERE id = $2 AND next_fetch_at = $3",
            feed.table()
        )))
        .bind(now() + LEASE)
        .bind(feed.id)
        .bind(feed.next_fetch_at)
        .execute(&db.pool)
        .await?
        .rows_affected();
        if claimed == 0 {
            continue;
        }
        let db = db.clone();
        let permits = Arc::clone(&permits);
        set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            refresh(&db, fetcher, &feed).await
        });
    }
    let mut report = PassReport::default();
    while let Some(done) = set.join_next().await {
        let outcome = match done {
            Ok(r) => r?,
            Err(e) => {
                tracing::warn!(error = %e, "a feed fetch task ended abnormally");
                continue;
            }
        };
        report.feeds += 1;
        match outcome {
            Outcome::NotModified => report.not_modified += 1,
            Outcome::Fetched { added, duplicate } => {
                report.fetched += 1;
                report.added += added;
                report.duplicate += duplicate;
            }
            Outcome::Failed { .. } => report.failed += 1,
        }
    }
    Ok(report)
}

/// Fetch one feed, store its new items, record its health.
pub async fn refresh(db: &Db, fetcher: &Fetcher, feed: &Feed) -> Result<Outcome, sqlx::Error> {
    let policy = FetchPolicy {
        max_bytes: MAX_FEED_BYTES,
        timeout: TIMEOUT,
        max_redirects: 5,
        allow_loopback_for_tests: publications::fetch_allow_list(&feed.url),
        accept: ACCEPT,
    };
    let validators = Validators {
        etag: Some(feed.etag.clone()).filter(|s| !s.is_empty()),
        last_modified: Some(feed.last_modified.clone()).filter(|s| !s.is_empty()),
    };
    let outcome = match fetcher
        .get_if_changed(&feed.url, &policy, &validators)
        .await
    {
        Ok(Conditional::NotModified) => Outcome::NotModified,
        Ok(Conditional::Changed(f)) => match parse::parse(&f.body, f.content_type.as_deref()) {
            Ok(parsed) => {
                let (added, duplicate) = match feed.place {
                    None => store(db, feed, &parsed).await?,
                    Some(owner) => super::places::store(db, feed, owner, &parsed).await?,
                };
                record_success(db, feed, &parsed, f.etag, f.last_modified, added, duplicate)
                    .await?;
                return Ok(Outcome::Fetched { added, duplicate });
            }
            Err(e) => Outcome::Failed {
                key: e.message_key().to_string(),
                detail: e.detail(),
            },
        },
        Err(e) => Outcome::Failed {
            key: match e {
                // The feed's own words: the cap is the aggregator's.
                crate::fetch::FetchError::TooLarge => "news-error-too-large".to_string(),
                _ => e.message_key().to_string(),
            },
            detail: match &e {
                crate::fetch::FetchError::Http(code) => code.to_string(),
                crate::fetch::FetchError::Network(m) => m.chars().take(300).collect(),
                _ => String::new(),
            },
        },
    };
    let t = now();
    match &outcome {
        Outcome::NotModified => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE {} SET last_fetch_at = $1, last_success_at = $1, last_error = '', \
                 last_error_detail = '', failures = 0, next_fetch_at = $2 WHERE id = $3",
                feed.table()
            )))
            .bind(t)
            .bind(t + backoff_secs(0))
            .bind(feed.id)
            .execute(&db.pool)
            .await?;
        }
        Outcome::Failed { key, detail } => {
            tracing::info!(feed = feed.id, url = %feed.url, error = %key, detail = %detail, "feed refused");
            let failures = feed.failures + 1;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE {} SET last_fetch_at = $1, last_error = $2, last_error_detail = $3, \
                 last_error_at = $1, failures = $4, next_fetch_at = $5 WHERE id = $6",
                feed.table()
            )))
            .bind(t)
            .bind(key)
            .bind(detail)
            .bind(failures)
            .bind(t + backoff_secs(failures))
            .bind(feed.id)
            .execute(&db.pool)
            .await?;
        }
        Outcome::Fetched { .. } => {}
    }
    Ok(outcome)
}

async fn record_success(
    db: &Db,
    feed: &Feed,
    parsed: &ParsedFeed,
    etag: Option<String>,
    last_modified: Option<String>,
    added: i64,
    duplicate: i64,
) -> Result<(), sqlx::Error> {
    let t = now();
    let title = if parsed.title.is_empty() {
        feed.title.clone()
    } else {
        parsed.title.clone()
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE {} SET title = $1, site_url = $2, etag = $3, last_modified = $4, last_fetch_at = $5, \
         last_success_at = $5, last_error = '', last_error_detail = '', failures = 0, next_fetch_at = $6, \
         items_added = items_added + $7, items_duplicate = items_duplicate + $8 WHERE id = $9",
        feed.table()
    )))
    .bind(title)
    .bind(&parsed.site_url)
    .bind(etag.unwrap_or_default())
    .bind(last_modified.unwrap_or_default())
    .bind(t)
    .bind(t + backoff_secs(0))
    .bind(added)
    .bind(duplicate)
    .bind(feed.id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The origin of a feed's items: (name, site or address).
pub(super) fn source_of_feed(feed: &Feed, parsed: &ParsedFeed) -> (String, String) {
    let name = if parsed.title.is_empty() {
        feed.name()
    } else {
        parsed.title.clone()
    };
    let url = if parsed.site_url.is_empty() {
        feed.url.clone()
    } else {
        parsed.site_url.clone()
    };
    (name, url)
}

/// The tags of one item: the feed's, then its categories that make valid
/// tags, at most `publications::TAGS_MAX`.
fn item_tags(feed_tags: &[Tag], categories: &[String]) -> Vec<Tag> {
    let mut tags = feed_tags.to_vec();
    for c in categories {
        if let Ok(parsed) = publications::parse_tags(&c.replace(',', " ")) {
            for t in parsed {
                if !tags.iter().any(|x| x.name == t.name) {
                    tags.push(t);
                }
            }
        }
    }
    tags.truncate(publications::TAGS_MAX);
    tags
}

/// Store the new items of one answer (oldest first), in one transaction;
/// returns (added, duplicate).
async fn store(db: &Db, feed: &Feed, parsed: &ParsedFeed) -> Result<(i64, i64), sqlx::Error> {
    let feed_tags = publications::parse_tags(&feed.tags).unwrap_or_default();
    let source_name = if parsed.title.is_empty() {
        feed.name()
    } else {
        parsed.title.clone()
    };
    let source_url = if parsed.site_url.is_empty() {
        feed.url.clone()
    } else {
        parsed.site_url.clone()
    };
    let lang = if parsed.lang.starts_with("en") {
        "en"
    } else {
        "fr"
    };
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
        let known: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM news_items WHERE community_id = $1 AND (guid_key = $2 OR url_key = $3)) \
             + (SELECT COUNT(*) FROM publication_communities pc JOIN publications p ON p.id = pc.publication_id \
                WHERE pc.community_id = $1 AND p.link_key = $3 AND p.status <> 'deleted')",
        )
        .bind(feed.community_id)
        .bind(&guid_key)
        .bind(&url_key)
        .fetch_one(&mut *tx)
        .await?;
        if known > 0 {
            duplicate += 1;
            continue;
        }
        let tags = item_tags(&feed_tags, &item.categories);
        let title = if item.title.is_empty() {
            url
        } else {
            item.title.as_str()
        };
        let backend: Backend = db.backend;
        let id = publications::create_external(
            &mut tx,
            backend,
            &External {
                community_id: feed.community_id,
                title,
                excerpt: &item.excerpt,
                url,
                url_key: &url_key,
                source_name: &source_name,
                tags: &tags,
                published: item.published,
                lang,
            },
        )
        .await?;
        sqlx::query(
            "INSERT INTO news_items (community_id, feed_id, publication_id, guid_key, url_key, source_name, \
             source_url, published_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(feed.community_id)
        .bind(feed.id)
        .bind(id)
        .bind(&guid_key)
        .bind(&url_key)
        .bind(&source_name)
        .bind(&source_url)
        .bind(item.published)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        added += 1;
    }
    tx.commit().await?;
    Ok((added, duplicate))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_tags_keep_the_feeds_first_and_skip_invalid_categories() {
        let feed = publications::parse_tags("Actualités locales").unwrap();
        let tags = item_tags(
            &feed,
            &["Logement".into(), "actualités locales".into(), "!!!".into()],
        );
        let names: Vec<&str> = tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, vec!["actualites-locales", "logement"]);
    }

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff_secs(0), super::super::FETCH_INTERVAL);
        assert_eq!(backoff_secs(1), 600);
        assert_eq!(backoff_secs(2), 1200);
        assert_eq!(backoff_secs(30), 24 * 3600);
    }
}
