//! Organisation pages: the directory (`/organisations`, filters, CSV and
//! GeoJSON exports), an organisation's page (`/o/{slug}`), creation and
//! editing (forms that keep what was typed), logo, members, custom
//! sections, claims, and the administrators' page
//! (`/admin/organisations`: verification, claims, sectors, geocoder).
//! Handlers parse, call `crate::organisations::ops`, render.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::AppState;
use super::ctx::Ctx;
use super::templates::{FieldErrors, Shell, invalid, page};
use crate::actor::Actor;
use crate::edge::{first, form_pairs, read_multipart};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::initiatives;
use crate::organisations::{self, OrgValues, directory, members, ops, places};
use crate::policy::{self, Action, OrgRole, OrgStatus, OrgVisibility};
use crate::urls;

mod people;
use people::*;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organisations", get(directory_page))
        .route("/organisations.csv", get(export_csv))
        .route("/organisations.geojson", get(export_geojson))
        .route("/organisations/new", get(new_form).post(new_submit))
        .route("/o/{slug}", get(show))
        .route("/o/{slug}/edit", get(edit_form).post(edit_submit))
        .route("/o/{slug}/logo", post(logo_submit))
        .route("/o/{slug}/members", get(members_page).post(member_submit))
        .route("/o/{slug}/members/{user_id}/remove", post(member_remove))
        .route(
            "/o/{slug}/sections",
            get(sections_page).post(section_submit),
        )
        .route("/o/{slug}/sections/{id}/delete", post(section_delete))
        .route("/o/{slug}/claim", post(claim_submit))
        .route("/o/{slug}/decide", post(decide_submit))
        .route("/admin/organisations", get(admin_page))
        .route(
            "/admin/organisations/claims/{slug}/{user_id}",
            post(claim_decide),
        )
        .route("/admin/organisations/sectors", post(sector_submit))
        .route("/admin/organisations/geocoder", post(geocoder_submit))
}

fn errors_of(lang: Lang, fields: &[(String, String)]) -> FieldErrors {
    let mut e = FieldErrors::default();
    for (f, k) in fields {
        e.add(lang, f, k);
    }
    e
}

fn login_to(back: &str) -> String {
    format!("/login?next={}", urls::encode_path(back))
}

/// A select option.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

async fn sector_opts(state: &AppState, lang: Lang, chosen: &[String]) -> AppResult<Vec<Opt>> {
    Ok(organisations::sectors(&state.db)
        .await?
        .into_iter()
        .map(|s| Opt {
            selected: chosen.contains(&s.code),
            label: s.name(lang).to_string(),
            value: s.code,
        })
        .collect())
}

fn legal_opts(lang: Lang, chosen: &str) -> Vec<Opt> {
    organisations::LEGAL_FORMS
        .iter()
        .map(|c| Opt {
            value: c.to_string(),
            label: lang.t(&format!("org-legal-{c}")),
            selected: *c == chosen,
        })
        .collect()
}

async fn territory_opts(state: &AppState, chosen: &str) -> AppResult<Vec<Opt>> {
    Ok(places::choices(&state.db)
        .await?
        .into_iter()
        .map(|t| Opt {
            selected: t.slug == chosen,
            label: if t.level == "province" || t.level == "region" {
                t.name
            } else {
                format!("— {}", t.name)
            },
            value: t.slug,
        })
        .collect())
}

// ---- directory and exports --------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct DirQuery {
    q: String,
    sector: String,
    territory: String,
    legal_form: String,
    page: String,
}

impl DirQuery {
    fn filter(&self) -> directory::Filter {
        directory::Filter {
            q: self.q.trim().to_string(),
            sector: self.sector.trim().to_string(),
            territory: self.territory.trim().to_string(),
            legal_form: self.legal_form.trim().to_string(),
            territory_id: None,
        }
    }
    fn query_string(&self, page: i64) -> String {
        crate::web::templates::filter_query(
            &[
                ("q", self.q.as_str()),
                ("sector", self.sector.as_str()),
                ("territory", self.territory.as_str()),
                ("legal_form", self.legal_form.as_str()),
            ],
            page,
        )
    }
}

pub struct OrgCard {
    pub path: String,
    pub name: String,
    pub excerpt: String,
    pub logo: Option<String>,
    pub badges: Vec<String>,
    pub place: String,
}

#[derive(Template)]
#[template(path = "org_directory.html")]
struct DirectoryPage {
    s: Shell,
    q: String,
    sectors: Vec<Opt>,
    territories: Vec<Opt>,
    legal_forms: Vec<Opt>,
    cards: Vec<OrgCard>,
    filtered: bool,
    export_qs: String,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
    signed_in: bool,
}

fn badges(lang: Lang, o: &organisations::Organisation) -> Vec<String> {
    let mut b = Vec::new();
    match o.status {
        OrgStatus::Verified => b.push(lang.t("org-badge-verified")),
        OrgStatus::Unverified => b.push(lang.t("org-badge-unverified")),
        OrgStatus::Refused => b.push(lang.t("org-badge-refused")),
    }
    if o.visibility == OrgVisibility::Members {
        b.push(lang.t("org-badge-members-only"));
    }
    if !o.legal_form.is_empty() {
        b.push(lang.t(&format!("org-legal-{}", o.legal_form)));
    }
    b
}

async fn directory_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DirQuery>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let f = q.filter();
    let pg = q.page.trim().parse::<i64>().unwrap_or(1).clamp(1, 100_000);
    let listing = directory::list(&state.db, ctx.user.as_ref(), &f, pg).await?;
    let mut cards = Vec::new();
    for o in &listing.items {
        let place = match o.place_id {
            Some(id) => places::by_id(&state.db, id)
                .await?
                .map(|p| p.name)
                .unwrap_or_default(),
            None => String::new(),
        };
        cards.push(OrgCard {
            path: o.path(),
            name: o.name.clone(),
            excerpt: crate::markdown::excerpt_from_html(&o.description_html, 240),
            logo: o.logo_id.map(|id| urls::organisation_logo(&o.slug, id)),
            badges: badges(lang, o),
            place,
        });
    }
    let title = ctx.t("org-directory-title");
    let p = DirectoryPage {
        s: Shell::new(&state, &ctx, &title, "organisations").crumb(title.clone(), "/organisations"),
        q: q.q.clone(),
        sectors: sector_opts(&state, lang, std::slice::from_ref(&f.sector)).await?,
        territories: territory_opts(&state, &f.territory).await?,
        legal_forms: legal_opts(lang, &f.legal_form),
        cards,
        filtered: !(f.q.is_empty()
            && f.sector.is_empty()
            && f.territory.is_empty()
            && f.legal_form.is_empty()),
        export_qs: q.query_string(1),
        page: listing.page,
        prev: (listing.page > 1)
            .then(|| format!("/organisations{}", q.query_string(listing.page - 1))),
        next: listing
            .more
            .then(|| format!("/organisations{}", q.query_string(listing.page + 1))),
        signed_in: ctx.user.is_some(),
    };
    Ok(page(&ctx, &p))
}

async fn export_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DirQuery>,
) -> AppResult<Response> {
    let body = directory::csv(
        &state.db,
        &state.config.public_url(),
        ctx.user.as_ref(),
        &q.filter(),
    )
    .await?;
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"organisations.csv\""),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(ctx.finish(res))
}

/// A GeoJSON body (`application/geo+json`, RFC 7946 §12).
pub fn geojson_response(v: &serde_json::Value) -> Response {
    let mut res = v.to_string().into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/geo+json"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    res
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct GeoQuery {
    category: String,
    sector: String,
    territory: String,
}

async fn export_geojson(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<GeoQuery>,
) -> AppResult<Response> {
    let f = directory::Filter {
        sector: if q.sector.is_empty() {
            q.category
        } else {
            q.sector
        },
        territory: q.territory,
        ..Default::default()
    };
    let v = initiatives::points::organisations_geojson(
        &state.db,
        &state.config.public_url(),
        ctx.user.as_ref(),
        &f,
    )
    .await?;
    Ok(ctx.finish(geojson_response(&v)))
}

// ---- one organisation ---------------------------------------------------------------------

#[derive(Template)]
#[template(path = "org_show.html")]
struct ShowPage {
    s: Shell,
    o: organisations::Organisation,
    badges: Vec<String>,
    logo: Option<String>,
    sectors: Vec<String>,
    legal_form: String,
    place: Option<(String, String)>,
    served: Vec<String>,
    social: Vec<String>,
    sections: Vec<members::Section>,
    people: Vec<(members::OrgMember, String)>,
    initiatives: Vec<(String, String)>,
    changes: Vec<members::Change>,
    can_edit: bool,
    can_claim: bool,
    can_verify: bool,
    claim_pending: bool,
    banner: Option<String>,
    point: Option<String>,
    /// Its newsletters and local news (`web::place_news`).
    extra: Vec<super::territories::Extra>,
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let actor_user = ctx.user.as_ref();
    let l = organisations::load(&state.db, &slug, actor_user)
        .await?
        .ok_or(AppError::NotFound)?;
    if !l.view(actor_user) {
        return Err(AppError::NotFound);
    }
    let o = l.o.clone();
    let all_sectors = organisations::sectors(&state.db).await?;
    let codes = organisations::sectors_of(&state.db, o.id).await?;
    let sectors = all_sectors
        .iter()
        .filter(|s| codes.contains(&s.code))
        .map(|s| s.name(lang).to_string())
        .collect();
    let place = match o.place_id {
        Some(id) => places::by_id(&state.db, id)
            .await?
            .map(|p| (p.name, p.slug)),
        None => None,
    };
    let served = places::served_by(&state.db, o.id)
        .await?
        .into_iter()
        .map(|p| p.name)
        .collect();
    let listing = initiatives::list(
        &state.db,
        actor_user,
        &initiatives::Filter {
            organisation_id: Some(o.id),
            ..Default::default()
        },
        1,
    )
    .await?;
    let can_edit = l.edit(actor_user);
    let extra = super::place_news::organisation_sections(&state, &o, can_edit, lang).await?;
    let claim_pending = match actor_user {
        Some(u) => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM organisation_members WHERE organisation_id = $1 AND user_id = $2 AND state = 'requested'",
        )
        .bind(o.id)
        .bind(u.id)
        .fetch_one(&state.db.pool)
        .await?
            > 0,
        None => false,
    };
    let p = ShowPage {
        s: Shell::new(&state, &ctx, &o.name, "organisations")
            .crumb(ctx.t("org-directory-title"), "/organisations")
            .crumb(o.name.clone(), o.path()),
        badges: badges(lang, &o),
        logo: o.logo_id.map(|id| urls::organisation_logo(&o.slug, id)),
        sectors,
        legal_form: if o.legal_form.is_empty() {
            String::new()
        } else {
            lang.t(&format!("org-legal-{}", o.legal_form))
        },
        place,
        served,
        social: o.social_links(),
        sections: members::sections(&state.db, o.id).await?,
        people: labelled(lang, members::list(&state.db, o.id, "active").await?),
        initiatives: listing
            .items
            .iter()
            .map(|i| (i.path(), i.name.clone()))
            .collect(),
        changes: if can_edit {
            members::changes(&state.db, o.id, 20).await?
        } else {
            Vec::new()
        },
        can_edit,
        can_claim: !claim_pending
            && policy::can(
                actor_user,
                Action::ClaimOrganisation {
                    o: &l.facts,
                    m: l.role,
                },
            ),
        can_verify: policy::can(actor_user, Action::VerifyOrganisations),
        claim_pending,
        banner: match o.status {
            OrgStatus::Unverified => Some(lang.t("org-unverified-text")),
            OrgStatus::Refused => Some(format!(
                "{} {}",
                lang.t("org-refused-text"),
                o.status_reason
            )),
            OrgStatus::Verified => None,
        },
        point: match (o.lat, o.lon) {
            (Some(a), Some(b)) => Some(format!("{a:.5}, {b:.5}")),
            _ => None,
        },
        extra,
        o,
    };
    Ok(page(&ctx, &p))
}

// ---- create and edit ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "org_form.html")]
struct FormPage {
    s: Shell,
    action: String,
    v: OrgValues,
    errors: FieldErrors,
    sectors: Vec<Opt>,
    legal_forms: Vec<Opt>,
    editing: Option<(String, Option<String>)>,
}

fn values_from(pairs: &[(String, String)]) -> OrgValues {
    let g = |k: &str| first(pairs, k).replace("\r\n", "\n");
    OrgValues {
        name: g("name"),
        slug: g("slug"),
        description: g("description"),
        legal_form: g("legal_form"),
        neq: g("neq"),
        sectors: pairs
            .iter()
            .filter(|(k, _)| k == "sectors")
            .map(|(_, v)| v.clone())
            .collect(),
        territories: g("territories"),
        address: g("address"),
        place: g("place"),
        lat: g("lat"),
        lon: g("lon"),
        website: g("website"),
        social: g("social"),
        email: g("email"),
        phone: g("phone"),
        contact_name: g("contact_name"),
        visibility: g("visibility"),
    }
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    v: OrgValues,
    errors: FieldErrors,
    editing: Option<&organisations::Organisation>,
) -> AppResult<FormPage> {
    let (title, action) = match editing {
        Some(o) => (ctx.t("org-edit-title"), format!("{}/edit", o.path())),
        None => (ctx.t("org-new-title"), "/organisations/new".to_string()),
    };
    let mut s = Shell::new(state, ctx, &title, "organisations")
        .crumb(ctx.t("org-directory-title"), "/organisations");
    if let Some(o) = editing {
        s = s.crumb(o.name.clone(), o.path());
    }
    Ok(FormPage {
        s: s.crumb(title, action.clone()),
        action,
        sectors: sector_opts(state, ctx.lang, &v.sectors).await?,
        legal_forms: legal_opts(ctx.lang, &v.legal_form),
        editing: editing.map(|o| {
            (
                o.path(),
                o.logo_id.map(|id| urls::organisation_logo(&o.slug, id)),
            )
        }),
        v,
        errors,
    })
}

async fn new_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let Some(u) = ctx.user.as_ref() else {
        return Ok(ctx.redirect(&login_to("/organisations/new")));
    };
    if !policy::can(Some(u), Action::CreateOrganisation) {
        return Err(AppError::Forbidden);
    }
    let v = OrgValues {
        visibility: "public".into(),
        ..Default::default()
    };
    let p = form_page(&state, &ctx, v, FieldErrors::default(), None).await?;
    Ok(page(&ctx, &p))
}

async fn new_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    let Some(u) = ctx.user.clone() else {
        return Ok(ctx.redirect(&login_to("/organisations/new")));
    };
    ctx.verify_csrf(&first(&pairs, "csrf"))?;
    let v = values_from(&pairs);
    match ops::create(&state, &Actor::person(&u), &v).await {
        Ok(o) => {
            ctx.flash("flash-org-created");
            Ok(ctx.redirect(&o.path()))
        }
        Err(AppError::Invalid { fields }) => {
            let p = form_page(&state, &ctx, v, errors_of(ctx.lang, &fields), None).await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

async fn editable(state: &AppState, ctx: &Ctx, slug: &str) -> AppResult<organisations::Loaded> {
    let l = organisations::load(&state.db, slug, ctx.user.as_ref())
        .await?
        .ok_or(AppError::NotFound)?;
    if !l.view(ctx.user.as_ref()) {
        return Err(AppError::NotFound);
    }
    if !l.edit(ctx.user.as_ref()) {
        return Err(if ctx.user.is_some() {
            AppError::Forbidden
        } else {
            AppError::Unauthorized
        });
    }
    Ok(l)
}

async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let l = editable(&state, &ctx, &slug).await?;
    let o = &l.o;
    let served = places::served_by(&state.db, o.id)
        .await?
        .into_iter()
        .map(|p| p.slug)
        .collect();
    let place = match o.place_id {
        Some(id) => places::by_id(&state.db, id)
            .await?
            .map(|p| p.slug)
            .unwrap_or_default(),
        None => String::new(),
    };
    let v = OrgValues::of(
        o,
        organisations::sectors_of(&state.db, o.id).await?,
        served,
        place,
    );
    let p = form_page(&state, &ctx, v, FieldErrors::default(), Some(o)).await?;
    Ok(page(&ctx, &p))
}

async fn edit_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    ctx.verify_csrf(&first(&pairs, "csrf"))?;
    let l = editable(&state, &ctx, &slug).await?;
    let v = values_from(&pairs);
    let Some(u) = ctx.user.clone() else {
        return Err(AppError::Unauthorized);
    };
    match ops::update(&state, &Actor::person(&u), &slug, &v).await {
        Ok(o) => {
            ctx.flash("flash-org-saved");
            Ok(ctx.redirect(&o.path()))
        }
        Err(AppError::Invalid { fields }) => {
            let p = form_page(&state, &ctx, v, errors_of(ctx.lang, &fields), Some(&l.o)).await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

async fn logo_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    mp: Multipart,
) -> AppResult<Response> {
    let form = read_multipart(mp, "logo").await?;
    ctx.verify_csrf(&form.get("csrf"))?;
    let l = editable(&state, &ctx, &slug).await?;
    let Some(u) = ctx.user.clone() else {
        return Err(AppError::Unauthorized);
    };
    let Some(file) = form.uploads.first() else {
        let mut errors = FieldErrors::default();
        errors.add(ctx.lang, "logo", "field-required");
        let p = form_page(
            &state,
            &ctx,
            OrgValues::of(&l.o, Vec::new(), Vec::new(), String::new()),
            errors,
            Some(&l.o),
        )
        .await?;
        return Ok(invalid(&ctx, &p));
    };
    match ops::set_logo(&state, &Actor::person(&u), &slug, &file.bytes).await {
        Ok(()) => {
            ctx.flash("flash-org-saved");
            Ok(ctx.redirect(&l.o.path()))
        }
        Err(AppError::Invalid { fields }) => {
            let served = places::served_by(&state.db, l.o.id)
                .await?
                .into_iter()
                .map(|p| p.slug)
                .collect();
            let v = OrgValues::of(
                &l.o,
                organisations::sectors_of(&state.db, l.o.id).await?,
                served,
                String::new(),
            );
            let p = form_page(&state, &ctx, v, errors_of(ctx.lang, &fields), Some(&l.o)).await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}
