//! Old addresses of imported items (issue 20): a GET for a path an item had
//! on the instance it was imported from is answered with a 301 to its page
//! here (`portability::aliases`). Asked under the origin's own name (its
//! domain now points here), the old path wins over ours: `/p/12` there is
//! not our `/p/12`. Asked under our name, an old path is answered only when
//! nothing of ours is there (a 404) and a single item claims it.
//!
//! A redirect says only what the page it leads to shows the person asking
//! (`aliases::may_follow`, the policy's decision): someone who may not see
//! the item (a private community's publication, wiki page or file, asked
//! anonymously) gets the answer of an address no item claims — which may
//! be the redirect of a community's sub-page, whose card anyone sees — so
//! neither its existence nor its new id or slug leaks. A redirect only some people
//! get is `Cache-Control: private` (a shared cache must not hand it to
//! someone else); one anyone gets may be cached.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ctx::{SESSION_COOKIE, cookie};
use super::media::Viewer;
use crate::portability::aliases::{self, Found};

use crate::state::AppState;

fn permanent(to: &str, anyone: bool) -> Response {
    let mut res = (
        StatusCode::MOVED_PERMANENTLY,
        [(header::LOCATION, to.to_string())],
    )
        .into_response();
    if !anyone {
        let h = res.headers_mut();
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
        h.insert(header::VARY, HeaderValue::from_static("Cookie"));
    }
    res
}

/// The first of `found` (most precise first) whoever holds `session` (a
/// session cookie) may be sent to, and whether anyone may (`true`: the
/// redirect may be cached by anyone). `None`: the old address is answered
/// as if no item claimed it.
async fn follow<'a>(
    state: &AppState,
    session: Option<&String>,
    found: &'a [Found],
) -> Option<(&'a Found, bool)> {
    let decide = |r: crate::error::AppResult<bool>| {
        r.map_err(|e| tracing::warn!(error = ?e, "old address policy"))
            .unwrap_or(false)
    };
    // The viewer is read once, and only when an anonymous reader is refused.
    let mut viewer: Option<Option<crate::accounts::User>> = None;
    for f in found {
        if decide(aliases::may_follow(state, None, f).await) {
            return Some((f, true));
        }
        let Some(token) = session else { continue };
        if viewer.is_none() {
            viewer = Some(
                Viewer::of_session(Some(token.clone()), state)
                    .await
                    .ok()
                    .and_then(|v| v.0),
            );
        }
        if let Some(Some(u)) = &viewer
            && decide(aliases::may_follow(state, Some(u), f).await)
        {
            return Some((f, false));
        }
    }
    None
}

pub async fn moved(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD)
        || req.uri().path().starts_with("/api/")
        || req.uri().path().starts_with("/static/")
    {
        return next.run(req).await;
    }
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let public = state.config.public_url();
    let ours = aliases::host_of(&public);
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_ascii_lowercase);
    // Who asks matters only to someone signed in (kept for after routing).
    let signed_in = cookie(req.headers(), SESSION_COOKIE);
    if let Some(host) = host.filter(|h| *h != ours && !h.is_empty()) {
        match aliases::resolve(&state.db, &host, &path).await {
            Ok(found) => {
                if let Some((f, anyone)) = follow(&state, signed_in.as_ref(), &found).await {
                    return permanent(&crate::urls::absolute(&public, &f.to), anyone);
                }
            }
            Err(e) => tracing::warn!(error = %e, "old address lookup"),
        }
    }
    let res = next.run(req).await;
    if res.status() != StatusCode::NOT_FOUND {
        return res;
    }
    match aliases::resolve_anywhere(&state.db, &path).await {
        Ok(found) => match follow(&state, signed_in.as_ref(), &found).await {
            Some((f, anyone)) => permanent(&f.to, anyone),
            None => res,
        },
        Err(e) => {
            tracing::warn!(error = %e, "old address lookup");
            res
        }
    }
}
