//! Members of a community: the rows (one member, a list, a page, a count
//! by state) and the member lists the pages and the API show, with who may
//! see which.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::access::Loaded;
use crate::accounts::User;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::policy::{MemberState, Role};
use crate::state::AppState;

/// Members shown per page of a member list.
pub const PAGE_SIZE: i64 = 50;

#[derive(Debug, Clone)]
pub struct Member {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub avatar_id: Option<i64>,
    pub role: Role,
    pub state: MemberState,
    pub message: String,
    pub since: i64,
}

/// Up to `limit` members in a given state, highest role first.
pub async fn list(
    db: &Db,
    community_id: i64,
    state: MemberState,
    limit: i64,
) -> Result<Vec<Member>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.id, u.username, u.display_name, u.avatar_id, m.role, m.state, m.message, m.created_at \
         FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.community_id = $1 AND m.state = $2 AND u.status = 'active' \
         ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'animator' THEN 1 WHEN 'moderator' THEN 2 ELSE 3 END, \
         LOWER(u.username) LIMIT $3",
    )
    .bind(community_id)
    .bind(state.as_str())
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(member_from_row).collect()
}

fn member_from_row(r: &AnyRow) -> Result<Member, sqlx::Error> {
    let role: String = r.try_get("role")?;
    let st: String = r.try_get("state")?;
    Ok(Member {
        user_id: r.try_get("id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        avatar_id: r.try_get("avatar_id")?,
        role: Role::parse(&role).unwrap_or(Role::Member),
        state: MemberState::parse(&st).unwrap_or(MemberState::Active),
        message: r.try_get("message")?,
        since: r.try_get("created_at")?,
    })
}

/// One member of a community, in any state, whatever their account status.
pub async fn get(db: &Db, community_id: i64, user_id: i64) -> Result<Option<Member>, sqlx::Error> {
    sqlx::query(
        "SELECT u.id, u.username, u.display_name, u.avatar_id, m.role, m.state, m.message, m.created_at \
         FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.community_id = $1 AND m.user_id = $2",
    )
    .bind(community_id)
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?
    .map(|r| member_from_row(&r))
    .transpose()
}

/// A page (0-based) of members in one state, highest role first, then by
/// name; (members, has_more).
pub async fn page(
    db: &Db,
    community_id: i64,
    state: MemberState,
    page: i64,
) -> Result<(Vec<Member>, bool), sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.id, u.username, u.display_name, u.avatar_id, m.role, m.state, m.message, m.created_at \
         FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.community_id = $1 AND m.state = $2 AND u.status = 'active' \
         ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'animator' THEN 1 WHEN 'moderator' THEN 2 ELSE 3 END, \
         LOWER(u.username), u.id LIMIT $3 OFFSET $4",
    )
    .bind(community_id)
    .bind(state.as_str())
    .bind(PAGE_SIZE + 1)
    .bind(page.max(0) * PAGE_SIZE)
    .fetch_all(&db.pool)
    .await?;
    let mut list = rows
        .iter()
        .map(member_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let more = list.len() as i64 > PAGE_SIZE;
    list.truncate(PAGE_SIZE as usize);
    Ok((list, more))
}

/// How many memberships are in a state (e.g. open join requests).
pub async fn count(db: &Db, community_id: i64, state: MemberState) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE community_id = $1 AND state = $2")
        .bind(community_id)
        .bind(state.as_str())
        .fetch_one(&db.pool)
        .await
}
/// A page (1-based) of a community's members in one state, as `viewer`
/// may see them: active members for whoever may read the community (the
/// caller loaded it with `access::load`), join requests and banned people
/// for its managers only (`Forbidden` otherwise; the pages answer 404 to
/// anonymous visitors). (members, has_more).
pub async fn shown(
    state: &AppState,
    viewer: Option<&User>,
    l: &Loaded,
    which: MemberState,
    page_no: i64,
) -> AppResult<(Vec<Member>, bool)> {
    if which != MemberState::Active && !l.manage(viewer) {
        return Err(AppError::Forbidden);
    }
    let page_no = page_no.clamp(1, 100_000);
    Ok(page(&state.db, l.c.id, which, page_no - 1).await?)
}

/// People `viewer` may mention, for the compose form's suggestions: active
/// members of an active community where the viewer is an active member
/// (whom they see in its member list), whose username starts with
/// `prefix` (case-insensitive). (username, shown name), by username.
pub async fn mention_candidates(
    db: &Db,
    viewer: &User,
    prefix: &str,
    limit: i64,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let prefix: String = prefix
        .trim()
        .trim_start_matches('@')
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '_' || *c == '-' || *c == '.')
        .take(30)
        .collect::<String>()
        .to_lowercase();
    if prefix.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(
        "SELECT DISTINCT u.username, u.display_name FROM memberships mine \
         JOIN communities c ON c.id = mine.community_id AND c.status = 'active' \
         JOIN memberships theirs ON theirs.community_id = mine.community_id AND theirs.state = 'active' \
         JOIN users u ON u.id = theirs.user_id \
         WHERE mine.user_id = $1 AND mine.state = 'active' AND u.status = 'active' AND u.id <> $1 \
         AND LOWER(u.username) LIKE $2 ORDER BY u.username LIMIT $3",
    )
    .bind(viewer.id)
    .bind(format!("{prefix}%"))
    .bind(limit.clamp(1, 20))
    .fetch_all(&db.pool)
    .await
}
