//! Page fragments shared by the viewers of one audience, kept in
//! `state.pages` under the database's content version
//! (crates/core/src/cache.rs, ARCHITECTURE.md "Anonymous territory pages
//! come from a cache"): territory pages and maps, the events agenda's lists
//! and the public calendar feeds.

use std::sync::Arc;

use crate::accounts::User;
use crate::cache::CachedPage;
use crate::error::AppResult;
use crate::state::AppState;

/// The page `key` as `viewer`'s audience sees it (`cache::version_and_audience`),
/// computed once under the database's current content version. The version
/// is read before the data and again after: a page is kept only when no
/// change was committed meanwhile, so it is never kept under a number older
/// than its data nor computed from facts (memberships) that changed under
/// it. What depends on the clock is served at most `cache::MAX_AGE` old.
pub(crate) async fn cached<F, Fut>(
    state: &AppState,
    viewer: Option<&User>,
    key: String,
    compute: F,
) -> AppResult<Arc<CachedPage>>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = AppResult<CachedPage>>,
{
    let (version, audience) = crate::cache::version_and_audience(&state.db, viewer).await?;
    let key = format!("{key}|{audience}");
    if let Some(page) = state.pages.get(&key, version) {
        return Ok(page);
    }
    let page = compute().await?;
    if crate::cache::content_version(&state.db).await? != version {
        return Ok(Arc::new(page));
    }
    Ok(state.pages.put(key, version, page))
}
