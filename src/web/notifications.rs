//! The notification centre page: records grouped by publication, unread
//! first; mark one or all read. Records about publications the person may no
//! longer read are left out (`notifications::list` asks the policy).

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};

use super::AppState;
use super::ctx::Ctx;
use super::templates::{FieldErrors, Shell, invalid, page};
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::notifications::prefs::{Channel, Kind, Level, Zone};
use crate::notifications::unsubscribe::{self, Target};
use crate::notifications::{self, Group, Item};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list_page))
        .route("/notifications/read", post(mark_read))
        .route("/notifications/mute", post(mute_thread))
        .route(
            "/notifications/unsubscribe/{token}",
            get(unsubscribe_page).post(unsubscribe_post),
        )
        .route(
            crate::urls::NOTIFICATION_SETTINGS,
            get(settings_get).post(settings_post),
        )
        .route(PUSH_SUBSCRIBE, post(push_subscribe))
        .route(PUSH_UNSUBSCRIBE, post(push_unsubscribe))
}

/// Where `static/push.js` sends a browser's subscription (form fields
/// `csrf`, `endpoint`, `p256dh`, `auth`; 204, or 422 with the fields).
pub const PUSH_SUBSCRIBE: &str = "/settings/notifications/push/subscribe";
/// … and forgets it (`csrf`, `endpoint`; 204).
pub const PUSH_UNSUBSCRIBE: &str = "/settings/notifications/push/unsubscribe";

async fn push_subscribe(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> AppResult<Response> {
    use axum::response::IntoResponse;
    let pairs = crate::edge::form_pairs(&body);
    let get = |k: &str| crate::edge::first(&pairs, k);
    ctx.verify_csrf(&get("csrf"))?;
    let user = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    let sub = notifications::push::NewSubscription {
        endpoint: get("endpoint"),
        p256dh: get("p256dh"),
        auth: get("auth"),
    };
    match notifications::push::subscribe(&state, &Actor::person(&user), &sub).await {
        Ok(()) => Ok(axum::http::StatusCode::NO_CONTENT.into_response()),
        Err(AppError::Invalid { fields }) => {
            let names: Vec<String> = fields.into_iter().map(|(f, _)| f).collect();
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                [(
                    axum::http::header::CONTENT_TYPE,
                    "text/plain; charset=utf-8",
                )],
                format!("invalid: {}", names.join(", ")),
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

async fn push_unsubscribe(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> AppResult<Response> {
    use axum::response::IntoResponse;
    let pairs = crate::edge::form_pairs(&body);
    let get = |k: &str| crate::edge::first(&pairs, k);
    ctx.verify_csrf(&get("csrf"))?;
    let user = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    notifications::push::unsubscribe(&state, &Actor::person(&user), &get("endpoint")).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

pub struct ItemView {
    pub id: i64,
    pub text: String,
    pub link: String,
    pub unread: bool,
    pub created_at: i64,
}

pub struct GroupView {
    pub publication_id: Option<i64>,
    pub title: String,
    pub link: String,
    pub unread: i64,
    pub items: Vec<ItemView>,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct ListPage {
    s: Shell,
    groups: Vec<GroupView>,
    unread: i64,
}

/// The sentence for one record, in the reader's language.
pub fn describe(lang: Lang, item: &Item) -> String {
    notifications::describe(lang, item)
}

fn group_view(lang: Lang, g: Group) -> GroupView {
    GroupView {
        publication_id: g.publication_id,
        title: if g.title.is_empty() {
            lang.t("notification-untitled")
        } else {
            g.title.clone()
        },
        link: g.link(),
        unread: g.unread,
        items: g
            .items
            .iter()
            .map(|i| ItemView {
                id: i.id,
                text: describe(lang, i),
                link: i.link(),
                unread: i.unread(),
                created_at: i.created_at,
            })
            .collect(),
    }
}

async fn list_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = match ctx.require_login() {
        Ok(u) => u.clone(),
        Err(r) => return Ok(r),
    };
    let groups = notifications::list(&state.db, &user, notifications::SHOWN).await?;
    let unread = groups.iter().map(|g| g.unread).sum();
    let title = ctx.t("notifications-title");
    Ok(page(
        &ctx,
        &ListPage {
            s: Shell::new(&state, &ctx, &title, "").crumb(title.clone(), "/notifications"),
            groups: groups
                .into_iter()
                .map(|g| group_view(ctx.lang, g))
                .collect(),
            unread,
        },
    ))
}

/// `id=<n>` marks one record, `all=1` every record.
async fn mark_read(State(state): State<AppState>, ctx: Ctx, body: Bytes) -> AppResult<Response> {
    let pairs = crate::edge::form_pairs(&body);
    let get = |k: &str| crate::edge::first(&pairs, k);
    ctx.verify_csrf(&get("csrf"))?;
    let user = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    if get("all") == "1" {
        notifications::mark_all_read(&state.db, user.id).await?;
    } else {
        let id: i64 = get("id").trim().parse().map_err(|_| AppError::BadRequest {
            code: "bad_id",
            message_key: "error-400-text",
        })?;
        if !notifications::mark_read(&state.db, user.id, id).await? {
            return Err(AppError::NotFound);
        }
    }
    Ok(ctx.redirect("/notifications"))
}

// ---- mute a thread --------------------------------------------------------------------------

/// `publication=<id>&mute=1|0`, from the notification centre (mute) or the
/// settings page (`next=settings`: hear it again).
async fn mute_thread(
    State(state): State<AppState>,
    mut ctx: Ctx,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = crate::edge::form_pairs(&body);
    let get = |k: &str| crate::edge::first(&pairs, k);
    ctx.verify_csrf(&get("csrf"))?;
    let user = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    let id: i64 = get("publication")
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let mute = get("mute") == "1";
    notifications::ops::set_thread_muted(&state, &Actor::person(&user), id, mute).await?;
    if get("next") == "settings" {
        ctx.flash(if mute {
            "flash-notify-thread-muted"
        } else {
            "flash-notify-thread-unmuted"
        });
        return Ok(ctx.redirect(crate::urls::NOTIFICATION_SETTINGS));
    }
    Ok(ctx.redirect("/notifications"))
}

// ---- one-click unsubscribe (RFC 8058) -------------------------------------------------------

#[derive(Template)]
#[template(path = "notifications/unsubscribe.html")]
struct UnsubscribePage {
    s: Shell,
    /// The form's action (GET shows it; the mail client POSTs to it).
    action: String,
    /// What the link turns off, in words.
    what: String,
    done: bool,
    valid: bool,
}

fn target_words(lang: Lang, t: &Target, community: Option<String>) -> String {
    match t {
        Target::Kind(k) => lang.ta(
            "notify-unsubscribe-kind",
            &[(
                "name",
                crate::i18n::Arg::from(
                    lang.t(&format!("notify-kind-{}", k.code().replace('_', "-"))),
                ),
            )],
        ),
        Target::Community(_) => lang.ta(
            "notify-unsubscribe-community",
            &[(
                "community",
                crate::i18n::Arg::from(community.unwrap_or_default()),
            )],
        ),
        Target::Digest(c) => lang.t(&format!("notify-unsubscribe-{}", c.code())),
    }
}

/// The page behind the link: says what it turns off, with one button (a
/// GET never changes anything: link checkers open links).
async fn unsubscribe_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let signer = unsubscribe::Signer::load(&state.db).await?;
    let link = signer.verify(&token, crate::db::now());
    let what = match &link {
        Some(l) => target_words(
            ctx.lang,
            &l.target,
            unsubscribe::community_name(&state.db, &l.target).await?,
        ),
        None => String::new(),
    };
    let title = ctx.t("notify-unsubscribe-title");
    let valid = link.is_some();
    let body = UnsubscribePage {
        s: Shell::new(&state, &ctx, &title, ""),
        action: crate::urls::notifications_unsubscribe(&token),
        what,
        done: false,
        valid,
    };
    if valid {
        Ok(page(&ctx, &body))
    } else {
        Ok(ctx.finish((
            axum::http::StatusCode::NOT_FOUND,
            super::templates::html(&body),
        )))
    }
}

/// The one click: from the page's button, or the mail client's POST with
/// `List-Unsubscribe=One-Click`. The signed token is the authority (no
/// session, no CSRF token: the client posts on its own); applying it twice
/// changes nothing more.
async fn unsubscribe_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let title = ctx.t("notify-unsubscribe-title");
    match unsubscribe::redeem(&state.db, &token).await? {
        Some(link) => {
            let what = target_words(
                ctx.lang,
                &link.target,
                unsubscribe::community_name(&state.db, &link.target).await?,
            );
            Ok(page(
                &ctx,
                &UnsubscribePage {
                    s: Shell::new(&state, &ctx, &title, ""),
                    action: String::new(),
                    what,
                    done: true,
                    valid: true,
                },
            ))
        }
        None => Err(AppError::NotFound),
    }
}

// ---- the settings page ----------------------------------------------------------------------

pub struct KindRow {
    pub code: &'static str,
    pub error: Option<String>,
    pub label: String,
    pub fixed: bool,
    pub chosen: &'static str,
}

pub struct CommunityRow {
    pub id: i64,
    pub error: Option<String>,
    pub name: String,
    pub slug: String,
    pub chosen: &'static str,
}

#[derive(Template)]
#[template(path = "notifications/settings.html")]
struct SettingsPage {
    s: Shell,
    nav: Vec<(String, &'static str, bool)>,
    errors: FieldErrors,
    kinds: Vec<KindRow>,
    /// (code, label) of the channels, in the grid's order.
    channels: Vec<(&'static str, String)>,
    communities: Vec<CommunityRow>,
    levels: Vec<(&'static str, String)>,
    /// Muted threads: (publication id, title, link).
    muted: Vec<(i64, String, String)>,
    hour: String,
    zone: String,
    zones: Vec<&'static str>,
    day: String,
    days: Vec<(String, String)>,
    /// The instance's VAPID public key (base64url) for `push.js`.
    push_key: String,
    /// Browsers this person subscribed.
    push_count: i64,
    push_js: &'static str,
    push_worker: &'static str,
    push_subscribe: &'static str,
    push_unsubscribe: &'static str,
}

fn settings_page(
    state: &AppState,
    ctx: &Ctx,
    cur: &notifications::ops::Current,
    typed: Option<&notifications::ops::Changes>,
    errors: FieldErrors,
    cur_push: &(String, i64),
) -> SettingsPage {
    let lang = ctx.lang;
    let title = ctx.t("notify-settings-title");
    let typed_channel = |k: Kind| -> Option<&'static str> {
        let t = typed?;
        let (_, c) = t.channels.iter().find(|(kk, _)| kk == k.code())?;
        Channel::parse(c).map(Channel::code)
    };
    SettingsPage {
        s: Shell::new(state, ctx, &title, "settings")
            .crumb(ctx.t("nav-settings"), "/settings/profile")
            .crumb(title.clone(), crate::urls::NOTIFICATION_SETTINGS),
        nav: super::settings::sections(lang, crate::urls::NOTIFICATION_SETTINGS),
        kinds: Kind::ALL
            .into_iter()
            .map(|k| KindRow {
                code: k.code(),
                error: errors
                    .get(&format!("channel-{}", k.code()))
                    .map(str::to_string),
                label: lang.t(&format!("notify-kind-{}", k.code().replace('_', "-"))),
                fixed: k.fixed(),
                chosen: typed_channel(k).unwrap_or_else(|| cur.prefs.channel(k).code()),
            })
            .collect(),
        channels: Channel::ALL
            .into_iter()
            .map(|c| (c.code(), lang.t(&format!("notify-channel-{}", c.code()))))
            .collect(),
        communities: cur
            .communities
            .iter()
            .map(|(id, slug, name)| CommunityRow {
                id: *id,
                error: errors.get(&format!("level-{id}")).map(str::to_string),
                name: name.clone(),
                slug: slug.clone(),
                chosen: typed
                    .and_then(|t| t.levels.iter().find(|(c, _)| c == id))
                    .and_then(|(_, l)| Level::parse(l))
                    .unwrap_or_else(|| cur.prefs.level(*id))
                    .code(),
            })
            .collect(),
        levels: Level::ALL
            .into_iter()
            .map(|l| (l.code(), lang.t(&format!("notify-level-{}", l.code()))))
            .collect(),
        muted: cur
            .muted_threads
            .iter()
            .map(|(id, title)| {
                let title = if title.is_empty() {
                    lang.t("notification-untitled")
                } else {
                    title.clone()
                };
                (*id, title, crate::urls::publication(*id))
            })
            .collect(),
        hour: typed
            .map(|t| t.digest_hour.clone())
            .unwrap_or_else(|| cur.schedule.digest_hour.to_string()),
        zone: typed
            .map(|t| t.time_zone.clone())
            .unwrap_or_else(|| cur.schedule.time_zone.code().to_string()),
        zones: Zone::ALL.into_iter().map(Zone::code).collect(),
        day: typed
            .map(|t| t.weekly_day.clone())
            .unwrap_or_else(|| cur.schedule.weekly_day.to_string()),
        days: (0..7)
            .map(|d| (d.to_string(), lang.t(&format!("notify-weekday-{d}"))))
            .collect(),
        push_key: cur_push.0.clone(),
        push_count: cur_push.1,
        push_js: super::pages::push_js_url(),
        push_worker: super::pages::push_sw_url(),
        push_subscribe: PUSH_SUBSCRIBE,
        push_unsubscribe: PUSH_UNSUBSCRIBE,
        // Last: the rows above read it.
        errors,
    }
}

/// (VAPID public key, browsers subscribed) for the settings page.
async fn push_state(state: &AppState, user_id: i64) -> AppResult<(String, i64)> {
    let key = notifications::push::Vapid::load(&state.db).await?.public;
    Ok((key, notifications::push::count(&state.db, user_id).await?))
}

async fn settings_get(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = match super::settings::me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let cur = notifications::ops::current(&state, &Actor::person(&user)).await?;
    let push = push_state(&state, user.id).await?;
    Ok(page(
        &ctx,
        &settings_page(&state, &ctx, &cur, None, FieldErrors::default(), &push),
    ))
}

/// The form: `channel-<kind>`, `digest_hour`, `time_zone`, `weekly_day`,
/// `level-<community id>`.
async fn settings_post(
    State(state): State<AppState>,
    mut ctx: Ctx,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = crate::edge::form_pairs(&body);
    let get = |k: &str| crate::edge::first(&pairs, k);
    ctx.verify_csrf(&get("csrf"))?;
    let user = match super::settings::me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let mut changes = notifications::ops::Changes {
        digest_hour: get("digest_hour"),
        time_zone: get("time_zone"),
        weekly_day: get("weekly_day"),
        ..Default::default()
    };
    for (k, v) in &pairs {
        if let Some(kind) = k.strip_prefix("channel-") {
            changes.channels.push((kind.to_string(), v.clone()));
        } else if let Some(cid) = k.strip_prefix("level-")
            && let Ok(cid) = cid.parse::<i64>()
        {
            changes.levels.push((cid, v.clone()));
        }
    }
    let actor = Actor::person(&user);
    match notifications::ops::update(&state, &actor, &changes).await {
        Ok(()) => {
            ctx.flash("flash-notify-settings-saved");
            Ok(ctx.redirect(crate::urls::NOTIFICATION_SETTINGS))
        }
        Err(AppError::Invalid { fields }) => {
            let cur = notifications::ops::current(&state, &actor).await?;
            let errors = super::auth::field_errors(ctx.lang, &fields);
            let push = push_state(&state, user.id).await?;
            Ok(invalid(
                &ctx,
                &settings_page(&state, &ctx, &cur, Some(&changes), errors, &push),
            ))
        }
        Err(e) => Err(e),
    }
}
