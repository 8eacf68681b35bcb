//! Attachments: the files of a publication (checks in [`files`]),
//! reading them for pages and downloads, writing them with a publication.

use super::*;

// ---- attachments ----------------------------------------------------------------------

pub mod files {
    //! Attachment checks: the type is sniffed from the content (never the
    //! name or a declared type), names are sanitised, images get a
    //! thumbnail made by `crate::images` (which bounds dimensions before
    //! decoding).

    use crate::images::{self, ImageError};

    pub const MAX_FILES: usize = 5;
    pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
    pub const NAME_MAX_CHARS: usize = 120;
    pub const THUMBNAIL_SIZE: u32 = 320;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum FileKind {
        Pdf,
        Odt,
        Ods,
        Odp,
        Docx,
        Xlsx,
        Pptx,
        Txt,
        Csv,
        Png,
        Jpeg,
        Webp,
        Gif,
    }

    impl FileKind {
        pub fn content_type(self, utf8: bool) -> &'static str {
            match self {
                FileKind::Pdf => "application/pdf",
                FileKind::Odt => "application/vnd.oasis.opendocument.text",
                FileKind::Ods => "application/vnd.oasis.opendocument.spreadsheet",
                FileKind::Odp => "application/vnd.oasis.opendocument.presentation",
                FileKind::Docx => {
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                }
                FileKind::Xlsx => {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                }
                FileKind::Pptx => {
                    "application/vnd.openxmlformats-officedocument.presentationml.presentation"
                }
                FileKind::Txt if utf8 => "text/plain; charset=utf-8",
                FileKind::Txt => "text/plain",
                FileKind::Csv if utf8 => "text/csv; charset=utf-8",
                FileKind::Csv => "text/csv",
                FileKind::Png => "image/png",
                FileKind::Jpeg => "image/jpeg",
                FileKind::Webp => "image/webp",
                FileKind::Gif => "image/gif",
            }
        }
        /// Extensions a name may keep for this type (the first is added otherwise).
        pub fn extensions(self) -> &'static [&'static str] {
            match self {
                FileKind::Pdf => &["pdf"],
                FileKind::Odt => &["odt"],
                FileKind::Ods => &["ods"],
                FileKind::Odp => &["odp"],
                FileKind::Docx => &["docx"],
                FileKind::Xlsx => &["xlsx"],
                FileKind::Pptx => &["pptx"],
                FileKind::Txt => &["txt", "md", "text"],
                FileKind::Csv => &["csv"],
                FileKind::Png => &["png"],
                FileKind::Jpeg => &["jpg", "jpeg"],
                FileKind::Webp => &["webp"],
                FileKind::Gif => &["gif"],
            }
        }
        pub fn is_image(self) -> bool {
            matches!(
                self,
                FileKind::Png | FileKind::Jpeg | FileKind::Webp | FileKind::Gif
            )
        }
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    fn le16(b: &[u8], at: usize) -> Option<usize> {
        Some(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]) as usize)
    }

    /// ODF packages start with an uncompressed `mimetype` entry.
    fn odf_kind(b: &[u8]) -> Option<FileKind> {
        if b.get(30..38)? != b"mimetype" || le16(b, 8)? != 0 {
            return None;
        }
        let start = 30 + le16(b, 26)? + le16(b, 28)?;
        let rest = b.get(start..(start + 60).min(b.len()))?;
        let prefix = b"application/vnd.oasis.opendocument.";
        let kind = rest.strip_prefix(prefix.as_slice())?;
        if kind.starts_with(b"text") && !kind.starts_with(b"text-") {
            Some(FileKind::Odt)
        } else if kind.starts_with(b"spreadsheet") && !kind.starts_with(b"spreadsheet-") {
            Some(FileKind::Ods)
        } else if kind.starts_with(b"presentation") && !kind.starts_with(b"presentation-") {
            Some(FileKind::Odp)
        } else {
            None
        }
    }

    /// Office Open XML: a ZIP with `[Content_Types].xml` and the main part of
    /// one application; macro-enabled documents are refused.
    fn ooxml_kind(b: &[u8]) -> Option<FileKind> {
        if !contains(b, b"[Content_Types].xml") || contains(b, b"vbaProject.bin") {
            return None;
        }
        let word = contains(b, b"word/document.xml");
        let xl = contains(b, b"xl/workbook.xml");
        let ppt = contains(b, b"ppt/presentation.xml");
        match (word, xl, ppt) {
            (true, false, false) => Some(FileKind::Docx),
            (false, true, false) => Some(FileKind::Xlsx),
            (false, false, true) => Some(FileKind::Pptx),
            _ => None,
        }
    }

    /// Text: UTF-8 (or a single-byte encoding) without NUL or control
    /// characters other than tab, line breaks and form feed.
    fn text_kind(b: &[u8]) -> Option<bool> {
        let b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
        if b.is_empty()
            || b.iter()
                .any(|&c| (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r' | 0x0c)) || c == 0x7f)
        {
            return None;
        }
        Some(std::str::from_utf8(b).is_ok())
    }

    /// The type of a file, from its bytes; `name` only chooses between plain
    /// text and CSV once the content is known to be text. `None`: refused.
    /// Returns (kind, is UTF-8 text).
    pub fn sniff(bytes: &[u8], name: &str) -> Option<(FileKind, bool)> {
        if bytes.starts_with(b"%PDF-") {
            return Some((FileKind::Pdf, false));
        }
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Some((FileKind::Png, false));
        }
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Some((FileKind::Jpeg, false));
        }
        if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            return Some((FileKind::Gif, false));
        }
        if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            return Some((FileKind::Webp, false));
        }
        if bytes.starts_with(b"PK\x03\x04") {
            return odf_kind(bytes)
                .or_else(|| ooxml_kind(bytes))
                .map(|k| (k, false));
        }
        let utf8 = text_kind(bytes)?;
        let csv = extension(name).is_some_and(|e| e == "csv");
        Some((if csv { FileKind::Csv } else { FileKind::Txt }, utf8))
    }

    fn extension(name: &str) -> Option<String> {
        let (stem, ext) = name.rsplit_once('.')?;
        (!stem.is_empty()).then(|| ext.to_ascii_lowercase())
    }

    /// A safe file name: the last path segment, without control or
    /// reserved characters, at most 120 characters, ending with an
    /// extension that matches the sniffed type.
    pub fn sanitize_name(raw: &str, kind: FileKind) -> String {
        use unicode_normalization::UnicodeNormalization;
        let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
        let cleaned: String = last
            .nfc()
            .map(|c| {
                if c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        let cleaned = cleaned.trim().trim_matches('.').trim().to_string();
        let (stem, ext) = match cleaned.rsplit_once('.') {
            Some((s, e))
                if !s.is_empty()
                    && kind.extensions().contains(&e.to_ascii_lowercase().as_str()) =>
            {
                (s.to_string(), e.to_ascii_lowercase())
            }
            _ => (cleaned.clone(), kind.extensions()[0].to_string()),
        };
        let stem = if stem.trim().is_empty() {
            "fichier".to_string()
        } else {
            stem
        };
        let room = NAME_MAX_CHARS.saturating_sub(ext.chars().count() + 1);
        let stem: String = stem.chars().take(room).collect();
        format!("{}.{ext}", stem.trim_end())
    }

    /// A checked upload, ready to store.
    #[derive(Debug, Clone)]
    pub struct Ready {
        pub file_name: String,
        pub content_type: &'static str,
        pub bytes: Vec<u8>,
        /// JPEG thumbnail for images (none for images too large to decode here).
        pub thumbnail: Option<Vec<u8>>,
    }

    /// Check one upload; the error is a message key. CPU-bound: call it
    /// from a blocking task.
    pub fn prepare(name: &str, bytes: Vec<u8>) -> Result<Ready, &'static str> {
        if bytes.len() > MAX_FILE_BYTES {
            return Err("attachment-too-large");
        }
        let Some((kind, utf8)) = sniff(&bytes, name) else {
            return Err("attachment-type-refused");
        };
        let thumbnail = if kind.is_image() {
            match images::make_avatar(&bytes, THUMBNAIL_SIZE) {
                Ok(jpeg) => Some(jpeg),
                // Larger than the decoder accepts: kept, shown without a thumbnail.
                Err(ImageError::TooLarge) => None,
                Err(e) => return Err(e.message_key()),
            }
        } else {
            None
        };
        Ok(Ready {
            file_name: sanitize_name(name, kind),
            content_type: kind.content_type(utf8),
            bytes,
            thumbnail,
        })
    }

    /// `Content-Disposition: attachment` with an ASCII fallback and the
    /// UTF-8 name (RFC 6266 / 5987).
    pub fn content_disposition(name: &str) -> String {
        let ascii: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let encoded =
            percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
        format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn types_come_from_content() {
            assert_eq!(
                sniff(b"%PDF-1.7\n...", "x.exe").map(|k| k.0),
                Some(FileKind::Pdf)
            );
            assert_eq!(
                sniff(b"MZ\x90\0\x03\0\0\0", "rapport.pdf"),
                None,
                "an .exe renamed .pdf"
            );
            assert_eq!(sniff(b"\x7fELF\x02\x01", "notes.txt"), None);
            assert_eq!(
                sniff(b"a;b\n1;2\n", "t.csv").map(|k| k.0),
                Some(FileKind::Csv)
            );
            assert_eq!(
                sniff("Bonjour à tous".as_bytes(), "n.txt"),
                Some((FileKind::Txt, true))
            );
            assert_eq!(sniff(b"caf\xe9", "n.txt"), Some((FileKind::Txt, false)));
            assert_eq!(sniff(b"PK\x03\x04 not an office file", "a.docx"), None);
            let mut odt = b"PK\x03\x04\x14\0\0\0\0\0".to_vec();
            odt.resize(26, 0);
            odt.extend_from_slice(&8u16.to_le_bytes());
            odt.extend_from_slice(&0u16.to_le_bytes());
            odt.extend_from_slice(b"mimetypeapplication/vnd.oasis.opendocument.text");
            assert_eq!(sniff(&odt, "a.bin").map(|k| k.0), Some(FileKind::Odt));
            let docx = b"PK\x03\x04....[Content_Types].xml....word/document.xml";
            assert_eq!(sniff(docx, "a").map(|k| k.0), Some(FileKind::Docx));
            let docm =
                b"PK\x03\x04....[Content_Types].xml....word/document.xml..word/vbaProject.bin";
            assert_eq!(sniff(docm, "a.docx"), None, "macros refused");
        }

        #[test]
        fn names_are_sanitised() {
            assert_eq!(
                sanitize_name("../../etc/passwd", FileKind::Txt),
                "passwd.txt"
            );
            assert_eq!(
                sanitize_name("C:\\Users\\x\\Rapport annuel.PDF", FileKind::Pdf),
                "Rapport annuel.pdf"
            );
            assert_eq!(sanitize_name("virus.exe", FileKind::Pdf), "virus.exe.pdf");
            assert_eq!(
                sanitize_name("a\u{202E}fdp.exe", FileKind::Pdf),
                "a_fdp.exe.pdf"
            );
            assert_eq!(sanitize_name("", FileKind::Png), "fichier.png");
            assert_eq!(sanitize_name("...", FileKind::Png), "fichier.png");
            assert_eq!(sanitize_name("li\nne\0.txt", FileKind::Txt), "li_ne_.txt");
            let long = sanitize_name(&format!("{}.pdf", "é".repeat(300)), FileKind::Pdf);
            assert_eq!(long.chars().count(), NAME_MAX_CHARS);
            assert!(long.ends_with(".pdf"));
        }

        #[test]
        fn disposition_is_quoted_safely() {
            let d = content_disposition("Plan \"final\" été.pdf");
            assert!(
                d.starts_with("attachment; filename=\"Plan _final_ _t_.pdf\"; filename*=UTF-8''"),
                "{d}"
            );
        }
    }
}

/// One uploaded file, as received (before any check).
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Check uploads (sniffing, thumbnails) off the async threads, in the
/// node's image pool (a thumbnail is a decode). Returns the ready files and
/// (file name, message key) refusals.
pub async fn prepare_uploads(
    pool: &crate::images::Pool,
    uploads: Vec<Upload>,
) -> crate::error::AppResult<(Vec<files::Ready>, Vec<(String, &'static str)>)> {
    pool.run(move || {
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
    .map_err(|_| crate::error::AppError::Unavailable)
}

#[derive(Debug, Clone)]
pub struct Attachment {
    pub id: i64,
    pub publication_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub thumbnail_media_id: Option<i64>,
    pub created_at: i64,
}

impl Attachment {
    pub fn path(&self) -> String {
        crate::urls::attachment(self.publication_id, self.id)
    }
    /// Thumbnails are served through the publication's permission check, not /media.
    pub fn thumbnail_path(&self) -> Option<String> {
        self.thumbnail_media_id
            .map(|_| format!("{}/thumbnail", self.path()))
    }
    pub fn is_image(&self) -> bool {
        self.content_type.starts_with("image/")
    }
}

pub async fn attachments_of(db: &Db, publication_id: i64) -> Result<Vec<Attachment>, sqlx::Error> {
    tick();
    let rows = sqlx::query(
        "SELECT id, publication_id, file_name, content_type, size, thumbnail_media_id, created_at \
         FROM attachments WHERE publication_id = $1 ORDER BY id",
    )
    .bind(publication_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Attachment {
                id: r.try_get("id")?,
                publication_id: r.try_get("publication_id")?,
                file_name: r.try_get("file_name")?,
                content_type: r.try_get("content_type")?,
                size: r.try_get("size")?,
                thumbnail_media_id: r.try_get("thumbnail_media_id")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// The bytes of one attachment: (name, content type, bytes).
pub async fn attachment_bytes(
    db: &Db,
    publication_id: i64,
    attachment_id: i64,
) -> Result<Option<(String, String, Vec<u8>)>, sqlx::Error> {
    tick();
    sqlx::query_as("SELECT file_name, content_type, bytes FROM attachments WHERE id = $1 AND publication_id = $2")
        .bind(attachment_id)
        .bind(publication_id)
        .fetch_optional(&db.pool)
        .await
}

/// The thumbnail of one attachment (JPEG bytes).
pub async fn attachment_thumbnail(
    db: &Db,
    publication_id: i64,
    attachment_id: i64,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    tick();
    sqlx::query_scalar(
        "SELECT m.bytes FROM attachments a JOIN media m ON m.id = a.thumbnail_media_id \
         WHERE a.id = $1 AND a.publication_id = $2",
    )
    .bind(attachment_id)
    .bind(publication_id)
    .fetch_optional(&db.pool)
    .await
}

pub(super) async fn insert_attachments(
    conn: &mut sqlx::AnyConnection,
    publication_id: i64,
    uploader: i64,
    files: Vec<files::Ready>,
) -> Result<(), sqlx::Error> {
    let t = now();
    for f in files {
        let thumb = match f.thumbnail {
            Some(jpeg) => {
                tick();
                Some(
                    sqlx::query_scalar::<_, i64>(
                        "INSERT INTO media (owner_id, content_type, bytes, created_at) VALUES ($1, 'image/jpeg', $2, $3) RETURNING id",
                    )
                    .bind(uploader)
                    .bind(jpeg)
                    .bind(t)
                    .fetch_one(&mut *conn)
                    .await?,
                )
            }
            None => None,
        };
        tick();
        sqlx::query(
            "INSERT INTO attachments (publication_id, uploader_id, file_name, content_type, size, bytes, thumbnail_media_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(publication_id)
        .bind(uploader)
        .bind(&f.file_name)
        .bind(f.content_type)
        .bind(f.bytes.len() as i64)
        .bind(f.bytes)
        .bind(thumb)
        .bind(t)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub(super) async fn delete_attachments(
    conn: &mut sqlx::AnyConnection,
    publication_id: i64,
    ids: Option<&[i64]>,
) -> Result<(), sqlx::Error> {
    let filter = match ids {
        Some([]) => return Ok(()),
        Some(ids) => format!(" AND id IN ({})", id_list(ids)),
        None => String::new(),
    };
    tick();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM media WHERE id IN (SELECT thumbnail_media_id FROM attachments WHERE publication_id = $1{filter} \
         AND thumbnail_media_id IS NOT NULL)"
    )))
    .bind(publication_id)
    .execute(&mut *conn)
    .await?;
    tick();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM attachments WHERE publication_id = $1{filter}"
    )))
    .bind(publication_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
