//! The publication page (its threaded replies, paged by thread; the
//! notice its author sees once removed) and its attachments.

use super::*;

pub struct ReplyView {
    pub id: i64,
    pub anchor: String,
    pub level: i64,
    pub author_name: String,
    pub author_path: Option<String>,
    pub avatar: Option<String>,
    pub html: String,
    pub created_at: i64,
    pub edited: bool,
    /// "full", "tombstone" or "moderated".
    pub shown: &'static str,
    pub moderated_reason: Option<String>,
    pub in_reply_to: Option<String>,
    pub close_before: usize,
    pub opens: bool,
    pub accepted: bool,
    pub can_edit: bool,
    pub can_reply: bool,
    /// Reporting stays possible on a locked thread and for readers who may not reply.
    pub can_report: bool,
    pub can_accept: bool,
}

pub struct AttachmentView {
    pub path: String,
    pub thumbnail: Option<String>,
    pub name: String,
    pub size: String,
}

#[derive(Template)]
#[template(path = "publication_show.html")]
pub(super) struct ShowPage {
    s: Shell,
    /// When the reader had last read it (replies written since are marked new).
    unread_since: Option<i64>,
    /// The anchor of the first reply on this page written since then.
    first_unread: Option<String>,
    id: i64,
    title: String,
    kind: &'static str,
    kind_label: String,
    author_name: String,
    author_path: Option<String>,
    avatar: Option<String>,
    created_at: i64,
    updated_at: i64,
    edited: bool,
    body_html: String,
    link_url: Option<String>,
    preview: Option<LinkPreview>,
    preview_image: Option<String>,
    /// Cited links found dead by the link checker: (url, its snapshot's
    /// page when one was kept). Filled by `show` only.
    dead_links: Vec<(String, Option<String>)>,
    /// `?k=…` when the reader came with the publication's link (its
    /// internal links carry it), else empty; `kamp` is the same after `&`.
    kq: String,
    kamp: String,
    preview_error: Option<String>,
    attachments: Vec<AttachmentView>,
    tags: Vec<Tag>,
    communities: Vec<(String, String, Option<String>)>,
    moderation_note: Option<String>,
    replies: Vec<ReplyView>,
    final_close: usize,
    reply_count: i64,
    accepted_anchor: Option<String>,
    locked: bool,
    can_reply: bool,
    can_follow: bool,
    following: bool,
    can_edit: bool,
    can_delete: bool,
    share_targets: Vec<(i64, String)>,
    /// Communities where the viewer may pin or unpin it: (id, name, pinned there).
    pin_controls: Vec<(i64, String, bool)>,
    reply_parent: Option<i64>,
    reply_body: String,
    errors: FieldErrors,
    signed_in: bool,
    /// Replies are paged by top-level thread: this page (1-based) of `reply_pages`.
    reply_page: i64,
    reply_pages: i64,
    /// How replies are ordered and paged, and which page this is.
    reply_order: String,
}

impl ShowPage {
    /// Whether the reply form under reply `id` is the one being re-shown.
    fn replying_to(&self, id: impl super::super::templates::AsI64) -> bool {
        self.reply_parent == Some(id.as_i64())
    }
}

pub(super) fn status_label(lang: Lang, st: ContentStatus) -> Option<String> {
    match st {
        ContentStatus::Visible => None,
        ContentStatus::Hidden => Some(lang.t("publication-status-hidden")),
        ContentStatus::Removed => Some(lang.t("publication-status-removed")),
        ContentStatus::Deleted => Some(lang.t("publication-status-deleted")),
    }
}

pub(super) fn author_bits(
    lang: Lang,
    a: &Option<Author>,
) -> (String, Option<String>, Option<String>) {
    match a {
        // A person of another instance (`name@host`): their origin shown.
        Some(a) if a.username.contains('@') => {
            let name = if a.shown_name() == a.username {
                format!("@{}", a.username)
            } else {
                format!("{} (@{})", a.shown_name(), a.username)
            };
            (name, Some(a.path()), a.avatar_url())
        }
        Some(a) => (a.shown_name().to_string(), Some(a.path()), a.avatar_url()),
        None => (lang.t("publication-former-member"), None, None),
    }
}

pub(super) fn show_page(
    state: &AppState,
    ctx: &Ctx,
    d: PageData,
    reply_parent: Option<i64>,
    reply_body: String,
    errors: FieldErrors,
) -> ShowPage {
    let viewer = ctx.user.as_ref();
    let lang = ctx.lang;
    let PageData {
        publication: p,
        links,
        replies,
        attachments,
        tags,
        share_targets,
        reply_page,
        threads,
        source,
    } = d;
    let can_reply = pubs::may_reply(viewer, &p, &links);
    let can_accept = pubs::may_accept(viewer, &p, &links);
    // Replies written for an audience the viewer is not part of are left
    // out (the publication was shared into a wider community since).
    let replies: Vec<pubs::Reply> = replies
        .into_iter()
        .filter(|r| pubs::reply_sight(viewer, &p, r, &links) != ReplySight::None)
        .collect();
    let kq = p.key_query();
    let kamp = kq.replacen('?', "&", 1);
    let by_link = !kq.is_empty();
    let on_page: std::collections::HashSet<i64> = replies.iter().map(|r| r.id).collect();
    let (placed, final_close) = pubs::thread(replies);
    let replies = placed
        .into_iter()
        .map(|pl| {
            let r = &pl.reply;
            let sight = pubs::reply_sight(viewer, &p, r, &links);
            let (author_name, author_path, avatar) = author_bits(lang, &r.author);
            let full = sight == ReplySight::Full;
            ReplyView {
                id: r.id,
                anchor: r.anchor(),
                level: pl.level,
                author_name,
                author_path,
                avatar,
                html: if full {
                    r.body_html.clone()
                } else {
                    String::new()
                },
                created_at: r.created_at,
                edited: full && r.revisions > 0,
                shown: match sight {
                    ReplySight::Full => "full",
                    ReplySight::Tombstone => "tombstone",
                    ReplySight::Moderated | ReplySight::None => "moderated",
                },
                moderated_reason: (sight == ReplySight::Moderated
                    && r.is_author(viewer)
                    && !r.status_reason.is_empty())
                .then(|| r.status_reason.clone()),
                in_reply_to: pl.in_reply_to.as_ref().map(|a| a.shown_name().to_string()),
                close_before: pl.close_before,
                opens: pl.opens,
                accepted: p.accepted_reply_id == Some(r.id),
                can_edit: full && r.is_author(viewer) && r.status != ContentStatus::Deleted,
                can_reply: can_reply && r.status == ContentStatus::Visible,
                can_report: full
                    && !by_link
                    && viewer.is_some()
                    && r.status == ContentStatus::Visible
                    && !r.is_author(viewer),
                can_accept: can_accept && r.status == ContentStatus::Visible,
            }
        })
        .collect();
    let (author_name, author_path, avatar) = match &source {
        // A watch item from a news feed: its origin instead of an author.
        Some(src) => (
            lang.ta("news-source", &[("name", Arg::Str(src.name.clone()))]),
            Some(src.url.clone()).filter(|u| !u.is_empty()),
            None,
        ),
        None => author_bits(lang, &p.author),
    };
    let moderates = links.iter().any(|l| l.moderated_by(viewer));
    let moderation_note = match p.status {
        ContentStatus::Visible => None,
        st => status_label(lang, st).map(|l| {
            if p.status_reason.is_empty() {
                l
            } else {
                format!("{l} : {}", p.status_reason)
            }
        }),
    }
    .filter(|_| moderates || p.is_author(viewer));
    // The author also learns, per community, where moderators hid or
    // removed the publication, and why (moderators see it in the list).
    let moderation_note = if p.is_author(viewer) && !moderates {
        let per_community: Vec<String> = links
            .iter()
            .filter(|l| l.readable_by(viewer) && l.status != ContentStatus::Visible)
            .filter_map(|l| {
                status_label(lang, l.status).map(|label| {
                    let mut line = format!("{label} — {}", l.community.name);
                    if !l.status_reason.is_empty() {
                        line.push_str(&format!(" : {}", l.status_reason));
                    }
                    line
                })
            })
            .collect();
        match (moderation_note, per_community.is_empty()) {
            (note, true) => note,
            (None, false) => Some(per_community.join(" · ")),
            (Some(n), false) => Some(format!("{n} · {}", per_community.join(" · "))),
        }
    } else {
        moderation_note
    };
    let preview_error = p
        .preview
        .as_ref()
        .filter(|pr| !pr.error.is_empty() && p.is_author(viewer))
        .map(|pr| {
            if lang.has(&pr.error) {
                lang.t(&pr.error)
            } else {
                lang.t("fetch-network")
            }
        });
    ShowPage {
        unread_since: None,
        first_unread: None,
        s: Shell::new(state, ctx, &p.title, "").crumb(p.title.clone(), format!("{}{kq}", p.path())),
        id: p.id,
        title: p.title.clone(),
        kind: p.kind.as_str(),
        kind_label: kind_label(lang, p.kind),
        author_name,
        author_path,
        avatar,
        created_at: p.created_at,
        updated_at: p.updated_at,
        edited: p.revisions > 0,
        body_html: p.body_html.clone(),
        link_url: p.link_url.clone(),
        preview: p.preview.clone().filter(|pr| pr.error.is_empty()),
        preview_image: p
            .preview
            .as_ref()
            .filter(|pr| pr.error.is_empty())
            .and_then(|pr| pr.image_url(&p)),
        dead_links: Vec::new(),
        kq: kq.clone(),
        kamp: kamp.clone(),
        preview_error,
        attachments: attachments
            .iter()
            .map(|a: &Attachment| AttachmentView {
                path: format!("{}{kq}", a.path()),
                thumbnail: a.thumbnail_path().map(|t| format!("{t}{kq}")),
                name: a.file_name.clone(),
                size: human_size(lang, a.size),
            })
            .collect(),
        tags,
        communities: links
            .iter()
            .filter(|l| l.shown_to(viewer))
            .map(|l| {
                (
                    l.community.name.clone(),
                    l.community.path(),
                    status_label(lang, l.status),
                )
            })
            .collect(),
        moderation_note,
        replies,
        final_close,
        reply_count: p.reply_count,
        // On this page: its anchor; on another page: the page where it is.
        accepted_anchor: p.accepted_reply_id.map(|rid| {
            if on_page.contains(&rid) {
                format!("#r-{rid}")
            } else {
                let key = by_link.then_some(p.public_key.as_str());
                urls::reply_link(p.id, rid, key)
            }
        }),
        locked: p.locked,
        can_reply,
        // Following needs finding it again: not for a reader by link.
        can_follow: viewer.is_some() && !by_link,
        following: p.following,
        can_edit: pubs::may_edit(viewer, &p, &links),
        can_delete: pubs::may_delete(viewer, &p, &links),
        share_targets: share_targets.into_iter().map(|c| (c.id, c.name)).collect(),
        pin_controls: links
            .iter()
            .filter(|l| {
                l.managed_by(viewer)
                    && l.status == ContentStatus::Visible
                    && l.community.status == crate::policy::CommunityStatus::Active
            })
            .map(|l| (l.community.id, l.community.name.clone(), l.pinned))
            .collect(),
        reply_parent,
        reply_body,
        errors,
        signed_in: viewer.is_some(),
        reply_page,
        reply_pages: pubs::reply_pages(threads),
        reply_order: {
            let pages = pubs::reply_pages(threads);
            let mut text = lang.ta(
                "reply-order",
                &[("count", Arg::Num(pubs::THREADS_PER_PAGE))],
            );
            if pages > 1 {
                text.push(' ');
                text.push_str(&lang.ta(
                    "reply-page-of",
                    &[("page", Arg::Num(reply_page)), ("pages", Arg::Num(pages))],
                ));
            }
            text
        },
    }
}

#[derive(Template)]
#[template(path = "publication_notice.html")]
pub(super) struct NoticePage {
    s: Shell,
    title: String,
    reasons: Vec<(Option<String>, String)>,
    can_delete: bool,
    id: i64,
}

pub(super) fn notice_page(
    state: &AppState,
    ctx: &Ctx,
    p: &Publication,
    links: &[Shared],
) -> NoticePage {
    let viewer = ctx.user.as_ref();
    let mut reasons: Vec<(Option<String>, String)> = Vec::new();
    if p.status == ContentStatus::Removed {
        reasons.push((None, p.status_reason.clone()));
    }
    for l in links
        .iter()
        .filter(|l| l.status == ContentStatus::Removed && l.readable_by(viewer))
    {
        reasons.push((Some(l.community.name.clone()), l.status_reason.clone()));
    }
    NoticePage {
        s: Shell::new(state, ctx, &ctx.t("publication-removed-title"), ""),
        title: p.title.clone(),
        reasons,
        can_delete: pubs::may_delete(viewer, p, links),
        id: p.id,
    }
}

/// `?page=N` (replies, 1-based) or `?reply=ID` (the page where that reply is).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ShowQuery {
    page: String,
    reply: String,
    /// Quote-reply: a reply id, or `p` for the publication — the reply
    /// form opens with it quoted (and its author mentioned).
    quote: String,
    /// The publication's key, when the reader came with its link.
    k: String,
}

/// `?k=` alone (attachments, history: pages a by-link reader reaches).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct KeyQuery {
    pub(super) k: String,
}

/// The key a link carried, if any.
pub(super) fn key_of(k: &str) -> Option<&str> {
    Some(k.trim()).filter(|k| !k.is_empty())
}

/// The reply form's text for quoting `what` (a reply on this page, or `p`
/// for the publication): "@author a écrit :" then the Markdown source as a
/// blockquote. Only what is visible to everyone who reads here is quoted
/// (not hidden, removed or deleted content).
fn quote_of(lang: Lang, d: &PageData, what: &str) -> String {
    let (author, body) = if what == "p" {
        let p = &d.publication;
        if p.status != ContentStatus::Visible {
            return String::new();
        }
        (p.author.as_ref(), p.body.as_str())
    } else {
        let Ok(rid) = what.parse::<i64>() else {
            return String::new();
        };
        match d
            .replies
            .iter()
            .find(|r| r.id == rid && r.status == ContentStatus::Visible)
        {
            Some(r) => (r.author.as_ref(), r.body.as_str()),
            None => return String::new(),
        }
    };
    let mut out = match author {
        Some(a) => format!(
            "{}\n",
            lang.ta(
                "reply-quote-wrote",
                &[("name", Arg::from(format!("@{}", a.username)))]
            )
        ),
        None => String::new(),
    };
    for line in body.trim().lines() {
        out.push_str(if line.trim().is_empty() { ">" } else { "> " });
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    out
}

/// Where a reply is shown: its page, then its anchor.
pub async fn reply_link(state: &AppState, id: i64, rid: i64) -> AppResult<String> {
    let n = pubs::page_of_reply(&state.db, id, rid).await?;
    Ok(if n > 1 {
        format!("{}?page={n}#r-{rid}", urls::publication(id))
    } else {
        format!("{}#r-{rid}", urls::publication(id))
    })
}

pub(super) async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> AppResult<Response> {
    let reply_page = match (q.page.trim().parse::<i64>(), q.reply.trim().parse::<i64>()) {
        (Ok(n), _) => n.clamp(1, 1_000_000),
        (Err(_), Ok(rid)) => pubs::page_of_reply(&state.db, id, rid).await?,
        _ => 1,
    };
    match pubs::load_page_at(&state.db, ctx.user.as_ref(), id, key_of(&q.k), reply_page).await? {
        Loaded::NotFound => Err(AppError::NotFound),
        Loaded::Notice(p, links) => Ok(page(&ctx, &notice_page(&state, &ctx, &p, &links))),
        Loaded::Full(d) => {
            let quoted = quote_of(ctx.lang, &d, q.quote.trim());
            let mut pg = show_page(&state, &ctx, *d, None, quoted, FieldErrors::default());
            pg.dead_links = crate::library::links::of_publication(&state.db, id)
                .await?
                .into_iter()
                .filter(|(_, k)| k.is_dead())
                .map(|(n, k)| {
                    let snap = k
                        .has_snapshot()
                        .then(|| format!("{}/links/{n}{}", urls::publication(id), pg.kq));
                    (k.url, snap)
                })
                .collect();
            if let Some(u) = &ctx.user {
                let since = pubs::reads::mark_seen(&state.db, u.id, id).await?;
                pg.first_unread = since.and_then(|t| {
                    pg.replies
                        .iter()
                        .find(|r| r.shown == "full" && r.created_at > t)
                        .map(|r| r.anchor.clone())
                });
                pg.unread_since = since;
            }
            Ok(page(&ctx, &pg))
        }
    }
}

pub(super) async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, aid)): Path<(i64, i64)>,
    Query(q): Query<KeyQuery>,
) -> AppResult<Response> {
    ops::readable_with(&state, ctx.user.as_ref(), id, key_of(&q.k)).await?;
    let (name, ctype, bytes) = pubs::attachment_bytes(&state.db, id, aid)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(ctx.finish(download_response(&name, &ctype, bytes)))
}

/// The snapshot of link `n` cited by publication `id`, through the
/// publication (the policy first): 404 when there is none.
pub(super) async fn link_snapshot(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, n)): Path<(i64, i64)>,
    Query(q): Query<KeyQuery>,
) -> AppResult<Response> {
    let (p, _) = ops::readable_with(&state, ctx.user.as_ref(), id, key_of(&q.k)).await?;
    let link = crate::library::links::of_publication(&state.db, id)
        .await?
        .into_iter()
        .find(|(pos, k)| *pos == n && k.has_snapshot())
        .map(|(_, k)| k)
        .ok_or(AppError::NotFound)?;
    let back = match key_of(&q.k) {
        Some(k) => format!("{}?k={}", p.path(), urls::encode_path(k)),
        None => p.path(),
    };
    Ok(crate::web::library::snapshot_page(
        &state,
        &ctx,
        link,
        p.title.clone(),
        back,
    ))
}
