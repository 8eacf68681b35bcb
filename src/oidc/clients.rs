//! Registered relying parties ("tools"). Administrators register them in
//! the admin area or with `passerelles admin oidc-client`; there is no
//! dynamic registration.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{SUPPORTED_SCOPES, constant_eq};
use crate::accounts::{hash_token, new_token};
use crate::db::{Db, now};

#[derive(Debug, Clone)]
pub struct Client {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    pub description: String,
    pub icon_url: String,
    pub home_url: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: String,
    secret_hash: Option<String>,
    pub is_public: bool,
    pub scopes: Vec<String>,
    pub first_party: bool,
    pub require_pkce: bool,
    pub created_at: i64,
}

const COLUMNS: &str = "id, client_id, name, description, icon_url, home_url, redirect_uris, \
     post_logout_redirect_uris, backchannel_logout_uri, secret_hash, is_public, scopes, \
     first_party, require_pkce, created_at";

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

impl Client {
    fn from_row(r: &AnyRow) -> Result<Client, sqlx::Error> {
        Ok(Client {
            id: r.try_get("id")?,
            client_id: r.try_get("client_id")?,
            name: r.try_get("name")?,
            description: r.try_get("description")?,
            icon_url: r.try_get("icon_url")?,
            home_url: r.try_get("home_url")?,
            redirect_uris: lines(&r.try_get::<String, _>("redirect_uris")?),
            post_logout_redirect_uris: lines(&r.try_get::<String, _>("post_logout_redirect_uris")?),
            backchannel_logout_uri: r.try_get("backchannel_logout_uri")?,
            secret_hash: r.try_get("secret_hash")?,
            is_public: r.try_get::<i64, _>("is_public")? != 0,
            scopes: r
                .try_get::<String, _>("scopes")?
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            first_party: r.try_get::<i64, _>("first_party")? != 0,
            require_pkce: r.try_get::<i64, _>("require_pkce")? != 0,
            created_at: r.try_get("created_at")?,
        })
    }

    /// Exact, simple string comparison (OIDC Core 3.1.2.1): no wildcard,
    /// no prefix, no normalisation — with one exception, RFC 8252 §7.3:
    /// for a public (native) client registered with a loopback IP address,
    /// any port is accepted, everything else still compared exactly.
    pub fn has_redirect_uri(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| r == uri)
            || (self.is_public
                && self.redirect_uris.iter().any(|r| {
                    loopback_without_port(r).is_some_and(|x| Some(x) == loopback_without_port(uri))
                }))
    }

    pub fn has_post_logout_uri(&self, uri: &str) -> bool {
        self.post_logout_redirect_uris.iter().any(|r| r == uri)
    }

    /// Whether PKCE S256 is mandatory for this client.
    pub fn pkce_required(&self) -> bool {
        self.is_public || self.require_pkce
    }

    pub fn check_secret(&self, secret: &str) -> bool {
        match &self.secret_hash {
            Some(h) => constant_eq(h, &hash_token(secret)),
            None => false,
        }
    }

    pub fn allows_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// First letter of the name, for the badge shown instead of a remote icon.
    pub fn initial(&self) -> String {
        self.name
            .chars()
            .next()
            .map(|c| c.to_uppercase().collect())
            .unwrap_or_default()
    }
}

/// `http://127.0.0.1:PORT/path?q` or `http://[::1]:PORT/…` with the port
/// taken out; `None` for anything else (including `localhost`, which RFC
/// 8252 advises against).
fn loopback_without_port(uri: &str) -> Option<String> {
    let mut u = url::Url::parse(uri).ok()?;
    let loopback = matches!(
        u.host(),
        Some(url::Host::Ipv4(std::net::Ipv4Addr::LOCALHOST))
            | Some(url::Host::Ipv6(std::net::Ipv6Addr::LOCALHOST))
    );
    if u.scheme() != "http" || !loopback || u.fragment().is_some() {
        return None;
    }
    u.set_port(None).ok()?;
    Some(u.to_string())
}

/// What an administrator fills in.
#[derive(Debug, Clone, Default)]
pub struct NewClient {
    pub name: String,
    pub description: String,
    pub icon_url: String,
    pub home_url: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: String,
    pub is_public: bool,
    pub scopes: Vec<String>,
    pub first_party: bool,
    pub require_pkce: bool,
}

/// Field → message key of what is wrong in a registration.
pub type Problems = Vec<(&'static str, &'static str)>;

/// A redirect target we accept at registration: absolute, no fragment, no
/// wildcard, https (http only for loopback hosts, as RFC 8252 allows for
/// native apps and as local test set-ups need).
pub fn valid_redirect_uri(uri: &str) -> bool {
    if uri.len() > 2000 || uri.contains('*') || uri.chars().any(char::is_whitespace) {
        return false;
    }
    let Ok(u) = url::Url::parse(uri) else {
        return false;
    };
    if u.fragment().is_some() || !u.username().is_empty() || u.password().is_some() {
        return false;
    }
    match u.scheme() {
        "https" => u.host().is_some(),
        "http" => matches!(
            u.host(),
            Some(url::Host::Domain("localhost"))
                | Some(url::Host::Ipv4(std::net::Ipv4Addr::LOCALHOST))
                | Some(url::Host::Ipv6(std::net::Ipv6Addr::LOCALHOST))
        ),
        _ => false,
    }
}

fn valid_web_url(s: &str) -> bool {
    s.is_empty()
        || (s.len() <= 2000
            && url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "https" | "http")))
}

pub fn validate(c: &NewClient) -> Problems {
    let mut p = Problems::new();
    let name = c.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        p.push(("name", "oidc-client-error-name"));
    }
    if c.description.chars().count() > 500 {
        p.push(("description", "oidc-client-error-description"));
    }
    if c.redirect_uris.is_empty() || !c.redirect_uris.iter().all(|u| valid_redirect_uri(u)) {
        p.push(("redirect_uris", "oidc-client-error-redirect"));
    }
    if !c
        .post_logout_redirect_uris
        .iter()
        .all(|u| valid_redirect_uri(u))
    {
        p.push(("post_logout_redirect_uris", "oidc-client-error-redirect"));
    }
    if !c.backchannel_logout_uri.is_empty() && !valid_redirect_uri(&c.backchannel_logout_uri) {
        p.push(("backchannel_logout_uri", "oidc-client-error-url"));
    }
    if !valid_web_url(&c.icon_url) {
        p.push(("icon_url", "oidc-client-error-url"));
    }
    if !valid_web_url(&c.home_url) {
        p.push(("home_url", "oidc-client-error-url"));
    }
    if !c.scopes.iter().any(|s| s == "openid")
        || !c
            .scopes
            .iter()
            .all(|s| SUPPORTED_SCOPES.contains(&s.as_str()))
    {
        p.push(("scopes", "oidc-client-error-scopes"));
    }
    p
}

/// Register a client. Returns it and, for a confidential client, its
/// secret — shown once, stored only as a hash.
pub async fn create(
    db: &Db,
    c: &NewClient,
    created_by: Option<i64>,
) -> anyhow::Result<Result<(Client, Option<String>), Problems>> {
    let problems = validate(c);
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let (client_id, _) = new_token();
    let client_id: String = client_id.chars().take(22).collect();
    let (secret, secret_hash) = if c.is_public {
        (None, None)
    } else {
        let (s, h) = new_token();
        (Some(s), Some(h))
    };
    let mut scopes: Vec<&str> = SUPPORTED_SCOPES
        .iter()
        .copied()
        .filter(|s| c.scopes.iter().any(|x| x == s))
        .collect();
    scopes.dedup();
    let t = now();
    sqlx::query(
        "INSERT INTO oidc_clients (client_id, name, description, icon_url, home_url, redirect_uris, \
         post_logout_redirect_uris, backchannel_logout_uri, secret_hash, is_public, scopes, \
         first_party, require_pkce, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)",
    )
    .bind(&client_id)
    .bind(c.name.trim())
    .bind(c.description.trim())
    .bind(c.icon_url.trim())
    .bind(c.home_url.trim())
    .bind(c.redirect_uris.join("\n"))
    .bind(c.post_logout_redirect_uris.join("\n"))
    .bind(c.backchannel_logout_uri.trim())
    .bind(secret_hash)
    .bind(c.is_public as i64)
    .bind(scopes.join(" "))
    .bind(c.first_party as i64)
    .bind(c.require_pkce as i64)
    .bind(created_by)
    .bind(t)
    .execute(&db.pool)
    .await?;
    let client = by_client_id(db, &client_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("client vanished after insert"))?;
    Ok(Ok((client, secret)))
}

pub async fn by_client_id(db: &Db, client_id: &str) -> Result<Option<Client>, sqlx::Error> {
    if client_id.is_empty() || client_id.len() > 100 {
        return Ok(None);
    }
    let sql = format!("SELECT {COLUMNS} FROM oidc_clients WHERE client_id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(client_id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| Client::from_row(&r))
        .transpose()
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Client>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM oidc_clients WHERE id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| Client::from_row(&r))
        .transpose()
}

pub async fn list(db: &Db) -> Result<Vec<Client>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM oidc_clients ORDER BY name, id");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(Client::from_row)
        .collect()
}

/// Remove a client; its consents, codes, grants and tokens go with it.
pub async fn remove(db: &Db, client_id: &str) -> Result<bool, sqlx::Error> {
    let Some(c) = by_client_id(db, client_id).await? else {
        return Ok(false);
    };
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "DELETE FROM oidc_tokens WHERE grant_id IN (SELECT id FROM oidc_grants WHERE client_id = $1)",
    )
    .bind(c.id)
    .execute(&mut *tx)
    .await?;
    for table in ["oidc_grants", "oidc_codes", "oidc_consents"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE client_id = $1"
        )))
        .bind(c.id)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("DELETE FROM oidc_clients WHERE id = $1")
        .bind(c.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// Replace a confidential client's secret; returns the new one (shown once).
pub async fn new_secret(db: &Db, client_id: &str) -> Result<Option<String>, sqlx::Error> {
    let (s, h) = new_token();
    let n = sqlx::query(
        "UPDATE oidc_clients SET secret_hash = $1, updated_at = $2 WHERE client_id = $3 AND is_public = 0",
    )
    .bind(h)
    .bind(now())
    .bind(client_id)
    .execute(&db.pool)
    .await?
    .rows_affected();
    Ok((n == 1).then_some(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_at_registration() {
        assert!(valid_redirect_uri(
            "https://cloud.example.org/apps/user_oidc/code"
        ));
        assert!(valid_redirect_uri("http://127.0.0.1:8082/cb"));
        assert!(valid_redirect_uri("http://localhost/cb"));
        assert!(!valid_redirect_uri("http://cloud.example.org/cb"));
        assert!(!valid_redirect_uri("https://*.example.org/cb"));
        assert!(!valid_redirect_uri("https://example.org/cb#frag"));
        assert!(!valid_redirect_uri("javascript:alert(1)"));
        assert!(!valid_redirect_uri("/relative"));
        assert!(!valid_redirect_uri("https://user@example.org/cb"));
    }

    #[test]
    fn loopback_port_exception_for_native_clients_only() {
        let mut c = Client {
            id: 1,
            client_id: "c".into(),
            name: "App".into(),
            description: String::new(),
            icon_url: String::new(),
            home_url: String::new(),
            redirect_uris: vec![
                "http://127.0.0.1/cb".into(),
                "https://app.example/cb".into(),
            ],
            post_logout_redirect_uris: Vec::new(),
            backchannel_logout_uri: String::new(),
            secret_hash: None,
            is_public: true,
            scopes: vec!["openid".into()],
            first_party: false,
            require_pkce: false,
            created_at: 0,
        };
        assert!(c.has_redirect_uri("http://127.0.0.1/cb"));
        assert!(c.has_redirect_uri("http://127.0.0.1:53123/cb"));
        assert!(!c.has_redirect_uri("http://127.0.0.1:53123/cb2"));
        assert!(!c.has_redirect_uri("http://127.0.0.1:53123/cb?x=1"));
        assert!(!c.has_redirect_uri("http://localhost:53123/cb"));
        assert!(
            !c.has_redirect_uri("https://app.example:8443/cb"),
            "only loopback"
        );
        c.is_public = false;
        assert!(
            !c.has_redirect_uri("http://127.0.0.1:53123/cb"),
            "only native clients"
        );
    }
}
