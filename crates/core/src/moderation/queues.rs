//! Reports as they are read: what a person may report and where it goes,
//! the review queues (a community's, the instance's), one report, and what
//! the action form shows of a target.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::model::{content_status, destinations};
use super::{Category, Scope, Target, TargetKind};
use super::{EXCERPT_MAX, PAGE_SIZE, excerpt, links, publication, reply, reply_sight, sight};
use crate::accounts::{self, User};
use crate::db::Db;
use crate::policy::{self, Action, ContentStatus, Sight};
use crate::urls;

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
    /// Their slugs (the API says where the report went).
    pub destination_slugs: Vec<String>,
}

impl Reportable {
    fn sent_to(mut self, to: Vec<&super::Link>) -> Reportable {
        self.destinations = to.iter().map(|l| l.community_id()).collect();
        self.destination_names = to.iter().map(|l| l.name.clone()).collect();
        self.destination_slugs = to.iter().map(|l| l.slug.clone()).collect();
        self
    }
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
            Ok(Ok(Reportable {
                target,
                publication_id: Some(id),
                reply_id: None,
                user_id: None,
                title: p.title.clone(),
                excerpt: excerpt(&p.body, EXCERPT_MAX),
                path: urls::publication(id),
                destinations: Vec::new(),
                destination_names: Vec::new(),
                destination_slugs: Vec::new(),
            }
            .sent_to(destinations(reporter, &links))))
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
            Ok(Ok(Reportable {
                target,
                publication_id: Some(p.id),
                reply_id: Some(id),
                user_id: None,
                title: p.title.clone(),
                excerpt: excerpt(&r.body, EXCERPT_MAX),
                path: urls::reply(p.id, id),
                destinations: Vec::new(),
                destination_names: Vec::new(),
                destination_slugs: Vec::new(),
            }
            .sent_to(destinations(reporter, &links))))
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
                destination_slugs: Vec::new(),
            }))
        }
    }
}

/// The SQL condition "this report is about target T" on alias `r`, with
/// the target id at placeholder `$n`.
pub(super) fn target_condition(target: Target, n: usize) -> String {
    match target {
        Target::Publication(_) => {
            format!("r.target_kind = 'publication' AND r.publication_id = ${n}")
        }
        Target::Reply(_) => format!("r.target_kind = 'reply' AND r.reply_id = ${n}"),
        Target::User(_) => format!("r.target_kind = 'user' AND r.user_id = ${n}"),
    }
}

pub(super) fn target_id(target: Target) -> i64 {
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
                urls::publication(publication_id.unwrap_or(0)),
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
            urls::reply(publication_id.unwrap_or(0), reply_id.unwrap_or(0)),
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
            urls::user(author_name.as_deref().unwrap_or("")),
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

// ---- the action form ------------------------------------------------------------------------

/// What the action form shows of a target, as it stands in `scope`: its
/// state where the moderator acts (a publication's in the community, or
/// instance-wide), its author and whether they are banned here or
/// suspended. `None`: unknown, or not shared in the scope's community.
pub struct Described {
    pub kind: TargetKind,
    pub title: String,
    pub excerpt: String,
    pub path: String,
    pub author: Option<(i64, String)>,
    pub status: ContentStatus,
    pub locked: bool,
    pub author_banned: bool,
    pub author_suspended: bool,
    /// How a form names the target (`publication`, `reply`, `user`).
    pub publication: String,
    pub reply: String,
    pub user: String,
}

pub async fn describe(
    db: &Db,
    scope: Scope,
    target: Target,
) -> Result<Option<Described>, sqlx::Error> {
    let link_status = |links: &[super::Link], pstatus: ContentStatus| match scope {
        Scope::Community(cid) => {
            if pstatus == ContentStatus::Removed {
                ContentStatus::Removed
            } else {
                links
                    .iter()
                    .find(|l| l.community_id() == cid)
                    .map(|l| l.shared.status)
                    .unwrap_or(pstatus)
            }
        }
        Scope::Instance => pstatus,
    };
    let mut d = match target {
        Target::Publication(pid) => {
            let Some(p) = publication(db, pid).await? else {
                return Ok(None);
            };
            let links = links(db, pid, None).await?;
            if let Scope::Community(cid) = scope
                && !links.iter().any(|l| l.community_id() == cid)
            {
                return Ok(None);
            }
            Described {
                kind: TargetKind::Publication,
                title: p.title.clone(),
                excerpt: excerpt(&p.body, 600),
                path: urls::publication(pid),
                author: p.author_id.zip(p.author_username.clone()),
                status: link_status(&links, p.status),
                locked: p.locked,
                author_banned: false,
                author_suspended: false,
                publication: pid.to_string(),
                reply: String::new(),
                user: String::new(),
            }
        }
        Target::Reply(rid) => {
            let Some(r) = reply(db, rid).await? else {
                return Ok(None);
            };
            let Some(p) = publication(db, r.publication_id).await? else {
                return Ok(None);
            };
            let links = links(db, p.id, None).await?;
            if let Scope::Community(cid) = scope
                && !links.iter().any(|l| l.community_id() == cid)
            {
                return Ok(None);
            }
            Described {
                kind: TargetKind::Reply,
                title: p.title.clone(),
                excerpt: excerpt(&r.body, 600),
                path: urls::reply(p.id, rid),
                author: r.author_id.zip(r.author_username.clone()),
                status: r.status,
                locked: p.locked,
                author_banned: false,
                author_suspended: false,
                publication: String::new(),
                reply: rid.to_string(),
                user: String::new(),
            }
        }
        Target::User(uid) => {
            let Some(u) = accounts::by_id(db, uid).await? else {
                return Ok(None);
            };
            Described {
                kind: TargetKind::User,
                title: u.username.clone(),
                excerpt: excerpt(&u.bio, 600),
                path: u.path(),
                author: Some((u.id, u.username.clone())),
                status: ContentStatus::Visible,
                locked: false,
                author_banned: false,
                author_suspended: false,
                publication: String::new(),
                reply: String::new(),
                user: u.username.clone(),
            }
        }
    };
    if let Some((aid, _)) = &d.author {
        if let Scope::Community(cid) = scope {
            let state: Option<String> = sqlx::query_scalar(
                "SELECT state FROM memberships WHERE community_id = $1 AND user_id = $2",
            )
            .bind(cid)
            .bind(*aid)
            .fetch_optional(&db.pool)
            .await?;
            d.author_banned = state.as_deref() == Some("banned");
        }
        d.author_suspended = accounts::by_id(db, *aid)
            .await?
            .is_some_and(|u| u.status == accounts::Status::Suspended);
    }
    Ok(Some(d))
}
