//! Public pages and plumbing: home, about, profiles, media, static files,
//! language switch, first-administrator setup, health and metrics.

use std::sync::OnceLock;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::AppState;
use super::ctx::{Ctx, LANG_COOKIE, set_cookie};
use super::templates::{FieldErrors, Shell, invalid, page};
use crate::accounts::signup::{self, Creator, NewAccount};
use crate::accounts::{self, Status};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::policy::{self, Action};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/about", get(about))
        .route("/u/{username}", get(profile))
        .route("/static/{file}", get(static_file))
        .route(
            "/favicon.ico",
            get(|| async { axum::response::Redirect::permanent("/static/favicon.svg") }),
        )
        .route("/lang", post(switch_lang))
        .route("/setup", get(setup_form).post(setup_submit))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
}

// ---- static files (embedded in the binary) ----------------------------------

const CSS: &str = include_str!("../../static/app.css");
const FAVICON: &str = include_str!("../../static/favicon.svg");

fn css_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| hex::encode(&Sha256::digest(CSS.as_bytes())[..6]))
}

/// Stylesheet URL carrying a content hash, so it can be cached for a year.
pub fn css_url() -> &'static str {
    static U: OnceLock<String> = OnceLock::new();
    U.get_or_init(|| format!("/static/app.css?v={}", css_hash()))
}

/// Tag suggestions while typing in a publication's tags field (the only
/// script of the compose and edit forms, which work without it).
const TAGS_JS: &str = include_str!("../../static/tags.js");

/// A static file's URL carrying a hash of its content (cached for a year).
fn hashed_url(name: &str, body: &str) -> String {
    format!(
        "/static/{name}?v={}",
        hex::encode(&Sha256::digest(body.as_bytes())[..6])
    )
}

/// The tag-suggestion script's URL, with a content hash like the stylesheet's.
pub fn tags_js_url() -> &'static str {
    static U: OnceLock<String> = OnceLock::new();
    U.get_or_init(|| hashed_url("tags.js", TAGS_JS))
}

/// The compose form's draft autosave and @mention suggestions (the form
/// works without it: "Enregistrer le brouillon", mentions typed by hand).
const COMPOSE_JS: &str = include_str!("../../static/compose.js");

pub fn compose_js_url() -> &'static str {
    static U: OnceLock<String> = OnceLock::new();
    U.get_or_init(|| hashed_url("compose.js", COMPOSE_JS))
}

/// Web Push on the settings page, and its service worker.
const PUSH_JS: &str = include_str!("../../static/push.js");
const PUSH_SW_JS: &str = include_str!("../../static/push-sw.js");

pub fn push_js_url() -> &'static str {
    static U: OnceLock<String> = OnceLock::new();
    U.get_or_init(|| hashed_url("push.js", PUSH_JS))
}

pub fn push_sw_url() -> &'static str {
    static U: OnceLock<String> = OnceLock::new();
    U.get_or_init(|| hashed_url("push-sw.js", PUSH_SW_JS))
}

async fn static_file(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let (body, ctype) = match file.as_str() {
        "app.css" => (CSS, "text/css; charset=utf-8"),
        "favicon.svg" => (FAVICON, "image/svg+xml"),
        "tags.js" => (TAGS_JS, "text/javascript; charset=utf-8"),
        "compose.js" => (COMPOSE_JS, "text/javascript; charset=utf-8"),
        "passkeys.js" => (super::passkeys::JS, "text/javascript; charset=utf-8"),
        "push.js" => (PUSH_JS, "text/javascript; charset=utf-8"),
        "push-sw.js" => (PUSH_SW_JS, "text/javascript; charset=utf-8"),
        _ => return AppError::NotFound.into_response(),
    };
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(body.as_bytes())[..8]));
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    (
        [
            (header::CONTENT_TYPE, ctype.to_string()),
            (
                header::CACHE_CONTROL,
                "public, max-age=31536000, immutable".to_string(),
            ),
            (header::ETAG, etag),
        ],
        body,
    )
        .into_response()
}

// ---- home and about -----------------------------------------------------------

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    s: Shell,
    description: String,
    needs_setup: bool,
    registration_open: bool,
    members: i64,
    display_name_missing: bool,
    feed: Vec<FeedCard>,
    page: i64,
    more: bool,
    /// A brand-new account (no community yet): "Bienvenue", not "Bonjour".
    newcomer: bool,
    mine: Vec<crate::publications::reads::MyCommunity>,
    /// The next event dates of my communities.
    events: Vec<crate::web::events::Row>,
    /// Communities to join, for someone with none yet.
    suggested: Vec<Suggestion>,
}

/// One publication of the signed-in home feed: its summary, the community
/// it comes from and whether it is new to the reader.
struct FeedCard {
    p: crate::publications::PublicationSummary,
    mark: crate::publications::reads::FeedMark,
}

impl FeedCard {
    /// Where the card leads: the first unread reply when there is one.
    fn href(&self) -> String {
        match self.mark.first_unread_reply {
            Some(rid) => crate::urls::reply(self.p.id, rid),
            None => self.p.path(),
        }
    }
}

struct Suggestion {
    name: String,
    path: String,
    about: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageQuery {
    page: i64,
}

async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let inst = state.instance().await?;
    let stats = state.home_stats().await?;
    let needs_setup = !stats.admin_exists;
    let members = stats.members;
    let page_no = q.page.clamp(0, 10_000);
    let (mut feed, mut more, mut mine, mut suggested) = (Vec::new(), false, Vec::new(), Vec::new());
    let mut events = Vec::new();
    if let Some(u) = &ctx.user {
        let (list, has_more) = crate::publications::list_for_member(&state.db, u, page_no).await?;
        more = has_more;
        let ids: Vec<i64> = list.iter().map(|p| p.id).collect();
        let mut marks = crate::publications::reads::feed_marks(&state.db, u, &ids).await?;
        feed = list
            .into_iter()
            .map(|p| FeedCard {
                mark: marks.remove(&p.id).unwrap_or_default(),
                p,
            })
            .collect();
        mine = crate::publications::reads::my_communities(&state.db, u).await?;
        if !mine.is_empty() && page_no == 0 {
            let f = crate::events::listing::Filter {
                member_of: Some(u.id),
                ..Default::default()
            };
            events = super::events::upcoming(&state, Some(u), ctx.lang, &f, 3).await?;
        }
        if mine.is_empty() {
            let (list, _) = crate::communities::directory::query(
                &state.db,
                Some(u),
                &crate::communities::directory::DirectoryFilter::default(),
                0,
            )
            .await?;
            suggested = list
                .into_iter()
                .take(6)
                .map(|c| {
                    let mut about: Vec<String> = Vec::new();
                    if let Some(t) = super::communities::theme_label(ctx.lang, &c.theme) {
                        about.push(t);
                    }
                    if let Some(r) = crate::communities::region_name(&c.territory) {
                        about.push(r.to_string());
                    }
                    about.push(ctx.lang.ta(
                        "community-member-count",
                        &[("count", crate::i18n::Arg::Num(c.member_count))],
                    ));
                    Suggestion {
                        path: c.path(),
                        name: c.name,
                        about: about.join(", "),
                    }
                })
                .collect();
        }
    }
    let s = Shell::new(&state, &ctx, "", "home");
    Ok(page(
        &ctx,
        &HomePage {
            description: inst.description.clone(),
            needs_setup,
            registration_open: inst.registration_mode != crate::settings::RegistrationMode::Closed,
            members,
            display_name_missing: ctx.user.as_ref().is_some_and(|u| u.display_name.is_empty()),
            newcomer: ctx.user.is_some() && mine.is_empty(),
            feed,
            page: page_no,
            more,
            mine,
            events,
            suggested,
            s,
        },
    ))
}

#[derive(Template)]
#[template(path = "about.html")]
struct AboutPage {
    s: Shell,
    description: String,
    charter: String,
    contact_email: String,
}

async fn about(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let inst = state.instance().await?;
    let s = Shell::new(&state, &ctx, &ctx.t("about-title"), "about")
        .crumb(ctx.t("about-title"), "/about");
    Ok(page(
        &ctx,
        &AboutPage {
            s,
            description: inst.description,
            charter: inst.charter,
            contact_email: inst.contact_email,
        },
    ))
}

// ---- public profile -------------------------------------------------------------

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    s: Shell,
    username: String,
    name: String,
    bio: String,
    avatar: Option<String>,
    since: i64,
    is_me: bool,
    status_note: Option<String>,
    /// Their latest publications the viewer may read, and those communities.
    recent: Vec<crate::publications::PublicationSummary>,
    communities: Vec<(String, String)>,
}

async fn profile(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(username): Path<String>,
) -> AppResult<Response> {
    let user = accounts::by_username(&state.db, &username)
        .await?
        .ok_or(AppError::NotFound)?;
    if !policy::can(ctx.user.as_ref(), Action::ViewProfile { target: &user }) {
        return Err(AppError::NotFound);
    }
    let s = Shell::new(&state, &ctx, user.shown_name(), "")
        .crumb(user.shown_name().to_string(), user.path());
    let (recent, communities) =
        crate::publications::list_by_author(&state.db, ctx.user.as_ref(), user.id, 10).await?;
    Ok(page(
        &ctx,
        &ProfilePage {
            recent,
            communities,
            username: user.username.clone(),
            name: user.shown_name().to_string(),
            bio: user.bio.clone(),
            avatar: user.avatar_url(),
            since: user.created_at,
            is_me: ctx.user.as_ref().is_some_and(|u| u.id == user.id),
            status_note: (user.status != Status::Active).then(|| {
                ctx.t(match user.status {
                    Status::Pending => "status-pending",
                    _ => "status-suspended",
                })
            }),
            s,
        },
    ))
}

// ---- language -----------------------------------------------------------------

#[derive(Deserialize)]
struct LangForm {
    #[serde(default)]
    csrf: String,
    lang: String,
}

async fn switch_lang(
    State(state): State<AppState>,
    mut ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<LangForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let lang = Lang::from_code(&f.lang).ok_or(AppError::BadRequest {
        code: "unknown_language",
        message_key: "error-400-text",
    })?;
    if let Some(u) = &ctx.user {
        crate::accounts::set_locale(&state.db, &crate::actor::Actor::person(u), lang).await?;
    }
    let secure = ctx.is_secure();
    ctx.add_cookie(set_cookie(
        LANG_COOKIE,
        lang.code(),
        Some(365 * 86400),
        secure,
    ));
    // Back to the page the person was on, when it is ours: the Referer is
    // parsed as a URL and kept only on our origin (the public URL's, or
    // the one this request was addressed to).
    let referer = headers.get(header::REFERER).and_then(|v| v.to_str().ok());
    let back = referer
        .and_then(|r| crate::redirect::same_origin_path(&state.config.public_url(), r))
        .or_else(|| {
            let host = headers.get(header::HOST)?.to_str().ok()?;
            let scheme = if ctx.is_secure() { "https" } else { "http" };
            crate::redirect::same_origin_path(&format!("{scheme}://{host}"), referer?)
        })
        .unwrap_or_else(|| "/".into());
    Ok(ctx.redirect(&back))
}

// ---- first administrator ----------------------------------------------------------

/// The setup link's storage and its preparation at start moved beneath the
/// entry points (start-up and the tests still name them here).
pub use crate::accounts::signup::{SETUP_TOKEN_KEY, prepare_setup};

#[derive(Deserialize, Default)]
#[serde(default)]
struct SetupForm {
    csrf: String,
    token: String,
    username: String,
    email: String,
    password: String,
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    s: Shell,
    form: SetupForm,
    errors: FieldErrors,
}

async fn setup_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SetupForm>,
) -> AppResult<Response> {
    if !signup::setup_open(&state, &q.token).await? {
        return Err(AppError::NotFound);
    }
    let s =
        Shell::new(&state, &ctx, &ctx.t("setup-title"), "").crumb(ctx.t("setup-title"), "/setup");
    Ok(page(
        &ctx,
        &SetupPage {
            s,
            form: SetupForm {
                token: q.token,
                ..Default::default()
            },
            errors: FieldErrors::default(),
        },
    ))
}

async fn setup_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(form): Form<SetupForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&form.csrf)?;
    let created = signup::create(
        &state,
        Creator::Setup { token: &form.token },
        NewAccount {
            username: &form.username,
            email: &form.email,
            password: &form.password,
            locale: ctx.lang.code(),
        },
        "",
    )
    .await;
    match created {
        Ok(created) => {
            ctx.log_in(
                &state,
                &created.user,
                crate::accounts::sessions::amr::PASSWORD,
            )
            .await?;
            ctx.flash("flash-setup-done");
            Ok(ctx.redirect("/admin"))
        }
        Err(AppError::Invalid { fields }) => {
            let s = Shell::new(&state, &ctx, &ctx.t("setup-title"), "")
                .crumb(ctx.t("setup-title"), "/setup");
            Ok(invalid(
                &ctx,
                &SetupPage {
                    s,
                    form: SetupForm {
                        password: String::new(),
                        ..form
                    },
                    errors: super::auth::field_errors(ctx.lang, &fields),
                },
            ))
        }
        Err(e) => Err(e),
    }
}

// ---- operations -------------------------------------------------------------------

async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            axum::Json(serde_json::json!({"status": "ok", "database": "ok"})),
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, HeaderValue::from_static("5"))],
                axum::Json(serde_json::json!({"status": "unavailable", "database": "unreachable"})),
            )
                .into_response()
        }
    }
}

/// Metrics are for the operator: served to a client on this very host (a
/// Prometheus on loopback that no proxy relays: `proxy::Client::local`,
/// which believes only the configured proxies and headers) and to
/// administrators' API tokens with the `admin` scope; 404 to everyone else.
async fn metrics(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let local = state.proxies.client(peer.ip(), &headers).local;
    let admin_token = match headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        Some(secret) => crate::api::tokens::authenticate(&state.db, secret.trim())
            .await?
            .is_some_and(|(u, scope)| {
                scope == crate::accounts::tokens::Scope::Admin
                    && policy::can(Some(&u), Action::Administer)
            }),
        None => false,
    };
    if !local && !admin_token {
        return Err(AppError::NotFound);
    }
    Ok(render_metrics(&state).await)
}

async fn render_metrics(state: &AppState) -> Response {
    let users = accounts::count_users(&state.db).await.unwrap_or(-1);
    let pending_jobs = crate::jobs::Queue::pending(&state.db).await.unwrap_or(-1);
    let failed_jobs = crate::jobs::Queue::failed(&state.db).await.unwrap_or(-1);
    let uptime = state.started.elapsed().as_secs() as i64;
    let body = state.metrics.render(&[
        ("passerelles_local_accounts", "Local accounts.", users),
        (
            "passerelles_jobs_pending",
            "Jobs waiting or in progress.",
            pending_jobs,
        ),
        (
            "passerelles_jobs_failed",
            "Jobs that failed for good.",
            failed_jobs,
        ),
        (
            "passerelles_uptime_seconds",
            "Seconds since this process started.",
            uptime,
        ),
    ]);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
