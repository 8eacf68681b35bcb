//! Library pages (C7, C8): the instance library (`/library`) and each
//! community's (`/c/{slug}/library`) with facets, a resource's permanent
//! page (`/r/{id}`), contributing and editing (forms that keep what was
//! typed, files in the same form), file versions and downloads, citation
//! exports (BibTeX, RIS, CSL-JSON) of one resource or a filtered list,
//! and dossiers (`dossiers.rs`). Handlers parse, call
//! `crate::library::ops`, render.

mod dossiers;
mod lexicon;
mod resource;
mod space;
mod wiki;

pub use resource::snapshot_page;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::AppState;
use super::ctx::Ctx;
use super::templates::{FieldErrors, Shell, page};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::library::cite::{self, Entry};
use crate::library::listing::{self, Filter, Listing, Scope};
use crate::library::{KINDS, Resource};
use crate::policy::{self, Action};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/library", get(instance_library))
        .route(
            "/library/export.bib",
            get(|s, c, q| export(s, c, q, None, Format::Bib)),
        )
        .route(
            "/library/export.ris",
            get(|s, c, q| export(s, c, q, None, Format::Ris)),
        )
        .route(
            "/library/export.json",
            get(|s, c, q| export(s, c, q, None, Format::Csl)),
        )
        .route("/c/{slug}/library", get(community_library))
        .route(
            "/c/{slug}/library/export.bib",
            get(|s, c, p: Path<String>, q| export(s, c, q, Some(p.0), Format::Bib)),
        )
        .route(
            "/c/{slug}/library/export.ris",
            get(|s, c, p: Path<String>, q| export(s, c, q, Some(p.0), Format::Ris)),
        )
        .route(
            "/c/{slug}/library/export.json",
            get(|s, c, p: Path<String>, q| export(s, c, q, Some(p.0), Format::Csl)),
        )
        .route(
            "/library/new",
            get(resource::new_form).post(resource::new_submit),
        )
        .route("/r/{id}", get(resource::show))
        .route(
            "/r/{id}/edit",
            get(resource::edit_form).post(resource::edit_submit),
        )
        .route("/r/{id}/files", post(resource::files_submit))
        .route("/r/{id}/files/{file_id}", get(resource::download))
        .route("/r/{id}/remove", post(resource::remove_submit))
        .route("/r/{id}/snapshot", get(resource::snapshot))
        .route(
            "/r/{id}/cite.bib",
            get(|s, c, p| resource::cite(s, c, p, Format::Bib)),
        )
        .route(
            "/r/{id}/cite.ris",
            get(|s, c, p| resource::cite(s, c, p, Format::Ris)),
        )
        .route(
            "/r/{id}/cite.json",
            get(|s, c, p| resource::cite(s, c, p, Format::Csl)),
        )
        .merge(dossiers::router())
        .merge(lexicon::router())
        .merge(wiki::router())
        .merge(space::router())
}

pub(super) fn errors_of(lang: Lang, fields: &[(String, String)]) -> FieldErrors {
    let mut e = FieldErrors::default();
    for (f, k) in fields {
        e.add(lang, f, k);
    }
    e
}

pub(super) fn kind_label(lang: Lang, code: &str) -> String {
    lang.t(&format!("library-kind-{code}"))
}

/// A citation format.
#[derive(Debug, Clone, Copy)]
pub enum Format {
    Bib,
    Ris,
    Csl,
}

/// Entries for the citation exports (`library::cite::entries`).
pub(super) async fn entries<'a>(
    state: &AppState,
    items: &'a [Resource],
    english: bool,
) -> AppResult<Vec<Entry<'a>>> {
    Ok(cite::entries(&state.db, &state.config.public_url(), items, english).await?)
}

pub(super) fn citation_response(
    ctx: &Ctx,
    format: Format,
    entries: &[Entry],
    stem: &str,
) -> Response {
    let (body, ct, ext) = match format {
        Format::Bib => (
            cite::bibtex(entries),
            "application/x-bibtex; charset=utf-8",
            "bib",
        ),
        Format::Ris => (
            cite::ris(entries),
            "application/x-research-info-systems; charset=utf-8",
            "ris",
        ),
        Format::Csl => (
            cite::csl_json(entries).to_string(),
            "application/vnd.citationstyles.csl+json; charset=utf-8",
            "json",
        ),
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{stem}.{ext}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    ctx.finish(res)
}

// ---- the libraries -----------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct ListQuery {
    q: String,
    kind: String,
    subject: String,
    territory: String,
    language: String,
    year: String,
    open: String,
    sort: String,
    page: String,
}

impl ListQuery {
    fn filter(&self) -> Filter {
        Filter {
            q: self.q.trim().to_string(),
            kind: self.kind.trim().to_string(),
            subject: self.subject.trim().to_string(),
            territory: self.territory.trim().to_string(),
            language: self.language.trim().to_string(),
            year: self.year.trim().parse().ok(),
            open: self.open == "1",
            sort: self.sort.trim().to_string(),
        }
    }
    fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut p = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("kind", &self.kind),
            ("subject", &self.subject),
            ("territory", &self.territory),
            ("language", &self.language),
            ("year", &self.year),
            ("open", &self.open),
            ("sort", &self.sort),
        ] {
            if !v.trim().is_empty() {
                p.push((k, v.trim().to_string()));
            }
        }
        p
    }
    /// The query string with `key` set to `value` (empty: removed), page 1.
    fn with(&self, key: &str, value: &str) -> String {
        let mut p: Vec<(&str, String)> = self
            .pairs()
            .into_iter()
            .filter(|(k, _)| *k != key)
            .collect();
        if !value.is_empty() {
            p.push((key, value.to_string()));
        }
        let qs = serde_urlencoded::to_string(&p).unwrap_or_default();
        if qs.is_empty() { qs } else { format!("?{qs}") }
    }
    fn qs_page(&self, page: i64) -> String {
        let mut p = self.pairs();
        if page > 1 {
            p.push(("page", page.to_string()));
        }
        let qs = serde_urlencoded::to_string(&p).unwrap_or_default();
        if qs.is_empty() { qs } else { format!("?{qs}") }
    }
}

/// A facet value: its label, count, link, and whether it is the one chosen.
pub struct FacetLink {
    pub label: String,
    pub count: i64,
    pub href: String,
    pub chosen: bool,
}

pub struct Facet {
    pub name: String,
    pub links: Vec<FacetLink>,
    /// Link that removes this facet's choice (when one is chosen).
    pub clear: Option<String>,
}

pub struct Row {
    pub path: String,
    pub title: String,
    pub kind: String,
    pub creators: String,
    pub issued: String,
    pub deadline: String,
}

#[derive(Template)]
#[template(path = "library/list.html")]
struct ListPage {
    s: Shell,
    /// Funding programs closing soon: (path, title, deadline).
    closing: Vec<(String, String, String)>,
    base: String,
    q: String,
    sort: String,
    open: bool,
    facets: Vec<Facet>,
    rows: Vec<Row>,
    total: i64,
    export_qs: String,
    prev: Option<String>,
    next: Option<String>,
    new_link: Option<String>,
}

fn facets(lang: Lang, q: &ListQuery, base: &str, l: &Listing) -> Vec<Facet> {
    let en = lang == Lang::En;
    let mk = |name: &str, key: &str, current: &str, values: Vec<(String, String, i64)>| Facet {
        name: lang.t(name),
        links: values
            .into_iter()
            .map(|(v, label, count)| FacetLink {
                href: format!("{base}{}", q.with(key, &v)),
                chosen: v == current,
                label,
                count,
            })
            .collect(),
        clear: (!current.is_empty()).then(|| format!("{base}{}", q.with(key, ""))),
    };
    vec![
        mk(
            "library-facet-kind",
            "kind",
            q.kind.trim(),
            l.facets
                .kinds
                .iter()
                .map(|(k, n)| (k.clone(), kind_label(lang, k), *n))
                .collect(),
        ),
        mk(
            "library-facet-subject",
            "subject",
            q.subject.trim(),
            l.facets
                .subjects
                .iter()
                .map(|(s, fr, e, n)| {
                    (
                        s.clone(),
                        if en && !e.is_empty() {
                            e.clone()
                        } else {
                            fr.clone()
                        },
                        *n,
                    )
                })
                .collect(),
        ),
        mk(
            "library-facet-territory",
            "territory",
            q.territory.trim(),
            l.facets
                .territories
                .iter()
                .map(|(s, name, n)| (s.clone(), name.clone(), *n))
                .collect(),
        ),
        mk(
            "library-facet-language",
            "language",
            q.language.trim(),
            l.facets
                .languages
                .iter()
                .map(|(k, n)| (k.clone(), lang.t(&format!("library-language-{k}")), *n))
                .collect(),
        ),
        mk(
            "library-facet-year",
            "year",
            q.year.trim(),
            l.facets
                .years
                .iter()
                .map(|(y, n)| (y.to_string(), y.to_string(), *n))
                .collect(),
        ),
    ]
}

/// Funding programs in the "closing soon" box.
const CLOSING_SOON: i64 = 5;

async fn render_list(
    state: &AppState,
    ctx: &Ctx,
    q: &ListQuery,
    scope: Scope,
    base: String,
    shell: Shell,
    new_link: Option<String>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let pg = q.page.trim().parse::<i64>().unwrap_or(1).clamp(1, 100_000);
    let l = listing::list(&state.db, ctx.user.as_ref(), scope, &q.filter(), pg).await?;
    // The box is part of the library's front page: no filter, first page.
    let front = pg == 1 && q.pairs().iter().all(|(k, _)| *k == "sort");
    let closing = if front {
        listing::closing_soon(&state.db, ctx.user.as_ref(), scope, CLOSING_SOON)
            .await?
            .into_iter()
            .map(|r| (r.path(), r.title.clone(), r.deadline.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let rows = l
        .items
        .iter()
        .map(|r| Row {
            path: r.path(),
            title: r.title.clone(),
            kind: kind_label(lang, &r.kind),
            creators: r.creators.join(" ; "),
            issued: r.issued.clone(),
            deadline: r.deadline.clone(),
        })
        .collect();
    let p = ListPage {
        s: shell,
        facets: facets(lang, q, &base, &l),
        closing,
        q: q.q.clone(),
        sort: q.sort.clone(),
        open: q.open == "1",
        rows,
        total: l.total,
        export_qs: q.qs_page(1),
        prev: (l.page > 1).then(|| format!("{base}{}", q.qs_page(l.page - 1))),
        next: l.more.then(|| format!("{base}{}", q.qs_page(l.page + 1))),
        base,
        new_link,
    };
    Ok(page(ctx, &p))
}

async fn instance_library(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let title = ctx.t("library-title");
    let shell =
        Shell::new(&state, &ctx, &title, "library").crumb(title.clone(), crate::urls::library());
    let new_link = policy::can(ctx.user.as_ref(), Action::CurateLibrary)
        .then(|| "/library/new?library=1".to_string());
    render_list(
        &state,
        &ctx,
        &q,
        Scope::Instance,
        crate::urls::library(),
        shell,
        new_link,
    )
    .await
}

async fn community_library(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let viewer = ctx.user.as_ref();
    let l = crate::communities::access::load(&state, viewer, &slug).await?;
    // An unlisted community's library is for its members (resources are found, never linked).
    if !policy::can(
        viewer,
        Action::FindCommunityContent {
            c: &l.c.facts(),
            m: l.m,
        },
    ) {
        return Err(crate::error::AppError::NotFound);
    }
    let title = ctx.t("library-title");
    let shell = Shell::new(&state, &ctx, &format!("{title} · {}", l.c.name), "library")
        .crumb(l.c.name.clone(), l.c.path())
        .crumb(title, crate::urls::community_library(&l.c.slug));
    let new_link = l
        .post(viewer)
        .then(|| format!("/library/new?community={}", l.c.slug));
    render_list(
        &state,
        &ctx,
        &q,
        Scope::Community(l.c.id),
        crate::urls::community_library(&l.c.slug),
        shell,
        new_link,
    )
    .await
}

async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
    community: Option<String>,
    format: Format,
) -> AppResult<Response> {
    let viewer = ctx.user.as_ref();
    let scope = match community {
        Some(slug) => {
            let l = crate::communities::access::load(&state, viewer, &slug).await?;
            if !policy::can(
                viewer,
                Action::FindCommunityContent {
                    c: &l.c.facts(),
                    m: l.m,
                },
            ) {
                return Err(crate::error::AppError::NotFound);
            }
            Scope::Community(l.c.id)
        }
        None => Scope::Instance,
    };
    let l = listing::list_sized(&state.db, viewer, scope, &q.filter(), 1, 1000).await?;
    let e = entries(&state, &l.items, ctx.lang == Lang::En).await?;
    Ok(citation_response(&ctx, format, &e, "bibliotheque"))
}

/// The kinds offered in forms and filters: (code, label).
pub(super) fn kind_opts(lang: Lang) -> Vec<(String, String)> {
    KINDS
        .iter()
        .map(|k| (k.to_string(), kind_label(lang, k)))
        .collect()
}
