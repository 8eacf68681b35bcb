//! Form bodies, multipart uploads and downloads.

use axum::body::Bytes;
use axum::extract::Multipart;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, AppResult};
use crate::publications::{Upload, files};

/// Largest compose, edit or attachment request: five files of 10 MB and the text.
pub const UPLOAD_BODY: usize = files::MAX_FILES * files::MAX_FILE_BYTES + 2 * 1024 * 1024;

/// A `application/x-www-form-urlencoded` body with repeated keys.
pub fn form_pairs(body: &Bytes) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// The first value of `key` (empty when absent).
pub fn first(pairs: &[(String, String)], key: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Every id given for `key`, sorted, each once (unparsable values left out).
pub fn all_ids(pairs: &[(String, String)], key: &str) -> Vec<i64> {
    let mut v: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == key)
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
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

impl MultipartForm {
    pub fn get(&self, key: &str) -> String {
        first(&self.fields, key)
    }
    pub fn ids(&self, key: &str) -> Vec<i64> {
        all_ids(&self.fields, key)
    }
}

/// Read a multipart body: the parts named `file_field` are files (each at
/// most `files::MAX_FILE_BYTES`; an empty part with no name is no file
/// chosen), the others text fields.
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
            let file_name =
                super::input::text_field(&name, field.file_name().unwrap_or("").to_string())?;
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
            let text = super::input::text_field(&name, field.text().await.map_err(bad)?)?;
            form.fields.push((name, text));
        }
    }
    Ok(form)
}

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
