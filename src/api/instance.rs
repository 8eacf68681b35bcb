//! `/api/v1/instance`: what this instance is (public).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use super::wire::{ErrorBody, Instance};
use crate::error::AppResult;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/instance", get(show))
}

/// Name, description, registration mode, software version and languages.
#[utoipa::path(
    get,
    path = "/api/v1/instance",
    tag = "instance",
    responses(
        (status = 200, description = "This instance", body = Instance),
        (status = 503, description = "Database temporarily unavailable", body = ErrorBody),
    )
)]
pub async fn show(State(state): State<AppState>) -> AppResult<Json<Instance>> {
    let settings = state.instance().await?;
    Ok(Json(Instance::new(&settings)))
}
