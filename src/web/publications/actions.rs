//! Follow, accepted answer, sharing into more communities, pins: small
//! forms of the publication page, each one operation of `publications::ops`.

use super::*;

pub(super) async fn set_follow(
    state: AppState,
    ctx: Ctx,
    id: i64,
    body: Bytes,
    follow: bool,
) -> AppResult<Response> {
    ctx.verify_csrf(&first(&form_pairs(&body), "csrf"))?;
    let actor = ctx.acting()?;
    ops::set_follow(&state, &actor, id, follow).await?;
    Ok(ctx.redirect(&urls::publication(id)))
}

pub(super) async fn follow_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    set_follow(state, ctx, id, body, true).await
}

pub(super) async fn unfollow_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    set_follow(state, ctx, id, body, false).await
}

pub(super) async fn accept_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    ctx.verify_csrf(&first(&pairs, "csrf"))?;
    let actor = ctx.acting()?;
    let reply_id: Option<i64> = first(&pairs, "reply_id").trim().parse().ok();
    ops::accept(&state, &actor, id, reply_id).await?;
    ctx.flash(if reply_id.is_some() {
        "flash-answer-accepted"
    } else {
        "flash-answer-cleared"
    });
    Ok(ctx.redirect(&match reply_id {
        Some(rid) => format!("{}#r-{rid}", urls::publication(id)),
        None => urls::publication(id),
    }))
}

pub(super) async fn share_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    ctx.verify_csrf(&first(&pairs, "csrf"))?;
    let actor = ctx.acting()?;
    let wanted: Vec<CommunityKey> = all_ids(&pairs, "community")
        .into_iter()
        .map(CommunityKey::Id)
        .collect();
    let added = ops::share(&state, &actor, id, &wanted).await?;
    ctx.flash(if added > 0 {
        "flash-publication-shared"
    } else {
        "flash-publication-already-there"
    });
    Ok(ctx.redirect(&urls::publication(id)))
}

/// Pin or unpin the publication in one community where it is shared (its
/// animators and owners, or an instance admin): pinned publications come
/// first on the community page.
pub(super) async fn pin_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    ctx.verify_csrf(&first(&pairs, "csrf"))?;
    let actor = ctx.acting()?;
    let cid: i64 = first(&pairs, "community")
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let pinned = first(&pairs, "pinned") == "1";
    ops::set_pinned(&state, &actor, id, &CommunityKey::Id(cid), pinned).await?;
    ctx.flash(if pinned {
        "flash-publication-pinned"
    } else {
        "flash-publication-unpinned"
    });
    Ok(ctx.redirect(&urls::publication(id)))
}
