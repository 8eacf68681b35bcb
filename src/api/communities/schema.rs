//! The wire types of `/api/v1/communities` and their conversions from the
//! domain's.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::communities::invitations::InviteState;
use crate::policy::{CommunityStatus, JoinPolicy, MemberState, Membership, Role, Visibility};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CommunityVisibility {
    /// Anyone reads; members publish.
    Open,
    /// Only members read its publications and members; everyone else
    /// (except people banned from it) sees its card, in the directory too,
    /// and may ask to join or come in by invitation.
    Private,
    /// Anyone with the link reads; listed only for members.
    Unlisted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CommunityJoinPolicy {
    Open,
    Request,
    Invitation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CommunityState {
    Active,
    /// Read-only.
    Archived,
    /// Awaiting the instance's administrators.
    Pending,
    Refused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MemberRole {
    Member,
    Moderator,
    Animator,
    Owner,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MemberStatus {
    Active,
    /// Asked to join; awaiting the managers.
    Requested,
    Banned,
}

impl From<Visibility> for CommunityVisibility {
    fn from(v: Visibility) -> Self {
        match v {
            Visibility::Open => CommunityVisibility::Open,
            Visibility::Private => CommunityVisibility::Private,
            Visibility::Unlisted => CommunityVisibility::Unlisted,
        }
    }
}
impl From<CommunityVisibility> for Visibility {
    fn from(v: CommunityVisibility) -> Self {
        match v {
            CommunityVisibility::Open => Visibility::Open,
            CommunityVisibility::Private => Visibility::Private,
            CommunityVisibility::Unlisted => Visibility::Unlisted,
        }
    }
}
impl From<JoinPolicy> for CommunityJoinPolicy {
    fn from(j: JoinPolicy) -> Self {
        match j {
            JoinPolicy::Open => CommunityJoinPolicy::Open,
            JoinPolicy::Request => CommunityJoinPolicy::Request,
            JoinPolicy::Invitation => CommunityJoinPolicy::Invitation,
        }
    }
}
impl From<CommunityJoinPolicy> for JoinPolicy {
    fn from(j: CommunityJoinPolicy) -> Self {
        match j {
            CommunityJoinPolicy::Open => JoinPolicy::Open,
            CommunityJoinPolicy::Request => JoinPolicy::Request,
            CommunityJoinPolicy::Invitation => JoinPolicy::Invitation,
        }
    }
}
impl From<CommunityStatus> for CommunityState {
    fn from(s: CommunityStatus) -> Self {
        match s {
            CommunityStatus::Active => CommunityState::Active,
            CommunityStatus::Archived => CommunityState::Archived,
            CommunityStatus::Pending => CommunityState::Pending,
            CommunityStatus::Refused => CommunityState::Refused,
        }
    }
}
impl From<Role> for MemberRole {
    fn from(r: Role) -> Self {
        match r {
            Role::Member => MemberRole::Member,
            Role::Moderator => MemberRole::Moderator,
            Role::Animator => MemberRole::Animator,
            Role::Owner => MemberRole::Owner,
        }
    }
}
impl From<MemberRole> for Role {
    fn from(r: MemberRole) -> Self {
        match r {
            MemberRole::Member => Role::Member,
            MemberRole::Moderator => Role::Moderator,
            MemberRole::Animator => Role::Animator,
            MemberRole::Owner => Role::Owner,
        }
    }
}
impl From<MemberState> for MemberStatus {
    fn from(s: MemberState) -> Self {
        match s {
            MemberState::Active => MemberStatus::Active,
            MemberState::Requested => MemberStatus::Requested,
            MemberState::Banned => MemberStatus::Banned,
        }
    }
}

/// The caller's membership in a community.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MembershipInfo {
    pub role: MemberRole,
    pub state: MemberStatus,
}

impl From<Membership> for MembershipInfo {
    fn from(m: Membership) -> Self {
        MembershipInfo {
            role: m.role.into(),
            state: m.state.into(),
        }
    }
}

/// What the caller may do in a community, as the policy decides.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CommunityPermissions {
    pub join: bool,
    pub request_to_join: bool,
    pub post: bool,
    pub moderate: bool,
    pub manage: bool,
    pub own: bool,
}

/// A community as listed in the directory.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CommunitySummary {
    pub slug: String,
    pub name: String,
    pub description: String,
    /// Theme code (`economie-sociale`, `action-communautaire`, `developpement-local`,
    /// `transition`, `culture`, `recherche`, `philanthropie`, `municipal`, `autre`), or null.
    pub theme: Option<String>,
    /// Region code of Québec (`bas-saint-laurent` … `centre-du-quebec`), or null.
    pub territory: Option<String>,
    /// Region name, e.g. `Montréal`.
    pub territory_name: Option<String>,
    pub visibility: CommunityVisibility,
    pub join_policy: CommunityJoinPolicy,
    pub status: CommunityState,
    pub member_count: i64,
    #[schema(format = DateTime)]
    pub last_activity_at: String,
    /// Absolute URL of the community page (its future ActivityPub id).
    pub url: String,
    /// The caller's membership, if any.
    pub membership: Option<MembershipInfo>,
}

/// One community, with what the caller may do there. Seen from outside
/// a private community, only its card: `readable` is false and the content
/// fields (`charter`, `welcome`) are absent.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CommunityDetail {
    #[serde(flatten)]
    pub summary: CommunitySummary,
    /// Whether the caller may read the community: its publications, members and charter.
    pub readable: bool,
    /// Markdown; absent when not `readable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charter: Option<String>,
    /// Markdown; only for members and managers (absent when not `readable`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub welcome: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Why it was refused (creator and administrators only).
    pub status_reason: Option<String>,
    /// The creator's note when asking for it (creator and administrators only).
    pub request_note: Option<String>,
    pub permissions: CommunityPermissions,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CommunityPage {
    pub items: Vec<CommunitySummary>,
    /// 1-based.
    pub page: i64,
    /// The next page number, when there is one.
    pub next_page: Option<i64>,
    /// How the list is ordered.
    #[schema(example = "last_activity_desc")]
    pub order: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryParams {
    /// Words in the name or description.
    pub q: Option<String>,
    /// Theme code.
    pub theme: Option<String>,
    /// Region code.
    pub territory: Option<String>,
    /// `open`, `private` or `unlisted` (unlisted ones are listed only for their members; private ones for everyone but the people banned from them).
    pub visibility: Option<String>,
    /// Only communities the caller is an active member of.
    pub mine: Option<bool>,
    /// 1-based page number (30 per page).
    pub page: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCommunityBody {
    /// At most 100 characters, no control characters, with at least two
    /// letters or digits (its address is made from it).
    #[schema(
        max_length = 100,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\ufffe\\uffff]*[A-Za-z0-9][^\\u0000-\\u001f\\u007f-\\u009f\\ufffe\\uffff]*[A-Za-z0-9][^\\u0000-\\u001f\\u007f-\\u009f\\ufffe\\uffff]*$"
    )]
    pub name: String,
    /// The address (`/c/<slug>`); derived from the name when absent or
    /// blank; at least two letters or digits.
    #[schema(pattern = "^([ ]*|[^\\u0000]*[A-Za-z0-9][^\\u0000]*[A-Za-z0-9][^\\u0000]*)$")]
    pub slug: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    pub theme: Option<String>,
    pub territory: Option<String>,
    pub visibility: CommunityVisibility,
    /// A private community cannot have an open join policy.
    pub join_policy: CommunityJoinPolicy,
    /// Why the community is needed, when the instance approves new communities.
    #[schema(max_length = 1000)]
    pub request_note: Option<String>,
}

/// Changes to a community; absent fields are left unchanged. Empty theme
/// or territory clears it.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommunityUpdate {
    /// At most 100 characters, not blank, no control characters.
    #[schema(
        max_length = 100,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\ufffe\\uffff]*[^\\s\\u0000-\\u001f\\u007f-\\u009f\\ufffe\\uffff][^\\u0000-\\u001f\\u007f-\\u009f\\ufffe\\uffff]*$"
    )]
    pub name: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    #[schema(max_length = 20000)]
    pub charter: Option<String>,
    #[schema(max_length = 20000)]
    pub welcome: Option<String>,
    pub theme: Option<String>,
    pub territory: Option<String>,
    pub visibility: Option<CommunityVisibility>,
    pub join_policy: Option<CommunityJoinPolicy>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MemberItem {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: MemberRole,
    pub state: MemberStatus,
    /// Join request message (requests) or ban reason (banned), for managers.
    pub message: Option<String>,
    #[schema(format = DateTime)]
    pub since: String,
    /// Absolute URL of the person's profile.
    pub url: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MemberPage {
    pub items: Vec<MemberItem>,
    pub page: i64,
    pub next_page: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MembersParams {
    /// `active` (default) or `banned` (managers only).
    #[param(pattern = "^(active|banned)$")]
    pub state: Option<String>,
    /// 1-based page number (50 per page).
    pub page: Option<i64>,
}

#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinRequestBody {
    /// A message to the managers.
    #[schema(max_length = 1000)]
    pub message: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Shown to the person concerned.
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    pub role: MemberRole,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    /// An active member, who becomes the owner.
    pub user_id: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemBody {
    /// The `code` of an invitation link.
    pub code: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum InvitationState {
    Active,
    Expired,
    Revoked,
    /// Its use limit is reached.
    Used,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Invitation {
    pub id: i64,
    /// The address it was sent to, or empty for a link.
    pub email: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
    pub max_uses: Option<i64>,
    pub uses: i64,
    pub state: InvitationState,
}

#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    /// Send the link to this address (then single-use unless `max_uses` says otherwise).
    pub email: Option<String>,
    /// 1 to 90; 14 when absent.
    #[schema(minimum = 1, maximum = 90)]
    pub expires_in_days: Option<i64>,
    /// 1 to 10,000; unlimited when absent (a link) or 1 (an e-mail).
    #[schema(minimum = 1, maximum = 10000)]
    pub max_uses: Option<i64>,
}

/// A new invitation: the only time its link (with the code) is shown.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedInvitation {
    pub id: i64,
    /// Absolute link to share: `…/c/<slug>/join?code=…`.
    pub link: String,
}

impl From<InviteState> for InvitationState {
    fn from(s: InviteState) -> Self {
        match s {
            InviteState::Active => InvitationState::Active,
            InviteState::Expired => InvitationState::Expired,
            InviteState::Revoked => InvitationState::Revoked,
            InviteState::Used => InvitationState::Used,
        }
    }
}
