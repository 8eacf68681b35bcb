//! Lexicon pages (C9): the list with search by any label (`/lexicon`), a
//! term's page with its relations, resources and history
//! (`/lexicon/{slug}`), proposing and editing (forms that keep what was
//! typed), the editors' decision, and the SKOS exports (`/lexicon.ttl`,
//! `/lexicon.jsonld`). Handlers parse, call `crate::lexicon::ops`, render.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::lexicon::{self, Term, Values, ops, skos};
use crate::library::listing::{self, Filter, Scope};
use crate::policy::{self, Action};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::templates::{FieldErrors, Shell, invalid, page};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/lexicon", get(list))
        .route("/lexicon.ttl", get(turtle))
        .route("/lexicon.jsonld", get(json_ld))
        .route("/lexicon/new", get(new_form).post(new_submit))
        .route("/lexicon/{slug}", get(show))
        .route("/lexicon/{slug}/edit", get(edit_form).post(edit_submit))
        .route("/lexicon/{slug}/decide", post(decide))
        .route("/lexicon/{slug}/tags", post(tag_link))
        .route("/lexicon/{slug}/tags/{key}/remove", post(tag_unlink))
}

fn errors_of(lang: Lang, fields: &[(String, String)]) -> FieldErrors {
    let mut e = FieldErrors::default();
    for (f, k) in fields {
        e.add(lang, f, k);
    }
    e
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    q: String,
}

#[derive(Template)]
#[template(path = "lexicon/list.html")]
struct ListPage {
    s: Shell,
    q: String,
    terms: Vec<(String, String, String, bool)>,
    signed_in: bool,
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let en = ctx.lang == Lang::En;
    let terms = lexicon::list(&state.db, ctx.user.as_ref(), &q.q, 500).await?;
    let title = ctx.t("lexicon-title");
    let p = ListPage {
        s: Shell::new(&state, &ctx, &title, "library").crumb(title, crate::urls::lexicon()),
        q: q.q,
        terms: terms
            .iter()
            .map(|t| {
                (
                    t.path(),
                    t.label(en).to_string(),
                    t.alt_labels.join(", "),
                    t.status != "accepted",
                )
            })
            .collect(),
        signed_in: ctx.user.is_some(),
    };
    Ok(page(&ctx, &p))
}

async fn export_terms(state: &AppState) -> AppResult<(Vec<Term>, Vec<(i64, i64, String)>)> {
    // The export is public: accepted terms only, whoever asks.
    let terms = lexicon::list(&state.db, None, "", 100_000).await?;
    let rel = lexicon::all_relations(&state.db).await?;
    Ok((terms, rel))
}

async fn turtle(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let (terms, rel) = export_terms(&state).await?;
    let body = skos::turtle(
        &terms,
        &rel,
        &state.config.public_url(),
        &ctx.t("lexicon-title"),
    );
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/turtle; charset=utf-8"),
    );
    Ok(ctx.finish(res))
}

async fn json_ld(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let (terms, rel) = export_terms(&state).await?;
    let body = skos::json_ld(
        &terms,
        &rel,
        &state.config.public_url(),
        &ctx.t("lexicon-title"),
    )
    .to_string();
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/ld+json"),
    );
    Ok(ctx.finish(res))
}

// ---- one term ----------------------------------------------------------------------------

pub struct Change {
    pub field: String,
    pub before: String,
    pub after: String,
}

pub struct HistoryEntry {
    pub when: i64,
    pub author: String,
    pub note: String,
    pub changes: Vec<Change>,
}

#[derive(Template)]
#[template(path = "lexicon/show.html")]
struct ShowPage {
    s: Shell,
    t: Term,
    label: String,
    relations: Vec<(String, String, String)>,
    resources: Vec<(String, String)>,
    /// Tags linked to the term: (tag page, unlink action, label).
    tags: Vec<(String, String, String)>,
    /// Publications carrying them that the reader may find: (path, title).
    publications: Vec<(String, String)>,
    history: Vec<HistoryEntry>,
    /// A lexicon editor (links tags).
    editor: bool,
    can_edit: bool,
    can_decide: bool,
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let viewer = ctx.user.as_ref();
    let en = ctx.lang == Lang::En;
    let t = lexicon::by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if !t.visible_to(viewer) {
        return Err(AppError::NotFound);
    }
    let relations = lexicon::relations(&state.db, t.id)
        .await?
        .into_iter()
        .map(|(k, o)| {
            (
                ctx.t(&format!("lexicon-rel-{k}")),
                o.path(),
                o.label(en).to_string(),
            )
        })
        .collect();
    let f = Filter {
        subject: t.slug.clone(),
        ..Filter::default()
    };
    let l = listing::list(&state.db, viewer, Scope::All, &f, 1).await?;
    let resources = l
        .items
        .iter()
        .map(|r| (r.path(), r.title.clone()))
        .collect();
    let tags = lexicon::tags::of(&state.db, t.id)
        .await?
        .into_iter()
        .map(|(key, label)| {
            let href = crate::urls::tag(&key);
            let remove = format!("{}{}/remove", t.path(), href);
            (href, remove, label)
        })
        .collect();
    let publications = lexicon::tags::publications(&state.db, viewer, t.id).await?;
    let revs = lexicon::revisions(&state.db, t.id).await?;
    let mut history = Vec::new();
    for (i, r) in revs.iter().enumerate() {
        let changes = match revs.get(i + 1) {
            Some(prev) => lexicon::diff(&prev.snapshot, &r.snapshot)
                .into_iter()
                .map(|(f, b, a)| Change {
                    field: ctx.t(&format!("lexicon-field-{}", f.replace('_', "-"))),
                    before: b,
                    after: a,
                })
                .collect(),
            None => Vec::new(),
        };
        history.push(HistoryEntry {
            when: r.created_at,
            author: r.author.clone().unwrap_or_default(),
            note: r.note.clone(),
            changes,
        });
    }
    let own = t.status == "proposed" && viewer.is_some_and(|u| Some(u.id) == t.proposed_by);
    let editor = policy::can(viewer, Action::EditLexicon);
    let p = ShowPage {
        s: Shell::new(&state, &ctx, t.label(en), "library")
            .crumb(ctx.t("lexicon-title"), crate::urls::lexicon())
            .crumb(t.label(en).to_string(), t.path()),
        label: t.label(en).to_string(),
        relations,
        resources,
        tags,
        publications,
        history,
        editor,
        can_edit: editor || own,
        can_decide: editor && t.status == "proposed",
        t,
    };
    Ok(page(&ctx, &p))
}

// ---- propose and edit ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "lexicon/form.html")]
struct FormPage {
    s: Shell,
    action: String,
    v: Values,
    errors: FieldErrors,
    editing: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FormBody {
    csrf: String,
    #[serde(flatten)]
    v: Values,
}

fn form_page(
    state: &AppState,
    ctx: &Ctx,
    v: Values,
    errors: FieldErrors,
    editing: Option<&Term>,
) -> FormPage {
    let (title, action) = match editing {
        Some(t) => (ctx.t("lexicon-edit-title"), format!("{}/edit", t.path())),
        None => (ctx.t("lexicon-new-title"), "/lexicon/new".to_string()),
    };
    FormPage {
        s: Shell::new(state, ctx, &title, "library")
            .crumb(ctx.t("lexicon-title"), crate::urls::lexicon())
            .crumb(title, action.clone()),
        action,
        v,
        errors,
        editing: editing.is_some(),
    }
}

fn normalise(mut v: Values) -> Values {
    for s in [
        &mut v.alt_labels,
        &mut v.definition_fr,
        &mut v.definition_en,
        &mut v.sources,
        &mut v.sectors,
    ] {
        *s = s.replace("\r\n", "\n");
    }
    v
}

async fn new_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if ctx.user.is_none() {
        return Ok(ctx.redirect("/login?next=%2Flexicon%2Fnew"));
    }
    Ok(page(
        &ctx,
        &form_page(
            &state,
            &ctx,
            Values::default(),
            FieldErrors::default(),
            None,
        ),
    ))
}

async fn new_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<FormBody>,
) -> AppResult<Response> {
    let Some(u) = ctx.user.clone() else {
        return Ok(ctx.redirect("/login?next=%2Flexicon%2Fnew"));
    };
    ctx.verify_csrf(&f.csrf)?;
    let v = normalise(f.v);
    match ops::propose(&state, &Actor::person(&u), &v).await {
        Ok(t) => {
            ctx.flash(if t.status == "accepted" {
                "flash-term-added"
            } else {
                "flash-term-proposed"
            });
            Ok(ctx.redirect(&t.path()))
        }
        Err(AppError::Invalid { fields }) => {
            let p = form_page(&state, &ctx, v, errors_of(ctx.lang, &fields), None);
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    let t = ops::load_for(&state, &Actor::person(&u), &slug).await?;
    let rel = lexicon::relations(&state.db, t.id).await?;
    let v = Values::of(&t, &rel);
    Ok(page(
        &ctx,
        &form_page(&state, &ctx, v, FieldErrors::default(), Some(&t)),
    ))
}

async fn edit_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<FormBody>,
) -> AppResult<Response> {
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    ctx.verify_csrf(&f.csrf)?;
    let actor = Actor::person(&u);
    let t = ops::load_for(&state, &actor, &slug).await?;
    let v = normalise(f.v);
    match ops::edit(&state, &actor, &slug, &v).await {
        Ok(t) => {
            ctx.flash("flash-term-saved");
            Ok(ctx.redirect(&t.path()))
        }
        Err(AppError::Invalid { fields }) => {
            let p = form_page(&state, &ctx, v, errors_of(ctx.lang, &fields), Some(&t));
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DecideForm {
    csrf: String,
    decision: String,
    note: String,
}

async fn decide(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<DecideForm>,
) -> AppResult<Response> {
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    ctx.verify_csrf(&f.csrf)?;
    let t = ops::decide(
        &state,
        &Actor::person(&u),
        &slug,
        f.decision == "accept",
        &f.note,
    )
    .await?;
    ctx.flash(if t.status == "accepted" {
        "flash-term-accepted"
    } else {
        "flash-term-refused"
    });
    Ok(ctx.redirect(&t.path()))
}

// ---- tags linked to a term -------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct TagForm {
    csrf: String,
    tag: String,
}

async fn tag_link(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<TagForm>,
) -> AppResult<Response> {
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    ctx.verify_csrf(&f.csrf)?;
    let back = crate::urls::term(&slug);
    match lexicon::tags::link(&state, &Actor::person(&u), &slug, &f.tag).await {
        Ok(_) => ctx.flash("flash-term-tag-linked"),
        Err(AppError::Invalid { .. }) => ctx.flash("flash-term-tag-invalid"),
        Err(e) => return Err(e),
    }
    Ok(ctx.redirect(&back))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CsrfForm {
    csrf: String,
}

async fn tag_unlink(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, key)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    ctx.verify_csrf(&f.csrf)?;
    lexicon::tags::unlink(&state, &Actor::person(&u), &slug, &key).await?;
    ctx.flash("flash-term-tag-unlinked");
    Ok(ctx.redirect(&crate::urls::term(&slug)))
}
