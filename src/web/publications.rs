//! Publication pages: compose (with attachments and watch links), the
//! publication with its threaded replies, edit and history, delete,
//! attachment downloads, follow, accepted answer, sharing into another
//! community, and tag listings. Handlers: extract → authorize (through
//! `publications::sight` / `may_*`, i.e. `crate::policy`) → domain → render.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::AppState;
use super::ctx::Ctx;
use super::templates::{FieldErrors, Shell, invalid, page, too_many};
use crate::accounts::User;
use crate::communities::Community;
use crate::error::{AppError, AppResult};
use crate::i18n::{Arg, Lang};
use crate::policy::{ContentStatus, Sight};
use crate::publications::{
    self as pubs, Attachment, Author, Checked, Draft, Kind, LinkPreview, Loaded, PageData,
    Publication, PublicationSummary, ReplySight, Shared, Tag, files,
};
use crate::ratelimit;

/// Largest compose or edit request: five files of 10 MB and the text.
pub const UPLOAD_BODY: usize = files::MAX_FILES * files::MAX_FILE_BYTES + 2 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/p/new",
            get(compose_form)
                .post(compose_submit)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY)),
        )
        .route("/p/{id}", get(show))
        .route(
            "/p/{id}/edit",
            get(edit_form)
                .post(edit_submit)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY)),
        )
        .route("/p/{id}/delete", get(delete_confirm).post(delete_submit))
        .route("/p/{id}/history", get(history))
        .route("/p/{id}/attachments/{aid}", get(download))
        .route("/p/{id}/attachments/{aid}/thumbnail", get(thumbnail))
        .route("/p/{id}/replies", post(reply_submit))
        .route(
            "/p/{id}/replies/{rid}/edit",
            get(reply_edit_form).post(reply_edit_submit),
        )
        .route(
            "/p/{id}/replies/{rid}/delete",
            get(reply_delete_confirm).post(reply_delete_submit),
        )
        .route("/p/{id}/replies/{rid}/history", get(reply_history))
        .route("/p/{id}/accept", post(accept_submit))
        .route("/p/{id}/follow", post(follow_submit))
        .route("/p/{id}/unfollow", post(unfollow_submit))
        .route("/p/{id}/share", post(share_submit))
        .route("/p/{id}/pin", post(pin_submit))
        .route("/tags/{name}", get(tag_page))
}

// ---- shared helpers -----------------------------------------------------------------------------

fn kind_label(lang: Lang, kind: Kind) -> String {
    lang.t(match kind {
        Kind::Discussion => "publication-kind-discussion",
        Kind::Question => "publication-kind-question",
        Kind::Watch => "publication-kind-watch",
    })
}

fn kind_label_str(lang: Lang, kind: &str) -> String {
    Kind::parse(kind)
        .map(|k| kind_label(lang, k))
        .unwrap_or_default()
}

/// Bytes in a readable unit ("1,2 Mo" / "1.2 MB").
pub fn human_size(lang: Lang, n: i64) -> String {
    let (value, unit) = if n >= 1024 * 1024 {
        (
            n as f64 / (1024.0 * 1024.0),
            if lang == Lang::Fr { "Mo" } else { "MB" },
        )
    } else if n >= 1024 {
        (
            n as f64 / 1024.0,
            if lang == Lang::Fr { "ko" } else { "KB" },
        )
    } else {
        return format!("{n} {}", if lang == Lang::Fr { "o" } else { "B" });
    };
    let s = format!("{value:.1}");
    let s = if lang == Lang::Fr {
        s.replace('.', ",")
    } else {
        s
    };
    format!("{s}\u{a0}{unit}")
}

/// The signed-in person for a state-changing request.
fn signed_in(ctx: &Ctx) -> AppResult<User> {
    ctx.user.clone().ok_or(AppError::Unauthorized)
}

/// The publication and where it is shared, if `viewer` may read it in full.
async fn readable(
    state: &AppState,
    viewer: Option<&User>,
    id: i64,
) -> AppResult<(Publication, Vec<Shared>)> {
    let p = pubs::by_id(&state.db, id, viewer)
        .await?
        .ok_or(AppError::NotFound)?;
    let links = pubs::links_of(&state.db, viewer, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    if pubs::sight(viewer, &p, &links) != Sight::Full {
        return Err(AppError::NotFound);
    }
    Ok((p, links))
}

/// A `application/x-www-form-urlencoded` body with repeated keys.
pub(super) fn form_pairs(body: &Bytes) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// The first value of `key` (empty when absent).
pub(super) fn first(pairs: &[(String, String)], key: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn all_ids(pairs: &[(String, String)], key: &str) -> Vec<i64> {
    let mut v: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == key)
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// One uploaded file, as received.
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A multipart form: text fields, files, and refusals found while reading
/// (too many files, a file too large — the rest is still read so the form
/// can be shown again with everything typed).
#[derive(Default)]
pub struct MultipartForm {
    pub fields: Vec<(String, String)>,
    pub uploads: Vec<Upload>,
    /// (file name, message key)
    pub refused: Vec<(String, &'static str)>,
    pub files_sent: bool,
}

pub async fn read_multipart(mut mp: Multipart, file_field: &str) -> AppResult<MultipartForm> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge
        } else {
            AppError::BadRequest {
                code: "bad_multipart",
                message_key: "error-400-text",
            }
        }
    };
    let mut form = MultipartForm::default();
    while let Some(mut field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_string();
        if name == file_field {
            let file_name = field.file_name().unwrap_or("").to_string();
            let mut bytes: Vec<u8> = Vec::new();
            let mut too_large = false;
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                if too_large {
                    continue;
                }
                if bytes.len() + chunk.len() > files::MAX_FILE_BYTES {
                    too_large = true;
                    bytes = Vec::new();
                } else {
                    bytes.extend_from_slice(&chunk);
                }
            }
            if file_name.is_empty() && bytes.is_empty() && !too_large {
                continue; // no file chosen
            }
            form.files_sent = true;
            if too_large {
                form.refused.push((file_name, "attachment-too-large"));
            } else if bytes.is_empty() {
                form.refused.push((file_name, "attachment-empty"));
            } else {
                form.uploads.push(Upload {
                    name: file_name,
                    bytes,
                });
            }
        } else {
            let text = field.text().await.map_err(bad)?;
            form.fields.push((name, text));
        }
    }
    Ok(form)
}

impl MultipartForm {
    pub fn get(&self, key: &str) -> String {
        first(&self.fields, key)
    }
    pub fn ids(&self, key: &str) -> Vec<i64> {
        all_ids(&self.fields, key)
    }
}

/// Check uploads (sniffing, thumbnails) off the async threads. Returns the
/// ready files and (file name, message key) refusals.
pub async fn prepare_uploads(
    uploads: Vec<Upload>,
) -> AppResult<(Vec<files::Ready>, Vec<(String, &'static str)>)> {
    tokio::task::spawn_blocking(move || {
        let mut ready = Vec::new();
        let mut refused = Vec::new();
        for u in uploads {
            match files::prepare(&u.name, u.bytes) {
                Ok(r) => ready.push(r),
                Err(k) => refused.push((u.name, k)),
            }
        }
        (ready, refused)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("attachment task failed: {e}")))
}

fn file_error(lang: Lang, name: &str, key: &str) -> String {
    let shown = if name.is_empty() {
        lang.t("attachment-unnamed")
    } else {
        name.chars().take(120).collect()
    };
    format!(
        "{} {}",
        lang.ta("attachment-refused", &[("name", Arg::from(shown))]),
        lang.t(key)
    )
}

// ---- compose --------------------------------------------------------------------------------------

/// Help with the tags field of the compose and edit forms. Without
/// JavaScript: a `<datalist>` of the most used tags and a "Suggest tags"
/// button that sends the form back with what was typed and the tags starting
/// with the last one; with `static/tags.js`, the list follows the typing.
/// Tags come from `search::tags::suggest`, i.e. only from publications the
/// person may see.
#[derive(Default)]
pub struct TagHelp {
    /// Most used tags (labels), for the datalist.
    pub common: Vec<String>,
    /// After "Suggest tags": what the last tag started with.
    pub typed: Option<String>,
    /// Its matches: (label, count), tags already in the field left out.
    pub matches: Vec<(String, i64)>,
    /// Said after a suggestion was chosen ("Tag added: …").
    pub added: Option<String>,
    pub script: &'static str,
}

/// Tags in the datalist without JavaScript (most used lately, see
/// `search::tags::common`).
const COMMON_TAGS: i64 = 30;
/// Tags offered after "Suggest tags".
const SUGGESTED_TAGS: i64 = 12;

/// What the tags buttons of a compose or edit form asked for, if anything.
enum TagAsk {
    Suggest,
    Choose(String),
}

fn tag_ask(form: &MultipartForm) -> Option<TagAsk> {
    let chosen = form.get("tag_choice");
    if !chosen.trim().is_empty() {
        return Some(TagAsk::Choose(chosen.trim().to_string()));
    }
    (!form.get("suggest_tags").is_empty()).then_some(TagAsk::Suggest)
}

/// The tags field with its last (partly typed) tag replaced by `chosen`,
/// ready for the next one: "vélo, mobi" + "mobilité" → "vélo, mobilité, ".
fn complete_last_tag(tags: &str, chosen: &str) -> String {
    let head = match tags.rfind(',') {
        Some(i) => tags[..i].trim_end(),
        None => "",
    };
    if head.is_empty() {
        format!("{chosen}, ")
    } else {
        format!("{head}, {chosen}, ")
    }
}

/// The datalist's tags, plus suggestions (and what was just added) when the
/// person asked. One statement, two after "Suggest tags".
async fn tag_help(
    state: &AppState,
    viewer: Option<&User>,
    tags: &str,
    ask: Option<&TagAsk>,
) -> AppResult<TagHelp> {
    // The datalist is on every view of these forms: `common` reads a bounded
    // window of recent tag uses, not every tagged publication.
    let common = crate::search::tags::common(&state.db, viewer, COMMON_TAGS).await?;
    let mut help = TagHelp {
        common,
        script: super::pages::tags_js_url(),
        ..TagHelp::default()
    };
    match ask {
        Some(TagAsk::Suggest) => {
            let (head, typed) = match tags.rfind(',') {
                Some(i) => (&tags[..i], tags[i + 1..].trim()),
                None => ("", tags.trim()),
            };
            let already: Vec<String> = pubs::parse_tags(head)
                .unwrap_or_default()
                .into_iter()
                .map(|t| t.name)
                .collect();
            help.matches =
                crate::search::tags::suggest(&state.db, viewer, typed, SUGGESTED_TAGS + 8)
                    .await?
                    .into_iter()
                    .filter(|t| !already.contains(&t.name))
                    .take(SUGGESTED_TAGS as usize)
                    .map(|t| (t.label, t.count))
                    .collect();
            help.typed = Some(typed.trim_start_matches('#').to_string());
        }
        Some(TagAsk::Choose(label)) => help.added = Some(label.clone()),
        None => {}
    }
    Ok(help)
}

#[derive(Default, Clone)]
pub struct ComposeValues {
    pub kind: String,
    pub title: String,
    pub body: String,
    pub tags: String,
    pub link_url: String,
    pub communities: Vec<i64>,
}

pub struct Target {
    pub id: i64,
    pub name: String,
    pub path: String,
    pub checked: bool,
}

/// A publication that already shares the link being posted.
pub struct AlreadyShared {
    pub path: String,
    pub title: String,
    pub communities: Vec<(String, String)>,
    /// Chosen communities it is not in yet (ids, names).
    pub add_ids: Vec<i64>,
    pub add_names: String,
}

#[derive(Template)]
#[template(path = "publication_compose.html")]
struct ComposePage {
    s: Shell,
    v: ComposeValues,
    targets: Vec<Target>,
    errors: FieldErrors,
    files_dropped: bool,
    already: Vec<AlreadyShared>,
    kinds: Vec<(&'static str, String)>,
    /// Over the publishing limit: why, and when to try again (what was typed is kept).
    limited: Option<String>,
    tag_help: TagHelp,
}

/// "You wrote a lot in a short time; try again in N minutes; your text is kept."
pub(super) fn limited_message(lang: Lang, key: &str, retry_after: i64) -> String {
    let minutes = (retry_after + 59) / 60;
    lang.ta(key, &[("count", Arg::Num(minutes.max(1)))])
}

fn kinds(lang: Lang) -> Vec<(&'static str, String)> {
    [Kind::Discussion, Kind::Question, Kind::Watch]
        .into_iter()
        .map(|k| (k.as_str(), kind_label(lang, k)))
        .collect()
}

async fn compose_page(
    state: &AppState,
    ctx: &Ctx,
    v: ComposeValues,
    postable: &[(Community, Option<crate::policy::Membership>)],
    ask: Option<&TagAsk>,
) -> AppResult<ComposePage> {
    let tag_help = tag_help(state, ctx.user.as_ref(), &v.tags, ask).await?;
    let targets = postable
        .iter()
        .map(|(c, _)| Target {
            id: c.id,
            name: c.name.clone(),
            path: c.path(),
            checked: v.communities.contains(&c.id),
        })
        .collect();
    Ok(ComposePage {
        s: Shell::new(state, ctx, &ctx.t("publication-new-title"), "")
            .crumb(ctx.t("publication-new-title"), "/p/new"),
        v,
        targets,
        errors: FieldErrors::default(),
        files_dropped: false,
        already: Vec::new(),
        kinds: kinds(ctx.lang),
        limited: None,
        tag_help,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ComposeQuery {
    c: String,
    kind: String,
}

async fn compose_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ComposeQuery>,
) -> AppResult<Response> {
    if let Err(r) = ctx.require_login() {
        return Ok(r);
    }
    let postable = pubs::postable_communities(&state.db, ctx.user.as_ref()).await?;
    // The community it was opened from (`?c=slug`), or the only one there is.
    let preselected: Vec<i64> = postable
        .iter()
        .filter(|(c, _)| c.slug == q.c || postable.len() == 1)
        .map(|(c, _)| c.id)
        .collect();
    let kind = Kind::parse(&q.kind).unwrap_or(Kind::Discussion);
    let v = ComposeValues {
        kind: kind.as_str().into(),
        communities: preselected,
        ..ComposeValues::default()
    };
    Ok(page(
        &ctx,
        &compose_page(&state, &ctx, v, &postable, None).await?,
    ))
}

async fn compose_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    mp: Multipart,
) -> AppResult<Response> {
    // Refuse anonymous posts before reading (up to 52 MB of) the body.
    let user = signed_in(&ctx)?;
    let form = read_multipart(mp, "files").await?;
    ctx.verify_csrf(&form.get("csrf"))?;
    let viewer = Some(&user);
    let mut v = ComposeValues {
        kind: form.get("kind"),
        title: form.get("title"),
        body: form.get("body"),
        tags: form.get("tags"),
        link_url: form.get("link_url"),
        communities: form.ids("communities"),
    };
    let postable = pubs::postable_communities(&state.db, viewer).await?;
    // "Suggest tags" or one of its suggestions (no JavaScript): the form
    // comes back as typed (files must be chosen again), nothing is checked.
    if let Some(ask) = tag_ask(&form) {
        if let TagAsk::Choose(label) = &ask {
            v.tags = complete_last_tag(&v.tags, label);
        }
        let mut p = compose_page(&state, &ctx, v, &postable, Some(&ask)).await?;
        p.files_dropped = form.files_sent;
        return Ok(page(&ctx, &p));
    }
    let mut errors = FieldErrors::default();
    let draft = Draft {
        kind: v.kind.clone(),
        title: v.title.clone(),
        body: v.body.clone(),
        tags: v.tags.clone(),
        link_url: v.link_url.clone(),
        community_ids: v.communities.clone(),
    };
    let checked = match pubs::check_draft(&draft, false) {
        Ok(c) => Some(c),
        Err(refusals) => {
            for (f, k) in refusals {
                errors.add(ctx.lang, f, k);
            }
            None
        }
    };
    let chosen: Vec<_> = postable
        .iter()
        .filter(|(c, _)| v.communities.contains(&c.id))
        .cloned()
        .collect();
    if v.communities.is_empty() {
        errors.add(ctx.lang, "communities", "publication-community-required");
    } else if chosen.len() != v.communities.len() {
        errors.add(ctx.lang, "communities", "publication-community-forbidden");
    }
    for (name, key) in &form.refused {
        errors.add_text("files", file_error(ctx.lang, name, key));
    }
    if form.uploads.len() + form.refused.len() > files::MAX_FILES {
        errors.add(ctx.lang, "files", "attachment-too-many");
    }
    let (ready, refused) = if errors.has("files") {
        (Vec::new(), Vec::new())
    } else {
        prepare_uploads(form.uploads).await?
    };
    for (name, key) in &refused {
        errors.add_text("files", file_error(ctx.lang, name, key));
    }
    let Some(checked) = checked.filter(|_| errors.is_empty()) else {
        let mut p = compose_page(&state, &ctx, v, &postable, None).await?;
        p.errors = errors;
        p.files_dropped = form.files_sent;
        return Ok(invalid(&ctx, &p));
    };

    // A watch link already shared where the viewer can read it: say where, offer to add to it.
    let mut preview: Option<LinkPreview> = None;
    if let Some((raw, key)) = &checked.link {
        let existing = pubs::already_shared(&state.db, viewer, key).await?;
        if !existing.is_empty() {
            let mut p = compose_page(&state, &ctx, v, &postable, None).await?;
            p.files_dropped = form.files_sent;
            p.already = existing
                .into_iter()
                .map(|(ep, links)| {
                    let add: Vec<&Community> = chosen
                        .iter()
                        .map(|(c, _)| c)
                        .filter(|c| !links.iter().any(|l| l.community.id == c.id))
                        .collect();
                    AlreadyShared {
                        path: ep.path(),
                        title: ep.title.clone(),
                        communities: links
                            .iter()
                            .map(|l| (l.community.name.clone(), l.community.path()))
                            .collect(),
                        add_ids: add.iter().map(|c| c.id).collect(),
                        add_names: add
                            .iter()
                            .map(|c| c.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    }
                })
                .collect();
            return Ok(ctx.finish((StatusCode::CONFLICT, super::templates::html(&p))));
        }
        preview = Some(pubs::preview_for(&state.db, &state.config.public_url(), raw, key).await?);
    }
    if let Err(retry_after) = ratelimit::hit_write(
        &state.db,
        &state.config.write_limits,
        &user,
        ratelimit::Write::Publication,
    )
    .await?
    {
        let mut p = compose_page(&state, &ctx, v, &postable, None).await?;
        p.files_dropped = form.files_sent;
        p.limited = Some(limited_message(
            ctx.lang,
            "rate-limited-publications",
            retry_after,
        ));
        return Ok(too_many(&ctx, retry_after, &p));
    }
    let id = pubs::create(&state.db, &user, &checked, &chosen, ready, preview.as_ref()).await?;
    ctx.flash(if preview.as_ref().is_some_and(|p| !p.error.is_empty()) {
        "flash-publication-created-no-preview"
    } else {
        "flash-publication-created"
    });
    Ok(ctx.redirect(&format!("/p/{id}")))
}

// ---- the publication page -------------------------------------------------------------------------

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
    pub kind: String,
}

#[derive(Template)]
#[template(path = "publication_show.html")]
struct ShowPage {
    s: Shell,
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
    fn replying_to(&self, id: impl super::templates::AsI64) -> bool {
        self.reply_parent == Some(id.as_i64())
    }
}

fn status_label(lang: Lang, st: ContentStatus) -> Option<String> {
    match st {
        ContentStatus::Visible => None,
        ContentStatus::Hidden => Some(lang.t("publication-status-hidden")),
        ContentStatus::Removed => Some(lang.t("publication-status-removed")),
        ContentStatus::Deleted => Some(lang.t("publication-status-deleted")),
    }
}

fn author_bits(lang: Lang, a: &Option<Author>) -> (String, Option<String>, Option<String>) {
    match a {
        Some(a) => (a.shown_name().to_string(), Some(a.path()), a.avatar_url()),
        None => (lang.t("publication-former-member"), None, None),
    }
}

fn show_page(
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
    } = d;
    let can_reply = pubs::may_reply(viewer, &p, &links);
    let can_accept = pubs::may_accept(viewer, &p, &links);
    let on_page: std::collections::HashSet<i64> = replies.iter().map(|r| r.id).collect();
    let (placed, final_close) = pubs::thread(replies);
    let replies = placed
        .into_iter()
        .map(|pl| {
            let r = &pl.reply;
            let sight = pubs::reply_sight(viewer, r, &links);
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
                    ReplySight::Moderated => "moderated",
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
                    && viewer.is_some()
                    && r.status == ContentStatus::Visible
                    && !r.is_author(viewer),
                can_accept: can_accept && r.status == ContentStatus::Visible,
            }
        })
        .collect();
    let (author_name, author_path, avatar) = author_bits(lang, &p.author);
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
        s: Shell::new(state, ctx, &p.title, "").crumb(p.title.clone(), p.path()),
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
        preview_error,
        attachments: attachments
            .iter()
            .map(|a: &Attachment| AttachmentView {
                path: a.path(),
                thumbnail: a.thumbnail_path(),
                name: a.file_name.clone(),
                size: human_size(lang, a.size),
                kind: a.content_type.split(';').next().unwrap_or("").to_string(),
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
                format!("/p/{}?reply={rid}#r-{rid}", p.id)
            }
        }),
        locked: p.locked,
        can_reply,
        can_follow: viewer.is_some(),
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
struct NoticePage {
    s: Shell,
    title: String,
    reasons: Vec<(Option<String>, String)>,
    can_delete: bool,
    id: i64,
}

fn notice_page(state: &AppState, ctx: &Ctx, p: &Publication, links: &[Shared]) -> NoticePage {
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
struct ShowQuery {
    page: String,
    reply: String,
}

/// Where a reply is shown: its page, then its anchor.
pub async fn reply_link(state: &AppState, id: i64, rid: i64) -> AppResult<String> {
    let n = pubs::page_of_reply(&state.db, id, rid).await?;
    Ok(if n > 1 {
        format!("/p/{id}?page={n}#r-{rid}")
    } else {
        format!("/p/{id}#r-{rid}")
    })
}

async fn show(
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
    match pubs::load_page_at(&state.db, ctx.user.as_ref(), id, reply_page).await? {
        Loaded::NotFound => Err(AppError::NotFound),
        Loaded::Notice(p, links) => Ok(page(&ctx, &notice_page(&state, &ctx, &p, &links))),
        Loaded::Full(d) => Ok(page(
            &ctx,
            &show_page(
                &state,
                &ctx,
                *d,
                None,
                String::new(),
                FieldErrors::default(),
            ),
        )),
    }
}

// ---- attachments ------------------------------------------------------------------------------------

/// An attachment as a download: its stored type, `attachment` disposition,
/// `nosniff`, never cached by shared caches.
pub fn download_response(name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&files::content_disposition(name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    res
}

async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, aid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    readable(&state, ctx.user.as_ref(), id).await?;
    let (name, ctype, bytes) = pubs::attachment_bytes(&state.db, id, aid)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(ctx.finish(download_response(&name, &ctype, bytes)))
}

async fn thumbnail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, aid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    readable(&state, ctx.user.as_ref(), id).await?;
    let bytes = pubs::attachment_thumbnail(&state.db, id, aid)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut res = bytes.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    Ok(ctx.finish(res))
}

// ---- replies --------------------------------------------------------------------------------------

async fn reply_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    ctx.verify_csrf(&first(&pairs, "csrf"))?;
    let user = signed_in(&ctx)?;
    let viewer = Some(&user);
    let (p, links) = readable(&state, viewer, id).await?;
    if p.locked {
        return Err(AppError::Conflict {
            code: "locked",
            message_key: "publication-locked",
        });
    }
    if !pubs::may_reply(viewer, &p, &links) {
        return Err(AppError::Forbidden);
    }
    let parent_id: Option<i64> = first(&pairs, "parent_id").trim().parse().ok();
    let parent = match parent_id {
        Some(rid) => {
            let r = pubs::reply_by_id(&state.db, id, rid)
                .await?
                .ok_or(AppError::NotFound)?;
            if r.status != ContentStatus::Visible {
                return Err(AppError::Conflict {
                    code: "reply_gone",
                    message_key: "reply-parent-gone",
                });
            }
            Some(r)
        }
        None => None,
    };
    // The reply form under the thread names its field `reply` (the field its
    // errors are tied to); the forms under each reply name it `body`.
    let text = match first(&pairs, "body") {
        b if b.is_empty() => first(&pairs, "reply"),
        b => b,
    };
    // A refused reply re-renders the page its form was on.
    let form_page = match &parent {
        Some(r) => pubs::page_of_reply(&state.db, id, r.id).await?,
        None => first(&pairs, "page")
            .trim()
            .parse::<i64>()
            .unwrap_or(1)
            .max(1),
    };
    match pubs::check_reply(&text) {
        Ok(body) => {
            if let Err(retry_after) = ratelimit::hit_write(
                &state.db,
                &state.config.write_limits,
                &user,
                ratelimit::Write::Reply,
            )
            .await?
            {
                let mut errors = FieldErrors::default();
                errors.add_text(
                    "reply",
                    limited_message(ctx.lang, "rate-limited-replies", retry_after),
                );
                return match pubs::load_page_at(&state.db, viewer, id, form_page).await? {
                    Loaded::Full(d) => Ok(too_many(
                        &ctx,
                        retry_after,
                        &show_page(&state, &ctx, *d, parent_id, text, errors),
                    )),
                    _ => Err(AppError::NotFound),
                };
            }
            let rid = pubs::add_reply(&state.db, &user, &p, &links, parent.as_ref(), &body).await?;
            Ok(ctx.redirect(&reply_link(&state, id, rid).await?))
        }
        Err(key) => {
            let mut errors = FieldErrors::default();
            errors.add(ctx.lang, "reply", key);
            match pubs::load_page_at(&state.db, viewer, id, form_page).await? {
                Loaded::Full(d) => Ok(invalid(
                    &ctx,
                    &show_page(&state, &ctx, *d, parent_id, text, errors),
                )),
                _ => Err(AppError::NotFound),
            }
        }
    }
}

#[derive(Template)]
#[template(path = "publication_reply_edit.html")]
struct ReplyEditPage {
    s: Shell,
    action: String,
    back: String,
    body: String,
    errors: FieldErrors,
}

async fn editable_reply(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    rid: i64,
) -> AppResult<(Publication, Vec<Shared>, pubs::Reply)> {
    let (p, links) = readable(state, ctx.user.as_ref(), id).await?;
    let r = pubs::reply_by_id(&state.db, id, rid)
        .await?
        .ok_or(AppError::NotFound)?;
    if !r.is_author(ctx.user.as_ref()) || r.status == ContentStatus::Deleted {
        return Err(AppError::Forbidden);
    }
    if pubs::reply_sight(ctx.user.as_ref(), &r, &links) != ReplySight::Full {
        return Err(AppError::Forbidden);
    }
    Ok((p, links, r))
}

fn reply_edit_page(
    state: &AppState,
    ctx: &Ctx,
    p: &Publication,
    rid: i64,
    body: String,
    errors: FieldErrors,
) -> ReplyEditPage {
    ReplyEditPage {
        s: Shell::new(state, ctx, &ctx.t("reply-edit-title"), "")
            .crumb(p.title.clone(), p.path())
            .crumb(ctx.t("reply-edit-title"), ""),
        action: format!("/p/{}/replies/{rid}/edit", p.id),
        back: format!("/p/{}?reply={rid}#r-{rid}", p.id),
        body,
        errors,
    }
}

async fn reply_edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, rid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    if let Err(r) = ctx.require_login() {
        return Ok(r);
    }
    let (p, _, r) = editable_reply(&state, &ctx, id, rid).await?;
    Ok(page(
        &ctx,
        &reply_edit_page(&state, &ctx, &p, rid, r.body, FieldErrors::default()),
    ))
}

async fn reply_edit_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((id, rid)): Path<(i64, i64)>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    ctx.verify_csrf(&first(&pairs, "csrf"))?;
    let user = signed_in(&ctx)?;
    let (p, _, r) = editable_reply(&state, &ctx, id, rid).await?;
    let text = first(&pairs, "body");
    match pubs::check_reply(&text) {
        Ok(body) => {
            pubs::edit_reply(&state.db, &user, &r, &body).await?;
            ctx.flash("flash-reply-saved");
            Ok(ctx.redirect(&format!("/p/{id}?reply={rid}#r-{rid}")))
        }
        Err(key) => {
            let mut errors = FieldErrors::default();
            errors.add(ctx.lang, "body", key);
            Ok(invalid(
                &ctx,
                &reply_edit_page(&state, &ctx, &p, rid, text, errors),
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "publication_confirm.html")]
struct ConfirmPage {
    s: Shell,
    heading: String,
    text: String,
    action: String,
    button: String,
    back: String,
}

async fn reply_delete_confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, rid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    if let Err(r) = ctx.require_login() {
        return Ok(r);
    }
    let (p, _, _) = editable_reply(&state, &ctx, id, rid).await?;
    Ok(page(
        &ctx,
        &ConfirmPage {
            s: Shell::new(&state, &ctx, &ctx.t("reply-delete-title"), "")
                .crumb(p.title.clone(), p.path()),
            heading: ctx.t("reply-delete-title"),
            text: ctx.t("reply-delete-text"),
            action: format!("/p/{id}/replies/{rid}/delete"),
            button: ctx.t("publication-delete-confirm"),
            back: format!("/p/{id}?reply={rid}#r-{rid}"),
        },
    ))
}

async fn reply_delete_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((id, rid)): Path<(i64, i64)>,
    body: Bytes,
) -> AppResult<Response> {
    ctx.verify_csrf(&first(&form_pairs(&body), "csrf"))?;
    signed_in(&ctx)?;
    let (_, _, r) = editable_reply(&state, &ctx, id, rid).await?;
    pubs::delete_reply(&state.db, &r).await?;
    ctx.flash("flash-reply-deleted");
    Ok(ctx.redirect(&format!("/p/{id}?reply={rid}#r-{rid}")))
}

// ---- history ------------------------------------------------------------------------------------------

pub struct VersionView {
    pub title: String,
    pub html: String,
    pub date: i64,
    pub editor: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "publication_history.html")]
struct HistoryPage {
    s: Shell,
    heading: String,
    back: String,
    versions: Vec<VersionView>,
}

/// Versions, newest first: the current one, then each earlier one dated
/// from when it was written (the replacement time of the version before it).
fn versions(
    lang: Lang,
    current_title: &str,
    current_body_html: &str,
    current_date: i64,
    created_at: i64,
    author: &Option<Author>,
    revs: Vec<pubs::Revision>,
) -> Vec<VersionView> {
    let name = |a: &Option<Author>| {
        a.as_ref()
            .map(|a| a.shown_name().to_string())
            .unwrap_or_else(|| lang.t("publication-former-member"))
    };
    let mut out = vec![VersionView {
        title: current_title.to_string(),
        html: current_body_html.to_string(),
        date: current_date,
        editor: revs
            .first()
            .map(|r| name(&r.editor))
            .unwrap_or_else(|| name(author)),
        current: true,
    }];
    let n = revs.len();
    for i in 0..n {
        let written = if i + 1 < n {
            revs[i + 1].replaced_at
        } else {
            created_at
        };
        let editor = if i + 1 < n {
            name(&revs[i + 1].editor)
        } else {
            name(author)
        };
        out.push(VersionView {
            title: revs[i].title.clone(),
            html: crate::markdown::render(&revs[i].body).html,
            date: written,
            editor,
            current: false,
        });
    }
    out
}

async fn history(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (p, _) = readable(&state, ctx.user.as_ref(), id).await?;
    let revs = pubs::revisions(&state.db, id).await?;
    let list = versions(
        ctx.lang,
        &p.title,
        &p.body_html,
        p.updated_at,
        p.created_at,
        &p.author,
        revs,
    );
    Ok(page(
        &ctx,
        &HistoryPage {
            s: Shell::new(&state, &ctx, &ctx.t("publication-history-title"), "")
                .crumb(p.title.clone(), p.path())
                .crumb(
                    ctx.t("publication-history-title"),
                    format!("/p/{id}/history"),
                ),
            heading: ctx.t("publication-history-title"),
            back: p.path(),
            versions: list,
        },
    ))
}

async fn reply_history(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, rid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let (p, links) = readable(&state, ctx.user.as_ref(), id).await?;
    let r = pubs::reply_by_id(&state.db, id, rid)
        .await?
        .ok_or(AppError::NotFound)?;
    if pubs::reply_sight(ctx.user.as_ref(), &r, &links) != ReplySight::Full {
        return Err(AppError::NotFound);
    }
    let revs = pubs::reply_revisions(&state.db, rid).await?;
    let list = versions(
        ctx.lang,
        "",
        &r.body_html,
        r.updated_at,
        r.created_at,
        &r.author,
        revs,
    );
    Ok(page(
        &ctx,
        &HistoryPage {
            s: Shell::new(&state, &ctx, &ctx.t("reply-history-title"), "")
                .crumb(p.title.clone(), p.path())
                .crumb(ctx.t("reply-history-title"), ""),
            heading: ctx.t("reply-history-title"),
            back: r.path(),
            versions: list,
        },
    ))
}

// ---- edit and delete ------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "publication_edit.html")]
struct EditPage {
    s: Shell,
    id: i64,
    title: String,
    body: String,
    tags: String,
    attachments: Vec<(i64, String, String, bool)>,
    room: i64,
    errors: FieldErrors,
    files_dropped: bool,
    tag_help: TagHelp,
}

async fn editable(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(Publication, Vec<Shared>)> {
    let (p, links) = readable(state, ctx.user.as_ref(), id).await?;
    if !pubs::may_edit(ctx.user.as_ref(), &p, &links) {
        return Err(AppError::Forbidden);
    }
    Ok((p, links))
}

/// Tags chosen by hand: the publication's tags that are not hashtags of its body.
fn chosen_tags(p: &Publication, tags: &[Tag]) -> String {
    let hashtags = crate::markdown::render(&p.body).hashtags;
    tags.iter()
        .filter(|t| !hashtags.contains(&t.name))
        .map(|t| t.label.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    if let Err(r) = ctx.require_login() {
        return Ok(r);
    }
    let (p, _) = editable(&state, &ctx, id).await?;
    let tags = pubs::tags_of(&state.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let atts = pubs::attachments_of(&state.db, id).await?;
    let tags = chosen_tags(&p, &tags);
    let tag_help = tag_help(&state, ctx.user.as_ref(), &tags, None).await?;
    Ok(page(
        &ctx,
        &EditPage {
            s: Shell::new(&state, &ctx, &ctx.t("publication-edit-title"), "")
                .crumb(p.title.clone(), p.path())
                .crumb(ctx.t("publication-edit-title"), format!("/p/{id}/edit")),
            id,
            title: p.title.clone(),
            body: p.body.clone(),
            tags,
            room: files::MAX_FILES.saturating_sub(atts.len()) as i64,
            attachments: atts
                .into_iter()
                .map(|a| (a.id, a.file_name, human_size(ctx.lang, a.size), false))
                .collect(),
            errors: FieldErrors::default(),
            files_dropped: false,
            tag_help,
        },
    ))
}

async fn edit_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<i64>,
    mp: Multipart,
) -> AppResult<Response> {
    let user = signed_in(&ctx)?;
    let (p, links) = editable(&state, &ctx, id).await?;
    let form = read_multipart(mp, "files").await?;
    ctx.verify_csrf(&form.get("csrf"))?;
    let atts = pubs::attachments_of(&state.db, id).await?;
    let remove: Vec<i64> = form
        .ids("remove_attachment")
        .into_iter()
        .filter(|a| atts.iter().any(|x| x.id == *a))
        .collect();
    let mut draft = Draft {
        kind: p.kind.as_str().into(),
        title: form.get("title"),
        body: form.get("body"),
        tags: form.get("tags"),
        ..Draft::default()
    };
    // "Suggest tags" or one of its suggestions (no JavaScript): the form
    // comes back as typed, nothing is checked or saved.
    let ask = tag_ask(&form);
    if let Some(TagAsk::Choose(label)) = &ask {
        draft.tags = complete_last_tag(&draft.tags, label);
    }
    let mut errors = FieldErrors::default();
    let checked: Option<Checked> = if ask.is_some() {
        None
    } else {
        match pubs::check_draft(
            &Draft {
                kind: p.kind.as_str().into(),
                ..draft.clone()
            },
            true,
        ) {
            Ok(c) => Some(c),
            Err(refusals) => {
                for (f, k) in refusals {
                    errors.add(ctx.lang, f, k);
                }
                None
            }
        }
    };
    for (name, key) in &form.refused {
        errors.add_text("files", file_error(ctx.lang, name, key));
    }
    if atts.len() - remove.len() + form.uploads.len() + form.refused.len() > files::MAX_FILES {
        errors.add(ctx.lang, "files", "attachment-too-many");
    }
    if ask.is_some() {
        errors = FieldErrors::default();
    }
    let (ready, refused) = if ask.is_some() || errors.has("files") {
        (Vec::new(), Vec::new())
    } else {
        prepare_uploads(form.uploads).await?
    };
    for (name, key) in &refused {
        errors.add_text("files", file_error(ctx.lang, name, key));
    }
    let Some(checked) = checked.filter(|_| errors.is_empty()) else {
        let tag_help = tag_help(&state, ctx.user.as_ref(), &draft.tags, ask.as_ref()).await?;
        let edit = EditPage {
            s: Shell::new(&state, &ctx, &ctx.t("publication-edit-title"), "")
                .crumb(p.title.clone(), p.path())
                .crumb(ctx.t("publication-edit-title"), format!("/p/{id}/edit")),
            id,
            title: draft.title,
            body: draft.body,
            tags: draft.tags,
            room: files::MAX_FILES.saturating_sub(atts.len()) as i64,
            attachments: atts
                .into_iter()
                .map(|a| {
                    (
                        a.id,
                        a.file_name,
                        human_size(ctx.lang, a.size),
                        remove.contains(&a.id),
                    )
                })
                .collect(),
            errors,
            files_dropped: form.files_sent,
            tag_help,
        };
        return Ok(if ask.is_some() {
            page(&ctx, &edit)
        } else {
            invalid(&ctx, &edit)
        });
    };
    pubs::edit(&state.db, &user, &p, &links, &checked, ready, &remove).await?;
    ctx.flash("flash-publication-saved");
    Ok(ctx.redirect(&p.path()))
}

async fn delete_confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    if let Err(r) = ctx.require_login() {
        return Ok(r);
    }
    let (p, links) = deletable(&state, &ctx, id).await?;
    let _ = links;
    Ok(page(
        &ctx,
        &ConfirmPage {
            s: Shell::new(&state, &ctx, &ctx.t("publication-delete-title"), "")
                .crumb(p.title.clone(), p.path()),
            heading: ctx.t("publication-delete-title"),
            text: ctx.lang.ta(
                "publication-delete-text",
                &[("name", Arg::from(p.title.clone()))],
            ),
            action: format!("/p/{id}/delete"),
            button: ctx.t("publication-delete-confirm"),
            back: p.path(),
        },
    ))
}

async fn deletable(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<(Publication, Vec<Shared>)> {
    let viewer = ctx.user.as_ref();
    let p = pubs::by_id(&state.db, id, viewer)
        .await?
        .ok_or(AppError::NotFound)?;
    let links = pubs::links_of(&state.db, viewer, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    match pubs::sight(viewer, &p, &links) {
        Sight::None => Err(AppError::NotFound),
        _ if pubs::may_delete(viewer, &p, &links) => Ok((p, links)),
        _ => Err(AppError::Forbidden),
    }
}

async fn delete_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    ctx.verify_csrf(&first(&form_pairs(&body), "csrf"))?;
    signed_in(&ctx)?;
    let (p, _) = deletable(&state, &ctx, id).await?;
    pubs::delete(&state.db, &p).await?;
    ctx.flash("flash-publication-deleted");
    Ok(ctx.redirect("/"))
}

// ---- follow, accept, share ------------------------------------------------------------------------------

async fn set_follow(
    state: AppState,
    ctx: Ctx,
    id: i64,
    body: Bytes,
    follow: bool,
) -> AppResult<Response> {
    ctx.verify_csrf(&first(&form_pairs(&body), "csrf"))?;
    let user = signed_in(&ctx)?;
    readable(&state, Some(&user), id).await?;
    pubs::set_follow(&state.db, &user, id, follow).await?;
    Ok(ctx.redirect(&format!("/p/{id}")))
}

async fn follow_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    set_follow(state, ctx, id, body, true).await
}

async fn unfollow_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    set_follow(state, ctx, id, body, false).await
}

async fn accept_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    ctx.verify_csrf(&first(&pairs, "csrf"))?;
    let user = signed_in(&ctx)?;
    let (p, links) = readable(&state, Some(&user), id).await?;
    if !pubs::may_accept(Some(&user), &p, &links) {
        return Err(AppError::Forbidden);
    }
    let reply_id: Option<i64> = first(&pairs, "reply_id").trim().parse().ok();
    if let Some(rid) = reply_id {
        let r = pubs::reply_by_id(&state.db, id, rid)
            .await?
            .ok_or(AppError::NotFound)?;
        if r.status != ContentStatus::Visible {
            return Err(AppError::Conflict {
                code: "reply_gone",
                message_key: "reply-parent-gone",
            });
        }
    }
    pubs::set_accepted(&state.db, id, reply_id).await?;
    ctx.flash(if reply_id.is_some() {
        "flash-answer-accepted"
    } else {
        "flash-answer-cleared"
    });
    Ok(ctx.redirect(&match reply_id {
        Some(rid) => format!("/p/{id}#r-{rid}"),
        None => format!("/p/{id}"),
    }))
}

async fn share_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    ctx.verify_csrf(&first(&pairs, "csrf"))?;
    let user = signed_in(&ctx)?;
    let (_, links) = readable(&state, Some(&user), id).await?;
    let wanted = all_ids(&pairs, "community");
    if wanted.is_empty() {
        return Err(AppError::BadRequest {
            code: "community_required",
            message_key: "publication-community-required",
        });
    }
    let postable = pubs::postable_communities(&state.db, Some(&user)).await?;
    let mut added = 0;
    for cid in wanted {
        if !postable.iter().any(|(c, _)| c.id == cid) {
            return Err(AppError::Forbidden);
        }
        if links.iter().any(|l| l.community.id == cid) {
            continue;
        }
        if pubs::share_into(&state.db, &user, id, cid).await? {
            added += 1;
        }
    }
    ctx.flash(if added > 0 {
        "flash-publication-shared"
    } else {
        "flash-publication-already-there"
    });
    Ok(ctx.redirect(&format!("/p/{id}")))
}

/// Pin or unpin the publication in one community where it is shared (its
/// animators and owners, or an instance admin): pinned publications come
/// first on the community page.
async fn pin_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    ctx.verify_csrf(&first(&pairs, "csrf"))?;
    let user = signed_in(&ctx)?;
    let (_, links) = readable(&state, Some(&user), id).await?;
    let cid: i64 = first(&pairs, "community")
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let pinned = first(&pairs, "pinned") == "1";
    let link = links
        .iter()
        .find(|l| l.community.id == cid && l.readable_by(Some(&user)))
        .ok_or(AppError::NotFound)?;
    if !link.managed_by(Some(&user)) {
        return Err(AppError::Forbidden);
    }
    if link.community.status != crate::policy::CommunityStatus::Active {
        return Err(AppError::Conflict {
            code: "community_archived",
            message_key: "community-error-archived",
        });
    }
    pubs::set_pinned(&state.db, id, cid, pinned).await?;
    ctx.flash(if pinned {
        "flash-publication-pinned"
    } else {
        "flash-publication-unpinned"
    });
    Ok(ctx.redirect(&format!("/p/{id}")))
}

// ---- tags ---------------------------------------------------------------------------------------------------

pub struct SummaryView {
    pub path: String,
    pub title: String,
    pub kind_label: String,
    pub excerpt: String,
    pub author: Option<(String, String)>,
    pub last_activity_at: i64,
    pub reply_count: i64,
    pub tags: Vec<(String, String)>,
    pub site_name: Option<String>,
}

pub fn summary_view(lang: Lang, s: &PublicationSummary) -> SummaryView {
    SummaryView {
        path: s.path(),
        title: s.title.clone(),
        kind_label: kind_label_str(lang, &s.kind),
        excerpt: s.excerpt.clone(),
        author: match (&s.author_name, &s.author_username) {
            (Some(n), Some(u)) => Some((n.clone(), format!("/u/{}", crate::urls::encode_path(u)))),
            _ => None,
        },
        last_activity_at: s.last_activity_at,
        reply_count: s.reply_count,
        tags: s
            .tags
            .iter()
            .map(|t| (t.clone(), format!("/tags/{}", crate::urls::encode_path(t))))
            .collect(),
        site_name: s.site_name.clone(),
    }
}

#[derive(Template)]
#[template(path = "publication_tag.html")]
struct TagPage {
    s: Shell,
    label: String,
    items: Vec<SummaryView>,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageQuery {
    page: i64,
}

async fn tag_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let name = name.to_lowercase();
    let label = pubs::tag_label(&state.db, &name)
        .await?
        .ok_or(AppError::NotFound)?;
    let page_no = q.page.clamp(0, 10_000);
    let (list, more) = pubs::list_by_tag(&state.db, ctx.user.as_ref(), &name, page_no).await?;
    let base = format!("/tags/{}", crate::urls::encode_path(&name));
    let title = ctx
        .lang
        .ta("tag-title", &[("name", Arg::from(label.clone()))]);
    Ok(page(
        &ctx,
        &TagPage {
            s: Shell::new(&state, &ctx, &title, "").crumb(title.clone(), base.clone()),
            label,
            items: list.iter().map(|s| summary_view(ctx.lang, s)).collect(),
            page: page_no,
            prev: (page_no > 0).then(|| {
                if page_no == 1 {
                    base.clone()
                } else {
                    format!("{base}?page={}", page_no - 1)
                }
            }),
            next: more.then(|| format!("{base}?page={}", page_no + 1)),
        },
    ))
}
