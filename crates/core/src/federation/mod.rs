//! ActivityPub federation (issue 18, FEP-1b12 group federation). No HTTP.
//!
//! - this file: what is published, asked of the one policy
//!   (`Action::FederateCommunity`, `Action::FederateProfile`, and a
//!   publication's sight for an anonymous reader who found it without a
//!   link), and the small vocabulary shared by the documents;
//! - `actors`: the JSON-LD documents — `Person`, `Group`, the `Application`
//!   instance actor, their collections, publications as `Page`;
//! - `discovery`: WebFinger (RFC 7033) and NodeInfo 2.1;
//! - `events`: events as Mobilizon-style `Event`s, announced by our groups;
//! - `keys`: one stored RSA 2048 key pair per actor;
//! - `httpsig`: draft-cavage HTTP Signatures (sign, verify, `Digest`);
//! - `delivery`: remote actors fetched through the guarded fetcher, signed
//!   activities delivered through the job queue;
//! - `inbox`: what other servers send (verified, then handled once);
//! - `content`: remote replies, posts, edits, deletions, likes and flags,
//!   through the same operations as a person on a page (`Actor::Remote`);
//! - `remote`: shadow rows for remote people and mirrored remote groups,
//!   remote HTML read back to text;
//! - `remote_events`: remote `Event`s as read-only events of the community
//!   that received them; our people's `Join`/`Leave` of them;
//!   `remote_event_image`: their image, fetched server-side;
//!   `remote_event_removal`: taken off this instance by its moderators;
//! - `instances`: allow and block lists, the dead-instance circuit breaker;
//! - `ops`: what our members do across instances (follow a remote group)
//!   and managers (approve remote followers);
//! - `outbox`: what our groups announce to their followers, and what our
//!   members send to remote groups;
//! - `relay`: what people of other instances do in our communities,
//!   announced to the communities' other followers (FEP-1b12).
//!
//! Ids are the pages' own URLs (`urls.rs`): `/u/{name}`, `/c/{slug}`,
//! `/p/{id}`, and `/actor` for the instance; what answers on them is chosen
//! by `Accept` ([`wants_activity_json`]).

pub mod actors;
pub mod blocks;
pub mod content;
pub mod delivery;
pub mod discovery;
pub mod events;
pub mod fuzz;
pub mod httpsig;
pub mod inbox;
pub mod instances;
pub mod keys;
pub mod ops;
pub mod outbox;
pub mod relay;
pub mod remote;
pub mod remote_event_image;
pub mod remote_event_removal;
pub mod remote_events;

use crate::accounts::User;
use crate::communities::Community;
use crate::db::Db;
use crate::policy::{self, Action};

/// The ActivityStreams context.
pub const AS_CONTEXT: &str = "https://www.w3.org/ns/activitystreams";
/// The security vocabulary (`publicKey`).
pub const SEC_CONTEXT: &str = "https://w3id.org/security/v1";
/// The terms we use beyond ActivityStreams and security, with the IRIs
/// Mastodon (`toot:`), Lemmy and PeerTube give them, so that a JSON-LD
/// processor reads every property we send (none falls to `@vocab`).
pub fn extension_context() -> serde_json::Value {
    serde_json::json!({
        "toot": "http://joinmastodon.org/ns#",
        "lemmy": "https://join-lemmy.org/ns#",
        "pt": "https://joinpeertube.org/ns#",
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "sensitive": "as:sensitive",
        "discoverable": "toot:discoverable",
        "featured": { "@id": "toot:featured", "@type": "@id" },
        "moderators": { "@id": "lemmy:moderators", "@type": "@id" },
        "postingRestrictedToMods": "lemmy:postingRestrictedToMods",
        "commentsEnabled": "pt:commentsEnabled",
    })
}

/// `as:Public`.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
/// What we answer ActivityPub documents as.
pub const CONTENT_TYPE: &str = "application/activity+json";

/// Does this `Accept` ask for an ActivityPub document rather than a page?
/// `application/activity+json`, or `application/ld+json` (with or without
/// the ActivityStreams profile), before any `text/html`.
pub fn wants_activity_json(accept: &str) -> bool {
    for part in accept.split(',') {
        let media = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let q_zero = part.split(';').skip(1).any(|p| {
            matches!(
                p.trim().replace(' ', "").as_str(),
                "q=0" | "q=0.0" | "q=0.00"
            )
        });
        match media.as_str() {
            "application/activity+json" | "application/ld+json" if !q_zero => return true,
            "text/html" | "application/xhtml+xml" if !q_zero => return false,
            _ => {}
        }
    }
    false
}

/// Is this community a `Group` actor of the fediverse?
pub fn community_federated(c: &Community) -> bool {
    policy::can(
        None,
        Action::FederateCommunity {
            c: &c.facts(),
            local: c.domain.is_none(),
        },
    )
}

/// Whether `u` chose not to appear on the fediverse.
pub async fn opted_out(db: &Db, user_id: i64) -> Result<bool, sqlx::Error> {
    let v: Option<i64> = sqlx::query_scalar("SELECT federation_opt_out FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(v.unwrap_or(1) != 0)
}

/// Is this person a `Person` actor of the fediverse?
pub async fn person_federated(db: &Db, u: &User) -> Result<bool, sqlx::Error> {
    let opted_out = opted_out(db, u.id).await?;
    Ok(policy::can(
        None,
        Action::FederateProfile {
            target: u,
            opted_out,
        },
    ))
}

fn gone_digest(username: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(
        format!("person:{}", username.to_lowercase()).as_bytes(),
    ))
}

/// A person the fediverse saw was deleted: their actor URL answers 410
/// Gone from now on (a digest of the name is kept, not the name).
pub async fn actor_gone(db: &Db, username: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO ap_gone_actors (digest, deleted_at) VALUES ($1, $2) ON CONFLICT (digest) DO NOTHING",
    )
    .bind(gone_digest(username))
    .bind(crate::db::now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// When the person `username` of this instance was deleted, if they were
/// and nobody has the name now.
pub async fn gone_since(db: &Db, username: &str) -> Result<Option<i64>, sqlx::Error> {
    let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username_key = $1")
        .bind(username.to_lowercase())
        .fetch_one(&db.pool)
        .await?;
    if taken > 0 {
        return Ok(None);
    }
    sqlx::query_scalar("SELECT deleted_at FROM ap_gone_actors WHERE digest = $1")
        .bind(gone_digest(username))
        .fetch_optional(&db.pool)
        .await
}

/// Record a person's choice (the settings page, the API, the CLI).
pub async fn set_opt_out(db: &Db, user_id: i64, out: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET federation_opt_out = $1 WHERE id = $2")
        .bind(i64::from(out))
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The host (with its port, if any) of the instance's public URL: the
/// domain part of `acct:` handles.
pub fn host_of(public_url: &str) -> String {
    url::Url::parse(public_url)
        .ok()
        .and_then(|u| {
            let host = u.host_str()?.to_string();
            Some(match u.port() {
                Some(p) => format!("{host}:{p}"),
                None => host,
            })
        })
        .unwrap_or_default()
}

/// RFC 3339 for Unix seconds (`published`, `updated`).
pub fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers_choose_the_document() {
        for yes in [
            "application/activity+json",
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
            "application/activity+json, application/ld+json",
            "application/json, application/activity+json;q=0.9",
        ] {
            assert!(wants_activity_json(yes), "{yes}");
        }
        for no in [
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "*/*",
            "",
            "application/json",
            "text/html, application/activity+json",
            "application/activity+json;q=0, text/html",
        ] {
            assert!(!wants_activity_json(no), "{no}");
        }
    }

    #[test]
    fn the_host_keeps_its_port() {
        assert_eq!(host_of("http://127.0.0.1:8080"), "127.0.0.1:8080");
        assert_eq!(
            host_of("https://passerelles.example"),
            "passerelles.example"
        );
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }
}
