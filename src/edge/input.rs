//! The edge of every request, before any handler runs (`guard`, a
//! middleware of `web::router`, so pages and API alike):
//!
//! - **Body size per route.** Each route has one limit ([`body_limit`]):
//!   1 MiB for forms and JSON, more only where files are uploaded. A
//!   declared `Content-Length` above it is refused with 413 at once, before
//!   a byte of the body is read; a body without a declared length is cut at
//!   the same limit as it is read (axum's `DefaultBodyLimit`, set here).
//! - **No U+0000 in text.** PostgreSQL refuses NUL in text values (a 500
//!   there, while SQLite stored it): the path, every query parameter, and
//!   every field of a form or JSON body are checked here, the same on both
//!   engines, and a NUL is refused with 422 `invalid` naming the field.
//!   Multipart text fields are checked where they are read
//!   ([`text_field`]); file contents are bytes, not text.
//! - **No unknown field in an API body.** A JSON body field that the
//!   operation's documented schema does not have (its objects are closed:
//!   `additionalProperties: false`) is refused with 422 `invalid_body`
//!   naming it (`api::unknown_field`), so the server and the document agree.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::forms::UPLOAD_BODY;
use crate::error::{AppError, AppResult};

/// Forms and JSON: a publication's longest text (100 kB of Markdown) is at
/// most 900 kB once form-encoded.
pub const FORM_BODY: usize = 1024 * 1024;
/// An image upload (avatar, tool icon: 5 MB) with the form around it.
pub const IMAGE_BODY: usize = crate::images::MAX_UPLOAD_BYTES + 1024 * 1024;

/// The message key of a field refused for holding U+0000.
pub const NUL_KEY: &str = "field-nul-character";
/// The message key of a JSON field the API's document does not list.
pub const UNKNOWN_KEY: &str = "field-unknown";

/// A community archive sent to `/admin/imports` (the command line has no
/// limit).
pub const ARCHIVE_BODY: usize = 512 * 1024 * 1024;

/// The body limit of a route (its matched path, as declared in the
/// routers). The one table of it: routers set no limit of their own.
pub fn body_limit(method: &Method, route: Option<&str>) -> usize {
    if method == Method::GET || method == Method::HEAD {
        return FORM_BODY;
    }
    match route.unwrap_or("") {
        "/p/new" | "/p/{id}/edit" | "/api/v1/publications/{id}/attachments" => UPLOAD_BODY,
        "/library/new" | "/r/{id}/edit" | "/r/{id}/files" | "/api/v1/resources/{id}/files" => {
            UPLOAD_BODY
        }
        // An event's form with its image: a file too large is read and
        // dropped, so the form comes back with what was typed.
        "/events/new" | "/e/{id}/edit" => UPLOAD_BODY,
        "/settings/profile"
        | "/admin/oidc"
        | "/admin/oidc/tool/{client_id}"
        | "/api/v1/me/avatar"
        | "/api/v1/events/{id}/image" => IMAGE_BODY,
        // An iCalendar file (at most 2 MiB is read; a little more reaches
        // the form, which says the limit).
        "/c/{slug}/events/import" | "/api/v1/communities/{slug}/events/import" => {
            crate::events::ics::MAX_BYTES + FORM_BODY
        }
        // A community archive (streamed to a file as it is read).
        "/admin/imports" => ARCHIVE_BODY,
        _ => FORM_BODY,
    }
}

/// The middleware: body limit first, then NUL in path, query and body.
pub async fn guard(req: Request, next: Next) -> Response {
    match check(req).await {
        Ok(req) => next.run(req).await,
        Err(res) => res,
    }
}

async fn check(mut req: Request) -> Result<Request, Response> {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string());
    let limit = body_limit(req.method(), route.as_deref());
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(AppError::TooLarge.into_response());
    }
    DefaultBodyLimit::max(limit).apply(&mut req);

    if nul_in_path(req.uri().path()) {
        return Err(nul("path").into_response());
    }
    if let Some(q) = req.uri().query()
        && let Some(field) = nul_in_form(q.as_bytes())
    {
        return Err(nul(&field).into_response());
    }
    let kind = body_kind(&req);
    if kind == BodyKind::Other {
        return Ok(req);
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| AppError::TooLarge.into_response())?;
    let bytes = match kind {
        BodyKind::Form => {
            if let Some(field) = nul_in_form(&bytes) {
                return Err(nul(&field).into_response());
            }
            bytes
        }
        BodyKind::Json => match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(mut value) => {
                if let Some(field) = find_nul(&value, String::new()) {
                    return Err(nul(&field).into_response());
                }
                // The API refuses the fields its document does not list.
                if let Some(route) = route.as_deref().filter(|r| r.starts_with("/api/"))
                    && let Some(field) =
                        crate::api::unknown_field(parts.method.as_str(), route, &value)
                {
                    // The code of a body not of the documented shape.
                    return Err(crate::api::extract::error(
                        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid_body",
                        "error-400-text",
                        vec![(field, UNKNOWN_KEY.to_string())],
                    ));
                }
                if integral_floats(&mut value) {
                    serde_json::to_vec(&value)
                        .map(axum::body::Bytes::from)
                        .unwrap_or(bytes)
                } else {
                    bytes
                }
            }
            // Not JSON: left to the handler, which refuses it with its own error.
            Err(_) => bytes,
        },
        BodyKind::Other => bytes,
    };
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// JSON has one number type: `6543.0` is the integer 6543 to JSON Schema
/// (and to the OpenAPI document), but serde refuses it for an integer
/// field. Integral floats within ±2^53 become integers (a float field reads
/// an integer just as well). Returns whether anything changed.
pub fn integral_floats(v: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 => {
                *v = Value::from(f as i64);
                true
            }
            _ => false,
        },
        Value::Array(items) => items.iter_mut().fold(false, |c, i| integral_floats(i) || c),
        Value::Object(map) => map.values_mut().fold(false, |c, i| integral_floats(i) || c),
        _ => false,
    }
}

fn nul(field: &str) -> AppError {
    AppError::Invalid {
        fields: vec![(field.to_string(), NUL_KEY.to_string())],
    }
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum BodyKind {
    Form,
    Json,
    Other,
}

fn body_kind(req: &Request) -> BodyKind {
    let Some(ct) = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return BodyKind::Other;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/x-www-form-urlencoded" {
        BodyKind::Form
    } else if essence == "application/json" || essence.ends_with("+json") {
        BodyKind::Json
    } else {
        BodyKind::Other
    }
}

/// A percent-decoded path holding U+0000.
pub fn nul_in_path(path: &str) -> bool {
    percent_encoding::percent_decode_str(path).any(|b| b == 0)
}

/// The first name of a form-encoded body or query string whose name or
/// value holds U+0000.
pub fn nul_in_form(bytes: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(bytes)
        .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        .map(|(k, _)| shown_name(&k))
}

/// The first field of a JSON body holding U+0000 in a string (a key or a
/// value), named by its path (`a`, `a.b`, `a[2]`). Bytes that are not JSON
/// are left to the handler, which refuses them with its own error.
pub fn nul_in_json(bytes: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    find_nul(&value, String::new())
}

fn find_nul(v: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    let name = |at: String| {
        if at.is_empty() {
            "body".to_string()
        } else {
            at
        }
    };
    match v {
        Value::String(s) if s.contains('\0') => Some(name(at)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| find_nul(item, format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, item)| {
            let here = if at.is_empty() {
                shown_name(k)
            } else {
                format!("{at}.{}", shown_name(k))
            };
            if k.contains('\0') {
                Some(here)
            } else {
                find_nul(item, here)
            }
        }),
        _ => None,
    }
}

/// A field name as shown in an error (a NUL in the name itself is shown
/// as U+FFFD).
fn shown_name(name: &str) -> String {
    name.replace('\0', "\u{FFFD}")
}

/// A multipart text field, refused (422 naming it) when it holds U+0000.
pub fn text_field(name: &str, text: String) -> AppResult<String> {
    if text.contains('\0') || name.contains('\0') {
        Err(nul(&shown_name(name)))
    } else {
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_floats_become_integers_and_others_stay() {
        let mut v = serde_json::json!({"max_uses": 1636.0, "lat": 46.35, "ids": [1.0, 2, -3.0], "big": 1e300});
        assert!(integral_floats(&mut v));
        assert_eq!(v["max_uses"], serde_json::json!(1636));
        assert!(v["max_uses"].is_i64());
        assert_eq!(v["lat"], serde_json::json!(46.35));
        assert_eq!(v["ids"], serde_json::json!([1, 2, -3]));
        assert!(v["big"].is_f64(), "beyond 2^53 a float stays a float");
        let mut plain = serde_json::json!({"n": 3, "s": "1.0"});
        assert!(!integral_floats(&mut plain), "nothing to change");
    }

    #[test]
    fn nul_is_found_and_named() {
        assert!(nul_in_path("/u/a%00b"));
        assert!(!nul_in_path("/u/a%2500b"));
        assert_eq!(nul_in_form(b"a=1&login=x%00y").as_deref(), Some("login"));
        assert_eq!(nul_in_form(b"a%00=1").as_deref(), Some("a\u{FFFD}"));
        assert_eq!(nul_in_form(b"a=1&b=%2500"), None);
        assert_eq!(
            nul_in_json(br#"{"title":"ok","tags":["a","b\u0000"]}"#).as_deref(),
            Some("tags[1]")
        );
        assert_eq!(
            nul_in_json(br#"{"a":{"b":"\u0000"}}"#).as_deref(),
            Some("a.b")
        );
        assert_eq!(nul_in_json(br#""\u0000""#).as_deref(), Some("body"));
        assert_eq!(nul_in_json(br#"{"a":"\\u0000"}"#), None);
        assert_eq!(nul_in_json(b"not json \0"), None);
        assert!(text_field("bio", "a\0".into()).is_err());
        assert_eq!(text_field("bio", "a".into()).ok().as_deref(), Some("a"));
    }

    #[test]
    fn limits_per_route() {
        assert_eq!(body_limit(&Method::POST, Some("/login")), FORM_BODY);
        assert_eq!(body_limit(&Method::POST, None), FORM_BODY);
        assert_eq!(body_limit(&Method::POST, Some("/p/new")), UPLOAD_BODY);
        assert_eq!(
            body_limit(&Method::PUT, Some("/api/v1/me/avatar")),
            IMAGE_BODY
        );
        assert_eq!(body_limit(&Method::GET, Some("/p/new")), FORM_BODY);
        assert_eq!(body_limit(&Method::POST, Some("/e/{id}/edit")), UPLOAD_BODY);
        assert_eq!(
            body_limit(&Method::PUT, Some("/api/v1/events/{id}/image")),
            IMAGE_BODY
        );
    }
}
