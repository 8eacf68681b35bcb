//! How other servers find us: WebFinger (RFC 7033) for `acct:` handles of
//! people, communities and the instance actor, and NodeInfo 2.1.

use serde_json::{Value, json};

use super::actors::{federated_community, federated_person, instance_id};
use super::{CONTENT_TYPE, host_of};
use crate::db::now;
use crate::error::AppResult;
use crate::settings::RegistrationMode;
use crate::state::AppState;
use crate::urls;

/// The NodeInfo 2.1 schema, the rel of `/.well-known/nodeinfo`'s link.
pub const NODEINFO_SCHEMA: &str = "http://nodeinfo.diaspora.software/ns/schema/2.1";

/// What answers WebFinger for `resource`: `acct:name@host` (or the actor's
/// URL) of a `Person`, a `Group`, or the instance actor (`acct:host@host`,
/// which Mastodon's authorized fetch asks). A name that is both a person
/// and a community gets both links, the group last (Mastodon takes the
/// last). `None`: not ours, unknown, or not federated — the same answer.
pub async fn webfinger(state: &AppState, resource: &str) -> AppResult<Option<Value>> {
    let public = state.config.public_url();
    let host = host_of(&public);
    let name = if let Some(acct) = resource.strip_prefix("acct:") {
        let Some((name, at)) = acct.rsplit_once('@') else {
            return Ok(None);
        };
        if !at.eq_ignore_ascii_case(&host) {
            return Ok(None);
        }
        name.to_string()
    } else if let Some(path) = resource.strip_prefix(&public) {
        // An actor's URL: `/u/{name}`, `/c/{slug}` or `/actor`.
        match path.split('/').collect::<Vec<_>>().as_slice() {
            ["", "actor"] => host.clone(),
            ["", "u", n] | ["", "c", n] => percent_encoding::percent_decode_str(n)
                .decode_utf8_lossy()
                .to_string(),
            _ => return Ok(None),
        }
    } else {
        return Ok(None);
    };
    let mut links = Vec::new();
    let mut aliases = Vec::new();
    if name.eq_ignore_ascii_case(&host) {
        let id = instance_id(state);
        aliases.push(id.clone());
        links.push(self_link(&id, "Application"));
    }
    if let Some(u) = federated_person(state, &name).await? {
        let id = state.url(&urls::user(&u.username));
        aliases.push(id.clone());
        links.push(profile_link(&id));
        links.push(self_link(&id, "Person"));
    }
    if let Some(c) = federated_community(state, &name).await? {
        let id = state.url(&c.path());
        aliases.push(id.clone());
        links.push(profile_link(&id));
        links.push(self_link(&id, "Group"));
    }
    if links.is_empty() {
        return Ok(None);
    }
    Ok(Some(json!({
        "subject": format!("acct:{name}@{host}"),
        "aliases": aliases,
        "links": links,
    })))
}

fn profile_link(href: &str) -> Value {
    json!({
        "rel": "http://webfinger.net/rel/profile-page",
        "type": "text/html",
        "href": href,
    })
}

fn self_link(href: &str, kind: &str) -> Value {
    json!({
        "rel": "self",
        "type": CONTENT_TYPE,
        "href": href,
        "properties": { "https://www.w3.org/ns/activitystreams#type": kind },
    })
}

/// `/.well-known/nodeinfo`: where the NodeInfo document is.
pub fn nodeinfo_links(state: &AppState) -> Value {
    json!({
        "links": [{ "rel": NODEINFO_SCHEMA, "href": state.url("/nodeinfo/2.1") }],
    })
}

/// The NodeInfo 2.1 document. The counts are of what the fediverse may see:
/// active local people, and publications and replies visible in open
/// communities (a private community's activity moves nothing here).
pub async fn nodeinfo(state: &AppState) -> AppResult<Value> {
    let t = now();
    let people = |since: Option<i64>| {
        let db = &state.db;
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM users WHERE domain IS NULL AND status = 'active' \
                 AND ($1 = 0 OR COALESCE(last_login_at, created_at) >= $1)",
            )
            .bind(since.unwrap_or(0))
            .fetch_one(&db.pool)
            .await
        }
    };
    let total = people(None).await?;
    let half_year = people(Some(t - 183 * 86_400)).await?;
    let month = people(Some(t - 30 * 86_400)).await?;
    let open = "SELECT 1 FROM publication_communities pc JOIN communities c ON c.id = pc.community_id \
                WHERE pc.publication_id = p.id AND pc.status = 'visible' AND c.visibility = 'open' \
                AND c.status IN ('active', 'archived')";
    let posts: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM publications p WHERE p.domain IS NULL AND p.status = 'visible' \
         AND EXISTS ({open})"
    )))
    .fetch_one(&state.db.pool)
    .await?;
    let comments: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM replies r JOIN publications p ON p.id = r.publication_id \
         WHERE r.domain IS NULL AND r.status = 'visible' AND p.status = 'visible' \
         AND EXISTS ({open})"
    )))
    .fetch_one(&state.db.pool)
    .await?;
    let settings = state.instance().await?;
    Ok(json!({
        "version": "2.1",
        "software": {
            "name": "passerelles",
            "version": env!("CARGO_PKG_VERSION"),
            "homepage": state.url("/"),
        },
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": [] },
        "openRegistrations": settings.registration_mode == RegistrationMode::Open,
        "usage": {
            "users": { "total": total, "activeHalfyear": half_year, "activeMonth": month },
            "localPosts": posts,
            "localComments": comments,
        },
        "metadata": { "nodeName": settings.name },
    }))
}
