//! A community's archive (its owner, or the instance): `community.json`
//! (a [`Bundle`], schema `docs/community-export/schema-v1.json`) and
//! `files/<sha256>` for the files of its space, in a zip written as it goes
//! (`data_rights::zip::ZipStream`), so a large space is never held whole.
//!
//! What goes in: the community's settings; its active members (and pending
//! requests, bans) with their consent flags but never their e-mail
//! addresses; the publications shared into it that are not deleted, with
//! their replies (deleted ones left out), tags, moderation state, earlier
//! versions and attachments; its events; its wiki pages (current text);
//! its files (every version). Every item carries the paths it has here
//! (`aliases`), which the importing instance redirects to its new pages.
//! People of other instances are left out (their copies live there).
//! Attachments and space files are written as `files/<sha256>`, each
//! once, one at a time.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;

use sqlx::Row;

use super::{
    Attachment, Bundle, Community, Consents, Event, File, Member, Publication, Reply, Revision,
    User, WikiPage, WikiRevision,
};
use crate::actor::Actor;
use crate::communities::access::Loaded;
use crate::data_rights::zip::ZipStream;
use crate::db::{Db, now};
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::state::AppState;

/// A wiki revision as read: id, author, title, body, note, restored from, date.
type RevisionRow = (i64, Option<i64>, String, String, String, Option<i64>, i64);

/// The bundle of one community (the files' bytes are fetched by [`write`]).
pub async fn bundle(db: &Db, public_url: &str, community_id: i64) -> anyhow::Result<Bundle> {
    let c = sqlx::query(
        "SELECT id, slug, name, description, charter, welcome, theme, visibility, join_policy, created_at \
         FROM communities WHERE id = $1",
    )
    .bind(community_id)
    .fetch_one(&db.pool)
    .await?;
    let slug: String = c.try_get("slug")?;
    let host = url::Url::parse(public_url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_else(|| "localhost".into());
    let mut people: BTreeSet<i64> = BTreeSet::new();

    let members: Vec<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT m.user_id, m.role, m.state, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.community_id = $1 AND u.domain IS NULL ORDER BY m.created_at, m.user_id",
    )
    .bind(community_id)
    .fetch_all(&db.pool)
    .await?;
    let community = Community {
        id: community_id.to_string(),
        aliases: vec![crate::urls::community(&slug)],
        slug: slug.clone(),
        name: c.try_get("name")?,
        description: c.try_get("description")?,
        charter: c.try_get("charter")?,
        welcome: c.try_get("welcome")?,
        theme: c.try_get("theme")?,
        visibility: c.try_get("visibility")?,
        join_policy: c.try_get("join_policy")?,
        created_at: c.try_get("created_at")?,
        members: members
            .iter()
            .map(|(uid, role, state, at)| {
                people.insert(*uid);
                Member {
                    user: uid.to_string(),
                    role: role.clone(),
                    state: state.clone(),
                    joined_at: *at,
                }
            })
            .collect(),
    };
    let local = |id: Option<i64>, people: &mut BTreeSet<i64>, locals: &BTreeSet<i64>| {
        id.filter(|i| locals.contains(i)).map(|i| {
            people.insert(i);
            i.to_string()
        })
    };
    let locals: BTreeSet<i64> =
        sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE domain IS NULL")
            .fetch_all(&db.pool)
            .await?
            .into_iter()
            .collect();

    // Publications, oldest first, with their tags and replies.
    let rows = sqlx::query(
        "SELECT p.id, p.kind, p.title, p.body, p.lang, p.author_id, p.link_url, pc.status AS link_status, \
         p.status, p.created_at, p.updated_at FROM publications p \
         JOIN publication_communities pc ON pc.publication_id = p.id AND pc.community_id = $1 \
         WHERE p.status <> 'deleted' ORDER BY p.created_at, p.id",
    )
    .bind(community_id)
    .fetch_all(&db.pool)
    .await?;
    let mut publications = Vec::with_capacity(rows.len());
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let tags: Vec<String> = sqlx::query_scalar(
            "SELECT t.label FROM publication_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.publication_id = $1 ORDER BY t.name",
        )
        .bind(id)
        .fetch_all(&db.pool)
        .await?;
        let revisions = revisions_of(
            db,
            "SELECT editor_id, title, body, created_at FROM publication_revisions \
             WHERE publication_id = $1 ORDER BY created_at, id",
            id,
            &mut people,
            &locals,
        )
        .await?;
        let attachments = attachments_of(db, id, &mut people, &locals).await?;
        let replies: Vec<(i64, Option<i64>, Option<i64>, String, String, i64)> = sqlx::query_as(
            "SELECT id, parent_id, author_id, body, status, created_at FROM replies \
             WHERE publication_id = $1 AND status <> 'deleted' ORDER BY created_at, id",
        )
        .bind(id)
        .fetch_all(&db.pool)
        .await?;
        let status: String = r.try_get("status")?;
        let link_status: String = r.try_get("link_status")?;
        let mut reply_list = Vec::with_capacity(replies.len());
        for (rid, parent, author, body, status, at) in replies {
            reply_list.push(Reply {
                id: rid.to_string(),
                aliases: vec![format!("{}?reply={rid}", crate::urls::publication(id))],
                parent: parent.map(|p| p.to_string()),
                author: local(author, &mut people, &locals),
                body,
                status,
                created_at: at,
                revisions: revisions_of(
                    db,
                    "SELECT editor_id, '' AS title, body, created_at FROM reply_revisions \
                     WHERE reply_id = $1 ORDER BY created_at, id",
                    rid,
                    &mut people,
                    &locals,
                )
                .await?,
            });
        }
        publications.push(Publication {
            id: id.to_string(),
            aliases: vec![crate::urls::publication(id)],
            kind: r.try_get("kind")?,
            title: r.try_get("title")?,
            body: r.try_get("body")?,
            lang: Some(r.try_get("lang")?),
            author: local(r.try_get("author_id")?, &mut people, &locals),
            link_url: r.try_get("link_url")?,
            communities: vec![community_id.to_string()],
            tags,
            status: if status == "visible" {
                link_status
            } else {
                status
            },
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            replies: reply_list,
            revisions,
            attachments,
        });
    }

    // Events shared into the community.
    let rows = sqlx::query(
        "SELECT e.* FROM events e JOIN event_communities ec ON ec.event_id = e.id AND ec.community_id = $1 \
         ORDER BY e.starts_at, e.id",
    )
    .bind(community_id)
    .fetch_all(&db.pool)
    .await?;
    let mut events = Vec::with_capacity(rows.len());
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let tags: Vec<String> =
            sqlx::query_scalar("SELECT label FROM event_tags WHERE event_id = $1 ORDER BY tag_key")
                .bind(id)
                .fetch_all(&db.pool)
                .await?;
        events.push(Event {
            id: id.to_string(),
            aliases: vec![crate::urls::event(id)],
            uid: r.try_get("uid")?,
            communities: vec![community_id.to_string()],
            title: r.try_get("title")?,
            description: r.try_get("description")?,
            tz: r.try_get("tz")?,
            start_local: r.try_get("start_local")?,
            end_local: r.try_get("end_local")?,
            all_day: r.try_get::<i64, _>("all_day")? != 0,
            starts_at: r.try_get("starts_at")?,
            ends_at: r.try_get("ends_at")?,
            rrule: r.try_get("rrule")?,
            exdates: r.try_get("exdates")?,
            series_ends_at: r.try_get("series_ends_at")?,
            place_kind: r.try_get("place_kind")?,
            address: r.try_get("address")?,
            online_url: r.try_get("online_url")?,
            online_private: r.try_get::<i64, _>("online_private")? != 0,
            contact: r.try_get("contact")?,
            capacity: r.try_get("capacity")?,
            price: r.try_get("price")?,
            questions: r.try_get("questions")?,
            organiser: local(r.try_get("organiser_id")?, &mut people, &locals),
            tags,
            created_at: r.try_get("created_at")?,
        });
    }

    // Wiki pages, parents before their children.
    let slug_c = slug.clone();
    let pages: Vec<(i64, Option<i64>, String, String, String, Option<i64>, i64, i64)> = sqlx::query_as(
        "SELECT id, parent_id, slug, title, body, created_by, created_at, updated_at FROM wiki_pages \
         WHERE community_id = $1 ORDER BY id",
    )
    .bind(community_id)
    .fetch_all(&db.pool)
    .await?;
    let mut wiki = Vec::with_capacity(pages.len());
    let mut placed: BTreeSet<i64> = BTreeSet::new();
    let mut rest = pages;
    while !rest.is_empty() {
        let before = rest.len();
        let (ready, later): (Vec<_>, Vec<_>) = rest
            .into_iter()
            .partition(|p| p.1.is_none_or(|parent| placed.contains(&parent)) || before == 0);
        let stuck = ready.is_empty();
        for (id, parent, slug, title, body, author, created, updated) in ready {
            placed.insert(id);
            let revs: Vec<RevisionRow> = sqlx::query_as(
                "SELECT id, author_id, title, body, note, restored_from, created_at \
                     FROM wiki_revisions WHERE page_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(&db.pool)
            .await?;
            let own: BTreeSet<i64> = revs.iter().map(|r| r.0).collect();
            let revisions = revs
                .into_iter()
                .map(|(rid, by, title, body, note, from, at)| WikiRevision {
                    id: rid.to_string(),
                    author: local(by, &mut people, &locals),
                    title,
                    body,
                    note,
                    restored_from: from.filter(|f| own.contains(f)).map(|f| f.to_string()),
                    created_at: at,
                })
                .collect();
            wiki.push(WikiPage {
                id: id.to_string(),
                aliases: vec![crate::urls::wiki_page(&slug_c, &slug)],
                community: community_id.to_string(),
                parent: parent.map(|p| p.to_string()),
                slug,
                title,
                body,
                author: local(author, &mut people, &locals),
                created_at: created,
                updated_at: updated,
                revisions,
            });
        }
        rest = later;
        if stuck {
            // A cycle or a parent of another community: placed at the root.
            for p in &mut rest {
                p.1 = None;
            }
        }
    }

    // Files of the space, every version, with their folder's path.
    let folders: Vec<(i64, Option<i64>, String)> =
        sqlx::query_as("SELECT id, parent_id, name FROM space_folders WHERE community_id = $1")
            .bind(community_id)
            .fetch_all(&db.pool)
            .await?;
    let by_id: HashMap<i64, (Option<i64>, String)> =
        folders.into_iter().map(|(id, p, n)| (id, (p, n))).collect();
    let path_of = |mut id: i64| {
        let mut parts = Vec::new();
        while let Some((parent, name)) = by_id.get(&id) {
            parts.push(name.clone());
            match parent {
                Some(p) if parts.len() < 64 => id = *p,
                _ => break,
            }
        }
        parts.reverse();
        parts.join("/")
    };
    let rows: Vec<(i64, i64, String, String, String, i64, Option<i64>, i64)> = sqlx::query_as(
        "SELECT id, folder_id, name, content_type, sha256, size, uploaded_by, created_at FROM space_files \
         WHERE community_id = $1 ORDER BY folder_id, name, version",
    )
    .bind(community_id)
    .fetch_all(&db.pool)
    .await?;
    let files = rows
        .into_iter()
        .map(|(id, folder, name, ct, sha, size, by, at)| File {
            id: id.to_string(),
            aliases: vec![crate::urls::space_file(&slug, id)],
            community: community_id.to_string(),
            folder: if folder == 0 {
                String::new()
            } else {
                path_of(folder)
            },
            name,
            content_type: ct,
            sha256: sha,
            size,
            uploaded_by: local(by, &mut people, &locals),
            created_at: at,
        })
        .collect();

    // The people named above: public profile and consents, no address.
    let mut users = Vec::with_capacity(people.len());
    for chunk in people.iter().copied().collect::<Vec<_>>().chunks(500) {
        let list = chunk
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, username, display_name, bio, locale, created_at, findable, federation_opt_out \
             FROM users WHERE id IN ({list}) ORDER BY id"
        )))
        .fetch_all(&db.pool)
        .await?;
        for r in rows {
            let username: String = r.try_get("username")?;
            users.push(User {
                id: r.try_get::<i64, _>("id")?.to_string(),
                aliases: vec![crate::urls::user(&username)],
                username,
                display_name: r.try_get("display_name")?,
                bio: r.try_get("bio")?,
                email: None,
                locale: Some(r.try_get("locale")?),
                created_at: r.try_get("created_at")?,
                consents: Consents {
                    findable: r.try_get::<i64, _>("findable")? != 0,
                    federation_opt_out: r.try_get::<i64, _>("federation_opt_out")? != 0,
                },
            });
        }
    }

    Ok(Bundle {
        format: super::FORMAT.into(),
        version: super::VERSION,
        source: format!("passerelles:{host}/{slug}"),
        origin: Some(public_url.trim_end_matches('/').to_string()),
        exported_at: now(),
        users,
        communities: vec![community],
        publications,
        events,
        wiki,
        files,
    })
}

/// Earlier versions of a publication or a reply (`sql` selects editor_id,
/// title, body, created_at for the id bound as `$1`).
async fn revisions_of(
    db: &Db,
    sql: &'static str,
    id: i64,
    people: &mut BTreeSet<i64>,
    locals: &BTreeSet<i64>,
) -> anyhow::Result<Vec<Revision>> {
    let rows: Vec<(Option<i64>, String, String, i64)> =
        sqlx::query_as(sql).bind(id).fetch_all(&db.pool).await?;
    Ok(rows
        .into_iter()
        .map(|(editor, title, body, at)| Revision {
            editor: editor.filter(|e| locals.contains(e)).map(|e| {
                people.insert(e);
                e.to_string()
            }),
            title,
            body,
            created_at: at,
        })
        .collect())
}

/// A publication's attachments, each hashed (its bytes read one at a time).
async fn attachments_of(
    db: &Db,
    publication_id: i64,
    people: &mut BTreeSet<i64>,
    locals: &BTreeSet<i64>,
) -> anyhow::Result<Vec<Attachment>> {
    let ids: Vec<(i64, Option<i64>, i64)> = sqlx::query_as(
        "SELECT id, uploader_id, created_at FROM attachments WHERE publication_id = $1 ORDER BY id",
    )
    .bind(publication_id)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::with_capacity(ids.len());
    for (id, uploader, at) in ids {
        let Some((name, content_type, bytes)) =
            crate::publications::attachment_bytes(db, publication_id, id).await?
        else {
            continue;
        };
        out.push(Attachment {
            id: id.to_string(),
            name,
            content_type,
            sha256: crate::library::storage::sha256_hex(&bytes),
            size: bytes.len() as i64,
            uploaded_by: uploader.filter(|u| locals.contains(u)).map(|u| {
                people.insert(u);
                u.to_string()
            }),
            created_at: at,
        });
    }
    Ok(out)
}

/// Write the archive of a community into `out` (its owner or the instance).
/// Returns the bundle written (for the report).
pub async fn write<W: Write + Send>(
    state: &AppState,
    actor: &Actor,
    l: &Loaded,
    out: &mut W,
) -> AppResult<Bundle> {
    if !actor.may(Action::OwnCommunity {
        c: &l.facts,
        m: l.m,
    }) {
        return Err(AppError::Forbidden);
    }
    let b = bundle(&state.db, &state.config.public_url(), l.c.id)
        .await
        .map_err(AppError::Internal)?;
    let store = crate::library::storage::for_config(&state.config);
    let mut zip = ZipStream::new(b.exported_at);
    let io = |e: std::io::Error| AppError::Internal(e.into());
    zip.start("community.json").map_err(io)?;
    serde_json::to_writer_pretty(&mut zip, &b).map_err(|e| AppError::Internal(e.into()))?;
    zip.start("README.txt").map_err(io)?;
    zip.write_all(README.as_bytes()).map_err(io)?;
    out.write_all(&zip.take_output()).map_err(io)?;
    let mut seen = BTreeSet::new();
    let attached: Vec<(i64, i64, String)> = b
        .publications
        .iter()
        .flat_map(|p| {
            p.attachments.iter().map(|a| {
                (
                    p.id.parse().unwrap_or(0),
                    a.id.parse().unwrap_or(0),
                    a.sha256.clone(),
                )
            })
        })
        .collect();
    for (pid, aid, sha256) in attached {
        if !seen.insert(sha256.clone()) {
            continue;
        }
        let bytes = crate::publications::attachment_bytes(&state.db, pid, aid).await?;
        if let Some((_, _, bytes)) = bytes {
            zip.start(&format!("files/{sha256}")).map_err(io)?;
            zip.write_all(&bytes).map_err(io)?;
            out.write_all(&zip.take_output()).map_err(io)?;
        }
    }
    for f in &b.files {
        if !seen.insert(f.sha256.clone()) {
            continue;
        }
        let bytes = crate::library::files::get_blob(store.clone(), f.sha256.clone())
            .await
            .map_err(AppError::Internal)?;
        if let Some(bytes) = bytes {
            zip.start(&format!("files/{}", f.sha256)).map_err(io)?;
            zip.write_all(&bytes).map_err(io)?;
            out.write_all(&zip.take_output()).map_err(io)?;
        }
    }
    zip.finish().map_err(io)?;
    out.write_all(&zip.take_output()).map_err(io)?;
    out.flush().map_err(io)?;
    let mut tx = state.db.begin().await?;
    crate::accounts::ops::audit_in(
        &mut tx,
        actor,
        "community_exported",
        None,
        &format!("{} ({} publications)", l.c.slug, b.publications.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(b)
}

const README: &str = "Passerelles community archive, format passerelles-community version 2.\n\
community.json: the community, its members (with their consents, without e-mail addresses),\n\
publications with replies, earlier versions and attachments, events, wiki pages with their\n\
revisions and the list of files; files/<sha256>: the bytes of the files and attachments.\n\
Schema: docs/community-export/schema-v2.json in the Passerelles source.\n\
Import it on another instance: passerelles admin import community <this file>\n";

/// Read an archive written by [`write`]: the bundle, and the bytes of each
/// file by SHA-256.
pub struct Archive {
    pub bundle: Bundle,
    zip: std::sync::Mutex<zip::ZipArchive<std::fs::File>>,
}

impl Archive {
    pub fn open(path: &std::path::Path) -> anyhow::Result<Archive> {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::fs::File::open(path)?)?;
        let mut text = String::new();
        zip.by_name("community.json")?.read_to_string(&mut text)?;
        let bundle: Bundle = serde_json::from_str(&text)?;
        Ok(Archive {
            bundle,
            zip: std::sync::Mutex::new(zip),
        })
    }

    pub fn blob(&self, sha256: &str) -> Option<Vec<u8>> {
        use std::io::Read;
        let mut zip = self.zip.lock().ok()?;
        let mut entry = zip.by_name(&format!("files/{sha256}")).ok()?;
        let mut out = Vec::new();
        entry.read_to_end(&mut out).ok()?;
        Some(out)
    }
}
