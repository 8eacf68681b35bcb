//! Publications (discussions, questions, watch items) shared into one or
//! more communities, with their replies, revisions, tags, attachments,
//! follows and link previews. Domain model, storage and operations; no HTTP.
//!
//! Who may see what is decided by `crate::policy`: a publication is read
//! through the communities it is shared into ([`sight`]); every function
//! here that lists or loads content for a viewer applies it (or the SQL
//! form `policy::readable_communities_sql`). The storage writes assume the
//! caller asked the policy: entry points call the operations of [`ops`],
//! which do (the `may_*` helpers below, `PostInCommunity`).
//!
//! Files: this one (model: `Publication`, `Author`, `Shared`, sight and
//! `may_*`, revisions, the publication page's data), `listing` (summaries,
//! community / member / tag listings), `tags`, `attachments` (+ `files`:
//! checks), `links` (watch-link previews, `already_shared`), `store`
//! (drafts and the writes), `replies`, `ops` (the operations).
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
use crate::policy::{
    self, Action, ContentStatus, MemberState, Membership, Reach, Role, SharedIn, Sight,
};

mod attachments;
pub mod drafts;
mod links;
mod listing;
pub mod ops;
pub mod reads;
mod replies;
mod store;
mod tags;

pub use attachments::*;
pub use links::*;
pub use listing::*;
pub use replies::*;
pub use store::*;
pub use tags::*;

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
        self.avatar_id
            .map(|m| crate::urls::avatar(&self.username, m))
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
    /// Its image, served with publication `p` (as `p` was reached).
    pub fn image_url(&self, p: &Publication) -> Option<String> {
        let key = (p.reach == Reach::Link).then_some(p.public_key.as_str());
        self.image_media_id
            .map(|m| crate::urls::publication_preview(p.id, m, key))
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
    /// The key of its link (`urls::publication_link`): what lets someone who
    /// is not a member read it in an unlisted community. Never shown to
    /// whoever cannot read it.
    pub public_key: String,
    /// How the viewer it was loaded for came to it: with its link (the key
    /// matched, [`with_key`]) or not. The policy's sight depends on it.
    pub reach: Reach,
}

impl Publication {
    /// Stable public URL (its future ActivityPub id).
    pub fn path(&self) -> String {
        crate::urls::publication(self.id)
    }
    /// Its link for whoever reads it: with its key when it is shared in an
    /// unlisted community that the reader may not find it through
    /// otherwise (`link_needed`), its bare address otherwise.
    pub fn link_for(&self, viewer: Option<&User>, links: &[Shared]) -> String {
        if link_needed(viewer, self, links) {
            crate::urls::publication_link(self.id, &self.public_key)
        } else {
            self.path()
        }
    }
    /// The query string that carries its key on the pages of a by-link
    /// reader (`?k=…`), or nothing.
    pub fn key_query(&self) -> String {
        match self.reach {
            Reach::Link => format!("?k={}", self.public_key),
            Reach::Found => String::new(),
        }
    }
    pub fn is_author(&self, viewer: Option<&User>) -> bool {
        authoring(viewer).is_some_and(|u| Some(u.id) == self.author_id)
    }
}

const PUBLICATION_COLUMNS: &str = "p.id, p.kind, p.title, p.body, p.body_html, p.author_id, p.link_url, p.link_key, \
     p.preview_id, p.accepted_reply_id, p.status, p.status_reason, p.locked, p.created_at, p.updated_at, \
     p.last_activity_at, p.reply_count, p.public_key, \
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
        public_key: r.try_get("public_key")?,
        reach: Reach::Found,
    })
}

/// Whether `key` (from a link's `?k=`) is this publication's key. An
/// empty key never matches.
pub fn key_matches(p: &Publication, key: &str) -> bool {
    !p.public_key.is_empty()
        && key.len() == p.public_key.len()
        && key
            .bytes()
            .zip(p.public_key.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The publication as reached with `key`: by its link when the key is its
/// own, as found otherwise.
pub fn with_key(mut p: Publication, key: Option<&str>) -> Publication {
    p.reach = match key {
        Some(k) if key_matches(&p, k) => Reach::Link,
        _ => Reach::Found,
    };
    p
}

/// A new publication's key: 128 random bits, hex.
pub fn new_public_key() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// A viewer able to act (mirrors the policy: suspended or pending accounts act as nobody).
fn acting(viewer: Option<&User>) -> Option<&User> {
    viewer.filter(|u| u.status == crate::accounts::Status::Active && u.domain.is_none())
}

/// An author able to act on what they wrote: an active account, of this
/// instance or another (a person of another instance edits and deletes
/// their own replies and posts through federation, `Actor::Remote`).
fn authoring(viewer: Option<&User>) -> Option<&User> {
    viewer.filter(|u| u.status == crate::accounts::Status::Active)
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
            added_at: self.added_at,
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
        ) || policy::can(
            viewer,
            Action::PostFromFediverse {
                c: &self.community.facts(),
                m: self.membership,
                local: self.community.domain.is_none(),
            },
        )
    }
    /// Whether the viewer finds what is shared here without a link
    /// (`Action::FindCommunityContent`: an unlisted community only for
    /// its members).
    pub fn findable_by(&self, viewer: Option<&User>) -> bool {
        policy::can(
            viewer,
            Action::FindCommunityContent {
                c: &self.community.facts(),
                m: self.membership,
            },
        )
    }
    /// Whether this community is named to the viewer as a place the
    /// publication is in. An unlisted one is named only to its members: a
    /// publication's link (or the "already shared" hint) does not give away
    /// the address of an unlisted community.
    pub fn shown_to(&self, viewer: Option<&User>) -> bool {
        (self.findable_by(viewer) && self.status == ContentStatus::Visible)
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
    // A person of another instance acting here (an inbound reply) is no
    // acting local viewer, but their ban from a community must still count
    // (`PostFromFediverse` refuses the banned): their membership is read too.
    let member = acting(viewer)
        .or(viewer.filter(|u| u.domain.is_some()))
        .map(|u| u.id)
        .unwrap_or(0);
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(member)
        .fetch_all(&db.pool)
        .await?;
    for r in &rows {
        let s = shared_from(r)?;
        out.entry(s.publication_id).or_default().push(s);
    }
    Ok(out)
}

/// How `viewer` may see the publication, as they reached it (the one policy).
pub fn sight(viewer: Option<&User>, p: &Publication, links: &[Shared]) -> Sight {
    let shared: Vec<SharedIn> = links.iter().map(Shared::policy).collect();
    policy::publication_sight(viewer, p.author_id, p.status, &shared, p.reach)
}

/// Whether `viewer` needs the publication's link (its key) to read it:
/// they read it with the link but would not find it without.
pub fn link_needed(viewer: Option<&User>, p: &Publication, links: &[Shared]) -> bool {
    let shared: Vec<SharedIn> = links.iter().map(Shared::policy).collect();
    policy::publication_sight(viewer, p.author_id, p.status, &shared, Reach::Found) != Sight::Full
        && policy::publication_sight(viewer, p.author_id, p.status, &shared, Reach::Link)
            == Sight::Full
}

/// May `viewer` see something of the publication written at `written_at`
/// (a reply, an earlier version)? Only as part of the audience it had then
/// (`policy::written_for`).
pub fn written_for(
    viewer: Option<&User>,
    p: &Publication,
    links: &[Shared],
    written_at: i64,
) -> bool {
    let shared: Vec<SharedIn> = links.iter().map(Shared::policy).collect();
    policy::written_for(viewer, written_at, p.created_at, &shared, p.reach)
}

/// May `viewer` reply? Readable in full, not locked, visible, and the viewer
/// may post in a community where it is visible.
pub fn may_reply(viewer: Option<&User>, p: &Publication, links: &[Shared]) -> bool {
    authoring(viewer).is_some()
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
    /// The news feed it came from, for a watch item from an external
    /// source (`crate::news`).
    pub source: Option<crate::news::Source>,
}

pub enum Loaded {
    NotFound,
    /// Removed by moderators: what its author sees.
    Notice(Box<Publication>, Vec<Shared>),
    Full(Box<PageData>),
}

pub async fn load_page(db: &Db, viewer: Option<&User>, id: i64) -> Result<Loaded, sqlx::Error> {
    load_page_at(db, viewer, id, None, 1).await
}

/// The publication page with page `reply_page` of its replies, reached
/// with `key` (its link's `?k=`) or not.
pub async fn load_page_at(
    db: &Db,
    viewer: Option<&User>,
    id: i64,
    key: Option<&str>,
    reply_page: i64,
) -> Result<Loaded, sqlx::Error> {
    let Some(p) = by_id(db, id, acting(viewer)).await? else {
        return Ok(Loaded::NotFound);
    };
    let p = with_key(p, key);
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
        let shared: Vec<SharedIn> = links.iter().map(Shared::policy).collect();
        // Only where the policy lets this person share it (its author, a
        // moderator, or anyone once it is public).
        let targets = postable_communities(db, viewer)
            .await?
            .into_iter()
            .filter(|(c, m)| {
                !linked.contains(&c.id)
                    && policy::share_rule(viewer, p.author_id, p.status, &shared, &c.facts(), *m)
                        != policy::ShareRule::Refused
            })
            .map(|(c, _)| c)
            .collect();
        notifications::mark_publication_read(db, u.id, id).await?;
        targets
    } else {
        Vec::new()
    };
    let source = if p.author_id.is_none() && p.kind == Kind::Watch {
        tick();
        crate::news::source_of(db, id).await?
    } else {
        None
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
        source,
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
            ["economie-sociale", "logement"]
        );
        assert_eq!(t[0].label, "Économie sociale");
        // Case and accents fold into one key (issue 13).
        let folded = parse_tags("Bénévolat, benevolat, BÉNÉVOLAT, Œuvres").expect("tags");
        assert_eq!(
            folded.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            ["benevolat", "oeuvres"]
        );
        assert_eq!(fold_tag_key("Éco"), "eco");
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
