//! Communities of practice: creation (or request), membership, roles,
//! invitations. Domain operations over the database; no HTTP. Who may do
//! what is decided by `crate::policy`; these functions assume the caller
//! asked it.

pub mod access;

use std::collections::HashMap;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::{self, User};
use crate::db::{Db, now};
use crate::policy::{
    CommunityFacts, CommunityStatus, JoinPolicy, MemberState, Membership, Role, Visibility,
};

pub const NAME_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 2000;
pub const TEXT_MAX: usize = 20000;
pub const SLUG_MAX: usize = 60;
pub const MESSAGE_MAX: usize = 1000;

#[derive(Debug, Clone)]
pub struct Community {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub charter: String,
    pub welcome: String,
    pub theme: String,
    pub territory: String,
    pub visibility: Visibility,
    pub join_policy: JoinPolicy,
    pub status: CommunityStatus,
    pub status_reason: String,
    pub request_note: String,
    pub domain: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub last_activity_at: i64,
    pub member_count: i64,
}

pub const COMMUNITY_COLUMNS: &str = "c.id, c.slug, c.name, c.description, c.charter, c.welcome, c.theme, \
     c.territory, c.visibility, c.join_policy, c.status, c.status_reason, c.request_note, c.domain, \
     c.created_by, c.created_at, c.last_activity_at, c.member_count";

impl Community {
    pub fn from_row(r: &AnyRow) -> Result<Community, sqlx::Error> {
        let bad = |what: &str, v: String| sqlx::Error::Decode(format!("unknown {what} {v}").into());
        let vis: String = r.try_get("visibility")?;
        let jp: String = r.try_get("join_policy")?;
        let st: String = r.try_get("status")?;
        Ok(Community {
            id: r.try_get("id")?,
            slug: r.try_get("slug")?,
            name: r.try_get("name")?,
            description: r.try_get("description")?,
            charter: r.try_get("charter")?,
            welcome: r.try_get("welcome")?,
            theme: r.try_get("theme")?,
            territory: r.try_get("territory")?,
            visibility: Visibility::parse(&vis).ok_or_else(|| bad("visibility", vis.clone()))?,
            join_policy: JoinPolicy::parse(&jp).ok_or_else(|| bad("join policy", jp.clone()))?,
            status: CommunityStatus::parse(&st).ok_or_else(|| bad("status", st.clone()))?,
            status_reason: r.try_get("status_reason")?,
            request_note: r.try_get("request_note")?,
            domain: r.try_get("domain")?,
            created_by: r.try_get("created_by")?,
            created_at: r.try_get("created_at")?,
            last_activity_at: r.try_get("last_activity_at")?,
            member_count: r.try_get("member_count")?,
        })
    }

    pub fn facts(&self) -> CommunityFacts {
        CommunityFacts {
            id: self.id,
            visibility: self.visibility,
            join_policy: self.join_policy,
            status: self.status,
            created_by: self.created_by,
        }
    }

    /// Stable public URL (its future ActivityPub Group id).
    pub fn path(&self) -> String {
        crate::urls::community(&self.slug)
    }
}

/// A URL-safe, readable identifier from a name: "Économie sociale — Bas-Saint-Laurent"
/// → "economie-sociale-bas-saint-laurent".
pub fn slugify(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::new();
    let mut dash = false;
    for ch in name.nfkd() {
        if unicode_normalization::char::is_combining_mark(ch) {
            continue;
        }
        let lower: String = ch.to_lowercase().collect();
        for c in lower.chars() {
            let c = match c {
                'œ' => "oe".to_string(),
                'æ' => "ae".to_string(),
                'ß' => "ss".to_string(),
                c if c.is_ascii_alphanumeric() => c.to_string(),
                _ => String::new(),
            };
            if c.is_empty() {
                if !out.is_empty() {
                    dash = true;
                }
            } else {
                if dash {
                    out.push('-');
                    dash = false;
                }
                out.push_str(&c);
            }
        }
    }
    out.chars()
        .take(SLUG_MAX)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

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

pub struct NewCommunity<'a> {
    pub name: &'a str,
    pub slug: Option<&'a str>,
    pub description: &'a str,
    pub theme: &'a str,
    pub territory: &'a str,
    pub visibility: Visibility,
    pub join_policy: JoinPolicy,
    /// Why the community is needed (when the instance approves communities).
    pub request_note: &'a str,
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
    let t = now();
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO communities (slug, name, description, theme, territory, visibility, join_policy, status, \
         request_note, created_by, created_at, last_activity_at, member_count) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, 1) RETURNING id",
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
    .bind(creator.id)
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO memberships (community_id, user_id, role, state, welcomed, created_at, updated_at) \
         VALUES ($1, $2, 'owner', 'active', 1, $3, $3)",
    )
    .bind(id)
    .bind(creator.id)
    .bind(t)
    .execute(&mut *tx)
    .await?;
    crate::search::index_one(&mut tx, db.backend, crate::search::Source::Communities, id).await?;
    tx.commit().await?;
    by_id(db, id).await?.ok_or(sqlx::Error::RowNotFound)
}

/// Recount active members (after any membership change).
pub async fn recount(db: &Db, community_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE communities SET member_count = \
         (SELECT COUNT(*) FROM memberships WHERE community_id = $1 AND state = 'active') WHERE id = $1",
    )
    .bind(community_id)
    .execute(&db.pool)
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
    .execute(&db.pool)
    .await?;
    recount(db, community_id).await
}

pub async fn remove_membership(
    db: &Db,
    community_id: i64,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM memberships WHERE community_id = $1 AND user_id = $2")
        .bind(community_id)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    recount(db, community_id).await
}

/// Number of active owners (a community keeps at least one).
pub async fn owner_count(db: &Db, community_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE community_id = $1 AND role = 'owner' AND state = 'active'")
        .bind(community_id)
        .fetch_one(&db.pool)
        .await
}

/// Note that the community saw activity now (orders the directory).
pub async fn touch(db: &Db, community_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE communities SET last_activity_at = $1 WHERE id = $2")
        .bind(now())
        .bind(community_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

// ---- invitations ---------------------------------------------------------------------

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
pub async fn create_invite(
    db: &Db,
    community_id: i64,
    by: i64,
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

/// Use an invitation code: the community id if it is valid now. The use
/// is counted atomically, so a limit of N admits exactly N people.
pub async fn redeem_invite(db: &Db, code: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE community_invites SET uses = uses + 1 WHERE code_hash = $1 AND revoked_at IS NULL \
         AND expires_at > $2 AND (max_uses IS NULL OR uses < max_uses) RETURNING community_id",
    )
    .bind(accounts::hash_token(code))
    .bind(now())
    .fetch_optional(&db.pool)
    .await
}

/// The community an invitation code points to, without using it.
pub async fn peek_invite(db: &Db, code: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT community_id FROM community_invites WHERE code_hash = $1 AND revoked_at IS NULL \
         AND expires_at > $2 AND (max_uses IS NULL OR uses < max_uses)",
    )
    .bind(accounts::hash_token(code))
    .bind(now())
    .fetch_optional(&db.pool)
    .await
}

pub async fn list_invites(db: &Db, community_id: i64) -> Result<Vec<Invite>, sqlx::Error> {
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

pub async fn revoke_invite(
    db: &Db,
    community_id: i64,
    invite_id: i64,
) -> Result<bool, sqlx::Error> {
    let res = sqlx::query("UPDATE community_invites SET revoked_at = $1 WHERE id = $2 AND community_id = $3 AND revoked_at IS NULL")
        .bind(now())
        .bind(invite_id)
        .bind(community_id)
        .execute(&db.pool)
        .await?;
    Ok(res.rows_affected() > 0)
}

// ---- listing ------------------------------------------------------------------------

#[derive(Debug, Default, Clone)]
pub struct DirectoryFilter {
    pub theme: Option<String>,
    pub territory: Option<String>,
    pub visibility: Option<Visibility>,
    pub query: Option<String>,
    /// Only communities the viewer is an active member of.
    pub mine: bool,
}

pub const PAGE_SIZE: i64 = 30;

/// The directory: communities this viewer may see listed, most recently
/// active first, `PAGE_SIZE` per page (plus one to know if there is more).
pub async fn directory(
    db: &Db,
    viewer: Option<&User>,
    f: &DirectoryFilter,
    page: i64,
) -> Result<(Vec<Community>, bool), sqlx::Error> {
    let viewer_id = crate::policy::sql_needs_viewer(viewer);
    // $1 is the viewer id (bound even when unused, to keep numbering fixed).
    let mut sql = format!(
        "SELECT {COMMUNITY_COLUMNS} FROM communities c WHERE {}",
        crate::policy::listed_communities_sql("c", viewer, 1)
    );
    let mut binds: Vec<String> = Vec::new();
    let mut next = 2;
    let mut push = |sql: &mut String, cond: &str, value: String| {
        sql.push_str(&cond.replace("$?", &format!("${next}")));
        binds.push(value);
        next += 1;
    };
    if let Some(t) = f.theme.as_deref().filter(|s| !s.is_empty()) {
        push(&mut sql, " AND c.theme = $?", t.to_string());
    }
    if let Some(t) = f.territory.as_deref().filter(|s| !s.is_empty()) {
        push(&mut sql, " AND c.territory = $?", t.to_string());
    }
    if let Some(v) = f.visibility {
        push(&mut sql, " AND c.visibility = $?", v.as_str().to_string());
    }
    if let Some(q) = f.query.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = format!(
            "%{}%",
            q.to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        push(
            &mut sql,
            " AND (LOWER(c.name) LIKE $? ESCAPE '\\'",
            pattern.clone(),
        );
        push(
            &mut sql,
            " OR LOWER(c.description) LIKE $? ESCAPE '\\')",
            pattern,
        );
    }
    if f.mine {
        sql.push_str(" AND EXISTS (SELECT 1 FROM memberships mm WHERE mm.community_id = c.id AND mm.user_id = $1 AND mm.state = 'active')");
    }
    let offset = page.max(0) * PAGE_SIZE;
    sql.push_str(&format!(
        " ORDER BY c.last_activity_at DESC, c.id DESC LIMIT {} OFFSET {offset}",
        PAGE_SIZE + 1
    ));
    // Administrators are not bound by the listing condition, but "mine" still needs their id.
    let bound_id = viewer_id.or_else(|| if f.mine { viewer.map(|u| u.id) } else { None });
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(bound_id.unwrap_or(0));
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(&db.pool).await?;
    let mut list = rows
        .iter()
        .map(Community::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let more = list.len() as i64 > PAGE_SIZE;
    list.truncate(PAGE_SIZE as usize);
    Ok((list, more))
}

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

/// Members in a given state, highest role first.
pub async fn members(
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
    rows.iter()
        .map(|r| {
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
        })
        .collect()
}

// ---- choices ---------------------------------------------------------------------------

/// Themes a community may choose (stable codes; labels are the
/// `community-theme-<code>` messages).
pub const THEMES: &[&str] = &[
    "economie-sociale",
    "action-communautaire",
    "developpement-local",
    "transition",
    "culture",
    "recherche",
    "philanthropie",
    "municipal",
    "autre",
];

/// The 17 administrative regions of Québec (code, name), from
/// shared/data/quebec-regions.csv. Names are proper nouns, the same in every language.
pub const REGIONS: &[(&str, &str)] = &[
    ("bas-saint-laurent", "Bas-Saint-Laurent"),
    ("saguenay-lac-saint-jean", "Saguenay–Lac-Saint-Jean"),
    ("capitale-nationale", "Capitale-Nationale"),
    ("mauricie", "Mauricie"),
    ("estrie", "Estrie"),
    ("montreal", "Montréal"),
    ("outaouais", "Outaouais"),
    ("abitibi-temiscamingue", "Abitibi-Témiscamingue"),
    ("cote-nord", "Côte-Nord"),
    ("nord-du-quebec", "Nord-du-Québec"),
    (
        "gaspesie-iles-de-la-madeleine",
        "Gaspésie–Îles-de-la-Madeleine",
    ),
    ("chaudiere-appalaches", "Chaudière-Appalaches"),
    ("laval", "Laval"),
    ("lanaudiere", "Lanaudière"),
    ("laurentides", "Laurentides"),
    ("monteregie", "Montérégie"),
    ("centre-du-quebec", "Centre-du-Québec"),
];

pub fn region_name(code: &str) -> Option<&'static str> {
    REGIONS.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

/// An empty theme means "none chosen".
pub fn valid_theme(code: &str) -> bool {
    code.is_empty() || THEMES.contains(&code)
}

/// An empty territory means "none in particular".
pub fn valid_territory(code: &str) -> bool {
    code.is_empty() || region_name(code).is_some()
}

pub const INVITE_DAYS_DEFAULT: i64 = 14;
pub const INVITE_DAYS_MAX: i64 = 90;
pub const INVITE_USES_MAX: i64 = 10_000;
/// Members shown per page of a member list.
pub const MEMBERS_PAGE: i64 = 50;

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
pub async fn member(
    db: &Db,
    community_id: i64,
    user_id: i64,
) -> Result<Option<Member>, sqlx::Error> {
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
pub async fn members_page(
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
    .bind(MEMBERS_PAGE + 1)
    .bind(page.max(0) * MEMBERS_PAGE)
    .fetch_all(&db.pool)
    .await?;
    let mut list = rows
        .iter()
        .map(member_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let more = list.len() as i64 > MEMBERS_PAGE;
    list.truncate(MEMBERS_PAGE as usize);
    Ok((list, more))
}

/// How many memberships are in a state (e.g. open join requests).
pub async fn count_in_state(
    db: &Db,
    community_id: i64,
    state: MemberState,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE community_id = $1 AND state = $2")
        .bind(community_id)
        .bind(state.as_str())
        .fetch_one(&db.pool)
        .await
}

// ---- settings and status --------------------------------------------------------------------

/// What managers may change after creation (the slug, its URL, stays).
#[derive(Debug, Clone)]
pub struct CommunitySettings {
    pub name: String,
    pub description: String,
    pub charter: String,
    pub welcome: String,
    pub theme: String,
    pub territory: String,
    pub visibility: Visibility,
    pub join_policy: JoinPolicy,
}

impl CommunitySettings {
    pub fn of(c: &Community) -> CommunitySettings {
        CommunitySettings {
            name: c.name.clone(),
            description: c.description.clone(),
            charter: c.charter.clone(),
            welcome: c.welcome.clone(),
            theme: c.theme.clone(),
            territory: c.territory.clone(),
            visibility: c.visibility,
            join_policy: c.join_policy,
        }
    }
}

/// Check settings; (field, message key) pairs on refusal.
pub fn check_settings(s: &CommunitySettings) -> Vec<(&'static str, &'static str)> {
    let mut errs = Vec::new();
    let name = s.name.trim();
    if name.is_empty() {
        errs.push(("name", "field-required"));
    } else if name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        errs.push(("name", "field-too-long"));
    }
    if s.description.trim().chars().count() > DESCRIPTION_MAX {
        errs.push(("description", "field-too-long"));
    }
    if s.charter.trim().chars().count() > TEXT_MAX {
        errs.push(("charter", "field-too-long"));
    }
    if s.welcome.trim().chars().count() > TEXT_MAX {
        errs.push(("welcome", "field-too-long"));
    }
    if !valid_theme(&s.theme) {
        errs.push(("theme", "field-invalid-choice"));
    }
    if !valid_territory(&s.territory) {
        errs.push(("territory", "field-invalid-choice"));
    }
    if s.visibility == Visibility::Private && s.join_policy == JoinPolicy::Open {
        errs.push(("join_policy", "community-private-open"));
    }
    errs
}

pub async fn update_settings(
    db: &Db,
    community_id: i64,
    s: &CommunitySettings,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE communities SET name = $1, description = $2, charter = $3, welcome = $4, theme = $5, \
         territory = $6, visibility = $7, join_policy = $8 WHERE id = $9",
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
        &mut tx,
        db.backend,
        crate::search::Source::Communities,
        community_id,
    )
    .await?;
    tx.commit().await?;
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
    let list = from
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE communities SET status = $1, status_reason = $2 WHERE id = $3 AND status IN ({list})"
    );
    let mut tx = db.begin().await?;
    let res = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(to.as_str())
        .bind(accounts::truncate(reason.trim(), MESSAGE_MAX))
        .bind(community_id)
        .execute(&mut *tx)
        .await?;
    crate::search::index_one(
        &mut tx,
        db.backend,
        crate::search::Source::Communities,
        community_id,
    )
    .await?;
    tx.commit().await?;
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

// ---- roles --------------------------------------------------------------------------------

/// May someone with role `actor` (None: not an active member) give `new` to
/// a member whose role is `target`? Managers (animators, owners) act on
/// members below them, never above their own role; owners act on anyone and
/// alone make owners. Instance administrators may do anything.
pub fn may_set_role(actor_admin: bool, actor: Option<Role>, target: Role, new: Role) -> bool {
    if actor_admin {
        return true;
    }
    match actor {
        Some(a) if a >= Role::Animator => (a == Role::Owner || target < a) && new <= a,
        _ => false,
    }
}

/// May `actor` remove a member whose role is `target`? Same rule as roles.
pub fn may_remove(actor_admin: bool, actor: Option<Role>, target: Role) -> bool {
    may_set_role(actor_admin, actor, target, Role::Member)
}

/// Change an active member's role; false when there is no such active member.
pub async fn set_role(
    db: &Db,
    community_id: i64,
    user_id: i64,
    role: Role,
) -> Result<bool, sqlx::Error> {
    let res = sqlx::query("UPDATE memberships SET role = $1, updated_at = $2 WHERE community_id = $3 AND user_id = $4 AND state = 'active'")
        .bind(role.as_str())
        .bind(now())
        .bind(community_id)
        .bind(user_id)
        .execute(&db.pool)
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

/// One notification record (see the `notifications` table). `data` is a
/// small JSON object (e.g. `{"reason": "…"}`), or empty.
pub async fn notify(
    db: &Db,
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
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The same notification to every manager (owner, animator) of a community.
pub async fn notify_managers(
    db: &Db,
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
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The same notification to every active administrator of the instance.
pub async fn notify_admins(
    db: &Db,
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
    .execute(&db.pool)
    .await?;
    Ok(())
}

#[cfg(test)]
mod role_tests {
    use super::*;

    #[test]
    fn roles_are_never_given_above_ones_own() {
        use Role::*;
        // Owners do anything, including making owners.
        assert!(may_set_role(false, Some(Owner), Member, Owner));
        assert!(may_set_role(false, Some(Owner), Owner, Animator));
        // Animators manage those below them, up to animator.
        assert!(may_set_role(false, Some(Animator), Member, Moderator));
        assert!(may_set_role(false, Some(Animator), Moderator, Animator));
        assert!(
            !may_set_role(false, Some(Animator), Member, Owner),
            "only owners make owners"
        );
        assert!(
            !may_set_role(false, Some(Animator), Owner, Member),
            "not above their own"
        );
        assert!(
            !may_set_role(false, Some(Animator), Animator, Member),
            "not their peers"
        );
        assert!(!may_set_role(false, Some(Moderator), Member, Moderator));
        assert!(!may_set_role(false, None, Member, Moderator));
        assert!(may_set_role(true, None, Owner, Member));
        assert!(may_remove(false, Some(Animator), Moderator));
        assert!(!may_remove(false, Some(Animator), Owner));
    }

    #[test]
    fn choices_are_known() {
        assert_eq!(REGIONS.len(), 17);
        assert!(valid_territory("") && valid_territory("montreal") && !valid_territory("paris"));
        assert!(valid_theme("culture") && !valid_theme("sport"));
        assert_eq!(
            region_name("gaspesie-iles-de-la-madeleine"),
            Some("Gaspésie–Îles-de-la-Madeleine")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs_are_readable_ascii() {
        assert_eq!(
            slugify("Économie sociale — Bas-Saint-Laurent"),
            "economie-sociale-bas-saint-laurent"
        );
        assert_eq!(slugify("  Cœur  de l'île  "), "coeur-de-l-ile");
        assert_eq!(slugify("!!!"), "");
        assert!(slugify(&"a".repeat(200)).len() <= super::SLUG_MAX);
    }
}
