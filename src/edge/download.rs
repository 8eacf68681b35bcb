//! A "download my data" archive as an HTTP response, shared by the settings
//! page (`src/web/data_rights.rs`) and the API (`src/api/exports.rs`).

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::Response;

use crate::data_rights::{self, Export};
use crate::state::AppState;

/// A ready archive as a response body, streamed from its chunks (also the
/// API's `GET /api/v1/me/exports/{id}/archive`).
pub fn archive_response(state: &AppState, export: &Export, username: &str) -> Response {
    let db = state.db.clone();
    let (eid, attempt) = (export.id, export.attempt);
    let stream = futures_util::stream::unfold(Some(0i64), move |seq| {
        let db = db.clone();
        async move {
            let seq = seq?;
            match data_rights::chunk(&db, eid, attempt, seq).await {
                Ok(Some(bytes)) => Some((Ok::<_, sqlx::Error>(bytes), Some(seq + 1))),
                Ok(None) => None,
                Err(e) => Some((Err(e), None)),
            }
        }
    });
    // Fused: the body may be polled once more after its end.
    let mut res = Response::new(Body::from_stream(futures_util::StreamExt::fuse(stream)));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Ok(v) = HeaderValue::from_str(&export.size.to_string()) {
        h.insert(header::CONTENT_LENGTH, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        export.file_name(username)
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
