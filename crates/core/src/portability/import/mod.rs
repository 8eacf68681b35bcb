//! Writing a [`Bundle`] into this instance: people, then communities with
//! their members, publications with their replies, events, wiki pages and
//! files, each item in its own transaction together with its ledger line
//! (`import_items`), so the import is idempotent and resumable. A dry run
//! does the same work in one transaction that is rolled back at the end
//! (file bytes are checked, not stored), so its report is the real one.
//!
//! Each item's old addresses (`aliases`) are recorded in its transaction;
//! `history.rs` writes revisions and attachments, `links.rs` rewrites the
//! links of imported texts that point to the origin, at the end of a run.

mod history;
mod links;
mod space;

use space::{file, wiki};

use std::collections::HashMap;

use sqlx::{Any, Transaction};

use super::aliases::record_in;
use super::{Bundle, Line, Outcome, Report};
use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::db::{Db, now};
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::publications::REPLY_LEVELS;
use crate::search::{Source, index_one};
use crate::state::AppState;

type Tx = Transaction<'static, Any>;

/// The bytes of a file named in the bundle, by its SHA-256.
pub type Blobs<'a> = &'a (dyn Fn(&str) -> Option<Vec<u8>> + Sync);

/// Where each origin id landed, for the references of later items, and
/// the origin's host (the key of its old addresses).
#[derive(Default)]
struct Maps {
    users: HashMap<String, i64>,
    communities: HashMap<String, i64>,
    wiki: HashMap<String, i64>,
    host: String,
    /// A Passerelles archive: items without `aliases` get the paths
    /// Passerelles gives them (archives of version 1).
    passerelles: bool,
}

/// The host of the origin: its `origin` URL, else the host a Passerelles
/// source names ("passerelles:old.example/atelier").
pub fn origin_host(bundle: &Bundle) -> String {
    if let Some(h) = bundle
        .origin
        .as_deref()
        .map(super::aliases::host_of)
        .filter(|h| !h.is_empty())
    {
        return h;
    }
    bundle
        .source
        .strip_prefix("passerelles:")
        .and_then(|r| r.split('/').next())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// The old paths of an item: those the bundle gives, else (Passerelles
/// archives of version 1) the ones Passerelles gives it.
fn paths(maps: &Maps, given: &[String], default: impl FnOnce() -> Vec<String>) -> Vec<String> {
    if !given.is_empty() {
        given.to_vec()
    } else if maps.passerelles {
        default()
    } else {
        Vec::new()
    }
}

/// Record the old paths of an item that is here now.
async fn remember(
    tx: &mut Tx,
    src: &str,
    maps: &Maps,
    kind: &str,
    paths: &[String],
    outcome: &Outcome,
) -> Result<(), sqlx::Error> {
    if let Outcome::Imported(id) | Outcome::Linked(id) | Outcome::Unchanged(id) = outcome {
        for p in paths {
            record_in(&mut **tx, src, &maps.host, p, kind, *id).await?;
        }
    }
    Ok(())
}

/// The local id an origin item became, read in `e` (the import's
/// transaction, or the pool).
async fn lookup<'e, E>(
    e: E,
    source: &str,
    kind: &str,
    external_id: &str,
) -> Result<Option<i64>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_scalar(
        "SELECT local_id FROM import_items WHERE source = $1 AND kind = $2 AND external_id = $3",
    )
    .bind(source)
    .bind(kind)
    .bind(external_id)
    .fetch_optional(e)
    .await
}

pub async fn mapped(
    tx: &mut Tx,
    source: &str,
    kind: &str,
    external_id: &str,
) -> Result<Option<i64>, sqlx::Error> {
    lookup(&mut **tx, source, kind, external_id).await
}

async fn record(
    tx: &mut Tx,
    source: &str,
    kind: &str,
    external_id: &str,
    local_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO import_items (source, kind, external_id, local_id, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(source)
    .bind(kind)
    .bind(external_id)
    .bind(local_id)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The local id an origin item became (for redirects of old links).
pub async fn local_id(
    db: &Db,
    source: &str,
    kind: &str,
    external_id: &str,
) -> Result<Option<i64>, sqlx::Error> {
    lookup(&db.pool, source, kind, external_id).await
}

/// Run one step: in the dry run's transaction, or in its own committed one;
/// `then` runs in the same transaction with the step's outcome as `$o`.
macro_rules! step {
    ($dry:expr, $db:expr, $tx:ident => $body:expr) => {{
        match $dry.as_mut() {
            Some($tx) => $body.await?,
            None => {
                let mut owned = $db.begin().await?;
                let $tx = &mut owned;
                let out = $body.await?;
                owned.commit().await?;
                out
            }
        }
    }};
    ($dry:expr, $db:expr, $tx:ident, $o:ident => $body:expr; then $after:expr) => {{
        match $dry.as_mut() {
            Some($tx) => {
                let $o = $body.await?;
                $after.await?;
                $o
            }
            None => {
                let mut owned = $db.begin().await?;
                let $tx = &mut owned;
                let $o = $body.await?;
                $after.await?;
                owned.commit().await?;
                $o
            }
        }
    }};
}

/// Import a bundle (administrators and the command line). `progress` is
/// called with (items done, items in all).
pub async fn run(
    state: &AppState,
    actor: &Actor,
    bundle: &Bundle,
    blobs: Blobs<'_>,
    dry_run: bool,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> AppResult<Report> {
    run_recorded(state, actor, bundle, blobs, dry_run, None, progress).await
}

/// Write how far a recorded run got, every few items.
async fn note(db: &Db, run_id: Option<i64>, done: usize, total: usize) {
    if let Some(id) = run_id {
        if done % 25 == 0 || done == total {
            if let Err(e) = super::runs::progress(db, id, done).await {
                tracing::warn!(error = %e, "import run progress");
            }
        }
    }
}

/// [`run`], its progress written on the run `run_id` of `import_runs`
/// (`portability::runs`; the caller finishes it with the report).
pub async fn run_recorded(
    state: &AppState,
    actor: &Actor,
    bundle: &Bundle,
    blobs: Blobs<'_>,
    dry_run: bool,
    run_id: Option<i64>,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> AppResult<Report> {
    if !actor.may(Action::Administer) {
        return Err(AppError::Forbidden);
    }
    if bundle.format != super::FORMAT || bundle.version > super::VERSION {
        return Err(AppError::Conflict {
            code: "unsupported-bundle",
            message_key: "import-unsupported",
        });
    }
    let db = &state.db;
    let src = bundle.source.as_str();
    let total = bundle.users.len()
        + bundle.communities.len()
        + bundle.publications.len()
        + bundle.events.len()
        + bundle.wiki.len()
        + bundle.files.len()
        + bundle
            .publications
            .iter()
            .map(|p| p.attachments.len())
            .sum::<usize>();
    if let Some(id) = run_id {
        super::runs::running(db, id, src, bundle.origin.as_deref().unwrap_or(""), total).await?;
    }
    // A dry run holds its transaction to the end: on SQLite another
    // connection's write would wait for it, so its progress is not noted.
    let noted = run_id.filter(|_| !dry_run);
    let mut done = 0;
    let mut report = Report {
        lines: Vec::with_capacity(total),
        dry_run,
    };
    let mut maps = Maps {
        host: origin_host(bundle),
        passerelles: src.starts_with("passerelles:"),
        ..Maps::default()
    };
    let old_slug: HashMap<&str, &str> = bundle
        .communities
        .iter()
        .map(|c| (c.id.as_str(), c.slug.as_str()))
        .collect();
    let mut dry: Option<Tx> = if dry_run {
        Some(db.begin().await?)
    } else {
        None
    };
    let store = crate::library::storage::for_config(&state.config);

    for u in &bundle.users {
        let old = paths(&maps, &u.aliases, || vec![crate::urls::user(&u.username)]);
        let o = step!(dry, db, tx, o => user(tx, db, src, u);
            then remember(tx, src, &maps, "user", &old, &o));
        if let Outcome::Imported(id) | Outcome::Linked(id) | Outcome::Unchanged(id) = o {
            maps.users.insert(u.id.clone(), id);
        }
        report.lines.push(line("user", &u.id, &u.username, o));
        done += 1;
        progress(done, total);
        note(db, noted, done, total).await;
    }
    for c in &bundle.communities {
        let old = paths(&maps, &c.aliases, || vec![crate::urls::community(&c.slug)]);
        let o = step!(dry, db, tx, o => community(tx, db, src, c, &maps);
            then remember(tx, src, &maps, "community", &old, &o));
        if let Outcome::Imported(id) | Outcome::Unchanged(id) = o {
            maps.communities.insert(c.id.clone(), id);
        }
        report.lines.push(line("community", &c.id, &c.slug, o));
        done += 1;
        progress(done, total);
        note(db, noted, done, total).await;
    }
    for p in &bundle.publications {
        let old = paths(&maps, &p.aliases, || {
            vec![crate::urls::publication(p.id.parse().unwrap_or(0))]
        });
        let (o, replies) = step!(dry, db, tx, o => publication(tx, db, src, p, &maps);
            then remember(tx, src, &maps, "publication", &old, &o.0));
        report.lines.push(line("publication", &p.id, &p.title, o));
        report.lines.extend(replies);
        done += 1;
        progress(done, total);
        note(db, noted, done, total).await;
    }
    for e in &bundle.events {
        let old = paths(&maps, &e.aliases, || {
            vec![crate::urls::event(e.id.parse().unwrap_or(0))]
        });
        let o = step!(dry, db, tx, o => event(tx, db, src, e, &maps);
            then remember(tx, src, &maps, "event", &old, &o));
        report.lines.push(line("event", &e.id, &e.title, o));
        done += 1;
        progress(done, total);
        note(db, noted, done, total).await;
    }
    for w in &bundle.wiki {
        let old = paths(&maps, &w.aliases, || {
            let c = old_slug.get(w.community.as_str()).copied().unwrap_or("");
            vec![crate::urls::wiki_page(c, &w.slug)]
        });
        let o = step!(dry, db, tx, o => wiki(tx, src, w, &maps);
            then remember(tx, src, &maps, "wiki", &old, &o));
        if let Outcome::Imported(id) | Outcome::Unchanged(id) = o {
            maps.wiki.insert(w.id.clone(), id);
        }
        report.lines.push(line("wiki", &w.id, &w.title, o));
        done += 1;
        progress(done, total);
        note(db, noted, done, total).await;
    }
    for f in &bundle.files {
        let o = match blobs(&f.sha256) {
            None => Outcome::Skipped("its bytes are missing from the archive".into()),
            Some(bytes) if crate::library::storage::sha256_hex(&bytes) != f.sha256 => {
                Outcome::Skipped("its bytes do not match their SHA-256".into())
            }
            Some(bytes) => {
                let store = (!dry_run).then(|| store.clone());
                let old = paths(&maps, &f.aliases, || {
                    let c = old_slug.get(f.community.as_str()).copied().unwrap_or("");
                    vec![crate::urls::space_file(c, f.id.parse().unwrap_or(0))]
                });
                step!(dry, db, tx, o => file(tx, src, f, &maps, bytes, store);
                    then remember(tx, src, &maps, "file", &old, &o))
            }
        };
        report.lines.push(line("file", &f.id, &f.name, o));
        done += 1;
        progress(done, total);
        note(db, noted, done, total).await;
    }
    for p in &bundle.publications {
        if p.attachments.is_empty() {
            continue;
        }
        let pid = match dry.as_mut() {
            Some(tx) => mapped(tx, src, "publication", &p.id).await?,
            None => local_id(db, src, "publication", &p.id).await?,
        };
        for a in &p.attachments {
            let o = match (pid, blobs(&a.sha256)) {
                (None, _) => Outcome::Skipped("its publication was not imported".into()),
                (_, None) => Outcome::Skipped("its bytes are missing from the archive".into()),
                (Some(_), Some(bytes))
                    if crate::library::storage::sha256_hex(&bytes) != a.sha256 =>
                {
                    Outcome::Skipped("its bytes do not match their SHA-256".into())
                }
                (Some(pid), Some(bytes)) => {
                    let old = paths(&maps, &[], || {
                        vec![crate::urls::attachment(
                            p.id.parse().unwrap_or(0),
                            a.id.parse().unwrap_or(0),
                        )]
                    });
                    step!(dry, db, tx, o => history::attachment(tx, src, pid, a, &maps, bytes);
                        then remember(tx, src, &maps, "attachment", &old, &o))
                }
            };
            report.lines.push(line("attachment", &a.id, &a.name, o));
            done += 1;
            progress(done, total);
            note(db, noted, done, total).await;
        }
    }
    // Links to the origin in what was written, now that every item has
    // its place here.
    step!(dry, db, tx => links::rewrite(tx, db, state, bundle, &maps));

    let summary = format!(
        "{src}: {} imported, {} unchanged, {} skipped",
        report.imported(),
        report.unchanged(),
        report.skipped()
    );
    match dry {
        Some(tx) => tx.rollback().await?,
        None => {
            let mut tx = db.begin().await?;
            audit_in(&mut tx, actor, "import_run", None, &summary).await?;
            tx.commit().await?;
            crate::search::optimize(db).await.ok();
        }
    }
    Ok(report)
}

fn line(kind: &'static str, id: &str, label: &str, outcome: Outcome) -> Line {
    let label: String = label.chars().take(60).collect();
    Line {
        kind,
        external_id: id.to_string(),
        label,
        outcome,
    }
}

/// A username valid here from one of elsewhere: letters, digits, `_-.`.
fn clean_username(raw: &str) -> Option<String> {
    if let Ok(n) = crate::username::validate(raw) {
        return Some(n);
    }
    let cleaned: String = raw
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let cleaned = cleaned.trim_start_matches(['_', '-', '.']).to_string();
    // A reserved name ("admin") with a suffix is an ordinary one.
    crate::username::validate(&cleaned)
        .or_else(|_| crate::username::validate(&format!("{cleaned}-2")))
        .ok()
}

async fn taken(tx: &mut Tx, sql: &str, a: &str, b: Option<i64>) -> Result<bool, sqlx::Error> {
    let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string())).bind(a);
    if let Some(b) = b {
        q = q.bind(b);
    }
    Ok(q.fetch_optional(&mut **tx).await?.is_some())
}

/// `base`, or `base-2`, `base-3`… whichever is free.
async fn free(tx: &mut Tx, sql: &str, base: &str, scope: Option<i64>) -> anyhow::Result<String> {
    if !taken(tx, sql, base, scope).await? {
        return Ok(base.to_string());
    }
    for n in 2..1000 {
        let candidate = format!("{base}-{n}");
        if !taken(tx, sql, &candidate, scope).await? {
            return Ok(candidate);
        }
    }
    anyhow::bail!("no free name near {base}")
}

async fn user(tx: &mut Tx, db: &Db, src: &str, u: &super::User) -> anyhow::Result<Outcome> {
    if let Some(id) = mapped(tx, src, "user", &u.id).await? {
        return Ok(Outcome::Unchanged(id));
    }
    let Some(name) = clean_username(&u.username) else {
        return Ok(Outcome::Skipped(format!(
            "the username {:?} cannot be used here",
            u.username
        )));
    };
    let email = u
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| e.contains('@'));
    if let Some(e) = email {
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email_key = $1")
            .bind(crate::accounts::email_key(e))
            .fetch_optional(&mut **tx)
            .await?;
        if let Some(id) = existing {
            record(tx, src, "user", &u.id, id).await?;
            return Ok(Outcome::Linked(id));
        }
    }
    // A name already taken here belongs to someone else: the newcomer gets
    // the next free one (the report says which).
    let mut key = crate::username::canonical(&name);
    let mut name = name;
    if taken(
        tx,
        "SELECT id FROM users WHERE username_key = $1",
        &key,
        None,
    )
    .await?
    {
        let mut n = 2;
        loop {
            let candidate = format!("{name}-{n}");
            key = crate::username::canonical(&candidate);
            if !taken(
                tx,
                "SELECT id FROM users WHERE username_key = $1",
                &key,
                None,
            )
            .await?
            {
                name = candidate;
                break;
            }
            n += 1;
            anyhow::ensure!(n < 1000, "no free username near {name}");
        }
    }
    let locale = match u.locale.as_deref() {
        Some(l) if l.starts_with("en") => "en",
        _ => "fr-CA",
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, username_key, username_skeleton, email, email_key, email_verified, \
         display_name, bio, locale, status, registration_note, created_at, findable, federation_opt_out) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', $10, $11, $12, $13) RETURNING id",
    )
    .bind(&name)
    .bind(&key)
    .bind(crate::username::skeleton(&name))
    .bind(email)
    .bind(email.map(crate::accounts::email_key))
    .bind(i64::from(email.is_some()))
    .bind(u.display_name.chars().take(100).collect::<String>())
    .bind(&u.bio)
    .bind(locale)
    .bind(format!("imported from {src}"))
    .bind(u.created_at)
    .bind(i64::from(u.consents.findable))
    .bind(i64::from(u.consents.federation_opt_out))
    .fetch_one(&mut **tx)
    .await?;
    record(tx, src, "user", &u.id, id).await?;
    index_one(tx, db.backend, Source::Members, id).await?;
    Ok(Outcome::Imported(id))
}

async fn community(
    tx: &mut Tx,
    db: &Db,
    src: &str,
    c: &super::Community,
    maps: &Maps,
) -> anyhow::Result<Outcome> {
    if let Some(id) = mapped(tx, src, "community", &c.id).await? {
        return Ok(Outcome::Unchanged(id));
    }
    if !matches!(c.visibility.as_str(), "open" | "private" | "unlisted") {
        return Ok(Outcome::Skipped(format!(
            "unknown visibility {:?}",
            c.visibility
        )));
    }
    if !matches!(c.join_policy.as_str(), "open" | "request" | "invitation") {
        return Ok(Outcome::Skipped(format!(
            "unknown join policy {:?}",
            c.join_policy
        )));
    }
    if c.name.trim().is_empty() {
        return Ok(Outcome::Skipped("it has no name".into()));
    }
    let base = {
        let s = crate::communities::slugify(&c.slug);
        if s.is_empty() {
            crate::communities::slugify(&c.name)
        } else {
            s
        }
    };
    let slug = free(
        tx,
        "SELECT id FROM communities WHERE slug = $1",
        &base,
        None,
    )
    .await?;
    let owner = c
        .members
        .iter()
        .find(|m| m.role == "owner")
        .and_then(|m| maps.users.get(&m.user).copied());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO communities (slug, name, description, charter, welcome, theme, visibility, join_policy, \
         status, created_by, created_at, last_activity_at, inner_activity_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $10, $10, $10) RETURNING id",
    )
    .bind(&slug)
    .bind(c.name.trim())
    .bind(&c.description)
    .bind(&c.charter)
    .bind(&c.welcome)
    .bind(&c.theme)
    .bind(&c.visibility)
    .bind(&c.join_policy)
    .bind(owner)
    .bind(c.created_at)
    .fetch_one(&mut **tx)
    .await?;
    for m in &c.members {
        let Some(uid) = maps.users.get(&m.user) else {
            continue;
        };
        let role = if matches!(m.role.as_str(), "owner" | "animator" | "moderator") {
            m.role.as_str()
        } else {
            "member"
        };
        let state = if matches!(m.state.as_str(), "requested" | "banned") {
            m.state.as_str()
        } else {
            "active"
        };
        sqlx::query(
            "INSERT INTO memberships (community_id, user_id, role, state, welcomed, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 1, $5, $5) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(uid)
        .bind(role)
        .bind(state)
        .bind(m.joined_at)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query(
        "UPDATE communities SET member_count = (SELECT COUNT(*) FROM memberships m \
         WHERE m.community_id = $1 AND m.state = 'active') WHERE id = $1",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    record(tx, src, "community", &c.id, id).await?;
    index_one(tx, db.backend, Source::Communities, id).await?;
    Ok(Outcome::Imported(id))
}

fn reply_paths(maps: &Maps, p: &super::Publication, r: &super::Reply) -> Vec<String> {
    paths(maps, &r.aliases, || {
        vec![format!(
            "{}?reply={}",
            crate::urls::publication(p.id.parse().unwrap_or(0)),
            r.id
        )]
    })
}

async fn publication(
    tx: &mut Tx,
    db: &Db,
    src: &str,
    p: &super::Publication,
    maps: &Maps,
) -> anyhow::Result<(Outcome, Vec<Line>)> {
    let mut lines = Vec::new();
    let existing = mapped(tx, src, "publication", &p.id).await?;
    let communities: Vec<i64> = p
        .communities
        .iter()
        .filter_map(|c| maps.communities.get(c).copied())
        .collect();
    let pid = match existing {
        Some(id) => id,
        None => {
            if communities.is_empty() {
                let why = "none of its communities was imported".to_string();
                return Ok((Outcome::Skipped(why), lines));
            }
            if p.title.trim().is_empty() {
                return Ok((Outcome::Skipped("it has no title".into()), lines));
            }
            let mut kind = p.kind.as_str();
            if !matches!(kind, "discussion" | "question" | "watch") {
                kind = "discussion";
            }
            let link = p
                .link_url
                .as_deref()
                .and_then(|u| crate::preview::normalize_url(u).ok().map(|k| (u, k)));
            if kind == "watch" && link.is_none() {
                kind = "discussion";
            }
            let status = if matches!(p.status.as_str(), "hidden" | "removed" | "deleted") {
                p.status.as_str()
            } else {
                "visible"
            };
            let title: String = p.title.trim().chars().take(200).collect();
            let html = crate::markdown::render(&p.body).html;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO publications (kind, title, body, body_html, lang, author_id, link_url, link_key, \
                 status, created_at, updated_at, last_activity_at, public_key) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, $12) RETURNING id",
            )
            .bind(kind)
            .bind(&title)
            .bind(&p.body)
            .bind(&html)
            .bind(p.lang.as_deref().unwrap_or("fr"))
            .bind(p.author.as_ref().and_then(|a| maps.users.get(a).copied()))
            .bind(link.as_ref().map(|l| l.0))
            .bind(link.as_ref().map(|l| l.1.clone()))
            .bind(status)
            .bind(p.created_at)
            .bind(p.updated_at.max(p.created_at))
            .bind(crate::publications::new_public_key())
            .fetch_one(&mut **tx)
            .await?;
            for cid in &communities {
                sqlx::query(
                    "INSERT INTO publication_communities (publication_id, community_id, added_by, added_at) \
                     VALUES ($1, $2, NULL, $3)",
                )
                .bind(id)
                .bind(cid)
                .bind(p.created_at)
                .execute(&mut **tx)
                .await?;
            }
            let mut tags = Vec::new();
            for t in &p.tags {
                if let Ok(mut parsed) = crate::publications::parse_tags(t) {
                    tags.append(&mut parsed);
                }
            }
            tags.dedup_by(|a, b| a.name == b.name);
            crate::publications::set_tags(tx, id, &tags).await?;
            history::publication_revisions(tx, id, &p.revisions, maps).await?;
            record(tx, src, "publication", &p.id, id).await?;
            id
        }
    };

    // Replies: new ones are added even to a publication imported before
    // (the origin may have grown since).
    let mut ids: HashMap<&str, (i64, i64)> = HashMap::new();
    let mut latest = None;
    for r in &p.replies {
        let label = crate::markdown::excerpt(&r.body, 40);
        if let Some(id) = mapped(tx, src, "reply", &r.id).await? {
            let depth: i64 = sqlx::query_scalar("SELECT depth FROM replies WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?
                .unwrap_or(0);
            ids.insert(&r.id, (id, depth));
            let o = Outcome::Unchanged(id);
            remember(tx, src, maps, "reply", &reply_paths(maps, p, r), &o).await?;
            lines.push(line("reply", &r.id, &label, o));
            continue;
        }
        if r.body.trim().is_empty() {
            lines.push(line(
                "reply",
                &r.id,
                "",
                Outcome::Skipped("it is empty".into()),
            ));
            continue;
        }
        let parent = r.parent.as_deref().and_then(|x| ids.get(x).copied());
        let depth = parent
            .map(|(_, d)| (d + 1).min(REPLY_LEVELS - 1))
            .unwrap_or(0);
        let status = if matches!(r.status.as_str(), "hidden" | "removed" | "deleted") {
            r.status.as_str()
        } else {
            "visible"
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO replies (publication_id, parent_id, depth, author_id, body, body_html, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(pid)
        .bind(parent.map(|(id, _)| id))
        .bind(depth)
        .bind(r.author.as_ref().and_then(|a| maps.users.get(a).copied()))
        .bind(&r.body)
        .bind(crate::markdown::render(&r.body).html)
        .bind(status)
        .bind(r.created_at)
        .fetch_one(&mut **tx)
        .await?;
        record(tx, src, "reply", &r.id, id).await?;
        history::reply_revisions(tx, id, &r.revisions, maps).await?;
        index_one(tx, db.backend, Source::Replies, id).await?;
        ids.insert(&r.id, (id, depth));
        latest = latest.max(Some(r.created_at));
        let o = Outcome::Imported(id);
        remember(tx, src, maps, "reply", &reply_paths(maps, p, r), &o).await?;
        lines.push(line("reply", &r.id, &label, o));
    }
    if existing.is_none() || latest.is_some() {
        let activity = latest.unwrap_or(p.created_at).max(p.created_at);
        crate::publications::recount_replies(tx, pid, Some(activity)).await?;
        crate::publications::touch_communities(tx, &communities, activity).await?;
        index_one(tx, db.backend, Source::Publications, pid).await?;
    }
    let outcome = match existing {
        Some(id) => Outcome::Unchanged(id),
        None => Outcome::Imported(pid),
    };
    Ok((outcome, lines))
}

async fn event(
    tx: &mut Tx,
    db: &Db,
    src: &str,
    e: &super::Event,
    maps: &Maps,
) -> anyhow::Result<Outcome> {
    if let Some(id) = mapped(tx, src, "event", &e.id).await? {
        return Ok(Outcome::Unchanged(id));
    }
    let communities: Vec<i64> = e
        .communities
        .iter()
        .filter_map(|c| maps.communities.get(c).copied())
        .collect();
    if communities.is_empty() {
        return Ok(Outcome::Skipped(
            "none of its communities was imported".into(),
        ));
    }
    if e.title.trim().is_empty() || chrono_tz_ok(&e.tz).is_none() {
        return Ok(Outcome::Skipped("no title or an unknown time zone".into()));
    }
    let mut tags = Vec::new();
    for t in &e.tags {
        if let Ok(mut parsed) = crate::publications::parse_tags(t) {
            tags.append(&mut parsed);
        }
    }
    let checked = crate::events::Checked {
        title: e.title.clone(),
        description: e.description.clone(),
        description_html: crate::markdown::render(&e.description).html,
        tz: e.tz.clone(),
        start_local: e.start_local.clone(),
        end_local: e.end_local.clone(),
        all_day: e.all_day,
        starts_at: e.starts_at,
        ends_at: e.ends_at,
        rrule: e.rrule.clone(),
        exdates: e.exdates.clone(),
        series_ends_at: e.series_ends_at,
        place_kind: if matches!(e.place_kind.as_str(), "online" | "hybrid") {
            e.place_kind.clone()
        } else {
            "address".into()
        },
        address: e.address.clone(),
        online_url: e.online_url.clone(),
        online_private: e.online_private,
        price: e.price.clone(),
        questions: e.questions.clone(),
        territory_id: None,
        organisation_id: None,
        contact: e.contact.clone(),
        capacity: e.capacity,
        tags,
    };
    let uid = if e.uid.is_empty()
        || taken(tx, "SELECT id FROM events WHERE uid = $1", &e.uid, None).await?
    {
        format!(
            "import-{}@passerelles",
            &crate::library::storage::sha256_hex(format!("{src}\n{}", e.id).as_bytes())[..24]
        )
    } else {
        e.uid.clone()
    };
    let organiser = e
        .organiser
        .as_ref()
        .and_then(|o| maps.users.get(o).copied());
    let id = crate::events::ops::insert_in(tx, &uid, &checked, organiser, &communities).await?;
    sqlx::query("UPDATE events SET created_at = $1, updated_at = $1 WHERE id = $2")
        .bind(e.created_at)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    record(tx, src, "event", &e.id, id).await?;
    index_one(tx, db.backend, Source::Events, id).await?;
    Ok(Outcome::Imported(id))
}

fn chrono_tz_ok(tz: &str) -> Option<chrono_tz::Tz> {
    tz.parse().ok()
}
