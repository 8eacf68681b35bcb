//! Invitations to a community: links with a code (shown once), sent by
//! e-mail or shared, with an expiry and a use limit; their storage, their
//! state now, and the list the pages and the API show to managers.

use sqlx::{AnyConnection, Row};

use super::Community;
use super::access::Loaded;
use crate::accounts;
use crate::db::{Db, now};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// One invitation (its code is stored hashed).
pub struct Invite {
    pub id: i64,
    pub community_id: i64,
    pub email: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub max_uses: Option<i64>,
    pub uses: i64,
    pub revoked_at: Option<i64>,
}

/// Create an invitation link; returns (id, code). The code is shown once.
pub async fn create(
    db: &Db,
    community_id: i64,
    by: Option<i64>,
    email: &str,
    days: i64,
    max_uses: Option<i64>,
) -> Result<(i64, String), sqlx::Error> {
    let (code, hash) = accounts::new_token();
    let t = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO community_invites (community_id, code_hash, email, created_by, created_at, expires_at, max_uses) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(community_id)
    .bind(hash)
    .bind(email.trim())
    .bind(by)
    .bind(t)
    .bind(t + days * 86400)
    .bind(max_uses)
    .fetch_one(&db.pool)
    .await?;
    Ok((id, code))
}

/// Use an invitation code, in the caller's transaction: the community id
/// if it is valid now. The use is counted atomically, so a limit of N
/// admits exactly N people.
pub async fn redeem_in(conn: &mut AnyConnection, code: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE community_invites SET uses = uses + 1 WHERE code_hash = $1 AND revoked_at IS NULL \
         AND expires_at > $2 AND (max_uses IS NULL OR uses < max_uses) RETURNING community_id",
    )
    .bind(accounts::hash_token(code))
    .bind(now())
    .fetch_optional(conn)
    .await
}

/// The community an invitation code points to, without using it.
pub async fn peek(db: &Db, code: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT community_id FROM community_invites WHERE code_hash = $1 AND revoked_at IS NULL \
         AND expires_at > $2 AND (max_uses IS NULL OR uses < max_uses)",
    )
    .bind(accounts::hash_token(code))
    .bind(now())
    .fetch_optional(&db.pool)
    .await
}

pub async fn list(db: &Db, community_id: i64) -> Result<Vec<Invite>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, community_id, email, created_at, expires_at, max_uses, uses, revoked_at \
         FROM community_invites WHERE community_id = $1 ORDER BY created_at DESC LIMIT 100",
    )
    .bind(community_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Invite {
                id: r.try_get("id")?,
                community_id: r.try_get("community_id")?,
                email: r.try_get("email")?,
                created_at: r.try_get("created_at")?,
                expires_at: r.try_get("expires_at")?,
                max_uses: r.try_get("max_uses")?,
                uses: r.try_get("uses")?,
                revoked_at: r.try_get("revoked_at")?,
            })
        })
        .collect()
}

/// Revoke an active invitation; false when there was none.
pub async fn revoke(db: &Db, community_id: i64, invite_id: i64) -> Result<bool, sqlx::Error> {
    let res = sqlx::query("UPDATE community_invites SET revoked_at = $1 WHERE id = $2 AND community_id = $3 AND revoked_at IS NULL")
        .bind(now())
        .bind(invite_id)
        .bind(community_id)
        .execute(&db.pool)
        .await?;
    Ok(res.rows_affected() > 0)
}
/// The community at `slug` when `code` is a valid invitation to it now
/// (the landing page of an invitation link, and `ops::redeem`).
pub async fn invited_community(
    state: &AppState,
    slug: &str,
    code: &str,
) -> AppResult<Option<Community>> {
    if code.is_empty() || code.len() > 128 {
        return Ok(None);
    }
    let Some(c) = super::by_slug(&state.db, slug).await? else {
        return Ok(None);
    };
    Ok((peek(&state.db, code).await? == Some(c.id)).then_some(c))
}

/// Where an invitation stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteState {
    Active,
    Expired,
    Revoked,
    /// Its use limit is reached.
    Used,
}

impl InviteState {
    pub fn as_str(self) -> &'static str {
        match self {
            InviteState::Active => "active",
            InviteState::Expired => "expired",
            InviteState::Revoked => "revoked",
            InviteState::Used => "used",
        }
    }
}

impl Invite {
    /// Its state at time `now` (revoked first, then used up, then expired).
    pub fn state(&self, now: i64) -> InviteState {
        if self.revoked_at.is_some() {
            InviteState::Revoked
        } else if self.max_uses.is_some_and(|m| self.uses >= m) {
            InviteState::Used
        } else if self.expires_at <= now {
            InviteState::Expired
        } else {
            InviteState::Active
        }
    }
}

/// A community's latest 100 invitations, newest first, for its managers
/// (`Forbidden` for anyone else). Codes are never shown again.
pub async fn shown(
    state: &AppState,
    viewer: Option<&accounts::User>,
    l: &Loaded,
) -> AppResult<Vec<Invite>> {
    if !l.manage(viewer) {
        return Err(AppError::Forbidden);
    }
    Ok(list(&state.db, l.c.id).await?)
}
