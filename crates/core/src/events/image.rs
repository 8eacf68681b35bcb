//! An event's image (migration 0061): set with the event (create and edit
//! forms) or on its own (the API), replaced, removed. The upload is made
//! by `images::Pool::banner` (sniffed, bounded from the header, decoded
//! under limits, re-encoded as JPEG without metadata, two sizes) before it
//! reaches here; the rows live in `media`, like avatars and logos, so every
//! node serves the same bytes. They are served only through the event
//! (`media::event_image`, asked of the policy). No HTTP.

use super::Event;
use super::ops::{invalid, manageable};
use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::images::Banner;
use crate::state::AppState;

/// Longest text alternative, in characters.
pub const ALT_MAX: usize = 500;

/// What happens to an event's image when its form is sent.
#[derive(Debug, Clone, Default)]
pub enum Change {
    /// The image stays (its text alternative may change).
    #[default]
    Keep,
    /// A new image (processed) replaces the old one, if any.
    Replace(Banner),
    /// The image is taken off.
    Remove,
}

/// The image part of an event's form: the change and the text
/// alternative (`None`: as it is; a new image without one has none).
#[derive(Debug, Clone, Default)]
pub struct Edit {
    pub change: Change,
    pub alt: Option<String>,
}

impl Edit {
    /// The alternative checked (`check_alt`), as a field error.
    pub fn checked(self) -> AppResult<Edit> {
        let alt = match &self.alt {
            Some(a) => Some(check_alt(a).map_err(|e| invalid(vec![e]))?),
            None => None,
        };
        Ok(Edit { alt, ..self })
    }
}

/// The text alternative as stored: one line, trimmed; too long is a field
/// error (`image_alt`).
pub fn check_alt(alt: &str) -> Result<String, (&'static str, &'static str)> {
    let clean: String = alt
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let one_line = clean.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > ALT_MAX {
        return Err(("image_alt", "event-field-too-long"));
    }
    Ok(one_line)
}

async fn insert_media(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    owner: Option<i64>,
    bytes: &[u8],
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO media (owner_id, content_type, bytes, created_at) VALUES ($1, 'image/jpeg', $2, $3) \
         RETURNING id",
    )
    .bind(owner)
    .bind(bytes.to_vec())
    .bind(now())
    .fetch_one(&mut **tx)
    .await
}

/// Apply `edit` to event `id` inside a transaction (its row locked first,
/// so the previous image read is the one replaced). `owner`: who uploads
/// (the `media` rows go with their account). Returns whether anything
/// changed. The alternative is `check_alt`'s already.
pub(crate) async fn write_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
    owner: Option<i64>,
    edit: &Edit,
) -> Result<bool, sqlx::Error> {
    sqlx::query("UPDATE events SET image_id = image_id WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let (old, old_small, old_alt): (Option<i64>, Option<i64>, String) =
        sqlx::query_as("SELECT image_id, image_small_id, image_alt FROM events WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
    match &edit.change {
        Change::Keep => {
            let Some(alt) = edit.alt.as_ref().filter(|a| **a != old_alt) else {
                return Ok(false);
            };
            if old.is_none() {
                return Ok(false);
            }
            sqlx::query("UPDATE events SET image_alt = $1 WHERE id = $2")
                .bind(alt)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            return Ok(true);
        }
        Change::Replace(b) => {
            let large = insert_media(tx, owner, &b.large).await?;
            let small = insert_media(tx, owner, &b.small).await?;
            sqlx::query(
                "UPDATE events SET image_id = $1, image_small_id = $2, image_alt = $3, \
                 image_width = $4, image_height = $5 WHERE id = $6",
            )
            .bind(large)
            .bind(small)
            .bind(edit.alt.as_deref().unwrap_or(""))
            .bind(i64::from(b.width))
            .bind(i64::from(b.height))
            .bind(id)
            .execute(&mut **tx)
            .await?;
        }
        Change::Remove => {
            if old.is_none() && old_small.is_none() {
                return Ok(false);
            }
            sqlx::query(
                "UPDATE events SET image_id = NULL, image_small_id = NULL, image_alt = '', \
                 image_width = 0, image_height = 0 WHERE id = $1",
            )
            .bind(id)
            .execute(&mut **tx)
            .await?;
        }
    }
    for m in [old, old_small].into_iter().flatten() {
        sqlx::query("DELETE FROM media WHERE id = $1")
            .bind(m)
            .execute(&mut **tx)
            .await?;
    }
    Ok(true)
}

/// Apply an image change to an event on its own (the API): its managers
/// only; SEQUENCE raised (feeds carry the image); federated as an update.
pub async fn apply(state: &AppState, actor: &Actor, id: i64, edit: Edit) -> AppResult<Event> {
    let l = manageable(state, actor, id).await?;
    let edit = edit.checked()?;
    let mut tx = state.db.begin().await?;
    let changed = write_in(&mut tx, l.e.id, actor.audit_id(), &edit).await?;
    if changed {
        sqlx::query("UPDATE events SET sequence = sequence + 1, updated_at = $1 WHERE id = $2")
            .bind(now())
            .bind(l.e.id)
            .execute(&mut *tx)
            .await?;
        let what = match edit.change {
            Change::Remove => "event_image_removed",
            _ => "event_image_changed",
        };
        audit_in(&mut tx, actor, what, None, &l.e.id.to_string()).await?;
    }
    tx.commit().await?;
    if changed {
        crate::federation::events::changed(state, l.e.id, true).await;
    }
    super::by_id(&state.db, l.e.id)
        .await?
        .ok_or(AppError::NotFound)
}
