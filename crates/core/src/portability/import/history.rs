//! What a bundle of version 2 adds to a publication: its earlier versions
//! (and its replies'), and its attachments (bytes checked by their SHA-256
//! and by the same sniffing as an upload, thumbnails made again).

use super::{Maps, Tx, mapped, record};
use crate::portability::{Attachment, Outcome, Revision};
use crate::publications::files;

pub(super) async fn publication_revisions(
    tx: &mut Tx,
    publication_id: i64,
    revisions: &[Revision],
    maps: &Maps,
) -> Result<(), sqlx::Error> {
    for r in revisions {
        sqlx::query(
            "INSERT INTO publication_revisions (publication_id, editor_id, title, body, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(publication_id)
        .bind(r.editor.as_ref().and_then(|e| maps.users.get(e).copied()))
        .bind(&r.title)
        .bind(&r.body)
        .bind(r.created_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub(super) async fn reply_revisions(
    tx: &mut Tx,
    reply_id: i64,
    revisions: &[Revision],
    maps: &Maps,
) -> Result<(), sqlx::Error> {
    for r in revisions {
        sqlx::query(
            "INSERT INTO reply_revisions (reply_id, editor_id, body, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(reply_id)
        .bind(r.editor.as_ref().and_then(|e| maps.users.get(e).copied()))
        .bind(&r.body)
        .bind(r.created_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// One attachment of an imported publication.
pub(super) async fn attachment(
    tx: &mut Tx,
    src: &str,
    publication_id: i64,
    a: &Attachment,
    maps: &Maps,
    bytes: Vec<u8>,
) -> anyhow::Result<Outcome> {
    if let Some(id) = mapped(tx, src, "attachment", &a.id).await? {
        return Ok(Outcome::Unchanged(id));
    }
    let name = a.name.clone();
    // Sniffing and the thumbnail are CPU work: off the async threads.
    let ready = tokio::task::spawn_blocking(move || files::prepare(&name, bytes)).await?;
    let ready = match ready {
        Ok(r) => r,
        Err(key) => {
            return Ok(Outcome::Skipped(format!(
                "refused as an upload would be ({key})"
            )));
        }
    };
    let uploader = a
        .uploaded_by
        .as_ref()
        .and_then(|u| maps.users.get(u).copied());
    let thumb = match ready.thumbnail {
        Some(jpeg) => Some(
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO media (owner_id, content_type, bytes, created_at) VALUES ($1, 'image/jpeg', $2, $3) RETURNING id",
            )
            .bind(uploader)
            .bind(jpeg)
            .bind(a.created_at)
            .fetch_one(&mut **tx)
            .await?,
        ),
        None => None,
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO attachments (publication_id, uploader_id, file_name, content_type, size, bytes, thumbnail_media_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(publication_id)
    .bind(uploader)
    .bind(&ready.file_name)
    .bind(ready.content_type)
    .bind(ready.bytes.len() as i64)
    .bind(ready.bytes)
    .bind(thumb)
    .bind(a.created_at)
    .fetch_one(&mut **tx)
    .await?;
    record(tx, src, "attachment", &a.id, id).await?;
    Ok(Outcome::Imported(id))
}
