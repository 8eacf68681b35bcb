//! A resource's files: the type is sniffed from the bytes (PDF, office
//! documents and text through the publications' checks, plus audio), the
//! name sanitised, the bytes kept once in the blob store under their
//! SHA-256. Uploading a file under a name the resource already has makes
//! that file's next version; every version stays downloadable.

use sqlx::Row;

use super::storage::{self, BlobStore};
use crate::db::Db;
use crate::publications::files as pf;

/// At most 10 MB per file, as attachments (the multipart reader's bound).
pub const MAX_FILE_BYTES: usize = pf::MAX_FILE_BYTES;

#[derive(Debug, Clone, serde::Serialize)]
pub struct ResourceFile {
    pub id: i64,
    pub name: String,
    pub version: i64,
    pub content_type: String,
    pub sha256: String,
    pub size: i64,
    pub created_at: i64,
}

impl ResourceFile {
    pub fn path(&self, resource_id: impl std::borrow::Borrow<i64>) -> String {
        crate::urls::resource_file(*resource_id.borrow(), self.id)
    }
}

/// Audio formats: (content type, extension).
fn audio_kind(b: &[u8]) -> Option<(&'static str, &'static str)> {
    if b.starts_with(b"ID3") || (b.len() > 1 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0) {
        Some(("audio/mpeg", "mp3"))
    } else if b.starts_with(b"OggS") {
        Some(("audio/ogg", "ogg"))
    } else if b.starts_with(b"fLaC") {
        Some(("audio/flac", "flac"))
    } else if b.len() >= 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WAVE" {
        Some(("audio/wav", "wav"))
    } else if b.len() >= 12 && &b[4..8] == b"ftyp" && matches!(&b[8..11], b"M4A" | b"mp4" | b"iso")
    {
        Some(("audio/mp4", "m4a"))
    } else {
        None
    }
}

fn audio_name(raw: &str, ext: &str) -> String {
    // The publications' rules, with the audio extension.
    let as_txt = pf::sanitize_name(raw, pf::FileKind::Txt);
    let stem = match as_txt.rsplit_once('.') {
        Some((s, e)) if e == "txt" && !raw.to_ascii_lowercase().ends_with(".txt") => s.to_string(),
        _ => as_txt.clone(),
    };
    let stem = stem
        .strip_suffix(&format!(".{ext}"))
        .map(str::to_string)
        .unwrap_or(stem);
    format!("{stem}.{ext}")
}

/// A checked upload: (sanitised name, content type). The error is a message key.
pub fn check(name: &str, bytes: &[u8]) -> Result<(String, &'static str), &'static str> {
    if bytes.is_empty() {
        return Err("library-file-empty");
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err("library-file-too-large");
    }
    if let Some((ct, ext)) = audio_kind(bytes) {
        return Ok((audio_name(name, ext), ct));
    }
    match pf::sniff(bytes, name) {
        Some((kind, utf8)) => Ok((pf::sanitize_name(name, kind), kind.content_type(utf8))),
        None => Err("library-file-type-refused"),
    }
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<ResourceFile, sqlx::Error> {
    Ok(ResourceFile {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        version: r.try_get("version")?,
        content_type: r.try_get("content_type")?,
        sha256: r.try_get("sha256")?,
        size: r.try_get("size")?,
        created_at: r.try_get("created_at")?,
    })
}

const FILE_COLUMNS: &str = "id, name, version, content_type, sha256, size, created_at";

/// Every file of a resource, every version, latest version first per name.
pub async fn of(db: &Db, resource_id: i64) -> Result<Vec<ResourceFile>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FILE_COLUMNS} FROM resource_files WHERE resource_id = $1 ORDER BY name, version DESC"
    )))
    .bind(resource_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn one(
    db: &Db,
    resource_id: i64,
    file_id: i64,
) -> Result<Option<ResourceFile>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FILE_COLUMNS} FROM resource_files WHERE resource_id = $1 AND id = $2"
    )))
    .bind(resource_id)
    .bind(file_id)
    .fetch_optional(&db.pool)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Store the bytes (content-addressed) before the row that names them is written.
pub async fn put_blob(
    store: std::sync::Arc<dyn BlobStore>,
    bytes: Vec<u8>,
) -> anyhow::Result<(String, i64)> {
    tokio::task::spawn_blocking(move || {
        let sha = storage::sha256_hex(&bytes);
        store.put(&sha, &bytes)?;
        Ok((sha, bytes.len() as i64))
    })
    .await?
}

pub async fn get_blob(
    store: std::sync::Arc<dyn BlobStore>,
    sha256: String,
) -> anyhow::Result<Option<Vec<u8>>> {
    Ok(tokio::task::spawn_blocking(move || store.get(&sha256)).await??)
}

/// The text of a PDF upload, read in the bounded helper process
/// (`pdftext`); `None` for other types or when nothing could be read.
pub async fn text_of(
    config: &crate::config::Config,
    content_type: &str,
    bytes: std::sync::Arc<Vec<u8>>,
) -> Option<String> {
    if content_type != "application/pdf" || !super::pdftext::is_pdf(&bytes) {
        return None;
    }
    let helper = super::pdftext::helper_path(config)?;
    tokio::task::spawn_blocking(move || super::pdftext::extract_bounded(&helper, &bytes))
        .await
        .ok()
        .flatten()
}

/// The text of each resource's files (the latest version of each name),
/// for the search index: resource id → text.
pub async fn texts_for(
    conn: &mut sqlx::AnyConnection,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>, sqlx::Error> {
    let mut out: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let rows: Vec<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT f.resource_id, f.name, f.text_content FROM resource_files f WHERE f.resource_id IN ({list}) \
         AND f.text_content IS NOT NULL AND f.version = (SELECT MAX(g.version) FROM resource_files g \
         WHERE g.resource_id = f.resource_id AND g.name = f.name) ORDER BY f.resource_id, f.name"
    )))
    .fetch_all(&mut *conn)
    .await?;
    for (rid, _, text) in rows {
        let e = out.entry(rid).or_default();
        if !e.is_empty() {
            e.push('\n');
        }
        e.push_str(&text);
    }
    Ok(out)
}

/// Record a file (its next version under that name) in a transaction.
pub async fn insert_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    resource_id: i64,
    name: &str,
    content_type: &str,
    sha256: &str,
    size: i64,
    uploaded_by: Option<i64>,
    text_content: Option<&str>,
) -> Result<ResourceFile, sqlx::Error> {
    let version: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM resource_files WHERE resource_id = $1 AND name = $2",
    )
    .bind(resource_id)
    .bind(name)
    .fetch_one(&mut **tx)
    .await?;
    let t = crate::db::now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO resource_files (resource_id, name, version, content_type, sha256, size, uploaded_by, created_at, \
         text_content) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(resource_id)
    .bind(name)
    .bind(version)
    .bind(content_type)
    .bind(sha256)
    .bind(size)
    .bind(uploaded_by)
    .bind(t)
    .bind(text_content)
    .fetch_one(&mut **tx)
    .await?;
    Ok(ResourceFile {
        id,
        name: name.to_string(),
        version,
        content_type: content_type.to_string(),
        sha256: sha256.to_string(),
        size,
        created_at: t,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_documents_and_audio_and_refuses_the_rest() {
        assert_eq!(
            check("Guide final.PDF", b"%PDF-1.4 ..."),
            Ok(("Guide final.PDF".replace(".PDF", ".pdf"), "application/pdf"))
        );
        assert_eq!(
            check("entrevue.mp3", b"ID3\x03\x00rest"),
            Ok(("entrevue.mp3".to_string(), "audio/mpeg"))
        );
        assert_eq!(
            check("balado", b"OggS\x00\x02"),
            Ok(("balado.ogg".to_string(), "audio/ogg"))
        );
        assert_eq!(
            check("x.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
            Err("library-file-type-refused")
        );
        assert_eq!(check("vide.pdf", b""), Err("library-file-empty"));
    }
}
