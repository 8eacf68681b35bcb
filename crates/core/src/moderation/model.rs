//! What moderation speaks of: report categories, actions, scopes and
//! targets (the vocabulary shared by pages, API and operations), and the
//! facts about content — what a publication or reply is, where it is
//! shared, how a viewer sees it.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::{Status, User};
use crate::db::Db;
use crate::policy::{
    self, Action, CommunityFacts, CommunityStatus, ContentStatus, JoinPolicy, MemberState,
    Membership, Reach, Role, SharedIn, Sight, Visibility,
};

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
    /// The community of the scope (`None`: the instance).
    pub fn community_id(self) -> Option<i64> {
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

pub(super) fn content_status(s: &str) -> ContentStatus {
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
    /// When it was published (the communities it was first shared in).
    pub created_at: i64,
}

pub async fn publication(db: &Db, id: i64) -> Result<Option<PublicationFacts>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT p.id, p.title, p.body, p.author_id, p.status, p.locked, p.created_at, u.username AS author_username \
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
            created_at: r.try_get("created_at")?,
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
    /// When it was written (the audience it was written for:
    /// `policy::written_for`).
    pub created_at: i64,
}

pub async fn reply(db: &Db, id: i64) -> Result<Option<ReplyFacts>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT r.id, r.publication_id, r.body, r.author_id, r.status, r.created_at, u.username AS author_username \
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
            created_at: r.try_get("created_at")?,
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
    pub(super) fn readable(&self, viewer: Option<&User>) -> bool {
        policy::can(
            viewer,
            Action::ViewCommunity {
                c: &self.shared.community,
                m: self.shared.membership,
            },
        )
    }
    pub fn moderated_by(&self, viewer: Option<&User>) -> bool {
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
        "SELECT pc.status AS link_status, pc.added_at AS link_added_at, c.id AS c_id, c.slug AS c_slug, c.name AS c_name, \
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
            added_at: r.try_get("link_added_at")?,
        },
    })
}

/// How `viewer` sees a publication shared in `links` (the policy's answer).
pub fn sight(viewer: Option<&User>, p: &PublicationFacts, links: &[Link]) -> Sight {
    let shared: Vec<SharedIn> = links.iter().map(|l| l.shared.clone()).collect();
    // Reports and moderation work on what one finds (the forms carry no key).
    policy::publication_sight(viewer, p.author_id, p.status, &shared, Reach::Found)
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
    let is_author = viewer.is_some_and(|u| u.status == Status::Active && Some(u.id) == r.author_id);
    // Only for the audience it was written for (the publication may have
    // been shared into a wider community since).
    let shared: Vec<SharedIn> = links.iter().map(|l| l.shared.clone()).collect();
    if !is_author && !policy::written_for(viewer, r.created_at, p.created_at, &shared, Reach::Found)
    {
        return Sight::None;
    }
    let at = r.created_at.max(p.created_at);
    let moderates = links
        .iter()
        .any(|l| l.shared.added_at <= at && l.moderated_by(viewer));
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
pub(super) fn destinations<'a>(viewer: &User, links: &'a [Link]) -> Vec<&'a Link> {
    links
        .iter()
        .filter(|l| {
            l.moderated_by(Some(viewer))
                || (l.readable(Some(viewer)) && l.shared.status == ContentStatus::Visible)
        })
        .collect()
}
