//! Writing publications: checking a draft, where the author may post, and
//! the storage writes (create, share, edit, delete, follow, accepted answer,
//! pins), each in one transaction, with their notifications. Callers asked
//! the policy: the operations in [`super::ops`] do.

use super::*;

// ---- writing --------------------------------------------------------------------------------

/// What the author typed, before checks.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub kind: String,
    pub title: String,
    pub body: String,
    pub tags: String,
    pub link_url: String,
    pub community_ids: Vec<i64>,
}

/// A checked draft.
#[derive(Debug, Clone)]
pub struct Checked {
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub rendered: markdown::Rendered,
    pub tags: Vec<Tag>,
    /// (as typed, normalised key) for watch items.
    pub link: Option<(String, String)>,
}

/// Field errors: (field, message key).
pub type Refusals = Vec<(&'static str, &'static str)>;

pub fn normalize_text(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// Check title, body, tags, kind and link (no database).
pub fn check_draft(d: &Draft, editing: bool) -> Result<Checked, Refusals> {
    let mut errs: Refusals = Vec::new();
    let kind = Kind::parse(d.kind.trim());
    if kind.is_none() && !editing {
        errs.push(("kind", "publication-kind-invalid"));
    }
    let kind = kind.unwrap_or(Kind::Discussion);
    let title = d.title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.chars().count() > TITLE_MAX {
        errs.push(("title", "publication-title-too-long"));
    } else if title.is_empty() && kind != Kind::Watch {
        errs.push(("title", "field-required"));
    }
    let body = normalize_text(&d.body);
    if body.len() > markdown::MAX_SOURCE_BYTES {
        errs.push(("body", "publication-body-too-long"));
    } else if body.trim().is_empty() && kind != Kind::Watch {
        errs.push(("body", "field-required"));
    }
    let chosen = match parse_tags(&d.tags) {
        Ok(t) => t,
        Err(k) => {
            errs.push(("tags", k));
            Vec::new()
        }
    };
    let mut link = None;
    if kind == Kind::Watch && !editing {
        let raw = d.link_url.trim();
        if raw.is_empty() {
            errs.push(("link_url", "field-required"));
        } else if raw.len() > 2000 {
            errs.push(("link_url", "fetch-invalid-url"));
        } else {
            match crate::preview::normalize_url(raw) {
                Ok(key) => link = Some((raw.to_string(), key)),
                Err(e) => errs.push(("link_url", e.message_key())),
            }
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    let rendered = if body.len() <= markdown::MAX_SOURCE_BYTES {
        markdown::render(&body)
    } else {
        markdown::Rendered::default()
    };
    let tags = merge_tags(chosen, &rendered.hashtags);
    Ok(Checked {
        kind,
        title,
        body,
        rendered,
        tags,
        link,
    })
}

/// Communities where `viewer` may post, with their membership (one statement).
pub async fn postable_communities(
    db: &Db,
    viewer: Option<&User>,
) -> Result<Vec<(Community, Option<Membership>)>, sqlx::Error> {
    let Some(u) = acting(viewer) else {
        return Ok(Vec::new());
    };
    let sql = format!(
        "SELECT {COMMUNITY_COLUMNS}, m.role AS vm_role, m.state AS vm_state FROM memberships m \
         JOIN communities c ON c.id = m.community_id WHERE m.user_id = $1 AND m.state = 'active' \
         AND c.status = 'active' ORDER BY LOWER(c.name), c.id"
    );
    tick();
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(u.id)
        .fetch_all(&db.pool)
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        let c = Community::from_row(r)?;
        let m = membership_from(r.try_get("vm_role")?, r.try_get("vm_state")?);
        if policy::can(viewer, Action::PostInCommunity { c: &c.facts(), m }) {
            out.push((c, m));
        }
    }
    Ok(out)
}

/// Who to notify of a mention, a reply or activity: recipients keyed by id,
/// each once, highest-priority kind first.
pub(super) struct Recipients(pub(super) Vec<(i64, &'static str)>);

impl Recipients {
    pub(super) fn add(&mut self, user_id: i64, kind: &'static str) {
        if !self.0.iter().any(|(u, _)| *u == user_id) {
            self.0.push((user_id, kind));
        }
    }
}

/// Users (active, local) by mentioned names, with their memberships in
/// `community_ids`, in two statements.
pub(crate) async fn users_with_memberships(
    db: &Db,
    where_sql: &str,
    binds: Vec<String>,
    community_ids: &[i64],
) -> Result<Vec<(User, HashMap<i64, Membership>)>, sqlx::Error> {
    let sql = format!(
        "SELECT {} FROM users u WHERE {where_sql} AND u.status = 'active' AND u.domain IS NULL",
        crate::accounts::USER_COLUMNS
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = q.bind(b);
    }
    tick();
    let users = q
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(User::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    if users.is_empty() || community_ids.is_empty() {
        return Ok(users.into_iter().map(|u| (u, HashMap::new())).collect());
    }
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let sql = format!(
        "SELECT user_id, community_id, role, state FROM memberships WHERE user_id IN ({}) AND community_id IN ({})",
        id_list(&ids),
        id_list(community_ids)
    );
    tick();
    let rows: Vec<(i64, i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&db.pool)
        .await?;
    let mut by_user: HashMap<i64, HashMap<i64, Membership>> = HashMap::new();
    for (uid, cid, role, state) in rows {
        if let Some(m) = membership_from(Some(role), Some(state)) {
            by_user.entry(uid).or_default().insert(cid, m);
        }
    }
    Ok(users
        .into_iter()
        .map(|u| {
            let m = by_user.remove(&u.id).unwrap_or_default();
            (u, m)
        })
        .collect())
}

/// Of these people, who may read the publication in full (policy, for each).
pub(super) fn readers<'a>(
    p: &Publication,
    links: &[Shared],
    people: &'a [(User, HashMap<i64, Membership>)],
) -> Vec<&'a User> {
    people
        .iter()
        .filter(|(u, ms)| {
            let theirs: Vec<SharedIn> = links
                .iter()
                .map(|l| SharedIn {
                    community: l.community.facts(),
                    membership: ms.get(&l.community.id).copied(),
                    status: l.status,
                    added_at: l.added_at,
                })
                .collect();
            // Notifications carry the publication's link (`notifications`
            // adds its key where the recipient needs it): what a mention
            // or a followed reply points to is read as by link.
            policy::publication_sight(Some(u), p.author_id, p.status, &theirs, Reach::Link)
                == Sight::Full
        })
        .map(|(u, _)| u)
        .collect()
}

/// People who watch one of the publication's communities at one of
/// `levels` (`notifications::prefs::Level` codes) and may read it, never the
/// actor: who hears of a new publication or of every reply.
pub(super) async fn watchers(
    db: &Db,
    p: &Publication,
    links: &[Shared],
    levels: &[&str],
    actor: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let cids: Vec<i64> = links.iter().map(|l| l.community.id).collect();
    if cids.is_empty() || levels.is_empty() {
        return Ok(Vec::new());
    }
    let wanted = levels
        .iter()
        .filter(|l| l.bytes().all(|b| b.is_ascii_lowercase()))
        .map(|l| format!("'{l}'"))
        .collect::<Vec<_>>()
        .join(",");
    let people = users_with_memberships(
        db,
        &format!(
            "u.id IN (SELECT user_id FROM community_watch WHERE community_id IN ({}) AND level IN ({wanted}))",
            id_list(&cids)
        ),
        Vec::new(),
        &cids,
    )
    .await?;
    Ok(readers(p, links, &people)
        .into_iter()
        .map(|u| u.id)
        .filter(|u| *u != actor)
        .collect())
}

/// Mentioned people who may see the publication (never the actor).
pub(super) async fn mention_recipients(
    db: &Db,
    p: &Publication,
    links: &[Shared],
    mentions: &[String],
    actor: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let keys: Vec<String> = mentions
        .iter()
        .take(MENTIONS_MAX)
        .map(|m| crate::username::canonical(m))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = (1..=keys.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let cids: Vec<i64> = links.iter().map(|l| l.community.id).collect();
    let people = users_with_memberships(
        db,
        &format!("u.username_key IN ({placeholders})"),
        keys,
        &cids,
    )
    .await?;
    Ok(readers(p, links, &people)
        .into_iter()
        .map(|u| u.id)
        .filter(|id| *id != actor)
        .collect())
}

/// Create a publication shared into `communities` (the caller checked
/// `PostInCommunity` for each), with tags, attachments, the author following
/// it and mention notifications, in one transaction.
pub async fn create(
    db: &Db,
    author: &User,
    c: &Checked,
    communities: &[(Community, Option<Membership>)],
    attachments: Vec<files::Ready>,
    preview: Option<&LinkPreview>,
) -> Result<i64, sqlx::Error> {
    let t = now();
    let title = if c.title.is_empty() {
        // A watch item without a title takes the page's, else its address.
        preview
            .map(|p| p.title.trim().to_string())
            .filter(|s| !s.is_empty())
            .or_else(|| c.link.as_ref().map(|(raw, _)| raw.clone()))
            .unwrap_or_default()
            .chars()
            .take(TITLE_MAX)
            .collect()
    } else {
        c.title.clone()
    };
    let public_key = new_public_key();
    let mut tx = db.begin().await?;
    tick();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO publications (kind, title, body, body_html, lang, author_id, link_url, link_key, preview_id, \
         status, created_at, updated_at, last_activity_at, public_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'visible', $10, $10, $10, $11) RETURNING id",
    )
    .bind(c.kind.as_str())
    .bind(&title)
    .bind(&c.body)
    .bind(&c.rendered.html)
    .bind(if author.locale.starts_with("en") { "en" } else { "fr" })
    .bind(author.id)
    .bind(c.link.as_ref().map(|l| l.0.clone()))
    .bind(c.link.as_ref().map(|l| l.1.clone()))
    .bind(preview.map(|p| p.id))
    .bind(t)
    .bind(&public_key)
    .fetch_one(&mut *tx)
    .await?;
    for (community, _) in communities {
        tick();
        sqlx::query(
            "INSERT INTO publication_communities (publication_id, community_id, added_by, added_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(community.id)
        .bind(author.id)
        .bind(t)
        .execute(&mut *tx)
        .await?;
    }
    touch_communities(
        &mut tx,
        &communities.iter().map(|(c, _)| c.id).collect::<Vec<_>>(),
        t,
    )
    .await?;
    set_tags(&mut tx, id, &c.tags).await?;
    let cited =
        crate::library::links::cited_urls(c.link.as_ref().map(|l| l.0.as_str()), &c.rendered.html);
    crate::library::links::cite_in(&mut tx, id, &cited).await?;
    insert_attachments(&mut tx, id, author.id, attachments).await?;
    // Placed where its communities are (territories roll-up).
    crate::territories::places::sync_publication_in(&mut tx, id, None).await?;
    tick();
    sqlx::query("INSERT INTO follows (user_id, publication_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(author.id)
        .bind(id)
        .bind(t)
        .execute(&mut *tx)
        .await?;
    crate::search::index_one(&mut tx, db.backend, crate::search::Source::Publications, id).await?;
    tx.commit().await?;

    // Mentions: only people who may read it get notified (the policy, for them).
    let links: Vec<Shared> = communities
        .iter()
        .map(|(community, _)| Shared {
            publication_id: id,
            community: community.clone(),
            membership: None,
            pinned: false,
            status: ContentStatus::Visible,
            status_reason: String::new(),
            added_at: t,
        })
        .collect();
    let p = Publication {
        id,
        kind: c.kind,
        title,
        body: String::new(),
        body_html: String::new(),
        author: None,
        author_id: Some(author.id),
        link_url: None,
        link_key: None,
        preview: None,
        accepted_reply_id: None,
        status: ContentStatus::Visible,
        status_reason: String::new(),
        locked: false,
        created_at: t,
        updated_at: t,
        last_activity_at: t,
        reply_count: 0,
        revisions: 0,
        following: true,
        public_key,
        reach: Reach::Found,
    };
    let mentioned = mention_recipients(db, &p, &links, &c.rendered.mentions, author.id).await?;
    let mut who = Recipients(Vec::new());
    for uid in mentioned {
        who.add(uid, notifications::MENTION);
    }
    // Those who watch its communities for new publications.
    for uid in watchers(db, &p, &links, &["everything", "publications"], author.id).await? {
        who.add(uid, notifications::NEW_PUBLICATION);
    }
    let items: Vec<NewNotification> = who
        .0
        .into_iter()
        .map(|(uid, kind)| NewNotification::about(uid, kind, author.id, id, None))
        .collect();
    notifications::insert(db, &items).await?;
    Ok(id)
}

pub(crate) async fn touch_communities(
    conn: &mut sqlx::AnyConnection,
    ids: &[i64],
    t: i64,
) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    tick();
    // The public date of a private community does not move (the policy:
    // outsiders see only what its card shows).
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE communities SET inner_activity_at = $1, last_activity_at = {} WHERE id IN ({})",
        policy::public_activity_sql("", 1),
        id_list(ids)
    )))
    .bind(t)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Share an existing publication into more communities, in one
/// transaction (the caller checked `PostInCommunity` in each and that the
/// actor reads it). Returns how many it was not in yet.
pub async fn share_into(
    db: &Db,
    by: &User,
    publication_id: i64,
    community_ids: &[i64],
) -> Result<usize, sqlx::Error> {
    let t = now();
    let mut tx = db.begin().await?;
    let mut added = Vec::new();
    for &community_id in community_ids {
        tick();
        let res = sqlx::query(
            "INSERT INTO publication_communities (publication_id, community_id, added_by, added_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (publication_id, community_id) DO NOTHING",
        )
        .bind(publication_id)
        .bind(community_id)
        .bind(by.id)
        .bind(t)
        .execute(&mut *tx)
        .await?;
        if res.rows_affected() > 0 {
            added.push(community_id);
        }
    }
    if !added.is_empty() {
        touch_communities(&mut tx, &added, t).await?;
        crate::territories::places::sync_publication_in(&mut tx, publication_id, None).await?;
        // Its entries (and its replies') now carry these communities'
        // filter tokens.
        crate::search::index_one(
            &mut tx,
            db.backend,
            crate::search::Source::Publications,
            publication_id,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(added.len())
}

/// Edit title, body and tags (its author); the previous version is kept.
/// Newly mentioned people who may read it are notified.
pub async fn edit(
    db: &Db,
    editor: &User,
    p: &Publication,
    links: &[Shared],
    c: &Checked,
    add: Vec<files::Ready>,
    remove: &[i64],
) -> Result<(), sqlx::Error> {
    let t = now();
    let title = if c.title.is_empty() {
        p.title.clone()
    } else {
        c.title.clone()
    };
    let mut tx = db.begin().await?;
    if title != p.title || c.body != p.body {
        tick();
        sqlx::query(
            "INSERT INTO publication_revisions (publication_id, editor_id, title, body, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(p.id)
        .bind(editor.id)
        .bind(&p.title)
        .bind(&p.body)
        // The revision row holds the version as it was until now.
        .bind(t)
        .execute(&mut *tx)
        .await?;
    }
    tick();
    sqlx::query("UPDATE publications SET title = $1, body = $2, body_html = $3, updated_at = $4 WHERE id = $5")
        .bind(&title)
        .bind(&c.body)
        .bind(&c.rendered.html)
        .bind(t)
        .bind(p.id)
        .execute(&mut *tx)
        .await?;
    set_tags(&mut tx, p.id, &c.tags).await?;
    let cited = crate::library::links::cited_urls(p.link_url.as_deref(), &c.rendered.html);
    crate::library::links::cite_in(&mut tx, p.id, &cited).await?;
    delete_attachments(&mut tx, p.id, Some(remove)).await?;
    insert_attachments(&mut tx, p.id, editor.id, add).await?;
    crate::search::index_one(
        &mut tx,
        db.backend,
        crate::search::Source::Publications,
        p.id,
    )
    .await?;
    tx.commit().await?;
    let before: HashSet<String> = markdown::render(&p.body)
        .mentions
        .iter()
        .map(|m| crate::username::canonical(m))
        .collect();
    let new_mentions: Vec<String> = c
        .rendered
        .mentions
        .iter()
        .filter(|m| !before.contains(&crate::username::canonical(m)))
        .cloned()
        .collect();
    let mentioned = mention_recipients(db, p, links, &new_mentions, editor.id).await?;
    let items: Vec<NewNotification> = mentioned
        .into_iter()
        .map(|uid| NewNotification::about(uid, notifications::MENTION, editor.id, p.id, None))
        .collect();
    notifications::insert(db, &items).await?;
    Ok(())
}

/// Delete (its author): a tombstone. The content, earlier versions, tags,
/// cited links and attachments are erased; replies stay attached but unreachable.
pub async fn delete(db: &Db, p: &Publication) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    tick();
    sqlx::query(
        "UPDATE publications SET status = 'deleted', title = '', body = '', body_html = '', link_url = NULL, \
         link_key = NULL, updated_at = $1 WHERE id = $2",
    )
    .bind(now())
    .bind(p.id)
    .execute(&mut *tx)
    .await?;
    tick();
    sqlx::query("DELETE FROM publication_revisions WHERE publication_id = $1")
        .bind(p.id)
        .execute(&mut *tx)
        .await?;
    tick();
    sqlx::query("DELETE FROM publication_tags WHERE publication_id = $1")
        .bind(p.id)
        .execute(&mut *tx)
        .await?;
    // Its cited links are no longer cited by it.
    tick();
    crate::library::links::cite_in(&mut tx, p.id, &[]).await?;
    tick();
    sqlx::query("DELETE FROM notifications WHERE publication_id = $1")
        .bind(p.id)
        .execute(&mut *tx)
        .await?;
    delete_attachments(&mut tx, p.id, None).await?;
    crate::search::index_one(
        &mut tx,
        db.backend,
        crate::search::Source::Publications,
        p.id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_follow(
    db: &Db,
    user: &User,
    publication_id: i64,
    follow: bool,
) -> Result<(), sqlx::Error> {
    tick();
    if follow {
        sqlx::query("INSERT INTO follows (user_id, publication_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(user.id)
            .bind(publication_id)
            .bind(now())
            .execute(&db.pool)
            .await?;
    } else {
        sqlx::query("DELETE FROM follows WHERE user_id = $1 AND publication_id = $2")
            .bind(user.id)
            .bind(publication_id)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

/// Mark (or clear, with None) the accepted answer of a question.
pub async fn set_accepted(
    db: &Db,
    publication_id: i64,
    reply_id: Option<i64>,
) -> Result<(), sqlx::Error> {
    tick();
    sqlx::query("UPDATE publications SET accepted_reply_id = $1 WHERE id = $2")
        .bind(reply_id)
        .bind(publication_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Pin or unpin a publication in one community (the caller checked
/// `ManageCommunity` there). Pinned publications come first on its page.
pub async fn set_pinned(
    db: &Db,
    publication_id: i64,
    community_id: i64,
    pinned: bool,
) -> Result<(), sqlx::Error> {
    tick();
    sqlx::query(
        "UPDATE publication_communities SET pinned = $1 WHERE publication_id = $2 AND community_id = $3",
    )
    .bind(i64::from(pinned))
    .bind(publication_id)
    .bind(community_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A watch item from an external source (a news feed's item, see
/// `crate::news`): no author, its text a plain excerpt, its link's preview
/// made from the feed (title, excerpt, the feed's name as site), shared
/// into one community, tagged, indexed for search — in the caller's
/// transaction. Nobody is notified (a feed may bring dozens at once).
/// Returns the publication's id.
pub async fn create_external(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    item: &External<'_>,
) -> Result<i64, sqlx::Error> {
    let t = now();
    let at = item.published.filter(|p| *p > 0 && *p <= t).unwrap_or(t);
    let escaped = crate::xml::escape(item.excerpt);
    let body_html = if item.excerpt.is_empty() {
        String::new()
    } else {
        format!("<p>{escaped}</p>")
    };
    tick();
    let preview_id: i64 = sqlx::query_scalar(
        "INSERT INTO link_previews (url_key, url_base, url, final_url, title, description, site_name, content_type, fetched_at) \
         VALUES ($1, $2, $3, $3, $4, '', $5, 'text/html', $6) RETURNING id",
    )
    .bind(format!("{}#{}", item.url_key, new_public_key()))
    .bind(item.url_key)
    .bind(item.url)
    .bind(item.title)
    .bind(item.source_name)
    .bind(t)
    .fetch_one(&mut *conn)
    .await?;
    tick();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO publications (kind, title, body, body_html, lang, author_id, link_url, link_key, preview_id, \
         status, created_at, updated_at, last_activity_at, public_key) \
         VALUES ('watch', $1, $2, $3, $4, NULL, $5, $6, $7, 'visible', $8, $8, $8, $9) RETURNING id",
    )
    .bind(item.title)
    .bind(markdown::escape_text(item.excerpt))
    .bind(&body_html)
    .bind(item.lang)
    .bind(item.url)
    .bind(item.url_key)
    .bind(preview_id)
    .bind(at)
    .bind(new_public_key())
    .fetch_one(&mut *conn)
    .await?;
    tick();
    sqlx::query(
        "INSERT INTO publication_communities (publication_id, community_id, added_by, added_at) VALUES ($1, $2, NULL, $3)",
    )
    .bind(id)
    .bind(item.community_id)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    touch_communities(conn, &[item.community_id], t).await?;
    set_tags(conn, id, item.tags).await?;
    crate::territories::places::sync_publication_in(conn, id, None).await?;
    crate::search::index_one(conn, backend, crate::search::Source::Publications, id).await?;
    Ok(id)
}

/// What [`create_external`] stores.
pub struct External<'a> {
    pub community_id: i64,
    pub title: &'a str,
    /// Plain text.
    pub excerpt: &'a str,
    pub url: &'a str,
    /// `preview::normalize_url` of `url`.
    pub url_key: &'a str,
    /// The feed's name, shown as the link's site.
    pub source_name: &'a str,
    pub tags: &'a [Tag],
    pub published: Option<i64>,
    pub lang: &'a str,
}
