//! Old addresses of imported items (issue 20): a GET for a path an item had
//! on the instance it was imported from is answered with a 301 to its page
//! here (`portability::aliases`). Asked under the origin's own name (its
//! domain now points here), the old path wins over ours: `/p/12` there is
//! not our `/p/12`. Asked under our name, an old path is answered only when
//! nothing of ours is there (a 404) and a single item claims it.

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::portability::aliases;

use crate::state::AppState;

fn permanent(to: &str) -> Response {
    (
        StatusCode::MOVED_PERMANENTLY,
        [(header::LOCATION, to.to_string())],
    )
        .into_response()
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
    if let Some(host) = host.filter(|h| *h != ours && !h.is_empty()) {
        match aliases::resolve(&state.db, &host, &path).await {
            Ok(Some(to)) => return permanent(&crate::urls::absolute(&public, &to)),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "old address lookup"),
        }
    }
    let res = next.run(req).await;
    if res.status() != StatusCode::NOT_FOUND {
        return res;
    }
    match aliases::resolve_anywhere(&state.db, &path).await {
        Ok(Some(to)) => permanent(&to),
        Ok(None) => res,
        Err(e) => {
            tracing::warn!(error = %e, "old address lookup");
            res
        }
    }
}
