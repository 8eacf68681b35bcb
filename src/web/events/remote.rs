//! An event of another instance taken off this one by an administrator or
//! a moderator of a community it is in (`POST /e/{id}/remove`, with the
//! CSRF token and an optional reason, like the other moderation actions):
//! `federation::remote_event_removal` does it and logs it.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

use super::super::AppState;
use super::super::ctx::Ctx;
use crate::actor::Actor;
use crate::error::{AppError, AppResult};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RemoveBody {
    csrf: String,
    reason: String,
}

pub(super) async fn remove_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<RemoveBody>,
) -> AppResult<Response> {
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    ctx.verify_csrf(&f.csrf)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    passerelles_core::federation::remote_event_removal::remove(
        &state,
        &Actor::person(&u),
        id,
        &f.reason,
    )
    .await?;
    ctx.flash("flash-event-removed");
    Ok(ctx.redirect("/events"))
}
