//! Pages computed for anonymous visitors, kept in memory and validated by
//! the database's content version (`content_version.v`, migration 0045:
//! triggers bump it in the same transaction as any change to what those
//! pages show). A request reads the number (one statement) and serves the
//! cached page when it was computed under the same number and recently
//! enough (`MAX_AGE`, for what depends on the clock, such as upcoming
//! events); otherwise the page is computed and kept. Only anonymous views
//! are cached: what a member sees depends on their memberships.
//!
//! The number is read before the page's data, so a page is never kept
//! under a number newer than its data: a change committed in between makes
//! the next request miss, never hit stale data. Several nodes share the
//! number through the database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::db::Db;

/// How long a cached page may be served at most, whatever the version.
pub const MAX_AGE: Duration = Duration::from_secs(60);
/// Pages kept at most (the oldest goes first).
pub const CAPACITY: usize = 2_000;

/// What a page keeps: its title, breadcrumbs and rendered body.
#[derive(Debug, Clone)]
pub struct CachedPage {
    pub title: String,
    pub crumbs: Vec<(String, String)>,
    pub body: String,
}

struct Entry {
    version: i64,
    at: Instant,
    page: Arc<CachedPage>,
}

#[derive(Default)]
pub struct PageCache {
    map: Mutex<HashMap<String, Entry>>,
}

/// The database's content version (one statement).
pub async fn content_version(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT v FROM content_version WHERE id = 1")
        .fetch_one(&db.pool)
        .await
}

impl PageCache {
    /// The page kept under `key`, if it was computed under `version` less
    /// than `MAX_AGE` ago.
    pub fn get(&self, key: &str, version: i64) -> Option<Arc<CachedPage>> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .filter(|e| e.version == version && e.at.elapsed() < MAX_AGE)
            .map(|e| e.page.clone())
    }

    /// Keep a page computed under `version`.
    pub fn put(&self, key: String, version: i64, page: CachedPage) -> Arc<CachedPage> {
        let page = Arc::new(page);
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= CAPACITY && !map.contains_key(&key) {
            // Entries of older versions are useless: drop them first.
            map.retain(|_, e| e.version == version && e.at.elapsed() < MAX_AGE);
            if map.len() >= CAPACITY
                && let Some(oldest) = map.iter().min_by_key(|(_, e)| e.at).map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        map.insert(
            key,
            Entry {
                version,
                at: Instant::now(),
                page: page.clone(),
            },
        );
        page
    }

    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
    fn the_cache_stays_within_its_capacity() {
        let c = PageCache::default();
        for i in 0..CAPACITY + 50 {
            c.put(format!("/t/{i}"), 1, page("x"));
        }
        assert_eq!(c.len(), CAPACITY);
        // A new version: the old entries go first.
        c.put("/t/new".into(), 2, page("y"));
        assert_eq!(c.len(), 1);
    }
}
