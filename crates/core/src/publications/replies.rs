//! Replies: reading them (threads, pages of threads), who sees what of
//! one, and the storage writes (add, edit, delete) with their notifications.

use super::*;

// ---- replies ------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Reply {
    pub id: i64,
    pub publication_id: i64,
    pub parent_id: Option<i64>,
    /// 0 for a reply to the publication; at most `REPLY_LEVELS - 1`.
    pub depth: i64,
    pub author: Option<Author>,
    pub author_id: Option<i64>,
    pub body: String,
    pub body_html: String,
    pub status: ContentStatus,
    pub status_reason: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub revisions: i64,
}

impl Reply {
    pub fn anchor(&self) -> String {
        format!("r-{}", self.id)
    }
    /// Stable public URL (its future ActivityPub id).
    pub fn path(&self) -> String {
        format!(
            "{}#r-{}",
            crate::urls::publication(self.publication_id),
            self.id
        )
    }
    pub fn is_author(&self, viewer: Option<&User>) -> bool {
        authoring(viewer).is_some_and(|u| Some(u.id) == self.author_id)
    }
}

pub(super) const REPLY_COLUMNS: &str = "r.id, r.publication_id, r.parent_id, r.depth, r.author_id, r.body, r.body_html, r.status, \
     r.status_reason, r.created_at, r.updated_at, au.username AS au_username, au.display_name AS au_display_name, \
     au.avatar_id AS au_avatar_id, (SELECT COUNT(*) FROM reply_revisions rr WHERE rr.reply_id = r.id) AS revisions";

pub(super) fn reply_from(r: &AnyRow) -> Result<Reply, sqlx::Error> {
    let status: String = r.try_get("status")?;
    Ok(Reply {
        id: r.try_get("id")?,
        publication_id: r.try_get("publication_id")?,
        parent_id: r.try_get("parent_id")?,
        depth: r.try_get("depth")?,
        author: author_from(r, "author_id", "au_")?,
        author_id: r.try_get("author_id")?,
        body: r.try_get("body")?,
        body_html: r.try_get("body_html")?,
        status: status_from(&status),
        status_reason: r.try_get("status_reason")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        revisions: r.try_get("revisions")?,
    })
}

/// Every reply of a publication, oldest first (one statement).
pub async fn replies_of(db: &Db, publication_id: i64) -> Result<Vec<Reply>, sqlx::Error> {
    let sql = format!(
        "SELECT {REPLY_COLUMNS} FROM replies r LEFT JOIN users au ON au.id = r.author_id \
         WHERE r.publication_id = $1 ORDER BY r.created_at, r.id"
    );
    tick();
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(publication_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(reply_from).collect()
}

/// Top-level threads per page of replies; each comes with all its sub-replies.
pub const THREADS_PER_PAGE: i64 = 50;

/// One page of replies: the `THREADS_PER_PAGE` top-level replies of page
/// `page` (1-based), oldest first, with every reply beneath them, oldest
/// first (one statement); and how many top-level threads there are.
pub async fn replies_page(
    db: &Db,
    publication_id: i64,
    page: i64,
) -> Result<(Vec<Reply>, i64), sqlx::Error> {
    let offset = (page.max(1) - 1).saturating_mul(THREADS_PER_PAGE);
    let sql = format!(
        "WITH RECURSIVE roots AS ( \
           SELECT id FROM replies WHERE publication_id = $1 AND parent_id IS NULL \
           ORDER BY created_at, id LIMIT {THREADS_PER_PAGE} OFFSET {offset} \
         ), tree (id) AS ( \
           SELECT id FROM roots \
           UNION ALL \
           SELECT c.id FROM replies c JOIN tree t ON c.parent_id = t.id WHERE c.publication_id = $1 \
         ) \
         SELECT {REPLY_COLUMNS}, \
           (SELECT COUNT(*) FROM replies x WHERE x.publication_id = $1 AND x.parent_id IS NULL) AS threads \
         FROM replies r LEFT JOIN users au ON au.id = r.author_id \
         WHERE r.id IN (SELECT id FROM tree) ORDER BY r.created_at, r.id"
    );
    tick();
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(publication_id)
        .fetch_all(&db.pool)
        .await?;
    let threads = match rows.first() {
        Some(r) => r.try_get::<i64, _>("threads")?,
        // Past the last page (or no replies): count apart.
        None => {
            tick();
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM replies WHERE publication_id = $1 AND parent_id IS NULL",
            )
            .bind(publication_id)
            .fetch_one(&db.pool)
            .await?
        }
    };
    let replies = rows.iter().map(reply_from).collect::<Result<Vec<_>, _>>()?;
    Ok((replies, threads))
}

/// Number of pages for `threads` top-level replies (at least 1).
pub fn reply_pages(threads: i64) -> i64 {
    ((threads + THREADS_PER_PAGE - 1) / THREADS_PER_PAGE).max(1)
}

/// The page of replies (1-based) on which reply `reply_id` is shown: the
/// page of its top-level ancestor. 1 when there is no such reply.
pub async fn page_of_reply(
    db: &Db,
    publication_id: i64,
    reply_id: i64,
) -> Result<i64, sqlx::Error> {
    tick();
    let position: i64 = sqlx::query_scalar(
        "WITH RECURSIVE up (id, parent_id) AS ( \
           SELECT id, parent_id FROM replies WHERE id = $2 AND publication_id = $1 \
           UNION ALL \
           SELECT r.id, r.parent_id FROM replies r JOIN up ON r.id = up.parent_id \
         ) \
         SELECT COUNT(*) FROM replies x JOIN replies root ON root.id = (SELECT id FROM up WHERE parent_id IS NULL) \
         WHERE x.publication_id = $1 AND x.parent_id IS NULL \
           AND (x.created_at < root.created_at OR (x.created_at = root.created_at AND x.id <= root.id))",
    )
    .bind(publication_id)
    .bind(reply_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(((position - 1).max(0) / THREADS_PER_PAGE) + 1)
}

pub async fn reply_by_id(
    db: &Db,
    publication_id: i64,
    reply_id: i64,
) -> Result<Option<Reply>, sqlx::Error> {
    let sql = format!(
        "SELECT {REPLY_COLUMNS} FROM replies r LEFT JOIN users au ON au.id = r.author_id \
         WHERE r.id = $1 AND r.publication_id = $2"
    );
    tick();
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(reply_id)
        .bind(publication_id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| reply_from(&r))
        .transpose()
}

/// How a reply shows to a viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplySight {
    Full,
    /// "Réponse supprimée": deleted by its author.
    Tombstone,
    /// Hidden or removed by moderators: a placeholder (its author sees the reason).
    Moderated,
    /// Not at all: written for an audience the viewer is not part of (the
    /// publication was shared into a wider community since,
    /// `policy::written_for`). Left out, not even a placeholder.
    None,
}

/// How `viewer` sees reply `r` of publication `p` (which they read in
/// full, as they reached it). Its own author always sees it; anyone else
/// only as part of the audience the publication had when it was written.
pub fn reply_sight(
    viewer: Option<&User>,
    p: &Publication,
    r: &Reply,
    links: &[Shared],
) -> ReplySight {
    if !r.is_author(viewer) && !written_for(viewer, p, links, r.created_at) {
        return ReplySight::None;
    }
    match r.status {
        ContentStatus::Visible => ReplySight::Full,
        ContentStatus::Deleted => ReplySight::Tombstone,
        ContentStatus::Hidden if r.is_author(viewer) => ReplySight::Full,
        ContentStatus::Hidden | ContentStatus::Removed => {
            // Moderators of a community it was written for.
            let at = r.created_at.max(p.created_at);
            if links
                .iter()
                .any(|l| l.added_at <= at && l.moderated_by(viewer))
            {
                ReplySight::Full
            } else {
                ReplySight::Moderated
            }
        }
    }
}

/// One reply placed in the thread for display.
#[derive(Debug, Clone)]
pub struct Placed {
    pub reply: Reply,
    /// 1..=REPLY_LEVELS
    pub level: i64,
    /// The reply it answers, when shown flat under a deeper thread (its author).
    pub in_reply_to: Option<Author>,
    /// `</ol></li>` to emit before this item.
    pub close_before: usize,
    /// Whether this item opens a nested list (its next item is one level deeper).
    pub opens: bool,
}

/// Order replies as a thread: depth-first, oldest first among siblings.
/// Replies deeper than `REPLY_LEVELS` are shown under their level-5
/// ancestor, flat, oldest first, with whom they answer. Returns the items
/// and how many nested lists remain open at the end.
pub fn thread(replies: Vec<Reply>) -> (Vec<Placed>, usize) {
    let by_id: HashMap<i64, usize> = replies.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    // Display parent: the reply's parent, unless that parent is already at the deepest level.
    let mut children: HashMap<Option<i64>, Vec<usize>> = HashMap::new();
    let mut level: Vec<i64> = vec![0; replies.len()];
    // Replies come oldest first, so a parent is placed before its children.
    let mut display_parent: Vec<Option<i64>> = vec![None; replies.len()];
    for (i, r) in replies.iter().enumerate() {
        let parent = r.parent_id.and_then(|p| by_id.get(&p).copied());
        let (dp, lv) = match parent {
            None => (None, 1),
            Some(pi) if level[pi] >= REPLY_LEVELS => (display_parent[pi], REPLY_LEVELS),
            Some(pi) => (Some(replies[pi].id), level[pi] + 1),
        };
        level[i] = lv;
        display_parent[i] = dp;
        children.entry(dp).or_default().push(i);
    }
    let mut order: Vec<usize> = Vec::with_capacity(replies.len());
    let mut stack: Vec<usize> = children.get(&None).cloned().unwrap_or_default();
    stack.reverse();
    while let Some(i) = stack.pop() {
        order.push(i);
        if let Some(kids) = children.get(&Some(replies[i].id)) {
            for k in kids.iter().rev() {
                stack.push(*k);
            }
        }
    }
    let mut placed: Vec<Placed> = Vec::with_capacity(order.len());
    let mut open: usize = 0;
    for (pos, &i) in order.iter().enumerate() {
        let lv = level[i] as usize;
        let close_before = open.saturating_sub(lv - 1);
        open -= close_before;
        let next_level = order.get(pos + 1).map(|&n| level[n] as usize).unwrap_or(0);
        let opens = next_level > lv;
        if opens {
            open += 1;
        }
        let r = &replies[i];
        let in_reply_to = match r.parent_id.and_then(|p| by_id.get(&p)) {
            Some(&pi) if display_parent[i] != Some(replies[pi].id) => replies[pi].author.clone(),
            _ => None,
        };
        placed.push(Placed {
            reply: r.clone(),
            level: lv as i64,
            in_reply_to,
            close_before,
            opens,
        });
    }
    (placed, open)
}

/// Add a reply (the caller checked [`may_reply`]). `parent` must be a
/// reply of this publication that is not a tombstone. Notifies mentioned
/// people, the author of the reply answered (or of the publication, for a
/// direct reply) and followers — each once, only if they may read it.
pub async fn add_reply(
    db: &Db,
    author: &User,
    p: &Publication,
    links: &[Shared],
    parent: Option<&Reply>,
    body: &str,
) -> Result<i64, sqlx::Error> {
    let t = now();
    let rendered = markdown::render(body);
    let depth = parent
        .map(|r| (r.depth + 1).min(REPLY_LEVELS - 1))
        .unwrap_or(0);
    let mut tx = db.begin().await?;
    tick();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO replies (publication_id, parent_id, depth, author_id, body, body_html, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'visible', $7, $7) RETURNING id",
    )
    .bind(p.id)
    .bind(parent.map(|r| r.id))
    .bind(depth)
    .bind(author.id)
    .bind(body)
    .bind(&rendered.html)
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    recount_replies(&mut tx, p.id, Some(t)).await?;
    crate::search::index_one(&mut tx, db.backend, crate::search::Source::Replies, id).await?;
    let visible_in: Vec<i64> = links
        .iter()
        .filter(|l| l.status == ContentStatus::Visible)
        .map(|l| l.community.id)
        .collect();
    touch_communities(&mut tx, &visible_in, t).await?;
    tx.commit().await?;

    // Who hears about it.
    let mut candidates = Recipients(Vec::new());
    for uid in mention_recipients(db, p, links, &rendered.mentions, author.id).await? {
        candidates.add(uid, notifications::MENTION);
    }
    if let Some(uid) = parent.and_then(|r| r.author_id) {
        candidates.add(uid, notifications::REPLY);
    }
    // A direct reply is a reply to the publication's author; deeper ones reach
    // them as followers (authors follow their publications).
    if let Some(uid) = p.author_id.filter(|_| parent.is_none()) {
        candidates.add(uid, notifications::REPLY);
    }
    tick();
    let followers: Vec<i64> =
        sqlx::query_scalar("SELECT user_id FROM follows WHERE publication_id = $1 LIMIT 5000")
            .bind(p.id)
            .fetch_all(&db.pool)
            .await?;
    for uid in followers {
        candidates.add(uid, notifications::FOLLOWED_REPLY);
    }
    // Those who watch one of its communities for everything (checked here).
    for uid in watchers(db, p, links, &["everything"], author.id).await? {
        candidates.add(uid, notifications::FOLLOWED_REPLY);
    }
    candidates.0.retain(|(u, _)| *u != author.id);
    // Mentions were already checked; check the others against the policy, in two statements.
    let unchecked: Vec<i64> = candidates
        .0
        .iter()
        .filter(|(_, k)| *k != notifications::MENTION)
        .map(|(u, _)| *u)
        .collect();
    let allowed: HashSet<i64> = if unchecked.is_empty() {
        HashSet::new()
    } else {
        let cids: Vec<i64> = links.iter().map(|l| l.community.id).collect();
        let people = users_with_memberships(
            db,
            &format!("u.id IN ({})", id_list(&unchecked)),
            Vec::new(),
            &cids,
        )
        .await?;
        readers(p, links, &people)
            .into_iter()
            .map(|u| u.id)
            .collect()
    };
    let items: Vec<NewNotification> = candidates
        .0
        .into_iter()
        .filter(|(u, k)| *k == notifications::MENTION || allowed.contains(u))
        .map(|(u, k)| NewNotification::about(u, k, author.id, p.id, Some(id)))
        .collect();
    notifications::insert(db, &items).await?;
    Ok(id)
}

pub(crate) async fn recount_replies(
    conn: &mut sqlx::AnyConnection,
    publication_id: i64,
    activity: Option<i64>,
) -> Result<(), sqlx::Error> {
    tick();
    sqlx::query(
        "UPDATE publications SET reply_count = (SELECT COUNT(*) FROM replies WHERE publication_id = $1 AND status = 'visible'), \
         last_activity_at = COALESCE($2, last_activity_at) WHERE id = $1",
    )
    .bind(publication_id)
    .bind(activity)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Edit a reply (its author); the previous text is kept.
pub async fn edit_reply(db: &Db, editor: &User, r: &Reply, body: &str) -> Result<(), sqlx::Error> {
    if body == r.body {
        return Ok(());
    }
    let t = now();
    let rendered = markdown::render(body);
    let mut tx = db.begin().await?;
    tick();
    sqlx::query("INSERT INTO reply_revisions (reply_id, editor_id, body, created_at) VALUES ($1, $2, $3, $4)")
        .bind(r.id)
        .bind(editor.id)
        .bind(&r.body)
        .bind(t)
        .execute(&mut *tx)
        .await?;
    tick();
    sqlx::query("UPDATE replies SET body = $1, body_html = $2, updated_at = $3 WHERE id = $4")
        .bind(body)
        .bind(&rendered.html)
        .bind(t)
        .bind(r.id)
        .execute(&mut *tx)
        .await?;
    crate::search::index_one(&mut tx, db.backend, crate::search::Source::Replies, r.id).await?;
    tx.commit().await?;
    Ok(())
}

/// Delete a reply (its author): a tombstone keeps its place in the thread;
/// its text and earlier versions are erased.
pub async fn delete_reply(db: &Db, r: &Reply) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    tick();
    sqlx::query("UPDATE replies SET status = 'deleted', body = '', body_html = '', updated_at = $1 WHERE id = $2")
        .bind(now())
        .bind(r.id)
        .execute(&mut *tx)
        .await?;
    tick();
    sqlx::query("DELETE FROM reply_revisions WHERE reply_id = $1")
        .bind(r.id)
        .execute(&mut *tx)
        .await?;
    tick();
    sqlx::query(
        "UPDATE publications SET accepted_reply_id = NULL WHERE id = $1 AND accepted_reply_id = $2",
    )
    .bind(r.publication_id)
    .bind(r.id)
    .execute(&mut *tx)
    .await?;
    tick();
    sqlx::query("DELETE FROM notifications WHERE reply_id = $1")
        .bind(r.id)
        .execute(&mut *tx)
        .await?;
    recount_replies(&mut tx, r.publication_id, None).await?;
    crate::search::index_one(&mut tx, db.backend, crate::search::Source::Replies, r.id).await?;
    tx.commit().await?;
    Ok(())
}

/// Check a reply's text; the error is a message key.
pub fn check_reply(body: &str) -> Result<String, &'static str> {
    let body = normalize_text(body);
    if body.trim().is_empty() {
        Err("field-required")
    } else if body.len() > markdown::MAX_SOURCE_BYTES {
        Err("publication-body-too-long")
    } else {
        Ok(body)
    }
}
