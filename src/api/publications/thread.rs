//! Replies of a publication (the thread, paged), and its accepted answer.

use super::*;

/// Replies, paged by thread: 50 top-level replies per page, oldest first,
/// each followed by all the replies beneath it (with `parent_id` and `depth`
/// to rebuild the tree). Follow `next_page` until it is null.
#[utoipa::path(
    get,
    path = "/api/v1/publications/{id}/replies",
    tag = "publications",
    security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id"), ReplyPageParams),
    responses(
        (status = 200, description = "A page of replies", body = ReplyListing),
        (status = 404, description = "Not readable", body = ErrorBody),
    )
)]
pub async fn replies(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path(id): Path<i64>,
    Query(q): Query<ReplyPageParams>,
) -> AppResult<Json<ReplyListing>> {
    let viewer = viewer.map(|v| v.0);
    let (p, links) = ops::readable_with(&state, viewer.as_ref(), id, q.k.as_deref()).await?;
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let (list, threads) = pubs::replies_page(&state.db, id, page).await?;
    // Replies written for an audience the caller is not part of are left out.
    let list: Vec<pubs::Reply> = list
        .into_iter()
        .filter(|r| pubs::reply_sight(viewer.as_ref(), &p, r, &links) != ReplySight::None)
        .collect();
    let pages = pubs::reply_pages(threads);
    Ok(Json(ReplyListing {
        order: "thread_oldest_first".into(),
        page,
        pages,
        threads_per_page: pubs::THREADS_PER_PAGE,
        threads,
        next_page: (page < pages).then_some(page + 1),
        items: list
            .iter()
            .map(|r| reply_out(&state, viewer.as_ref(), &p, &links, r))
            .collect(),
    }))
}

/// Reply (to the publication, or to a reply with `parent_id`).
#[utoipa::path(
    post,
    path = "/api/v1/publications/{id}/replies",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id")),
    request_body = ReplyCreate,
    responses(
        (status = 201, description = "The new reply", body = ReplyOut),
        (status = 403, description = "The caller may not reply (not a member where it is shared)", body = ErrorBody),
        (status = 404, description = "Not readable, or no such parent", body = ErrorBody),
        (status = 409, description = "Locked (`locked`) or the parent was deleted (`reply_gone`)", body = ErrorBody),
        (status = 422, description = "Empty or too long", body = ErrorBody),
        (status = 429, description = "Too many replies in a short time (`rate_limited`, with `Retry-After`); the limit is per account, set by the instance", body = ErrorBody),
    )
)]
pub async fn create_reply(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<ReplyCreate>,
) -> AppResult<Response> {
    let rid = ops::add_reply(
        &state,
        &Actor::person(&user),
        id,
        body.parent_id,
        &body.body,
    )
    .await?;
    let viewer = Some(&user);
    let (p, links) = readable(&state, viewer, id).await?;
    let r = pubs::reply_by_id(&state.db, id, rid)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        StatusCode::CREATED,
        Json(reply_out(&state, viewer, &p, &links, &r)),
    )
        .into_response())
}

/// Edit a reply (its author); the previous text is kept.
#[utoipa::path(
    patch,
    path = "/api/v1/publications/{id}/replies/{rid}",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id"), ("rid" = i64, Path, description = "Reply id")),
    request_body = ReplyUpdate,
    responses(
        (status = 200, description = "The edited reply", body = ReplyOut),
        (status = 403, description = "Not its author", body = ErrorBody),
        (status = 404, description = "Not readable", body = ErrorBody),
        (status = 422, description = "Empty or too long", body = ErrorBody),
    )
)]
pub async fn update_reply(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, rid)): Path<(i64, i64)>,
    Json(body): Json<ReplyUpdate>,
) -> AppResult<Json<ReplyOut>> {
    ops::edit_reply(&state, &Actor::person(&user), id, rid, &body.body).await?;
    let viewer = Some(&user);
    let (p, links, r) = ops::own_reply(&state, viewer, id, rid).await?;
    Ok(Json(reply_out(&state, viewer, &p, &links, &r)))
}

/// Delete a reply (its author): a tombstone stays in the thread.
#[utoipa::path(
    delete,
    path = "/api/v1/publications/{id}/replies/{rid}",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id"), ("rid" = i64, Path, description = "Reply id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not its author", body = ErrorBody),
        (status = 404, description = "Not readable", body = ErrorBody),
    )
)]
pub async fn delete_reply(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, rid)): Path<(i64, i64)>,
) -> AppResult<StatusCode> {
    ops::delete_reply(&state, &Actor::person(&user), id, rid).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mark or clear the accepted answer of a question (its author or an
/// animator of a community it is shared in).
#[utoipa::path(
    put,
    path = "/api/v1/publications/{id}/accepted-answer",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id")),
    request_body = AcceptRequest,
    responses(
        (status = 200, description = "The publication", body = PublicationOut),
        (status = 403, description = "Not allowed, or not a question", body = ErrorBody),
        (status = 404, description = "Not readable, or no such reply", body = ErrorBody),
    )
)]
pub async fn accept(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<AcceptRequest>,
) -> AppResult<Json<PublicationOut>> {
    ops::accept(&state, &Actor::person(&user), id, body.reply_id).await?;
    Ok(Json(full(&state, Some(&user), id).await?))
}
