//! Who is calling the API: `Authorization: Bearer pat_…` only. The API never
//! looks at cookies, so it needs no CSRF protection.

use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::tokens;
use crate::accounts::tokens::Scope;
use crate::accounts::{Status, User};
use crate::error::{AppError, AppResult, ErrorInfo};
use crate::policy::{self, Action};
use crate::state::AppState;

/// An error response with any status and code; `web::finish_errors` turns
/// it into the JSON body (translated message, request id, fields).
pub fn error(
    status: StatusCode,
    code: &'static str,
    message_key: &'static str,
    fields: Vec<(String, String)>,
) -> Response {
    let mut res = status.into_response();
    res.extensions_mut().insert(ErrorInfo {
        code,
        message_key,
        fields,
        retry_after: None,
        internal: None,
    });
    res
}

/// Field errors that are really a conflict with what exists (an address
/// already taken, a feed already followed), and the stable API code each
/// becomes: such a request is well formed, so it is a `409`, not a `422`.
const CONFLICTS: &[(&str, &str)] = &[
    ("community-slug-taken", "slug_taken"),
    ("org-slug-taken", "slug_taken"),
    ("newsletter-error-slug-taken", "slug_taken"),
    ("news-error-already", "already_followed"),
    ("news-error-too-many", "too_many_feeds"),
    ("news-error-place-already", "already_followed"),
    ("news-error-place-too-many", "too_many_feeds"),
    ("lexicon-term-exists", "term_exists"),
];

/// An operation's error as the API answers it: a validation failure whose
/// every field is a conflict ([`CONFLICTS`]) becomes `409` with that code
/// and the first field's message (`fields` dropped: one cause); anything
/// else is unchanged (a conflict beside a truly invalid field stays `422`,
/// naming both).
pub fn conflicts(e: AppError) -> AppError {
    if let AppError::Invalid { fields } = &e
        && let Some((_, key)) = fields.first()
        && let Some(&(message_key, code)) = CONFLICTS.iter().find(|(k, _)| k == key)
        && fields
            .iter()
            .all(|(_, k)| CONFLICTS.iter().any(|(c, _)| c == k))
    {
        return AppError::Conflict { code, message_key };
    }
    e
}

/// 401 with `WWW-Authenticate` (RFC 6750); `finish_errors` renders the
/// JSON body and keeps the header.
fn unauthorized(token_given: bool) -> Response {
    let challenge = if token_given {
        "Bearer realm=\"api\", error=\"invalid_token\""
    } else {
        "Bearer realm=\"api\""
    };
    let mut res = AppError::Unauthorized.into_response();
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    res
}

/// The person a valid personal access token belongs to; active account,
/// acting within the token's scope.
///
/// - no or unusable `Authorization` header, unknown, revoked or expired
///   token → 401 `unauthorized` with `WWW-Authenticate: Bearer`;
/// - suspended or pending account → 403 `account_inactive`;
/// - a `read` token on a method that changes something → 403
///   `insufficient_scope` with `WWW-Authenticate: Bearer
///   error="insufficient_scope"` (RFC 6750 §3.1);
/// - below the `admin` scope, an administrator acts as a member
///   (`is_admin` cleared for the request).
#[derive(Debug, Clone)]
pub struct ApiUser(pub User);

/// The scope of the token the request came with (in the request's
/// extensions once [`ApiUser`] has been extracted).
#[derive(Debug, Clone, Copy)]
pub struct TokenScope(pub Scope);

/// 403 for a token whose scope does not cover the request.
fn insufficient_scope(needed: Scope) -> Response {
    let mut res = error(
        StatusCode::FORBIDDEN,
        "insufficient_scope",
        "api-insufficient-scope",
        Vec::new(),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"{}\"",
        needed.as_str()
    )) {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    res
}

/// The bearer token of the request: `None` without an `Authorization`
/// header, `Some(None)` when the header is not a bearer token.
fn bearer(parts: &Parts) -> Option<Option<&str>> {
    let value = parts.headers.get(header::AUTHORIZATION)?;
    Some(value.to_str().ok().and_then(|v| {
        let (scheme, token) = v.trim().split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim())
            .filter(|t| !t.is_empty())
    }))
}

async fn resolve(
    state: &AppState,
    token: Option<&str>,
    method: &Method,
) -> Result<(ApiUser, Scope), Response> {
    let Some(token) = token else {
        return Err(unauthorized(true));
    };
    let found = tokens::authenticate(&state.db, token)
        .await
        .map_err(|e| AppError::from(e).into_response())?;
    match found {
        None => Err(unauthorized(true)),
        Some((u, _)) if u.status != Status::Active || u.domain.is_some() => Err(error(
            StatusCode::FORBIDDEN,
            "account_inactive",
            "error-403-text",
            Vec::new(),
        )),
        Some((_, scope)) if !scope.allows_method(method.as_str()) => {
            Err(insufficient_scope(Scope::Write))
        }
        Some((mut u, scope)) => {
            // An administrator's powers only through an `admin` token.
            if scope < Scope::Admin {
                u.is_admin = false;
            }
            // Without the second factor the instance requires of
            // administrators, an administrator's token acts as a member's.
            if u.is_admin
                && crate::totp::admin_powers_withheld(&state.db, &u)
                    .await
                    .map_err(|e| AppError::from(e).into_response())?
            {
                u.is_admin = false;
            }
            Ok((ApiUser(u), scope))
        }
    }
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let resolved = match bearer(parts) {
            None => return Err(unauthorized(false)),
            Some(token) => resolve(state, token, &parts.method).await?,
        };
        parts.extensions.insert(TokenScope(resolved.1));
        Ok(resolved.0)
    }
}

/// `Option<ApiUser>` for public endpoints: anonymous without an
/// `Authorization` header, but a header that does not authenticate is
/// still refused (a client should learn that its token is bad).
impl OptionalFromRequestParts<AppState> for ApiUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Response> {
        let resolved = match bearer(parts) {
            None => return Ok(None),
            Some(token) => resolve(state, token, &parts.method).await?,
        };
        parts.extensions.insert(TokenScope(resolved.1));
        Ok(Some(resolved.0))
    }
}

impl ApiUser {
    pub fn user(&self) -> &User {
        &self.0
    }
}

/// Authorize an action on one's own account, profile, sessions or tokens.
pub fn own(user: &User) -> AppResult<()> {
    if policy::can(Some(user), Action::EditAccount { target: user }) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A raw image upload: `Content-Type: image/*` (else 415), at most
/// `images::MAX_UPLOAD_BYTES` (else 413 `image_too_large`).
pub struct ImageBody(pub bytes::Bytes);

impl FromRequest<AppState> for ImageBody {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let is_image = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.trim().to_ascii_lowercase().starts_with("image/"));
        if !is_image {
            return Err(error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "error-415-text",
                vec![("body".into(), "image-unsupported".into())],
            ));
        }
        let too_large = || {
            error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "image_too_large",
                "image-too-large",
                Vec::new(),
            )
        };
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > crate::images::MAX_UPLOAD_BYTES as u64) {
            return Err(too_large());
        }
        use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
        match bytes::Bytes::from_request(req, state).await {
            Ok(b) => Ok(ImageBody(b)),
            Err(BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_))) => {
                Err(too_large())
            }
            Err(e) => Err(e.into_response()),
        }
    }
}
