//! The sections of the archive, one function each (see `archive.rs` for
//! how to add one). What is included — "what the person may see of their
//! own" — is decided here, section by section, and summed up in
//! ARCHITECTURE.md ("Data rights"): rows this account wrote or set, and
//! rows the instance keeps about it; never another person's text (replies
//! of others, their names in notifications), never secrets (hashes, TOTP
//! seeds, passkey keys, token values).

use serde::Serialize;
use serde_json::{Value, json};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::archive::{PAGE, Writer};
use crate::urls;

mod contributions;
pub use contributions::*;

pub fn rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

fn opt_time(t: Option<i64>) -> Option<String> {
    t.map(rfc3339)
}

fn s(r: &AnyRow, c: &str) -> Result<String, sqlx::Error> {
    r.try_get(c)
}
fn i(r: &AnyRow, c: &str) -> Result<i64, sqlx::Error> {
    r.try_get(c)
}
fn oi(r: &AnyRow, c: &str) -> Result<Option<i64>, sqlx::Error> {
    r.try_get(c)
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|k| format!("${k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where an attachment's bytes are in the archive.
pub fn attachment_path(id: i64, name: &str) -> String {
    format!("files/attachments/{id}-{}", safe_name(name))
}

/// A file name usable on every system (no separators, no control characters).
fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .take(120)
        .collect()
}

fn abs(w: &Writer<'_>, path: &str) -> String {
    urls::absolute(w.base_url, path)
}

pub async fn profile(w: &mut Writer<'_>) -> anyhow::Result<()> {
    let u = w.user;
    let mut avatar = None;
    if let Some(mid) = u.avatar_id {
        let row = sqlx::query("SELECT content_type, bytes FROM media WHERE id = $1")
            .bind(mid)
            .fetch_optional(&w.db.pool)
            .await?;
        if let Some(row) = row {
            let ct: String = row.try_get("content_type")?;
            let bytes: Vec<u8> = row.try_get("bytes")?;
            let ext = if ct == "image/png" { "png" } else { "jpg" };
            let path = format!("files/avatar.{ext}");
            w.file(&path, &bytes).await?;
            avatar = Some(path);
        }
    }
    let v = json!({
        "username": u.username,
        "display_name": u.display_name,
        "bio": u.bio,
        "url": abs(w, &urls::user(&u.username)),
        "avatar": avatar,
        "created_at": rfc3339(u.created_at),
    });
    w.json("profile", &v, 1).await
}

pub async fn settings(w: &mut Writer<'_>) -> anyhow::Result<()> {
    let u = w.user;
    let findable: i64 = sqlx::query_scalar("SELECT findable FROM users WHERE id = $1")
        .bind(u.id)
        .fetch_one(&w.db.pool)
        .await?;
    let v = json!({
        "email": u.email,
        "email_verified": u.email_verified,
        "locale": u.locale,
        "findable_in_search": findable == 1,
        "is_admin": u.is_admin,
        "status": u.status.as_str(),
        "last_login_at": opt_time(u.last_login_at),
    });
    w.json("settings", &v, 1).await
}

pub async fn memberships(w: &mut Writer<'_>) -> anyhow::Result<()> {
    let rows = sqlx::query(
        "SELECT c.slug, c.name, m.role, m.state, m.message, m.created_at, c.created_by \
         FROM memberships m JOIN communities c ON c.id = m.community_id \
         WHERE m.user_id = $1 ORDER BY m.created_at, c.id",
    )
    .bind(w.user.id)
    .fetch_all(&w.db.pool)
    .await?;
    w.begin_array("memberships")?;
    for r in &rows {
        let slug = s(r, "slug")?;
        w.item(&json!({
            "community": { "slug": slug, "name": s(r, "name")?, "url": abs(w, &urls::community(&slug)) },
            "role": s(r, "role")?,
            "state": s(r, "state")?,
            "message": s(r, "message")?,
            "since": rfc3339(i(r, "created_at")?),
            "created_the_community": oi(r, "created_by")? == Some(w.user.id),
        }))?;
    }
    w.end_array().await?;
    Ok(())
}

pub async fn sessions(w: &mut Writer<'_>) -> anyhow::Result<()> {
    let rows = sqlx::query(
        "SELECT user_agent, ip, created_at, last_seen_at, expires_at, amr FROM sessions \
         WHERE user_id = $1 ORDER BY created_at",
    )
    .bind(w.user.id)
    .fetch_all(&w.db.pool)
    .await?;
    w.begin_array("sessions")?;
    for r in &rows {
        let ua = s(r, "user_agent")?;
        let d = crate::useragent::parse(&ua);
        w.item(&json!({
            "browser": d.browser.map(|b| b.name()),
            "system": d.os.map(|o| o.name()),
            "user_agent": ua,
            "ip": s(r, "ip")?,
            "created_at": rfc3339(i(r, "created_at")?),
            "last_seen_at": rfc3339(i(r, "last_seen_at")?),
            "expires_at": rfc3339(i(r, "expires_at")?),
            "methods": s(r, "amr")?,
        }))?;
    }
    w.end_array().await?;
    Ok(())
}

#[derive(Serialize)]
struct Revision {
    title: Option<String>,
    body: String,
    replaced_at: String,
    by_me: bool,
}

/// One page of the person's publications, with what belongs to each.
pub(super) struct PubRow {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub link_url: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub status: String,
    pub lang: String,
}

pub(super) async fn publications_page(w: &Writer<'_>, after: i64) -> anyhow::Result<Vec<PubRow>> {
    let rows = sqlx::query(
        "SELECT id, kind, title, body, body_html, link_url, created_at, updated_at, status, lang \
         FROM publications WHERE author_id = $1 AND id > $2 AND status <> 'deleted' ORDER BY id LIMIT $3",
    )
    .bind(w.user.id)
    .bind(after)
    .bind(PAGE)
    .fetch_all(&w.db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PubRow {
                id: i(r, "id")?,
                kind: s(r, "kind")?,
                title: s(r, "title")?,
                body: s(r, "body")?,
                body_html: s(r, "body_html")?,
                link_url: r.try_get("link_url")?,
                created_at: i(r, "created_at")?,
                updated_at: i(r, "updated_at")?,
                status: s(r, "status")?,
                lang: s(r, "lang")?,
            })
        })
        .collect()
}

/// `(key, row)` for every row of `sql` (which ends with `IN (…)` over the ids).
async fn grouped(w: &Writer<'_>, sql: &str, ids: &[i64]) -> anyhow::Result<Vec<AnyRow>> {
    let sql = format!("{sql} ({})", placeholders(1, ids.len()));
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(*id);
    }
    Ok(q.fetch_all(&w.db.pool).await?)
}

pub async fn publications(w: &mut Writer<'_>) -> anyhow::Result<()> {
    w.begin_array("publications")?;
    let mut after = 0;
    loop {
        let page = publications_page(w, after).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let ids: Vec<i64> = page.iter().map(|p| p.id).collect();
        let comms = grouped(
            w,
            "SELECT pc.publication_id, c.slug, c.name FROM publication_communities pc \
             JOIN communities c ON c.id = pc.community_id WHERE pc.publication_id IN",
            &ids,
        )
        .await?;
        let tags = grouped(
            w,
            "SELECT pt.publication_id, t.label FROM publication_tags pt \
             JOIN tags t ON t.id = pt.tag_id WHERE pt.publication_id IN",
            &ids,
        )
        .await?;
        let revs = grouped(
            w,
            "SELECT publication_id, editor_id, title, body, created_at FROM publication_revisions \
             WHERE publication_id IN",
            &ids,
        )
        .await?;
        let atts = grouped(
            w,
            "SELECT id, publication_id, file_name, content_type, size, created_at FROM attachments \
             WHERE publication_id IN",
            &ids,
        )
        .await?;
        for p in &page {
            let of = |rows: &[AnyRow]| -> Vec<AnyRow> {
                rows.iter()
                    .filter(|r| r.try_get::<i64, _>("publication_id").ok() == Some(p.id))
                    .cloned()
                    .collect()
            };
            let mut communities = Vec::new();
            for r in of(&comms) {
                let slug = s(&r, "slug")?;
                communities.push(json!({"slug": slug, "name": s(&r, "name")?, "url": abs(w, &urls::community(&slug))}));
            }
            let mut labels = Vec::new();
            for r in of(&tags) {
                labels.push(s(&r, "label")?);
            }
            labels.sort();
            let mut revisions = Vec::new();
            for r in of(&revs) {
                revisions.push(Revision {
                    title: Some(s(&r, "title")?),
                    body: s(&r, "body")?,
                    replaced_at: rfc3339(i(&r, "created_at")?),
                    by_me: oi(&r, "editor_id")? == Some(w.user.id),
                });
            }
            let mut attachments = Vec::new();
            for r in of(&atts) {
                let id = i(&r, "id")?;
                let name = s(&r, "file_name")?;
                attachments.push(json!({
                    "id": id,
                    "file_name": name,
                    "content_type": s(&r, "content_type")?,
                    "size": i(&r, "size")?,
                    "path": attachment_path(id, &name),
                    "url": abs(w, &urls::attachment(p.id, id)),
                }));
            }
            w.item(&json!({
                "id": p.id,
                "url": abs(w, &urls::publication(p.id)),
                "kind": p.kind,
                "title": p.title,
                "body": p.body,
                "body_html": p.body_html,
                "lang": p.lang,
                "link_url": p.link_url,
                "status": p.status,
                "created_at": rfc3339(p.created_at),
                "updated_at": rfc3339(p.updated_at),
                "communities": communities,
                "tags": labels,
                "revisions": revisions,
                "attachments": attachments,
            }))?;
        }
        w.pump().await?;
    }
    w.end_array().await?;
    Ok(())
}

pub(super) struct ReplyRow {
    pub id: i64,
    pub publication_id: i64,
    pub parent_id: Option<i64>,
    pub body: String,
    pub body_html: String,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(super) async fn replies_page(w: &Writer<'_>, after: i64) -> anyhow::Result<Vec<ReplyRow>> {
    let rows = sqlx::query(
        "SELECT id, publication_id, parent_id, body, body_html, status, created_at, updated_at \
         FROM replies WHERE author_id = $1 AND id > $2 AND status <> 'deleted' ORDER BY id LIMIT $3",
    )
    .bind(w.user.id)
    .bind(after)
    .bind(PAGE)
    .fetch_all(&w.db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ReplyRow {
                id: i(r, "id")?,
                publication_id: i(r, "publication_id")?,
                parent_id: oi(r, "parent_id")?,
                body: s(r, "body")?,
                body_html: s(r, "body_html")?,
                status: s(r, "status")?,
                created_at: i(r, "created_at")?,
                updated_at: i(r, "updated_at")?,
            })
        })
        .collect()
}

/// The person's replies (others' replies around them are not included:
/// the thread is referred to by its address).
pub async fn replies(w: &mut Writer<'_>) -> anyhow::Result<()> {
    w.begin_array("replies")?;
    let mut after = 0;
    loop {
        let page = replies_page(w, after).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let ids: Vec<i64> = page.iter().map(|r| r.id).collect();
        let revs = grouped(
            w,
            "SELECT reply_id, editor_id, body, created_at FROM reply_revisions WHERE reply_id IN",
            &ids,
        )
        .await?;
        for r in &page {
            let mut revisions = Vec::new();
            for v in revs
                .iter()
                .filter(|v| v.try_get::<i64, _>("reply_id").ok() == Some(r.id))
            {
                revisions.push(Revision {
                    title: None,
                    body: s(v, "body")?,
                    replaced_at: rfc3339(i(v, "created_at")?),
                    by_me: oi(v, "editor_id")? == Some(w.user.id),
                });
            }
            w.item(&json!({
                "id": r.id,
                "url": abs(w, &urls::reply(r.publication_id, r.id)),
                "publication": { "id": r.publication_id, "url": abs(w, &urls::publication(r.publication_id)) },
                "parent_reply_id": r.parent_id,
                "body": r.body,
                "body_html": r.body_html,
                "status": r.status,
                "created_at": rfc3339(r.created_at),
                "updated_at": rfc3339(r.updated_at),
                "revisions": revisions,
            }))?;
        }
        w.pump().await?;
    }
    w.end_array().await?;
    Ok(())
}

/// Rows of a small per-person table, one JSON item each, in pages.
async fn simple(
    w: &mut Writer<'_>,
    name: &str,
    sql: &str,
    to_json: impl Fn(&Writer<'_>, &AnyRow) -> anyhow::Result<Value>,
) -> anyhow::Result<()> {
    w.begin_array(name)?;
    let mut offset = 0;
    loop {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{sql} LIMIT $2 OFFSET $3")))
            .bind(w.user.id)
            .bind(PAGE)
            .bind(offset)
            .fetch_all(&w.db.pool)
            .await?;
        for r in &rows {
            let v = to_json(w, r)?;
            w.item(&v)?;
        }
        w.pump().await?;
        if (rows.len() as i64) < PAGE {
            break;
        }
        offset += PAGE;
    }
    w.end_array().await?;
    Ok(())
}

pub async fn follows(w: &mut Writer<'_>) -> anyhow::Result<()> {
    simple(
        w,
        "follows",
        "SELECT publication_id, created_at FROM follows WHERE user_id = $1 ORDER BY created_at, publication_id",
        |w, r| {
            let id = i(r, "publication_id")?;
            Ok(json!({"publication": {"id": id, "url": abs(w, &urls::publication(id))}, "since": rfc3339(i(r, "created_at")?)}))
        },
    )
    .await
}

pub async fn saved_searches(w: &mut Writer<'_>) -> anyhow::Result<()> {
    simple(
        w,
        "saved_searches",
        "SELECT name, params, created_at FROM saved_searches WHERE user_id = $1 ORDER BY id",
        |w, r| {
            let params = s(r, "params")?;
            Ok(json!({"name": s(r, "name")?, "query": params, "url": abs(w, &format!("/search?{params}")), "created_at": rfc3339(i(r, "created_at")?)}))
        },
    )
    .await
}

/// Kinds, dates and what they point to; not who acted (another person).
pub async fn notifications(w: &mut Writer<'_>) -> anyhow::Result<()> {
    simple(
        w,
        "notifications",
        "SELECT n.kind, n.created_at, n.read_at, n.emailed_at, n.publication_id, n.reply_id, c.slug \
         FROM notifications n LEFT JOIN communities c ON c.id = n.community_id \
         WHERE n.user_id = $1 ORDER BY n.id",
        |w, r| {
            let pid = oi(r, "publication_id")?;
            let slug: Option<String> = r.try_get("slug")?;
            Ok(json!({
                "kind": s(r, "kind")?,
                "created_at": rfc3339(i(r, "created_at")?),
                "read_at": opt_time(oi(r, "read_at")?),
                "emailed_at": opt_time(oi(r, "emailed_at")?),
                "publication_url": pid.map(|p| abs(w, &urls::publication(p))),
                "community_url": slug.map(|c| abs(w, &urls::community(&c))),
            }))
        },
    )
    .await
}

pub async fn api_tokens(w: &mut Writer<'_>) -> anyhow::Result<()> {
    simple(
        w,
        "api_tokens",
        "SELECT name, prefix, scope, created_at, last_used_at, expires_at, revoked_at FROM api_tokens \
         WHERE user_id = $1 ORDER BY id",
        |_, r| {
            Ok(json!({
                "name": s(r, "name")?,
                "prefix": s(r, "prefix")?,
                "scope": s(r, "scope")?,
                "created_at": rfc3339(i(r, "created_at")?),
                "last_used_at": opt_time(oi(r, "last_used_at")?),
                "expires_at": opt_time(oi(r, "expires_at")?),
                "revoked_at": opt_time(oi(r, "revoked_at")?),
            }))
        },
    )
    .await
}

/// Second factor and passkeys without their secrets, and the security
/// events of the audit log that concern this account.
pub async fn security(w: &mut Writer<'_>) -> anyhow::Result<()> {
    let db = w.db;
    let uid = w.user.id;
    let totp = sqlx::query("SELECT confirmed_at, created_at FROM totp_factors WHERE user_id = $1")
        .bind(uid)
        .fetch_optional(&db.pool)
        .await?;
    let codes_left: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(uid)
    .fetch_one(&db.pool)
    .await?;
    let mut passkeys = Vec::new();
    for r in sqlx::query(
        "SELECT name, alg, transports, backup_eligible, created_at, last_used_at FROM passkeys \
         WHERE user_id = $1 ORDER BY id",
    )
    .bind(uid)
    .fetch_all(&db.pool)
    .await?
    {
        passkeys.push(json!({
            "name": s(&r, "name")?,
            "algorithm": i(&r, "alg")?,
            "transports": s(&r, "transports")?,
            "synced": i(&r, "backup_eligible")? == 1,
            "created_at": rfc3339(i(&r, "created_at")?),
            "last_used_at": opt_time(oi(&r, "last_used_at")?),
        }));
    }
    let mut events = Vec::new();
    for r in sqlx::query(
        "SELECT action, detail, actor_id, created_at FROM audit_log WHERE target_user_id = $1 \
         ORDER BY id DESC LIMIT 5000",
    )
    .bind(uid)
    .fetch_all(&db.pool)
    .await?
    {
        events.push(json!({
            "action": s(&r, "action")?,
            "detail": s(&r, "detail")?,
            "by_me": oi(&r, "actor_id")? == Some(uid),
            "at": rfc3339(i(&r, "created_at")?),
        }));
    }
    let mut totp_json = Value::Null;
    if let Some(r) = totp {
        totp_json = json!({
            "confirmed_at": opt_time(oi(&r, "confirmed_at")?),
            "created_at": rfc3339(i(&r, "created_at")?),
        });
    }
    let n = passkeys.len() + events.len();
    let v = json!({
        "totp": totp_json,
        "recovery_codes_left": codes_left,
        "passkeys": passkeys,
        "events": events,
    });
    w.json("security", &v, n as i64).await
}

/// Tools (OpenID Connect clients) the person allowed, and their sign-ins.
pub async fn tools(w: &mut Writer<'_>) -> anyhow::Result<()> {
    simple(
        w,
        "tools",
        "SELECT c.name, c.client_id, k.scopes, k.created_at, k.updated_at FROM oidc_consents k \
         JOIN oidc_clients c ON c.id = k.client_id WHERE k.user_id = $1 ORDER BY k.created_at, c.id",
        |_, r| {
            Ok(json!({
                "tool": s(r, "name")?,
                "client_id": s(r, "client_id")?,
                "scopes": s(r, "scopes")?,
                "consented_at": rfc3339(i(r, "created_at")?),
                "updated_at": rfc3339(i(r, "updated_at")?),
            }))
        },
    )
    .await
}

pub async fn organisations(w: &mut Writer<'_>) -> anyhow::Result<()> {
    simple(
        w,
        "organisations",
        "SELECT o.slug, o.name, o.status, o.visibility, o.created_by, o.created_at, m.role \
         FROM organisations o LEFT JOIN organisation_members m ON m.organisation_id = o.id AND m.user_id = $1 \
         WHERE o.created_by = $1 OR m.user_id IS NOT NULL ORDER BY o.id",
        |w, r| {
            let slug = s(r, "slug")?;
            let role: Option<String> = r.try_get("role")?;
            Ok(json!({
                "slug": slug,
                "name": s(r, "name")?,
                "url": abs(w, &urls::organisation(&slug)),
                "status": s(r, "status")?,
                "visibility": s(r, "visibility")?,
                "created_by_me": oi(r, "created_by")? == Some(w.user.id),
                "role": role,
                "created_at": rfc3339(i(r, "created_at")?),
            }))
        },
    )
    .await
}

pub async fn initiatives(w: &mut Writer<'_>) -> anyhow::Result<()> {
    simple(
        w,
        "initiatives",
        "SELECT slug, name, status, created_at FROM initiatives WHERE proposed_by = $1 ORDER BY id",
        |w, r| {
            let slug = s(r, "slug")?;
            Ok(json!({
                "slug": slug,
                "name": s(r, "name")?,
                "url": abs(w, &urls::initiative(&slug)),
                "status": s(r, "status")?,
                "created_at": rfc3339(i(r, "created_at")?),
            }))
        },
    )
    .await
}

/// The bytes of the files attached to the person's publications, one row
/// in memory at a time.
pub async fn attachment_files(w: &mut Writer<'_>) -> anyhow::Result<()> {
    let mut after = 0;
    loop {
        let row = sqlx::query(
            "SELECT a.id, a.file_name, a.bytes FROM attachments a JOIN publications p ON p.id = a.publication_id \
             WHERE p.author_id = $1 AND p.status <> 'deleted' AND a.id > $2 ORDER BY a.id LIMIT 1",
        )
        .bind(w.user.id)
        .bind(after)
        .fetch_optional(&w.db.pool)
        .await?;
        let Some(r) = row else { break };
        after = i(&r, "id")?;
        let bytes: Vec<u8> = r.try_get("bytes")?;
        let path = attachment_path(after, &s(&r, "file_name")?);
        w.file(&path, &bytes).await?;
    }
    Ok(())
}

/// An ActivityStreams 2.0 `OrderedCollection` of `Create` activities, one
/// per publication and reply, as Mastodon's own archive lays out its
/// outbox. Audiences are not claimed (`to` lists nobody): the archive is
/// the person's copy, not a federation message.
pub async fn outbox(w: &mut Writer<'_>) -> anyhow::Result<()> {
    let actor = abs(w, &urls::user(&w.user.username));
    w.begin_text("outbox.json")?;
    w.text(&format!(
        "{{\"@context\": \"https://www.w3.org/ns/activitystreams\",\n\"id\": {},\n\"type\": \"OrderedCollection\",\n\"orderedItems\": [",
        serde_json::to_string(&format!("{actor}/outbox"))?
    ))?;
    let mut n = 0i64;
    let mut after = 0;
    loop {
        let page = publications_page(w, after).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for p in &page {
            let id = abs(w, &urls::publication(p.id));
            let mut object = json!({
                "id": id,
                "type": if p.kind == "watch" { "Page" } else { "Article" },
                "name": p.title,
                "content": p.body_html,
                "mediaType": "text/html",
                "source": {"content": p.body, "mediaType": "text/markdown"},
                "attributedTo": actor,
                "published": rfc3339(p.created_at),
                "updated": rfc3339(p.updated_at),
                "contentMap": {p.lang.clone(): p.body_html},
            });
            if let Some(link) = &p.link_url {
                object["url"] = json!(link);
            }
            let act = json!({"id": format!("{id}#create"), "type": "Create", "actor": actor, "published": rfc3339(p.created_at), "object": object});
            w.text(if n == 0 { "\n" } else { ",\n" })?;
            w.text(&serde_json::to_string(&act)?)?;
            n += 1;
        }
        w.pump().await?;
    }
    let mut after = 0;
    loop {
        let page = replies_page(w, after).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for r in &page {
            let id = abs(w, &urls::reply(r.publication_id, r.id));
            let in_reply_to = match r.parent_id {
                Some(p) => abs(w, &urls::reply(r.publication_id, p)),
                None => abs(w, &urls::publication(r.publication_id)),
            };
            let act = json!({"id": format!("{id}#create"), "type": "Create", "actor": actor, "published": rfc3339(r.created_at), "object": {
                "id": id, "type": "Note", "content": r.body_html, "mediaType": "text/html",
                "source": {"content": r.body, "mediaType": "text/markdown"},
                "attributedTo": actor, "inReplyTo": in_reply_to,
                "published": rfc3339(r.created_at), "updated": rfc3339(r.updated_at),
            }});
            w.text(if n == 0 { "\n" } else { ",\n" })?;
            w.text(&serde_json::to_string(&act)?)?;
            n += 1;
        }
        w.pump().await?;
    }
    w.text(&format!("\n],\n\"totalItems\": {n}\n}}\n"))?;
    w.add_section("outbox", "outbox.json", n);
    w.pump().await
}
