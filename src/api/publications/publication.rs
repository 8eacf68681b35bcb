//! One publication: publish, read, edit, delete, share into more
//! communities, attach files and download them, follow.

use super::*;

/// Publish: one publication shared into one or more communities. A watch
/// item's link gets a preview fetched by the server (a failed fetch still
/// publishes, with `preview.error`). A link already shared where the caller
/// can read it is refused with 409 `already_shared`, `fields.existing` holding
/// the ids of those publications (comma-separated); add to one with
/// `POST /api/v1/publications/{id}/communities`.
#[utoipa::path(
    post,
    path = "/api/v1/publications",
    tag = "publications",
    security(("bearer" = [])),
    request_body = PublicationCreate,
    responses(
        (status = 201, description = "Published", body = PublicationOut),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 409, description = "The link is already shared (`already_shared`); `fields.existing` lists the publication ids", body = ErrorBody),
        (status = 422, description = "Invalid values (`invalid`, with `fields`)", body = ErrorBody),
        (status = 429, description = "Too many publications in a short time (`rate_limited`, with `Retry-After`); the limit is per account, set by the instance", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<PublicationCreate>,
) -> AppResult<Response> {
    let actor = Actor::person(&user);
    let new = ops::NewPublication {
        draft: Draft {
            kind: body.kind.as_str().into(),
            title: body.title,
            body: body.body,
            tags: tags_field(&body.tags),
            link_url: body.link_url.unwrap_or_default(),
            community_ids: Vec::new(),
        },
        communities: body
            .communities
            .into_iter()
            .map(CommunityKey::Slug)
            .collect(),
    };
    let valid = ops::check_new(&state, &actor, &new).await?;
    match ops::create(&state, &actor, valid, Vec::new()).await? {
        ops::Created::Published { id, .. } => {
            let out = full(&state, Some(&user), id).await?;
            Ok((StatusCode::CREATED, Json(out)).into_response())
        }
        ops::Created::AlreadyShared { existing, .. } => {
            let ids: Vec<String> = existing.iter().map(|(p, _)| p.id.to_string()).collect();
            Ok(error(
                StatusCode::CONFLICT,
                "already_shared",
                "publication-already-shared-title",
                vec![
                    ("link_url".into(), "publication-already-shared-title".into()),
                    ("existing".into(), ids.join(",")),
                ],
            ))
        }
    }
}

/// A publication, if the caller may read it (through a community they may read).
#[utoipa::path(
    get,
    path = "/api/v1/publications/{id}",
    tag = "publications",
    security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id"), KeyParams),
    responses(
        (status = 200, description = "The publication", body = PublicationOut),
        (status = 404, description = "No such publication, or not readable by the caller (a publication of an unlisted community without its key `k`)", body = ErrorBody),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path(id): Path<i64>,
    Query(q): Query<KeyParams>,
) -> AppResult<Json<PublicationOut>> {
    let viewer = viewer.map(|v| v.0);
    Ok(Json(
        full_with(&state, viewer.as_ref(), id, q.k.as_deref()).await?,
    ))
}

/// Edit title, body or tags (its author). The previous version is kept.
#[utoipa::path(
    patch,
    path = "/api/v1/publications/{id}",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id")),
    request_body = PublicationUpdate,
    responses(
        (status = 200, description = "The edited publication", body = PublicationOut),
        (status = 403, description = "Not its author", body = ErrorBody),
        (status = 404, description = "Not readable", body = ErrorBody),
        (status = 422, description = "Invalid values", body = ErrorBody),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<PublicationUpdate>,
) -> AppResult<Json<PublicationOut>> {
    let viewer = Some(&user);
    let e = ops::editing(&state, viewer, id).await?;
    let changes = ops::Changes {
        title: body.title,
        body: body.body,
        tags: body.tags.as_deref().map(tags_field),
    };
    let checked = ops::check_edit(&state, &e, changes).await?;
    ops::edit(&state, &Actor::person(&user), &e, &checked, Vec::new(), &[]).await?;
    Ok(Json(full(&state, viewer, id).await?))
}

/// Delete (its author): a tombstone; content, versions and attachments are erased.
#[utoipa::path(
    delete,
    path = "/api/v1/publications/{id}",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not its author", body = ErrorBody),
        (status = 404, description = "Not readable", body = ErrorBody),
    )
)]
pub async fn remove(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    ops::delete(&state, &Actor::person(&user), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Share the publication into another community where the caller may post.
/// Unless it is already public (visible in an open community), sharing
/// widens its audience: only its author may, or a moderator of a community
/// it is in (its author is then notified). Replies and earlier versions
/// written before stay with the audience they were written for.
#[utoipa::path(
    post,
    path = "/api/v1/publications/{id}/communities",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id")),
    request_body = ShareRequest,
    responses(
        (status = 200, description = "Shared (or already there)", body = PublicationOut),
        (status = 403, description = "The caller may not post in that community, or may not widen this publication's audience (neither its author nor a moderator where it is)", body = ErrorBody),
        (status = 404, description = "Not readable", body = ErrorBody),
    )
)]
pub async fn share(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<ShareRequest>,
) -> AppResult<Json<PublicationOut>> {
    let into = [CommunityKey::Slug(body.community)];
    ops::share(&state, &Actor::person(&user), id, &into).await?;
    Ok(Json(full(&state, Some(&user), id).await?))
}

/// Attach files (its author; multipart, field `file`, up to 5 files of 10 MB
/// in all; the type is sniffed from the content). Nothing is saved if one
/// file is refused.
#[utoipa::path(
    post,
    path = "/api/v1/publications/{id}/attachments",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id")),
    request_body(content = crate::api::wire::FileParts, content_type = "multipart/form-data", description = "One or more `file` parts"),
    responses(
        (status = 200, description = "The publication with its attachments", body = PublicationOut),
        (status = 403, description = "Not its author", body = ErrorBody),
        (status = 404, description = "Not readable", body = ErrorBody),
        (status = 413, description = "Request too large", body = ErrorBody),
        (status = 422, description = "A file is refused (`invalid`, `fields.file`)", body = ErrorBody),
    )
)]
pub async fn add_attachments(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    mp: Multipart,
) -> AppResult<Json<PublicationOut>> {
    let viewer = Some(&user);
    let e = ops::editing(&state, viewer, id).await?;
    let form = read_multipart(mp, "file").await?;
    if let Some((_, key)) = form.refused.first() {
        return Err(ops::invalid(vec![("file", key)]));
    }
    ops::add_attachments(&state, &Actor::person(&user), &e, form.uploads).await?;
    Ok(Json(full(&state, viewer, id).await?))
}

/// Download an attachment (same permission as reading the publication).
#[utoipa::path(
    get,
    path = "/api/v1/publications/{id}/attachments/{aid}",
    tag = "publications",
    security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id"), ("aid" = i64, Path, description = "Attachment id"), KeyParams),
    responses(
        (status = 200, description = "The file, as `attachment`"),
        (status = 404, description = "Not readable or no such attachment", body = ErrorBody),
    )
)]
pub async fn download(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path((id, aid)): Path<(i64, i64)>,
    Query(q): Query<KeyParams>,
) -> AppResult<Response> {
    let viewer = viewer.map(|v| v.0);
    ops::readable_with(&state, viewer.as_ref(), id, q.k.as_deref()).await?;
    let (name, ctype, bytes) = pubs::attachment_bytes(&state.db, id, aid)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(download_response(&name, &ctype, bytes))
}

/// Follow: be notified of new replies.
#[utoipa::path(
    put,
    path = "/api/v1/publications/{id}/follow",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id")),
    responses((status = 204, description = "Followed"), (status = 404, description = "Not readable", body = ErrorBody))
)]
pub async fn follow(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    ops::set_follow(&state, &Actor::person(&user), id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unfollow.
#[utoipa::path(
    delete,
    path = "/api/v1/publications/{id}/follow",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id")),
    responses((status = 204, description = "Not followed any more"), (status = 404, description = "Not readable", body = ErrorBody))
)]
pub async fn unfollow(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    ops::set_follow(&state, &Actor::person(&user), id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}
