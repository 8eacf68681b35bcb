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
    /// Find what is shared in the community without being given its link:
    /// through `/p/{id}` alone, tag pages, search, the "already shared"
    /// hint. Like `ViewCommunity`, except that an unlisted community's
    /// content is found only by its members (and instance admins); anyone
    /// else reads it by its link (`Reach::Link`).
    FindCommunityContent {
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
    /// Create an organisation (it stays unverified until an administrator
    /// verifies it), the creator its first admin.
    CreateOrganisation,
    /// Read an organisation's page and find it in the directory, the map,
    /// GeoJSON and exports: verified public ones for everyone; the others
    /// for their members and administrators only.
    ViewOrganisation { o: &'a OrgFacts, m: Option<OrgRole> },
    /// Edit the page, its sections, logo, members and roles.
    EditOrganisation { o: &'a OrgFacts, m: Option<OrgRole> },
    /// Ask to become an admin of an organisation one does not belong to
    /// (an administrator grants it).
    ClaimOrganisation { o: &'a OrgFacts, m: Option<OrgRole> },
    /// Verify or refuse organisations, grant claims, edit the sectors list,
    /// configure geocoding.
    VerifyOrganisations,
    /// Manage what belongs to a territory (its newsletters, the external
    /// feeds its page gathers). Territories have no members or roles of
    /// their own — they are the instance's reference layer, imported by
    /// administrators —, so administrators.
    ManageTerritory,
    /// Propose an initiative for the map (moderators validate it).
    ProposeInitiative,
    /// See an initiative (page, list, map, GeoJSON, exports).
    ViewInitiative { i: &'a InitiativeFacts },
    /// Change an initiative: its proposer while it waits, moderators always.
    EditInitiative { i: &'a InitiativeFacts },
    /// Validate or refuse proposed initiatives; import initiatives.
    ModerateInitiatives,
    /// Be published on the fediverse (ActivityPub, issue 18): a community
    /// as a `Group` actor with its content — open ones only, active or
    /// archived; private and unlisted communities are not federated at
    /// all. Asked for an anonymous remote, whoever the viewer is. `local`:
    /// a community of this instance (a remote group we mirror, known by a
    /// row with `communities.domain`, is never ours to publish).
    FederateCommunity { c: &'a CommunityFacts, local: bool },
    /// A person of another instance (`Actor::Remote`, a `users` row with a
    /// `domain`) writes into a community through federation: a reply or a
    /// post mentioning one of our federated communities (`local`), or
    /// content a remote group we follow announces (not `local`). Refused
    /// when banned there or when the community does not take content.
    PostFromFediverse {
        c: &'a CommunityFacts,
        m: Option<Membership>,
        local: bool,
    },
    /// Be published as a `Person` actor: an active local account whose
    /// owner did not opt out (`users.federation_opt_out`).
    FederateProfile { target: &'a User, opted_out: bool },
    /// See an event (page, agenda, calendar feeds, API): read through the
    /// communities it is in, like a publication found without its link
    /// (`FindCommunityContent` in one of them); its organiser always.
    ViewEvent {
        organiser: Option<i64>,
        via: &'a [(CommunityFacts, Option<Membership>)],
    },
    /// Edit, cancel, see and export the participants: its organiser,
    /// a moderator of one of its communities, administrators — never an
    /// event of another instance (`remote`: received by federation,
    /// `events.ap_id`), which is changed where it comes from.
    ManageEvent {
        organiser: Option<i64>,
        via: &'a [(CommunityFacts, Option<Membership>)],
        remote: bool,
    },
    /// Remove an event of another instance from this one (it does not come
    /// back on a later `Create` or `Update`): administrators, and the
    /// moderators of a community it is in. Only remote events.
    RemoveRemoteEvent {
        via: &'a [(CommunityFacts, Option<Membership>)],
    },
    /// Answer going / maybe / not going (a person, who sees the event).
    RsvpEvent {
        organiser: Option<i64>,
        via: &'a [(CommunityFacts, Option<Membership>)],
    },
    /// Read a resource of the library (`library::view_resource`), placed in
    /// the communities `via` (with the viewer's membership in each).
    ViewResource {
        r: &'a ResourceFacts,
        via: &'a [(CommunityFacts, Option<Membership>)],
    },
    /// Edit a resource, add files: its contributor, moderators of a
    /// community it is in, administrators.
    EditResource {
        r: &'a ResourceFacts,
        via: &'a [(CommunityFacts, Option<Membership>)],
    },
    /// Add resources to the instance library, curate dossiers.
    CurateLibrary,
    /// Propose a lexicon term.
    ProposeTerm,
    /// Accept, refuse and edit lexicon terms (lexicon editors).
    EditLexicon,
    /// See a lexicon term.
    ViewTerm { t: &'a TermFacts },
    /// Read a community's wiki pages and file space (C19): whoever may
    /// find the community's content (`FindCommunityContent`).
    ViewCommunitySpace {
        c: &'a CommunityFacts,
        m: Option<Membership>,
    },
    /// Write wiki pages (edit, restore) and add files and folders: an
    /// active member of an active community (`PostInCommunity`).
    EditCommunitySpace {
        c: &'a CommunityFacts,
        m: Option<Membership>,
    },
    /// Delete wiki pages and files of a community: its moderators.
    ModerateCommunitySpace {
        c: &'a CommunityFacts,
        m: Option<Membership>,
    },
    /// Set a community's file quota (administrators).
    SetFileQuota,
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
        | Action::FindCommunityContent { .. }
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
        | Action::SeeTool { .. }
        | Action::ViewOrganisation { .. }
        | Action::EditOrganisation { .. }
        | Action::VerifyOrganisations
        | Action::ManageTerritory
        | Action::ViewInitiative { .. }
        | Action::EditInitiative { .. }
        | Action::ModerateInitiatives
        | Action::ViewEvent { .. }
        | Action::ViewResource { .. }
        | Action::EditResource { .. }
        | Action::CurateLibrary
        | Action::EditLexicon
        | Action::ViewTerm { .. }
        | Action::ViewCommunitySpace { .. }
        | Action::ModerateCommunitySpace { .. }
        | Action::SetFileQuota => true,
        Action::ManageEvent { remote, .. } => !remote,
        Action::RemoveRemoteEvent { .. } => true,
        Action::EditCommunitySpace { .. } => false,
        Action::RsvpEvent { .. } | Action::ProposeTerm => false,
        // Not a permission of anyone: a property of the community or person.
        Action::FederateCommunity { .. } | Action::FederateProfile { .. } => can(None, action),
        Action::CreateOrganisation
        | Action::ClaimOrganisation { .. }
        | Action::ProposeInitiative => false,
        Action::CreateCommunity
        | Action::JoinCommunity { .. }
        | Action::RequestToJoin { .. }
        | Action::PostInCommunity { .. }
        | Action::PostFromFediverse { .. }
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
        Action::FindCommunityContent { c, m } => {
            can(viewer, Action::ViewCommunity { c, m })
                && (c.visibility != Visibility::Unlisted || is_admin || active(m))
        }
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
        Action::CreateOrganisation => v.is_some(),
        Action::ViewOrganisation { o, m } => {
            is_admin
                || (v.is_some() && m.is_some())
                || (o.status == OrgStatus::Verified && o.visibility == OrgVisibility::Public)
        }
        Action::EditOrganisation { o, m } => {
            is_admin || (v.is_some() && m == Some(OrgRole::Admin) && o.status != OrgStatus::Refused)
        }
        Action::ClaimOrganisation { o, m } => {
            v.is_some()
                && m.is_none()
                && o.status == OrgStatus::Verified
                && o.visibility == OrgVisibility::Public
        }
        Action::VerifyOrganisations => is_admin,
        Action::ManageTerritory => is_admin,
        Action::ProposeInitiative => v.is_some(),
        Action::ViewInitiative { i } => {
            i.status == InitiativeStatus::Validated
                || is_admin
                || v.is_some_and(|u| Some(u.id) == i.proposed_by)
        }
        Action::EditInitiative { i } => {
            is_admin
                || (i.status == InitiativeStatus::Proposed
                    && v.is_some_and(|u| Some(u.id) == i.proposed_by))
        }
        Action::ModerateInitiatives => is_admin,
        Action::FederateCommunity { c, local } => {
            local
                && c.visibility == Visibility::Open
                && matches!(
                    c.status,
                    CommunityStatus::Active | CommunityStatus::Archived
                )
        }
        Action::PostFromFediverse { c, m, local } => {
            viewer.is_some_and(|u| u.status == Status::Active && u.domain.is_some())
                && c.status == CommunityStatus::Active
                && !banned(m)
                && (!local || can(None, Action::FederateCommunity { c, local }))
        }
        Action::FederateProfile { target, opted_out } => {
            !opted_out && target.domain.is_none() && target.status == Status::Active
        }
        Action::ViewEvent { organiser, via } => {
            is_admin
                || (organiser.is_some() && v.is_some_and(|u| Some(u.id) == organiser))
                || via
                    .iter()
                    .any(|(c, m)| can(viewer, Action::FindCommunityContent { c, m: *m }))
        }
        Action::ManageEvent {
            organiser,
            via,
            remote,
        } => {
            !remote
                && (is_admin
                    || (organiser.is_some() && v.is_some_and(|u| Some(u.id) == organiser))
                    || via
                        .iter()
                        .any(|(c, m)| can(viewer, Action::ModerateCommunity { c, m: *m })))
        }
        Action::RemoveRemoteEvent { via } => {
            is_admin
                || via
                    .iter()
                    .any(|(c, m)| can(viewer, Action::ModerateCommunity { c, m: *m }))
        }
        Action::RsvpEvent { organiser, via } => {
            (v.is_some() && can(viewer, Action::ViewEvent { organiser, via }))
                // A person of another instance (Mobilizon's remote `Join`):
                // an event anyone may see, in one of our federated
                // communities where they are not banned.
                || (viewer.is_some_and(|u| u.status == Status::Active && u.domain.is_some())
                    && can(None, Action::ViewEvent { organiser, via })
                    && via.iter().any(|(c, m)| {
                        !banned(*m) && can(None, Action::FederateCommunity { c, local: true })
                    }))
        }
        Action::ViewResource { r, via } => library::view_resource(viewer, r, via),
        Action::EditResource { r, via } => library::edit_resource(viewer, r, via),
        Action::CurateLibrary => is_admin,
        Action::ProposeTerm => v.is_some(),
        Action::EditLexicon => is_admin,
        Action::ViewTerm { t } => library::view_term(viewer, t),
        Action::ViewCommunitySpace { c, m } => can(viewer, Action::FindCommunityContent { c, m }),
        Action::EditCommunitySpace { c, m } => can(viewer, Action::PostInCommunity { c, m }),
        Action::ModerateCommunitySpace { c, m } => {
            c.status != CommunityStatus::Refused && (is_admin || role_at_least(m, Role::Moderator))
        }
        Action::SetFileQuota => is_admin,
    }
}

// ---- Organisations and initiatives ---------------------------------------------------

/// An organisation's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrgStatus {
    /// Created by a member, not yet verified by an administrator.
    Unverified,
    Verified,
    Refused,
}

/// Who reads an organisation's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrgVisibility {
    Public,
    /// Its members and administrators only.
    Members,
}

/// A person's role in an organisation (active links only).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum OrgRole {
    Member,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InitiativeStatus {
    Proposed,
    Validated,
    Refused,
}

/// What the policy needs to know about an organisation.
#[derive(Debug, Clone)]
pub struct OrgFacts {
    pub id: i64,
    pub status: OrgStatus,
    pub visibility: OrgVisibility,
}

/// What the policy needs to know about an initiative.
#[derive(Debug, Clone)]
pub struct InitiativeFacts {
    pub id: i64,
    pub status: InitiativeStatus,
    pub proposed_by: Option<i64>,
}

/// The SQL form of `Action::ViewOrganisation` on the organisation alias
/// `o` (directory, map, GeoJSON, CSV, API). Binds the viewer at `$param`
/// when `sql_needs_viewer` says so.
pub fn visible_organisations_sql(o: &str, viewer: Option<&User>, param: usize) -> String {
    match acting(viewer) {
        Some(u) if u.is_admin => "1 = 1".to_string(),
        Some(_) => format!(
            "(({o}.status = 'verified' AND {o}.visibility = 'public') OR EXISTS \
             (SELECT 1 FROM organisation_members vom WHERE vom.organisation_id = {o}.id \
             AND vom.user_id = ${param} AND vom.state = 'active'))"
        ),
        None => format!("({o}.status = 'verified' AND {o}.visibility = 'public')"),
    }
}

/// The SQL form of `Action::ViewInitiative` on the alias `i`.
pub fn visible_initiatives_sql(i: &str, viewer: Option<&User>, param: usize) -> String {
    match acting(viewer) {
        Some(u) if u.is_admin => "1 = 1".to_string(),
        Some(_) => format!("({i}.status = 'validated' OR {i}.proposed_by = ${param})"),
        None => format!("{i}.status = 'validated'"),
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
str_enum!(OrgStatus { Unverified = "unverified", Verified = "verified", Refused = "refused" });
str_enum!(OrgVisibility { Public = "public", Members = "members" });
str_enum!(OrgRole { Member = "member", Admin = "admin" });
str_enum!(InitiativeStatus { Proposed = "proposed", Validated = "validated", Refused = "refused" });

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
    /// When it was shared there (its creation, for the first communities):
    /// replies and earlier versions written before are not for this
    /// community's readers (`audience::written_for`).
    pub added_at: i64,
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
/// shared in `links`, having reached it by `reach`? It is readable through
/// any community the viewer may read where it is visible — an unlisted
/// community only for its members unless the viewer came with the
/// publication's link (`Action::FindCommunityContent`); its author and the
/// moderators of a community also see it while hidden; the author sees a
/// removal notice.
pub fn publication_sight(
    viewer: Option<&User>,
    author_id: Option<i64>,
    status: ContentStatus,
    links: &[SharedIn],
    reach: Reach,
) -> Sight {
    let v = acting(viewer);
    let is_author = v.is_some_and(|u| Some(u.id) == author_id);
    let readable = |l: &SharedIn| audience::readable_through(viewer, l, reach);
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

/// Whom a page shared between viewers (the territory pages' cache,
/// crates/core/src/cache.rs) is computed for. Two signed-in viewers see
/// the same territory page when the SQL forms above give them the same
/// rows, which they do when they hold the same `VIEWER_FACTS_SQL` rows:
/// those forms depend on a non-admin viewer only through these facts.
/// **A new viewer-dependent condition in those forms adds its fact here.**
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAudience {
    /// Anonymous, or a viewer the policy treats as one (suspended, remote).
    Anonymous,
    /// Administrators all see everything (`1 = 1`).
    Admin,
    /// A member: their facts decide (`VIEWER_FACTS_SQL`, viewer at `$1`).
    Member(i64),
}

pub fn page_audience(viewer: Option<&User>) -> PageAudience {
    match acting(viewer) {
        None => PageAudience::Anonymous,
        Some(u) if u.is_admin => PageAudience::Admin,
        Some(u) => PageAudience::Member(u.id),
    }
}

/// The facts about a member that the SQL forms above read (viewer at
/// `$1`), one row each, `(kind, id)`: active memberships of communities
/// that are not open (readable, findable, searchable and listed forms),
/// bans (listed), communities they created awaiting review (readable),
/// active organisation memberships (`visible_organisations_sql`),
/// initiatives they proposed not yet validated
/// (`visible_initiatives_sql`), and events they organise
/// (`events::listing::visible_sql`) outside open communities. A member
/// without any sees what an anonymous visitor sees.
pub const VIEWER_FACTS_SQL: &str = "SELECT CASE WHEN m.state = 'banned' THEN 'b' ELSE 'm' END AS k, m.community_id AS id \
     FROM memberships m JOIN communities c ON c.id = m.community_id \
     WHERE m.user_id = $1 AND ((m.state = 'active' AND c.visibility <> 'open') OR m.state = 'banned') \
     UNION ALL SELECT 'c', id FROM communities WHERE created_by = $1 AND status IN ('pending', 'refused') \
     UNION ALL SELECT 'o', organisation_id FROM organisation_members WHERE user_id = $1 AND state = 'active' \
     UNION ALL SELECT 'i', id FROM initiatives WHERE proposed_by = $1 AND status <> 'validated' \
     UNION ALL SELECT 'e', e.id FROM events e WHERE e.organiser_id = $1 AND NOT EXISTS \
       (SELECT 1 FROM event_communities ec JOIN communities oc ON oc.id = ec.community_id \
        WHERE ec.event_id = e.id AND oc.visibility = 'open' AND oc.status IN ('active', 'archived'))";

/// Whether the SQL helpers above need the viewer id bound.
pub fn sql_needs_viewer(viewer: Option<&User>) -> Option<i64> {
    acting(viewer).filter(|u| !u.is_admin).map(|u| u.id)
}
mod audience;
pub use audience::*;
mod library;
pub use library::{ResourceFacts, TermFacts, visible_resources_sql, visible_terms_sql};

#[cfg(test)]
mod event_tests;
#[cfg(test)]
mod org_tests;
#[cfg(test)]
mod tests;
