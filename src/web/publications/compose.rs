//! The compose page: a new publication (with attachments and a watch
//! link) into one or more communities; `publications::ops::create` does it.

use super::*;

#[derive(Default, Clone)]
pub struct ComposeValues {
    pub kind: String,
    pub title: String,
    pub body: String,
    pub tags: String,
    pub link_url: String,
    pub communities: Vec<i64>,
}

pub struct Target {
    pub id: i64,
    pub name: String,
    /// Tells apart communities that share a name.
    pub slug: String,
    pub checked: bool,
}

/// A publication that already shares the link being posted.
pub struct AlreadyShared {
    pub path: String,
    pub title: String,
    pub communities: Vec<(String, String)>,
    /// Chosen communities it is not in yet (ids, names).
    pub add_ids: Vec<i64>,
    pub add_names: String,
}

#[derive(Template)]
#[template(path = "publication_compose.html")]
pub(super) struct ComposePage {
    s: Shell,
    v: ComposeValues,
    targets: Vec<Target>,
    errors: FieldErrors,
    files_dropped: bool,
    already: Vec<AlreadyShared>,
    kinds: Vec<(&'static str, String)>,
    /// Over the publishing limit: why, and when to try again (what was typed is kept).
    limited: Option<String>,
    tag_help: TagHelp,
    /// "Prévisualiser": the title and the body as they will be shown.
    preview: Option<(String, String)>,
    /// When the draft shown was saved (a draft taken up, or just saved).
    draft_saved: Option<i64>,
    compose_js: &'static str,
}

pub(super) fn kinds(lang: Lang) -> Vec<(&'static str, String)> {
    [Kind::Discussion, Kind::Question, Kind::Watch]
        .into_iter()
        .map(|k| (k.as_str(), kind_label(lang, k)))
        .collect()
}

pub(super) async fn compose_page(
    state: &AppState,
    ctx: &Ctx,
    v: ComposeValues,
    postable: &[(Community, Option<crate::policy::Membership>)],
    ask: Option<&TagAsk>,
) -> AppResult<ComposePage> {
    let tag_help = tag_help(state, ctx.user.as_ref(), &v.tags, ask).await?;
    let targets = postable
        .iter()
        .map(|(c, _)| Target {
            id: c.id,
            name: c.name.clone(),
            slug: c.slug.clone(),
            checked: v.communities.contains(&c.id),
        })
        .collect();
    Ok(ComposePage {
        s: Shell::new(state, ctx, &ctx.t("publication-new-title"), "")
            .crumb(ctx.t("publication-new-title"), "/p/new"),
        v,
        targets,
        errors: FieldErrors::default(),
        files_dropped: false,
        already: Vec::new(),
        kinds: kinds(ctx.lang),
        limited: None,
        tag_help,
        preview: None,
        draft_saved: None,
        compose_js: crate::web::pages::compose_js_url(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ComposeQuery {
    c: String,
    kind: String,
}

pub(super) async fn compose_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ComposeQuery>,
) -> AppResult<Response> {
    if let Err(r) = ctx.require_login() {
        return Ok(r);
    }
    let postable = pubs::postable_communities(&state.db, ctx.user.as_ref()).await?;
    // The community it was opened from (`?c=slug`), or the only one there is.
    let preselected: Vec<i64> = postable
        .iter()
        .filter(|(c, _)| c.slug == q.c || postable.len() == 1)
        .map(|(c, _)| c.id)
        .collect();
    let kind = Kind::parse(&q.kind).unwrap_or(Kind::Discussion);
    // A saved draft is taken up as it was left (the community it was
    // opened from is added to its choices).
    let saved = match &ctx.user {
        Some(u) => pubs::drafts::load(&state.db, u.id).await?,
        None => None,
    };
    let (v, draft_saved) = match saved {
        Some(saved) => {
            let d = saved.draft;
            let mut communities = d.community_ids;
            for id in preselected {
                if !communities.contains(&id) {
                    communities.push(id);
                }
            }
            (
                ComposeValues {
                    kind: d.kind,
                    title: d.title,
                    body: d.body,
                    tags: d.tags,
                    link_url: d.link_url,
                    communities,
                },
                Some(saved.updated_at),
            )
        }
        None => (
            ComposeValues {
                kind: kind.as_str().into(),
                communities: preselected,
                ..ComposeValues::default()
            },
            None,
        ),
    };
    let mut p = compose_page(&state, &ctx, v, &postable, None).await?;
    p.draft_saved = draft_saved;
    Ok(page(&ctx, &p))
}

fn draft_of(v: &ComposeValues) -> pubs::Draft {
    pubs::Draft {
        kind: v.kind.clone(),
        title: v.title.clone(),
        body: v.body.clone(),
        tags: v.tags.clone(),
        link_url: v.link_url.clone(),
        community_ids: v.communities.clone(),
    }
}

/// The autosave of `static/compose.js`: the compose form's fields (no
/// files), saved as the person's draft. 204, or 422 with nothing kept.
pub(super) async fn draft_autosave(
    State(state): State<AppState>,
    ctx: Ctx,
    mp: Multipart,
) -> AppResult<Response> {
    let user = signed_in(&ctx)?;
    let form = read_multipart(mp, "files").await?;
    ctx.verify_csrf(&form.get("csrf"))?;
    let v = ComposeValues {
        kind: form.get("kind"),
        title: form.get("title"),
        body: form.get("body"),
        tags: form.get("tags"),
        link_url: form.get("link_url"),
        communities: form.ids("communities"),
    };
    pubs::drafts::save(&state, &Actor::person(&user), &draft_of(&v)).await?;
    Ok(ctx.finish(StatusCode::NO_CONTENT))
}

/// The compose form again, as typed (files must be chosen again).
async fn again(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    v: ComposeValues,
    files_sent: bool,
) -> AppResult<ComposePage> {
    let postable = pubs::postable_communities(&state.db, Some(user)).await?;
    let mut p = compose_page(state, ctx, v, &postable, None).await?;
    p.files_dropped = files_sent;
    Ok(p)
}

pub(super) async fn compose_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    mp: Multipart,
) -> AppResult<Response> {
    // Refuse anonymous posts before reading (up to 52 MB of) the body.
    let user = signed_in(&ctx)?;
    let form = read_multipart(mp, "files").await?;
    ctx.verify_csrf(&form.get("csrf"))?;
    let actor = Actor::person(&user);
    let mut v = ComposeValues {
        kind: form.get("kind"),
        title: form.get("title"),
        body: form.get("body"),
        tags: form.get("tags"),
        link_url: form.get("link_url"),
        communities: form.ids("communities"),
    };
    // "Prévisualiser", "Enregistrer le brouillon", "Supprimer le brouillon":
    // the form comes back as typed (files must be chosen again).
    match form.get("action").as_str() {
        "preview" => {
            let postable = pubs::postable_communities(&state.db, Some(&user)).await?;
            let html = crate::markdown::render(&v.body).html;
            let title = v.title.trim().to_string();
            let mut p = compose_page(&state, &ctx, v, &postable, None).await?;
            p.files_dropped = form.files_sent;
            p.preview = Some((title, html));
            return Ok(page(&ctx, &p));
        }
        "draft" => {
            let saved = pubs::drafts::save(&state, &actor, &draft_of(&v)).await;
            let mut p = again(&state, &ctx, &user, v, form.files_sent).await?;
            return match saved {
                Ok(()) => {
                    p.draft_saved = Some(crate::db::now());
                    Ok(page(&ctx, &p))
                }
                Err(AppError::Invalid { fields }) => {
                    for (f, k) in &fields {
                        p.errors.add(ctx.lang, f, k);
                    }
                    Ok(invalid(&ctx, &p))
                }
                Err(e) => Err(e),
            };
        }
        "discard" => {
            pubs::drafts::discard(&state.db, user.id).await?;
            ctx.flash("flash-draft-discarded");
            return Ok(ctx.redirect("/p/new"));
        }
        _ => {}
    }
    // "Suggest tags" or one of its suggestions (no JavaScript): the form
    // comes back as typed (files must be chosen again), nothing is checked.
    if let Some(ask) = tag_ask(&form) {
        if let TagAsk::Choose(label) = &ask {
            v.tags = complete_last_tag(&v.tags, label);
        }
        let postable = pubs::postable_communities(&state.db, Some(&user)).await?;
        let mut p = compose_page(&state, &ctx, v, &postable, Some(&ask)).await?;
        p.files_dropped = form.files_sent;
        return Ok(page(&ctx, &p));
    }
    let new = ops::NewPublication {
        draft: pubs::Draft {
            kind: v.kind.clone(),
            title: v.title.clone(),
            body: v.body.clone(),
            tags: v.tags.clone(),
            link_url: v.link_url.clone(),
            community_ids: v.communities.clone(),
        },
        communities: v
            .communities
            .iter()
            .map(|id| CommunityKey::Id(*id))
            .collect(),
    };
    let mut errors = FieldErrors::default();
    let valid = match ops::check_new(&state, &actor, &new).await {
        Ok(valid) => Some(valid),
        Err(AppError::Invalid { fields }) => {
            for (f, k) in &fields {
                errors.add(ctx.lang, f, k);
            }
            None
        }
        Err(e) => return Err(e),
    };
    for (name, key) in &form.refused {
        errors.add_text("files", file_error(ctx.lang, name, key));
    }
    if form.uploads.len() + form.refused.len() > files::MAX_FILES {
        errors.add(ctx.lang, "files", "attachment-too-many");
    }
    let (ready, refused) = if errors.has("files") {
        (Vec::new(), Vec::new())
    } else {
        pubs::prepare_uploads(&state.images, form.uploads).await?
    };
    for (name, key) in &refused {
        errors.add_text("files", file_error(ctx.lang, name, key));
    }
    let Some(valid) = valid.filter(|_| errors.is_empty()) else {
        let mut p = again(&state, &ctx, &user, v, form.files_sent).await?;
        p.errors = errors;
        return Ok(invalid(&ctx, &p));
    };
    match ops::create(&state, &actor, valid, ready).await {
        Ok(ops::Created::Published { id, preview_failed }) => {
            ctx.flash(if preview_failed {
                "flash-publication-created-no-preview"
            } else {
                "flash-publication-created"
            });
            Ok(ctx.redirect(&urls::publication(id)))
        }
        // A watch link already shared where the viewer can read it: say
        // where, offer to add to it.
        Ok(ops::Created::AlreadyShared { existing, chosen }) => {
            let mut p = again(&state, &ctx, &user, v, form.files_sent).await?;
            p.already = existing
                .into_iter()
                .map(|(ep, links)| {
                    let add: Vec<&Community> = chosen
                        .iter()
                        .filter(|c| !links.iter().any(|l| l.community.id == c.id))
                        .collect();
                    AlreadyShared {
                        path: ep.path(),
                        title: ep.title.clone(),
                        communities: links
                            .iter()
                            .map(|l| (l.community.name.clone(), l.community.path()))
                            .collect(),
                        add_ids: add.iter().map(|c| c.id).collect(),
                        add_names: add
                            .iter()
                            .map(|c| c.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    }
                })
                .collect();
            Ok(ctx.finish((StatusCode::CONFLICT, super::super::templates::html(&p))))
        }
        Err(AppError::TooManyRequests { retry_after }) => {
            let mut p = again(&state, &ctx, &user, v, form.files_sent).await?;
            p.limited = Some(limited_message(
                ctx.lang,
                "rate-limited-publications",
                retry_after,
            ));
            Ok(too_many(&ctx, retry_after, &p))
        }
        Err(e) => Err(e),
    }
}
