//! Wire types of API v1: what goes over the network, with their OpenAPI
//! schemas. Domain types are converted here, in one place, so the JSON
//! shape never changes by accident when a domain struct grows a field
//! (password hashes, status reasons… stay out unless listed here).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

pub use crate::schema::choice;

use super::tokens::ApiToken;
use crate::accounts::{SessionInfo, User};
use crate::i18n::Lang;
use crate::settings::{InstanceSettings, RegistrationMode};
use crate::state::AppState;

/// Unix seconds → RFC 3339 (UTC). Out-of-range values (never stored by us)
/// fall back to the epoch rather than failing a whole response.
pub fn rfc3339(ts: i64) -> String {
    OffsetDateTime::from_unix_timestamp(ts)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

fn avatar_url(state: &AppState, user: &User) -> Option<String> {
    user.avatar_url().map(|p| state.url(&p))
}

// ---- files ---------------------------------------------------------------------

/// A multipart body of one or more `file` parts (the files themselves).
#[derive(ToSchema)]
pub struct FileParts {
    #[schema(schema_with = file_parts)]
    pub file: Vec<Vec<u8>>,
}

fn file_parts() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{
        ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type,
    };
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(SchemaType::Type(Type::String))
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
                // An empty part is refused (`file`: empty).
                .min_length(Some(1)),
        )
        .min_items(Some(1))
        .build()
}

// ---- errors -------------------------------------------------------------------

/// Every error response of the API has this body.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `unauthorized`, `invalid`,
    /// `not_found`, `account_inactive`, `image_not_an_image`.
    #[schema(example = "invalid")]
    pub code: String,
    /// Human-readable message in the language of the request (`Accept-Language`).
    pub message: String,
    /// Identifier of the request in the server logs (also in the `x-request-id` header).
    pub request_id: String,
    /// Per-field messages, for validation errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

// ---- instance -----------------------------------------------------------------

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationModeWire {
    Open,
    Approval,
    Invitation,
    Closed,
}

impl From<RegistrationMode> for RegistrationModeWire {
    fn from(m: RegistrationMode) -> Self {
        match m {
            RegistrationMode::Open => RegistrationModeWire::Open,
            RegistrationMode::Approval => RegistrationModeWire::Approval,
            RegistrationMode::Invitation => RegistrationModeWire::Invitation,
            RegistrationMode::Closed => RegistrationModeWire::Closed,
        }
    }
}

/// Interface languages.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub enum LocaleCode {
    #[serde(rename = "fr-CA")]
    FrCa,
    #[serde(rename = "en")]
    En,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Instance {
    pub name: String,
    pub description: String,
    pub registration_mode: RegistrationModeWire,
    /// Version of the Passerelles software.
    #[schema(example = "0.1.0")]
    pub version: String,
    /// Interface languages, preferred first.
    #[schema(value_type = Vec<LocaleCode>)]
    pub languages: Vec<String>,
}

impl Instance {
    pub fn new(s: &InstanceSettings) -> Instance {
        Instance {
            name: s.name.clone(),
            description: s.description.clone(),
            registration_mode: s.registration_mode.into(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            languages: Lang::ALL.iter().map(|l| l.code().to_string()).collect(),
        }
    }
}

// ---- accounts -----------------------------------------------------------------

/// The authenticated person's own account.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub bio: String,
    #[schema(value_type = LocaleCode)]
    pub locale: String,
    /// Absolute URL of the avatar (a 256×256 JPEG), if any.
    pub avatar_url: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
    pub is_admin: bool,
    /// RFC 3339.
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl Me {
    pub fn new(state: &AppState, u: &User) -> Me {
        Me {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            bio: u.bio.clone(),
            locale: u.lang().code().to_string(),
            avatar_url: avatar_url(state, u),
            email: u.email.clone(),
            email_verified: u.email_verified,
            is_admin: u.is_admin,
            created_at: rfc3339(u.created_at),
        }
    }
}

/// Changes to one's profile; absent (or null) fields are left unchanged.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeUpdate {
    /// At most 80 characters; empty to show the username instead.
    #[schema(max_length = 80, pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$")]
    pub display_name: Option<String>,
    /// At most 500 characters; no control characters but line breaks and tabs.
    #[schema(
        max_length = 500,
        pattern = "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f]*$"
    )]
    pub bio: Option<String>,
    #[schema(value_type = Option<LocaleCode>)]
    pub locale: Option<String>,
    /// Whether other signed-in members can find me in search.
    pub findable: Option<bool>,
}

/// A person's public profile.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Profile {
    pub username: String,
    pub display_name: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Absolute URL of the profile page.
    pub url: String,
    /// Only present when the viewer may see it (the person themself, administrators).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl Profile {
    pub fn new(state: &AppState, u: &User, show_email: bool) -> Profile {
        Profile {
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            bio: u.bio.clone(),
            avatar_url: avatar_url(state, u),
            created_at: rfc3339(u.created_at),
            url: state.url(&u.path()),
            email: if show_email { u.email.clone() } else { None },
        }
    }
}

// ---- sessions -----------------------------------------------------------------

/// A browser session (log-in) of the person.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Session {
    /// Public handle, used to revoke the session.
    #[schema(example = "3f9a0c1d2b4e")]
    pub handle: String,
    pub user_agent: String,
    pub ip: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub last_seen_at: String,
}

impl From<&SessionInfo> for Session {
    fn from(s: &SessionInfo) -> Self {
        Session {
            handle: s.handle.clone(),
            user_agent: s.user_agent.clone(),
            ip: s.ip.clone(),
            created_at: rfc3339(s.created_at),
            last_seen_at: rfc3339(s.last_seen_at),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SessionsRevoked {
    /// How many sessions were ended.
    pub revoked: u64,
}

// ---- personal access tokens ---------------------------------------------------

/// A personal access token, without its secret.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Token {
    pub id: i64,
    pub name: String,
    /// First characters of the secret after `pat_`, to recognise it.
    #[schema(example = "Xy3_a9Qk")]
    pub prefix: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
    /// Null when the token never expires.
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    /// `read` (GET only), `write` (also changes), or `admin` (also an
    /// administrator's powers).
    #[schema(example = "read")]
    pub scope: String,
}

impl From<&ApiToken> for Token {
    fn from(t: &ApiToken) -> Self {
        Token {
            id: t.id,
            name: t.name.clone(),
            prefix: t.prefix.clone(),
            created_at: rfc3339(t.created_at),
            last_used_at: t.last_used_at.map(rfc3339),
            expires_at: t.expires_at.map(rfc3339),
            scope: t.scope.as_str().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(i64::MAX), "1970-01-01T00:00:00Z");
    }
}
