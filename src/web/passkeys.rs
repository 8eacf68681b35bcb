//! Passkey pages: the list in the settings (add, rename, remove), the
//! password-less sign-in from the log-in page, and the passkey as the
//! second factor after a password. The ceremonies need JavaScript
//! (`static/passkeys.js` fetches the options as JSON, calls WebAuthn, and
//! submits the ordinary form with the browser's answer); everything else —
//! password, TOTP, recovery codes — works without it. Verification and
//! storage are in `crate::webauthn`.

use std::sync::OnceLock;

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::AppState;
use super::ctx::{self, Ctx};
use super::second_factor::live_challenge;
use super::settings::me;
use super::templates::{Shell, invalid, page};
use crate::accounts::{self, Status, User, passkeys};
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::ratelimit;
use crate::totp;
use crate::webauthn::{self, Passkey, Purpose, RelyingParty};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/passkeys", get(settings_page))
        .route("/settings/passkeys/options", post(register_options))
        .route("/settings/passkeys/add", post(add))
        .route("/settings/passkeys/rename", post(rename))
        .route("/settings/passkeys/remove", post(remove))
        .route("/login/passkey/options", post(sign_in_options))
        .route("/login/passkey", post(sign_in))
        .route(
            "/login/second-factor/passkey/options",
            post(second_factor_options),
        )
        .route("/login/second-factor/passkey", post(second_factor))
}

pub const JS: &str = include_str!("../../static/passkeys.js");

/// The script's URL, with a content hash (served for a year).
pub fn js_url() -> &'static str {
    static U: OnceLock<String> = OnceLock::new();
    U.get_or_init(|| {
        format!(
            "/static/passkeys.js?v={}",
            hex::encode(&Sha256::digest(JS.as_bytes())[..6])
        )
    })
}

pub use crate::accounts::passkeys::NAME_MAX;

pub(super) fn rp(state: &AppState) -> RelyingParty {
    RelyingParty::from_public_url(&state.config.public_url(), &state.instance_name())
        .unwrap_or_else(|| RelyingParty {
            id: "localhost".into(),
            origin: state.config.public_url(),
            name: state.instance_name(),
        })
}

/// Whether a person has a passkey: it counts as a second factor.
pub async fn has_passkey(state: &AppState, user_id: i64) -> AppResult<bool> {
    Ok(webauthn::has_passkey(&state.db, user_id).await?)
}

/// A name for a passkey made in this browser when none is given: the
/// device ("Firefox sur Linux"), like other platforms suggest, or a
/// generic one when the browser is not recognised.
fn device_name(ctx: &Ctx) -> String {
    match crate::useragent::parse(&ctx.user_agent) {
        crate::useragent::Device {
            browser: None,
            os: None,
        } => ctx.t("passkey-default-name"),
        _ => crate::useragent::label(ctx.lang, &ctx.user_agent),
    }
}

fn decode(s: &str) -> Option<Vec<u8>> {
    webauthn::unb64(s)
}

// ---- settings ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "settings_passkeys.html")]
struct SettingsPage {
    s: Shell,
    nav: Vec<(String, &'static str, bool)>,
    keys: Vec<Passkey>,
    /// Recovery codes made with a first passkey (shown once).
    codes: Vec<String>,
    error: Option<String>,
    name: String,
    js: &'static str,
    /// This browser, readably ("Firefox sur Linux"): the default name.
    device: String,
    /// The passkey whose removal was refused (its form stays open).
    removing: Option<i64>,
}

impl SettingsPage {
    fn is_removing(&self, id: &i64) -> bool {
        self.removing == Some(*id)
    }
}

async fn settings_view(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    codes: Vec<String>,
    error: Option<String>,
    name: String,
) -> AppResult<SettingsPage> {
    settings_view_removing(state, ctx, user, codes, error, name, None).await
}

async fn settings_view_removing(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    codes: Vec<String>,
    error: Option<String>,
    name: String,
    removing: Option<i64>,
) -> AppResult<SettingsPage> {
    let title = ctx.t("settings-passkeys");
    Ok(SettingsPage {
        s: Shell::new(state, ctx, &title, "settings")
            .crumb(ctx.t("nav-settings"), "/settings/profile")
            .crumb(title, "/settings/passkeys"),
        nav: super::settings::sections(ctx.lang, "/settings/passkeys"),
        keys: webauthn::list(&state.db, user.id).await?,
        codes,
        error,
        name,
        js: js_url(),
        device: device_name(ctx),
        removing,
    })
}

async fn settings_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let view = settings_view(&state, &ctx, &user, Vec::new(), None, String::new()).await?;
    Ok(page(&ctx, &view))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CsrfForm {
    csrf: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RegisterOptionsForm {
    csrf: String,
    password: String,
}

/// The password asked again before a passkey is added or removed (a
/// borrowed session must not change how the account signs in), its
/// failures counted per account (`accounts::signin::confirm_password`).
async fn password_confirmed(state: &AppState, user: &User, password: &str) -> AppResult<bool> {
    accounts::signin::confirm_password(&state.db, user, password).await
}

/// The options of a registration. The password is checked here already, so
/// that a wrong one fails before the device makes a credential we would
/// then refuse (403: the script says why).
async fn register_options(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<RegisterOptionsForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = ctx.user()?.clone();
    if !policy::can(Some(&user), Action::EditAccount { target: &user }) {
        return Err(AppError::Forbidden);
    }
    let binding = ctx.session_hash.clone().ok_or(AppError::Unauthorized)?;
    if !password_confirmed(&state, &user, &f.password).await? {
        return Err(AppError::Forbidden);
    }
    let challenge =
        webauthn::new_challenge(&state.db, Purpose::Register, &binding, Some(user.id)).await?;
    let handle = webauthn::user_handle(&state.db, user.id).await?;
    let existing = webauthn::list(&state.db, user.id).await?;
    let options = webauthn::creation_options(
        &rp(&state),
        &challenge,
        &handle,
        &user.username,
        user.shown_name(),
        &existing,
    );
    Ok(ctx.finish(Json(options)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AddForm {
    csrf: String,
    name: String,
    password: String,
    credential: String,
}

/// Verify a registration posted by the script; `Err(message key)` when refused.
async fn registered(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    credential: &str,
) -> AppResult<Result<webauthn::NewCredential, &'static str>> {
    if credential.is_empty() || credential.len() > webauthn::MAX_RESPONSE {
        return Ok(Err("passkey-failed"));
    }
    let Ok(r) = serde_json::from_str::<webauthn::RegistrationJson>(credential) else {
        return Ok(Err("passkey-failed"));
    };
    let (Some(cdj), Some(att)) = (
        decode(&r.response.client_data_json),
        decode(&r.response.attestation_object),
    ) else {
        return Ok(Err("passkey-failed"));
    };
    let Some(challenge) = webauthn::claimed_challenge(&cdj) else {
        return Ok(Err("passkey-failed"));
    };
    let binding = ctx.session_hash.clone().unwrap_or_default();
    match webauthn::take_challenge(&state.db, &challenge, Purpose::Register, &binding).await? {
        Some(Some(uid)) if uid == user.id => {}
        _ => return Ok(Err("passkey-expired")),
    }
    match webauthn::verify_registration(&rp(state), &challenge, &cdj, &att, true) {
        Ok(c) if r.typ == "public-key" && decode(&r.id).as_deref() == Some(&c.credential_id) => {
            Ok(Ok(c))
        }
        Ok(_) => Ok(Err("passkey-failed")),
        Err(e) => {
            tracing::info!(request_id = %ctx.request_id, error = %e, "passkey registration refused");
            Ok(Err("passkey-failed"))
        }
    }
}

async fn add(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<AddForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let name = f.name.trim().to_string();
    let refuse = |key: &str, name: String| {
        let (state, ctx, user, msg) = (&state, &ctx, &user, ctx.t(key));
        async move {
            let view = settings_view(state, ctx, user, Vec::new(), Some(msg), name).await?;
            Ok::<_, AppError>(invalid(ctx, &view))
        }
    };
    if name.chars().count() > NAME_MAX {
        return refuse("passkey-name-too-long", name).await;
    }
    if webauthn::count(&state.db, user.id).await? >= webauthn::MAX_PER_ACCOUNT {
        return refuse("passkey-too-many", name).await;
    }
    // A passkey signs in on its own: a borrowed session must not be able
    // to plant one. The password is asked again (and counted like a log-in).
    if !password_confirmed(&state, &user, &f.password).await? {
        return refuse("passkey-password-wrong", name).await;
    }
    let cred = match registered(&state, &ctx, &user, &f.credential).await? {
        Ok(c) => c,
        Err(key) => return refuse(key, name).await,
    };
    let transports = serde_json::from_str::<webauthn::RegistrationJson>(&f.credential)
        .map(|r| webauthn::clean_transports(&r.response.transports))
        .unwrap_or_default();
    let name = if name.is_empty() {
        device_name(&ctx)
    } else {
        name
    };
    let added = passkeys::add(
        &state,
        &Actor::person(&user),
        &cred,
        &transports,
        &name,
        &ctx.user_agent,
    )
    .await;
    match added {
        Ok(Some(codes)) => {
            let view = settings_view(&state, &ctx, &user, codes, None, String::new()).await?;
            Ok(page(&ctx, &view))
        }
        Ok(None) => {
            ctx.flash("flash-passkey-added");
            Ok(ctx.redirect("/settings/passkeys"))
        }
        Err(AppError::Invalid { fields }) => {
            let key = fields.first().map(|(_, k)| k.clone()).unwrap_or_default();
            refuse(&key, name).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct KeyForm {
    csrf: String,
    id: i64,
    name: String,
}

async fn rename(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<KeyForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    match passkeys::rename(&state, &Actor::person(&user), f.id, &f.name).await {
        Ok(()) => {}
        Err(AppError::Invalid { .. }) => {
            let view = settings_view(
                &state,
                &ctx,
                &user,
                Vec::new(),
                Some(ctx.t("passkey-name-invalid")),
                String::new(),
            )
            .await?;
            return Ok(invalid(&ctx, &view));
        }
        Err(e) => return Err(e),
    }
    ctx.flash("flash-passkey-renamed");
    Ok(ctx.redirect("/settings/passkeys"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RemoveForm {
    csrf: String,
    id: i64,
    password: String,
}

/// Removing a passkey asks for the current password, like adding one: a
/// borrowed session must not be able to take away the owner's way in (nor
/// their second factor) either.
async fn remove(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<RemoveForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let Some(key) = webauthn::list(&state.db, user.id)
        .await?
        .into_iter()
        .find(|k| k.id == f.id)
    else {
        return Err(AppError::NotFound);
    };
    if !password_confirmed(&state, &user, &f.password).await? {
        let msg = ctx.t(if f.password.is_empty() {
            "passkey-remove-password-missing"
        } else {
            "passkey-remove-password-wrong"
        });
        let view = settings_view_removing(
            &state,
            &ctx,
            &user,
            Vec::new(),
            Some(msg),
            String::new(),
            Some(key.id),
        )
        .await?;
        return Ok(invalid(&ctx, &view));
    }
    match passkeys::remove(&state, &Actor::person(&user), key.id, &ctx.user_agent).await {
        Ok(()) => {}
        Err(AppError::Conflict { message_key, .. }) => {
            let view = settings_view(
                &state,
                &ctx,
                &user,
                Vec::new(),
                Some(ctx.t(message_key)),
                String::new(),
            )
            .await?;
            return Ok(invalid(&ctx, &view));
        }
        Err(e) => return Err(e),
    }
    ctx.flash("flash-passkey-removed");
    Ok(ctx.redirect("/settings/passkeys"))
}

// ---- sign-in -----------------------------------------------------------------------

/// A verified assertion for `purpose`: the passkey and its owner.
pub(super) async fn asserted(
    state: &AppState,
    ctx: &Ctx,
    credential: &str,
    purpose: Purpose,
    binding: &str,
    expected_user: Option<i64>,
) -> AppResult<Option<(Passkey, User)>> {
    if credential.is_empty() || credential.len() > webauthn::MAX_RESPONSE {
        return Ok(None);
    }
    let Ok(a) = serde_json::from_str::<webauthn::AssertionJson>(credential) else {
        return Ok(None);
    };
    let (Some(cdj), Some(ad), Some(sig), Some(raw_id)) = (
        decode(&a.response.client_data_json),
        decode(&a.response.authenticator_data),
        decode(&a.response.signature),
        decode(&a.id),
    ) else {
        return Ok(None);
    };
    if a.typ != "public-key" {
        return Ok(None);
    }
    let Some(challenge) = webauthn::claimed_challenge(&cdj) else {
        return Ok(None);
    };
    let Some(for_user) = webauthn::take_challenge(&state.db, &challenge, purpose, binding).await?
    else {
        return Ok(None);
    };
    if for_user != expected_user {
        return Ok(None);
    }
    let Some(key) = webauthn::by_credential_id(&state.db, &webauthn::b64(&raw_id)).await? else {
        return Ok(None);
    };
    if expected_user.is_some_and(|u| u != key.user_id) {
        return Ok(None);
    }
    // The user handle, when given (always, for a discoverable credential),
    // must name the passkey's owner.
    match a.response.user_handle.as_deref().filter(|h| !h.is_empty()) {
        Some(h) => {
            let canonical = decode(h).map(|b| webauthn::b64(&b)).unwrap_or_default();
            if webauthn::user_by_handle(&state.db, &canonical).await? != Some(key.user_id) {
                return Ok(None);
            }
        }
        None if purpose == Purpose::SignIn => return Ok(None),
        None => {}
    }
    let Some(cose) = decode(&key.public_key) else {
        return Ok(None);
    };
    let stored = u32::try_from(key.sign_count).unwrap_or(u32::MAX);
    let require_uv = purpose == Purpose::SignIn;
    match webauthn::verify_assertion(
        &rp(state),
        &challenge,
        &cdj,
        &ad,
        &sig,
        &cose,
        stored,
        require_uv,
    ) {
        Ok(v) => {
            if !webauthn::record_use(&state.db, key.id, key.sign_count, v.sign_count).await? {
                return Ok(None);
            }
        }
        Err(webauthn::Error::Counter) => {
            tracing::warn!(request_id = %ctx.request_id, passkey = key.id, "passkey counter went back: possible clone");
            webauthn::flag_clone(&state.db, key.id).await?;
            accounts::audit(
                &state.db,
                Some(key.user_id),
                "passkey_clone_suspected",
                Some(key.user_id),
                &key.name,
            )
            .await?;
            return Ok(None);
        }
        Err(e) => {
            tracing::info!(request_id = %ctx.request_id, error = %e, "passkey assertion refused");
            return Ok(None);
        }
    }
    let Some(user) = accounts::by_id(&state.db, key.user_id).await? else {
        return Ok(None);
    };
    Ok(Some((key, user)))
}

async fn sign_in_options(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    super::auth::limit(
        &state,
        &format!("passkey:ip:{}", ctx.ip_key()),
        ratelimit::CHALLENGES_PER_IP,
    )
    .await?;
    let challenge = webauthn::new_challenge(&state.db, Purpose::SignIn, &ctx.csrf, None).await?;
    Ok(ctx.finish(Json(webauthn::request_options(
        &rp(&state),
        &challenge,
        &[],
        "required",
    ))))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SignInForm {
    csrf: String,
    next: String,
    credential: String,
}

fn login_again(ctx: &mut Ctx, flash: &'static str, next: &str) -> Response {
    ctx.flash(flash);
    if next.is_empty() {
        ctx.redirect("/login")
    } else {
        ctx.redirect(&format!(
            "/login?next={}",
            percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC)
        ))
    }
}

async fn sign_in(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<SignInForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    // Counted against the address like a failed password, unless it succeeds.
    let attempt = accounts::signin::other_attempt(&state.db, &ctx.ip_key()).await?;
    let next = ctx::safe_local_path(if f.next.is_empty() { "/" } else { &f.next });
    let binding = ctx.csrf.clone();
    let Some((key, user)) =
        asserted(&state, &ctx, &f.credential, Purpose::SignIn, &binding, None).await?
    else {
        return Ok(login_again(&mut ctx, "flash-passkey-failed", &f.next));
    };
    attempt.succeeded(&state.db).await?;
    // The same doors as the password: only active, verified accounts.
    if user.status != Status::Active
        || !user.email_verified
        || !policy::can(Some(&user), Action::EditAccount { target: &user })
    {
        return Ok(login_again(&mut ctx, "flash-passkey-account", &f.next));
    }
    accounts::audit(
        &state.db,
        Some(user.id),
        "passkey_used",
        Some(user.id),
        &key.name,
    )
    .await?;
    // A passkey with user verification is already two factors: no code.
    ctx.log_in(
        &state,
        &user,
        &accounts::sessions::amr::passkey_alone(key.backup_eligible),
    )
    .await?;
    Ok(ctx.redirect(&next))
}

// ---- as the second factor ------------------------------------------------------------

async fn second_factor_options(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let Some((token, challenge)) = live_challenge(&state, &headers).await? else {
        return Err(AppError::Unauthorized);
    };
    let user_id = challenge.user_id;
    accounts::signin::second_factor_try(&state.db, user_id).await?;
    let keys = webauthn::list(&state.db, user_id).await?;
    let challenge =
        webauthn::new_challenge(&state.db, Purpose::SecondFactor, &token, Some(user_id)).await?;
    Ok(ctx.finish(Json(webauthn::request_options(
        &rp(&state),
        &challenge,
        &keys,
        "preferred",
    ))))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AssertionForm {
    csrf: String,
    credential: String,
}

async fn second_factor(
    State(state): State<AppState>,
    mut ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<AssertionForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let Some((token, challenge)) = live_challenge(&state, &headers).await? else {
        return Ok(ctx.redirect("/login"));
    };
    let user_id = challenge.user_id;
    accounts::signin::second_factor_try(&state.db, user_id).await?;
    let Some((key, user)) = asserted(
        &state,
        &ctx,
        &f.credential,
        Purpose::SecondFactor,
        &token,
        Some(user_id),
    )
    .await?
    else {
        ctx.flash("flash-passkey-failed");
        return Ok(ctx.redirect("/login/second-factor"));
    };
    totp::close_challenge(&state.db, &token).await?;
    // The account may have been suspended in the meantime.
    if !policy::can(Some(&user), Action::EditAccount { target: &user }) {
        return Err(AppError::Forbidden);
    }
    accounts::audit(
        &state.db,
        Some(user.id),
        "passkey_used",
        Some(user.id),
        &key.name,
    )
    .await?;
    let amr = accounts::sessions::amr::password_and(accounts::sessions::amr::passkey_kind(
        key.backup_eligible,
    ));
    super::second_factor::passed(&state, &mut ctx, &challenge, &user, &amr).await
}
