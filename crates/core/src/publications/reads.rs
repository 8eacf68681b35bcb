//! Unread tracking per person (issue 13): when someone last opened a
//! publication (`publication_reads`). A publication is *new* to a member
//! when its last activity (publication or reply) is later than both their
//! joining of the community and their last reading of it, within
//! [`NEW_WINDOW_SECS`]; its first unread reply is the first visible reply
//! written after that reading.
//!
//! Recording a reading is bookkeeping of the reader's own view, like a
//! session's sliding expiry (`accounts::sessions::touch`): no operation, no
//! audit entry, nothing anyone else can see.

use super::*;

/// How far back "new" looks: older activity is never marked.
pub const NEW_WINDOW_SECS: i64 = 60 * 86400;

/// One of my communities, with how many of its publications are new to me.
#[derive(Debug, Clone)]
pub struct MyCommunity {
    pub slug: String,
    pub name: String,
    pub unread: i64,
}

impl MyCommunity {
    pub fn path(&self) -> String {
        crate::urls::community(&self.slug)
    }
}

/// What a feed card of a signed-in member says beyond the summary: the
/// community it comes from (one of theirs) and whether it is new to them.
#[derive(Debug, Clone, Default)]
pub struct FeedMark {
    pub community_name: String,
    pub community_path: String,
    pub new: bool,
    /// The first reply written since the member last read it.
    pub first_unread_reply: Option<i64>,
}

/// Records that `user_id` has just read `publication_id`; returns when they
/// had read it before (None the first time).
pub async fn mark_seen(
    db: &Db,
    user_id: i64,
    publication_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    tick();
    let before: Option<i64> = sqlx::query_scalar(
        "SELECT seen_at FROM publication_reads WHERE user_id = $1 AND publication_id = $2",
    )
    .bind(user_id)
    .bind(publication_id)
    .fetch_optional(&db.pool)
    .await?;
    tick();
    sqlx::query(
        "INSERT INTO publication_reads (user_id, publication_id, seen_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, publication_id) DO UPDATE SET seen_at = excluded.seen_at",
    )
    .bind(user_id)
    .bind(publication_id)
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(before)
}

/// The member's active communities, by name, each with its count of new
/// publications.
pub async fn my_communities(db: &Db, user: &User) -> Result<Vec<MyCommunity>, sqlx::Error> {
    tick();
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT c.slug, c.name, (SELECT COUNT(*) FROM publication_communities pc \
           JOIN publications p ON p.id = pc.publication_id \
           LEFT JOIN publication_reads r ON r.publication_id = p.id AND r.user_id = $1 \
           WHERE pc.community_id = c.id AND pc.status = 'visible' AND p.status = 'visible' \
           AND p.last_activity_at > $2 AND p.last_activity_at > m.created_at \
           AND (r.seen_at IS NULL OR r.seen_at < p.last_activity_at)) AS unread \
         FROM memberships m JOIN communities c ON c.id = m.community_id \
         WHERE m.user_id = $1 AND m.state = 'active' AND c.status IN ('active', 'archived') \
         ORDER BY c.name, c.id",
    )
    .bind(user.id)
    .bind(now() - NEW_WINDOW_SECS)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(slug, name, unread)| MyCommunity { slug, name, unread })
        .collect())
}

/// Marks for the publications of a member's feed page (one statement).
pub async fn feed_marks(
    db: &Db,
    user: &User,
    publication_ids: &[i64],
) -> Result<HashMap<i64, FeedMark>, sqlx::Error> {
    let mut out: HashMap<i64, FeedMark> = HashMap::new();
    if publication_ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT pc.publication_id, c.slug, c.name, m.created_at, r.seen_at, p.last_activity_at, \
           (SELECT MIN(rp.id) FROM replies rp WHERE rp.publication_id = pc.publication_id \
            AND rp.status = 'visible' AND rp.created_at > r.seen_at) AS first_unread \
         FROM publication_communities pc \
         JOIN memberships m ON m.community_id = pc.community_id AND m.user_id = $1 AND m.state = 'active' \
         JOIN communities c ON c.id = pc.community_id JOIN publications p ON p.id = pc.publication_id \
         LEFT JOIN publication_reads r ON r.publication_id = pc.publication_id AND r.user_id = $1 \
         WHERE pc.publication_id IN ({}) AND pc.status = 'visible' ORDER BY c.name, c.id",
        id_list(publication_ids)
    );
    tick();
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user.id)
        .fetch_all(&db.pool)
        .await?;
    let window = now() - NEW_WINDOW_SECS;
    for r in rows {
        let id: i64 = r.try_get(0)?;
        let joined: i64 = r.try_get(3)?;
        let seen: Option<i64> = r.try_get(4)?;
        let activity: i64 = r.try_get(5)?;
        let first_unread: Option<i64> = r.try_get(6)?;
        let new = activity > window && activity > joined && seen.is_none_or(|s| s < activity);
        let mark = out.entry(id).or_insert_with(|| FeedMark {
            community_name: String::new(),
            community_path: String::new(),
            new,
            first_unread_reply: first_unread.filter(|_| new),
        });
        if mark.community_name.is_empty() {
            mark.community_path = crate::urls::community(&r.try_get::<String, _>(1)?);
            mark.community_name = r.try_get(2)?;
        }
        // New through any of my communities it is shared in.
        if new && !mark.new {
            mark.new = true;
            mark.first_unread_reply = first_unread;
        }
    }
    Ok(out)
}
