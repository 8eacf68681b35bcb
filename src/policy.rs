//! The one permission policy: every channel (pages, API, feeds, e-mail,
//! export, federation) asks here whether a viewer may see or do something.
//! Later capabilities (communities, publications…) add their rules here.

use crate::accounts::{Status, User};

#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    /// Create a community (pending approval when the instance requires it).
    CreateCommunity,
    /// Read a community's page and what is shared in it (direct link).
    ViewCommunity {
        c: &'a CommunityFacts,
        m: Option<Membership>,
    },
    /// See the community's card (name, description, how to join) even
    /// without reading its content: what a private community shows outsiders.
    ViewCommunityCard {
        c: &'a CommunityFacts,
        m: Option<Membership>,
    },
    /// Appear in the directory, search and listings for this viewer.
    ListCommunity {
        c: &'a CommunityFacts,
        m: Option<Membership>,
    },
    /// Join at once (open join policy).
    JoinCommunity {
        c: &'a CommunityFacts,
        m: Option<Membership>,
    },
    /// Ask to join (join policy "on request").
    RequestToJoin {
        c: &'a CommunityFacts,
        m: Option<Membership>,
    },
    /// Publish or reply in the community, share a publication into it.
    PostInCommunity {
        c: &'a CommunityFacts,
        m: Option<Membership>,
    },
    /// Hide/remove/restore content, lock threads, ban, review reports.
    ModerateCommunity {
        c: &'a CommunityFacts,
        m: Option<Membership>,
    },
    /// Settings, members, requests, invitations, pins, archive.
    ManageCommunity {
        c: &'a CommunityFacts,
        m: Option<Membership>,
    },
    /// Transfer ownership.
    OwnCommunity {
        c: &'a CommunityFacts,
        m: Option<Membership>,
    },
    /// Approve or refuse community requests; instance-wide moderation.
    ApproveCommunities,
    /// See the administration area and its data.
    Administer,
    /// Suspend, promote or approve a person.
    ManageUser { target: &'a User },
    /// See a person's profile page or API record.
    ViewProfile { target: &'a User },
    /// See a person's e-mail address.
    ViewEmail { target: &'a User },
    /// Change one's own account, profile, sessions and tokens.
    EditAccount { target: &'a User },
    /// Sign in to a connected tool through our OpenID Connect provider
    /// (authorize, redeem codes, refresh, answer userinfo) as oneself.
    SignInToTool,
    /// See the tools connected to a community (its page; its tools in the
    /// portal): its active members only, never outsiders.
    SeeCommunityTools {
        c: &'a CommunityFacts,
        m: Option<Membership>,
    },
    /// See a connected tool in "My tools": every member of the instance for
    /// an instance-wide tool, otherwise whoever may see the tools of one of
    /// the communities it is connected to (`via`).
    SeeTool {
        instance_wide: bool,
        via: &'a [(CommunityFacts, Option<Membership>)],
    },
}

/// A viewer able to act: signed in and active. Suspended or pending
/// accounts act as nobody (their sessions are also ended when suspended).
fn acting(viewer: Option<&User>) -> Option<&User> {
    viewer.filter(|u| u.status == Status::Active && u.domain.is_none())
}

/// What the instance itself (the command line, jobs, maintenance —
/// `Actor::System`) may do: what an administrator may, except what only a
/// person does for themselves or as a member (their own account, signing in
/// to a tool, joining, asking to join, posting, creating a community they
/// would own). Exhaustive on purpose: a new action must be decided here.
pub fn system_may(action: Action<'_>) -> bool {
    match action {
        Action::ViewCommunity { .. }
        | Action::ViewCommunityCard { .. }
        | Action::ListCommunity { .. }
        | Action::ModerateCommunity { .. }
        | Action::ManageCommunity { .. }
        | Action::OwnCommunity { .. }
        | Action::ApproveCommunities
        | Action::Administer
        | Action::ManageUser { .. }
        | Action::ViewProfile { .. }
        | Action::ViewEmail { .. }
        | Action::SeeCommunityTools { .. }
        | Action::SeeTool { .. } => true,
        Action::CreateCommunity
        | Action::JoinCommunity { .. }
        | Action::RequestToJoin { .. }
        | Action::PostInCommunity { .. }
        | Action::EditAccount { .. }
        | Action::SignInToTool => false,
    }
}

pub fn can(viewer: Option<&User>, action: Action<'_>) -> bool {
    let v = acting(viewer);
    let is_admin = v.is_some_and(|u| u.is_admin);
    // A membership only counts for an acting viewer.
    let active =
        |m: Option<Membership>| v.is_some() && m.is_some_and(|m| m.state == MemberState::Active);
    let role_at_least =
        |m: Option<Membership>, r: Role| active(m) && m.is_some_and(|m| m.role >= r);
    let banned = |m: Option<Membership>| m.is_some_and(|m| m.state == MemberState::Banned);
    match action {
        Action::CreateCommunity => v.is_some(),
        Action::ViewCommunity { c, m } => match c.status {
            CommunityStatus::Active | CommunityStatus::Archived => {
                is_admin || c.visibility != Visibility::Private || active(m)
            }
            CommunityStatus::Pending | CommunityStatus::Refused => {
                is_admin || v.is_some_and(|u| Some(u.id) == c.created_by)
            }
        },
        Action::ViewCommunityCard { c, m } => match c.status {
            CommunityStatus::Active | CommunityStatus::Archived => {
                is_admin || active(m) || !(c.visibility == Visibility::Private && banned(m))
            }
            CommunityStatus::Pending | CommunityStatus::Refused => {
                is_admin || v.is_some_and(|u| Some(u.id) == c.created_by)
            }
        },
        // Open and private communities are listed (private ones as a card);
        // unlisted ones only for their members.
        Action::ListCommunity { c, m } => {
            matches!(
                c.status,
                CommunityStatus::Active | CommunityStatus::Archived
            ) && (c.visibility != Visibility::Unlisted || active(m) || is_admin)
                && !(c.visibility == Visibility::Private && banned(m) && !is_admin)
        }
        Action::JoinCommunity { c, m } => {
            v.is_some()
                && c.status == CommunityStatus::Active
                && c.join_policy == JoinPolicy::Open
                && c.visibility != Visibility::Private
                && m.is_none()
        }
        Action::RequestToJoin { c, m } => {
            v.is_some()
                && c.status == CommunityStatus::Active
                && c.join_policy == JoinPolicy::Request
                && m.is_none()
        }
        Action::PostInCommunity { c, m } => {
            c.status == CommunityStatus::Active && active(m) && !banned(m)
        }
        Action::ModerateCommunity { c, m } => {
            c.status != CommunityStatus::Refused && (is_admin || role_at_least(m, Role::Moderator))
        }
        Action::ManageCommunity { c, m } => {
            c.status != CommunityStatus::Refused && (is_admin || role_at_least(m, Role::Animator))
        }
        Action::OwnCommunity { c, m } => {
            c.status != CommunityStatus::Refused && (is_admin || role_at_least(m, Role::Owner))
        }
        Action::ApproveCommunities => is_admin,
        Action::Administer => is_admin,
        Action::ManageUser { target } => is_admin && v.is_some_and(|u| u.id != target.id),
        Action::ViewProfile { target } => {
            target.status == Status::Active || is_admin || v.is_some_and(|u| u.id == target.id)
        }
        Action::ViewEmail { target } => is_admin || v.is_some_and(|u| u.id == target.id),
        Action::EditAccount { target } => v.is_some_and(|u| u.id == target.id),
        Action::SignInToTool => v.is_some(),
        Action::SeeCommunityTools { c, m } => {
            matches!(
                c.status,
                CommunityStatus::Active | CommunityStatus::Archived
            ) && active(m)
        }
        Action::SeeTool { instance_wide, via } => {
            v.is_some()
                && (instance_wide
                    || via
                        .iter()
                        .any(|(c, m)| can(viewer, Action::SeeCommunityTools { c, m: *m })))
        }
    }
}

// ---- Communities -----------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Anyone reads; members post.
    Open,
    /// Only members read.
    Private,
    /// Anyone with the link reads; not in directories or search for non-members.
    Unlisted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JoinPolicy {
    Open,
    Request,
    Invitation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommunityStatus {
    Active,
    /// Read-only.
    Archived,
    /// Asked for; awaiting an administrator.
    Pending,
    Refused,
}

/// Roles, ordered: a higher role can do what the lower ones can.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Member,
    Moderator,
    Animator,
    Owner,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberState {
    Active,
    Requested,
    Banned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    pub role: Role,
    pub state: MemberState,
}

/// What the policy needs to know about a community.
#[derive(Debug, Clone)]
pub struct CommunityFacts {
    pub id: i64,
    pub visibility: Visibility,
    pub join_policy: JoinPolicy,
    pub status: CommunityStatus,
    pub created_by: Option<i64>,
}

macro_rules! str_enum {
    ($t:ty { $($v:ident = $s:literal),+ $(,)? }) => {
        impl $t {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(Self::$v),)+ _ => None }
            }
        }
    };
}
str_enum!(Visibility { Open = "open", Private = "private", Unlisted = "unlisted" });
str_enum!(JoinPolicy { Open = "open", Request = "request", Invitation = "invitation" });
str_enum!(CommunityStatus { Active = "active", Archived = "archived", Pending = "pending", Refused = "refused" });
str_enum!(Role { Member = "member", Moderator = "moderator", Animator = "animator", Owner = "owner" });
str_enum!(MemberState { Active = "active", Requested = "requested", Banned = "banned" });

// ---- Publications ------------------------------------------------------------------

/// State of a publication or reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContentStatus {
    Visible,
    /// Hidden by moderators pending review; the author still sees it.
    Hidden,
    /// Removed by moderators, with a reason the author sees.
    Removed,
    /// Deleted by its author: a tombstone.
    Deleted,
}
str_enum!(ContentStatus { Visible = "visible", Hidden = "hidden", Removed = "removed", Deleted = "deleted" });

/// One community a publication is shared into, as seen by this viewer.
#[derive(Debug, Clone)]
pub struct SharedIn {
    pub community: CommunityFacts,
    pub membership: Option<Membership>,
    /// The moderation state of the publication in this community.
    pub status: ContentStatus,
}

/// How a viewer may see a publication (or reply) given where it is shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    /// Not at all: 404, absent from lists, feeds, search, notifications.
    None,
    /// Only a notice that it was removed, with the reason (its author).
    Notice,
    /// The content.
    Full,
}

/// May `viewer` read a publication by `author_id` in state `status`,
/// shared in `links`? It is readable through any community the viewer may
/// read where it is visible; its author and the moderators of a community
/// also see it while hidden; the author sees a removal notice.
pub fn publication_sight(
    viewer: Option<&User>,
    author_id: Option<i64>,
    status: ContentStatus,
    links: &[SharedIn],
) -> Sight {
    let v = acting(viewer);
    let is_author = v.is_some_and(|u| Some(u.id) == author_id);
    let readable = |l: &SharedIn| {
        can(
            viewer,
            Action::ViewCommunity {
                c: &l.community,
                m: l.membership,
            },
        )
    };
    let moderates = |l: &SharedIn| {
        can(
            viewer,
            Action::ModerateCommunity {
                c: &l.community,
                m: l.membership,
            },
        )
    };
    match status {
        ContentStatus::Deleted => Sight::None,
        ContentStatus::Removed => {
            if links.iter().any(|l| moderates(l)) {
                Sight::Full
            } else if is_author {
                Sight::Notice
            } else {
                Sight::None
            }
        }
        ContentStatus::Hidden => {
            if links.iter().any(|l| moderates(l))
                || (is_author && links.iter().any(|l| readable(l)))
            {
                Sight::Full
            } else {
                Sight::None
            }
        }
        ContentStatus::Visible => {
            let visible_somewhere = links
                .iter()
                .any(|l| readable(l) && l.status == ContentStatus::Visible);
            if visible_somewhere || links.iter().any(|l| moderates(l)) {
                Sight::Full
            } else if is_author && links.iter().any(|l| readable(l)) {
                // Removed or hidden in every community the author can read.
                if links.iter().any(|l| l.status == ContentStatus::Hidden) {
                    Sight::Full
                } else {
                    Sight::Notice
                }
            } else {
                Sight::None
            }
        }
    }
}

/// The SQL form of "communities this viewer may read", for list queries:
/// a condition on the community alias `c`, with the viewer's id bound at
/// placeholder `$param` when the viewer is signed in (the caller binds it).
/// Must agree with `Action::ViewCommunity` (tested in tests/it/policy.rs).
pub fn readable_communities_sql(c: &str, viewer: Option<&User>, param: usize) -> String {
    match acting(viewer) {
        Some(u) if u.is_admin => "1 = 1".to_string(),
        Some(_) => format!(
            "(({c}.status IN ('active', 'archived') AND ({c}.visibility <> 'private' OR EXISTS \
             (SELECT 1 FROM memberships vm WHERE vm.community_id = {c}.id AND vm.user_id = ${param} AND vm.state = 'active'))) \
             OR ({c}.status IN ('pending', 'refused') AND {c}.created_by = ${param}))"
        ),
        None => format!("({c}.status IN ('active', 'archived') AND {c}.visibility <> 'private')"),
    }
}

/// Communities whose content search may show this viewer: those it may
/// read, minus unlisted ones it is not a member of (unlisted means "not in
/// directories or search for non-members"). Binds the viewer at `$param`.
pub fn searchable_communities_sql(c: &str, viewer: Option<&User>, param: usize) -> String {
    match acting(viewer) {
        Some(u) if u.is_admin => format!("{c}.status IN ('active', 'archived')"),
        Some(_) => format!(
            "({c}.status IN ('active', 'archived') AND ({c}.visibility = 'open' OR EXISTS \
             (SELECT 1 FROM memberships vm WHERE vm.community_id = {c}.id AND vm.user_id = ${param} AND vm.state = 'active')))"
        ),
        None => format!("({c}.status IN ('active', 'archived') AND {c}.visibility = 'open')"),
    }
}

/// The SQL form of `Action::ListCommunity` (directory, search, home).
pub fn listed_communities_sql(c: &str, viewer: Option<&User>, param: usize) -> String {
    match acting(viewer) {
        Some(u) if u.is_admin => format!("{c}.status IN ('active', 'archived')"),
        Some(_) => format!(
            "({c}.status IN ('active', 'archived') AND (({c}.visibility = 'open') \
             OR ({c}.visibility = 'private' AND NOT EXISTS (SELECT 1 FROM memberships bm WHERE bm.community_id = {c}.id \
                 AND bm.user_id = ${param} AND bm.state = 'banned')) \
             OR EXISTS (SELECT 1 FROM memberships vm WHERE vm.community_id = {c}.id AND vm.user_id = ${param} AND vm.state = 'active')))"
        ),
        None => format!("({c}.status IN ('active', 'archived') AND {c}.visibility <> 'unlisted')"),
    }
}

/// Whether the SQL helpers above need the viewer id bound.
pub fn sql_needs_viewer(viewer: Option<&User>) -> Option<i64> {
    acting(viewer).filter(|u| !u.is_admin).map(|u| u.id)
}
#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, admin: bool, status: Status) -> User {
        User {
            id,
            username: format!("u{id}"),
            domain: None,
            email: Some(format!("u{id}@x.ca")),
            email_verified: true,
            password_hash: None,
            display_name: String::new(),
            bio: String::new(),
            locale: "fr-CA".into(),
            avatar_id: None,
            is_admin: admin,
            status,
            status_reason: String::new(),
            registration_note: String::new(),
            created_at: 0,
            last_login_at: None,
        }
    }

    fn facts(visibility: Visibility, join: JoinPolicy, status: CommunityStatus) -> CommunityFacts {
        CommunityFacts {
            id: 10,
            visibility,
            join_policy: join,
            status,
            created_by: Some(2),
        }
    }
    fn m(role: Role, state: MemberState) -> Option<Membership> {
        Some(Membership { role, state })
    }

    /// visibility × viewer for reading, listing and posting.
    #[test]
    fn community_matrix() {
        use CommunityStatus as S;
        use JoinPolicy as J;
        use MemberState as St;
        use Visibility as V;
        let admin = user(1, true, Status::Active);
        let member = user(2, false, Status::Active);
        let suspended = user(6, false, Status::Suspended);
        let member_m = m(Role::Member, St::Active);
        let mod_m = m(Role::Moderator, St::Active);
        let req_m = m(Role::Member, St::Requested);
        let ban_m = m(Role::Member, St::Banned);
        // (visibility, status, viewer, membership, read, list, post, moderate)
        type Row<'a> = (
            V,
            S,
            Option<&'a User>,
            Option<Membership>,
            bool,
            bool,
            bool,
            bool,
        );
        let rows: Vec<Row> = vec![
            (V::Open, S::Active, None, None, true, true, false, false),
            (
                V::Open,
                S::Active,
                Some(&member),
                None,
                true,
                true,
                false,
                false,
            ),
            (
                V::Open,
                S::Active,
                Some(&member),
                member_m,
                true,
                true,
                true,
                false,
            ),
            (
                V::Open,
                S::Active,
                Some(&member),
                mod_m,
                true,
                true,
                true,
                true,
            ),
            (
                V::Open,
                S::Active,
                Some(&member),
                ban_m,
                true,
                true,
                false,
                false,
            ),
            (
                V::Open,
                S::Archived,
                Some(&member),
                member_m,
                true,
                true,
                false,
                false,
            ),
            (V::Private, S::Active, None, None, false, true, false, false),
            (
                V::Private,
                S::Active,
                Some(&member),
                req_m,
                false,
                true,
                false,
                false,
            ),
            (
                V::Private,
                S::Active,
                Some(&member),
                member_m,
                true,
                true,
                true,
                false,
            ),
            (
                V::Private,
                S::Active,
                Some(&member),
                ban_m,
                false,
                false,
                false,
                false,
            ),
            (
                V::Private,
                S::Active,
                Some(&suspended),
                member_m,
                false,
                true,
                false,
                false,
            ),
            (
                V::Private,
                S::Active,
                Some(&admin),
                None,
                true,
                true,
                false,
                true,
            ),
            (
                V::Unlisted,
                S::Active,
                None,
                None,
                true,
                false,
                false,
                false,
            ),
            (
                V::Unlisted,
                S::Active,
                Some(&member),
                member_m,
                true,
                true,
                true,
                false,
            ),
            (V::Open, S::Pending, None, None, false, false, false, false),
            (
                V::Open,
                S::Pending,
                Some(&member),
                member_m,
                true,
                false,
                false,
                false,
            ),
        ];
        for (i, (vis, st, viewer, mem, read, list, post, moderate)) in rows.into_iter().enumerate()
        {
            let c = facts(vis, J::Open, st);
            assert_eq!(
                can(viewer, Action::ViewCommunity { c: &c, m: mem }),
                read,
                "row {i} read"
            );
            assert_eq!(
                can(viewer, Action::ListCommunity { c: &c, m: mem }),
                list,
                "row {i} list"
            );
            assert_eq!(
                can(viewer, Action::PostInCommunity { c: &c, m: mem }),
                post,
                "row {i} post"
            );
            assert_eq!(
                can(viewer, Action::ModerateCommunity { c: &c, m: mem }),
                moderate,
                "row {i} moderate"
            );
        }
        let private = facts(V::Private, J::Request, S::Active);
        assert!(
            can(
                None,
                Action::ViewCommunityCard {
                    c: &private,
                    m: None
                }
            ),
            "outsiders see a private card"
        );
        assert!(
            !can(
                Some(&member),
                Action::ViewCommunityCard {
                    c: &private,
                    m: ban_m
                }
            ),
            "banned: nothing"
        );
        assert!(can(
            Some(&member),
            Action::RequestToJoin {
                c: &private,
                m: None
            }
        ));
        let pending = facts(V::Open, J::Open, S::Pending);
        assert!(!can(
            None,
            Action::ViewCommunityCard {
                c: &pending,
                m: None
            }
        ));
        assert!(
            can(
                Some(&member),
                Action::ViewCommunityCard {
                    c: &pending,
                    m: None
                }
            ),
            "its creator (id 2)"
        );
        let open_req = facts(V::Open, J::Request, S::Active);
        assert!(can(
            Some(&member),
            Action::RequestToJoin {
                c: &open_req,
                m: None
            }
        ));
        assert!(!can(
            Some(&member),
            Action::JoinCommunity {
                c: &open_req,
                m: None
            }
        ));
        assert!(!can(
            None,
            Action::RequestToJoin {
                c: &open_req,
                m: None
            }
        ));
        let invite_only = facts(V::Private, J::Invitation, S::Active);
        assert!(!can(
            Some(&member),
            Action::RequestToJoin {
                c: &invite_only,
                m: None
            }
        ));
        assert!(!can(
            Some(&member),
            Action::JoinCommunity {
                c: &invite_only,
                m: None
            }
        ));
        assert!(
            !can(
                Some(&member),
                Action::RequestToJoin {
                    c: &open_req,
                    m: ban_m
                }
            ),
            "banned cannot ask again"
        );
        assert!(can(
            Some(&member),
            Action::ManageCommunity {
                c: &open_req,
                m: m(Role::Animator, St::Active)
            }
        ));
        assert!(!can(
            Some(&member),
            Action::ManageCommunity {
                c: &open_req,
                m: mod_m
            }
        ));
        assert!(!can(
            Some(&member),
            Action::OwnCommunity {
                c: &open_req,
                m: m(Role::Animator, St::Active)
            }
        ));
    }

    #[test]
    fn publication_sight_through_communities() {
        let member = user(2, false, Status::Active);
        let author = user(3, false, Status::Active);
        let outsider = user(4, false, Status::Active);
        let private = facts(
            Visibility::Private,
            JoinPolicy::Request,
            CommunityStatus::Active,
        );
        let open = CommunityFacts {
            id: 11,
            ..facts(Visibility::Open, JoinPolicy::Open, CommunityStatus::Active)
        };
        let link = |c: &CommunityFacts, mem: Option<Membership>, status| SharedIn {
            community: c.clone(),
            membership: mem,
            status,
        };
        let mm = m(Role::Member, MemberState::Active);
        // Shared in a private and an open community: the outsider reads it through the open one.
        let both = [
            link(&private, None, ContentStatus::Visible),
            link(&open, None, ContentStatus::Visible),
        ];
        assert_eq!(
            publication_sight(Some(&outsider), Some(3), ContentStatus::Visible, &both),
            Sight::Full
        );
        // Only in the private one: the outsider sees nothing, the member sees it.
        let only_private = [link(&private, None, ContentStatus::Visible)];
        assert_eq!(
            publication_sight(
                Some(&outsider),
                Some(3),
                ContentStatus::Visible,
                &only_private
            ),
            Sight::None
        );
        assert_eq!(
            publication_sight(None, Some(3), ContentStatus::Visible, &only_private),
            Sight::None
        );
        let as_member = [link(&private, mm, ContentStatus::Visible)];
        assert_eq!(
            publication_sight(Some(&member), Some(3), ContentStatus::Visible, &as_member),
            Sight::Full
        );
        // Removed in the open community: hidden from readers there, the author gets a notice.
        let removed_open = [link(&open, None, ContentStatus::Removed)];
        assert_eq!(
            publication_sight(
                Some(&outsider),
                Some(3),
                ContentStatus::Visible,
                &removed_open
            ),
            Sight::None
        );
        assert_eq!(
            publication_sight(
                Some(&author),
                Some(3),
                ContentStatus::Visible,
                &removed_open
            ),
            Sight::Notice
        );
        // Removed instance-wide; moderators of a community still see it.
        let as_mod = [link(
            &open,
            m(Role::Moderator, MemberState::Active),
            ContentStatus::Visible,
        )];
        assert_eq!(
            publication_sight(Some(&member), Some(3), ContentStatus::Removed, &as_mod),
            Sight::Full
        );
        assert_eq!(
            publication_sight(Some(&author), Some(3), ContentStatus::Removed, &both),
            Sight::Notice
        );
        assert_eq!(
            publication_sight(Some(&outsider), Some(3), ContentStatus::Removed, &both),
            Sight::None
        );
        assert_eq!(
            publication_sight(Some(&author), Some(3), ContentStatus::Deleted, &both),
            Sight::None
        );
    }

    /// viewer × target-state matrix for every foundation action.
    #[test]
    fn matrix() {
        let admin = user(1, true, Status::Active);
        let member = user(2, false, Status::Active);
        let suspended_admin = user(3, true, Status::Suspended);
        let other = user(4, false, Status::Active);
        let pending = user(5, false, Status::Pending);
        let suspended = user(6, false, Status::Suspended);

        assert!(can(Some(&admin), Action::Administer));
        assert!(!can(Some(&member), Action::Administer));
        assert!(!can(Some(&suspended_admin), Action::Administer));
        assert!(!can(None, Action::Administer));

        assert!(can(Some(&admin), Action::ManageUser { target: &member }));
        assert!(
            !can(Some(&admin), Action::ManageUser { target: &admin }),
            "no self-demotion"
        );
        assert!(!can(Some(&member), Action::ManageUser { target: &other }));

        for t in [&member, &other] {
            assert!(can(None, Action::ViewProfile { target: t }));
        }
        for hidden in [&pending, &suspended] {
            assert!(!can(None, Action::ViewProfile { target: hidden }));
            assert!(!can(Some(&member), Action::ViewProfile { target: hidden }));
            assert!(can(Some(&admin), Action::ViewProfile { target: hidden }));
        }

        assert!(can(Some(&member), Action::ViewEmail { target: &member }));
        assert!(!can(Some(&member), Action::ViewEmail { target: &other }));
        assert!(!can(None, Action::ViewEmail { target: &other }));
        assert!(can(Some(&admin), Action::ViewEmail { target: &other }));

        assert!(can(Some(&member), Action::EditAccount { target: &member }));
        assert!(!can(Some(&admin), Action::EditAccount { target: &member }));
        assert!(!can(
            Some(&suspended),
            Action::EditAccount { target: &suspended }
        ));
    }

    /// Which tools a viewer sees: instance-wide ones when signed in; a
    /// community's tools only as an active member (not as an outsider,
    /// an applicant, a banned person, nor an administrator who is not a
    /// member), and never in a pending or refused community.
    #[test]
    fn tools_matrix() {
        use MemberState as St;
        let admin = user(1, true, Status::Active);
        let member = user(2, false, Status::Active);
        let suspended = user(6, false, Status::Suspended);
        let private = facts(
            Visibility::Private,
            JoinPolicy::Request,
            CommunityStatus::Active,
        );
        let open = facts(Visibility::Open, JoinPolicy::Open, CommunityStatus::Active);
        let pending = facts(Visibility::Open, JoinPolicy::Open, CommunityStatus::Pending);
        let member_m = m(Role::Member, St::Active);
        for c in [&private, &open] {
            assert!(can(
                Some(&member),
                Action::SeeCommunityTools { c, m: member_m }
            ));
            assert!(!can(
                Some(&suspended),
                Action::SeeCommunityTools { c, m: member_m }
            ));
            assert!(!can(None, Action::SeeCommunityTools { c, m: member_m }));
            assert!(!can(Some(&admin), Action::SeeCommunityTools { c, m: None }));
            for other in [
                None,
                m(Role::Member, St::Requested),
                m(Role::Owner, St::Banned),
            ] {
                assert!(!can(
                    Some(&member),
                    Action::SeeCommunityTools { c, m: other }
                ));
            }
        }
        assert!(!can(
            Some(&member),
            Action::SeeCommunityTools {
                c: &pending,
                m: member_m
            }
        ));

        let none: [(CommunityFacts, Option<Membership>); 0] = [];
        assert!(can(
            Some(&member),
            Action::SeeTool {
                instance_wide: true,
                via: &none
            }
        ));
        assert!(!can(
            None,
            Action::SeeTool {
                instance_wide: true,
                via: &none
            }
        ));
        assert!(!can(
            Some(&suspended),
            Action::SeeTool {
                instance_wide: true,
                via: &none
            }
        ));
        assert!(!can(
            Some(&admin),
            Action::SeeTool {
                instance_wide: false,
                via: &none
            }
        ));
        let via = [(open.clone(), None), (private.clone(), member_m)];
        assert!(can(
            Some(&member),
            Action::SeeTool {
                instance_wide: false,
                via: &via
            }
        ));
        let outside = [
            (open.clone(), None),
            (private.clone(), m(Role::Member, St::Requested)),
        ];
        assert!(!can(
            Some(&member),
            Action::SeeTool {
                instance_wide: false,
                via: &outside
            }
        ));
    }
}
