//! The caller's notifications.

use super::*;

/// My notifications, unread first then newest (at most 200), without those
/// about publications I may no longer read.
#[utoipa::path(
    get,
    path = "/api/v1/notifications",
    tag = "notifications",
    security(("bearer" = [])),
    params(NotificationParams),
    responses((status = 200, description = "Notifications", body = NotificationList), (status = 401, description = "Missing or invalid token", body = ErrorBody))
)]
pub async fn list_notifications(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<NotificationParams>,
) -> AppResult<Json<NotificationList>> {
    let items = notifications::fetch(&state.db, &user, 200, q.unread).await?;
    let unread = items.iter().filter(|(i, _)| i.unread()).count() as i64;
    Ok(Json(NotificationList {
        unread,
        items: items
            .iter()
            .map(|(i, _)| NotificationOut {
                id: i.id,
                kind: i.kind.clone(),
                actor: person(&state, &i.actor),
                publication_id: i.publication_id,
                reply_id: i.reply_id,
                event_id: i.event_id,
                community: i.community.as_ref().map(|(slug, _)| slug.clone()),
                url: state.url(&i.link()),
                created_at: rfc3339(i.created_at),
                read_at: i.read_at.map(rfc3339),
            })
            .collect(),
    }))
}

/// Mark one notification read.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/{nid}/read",
    tag = "notifications",
    security(("bearer" = [])),
    params(("nid" = i64, Path, description = "Notification id")),
    responses((status = 204, description = "Read"), (status = 404, description = "Not mine", body = ErrorBody))
)]
pub async fn read_notification(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(nid): Path<i64>,
) -> AppResult<StatusCode> {
    if notifications::mark_read(&state.db, user.id, nid).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

/// Mark all my notifications read.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/read-all",
    tag = "notifications",
    security(("bearer" = [])),
    responses((status = 204, description = "All read"))
)]
pub async fn read_all(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<StatusCode> {
    notifications::mark_all_read(&state.db, user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
