//! `/api/v1/communities`: the directory, one community, creation and
//! settings, membership (join, leave, requests), members and roles,
//! ownership, archiving, invitations, and the administrators' approval of
//! new communities.
//!
//! The rules are the pages' own (`crate::web::communities::op_*`), which
//! ask `crate::policy`: a community the caller may not read is 404, a
//! readable one the caller may not act on is 403, a rule that forbids the
//! action now (last owner, archived…) is 409 with a stable code.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::ApiUser;
use super::wire::{ErrorBody, rfc3339};
use crate::accounts::User;
use crate::communities::{self, Community, CommunitySettings, DirectoryFilter};
use crate::error::{AppError, AppResult};
use crate::policy::{
    self, Action, CommunityStatus, JoinPolicy, MemberState, Membership, Role, Visibility,
};
use crate::state::AppState;
use crate::web::communities::{self as web, Loaded, NewValues};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/communities", get(list).post(create))
        .route("/communities/{slug}", get(show).patch(update))
        .route("/communities/{slug}/join", post(join))
        .route("/communities/{slug}/leave", post(leave))
        .route("/communities/{slug}/requests", get(requests).post(ask))
        .route(
            "/communities/{slug}/requests/{user_id}/approve",
            post(approve_request),
        )
        .route(
            "/communities/{slug}/requests/{user_id}/refuse",
            post(refuse_request),
        )
        .route("/communities/{slug}/members", get(members))
        .route(
            "/communities/{slug}/members/{user_id}",
            delete(remove_member),
        )
        .route("/communities/{slug}/members/{user_id}/role", put(set_role))
        .route("/communities/{slug}/transfer", post(transfer))
        .route("/communities/{slug}/archive", post(archive))
        .route("/communities/{slug}/reopen", post(reopen))
        .route(
            "/communities/{slug}/invitations",
            get(invitations).post(create_invitation),
        )
        .route("/communities/{slug}/invitations/redeem", post(redeem))
        .route(
            "/communities/{slug}/invitations/{id}",
            delete(revoke_invitation),
        )
        .route("/communities/{slug}/approve", post(approve_community))
        .route("/communities/{slug}/refuse", post(refuse_community))
        .route("/admin/communities/pending", get(pending))
}

// ---- wire types ---------------------------------------------------------------------

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
    #[schema(max_length = 100)]
    pub name: String,
    /// The address (`/c/<slug>`); derived from the name when absent.
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
    #[schema(max_length = 100)]
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

// ---- conversions ----------------------------------------------------------------------

fn summary(state: &AppState, c: &Community, m: Option<Membership>) -> CommunitySummary {
    CommunitySummary {
        slug: c.slug.clone(),
        name: c.name.clone(),
        description: c.description.clone(),
        theme: (!c.theme.is_empty()).then(|| c.theme.clone()),
        territory: (!c.territory.is_empty()).then(|| c.territory.clone()),
        territory_name: communities::region_name(&c.territory).map(str::to_string),
        visibility: c.visibility.into(),
        join_policy: c.join_policy.into(),
        status: c.status.into(),
        member_count: c.member_count,
        last_activity_at: rfc3339(c.last_activity_at),
        url: state.url(&c.path()),
        membership: m.map(Into::into),
    }
}

fn detail(state: &AppState, viewer: Option<&User>, l: &Loaded) -> CommunityDetail {
    let c = &l.c;
    let f = &l.facts;
    let m = l.m;
    let insider = viewer.is_some_and(|u| Some(u.id) == c.created_by)
        || viewer.is_some_and(|u| policy::can(Some(u), Action::Administer));
    let member = l.role().is_some() || l.manage(viewer);
    let readable = l.view(viewer);
    CommunityDetail {
        summary: summary(state, c, m),
        readable,
        charter: readable.then(|| c.charter.clone()),
        welcome: (readable && member).then(|| c.welcome.clone()),
        created_at: rfc3339(c.created_at),
        status_reason: (insider && !c.status_reason.is_empty()).then(|| c.status_reason.clone()),
        request_note: (insider && !c.request_note.is_empty()).then(|| c.request_note.clone()),
        permissions: CommunityPermissions {
            join: l.join(viewer),
            request_to_join: l.request(viewer),
            post: l.post(viewer),
            moderate: policy::can(viewer, Action::ModerateCommunity { c: f, m }),
            manage: l.manage(viewer),
            own: l.own(viewer),
        },
    }
}

fn member_item(state: &AppState, m: &communities::Member, show_message: bool) -> MemberItem {
    MemberItem {
        user_id: m.user_id,
        username: m.username.clone(),
        display_name: m.display_name.clone(),
        role: m.role.into(),
        state: m.state.into(),
        message: (show_message && !m.message.is_empty()).then(|| m.message.clone()),
        since: rfc3339(m.since),
        url: state.url(&format!("/u/{}", crate::urls::encode_path(&m.username))),
    }
}

async fn reload(state: &AppState, viewer: &User, slug: &str) -> AppResult<Loaded> {
    web::load(state, Some(viewer), slug).await
}

fn manager(l: &Loaded, u: &User) -> AppResult<()> {
    if l.manage(Some(u)) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

// ---- directory and one community -----------------------------------------------------------

/// The directory: communities the caller may see listed, most recently
/// active first, 30 per page. Unlisted communities appear only to their
/// members (and administrators); private ones to everyone except the people
/// banned from them, so that they can be found and asked to join.
#[utoipa::path(
    get,
    path = "/api/v1/communities",
    tag = "communities",
    security((), ("bearer" = [])),
    params(DirectoryParams),
    responses(
        (status = 200, description = "A page of the directory", body = CommunityPage),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 401, description = "An `Authorization` header was sent but its token is invalid (or `mine` without a token)", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Query(p): Query<DirectoryParams>,
) -> AppResult<Json<CommunityPage>> {
    let viewer = viewer.map(|v| v.0);
    let mine = p.mine.unwrap_or(false);
    if mine && viewer.is_none() {
        return Err(AppError::Unauthorized);
    }
    let page = p.page.unwrap_or(1).clamp(1, 100_000);
    let filter = DirectoryFilter {
        theme: p.theme.filter(|t| communities::valid_theme(t)),
        territory: p.territory.filter(|t| communities::valid_territory(t)),
        visibility: p.visibility.as_deref().and_then(Visibility::parse),
        query: p.q.map(|q| crate::accounts::truncate(q.trim(), 100)),
        mine,
    };
    let (list, more) =
        communities::directory(&state.db, viewer.as_ref(), &filter, page - 1).await?;
    let ids: Vec<i64> = list.iter().map(|c| c.id).collect();
    let mems = communities::memberships(&state.db, viewer.as_ref(), &ids).await?;
    Ok(Json(CommunityPage {
        items: list
            .iter()
            .map(|c| summary(&state, c, mems.get(&c.id).copied()))
            .collect(),
        page,
        next_page: more.then_some(page + 1),
        order: "last_activity_desc".into(),
    }))
}

/// One community. A private community the caller is not a member of gives
/// its card only (`readable` false, no charter or welcome). 404 when it does
/// not exist or the caller may not see even that.
#[utoipa::path(
    get,
    path = "/api/v1/communities/{slug}",
    tag = "communities",
    security((), ("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    responses(
        (status = 200, description = "The community, or its card only (`readable` false)", body = CommunityDetail),
        (status = 401, description = "An `Authorization` header was sent but its token is invalid", body = ErrorBody),
        (status = 404, description = "No such community, or not visible to the caller", body = ErrorBody),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path(slug): Path<String>,
) -> AppResult<Json<CommunityDetail>> {
    let viewer = viewer.map(|v| v.0);
    let l = web::load_card(&state, viewer.as_ref(), &slug).await?;
    Ok(Json(detail(&state, viewer.as_ref(), &l)))
}

/// Create a community; the caller becomes its owner. When the instance
/// approves new communities, it is created `pending`.
#[utoipa::path(
    post,
    path = "/api/v1/communities",
    tag = "communities",
    security(("bearer" = [])),
    request_body = NewCommunityBody,
    responses(
        (status = 201, description = "Created (status `active` or `pending`)", body = CommunityDetail),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Account inactive", body = ErrorBody),
        (status = 422, description = "Invalid values (`invalid`, with `fields`)", body = ErrorBody),
        (status = 429, description = "Too many communities created today", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(b): Json<NewCommunityBody>,
) -> AppResult<(StatusCode, Json<CommunityDetail>)> {
    let v = NewValues {
        name: b.name,
        slug: b.slug.unwrap_or_default(),
        description: b.description.unwrap_or_default(),
        theme: b.theme.unwrap_or_default(),
        territory: b.territory.unwrap_or_default(),
        visibility: Visibility::from(b.visibility).as_str().into(),
        join_policy: JoinPolicy::from(b.join_policy).as_str().into(),
        request_note: b.request_note.unwrap_or_default(),
    };
    let c = web::op_create(&state, &user, &v).await?;
    let l = reload(&state, &user, &c.slug).await?;
    Ok((StatusCode::CREATED, Json(detail(&state, Some(&user), &l))))
}

/// Change a community's settings (owners, animators, administrators).
#[utoipa::path(
    patch,
    path = "/api/v1/communities/{slug}",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    request_body = CommunityUpdate,
    responses(
        (status = 200, description = "The updated community", body = CommunityDetail),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager of this community", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
        (status = 422, description = "Invalid values", body = ErrorBody),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    Json(b): Json<CommunityUpdate>,
) -> AppResult<Json<CommunityDetail>> {
    let l = reload(&state, &user, &slug).await?;
    manager(&l, &user)?;
    let mut s = CommunitySettings::of(&l.c);
    if let Some(v) = b.name {
        s.name = v;
    }
    if let Some(v) = b.description {
        s.description = v;
    }
    if let Some(v) = b.charter {
        s.charter = v;
    }
    if let Some(v) = b.welcome {
        s.welcome = v;
    }
    if let Some(v) = b.theme {
        s.theme = v;
    }
    if let Some(v) = b.territory {
        s.territory = v;
    }
    if let Some(v) = b.visibility {
        s.visibility = v.into();
    }
    if let Some(v) = b.join_policy {
        s.join_policy = v.into();
    }
    web::op_update_settings(&state, &user, &l, &s).await?;
    let l = reload(&state, &user, &slug).await?;
    Ok(Json(detail(&state, Some(&user), &l)))
}

// ---- membership -----------------------------------------------------------------------------

async fn my_membership(
    state: &AppState,
    user: &User,
    community_id: i64,
) -> AppResult<Json<Option<MembershipInfo>>> {
    Ok(Json(
        communities::membership(&state.db, community_id, Some(user))
            .await?
            .map(Into::into),
    ))
}

/// Join an open community at once.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/join",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    responses(
        (status = 200, description = "The caller's membership", body = MembershipInfo),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "This community is not open to joining (request, invitation, banned)", body = ErrorBody),
        (status = 404, description = "No such community, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "`community_archived` or `request_pending`", body = ErrorBody),
    )
)]
pub async fn join(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
) -> AppResult<Json<Option<MembershipInfo>>> {
    let l = web::load_card(&state, Some(&user), &slug).await?;
    web::op_join(&state, &user, &l).await?;
    my_membership(&state, &user, l.c.id).await
}

/// Leave a community, or withdraw a join request. The last owner cannot leave.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/leave",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    responses(
        (status = 204, description = "Left (or was not a member)"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Banned members stay banned", body = ErrorBody),
        (status = 404, description = "No such community", body = ErrorBody),
        (status = 409, description = "`last_owner`: transfer ownership first", body = ErrorBody),
    )
)]
pub async fn leave(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
) -> AppResult<StatusCode> {
    let c = communities::by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let m = communities::membership(&state.db, c.id, Some(&user)).await?;
    let l = Loaded::new(c, m);
    if m.is_none() && !l.card(Some(&user)) {
        return Err(AppError::NotFound);
    }
    web::op_leave(&state, &user, &l).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ask to join a community whose join policy is "on request"; its managers are notified.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/requests",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    request_body = JoinRequestBody,
    responses(
        (status = 200, description = "The caller's membership (`requested`)", body = MembershipInfo),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "This community does not take requests", body = ErrorBody),
        (status = 404, description = "No such community, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "`community_archived`", body = ErrorBody),
        (status = 422, description = "Message too long", body = ErrorBody),
    )
)]
pub async fn ask(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    Json(b): Json<JoinRequestBody>,
) -> AppResult<Json<Option<MembershipInfo>>> {
    // Asked from outside a private community too (it shows its card).
    let l = web::load_card(&state, Some(&user), &slug).await?;
    web::op_request(&state, &user, &l, b.message.as_deref().unwrap_or("")).await?;
    my_membership(&state, &user, l.c.id).await
}

/// Pending join requests with their messages (managers), by name, 50 per page.
#[utoipa::path(
    get,
    path = "/api/v1/communities/{slug}/requests",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address"), MembersParams),
    responses(
        (status = 200, description = "Requests, with their messages", body = MemberPage),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager of this community", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
    )
)]
pub async fn requests(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    Query(p): Query<MembersParams>,
) -> AppResult<Json<MemberPage>> {
    let l = reload(&state, &user, &slug).await?;
    manager(&l, &user)?;
    let page = p.page.unwrap_or(1).clamp(1, 100_000);
    let (list, more) =
        communities::members_page(&state.db, l.c.id, MemberState::Requested, page - 1).await?;
    Ok(Json(MemberPage {
        items: list.iter().map(|m| member_item(&state, m, true)).collect(),
        page,
        next_page: more.then_some(page + 1),
    }))
}

/// Accept a join request (managers); the person is notified.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/requests/{user_id}/approve",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address"), ("user_id" = i64, Path, description = "The requester")),
    responses(
        (status = 204, description = "Accepted: the person is a member"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager of this community", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
        (status = 409, description = "`no_request` (already handled) or `community_archived`", body = ErrorBody),
    )
)]
pub async fn approve_request(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((slug, user_id)): Path<(String, i64)>,
) -> AppResult<StatusCode> {
    let l = reload(&state, &user, &slug).await?;
    web::op_decide(&state, &user, &l, user_id, true, "").await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Refuse a join request (managers), with an optional reason the person sees.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/requests/{user_id}/refuse",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address"), ("user_id" = i64, Path, description = "The requester")),
    request_body = ReasonBody,
    responses(
        (status = 204, description = "Refused"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager of this community", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
        (status = 409, description = "`no_request` (already handled)", body = ErrorBody),
        (status = 422, description = "Reason too long", body = ErrorBody),
    )
)]
pub async fn refuse_request(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((slug, user_id)): Path<(String, i64)>,
    Json(b): Json<ReasonBody>,
) -> AppResult<StatusCode> {
    let l = reload(&state, &user, &slug).await?;
    web::op_decide(
        &state,
        &user,
        &l,
        user_id,
        false,
        b.reason.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- members ----------------------------------------------------------------------------

/// Members with their roles, highest role first, 50 per page. Anyone who
/// may read the community sees its active members; banned ones are for managers.
#[utoipa::path(
    get,
    path = "/api/v1/communities/{slug}/members",
    tag = "communities",
    security((), ("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address"), MembersParams),
    responses(
        (status = 200, description = "A page of members", body = MemberPage),
        (status = 400, description = "Unknown `state`", body = ErrorBody),
        (status = 401, description = "An `Authorization` header was sent but its token is invalid", body = ErrorBody),
        (status = 403, description = "`state=banned` by someone who does not manage the community", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
    )
)]
pub async fn members(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path(slug): Path<String>,
    Query(p): Query<MembersParams>,
) -> AppResult<Json<MemberPage>> {
    let viewer = viewer.map(|v| v.0);
    let l = web::load(&state, viewer.as_ref(), &slug).await?;
    let manage = l.manage(viewer.as_ref());
    let st = match p.state.as_deref().unwrap_or("active") {
        "active" => MemberState::Active,
        "banned" if manage => MemberState::Banned,
        "banned" => return Err(AppError::Forbidden),
        _ => {
            return Err(AppError::BadRequest {
                code: "invalid_state",
                message_key: "field-invalid-choice",
            });
        }
    };
    let page = p.page.unwrap_or(1).clamp(1, 100_000);
    let (list, more) = communities::members_page(&state.db, l.c.id, st, page - 1).await?;
    Ok(Json(MemberPage {
        items: list
            .iter()
            .map(|m| member_item(&state, m, manage))
            .collect(),
        page,
        next_page: more.then_some(page + 1),
    }))
}

/// Give an active member another role. Managers act on members below them
/// and never give a role above their own; only owners make owners.
#[utoipa::path(
    put,
    path = "/api/v1/communities/{slug}/members/{user_id}/role",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address"), ("user_id" = i64, Path, description = "The member")),
    request_body = RoleBody,
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not allowed to give this role to this member", body = ErrorBody),
        (status = 404, description = "No such community or active member", body = ErrorBody),
        (status = 409, description = "`last_owner`", body = ErrorBody),
    )
)]
pub async fn set_role(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((slug, user_id)): Path<(String, i64)>,
    Json(b): Json<RoleBody>,
) -> AppResult<StatusCode> {
    let l = reload(&state, &user, &slug).await?;
    web::op_set_role(&state, &user, &l, user_id, b.role.into()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove an active member (managers, for members below them). Removing
/// oneself is leaving.
#[utoipa::path(
    delete,
    path = "/api/v1/communities/{slug}/members/{user_id}",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address"), ("user_id" = i64, Path, description = "The member")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not allowed to remove this member", body = ErrorBody),
        (status = 404, description = "No such community or active member", body = ErrorBody),
        (status = 409, description = "`last_owner`", body = ErrorBody),
    )
)]
pub async fn remove_member(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((slug, user_id)): Path<(String, i64)>,
) -> AppResult<StatusCode> {
    let l = reload(&state, &user, &slug).await?;
    web::op_remove(&state, &user, &l, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Hand ownership to another active member; the previous owner becomes an animator.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/transfer",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    request_body = TransferBody,
    responses(
        (status = 204, description = "Transferred"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not an owner", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
        (status = 409, description = "`not_member`: the person is not an active member", body = ErrorBody),
    )
)]
pub async fn transfer(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    Json(b): Json<TransferBody>,
) -> AppResult<StatusCode> {
    let l = reload(&state, &user, &slug).await?;
    web::op_transfer(&state, &user, &l, b.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Archive a community: it stays readable, nobody publishes or joins.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/archive",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    responses(
        (status = 200, description = "The archived community", body = CommunityDetail),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
        (status = 409, description = "`not_active` (pending or refused)", body = ErrorBody),
    )
)]
pub async fn archive(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
) -> AppResult<Json<CommunityDetail>> {
    let l = reload(&state, &user, &slug).await?;
    web::op_set_archived(&state, &user, &l, true).await?;
    let l = reload(&state, &user, &slug).await?;
    Ok(Json(detail(&state, Some(&user), &l)))
}

/// Reopen an archived community.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/reopen",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    responses(
        (status = 200, description = "The reopened community", body = CommunityDetail),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
        (status = 409, description = "`not_active` (pending or refused)", body = ErrorBody),
    )
)]
pub async fn reopen(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
) -> AppResult<Json<CommunityDetail>> {
    let l = reload(&state, &user, &slug).await?;
    web::op_set_archived(&state, &user, &l, false).await?;
    let l = reload(&state, &user, &slug).await?;
    Ok(Json(detail(&state, Some(&user), &l)))
}

// ---- invitations --------------------------------------------------------------------------

/// Invitations of a community, newest first (managers). Codes are never shown again.
#[utoipa::path(
    get,
    path = "/api/v1/communities/{slug}/invitations",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    responses(
        (status = 200, description = "The latest 100 invitations", body = Vec<Invitation>),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
    )
)]
pub async fn invitations(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
) -> AppResult<Json<Vec<Invitation>>> {
    let l = reload(&state, &user, &slug).await?;
    manager(&l, &user)?;
    let t = crate::db::now();
    let list = communities::list_invites(&state.db, l.c.id).await?;
    Ok(Json(
        list.iter()
            .map(|i| Invitation {
                id: i.id,
                email: i.email.clone(),
                created_at: rfc3339(i.created_at),
                expires_at: rfc3339(i.expires_at),
                max_uses: i.max_uses,
                uses: i.uses,
                state: match web::invite_state(i, t).0 {
                    "revoked" => InvitationState::Revoked,
                    "used" => InvitationState::Used,
                    "expired" => InvitationState::Expired,
                    _ => InvitationState::Active,
                },
            })
            .collect(),
    ))
}

/// Create an invitation link (and send it when an e-mail is given).
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/invitations",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    request_body = NewInvitation,
    responses(
        (status = 201, description = "Created; the link is shown only now", body = CreatedInvitation),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
        (status = 409, description = "`community_archived`", body = ErrorBody),
        (status = 422, description = "Invalid e-mail, days or use limit", body = ErrorBody),
        (status = 429, description = "Too many invitation e-mails", body = ErrorBody),
    )
)]
pub async fn create_invitation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    Json(b): Json<NewInvitation>,
) -> AppResult<(StatusCode, Json<CreatedInvitation>)> {
    let l = reload(&state, &user, &slug).await?;
    let (id, link) = web::op_create_invite(
        &state,
        &user,
        &l,
        b.email.as_deref().unwrap_or(""),
        b.expires_in_days,
        b.max_uses,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(CreatedInvitation { id, link })))
}

/// Revoke an invitation.
#[utoipa::path(
    delete,
    path = "/api/v1/communities/{slug}/invitations/{id}",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address"), ("id" = i64, Path, description = "The invitation")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager", body = ErrorBody),
        (status = 404, description = "No such community or active invitation", body = ErrorBody),
    )
)]
pub async fn revoke_invitation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<StatusCode> {
    let l = reload(&state, &user, &slug).await?;
    if web::op_revoke_invite(&state, &user, &l, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

/// Join with an invitation code, whatever the community's visibility and join policy.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/invitations/redeem",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    request_body = RedeemBody,
    responses(
        (status = 200, description = "The community, now joined", body = CommunityDetail),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Banned from this community", body = ErrorBody),
        (status = 404, description = "Invalid, expired, revoked or used-up code", body = ErrorBody),
        (status = 409, description = "`community_archived`", body = ErrorBody),
    )
)]
pub async fn redeem(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    Json(b): Json<RedeemBody>,
) -> AppResult<Json<CommunityDetail>> {
    let c = web::op_redeem(&state, &user, &slug, b.code.trim()).await?;
    let l = reload(&state, &user, &c.slug).await?;
    Ok(Json(detail(&state, Some(&user), &l)))
}

// ---- administrators ----------------------------------------------------------------------

/// Communities awaiting approval, oldest first (administrators).
#[utoipa::path(
    get,
    path = "/api/v1/admin/communities/pending",
    tag = "communities",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Pending communities", body = Vec<CommunityDetail>),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not an administrator", body = ErrorBody),
    )
)]
pub async fn pending(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<Vec<CommunityDetail>>> {
    if !policy::can(Some(&user), Action::ApproveCommunities) {
        return Err(AppError::Forbidden);
    }
    let list = communities::pending(&state.db, 200).await?;
    Ok(Json(
        list.into_iter()
            .map(|c| detail(&state, Some(&user), &Loaded::new(c, None)))
            .collect(),
    ))
}

async fn decide(
    state: &AppState,
    user: &User,
    slug: &str,
    approve: bool,
    reason: &str,
) -> AppResult<Json<CommunityDetail>> {
    if !policy::can(Some(user), Action::ApproveCommunities) {
        return Err(AppError::Forbidden);
    }
    let c = communities::by_slug(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    web::op_decide_community(state, user, &c, approve, reason).await?;
    let l = reload(state, user, slug).await?;
    Ok(Json(detail(state, Some(user), &l)))
}

/// Approve a pending community (administrators); its creator is told by e-mail.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/approve",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    responses(
        (status = 200, description = "The approved community", body = CommunityDetail),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "No such community", body = ErrorBody),
        (status = 409, description = "`not_pending`", body = ErrorBody),
    )
)]
pub async fn approve_community(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
) -> AppResult<Json<CommunityDetail>> {
    decide(&state, &user, &slug, true, "").await
}

/// Refuse a pending community, with an optional reason e-mailed to its creator.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/refuse",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    request_body = ReasonBody,
    responses(
        (status = 200, description = "The refused community", body = CommunityDetail),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "No such community", body = ErrorBody),
        (status = 409, description = "`not_pending`", body = ErrorBody),
        (status = 422, description = "Reason too long", body = ErrorBody),
    )
)]
pub async fn refuse_community(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    Json(b): Json<ReasonBody>,
) -> AppResult<Json<CommunityDetail>> {
    decide(
        &state,
        &user,
        &slug,
        false,
        b.reason.as_deref().unwrap_or(""),
    )
    .await
}
