//! The create and edit forms of an event: a refused form comes back with
//! status 422, everything typed, and a message tied to each field. The
//! forms are multipart: the event's image (`image`, processed in the image
//! pool), its text alternative (`image_alt`), and on the edit form
//! `remove_image`. A refused image (not an image, too large, too many
//! pixels) is a message on its field; the rest of the form comes back as
//! typed.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header;
use axum::response::Response;

use super::super::AppState;
use super::super::ctx::Ctx;
use super::super::organisations::Opt;
use super::super::templates::{FieldErrors, Shell, invalid, page};
use crate::actor::Actor;
use crate::edge::{MultipartForm, first, form_pairs, read_multipart};
use crate::error::{AppError, AppResult};
use crate::events::image::{Change, Edit};
use crate::events::{self, Values, ops, time};
use crate::i18n::Lang;
use crate::images::{Banner, ImageError};

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
    /// The image part: its text alternative as typed, the current image
    /// (small address, alternative) on the edit form, "remove" ticked.
    image_alt: String,
    current_image: Option<(String, String)>,
    remove_image: bool,
}

/// The image part of the form as typed (kept when the form comes back).
#[derive(Default)]
pub(super) struct ImageTyped {
    alt: String,
    remove: bool,
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
    typed: ImageTyped,
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
        current_image: editing.and_then(|e| {
            let (_, small) = e.image_urls()?;
            let alt = e.image.as_ref().map(|i| i.alt.clone()).unwrap_or_default();
            Some((small, alt))
        }),
        image_alt: typed.alt,
        remove_image: typed.remove,
    })
}

/// The form as sent: multipart (the page's form, with its image) or
/// URL-encoded (without an image: scripts, older clients).
async fn read_form(state: &AppState, req: Request) -> AppResult<MultipartForm> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if multipart {
        let mp = Multipart::from_request(req, state)
            .await
            .map_err(|_| AppError::BadRequest {
                code: "bad_multipart",
                message_key: "error-400-text",
            })?;
        return read_multipart(mp, "image").await;
    }
    let body = Bytes::from_request(req, state)
        .await
        .map_err(|_| AppError::TooLarge)?;
    Ok(MultipartForm {
        fields: form_pairs(&body),
        ..MultipartForm::default()
    })
}

/// The image sent with the form, processed in the image pool (`None`: no
/// file chosen); a refused file is its message key.
async fn image_of(
    state: &AppState,
    form: &mut MultipartForm,
) -> AppResult<Result<Option<Banner>, &'static str>> {
    if let Some((_, key)) = form.refused.first() {
        return Ok(Err(if *key == "attachment-too-large" {
            ImageError::TooLarge.message_key()
        } else {
            ImageError::NotAnImage.message_key()
        }));
    }
    let Some(upload) = form.uploads.pop() else {
        return Ok(Ok(None));
    };
    match state.images.banner(upload.bytes).await {
        Ok(b) => Ok(Ok(Some(b))),
        Err(ImageError::Busy) => Err(AppError::Unavailable),
        Err(e) => Ok(Err(e.message_key())),
    }
}

/// The field errors of a form whose image was refused: the image's, and
/// every other the values would get, so that all are shown at once.
fn refused_image(lang: Lang, key: &str, v: &Values) -> FieldErrors {
    let mut fields = vec![("image".to_string(), key.to_string())];
    if let Err(errs) = events::check_pure(v) {
        fields.extend(
            errs.into_iter()
                .map(|(f, k)| (f.to_string(), k.to_string())),
        );
    }
    errors_of(lang, &fields)
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
    let p = form_page(
        &state,
        &ctx,
        v,
        FieldErrors::default(),
        None,
        ImageTyped::default(),
    )
    .await?;
    Ok(page(&ctx, &p))
}

pub(super) async fn new_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    req: Request,
) -> AppResult<Response> {
    let Some(u) = ctx.user.clone() else {
        return Ok(ctx.redirect("/login?next=%2Fevents%2Fnew"));
    };
    let mut form = read_form(&state, req).await?;
    ctx.verify_csrf(&form.get("csrf"))?;
    let v = values_of(&form.fields);
    let typed = ImageTyped {
        alt: form.get("image_alt"),
        remove: false,
    };
    let image = match image_of(&state, &mut form).await? {
        Ok(image) => image,
        Err(key) => {
            let errors = refused_image(ctx.lang, key, &v);
            let p = form_page(&state, &ctx, v, errors, None, typed).await?;
            return Ok(invalid(&ctx, &p));
        }
    };
    let sent = image.is_some();
    let edit = Edit {
        change: image.map_or(Change::Keep, Change::Replace),
        // Absent (a form without the image part): as it is.
        alt: form
            .fields
            .iter()
            .any(|(k, _)| k == "image_alt")
            .then(|| typed.alt.clone()),
    };
    match ops::create_with(&state, &Actor::person(&u), &v, edit).await {
        Ok(e) => {
            ctx.flash("flash-event-created");
            Ok(ctx.redirect(&e.path()))
        }
        Err(AppError::Invalid { mut fields }) => {
            if sent {
                fields.push(("image".into(), "event-image-choose-again".into()));
            }
            let errors = errors_of(ctx.lang, &fields);
            let p = form_page(&state, &ctx, v, errors, None, typed).await?;
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
    let typed = ImageTyped {
        alt: e.image.as_ref().map(|i| i.alt.clone()).unwrap_or_default(),
        remove: false,
    };
    let p = form_page(&state, &ctx, v, FieldErrors::default(), Some(e), typed).await?;
    Ok(page(&ctx, &p))
}

pub(super) async fn edit_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let l = editable(&state, &ctx, &id).await?;
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    let mut form = read_form(&state, req).await?;
    ctx.verify_csrf(&form.get("csrf"))?;
    let v = values_of(&form.fields);
    let typed = ImageTyped {
        alt: form.get("image_alt"),
        remove: !form.get("remove_image").is_empty(),
    };
    let image = match image_of(&state, &mut form).await? {
        Ok(image) => image,
        Err(key) => {
            let errors = refused_image(ctx.lang, key, &v);
            let p = form_page(&state, &ctx, v, errors, Some(&l.e), typed).await?;
            return Ok(invalid(&ctx, &p));
        }
    };
    let sent = image.is_some();
    let change = match image {
        Some(b) => Change::Replace(b),
        None if typed.remove => Change::Remove,
        None => Change::Keep,
    };
    let edit = Edit {
        change,
        // Absent (a form without the image part): as it is.
        alt: form
            .fields
            .iter()
            .any(|(k, _)| k == "image_alt")
            .then(|| typed.alt.clone()),
    };
    match ops::update_with(&state, &Actor::person(&u), l.e.id, &v, edit).await {
        Ok(e) => {
            ctx.flash("flash-event-saved");
            Ok(ctx.redirect(&e.path()))
        }
        Err(AppError::Invalid { mut fields }) => {
            if sent {
                fields.push(("image".into(), "event-image-choose-again".into()));
            }
            let errors = errors_of(ctx.lang, &fields);
            let p = form_page(&state, &ctx, v, errors, Some(&l.e), typed).await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}
