//! One resource: its page, the contribute and edit forms (multipart, files
//! in the same form; a refused form comes back with everything typed),
//! new file versions, downloads through the policy, removal, citations.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::{Format, citation_response, entries, errors_of, kind_label, kind_opts};
use crate::actor::Actor;
use crate::edge::{MultipartForm, download_response, read_multipart};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::library::files::ResourceFile;
use crate::library::ops::{self, Placement};
use crate::library::{self, LANGUAGES, Loaded, Values};
use crate::policy::{self, Action};
use crate::web::AppState;
use crate::web::ctx::CsrfForm;
use crate::web::ctx::Ctx;
use crate::web::templates::{FieldErrors, Shell, invalid, page};

fn parse_id(s: &str) -> AppResult<i64> {
    s.parse().map_err(|_| AppError::NotFound)
}

// ---- the page ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "library/show.html")]
struct ShowPage {
    s: Shell,
    r: library::Resource,
    kind: String,
    language: String,
    subjects: Vec<(String, String)>,
    coverage: Vec<(String, String)>,
    communities: Vec<(String, String)>,
    files: Vec<ResourceFile>,
    deadline_passed: bool,
    can_edit: bool,
    errors: FieldErrors,
    /// The cited link's last check (`library::links`): dead ones say so
    /// and offer the snapshot.
    link: Option<crate::library::links::LinkCheck>,
}

fn language_label(lang: Lang, code: &str) -> String {
    if LANGUAGES.contains(&code) {
        lang.t(&format!("library-language-{code}"))
    } else {
        code.to_string()
    }
}

async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    l: Loaded,
    errors: FieldErrors,
) -> AppResult<ShowPage> {
    let viewer = ctx.user.as_ref();
    let lang = ctx.lang;
    let subjects = library::subjects_of(&state.db, l.r.id)
        .await?
        .into_iter()
        .map(|(slug, fr, en)| {
            (
                crate::urls::term(&slug),
                if lang == Lang::En && !en.is_empty() {
                    en
                } else {
                    fr
                },
            )
        })
        .collect();
    let coverage = library::coverage_of(&state.db, l.r.id)
        .await?
        .into_iter()
        .map(|(slug, name)| (crate::urls::territory(&slug), name))
        .collect();
    let communities = l
        .shown_communities(viewer)
        .into_iter()
        .map(|c| (crate::urls::community_library(&c.slug), c.name.clone()))
        .collect();
    let files = library::files::of(&state.db, l.r.id).await?;
    let can_edit = l.editable_by(viewer);
    let link = if l.r.source_url.is_empty() {
        None
    } else {
        crate::library::links::by_url(&state.db, &l.r.source_url).await?
    };
    let mut shell = Shell::new(state, ctx, &l.r.title, "library")
        .crumb(ctx.t("library-title"), crate::urls::library());
    shell = shell.crumb(l.r.title.clone(), l.r.path());
    Ok(ShowPage {
        s: shell,
        kind: kind_label(lang, &l.r.kind),
        language: language_label(lang, &l.r.language),
        subjects,
        coverage,
        communities,
        files,
        deadline_passed: l.r.deadline_at.is_some_and(|d| d < crate::db::now()),
        can_edit,
        errors,
        link,
        r: l.r,
    })
}

#[derive(Template)]
#[template(path = "library/snapshot.html")]
struct SnapshotPage {
    s: Shell,
    /// What cited the link: (title, path), to go back to.
    back_title: String,
    back: String,
    link: crate::library::links::LinkCheck,
}

/// The page of a kept copy of a cited link, for whatever cited it (a
/// resource, a publication), once the caller asked the policy.
pub fn snapshot_page(
    state: &AppState,
    ctx: &Ctx,
    link: crate::library::links::LinkCheck,
    back_title: String,
    back: String,
) -> Response {
    let title = ctx.t("library-snapshot-title");
    let s = Shell::new(state, ctx, &title, "").crumb(back_title.clone(), back.clone());
    page(
        ctx,
        &SnapshotPage {
            s,
            back_title,
            back,
            link,
        },
    )
}

/// The snapshot of a resource's cited page, through the resource (the
/// policy first): 404 when there is none.
pub(super) async fn snapshot(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let l = ops::read(&state, ctx.user.as_ref(), parse_id(&id)?).await?;
    let link = match l.r.source_url.as_str() {
        "" => None,
        url => crate::library::links::by_url(&state.db, url).await?,
    }
    .filter(|k| k.has_snapshot())
    .ok_or(AppError::NotFound)?;
    Ok(snapshot_page(
        &state,
        &ctx,
        link,
        l.r.title.clone(),
        l.r.path(),
    ))
}

pub(super) async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let l = ops::read(&state, ctx.user.as_ref(), parse_id(&id)?).await?;
    let p = show_page(&state, &ctx, l, FieldErrors::default()).await?;
    Ok(page(&ctx, &p))
}

pub(super) async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file_id)): Path<(String, String)>,
) -> AppResult<Response> {
    let (f, bytes) = ops::file_bytes(
        &state,
        ctx.user.as_ref(),
        parse_id(&id)?,
        parse_id(&file_id)?,
    )
    .await?;
    Ok(ctx.finish(download_response(&f.name, &f.content_type, bytes)))
}

pub(super) async fn cite(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    format: Format,
) -> AppResult<Response> {
    let l = ops::read(&state, ctx.user.as_ref(), parse_id(&id)?).await?;
    let items = vec![l.r];
    let e = entries(&state, &items, ctx.lang == Lang::En).await?;
    Ok(citation_response(
        &ctx,
        format,
        &e,
        &format!("ressource-{}", items[0].id),
    ))
}

// ---- contribute and edit -----------------------------------------------------------------

#[derive(Template)]
#[template(path = "library/form.html")]
struct FormPage {
    s: Shell,
    action: String,
    v: Values,
    errors: FieldErrors,
    kinds: Vec<(String, String)>,
    languages: Vec<(String, String)>,
    /// Community slugs, separated by commas (new resources only).
    communities: String,
    library: bool,
    may_curate: bool,
    editing: bool,
}

fn form_page(
    state: &AppState,
    ctx: &Ctx,
    v: Values,
    errors: FieldErrors,
    place: &Placement,
    editing: Option<&library::Resource>,
) -> FormPage {
    let (title, action) = match editing {
        Some(r) => (ctx.t("library-edit-title"), format!("{}/edit", r.path())),
        None => (ctx.t("library-new-title"), "/library/new".to_string()),
    };
    FormPage {
        s: Shell::new(state, ctx, &title, "library")
            .crumb(ctx.t("library-title"), crate::urls::library())
            .crumb(title, action.clone()),
        action,
        v,
        errors,
        kinds: kind_opts(ctx.lang),
        languages: LANGUAGES
            .iter()
            .map(|l| (l.to_string(), ctx.lang.t(&format!("library-language-{l}"))))
            .collect(),
        communities: place.communities.join(", "),
        library: place.library,
        may_curate: policy::can(ctx.user.as_ref(), Action::CurateLibrary),
        editing: editing.is_some(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct NewQuery {
    community: String,
    library: String,
}

pub(super) async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    if ctx.user.is_none() {
        return Ok(ctx.redirect("/login?next=%2Flibrary%2Fnew"));
    }
    let place = Placement {
        communities: if q.community.is_empty() {
            vec![]
        } else {
            vec![q.community.clone()]
        },
        library: q.library == "1",
    };
    let v = Values {
        kind: "document".into(),
        ..Values::default()
    };
    Ok(page(
        &ctx,
        &form_page(&state, &ctx, v, FieldErrors::default(), &place, None),
    ))
}

fn values_of(f: &MultipartForm) -> Values {
    let nl = |s: String| s.replace("\r\n", "\n");
    Values {
        kind: f.get("kind"),
        title: f.get("title"),
        creators: nl(f.get("creators")),
        publisher: f.get("publisher"),
        issued: f.get("issued"),
        language: f.get("language"),
        licence: f.get("licence"),
        source_url: f.get("source_url"),
        description: nl(f.get("description")),
        subjects: f.get("subjects"),
        coverage: f.get("coverage"),
        deadline: f.get("deadline"),
        eligibility: nl(f.get("eligibility")),
        amount: f.get("amount"),
    }
}

fn refused_errors(lang: Lang, f: &MultipartForm) -> Option<FieldErrors> {
    let (_, key) = f.refused.first()?;
    Some(errors_of(lang, &[("files".to_string(), key.to_string())]))
}

pub(super) async fn new_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    mp: Multipart,
) -> AppResult<Response> {
    let Some(u) = ctx.user.clone() else {
        return Ok(ctx.redirect("/login?next=%2Flibrary%2Fnew"));
    };
    let f = read_multipart(mp, "files").await?;
    ctx.verify_csrf(&f.get("csrf"))?;
    let v = values_of(&f);
    let place = Placement {
        communities: f
            .get("communities")
            .split(',')
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
            .collect(),
        library: f.get("library") == "1",
    };
    if let Some(errors) = refused_errors(ctx.lang, &f) {
        return Ok(invalid(
            &ctx,
            &form_page(&state, &ctx, v, errors, &place, None),
        ));
    }
    match ops::create(&state, &Actor::person(&u), &v, &place, f.uploads).await {
        Ok(l) => {
            let mut ctx = ctx;
            ctx.flash("flash-resource-created");
            Ok(ctx.redirect(&l.r.path()))
        }
        Err(AppError::Invalid { fields }) => {
            let errors = errors_of(ctx.lang, &fields);
            Ok(invalid(
                &ctx,
                &form_page(&state, &ctx, v, errors, &place, None),
            ))
        }
        Err(e) => Err(e),
    }
}

async fn editable(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
) -> AppResult<(crate::accounts::User, Loaded)> {
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    let l = ops::read(state, Some(&u), parse_id(id)?).await?;
    if !l.editable_by(Some(&u)) {
        return Err(AppError::Forbidden);
    }
    Ok((u, l))
}

pub(super) async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (_, l) = editable(&state, &ctx, &id).await?;
    let subjects = library::subjects_of(&state.db, l.r.id).await?;
    let coverage = library::coverage_of(&state.db, l.r.id).await?;
    let v = Values::of(&l.r, &subjects, &coverage);
    let p = form_page(
        &state,
        &ctx,
        v,
        FieldErrors::default(),
        &Placement::default(),
        Some(&l.r),
    );
    Ok(page(&ctx, &p))
}

pub(super) async fn edit_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    mp: Multipart,
) -> AppResult<Response> {
    let (u, l) = editable(&state, &ctx, &id).await?;
    let f = read_multipart(mp, "files").await?;
    ctx.verify_csrf(&f.get("csrf"))?;
    let v = values_of(&f);
    match ops::update(&state, &Actor::person(&u), l.r.id, &v).await {
        Ok(l) => {
            let mut ctx = ctx;
            ctx.flash("flash-resource-saved");
            Ok(ctx.redirect(&l.r.path()))
        }
        Err(AppError::Invalid { fields }) => {
            let errors = errors_of(ctx.lang, &fields);
            Ok(invalid(
                &ctx,
                &form_page(&state, &ctx, v, errors, &Placement::default(), Some(&l.r)),
            ))
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn files_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    mp: Multipart,
) -> AppResult<Response> {
    let (u, l) = editable(&state, &ctx, &id).await?;
    let f = read_multipart(mp, "files").await?;
    ctx.verify_csrf(&f.get("csrf"))?;
    let refused = refused_errors(ctx.lang, &f);
    let result = match refused {
        Some(errors) => Err(errors),
        None => match ops::add_files(&state, &Actor::person(&u), l.r.id, f.uploads).await {
            Ok(_) => Ok(()),
            Err(AppError::Invalid { fields }) => Err(errors_of(ctx.lang, &fields)),
            Err(e) => return Err(e),
        },
    };
    match result {
        Ok(()) => {
            let mut ctx = ctx;
            ctx.flash("flash-resource-files-added");
            Ok(ctx.redirect(&l.r.path()))
        }
        Err(errors) => {
            let p = show_page(&state, &ctx, l, errors).await?;
            Ok(invalid(&ctx, &p))
        }
    }
}

pub(super) async fn remove_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<CsrfForm>,
) -> AppResult<Response> {
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    ctx.verify_csrf(&f.csrf)?;
    ops::remove(&state, &Actor::person(&u), parse_id(&id)?).await?;
    ctx.flash("flash-resource-removed");
    Ok(ctx.redirect(&crate::urls::library()))
}
