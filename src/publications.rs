//! Publications (discussions, questions, watch items) shared into one or
//! more communities, with their replies, revisions, tags, attachments,
//! follows and link previews. Domain operations; no HTTP.
//!
//! Who may see what is decided by `crate::policy`: a publication is read
//! through the communities it is shared into ([`sight`]); every function
//! here that lists or loads content for a viewer applies it (or the SQL
//! form `policy::readable_communities_sql`). Functions that change content
//! assume the caller checked the permission (handlers call the `may_*`
//! helpers below).
//!
//! Statement budget: every SQL statement run here goes through [`tick`], so
//! a test can count the statements of a page ([`count_statements`]).

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::OnceLock;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::User;
use crate::communities::{COMMUNITY_COLUMNS, Community};
use crate::db::{Backend, Db, now};
use crate::markdown;
use crate::notifications::{self, NewNotification};
use crate::policy::{self, Action, ContentStatus, MemberState, Membership, Role, SharedIn, Sight};

pub const TITLE_MAX: usize = 200;
pub const TAG_MAX_CHARS: usize = 100;
/// Tags chosen in the form (hashtags found in the body come on top).
pub const CHOSEN_TAGS_MAX: usize = 10;
pub const TAGS_MAX: usize = 20;
/// Levels of replies shown nested; deeper replies attach to their level-5 ancestor.
pub const REPLY_LEVELS: i64 = 5;
pub const PAGE_SIZE: i64 = 20;
/// Mentions that notify, per text (more are rendered but not notified).
pub const MENTIONS_MAX: usize = 20;
const EXCERPT_CHARS: usize = 220;

// ---- statement counting -------------------------------------------------------------

tokio::task_local! {
    static STATEMENTS: Cell<u32>;
}

/// Count one SQL statement (when a [`count_statements`] scope is active).
pub fn tick() {
    let _ = STATEMENTS.try_with(|c| c.set(c.get() + 1));
}

/// Run `f` and count the statements it ran through this module.
pub async fn count_statements<F: Future>(f: F) -> (F::Output, u32) {
    STATEMENTS
        .scope(Cell::new(0), async {
            let out = f.await;
            let n = STATEMENTS.try_with(Cell::get).unwrap_or(0);
            (out, n)
        })
        .await
}

// ---- kinds and rows -----------------------------------------------------------------

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Discussion,
    Question,
    Watch,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Discussion => "discussion",
            Kind::Question => "question",
            Kind::Watch => "watch",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "discussion" => Some(Kind::Discussion),
            "question" => Some(Kind::Question),
            "watch" => Some(Kind::Watch),
            _ => None,
        }
    }
}

/// A person as shown next to content.
#[derive(Debug, Clone)]
pub struct Author {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub avatar_id: Option<i64>,
}

impl Author {
    pub fn shown_name(&self) -> &str {
        if self.display_name.trim().is_empty() {
            &self.username
        } else {
            &self.display_name
        }
    }
    pub fn path(&self) -> String {
        crate::urls::user(&self.username)
    }
    pub fn avatar_url(&self) -> Option<String> {
        self.avatar_id.map(|id| format!("/media/{id}"))
    }
}

fn author_from(r: &AnyRow, id_col: &str, prefix: &str) -> Result<Option<Author>, sqlx::Error> {
    let id: Option<i64> = r.try_get(id_col)?;
    let username: Option<String> = r.try_get(format!("{prefix}username").as_str())?;
    Ok(match (id, username) {
        (Some(id), Some(username)) => Some(Author {
            id,
            username,
            display_name: r
                .try_get::<Option<String>, _>(format!("{prefix}display_name").as_str())?
                .unwrap_or_default(),
            avatar_id: r.try_get(format!("{prefix}avatar_id").as_str())?,
        }),
        _ => None,
    })
}

#[derive(Debug, Clone)]
pub struct LinkPreview {
    pub id: i64,
    pub url: String,
    pub final_url: String,
    pub title: String,
    pub description: String,
    pub site_name: String,
    pub image_media_id: Option<i64>,
    /// Message key of the fetch failure, when the preview could not be made.
    pub error: String,
    pub fetched_at: i64,
}

impl LinkPreview {
    pub fn image_url(&self) -> Option<String> {
        self.image_media_id.map(|id| format!("/media/{id}"))
    }
}

#[derive(Debug, Clone)]
pub struct Publication {
    pub id: i64,
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub author: Option<Author>,
    pub author_id: Option<i64>,
    pub link_url: Option<String>,
    pub link_key: Option<String>,
    pub preview: Option<LinkPreview>,
    pub accepted_reply_id: Option<i64>,
    pub status: ContentStatus,
    pub status_reason: String,
    pub locked: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_activity_at: i64,
    pub reply_count: i64,
    /// Number of earlier versions kept.
    pub revisions: i64,
    /// Whether the viewer it was loaded for follows it.
    pub following: bool,
}

impl Publication {
    /// Stable public URL (its future ActivityPub id).
    pub fn path(&self) -> String {
        format!("/p/{}", self.id)
    }
    pub fn is_author(&self, viewer: Option<&User>) -> bool {
        acting(viewer).is_some_and(|u| Some(u.id) == self.author_id)
    }
}

const PUBLICATION_COLUMNS: &str = "p.id, p.kind, p.title, p.body, p.body_html, p.author_id, p.link_url, p.link_key, \
     p.preview_id, p.accepted_reply_id, p.status, p.status_reason, p.locked, p.created_at, p.updated_at, \
     p.last_activity_at, p.reply_count, \
     au.username AS au_username, au.display_name AS au_display_name, au.avatar_id AS au_avatar_id, \
     lp.url AS lp_url, lp.final_url AS lp_final_url, lp.title AS lp_title, lp.description AS lp_description, \
     lp.site_name AS lp_site_name, lp.image_media_id AS lp_image_media_id, lp.error AS lp_error, lp.fetched_at AS lp_fetched_at";

fn status_from(s: &str) -> ContentStatus {
    ContentStatus::parse(s).unwrap_or(ContentStatus::Hidden)
}

fn publication_from(r: &AnyRow) -> Result<Publication, sqlx::Error> {
    let kind: String = r.try_get("kind")?;
    let status: String = r.try_get("status")?;
    let preview_id: Option<i64> = r.try_get("preview_id")?;
    let preview = match preview_id {
        Some(id) => match r.try_get::<Option<String>, _>("lp_url")? {
            Some(url) => Some(LinkPreview {
                id,
                url,
                final_url: r
                    .try_get::<Option<String>, _>("lp_final_url")?
                    .unwrap_or_default(),
                title: r
                    .try_get::<Option<String>, _>("lp_title")?
                    .unwrap_or_default(),
                description: r
                    .try_get::<Option<String>, _>("lp_description")?
                    .unwrap_or_default(),
                site_name: r
                    .try_get::<Option<String>, _>("lp_site_name")?
                    .unwrap_or_default(),
                image_media_id: r.try_get("lp_image_media_id")?,
                error: r
                    .try_get::<Option<String>, _>("lp_error")?
                    .unwrap_or_default(),
                fetched_at: r.try_get::<Option<i64>, _>("lp_fetched_at")?.unwrap_or(0),
            }),
            None => None,
        },
        None => None,
    };
    Ok(Publication {
        id: r.try_get("id")?,
        kind: Kind::parse(&kind).unwrap_or(Kind::Discussion),
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        body_html: r.try_get("body_html")?,
        author: author_from(r, "author_id", "au_")?,
        author_id: r.try_get("author_id")?,
        link_url: r.try_get("link_url")?,
        link_key: r.try_get("link_key")?,
        preview,
        accepted_reply_id: r.try_get("accepted_reply_id")?,
        status: status_from(&status),
        status_reason: r.try_get("status_reason")?,
        locked: r.try_get::<i64, _>("locked")? != 0,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        last_activity_at: r.try_get("last_activity_at")?,
        reply_count: r.try_get("reply_count")?,
        revisions: r
            .try_get::<Option<i64>, _>("revisions")
            .ok()
            .flatten()
            .unwrap_or(0),
        following: r
            .try_get::<Option<i64>, _>("following")
            .ok()
            .flatten()
            .unwrap_or(0)
            > 0,
    })
}

/// A viewer able to act (mirrors the policy: suspended or pending accounts act as nobody).
fn acting(viewer: Option<&User>) -> Option<&User> {
    viewer.filter(|u| u.status == crate::accounts::Status::Active && u.domain.is_none())
}

/// Load one publication with its author, preview, revision count and
/// whether `viewer` follows it. Does not check permissions: see [`sight`].
pub async fn by_id(
    db: &Db,
    id: i64,
    viewer: Option<&User>,
) -> Result<Option<Publication>, sqlx::Error> {
    let sql = format!(
        "SELECT {PUBLICATION_COLUMNS}, \
         (SELECT COUNT(*) FROM publication_revisions pr WHERE pr.publication_id = p.id) AS revisions, \
         (SELECT COUNT(*) FROM follows f WHERE f.publication_id = p.id AND f.user_id = $2) AS following \
         FROM publications p LEFT JOIN users au ON au.id = p.author_id \
         LEFT JOIN link_previews lp ON lp.id = p.preview_id WHERE p.id = $1"
    );
    tick();
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(viewer.map(|u| u.id).unwrap_or(0))
        .fetch_optional(&db.pool)
        .await?
        .map(|r| publication_from(&r))
        .transpose()
}

// ---- where a publication is shared ---------------------------------------------------

/// One community a publication is shared into, with the viewer's membership.
#[derive(Debug, Clone)]
pub struct Shared {
    pub publication_id: i64,
    pub community: Community,
    pub membership: Option<Membership>,
    pub pinned: bool,
    pub status: ContentStatus,
    pub status_reason: String,
    pub added_at: i64,
}

impl Shared {
    pub fn policy(&self) -> SharedIn {
        SharedIn {
            community: self.community.facts(),
            membership: self.membership,
            status: self.status,
        }
    }
    pub fn readable_by(&self, viewer: Option<&User>) -> bool {
        policy::can(
            viewer,
            Action::ViewCommunity {
                c: &self.community.facts(),
                m: self.membership,
            },
        )
    }
    pub fn moderated_by(&self, viewer: Option<&User>) -> bool {
        policy::can(
            viewer,
            Action::ModerateCommunity {
                c: &self.community.facts(),
                m: self.membership,
            },
        )
    }
    pub fn managed_by(&self, viewer: Option<&User>) -> bool {
        policy::can(
            viewer,
            Action::ManageCommunity {
                c: &self.community.facts(),
                m: self.membership,
            },
        )
    }
    pub fn postable_by(&self, viewer: Option<&User>) -> bool {
        policy::can(
            viewer,
            Action::PostInCommunity {
                c: &self.community.facts(),
                m: self.membership,
            },
        )
    }
    /// Whether this community is named to the viewer as a place the publication is in.
    pub fn shown_to(&self, viewer: Option<&User>) -> bool {
        (self.readable_by(viewer) && self.status == ContentStatus::Visible)
            || self.moderated_by(viewer)
    }
}

pub fn membership_from(role: Option<String>, state: Option<String>) -> Option<Membership> {
    Some(Membership {
        role: Role::parse(role.as_deref()?)?,
        state: MemberState::parse(state.as_deref()?)?,
    })
}

fn shared_from(r: &AnyRow) -> Result<Shared, sqlx::Error> {
    let status: String = r.try_get("pc_status")?;
    Ok(Shared {
        publication_id: r.try_get("pc_publication_id")?,
        community: Community::from_row(r)?,
        membership: membership_from(r.try_get("vm_role")?, r.try_get("vm_state")?),
        pinned: r.try_get::<i64, _>("pc_pinned")? != 0,
        status: status_from(&status),
        status_reason: r.try_get("pc_status_reason")?,
        added_at: r.try_get("pc_added_at")?,
    })
}

fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// Where publications are shared, with `viewer`'s membership in each
/// community, in one statement. Keyed by publication id.
pub async fn links_of(
    db: &Db,
    viewer: Option<&User>,
    publication_ids: &[i64],
) -> Result<HashMap<i64, Vec<Shared>>, sqlx::Error> {
    let mut out: HashMap<i64, Vec<Shared>> = HashMap::new();
    if publication_ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT {COMMUNITY_COLUMNS}, pc.publication_id AS pc_publication_id, pc.pinned AS pc_pinned, \
         pc.status AS pc_status, pc.status_reason AS pc_status_reason, pc.added_at AS pc_added_at, \
         vm.role AS vm_role, vm.state AS vm_state \
         FROM publication_communities pc JOIN communities c ON c.id = pc.community_id \
         LEFT JOIN memberships vm ON vm.community_id = c.id AND vm.user_id = $1 \
         WHERE pc.publication_id IN ({}) ORDER BY pc.added_at, c.id",
        id_list(publication_ids)
    );
    tick();
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(acting(viewer).map(|u| u.id).unwrap_or(0))
        .fetch_all(&db.pool)
        .await?;
    for r in &rows {
        let s = shared_from(r)?;
        out.entry(s.publication_id).or_default().push(s);
    }
    Ok(out)
}

/// How `viewer` may see the publication (the one policy).
pub fn sight(viewer: Option<&User>, p: &Publication, links: &[Shared]) -> Sight {
    let shared: Vec<SharedIn> = links.iter().map(Shared::policy).collect();
    policy::publication_sight(viewer, p.author_id, p.status, &shared)
}

/// May `viewer` reply? Readable in full, not locked, visible, and the viewer
/// may post in a community where it is visible.
pub fn may_reply(viewer: Option<&User>, p: &Publication, links: &[Shared]) -> bool {
    acting(viewer).is_some()
        && !p.locked
        && p.status == ContentStatus::Visible
        && sight(viewer, p, links) == Sight::Full
        && links
            .iter()
            .any(|l| l.status == ContentStatus::Visible && l.postable_by(viewer))
}

/// May `viewer` edit the publication (its author, while they can read it)?
pub fn may_edit(viewer: Option<&User>, p: &Publication, links: &[Shared]) -> bool {
    p.is_author(viewer)
        && p.status != ContentStatus::Deleted
        && sight(viewer, p, links) == Sight::Full
}

/// May `viewer` delete the publication (its author)?
pub fn may_delete(viewer: Option<&User>, p: &Publication, links: &[Shared]) -> bool {
    p.is_author(viewer) && sight(viewer, p, links) != Sight::None
}

/// May `viewer` mark an accepted answer: the author or an animator of a
/// community it is shared into.
pub fn may_accept(viewer: Option<&User>, p: &Publication, links: &[Shared]) -> bool {
    p.kind == Kind::Question
        && sight(viewer, p, links) == Sight::Full
        && (p.is_author(viewer) || links.iter().any(|l| l.managed_by(viewer)))
}

// ---- listings -------------------------------------------------------------------------

/// What a community page or a listing shows of one publication.
#[derive(Debug, Clone)]
pub struct PublicationSummary {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub excerpt: String,
    pub author_username: Option<String>,
    pub author_name: Option<String>,
    pub created_at: i64,
    pub last_activity_at: i64,
    pub reply_count: i64,
    pub pinned: bool,
    pub tags: Vec<String>,
    pub link_url: Option<String>,
    pub site_name: Option<String>,
}

impl PublicationSummary {
    /// Stable public URL (its future ActivityPub id).
    pub fn path(&self) -> String {
        format!("/p/{}", self.id)
    }

    /// Each tag with the path of its page.
    pub fn tag_links(&self) -> Vec<(&str, String)> {
        self.tags
            .iter()
            .map(|t| (t.as_str(), crate::urls::tag(t)))
            .collect()
    }
}

const SUMMARY_COLUMNS: &str = "p.id, p.kind, p.title, SUBSTR(p.body_html, 1, 3000) AS body_start, p.created_at, \
     p.last_activity_at, p.reply_count, p.link_url, au.username AS au_username, au.display_name AS au_display_name, \
     lp.site_name AS lp_site_name";

/// `SUMMARY_COLUMNS` and the publication's tag names, space-separated
/// (tag names have no spaces; sorted in `summary_from`): one statement per listing, not a
/// second one for the tags. Listings select the page's ids first (keys
/// only, sorted, limited) and compute these columns for those rows alone.
fn summary_columns(backend: Backend) -> String {
    let tags = match backend {
        Backend::Sqlite => {
            "(SELECT group_concat(t.name, ' ') FROM publication_tags pt \
             JOIN tags t ON t.id = pt.tag_id WHERE pt.publication_id = p.id)"
        }
        Backend::Postgres => {
            "(SELECT string_agg(t.name, ' ') FROM publication_tags pt \
             JOIN tags t ON t.id = pt.tag_id WHERE pt.publication_id = p.id)"
        }
    };
    format!("{SUMMARY_COLUMNS}, {tags} AS tag_names")
}

fn summary_from(r: &AnyRow, pinned: bool) -> Result<PublicationSummary, sqlx::Error> {
    let username: Option<String> = r.try_get("au_username")?;
    let display: Option<String> = r.try_get("au_display_name")?;
    let body_start: String = r.try_get("body_start")?;
    Ok(PublicationSummary {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        title: r.try_get("title")?,
        excerpt: markdown::excerpt_from_html(&body_start, EXCERPT_CHARS),
        author_name: username.as_ref().map(|u| {
            display
                .clone()
                .filter(|d| !d.trim().is_empty())
                .unwrap_or_else(|| u.clone())
        }),
        author_username: username,
        created_at: r.try_get("created_at")?,
        last_activity_at: r.try_get("last_activity_at")?,
        reply_count: r.try_get("reply_count")?,
        pinned,
        tags: {
            // Sorted here (a sort per row in SQL cost more than the rest
            // of the statement), the same on both engines.
            let mut tags: Vec<String> = r
                .try_get::<Option<String>, _>("tag_names")?
                .map(|t| {
                    t.split(' ')
                        .filter(|n| !n.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            tags.sort_unstable();
            tags
        },
        link_url: r.try_get("link_url")?,
        site_name: r
            .try_get::<Option<String>, _>("lp_site_name")?
            .filter(|s| !s.is_empty()),
    })
}

/// Publications visible to `viewer` in `community`: pinned first, then
/// newest activity first; `page` is 0-based; returns (items, has_more).
/// Moderators of the community also see what is hidden or removed there
/// (never what its author deleted).
pub async fn list_in_community(
    db: &Db,
    viewer: Option<&User>,
    community: &Community,
    page: i64,
) -> Result<(Vec<PublicationSummary>, bool), sqlx::Error> {
    let m = match acting(viewer) {
        Some(u) => {
            tick();
            let row: Option<(String, String)> = sqlx::query_as(
                "SELECT role, state FROM memberships WHERE community_id = $1 AND user_id = $2",
            )
            .bind(community.id)
            .bind(u.id)
            .fetch_optional(&db.pool)
            .await?;
            row.and_then(|(r, s)| membership_from(Some(r), Some(s)))
        }
        None => None,
    };
    let facts = community.facts();
    if !policy::can(viewer, Action::ViewCommunity { c: &facts, m }) {
        return Ok((Vec::new(), false));
    }
    let moderator = policy::can(viewer, Action::ModerateCommunity { c: &facts, m });
    let condition = if moderator {
        "p.status <> 'deleted'"
    } else {
        "p.status = 'visible' AND pc.status = 'visible'"
    };
    let offset = page.max(0) * PAGE_SIZE;
    // The page's ids first (sorting keys only), then their columns: the
    // sort never carries bodies, and tags are computed for 21 rows.
    let sql = format!(
        "SELECT {}, pc.pinned AS pc_pinned FROM publication_communities pc \
         JOIN publications p ON p.id = pc.publication_id \
         LEFT JOIN users au ON au.id = p.author_id LEFT JOIN link_previews lp ON lp.id = p.preview_id \
         WHERE pc.community_id = $1 AND pc.publication_id IN (SELECT p.id FROM publication_communities pc \
           JOIN publications p ON p.id = pc.publication_id WHERE pc.community_id = $1 AND {condition} \
           ORDER BY pc.pinned DESC, p.last_activity_at DESC, p.id DESC LIMIT {} OFFSET {offset}) \
         ORDER BY pc.pinned DESC, p.last_activity_at DESC, p.id DESC",
        summary_columns(db.backend),
        PAGE_SIZE + 1
    );
    tick();
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(community.id)
        .fetch_all(&db.pool)
        .await?;
    let mut list = rows
        .iter()
        .map(|r| summary_from(r, r.try_get::<i64, _>("pc_pinned").unwrap_or(0) != 0))
        .collect::<Result<Vec<_>, _>>()?;
    let more = list.len() as i64 > PAGE_SIZE;
    list.truncate(PAGE_SIZE as usize);
    Ok((list, more))
}

/// The home page of a signed-in person: what is new in their communities
/// (active memberships, visible there), newest activity first, each
/// publication once even when shared into several of them.
pub async fn list_for_member(
    db: &Db,
    viewer: &User,
    page: i64,
) -> Result<(Vec<PublicationSummary>, bool), sqlx::Error> {
    let offset = page.max(0) * PAGE_SIZE;
    // Driven by the person's memberships (a few communities' publications
    // to sort), not by every publication in activity order with a check per
    // row: that walked most of 600,000 publications at scale 100.
    let sql = format!(
        "SELECT {} FROM publications p \
         LEFT JOIN users au ON au.id = p.author_id LEFT JOIN link_previews lp ON lp.id = p.preview_id \
         WHERE p.id IN (SELECT fp.id FROM memberships m JOIN communities c ON c.id = m.community_id \
           JOIN publication_communities pc ON pc.community_id = m.community_id \
           JOIN publications fp ON fp.id = pc.publication_id \
           WHERE m.user_id = $1 AND m.state = 'active' AND c.status IN ('active', 'archived') \
           AND pc.status = 'visible' AND fp.status = 'visible' \
           GROUP BY fp.id, fp.last_activity_at ORDER BY fp.last_activity_at DESC, fp.id DESC LIMIT {} OFFSET {offset}) \
         ORDER BY p.last_activity_at DESC, p.id DESC",
        summary_columns(db.backend),
        PAGE_SIZE + 1
    );
    tick();
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(viewer.id)
        .fetch_all(&db.pool)
        .await?;
    let mut list = rows
        .iter()
        .map(|r| summary_from(r, false))
        .collect::<Result<Vec<_>, _>>()?;
    let more = list.len() as i64 > PAGE_SIZE;
    list.truncate(PAGE_SIZE as usize);
    Ok((list, more))
}

/// Publications tagged `name` that `viewer` may read, through communities
/// they may read (unlisted communities stay out of discovery for
/// non-members, as in the directory): newest activity first, 20 per page.
pub async fn list_by_tag(
    db: &Db,
    viewer: Option<&User>,
    name: &str,
    page: i64,
) -> Result<(Vec<PublicationSummary>, bool), sqlx::Error> {
    let offset = page.max(0) * PAGE_SIZE;
    // Two plans, chosen by how common the tag is: for a common tag, walk
    // publications newest first and stop after a page (a tag on one in
    // sixteen publications: about 340 rows read for 21); for a rarer one,
    // sort that tag's publications (keys only, then one page of rows).
    // Either alone reads tens of thousands of rows in the other case. The
    // walk tests the tag before the permission (one lookup that rejects
    // most rows, before three that accept most).
    tick();
    let (tagged, newest): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM publication_tags pt JOIN tags t ON t.id = pt.tag_id WHERE t.name = $1), \
         (SELECT COALESCE(MAX(id), 0) FROM publications)",
    )
    .bind(name)
    .fetch_one(&db.pool)
    .await?;
    let wanted = PAGE_SIZE + 1 + offset;
    let visible = format!(
        "p.status = 'visible' AND EXISTS (SELECT 1 FROM publication_communities pc \
         JOIN communities c ON c.id = pc.community_id WHERE pc.publication_id = p.id AND pc.status = 'visible' AND {})",
        discoverable_communities_sql(viewer)
    );
    let sql = if tagged.saturating_mul(tagged) > wanted.saturating_mul(newest) {
        format!(
            "SELECT {} FROM publications p \
             LEFT JOIN users au ON au.id = p.author_id LEFT JOIN link_previews lp ON lp.id = p.preview_id \
             WHERE p.id IN (SELECT p.id FROM publications p WHERE EXISTS (SELECT 1 FROM publication_tags pt JOIN tags t ON t.id = pt.tag_id \
             WHERE pt.publication_id = p.id AND t.name = $2) AND {visible} \
             ORDER BY p.last_activity_at DESC, p.id DESC LIMIT {} OFFSET {offset}) \
             ORDER BY p.last_activity_at DESC, p.id DESC",
            summary_columns(db.backend),
            PAGE_SIZE + 1
        )
    } else {
        format!(
            "SELECT {} FROM publications p \
             LEFT JOIN users au ON au.id = p.author_id LEFT JOIN link_previews lp ON lp.id = p.preview_id \
             WHERE p.id IN (SELECT p.id FROM tags t JOIN publication_tags pt ON pt.tag_id = t.id \
               JOIN publications p ON p.id = pt.publication_id WHERE t.name = $2 AND {visible} \
               ORDER BY p.last_activity_at DESC, p.id DESC LIMIT {} OFFSET {offset}) \
             ORDER BY p.last_activity_at DESC, p.id DESC",
            summary_columns(db.backend),
            PAGE_SIZE + 1
        )
    };
    tick();
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(acting(viewer).map(|u| u.id).unwrap_or(0))
        .bind(name)
        .fetch_all(&db.pool)
        .await?;
    let mut list = rows
        .iter()
        .map(|r| summary_from(r, false))
        .collect::<Result<Vec<_>, _>>()?;
    let more = list.len() as i64 > PAGE_SIZE;
    list.truncate(PAGE_SIZE as usize);
    Ok((list, more))
}

/// Communities (alias `c`) whose content `viewer` may discover in listings
/// such as tag pages: those they may read (`policy::readable_communities_sql`,
/// viewer id at `$1`), except unlisted ones they are not a member of.
/// (`policy::listed_communities_sql` is not used: it lists private
/// communities' cards to outsiders, not their content.)
fn discoverable_communities_sql(viewer: Option<&User>) -> String {
    format!(
        "{} AND (c.visibility <> 'unlisted' OR EXISTS (SELECT 1 FROM memberships um \
         WHERE um.community_id = c.id AND um.user_id = $1 AND um.state = 'active'))",
        policy::readable_communities_sql("c", viewer, 1)
    )
}

/// A tag's label as first written, if the tag exists.
pub async fn tag_label(db: &Db, name: &str) -> Result<Option<String>, sqlx::Error> {
    tick();
    sqlx::query_scalar("SELECT label FROM tags WHERE name = $1")
        .bind(name)
        .fetch_optional(&db.pool)
        .await
}

// ---- tags ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// Lowercased key, used in URLs (`/tags/{name}`).
    pub name: String,
    /// As first written.
    pub label: String,
}

impl Tag {
    pub fn path(&self) -> String {
        crate::urls::tag(&self.name)
    }
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric()
        || unicode_normalization::char::is_combining_mark(c)
        || matches!(c, '_' | '-')
}

/// Parse the comma-separated tags of a form ("Économie sociale, #logement").
/// Spaces inside a tag become dashes; the name is lowercased.
pub fn parse_tags(input: &str) -> Result<Vec<Tag>, &'static str> {
    use unicode_normalization::UnicodeNormalization;
    let mut out: Vec<Tag> = Vec::new();
    for part in input.split(',') {
        let label: String = part.trim().trim_start_matches('#').trim().nfc().collect();
        if label.is_empty() {
            continue;
        }
        let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
        let name: String = label
            .to_lowercase()
            .split(' ')
            .collect::<Vec<_>>()
            .join("-");
        if name.chars().count() > TAG_MAX_CHARS
            || !name.chars().all(is_tag_char)
            || !name.chars().any(char::is_alphanumeric)
        {
            return Err("publication-tag-invalid");
        }
        if !out.iter().any(|t| t.name == name) {
            out.push(Tag { name, label });
        }
    }
    if out.len() > CHOSEN_TAGS_MAX {
        return Err("publication-tags-too-many");
    }
    Ok(out)
}

/// Chosen tags plus the body's hashtags, at most [`TAGS_MAX`].
pub fn merge_tags(mut chosen: Vec<Tag>, hashtags: &[String]) -> Vec<Tag> {
    for h in hashtags {
        if out_len_ok(&chosen)
            && !chosen.iter().any(|t| &t.name == h)
            && h.chars().count() <= TAG_MAX_CHARS
        {
            chosen.push(Tag {
                name: h.clone(),
                label: h.clone(),
            });
        }
    }
    chosen.truncate(TAGS_MAX);
    chosen
}

fn out_len_ok(v: &[Tag]) -> bool {
    v.len() < TAGS_MAX
}

/// Tags of publications (one statement).
pub async fn tags_of(
    db: &Db,
    publication_ids: &[i64],
) -> Result<HashMap<i64, Vec<Tag>>, sqlx::Error> {
    let mut out: HashMap<i64, Vec<Tag>> = HashMap::new();
    if publication_ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT pt.publication_id, t.name, t.label FROM publication_tags pt JOIN tags t ON t.id = pt.tag_id \
         WHERE pt.publication_id IN ({}) ORDER BY t.name",
        id_list(publication_ids)
    );
    tick();
    let rows: Vec<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&db.pool)
        .await?;
    for (pid, name, label) in rows {
        out.entry(pid).or_default().push(Tag { name, label });
    }
    Ok(out)
}

async fn set_tags(
    conn: &mut sqlx::AnyConnection,
    publication_id: i64,
    tags: &[Tag],
) -> Result<(), sqlx::Error> {
    tick();
    sqlx::query("DELETE FROM publication_tags WHERE publication_id = $1")
        .bind(publication_id)
        .execute(&mut *conn)
        .await?;
    for t in tags {
        tick();
        let tag_id: i64 = sqlx::query_scalar(
            "INSERT INTO tags (name, label) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
        )
        .bind(&t.name)
        .bind(&t.label)
        .fetch_one(&mut *conn)
        .await?;
        tick();
        sqlx::query("INSERT INTO publication_tags (publication_id, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(publication_id)
            .bind(tag_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

// ---- attachments ----------------------------------------------------------------------

pub mod files {
    //! Attachment checks: the type is sniffed from the content (never the
    //! name or a declared type), names are sanitised, images get a
    //! thumbnail made by `crate::images` (which bounds dimensions before
    //! decoding).

    use crate::images::{self, ImageError};

    pub const MAX_FILES: usize = 5;
    pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
    pub const NAME_MAX_CHARS: usize = 120;
    pub const THUMBNAIL_SIZE: u32 = 320;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum FileKind {
        Pdf,
        Odt,
        Ods,
        Odp,
        Docx,
        Xlsx,
        Pptx,
        Txt,
        Csv,
        Png,
        Jpeg,
        Webp,
        Gif,
    }

    impl FileKind {
        pub fn content_type(self, utf8: bool) -> &'static str {
            match self {
                FileKind::Pdf => "application/pdf",
                FileKind::Odt => "application/vnd.oasis.opendocument.text",
                FileKind::Ods => "application/vnd.oasis.opendocument.spreadsheet",
                FileKind::Odp => "application/vnd.oasis.opendocument.presentation",
                FileKind::Docx => {
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                }
                FileKind::Xlsx => {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                }
                FileKind::Pptx => {
                    "application/vnd.openxmlformats-officedocument.presentationml.presentation"
                }
                FileKind::Txt if utf8 => "text/plain; charset=utf-8",
                FileKind::Txt => "text/plain",
                FileKind::Csv if utf8 => "text/csv; charset=utf-8",
                FileKind::Csv => "text/csv",
                FileKind::Png => "image/png",
                FileKind::Jpeg => "image/jpeg",
                FileKind::Webp => "image/webp",
                FileKind::Gif => "image/gif",
            }
        }
        /// Extensions a name may keep for this type (the first is added otherwise).
        pub fn extensions(self) -> &'static [&'static str] {
            match self {
                FileKind::Pdf => &["pdf"],
                FileKind::Odt => &["odt"],
                FileKind::Ods => &["ods"],
                FileKind::Odp => &["odp"],
                FileKind::Docx => &["docx"],
                FileKind::Xlsx => &["xlsx"],
                FileKind::Pptx => &["pptx"],
                FileKind::Txt => &["txt", "md", "text"],
                FileKind::Csv => &["csv"],
                FileKind::Png => &["png"],
                FileKind::Jpeg => &["jpg", "jpeg"],
                FileKind::Webp => &["webp"],
                FileKind::Gif => &["gif"],
            }
        }
        pub fn is_image(self) -> bool {
            matches!(
                self,
                FileKind::Png | FileKind::Jpeg | FileKind::Webp | FileKind::Gif
            )
        }
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    fn le16(b: &[u8], at: usize) -> Option<usize> {
        Some(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]) as usize)
    }

    /// ODF packages start with an uncompressed `mimetype` entry.
    fn odf_kind(b: &[u8]) -> Option<FileKind> {
        if b.get(30..38)? != b"mimetype" || le16(b, 8)? != 0 {
            return None;
        }
        let start = 30 + le16(b, 26)? + le16(b, 28)?;
        let rest = b.get(start..(start + 60).min(b.len()))?;
        let prefix = b"application/vnd.oasis.opendocument.";
        let kind = rest.strip_prefix(prefix.as_slice())?;
        if kind.starts_with(b"text") && !kind.starts_with(b"text-") {
            Some(FileKind::Odt)
        } else if kind.starts_with(b"spreadsheet") && !kind.starts_with(b"spreadsheet-") {
            Some(FileKind::Ods)
        } else if kind.starts_with(b"presentation") && !kind.starts_with(b"presentation-") {
            Some(FileKind::Odp)
        } else {
            None
        }
    }

    /// Office Open XML: a ZIP with `[Content_Types].xml` and the main part of
    /// one application; macro-enabled documents are refused.
    fn ooxml_kind(b: &[u8]) -> Option<FileKind> {
        if !contains(b, b"[Content_Types].xml") || contains(b, b"vbaProject.bin") {
            return None;
        }
        let word = contains(b, b"word/document.xml");
        let xl = contains(b, b"xl/workbook.xml");
        let ppt = contains(b, b"ppt/presentation.xml");
        match (word, xl, ppt) {
            (true, false, false) => Some(FileKind::Docx),
            (false, true, false) => Some(FileKind::Xlsx),
            (false, false, true) => Some(FileKind::Pptx),
            _ => None,
        }
    }

    /// Text: UTF-8 (or a single-byte encoding) without NUL or control
    /// characters other than tab, line breaks and form feed.
    fn text_kind(b: &[u8]) -> Option<bool> {
        let b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
        if b.is_empty()
            || b.iter()
                .any(|&c| (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r' | 0x0c)) || c == 0x7f)
        {
            return None;
        }
        Some(std::str::from_utf8(b).is_ok())
    }

    /// The type of a file, from its bytes; `name` only chooses between plain
    /// text and CSV once the content is known to be text. `None`: refused.
    /// Returns (kind, is UTF-8 text).
    pub fn sniff(bytes: &[u8], name: &str) -> Option<(FileKind, bool)> {
        if bytes.starts_with(b"%PDF-") {
            return Some((FileKind::Pdf, false));
        }
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Some((FileKind::Png, false));
        }
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Some((FileKind::Jpeg, false));
        }
        if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            return Some((FileKind::Gif, false));
        }
        if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            return Some((FileKind::Webp, false));
        }
        if bytes.starts_with(b"PK\x03\x04") {
            return odf_kind(bytes)
                .or_else(|| ooxml_kind(bytes))
                .map(|k| (k, false));
        }
        let utf8 = text_kind(bytes)?;
        let csv = extension(name).is_some_and(|e| e == "csv");
        Some((if csv { FileKind::Csv } else { FileKind::Txt }, utf8))
    }

    fn extension(name: &str) -> Option<String> {
        let (stem, ext) = name.rsplit_once('.')?;
        (!stem.is_empty()).then(|| ext.to_ascii_lowercase())
    }

    /// A safe file name: the last path segment, without control or
    /// reserved characters, at most 120 characters, ending with an
    /// extension that matches the sniffed type.
    pub fn sanitize_name(raw: &str, kind: FileKind) -> String {
        use unicode_normalization::UnicodeNormalization;
        let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
        let cleaned: String = last
            .nfc()
            .map(|c| {
                if c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        let cleaned = cleaned.trim().trim_matches('.').trim().to_string();
        let (stem, ext) = match cleaned.rsplit_once('.') {
            Some((s, e))
                if !s.is_empty()
                    && kind.extensions().contains(&e.to_ascii_lowercase().as_str()) =>
            {
                (s.to_string(), e.to_ascii_lowercase())
            }
            _ => (cleaned.clone(), kind.extensions()[0].to_string()),
        };
        let stem = if stem.trim().is_empty() {
            "fichier".to_string()
        } else {
            stem
        };
        let room = NAME_MAX_CHARS.saturating_sub(ext.chars().count() + 1);
        let stem: String = stem.chars().take(room).collect();
        format!("{}.{ext}", stem.trim_end())
    }

    /// A checked upload, ready to store.
    #[derive(Debug, Clone)]
    pub struct Ready {
        pub file_name: String,
        pub content_type: &'static str,
        pub bytes: Vec<u8>,
        /// JPEG thumbnail for images (none for images too large to decode here).
        pub thumbnail: Option<Vec<u8>>,
    }

    /// Check one upload; the error is a message key. CPU-bound: call it
    /// from a blocking task.
    pub fn prepare(name: &str, bytes: Vec<u8>) -> Result<Ready, &'static str> {
        if bytes.len() > MAX_FILE_BYTES {
            return Err("attachment-too-large");
        }
        let Some((kind, utf8)) = sniff(&bytes, name) else {
            return Err("attachment-type-refused");
        };
        let thumbnail = if kind.is_image() {
            match images::make_avatar(&bytes, THUMBNAIL_SIZE) {
                Ok(jpeg) => Some(jpeg),
                // Larger than the decoder accepts: kept, shown without a thumbnail.
                Err(ImageError::TooLarge) => None,
                Err(e) => return Err(e.message_key()),
            }
        } else {
            None
        };
        Ok(Ready {
            file_name: sanitize_name(name, kind),
            content_type: kind.content_type(utf8),
            bytes,
            thumbnail,
        })
    }

    /// `Content-Disposition: attachment` with an ASCII fallback and the
    /// UTF-8 name (RFC 6266 / 5987).
    pub fn content_disposition(name: &str) -> String {
        let ascii: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let encoded =
            percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
        format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn types_come_from_content() {
            assert_eq!(
                sniff(b"%PDF-1.7\n...", "x.exe").map(|k| k.0),
                Some(FileKind::Pdf)
            );
            assert_eq!(
                sniff(b"MZ\x90\0\x03\0\0\0", "rapport.pdf"),
                None,
                "an .exe renamed .pdf"
            );
            assert_eq!(sniff(b"\x7fELF\x02\x01", "notes.txt"), None);
            assert_eq!(
                sniff(b"a;b\n1;2\n", "t.csv").map(|k| k.0),
                Some(FileKind::Csv)
            );
            assert_eq!(
                sniff("Bonjour à tous".as_bytes(), "n.txt"),
                Some((FileKind::Txt, true))
            );
            assert_eq!(sniff(b"caf\xe9", "n.txt"), Some((FileKind::Txt, false)));
            assert_eq!(sniff(b"PK\x03\x04 not an office file", "a.docx"), None);
            let mut odt = b"PK\x03\x04\x14\0\0\0\0\0".to_vec();
            odt.resize(26, 0);
            odt.extend_from_slice(&8u16.to_le_bytes());
            odt.extend_from_slice(&0u16.to_le_bytes());
            odt.extend_from_slice(b"mimetypeapplication/vnd.oasis.opendocument.text");
            assert_eq!(sniff(&odt, "a.bin").map(|k| k.0), Some(FileKind::Odt));
            let docx = b"PK\x03\x04....[Content_Types].xml....word/document.xml";
            assert_eq!(sniff(docx, "a").map(|k| k.0), Some(FileKind::Docx));
            let docm =
                b"PK\x03\x04....[Content_Types].xml....word/document.xml..word/vbaProject.bin";
            assert_eq!(sniff(docm, "a.docx"), None, "macros refused");
        }

        #[test]
        fn names_are_sanitised() {
            assert_eq!(
                sanitize_name("../../etc/passwd", FileKind::Txt),
                "passwd.txt"
            );
            assert_eq!(
                sanitize_name("C:\\Users\\x\\Rapport annuel.PDF", FileKind::Pdf),
                "Rapport annuel.pdf"
            );
            assert_eq!(sanitize_name("virus.exe", FileKind::Pdf), "virus.exe.pdf");
            assert_eq!(
                sanitize_name("a\u{202E}fdp.exe", FileKind::Pdf),
                "a_fdp.exe.pdf"
            );
            assert_eq!(sanitize_name("", FileKind::Png), "fichier.png");
            assert_eq!(sanitize_name("...", FileKind::Png), "fichier.png");
            assert_eq!(sanitize_name("li\nne\0.txt", FileKind::Txt), "li_ne_.txt");
            let long = sanitize_name(&format!("{}.pdf", "é".repeat(300)), FileKind::Pdf);
            assert_eq!(long.chars().count(), NAME_MAX_CHARS);
            assert!(long.ends_with(".pdf"));
        }

        #[test]
        fn disposition_is_quoted_safely() {
            let d = content_disposition("Plan \"final\" été.pdf");
            assert!(
                d.starts_with("attachment; filename=\"Plan _final_ _t_.pdf\"; filename*=UTF-8''"),
                "{d}"
            );
        }
    }
}

#[derive(Debug, Clone)]
pub struct Attachment {
    pub id: i64,
    pub publication_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub thumbnail_media_id: Option<i64>,
    pub created_at: i64,
}

impl Attachment {
    pub fn path(&self) -> String {
        crate::urls::attachment(self.publication_id, self.id)
    }
    /// Thumbnails are served through the publication's permission check, not /media.
    pub fn thumbnail_path(&self) -> Option<String> {
        self.thumbnail_media_id
            .map(|_| format!("{}/thumbnail", self.path()))
    }
    pub fn is_image(&self) -> bool {
        self.content_type.starts_with("image/")
    }
}

pub async fn attachments_of(db: &Db, publication_id: i64) -> Result<Vec<Attachment>, sqlx::Error> {
    tick();
    let rows = sqlx::query(
        "SELECT id, publication_id, file_name, content_type, size, thumbnail_media_id, created_at \
         FROM attachments WHERE publication_id = $1 ORDER BY id",
    )
    .bind(publication_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Attachment {
                id: r.try_get("id")?,
                publication_id: r.try_get("publication_id")?,
                file_name: r.try_get("file_name")?,
                content_type: r.try_get("content_type")?,
                size: r.try_get("size")?,
                thumbnail_media_id: r.try_get("thumbnail_media_id")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// The bytes of one attachment: (name, content type, bytes).
pub async fn attachment_bytes(
    db: &Db,
    publication_id: i64,
    attachment_id: i64,
) -> Result<Option<(String, String, Vec<u8>)>, sqlx::Error> {
    tick();
    sqlx::query_as("SELECT file_name, content_type, bytes FROM attachments WHERE id = $1 AND publication_id = $2")
        .bind(attachment_id)
        .bind(publication_id)
        .fetch_optional(&db.pool)
        .await
}

/// The thumbnail of one attachment (JPEG bytes).
pub async fn attachment_thumbnail(
    db: &Db,
    publication_id: i64,
    attachment_id: i64,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    tick();
    sqlx::query_scalar(
        "SELECT m.bytes FROM attachments a JOIN media m ON m.id = a.thumbnail_media_id \
         WHERE a.id = $1 AND a.publication_id = $2",
    )
    .bind(attachment_id)
    .bind(publication_id)
    .fetch_optional(&db.pool)
    .await
}

async fn insert_attachments(
    conn: &mut sqlx::AnyConnection,
    publication_id: i64,
    uploader: i64,
    files: Vec<files::Ready>,
) -> Result<(), sqlx::Error> {
    let t = now();
    for f in files {
        let thumb = match f.thumbnail {
            Some(jpeg) => {
                tick();
                Some(
                    sqlx::query_scalar::<_, i64>(
                        "INSERT INTO media (owner_id, content_type, bytes, created_at) VALUES ($1, 'image/jpeg', $2, $3) RETURNING id",
                    )
                    .bind(uploader)
                    .bind(jpeg)
                    .bind(t)
                    .fetch_one(&mut *conn)
                    .await?,
                )
            }
            None => None,
        };
        tick();
        sqlx::query(
            "INSERT INTO attachments (publication_id, uploader_id, file_name, content_type, size, bytes, thumbnail_media_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(publication_id)
        .bind(uploader)
        .bind(&f.file_name)
        .bind(f.content_type)
        .bind(f.bytes.len() as i64)
        .bind(f.bytes)
        .bind(thumb)
        .bind(t)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn delete_attachments(
    conn: &mut sqlx::AnyConnection,
    publication_id: i64,
    ids: Option<&[i64]>,
) -> Result<(), sqlx::Error> {
    let filter = match ids {
        Some([]) => return Ok(()),
        Some(ids) => format!(" AND id IN ({})", id_list(ids)),
        None => String::new(),
    };
    tick();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM media WHERE id IN (SELECT thumbnail_media_id FROM attachments WHERE publication_id = $1{filter} \
         AND thumbnail_media_id IS NOT NULL)"
    )))
    .bind(publication_id)
    .execute(&mut *conn)
    .await?;
    tick();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM attachments WHERE publication_id = $1{filter}"
    )))
    .bind(publication_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

// ---- link previews ----------------------------------------------------------------------

/// Socket addresses the guarded client may reach although they are not
/// public — **tests only**: `PASSERELLES_FETCH_ALLOW`, comma-separated
/// `ip:port` entries, where `ip:*` admits any port of that address for a URL
/// naming that address literally. Unset in production: nothing is allowed.
pub fn fetch_allow_list(url: &str) -> Vec<SocketAddr> {
    let Ok(raw) = std::env::var("PASSERELLES_FETCH_ALLOW") else {
        return Vec::new();
    };
    let target = url::Url::parse(url).ok();
    let mut out = Vec::new();
    for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        if let Some(ip) = entry.strip_suffix(":*") {
            let ip = ip.trim_start_matches('[').trim_end_matches(']');
            if let (Ok(ip), Some(t)) = (ip.parse::<std::net::IpAddr>(), target.as_ref())
                && let Some(port) = t.port_or_known_default()
            {
                let host_ip = match t.host() {
                    Some(url::Host::Ipv4(a)) => Some(std::net::IpAddr::V4(a)),
                    Some(url::Host::Ipv6(a)) => Some(std::net::IpAddr::V6(a)),
                    _ => None,
                };
                if host_ip == Some(ip) {
                    out.push(SocketAddr::new(ip, port));
                }
            }
        } else if let Ok(a) = entry.parse::<SocketAddr>() {
            out.push(a);
        }
    }
    out
}

/// Fetch a preview through the guarded client.
async fn fetch_preview(
    url: String,
    user_agent: String,
) -> Result<crate::preview::Preview, crate::fetch::FetchError> {
    let allow = fetch_allow_list(&url);
    crate::preview::fetch_preview(fetcher(&user_agent), &url, &allow).await
}

fn fetcher(user_agent: &str) -> &'static crate::fetch::Fetcher {
    static F: OnceLock<crate::fetch::Fetcher> = OnceLock::new();
    F.get_or_init(|| crate::fetch::Fetcher::new(user_agent))
}

/// A stored preview for `url_key`, fetching it through the guarded client
/// when there is none yet (a failed fetch is retried after an hour). The
/// image is stored locally (media), so pages never load it from elsewhere.
/// Returns the preview id, or None when nothing could be stored.
pub async fn preview_for(
    db: &Db,
    public_url: &str,
    url: &str,
    url_key: &str,
) -> Result<LinkPreview, sqlx::Error> {
    tick();
    let existing = sqlx::query(
        "SELECT id, url, final_url, title, description, site_name, image_media_id, error, fetched_at \
         FROM link_previews WHERE url_key = $1",
    )
    .bind(url_key)
    .fetch_optional(&db.pool)
    .await?;
    let from_row = |r: &AnyRow| -> Result<LinkPreview, sqlx::Error> {
        Ok(LinkPreview {
            id: r.try_get("id")?,
            url: r.try_get("url")?,
            final_url: r.try_get("final_url")?,
            title: r.try_get("title")?,
            description: r.try_get("description")?,
            site_name: r.try_get("site_name")?,
            image_media_id: r.try_get("image_media_id")?,
            error: r.try_get("error")?,
            fetched_at: r.try_get("fetched_at")?,
        })
    };
    if let Some(r) = &existing {
        let p = from_row(r)?;
        if p.error.is_empty() || now() - p.fetched_at < 3600 {
            return Ok(p);
        }
    }
    let result = fetch_preview(url.to_string(), crate::fetch::user_agent(public_url)).await;
    let t = now();
    let mut tx = db.begin().await?;
    let (final_url, title, description, site_name, content_type, image, error) = match result {
        Ok(p) => (
            p.url,
            p.title,
            p.description,
            p.site_name,
            p.content_type,
            p.image,
            String::new(),
        ),
        Err(e) => {
            tracing::info!(url = %url, error = %e, "link preview failed");
            (
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                None,
                e.message_key().to_string(),
            )
        }
    };
    let image_id = match image {
        Some(jpeg) => {
            tick();
            Some(
                sqlx::query_scalar::<_, i64>(
                    "INSERT INTO media (owner_id, content_type, bytes, created_at) VALUES (NULL, 'image/jpeg', $1, $2) RETURNING id",
                )
                .bind(jpeg)
                .bind(t)
                .fetch_one(&mut *tx)
                .await?,
            )
        }
        None => None,
    };
    tick();
    let row = sqlx::query(
        "INSERT INTO link_previews (url_key, url, final_url, title, description, site_name, content_type, image_media_id, fetched_at, error) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (url_key) DO UPDATE SET final_url = excluded.final_url, title = excluded.title, \
         description = excluded.description, site_name = excluded.site_name, content_type = excluded.content_type, \
         image_media_id = excluded.image_media_id, fetched_at = excluded.fetched_at, error = excluded.error \
         RETURNING id, url, final_url, title, description, site_name, image_media_id, error, fetched_at",
    )
    .bind(url_key)
    .bind(url)
    .bind(final_url)
    .bind(title)
    .bind(description)
    .bind(site_name)
    .bind(content_type)
    .bind(image_id)
    .bind(t)
    .bind(error)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    from_row(&row)
}

/// Publications sharing this link that `viewer` may read, with the
/// communities (readable by the viewer) they are shared in.
pub async fn already_shared(
    db: &Db,
    viewer: Option<&User>,
    link_key: &str,
) -> Result<Vec<(Publication, Vec<Shared>)>, sqlx::Error> {
    let sql = format!(
        "SELECT {PUBLICATION_COLUMNS} FROM publications p LEFT JOIN users au ON au.id = p.author_id \
         LEFT JOIN link_previews lp ON lp.id = p.preview_id \
         WHERE p.link_key = $1 AND p.status <> 'deleted' ORDER BY p.created_at LIMIT 20"
    );
    tick();
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(link_key)
        .fetch_all(&db.pool)
        .await?;
    let pubs = rows
        .iter()
        .map(publication_from)
        .collect::<Result<Vec<_>, _>>()?;
    let ids: Vec<i64> = pubs.iter().map(|p| p.id).collect();
    let mut links = links_of(db, viewer, &ids).await?;
    Ok(pubs
        .into_iter()
        .filter_map(|p| {
            let l = links.remove(&p.id).unwrap_or_default();
            (sight(viewer, &p, &l) == Sight::Full).then(|| {
                let shown = l.into_iter().filter(|s| s.shown_to(viewer)).collect();
                (p, shown)
            })
        })
        .collect())
}

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
struct Recipients(Vec<(i64, &'static str)>);

impl Recipients {
    fn add(&mut self, user_id: i64, kind: &'static str) {
        if !self.0.iter().any(|(u, _)| *u == user_id) {
            self.0.push((user_id, kind));
        }
    }
}

/// Users (active, local) by mentioned names, with their memberships in
/// `community_ids`, in two statements.
async fn users_with_memberships(
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
fn readers<'a>(
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
                })
                .collect();
            policy::publication_sight(Some(u), p.author_id, p.status, &theirs) == Sight::Full
        })
        .map(|(u, _)| u)
        .collect()
}

/// Mentioned people who may see the publication (never the actor).
async fn mention_recipients(
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
    let mut tx = db.begin().await?;
    tick();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO publications (kind, title, body, body_html, lang, author_id, link_url, link_key, preview_id, \
         status, created_at, updated_at, last_activity_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'visible', $10, $10, $10) RETURNING id",
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
    insert_attachments(&mut tx, id, author.id, attachments).await?;
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
    };
    let mentioned = mention_recipients(db, &p, &links, &c.rendered.mentions, author.id).await?;
    let items: Vec<NewNotification> = mentioned
        .into_iter()
        .map(|uid| NewNotification::about(uid, notifications::MENTION, author.id, id, None))
        .collect();
    notifications::insert(db, &items).await?;
    Ok(id)
}

async fn touch_communities(
    conn: &mut sqlx::AnyConnection,
    ids: &[i64],
    t: i64,
) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    tick();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE communities SET last_activity_at = $1 WHERE id IN ({})",
        id_list(ids)
    )))
    .bind(t)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Share an existing publication into one more community (the caller
/// checked `PostInCommunity` there and that the viewer reads it). Returns
/// false when it was already there.
pub async fn share_into(
    db: &Db,
    by: &User,
    publication_id: i64,
    community_id: i64,
) -> Result<bool, sqlx::Error> {
    let t = now();
    let mut tx = db.begin().await?;
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
        touch_communities(&mut tx, &[community_id], t).await?;
        // Its entries (and its replies') now carry this community's
        // filter token.
        crate::search::index_one(
            &mut tx,
            db.backend,
            crate::search::Source::Publications,
            publication_id,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(res.rows_affected() > 0)
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

/// Delete (its author): a tombstone. The content, earlier versions, tags
/// and attachments are erased; replies stay attached but unreachable.
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

// ---- revisions --------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Revision {
    pub title: String,
    pub body: String,
    pub editor: Option<Author>,
    /// When this version was replaced.
    pub replaced_at: i64,
}

pub async fn revisions(db: &Db, publication_id: i64) -> Result<Vec<Revision>, sqlx::Error> {
    tick();
    let rows = sqlx::query(
        "SELECT r.title, r.body, r.created_at, r.editor_id, au.username AS au_username, au.display_name AS au_display_name, \
         au.avatar_id AS au_avatar_id FROM publication_revisions r LEFT JOIN users au ON au.id = r.editor_id \
         WHERE r.publication_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT 200",
    )
    .bind(publication_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Revision {
                title: r.try_get("title")?,
                body: r.try_get("body")?,
                editor: author_from(r, "editor_id", "au_")?,
                replaced_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

pub async fn reply_revisions(db: &Db, reply_id: i64) -> Result<Vec<Revision>, sqlx::Error> {
    tick();
    let rows = sqlx::query(
        "SELECT r.body, r.created_at, r.editor_id, au.username AS au_username, au.display_name AS au_display_name, \
         au.avatar_id AS au_avatar_id FROM reply_revisions r LEFT JOIN users au ON au.id = r.editor_id \
         WHERE r.reply_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT 200",
    )
    .bind(reply_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Revision {
                title: String::new(),
                body: r.try_get("body")?,
                editor: author_from(r, "editor_id", "au_")?,
                replaced_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

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
        format!("/p/{}#r-{}", self.publication_id, self.id)
    }
    pub fn is_author(&self, viewer: Option<&User>) -> bool {
        acting(viewer).is_some_and(|u| Some(u.id) == self.author_id)
    }
}

const REPLY_COLUMNS: &str = "r.id, r.publication_id, r.parent_id, r.depth, r.author_id, r.body, r.body_html, r.status, \
     r.status_reason, r.created_at, r.updated_at, au.username AS au_username, au.display_name AS au_display_name, \
     au.avatar_id AS au_avatar_id, (SELECT COUNT(*) FROM reply_revisions rr WHERE rr.reply_id = r.id) AS revisions";

fn reply_from(r: &AnyRow) -> Result<Reply, sqlx::Error> {
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
}

pub fn reply_sight(viewer: Option<&User>, r: &Reply, links: &[Shared]) -> ReplySight {
    match r.status {
        ContentStatus::Visible => ReplySight::Full,
        ContentStatus::Deleted => ReplySight::Tombstone,
        ContentStatus::Hidden if r.is_author(viewer) => ReplySight::Full,
        ContentStatus::Hidden | ContentStatus::Removed => {
            if links.iter().any(|l| l.moderated_by(viewer)) {
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

async fn recount_replies(
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

// ---- the publication page ------------------------------------------------------------------

/// Everything the publication page shows, loaded in a bounded number of
/// statements (publication, communities, replies, attachments, tags, the
/// viewer's postable communities, marking its notifications read): 7 for a
/// signed-in viewer, 5 anonymously, whatever the number of replies.
pub struct PageData {
    pub publication: Publication,
    pub links: Vec<Shared>,
    pub replies: Vec<Reply>,
    pub attachments: Vec<Attachment>,
    pub tags: Vec<Tag>,
    /// Communities where the viewer may post and where it is not shared yet.
    pub share_targets: Vec<Community>,
    /// The page of replies shown (1-based) and how many top-level threads there are.
    pub reply_page: i64,
    pub threads: i64,
}

pub enum Loaded {
    NotFound,
    /// Removed by moderators: what its author sees.
    Notice(Box<Publication>, Vec<Shared>),
    Full(Box<PageData>),
}

pub async fn load_page(db: &Db, viewer: Option<&User>, id: i64) -> Result<Loaded, sqlx::Error> {
    load_page_at(db, viewer, id, 1).await
}

/// The publication page with page `reply_page` of its replies.
pub async fn load_page_at(
    db: &Db,
    viewer: Option<&User>,
    id: i64,
    reply_page: i64,
) -> Result<Loaded, sqlx::Error> {
    let Some(p) = by_id(db, id, acting(viewer)).await? else {
        return Ok(Loaded::NotFound);
    };
    let links = links_of(db, viewer, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    match sight(viewer, &p, &links) {
        Sight::None => return Ok(Loaded::NotFound),
        Sight::Notice => return Ok(Loaded::Notice(Box::new(p), links)),
        Sight::Full => {}
    }
    let reply_page = reply_page.max(1);
    let (replies, threads) = replies_page(db, id, reply_page).await?;
    let attachments = attachments_of(db, id).await?;
    let tags = tags_of(db, &[id]).await?.remove(&id).unwrap_or_default();
    let share_targets = if let Some(u) = acting(viewer) {
        let linked: HashSet<i64> = links.iter().map(|l| l.community.id).collect();
        let targets = postable_communities(db, viewer)
            .await?
            .into_iter()
            .map(|(c, _)| c)
            .filter(|c| !linked.contains(&c.id))
            .collect();
        notifications::mark_publication_read(db, u.id, id).await?;
        targets
    } else {
        Vec::new()
    };
    Ok(Loaded::Full(Box::new(PageData {
        publication: p,
        links,
        replies,
        attachments,
        tags,
        share_targets,
        reply_page,
        threads,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(id: i64, parent: Option<i64>) -> Reply {
        Reply {
            id,
            publication_id: 1,
            parent_id: parent,
            depth: 0,
            author: None,
            author_id: None,
            body: String::new(),
            body_html: String::new(),
            status: ContentStatus::Visible,
            status_reason: String::new(),
            created_at: id,
            updated_at: id,
            revisions: 0,
        }
    }

    #[test]
    fn tags_parse() {
        let t = parse_tags(" Économie sociale, #logement,, logement ").expect("tags");
        assert_eq!(
            t.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            ["économie-sociale", "logement"]
        );
        assert_eq!(t[0].label, "Économie sociale");
        assert_eq!(parse_tags("a/b"), Err("publication-tag-invalid"));
        assert_eq!(parse_tags("<script>"), Err("publication-tag-invalid"));
        let many = (0..11)
            .map(|i| format!("t{i}"))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(parse_tags(&many), Err("publication-tags-too-many"));
        let merged = merge_tags(t, &["logement".into(), "transition".into()]);
        assert_eq!(merged.len(), 3);
    }

    #[test]
    fn threads_nest_five_levels_then_flatten() {
        // 1 ← 2 ← 3 ← 4 ← 5 ← 6 ← 7, and 8 answers 1.
        let mut rs = vec![reply(1, None)];
        for i in 2..=7 {
            rs.push(reply(i, Some(i - 1)));
        }
        rs.push(reply(8, Some(1)));
        rs.push(reply(9, None));
        let (placed, open) = thread(rs);
        let seq: Vec<(i64, i64)> = placed.iter().map(|p| (p.reply.id, p.level)).collect();
        assert_eq!(
            seq,
            vec![
                (1, 1),
                (2, 2),
                (3, 3),
                (4, 4),
                (5, 5),
                (6, 5),
                (7, 5),
                (8, 2),
                (9, 1)
            ]
        );
        // 6 and 7 are shown flat under 5 and say whom they answer (their parents have no author here).
        assert!(placed.iter().all(|p| p.level <= REPLY_LEVELS));
        // Lists balance: opened = closed.
        let opened = placed.iter().filter(|p| p.opens).count();
        let closed: usize = placed.iter().map(|p| p.close_before).sum::<usize>() + open;
        assert_eq!(opened, closed);
        assert_eq!(placed[7].close_before, 3, "back from level 5 to level 2");
    }
}
