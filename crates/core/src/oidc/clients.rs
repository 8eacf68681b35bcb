//! Registered relying parties ("tools"). Administrators register them in
//! the admin area or with `passerelles admin oidc-client`; there is no
//! dynamic registration.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::jws::Alg;
use super::{SUPPORTED_SCOPES, constant_eq};
use crate::accounts::ops::audit_in;
use crate::accounts::{hash_token, new_token};
use crate::actor::Actor;
use crate::communities::{COMMUNITY_COLUMNS, Community};
use crate::db::{Db, now};

#[derive(Debug, Clone)]
pub struct Client {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    pub description: String,
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
    /// `id_token_signed_response_alg`: what its ID and logout tokens are signed with.
    pub alg: Alg,
    /// Shown in every member's portal; otherwise only to members of the
    /// communities it is connected to (`communities_of`).
    pub instance_wide: bool,
    /// The icon, stored locally (PNG in `media`).
    pub icon_media_id: Option<i64>,
    /// Userinfo also carries `id`, the account id as a number, for tools
    /// that sign in through a GitLab-style route (Mattermost Team Edition
    /// refuses a user without a numeric `id`).
    pub gitlab_compat: bool,
}

const COLUMNS: &str = "id, client_id, name, description, home_url, redirect_uris, \
     post_logout_redirect_uris, backchannel_logout_uri, secret_hash, is_public, scopes, \
     first_party, require_pkce, created_at, id_token_alg, instance_wide, icon_media_id, \
     gitlab_compat";

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
            alg: Alg::parse(&r.try_get::<String, _>("id_token_alg")?).unwrap_or(Alg::Rs256),
            instance_wide: r.try_get::<i64, _>("instance_wide")? != 0,
            icon_media_id: r.try_get("icon_media_id")?,
            gitlab_compat: r.try_get::<i64, _>("gitlab_compat")? != 0,
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

    /// Where the locally stored icon is served (immutable, cached).
    pub fn icon_src(&self) -> Option<String> {
        self.icon_media_id
            .map(|m| crate::urls::tool_icon(&self.client_id, m))
    }

    /// First letter of the name, for the badge shown when there is no icon.
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
    pub home_url: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: String,
    pub is_public: bool,
    pub scopes: Vec<String>,
    pub first_party: bool,
    pub require_pkce: bool,
    /// `RS256` (also when empty), `ES256` or `EdDSA`.
    pub alg: String,
    /// Communities (ids) whose members see the tool in their portal; empty:
    /// the whole instance.
    pub communities: Vec<i64>,
    /// A processed icon (PNG from `images::make_icon`).
    pub icon_png: Option<Vec<u8>>,
    /// A numeric `id` in userinfo (`Client::gitlab_compat`).
    pub gitlab_compat: bool,
}

impl NewClient {
    pub fn alg(&self) -> Option<Alg> {
        if self.alg.trim().is_empty() {
            Some(Alg::Rs256)
        } else {
            Alg::parse(self.alg.trim())
        }
    }
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
    if c.alg().is_none() {
        p.push(("alg", "oidc-client-error-alg"));
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
    create_audited(db, c, created_by, None).await
}

/// `create`, with the audit entry of `actor` in the same transaction
/// (`oidc::ops::register`).
pub(super) async fn create_audited(
    db: &Db,
    c: &NewClient,
    created_by: Option<i64>,
    actor: Option<&Actor>,
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
    let alg = c.alg().unwrap_or(Alg::Rs256);
    let mut communities = c.communities.clone();
    communities.sort_unstable();
    communities.dedup();
    let mut tx = db.begin().await?;
    let icon_media_id: Option<i64> = match &c.icon_png {
        Some(png) => Some(
            sqlx::query_scalar(
                "INSERT INTO media (owner_id, content_type, bytes, created_at) \
                 VALUES (NULL, 'image/png', $1, $2) RETURNING id",
            )
            .bind(png.clone())
            .bind(t)
            .fetch_one(&mut *tx)
            .await?,
        ),
        None => None,
    };
    let pk: i64 = sqlx::query_scalar(
        "INSERT INTO oidc_clients (client_id, name, description, icon_url, home_url, redirect_uris, \
         post_logout_redirect_uris, backchannel_logout_uri, secret_hash, is_public, scopes, \
         first_party, require_pkce, created_by, created_at, updated_at, id_token_alg, \
         instance_wide, icon_media_id, gitlab_compat) \
         VALUES ($1, $2, $3, '', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16, $17, $18) \
         RETURNING id",
    )
    .bind(&client_id)
    .bind(c.name.trim())
    .bind(c.description.trim())
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
    .bind(alg.as_str())
    .bind(communities.is_empty() as i64)
    .bind(icon_media_id)
    .bind(c.gitlab_compat as i64)
    .fetch_one(&mut *tx)
    .await?;
    for community in &communities {
        sqlx::query(
            "INSERT INTO oidc_client_communities (client_id, community_id) VALUES ($1, $2)",
        )
        .bind(pk)
        .bind(community)
        .execute(&mut *tx)
        .await?;
    }
    if let Some(actor) = actor {
        audit_in(&mut tx, actor, "oidc_client_add", None, &client_id).await?;
    }
    tx.commit().await?;
    // Its algorithm's key chain starts now if it is the first to use it
    // (published in the JWKS before the first ID token is signed).
    super::keys::ensure_alg(db, alg, t).await?;
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
    remove_audited(db, client_id, None).await
}

/// `remove`, with the audit entry of `actor` in the same transaction
/// (`oidc::ops::remove`).
pub(super) async fn remove_audited(
    db: &Db,
    client_id: &str,
    actor: Option<&Actor>,
) -> Result<bool, sqlx::Error> {
    let Some(c) = by_client_id(db, client_id).await? else {
        return Ok(false);
    };
    let mut tx = db.begin().await?;
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
    sqlx::query("DELETE FROM oidc_client_communities WHERE client_id = $1")
        .bind(c.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM oidc_clients WHERE id = $1")
        .bind(c.id)
        .execute(&mut *tx)
        .await?;
    if let Some(icon) = c.icon_media_id {
        sqlx::query("DELETE FROM media WHERE id = $1 AND owner_id IS NULL")
            .bind(icon)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(actor) = actor {
        audit_in(&mut tx, actor, "oidc_client_remove", None, client_id).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Every (tool, community) connection: the tool's key and the community,
/// for the registry and the portal.
pub async fn all_communities(db: &Db) -> Result<Vec<(i64, Community)>, sqlx::Error> {
    let sql = format!(
        "SELECT tc.client_id AS tool_pk, {COMMUNITY_COLUMNS} FROM oidc_client_communities tc \
         JOIN communities c ON c.id = tc.community_id ORDER BY c.name, c.id"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("tool_pk")?, Community::from_row(r)?)))
        .collect()
}

/// Tools connected to one community (its page shows them to its members).
pub async fn of_community(db: &Db, community_id: i64) -> Result<Vec<Client>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM oidc_clients WHERE id IN \
         (SELECT client_id FROM oidc_client_communities WHERE community_id = $1) ORDER BY name, id"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(community_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(Client::from_row)
        .collect()
}

/// How a registered tool is presented and to whom (what an administrator
/// may change without the tool's own configuration changing).
#[derive(Debug, Clone, Default)]
pub struct Presentation {
    pub name: String,
    pub description: String,
    pub home_url: String,
    /// `RS256` (also when empty), `ES256` or `EdDSA`.
    pub alg: String,
    /// Communities (ids) whose members see it; empty: the whole instance.
    pub communities: Vec<i64>,
    pub icon: IconChange,
    /// A numeric `id` in userinfo (`Client::gitlab_compat`).
    pub gitlab_compat: bool,
}

#[derive(Debug, Clone, Default)]
pub enum IconChange {
    #[default]
    Keep,
    /// A processed icon (PNG from `images::make_icon`).
    Replace(Vec<u8>),
    Remove,
}

/// Change a tool's presentation: name, description, home page, signing
/// algorithm, audience, icon (the previous icon row is deleted).
pub async fn update_presentation(
    db: &Db,
    client: &Client,
    p: &Presentation,
) -> anyhow::Result<Result<(), Problems>> {
    update_audited(db, client, p, None).await
}

/// `update_presentation`, with the audit entry of `actor` in the same
/// transaction (`oidc::ops::update`).
pub(super) async fn update_audited(
    db: &Db,
    client: &Client,
    p: &Presentation,
    actor: Option<&Actor>,
) -> anyhow::Result<Result<(), Problems>> {
    let check = NewClient {
        name: p.name.clone(),
        description: p.description.clone(),
        home_url: p.home_url.clone(),
        redirect_uris: client.redirect_uris.clone(),
        post_logout_redirect_uris: client.post_logout_redirect_uris.clone(),
        backchannel_logout_uri: client.backchannel_logout_uri.clone(),
        scopes: client.scopes.clone(),
        alg: p.alg.clone(),
        ..Default::default()
    };
    let problems = validate(&check);
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let alg = check.alg().unwrap_or(Alg::Rs256);
    let mut communities = p.communities.clone();
    communities.sort_unstable();
    communities.dedup();
    let t = now();
    let mut tx = db.begin().await?;
    let icon_media_id = match &p.icon {
        IconChange::Keep => client.icon_media_id,
        IconChange::Remove => None,
        IconChange::Replace(png) => Some(
            sqlx::query_scalar(
                "INSERT INTO media (owner_id, content_type, bytes, created_at) \
                 VALUES (NULL, 'image/png', $1, $2) RETURNING id",
            )
            .bind(png.clone())
            .bind(t)
            .fetch_one(&mut *tx)
            .await?,
        ),
    };
    sqlx::query(
        "UPDATE oidc_clients SET name = $1, description = $2, home_url = $3, id_token_alg = $4, \
         instance_wide = $5, icon_media_id = $6, updated_at = $7, gitlab_compat = $9 WHERE id = $8",
    )
    .bind(p.name.trim())
    .bind(p.description.trim())
    .bind(p.home_url.trim())
    .bind(alg.as_str())
    .bind(communities.is_empty() as i64)
    .bind(icon_media_id)
    .bind(t)
    .bind(client.id)
    .bind(p.gitlab_compat as i64)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM oidc_client_communities WHERE client_id = $1")
        .bind(client.id)
        .execute(&mut *tx)
        .await?;
    for community in &communities {
        sqlx::query(
            "INSERT INTO oidc_client_communities (client_id, community_id) VALUES ($1, $2)",
        )
        .bind(client.id)
        .bind(community)
        .execute(&mut *tx)
        .await?;
    }
    if let Some(old) = client.icon_media_id
        && icon_media_id != Some(old)
    {
        sqlx::query("DELETE FROM media WHERE id = $1 AND owner_id IS NULL")
            .bind(old)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(actor) = actor {
        audit_in(&mut tx, actor, "oidc_client_edit", None, &client.client_id).await?;
    }
    tx.commit().await?;
    super::keys::ensure_alg(db, alg, t).await?;
    Ok(Ok(()))
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
            alg: Alg::Rs256,
            instance_wide: true,
            icon_media_id: None,
            gitlab_compat: false,
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
