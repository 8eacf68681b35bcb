//! HTTP edge: router, middleware, shared state. Handlers are thin:
//! extract → authorize (crate::policy) → call the domain → render.

pub mod admin;
pub mod auth;
pub mod communities;
pub mod ctx;
pub mod feeds;
pub mod moderation;
pub mod notifications;
pub mod oidc;
pub mod oidc_admin;
pub mod pages;
pub mod passkeys;
pub mod publications;
pub mod search;
pub mod second_factor;
pub mod settings;
pub mod templates;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

use crate::config::Config;
use crate::db::Db;
use crate::error::{AppError, ErrorInfo};
use crate::i18n::Lang;
use crate::jobs::Queue;
use crate::mail::Mailer;
use crate::metrics::Metrics;

/// Everything a request handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

pub struct Inner {
    pub db: Db,
    pub config: Config,
    pub mailer: Mailer,
    pub jobs: Queue,
    pub metrics: Metrics,
    pub started: Instant,
    /// Instance settings for display, refreshed from the database at most
    /// every few seconds (decisions such as the registration mode always
    /// read the database).
    pub instance: std::sync::RwLock<(Instant, crate::settings::InstanceSettings)>,
    /// Figures shown on the home page (member count, whether an
    /// administrator exists), refreshed at most every few seconds.
    pub home_stats: std::sync::RwLock<Option<(Instant, HomeStats)>>,
    /// Parsed OpenID Connect signing keys by kid (immutable per kid).
    pub oidc_keys: crate::oidc::keys::KeyCache,
}

#[derive(Debug, Clone, Copy)]
pub struct HomeStats {
    pub members: i64,
    pub admin_exists: bool,
}

const INSTANCE_CACHE: Duration = Duration::from_secs(5);

impl AppState {
    pub fn new(db: Db, config: Config, mailer: Mailer) -> AppState {
        AppState(Arc::new(Inner {
            db,
            config,
            mailer,
            jobs: Queue::default(),
            metrics: Metrics::default(),
            started: Instant::now(),
            instance: std::sync::RwLock::new((
                Instant::now() - INSTANCE_CACHE * 2,
                crate::settings::InstanceSettings::default(),
            )),
            home_stats: std::sync::RwLock::new(None),
            oidc_keys: Default::default(),
        }))
    }

    /// Instance settings (cached briefly).
    pub async fn instance(&self) -> Result<crate::settings::InstanceSettings, sqlx::Error> {
        if let Ok(guard) = self.0.instance.read()
            && guard.0.elapsed() < INSTANCE_CACHE
        {
            return Ok(guard.1.clone());
        }
        let fresh = crate::settings::load(&self.db).await?;
        self.set_instance_cache(fresh.clone());
        Ok(fresh)
    }

    pub fn set_instance_cache(&self, s: crate::settings::InstanceSettings) {
        if let Ok(mut guard) = self.0.instance.write() {
            *guard = (Instant::now(), s);
        }
    }

    /// Home-page figures (cached briefly: counting members scans a table).
    pub async fn home_stats(&self) -> Result<HomeStats, sqlx::Error> {
        if let Ok(guard) = self.0.home_stats.read()
            && let Some((at, stats)) = *guard
            && at.elapsed() < INSTANCE_CACHE
        {
            return Ok(stats);
        }
        let stats = HomeStats {
            members: crate::accounts::count_users(&self.db).await?,
            admin_exists: pages::admin_exists(self).await?,
        };
        if let Ok(mut guard) = self.0.home_stats.write() {
            *guard = Some((Instant::now(), stats));
        }
        Ok(stats)
    }

    /// Forget cached figures (after creating the first administrator).
    pub fn forget_home_stats(&self) {
        if let Ok(mut guard) = self.0.home_stats.write() {
            *guard = None;
        }
    }

    /// The instance's name, from the cache (never waits on the database).
    pub fn instance_name(&self) -> String {
        self.0
            .instance
            .read()
            .map(|g| g.1.name.clone())
            .unwrap_or_else(|_| "Passerelles".into())
    }

    /// Queue an e-mail (sent by the job worker, retried on failure).
    pub async fn send_mail(
        &self,
        to: &str,
        lang: Lang,
        subject: String,
        text: String,
        html: Option<String>,
    ) -> Result<(), sqlx::Error> {
        let job = crate::jobs::Job::Mail {
            to: to.to_string(),
            subject,
            text,
            html,
            lang: lang.code().to_string(),
        };
        self.jobs.push(&self.db, &job, None).await
    }

    /// Absolute URL of a local path, for e-mails.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.config.public_url(), path)
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// Largest request body accepted (an avatar upload plus form fields).
pub const MAX_BODY: usize = 6 * 1024 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::router())
        .merge(auth::router())
        .merge(settings::router())
        .merge(admin::router())
        .merge(moderation::router())
        .merge(communities::router())
        .merge(feeds::router())
        .merge(search::router())
        .merge(oidc::router())
        .merge(oidc_admin::router())
        .merge(second_factor::router())
        .merge(passkeys::router())
        .merge(publications::router().merge(notifications::router()))
        .nest("/api/v1", crate::api::router())
        .fallback(|| async { AppError::NotFound })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            admin::second_factor_guard,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY))
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
                        DefaultPredicate, Predicate, SizeAbove,
                    };
                    DefaultPredicate::new().and(SizeAbove::new(1024))
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
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
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
            let rendered = render_error(&state, parts.status, info, is_api, lang, &request_id);
            return keep_headers(&parts.headers, rendered);
        }
    };
    if let Some(internal) = &info.internal {
        tracing::error!(request_id = %request_id, error = %internal, "internal error");
    }
    let headers = res.headers().clone();
    keep_headers(
        &headers,
        render_error(&state, status, info, is_api, lang, &request_id),
    )
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
        let page = templates::ErrorPage::new(state, lang, status, &info, request_id);
        (status, templates::html(&page)).into_response()
    };
    if let Some(secs) = info.retry_after
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// Percent-encode one path segment (usernames may hold accents).
pub fn encode_path(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Serve until SIGTERM / Ctrl-C, then finish in-flight requests.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

pub fn empty(status: StatusCode) -> Response {
    Response::builder()
        .status(status)
        .body(Body::empty())
        .unwrap_or_default()
}
