//! Passerelles' core: everything beneath the entry points — the domains
//! (model, storage, operations), the one permission policy, the shared
//! state and the infrastructure (database, configuration, mail, jobs,
//! outgoing HTTP, i18n). It never names the web, the API or start-up:
//! the compiler enforces the layering (ARCHITECTURE.md, "Layers").

pub mod accounts;
pub mod actor;
pub mod communities;
pub mod config;
pub mod db;
pub mod emails;
pub mod error;
pub mod fetch;
pub mod i18n;
pub mod images;
pub mod jobs;
pub mod mail;
pub mod markdown;
pub mod media;
pub mod metrics;
pub mod moderation;
pub mod notifications;
pub mod oidc;
pub mod password;
pub mod policy;
pub mod preview;
pub mod profiles;
pub mod publications;
pub mod ratelimit;
pub mod search;
pub mod seed;
pub mod settings;
pub mod state;
pub mod totp;
pub mod urls;
pub mod useragent;
pub mod username;
pub mod webauthn;
