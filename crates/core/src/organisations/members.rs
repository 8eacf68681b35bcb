//! The reads of an organisation's page beyond its row: people linked to
//! it, its custom sections, its change log, and pending claims.

use sqlx::Row;

use crate::db::Db;
use crate::policy::OrgRole;

#[derive(Debug, Clone)]
pub struct OrgMember {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: OrgRole,
    /// 'active' or 'requested' (a claim).
    pub state: String,
    pub note: String,
    pub since: i64,
}

impl OrgMember {
    pub fn shown_name(&self) -> &str {
        if self.display_name.is_empty() {
            &self.username
        } else {
            &self.display_name
        }
    }
}

/// People linked to an organisation (`state` 'active' or 'requested'),
/// admins first. Only active accounts.
pub async fn list(db: &Db, org_id: i64, state: &str) -> Result<Vec<OrgMember>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT m.user_id, u.username, u.display_name, m.role, m.state, m.note, m.created_at \
         FROM organisation_members m JOIN users u ON u.id = m.user_id \
         WHERE m.organisation_id = $1 AND m.state = $2 AND u.status = 'active' \
         ORDER BY CASE m.role WHEN 'admin' THEN 0 ELSE 1 END, u.username LIMIT 500",
    )
    .bind(org_id)
    .bind(state)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            Ok(OrgMember {
                user_id: r.try_get("user_id")?,
                username: r.try_get("username")?,
                display_name: r.try_get("display_name")?,
                role: OrgRole::parse(&role).unwrap_or(OrgRole::Member),
                state: r.try_get("state")?,
                note: r.try_get("note")?,
                since: r.try_get("created_at")?,
            })
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct Section {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub position: i64,
}

pub async fn sections(db: &Db, org_id: i64) -> Result<Vec<Section>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, title, body, body_html, position FROM organisation_sections \
         WHERE organisation_id = $1 ORDER BY position, id",
    )
    .bind(org_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Section {
                id: r.try_get("id")?,
                title: r.try_get("title")?,
                body: r.try_get("body")?,
                body_html: r.try_get("body_html")?,
                position: r.try_get("position")?,
            })
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct Change {
    pub actor: String,
    pub action: String,
    pub detail: String,
    pub at: i64,
}

/// The latest changes of an organisation, newest first.
pub async fn changes(db: &Db, org_id: i64, limit: i64) -> Result<Vec<Change>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT actor_label, action, detail, created_at FROM organisation_changes \
         WHERE organisation_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(org_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Change {
                actor: r.try_get("actor_label")?,
                action: r.try_get("action")?,
                detail: r.try_get("detail")?,
                at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// Claims awaiting an administrator, over all organisations: (org slug,
/// org name, claimant).
pub async fn pending_claims(db: &Db) -> Result<Vec<(String, String, OrgMember)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT o.slug, o.name, m.user_id, u.username, u.display_name, m.role, m.state, m.note, m.created_at \
         FROM organisation_members m JOIN organisations o ON o.id = m.organisation_id \
         JOIN users u ON u.id = m.user_id WHERE m.state = 'requested' ORDER BY m.created_at LIMIT 200",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("slug")?,
                r.try_get("name")?,
                OrgMember {
                    user_id: r.try_get("user_id")?,
                    username: r.try_get("username")?,
                    display_name: r.try_get("display_name")?,
                    role: OrgRole::Admin,
                    state: r.try_get("state")?,
                    note: r.try_get("note")?,
                    since: r.try_get("created_at")?,
                },
            ))
        })
        .collect()
}

/// Organisations awaiting verification, oldest first.
pub async fn unverified(db: &Db) -> Result<Vec<super::Organisation>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM organisations o WHERE o.status = 'unverified' ORDER BY o.created_at, o.id LIMIT 200",
        super::ORG_COLUMNS
    )))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(super::Organisation::from_row).collect()
}
