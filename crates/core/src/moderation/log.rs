//! The moderation log (a community's, public to its readers) and what
//! authors are told of a removal.

use sqlx::Row;

use super::PAGE_SIZE;
use crate::db::Db;

/// Why a publication was removed, for its author: the reason of the most
/// recent removal (in a community or instance-wide) in the moderation log.
/// `None` for anyone but the author, or when nothing was removed.
pub async fn removal_reason(
    db: &Db,
    publication_id: i64,
    viewer_user_id: Option<i64>,
) -> Result<Option<String>, sqlx::Error> {
    let Some(viewer) = viewer_user_id else {
        return Ok(None);
    };
    sqlx::query_scalar(
        "SELECT l.reason FROM mod_log l JOIN publications p ON p.id = l.publication_id \
         WHERE l.publication_id = $1 AND p.author_id = $2 \
         AND l.action IN ('remove_publication', 'remove_everywhere') \
         ORDER BY l.created_at DESC, l.id DESC LIMIT 1",
    )
    .bind(publication_id)
    .bind(viewer)
    .fetch_optional(&db.pool)
    .await
}

/// Why a reply was removed, for its author (same rule as `removal_reason`).
pub async fn reply_removal_reason(
    db: &Db,
    reply_id: i64,
    viewer_user_id: Option<i64>,
) -> Result<Option<String>, sqlx::Error> {
    let Some(viewer) = viewer_user_id else {
        return Ok(None);
    };
    sqlx::query_scalar(
        "SELECT l.reason FROM mod_log l JOIN replies r ON r.id = l.reply_id \
         WHERE l.reply_id = $1 AND r.author_id = $2 AND l.action = 'remove_reply' \
         ORDER BY l.created_at DESC, l.id DESC LIMIT 1",
    )
    .bind(reply_id)
    .bind(viewer)
    .fetch_optional(&db.pool)
    .await
}

/// One line of a moderation log. Never holds the content itself.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub id: i64,
    pub action: String,
    pub moderator: Option<String>,
    pub publication_id: Option<i64>,
    /// The publication's title (also for a reply or a lock).
    pub publication_title: Option<String>,
    pub reply_id: Option<i64>,
    /// The person banned, unbanned or suspended.
    pub username: Option<String>,
    pub reason: String,
    pub created_at: i64,
}

/// A community's moderation log, newest first; `page` is 0-based;
/// (entries, has_more). Report dismissals are listed only when
/// `with_dismissals` (for the community's moderators).
pub async fn modlog(
    db: &Db,
    community_id: i64,
    with_dismissals: bool,
    page: i64,
) -> Result<(Vec<LogEntry>, bool), sqlx::Error> {
    let offset = page.max(0) * PAGE_SIZE;
    let dismissals = if with_dismissals {
        ""
    } else {
        " AND l.action <> 'dismiss'"
    };
    let sql = format!(
        "SELECT l.id, l.action, l.publication_id, l.reply_id, l.reason, l.created_at, \
         a.username AS moderator, p.title AS p_title, u.username AS username \
         FROM mod_log l LEFT JOIN users a ON a.id = l.actor_id \
         LEFT JOIN publications p ON p.id = l.publication_id \
         LEFT JOIN users u ON u.id = l.user_id \
         WHERE l.community_id = $1{dismissals} ORDER BY l.created_at DESC, l.id DESC LIMIT {} OFFSET {offset}",
        PAGE_SIZE + 1
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(community_id)
        .fetch_all(&db.pool)
        .await?;
    let mut list = rows
        .iter()
        .map(|r| {
            Ok(LogEntry {
                id: r.try_get("id")?,
                action: r.try_get("action")?,
                moderator: r.try_get("moderator")?,
                publication_id: r.try_get("publication_id")?,
                publication_title: r.try_get("p_title")?,
                reply_id: r.try_get("reply_id")?,
                username: r.try_get("username")?,
                reason: r.try_get("reason")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let more = list.len() as i64 > PAGE_SIZE;
    list.truncate(PAGE_SIZE as usize);
    Ok((list, more))
}

/// Members banned from a community, most recent first, with the reason.
pub async fn banned_members(
    db: &Db,
    community_id: i64,
) -> Result<Vec<(i64, String, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.username, m.message, m.updated_at FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.community_id = $1 AND m.state = 'banned' ORDER BY m.updated_at DESC, u.id LIMIT 200",
    )
    .bind(community_id)
    .fetch_all(&db.pool)
    .await
}

/// Every action the moderation log can hold.
pub const LOGGED_ACTIONS: [&str; 17] = [
    "hide_publication",
    "remove_publication",
    "restore_publication",
    "hide_reply",
    "remove_reply",
    "restore_reply",
    "lock",
    "unlock",
    "ban",
    "unban",
    "remove_everywhere",
    "restore_everywhere",
    "suspend",
    "dismiss",
    "block_instance",
    "unblock_instance",
    "remove_remote_event",
];

/// Message key describing a logged action (`moderation-log-…`).
pub fn log_label_key(action: &str) -> String {
    format!("moderation-log-{}", action.replace('_', "-"))
}
