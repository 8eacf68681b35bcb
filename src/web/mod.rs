//! HTTP edge: router, middleware, shared state. Handlers are thin:
//! extract → authorize (crate::policy) → call the domain → render.

pub mod admin;
pub mod auth;
pub(crate) mod cached;
pub mod communities;
pub mod ctx;
pub mod data_rights;
pub mod deletion;
pub mod events;
pub mod federation;
pub mod feeds;
pub mod initiatives;
pub mod library;
pub mod media;
pub mod moderation;
pub mod moved;
pub mod newsletters;
pub mod notifications;
pub mod oidc;
pub mod oidc_admin;
pub mod organisations;
pub mod pages;
pub mod passkeys;
pub mod place_news;
pub mod publications;
pub mod pwa;
pub mod reauth;
pub mod search;
pub mod second_factor;
pub mod server;
pub mod settings;
pub mod templates;
pub mod territories;

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, ErrorInfo};
use crate::i18n::Lang;

pub use crate::state::{AppState, HomeStats};

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::router())
        .merge(media::router())
        .merge(auth::router())
        .merge(settings::router())
        .merge(data_rights::router())
        .merge(deletion::router())
        .merge(admin::router())
        .merge(moderation::router())
        .merge(communities::router())
        .merge(feeds::router())
        .merge(territories::router())
        .merge(place_news::router())
        .merge(search::router())
        .merge(organisations::router())
        .merge(initiatives::router())
        .merge(newsletters::router())
        .merge(events::router())
        .merge(library::router())
        .merge(oidc::router())
        .merge(oidc_admin::router())
        .merge(second_factor::router())
        .merge(passkeys::router())
        .merge(reauth::router())
        .merge(publications::router().merge(notifications::router()))
        .merge(pwa::router())
        .nest("/api/v1", crate::api::router())
        .merge(crate::federation::router())
        .merge(federation::router())
        .fallback(|| async { AppError::NotFound })
        // ActivityPub documents on the pages' own URLs (`Accept`).
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::federation::negotiate,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            admin::second_factor_guard,
        ))
        // Body limit per route, U+0000 refused, before any handler.
        .layer(middleware::from_fn(crate::edge::input::guard))
        // Old addresses of imported items: a 301 to their pages here.
        .layer(middleware::from_fn_with_state(state.clone(), moved::moved))
        .layer(middleware::from_fn_with_state(state.clone(), finish_errors))
        // Compress pages, not tiny bodies (error replies stay plain, so an
        // early 413 is not raced by a compressed stream). The fastest level:
        // at the default one, deflating a 17 KB listing took an eighth of the
        // page's CPU (perf, BENCHMARKS.md) for about 10 % fewer bytes.
        .layer(
            tower_http::compression::CompressionLayer::new()
                .quality(tower_http::CompressionLevel::Fastest)
                .compress_when({
                    use tower_http::compression::predicate::{
                        DefaultPredicate, NotForContentType, Predicate, SizeAbove,
                    };
                    // Archives are deflated already (and keep their length).
                    DefaultPredicate::new()
                        .and(SizeAbove::new(1024))
                        .and(NotForContentType::const_new("application/zip"))
                }),
        )
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        .with_state(state)
}

/// Request id, structured log line and metrics for every request.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

async fn observe(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_string)
        .unwrap_or_else(|| {
            use rand::RngCore;
            let mut b = [0u8; 8];
            rand::rng().fill_bytes(&mut b);
            hex::encode(b)
        });
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_string());
    let path = req.uri().path().to_string();
    let start = Instant::now();
    let mut res = next.run(req).await;
    let elapsed = start.elapsed();
    let status = res.status().as_u16();
    state.metrics.record(method.as_str(), status, elapsed);
    tracing::info!(
        request_id = %id,
        method = %method,
        path = %route.as_deref().unwrap_or(&path),
        status,
        ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// Security headers on every response. No inline script anywhere, so the
/// policy forbids it; styles come only from our own stylesheet.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; \
             frame-ancestors 'none'; manifest-src 'self'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    res
}

/// Turn error responses into their final body: JSON under `/api/`, a
/// translated HTML page elsewhere. Also covers axum's own rejections
/// (malformed JSON or forms, oversized bodies), which arrive as plain text.
async fn finish_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let lang = ctx::lang_from_headers(req.headers());
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    // The request's head is kept for HTML pages, so that an error page can
    // still show who is signed in (issue 13); it is read only on errors.
    let (head, body) = req.into_parts();
    let saved = (!is_api).then(|| head.clone());
    let res = next.run(Request::from_parts(head, body)).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let mut viewer = None;
    if let Some(mut head) = saved {
        use axum::extract::FromRequestParts;
        viewer = ctx::Ctx::from_request_parts(&mut head, &state).await.ok();
    }
    let viewer = viewer.map(|mut c| {
        // A CSRF token the handler has just set wins over ours (it comes
        // later in the response), so the page's forms carry that one.
        if let Some(token) = set_cookie_value(res.headers(), ctx::CSRF_COOKIE) {
            c.csrf = token;
        }
        c
    });
    let lang = viewer.as_ref().map(|c| c.lang).unwrap_or(lang);
    let info = match res.extensions().get::<ErrorInfo>() {
        Some(info) => info.clone(),
        None => {
            // Already has a body of our own making (e.g. a re-rendered form).
            let is_plain = res
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_none_or(|ct| ct.starts_with("text/plain"));
            if !is_plain {
                return res;
            }
            let (parts, body) = res.into_parts();
            let detail = axum::body::to_bytes(body, 4096)
                .await
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            let info = rejection_info(parts.status, detail);
            let rendered = render_error(
                &state,
                parts.status,
                info,
                is_api,
                lang,
                &request_id,
                viewer.as_ref(),
            );
            return keep_headers(&parts.headers, rendered);
        }
    };
    if let Some(internal) = &info.internal {
        tracing::error!(request_id = %request_id, error = %internal, "internal error");
    }
    let headers = res.headers().clone();
    keep_headers(
        &headers,
        render_error(
            &state,
            status,
            info,
            is_api,
            lang,
            &request_id,
            viewer.as_ref(),
        ),
    )
}

/// The value a response sets for cookie `name`, if it sets one.
fn set_cookie_value(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, v)| k.trim() == name && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

/// Carry the original response's headers (Set-Cookie, WWW-Authenticate,
/// Allow…) over to the rendered error, except those describing the body.
fn keep_headers(original: &axum::http::HeaderMap, mut rendered: Response) -> Response {
    for (name, value) in original {
        if name == header::CONTENT_TYPE || name == header::CONTENT_LENGTH {
            continue;
        }
        if name == header::SET_COOKIE {
            rendered.headers_mut().append(name.clone(), value.clone());
        } else if !rendered.headers().contains_key(name) {
            rendered.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rendered
}

fn rejection_info(status: StatusCode, detail: String) -> ErrorInfo {
    let (code, key) = match status.as_u16() {
        400 => ("bad_request", "error-400-text"),
        404 => ("not_found", "error-404-text"),
        405 => ("method_not_allowed", "error-405-text"),
        408 | 503 => ("unavailable", "error-503-text"),
        413 => ("payload_too_large", "error-413-text"),
        415 => ("unsupported_media_type", "error-415-text"),
        422 => ("invalid_body", "error-400-text"),
        s if s >= 500 => ("internal", "error-500-text"),
        _ => ("bad_request", "error-400-text"),
    };
    ErrorInfo {
        code,
        message_key: key,
        fields: if detail.is_empty() {
            Vec::new()
        } else {
            vec![("body".into(), detail)]
        },
        retry_after: (status == StatusCode::SERVICE_UNAVAILABLE).then_some(5),
        internal: None,
    }
}

fn render_error(
    state: &AppState,
    status: StatusCode,
    info: ErrorInfo,
    is_api: bool,
    lang: Lang,
    request_id: &str,
    viewer: Option<&ctx::Ctx>,
) -> Response {
    let mut res = if is_api {
        let fields: serde_json::Map<String, serde_json::Value> = info
            .fields
            .iter()
            .map(|(f, k)| {
                let msg = if lang.has(k) { lang.t(k) } else { k.clone() };
                (f.clone(), serde_json::Value::String(msg))
            })
            .collect();
        let mut body = serde_json::json!({
            "error": {
                "code": info.code,
                "message": lang.t(info.message_key),
                "request_id": request_id,
            }
        });
        if !fields.is_empty() {
            body["error"]["fields"] = serde_json::Value::Object(fields);
        }
        (status, axum::Json(body)).into_response()
    } else {
        let page = templates::ErrorPage::new(state, lang, status, &info, request_id, viewer);
        let res = (status, templates::html(&page)).into_response();
        match viewer {
            Some(c) => c.finish(res),
            None => res,
        }
    };
    if let Some(secs) = info.retry_after
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// Serve until SIGTERM / Ctrl-C, then finish in-flight requests.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let header_read_timeout =
        Duration::from_secs(state.config.limits.header_read_timeout_secs.max(1));
    server::serve(router(state), listener, header_read_timeout, shutdown).await
}

pub fn empty(status: StatusCode) -> Response {
    Response::builder()
        .status(status)
        .body(Body::empty())
        .unwrap_or_default()
}
