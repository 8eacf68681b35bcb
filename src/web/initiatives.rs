//! Initiative pages: the list (`/initiatives`, the map's accessible
//! listing, with GeoJSON and GoGoCarto exports), one initiative
//! (`/i/{slug or id}`), proposing and editing (forms that keep what was
//! typed), the moderators' queue (`/initiatives/queue`) and the import
//! (`/admin/initiatives/import`). Handlers parse, call
//! `crate::initiatives::ops` / `import`, render.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::AppState;
use super::ctx::Ctx;
use super::organisations::{Opt, geojson_response};
use super::templates::{FieldErrors, Shell, invalid, page};
use crate::actor::Actor;
use crate::edge::read_multipart;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::initiatives::{self, CATEGORIES, Filter, Initiative, Values, import, ops, points};
use crate::organisations::places;
use crate::policy::{self, Action, InitiativeStatus};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/initiatives", get(list_page))
        .route("/initiatives.geojson", get(geojson))
        .route("/initiatives/gogocarto.json", get(gogocarto))
        .route("/initiatives/new", get(new_form).post(new_submit))
        .route("/initiatives/queue", get(queue_page))
        .route("/i/{key}", get(show))
        .route("/i/{key}/edit", get(edit_form).post(edit_submit))
        .route("/i/{key}/decide", post(decide_submit))
        .route(
            "/admin/initiatives/import",
            get(import_form).post(import_submit),
        )
}

fn errors_of(lang: Lang, fields: &[(String, String)]) -> FieldErrors {
    let mut e = FieldErrors::default();
    for (f, k) in fields {
        e.add(lang, f, k);
    }
    e
}

pub fn category_label(lang: Lang, code: &str) -> String {
    lang.t(&format!("initiative-category-{code}"))
}

fn category_opts(lang: Lang, chosen: &str) -> Vec<Opt> {
    CATEGORIES
        .iter()
        .map(|c| Opt {
            value: c.to_string(),
            label: category_label(lang, c),
            selected: *c == chosen,
        })
        .collect()
}

fn status_label(lang: Lang, s: InitiativeStatus) -> String {
    lang.t(match s {
        InitiativeStatus::Proposed => "initiative-status-proposed",
        InitiativeStatus::Validated => "initiative-status-validated",
        InitiativeStatus::Refused => "initiative-status-refused",
    })
}

// ---- list, exports ------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct ListQuery {
    q: String,
    category: String,
    territory: String,
    page: String,
}

impl ListQuery {
    fn filter(&self) -> Filter {
        Filter {
            q: self.q.trim().to_string(),
            category: self.category.trim().to_string(),
            territory: self.territory.trim().to_string(),
            ..Default::default()
        }
    }
    fn qs(&self, page: i64) -> String {
        crate::web::templates::filter_query(
            &[
                ("q", self.q.as_str()),
                ("category", self.category.as_str()),
                ("territory", self.territory.as_str()),
            ],
            page,
        )
    }
}

pub struct Row {
    pub path: String,
    pub name: String,
    pub category: String,
    pub status: Option<String>,
    pub place: String,
}

async fn rows(state: &AppState, lang: Lang, items: &[Initiative]) -> AppResult<Vec<Row>> {
    let mut out = Vec::new();
    for i in items {
        let place = match i.territory_id {
            Some(t) => places::by_id(&state.db, t)
                .await?
                .map(|p| p.name)
                .unwrap_or_default(),
            None => String::new(),
        };
        out.push(Row {
            path: i.path(),
            name: i.name.clone(),
            category: category_label(lang, &i.category),
            status: (i.status != InitiativeStatus::Validated).then(|| status_label(lang, i.status)),
            place,
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "initiative_list.html")]
struct ListPage {
    s: Shell,
    q: String,
    categories: Vec<Opt>,
    territories: Vec<Opt>,
    rows: Vec<Row>,
    export_qs: String,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
    signed_in: bool,
    moderator: bool,
    queue: i64,
}

async fn list_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let viewer = ctx.user.as_ref();
    let f = q.filter();
    let pg = q.page.trim().parse::<i64>().unwrap_or(1).clamp(1, 100_000);
    let listing = initiatives::list(&state.db, viewer, &f, pg).await?;
    let moderator = policy::can(viewer, Action::ModerateInitiatives);
    let title = ctx.t("initiative-list-title");
    let territories = places::choices(&state.db)
        .await?
        .into_iter()
        .map(|t| Opt {
            selected: t.slug == f.territory,
            label: t.name,
            value: t.slug,
        })
        .collect();
    let p = ListPage {
        s: Shell::new(&state, &ctx, &title, "initiatives").crumb(title.clone(), "/initiatives"),
        q: q.q.clone(),
        categories: category_opts(lang, &f.category),
        territories,
        rows: rows(&state, lang, &listing.items).await?,
        export_qs: q.qs(1),
        page: listing.page,
        prev: (listing.page > 1).then(|| format!("/initiatives{}", q.qs(listing.page - 1))),
        next: listing
            .more
            .then(|| format!("/initiatives{}", q.qs(listing.page + 1))),
        signed_in: viewer.is_some(),
        moderator,
        queue: if moderator {
            initiatives::queue_count(&state.db).await?
        } else {
            0
        },
    };
    Ok(page(&ctx, &p))
}

async fn geojson(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let v = points::initiatives_geojson(
        &state.db,
        &state.config.public_url(),
        ctx.user.as_ref(),
        &q.filter(),
    )
    .await?;
    Ok(ctx.finish(geojson_response(&v)))
}

async fn gogocarto(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let v = points::gogocarto(
        &state.db,
        &state.config.public_url(),
        ctx.user.as_ref(),
        &q.filter(),
        |c| category_label(lang, c),
    )
    .await?;
    let mut res = v.to_string().into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(ctx.finish(res))
}

// ---- one initiative ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "initiative_show.html")]
struct ShowPage {
    s: Shell,
    i: Initiative,
    category: String,
    status: Option<String>,
    organisation: Option<(String, String)>,
    place: String,
    hours: Vec<(String, String)>,
    point: Option<String>,
    can_edit: bool,
    can_decide: bool,
}

fn day_name(lang: Lang, d: &str) -> String {
    lang.t(&format!("initiative-day-{}", d.to_lowercase()))
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let viewer = ctx.user.as_ref();
    let i = initiatives::by_key(&state.db, &key)
        .await?
        .ok_or(AppError::NotFound)?;
    if !i.visible_to(viewer) {
        return Err(AppError::NotFound);
    }
    let organisation = match i.organisation_id {
        Some(id) => match crate::organisations::by_id(&state.db, id).await? {
            Some(o) => {
                let role = match viewer {
                    Some(u) => crate::organisations::role_of(&state.db, o.id, u.id).await?,
                    None => None,
                };
                policy::can(
                    viewer,
                    Action::ViewOrganisation {
                        o: &o.facts(),
                        m: role,
                    },
                )
                .then(|| (o.path(), o.name))
            }
            None => None,
        },
        None => None,
    };
    let place = match i.territory_id {
        Some(t) => places::by_id(&state.db, t)
            .await?
            .map(|p| p.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let p = ShowPage {
        s: Shell::new(&state, &ctx, &i.name, "initiatives")
            .crumb(ctx.t("initiative-list-title"), "/initiatives")
            .crumb(i.name.clone(), i.path()),
        category: category_label(lang, &i.category),
        status: (i.status != InitiativeStatus::Validated).then(|| {
            let mut s = status_label(lang, i.status);
            if !i.status_reason.is_empty() {
                s = format!("{s} {}", i.status_reason);
            }
            s
        }),
        organisation,
        place,
        hours: initiatives::hours::weekly(&i.opening_hours)
            .into_iter()
            .map(|(d, t)| (day_name(lang, d), t))
            .collect(),
        point: match (i.lat, i.lon) {
            (Some(a), Some(b)) => Some(format!("{a:.5}, {b:.5}")),
            _ => None,
        },
        can_edit: policy::can(viewer, Action::EditInitiative { i: &i.facts() }),
        can_decide: policy::can(viewer, Action::ModerateInitiatives),
        i,
    };
    Ok(page(&ctx, &p))
}

// ---- propose and edit -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "initiative_form.html")]
struct FormPage {
    s: Shell,
    action: String,
    v: Values,
    errors: FieldErrors,
    categories: Vec<Opt>,
    editing: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct FormBody {
    csrf: String,
    #[serde(flatten)]
    v: Values,
}

fn form_page(
    state: &AppState,
    ctx: &Ctx,
    v: Values,
    errors: FieldErrors,
    editing: Option<&Initiative>,
) -> FormPage {
    let (title, action) = match editing {
        Some(i) => (ctx.t("initiative-edit-title"), format!("{}/edit", i.path())),
        None => (
            ctx.t("initiative-new-title"),
            "/initiatives/new".to_string(),
        ),
    };
    FormPage {
        s: Shell::new(state, ctx, &title, "initiatives")
            .crumb(ctx.t("initiative-list-title"), "/initiatives")
            .crumb(title, action.clone()),
        action,
        categories: category_opts(ctx.lang, &v.category),
        v,
        errors,
        editing: editing.is_some(),
    }
}

async fn new_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let Some(u) = ctx.user.as_ref() else {
        return Ok(ctx.redirect("/login?next=%2Finitiatives%2Fnew"));
    };
    if !policy::can(Some(u), Action::ProposeInitiative) {
        return Err(AppError::Forbidden);
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

fn normalise(mut v: Values) -> Values {
    v.description = v.description.replace("\r\n", "\n");
    v
}

async fn new_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<FormBody>,
) -> AppResult<Response> {
    let Some(u) = ctx.user.clone() else {
        return Ok(ctx.redirect("/login?next=%2Finitiatives%2Fnew"));
    };
    ctx.verify_csrf(&f.csrf)?;
    let v = normalise(f.v);
    match ops::propose(&state, &Actor::person(&u), &v).await {
        Ok(i) => {
            ctx.flash("flash-initiative-proposed");
            Ok(ctx.redirect(&i.path()))
        }
        Err(AppError::Invalid { fields }) => {
            let p = form_page(&state, &ctx, v, errors_of(ctx.lang, &fields), None);
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

async fn editable(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
) -> AppResult<(crate::accounts::User, Initiative)> {
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    let i = ops::load_for(state, &Actor::person(&u), key).await?;
    if !policy::can(Some(&u), Action::EditInitiative { i: &i.facts() }) {
        return Err(AppError::Forbidden);
    }
    Ok((u, i))
}

async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let (_, i) = editable(&state, &ctx, &key).await?;
    let org = match i.organisation_id {
        Some(id) => crate::organisations::by_id(&state.db, id)
            .await?
            .map(|o| o.slug)
            .unwrap_or_default(),
        None => String::new(),
    };
    let terr = match i.territory_id {
        Some(t) => places::by_id(&state.db, t)
            .await?
            .map(|p| p.slug)
            .unwrap_or_default(),
        None => String::new(),
    };
    let v = Values::of(&i, org, terr);
    Ok(page(
        &ctx,
        &form_page(&state, &ctx, v, FieldErrors::default(), Some(&i)),
    ))
}

async fn edit_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(key): Path<String>,
    Form(f): Form<FormBody>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let (u, i) = editable(&state, &ctx, &key).await?;
    let v = normalise(f.v);
    match ops::update(&state, &Actor::person(&u), &key, &v).await {
        Ok(i) => {
            ctx.flash("flash-initiative-saved");
            Ok(ctx.redirect(&i.path()))
        }
        Err(AppError::Invalid { fields }) => {
            let p = form_page(&state, &ctx, v, errors_of(ctx.lang, &fields), Some(&i));
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

// ---- moderation -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "initiative_queue.html")]
struct QueuePage {
    s: Shell,
    rows: Vec<(Row, i64)>,
}

async fn queue_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let Some(u) = ctx.user.as_ref() else {
        return Ok(ctx.redirect("/login?next=%2Finitiatives%2Fqueue"));
    };
    if !policy::can(Some(u), Action::ModerateInitiatives) {
        return Err(AppError::Forbidden);
    }
    let listing = initiatives::list(
        &state.db,
        Some(u),
        &Filter {
            status: "proposed".into(),
            ..Default::default()
        },
        1,
    )
    .await?;
    let r = rows(&state, ctx.lang, &listing.items).await?;
    let title = ctx.t("initiative-queue-title");
    let p = QueuePage {
        s: Shell::new(&state, &ctx, &title, "initiatives")
            .crumb(ctx.t("initiative-list-title"), "/initiatives")
            .crumb(title, "/initiatives/queue"),
        rows: r
            .into_iter()
            .zip(listing.items.iter().map(|i| i.id))
            .collect(),
    };
    Ok(page(&ctx, &p))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DecideForm {
    csrf: String,
    decision: String,
    reason: String,
    back: String,
}

async fn decide_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(key): Path<String>,
    Form(f): Form<DecideForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    let i = ops::decide(
        &state,
        &Actor::person(&u),
        &key,
        f.decision == "validate",
        &f.reason,
    )
    .await?;
    ctx.flash(if i.status == InitiativeStatus::Validated {
        "flash-initiative-validated"
    } else {
        "flash-initiative-refused"
    });
    Ok(if f.back == "queue" {
        ctx.redirect("/initiatives/queue")
    } else {
        ctx.redirect(&i.path())
    })
}

// ---- import ------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "initiative_import.html")]
struct ImportPage {
    s: Shell,
    format: String,
    source: String,
    skip: bool,
    report: Option<import::Report>,
    errors: FieldErrors,
}

fn import_page(state: &AppState, ctx: &Ctx) -> ImportPage {
    let title = ctx.t("initiative-import-title");
    ImportPage {
        s: Shell::new(state, ctx, &title, "admin").crumb(title, "/admin/initiatives/import"),
        format: "geojson".into(),
        source: String::new(),
        skip: false,
        report: None,
        errors: FieldErrors::default(),
    }
}

fn moderator(ctx: &Ctx) -> AppResult<crate::accounts::User> {
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    if !policy::can(Some(&u), Action::ModerateInitiatives) {
        return Err(AppError::Forbidden);
    }
    Ok(u)
}

async fn import_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if ctx.user.is_none() {
        return Ok(ctx.redirect("/login?next=%2Fadmin%2Finitiatives%2Fimport"));
    }
    moderator(&ctx)?;
    Ok(page(&ctx, &import_page(&state, &ctx)))
}

async fn import_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    mp: Multipart,
) -> AppResult<Response> {
    let form = read_multipart(mp, "file").await?;
    ctx.verify_csrf(&form.get("csrf"))?;
    let u = moderator(&ctx)?;
    let mut p = import_page(&state, &ctx);
    p.format = if form.get("format") == "csv" {
        "csv".into()
    } else {
        "geojson".into()
    };
    p.skip = form.get("skip") == "1";
    let upload = form.uploads.first();
    p.source = match (form.get("source").trim(), upload) {
        ("", Some(f)) => f.name.clone(),
        (s, _) => s.to_string(),
    };
    let body = match upload {
        Some(f) => String::from_utf8_lossy(&f.bytes).into_owned(),
        None => form.get("content"),
    };
    if body.trim().is_empty() {
        p.errors.add(ctx.lang, "file", "field-required");
        return Ok(invalid(&ctx, &p));
    }
    let format = if p.format == "csv" {
        import::Format::Csv
    } else {
        import::Format::GeoJson
    };
    match import::run(&state, &Actor::person(&u), &p.source, format, &body, p.skip).await {
        Ok(report) => {
            let failed = !report.applied;
            p.report = Some(report);
            Ok(if failed {
                invalid(&ctx, &p)
            } else {
                page(&ctx, &p)
            })
        }
        Err(AppError::Invalid { fields }) => {
            p.errors = errors_of(ctx.lang, &fields);
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

impl ImportPage {
    fn message(&self, line: &import::Line) -> String {
        match &line.outcome {
            import::Outcome::Created => self.s.t("import-created"),
            import::Outcome::Updated => self.s.t("import-updated"),
            import::Outcome::Unchanged => self.s.t("import-unchanged"),
            import::Outcome::Error { fields } => fields
                .iter()
                .map(|(f, k)| format!("{f} : {}", self.s.t(k)))
                .collect::<Vec<_>>()
                .join(" ; "),
        }
    }
}
