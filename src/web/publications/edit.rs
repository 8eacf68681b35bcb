//! Editing a publication (text, tags, attachments) and deleting it
//! (`publications::ops::edit`, `ops::delete`).

use super::*;

#[derive(Template)]
#[template(path = "publication_edit.html")]
pub(super) struct EditPage {
    s: Shell,
    id: i64,
    title: String,
    body: String,
    tags: String,
    attachments: Vec<(i64, String, String, bool)>,
    room: i64,
    errors: FieldErrors,
    files_dropped: bool,
    tag_help: TagHelp,
}

/// The edit form with these values (`remove`: attachments ticked for removal).
fn edit_page(
    state: &AppState,
    ctx: &Ctx,
    p: &Publication,
    draft: pubs::Draft,
    atts: Vec<Attachment>,
    remove: &[i64],
    tag_help: TagHelp,
) -> EditPage {
    let edit_path = format!("{}/edit", p.path());
    EditPage {
        s: Shell::new(state, ctx, &ctx.t("publication-edit-title"), "")
            .crumb(p.title.clone(), p.path())
            .crumb(ctx.t("publication-edit-title"), edit_path),
        id: p.id,
        title: draft.title,
        body: draft.body,
        tags: draft.tags,
        room: files::MAX_FILES.saturating_sub(atts.len()) as i64,
        attachments: atts
            .into_iter()
            .map(|a| {
                (
                    a.id,
                    a.file_name,
                    human_size(ctx.lang, a.size),
                    remove.contains(&a.id),
                )
            })
            .collect(),
        errors: FieldErrors::default(),
        files_dropped: false,
        tag_help,
    }
}

pub(super) async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    if let Err(r) = ctx.require_login() {
        return Ok(r);
    }
    let e = ops::editing(&state, ctx.user.as_ref(), id).await?;
    let p = &e.publication;
    let tags = pubs::tags_of(&state.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let atts = pubs::attachments_of(&state.db, id).await?;
    let tags = ops::chosen_tags_field(p, &tags, ", ");
    let tag_help = tag_help(&state, ctx.user.as_ref(), &tags, None).await?;
    let draft = pubs::Draft {
        title: p.title.clone(),
        body: p.body.clone(),
        tags,
        ..pubs::Draft::default()
    };
    Ok(page(
        &ctx,
        &edit_page(&state, &ctx, p, draft, atts, &[], tag_help),
    ))
}

pub(super) async fn edit_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<i64>,
    mp: Multipart,
) -> AppResult<Response> {
    let actor = ctx.acting()?;
    let e = ops::editing(&state, ctx.user.as_ref(), id).await?;
    let form = read_multipart(mp, "files").await?;
    ctx.verify_csrf(&form.get("csrf"))?;
    let atts = pubs::attachments_of(&state.db, id).await?;
    let remove: Vec<i64> = form
        .ids("remove_attachment")
        .into_iter()
        .filter(|a| atts.iter().any(|x| x.id == *a))
        .collect();
    let mut draft = pubs::Draft {
        title: form.get("title"),
        body: form.get("body"),
        tags: form.get("tags"),
        ..pubs::Draft::default()
    };
    // "Suggest tags" or one of its suggestions (no JavaScript): the form
    // comes back as typed, nothing is checked or saved.
    let ask = tag_ask(&form);
    if let Some(TagAsk::Choose(label)) = &ask {
        draft.tags = complete_last_tag(&draft.tags, label);
    }
    let mut errors = FieldErrors::default();
    let mut checked = None;
    if ask.is_none() {
        let changes = ops::Changes {
            title: Some(draft.title.clone()),
            body: Some(draft.body.clone()),
            tags: Some(draft.tags.clone()),
        };
        match ops::check_edit(&state, &e, changes).await {
            Ok(c) => checked = Some(c),
            Err(AppError::Invalid { fields }) => {
                for (f, k) in &fields {
                    errors.add(ctx.lang, f, k);
                }
            }
            Err(e) => return Err(e),
        }
        for (name, key) in &form.refused {
            errors.add_text("files", file_error(ctx.lang, name, key));
        }
        if atts.len() - remove.len() + form.uploads.len() + form.refused.len() > files::MAX_FILES {
            errors.add(ctx.lang, "files", "attachment-too-many");
        }
    }
    let (ready, refused) = if ask.is_some() || errors.has("files") {
        (Vec::new(), Vec::new())
    } else {
        pubs::prepare_uploads(&state.images, form.uploads).await?
    };
    for (name, key) in &refused {
        errors.add_text("files", file_error(ctx.lang, name, key));
    }
    let p = &e.publication;
    let Some(checked) = checked.filter(|_| errors.is_empty()) else {
        let tag_help = tag_help(&state, ctx.user.as_ref(), &draft.tags, ask.as_ref()).await?;
        let mut edit = edit_page(&state, &ctx, p, draft, atts, &remove, tag_help);
        edit.errors = errors;
        edit.files_dropped = form.files_sent;
        return Ok(if ask.is_some() {
            page(&ctx, &edit)
        } else {
            invalid(&ctx, &edit)
        });
    };
    ops::edit(&state, &actor, &e, &checked, ready, &remove).await?;
    ctx.flash("flash-publication-saved");
    Ok(ctx.redirect(&p.path()))
}

pub(super) async fn delete_confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    if let Err(r) = ctx.require_login() {
        return Ok(r);
    }
    let (p, _) = ops::deletable(&state, ctx.user.as_ref(), id).await?;
    Ok(page(
        &ctx,
        &ConfirmPage {
            s: Shell::new(&state, &ctx, &ctx.t("publication-delete-title"), "")
                .crumb(p.title.clone(), p.path()),
            heading: ctx.t("publication-delete-title"),
            text: ctx.lang.ta(
                "publication-delete-text",
                &[("name", Arg::from(p.title.clone()))],
            ),
            action: format!("{}/delete", p.path()),
            button: ctx.t("publication-delete-confirm"),
            back: p.path(),
        },
    ))
}

pub(super) async fn delete_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    ctx.verify_csrf(&first(&form_pairs(&body), "csrf"))?;
    let actor = ctx.acting()?;
    ops::delete(&state, &actor, id).await?;
    ctx.flash("flash-publication-deleted");
    Ok(ctx.redirect("/"))
}
