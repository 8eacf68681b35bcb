//! Publication pages: compose (with attachments and watch links), the
//! publication with its threaded replies, edit and history, delete,
//! attachment downloads, follow, accepted answer, sharing into another
//! community, and tag listings. Handlers parse the form, call one
//! operation of `publications::ops` (which asks `crate::policy` and writes)
//! and render its outcome: a refused form comes back with what was typed.
//!
//! Files: `compose` (new publication), `show` (the page, downloads),
//! `replies`, `edit` (edit, delete), `history`, `actions` (follow, accept,
//! share, pin), `tags` (tags field help, tag page, summaries for lists).

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

use super::AppState;
use super::ctx::Ctx;
use super::templates::{FieldErrors, Shell, invalid, page, too_many};
use crate::accounts::User;
use crate::actor::Actor;
use crate::communities::Community;
use crate::edge::{MultipartForm, all_ids, download_response, read_multipart};
use crate::error::{AppError, AppResult};
use crate::i18n::{Arg, Lang};
use crate::policy::ContentStatus;
use crate::publications::ops::{self, CommunityKey};
use crate::publications::{
    self as pubs, Attachment, Author, Kind, LinkPreview, Loaded, PageData, Publication,
    PublicationSummary, ReplySight, Shared, Tag, files,
};
use crate::urls;

mod actions;
mod compose;
mod edit;
mod history;
mod replies;
mod show;
mod tags;

use actions::*;
use compose::*;
use edit::*;
use history::*;
use replies::*;
use show::*;
use tags::*;

// Used by other pages (search, notifications, moderation, communities, feeds).
pub use crate::edge::{first, form_pairs};
pub use show::reply_link;
pub use tags::{SummaryView, TagHelp, summary_view};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/p/new", get(compose_form).post(compose_submit))
        .route("/p/new/draft", post(draft_autosave))
        .route("/p/{id}", get(show))
        .route("/p/{id}/edit", get(edit_form).post(edit_submit))
        .route("/p/{id}/delete", get(delete_confirm).post(delete_submit))
        .route("/p/{id}/history", get(history))
        .route("/p/{id}/attachments/{aid}", get(download))
        .route("/p/{id}/links/{n}", get(link_snapshot))
        .route(
            "/p/{id}/attachments/{aid}/thumbnail",
            get(super::media::thumbnail),
        )
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

// ---- shared helpers ------------------------------------------------------------------------------

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

/// "You wrote a lot in a short time; try again in N minutes; your text is kept."
pub(super) fn limited_message(lang: Lang, key: &str, retry_after: i64) -> String {
    let minutes = (retry_after + 59) / 60;
    lang.ta(key, &[("count", Arg::Num(minutes.max(1)))])
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
