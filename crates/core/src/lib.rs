//! Passerelles' core: everything beneath the entry points — the domains
//! (model, storage, operations), the one permission policy, the shared
//! state and the infrastructure (database, configuration, mail, jobs,
//! outgoing HTTP, i18n). It never names the web, the API or start-up:
//! the compiler enforces the layering (ARCHITECTURE.md, "Layers").
// A warning in a test build (an unused result, a value computed and never
// compared) is an error: such tests tend to assert less than they seem to.
#![cfg_attr(test, deny(warnings))]

pub mod accounts;
pub mod actor;
pub mod cache;
pub mod communities;
pub mod config;
pub mod data_rights;
pub mod db;
pub mod emails;
pub mod error;
pub mod events;
pub mod federation;
pub mod feeds;
pub mod fetch;
#[cfg(test)]
mod fuzz_regressions;
pub mod health;
pub mod i18n;
pub mod images;
pub mod initiatives;
pub mod jobs;
pub mod lexicon;
pub mod library;
pub mod mail;
pub mod markdown;
pub mod media;
pub mod metrics;
pub mod moderation;
pub mod news;
pub mod newsletter;
pub mod notifications;
pub mod oidc;
pub mod organisations;
pub mod password;
pub mod policy;
pub mod portability;
pub mod preview;
pub mod profiles;
pub mod proxy;
pub mod publications;
pub mod ratelimit;
pub mod redirect;
pub mod schema;
pub mod search;
pub mod seed;
pub mod settings;
pub mod space;
pub mod state;
pub mod territories;
pub mod totp;
pub mod urls;
pub mod useragent;
pub mod username;
pub mod webauthn;
pub mod wiki;
pub mod xml;
