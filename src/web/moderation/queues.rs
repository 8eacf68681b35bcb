//! The review queues: a community's (`/c/{slug}/moderation`, with its
//! banned members) and the instance's (`/admin/reports`), as cards with the
//! actions a moderator can take from them.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::{TargetQuery, community_shell, page_link, page_no};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::moderation::{self as m, Act, QueueItem, Scope, TargetKind};
use crate::policy::ContentStatus;
use crate::state::AppState;
use crate::urls;
use crate::web::admin::{NavItem, admin_nav};
use crate::web::ctx::Ctx;
use crate::web::templates::{Shell, page};

pub struct Button {
    pub value: &'static str,
    pub key: String,
    pub label: String,
    pub class: &'static str,
}

/// A report as a queue card shows it.
pub struct Card {
    pub id: i64,
    pub kind_label: String,
    pub category_label: String,
    pub title: String,
    pub excerpt: String,
    pub path: String,
    pub comment: String,
    pub reporter: String,
    pub date: String,
    pub age: String,
    /// (username, profile path)
    pub author: Option<(String, String)>,
    pub admin_user_link: Option<String>,
    pub status_label: String,
    pub status_class: &'static str,
    pub locked: bool,
    pub author_banned: bool,
    pub author_suspended: bool,
    pub community: Option<(String, String)>,
    pub buttons: Vec<Button>,
    pub more_link: String,
}

pub(super) fn status_badge(lang: Lang, s: ContentStatus) -> (String, &'static str) {
    match s {
        ContentStatus::Visible => (lang.t("moderation-status-visible"), "badge badge-ok"),
        ContentStatus::Hidden => (lang.t("moderation-status-hidden"), "badge badge-warn"),
        ContentStatus::Removed => (lang.t("moderation-status-removed"), "badge badge-warn"),
        ContentStatus::Deleted => (lang.t("moderation-status-deleted"), "badge"),
    }
}

pub(super) fn kind_label(lang: Lang, k: TargetKind) -> String {
    lang.t(match k {
        TargetKind::Publication => "moderation-kind-publication",
        TargetKind::Reply => "moderation-kind-reply",
        TargetKind::User => "moderation-kind-user",
    })
}

/// What a moderator can do to a target in its present state.
pub struct TargetState {
    pub kind: TargetKind,
    pub status: ContentStatus,
    pub locked: bool,
    pub has_author: bool,
    pub author_banned: bool,
    pub author_suspended: bool,
    pub has_report: bool,
}

pub(super) fn buttons(lang: Lang, scope: Scope, t: &TargetState) -> Vec<Button> {
    let mut acts: Vec<(Act, &'static str)> = Vec::new();
    let content = t.kind != TargetKind::User;
    if content && t.status != ContentStatus::Deleted {
        let publication_everywhere = scope == Scope::Instance && t.kind == TargetKind::Publication;
        if t.status != ContentStatus::Hidden && !publication_everywhere {
            acts.push((Act::Hide, "btn btn-secondary"));
        }
        if t.status != ContentStatus::Removed {
            acts.push((Act::Remove, "btn btn-danger"));
        }
        if t.status != ContentStatus::Visible {
            acts.push((Act::Restore, "btn btn-secondary"));
        }
        acts.push(if t.locked {
            (Act::Unlock, "btn btn-secondary")
        } else {
            (Act::Lock, "btn btn-secondary")
        });
    }
    if t.has_author {
        match scope {
            Scope::Community(_) => acts.push(if t.author_banned {
                (Act::Unban, "btn btn-secondary")
            } else {
                (Act::Ban, "btn btn-danger")
            }),
            Scope::Instance if !t.author_suspended => acts.push((Act::Suspend, "btn btn-danger")),
            Scope::Instance => {}
        }
    }
    if t.has_report {
        acts.push((Act::Dismiss, "btn btn-ghost"));
    }
    acts.into_iter()
        .map(|(a, class)| {
            let key = match (scope, a, t.kind) {
                (Scope::Instance, Act::Remove, TargetKind::Publication) => {
                    "moderation-act-remove-everywhere".to_string()
                }
                (Scope::Instance, Act::Restore, TargetKind::Publication) => {
                    "moderation-act-restore-everywhere".to_string()
                }
                (
                    _,
                    Act::Ban | Act::Unban | Act::Suspend,
                    TargetKind::Publication | TargetKind::Reply,
                ) => {
                    format!("{}-author", a.label_key())
                }
                _ => a.label_key(),
            };
            Button {
                value: a.as_str(),
                label: lang.t(&key),
                key,
                class,
            }
        })
        .collect()
}

pub(super) fn card(lang: Lang, scope: Scope, it: &QueueItem, act_base: &str) -> Card {
    let (status_label, status_class) = status_badge(lang, it.content_status);
    let days = (crate::db::now() - it.created_at).max(0) / 86400;
    let state = TargetState {
        kind: it.kind,
        status: it.content_status,
        locked: it.locked,
        has_author: it.author_id.is_some(),
        author_banned: it.author_banned,
        author_suspended: it.author_suspended,
        has_report: true,
    };
    Card {
        id: it.id,
        kind_label: kind_label(lang, it.kind),
        category_label: lang.t(&it.category.label_key()),
        title: it.title.clone(),
        excerpt: it.excerpt.clone(),
        path: it.path.clone(),
        comment: it.comment.clone(),
        reporter: it.reporter.clone().unwrap_or_else(|| "—".into()),
        date: crate::i18n::format_datetime(lang, it.created_at),
        age: lang.ta("moderation-age", &[("count", crate::i18n::Arg::Num(days))]),
        author: it.author_username.clone().map(|u| {
            let path = urls::user(&u);
            (u, path)
        }),
        admin_user_link: match scope {
            Scope::Instance => it.author_id.map(|id| format!("/admin/users/{id}")),
            Scope::Community(_) => None,
        },
        status_label,
        status_class,
        locked: it.locked,
        author_banned: it.author_banned,
        author_suspended: it.author_suspended,
        // In a community's own queue, saying which community is noise.
        community: match scope {
            Scope::Instance => it.community_slug.clone().zip(it.community_name.clone()),
            Scope::Community(_) => None,
        },
        buttons: buttons(lang, scope, &state),
        more_link: format!("{act_base}?report={}", it.id),
    }
}

pub struct Banned {
    pub username: String,
    pub reason: String,
    pub date: String,
}

#[derive(Template)]
#[template(path = "moderation_queue.html")]
struct QueuePage {
    s: Shell,
    community_name: String,
    community_path: String,
    modlog_path: String,
    /// The page of blocks from the fediverse, for a federated community.
    federation_path: Option<String>,
    act_url: String,
    cards: Vec<Card>,
    banned: Vec<Banned>,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
    reason_max: usize,
}

pub(super) async fn community_queue(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<TargetQuery>,
) -> AppResult<Response> {
    let base = format!("{}/moderation", urls::community(&slug));
    let (c, _) = moderator!(state, ctx, slug, base);
    let n = page_no(&q.page);
    let (items, more) = m::queue(&state.db, Scope::Community(c.id), n - 1).await?;
    let act_url = format!("{}/moderation/act", c.path());
    let cards = items
        .iter()
        .map(|it| card(ctx.lang, Scope::Community(c.id), it, &act_url))
        .collect();
    let banned = m::banned_members(&state.db, c.id)
        .await?
        .into_iter()
        .map(|(_, username, reason, at)| Banned {
            username,
            reason,
            date: crate::i18n::format_datetime(ctx.lang, at),
        })
        .collect();
    let title = ctx.t("moderation-queue-title");
    let p = QueuePage {
        s: community_shell(&state, &ctx, &c, &title, &base),
        community_name: c.name.clone(),
        community_path: c.path(),
        modlog_path: format!("{}/modlog", c.path()),
        federation_path: passerelles_core::federation::community_federated(&c)
            .then(|| format!("{}/moderation/federation", c.path())),
        act_url,
        cards,
        banned,
        page: n,
        prev: (n > 1).then(|| page_link(&base, n - 1)),
        next: more.then(|| page_link(&base, n + 1)),
        reason_max: m::REASON_MAX,
    };
    Ok(page(&ctx, &p))
}

#[derive(Template)]
#[template(path = "moderation_admin.html")]
struct AdminQueuePage {
    s: Shell,
    nav: Vec<NavItem>,
    act_url: String,
    cards: Vec<Card>,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
    reason_max: usize,
}

pub(super) async fn admin_queue(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TargetQuery>,
) -> AppResult<Response> {
    instance_moderator!(ctx, "/admin/reports");
    let n = page_no(&q.page);
    let (items, more) = m::queue(&state.db, Scope::Instance, n - 1).await?;
    let act_url = "/admin/reports/act".to_string();
    let cards = items
        .iter()
        .map(|it| card(ctx.lang, Scope::Instance, it, &act_url))
        .collect();
    let label = ctx.t("moderation-admin-nav");
    let s = Shell::new(&state, &ctx, &label, "admin")
        .crumb(ctx.t("admin-title"), "/admin")
        .crumb(label.clone(), "/admin/reports");
    let p = AdminQueuePage {
        s,
        nav: admin_nav(ctx.lang, "/admin/reports"),
        act_url,
        cards,
        page: n,
        prev: (n > 1).then(|| page_link("/admin/reports", n - 1)),
        next: more.then(|| page_link("/admin/reports", n + 1)),
        reason_max: m::REASON_MAX,
    };
    Ok(page(&ctx, &p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_keys_exist() {
        for lang in Lang::ALL {
            for scope in [Scope::Community(1), Scope::Instance] {
                for kind in [TargetKind::Publication, TargetKind::Reply, TargetKind::User] {
                    for status in [
                        ContentStatus::Visible,
                        ContentStatus::Hidden,
                        ContentStatus::Removed,
                    ] {
                        for flag in [false, true] {
                            let t = TargetState {
                                kind,
                                status,
                                locked: flag,
                                has_author: true,
                                author_banned: flag,
                                author_suspended: false,
                                has_report: true,
                            };
                            for b in buttons(lang, scope, &t) {
                                assert!(lang.has(&b.key), "{}", b.key);
                            }
                        }
                    }
                }
            }
        }
    }
}
