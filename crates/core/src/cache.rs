//! Pages computed for anonymous visitors, kept in memory and validated by
//! the database's content version (`content_version.v`, migration 0045:
//! triggers bump it in the same transaction as any change to what those
//! pages show). A request reads the number (one statement) and serves the
//! cached page when it was computed under the same number and recently
//! enough (`MAX_AGE`, for what depends on the clock, such as upcoming
//! events); otherwise the page is computed and kept. Members share the
//! pages of those who hold the same policy facts (`version_and_audience`); a page
//! is kept only when the number did not move while it was computed, so a
//! page computed while a membership changed is never served to others.
//!
//! The number is read before the page's data, so a page is never kept
//! under a number newer than its data: a change committed in between makes
//! the next request miss, never hit stale data. Several nodes share the
//! number through the database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::accounts::User;
use crate::db::Db;
use crate::policy::{self, PageAudience};

/// How long a cached page may be served at most, whatever the version.
pub const MAX_AGE: Duration = Duration::from_secs(60);
/// Bytes of pages kept at most (the oldest goes first): about 300
/// territory pages of 50 kB, a bounded share of the server's memory
/// whatever a crawler asks for.
pub const BUDGET: usize = 16 << 20;

/// What a page keeps: its title, breadcrumbs and rendered body.
#[derive(Debug, Clone)]
pub struct CachedPage {
    pub title: String,
    pub crumbs: Vec<(String, String)>,
    pub body: String,
}

impl CachedPage {
    fn size(&self) -> usize {
        self.title.len()
            + self.body.len()
            + self
                .crumbs
                .iter()
                .map(|(a, b)| a.len() + b.len())
                .sum::<usize>()
    }
}

struct Entry {
    version: i64,
    at: Instant,
    size: usize,
    page: Arc<CachedPage>,
}

#[derive(Default)]
struct Pages {
    map: HashMap<String, Entry>,
    bytes: usize,
}

impl Pages {
    fn remove(&mut self, key: &str) {
        if let Some(e) = self.map.remove(key) {
            self.bytes -= e.size;
        }
    }
}

#[derive(Default)]
pub struct PageCache {
    pages: Mutex<Pages>,
}

/// The content version and the part of a cache key that says whom a page
/// is for: `anon`, `admin`, `member` (a member without any of the policy's
/// viewer facts), or `f` and a digest of the member's facts
/// (`policy::VIEWER_FACTS_SQL`), so members who hold the same facts share
/// pages and a member never gets a page computed for other facts. One
/// statement for anyone: for a member, the version and their facts in a
/// single query (`'v'` marks the version's row).
pub async fn version_and_audience(
    db: &Db,
    viewer: Option<&User>,
) -> Result<(i64, String), sqlx::Error> {
    use sha2::{Digest, Sha256};
    let id = match policy::page_audience(viewer) {
        PageAudience::Anonymous => return Ok((content_version(db).await?, "anon".into())),
        PageAudience::Admin => return Ok((content_version(db).await?, "admin".into())),
        PageAudience::Member(id) => id,
    };
    let sql = format!(
        "SELECT 'v' AS k, v AS id FROM content_version WHERE id = 1 UNION ALL {}",
        policy::VIEWER_FACTS_SQL
    );
    let rows: Vec<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(&db.pool)
        .await?;
    let mut version = None;
    let mut facts = Vec::with_capacity(rows.len());
    for (k, n) in rows {
        if k == "v" {
            version = Some(n);
        } else {
            facts.push((k, n));
        }
    }
    let version = version.ok_or(sqlx::Error::RowNotFound)?;
    if facts.is_empty() {
        return Ok((version, "member".into()));
    }
    facts.sort();
    facts.dedup();
    let mut h = Sha256::new();
    for (k, id) in &facts {
        h.update(format!("{k}{id};"));
    }
    Ok((version, format!("f{}", hex::encode(&h.finalize()[..16]))))
}

/// The database's content version (one statement).
pub async fn content_version(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT v FROM content_version WHERE id = 1")
        .fetch_one(&db.pool)
        .await
}

impl PageCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Pages> {
        self.pages.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The page kept under `key`, if it was computed under `version` less
    /// than `MAX_AGE` ago.
    pub fn get(&self, key: &str, version: i64) -> Option<Arc<CachedPage>> {
        self.lock()
            .map
            .get(key)
            .filter(|e| e.version == version && e.at.elapsed() < MAX_AGE)
            .map(|e| e.page.clone())
    }

    /// Keep a page computed under `version`, within `BUDGET`.
    pub fn put(&self, key: String, version: i64, page: CachedPage) -> Arc<CachedPage> {
        let size = key.len() + page.size();
        let page = Arc::new(page);
        if size > BUDGET {
            return page;
        }
        let mut p = self.lock();
        p.remove(&key);
        if p.bytes + size > BUDGET {
            // Entries of older versions are useless: drop them first.
            let stale: Vec<String> = p
                .map
                .iter()
                .filter(|(_, e)| e.version != version || e.at.elapsed() >= MAX_AGE)
                .map(|(k, _)| k.clone())
                .collect();
            for k in stale {
                p.remove(&k);
            }
            while p.bytes + size > BUDGET {
                let Some(oldest) = p
                    .map
                    .iter()
                    .min_by_key(|(_, e)| e.at)
                    .map(|(k, _)| k.clone())
                else {
                    break;
                };
                p.remove(&oldest);
            }
        }
        p.bytes += size;
        p.map.insert(
            key,
            Entry {
                version,
                at: Instant::now(),
                size,
                page: page.clone(),
            },
        );
        page
    }

    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of pages kept.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str) -> CachedPage {
        CachedPage {
            title: "Montréal".into(),
            crumbs: vec![("Territoires".into(), "/t".into())],
            body: body.into(),
        }
    }

    #[test]
    fn a_page_is_served_only_under_its_version() {
        let c = PageCache::default();
        assert!(c.get("/t/montreal|fr", 3).is_none());
        c.put("/t/montreal|fr".into(), 3, page("a"));
        assert_eq!(c.get("/t/montreal|fr", 3).expect("kept").body, "a");
        // A change committed since: the number moved on, the page is recomputed.
        assert!(c.get("/t/montreal|fr", 4).is_none());
        assert!(c.get("/t/montreal|en", 3).is_none());
        c.put("/t/montreal|fr".into(), 4, page("b"));
        assert_eq!(c.get("/t/montreal|fr", 4).expect("kept").body, "b");
    }

    #[test]
    fn the_cache_stays_within_its_budget() {
        let c = PageCache::default();
        let body = "x".repeat(100_000);
        for i in 0..BUDGET / 100_000 + 50 {
            c.put(format!("/t/{i}"), 1, page(&body));
            assert!(c.bytes() <= BUDGET);
        }
        assert!(c.len() >= BUDGET / 100_000 - 1, "{}", c.len());
        // A page kept again replaces its copy.
        let n = c.len();
        c.put("/t/0".into(), 1, page(&body));
        assert_eq!(c.len(), n);
        // The cache is full; a page of a new version: the old entries go
        // first, all of them (they can no longer be served).
        c.put("/t/new".into(), 2, page(&body));
        assert_eq!(c.len(), 1);
        assert!(c.get("/t/new", 2).is_some());
    }
}
