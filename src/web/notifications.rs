//! The notification centre page: records grouped by publication, unread
//! first; mark one or all read. Records about publications the person may no
//! longer read are left out (`notifications::list` asks the policy).

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};

use super::AppState;
use super::ctx::Ctx;
use super::templates::{Shell, page};
use crate::error::{AppError, AppResult};
use crate::i18n::{Arg, Lang};
use crate::notifications::{self, Group, Item};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list_page))
        .route("/notifications/read", post(mark_read))
}

pub struct ItemView {
    pub id: i64,
    pub text: String,
    pub link: String,
    pub unread: bool,
    pub created_at: i64,
}

pub struct GroupView {
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
    if item.kind == crate::search::saved::KIND
        && let Ok(d) = serde_json::from_str::<crate::search::saved::Data>(&item.data)
    {
        return lang.ta(
            "notification-saved-search",
            &[("name", Arg::from(d.name)), ("count", Arg::Num(d.count))],
        );
    }
    let actor = item
        .actor
        .as_ref()
        .map(|a| a.shown_name().to_string())
        .unwrap_or_else(|| lang.t("publication-former-member"));
    let key = format!("notification-{}", item.kind.replace('_', "-"));
    let key = if lang.has(&key) {
        key
    } else {
        "notification-other".to_string()
    };
    let community = item
        .community
        .as_ref()
        .map(|(_, n)| n.clone())
        .unwrap_or_default();
    let text = lang.ta(
        &key,
        &[
            ("name", Arg::from(actor)),
            ("community", Arg::from(community)),
        ],
    );
    // Decisions carry their reason (`data` is a small JSON object).
    let reason = serde_json::from_str::<serde_json::Value>(&item.data)
        .ok()
        .and_then(|v| v.get("reason").and_then(|r| r.as_str()).map(str::to_string))
        .filter(|r| !r.trim().is_empty());
    match reason {
        Some(r) => format!("{text} — {} {r}", lang.t("publication-removed-reason")),
        None => text,
    }
}

fn group_view(lang: Lang, g: Group) -> GroupView {
    GroupView {
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
