//! Integration tests: the real router on a real database (one per test),
//! SQLite or PostgreSQL per `PASSERELLES_TEST_DB`, real SMTP to a local sink.

mod harness;
mod smtp_sink;
mod webdriver;

mod accounts;
mod admin;
mod api;
mod communities;
mod discovery;
mod e2e;
mod e2e_communities;
mod e2e_layout;
mod e2e_passkeys;
mod faults;
mod first_hour;
mod matrix;
mod moderation;
mod notifications;
mod oidc;
mod operations;
mod passkeys;
mod preview;
mod publications;
mod search;
mod second_factor;
mod security_notices;
mod sqlcount;
mod writing;
