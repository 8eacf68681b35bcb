//! Community wiki pages (C19): the outline (`/c/{slug}/wiki`), a page with
//! its breadcrumbs and sub-pages, the create and edit forms (an edit names
//! the revision it started from; when someone saved in between, the form
//! comes back with what was typed and a side-by-side diff against the
//! page as it is now, nothing overwritten), the history with restore, and
//! the side-by-side diff of two revisions. Handlers parse, call
//! `crate::wiki::ops`, render.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::errors_of;
use crate::communities::access::Loaded;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::web::AppState;
use crate::web::ctx::CsrfForm;
use crate::web::ctx::Ctx;
use crate::web::templates::{FieldErrors, Shell, html, invalid, page};
use crate::wiki::diff::{self, Row};
use crate::wiki::ops::{self, Saved, Values};
use crate::wiki::{self, Node, Page};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/c/{slug}/wiki", get(index))
        .route("/c/{slug}/wiki/new", get(new_form).post(new_submit))
        .route("/c/{slug}/wiki/{page}", get(show))
        .route(
            "/c/{slug}/wiki/{page}/edit",
            get(edit_form).post(edit_submit),
        )
        .route("/c/{slug}/wiki/{page}/history", get(history))
        .route("/c/{slug}/wiki/{page}/diff", get(compare))
        .route("/c/{slug}/wiki/{page}/restore", post(restore))
        .route("/c/{slug}/wiki/{page}/delete", post(delete))
}

fn shell(state: &AppState, ctx: &Ctx, l: &Loaded, title: &str) -> Shell {
    Shell::new(
        state,
        ctx,
        &format!("{title} · {}", l.c.name),
        "communities",
    )
    .crumb(ctx.t("community-nav"), "/c")
    .crumb(l.c.name.clone(), l.c.path())
    .crumb(ctx.t("wiki-title"), crate::urls::wiki(&l.c.slug))
}

/// The shell of a page: the community, the wiki, the page's ancestors, the page.
fn page_shell(
    state: &AppState,
    ctx: &Ctx,
    l: &Loaded,
    nodes: &[Node],
    p: &Page,
    title: &str,
) -> Shell {
    let mut s = shell(state, ctx, l, title);
    for a in wiki::ancestors(nodes, p.parent_id) {
        s = s.crumb(a.title, crate::urls::wiki_page(&l.c.slug, &a.slug));
    }
    s.crumb(p.title.clone(), crate::urls::wiki_page(&l.c.slug, &p.slug))
}

fn can_edit(ctx: &Ctx, l: &Loaded) -> bool {
    policy::can(
        ctx.user.as_ref(),
        Action::EditCommunitySpace {
            c: &l.facts,
            m: l.m,
        },
    )
}

// ---- the outline and one page -------------------------------------------------------------

#[derive(Template)]
#[template(path = "wiki/index.html")]
struct IndexPage {
    s: Shell,
    new_link: Option<String>,
    /// (depth, href, title)
    outline: Vec<(usize, String, String)>,
}

async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let l = ops::open(&state, ctx.user.as_ref(), &slug).await?;
    let nodes = wiki::tree(&state.db, l.c.id).await?;
    let p = IndexPage {
        s: shell(&state, &ctx, &l, &ctx.t("wiki-title")),
        new_link: can_edit(&ctx, &l).then(|| crate::urls::wiki_new(&l.c.slug)),
        outline: wiki::outline(&nodes)
            .into_iter()
            .map(|(d, n)| (d, crate::urls::wiki_page(&l.c.slug, &n.slug), n.title))
            .collect(),
    };
    Ok(page(&ctx, &p))
}

#[derive(Template)]
#[template(path = "wiki/show.html")]
struct ShowPage {
    s: Shell,
    p: Page,
    base: String,
    body_html: String,
    children: Vec<(String, String)>,
    can_edit: bool,
    can_delete: bool,
    new_child: String,
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, page_slug)): Path<(String, String)>,
) -> AppResult<Response> {
    let (l, p) = ops::page(&state, ctx.user.as_ref(), &slug, &page_slug).await?;
    let nodes = wiki::tree(&state.db, l.c.id).await?;
    let body_html = wiki::render(&p.body, &l.c.slug, &nodes);
    let children = nodes
        .iter()
        .filter(|n| n.parent_id == Some(p.id))
        .map(|n| (crate::urls::wiki_page(&l.c.slug, &n.slug), n.title.clone()))
        .collect();
    let sp = ShowPage {
        s: page_shell(&state, &ctx, &l, &nodes, &p, &p.title),
        base: crate::urls::wiki_page(&l.c.slug, &p.slug),
        body_html,
        children,
        can_edit: can_edit(&ctx, &l),
        can_delete: policy::can(
            ctx.user.as_ref(),
            Action::ModerateCommunitySpace {
                c: &l.facts,
                m: l.m,
            },
        ),
        new_child: format!("{}?parent={}", crate::urls::wiki_new(&l.c.slug), p.slug),
        p,
    };
    Ok(page(&ctx, &sp))
}

// ---- create and edit ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "wiki/form.html")]
struct FormPage {
    s: Shell,
    action: String,
    cancel: String,
    v: Values,
    errors: FieldErrors,
    /// (slug, title) of the pages that may be the parent.
    parents: Vec<(String, String)>,
    /// Set when the page moved on since the form was opened: the page as
    /// it is now and the rows of its diff against what was typed.
    conflict: Option<(Page, Vec<Row>)>,
}

/// The form's fields (not `#[serde(flatten)]`: a flattened form reads
/// every value as text, and the revision is a number).
#[derive(Deserialize, Default)]
#[serde(default)]
struct FormBody {
    csrf: String,
    title: String,
    body: String,
    parent: String,
    note: String,
    base_revision: i64,
}

impl FormBody {
    fn values(&self) -> Values {
        Values {
            title: self.title.clone(),
            body: self.body.replace("\r\n", "\n"),
            parent: self.parent.clone(),
            note: self.note.clone(),
            base_revision: self.base_revision,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    title: String,
    parent: String,
}

fn parents(nodes: &[Node], except: Option<i64>) -> Vec<(String, String)> {
    wiki::outline(nodes)
        .into_iter()
        .filter(|(_, n)| {
            except.is_none_or(|e| {
                n.id != e && !wiki::ancestors(nodes, Some(n.id)).iter().any(|a| a.id == e)
            })
        })
        .map(|(d, n)| (n.slug, format!("{}{}", "— ".repeat(d), n.title)))
        .collect()
}

fn login(ctx: &Ctx, back: &str) -> Response {
    let next: String =
        percent_encoding::utf8_percent_encode(back, percent_encoding::NON_ALPHANUMERIC).to_string();
    ctx.redirect(&format!("/login?next={next}"))
}

async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    if ctx.user.is_none() {
        return Ok(login(&ctx, &crate::urls::wiki_new(&slug)));
    }
    let l = ops::writable(&state, &ctx.acting()?, &slug).await?;
    let nodes = wiki::tree(&state.db, l.c.id).await?;
    let title = ctx.t("wiki-new-title");
    let p = FormPage {
        s: shell(&state, &ctx, &l, &title).crumb(title.clone(), crate::urls::wiki_new(&l.c.slug)),
        action: crate::urls::wiki_new(&l.c.slug),
        cancel: crate::urls::wiki(&l.c.slug),
        v: Values {
            title: q.title,
            parent: q.parent,
            ..Values::default()
        },
        errors: FieldErrors::default(),
        parents: parents(&nodes, None),
        conflict: None,
    };
    Ok(page(&ctx, &p))
}

async fn new_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<FormBody>,
) -> AppResult<Response> {
    if ctx.user.is_none() {
        return Ok(login(&ctx, &crate::urls::wiki_new(&slug)));
    }
    ctx.verify_csrf(&f.csrf)?;
    let v = f.values();
    match ops::create(&state, &ctx.acting()?, &slug, &v).await {
        Ok(p) => {
            ctx.flash("flash-wiki-created");
            Ok(ctx.redirect(&crate::urls::wiki_page(&slug, &p.slug)))
        }
        Err(AppError::Invalid { fields }) => {
            let l = ops::writable(&state, &ctx.acting()?, &slug).await?;
            let nodes = wiki::tree(&state.db, l.c.id).await?;
            let title = ctx.t("wiki-new-title");
            let p = FormPage {
                s: shell(&state, &ctx, &l, &title)
                    .crumb(title.clone(), crate::urls::wiki_new(&l.c.slug)),
                action: crate::urls::wiki_new(&l.c.slug),
                cancel: crate::urls::wiki(&l.c.slug),
                v,
                errors: errors_of(ctx.lang, &fields),
                parents: parents(&nodes, None),
                conflict: None,
            };
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

async fn edit_page(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    page_slug: &str,
) -> AppResult<(Loaded, Page, Vec<Node>)> {
    let (l, p) = ops::page(state, ctx.user.as_ref(), slug, page_slug).await?;
    if !can_edit(ctx, &l) {
        return Err(AppError::Forbidden);
    }
    let nodes = wiki::tree(&state.db, l.c.id).await?;
    Ok((l, p, nodes))
}

fn edit_form_page(
    state: &AppState,
    ctx: &Ctx,
    l: &Loaded,
    nodes: &[Node],
    p: &Page,
    v: Values,
    errors: FieldErrors,
    conflict: Option<(Page, Vec<Row>)>,
) -> FormPage {
    let title = ctx.t("wiki-edit-title");
    let base = crate::urls::wiki_page(&l.c.slug, &p.slug);
    FormPage {
        s: page_shell(state, ctx, l, nodes, p, &title).crumb(title.clone(), format!("{base}/edit")),
        action: format!("{base}/edit"),
        cancel: base,
        v,
        errors,
        parents: parents(nodes, Some(p.id)),
        conflict,
    }
}

async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, page_slug)): Path<(String, String)>,
) -> AppResult<Response> {
    if ctx.user.is_none() {
        return Ok(login(
            &ctx,
            &format!("{}/edit", crate::urls::wiki_page(&slug, &page_slug)),
        ));
    }
    let (l, p, nodes) = edit_page(&state, &ctx, &slug, &page_slug).await?;
    let parent = nodes
        .iter()
        .find(|n| Some(n.id) == p.parent_id)
        .map(|n| n.slug.clone())
        .unwrap_or_default();
    let v = Values {
        title: p.title.clone(),
        body: p.body.clone(),
        parent,
        note: String::new(),
        base_revision: p.revision_id,
    };
    Ok(page(
        &ctx,
        &edit_form_page(
            &state,
            &ctx,
            &l,
            &nodes,
            &p,
            v,
            FieldErrors::default(),
            None,
        ),
    ))
}

async fn edit_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, page_slug)): Path<(String, String)>,
    Form(f): Form<FormBody>,
) -> AppResult<Response> {
    if ctx.user.is_none() {
        return Err(AppError::Unauthorized);
    }
    ctx.verify_csrf(&f.csrf)?;
    let mut v = f.values();
    match ops::edit(&state, &ctx.acting()?, &slug, &page_slug, &v).await {
        Ok(Saved::Page(p)) => {
            ctx.flash("flash-wiki-saved");
            Ok(ctx.redirect(&crate::urls::wiki_page(&slug, &p.slug)))
        }
        Ok(Saved::Conflict(now)) => {
            let (l, p, nodes) = edit_page(&state, &ctx, &slug, &page_slug).await?;
            let rows = diff::side_by_side(&now.body, &v.body, 3);
            // Saving again from here replaces the page as it is now, which
            // the editor has seen.
            v.base_revision = now.revision_id;
            let fp = edit_form_page(
                &state,
                &ctx,
                &l,
                &nodes,
                &p,
                v,
                FieldErrors::default(),
                Some((now, rows)),
            );
            let mut res = html(&fp);
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(ctx.finish(res))
        }
        Err(AppError::Invalid { fields }) => {
            let (l, p, nodes) = edit_page(&state, &ctx, &slug, &page_slug).await?;
            let fp = edit_form_page(
                &state,
                &ctx,
                &l,
                &nodes,
                &p,
                v,
                errors_of(ctx.lang, &fields),
                None,
            );
            Ok(invalid(&ctx, &fp))
        }
        Err(e) => Err(e),
    }
}

// ---- history, diff, restore, delete -------------------------------------------------------

pub struct HistoryRow {
    pub id: i64,
    pub when: i64,
    pub author: String,
    pub note: String,
    pub restored_from: Option<i64>,
    pub current: bool,
    /// The diff with the revision before it, when there is one.
    pub diff: Option<String>,
}

#[derive(Template)]
#[template(path = "wiki/history.html")]
struct HistoryPage {
    s: Shell,
    base: String,
    rows: Vec<HistoryRow>,
    can_edit: bool,
}

async fn history(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, page_slug)): Path<(String, String)>,
) -> AppResult<Response> {
    let (l, p) = ops::page(&state, ctx.user.as_ref(), &slug, &page_slug).await?;
    let nodes = wiki::tree(&state.db, l.c.id).await?;
    let revs = wiki::revisions(&state.db, p.id).await?;
    let base = crate::urls::wiki_page(&l.c.slug, &p.slug);
    let rows = revs
        .iter()
        .enumerate()
        .map(|(i, r)| HistoryRow {
            id: r.id,
            when: r.created_at,
            author: r.author.clone().unwrap_or_default(),
            note: r.note.clone(),
            restored_from: r.restored_from,
            current: r.id == p.revision_id,
            diff: revs
                .get(i + 1)
                .map(|prev| format!("{base}/diff?from={}&to={}", prev.id, r.id)),
        })
        .collect();
    let title = ctx.t("wiki-history-title");
    let hp = HistoryPage {
        s: page_shell(&state, &ctx, &l, &nodes, &p, &title)
            .crumb(title.clone(), format!("{base}/history")),
        base,
        rows,
        can_edit: can_edit(&ctx, &l),
    };
    Ok(page(&ctx, &hp))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DiffQuery {
    from: i64,
    to: i64,
}

#[derive(Template)]
#[template(path = "wiki/diff.html")]
struct DiffPage {
    s: Shell,
    base: String,
    from: wiki::Revision,
    to: wiki::Revision,
    rows: Vec<Row>,
}

async fn compare(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, page_slug)): Path<(String, String)>,
    Query(q): Query<DiffQuery>,
) -> AppResult<Response> {
    let (l, p) = ops::page(&state, ctx.user.as_ref(), &slug, &page_slug).await?;
    let nodes = wiki::tree(&state.db, l.c.id).await?;
    let revs = wiki::revisions(&state.db, p.id).await?;
    let find = |id: i64| {
        revs.iter()
            .find(|r| r.id == id)
            .cloned()
            .ok_or(AppError::NotFound)
    };
    let (from, to) = (find(q.from)?, find(q.to)?);
    let base = crate::urls::wiki_page(&l.c.slug, &p.slug);
    let title = ctx.t("wiki-diff-title");
    let dp = DiffPage {
        s: page_shell(&state, &ctx, &l, &nodes, &p, &title).crumb(
            title.clone(),
            format!("{base}/diff?from={}&to={}", from.id, to.id),
        ),
        base,
        rows: diff::side_by_side(&from.body, &to.body, 3),
        from,
        to,
    };
    Ok(page(&ctx, &dp))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RestoreForm {
    csrf: String,
    revision: i64,
}

async fn restore(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, page_slug)): Path<(String, String)>,
    Form(f): Form<RestoreForm>,
) -> AppResult<Response> {
    if ctx.user.is_none() {
        return Err(AppError::Unauthorized);
    }
    ctx.verify_csrf(&f.csrf)?;
    let p = ops::restore(&state, &ctx.acting()?, &slug, &page_slug, f.revision).await?;
    ctx.flash("flash-wiki-restored");
    Ok(ctx.redirect(&crate::urls::wiki_page(&slug, &p.slug)))
}

async fn delete(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, page_slug)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    if ctx.user.is_none() {
        return Err(AppError::Unauthorized);
    }
    ctx.verify_csrf(&f.csrf)?;
    ops::delete(&state, &ctx.acting()?, &slug, &page_slug).await?;
    ctx.flash("flash-wiki-deleted");
    Ok(ctx.redirect(&crate::urls::wiki(&slug)))
}
