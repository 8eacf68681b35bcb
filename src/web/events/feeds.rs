//! Calendar feeds (iCalendar) and "my events".
//!
//! Public feeds (instance, community, tag, territory, organisation) are
//! fetched by calendar applications without cookies: they are built for
//! an anonymous reader through the same policy, so a private community's
//! events are in none of them (its feed is a 404). A person's own feeds
//! ("my events", "my communities' events") answer at a private address
//! holding a secret token (`/events/ical/{token}/…`), revocable from
//! "my events"; they show what that person may see.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::super::AppState;
use super::super::ctx::Ctx;
use super::super::templates::{Shell, page};
use super::{AgendaQuery, Row, rows_of};
use crate::accounts::User;
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::events::listing::{self, Filter};
use crate::events::{self, Event, ops};
use crate::policy::{self, Action};

/// At most this many events (series) in one feed.
const FEED_MAX: i64 = 300;
/// Feeds reach this far back (seconds).
const FEED_PAST: i64 = 92 * 86400;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/events.ics", get(instance_feed))
        .route("/events.atom", get(atom_feed))
        .route("/c/{slug}/events.ics", get(community_feed))
        .route("/tags/{name}/events.ics", get(tag_feed))
        .route("/t/{slug}/events.ics", get(territory_feed))
        .route("/o/{slug}/events.ics", get(organisation_feed))
        .route("/e/{id}/event.ics", get(event_ics))
        .route("/events/ical/{token}/mine.ics", get(mine_feed))
        .route(
            "/events/ical/{token}/communities.ics",
            get(communities_feed),
        )
        .route("/events/mine", get(mine_page))
        .route("/events/tokens", post(token_create))
        .route("/events/tokens/revoke", post(token_revoke))
}

fn ics_response(body: String, public: bool) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if public {
            "public, max-age=300"
        } else {
            "private, no-store"
        }),
    );
    res
}

/// The feed of what `viewer` may see under `f`. Public feeds (no viewer)
/// come from the page cache (`web::cached`: under the content version, at
/// most a minute old): calendar clients poll the same address, and a feed
/// of 300 series costs about 12 ms to build (BENCHMARKS.md).
async fn build(
    state: &AppState,
    viewer: Option<&User>,
    f: &Filter,
    name: &str,
) -> AppResult<String> {
    if viewer.is_some() {
        return build_now(state, viewer, f, name).await;
    }
    let key = format!("ics|{name}|{f:?}");
    let page = crate::web::cached::cached(state, None, key, || async {
        Ok(crate::cache::CachedPage {
            title: String::new(),
            crumbs: Vec::new(),
            body: build_now(state, None, f, name).await?,
        })
    })
    .await?;
    Ok(page.body.clone())
}

async fn build_now(
    state: &AppState,
    viewer: Option<&User>,
    f: &Filter,
    name: &str,
) -> AppResult<String> {
    let now = crate::db::now();
    let list = listing::between(
        &state.db,
        viewer,
        f,
        now - FEED_PAST,
        i64::MAX / 4,
        FEED_MAX,
    )
    .await?;
    render(state, viewer, &list, name).await
}

async fn render(
    state: &AppState,
    viewer: Option<&User>,
    list: &[Event],
    name: &str,
) -> AppResult<String> {
    Ok(events::feed::calendar(&state.db, viewer, list, name, &state.config.public_url()).await?)
}

async fn instance_feed(
    State(state): State<AppState>,
    Query(q): Query<AgendaQuery>,
) -> AppResult<Response> {
    let f = q.filter(&state).await?.ok_or(AppError::NotFound)?;
    no_feed_without_events(&state, &f).await?;
    let body = build(&state, None, &f, &state.instance_name()).await?;
    Ok(ics_response(body, true))
}

/// Atom of the next dates under the agenda's filters, for an anonymous
/// reader (feed readers send no cookies): at most 100 within a year. In
/// the instance's default language.
async fn atom_feed(
    State(state): State<AppState>,
    Query(q): Query<AgendaQuery>,
) -> AppResult<Response> {
    let f = q.filter(&state).await?.ok_or(AppError::NotFound)?;
    no_feed_without_events(&state, &f).await?;
    let now = crate::db::now();
    let to = now + 366 * 86400;
    let list = listing::between(&state.db, None, &f, now, to, FEED_MAX).await?;
    let dated = listing::occurrences(&state.db, list, now, to, 100).await?;
    let lang = crate::i18n::Lang::default();
    let qs = q.qs();
    let public = state.config.public_url();
    let (page_url, self_url) = if qs.is_empty() {
        (format!("{public}/events"), format!("{public}/events.atom"))
    } else {
        (
            format!("{public}/events?{qs}"),
            format!("{public}/events.atom?{qs}"),
        )
    };
    let body = events::atom::write(
        &events::atom::AtomFeed {
            title: format!(
                "{} · {}",
                state.instance_name(),
                lang.t("event-agenda-title")
            ),
            page_url,
            self_url,
            base: public.clone(),
            lang: lang.code(),
            items: &dated,
        },
        |d| {
            let when = super::when_label(lang, &d.event, d.occ.start, d.occ.end);
            let place = super::place_of(lang, &d.event);
            if place.is_empty() {
                when
            } else {
                format!("{when} · {place}")
            }
        },
        &lang.t("event-status-cancelled"),
    );
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    Ok(res)
}

async fn community_feed(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let c = crate::communities::by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if !policy::can(
        None,
        Action::FindCommunityContent {
            c: &c.facts(),
            m: None,
        },
    ) {
        return Err(AppError::NotFound);
    }
    let f = Filter {
        community_id: Some(c.id),
        ..Filter::default()
    };
    let body = build(&state, None, &f, &c.name).await?;
    Ok(ics_response(body, true))
}

async fn tag_feed(State(state): State<AppState>, Path(name): Path<String>) -> AppResult<Response> {
    let key = crate::publications::fold_tag_key(name.trim());
    if key.is_empty() {
        return Err(AppError::NotFound);
    }
    let f = Filter {
        tag: key,
        ..Filter::default()
    };
    no_feed_without_events(&state, &f).await?;
    let body = build(&state, None, &f, &format!("#{name}")).await?;
    Ok(ics_response(body, true))
}

/// A tag under which no event anyone may read was ever placed has no
/// calendar: 404, as for the tag's RSS and Atom (not an empty calendar,
/// which would also confirm that a private tag exists).
async fn no_feed_without_events(state: &AppState, f: &Filter) -> AppResult<()> {
    if f.tag.is_empty() {
        return Ok(());
    }
    let any = listing::between(&state.db, None, f, i64::MIN / 4, i64::MAX / 4, 1).await?;
    if any.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(())
}

async fn territory_feed(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let t = crate::organisations::places::by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let f = Filter {
        territory_id: Some(t.id),
        ..Filter::default()
    };
    let body = build(&state, None, &f, &t.name).await?;
    Ok(ics_response(body, true))
}

async fn organisation_feed(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let o = crate::organisations::load(&state.db, &slug, None)
        .await?
        .ok_or(AppError::NotFound)?;
    if !policy::can(
        None,
        Action::ViewOrganisation {
            o: &o.facts,
            m: None,
        },
    ) {
        return Err(AppError::NotFound);
    }
    let f = Filter {
        organisation_id: Some(o.o.id),
        ..Filter::default()
    };
    let body = build(&state, None, &f, &o.o.name).await?;
    Ok(ics_response(body, true))
}

/// One event, for the person looking at its page ("add to my calendar").
async fn event_ics(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let l = super::load_seen(&state, &ctx, &id).await?;
    let body = render(
        &state,
        ctx.user.as_ref(),
        std::slice::from_ref(&l.e),
        &l.e.title,
    )
    .await?;
    let public = l.visible_to(None);
    let mut res = ics_response(body, public);
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"event-{}.ics\"", l.e.id))
    {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(ctx.finish(res))
}

async fn token_user(state: &AppState, token: &str) -> AppResult<User> {
    if token.len() > 100 {
        return Err(AppError::NotFound);
    }
    ops::token_owner(state, token)
        .await?
        .ok_or(AppError::NotFound)
}

async fn mine_feed(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let u = token_user(&state, &token).await?;
    let f = Filter {
        registered: Some(u.id),
        ..Filter::default()
    };
    let name = state.config.public_url();
    let body = build(
        &state,
        Some(&u),
        &f,
        &format!("{} · {}", u.shown_name(), name),
    )
    .await?;
    Ok(ics_response(body, false))
}

async fn communities_feed(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let u = token_user(&state, &token).await?;
    let f = Filter {
        member_of: Some(u.id),
        ..Filter::default()
    };
    let body = build(&state, Some(&u), &f, &state.instance_name()).await?;
    Ok(ics_response(body, false))
}

// ---- my events --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "events/mine.html")]
struct MinePage {
    s: Shell,
    upcoming: Vec<Row>,
    tokens: i64,
    /// Shown once, right after creation.
    new_links: Option<(String, String, String, String)>,
}

async fn mine_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let u = match ctx.require_login() {
        Ok(u) => u.clone(),
        Err(r) => return Ok(r),
    };
    mine_render(&state, &ctx, &u, None).await
}

async fn mine_render(
    state: &AppState,
    ctx: &Ctx,
    u: &User,
    token: Option<String>,
) -> AppResult<Response> {
    let now = crate::db::now();
    let f = Filter {
        registered: Some(u.id),
        ..Filter::default()
    };
    let list = listing::between(&state.db, Some(u), &f, now, now + 366 * 86400, 200).await?;
    let dated = listing::occurrences(&state.db, list, now, now + 366 * 86400, 200).await?;
    let public = state.config.public_url();
    let new_links = token.map(|t| {
        let mine = format!("/events/ical/{t}/mine.ics");
        let comm = format!("/events/ical/{t}/communities.ics");
        (
            crate::urls::absolute(&public, &mine),
            crate::urls::webcal(&public, &mine),
            crate::urls::absolute(&public, &comm),
            crate::urls::webcal(&public, &comm),
        )
    });
    let title = ctx.t("event-mine-title");
    let p = MinePage {
        s: Shell::new(state, ctx, &title, "events")
            .crumb(ctx.t("event-agenda-title"), "/events")
            .crumb(title.clone(), "/events/mine"),
        upcoming: rows_of(ctx.lang, &dated),
        tokens: ops::token_count(state, u.id).await?,
        new_links,
    };
    Ok(page(ctx, &p))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CsrfBody {
    csrf: String,
}

async fn token_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<CsrfBody>,
) -> AppResult<Response> {
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    ctx.verify_csrf(&f.csrf)?;
    let token = ops::create_token(&state, &Actor::person(&u)).await?;
    mine_render(&state, &ctx, &u, Some(token)).await
}

async fn token_revoke(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<CsrfBody>,
) -> AppResult<Response> {
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    ctx.verify_csrf(&f.csrf)?;
    ops::revoke_tokens(&state, &Actor::person(&u)).await?;
    ctx.flash("flash-event-tokens-revoked");
    Ok(ctx.redirect("/events/mine"))
}
