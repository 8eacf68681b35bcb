//! The SQL over communities and memberships: reading one community and a
//! viewer's memberships, creating, membership rows, settings and status,
//! roles, and the notifications sent to members and administrators.
//! Re-exported by `crate::communities`.
//!
//! Writes come in two forms: `*_in`, for an operation's transaction (the
//! caller commits), and a form on the pool that runs in its own
//! transaction (tests, seeding, other domains).

use std::collections::HashMap;

use sqlx::AnyConnection;

use super::{
    COMMUNITY_COLUMNS, Community, CommunitySettings, DESCRIPTION_MAX, MESSAGE_MAX, NAME_MAX,
    NewCommunity, slugify,
};
use crate::accounts::{self, User};
use crate::db::{Backend, Db, now};
use crate::policy::{CommunityStatus, JoinPolicy, MemberState, Membership, Role, Visibility};

pub async fn by_slug(db: &Db, slug: &str) -> Result<Option<Community>, sqlx::Error> {
    let sql = format!("SELECT {COMMUNITY_COLUMNS} FROM communities c WHERE c.slug = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(slug)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| Community::from_row(&r))
        .transpose()
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Community>, sqlx::Error> {
    let sql = format!("SELECT {COMMUNITY_COLUMNS} FROM communities c WHERE c.id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| Community::from_row(&r))
        .transpose()
}

fn membership_from(role: &str, state: &str) -> Option<Membership> {
    Some(Membership {
        role: Role::parse(role)?,
        state: MemberState::parse(state)?,
    })
}

/// The viewer's membership in one community.
pub async fn membership(
    db: &Db,
    community_id: i64,
    user: Option<&User>,
) -> Result<Option<Membership>, sqlx::Error> {
    let Some(u) = user else { return Ok(None) };
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT role, state FROM memberships WHERE community_id = $1 AND user_id = $2",
    )
    .bind(community_id)
    .bind(u.id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.and_then(|(r, s)| membership_from(&r, &s)))
}

/// The viewer's memberships in many communities, in one query.
pub async fn memberships(
    db: &Db,
    user: Option<&User>,
    community_ids: &[i64],
) -> Result<HashMap<i64, Membership>, sqlx::Error> {
    let Some(u) = user else {
        return Ok(HashMap::new());
    };
    if community_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let list = community_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let sql = format!(
        "SELECT community_id, role, state FROM memberships WHERE user_id = $1 AND community_id IN ({list})"
    );
    let rows: Vec<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(u.id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, r, s)| Some((id, membership_from(&r, &s)?)))
        .collect())
}

/// Check a new community; (field, message key) pairs on refusal.
pub async fn check_new(
    db: &Db,
    n: &NewCommunity<'_>,
) -> Result<(String, Vec<(&'static str, &'static str)>), sqlx::Error> {
    let mut errs = Vec::new();
    let name = n.name.trim();
    if name.is_empty() {
        errs.push(("name", "field-required"));
    } else if name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        errs.push(("name", "field-too-long"));
    }
    if n.description.chars().count() > DESCRIPTION_MAX {
        errs.push(("description", "field-too-long"));
    }
    if n.request_note.chars().count() > MESSAGE_MAX {
        errs.push(("request_note", "field-too-long"));
    }
    let slug = slugify(n.slug.filter(|s| !s.trim().is_empty()).unwrap_or(name));
    if slug.len() < 2 {
        errs.push(("slug", "community-slug-invalid"));
    } else if RESERVED_SLUGS.contains(&slug.as_str()) || by_slug(db, &slug).await?.is_some() {
        errs.push(("slug", "community-slug-taken"));
    }
    if n.visibility == Visibility::Private && n.join_policy == JoinPolicy::Open {
        errs.push(("join_policy", "community-private-open"));
    }
    Ok((slug, errs))
}

const RESERVED_SLUGS: &[&str] = &[
    "new", "nouvelle", "explorer", "requests", "demandes", "feed", "rss", "atom",
];

/// Create a community with its creator as owner. `pending` when the
/// instance approves new communities.
pub async fn create(
    db: &Db,
    creator: &User,
    n: &NewCommunity<'_>,
    slug: &str,
    pending: bool,
) -> Result<Community, sqlx::Error> {
    let mut tx = db.begin().await?;
    let id = create_in(&mut tx, db.backend, creator.id, n, slug, pending).await?;
    tx.commit().await?;
    by_id(db, id).await?.ok_or(sqlx::Error::RowNotFound)
}

/// The rows of a new community (community, owner, search entry) in the
/// caller's transaction; its id.
pub async fn create_in(
    conn: &mut AnyConnection,
    backend: Backend,
    creator_id: i64,
    n: &NewCommunity<'_>,
    slug: &str,
    pending: bool,
) -> Result<i64, sqlx::Error> {
    let t = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO communities (slug, name, description, theme, territory, visibility, join_policy, status, \
         request_note, created_by, created_at, last_activity_at, inner_activity_at, member_count) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $11, 1) RETURNING id",
    )
    .bind(slug)
    .bind(n.name.trim())
    .bind(n.description.trim())
    .bind(n.theme.trim())
    .bind(n.territory.trim())
    .bind(n.visibility.as_str())
    .bind(n.join_policy.as_str())
    .bind(if pending { "pending" } else { "active" })
    .bind(n.request_note.trim())
    .bind(creator_id)
    .bind(t)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO memberships (community_id, user_id, role, state, welcomed, created_at, updated_at) \
         VALUES ($1, $2, 'owner', 'active', 1, $3, $3)",
    )
    .bind(id)
    .bind(creator_id)
    .bind(t)
    .execute(&mut *conn)
    .await?;
    crate::search::index_one(conn, backend, crate::search::Source::Communities, id).await?;
    Ok(id)
}

/// Recount active members (after any membership change).
pub async fn recount(db: &Db, community_id: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    recount_in(&mut tx, community_id).await?;
    tx.commit().await
}

pub async fn recount_in(conn: &mut AnyConnection, community_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE communities SET member_count = \
         (SELECT COUNT(*) FROM memberships WHERE community_id = $1 AND state = 'active') WHERE id = $1",
    )
    .bind(community_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Add or update a membership (join, approve, invite, ban…).
pub async fn set_membership(
    db: &Db,
    community_id: i64,
    user_id: i64,
    role: Role,
    state: MemberState,
    message: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    set_membership_in(&mut tx, community_id, user_id, role, state, message).await?;
    tx.commit().await
}

/// `set_membership` in the caller's transaction (the member count too).
pub async fn set_membership_in(
    conn: &mut AnyConnection,
    community_id: i64,
    user_id: i64,
    role: Role,
    state: MemberState,
    message: &str,
) -> Result<(), sqlx::Error> {
    let t = now();
    sqlx::query(
        "INSERT INTO memberships (community_id, user_id, role, state, message, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) \
         ON CONFLICT (community_id, user_id) DO UPDATE SET role = excluded.role, state = excluded.state, \
         message = excluded.message, updated_at = excluded.updated_at",
    )
    .bind(community_id)
    .bind(user_id)
    .bind(role.as_str())
    .bind(state.as_str())
    .bind(accounts::truncate(message, MESSAGE_MAX))
    .bind(t)
    .execute(&mut *conn)
    .await?;
    recount_in(conn, community_id).await
}

pub async fn remove_membership(
    db: &Db,
    community_id: i64,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    remove_membership_in(&mut tx, community_id, user_id).await?;
    tx.commit().await
}

/// `remove_membership` in the caller's transaction (the member count too).
pub async fn remove_membership_in(
    conn: &mut AnyConnection,
    community_id: i64,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM memberships WHERE community_id = $1 AND user_id = $2")
        .bind(community_id)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    recount_in(conn, community_id).await
}

/// Number of active owners (a community keeps at least one).
pub async fn owner_count(db: &Db, community_id: i64) -> Result<i64, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    owner_count_in(&mut conn, community_id).await
}

/// `owner_count` read in the caller's transaction, so that the check and
/// the change that depends on it see the same rows.
pub async fn owner_count_in(
    conn: &mut AnyConnection,
    community_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE community_id = $1 AND role = 'owner' AND state = 'active'")
        .bind(community_id)
        .fetch_one(conn)
        .await
}

/// Note that the community saw activity now (orders the directory).
pub async fn touch(db: &Db, community_id: i64) -> Result<(), sqlx::Error> {
    // The public date of a private community does not move (the policy).
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE communities SET inner_activity_at = $1, last_activity_at = {} WHERE id = $2",
        crate::policy::public_activity_sql("", 1)
    )))
    .bind(now())
    .bind(community_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

// ---- membership details -------------------------------------------------------------------

/// The viewer's membership and whether the welcome message was already shown.
pub async fn membership_welcomed(
    db: &Db,
    community_id: i64,
    user: Option<&User>,
) -> Result<Option<(Membership, bool)>, sqlx::Error> {
    let Some(u) = user else { return Ok(None) };
    let row: Option<(String, String, i64)> = sqlx::query_as(
        "SELECT role, state, welcomed FROM memberships WHERE community_id = $1 AND user_id = $2",
    )
    .bind(community_id)
    .bind(u.id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.and_then(|(r, s, w)| Some((membership_from(&r, &s)?, w != 0))))
}

/// Note that the welcome message and charter were shown; true when this
/// call did it (so they are shown once, even with two tabs open).
pub async fn mark_welcomed(db: &Db, community_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
    let res = sqlx::query("UPDATE memberships SET welcomed = 1 WHERE community_id = $1 AND user_id = $2 AND welcomed = 0")
        .bind(community_id)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(res.rows_affected() > 0)
}

pub async fn update_settings(
    db: &Db,
    community_id: i64,
    s: &CommunitySettings,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    update_settings_in(&mut tx, db.backend, community_id, s).await?;
    tx.commit().await?;
    Ok(())
}

/// `update_settings` in the caller's transaction (with the search entry).
pub async fn update_settings_in(
    tx: &mut AnyConnection,
    backend: crate::db::Backend,
    community_id: i64,
    s: &CommunitySettings,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        // A private community made open or unlisted shows its real activity
        // from now on (its public date was frozen while private).
        "UPDATE communities SET name = $1, description = $2, charter = $3, welcome = $4, theme = $5, \
         territory = $6, visibility = $7, join_policy = $8, \
         last_activity_at = CASE WHEN $7 <> 'private' AND inner_activity_at > last_activity_at \
           THEN inner_activity_at ELSE last_activity_at END WHERE id = $9",
    )
    .bind(s.name.trim())
    .bind(s.description.trim())
    .bind(s.charter.trim().replace("\r\n", "\n"))
    .bind(s.welcome.trim().replace("\r\n", "\n"))
    .bind(&s.theme)
    .bind(&s.territory)
    .bind(s.visibility.as_str())
    .bind(s.join_policy.as_str())
    .bind(community_id)
    .execute(&mut *tx)
    .await?;
    crate::search::index_one(
        tx,
        backend,
        crate::search::Source::Communities,
        community_id,
    )
    .await?;
    Ok(())
}

/// Move a community from one of `from` to `to` (archive, reopen, approve,
/// refuse); false when it was not in one of those states (someone else
/// acted first).
pub async fn change_status(
    db: &Db,
    community_id: i64,
    from: &[CommunityStatus],
    to: CommunityStatus,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let done = change_status_in(&mut tx, db.backend, community_id, from, to, reason).await?;
    tx.commit().await?;
    Ok(done)
}

/// `change_status` in the caller's transaction (the search entry too).
pub async fn change_status_in(
    conn: &mut AnyConnection,
    backend: Backend,
    community_id: i64,
    from: &[CommunityStatus],
    to: CommunityStatus,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let list = from
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE communities SET status = $1, status_reason = $2 WHERE id = $3 AND status IN ({list})"
    );
    let res = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(to.as_str())
        .bind(accounts::truncate(reason.trim(), MESSAGE_MAX))
        .bind(community_id)
        .execute(&mut *conn)
        .await?;
    crate::search::index_one(
        conn,
        backend,
        crate::search::Source::Communities,
        community_id,
    )
    .await?;
    Ok(res.rows_affected() > 0)
}

/// Communities awaiting an administrator, oldest first.
pub async fn pending(db: &Db, limit: i64) -> Result<Vec<Community>, sqlx::Error> {
    let sql = format!(
        "SELECT {COMMUNITY_COLUMNS} FROM communities c WHERE c.status = 'pending' ORDER BY c.created_at, c.id LIMIT $1"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(Community::from_row).collect()
}

/// Change an active member's role in the caller's transaction; false when
/// there is no such active member.
pub async fn set_role_in(
    conn: &mut AnyConnection,
    community_id: i64,
    user_id: i64,
    role: Role,
) -> Result<bool, sqlx::Error> {
    let res = sqlx::query("UPDATE memberships SET role = $1, updated_at = $2 WHERE community_id = $3 AND user_id = $4 AND state = 'active'")
        .bind(role.as_str())
        .bind(now())
        .bind(community_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(res.rows_affected() > 0)
}

/// Make `to` (an active member) the owner. `from` (the owner handing over)
/// becomes an animator; with `from = None` (an administrator acting) every
/// current owner becomes an animator. False when `to` is not an active member.
pub async fn transfer_ownership(
    db: &Db,
    community_id: i64,
    to: i64,
    from: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let t = now();
    let mut tx = db.begin().await?;
    let res = sqlx::query("UPDATE memberships SET role = 'owner', updated_at = $1 WHERE community_id = $2 AND user_id = $3 AND state = 'active'")
        .bind(t)
        .bind(community_id)
        .bind(to)
        .execute(&mut *tx)
        .await?;
    if res.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    match from {
        Some(f) if f != to => {
            sqlx::query("UPDATE memberships SET role = 'animator', updated_at = $1 WHERE community_id = $2 AND user_id = $3 AND role = 'owner'")
                .bind(t)
                .bind(community_id)
                .bind(f)
                .execute(&mut *tx)
                .await?;
        }
        Some(_) => {}
        None => {
            sqlx::query("UPDATE memberships SET role = 'animator', updated_at = $1 WHERE community_id = $2 AND user_id <> $3 AND role = 'owner'")
                .bind(t)
                .bind(community_id)
                .bind(to)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await.map(|_| true)
}

// ---- notifications --------------------------------------------------------------------------

/// One notification record, in the caller's transaction (see the `notifications` table). `data` is a
/// small JSON object (e.g. `{"reason": "…"}`), or empty.
pub async fn notify_in(
    conn: &mut AnyConnection,
    user_id: i64,
    kind: &str,
    actor_id: Option<i64>,
    community_id: i64,
    data: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO notifications (user_id, kind, actor_id, community_id, data, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(user_id)
        .bind(kind)
        .bind(actor_id)
        .bind(community_id)
        .bind(data)
        .bind(now())
        .execute(conn)
        .await?;
    Ok(())
}

/// The same notification to every manager (owner, animator) of a community.
pub async fn notify_managers_in(
    conn: &mut AnyConnection,
    community_id: i64,
    kind: &str,
    actor_id: Option<i64>,
    data: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notifications (user_id, kind, actor_id, community_id, data, created_at) \
         SELECT m.user_id, $1, $2, $3, $4, $5 FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.community_id = $3 AND m.state = 'active' AND m.role IN ('owner', 'animator') AND u.status = 'active'",
    )
    .bind(kind)
    .bind(actor_id)
    .bind(community_id)
    .bind(data)
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}

/// The same notification to every active administrator of the instance.
pub async fn notify_admins_in(
    conn: &mut AnyConnection,
    community_id: i64,
    kind: &str,
    actor_id: Option<i64>,
    data: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notifications (user_id, kind, actor_id, community_id, data, created_at) \
         SELECT u.id, $1, $2, $3, $4, $5 FROM users u WHERE u.is_admin = 1 AND u.status = 'active' AND u.domain IS NULL",
    )
    .bind(kind)
    .bind(actor_id)
    .bind(community_id)
    .bind(data)
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}
