#![deny(warnings)]
//! Integration tests: the real router on a real database (one per test),
//! SQLite or PostgreSQL per `PASSERELLES_TEST_DB`, real SMTP to a local sink.

mod harness;
mod smtp_sink;
mod webdriver;

mod accounts;
mod admin;
mod api;
mod communities;
mod composer;
mod contract;
mod data_rights;
mod discovery;
mod e2e;
mod e2e_communities;
mod e2e_composer;
mod e2e_layout;
mod e2e_passkeys;
mod e2e_territories;
mod events;
mod faults;
mod federation;
mod feeds;
mod first_hour;
mod initiatives;
mod library;
mod limits;
mod limits_login;
mod mail_in;
mod matrix;
mod moderation;
mod newsletter;
mod notifications;
mod notify;
mod oidc;
mod oidc_sessions;
mod operations;
mod organisations;
mod passkeys;
mod preview;
mod privacy;
mod privacy_activity;
mod publications;
mod push;
mod search;
mod search_typos;
mod second_factor;
mod security_notices;
mod sqlcount;
mod territories;
mod writing;
