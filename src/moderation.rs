//! Moderation (C5): reports, review queues (per community, and the
//! instance's), moderators' actions with their reasons, the moderation log,
//! and what authors are told. Domain operations over the database; no HTTP.
//!
//! - A report about content goes to every community the content is shared in
//!   that the reporter can read there (one `reports` row each); a report about
//!   a person goes to the instance (`community_id` NULL).
//! - An action changes the content's state, writes a `mod_log` row, resolves
//!   the related open reports and tells the author (a `notifications` row of
//!   kind `moderation` whose `data` is `{"action", "reason", "community"}`),
//!   all in one transaction.
//! - Who may act is decided by `crate::policy` (`ModerateCommunity`,
//!   `ApproveCommunities`, `ManageUser`); [`act`] asks it again itself.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::{self, Status, User};
use crate::communities::Community;
use crate::db::{Db, now};
use crate::policy::{
    self, Action, CommunityFacts, CommunityStatus, ContentStatus, JoinPolicy, MemberState,
    Membership, Role, SharedIn, Sight, Visibility,
};
use crate::ratelimit::Limit;

/// Longest comment on a report.
pub const COMMENT_MAX: usize = 2000;
/// Longest reason given for an action.
pub const REASON_MAX: usize = 500;
/// Reports per page of a queue, entries per page of the log.
pub const PAGE_SIZE: i64 = 30;
/// Reports one person may file per hour.
pub const REPORTS_PER_ACCOUNT: Limit = Limit {
    max: 30,
    window_secs: 3600,
};
/// Characters of content shown in a queue.
const EXCERPT_MAX: usize = 280;

// ---- vocabulary -------------------------------------------------------------------------

macro_rules! words {
    ($t:ident { $($v:ident = $s:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $t { $($v),+ }
        impl $t {
            pub const ALL: &'static [$t] = &[$($t::$v),+];
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s.trim() { $($s => Some(Self::$v),)+ _ => None }
            }
        }
    };
}

words!(Category {
    Spam = "spam",
    Harassment = "harassment",
    Hate = "hate",
    Misinformation = "misinformation",
    OffTopic = "off_topic",
    Illegal = "illegal",
    Other = "other",
});

impl Category {
    /// Message key of the category's name (`moderation-category-…`).
    pub fn label_key(self) -> String {
        format!("moderation-category-{}", self.as_str().replace('_', "-"))
    }
    /// Message key of the category's short explanation.
    pub fn hint_key(self) -> String {
        format!("{}-hint", self.label_key())
    }
}

words!(TargetKind { Publication = "publication", Reply = "reply", User = "user" });

words!(Act {
    Hide = "hide",
    Remove = "remove",
    Restore = "restore",
    Lock = "lock",
    Unlock = "unlock",
    Ban = "ban",
    Unban = "unban",
    Dismiss = "dismiss",
    Suspend = "suspend",
});

impl Act {
    /// Restoring, unlocking, unbanning and dismissing need no reason.
    pub fn needs_reason(self) -> bool {
        !matches!(self, Act::Restore | Act::Unlock | Act::Unban | Act::Dismiss)
    }
    /// Message key of the button / label (`moderation-act-…`).
    pub fn label_key(self) -> String {
        format!("moderation-act-{}", self.as_str())
    }
    /// Whether the action exists in this scope.
    pub fn allowed_in(self, scope: Scope) -> bool {
        match scope {
            Scope::Community(_) => self != Act::Suspend,
            Scope::Instance => !matches!(self, Act::Ban | Act::Unban),
        }
    }
}

/// Where reports are reviewed and actions taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Community(i64),
    /// The instance's administrators.
    Instance,
}

impl Scope {
    fn community_id(self) -> Option<i64> {
        match self {
            Scope::Community(id) => Some(id),
            Scope::Instance => None,
        }
    }
}

/// What a report or an action is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Publication(i64),
    Reply(i64),
    User(i64),
}

impl Target {
    pub fn kind(self) -> TargetKind {
        match self {
            Target::Publication(_) => TargetKind::Publication,
            Target::Reply(_) => TargetKind::Reply,
            Target::User(_) => TargetKind::User,
        }
    }
}

fn content_status(s: &str) -> ContentStatus {
    ContentStatus::parse(s).unwrap_or(ContentStatus::Visible)
}

/// The first `max` characters of a text, on one line, with "…" when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        let mut s: String = flat.chars().take(max).collect();
        s.push('…');
        s
    } else {
        flat
    }
}

// ---- what the content is, where it is shared ---------------------------------------------

#[derive(Debug, Clone)]
pub struct PublicationFacts {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub author_id: Option<i64>,
    pub author_username: Option<String>,
    pub status: ContentStatus,
    pub locked: bool,
}

pub async fn publication(db: &Db, id: i64) -> Result<Option<PublicationFacts>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT p.id, p.title, p.body, p.author_id, p.status, p.locked, u.username AS author_username \
         FROM publications p LEFT JOIN users u ON u.id = p.author_id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| {
        Ok(PublicationFacts {
            id: r.try_get("id")?,
            title: r.try_get("title")?,
            body: r.try_get("body")?,
            author_id: r.try_get("author_id")?,
            author_username: r.try_get("author_username")?,
            status: content_status(&r.try_get::<String, _>("status")?),
            locked: r.try_get::<i64, _>("locked")? != 0,
        })
    })
    .transpose()
}

#[derive(Debug, Clone)]
pub struct ReplyFacts {
    pub id: i64,
    pub publication_id: i64,
    pub body: String,
    pub author_id: Option<i64>,
    pub author_username: Option<String>,
    pub status: ContentStatus,
}

pub async fn reply(db: &Db, id: i64) -> Result<Option<ReplyFacts>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT r.id, r.publication_id, r.body, r.author_id, r.status, u.username AS author_username \
         FROM replies r LEFT JOIN users u ON u.id = r.author_id WHERE r.id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| {
        Ok(ReplyFacts {
            id: r.try_get("id")?,
            publication_id: r.try_get("publication_id")?,
            body: r.try_get("body")?,
            author_id: r.try_get("author_id")?,
            author_username: r.try_get("author_username")?,
            status: content_status(&r.try_get::<String, _>("status")?),
        })
    })
    .transpose()
}

/// One community a publication is shared in, with the viewer's membership.
#[derive(Debug, Clone)]
pub struct Link {
    pub slug: String,
    pub name: String,
    pub shared: SharedIn,
}

impl Link {
    pub fn community_id(&self) -> i64 {
        self.shared.community.id
    }
    fn readable(&self, viewer: Option<&User>) -> bool {
        policy::can(
            viewer,
            Action::ViewCommunity {
                c: &self.shared.community,
                m: self.shared.membership,
            },
        )
    }
    fn moderated_by(&self, viewer: Option<&User>) -> bool {
        policy::can(
            viewer,
            Action::ModerateCommunity {
                c: &self.shared.community,
                m: self.shared.membership,
            },
        )
    }
}

/// Where a publication is shared, as seen by `viewer`: one query over
/// publication_communities, communities and the viewer's memberships.
pub async fn links(
    db: &Db,
    publication_id: i64,
    viewer: Option<&User>,
) -> Result<Vec<Link>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT pc.status AS link_status, c.id AS c_id, c.slug AS c_slug, c.name AS c_name, \
         c.visibility AS c_visibility, c.join_policy AS c_join_policy, c.status AS c_status, \
         c.created_by AS c_created_by, m.role AS m_role, m.state AS m_state \
         FROM publication_communities pc JOIN communities c ON c.id = pc.community_id \
         LEFT JOIN memberships m ON m.community_id = c.id AND m.user_id = $2 \
         WHERE pc.publication_id = $1 ORDER BY c.name, c.id",
    )
    .bind(publication_id)
    .bind(viewer.map(|u| u.id).unwrap_or(0))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(link_from_row).collect()
}

fn link_from_row(r: &AnyRow) -> Result<Link, sqlx::Error> {
    let bad = |what: &str, v: &str| sqlx::Error::Decode(format!("unknown {what} {v}").into());
    let vis: String = r.try_get("c_visibility")?;
    let jp: String = r.try_get("c_join_policy")?;
    let st: String = r.try_get("c_status")?;
    let role: Option<String> = r.try_get("m_role")?;
    let state: Option<String> = r.try_get("m_state")?;
    let membership = match (role, state) {
        (Some(role), Some(state)) => Some(Membership {
            role: Role::parse(&role).ok_or_else(|| bad("role", &role))?,
            state: MemberState::parse(&state).ok_or_else(|| bad("state", &state))?,
        }),
        _ => None,
    };
    Ok(Link {
        slug: r.try_get("c_slug")?,
        name: r.try_get("c_name")?,
        shared: SharedIn {
            community: CommunityFacts {
                id: r.try_get("c_id")?,
                visibility: Visibility::parse(&vis).ok_or_else(|| bad("visibility", &vis))?,
                join_policy: JoinPolicy::parse(&jp).ok_or_else(|| bad("join policy", &jp))?,
                status: CommunityStatus::parse(&st).ok_or_else(|| bad("status", &st))?,
                created_by: r.try_get("c_created_by")?,
            },
            membership,
            status: content_status(&r.try_get::<String, _>("link_status")?),
        },
    })
}

/// How `viewer` sees a publication shared in `links` (the policy's answer).
pub fn sight(viewer: Option<&User>, p: &PublicationFacts, links: &[Link]) -> Sight {
    let shared: Vec<SharedIn> = links.iter().map(|l| l.shared.clone()).collect();
    policy::publication_sight(viewer, p.author_id, p.status, &shared)
}

/// How `viewer` sees a reply: only within a publication they see in full;
/// hidden replies by their author and moderators, removed ones by moderators
/// (their author gets a notice), deleted ones by nobody.
pub fn reply_sight(
    viewer: Option<&User>,
    r: &ReplyFacts,
    p: &PublicationFacts,
    links: &[Link],
) -> Sight {
    if sight(viewer, p, links) != Sight::Full {
        return Sight::None;
    }
    let moderates = links.iter().any(|l| l.moderated_by(viewer));
    let is_author = viewer.is_some_and(|u| u.status == Status::Active && Some(u.id) == r.author_id);
    match r.status {
        ContentStatus::Visible => Sight::Full,
        ContentStatus::Hidden if moderates || is_author => Sight::Full,
        ContentStatus::Removed if moderates => Sight::Full,
        ContentStatus::Removed if is_author => Sight::Notice,
        _ => Sight::None,
    }
}

/// The communities whose moderators receive `viewer`'s report about content
/// shared in `links`: those the viewer reads it in (or moderates). Empty
/// means the instance.
fn destinations(viewer: &User, links: &[Link]) -> (Vec<i64>, Vec<String>) {
    links
        .iter()
        .filter(|l| {
            l.moderated_by(Some(viewer))
                || (l.readable(Some(viewer)) && l.shared.status == ContentStatus::Visible)
        })
        .map(|l| (l.community_id(), l.name.clone()))
        .unzip()
}

// ---- reports -------------------------------------------------------------------------------

/// A report target the reporter is allowed to see, with where it goes.
#[derive(Debug, Clone)]
pub struct Reportable {
    pub target: Target,
    pub publication_id: Option<i64>,
    pub reply_id: Option<i64>,
    pub user_id: Option<i64>,
    /// Publication title, or the reply's publication title; the username for a person.
    pub title: String,
    pub excerpt: String,
    pub path: String,
    /// Community ids; empty = the instance.
    pub destinations: Vec<i64>,
    /// Names of those communities, for the reporter.
    pub destination_names: Vec<String>,
}

/// Why a report cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportRefusal {
    /// The target does not exist or the reporter may not see it.
    NotFound,
    /// Reporting oneself.
    OwnAccount,
}

/// The target as `reporter` may report it. A publication must be fully
/// visible to them, a reply too (and its publication), a person's profile
/// visible.
pub async fn reportable(
    db: &Db,
    reporter: &User,
    target: Target,
) -> Result<Result<Reportable, ReportRefusal>, sqlx::Error> {
    let viewer = Some(reporter);
    match target {
        Target::Publication(id) => {
            let Some(p) = publication(db, id).await? else {
                return Ok(Err(ReportRefusal::NotFound));
            };
            let links = links(db, id, viewer).await?;
            if sight(viewer, &p, &links) != Sight::Full {
                return Ok(Err(ReportRefusal::NotFound));
            }
            let dest = destinations(reporter, &links);
            Ok(Ok(Reportable {
                target,
                publication_id: Some(id),
                reply_id: None,
                user_id: None,
                title: p.title.clone(),
                excerpt: excerpt(&p.body, EXCERPT_MAX),
                path: format!("/p/{id}"),
                destinations: dest.0,
                destination_names: dest.1,
            }))
        }
        Target::Reply(id) => {
            let Some(r) = reply(db, id).await? else {
                return Ok(Err(ReportRefusal::NotFound));
            };
            let Some(p) = publication(db, r.publication_id).await? else {
                return Ok(Err(ReportRefusal::NotFound));
            };
            let links = links(db, p.id, viewer).await?;
            if reply_sight(viewer, &r, &p, &links) != Sight::Full {
                return Ok(Err(ReportRefusal::NotFound));
            }
            let dest = destinations(reporter, &links);
            Ok(Ok(Reportable {
                target,
                publication_id: Some(p.id),
                reply_id: Some(id),
                user_id: None,
                title: p.title.clone(),
                excerpt: excerpt(&r.body, EXCERPT_MAX),
                path: format!("/p/{}#r-{id}", p.id),
                destinations: dest.0,
                destination_names: dest.1,
            }))
        }
        Target::User(id) => {
            let Some(u) = accounts::by_id(db, id).await? else {
                return Ok(Err(ReportRefusal::NotFound));
            };
            if !policy::can(viewer, Action::ViewProfile { target: &u }) {
                return Ok(Err(ReportRefusal::NotFound));
            }
            if u.id == reporter.id {
                return Ok(Err(ReportRefusal::OwnAccount));
            }
            Ok(Ok(Reportable {
                target,
                publication_id: None,
                reply_id: None,
                user_id: Some(id),
                title: u.username.clone(),
                excerpt: excerpt(&u.bio, EXCERPT_MAX),
                path: u.path(),
                destinations: Vec::new(),
                destination_names: Vec::new(),
            }))
        }
    }
}

/// The SQL condition "this report is about target T" on alias `r`, with
/// the target id at placeholder `$n`.
fn target_condition(target: Target, n: usize) -> String {
    match target {
        Target::Publication(_) => {
            format!("r.target_kind = 'publication' AND r.publication_id = ${n}")
        }
        Target::Reply(_) => format!("r.target_kind = 'reply' AND r.reply_id = ${n}"),
        Target::User(_) => format!("r.target_kind = 'user' AND r.user_id = ${n}"),
    }
}

fn target_id(target: Target) -> i64 {
    match target {
        Target::Publication(id) | Target::Reply(id) | Target::User(id) => id,
    }
}

/// Whether `reporter` already has an open report on this target.
pub async fn already_reported(
    db: &Db,
    reporter_id: i64,
    target: Target,
) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "SELECT COUNT(*) FROM reports r WHERE r.reporter_id = $1 AND r.status = 'open' AND {}",
        target_condition(target, 2)
    );
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(reporter_id)
        .bind(target_id(target))
        .fetch_one(&db.pool)
        .await?;
    Ok(n > 0)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportOutcome {
    /// The ids of the reports made (one per receiving community, or one for the instance).
    Created(Vec<i64>),
    /// The reporter already has an open report on this target.
    AlreadyReported,
}

/// File a report. `comment` is trimmed and cut to `COMMENT_MAX`.
pub async fn create_report(
    db: &Db,
    reporter: &User,
    r: &Reportable,
    category: Category,
    comment: &str,
) -> Result<ReportOutcome, sqlx::Error> {
    let mut tx = db.begin().await?;
    let sql = format!(
        "SELECT COUNT(*) FROM reports r WHERE r.reporter_id = $1 AND r.status = 'open' AND {}",
        target_condition(r.target, 2)
    );
    let existing: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(reporter.id)
        .bind(target_id(r.target))
        .fetch_one(&mut *tx)
        .await?;
    if existing > 0 {
        return Ok(ReportOutcome::AlreadyReported);
    }
    let comment = accounts::truncate(comment.trim(), COMMENT_MAX);
    let t = now();
    let places: Vec<Option<i64>> = if r.destinations.is_empty() {
        vec![None]
    } else {
        r.destinations.iter().copied().map(Some).collect()
    };
    let mut ids = Vec::with_capacity(places.len());
    for community_id in places {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO reports (reporter_id, target_kind, publication_id, reply_id, user_id, community_id, \
             category, comment, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9) RETURNING id",
        )
        .bind(reporter.id)
        .bind(r.target.kind().as_str())
        .bind(r.publication_id)
        .bind(r.reply_id)
        .bind(r.user_id)
        .bind(community_id)
        .bind(category.as_str())
        .bind(&comment)
        .bind(t)
        .fetch_one(&mut *tx)
        .await?;
        ids.push(id);
    }
    tx.commit().await?;
    Ok(ReportOutcome::Created(ids))
}

/// A report as a queue shows it.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub id: i64,
    /// Still waiting for a decision.
    pub open: bool,
    pub kind: TargetKind,
    pub target: Target,
    pub publication_id: Option<i64>,
    pub reply_id: Option<i64>,
    pub user_id: Option<i64>,
    pub community_id: Option<i64>,
    pub community_slug: Option<String>,
    pub community_name: Option<String>,
    pub category: Category,
    pub comment: String,
    pub created_at: i64,
    pub reporter: Option<String>,
    /// Publication title (also for a reply), or the reported person's username.
    pub title: String,
    pub excerpt: String,
    pub path: String,
    /// The author of the content, or the reported person.
    pub author_id: Option<i64>,
    pub author_username: Option<String>,
    /// State of the content where it was reported: the publication in this
    /// community (or instance-wide for the instance queue), or the reply.
    pub content_status: ContentStatus,
    /// The publication's instance-wide state.
    pub publication_status: Option<ContentStatus>,
    pub locked: bool,
    /// The author is banned from the report's community.
    pub author_banned: bool,
    /// The author's (or reported person's) account is suspended.
    pub author_suspended: bool,
}

const QUEUE_SELECT: &str = "SELECT r.id, r.target_kind, r.publication_id, r.reply_id, r.user_id, r.community_id, \
     r.category, r.comment, r.created_at, r.status AS report_status, rep.username AS reporter_name, \
     p.title AS p_title, p.body AS p_body, p.status AS p_status, p.locked AS p_locked, \
     rp.body AS r_body, rp.status AS r_status, \
     au.id AS author_id, au.username AS author_name, au.status AS author_status, au.bio AS author_bio, \
     pc.status AS link_status, c.slug AS c_slug, c.name AS c_name, am.state AS author_state \
     FROM reports r \
     LEFT JOIN users rep ON rep.id = r.reporter_id \
     LEFT JOIN publications p ON p.id = r.publication_id \
     LEFT JOIN replies rp ON rp.id = r.reply_id \
     LEFT JOIN users au ON au.id = COALESCE(r.user_id, rp.author_id, p.author_id) \
     LEFT JOIN publication_communities pc ON pc.publication_id = r.publication_id AND pc.community_id = r.community_id \
     LEFT JOIN communities c ON c.id = r.community_id \
     LEFT JOIN memberships am ON am.community_id = r.community_id AND am.user_id = au.id";

fn queue_item(r: &AnyRow) -> Result<QueueItem, sqlx::Error> {
    let kind_s: String = r.try_get("target_kind")?;
    let kind = TargetKind::parse(&kind_s)
        .ok_or_else(|| sqlx::Error::Decode(format!("target kind {kind_s}").into()))?;
    let publication_id: Option<i64> = r.try_get("publication_id")?;
    let reply_id: Option<i64> = r.try_get("reply_id")?;
    let user_id: Option<i64> = r.try_get("user_id")?;
    let target = match kind {
        TargetKind::Publication => Target::Publication(publication_id.unwrap_or(0)),
        TargetKind::Reply => Target::Reply(reply_id.unwrap_or(0)),
        TargetKind::User => Target::User(user_id.unwrap_or(0)),
    };
    let p_status: Option<String> = r.try_get("p_status")?;
    let publication_status = p_status.as_deref().map(content_status);
    let link_status: Option<String> = r.try_get("link_status")?;
    let r_status: Option<String> = r.try_get("r_status")?;
    let author_name: Option<String> = r.try_get("author_name")?;
    let (title, excerpt_text, path, content) = match kind {
        TargetKind::Publication => {
            let status = match (&link_status, publication_status) {
                // Removed instance-wide trumps the community's state.
                (_, Some(ContentStatus::Removed)) => ContentStatus::Removed,
                (Some(l), _) => content_status(l),
                (None, s) => s.unwrap_or(ContentStatus::Visible),
            };
            (
                r.try_get::<Option<String>, _>("p_title")?
                    .unwrap_or_default(),
                excerpt(
                    &r.try_get::<Option<String>, _>("p_body")?
                        .unwrap_or_default(),
                    EXCERPT_MAX,
                ),
                format!("/p/{}", publication_id.unwrap_or(0)),
                status,
            )
        }
        TargetKind::Reply => (
            r.try_get::<Option<String>, _>("p_title")?
                .unwrap_or_default(),
            excerpt(
                &r.try_get::<Option<String>, _>("r_body")?
                    .unwrap_or_default(),
                EXCERPT_MAX,
            ),
            format!(
                "/p/{}#r-{}",
                publication_id.unwrap_or(0),
                reply_id.unwrap_or(0)
            ),
            r_status
                .as_deref()
                .map(content_status)
                .unwrap_or(ContentStatus::Visible),
        ),
        TargetKind::User => (
            author_name.clone().unwrap_or_default(),
            excerpt(
                &r.try_get::<Option<String>, _>("author_bio")?
                    .unwrap_or_default(),
                EXCERPT_MAX,
            ),
            format!(
                "/u/{}",
                crate::urls::encode_path(author_name.as_deref().unwrap_or(""))
            ),
            ContentStatus::Visible,
        ),
    };
    let cat: String = r.try_get("category")?;
    let author_state: Option<String> = r.try_get("author_state")?;
    let author_status: Option<String> = r.try_get("author_status")?;
    Ok(QueueItem {
        id: r.try_get("id")?,
        open: r.try_get::<String, _>("report_status")? == "open",
        kind,
        target,
        publication_id,
        reply_id,
        user_id,
        community_id: r.try_get("community_id")?,
        community_slug: r.try_get("c_slug")?,
        community_name: r.try_get("c_name")?,
        category: Category::parse(&cat).unwrap_or(Category::Other),
        comment: r.try_get("comment")?,
        created_at: r.try_get("created_at")?,
        reporter: r.try_get("reporter_name")?,
        title,
        excerpt: excerpt_text,
        path,
        author_id: r.try_get("author_id")?,
        author_username: author_name,
        content_status: content,
        publication_status,
        locked: r.try_get::<Option<i64>, _>("p_locked")?.unwrap_or(0) != 0,
        author_banned: author_state.as_deref() == Some("banned"),
        author_suspended: author_status.as_deref() == Some("suspended"),
    })
}

/// Open reports of a queue, oldest first; `page` is 0-based; (items, has_more).
/// The instance queue holds every open report (people, and content in every
/// community).
pub async fn queue(
    db: &Db,
    scope: Scope,
    page: i64,
) -> Result<(Vec<QueueItem>, bool), sqlx::Error> {
    let offset = page.max(0) * PAGE_SIZE;
    let filter = match scope {
        Scope::Community(_) => "r.status = 'open' AND r.community_id = $1",
        Scope::Instance => "r.status = 'open' AND $1 = $1",
    };
    let sql = format!(
        "{QUEUE_SELECT} WHERE {filter} ORDER BY r.created_at, r.id LIMIT {} OFFSET {offset}",
        PAGE_SIZE + 1
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(scope.community_id().unwrap_or(0))
        .fetch_all(&db.pool)
        .await?;
    let mut items = rows.iter().map(queue_item).collect::<Result<Vec<_>, _>>()?;
    let more = items.len() as i64 > PAGE_SIZE;
    items.truncate(PAGE_SIZE as usize);
    Ok((items, more))
}

/// One report (any status).
pub async fn report(db: &Db, id: i64) -> Result<Option<QueueItem>, sqlx::Error> {
    let sql = format!("{QUEUE_SELECT} WHERE r.id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| queue_item(&r))
        .transpose()
}

/// Number of open reports waiting in a queue (for a badge on the community page).
pub async fn open_report_count(db: &Db, scope: Scope) -> Result<i64, sqlx::Error> {
    match scope {
        Scope::Community(id) => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM reports WHERE community_id = $1 AND status = 'open'",
            )
            .bind(id)
            .fetch_one(&db.pool)
            .await
        }
        Scope::Instance => {
            sqlx::query_scalar("SELECT COUNT(*) FROM reports WHERE status = 'open'")
                .fetch_one(&db.pool)
                .await
        }
    }
}

// ---- actions --------------------------------------------------------------------------------

/// A moderator's request.
#[derive(Debug, Clone)]
pub struct ActRequest {
    pub act: Act,
    /// What to act on; taken from the report when absent.
    pub target: Option<Target>,
    /// The report this action answers, if any (must belong to the scope).
    pub report_id: Option<i64>,
    pub reason: String,
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActRefusal {
    /// Unknown target or report, or not in this community.
    NotFound,
    /// The actor may not moderate here, or not this person.
    Forbidden,
    /// (field, message key) pairs: reason missing or too long, action not
    /// applicable to this target.
    Invalid(Vec<(&'static str, &'static str)>),
}

/// What was done.
#[derive(Debug, Clone)]
pub struct Done {
    /// The action as written in the moderation log.
    pub logged: &'static str,
    pub target: Target,
    /// The publication concerned, if any (for a link back).
    pub publication_id: Option<i64>,
    /// Open reports resolved or dismissed by this action.
    pub reports_closed: u64,
}

/// Check a reason: trimmed, required for most actions, at most `REASON_MAX`.
pub fn check_reason(act: Act, reason: &str) -> Result<String, &'static str> {
    let r = reason.trim();
    if act.needs_reason() && r.is_empty() {
        Err("moderation-reason-required")
    } else if r.chars().count() > REASON_MAX {
        Err("field-too-long")
    } else {
        Ok(r.to_string())
    }
}

/// Take an action in a scope. The actor must moderate the community
/// (`ModerateCommunity`) or, for the instance scope, be an administrator
/// (`ApproveCommunities`); `community` must be the scope's community.
pub async fn act(
    db: &Db,
    actor: &User,
    scope: Scope,
    community: Option<&Community>,
    req: &ActRequest,
) -> Result<Result<Done, ActRefusal>, sqlx::Error> {
    // Who may act here.
    match (scope, community) {
        (Scope::Community(id), Some(c)) if c.id == id => {
            let m = crate::communities::membership(db, c.id, Some(actor)).await?;
            if !policy::can(Some(actor), Action::ModerateCommunity { c: &c.facts(), m }) {
                return Ok(Err(ActRefusal::Forbidden));
            }
        }
        (Scope::Instance, _) => {
            if !policy::can(Some(actor), Action::ApproveCommunities) {
                return Ok(Err(ActRefusal::Forbidden));
            }
        }
        _ => return Ok(Err(ActRefusal::NotFound)),
    }
    if !req.act.allowed_in(scope) {
        return Ok(Err(ActRefusal::Invalid(vec![(
            "action",
            "moderation-act-not-applicable",
        )])));
    }
    let reason = match check_reason(req.act, &req.reason) {
        Ok(r) => r,
        Err(key) => return Ok(Err(ActRefusal::Invalid(vec![("reason", key)]))),
    };
    // The report answered, which must be in this queue.
    let report = match req.report_id {
        Some(id) => match report(db, id).await? {
            Some(r) if r.community_id == scope.community_id() || scope == Scope::Instance => {
                Some(r)
            }
            _ => return Ok(Err(ActRefusal::NotFound)),
        },
        None => None,
    };
    let Some(target) = req.target.or(report.as_ref().map(|r| r.target)) else {
        return Ok(Err(ActRefusal::NotFound));
    };
    if req.act == Act::Dismiss && report.is_none() {
        return Ok(Err(ActRefusal::Invalid(vec![(
            "action",
            "moderation-act-not-applicable",
        )])));
    }
    let cid = scope.community_id();
    let slug = community.map(|c| c.slug.clone());

    // Resolve the target, and check it belongs to this community.
    let (pub_facts, reply_facts) = match target {
        Target::Publication(id) => match publication(db, id).await? {
            Some(p) => (Some(p), None),
            None => return Ok(Err(ActRefusal::NotFound)),
        },
        Target::Reply(id) => match reply(db, id).await? {
            Some(r) => (publication(db, r.publication_id).await?, Some(r)),
            None => return Ok(Err(ActRefusal::NotFound)),
        },
        Target::User(id) => {
            if accounts::by_id(db, id).await?.is_none() {
                return Ok(Err(ActRefusal::NotFound));
            }
            (None, None)
        }
    };
    if let (Some(c), Some(p)) = (cid, &pub_facts) {
        let shared: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM publication_communities WHERE publication_id = $1 AND community_id = $2")
                .bind(p.id)
                .bind(c)
                .fetch_one(&db.pool)
                .await?;
        if shared == 0 {
            return Ok(Err(ActRefusal::NotFound));
        }
    }
    if matches!(target, Target::Reply(_)) && pub_facts.is_none() {
        return Ok(Err(ActRefusal::NotFound));
    }
    let publication_id = pub_facts.as_ref().map(|p| p.id);
    let author_id = match (&reply_facts, &pub_facts, target) {
        (Some(r), _, _) => r.author_id,
        (None, Some(p), _) => p.author_id,
        (_, _, Target::User(id)) => Some(id),
        _ => None,
    };
    let not_applicable = || {
        Ok(Err(ActRefusal::Invalid(vec![(
            "action",
            "moderation-act-not-applicable",
        )])))
    };
    // Read before writing (SQLite: one writer; keep the transaction short).
    let my_membership = match community {
        Some(c) => crate::communities::membership(db, c.id, Some(actor)).await?,
        None => None,
    };
    let author = match author_id {
        Some(id) if req.act == Act::Suspend => accounts::by_id(db, id).await?,
        _ => None,
    };

    let t = now();
    let mut tx = db.begin().await?;
    let logged: &'static str;
    let mut log_user: Option<i64> = None;
    let mut log_reply: Option<i64> = reply_facts.as_ref().map(|r| r.id);
    let mut notify_user = author_id;
    // Which open reports this closes, beyond the one answered.
    let mut closes: Option<(Target, Option<i64>)> = None;
    match req.act {
        Act::Hide | Act::Remove | Act::Restore => {
            let status = match req.act {
                Act::Hide => ContentStatus::Hidden,
                Act::Remove => ContentStatus::Removed,
                _ => ContentStatus::Visible,
            };
            match (target, &reply_facts, &pub_facts) {
                (Target::Reply(rid), Some(r), _) => {
                    if r.status == ContentStatus::Deleted {
                        return not_applicable();
                    }
                    sqlx::query("UPDATE replies SET status = $1, status_reason = $2 WHERE id = $3 AND status <> 'deleted'")
                        .bind(status.as_str())
                        .bind(&reason)
                        .bind(rid)
                        .execute(&mut *tx)
                        .await?;
                    logged = match req.act {
                        Act::Hide => "hide_reply",
                        Act::Remove => "remove_reply",
                        _ => "restore_reply",
                    };
                    // The reply is the same wherever the publication is read.
                    closes = Some((target, None));
                }
                (Target::Publication(pid), _, Some(p)) => match cid {
                    Some(c) => {
                        sqlx::query(
                            "UPDATE publication_communities SET status = $1, status_reason = $2 \
                             WHERE publication_id = $3 AND community_id = $4",
                        )
                        .bind(status.as_str())
                        .bind(&reason)
                        .bind(pid)
                        .bind(c)
                        .execute(&mut *tx)
                        .await?;
                        logged = match req.act {
                            Act::Hide => "hide_publication",
                            Act::Remove => "remove_publication",
                            _ => "restore_publication",
                        };
                        closes = Some((target, Some(c)));
                    }
                    None => {
                        if req.act == Act::Hide || p.status == ContentStatus::Deleted {
                            return not_applicable();
                        }
                        sqlx::query("UPDATE publications SET status = $1, status_reason = $2 WHERE id = $3 AND status <> 'deleted'")
                            .bind(status.as_str())
                            .bind(&reason)
                            .bind(pid)
                            .execute(&mut *tx)
                            .await?;
                        logged = if req.act == Act::Remove {
                            "remove_everywhere"
                        } else {
                            "restore_everywhere"
                        };
                        closes = Some((target, None));
                    }
                },
                _ => return not_applicable(),
            }
        }
        Act::Lock | Act::Unlock => {
            let Some(pid) = publication_id else {
                return not_applicable();
            };
            sqlx::query("UPDATE publications SET locked = $1 WHERE id = $2")
                .bind(if req.act == Act::Lock { 1_i64 } else { 0_i64 })
                .bind(pid)
                .execute(&mut *tx)
                .await?;
            logged = if req.act == Act::Lock {
                "lock"
            } else {
                "unlock"
            };
            log_reply = None;
            notify_user = pub_facts.as_ref().and_then(|p| p.author_id);
            closes = Some((Target::Publication(pid), cid));
        }
        Act::Ban | Act::Unban => {
            let (Some(c), Some(uid)) = (community, author_id) else {
                return not_applicable();
            };
            if uid == actor.id {
                return Ok(Err(ActRefusal::Forbidden));
            }
            let row: Option<(String, String)> = sqlx::query_as(
                "SELECT role, state FROM memberships WHERE community_id = $1 AND user_id = $2",
            )
            .bind(c.id)
            .bind(uid)
            .fetch_optional(&mut *tx)
            .await?;
            let theirs = row
                .as_ref()
                .and_then(|(r, s)| Some((Role::parse(r)?, MemberState::parse(s)?)));
            if req.act == Act::Ban {
                // Nobody bans someone of their own rank or above, except administrators.
                let my_rank = my_membership
                    .filter(|m| m.state == MemberState::Active)
                    .map(|m| m.role);
                let their_rank = theirs
                    .filter(|(_, s)| *s == MemberState::Active)
                    .map(|(r, _)| r);
                if let Some(their) = their_rank
                    && their > Role::Member
                    && !actor.is_admin
                    && my_rank.is_none_or(|mine| mine <= their)
                {
                    return Ok(Err(ActRefusal::Forbidden));
                }
                sqlx::query(
                    "INSERT INTO memberships (community_id, user_id, role, state, message, created_at, updated_at) \
                     VALUES ($1, $2, 'member', 'banned', $3, $4, $4) \
                     ON CONFLICT (community_id, user_id) DO UPDATE SET role = 'member', state = 'banned', \
                     message = excluded.message, updated_at = excluded.updated_at",
                )
                .bind(c.id)
                .bind(uid)
                .bind(&reason)
                .bind(t)
                .execute(&mut *tx)
                .await?;
                logged = "ban";
            } else {
                if !theirs.is_some_and(|(_, s)| s == MemberState::Banned) {
                    return not_applicable();
                }
                // No longer banned: they may join again under the community's rules.
                sqlx::query("DELETE FROM memberships WHERE community_id = $1 AND user_id = $2 AND state = 'banned'")
                    .bind(c.id)
                    .bind(uid)
                    .execute(&mut *tx)
                    .await?;
                logged = "unban";
            }
            sqlx::query(
                "UPDATE communities SET member_count = \
                 (SELECT COUNT(*) FROM memberships WHERE community_id = $1 AND state = 'active') WHERE id = $1",
            )
            .bind(c.id)
            .execute(&mut *tx)
            .await?;
            log_user = Some(uid);
            notify_user = Some(uid);
            closes = Some((Target::User(uid), cid));
        }
        Act::Suspend => {
            let Some(target_user) = &author else {
                return not_applicable();
            };
            let uid = target_user.id;
            if !policy::can(
                Some(actor),
                Action::ManageUser {
                    target: target_user,
                },
            ) {
                return Ok(Err(ActRefusal::Forbidden));
            }
            // The same rows as every suspension (`accounts::ops::suspend`):
            // status, sessions, tokens, audit.
            accounts::ops::suspend_rows(&mut tx, &crate::actor::Actor::person(actor), uid, &reason)
                .await?;
            logged = "suspend";
            log_user = Some(uid);
            log_reply = None;
            notify_user = Some(uid);
            closes = Some((Target::User(uid), None));
        }
        Act::Dismiss => {
            logged = "dismiss";
            // Nobody is told: the author need not learn of a dismissed report.
            notify_user = None;
        }
    }

    // Close the report answered and the related open ones.
    let closing_status = if req.act == Act::Dismiss {
        "dismissed"
    } else {
        "resolved"
    };
    let mut reports_closed = 0;
    if let Some(r) = &report {
        // Every open report on the same target in the same queue goes with it.
        reports_closed += close_reports(
            &mut tx,
            r.target,
            r.community_id,
            true,
            closing_status,
            actor.id,
            logged,
            t,
        )
        .await?;
        sqlx::query(
            "UPDATE reports SET status = $1, resolved_by = $2, resolution = $3, resolved_at = $4 WHERE id = $5 AND status = 'open'",
        )
        .bind(closing_status)
        .bind(actor.id)
        .bind(logged)
        .bind(t)
        .bind(r.id)
        .execute(&mut *tx)
        .await
        .map(|res| reports_closed += res.rows_affected())?;
    }
    if let Some((tg, c)) = closes {
        reports_closed += close_reports(
            &mut tx,
            tg,
            c,
            c.is_some(),
            closing_status,
            actor.id,
            logged,
            t,
        )
        .await?;
    }

    sqlx::query(
        "INSERT INTO mod_log (community_id, actor_id, action, publication_id, reply_id, user_id, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(cid)
    .bind(actor.id)
    .bind(logged)
    .bind(publication_id)
    .bind(log_reply)
    .bind(log_user)
    .bind(&reason)
    .bind(t)
    .execute(&mut *tx)
    .await?;

    if let Some(uid) = notify_user.filter(|u| *u != actor.id) {
        let data = serde_json::json!({ "action": logged, "reason": reason, "community": slug });
        sqlx::query(
            "INSERT INTO notifications (user_id, kind, actor_id, community_id, publication_id, reply_id, data, created_at) \
             VALUES ($1, 'moderation', $2, $3, $4, $5, $6, $7)",
        )
        .bind(uid)
        .bind(actor.id)
        .bind(cid)
        .bind(publication_id)
        .bind(log_reply)
        .bind(data.to_string())
        .bind(t)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Ok(Done {
        logged,
        target,
        publication_id,
        reports_closed,
    }))
}

/// Close the open reports about `target`: in community `c` when `only_c`
/// (NULL = the instance's), else everywhere.
#[allow(clippy::too_many_arguments)]
async fn close_reports(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    target: Target,
    c: Option<i64>,
    only_c: bool,
    status: &str,
    actor_id: i64,
    resolution: &str,
    t: i64,
) -> Result<u64, sqlx::Error> {
    let place = match (only_c, c) {
        (false, _) => " AND $6 = $6".to_string(),
        (true, Some(_)) => " AND r.community_id = $6".to_string(),
        (true, None) => " AND r.community_id IS NULL AND $6 = $6".to_string(),
    };
    let sql = format!(
        "UPDATE reports SET status = $1, resolved_by = $2, resolution = $3, resolved_at = $4 \
         WHERE id IN (SELECT r.id FROM reports r WHERE r.status = 'open' AND {}{place})",
        target_condition(target, 5)
    );
    let res = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(status)
        .bind(actor_id)
        .bind(resolution)
        .bind(t)
        .bind(target_id(target))
        .bind(c.unwrap_or(0))
        .execute(&mut **tx)
        .await?;
    Ok(res.rows_affected())
}

// ---- what authors and readers are told -------------------------------------------------------

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
pub const LOGGED_ACTIONS: [&str; 14] = [
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
];

/// Message key describing a logged action (`moderation-log-…`).
pub fn log_label_key(action: &str) -> String {
    format!("moderation-log-{}", action.replace('_', "-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(*c));
        }
        for a in Act::ALL {
            assert_eq!(Act::parse(a.as_str()), Some(*a));
        }
        assert_eq!(Category::parse("nope"), None);
        assert_eq!(
            Category::OffTopic.label_key(),
            "moderation-category-off-topic"
        );
    }

    #[test]
    fn reasons() {
        assert_eq!(
            check_reason(Act::Remove, "  "),
            Err("moderation-reason-required")
        );
        assert_eq!(check_reason(Act::Restore, ""), Ok(String::new()));
        assert_eq!(
            check_reason(Act::Ban, &"x".repeat(REASON_MAX + 1)),
            Err("field-too-long")
        );
        assert_eq!(
            check_reason(Act::Lock, " Hors sujet "),
            Ok("Hors sujet".into())
        );
    }

    #[test]
    fn excerpts_are_cut() {
        assert_eq!(excerpt("a\n\n b", 10), "a b");
        assert_eq!(excerpt("abcdef", 3), "abc…");
    }

    #[test]
    fn every_label_is_translated() {
        for lang in crate::i18n::Lang::ALL {
            for c in Category::ALL {
                assert!(lang.has(&c.label_key()) && lang.has(&c.hint_key()), "{c:?}");
            }
            for a in Act::ALL {
                assert!(lang.has(&a.label_key()), "{a:?}");
            }
            for action in LOGGED_ACTIONS {
                assert!(lang.has(&log_label_key(action)), "{action}");
            }
        }
    }
}
