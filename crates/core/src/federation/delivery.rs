//! Talking to other servers, always through the guarded fetcher
//! (`crate::fetch`: public addresses only, size and time caps): remote
//! actors fetched and cached (`ap_actors`), and signed activities delivered
//! to their inboxes, one job each (`Job::Deliver`: retried with the queue's
//! exponential backoff, nothing lost on restart, any node may send it).
//!
//! In tests, loopback peers are admitted only by the test-only allow-list of
//! the fetcher (`PASSERELLES_FETCH_ALLOW`, `publications::fetch_allow_list`);
//! production admits none.

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use super::httpsig::{self, Scheme};
use super::keys::{self, Owner};
use crate::db::{Db, now};
use crate::fetch::{FetchError, FetchPolicy, Fetcher};
use crate::jobs::Job;
use crate::state::AppState;

/// How long a fetched actor is trusted before it is fetched again.
pub const ACTOR_TTL: i64 = 86_400;
/// Largest actor document or inbox answer read.
pub const MAX_DOCUMENT: usize = 1024 * 1024;

fn fetcher(public_url: &str) -> &'static Fetcher {
    static F: OnceLock<Fetcher> = OnceLock::new();
    F.get_or_init(|| Fetcher::new(&crate::fetch::user_agent(public_url)))
}

fn policy(url: &str) -> FetchPolicy {
    FetchPolicy {
        max_bytes: MAX_DOCUMENT,
        timeout: Duration::from_secs(10),
        max_redirects: 3,
        allow_loopback_for_tests: crate::publications::fetch_allow_list(url),
        accept: "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
    }
}

/// The signature headers of one request to `url` by `scheme`.
fn signature_headers(
    scheme: Scheme,
    key: &keys::ActorKey,
    key_id: &str,
    method: &str,
    url: &url::Url,
    body: Option<&[u8]>,
) -> anyhow::Result<Vec<(&'static str, String)>> {
    Ok(match scheme {
        Scheme::Cavage => {
            let path = match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_string(),
            };
            let s = httpsig::sign(
                key,
                key_id,
                method,
                &path,
                &super::host_of(url.as_str()),
                body,
                now(),
            )?;
            let mut h = vec![("date", s.date), ("signature", s.signature)];
            if let Some(d) = s.digest {
                h.push(("digest", d));
            }
            h
        }
        Scheme::Rfc9421 => {
            let s = httpsig::rfc9421::sign(key, key_id, method, url, body, now())?;
            let mut h = vec![
                ("date", s.date),
                ("signature-input", s.signature_input),
                ("signature", s.signature),
            ];
            if let Some(d) = s.content_digest {
                h.push(("content-digest", d));
            }
            h
        }
    })
}

/// Does this answer say "sign it the other way"? (Mastodon answers 401 to
/// a signature it cannot read; others 400.)
fn refused_signature(e: &FetchError) -> bool {
    matches!(e, FetchError::Http(400 | 401))
}

/// A GET signed by the instance actor (authorized fetch, as Mastodon's
/// secure mode and GoToSocial require): RFC 9421 first unless the host is
/// known to want draft-cavage, which is tried on a 400/401 (and then
/// remembered).
async fn signed_get(
    state: &AppState,
    url: &str,
    policy: &FetchPolicy,
) -> Result<crate::fetch::Fetched, FetchError> {
    let public = state.config.public_url();
    let to = super::instances::host(url);
    let internal = |e: String| FetchError::Network(e);
    let key = keys::key_for(&state.db, Owner::Instance)
        .await
        .map_err(|e| internal(format!("key: {e}")))?;
    let key_id = format!("{}#main-key", super::actors::instance_id(state));
    let first = super::instances::signature_scheme(&state.db, &to)
        .await
        .map_err(|e| internal(format!("database: {e}")))?;
    let attempt = |scheme: Scheme| {
        let key = &key;
        let key_id = &key_id;
        let public = &public;
        async move {
            let sign = |u: &url::Url| {
                signature_headers(scheme, key, key_id, "GET", u, None).unwrap_or_default()
            };
            fetcher(public).get_signed(url, policy, &sign).await
        }
    };
    match attempt(first).await {
        Err(e) if first == Scheme::Rfc9421 && refused_signature(&e) => {
            let again = attempt(Scheme::Cavage).await;
            if again.is_ok() {
                let _ =
                    super::instances::set_signature_scheme(&state.db, &to, Scheme::Cavage).await;
            }
            again
        }
        other => other,
    }
}

/// A remote actor as its server describes it.
#[derive(Debug, Clone)]
pub struct RemoteActor {
    pub ap_id: String,
    pub kind: String,
    pub inbox: String,
    pub shared_inbox: String,
    pub key_id: String,
    pub public_pem: String,
    pub name: String,
    /// `preferredUsername` (the `name` of `name@host`).
    pub username: String,
}

impl RemoteActor {
    /// Where to deliver: the shared inbox when it has one.
    pub fn delivery_inbox(&self) -> &str {
        if self.shared_inbox.is_empty() {
            &self.inbox
        } else {
            &self.shared_inbox
        }
    }
}

fn origin(u: &str) -> Option<String> {
    let u = url::Url::parse(u).ok()?;
    Some(u.origin().ascii_serialization())
}

fn str_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

/// Read an actor document: its id must be `ap_id`, its inbox and key on its
/// own origin, and its key owned by it.
pub fn parse_actor(ap_id: &str, doc: &Value) -> Option<RemoteActor> {
    let id = doc.get("id").and_then(Value::as_str)?;
    let home = origin(ap_id)?;
    if id != ap_id {
        return None;
    }
    let inbox = doc.get("inbox").and_then(str_of)?;
    let key = doc.get("publicKey")?;
    let key = match key {
        Value::Array(a) => a.first()?,
        k => k,
    };
    let key_id = key.get("id").and_then(Value::as_str)?.to_string();
    let owner = key.get("owner").and_then(Value::as_str)?;
    let pem = key.get("publicKeyPem").and_then(Value::as_str)?.to_string();
    let shared_inbox = doc
        .get("endpoints")
        .and_then(|e| e.get("sharedInbox"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let same = |u: &str| origin(u).as_deref() == Some(home.as_str());
    if owner != ap_id
        || !same(&inbox)
        || !same(&key_id)
        || (!shared_inbox.is_empty() && !same(&shared_inbox))
    {
        return None;
    }
    Some(RemoteActor {
        ap_id: ap_id.to_string(),
        kind: doc
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        inbox,
        shared_inbox,
        key_id,
        public_pem: pem,
        name: doc
            .get("name")
            .or_else(|| doc.get("preferredUsername"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .chars()
            .take(200)
            .collect(),
        username: doc
            .get("preferredUsername")
            .and_then(Value::as_str)
            .unwrap_or("")
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
            .take(100)
            .collect(),
    })
}

/// The remote actor `ap_id`: from the cache when fresh (unless `refresh`),
/// else fetched through the guarded fetcher and stored.
pub async fn remote_actor(
    state: &AppState,
    ap_id: &str,
    refresh: bool,
) -> anyhow::Result<RemoteActor> {
    if !refresh && let Some(a) = cached(&state.db, ap_id, now() - ACTOR_TTL).await? {
        return Ok(a);
    }
    let public = state.config.public_url();
    if origin(ap_id) == origin(&public) {
        anyhow::bail!("{ap_id} is one of ours");
    }
    if !super::instances::permitted(&state.db, &super::instances::host(ap_id)).await? {
        anyhow::bail!("{ap_id}: its instance is blocked");
    }
    let got = signed_get(state, ap_id, &policy(ap_id))
        .await
        .map_err(|e| anyhow::anyhow!("fetching {ap_id}: {e}"))?;
    let doc: Value = serde_json::from_slice(&got.body)?;
    let a =
        parse_actor(ap_id, &doc).ok_or_else(|| anyhow::anyhow!("{ap_id} is not a usable actor"))?;
    store_actor(&state.db, &a).await?;
    Ok(a)
}

/// Keep a fetched actor in the cache (`ap_actors`).
pub async fn store_actor(db: &Db, a: &RemoteActor) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO ap_actors (ap_id, kind, inbox, shared_inbox, key_id, public_pem, name, fetched_at, username) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (ap_id) DO UPDATE SET \
         kind = excluded.kind, inbox = excluded.inbox, shared_inbox = excluded.shared_inbox, \
         key_id = excluded.key_id, public_pem = excluded.public_pem, name = excluded.name, \
         fetched_at = excluded.fetched_at, username = excluded.username",
    )
    .bind(&a.ap_id)
    .bind(&a.kind)
    .bind(&a.inbox)
    .bind(&a.shared_inbox)
    .bind(&a.key_id)
    .bind(&a.public_pem)
    .bind(&a.name)
    .bind(now())
    .bind(&a.username)
    .execute(&db.pool)
    .await?;
    Ok(())
}

async fn cached(db: &Db, ap_id: &str, since: i64) -> Result<Option<RemoteActor>, sqlx::Error> {
    let row: Option<(String, String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT kind, inbox, shared_inbox, key_id, public_pem, name, username FROM ap_actors \
         WHERE ap_id = $1 AND fetched_at >= $2",
    )
    .bind(ap_id)
    .bind(since)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(
        |(kind, inbox, shared_inbox, key_id, public_pem, name, username)| RemoteActor {
            ap_id: ap_id.to_string(),
            kind,
            inbox,
            shared_inbox,
            key_id,
            public_pem,
            name,
            username,
        },
    ))
}

/// Queue `activity`, signed by `signer` (whose actor id is `actor_id`), for
/// each inbox — each once.
pub async fn queue(
    state: &AppState,
    signer: Owner,
    actor_id: &str,
    activity: &Value,
    inboxes: &[String],
) -> Result<(), sqlx::Error> {
    let body = activity.to_string();
    let mut seen = std::collections::HashSet::new();
    for inbox in inboxes.iter().filter(|i| seen.insert(i.as_str())) {
        if !super::instances::permitted(&state.db, &super::instances::host(inbox)).await? {
            continue;
        }
        state
            .jobs
            .push(
                &state.db,
                &Job::Deliver {
                    inbox: inbox.clone(),
                    activity: body.clone(),
                    signer: signer.key(),
                    key_id: format!("{actor_id}#main-key"),
                },
                None,
            )
            .await?;
    }
    Ok(())
}

/// Why a delivery did not go through.
#[derive(Debug)]
pub enum DeliveryError {
    /// Try again later (network, 5xx, 429, 408).
    Retry(String),
    /// Never (the inbox refused it, or it cannot be signed).
    Fail(String),
}

/// POST one signed activity (a `Job::Deliver`).
pub async fn deliver(
    db: &Db,
    inbox: &str,
    activity: &str,
    signer: &str,
    key_id: &str,
) -> Result<(), DeliveryError> {
    let fail = |e: String| DeliveryError::Fail(e);
    let to = super::instances::host(inbox);
    let retry_later = |e: sqlx::Error| DeliveryError::Retry(format!("database: {e}"));
    if !super::instances::permitted(db, &to)
        .await
        .map_err(retry_later)?
    {
        return Err(fail(format!("{to} is blocked")));
    }
    if super::instances::dead(db, &to).await.map_err(retry_later)? {
        return Err(fail(format!(
            "{to} has failed every delivery for {} days: treated as dead until it is heard from",
            super::instances::DEAD_AFTER / 86_400
        )));
    }
    let outcome = post_signed(db, inbox, activity, signer, key_id).await;
    let _ = match &outcome {
        Ok(()) => super::instances::delivered(db, &to).await,
        Err(DeliveryError::Retry(e) | DeliveryError::Fail(e)) => {
            super::instances::failed(db, &to, e).await
        }
    };
    outcome
}

async fn post_signed(
    db: &Db,
    inbox: &str,
    activity: &str,
    signer: &str,
    key_id: &str,
) -> Result<(), DeliveryError> {
    let fail = |e: String| DeliveryError::Fail(e);
    let owner = Owner::parse(signer).ok_or_else(|| fail(format!("unknown signer {signer}")))?;
    let key = keys::key_for(db, owner)
        .await
        .map_err(|e| DeliveryError::Retry(format!("key: {e}")))?;
    let url = url::Url::parse(inbox).map_err(|e| fail(format!("inbox {inbox}: {e}")))?;
    let to = super::instances::host(inbox);
    let first = super::instances::signature_scheme(db, &to)
        .await
        .map_err(|e| DeliveryError::Retry(format!("database: {e}")))?;
    let from = origin(key_id).unwrap_or_default();
    let send = |scheme: Scheme| {
        let (key, url, from) = (&key, &url, &from);
        async move {
            let mut headers =
                signature_headers(scheme, key, key_id, "POST", url, Some(activity.as_bytes()))
                    .map_err(|e| FetchError::Network(format!("signing: {e}")))?;
            headers.push(("content-type", super::CONTENT_TYPE.to_string()));
            headers.push(("host", super::host_of(inbox)));
            fetcher(from)
                .post(
                    inbox,
                    &policy(inbox),
                    &headers,
                    bytes::Bytes::from(activity.to_string()),
                )
                .await
        }
    };
    // The double knock: RFC 9421 first, draft-cavage when it is refused;
    // what went through is remembered for the next delivery.
    let mut used = first;
    let mut outcome = send(first).await;
    if first == Scheme::Rfc9421
        && let Err(e) = &outcome
        && refused_signature(e)
    {
        used = Scheme::Cavage;
        outcome = send(Scheme::Cavage).await;
    }
    match outcome {
        Ok(_) => {
            let _ = super::instances::set_signature_scheme(db, &to, used).await;
            Ok(())
        }
        Err(FetchError::Network(e)) if e.starts_with("signing: ") => Err(fail(e)),
        Err(FetchError::Http(s)) if (400..500).contains(&s) && s != 408 && s != 429 => {
            Err(fail(format!("{inbox} refused it: HTTP {s}")))
        }
        Err(e) => Err(DeliveryError::Retry(format!("{inbox}: {e}"))),
    }
}

/// An object (a `Note`, a `Page`…) fetched by its id, through the guarded
/// fetcher: its `id` must be the one asked (what a server vouches for is
/// what it serves under its own name).
pub async fn fetch_object(state: &AppState, id: &str) -> anyhow::Result<Value> {
    if !super::instances::permitted(&state.db, &super::instances::host(id)).await? {
        anyhow::bail!("{id}: its instance is blocked");
    }
    let got = signed_get(state, id, &policy(id))
        .await
        .map_err(|e| anyhow::anyhow!("fetching {id}: {e}"))?;
    let doc: Value = serde_json::from_slice(&got.body)?;
    if doc.get("id").and_then(Value::as_str) != Some(id) {
        anyhow::bail!("{id} answered with another object");
    }
    Ok(doc)
}

/// Is the object `id` gone from its server (404 or 410, or a `Tombstone`
/// under its id)? What a `Delete` relayed by another server than the
/// object's is checked against. `false` while it is still served; an
/// error when the server could not say (unreachable, blocked).
pub async fn gone(state: &AppState, id: &str) -> anyhow::Result<bool> {
    if !super::instances::permitted(&state.db, &super::instances::host(id)).await? {
        anyhow::bail!("{id}: its instance is blocked");
    }
    match signed_get(state, id, &policy(id)).await {
        Err(FetchError::Http(404 | 410)) => Ok(true),
        Err(e) => Err(anyhow::anyhow!("fetching {id}: {e}")),
        Ok(got) => {
            let doc: Value = serde_json::from_slice(&got.body).unwrap_or(Value::Null);
            Ok(doc.get("id").and_then(Value::as_str) == Some(id)
                && doc.get("type").and_then(Value::as_str) == Some("Tombstone"))
        }
    }
}

/// The actor URL of a handle — `name@host`, `@name@host`, `!name@host`
/// (Lemmy's community notation) or `acct:name@host` — by WebFinger
/// (RFC 7033) through the guarded fetcher; an `http(s)` URL is taken as
/// the actor URL itself. https first; plain http only for the test-only
/// loopback allow-list of the fetcher.
pub async fn resolve_handle(state: &AppState, handle: &str) -> anyhow::Result<String> {
    let h = handle.trim();
    if h.starts_with("https://") || h.starts_with("http://") {
        return Ok(h.to_string());
    }
    let acct = h.trim_start_matches("acct:").trim_start_matches(['@', '!']);
    let Some((name, host)) = acct.rsplit_once('@') else {
        anyhow::bail!("{h} is not a handle (name@host)");
    };
    if name.is_empty()
        || host.is_empty()
        || host.contains(['/', '?', '#', '@'])
        || name.contains(['/', '?', '#'])
    {
        anyhow::bail!("{h} is not a handle (name@host)");
    }
    if !super::instances::permitted(&state.db, host).await? {
        anyhow::bail!("{host} is blocked");
    }
    let resource = format!("acct:{name}@{host}");
    let query = format!(
        "/.well-known/webfinger?resource={}",
        percent_encoding::utf8_percent_encode(&resource, percent_encoding::NON_ALPHANUMERIC)
    );
    let public = state.config.public_url();
    let mut last = anyhow::anyhow!("no answer");
    for scheme in ["https", "http"] {
        let url = format!("{scheme}://{host}{query}");
        if scheme == "http" && crate::publications::fetch_allow_list(&url).is_empty() {
            break;
        }
        let mut p = policy(&url);
        p.accept = "application/jrd+json, application/json";
        match fetcher(&public).get(&url, &p).await {
            Ok(got) => {
                let jrd: Value = serde_json::from_slice(&got.body)?;
                let link = jrd["links"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|l| {
                        l["rel"] == "self"
                            && l["type"].as_str().is_some_and(|t| {
                                t.starts_with("application/activity+json")
                                    || t.starts_with("application/ld+json")
                            })
                    })
                    // Mastodon takes the last (a name both a person and a
                    // group: the group last, as Lemmy lists them).
                    .last()
                    .and_then(|l| l["href"].as_str())
                    .ok_or_else(|| anyhow::anyhow!("{resource}: no ActivityPub actor"))?;
                return Ok(link.to_string());
            }
            Err(e) => last = anyhow::anyhow!("{url}: {e}"),
        }
    }
    Err(last)
}
