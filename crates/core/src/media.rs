//! Stored images (the `media` table: avatars, link-preview images,
//! attachment thumbnails, tool icons, organisation logos, event images),
//! served only through their owner.
//!
//! An image has no address of its own: it is asked for through the object
//! it belongs to (`urls::avatar`, `urls::publication_preview`, the
//! attachment's `…/thumbnail`, `urls::tool_icon`), and each function here
//! loads that owner, asks the policy whether this viewer may see it
//! (`policy::MediaSight`), and only then reads the bytes. An owner the
//! viewer may not see, an image that is not the owner's current one, and
//! an owner that does not exist all answer the same `NotFound`. Only what
//! anyone may see without signing in or holding a link is `Public` (and may
//! be cached by shared caches). No HTTP here: the pages turn an [`Image`]
//! into a response.

use sqlx::Row;

use crate::accounts::{self, User};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::policy::{self, MediaSight, SharedIn};
use crate::publications::{self, Shared};

/// An image the viewer may see, and how it may be cached.
#[derive(Debug)]
pub struct Image {
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// `Private` or `Public` (never `Hidden`: that is `NotFound`).
    pub sight: MediaSight,
    /// The image's version (its row): an `ETag` and the `v` of its address.
    pub version: i64,
}

impl Image {
    pub fn is_public(&self) -> bool {
        self.sight == MediaSight::Public
    }
    pub fn etag(&self) -> String {
        format!("\"m{}\"", self.version)
    }
}

/// The bytes of one row, once the owner was found visible.
async fn bytes(db: &Db, id: i64) -> AppResult<(String, Vec<u8>)> {
    let row = sqlx::query("SELECT content_type, bytes FROM media WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((row.try_get("content_type")?, row.try_get("bytes")?))
}

/// The version asked for must be the owner's current image.
fn current(owned: Option<i64>, asked: Option<i64>) -> AppResult<i64> {
    match (owned, asked) {
        (Some(id), Some(v)) if id == v => Ok(id),
        _ => Err(AppError::NotFound),
    }
}

async fn image(db: &Db, id: i64, sight: MediaSight) -> AppResult<Image> {
    if sight == MediaSight::Hidden {
        return Err(AppError::NotFound);
    }
    let (content_type, bytes) = bytes(db, id).await?;
    Ok(Image {
        content_type,
        bytes,
        sight,
        version: id,
    })
}

/// A person's avatar: while their profile is visible to `viewer`.
pub async fn avatar(
    db: &Db,
    viewer: Option<&User>,
    username: &str,
    version: Option<i64>,
) -> AppResult<Image> {
    let target = accounts::by_username(db, username)
        .await?
        .ok_or(AppError::NotFound)?;
    let sight = policy::avatar_sight(viewer, &target);
    if sight == MediaSight::Hidden {
        return Err(AppError::NotFound);
    }
    let id = current(target.avatar_id, version)?;
    image(db, id, sight).await
}

/// A publication as `viewer` reached it (with `key` or not), and how its
/// images may be seen.
async fn content_sight(
    db: &Db,
    viewer: Option<&User>,
    publication_id: i64,
    key: Option<&str>,
) -> AppResult<(publications::Publication, MediaSight)> {
    let p = publications::by_id(db, publication_id, viewer)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = publications::with_key(p, key);
    let links: Vec<Shared> = publications::links_of(db, viewer, &[publication_id])
        .await?
        .remove(&publication_id)
        .unwrap_or_default();
    let shared: Vec<SharedIn> = links.iter().map(Shared::policy).collect();
    let sight = policy::content_media_sight(viewer, p.author_id, p.status, &shared, p.reach);
    if sight == MediaSight::Hidden {
        return Err(AppError::NotFound);
    }
    Ok((p, sight))
}

/// The image of a watch item's link preview, with its publication.
pub async fn publication_preview(
    db: &Db,
    viewer: Option<&User>,
    publication_id: i64,
    version: Option<i64>,
    key: Option<&str>,
) -> AppResult<Image> {
    let (p, sight) = content_sight(db, viewer, publication_id, key).await?;
    let owned = p.preview.as_ref().and_then(|pr| pr.image_media_id);
    let id = current(owned, version)?;
    image(db, id, sight).await
}

/// The thumbnail of one of a publication's attachments, with it.
pub async fn attachment_thumbnail(
    db: &Db,
    viewer: Option<&User>,
    publication_id: i64,
    attachment_id: i64,
    key: Option<&str>,
) -> AppResult<Image> {
    let (_, sight) = content_sight(db, viewer, publication_id, key).await?;
    let owned: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT thumbnail_media_id FROM attachments WHERE id = $1 AND publication_id = $2",
    )
    .bind(attachment_id)
    .bind(publication_id)
    .fetch_optional(&db.pool)
    .await?;
    let id = owned.flatten().ok_or(AppError::NotFound)?;
    image(db, id, sight).await
}

/// A connected tool's icon.
pub async fn tool_icon(
    db: &Db,
    viewer: Option<&User>,
    client_id: &str,
    version: Option<i64>,
) -> AppResult<Image> {
    let sight = policy::tool_icon_sight(viewer);
    if sight == MediaSight::Hidden {
        return Err(AppError::NotFound);
    }
    let owned: Option<Option<i64>> =
        sqlx::query_scalar("SELECT icon_media_id FROM oidc_clients WHERE client_id = $1")
            .bind(client_id)
            .fetch_optional(&db.pool)
            .await?;
    let id = current(owned.flatten(), version)?;
    image(db, id, sight).await
}

/// An organisation's logo: while the organisation is visible to `viewer`
/// (`Action::ViewOrganisation`); public when an anonymous visitor may see
/// it too (verified and public), private otherwise.
pub async fn organisation_logo(
    db: &Db,
    viewer: Option<&User>,
    slug: &str,
    version: Option<i64>,
) -> AppResult<Image> {
    let loaded = crate::organisations::load(db, slug, viewer)
        .await?
        .ok_or(AppError::NotFound)?;
    let sight = if loaded.view(None) {
        MediaSight::Public
    } else if loaded.view(viewer) {
        MediaSight::Private
    } else {
        MediaSight::Hidden
    };
    if sight == MediaSight::Hidden {
        return Err(AppError::NotFound);
    }
    let id = current(loaded.o.logo_id, version)?;
    image(db, id, sight).await
}

/// An event's image (`version`: its large or its small row): while the
/// event is visible to `viewer` (`policy::event_media_sight`); public when
/// an anonymous reader sees the event too, private otherwise.
pub async fn event_image(
    db: &Db,
    viewer: Option<&User>,
    event_id: i64,
    version: Option<i64>,
) -> AppResult<Image> {
    let l = crate::events::load(db, viewer, event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let sight = policy::event_media_sight(viewer, l.e.organiser_id, l.via());
    if sight == MediaSight::Hidden {
        return Err(AppError::NotFound);
    }
    let img = l.e.image.as_ref().ok_or(AppError::NotFound)?;
    let id = match version {
        Some(v) if v == img.small_id => v,
        v => current(Some(img.id), v)?,
    };
    image(db, id, sight).await
}
