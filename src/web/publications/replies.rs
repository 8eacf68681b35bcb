//! Replying, editing and deleting one's replies (`publications::ops`).

use super::*;

pub(super) async fn reply_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    ctx.verify_csrf(&first(&pairs, "csrf"))?;
    let actor = ctx.acting()?;
    let parent_id: Option<i64> = first(&pairs, "parent_id").trim().parse().ok();
    // The reply form under the thread names its field `reply` (the field its
    // errors are tied to); the forms under each reply name it `body`.
    let text = match first(&pairs, "body") {
        b if b.is_empty() => first(&pairs, "reply"),
        b => b,
    };
    let mut errors = FieldErrors::default();
    let retry_after = match ops::add_reply(&state, &actor, id, parent_id, &text).await {
        Ok(rid) => return Ok(ctx.redirect(&reply_link(&state, id, rid).await?)),
        Err(AppError::Invalid { fields }) => {
            for (_, key) in &fields {
                errors.add(ctx.lang, "reply", key);
            }
            None
        }
        Err(AppError::TooManyRequests { retry_after }) => {
            errors.add_text(
                "reply",
                limited_message(ctx.lang, "rate-limited-replies", retry_after),
            );
            Some(retry_after)
        }
        Err(e) => return Err(e),
    };
    // A refused reply re-renders the page its form was on.
    let form_page = match parent_id {
        Some(rid) => pubs::page_of_reply(&state.db, id, rid).await?,
        None => first(&pairs, "page")
            .trim()
            .parse::<i64>()
            .unwrap_or(1)
            .max(1),
    };
    let d = match pubs::load_page_at(&state.db, ctx.user.as_ref(), id, None, form_page).await? {
        Loaded::Full(d) => d,
        _ => return Err(AppError::NotFound),
    };
    let shown = show_page(&state, &ctx, *d, parent_id, text, errors);
    Ok(match retry_after {
        Some(retry_after) => too_many(&ctx, retry_after, &shown),
        None => invalid(&ctx, &shown),
    })
}

#[derive(Template)]
#[template(path = "publication_reply_edit.html")]
pub(super) struct ReplyEditPage {
    s: Shell,
    action: String,
    back: String,
    body: String,
    errors: FieldErrors,
}

pub(super) fn reply_edit_page(
    state: &AppState,
    ctx: &Ctx,
    p: &Publication,
    rid: i64,
    body: String,
    errors: FieldErrors,
) -> ReplyEditPage {
    ReplyEditPage {
        s: Shell::new(state, ctx, &ctx.t("reply-edit-title"), "")
            .crumb(p.title.clone(), p.path())
            .crumb(ctx.t("reply-edit-title"), ""),
        action: format!("{}/replies/{rid}/edit", p.path()),
        back: urls::reply(p.id, rid),
        body,
        errors,
    }
}

pub(super) async fn reply_edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, rid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    if let Err(r) = ctx.require_login() {
        return Ok(r);
    }
    let (p, _, r) = ops::own_reply(&state, ctx.user.as_ref(), id, rid).await?;
    Ok(page(
        &ctx,
        &reply_edit_page(&state, &ctx, &p, rid, r.body, FieldErrors::default()),
    ))
}

pub(super) async fn reply_edit_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((id, rid)): Path<(i64, i64)>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    ctx.verify_csrf(&first(&pairs, "csrf"))?;
    let actor = ctx.acting()?;
    let text = first(&pairs, "body");
    match ops::edit_reply(&state, &actor, id, rid, &text).await {
        Ok(()) => {
            ctx.flash("flash-reply-saved");
            Ok(ctx.redirect(&urls::reply(id, rid)))
        }
        Err(AppError::Invalid { fields }) => {
            let (p, _) = ops::readable(&state, ctx.user.as_ref(), id).await?;
            let mut errors = FieldErrors::default();
            for (f, key) in &fields {
                errors.add(ctx.lang, f, key);
            }
            Ok(invalid(
                &ctx,
                &reply_edit_page(&state, &ctx, &p, rid, text, errors),
            ))
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn reply_delete_confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, rid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    if let Err(r) = ctx.require_login() {
        return Ok(r);
    }
    let (p, _, _) = ops::own_reply(&state, ctx.user.as_ref(), id, rid).await?;
    Ok(page(
        &ctx,
        &ConfirmPage {
            s: Shell::new(&state, &ctx, &ctx.t("reply-delete-title"), "")
                .crumb(p.title.clone(), p.path()),
            heading: ctx.t("reply-delete-title"),
            text: ctx.t("reply-delete-text"),
            action: format!("{}/replies/{rid}/delete", urls::publication(id)),
            button: ctx.t("publication-delete-confirm"),
            back: urls::reply(id, rid),
        },
    ))
}

pub(super) async fn reply_delete_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((id, rid)): Path<(i64, i64)>,
    body: Bytes,
) -> AppResult<Response> {
    ctx.verify_csrf(&first(&form_pairs(&body), "csrf"))?;
    let actor = ctx.acting()?;
    ops::delete_reply(&state, &actor, id, rid).await?;
    ctx.flash("flash-reply-deleted");
    Ok(ctx.redirect(&urls::reply(id, rid)))
}
