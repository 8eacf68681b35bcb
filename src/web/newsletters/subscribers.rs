//! Newsletter pages on the subscribers' side: confirmation, one-click
//! unsubscribe, members' proposals, the settings page, and the editors'
//! subscriber import.

use super::*;

// ---- confirmation, unsubscribe -----------------------------------------------------------------

#[derive(Template)]
#[template(path = "confirm.html")]
pub(super) struct ConfirmPage {
    s: Shell,
    heading: String,
    text: String,
    action: String,
    token: String,
    next: String,
    button: String,
}

#[derive(Template)]
#[template(path = "message.html")]
pub(super) struct MessagePage {
    s: Shell,
    heading: String,
    paragraphs: Vec<String>,
    action: Option<(String, String)>,
}

pub(super) fn message(
    state: &AppState,
    ctx: &Ctx,
    heading_key: &str,
    text: String,
    back: Option<(String, String)>,
) -> Response {
    let heading = ctx.t(heading_key);
    page(
        ctx,
        &MessagePage {
            s: Shell::new(state, ctx, &heading, "newsletters"),
            heading,
            paragraphs: vec![text],
            action: back,
        },
    )
}

/// A page with a button: following a link from an e-mail never acts by
/// itself (mail scanners open links).
pub(super) async fn confirm_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let heading = ctx.t("newsletter-confirm-title");
    let p = ConfirmPage {
        s: Shell::new(&state, &ctx, &heading, "newsletters"),
        heading,
        text: ctx.t("newsletter-confirm-text"),
        action: crate::urls::newsletter_confirm(&token),
        token: token.clone(),
        next: String::new(),
        button: ctx.t("newsletter-confirm-button"),
    };
    Ok(page(&ctx, &p))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct TokenForm {
    csrf: String,
}

pub(super) async fn confirm_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(f): Form<TokenForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    match ops::confirm(&state, &token).await {
        Ok(list) => {
            let text = ctx.lang.ta(
                "newsletter-confirmed-text",
                &[("name", Arg::Str(list.name.clone()))],
            );
            Ok(message(
                &state,
                &ctx,
                "newsletter-confirmed-title",
                text,
                Some((list.name.clone(), list.path())),
            ))
        }
        Err(AppError::NotFound) => {
            let res = message(
                &state,
                &ctx,
                "newsletter-confirm-invalid-title",
                ctx.t("newsletter-confirm-invalid-text"),
                None,
            );
            Ok((StatusCode::NOT_FOUND, res).into_response())
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn unsubscribe_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let heading = ctx.t("newsletter-unsubscribe-title");
    let p = ConfirmPage {
        s: Shell::new(&state, &ctx, &heading, "newsletters"),
        heading,
        text: ctx.t("newsletter-unsubscribe-text"),
        action: crate::urls::newsletter_unsubscribe(&token),
        token: token.clone(),
        next: String::new(),
        button: ctx.t("newsletter-unsubscribe-button"),
    };
    Ok(page(&ctx, &p))
}

/// The one-click unsubscribe (RFC 8058): a mail client POSTs
/// `List-Unsubscribe=One-Click` here with no cookie and no CSRF token; the
/// signed token is the authority, and it can only unsubscribe, so no CSRF
/// check applies (the page's button posts here as well).
pub(super) async fn unsubscribe_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    match ops::unsubscribe(&state, &token).await {
        Ok(list) => {
            let text = ctx.lang.ta(
                "newsletter-unsubscribed-text",
                &[("name", Arg::Str(list.name.clone()))],
            );
            Ok(message(
                &state,
                &ctx,
                "newsletter-unsubscribed-title",
                text,
                None,
            ))
        }
        Err(AppError::NotFound) => {
            let res = message(
                &state,
                &ctx,
                "newsletter-unsubscribe-invalid-title",
                ctx.t("newsletter-unsubscribe-invalid-text"),
                None,
            );
            Ok((StatusCode::NOT_FOUND, res).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ProposeForm {
    csrf: String,
    reference: String,
    note: String,
}

/// A member proposes a publication for the next issue.
pub(super) async fn propose(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<ProposeForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let actor = actor(&ctx)?;
    let a = newsletter::load(&state, ctx.user.as_ref(), &slug).await?;
    match newsletter::suggest::propose(&state, &actor, &a, &f.reference, &f.note).await {
        Ok(()) => {
            ctx.flash("flash-newsletter-proposed");
            Ok(ctx.redirect(&a.list.path()))
        }
        Err(AppError::Invalid { fields }) => {
            let typed = Typed {
                reference: f.reference.clone(),
                note: f.note.clone(),
                errors: errors_of(ctx.lang, &fields),
                ..no_typing()
            };
            let p = show_page(&state, &ctx, &a, typed).await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

// ---- settings: the member's subscriptions ------------------------------------------------------

pub struct SettingsRow {
    pub slug: String,
    pub path: String,
    pub name: String,
    pub community: String,
    pub subscribed: bool,
}

#[derive(Template)]
#[template(path = "settings_newsletters.html")]
pub(super) struct SettingsPage {
    s: Shell,
    nav: Vec<(String, &'static str, bool)>,
    rows: Vec<SettingsRow>,
    has_email: bool,
}

/// Every list the member may read, with a button to subscribe with the
/// account's address or to unsubscribe.
pub(super) async fn settings_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = match crate::web::settings::me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let mut rows = Vec::new();
    for list in newsletter::all(&state.db).await? {
        let a = match newsletter::access(&state, Some(&user), list).await {
            Ok(a) => a,
            Err(AppError::NotFound) => continue,
            Err(e) => return Err(e),
        };
        let subscribed = ops::member_subscribed(&state, &a.list, &user)
            .await?
            .is_some();
        rows.push(SettingsRow {
            slug: a.list.slug.clone(),
            path: a.list.path(),
            name: a.list.name.clone(),
            community: a
                .community
                .as_ref()
                .map(|l| l.c.name.clone())
                .unwrap_or_default(),
            subscribed,
        });
    }
    let title = ctx.t("newsletter-settings-title");
    let p = SettingsPage {
        s: Shell::new(&state, &ctx, &title, "settings")
            .crumb(ctx.t("nav-settings"), "/settings/profile")
            .crumb(title.clone(), "/settings/newsletters"),
        nav: crate::web::settings::sections(ctx.lang, "/settings/newsletters"),
        rows,
        has_email: user.email.is_some() && user.email_verified,
    };
    Ok(page(&ctx, &p))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SettingsForm {
    csrf: String,
    list: String,
    action: String,
}

pub(super) async fn settings_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<SettingsForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match crate::web::settings::me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let a = newsletter::load(&state, Some(&user), f.list.trim()).await?;
    if f.action == "unsubscribe" {
        if let Some(sid) = ops::member_subscribed(&state, &a.list, &user).await? {
            ops::unsubscribe(&state, &a.list.unsubscribe_token(sid)).await?;
        }
        ctx.flash("flash-newsletter-unsubscribed");
    } else {
        let wording = ctx.t("newsletter-member-subscribe");
        ops::subscribe_member(&state, &Actor::person(&user), &a, &wording).await?;
        ctx.flash("flash-newsletter-subscribed");
    }
    Ok(ctx.redirect("/settings/newsletters"))
}

// ---- import ------------------------------------------------------------------------------------

pub struct ImportLine {
    pub line: usize,
    pub email: String,
    pub outcome: String,
}

#[derive(Template)]
#[template(path = "newsletter_import.html")]
pub(super) struct ImportPage {
    s: Shell,
    name: String,
    list_path: String,
    path: String,
    errors: FieldErrors,
    attest: bool,
    consented_on: String,
    source: String,
    wording: String,
    report: Option<Vec<ImportLine>>,
    added: usize,
}

pub(super) fn import_page(state: &AppState, ctx: &Ctx, a: &Access) -> ImportPage {
    let title = ctx.t("newsletter-import-title");
    let path = format!("{}/import", a.list.path());
    ImportPage {
        s: Shell::new(state, ctx, &title, "newsletters")
            .crumb(ctx.t("newsletter-index-title"), "/newsletters")
            .crumb(a.list.name.clone(), a.list.path())
            .crumb(title.clone(), path.clone()),
        name: a.list.name.clone(),
        list_path: a.list.path(),
        path,
        errors: FieldErrors::default(),
        attest: false,
        consented_on: String::new(),
        source: String::new(),
        wording: String::new(),
        report: None,
        added: 0,
    }
}

pub(super) async fn import_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let a = newsletter::load(&state, ctx.user.as_ref(), &slug).await?;
    if !a.edit {
        return Err(AppError::NotFound);
    }
    Ok(page(&ctx, &import_page(&state, &ctx, &a)))
}

/// A date `YYYY-MM-DD` as unix time (noon UTC: the day, whatever the zone).
pub(super) fn day(s: &str) -> Option<i64> {
    let mut parts = s.trim().splitn(3, '-');
    let y: i32 = parts.next()?.parse().ok()?;
    let m: u8 = parts.next()?.parse().ok()?;
    let d: u8 = parts.next()?.parse().ok()?;
    let d = time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()?;
    Some(d.with_hms(12, 0, 0).ok()?.assume_utc().unix_timestamp())
}

pub(super) async fn import_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    mp: axum::extract::Multipart,
) -> AppResult<Response> {
    let form = crate::edge::read_multipart(mp, "file").await?;
    ctx.verify_csrf(&form.get("csrf"))?;
    let a = newsletter::load(&state, ctx.user.as_ref(), &slug).await?;
    if !a.edit {
        return Err(AppError::NotFound);
    }
    let actor = actor(&ctx)?;
    let mut p = import_page(&state, &ctx, &a);
    p.attest = form.get("attest") == "1";
    p.consented_on = form.get("consented_on");
    p.source = form.get("source");
    p.wording = form.get("wording");
    let body = match form.uploads.first() {
        Some(f) => String::from_utf8_lossy(&f.bytes).into_owned(),
        None => form.get("content"),
    };
    if body.trim().is_empty() {
        p.errors.add(ctx.lang, "file", "field-required");
        return Ok(invalid(&ctx, &p));
    }
    let attestation = p.attest.then(|| newsletter::import::Attestation {
        consented_at: day(&p.consented_on).unwrap_or(0),
        source: p.source.clone(),
        wording: p.wording.clone(),
    });
    match newsletter::import::import(&state, &actor, &a, &body, attestation.as_ref()).await {
        Ok(lines) => {
            p.added = lines
                .iter()
                .filter(|l| {
                    matches!(
                        l.outcome,
                        "newsletter-import-added" | "newsletter-import-confirm-sent"
                    )
                })
                .count();
            p.report = Some(
                lines
                    .into_iter()
                    .map(|l| ImportLine {
                        line: l.line,
                        email: l.email,
                        outcome: ctx.t(l.outcome),
                    })
                    .collect(),
            );
            Ok(page(&ctx, &p))
        }
        Err(AppError::Invalid { fields }) => {
            p.errors = errors_of(ctx.lang, &fields);
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}
