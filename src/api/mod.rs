//! JSON API under /api/v1 (in progress).
use axum::Router;

use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
