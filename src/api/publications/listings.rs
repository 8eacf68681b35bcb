//! Listings (a tag's, a community's publications) and pins in a community.

use super::*;

/// Publications with a tag that the caller may read (through communities
/// they may read; unlisted ones only for their members), newest activity
/// first, 20 per page.
#[utoipa::path(
    get,
    path = "/api/v1/tags/{name}/publications",
    tag = "publications",
    security((), ("bearer" = [])),
    params(("name" = String, Path, description = "Tag name (lowercase)"), PageParams),
    responses((status = 200, description = "A page of publications", body = TagListing), (status = 404, description = "No such tag, or none the caller may see (the same answer)", body = ErrorBody))
)]
pub async fn tag_publications(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path(name): Path<String>,
    Query(q): Query<PageParams>,
) -> AppResult<Json<TagListing>> {
    let viewer = viewer.map(|v| v.0);
    let name = name.to_lowercase();
    // Unknown, or used only where the caller cannot see: the same 404.
    let label = pubs::tag_label(&state.db, viewer.as_ref(), &name)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = q.page.clamp(0, 10_000);
    let (list, has_more) = pubs::list_by_tag(&state.db, viewer.as_ref(), &name, page).await?;
    Ok(Json(TagListing {
        name,
        label,
        order: "last_activity_desc".into(),
        page,
        has_more,
        items: list.iter().map(|s| summary_out(&state, s, false)).collect(),
    }))
}

/// The publications of a community, as its page lists them: pinned first,
/// then newest activity, 20 per page; only what the caller may read there
/// (its moderators also see what they hid or removed). 404 when the caller
/// may not read the community (a private one they are not a member of).
#[utoipa::path(
    get,
    path = "/api/v1/communities/{slug}/publications",
    tag = "communities",
    security((), ("bearer" = [])),
    params(("slug" = String, Path, description = "Community address"), PageParams),
    responses(
        (status = 200, description = "A page of publications", body = CommunityListing),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
    )
)]
pub async fn community_publications(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path(slug): Path<String>,
    Query(q): Query<PageParams>,
) -> AppResult<Json<CommunityListing>> {
    let viewer = viewer.map(|v| v.0);
    let l = crate::communities::access::load_card(&state, viewer.as_ref(), &slug).await?;
    if !l.view(viewer.as_ref()) {
        return Err(AppError::NotFound);
    }
    let page = q.page.clamp(0, 10_000);
    let (list, has_more) = pubs::list_in_community(&state.db, viewer.as_ref(), &l.c, page).await?;
    Ok(Json(CommunityListing {
        community: l.c.slug.clone(),
        order: "pinned_then_last_activity_desc".into(),
        page,
        has_more,
        items: list
            .iter()
            .map(|s| CommunityItem {
                pinned: s.pinned,
                publication: summary_out(
                    &state,
                    s,
                    l.c.visibility == crate::policy::Visibility::Unlisted,
                ),
            })
            .collect(),
    }))
}

/// Pin or unpin publication `id` in community `slug` (its animators and
/// owners, instance admins).
async fn set_pin(
    state: &AppState,
    user: &User,
    slug: String,
    id: i64,
    pinned: bool,
) -> AppResult<StatusCode> {
    let key = CommunityKey::Slug(slug);
    ops::set_pinned(state, &Actor::person(user), id, &key, pinned).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Pin a publication in a community where it is shared: it comes first in
/// the community's listing (its animators and owners, instance admins).
#[utoipa::path(
    put,
    path = "/api/v1/communities/{slug}/publications/{id}/pin",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "Community address"), ("id" = i64, Path, description = "Publication id")),
    responses(
        (status = 204, description = "Pinned"),
        (status = 403, description = "Not an animator of this community", body = ErrorBody),
        (status = 404, description = "Not readable, or not shared in this community", body = ErrorBody),
        (status = 409, description = "The community is archived (`community_archived`)", body = ErrorBody),
    )
)]
pub async fn pin(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<StatusCode> {
    set_pin(&state, &user, slug, id, true).await
}

/// Unpin a publication in a community.
#[utoipa::path(
    delete,
    path = "/api/v1/communities/{slug}/publications/{id}/pin",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "Community address"), ("id" = i64, Path, description = "Publication id")),
    responses(
        (status = 204, description = "Not pinned any more"),
        (status = 403, description = "Not an animator of this community", body = ErrorBody),
        (status = 404, description = "Not readable, or not shared in this community", body = ErrorBody),
        (status = 409, description = "The community is archived (`community_archived`)", body = ErrorBody),
    )
)]
pub async fn unpin(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<StatusCode> {
    set_pin(&state, &user, slug, id, false).await
}
