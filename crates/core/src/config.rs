//! Typed configuration, layered: built-in defaults → TOML file → environment
//! (`PASSERELLES_…`) → command-line flags. Passed explicitly, never global.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

use crate::mail::{SmtpConfig, SmtpSecurity};

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub bind: SocketAddr,
    /// Folder for the embedded database, the mail outbox and other local state.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; defaults to `<data_dir>/passerelles.db`.
    pub database_url: Option<String>,
    /// The public base URL (used in e-mails and as the stable id of objects).
    /// Defaults to `http://<bind>`.
    pub public_url: Option<String>,
    /// Maximum database connections per process.
    pub db_max_connections: u32,
    /// Session lifetime, in days, since last use.
    pub session_days: i64,
    /// Behind your own reverse proxy: the client's address is read from
    /// `proxy_header` on requests that come from `trusted_proxies`
    /// (loopback and private networks when that list is empty).
    pub behind_proxy: bool,
    /// Addresses or networks (`10.0.0.0/8`, `::1`) of the reverse proxies
    /// whose `proxy_header` is believed. Setting it implies `behind_proxy`.
    pub trusted_proxies: Vec<String>,
    /// The header those proxies set: `x-forwarded-for` (default; the
    /// right-most address that is not a trusted proxy is the client),
    /// `x-real-ip` or `forwarded` (RFC 7239).
    pub proxy_header: String,
    /// Request limits of this node.
    pub limits: Limits,
    /// `text` (default) or `json` logs.
    pub log_format: String,
    pub smtp: SmtpConfig,
    /// Per-account limits on publishing and replying.
    pub write_limits: crate::ratelimit::WriteLimits,
    /// Seconds during which a just-rotated OpenID Connect refresh token,
    /// presented again (a tool refreshing for several parallel requests),
    /// yields the same successor instead of revoking the grant; 0 turns
    /// the grace window off. `PASSERELLES_OIDC_REFRESH_GRACE`.
    pub oidc_refresh_grace_secs: i64,
    /// Replies by e-mail (`[inbound_mail]`; off by default).
    pub inbound_mail: InboundMail,
    /// Newsletter messages handed to the SMTP server per second, at most
    /// (0: as fast as it takes them). `PASSERELLES_NEWSLETTER_RATE`.
    pub newsletter_rate: u32,
    /// Count clicks on newsletter links, per item and in aggregate only
    /// (the links go through a redirect that adds one to the item's count;
    /// nothing about who clicked). Off by default.
    /// `PASSERELLES_NEWSLETTER_CLICK_COUNT`.
    pub newsletter_click_count: bool,
    /// The program that reads the text of uploaded PDFs in a process of its
    /// own (`<it> pdf-text`, `library::pdftext`); this very binary when
    /// unset. `PASSERELLES_PDF_HELPER`.
    pub pdf_helper: Option<PathBuf>,
    /// Where library and file-space contents are kept (`[s3]`): the data
    /// folder when no bucket is set, else an S3-compatible object store
    /// (multi-node PostgreSQL deployments). `PASSERELLES_S3_*`.
    pub s3: S3Config,
}

/// An S3-compatible object store (`library::storage::S3Store`), path-style
/// addressing, AWS Signature Version 4.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct S3Config {
    /// `https://s3.example.ca` (no bucket in it); empty: local folder.
    pub endpoint: String,
    pub bucket: String,
    /// The signing region [default: us-east-1].
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"***")
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            database_url: None,
            public_url: None,
            db_max_connections: 10,
            session_days: 30,
            behind_proxy: false,
            trusted_proxies: Vec::new(),
            proxy_header: "x-forwarded-for".into(),
            limits: Limits::default(),
            log_format: "text".into(),
            smtp: SmtpConfig::default(),
            write_limits: crate::ratelimit::WriteLimits::default(),
            oidc_refresh_grace_secs: 30,
            inbound_mail: InboundMail::default(),
            newsletter_rate: 20,
            newsletter_click_count: false,
            pdf_helper: None,
            s3: S3Config::default(),
        }
    }
}

/// Limits of one node (`[limits]` in the configuration file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Seconds a client has to send a request's whole header block (the
    /// connection is closed after; slow-header clients hold no socket).
    pub header_read_timeout_secs: u64,
    /// Images decoded at once on this node (avatars, icons, thumbnails);
    /// the others wait their turn (`images::Pool`).
    pub image_decodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout_secs: 10,
            image_decodes: 2,
        }
    }
}

/// Replies by e-mail (`[inbound_mail]`). When enabled, notifications of
/// replies carry a per-recipient reply address (`reply+TOKEN@domain`) and
/// `passerelles mail-in` accepts messages; `listen` also starts the small
/// SMTP listener inside `serve` (put it behind the instance's mail server,
/// which relays the reply domain to it).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InboundMail {
    pub enabled: bool,
    /// Where `serve` listens for SMTP (none: no listener, the pipe only).
    pub listen: Option<SocketAddr>,
    /// The domain of reply addresses [default: the public URL's host].
    pub domain: Option<String>,
    /// Largest message accepted, in bytes.
    pub max_bytes: usize,
}

impl Default for InboundMail {
    fn default() -> Self {
        InboundMail {
            enabled: false,
            listen: None,
            domain: None,
            max_bytes: 1024 * 1024,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field("public_url", &self.public_url)
            .field("smtp", &self.smtp)
            .finish_non_exhaustive()
    }
}

/// Hide the password of a URL like `postgres://user:secret@host/db`.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((creds, host)) = rest.split_once('@')
        && let Some((user, _)) = creds.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_string()
}

/// Values given on the command line (or by clap from the environment).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub bind: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub public_url: Option<String>,
}

impl Config {
    /// Build the configuration from every layer.
    pub fn load(over: &Overrides) -> anyhow::Result<Config> {
        let mut cfg = match &over.config_file {
            Some(path) => Self::from_file(path)?,
            None => Config::default(),
        };
        cfg.apply_env(|k| std::env::var(k).ok())?;
        if let Some(b) = over.bind {
            cfg.bind = b;
        }
        if let Some(d) = &over.data_dir {
            cfg.data_dir = d.clone();
        }
        if let Some(u) = &over.database_url {
            cfg.database_url = Some(u.clone());
        }
        if let Some(u) = &over.public_url {
            cfg.public_url = Some(u.clone());
        }
        Ok(cfg)
    }

    pub fn from_file(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read configuration file {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("invalid configuration file {}", path.display()))
    }

    /// Environment layer for settings that have no flag (SMTP and tuning).
    /// Flags that clap reads from the environment are applied by `load`.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        fn parse<T: std::str::FromStr>(key: &str, v: String) -> anyhow::Result<T> {
            v.parse()
                .map_err(|_| anyhow::anyhow!("environment variable {key} has an invalid value"))
        }
        if let Some(v) = get("PASSERELLES_DB_MAX_CONNECTIONS") {
            self.db_max_connections = parse("PASSERELLES_DB_MAX_CONNECTIONS", v)?;
        }
        if let Some(v) = get("PASSERELLES_SESSION_DAYS") {
            self.session_days = parse("PASSERELLES_SESSION_DAYS", v)?;
        }
        if let Some(v) = get("PASSERELLES_BEHIND_PROXY") {
            self.behind_proxy = matches!(v.as_str(), "1" | "true" | "yes");
        }
        for (name, field) in [
            ("PASSERELLES_S3_ENDPOINT", &mut self.s3.endpoint),
            ("PASSERELLES_S3_BUCKET", &mut self.s3.bucket),
            ("PASSERELLES_S3_REGION", &mut self.s3.region),
            ("PASSERELLES_S3_ACCESS_KEY_ID", &mut self.s3.access_key_id),
            (
                "PASSERELLES_S3_SECRET_ACCESS_KEY",
                &mut self.s3.secret_access_key,
            ),
        ] {
            if let Some(v) = get(name) {
                *field = v;
            }
        }
        if let Some(v) = get("PASSERELLES_PDF_HELPER") {
            self.pdf_helper = Some(PathBuf::from(v));
        }
        if let Some(v) = get("PASSERELLES_OIDC_REFRESH_GRACE") {
            let secs: i64 = parse("PASSERELLES_OIDC_REFRESH_GRACE", v)?;
            if !(0..=300).contains(&secs) {
                anyhow::bail!("PASSERELLES_OIDC_REFRESH_GRACE must be between 0 and 300 seconds");
            }
            self.oidc_refresh_grace_secs = secs;
        }
        if let Some(v) = get("PASSERELLES_TRUSTED_PROXIES") {
            self.trusted_proxies = v
                .split(',')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect();
        }
        if let Some(v) = get("PASSERELLES_PROXY_HEADER") {
            self.proxy_header = v;
        }
        if let Some(v) = get("PASSERELLES_HEADER_READ_TIMEOUT") {
            self.limits.header_read_timeout_secs = parse("PASSERELLES_HEADER_READ_TIMEOUT", v)?;
        }
        if let Some(v) = get("PASSERELLES_IMAGE_DECODES") {
            self.limits.image_decodes = parse("PASSERELLES_IMAGE_DECODES", v)?;
        }
        if let Some(v) = get("PASSERELLES_LOG_FORMAT") {
            self.log_format = v;
        }
        if let Some(v) = get("PASSERELLES_LIMIT_PUBLICATIONS") {
            self.write_limits.publications = parse("PASSERELLES_LIMIT_PUBLICATIONS", v)?;
        }
        if let Some(v) = get("PASSERELLES_LIMIT_REPLIES") {
            self.write_limits.replies = parse("PASSERELLES_LIMIT_REPLIES", v)?;
        }
        if let Some(v) = get("PASSERELLES_LIMIT_ADMINS") {
            self.write_limits.limit_admins = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = get("PASSERELLES_INBOUND_MAIL") {
            self.inbound_mail.enabled = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = get("PASSERELLES_INBOUND_MAIL_LISTEN") {
            self.inbound_mail.listen = match v.trim() {
                "" => None,
                a => Some(parse("PASSERELLES_INBOUND_MAIL_LISTEN", a.to_string())?),
            };
        }
        if let Some(v) = get("PASSERELLES_INBOUND_MAIL_DOMAIN") {
            self.inbound_mail.domain = Some(v).filter(|d| !d.trim().is_empty());
        }
        if let Some(v) = get("PASSERELLES_NEWSLETTER_RATE") {
            self.newsletter_rate = parse("PASSERELLES_NEWSLETTER_RATE", v)?;
        }
        if let Some(v) = get("PASSERELLES_NEWSLETTER_CLICK_COUNT") {
            self.newsletter_click_count = parse("PASSERELLES_NEWSLETTER_CLICK_COUNT", v)?;
        }
        if let Some(v) = get("PASSERELLES_SMTP_HOST") {
            self.smtp.host = Some(v).filter(|s| !s.is_empty());
        }
        if let Some(v) = get("PASSERELLES_SMTP_PORT") {
            self.smtp.port = Some(parse("PASSERELLES_SMTP_PORT", v)?);
        }
        if let Some(v) = get("PASSERELLES_SMTP_SECURITY") {
            self.smtp.security = match v.to_ascii_lowercase().as_str() {
                "starttls" => SmtpSecurity::StartTls,
                "tls" => SmtpSecurity::Tls,
                "none" => SmtpSecurity::None,
                _ => anyhow::bail!("PASSERELLES_SMTP_SECURITY must be starttls, tls or none"),
            };
        }
        if let Some(v) = get("PASSERELLES_SMTP_USERNAME") {
            self.smtp.username = Some(v);
        }
        if let Some(v) = get("PASSERELLES_SMTP_PASSWORD") {
            self.smtp.password = Some(v);
        }
        if let Some(v) = get("PASSERELLES_SMTP_FROM") {
            self.smtp.from = v;
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) => u.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("passerelles.db").display()
            ),
        }
    }

    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.bind),
        }
    }

    /// The domain of reply-by-e-mail addresses, when replies by e-mail are on.
    pub fn reply_domain(&self) -> Option<String> {
        if !self.inbound_mail.enabled {
            return None;
        }
        let domain = self.inbound_mail.domain.clone().unwrap_or_else(|| {
            let url = self.public_url();
            let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(&url);
            rest.split(['/', ':'])
                .next()
                .unwrap_or("localhost")
                .to_string()
        });
        Some(domain.trim().to_ascii_lowercase()).filter(|d| !d.is_empty())
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    /// Whether cookies should carry `Secure` (served over HTTPS).
    pub fn secure_cookies(&self) -> bool {
        self.public_url().starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_apply_in_order() {
        let dir = std::env::temp_dir().join(format!("pcfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(
            &file,
            "bind = \"127.0.0.1:9000\"\ndata_dir = \"/tmp/x\"\n[smtp]\nhost = \"mail.example\"\n[write_limits]\nreplies = 60\n",
        )
        .unwrap();
        let mut cfg = Config::from_file(&file).unwrap();
        assert_eq!(cfg.bind.port(), 9000);
        assert_eq!(cfg.smtp.host.as_deref(), Some("mail.example"));
        assert_eq!(cfg.write_limits.replies, 60);
        assert_eq!(cfg.write_limits.publications, 10, "default kept");
        cfg.apply_env(|k| (k == "PASSERELLES_LIMIT_PUBLICATIONS").then(|| "0".to_string()))
            .unwrap();
        assert_eq!(cfg.write_limits.publications, 0);
        cfg.apply_env(|k| (k == "PASSERELLES_SMTP_PORT").then(|| "2525".to_string()))
            .unwrap();
        assert_eq!(cfg.smtp.port, Some(2525));
        assert!(
            cfg.apply_env(|k| (k == "PASSERELLES_SMTP_PORT").then(|| "x".into()))
                .is_err()
        );
        let over = Overrides {
            config_file: Some(file),
            bind: Some("127.0.0.1:9100".parse().unwrap()),
            ..Default::default()
        };
        assert_eq!(Config::load(&over).unwrap().bind.port(), 9100);
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<Config>("bindd = \"x\"").is_err());
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert!(
            !format!(
                "{:?}",
                Config {
                    database_url: Some("postgres://u:pw@h/d".into()),
                    ..Default::default()
                }
            )
            .contains("pw@")
        );
    }
}
