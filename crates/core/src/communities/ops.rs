//! Operations on communities: every change of state, whoever asks — the
//! pages (`crate::web::communities`), the API (`crate::api::communities`)
//! and, for what the instance may do, the command line.
//!
//! Each one takes the acting party and the community as that party sees it
//! (`Loaded`, loaded for the acting person; for the system, loaded with no
//! viewer), asks the policy through the actor, writes its rows in one
//! transaction (membership, member count, notifications, audit entry),
//! queues what follows (e-mails), and returns a domain error the entry
//! point renders: `Forbidden`, `NotFound`, `Conflict` with a stable code
//! (`last_owner`, `community_archived`…), `Invalid` with a message key per
//! field, `TooManyRequests`.
//!
//! Joining, asking to join, leaving, creating and redeeming an invitation
//! are a person's own acts: for the system they are `Forbidden`.

use super::access::Loaded;
use super::{Community, CommunitySettings, NewCommunity, invitations, members};
use crate::accounts::ops::audit_in;
use crate::accounts::{self, User};
use crate::actor::Actor;
use crate::emails;
use crate::error::{AppError, AppResult};
use crate::i18n::{Arg, Lang};
use crate::policy::{Action, CommunityStatus, JoinPolicy, MemberState, Role, Visibility};
use crate::ratelimit::{self, Limit};
use crate::settings;
use crate::state::AppState;

/// Instance setting: "1" when new communities wait for an administrator.
pub const APPROVAL_SETTING: &str = "community_approval";
/// Longest refusal reason (a join request's, a community's).
pub const REASON_MAX: usize = 1000;
/// Communities created per person and day.
pub const CREATE_LIMIT: Limit = Limit {
    max: 10,
    window_secs: 86400,
};
/// Invitation e-mails per person and hour.
pub const INVITE_MAIL_LIMIT: Limit = Limit {
    max: 30,
    window_secs: 3600,
};

fn conflict(code: &'static str, message_key: &'static str) -> AppError {
    AppError::Conflict { code, message_key }
}

fn invalid_fields(errs: Vec<(&'static str, &'static str)>) -> AppError {
    AppError::Invalid {
        fields: errs
            .into_iter()
            .map(|(f, k)| (f.to_string(), k.to_string()))
            .collect(),
    }
}

/// The acting person, for the acts only a person does.
fn person(actor: &Actor) -> AppResult<&User> {
    actor.user().ok_or(AppError::Forbidden)
}

/// `{"key": value}`, or nothing for an empty value (notification data).
fn json_data(key: &str, value: &str) -> String {
    if value.is_empty() {
        String::new()
    } else {
        serde_json::json!({ key: value }).to_string()
    }
}

fn check_reason(reason: &str) -> AppResult<&str> {
    let reason = reason.trim();
    if reason.chars().count() > REASON_MAX {
        return Err(invalid_fields(vec![("reason", "field-too-long")]));
    }
    Ok(reason)
}

/// May the actor manage the community (requests, members, settings,
/// invitations, archiving)?
fn manages(actor: &Actor, l: &Loaded) -> bool {
    actor.may(Action::ManageCommunity {
        c: &l.facts,
        m: l.m,
    })
}

// ---- creation and approval ---------------------------------------------------------------

/// Validated values of a new community.
pub struct NewValues {
    pub name: String,
    pub slug: String,
    pub description: String,
    pub theme: String,
    pub territory: String,
    pub visibility: String,
    pub join_policy: String,
    pub request_note: String,
}

/// Whether new communities wait for an administrator.
pub async fn approval_required(state: &AppState) -> AppResult<bool> {
    Ok(settings::get_raw(&state.db, APPROVAL_SETTING)
        .await?
        .as_deref()
        == Some("1"))
}

/// Turn the approval of new communities on or off (administrators; the
/// system too). Audited.
pub async fn set_approval_required(state: &AppState, actor: &Actor, on: bool) -> AppResult<()> {
    if !actor.may(Action::ApproveCommunities) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    // The same upsert as `settings::set_raw`, in this transaction.
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(APPROVAL_SETTING)
    .bind(if on { "1" } else { "0" })
    .execute(&mut *tx)
    .await?;
    audit_in(
        &mut tx,
        actor,
        "community_approval_changed",
        None,
        if on { "on" } else { "off" },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Create a community, the actor its owner: active, or pending when the
/// instance approves new communities (administrators are then notified).
/// A person's act (`Forbidden` for the system). Validation errors come back
/// as `AppError::Invalid`; too many today, `TooManyRequests`.
pub async fn create(state: &AppState, actor: &Actor, v: &NewValues) -> AppResult<Community> {
    let u = person(actor)?;
    if !actor.may(Action::CreateCommunity) {
        return Err(AppError::Forbidden);
    }
    let mut errs = Vec::new();
    let visibility = Visibility::parse(&v.visibility);
    if visibility.is_none() {
        errs.push(("visibility", "field-invalid-choice"));
    }
    let join_policy = JoinPolicy::parse(&v.join_policy);
    if join_policy.is_none() {
        errs.push(("join_policy", "field-invalid-choice"));
    }
    if !super::valid_theme(&v.theme) {
        errs.push(("theme", "field-invalid-choice"));
    }
    let place = match crate::territories::ops::resolve_field(state, &v.territory).await? {
        Ok(t) => t,
        Err(key) => {
            errs.push(("territory", key));
            None
        }
    };
    let place_slug = place.as_ref().map(|t| t.slug.clone()).unwrap_or_default();
    let pending = approval_required(state).await?;
    let n = NewCommunity {
        name: &v.name,
        slug: Some(v.slug.as_str()),
        description: &v.description,
        theme: &v.theme,
        territory: &place_slug,
        visibility: visibility.unwrap_or(Visibility::Open),
        join_policy: join_policy.unwrap_or(JoinPolicy::Open),
        request_note: if pending { &v.request_note } else { "" },
    };
    let (slug, more) = super::check_new(&state.db, &n).await?;
    errs.extend(more);
    if !errs.is_empty() {
        return Err(invalid_fields(errs));
    }
    if let Err(retry_after) = ratelimit::hit(
        &state.db,
        &format!("community-create:{}", u.id),
        CREATE_LIMIT,
    )
    .await?
    {
        return Err(AppError::TooManyRequests { retry_after });
    }
    let mut tx = state.db.begin().await?;
    let id = match super::create_in(&mut tx, state.db.backend, u.id, &n, &slug, pending).await {
        Ok(id) => id,
        // Someone took the same address a moment earlier.
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(invalid_fields(vec![("slug", "community-slug-taken")]));
        }
        Err(e) => return Err(e.into()),
    };
    let placed: Vec<i64> = place.iter().map(|t| t.id).collect();
    crate::territories::places::set_community_in(&mut tx, id, &placed).await?;
    if pending {
        super::notify_admins_in(
            &mut tx,
            id,
            "community_request",
            Some(u.id),
            &json_data("note", n.request_note.trim()),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(super::by_id(&state.db, id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?)
}

/// Approve (or refuse, with a reason) a community waiting for the
/// instance (administrators; the system too): its status, the audit entry
/// and its creator's notification in one transaction, then an e-mail to the
/// creator. `not_pending` when someone decided first.
pub async fn decide_community(
    state: &AppState,
    actor: &Actor,
    c: &Community,
    approve: bool,
    reason: &str,
) -> AppResult<()> {
    if !actor.may(Action::ApproveCommunities) {
        return Err(AppError::Forbidden);
    }
    let reason = check_reason(reason)?;
    let (to, kind) = if approve {
        (CommunityStatus::Active, "community_approved")
    } else {
        (CommunityStatus::Refused, "community_refused")
    };
    let mut tx = state.db.begin().await?;
    if !super::change_status_in(
        &mut tx,
        state.db.backend,
        c.id,
        &[CommunityStatus::Pending],
        to,
        if approve { "" } else { reason },
    )
    .await?
    {
        return Err(conflict("not_pending", "community-error-not-pending"));
    }
    audit_in(
        &mut tx,
        actor,
        kind,
        c.created_by,
        &format!("{} ({})", c.name, c.slug),
    )
    .await?;
    if let Some(creator_id) = c.created_by {
        super::notify_in(
            &mut tx,
            creator_id,
            kind,
            actor.audit_id(),
            c.id,
            &json_data("reason", reason),
        )
        .await?;
    }
    tx.commit().await?;
    if let Some(creator_id) = c.created_by
        && let Some(creator) = accounts::by_id(&state.db, creator_id).await?
        && let Some(email) = &creator.email
    {
        let link = state.url(&c.path());
        let args = [
            ("name", Arg::from(c.name.as_str())),
            ("link", Arg::from(link.as_str())),
        ];
        let mail_kind = if approve {
            "community-approved"
        } else {
            "community-refused"
        };
        send_with_reason(state, email, creator.lang(), mail_kind, &args, reason).await?;
    }
    Ok(())
}

/// Queue a `mail-<kind>` message with an optional reason paragraph before the signature.
async fn send_with_reason(
    state: &AppState,
    to: &str,
    lang: Lang,
    kind: &str,
    args: &[(&'static str, Arg)],
    reason: &str,
) -> Result<(), sqlx::Error> {
    emails::send_with_reason(state, to, lang, kind, args, "community-mail-reason", reason).await
}

// ---- settings and status -----------------------------------------------------------------

/// Change the settings (managers). Validation errors as `AppError::Invalid`.
pub async fn update_settings(
    state: &AppState,
    actor: &Actor,
    l: &Loaded,
    s: &CommunitySettings,
) -> AppResult<()> {
    if !manages(actor, l) {
        return Err(AppError::Forbidden);
    }
    let mut errs = super::check_settings(s);
    // The territory typed (a name, "Name (Parent)" or a slug), placed.
    let place = match crate::territories::ops::resolve_field(state, &s.territory).await? {
        Ok(t) => t,
        Err(key) => {
            errs.push(("territory", key));
            None
        }
    };
    if !errs.is_empty() {
        return Err(invalid_fields(errs));
    }
    let mut s = s.clone();
    s.territory = place.as_ref().map(|t| t.slug.clone()).unwrap_or_default();
    let mut tx = state.db.begin().await?;
    super::update_settings_in(&mut tx, state.db.backend, l.c.id, &s).await?;
    let placed: Vec<i64> = place.iter().map(|t| t.id).collect();
    crate::territories::places::set_community_in(&mut tx, l.c.id, &placed).await?;
    tx.commit().await?;
    Ok(())
}

/// Archive (read-only) or reopen (managers). `not_active` for a pending or
/// refused community.
pub async fn set_archived(
    state: &AppState,
    actor: &Actor,
    l: &Loaded,
    archived: bool,
) -> AppResult<()> {
    if !manages(actor, l) {
        return Err(AppError::Forbidden);
    }
    let (from, to) = if archived {
        (CommunityStatus::Active, CommunityStatus::Archived)
    } else {
        (CommunityStatus::Archived, CommunityStatus::Active)
    };
    if l.c.status == to {
        return Ok(());
    }
    if l.c.status != from || !super::change_status(&state.db, l.c.id, &[from], to, "").await? {
        return Err(conflict("not_active", "community-error-not-active"));
    }
    Ok(())
}

// ---- membership ---------------------------------------------------------------------------

fn join_refusal(l: &Loaded) -> AppError {
    match (l.c.status, l.state()) {
        (_, Some(MemberState::Banned)) => AppError::Forbidden,
        (CommunityStatus::Archived, _) => {
            conflict("community_archived", "community-error-archived")
        }
        (_, Some(MemberState::Requested)) => {
            conflict("request_pending", "community-error-request-pending")
        }
        _ => AppError::Forbidden,
    }
}

/// Join at once (open communities). Already a member: nothing to do.
/// A person's act.
pub async fn join(state: &AppState, actor: &Actor, l: &Loaded) -> AppResult<()> {
    let u = person(actor)?;
    if l.state() == Some(MemberState::Active) {
        return Ok(());
    }
    if !actor.may(Action::JoinCommunity {
        c: &l.facts,
        m: l.m,
    }) {
        return Err(join_refusal(l));
    }
    super::set_membership(
        &state.db,
        l.c.id,
        u.id,
        Role::Member,
        MemberState::Active,
        "",
    )
    .await?;
    Ok(())
}

/// Ask to join, with a message to the managers (who are notified in the
/// same transaction). A person's act.
pub async fn request(state: &AppState, actor: &Actor, l: &Loaded, message: &str) -> AppResult<()> {
    let u = person(actor)?;
    let message = message.trim();
    if message.chars().count() > super::MESSAGE_MAX {
        return Err(invalid_fields(vec![("message", "field-too-long")]));
    }
    if l.state() == Some(MemberState::Active) {
        return Ok(());
    }
    if !actor.may(Action::RequestToJoin {
        c: &l.facts,
        m: l.m,
    }) {
        return Err(join_refusal(l));
    }
    let mut tx = state.db.begin().await?;
    super::set_membership_in(
        &mut tx,
        l.c.id,
        u.id,
        Role::Member,
        MemberState::Requested,
        message,
    )
    .await?;
    super::notify_managers_in(
        &mut tx,
        l.c.id,
        "join_request",
        Some(u.id),
        &json_data("message", message),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Leave (or withdraw a request). The last owner stays (`last_owner`); a
/// ban stays (`Forbidden`). A person's act.
pub async fn leave(state: &AppState, actor: &Actor, l: &Loaded) -> AppResult<()> {
    let u = person(actor)?;
    match l.m {
        None => Ok(()),
        Some(m) if m.state == MemberState::Banned => Err(AppError::Forbidden),
        Some(m) => {
            let mut tx = state.db.begin().await?;
            if m.state == MemberState::Active
                && m.role == Role::Owner
                && super::owner_count_in(&mut tx, l.c.id).await? <= 1
            {
                return Err(conflict("last_owner", "community-error-last-owner"));
            }
            super::remove_membership_in(&mut tx, l.c.id, u.id).await?;
            tx.commit().await?;
            Ok(())
        }
    }
}

/// Approve or refuse a join request (managers); the requester is notified
/// in the same transaction. `no_request` when it was already handled.
pub async fn decide(
    state: &AppState,
    actor: &Actor,
    l: &Loaded,
    target_id: i64,
    approve: bool,
    reason: &str,
) -> AppResult<()> {
    if !manages(actor, l) {
        return Err(AppError::Forbidden);
    }
    let reason = check_reason(reason)?;
    let target = members::get(&state.db, l.c.id, target_id).await?;
    if !target
        .as_ref()
        .is_some_and(|t| t.state == MemberState::Requested)
    {
        return Err(conflict("no_request", "community-error-no-request"));
    }
    if approve && l.c.status != CommunityStatus::Active {
        return Err(conflict("community_archived", "community-error-archived"));
    }
    let mut tx = state.db.begin().await?;
    if approve {
        super::set_membership_in(
            &mut tx,
            l.c.id,
            target_id,
            Role::Member,
            MemberState::Active,
            "",
        )
        .await?;
        super::notify_in(
            &mut tx,
            target_id,
            "join_approved",
            actor.audit_id(),
            l.c.id,
            "",
        )
        .await?;
    } else {
        super::remove_membership_in(&mut tx, l.c.id, target_id).await?;
        super::notify_in(
            &mut tx,
            target_id,
            "join_refused",
            actor.audit_id(),
            l.c.id,
            &json_data("reason", reason),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Give an active member another role (managers, never above their own;
/// administrators and the system, any). `last_owner` when it would leave
/// the community without an owner.
pub async fn set_role(
    state: &AppState,
    actor: &Actor,
    l: &Loaded,
    target_id: i64,
    role: Role,
) -> AppResult<()> {
    if !manages(actor, l) {
        return Err(AppError::Forbidden);
    }
    let target = members::get(&state.db, l.c.id, target_id)
        .await?
        .filter(|t| t.state == MemberState::Active)
        .ok_or(AppError::NotFound)?;
    if target.role == role {
        return Ok(());
    }
    if !super::may_set_role(actor.may(Action::Administer), l.role(), target.role, role) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    if target.role == Role::Owner && super::owner_count_in(&mut tx, l.c.id).await? <= 1 {
        return Err(conflict("last_owner", "community-error-last-owner-role"));
    }
    super::set_role_in(&mut tx, l.c.id, target_id, role).await?;
    tx.commit().await?;
    Ok(())
}

/// Remove an active member (managers, for members below them; removing
/// oneself is leaving). `last_owner` when it would leave no owner.
pub async fn remove(state: &AppState, actor: &Actor, l: &Loaded, target_id: i64) -> AppResult<()> {
    if actor.audit_id() == Some(target_id) {
        return leave(state, actor, l).await;
    }
    if !manages(actor, l) {
        return Err(AppError::Forbidden);
    }
    let target = members::get(&state.db, l.c.id, target_id)
        .await?
        .filter(|t| t.state == MemberState::Active)
        .ok_or(AppError::NotFound)?;
    if !super::may_remove(actor.may(Action::Administer), l.role(), target.role) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    if target.role == Role::Owner && super::owner_count_in(&mut tx, l.c.id).await? <= 1 {
        return Err(conflict("last_owner", "community-error-last-owner-role"));
    }
    super::remove_membership_in(&mut tx, l.c.id, target_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Hand ownership to another active member (owners; administrators and
/// the system too). An owner handing over becomes an animator; anyone else
/// acting turns every current owner into an animator. `not_member` when
/// `to` is not an active member.
pub async fn transfer(state: &AppState, actor: &Actor, l: &Loaded, to: i64) -> AppResult<()> {
    if !actor.may(Action::OwnCommunity {
        c: &l.facts,
        m: l.m,
    }) {
        return Err(AppError::Forbidden);
    }
    let owner = l.role() == Some(Role::Owner);
    if owner && actor.audit_id() == Some(to) {
        return Ok(());
    }
    let from = actor.audit_id().filter(|_| owner);
    if !super::transfer_ownership(&state.db, l.c.id, to, from).await? {
        return Err(conflict("not_member", "community-error-not-member"));
    }
    Ok(())
}

// ---- invitations ----------------------------------------------------------------------------

/// A new invitation: (id, link). The link holds the code, shown only once.
/// Managers (and the system); sent by e-mail when `email` is given (in the
/// inviter's language; a person sends at most `INVITE_MAIL_LIMIT` an hour).
/// `community_archived` unless the community is active.
pub async fn create_invite(
    state: &AppState,
    actor: &Actor,
    l: &Loaded,
    email: &str,
    days: Option<i64>,
    max_uses: Option<i64>,
) -> AppResult<(i64, String)> {
    if !manages(actor, l) {
        return Err(AppError::Forbidden);
    }
    if l.c.status != CommunityStatus::Active {
        return Err(conflict("community_archived", "community-error-archived"));
    }
    let mut errs = Vec::new();
    let email = email.trim();
    if !email.is_empty() && !accounts::valid_email(email) {
        errs.push(("email", "email-invalid"));
    }
    let days = days.unwrap_or(super::INVITE_DAYS_DEFAULT);
    if !(1..=super::INVITE_DAYS_MAX).contains(&days) {
        errs.push(("days", "community-invite-days-invalid"));
    }
    // An invitation sent to one address is for one person unless told otherwise.
    let max_uses = max_uses.or(if email.is_empty() { None } else { Some(1) });
    if max_uses.is_some_and(|n| !(1..=super::INVITE_USES_MAX).contains(&n)) {
        errs.push(("max_uses", "community-invite-uses-invalid"));
    }
    if !errs.is_empty() {
        return Err(invalid_fields(errs));
    }
    if !email.is_empty()
        && let Some(u) = actor.user()
        && let Err(retry_after) = ratelimit::hit(
            &state.db,
            &format!("community-invite-mail:{}", u.id),
            INVITE_MAIL_LIMIT,
        )
        .await?
    {
        return Err(AppError::TooManyRequests { retry_after });
    }
    let (id, code) =
        invitations::create(&state.db, l.c.id, actor.audit_id(), email, days, max_uses).await?;
    let link = state.url(&format!(
        "{}/join?code={code}",
        crate::urls::community(&l.c.slug)
    ));
    if !email.is_empty() {
        // The invitee's language is unknown: the inviter's.
        let lang = actor.user().map(User::lang).unwrap_or_default();
        emails::send(
            state,
            email,
            lang,
            "community-invite",
            &[
                ("name", Arg::from(l.c.name.as_str())),
                ("link", Arg::from(link.as_str())),
                ("days", Arg::Num(days)),
            ],
        )
        .await?;
    }
    Ok((id, link))
}

/// Revoke an invitation (managers); false when there was no such active
/// invitation.
pub async fn revoke_invite(
    state: &AppState,
    actor: &Actor,
    l: &Loaded,
    invite_id: i64,
) -> AppResult<bool> {
    if !manages(actor, l) {
        return Err(AppError::Forbidden);
    }
    Ok(invitations::revoke(&state.db, l.c.id, invite_id).await?)
}

/// Join with an invitation code, whatever the visibility and join policy;
/// the use is counted and the membership written in one transaction. An
/// invalid, expired, revoked or used-up code is `NotFound`; a ban stays
/// (`Forbidden`); an archived community is `community_archived`. A
/// person's act.
pub async fn redeem(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    code: &str,
) -> AppResult<Community> {
    let u = person(actor)?;
    let c = invitations::invited_community(state, slug, code)
        .await?
        .ok_or(AppError::NotFound)?;
    let m = super::membership(&state.db, c.id, Some(u)).await?;
    match m.map(|m| m.state) {
        Some(MemberState::Active) => return Ok(c),
        Some(MemberState::Banned) => return Err(AppError::Forbidden),
        _ => {}
    }
    if !actor.may(Action::CreateCommunity) {
        // Only acting (active, local) accounts join anything.
        return Err(AppError::Forbidden);
    }
    match c.status {
        CommunityStatus::Active => {}
        CommunityStatus::Archived => {
            return Err(conflict("community_archived", "community-error-archived"));
        }
        _ => return Err(AppError::NotFound),
    }
    let mut tx = state.db.begin().await?;
    if invitations::redeem_in(&mut tx, code).await? != Some(c.id) {
        return Err(AppError::NotFound);
    }
    super::set_membership_in(&mut tx, c.id, u.id, Role::Member, MemberState::Active, "").await?;
    tx.commit().await?;
    Ok(c)
}
