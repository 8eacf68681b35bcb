//! The shared application state: the services every operation and every
//! entry point uses (database, configuration, mailer, job queue, metrics,
//! short display caches). It lives beneath the entry points (`web`, `api`,
//! the CLI, later federation) so that operations can take it without
//! importing any of them. Cheap to clone.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::db::Db;
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
    /// Image decoding, at most `config.limits.image_decodes` at once.
    pub images: crate::images::Pool,
    /// Which reverse proxies are believed, and through which header.
    pub proxies: crate::proxy::Proxies,
    /// Pages computed for anonymous visitors (territory pages and maps),
    /// validated by the database's content version.
    pub pages: crate::cache::PageCache,
}

#[derive(Debug, Clone, Copy)]
pub struct HomeStats {
    pub members: i64,
    pub admin_exists: bool,
}

const INSTANCE_CACHE: Duration = Duration::from_secs(5);

impl AppState {
    /// The state of a node. A proxy configuration that does not parse is
    /// refused earlier, by `app::build_state`; here it is logged and no
    /// proxy is believed.
    pub fn new(db: Db, config: Config, mailer: Mailer) -> AppState {
        let proxies = crate::proxy::Proxies::from_config(&config).unwrap_or_else(|e| {
            tracing::error!(error = %e, "proxy configuration ignored");
            crate::proxy::Proxies::default()
        });
        let images = crate::images::Pool::new(config.limits.image_decodes);
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
            images,
            proxies,
            pages: crate::cache::PageCache::default(),
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
            admin_exists: crate::accounts::admin_exists(&self.db).await?,
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
            headers: Vec::new(),
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
