//! An event's image over HTTP: `/e/{id}/image?v=…` (`v`: the large or the
//! small version), served through the event (`media::event_image` asks the
//! policy, so a private community's event image is its members' only;
//! caching as the policy's answer says), and how the pages show it.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

use super::super::AppState;
use super::super::media::{Viewer, respond};
use crate::error::{AppError, AppResult};
use crate::events::Event;
use crate::i18n::{Arg, Lang};

/// The image as a page shows it: responsive (`srcset` of both sizes), its
/// size given (no layout shift), with its text alternative.
pub(crate) struct Shown {
    pub src: String,
    pub srcset: String,
    pub width: i64,
    pub height: i64,
    pub alt: String,
}

/// The organiser's alternative, or one named after the title.
pub(crate) fn alt_of(lang: Lang, e: &Event) -> String {
    match &e.image {
        Some(i) if !i.alt.is_empty() => i.alt.clone(),
        _ => lang.ta(
            "event-image-alt-default",
            &[("name", Arg::Str(e.title.clone()))],
        ),
    }
}

pub(crate) fn shown(lang: Lang, e: &Event) -> Option<Shown> {
    let img = e.image.as_ref()?;
    let (large, small) = e.image_urls()?;
    let small_w = if img.width >= img.height {
        i64::from(crate::images::BANNER_SMALL_SIDE).min(img.width)
    } else {
        (img.width * i64::from(crate::images::BANNER_SMALL_SIDE) / img.height.max(1)).max(1)
    };
    Some(Shown {
        srcset: format!("{small} {small_w}w, {large} {}w", img.width),
        src: large,
        width: img.width,
        height: img.height,
        alt: alt_of(lang, e),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ImageQuery {
    v: Option<i64>,
}

pub(super) async fn serve(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Path(id): Path<String>,
    Query(q): Query<ImageQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let img = crate::media::event_image(&state.db, viewer.as_ref(), id, q.v).await?;
    Ok(respond(img, &headers))
}
