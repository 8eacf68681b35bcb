//! `/api/v1/me/notification-preferences`: the caller's notification
//! preferences (issue 16), the same operation as `/settings/notifications`.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{ApiUser, own};
use super::wire::ErrorBody;
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::notifications::ops::{self, Changes};
use crate::notifications::prefs::Kind;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/me/notification-preferences",
        get(show_preferences).put(update_preferences),
    )
}

/// A community's watching level.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CommunityWatch {
    /// The community's slug (one I am a member of).
    pub community: String,
    #[schema(schema_with = level_choice)]
    pub level: String,
}

/// What I receive, where and when.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NotificationPreferences {
    /// Channel per kind (`mention`, `reply`, `followed_reply`,
    /// `new_publication`, `event`, `moderation`, `join_request`,
    /// `saved_search`, `security`): `app` (the notification centre only),
    /// `email` (an e-mail right away), `push` (a Web Push message right
    /// away to each browser subscribed from the settings page — subscribing
    /// needs the browser, so there is no API for it; without a subscribed
    /// browser the record stays in the centre), `daily` or `weekly` (the
    /// digest), or `never`. Every channel but `never` also keeps the record
    /// in the centre. `security` is always `email`.
    pub channels: BTreeMap<String, String>,
    /// Local hour digests are sent (0–23).
    pub digest_hour: i64,
    /// IANA time zone of that hour (`America/Toronto`…).
    pub time_zone: String,
    /// Day of the weekly digest, 0 = Monday … 6 = Sunday.
    pub weekly_day: i64,
    /// Watching level of each community I am a member of.
    pub communities: Vec<CommunityWatch>,
}

fn level_choice() -> utoipa::openapi::Object {
    let levels: Vec<&str> = crate::notifications::prefs::Level::ALL
        .iter()
        .map(|l| l.code())
        .collect();
    super::wire::choice(
        "`everything`, `publications`, `mentions` (the default) or `muted`.",
        &levels,
    )
}

fn time_zone_choice() -> utoipa::openapi::Object {
    let zones: Vec<&str> = crate::notifications::prefs::Zone::ALL
        .iter()
        .map(|z| z.code())
        .collect();
    super::wire::choice(
        "The IANA time zone of the digest hour, one of those proposed.",
        &zones,
    )
}

/// Changes: every field may be left out (kept as it is).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NotificationPreferencesUpdate {
    pub channels: BTreeMap<String, String>,
    /// 0 to 23.
    #[schema(minimum = 0, maximum = 23)]
    pub digest_hour: Option<i64>,
    #[schema(schema_with = time_zone_choice)]
    pub time_zone: Option<String>,
    /// 0 = Monday … 6 = Sunday.
    #[schema(minimum = 0, maximum = 6)]
    pub weekly_day: Option<i64>,
    pub communities: Vec<CommunityWatch>,
}

async fn current(state: &AppState, actor: &Actor) -> AppResult<NotificationPreferences> {
    let cur = ops::current(state, actor).await?;
    Ok(NotificationPreferences {
        channels: Kind::ALL
            .into_iter()
            .map(|k| {
                (
                    k.code().to_string(),
                    cur.prefs.channel(k).code().to_string(),
                )
            })
            .collect(),
        digest_hour: cur.schedule.digest_hour,
        time_zone: cur.schedule.time_zone.code().to_string(),
        weekly_day: cur.schedule.weekly_day,
        communities: cur
            .communities
            .iter()
            .map(|(id, slug, _)| CommunityWatch {
                community: slug.clone(),
                level: cur.prefs.level(*id).code().to_string(),
            })
            .collect(),
    })
}

/// My notification preferences.
#[utoipa::path(
    get,
    path = "/api/v1/me/notification-preferences",
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "My preferences", body = NotificationPreferences),
        (status = 401, description = "Missing, invalid, revoked or expired token", body = ErrorBody),
        (status = 403, description = "Account suspended or pending (`account_inactive`)", body = ErrorBody),
    )
)]
pub async fn show_preferences(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<NotificationPreferences>> {
    own(&user)?;
    Ok(Json(current(&state, &Actor::person(&user)).await?))
}

/// Change my notification preferences (what is left out is kept).
#[utoipa::path(
    put,
    path = "/api/v1/me/notification-preferences",
    tag = "me",
    security(("bearer" = [])),
    request_body = NotificationPreferencesUpdate,
    responses(
        (status = 200, description = "My preferences, updated", body = NotificationPreferences),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing, invalid, revoked or expired token", body = ErrorBody),
        (status = 403, description = "Account suspended or pending (`account_inactive`)", body = ErrorBody),
        (status = 415, description = "Not `application/json`", body = ErrorBody),
        (status = 422, description = "Invalid values (`invalid`, with `fields`: `channel-<kind>`, `digest_hour`, `time_zone`, `weekly_day`, `communities`) or wrong JSON shape (`invalid_body`)", body = ErrorBody),
    )
)]
pub async fn update_preferences(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<NotificationPreferencesUpdate>,
) -> AppResult<Json<NotificationPreferences>> {
    own(&user)?;
    let actor = Actor::person(&user);
    let cur = ops::current(&state, &actor).await?;
    let mut levels = Vec::new();
    for w in &body.communities {
        match cur
            .communities
            .iter()
            .find(|(_, slug, _)| *slug == w.community)
        {
            Some((id, _, _)) => levels.push((*id, w.level.clone())),
            None => {
                return Err(AppError::Invalid {
                    fields: vec![("communities".into(), "notify-error-level".into())],
                });
            }
        }
    }
    let changes = Changes {
        channels: body.channels.into_iter().collect(),
        digest_hour: body
            .digest_hour
            .unwrap_or(cur.schedule.digest_hour)
            .to_string(),
        time_zone: body
            .time_zone
            .unwrap_or_else(|| cur.schedule.time_zone.code().to_string()),
        weekly_day: body
            .weekly_day
            .unwrap_or(cur.schedule.weekly_day)
            .to_string(),
        levels,
    };
    ops::update(&state, &actor, &changes).await?;
    Ok(Json(current(&state, &actor).await?))
}
