//! `/api/v1/publications`, `/api/v1/notifications`, `/api/v1/tags`:
//! publications shared into communities, their replies, attachments and
//! follows; the caller's notifications; tag listings. The same domain
//! functions and permission checks as the pages (`crate::publications`,
//! which asks `crate::policy`): what a caller may not read is a 404.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiUser, error};
use super::wire::{ErrorBody, rfc3339};
use crate::accounts::User;
use crate::actor::Actor;
use crate::edge::{download_response, read_multipart};
use crate::error::{AppError, AppResult};
use crate::notifications;
use crate::publications::ops::{self, CommunityKey, readable};
use crate::publications::{
    self as pubs, Draft, Kind, Publication, PublicationSummary, ReplySight, Shared,
};
use crate::state::AppState;

mod listings;
mod notifications_api;
mod publication;
mod thread;
mod types;

pub use listings::*;
pub use notifications_api::*;
pub use publication::*;
pub use thread::*;
pub use types::*;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/publications", post(create))
        .route("/publications/{id}", get(show).patch(update).delete(remove))
        .route("/publications/{id}/communities", post(share))
        .route("/publications/{id}/attachments", post(add_attachments))
        .route("/publications/{id}/attachments/{aid}", get(download))
        .route(
            "/publications/{id}/replies",
            get(replies).post(create_reply),
        )
        .route(
            "/publications/{id}/replies/{rid}",
            axum::routing::patch(update_reply).delete(delete_reply),
        )
        .route("/publications/{id}/accepted-answer", put(accept))
        .route("/publications/{id}/follow", put(follow).delete(unfollow))
        .route("/notifications", get(list_notifications))
        .route("/notifications/{nid}/read", post(read_notification))
        .route("/notifications/read-all", post(read_all))
        .route("/tags/{name}/publications", get(tag_publications))
        .route(
            "/communities/{slug}/publications",
            get(community_publications),
        )
        .route(
            "/communities/{slug}/publications/{id}/pin",
            put(pin).delete(unpin),
        )
}

// ---- helpers ----------------------------------------------------------------------------------------

/// The publication as the caller reads it, with its tags and attachments.
async fn full(state: &AppState, viewer: Option<&User>, id: i64) -> AppResult<PublicationOut> {
    full_with(state, viewer, id, None).await
}

/// [`full`], for a caller who came with the publication's key.
async fn full_with(
    state: &AppState,
    viewer: Option<&User>,
    id: i64,
    key: Option<&str>,
) -> AppResult<PublicationOut> {
    let (p, links) = ops::readable_with(state, viewer, id, key).await?;
    let tags = pubs::tags_of(&state.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let atts = pubs::attachments_of(&state.db, id).await?;
    Ok(publication_out(state, viewer, &p, &links, tags, atts))
}

fn reply_out(
    state: &AppState,
    viewer: Option<&User>,
    p: &Publication,
    links: &[Shared],
    r: &pubs::Reply,
) -> ReplyOut {
    let sight = pubs::reply_sight(viewer, p, r, links);
    let full = sight == ReplySight::Full;
    let key = (p.reach == crate::policy::Reach::Link).then_some(p.public_key.as_str());
    ReplyOut {
        id: r.id,
        url: state.url(&crate::urls::reply_link(p.id, r.id, key)),
        parent_id: r.parent_id,
        depth: r.depth,
        author: person(state, &r.author),
        status: match sight {
            ReplySight::Full => r.status.as_str().to_string(),
            ReplySight::Tombstone => "deleted".into(),
            ReplySight::Moderated | ReplySight::None => "moderated".into(),
        },
        body: full.then(|| r.body.clone()),
        body_html: full.then(|| r.body_html.clone()),
        created_at: rfc3339(r.created_at),
        updated_at: rfc3339(r.updated_at),
        edited: full && r.revisions > 0,
        accepted: p.accepted_reply_id == Some(r.id),
    }
}

/// Tags as the API sends them (a list) in the tags field's form.
fn tags_field(tags: &[String]) -> String {
    tags.iter()
        .map(|t| t.replace(',', " "))
        .collect::<Vec<_>>()
        .join(",")
}
