//! Per-request context: who is asking (server-side session), in which
//! language, the CSRF token their forms must carry, and a one-shot flash.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use sqlx::Row;

use super::{AppState, RequestId};
use crate::accounts::{self, Status, User};
use crate::db::now;
use crate::error::AppError;
use crate::i18n::Lang;

pub const SESSION_COOKIE: &str = "psid";
pub const CSRF_COOKIE: &str = "pcsrf";
pub const LANG_COOKIE: &str = "lang";
pub const FLASH_COOKIE: &str = "flash";

pub struct Ctx {
    pub user: Option<User>,
    pub session_hash: Option<String>,
    pub csrf: String,
    csrf_is_new: bool,
    origin_ok: bool,
    pub lang: Lang,
    pub flash: Option<String>,
    /// Unread notifications of the signed-in person (from the session query).
    pub unread: i64,
    pub ip: String,
    /// The device cookie (`accounts::signin`): this browser signed in before.
    pub device: Option<String>,
    pub user_agent: String,
    pub request_id: String,
    pub path: String,
    secure: bool,
    /// Set-Cookie headers to add to the response.
    cookies: Vec<String>,
    /// An administrator acting as a member until they add the second
    /// factor the instance requires (`totp::admin_powers_withheld`).
    pub admin_needs_second_factor: bool,
}

pub fn parse_cookies(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            Some((k.trim(), v.trim()))
        })
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    parse_cookies(headers)
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Language for requests that have no session context (error pages):
/// the `lang` cookie, then Accept-Language, then French.
pub fn lang_from_headers(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(|c| Lang::from_code(&c))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let headers = &parts.headers;
        let secure = state.config.secure_cookies();
        let ip = client_ip(parts, state);
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let mut cookies = Vec::new();

        let mut user = None;
        let mut session_hash = None;
        let mut session_csrf = None;
        let mut unread = 0;
        if let Some(token) = cookie(headers, SESSION_COOKIE) {
            let hash = accounts::hash_token(&token);
            let sql = format!(
                "SELECT s.csrf AS s_csrf, s.last_seen_at AS s_seen, s.expires_at AS s_expires, \
                 (SELECT COUNT(*) FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL) AS s_unread, {} \
                 FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1",
                accounts::USER_COLUMNS
            );
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&hash)
                .fetch_optional(&state.db.pool)
                .await?;
            match row {
                Some(r) if r.try_get::<i64, _>("s_expires")? > now() => {
                    let u = User::from_row(&r)?;
                    if u.status == Status::Active {
                        let seen: i64 = r.try_get("s_seen")?;
                        // Sliding expiry, written at most every five minutes.
                        if now() - seen > 300 {
                            accounts::sessions::touch(
                                &state.db,
                                &hash,
                                &ip,
                                state.config.session_days,
                            )
                            .await?;
                        }
                        session_csrf = Some(r.try_get::<String, _>("s_csrf")?);
                        unread = r.try_get::<i64, _>("s_unread")?;
                        session_hash = Some(hash);
                        user = Some(u);
                    }
                }
                _ => cookies.push(set_cookie(SESSION_COOKIE, "", Some(0), secure)),
            }
        }

        let (csrf, csrf_is_new) = match session_csrf {
            Some(c) => (c, false),
            None => match cookie(headers, CSRF_COOKIE).filter(|c| c.len() >= 32 && c.len() <= 64) {
                Some(c) => (c, false),
                None => {
                    let (token, _) = accounts::new_token();
                    cookies.push(set_cookie(CSRF_COOKIE, &token, None, secure));
                    (token, true)
                }
            },
        };

        // A cross-site form post carries a foreign Origin: refuse it even
        // before looking at the token.
        let origin_ok = parts.method == Method::GET
            || match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
                None | Some("null") => headers.get(header::ORIGIN).is_none(),
                Some(origin) => {
                    let host = headers
                        .get(header::HOST)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    origin.split_once("://").is_some_and(|(_, h)| h == host)
                        || origin == state.config.public_url()
                }
            };

        // An administrator without the second factor the instance requires
        // acts as a member (every `policy::can` then says so) until enrolled.
        let mut admin_needs_second_factor = false;
        if let Some(u) = user.as_mut().filter(|u| u.is_admin)
            && crate::totp::admin_powers_withheld(&state.db, u).await?
        {
            u.is_admin = false;
            admin_needs_second_factor = true;
        }

        let lang = user
            .as_ref()
            .map(|u| u.lang())
            .unwrap_or_else(|| lang_from_headers(headers));

        let flash =
            cookie(headers, FLASH_COOKIE).filter(|f| f.starts_with("flash-") && f.len() < 64);
        if flash.is_some() {
            cookies.push(set_cookie(FLASH_COOKIE, "", Some(0), secure));
        }

        // The raw count above is an upper bound; when there is something,
        // the header shows what the notification centre counts (the same
        // function, so the same policy filter, for the account as it acts).
        if unread > 0
            && let Some(u) = &user
        {
            unread = crate::notifications::unread_count(&state.db, u).await?;
        }

        Ok(Ctx {
            user,
            session_hash,
            csrf,
            csrf_is_new,
            origin_ok,
            lang,
            flash: flash.filter(|f| lang.has(f)),
            unread,
            ip,
            device: cookie(headers, accounts::signin::DEVICE_COOKIE)
                .filter(|d| !d.is_empty() && d.len() <= 64),
            user_agent,
            request_id: parts
                .extensions
                .get::<RequestId>()
                .map(|r| r.0.clone())
                .unwrap_or_default(),
            path: parts.uri.path().to_string(),
            secure,
            cookies,
            admin_needs_second_factor,
        })
    }
}

/// The client of a request: the TCP peer, or what a configured proxy says
/// in its configured header (`crate::proxy`).
pub fn client(parts: &Parts, state: &AppState) -> Option<crate::proxy::Client> {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    Some(state.proxies.client(peer, &parts.headers))
}

fn client_ip(parts: &Parts, state: &AppState) -> String {
    client(parts, state)
        .map(|c| c.ip.to_string())
        .unwrap_or_default()
}

/// A form that carries nothing but its CSRF token (a button that acts).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CsrfForm {
    pub csrf: String,
}

impl Ctx {
    /// The signed-in person acting, for a state-changing request.
    pub fn acting(&self) -> Result<crate::actor::Actor, AppError> {
        self.user
            .as_ref()
            .map(crate::actor::Actor::person)
            .ok_or(AppError::Unauthorized)
    }

    pub fn user(&self) -> Result<&User, AppError> {
        self.user.as_ref().ok_or(AppError::Unauthorized)
    }

    /// Check the token a form carried. Every state-changing form calls this.
    pub fn verify_csrf(&self, token: &str) -> Result<(), AppError> {
        if self.origin_ok && !self.csrf_is_new && constant_eq(token, &self.csrf) {
            Ok(())
        } else {
            tracing::warn!(request_id = %self.request_id, path = %self.path, "CSRF check failed");
            Err(AppError::Csrf)
        }
    }

    /// This client in rate limits (an IPv6 address counts as its /64).
    pub fn ip_key(&self) -> String {
        self.ip
            .parse::<std::net::IpAddr>()
            .map(crate::proxy::limit_key)
            .unwrap_or_else(|_| self.ip.clone())
    }

    pub fn is_secure(&self) -> bool {
        self.secure
    }

    pub fn add_cookie(&mut self, c: String) {
        self.cookies.push(c);
    }

    /// Remember a message for the next page.
    pub fn flash(&mut self, key: &'static str) {
        self.cookies
            .push(set_cookie(FLASH_COOKIE, key, Some(60), self.secure));
    }

    /// Start a session for `user`, who just authenticated with `amr`
    /// (`accounts::sessions::amr`), and remember the language of the
    /// account. A session this browser already had ends — the same account
    /// or another one (switching accounts) — and the tools that signed in
    /// through it hear of it, as at any log-out.
    pub async fn log_in(
        &mut self,
        state: &AppState,
        user: &User,
        amr: &str,
    ) -> Result<(), AppError> {
        if let Some(old) = self.session_hash.take() {
            crate::oidc::backchannel::session_ended(
                &state.db,
                &state.jobs,
                &state.config.public_url(),
                &accounts::sessions::sid(&state.db, &old).await?,
            )
            .await?;
            accounts::delete_session(&state.db, &old).await?;
        }
        let s = accounts::create_session(
            &state.db,
            user.id,
            &self.user_agent,
            &self.ip,
            state.config.session_days,
            amr,
        )
        .await?;
        let age = state.config.session_days * 86400;
        self.cookies
            .push(set_cookie(SESSION_COOKIE, &s.token, Some(age), self.secure));
        self.cookies.push(set_cookie(
            LANG_COOKIE,
            &user.locale,
            Some(365 * 86400),
            self.secure,
        ));
        // This browser is now known to the account: guessing elsewhere
        // cannot hold it back (`accounts::signin`).
        let device =
            accounts::signin::remember_device(&state.db, user.id, self.device.as_deref()).await?;
        self.cookies.push(set_cookie(
            accounts::signin::DEVICE_COOKIE,
            &device,
            Some(accounts::signin::DEVICE_DAYS * 86400),
            self.secure,
        ));
        self.device = Some(device);
        self.session_hash = Some(accounts::hash_token(&s.token));
        self.csrf = s.csrf;
        self.lang = user.lang();
        self.user = Some(user.clone());
        // A deletion of this account waits out its grace period: say so on
        // the next page (the password sign-in leads to /settings/delete).
        if crate::data_rights::deletion::pending(&state.db, user.id)
            .await?
            .is_some()
        {
            self.flash("flash-account-deletion-pending");
        }
        Ok(())
    }

    /// The session was re-authenticated and its token renewed
    /// (`accounts::sessions::reauthenticated`): send the new cookie.
    pub fn session_renewed(&mut self, state: &AppState, s: accounts::NewSession) {
        let age = state.config.session_days * 86400;
        self.cookies
            .push(set_cookie(SESSION_COOKIE, &s.token, Some(age), self.secure));
        self.session_hash = Some(accounts::hash_token(&s.token));
        self.csrf = s.csrf;
    }

    pub async fn log_out(&mut self, state: &AppState) -> Result<(), AppError> {
        if let Some(h) = self.session_hash.take() {
            // Tools that signed in through this session hear of its end.
            crate::oidc::backchannel::session_ended(
                &state.db,
                &state.jobs,
                &state.config.public_url(),
                &accounts::sessions::sid(&state.db, &h).await?,
            )
            .await?;
            accounts::delete_session(&state.db, &h).await?;
        }
        self.user = None;
        self.cookies
            .push(set_cookie(SESSION_COOKIE, "", Some(0), self.secure));
        Ok(())
    }

    /// Attach pending cookies to a response.
    pub fn finish(&self, res: impl IntoResponse) -> Response {
        let mut res = res.into_response();
        for c in &self.cookies {
            if let Ok(v) = HeaderValue::from_str(c) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        if !self.cookies.is_empty() || self.user.is_some() {
            res.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
        }
        res
    }

    /// 303 See Other to a local path, with pending cookies.
    pub fn redirect(&self, to: &str) -> Response {
        self.finish(Redirect::to(&safe_local_path(to)))
    }

    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    /// Redirect anonymous visitors of a private page to the login form,
    /// coming back here afterwards.
    pub fn require_login(&self) -> Result<&User, Response> {
        match &self.user {
            Some(u) => Ok(u),
            None => Err(self.redirect(&format!(
                "/login?next={}",
                percent_encoding::utf8_percent_encode(
                    &self.path,
                    percent_encoding::NON_ALPHANUMERIC
                )
            ))),
        }
    }
}

/// A redirect target from input, as a path on our own origin; `/` when it
/// would leave it (`crate::redirect`: parsed as browsers parse URLs).
pub fn safe_local_path(to: &str) -> String {
    crate::redirect::local_path_or_root(to)
}

pub fn status_only(s: StatusCode) -> Response {
    s.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_stay_local() {
        assert_eq!(safe_local_path("/settings"), "/settings");
        assert_eq!(safe_local_path("//evil.example"), "/");
        assert_eq!(safe_local_path("https://evil.example"), "/");
        assert_eq!(safe_local_path("/\\evil"), "/");
        assert_eq!(safe_local_path("/\t/evil.example"), "/");
    }

    #[test]
    fn cookies_parse() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; psid=xyz; lang=en"),
        );
        assert_eq!(cookie(&h, "psid").as_deref(), Some("xyz"));
        assert_eq!(lang_from_headers(&h), Lang::En);
    }
}
