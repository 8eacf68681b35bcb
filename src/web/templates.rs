//! Page shell shared by every HTML page, and the error page.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::ctx::Ctx;
use crate::error::ErrorInfo;
use crate::i18n::{Arg, Lang};

/// What the shell (templates/base.html) needs on every page.
pub struct Shell {
    pub lang: Lang,
    pub title: String,
    pub instance_name: String,
    pub user_name: Option<String>,
    pub user_path: Option<String>,
    pub avatar_url: Option<String>,
    pub is_admin: bool,
    /// Unread notifications (0 when signed out).
    pub unread: i64,
    pub csrf: String,
    pub flash: Option<String>,
    /// (label, link) pairs; the last one is the current page.
    pub crumbs: Vec<(String, String)>,
    /// Which main navigation entry is current: "home", "about", "admin", "settings".
    pub nav: &'static str,
    pub css: &'static str,
}

impl Shell {
    pub fn new(state: &AppState, ctx: &Ctx, title: &str, nav: &'static str) -> Shell {
        let instance_name = state.instance_name();
        Shell {
            lang: ctx.lang,
            title: title.to_string(),
            instance_name,
            user_name: ctx.user.as_ref().map(|u| u.shown_name().to_string()),
            user_path: ctx.user.as_ref().map(|u| u.path()),
            avatar_url: ctx.user.as_ref().and_then(|u| u.avatar_url()),
            is_admin: ctx.user.as_ref().is_some_and(|u| u.is_admin),
            unread: ctx.unread,
            csrf: ctx.csrf.clone(),
            flash: ctx.flash.as_ref().map(|k| ctx.lang.t(k)),
            crumbs: Vec::new(),
            nav,
            css: super::pages::css_url(),
        }
    }

    /// Add a breadcrumb (label already translated).
    pub fn crumb(mut self, label: impl Into<String>, link: impl Into<String>) -> Shell {
        self.crumbs.push((label.into(), link.into()));
        self
    }

    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    pub fn t1(&self, key: &str, name: &'static str, value: &str) -> String {
        self.lang.ta(key, &[(name, Arg::from(value))])
    }

    pub fn tn(&self, key: &str, count: impl AsI64) -> String {
        self.lang.ta(key, &[("count", Arg::Num(count.as_i64()))])
    }

    pub fn date(&self, unix: impl AsI64) -> String {
        crate::i18n::format_datetime(self.lang, unix.as_i64())
    }

    /// A readable device for a user-agent string ("Firefox sur Linux").
    pub fn device(&self, user_agent: &str) -> String {
        crate::useragent::label(self.lang, user_agent)
    }

    pub fn is_nav(&self, name: &str) -> bool {
        self.nav == name
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    pub fn langs(&self) -> Vec<(&'static str, &'static str, bool)> {
        Lang::ALL
            .iter()
            .map(|l| (l.code(), l.native_name(), *l == self.lang))
            .collect()
    }

    pub fn full_title(&self) -> String {
        if self.title.is_empty() {
            self.instance_name.clone()
        } else {
            format!("{} · {}", self.title, self.instance_name)
        }
    }
}

/// Numbers as templates pass them (by value or by reference).
pub trait AsI64 {
    fn as_i64(&self) -> i64;
}
impl AsI64 for i64 {
    fn as_i64(&self) -> i64 {
        *self
    }
}
impl<T: AsI64 + ?Sized> AsI64 for &T {
    fn as_i64(&self) -> i64 {
        (**self).as_i64()
    }
}

/// Field errors of a form, as translated messages keyed by field name.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    pub fn add(&mut self, lang: Lang, field: &str, key: &str) {
        self.0.push((field.to_string(), lang.t(key)));
    }
    pub fn add_text(&mut self, field: &str, text: String) {
        self.0.push((field.to_string(), text));
    }
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> i64 {
        self.0.len() as i64
    }
}

/// Render a template to an HTML response (500 with a log line if the
/// template itself fails).
pub fn html<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(body) => {
            let mut res = body.into_response();
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            res
        }
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Render a page with the request's cookies attached.
pub fn page<T: Template>(ctx: &Ctx, t: &T) -> Response {
    ctx.finish(html(t))
}

/// A form page that failed validation: 422 with the form re-rendered.
pub fn invalid<T: Template>(ctx: &Ctx, t: &T) -> Response {
    ctx.finish((StatusCode::UNPROCESSABLE_ENTITY, html(t)))
}

/// A form re-rendered with what was typed, refused for going over a rate
/// limit: 429 with `Retry-After` (the page says why and when).
pub fn too_many<T: Template>(ctx: &Ctx, retry_after: i64, t: &T) -> Response {
    let mut res = html(t);
    *res.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    if let Ok(v) = HeaderValue::from_str(&retry_after.max(1).to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    ctx.finish(res)
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub s: Shell,
    pub status: u16,
    pub heading: String,
    pub message: String,
    pub request_id: String,
    pub retry_after: Option<i64>,
    pub show_login: bool,
    /// The log-in link, back to this page afterwards.
    pub login_href: String,
    /// Said to a visitor who is not signed in, on a page that may exist
    /// for members (without saying whether it does).
    pub members_hint: bool,
    /// Fields a request was refused for (field, message), e.g. a U+0000.
    pub fields: Vec<(String, String)>,
}

impl ErrorPage {
    pub fn new(
        state: &AppState,
        lang: Lang,
        status: StatusCode,
        info: &ErrorInfo,
        request_id: &str,
        viewer: Option<&Ctx>,
    ) -> ErrorPage {
        let code = status.as_u16();
        let heading_key = match code {
            401 => "error-401-title",
            403 if info.code == "csrf" => "error-csrf-title",
            403 => "error-403-title",
            404 => "error-404-title",
            413 => "error-413-title",
            429 => "error-429-title",
            503 => "error-503-title",
            500..=599 => "error-500-title",
            _ => "error-400-title",
        };
        let signed_out = viewer.is_none_or(|c| c.user.is_none());
        let s = match viewer {
            // The session is kept: the header shows who is signed in.
            Some(c) => {
                let mut s = Shell::new(state, c, &lang.t(heading_key), "");
                s.lang = lang;
                s
            }
            None => Shell {
                lang,
                title: lang.t(heading_key),
                instance_name: state.instance_name(),
                user_name: None,
                user_path: None,
                avatar_url: None,
                is_admin: false,
                unread: 0,
                csrf: String::new(),
                flash: None,
                crumbs: Vec::new(),
                nav: "",
                css: super::pages::css_url(),
            },
        };
        let next = viewer
            .map(|c| c.path.clone())
            .filter(|p| p.starts_with('/') && !p.starts_with("//"))
            .unwrap_or_default();
        let login_href = if next.is_empty() || next == "/login" {
            "/login".to_string()
        } else {
            format!(
                "/login?next={}",
                percent_encoding::utf8_percent_encode(&next, percent_encoding::NON_ALPHANUMERIC)
            )
        };
        ErrorPage {
            s,
            login_href,
            members_hint: signed_out && matches!(code, 403 | 404),
            status: code,
            heading: lang.t(heading_key),
            message: lang.t(info.message_key),
            request_id: request_id.to_string(),
            retry_after: info.retry_after,
            show_login: signed_out && matches!(code, 401 | 403 | 404),
            // Only messages of ours (keys), never a parser's raw text.
            fields: if code < 500 {
                info.fields
                    .iter()
                    .filter(|(_, k)| lang.has(k))
                    .map(|(f, k)| (f.clone(), lang.t(k)))
                    .collect()
            } else {
                Vec::new()
            },
        }
    }
}

/// The query string of a filtered listing: the non-empty filters (trimmed)
/// in the order given, then `page` when past the first; `""` when nothing
/// is set, else `?…`. Shared by the listings' pager and filter links.
pub fn filter_query(filters: &[(&str, &str)], page: i64) -> String {
    let mut p: Vec<(&str, String)> = filters
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (*k, v.trim().to_string()))
        .collect();
    if page > 1 {
        p.push(("page", page.to_string()));
    }
    let qs = serde_urlencoded::to_string(&p).unwrap_or_default();
    if qs.is_empty() { qs } else { format!("?{qs}") }
}
