//! The create and edit forms of an event: a refused form comes back with
//! status 422, everything typed, and a message tied to each field.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;

use super::super::AppState;
use super::super::ctx::Ctx;
use super::super::organisations::Opt;
use super::super::templates::{FieldErrors, Shell, invalid, page};
use crate::actor::Actor;
use crate::edge::{first, form_pairs};
use crate::error::{AppError, AppResult};
use crate::events::{self, Values, ops, time};
use crate::i18n::Lang;

pub(super) struct Target {
    pub slug: String,
    pub name: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "events/form.html")]
pub(super) struct FormPage {
    s: Shell,
    action: String,
    v: Values,
    errors: FieldErrors,
    targets: Vec<Target>,
    zones: Vec<Opt>,
    repeats: Vec<Opt>,
    places: Vec<Opt>,
    editing: bool,
    cancel_href: String,
}

fn opts(list: &[(&str, String)], chosen: &str) -> Vec<Opt> {
    list.iter()
        .map(|(v, l)| Opt {
            value: v.to_string(),
            label: l.clone(),
            selected: *v == chosen,
        })
        .collect()
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    v: Values,
    errors: FieldErrors,
    editing: Option<&events::Event>,
) -> AppResult<FormPage> {
    let lang = ctx.lang;
    let (title, action, cancel_href) = match editing {
        Some(e) => (
            ctx.t("event-edit-title"),
            format!("{}/edit", e.path()),
            e.path(),
        ),
        None => (
            ctx.t("event-new-title"),
            "/events/new".to_string(),
            "/events".to_string(),
        ),
    };
    let targets = if editing.is_some() {
        Vec::new()
    } else {
        crate::publications::postable_communities(&state.db, ctx.user.as_ref())
            .await?
            .into_iter()
            .map(|(c, _)| Target {
                checked: v.communities.contains(&c.slug),
                slug: c.slug,
                name: c.name,
            })
            .collect()
    };
    let zone = if v.tz.is_empty() {
        time::DEFAULT_TZ
    } else {
        v.tz.as_str()
    };
    let zones: Vec<(&str, String)> = time::ZONES
        .iter()
        .map(|z| {
            (
                *z,
                lang.t(&format!(
                    "event-tz-{}",
                    z.replace(['/', '_'], "-").to_lowercase()
                )),
            )
        })
        .collect();
    let repeats = [
        ("", lang.t("event-repeat-none")),
        ("weekly", lang.t("event-repeat-weekly")),
        ("monthly", lang.t("event-repeat-monthly")),
        ("rule", lang.t("event-repeat-rule")),
    ];
    let places = [
        ("address", lang.t("event-place-address")),
        ("online", lang.t("event-place-online")),
        ("hybrid", lang.t("event-place-hybrid")),
    ];
    Ok(FormPage {
        s: Shell::new(state, ctx, &title, "events")
            .crumb(ctx.t("event-agenda-title"), "/events")
            .crumb(title, action.clone()),
        action,
        zones: opts(&zones, zone),
        repeats: opts(&repeats, &v.repeat),
        places: opts(
            &places,
            if v.place_kind.is_empty() {
                "address"
            } else {
                &v.place_kind
            },
        ),
        v,
        errors,
        targets,
        editing: editing.is_some(),
        cancel_href,
    })
}

fn errors_of(lang: Lang, fields: &[(String, String)]) -> FieldErrors {
    let mut e = FieldErrors::default();
    for (f, k) in fields {
        e.add(lang, f, k);
    }
    e
}

/// The form's values (repeated `communities` keys; checkboxes present or not).
fn values_of(pairs: &[(String, String)]) -> Values {
    let g = |k: &str| first(pairs, k);
    Values {
        title: g("title"),
        description: g("description").replace("\r\n", "\n"),
        communities: pairs
            .iter()
            .filter(|(k, _)| k == "communities")
            .map(|(_, v)| v.clone())
            .collect(),
        start: g("start"),
        end: g("end"),
        all_day: !g("all_day").is_empty(),
        tz: g("tz"),
        repeat: g("repeat"),
        interval: g("interval"),
        until: g("until"),
        count: g("count"),
        rrule: g("rrule"),
        exdates: g("exdates").replace("\r\n", "\n"),
        place_kind: g("place_kind"),
        address: g("address"),
        online_url: g("online_url"),
        online_private: !g("online_private").is_empty(),
        territory: g("territory"),
        organisation: g("organisation"),
        contact: g("contact"),
        capacity: g("capacity"),
        tags: g("tags"),
        price: g("price"),
        questions: g("questions").replace("\r\n", "\n"),
    }
}

pub(super) async fn new_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if ctx.user.is_none() {
        return Ok(ctx.redirect("/login?next=%2Fevents%2Fnew"));
    }
    let v = Values {
        tz: time::DEFAULT_TZ.to_string(),
        ..Values::default()
    };
    let p = form_page(&state, &ctx, v, FieldErrors::default(), None).await?;
    Ok(page(&ctx, &p))
}

pub(super) async fn new_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    body: Bytes,
) -> AppResult<Response> {
    let Some(u) = ctx.user.clone() else {
        return Ok(ctx.redirect("/login?next=%2Fevents%2Fnew"));
    };
    let pairs = form_pairs(&body);
    ctx.verify_csrf(&first(&pairs, "csrf"))?;
    let v = values_of(&pairs);
    match ops::create(&state, &Actor::person(&u), &v).await {
        Ok(e) => {
            ctx.flash("flash-event-created");
            Ok(ctx.redirect(&e.path()))
        }
        Err(AppError::Invalid { fields }) => {
            let errors = errors_of(ctx.lang, &fields);
            let p = form_page(&state, &ctx, v, errors, None).await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

async fn editable(state: &AppState, ctx: &Ctx, id: &str) -> AppResult<events::Loaded> {
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    ops::manageable(state, &Actor::person(&u), id).await
}

pub(super) async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let l = editable(&state, &ctx, &id).await?;
    let e = &l.e;
    let tags = events::tags_of(&state.db, e.id).await?;
    let territory = match e.territory_id {
        Some(t) => crate::organisations::places::by_id(&state.db, t)
            .await?
            .map(|p| p.slug)
            .unwrap_or_default(),
        None => String::new(),
    };
    let organisation = match e.organisation_id {
        Some(o) => crate::organisations::by_id(&state.db, o)
            .await?
            .map(|o| o.slug)
            .unwrap_or_default(),
        None => String::new(),
    };
    let v = Values::of(e, &tags, territory, organisation);
    let p = form_page(&state, &ctx, v, FieldErrors::default(), Some(e)).await?;
    Ok(page(&ctx, &p))
}

pub(super) async fn edit_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let l = editable(&state, &ctx, &id).await?;
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    let pairs = form_pairs(&body);
    ctx.verify_csrf(&first(&pairs, "csrf"))?;
    let v = values_of(&pairs);
    match ops::update(&state, &Actor::person(&u), l.e.id, &v).await {
        Ok(e) => {
            ctx.flash("flash-event-saved");
            Ok(ctx.redirect(&e.path()))
        }
        Err(AppError::Invalid { fields }) => {
            let errors = errors_of(ctx.lang, &fields);
            let p = form_page(&state, &ctx, v, errors, Some(&l.e)).await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}
