//! Communities of practice on the web: the directory (`/c`), creation
//! (or a request when the instance approves communities), the community
//! page and its sections (about, members, join requests, invitations,
//! settings), joining by link, and the administrators' approval queue
//! (`/admin/communities`).
//!
//! Every read and every action asks `crate::policy`. A private community
//! shows outsiders its card (`/c/{slug}`: what it is, how to ask to join)
//! and nothing of its content: its sections answer 404 (never 403), as does
//! every page of a community whose card the viewer may not see (people
//! banned from a private one, pending ones). Every POST checks the CSRF token. The rules that both
//! the pages and the API follow are the `op_*` functions below; the API
//! (`crate::api::communities`) calls them too.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::AppState;
use super::ctx::Ctx;
use super::templates::{FieldErrors, Shell, html, invalid, page};
use crate::accounts::{self, User};
pub use crate::communities::access::{Loaded, load, load_card};
use crate::communities::{self, Community, CommunitySettings, DirectoryFilter, NewCommunity};
use crate::emails;
use crate::error::{AppError, AppResult};
use crate::i18n::{Arg, Lang};
use crate::policy::{self, Action, CommunityStatus, JoinPolicy, MemberState, Role, Visibility};
use crate::publications;
use crate::ratelimit::{self, Limit};
use crate::settings;

/// Instance setting: "1" when new communities wait for an administrator.
pub const APPROVAL_SETTING: &str = "community_approval";
/// Longest refusal reason.
pub const REASON_MAX: usize = 1000;
/// Longest directory search taken into account.
const QUERY_MAX: usize = 100;
/// Communities created per person and day.
const CREATE_LIMIT: Limit = Limit {
    max: 10,
    window_secs: 86400,
};
/// Invitation e-mails per person and hour.
const INVITE_MAIL_LIMIT: Limit = Limit {
    max: 30,
    window_secs: 3600,
};
/// Members offered in the ownership transfer menu.
const TRANSFER_CHOICES: i64 = 500;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/c", get(directory))
        .route("/c/new", get(new_form).post(new_submit))
        .route("/c/{slug}", get(show))
        .route("/c/{slug}/about", get(about))
        .route("/c/{slug}/join", get(join_page).post(join_submit))
        .route("/c/{slug}/request", post(request_submit))
        .route("/c/{slug}/leave", post(leave_submit))
        .route("/c/{slug}/requests", get(requests_page))
        .route(
            "/c/{slug}/requests/{user_id}/approve",
            post(request_approve),
        )
        .route("/c/{slug}/requests/{user_id}/refuse", post(request_refuse))
        .route("/c/{slug}/members", get(members_page))
        .route("/c/{slug}/members/{user_id}/role", post(member_role))
        .route("/c/{slug}/members/{user_id}/remove", post(member_remove))
        .route("/c/{slug}/transfer", post(transfer_submit))
        .route("/c/{slug}/archive", post(archive_submit))
        .route("/c/{slug}/reopen", post(reopen_submit))
        .route(
            "/c/{slug}/settings",
            get(settings_form).post(settings_submit),
        )
        .route(
            "/c/{slug}/invitations",
            get(invitations_page).post(invitation_create),
        )
        .route("/c/{slug}/invitations/{id}/revoke", post(invitation_revoke))
        .route("/admin/communities", get(admin_page))
        .route("/admin/communities/settings", post(admin_settings))
        .route("/admin/communities/{id}/approve", post(admin_approve))
        .route("/admin/communities/{id}/refuse", post(admin_refuse))
}

// ---- loading and authorizing ------------------------------------------------------------

fn is_admin(u: &User) -> bool {
    policy::can(Some(u), Action::Administer)
}

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

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn login_link(back: &str) -> String {
    format!("/login?next={}", encode(back))
}

/// 1-based page number from a query value.
fn page_number(raw: &str) -> i64 {
    raw.trim().parse::<i64>().unwrap_or(1).clamp(1, 100_000)
}

fn json_data(key: &str, value: &str) -> String {
    if value.is_empty() {
        String::new()
    } else {
        serde_json::json!({ key: value }).to_string()
    }
}

// ---- the rules, shared by the pages and the API ---------------------------------------------

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

/// Create a community (active, or pending when the instance approves new
/// communities). Validation errors come back as `AppError::Invalid`.
pub async fn op_create(state: &AppState, u: &User, v: &NewValues) -> AppResult<Community> {
    if !policy::can(Some(u), Action::CreateCommunity) {
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
    if !communities::valid_theme(&v.theme) {
        errs.push(("theme", "field-invalid-choice"));
    }
    if !communities::valid_territory(&v.territory) {
        errs.push(("territory", "field-invalid-choice"));
    }
    let pending = approval_required(state).await?;
    let n = NewCommunity {
        name: &v.name,
        slug: Some(v.slug.as_str()),
        description: &v.description,
        theme: &v.theme,
        territory: &v.territory,
        visibility: visibility.unwrap_or(Visibility::Open),
        join_policy: join_policy.unwrap_or(JoinPolicy::Open),
        request_note: if pending { &v.request_note } else { "" },
    };
    let (slug, more) = communities::check_new(&state.db, &n).await?;
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
    let c = match communities::create(&state.db, u, &n, &slug, pending).await {
        Ok(c) => c,
        // Someone took the same address a moment earlier.
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(invalid_fields(vec![("slug", "community-slug-taken")]));
        }
        Err(e) => return Err(e.into()),
    };
    if pending {
        communities::notify_admins(
            &state.db,
            c.id,
            "community_request",
            Some(u.id),
            &json_data("note", &c.request_note),
        )
        .await?;
    }
    Ok(c)
}

/// Join at once (open communities). Already a member: nothing to do.
pub async fn op_join(state: &AppState, u: &User, l: &Loaded) -> AppResult<()> {
    if l.state() == Some(MemberState::Active) {
        return Ok(());
    }
    if !l.join(Some(u)) {
        return Err(join_refusal(l));
    }
    communities::set_membership(
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

/// Ask to join, with a message to the managers (who are notified).
pub async fn op_request(state: &AppState, u: &User, l: &Loaded, message: &str) -> AppResult<()> {
    let message = message.trim();
    if message.chars().count() > communities::MESSAGE_MAX {
        return Err(invalid_fields(vec![("message", "field-too-long")]));
    }
    if l.state() == Some(MemberState::Active) {
        return Ok(());
    }
    if !l.request(Some(u)) {
        return Err(join_refusal(l));
    }
    communities::set_membership(
        &state.db,
        l.c.id,
        u.id,
        Role::Member,
        MemberState::Requested,
        message,
    )
    .await?;
    communities::notify_managers(
        &state.db,
        l.c.id,
        "join_request",
        Some(u.id),
        &json_data("message", message),
    )
    .await?;
    Ok(())
}

/// Leave (or withdraw a request). The last owner stays; a ban stays.
pub async fn op_leave(state: &AppState, u: &User, l: &Loaded) -> AppResult<()> {
    match l.m {
        None => Ok(()),
        Some(m) if m.state == MemberState::Banned => Err(AppError::Forbidden),
        Some(m) => {
            if m.state == MemberState::Active
                && m.role == Role::Owner
                && communities::owner_count(&state.db, l.c.id).await? <= 1
            {
                return Err(conflict("last_owner", "community-error-last-owner"));
            }
            communities::remove_membership(&state.db, l.c.id, u.id).await?;
            Ok(())
        }
    }
}

/// Approve or refuse a join request (managers); the requester is notified.
pub async fn op_decide(
    state: &AppState,
    actor: &User,
    l: &Loaded,
    target_id: i64,
    approve: bool,
    reason: &str,
) -> AppResult<()> {
    if !l.manage(Some(actor)) {
        return Err(AppError::Forbidden);
    }
    let reason = reason.trim();
    if reason.chars().count() > REASON_MAX {
        return Err(invalid_fields(vec![("reason", "field-too-long")]));
    }
    let target = communities::member(&state.db, l.c.id, target_id).await?;
    if !target
        .as_ref()
        .is_some_and(|t| t.state == MemberState::Requested)
    {
        return Err(conflict("no_request", "community-error-no-request"));
    }
    if approve {
        if l.c.status != CommunityStatus::Active {
            return Err(conflict("community_archived", "community-error-archived"));
        }
        communities::set_membership(
            &state.db,
            l.c.id,
            target_id,
            Role::Member,
            MemberState::Active,
            "",
        )
        .await?;
        communities::notify(
            &state.db,
            target_id,
            "join_approved",
            Some(actor.id),
            l.c.id,
            "",
        )
        .await?;
    } else {
        communities::remove_membership(&state.db, l.c.id, target_id).await?;
        communities::notify(
            &state.db,
            target_id,
            "join_refused",
            Some(actor.id),
            l.c.id,
            &json_data("reason", reason),
        )
        .await?;
    }
    Ok(())
}

/// Give an active member another role (managers, never above their own).
pub async fn op_set_role(
    state: &AppState,
    actor: &User,
    l: &Loaded,
    target_id: i64,
    role: Role,
) -> AppResult<()> {
    if !l.manage(Some(actor)) {
        return Err(AppError::Forbidden);
    }
    let target = communities::member(&state.db, l.c.id, target_id)
        .await?
        .filter(|t| t.state == MemberState::Active)
        .ok_or(AppError::NotFound)?;
    if target.role == role {
        return Ok(());
    }
    if !communities::may_set_role(is_admin(actor), l.role(), target.role, role) {
        return Err(AppError::Forbidden);
    }
    if target.role == Role::Owner && communities::owner_count(&state.db, l.c.id).await? <= 1 {
        return Err(conflict("last_owner", "community-error-last-owner-role"));
    }
    communities::set_role(&state.db, l.c.id, target_id, role).await?;
    Ok(())
}

/// Remove an active member (managers, for members below them).
pub async fn op_remove(
    state: &AppState,
    actor: &User,
    l: &Loaded,
    target_id: i64,
) -> AppResult<()> {
    if target_id == actor.id {
        return op_leave(state, actor, l).await;
    }
    if !l.manage(Some(actor)) {
        return Err(AppError::Forbidden);
    }
    let target = communities::member(&state.db, l.c.id, target_id)
        .await?
        .filter(|t| t.state == MemberState::Active)
        .ok_or(AppError::NotFound)?;
    if !communities::may_remove(is_admin(actor), l.role(), target.role) {
        return Err(AppError::Forbidden);
    }
    if target.role == Role::Owner && communities::owner_count(&state.db, l.c.id).await? <= 1 {
        return Err(conflict("last_owner", "community-error-last-owner-role"));
    }
    communities::remove_membership(&state.db, l.c.id, target_id).await?;
    Ok(())
}

/// Hand ownership to another active member; the owner becomes an animator.
pub async fn op_transfer(state: &AppState, actor: &User, l: &Loaded, to: i64) -> AppResult<()> {
    if !l.own(Some(actor)) {
        return Err(AppError::Forbidden);
    }
    if to == actor.id && l.role() == Some(Role::Owner) {
        return Ok(());
    }
    let from = (l.role() == Some(Role::Owner)).then_some(actor.id);
    if !communities::transfer_ownership(&state.db, l.c.id, to, from).await? {
        return Err(conflict("not_member", "community-error-not-member"));
    }
    Ok(())
}

/// Archive (read-only) or reopen (managers).
pub async fn op_set_archived(
    state: &AppState,
    actor: &User,
    l: &Loaded,
    archived: bool,
) -> AppResult<()> {
    if !l.manage(Some(actor)) {
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
    if l.c.status != from || !communities::change_status(&state.db, l.c.id, &[from], to, "").await?
    {
        return Err(conflict("not_active", "community-error-not-active"));
    }
    Ok(())
}

/// Change the settings (managers). Validation errors as `AppError::Invalid`.
pub async fn op_update_settings(
    state: &AppState,
    actor: &User,
    l: &Loaded,
    s: &CommunitySettings,
) -> AppResult<()> {
    if !l.manage(Some(actor)) {
        return Err(AppError::Forbidden);
    }
    let errs = communities::check_settings(s);
    if !errs.is_empty() {
        return Err(invalid_fields(errs));
    }
    communities::update_settings(&state.db, l.c.id, s).await?;
    Ok(())
}

/// A new invitation: (id, link). The link holds the code, shown only once.
pub async fn op_create_invite(
    state: &AppState,
    actor: &User,
    l: &Loaded,
    email: &str,
    days: Option<i64>,
    max_uses: Option<i64>,
) -> AppResult<(i64, String)> {
    if !l.manage(Some(actor)) {
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
    let days = days.unwrap_or(communities::INVITE_DAYS_DEFAULT);
    if !(1..=communities::INVITE_DAYS_MAX).contains(&days) {
        errs.push(("days", "community-invite-days-invalid"));
    }
    // An invitation sent to one address is for one person unless told otherwise.
    let max_uses = max_uses.or(if email.is_empty() { None } else { Some(1) });
    if max_uses.is_some_and(|n| !(1..=communities::INVITE_USES_MAX).contains(&n)) {
        errs.push(("max_uses", "community-invite-uses-invalid"));
    }
    if !errs.is_empty() {
        return Err(invalid_fields(errs));
    }
    if !email.is_empty()
        && let Err(retry_after) = ratelimit::hit(
            &state.db,
            &format!("community-invite-mail:{}", actor.id),
            INVITE_MAIL_LIMIT,
        )
        .await?
    {
        return Err(AppError::TooManyRequests { retry_after });
    }
    let (id, code) =
        communities::create_invite(&state.db, l.c.id, actor.id, email, days, max_uses).await?;
    let link = state.url(&format!("/c/{}/join?code={code}", l.c.slug));
    if !email.is_empty() {
        // The invitee's language is unknown: the inviter's.
        emails::send(
            state,
            email,
            actor.lang(),
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

/// Revoke an invitation; false when there was no such active invitation.
pub async fn op_revoke_invite(
    state: &AppState,
    actor: &User,
    l: &Loaded,
    invite_id: i64,
) -> AppResult<bool> {
    if !l.manage(Some(actor)) {
        return Err(AppError::Forbidden);
    }
    Ok(communities::revoke_invite(&state.db, l.c.id, invite_id).await?)
}

/// The community at `slug` when `code` is a valid invitation to it.
pub async fn invited_community(
    state: &AppState,
    slug: &str,
    code: &str,
) -> AppResult<Option<Community>> {
    if code.is_empty() || code.len() > 128 {
        return Ok(None);
    }
    let Some(c) = communities::by_slug(&state.db, slug).await? else {
        return Ok(None);
    };
    Ok((communities::peek_invite(&state.db, code).await? == Some(c.id)).then_some(c))
}

/// Join with an invitation code, whatever the visibility and join policy.
/// An invalid, expired, revoked or used-up code is 404.
pub async fn op_redeem(state: &AppState, u: &User, slug: &str, code: &str) -> AppResult<Community> {
    let c = invited_community(state, slug, code)
        .await?
        .ok_or(AppError::NotFound)?;
    let m = communities::membership(&state.db, c.id, Some(u)).await?;
    match m.map(|m| m.state) {
        Some(MemberState::Active) => return Ok(c),
        Some(MemberState::Banned) => return Err(AppError::Forbidden),
        _ => {}
    }
    if !policy::can(Some(u), Action::CreateCommunity) {
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
    if communities::redeem_invite(&state.db, code).await? != Some(c.id) {
        return Err(AppError::NotFound);
    }
    communities::set_membership(&state.db, c.id, u.id, Role::Member, MemberState::Active, "")
        .await?;
    Ok(c)
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
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
    let mut args = args.to_vec();
    args.push(("instance", Arg::Str(state.instance_name())));
    let c = emails::compose(lang, kind, &args);
    if reason.is_empty() {
        return state
            .send_mail(to, lang, c.subject, c.text, Some(c.html))
            .await;
    }
    let intro = lang.t("community-mail-reason");
    let text = match c.text.find("\n\n-- \n") {
        Some(i) => format!("{}\n\n{intro}\n{reason}{}", &c.text[..i], &c.text[i..]),
        None => format!("{}\n\n{intro}\n{reason}\n", c.text),
    };
    let para = format!(
        "<p>{}<br>{}</p>",
        escape_html(&intro),
        escape_html(reason).replace('\n', "<br>")
    );
    let html = match c.html.rfind("<p style=") {
        Some(i) => format!("{}{para}{}", &c.html[..i], &c.html[i..]),
        None => c.html,
    };
    state.send_mail(to, lang, c.subject, text, Some(html)).await
}

/// Approve (or refuse, with a reason) a community waiting for the instance;
/// its creator is told by e-mail and notification.
pub async fn op_decide_community(
    state: &AppState,
    admin: &User,
    c: &Community,
    approve: bool,
    reason: &str,
) -> AppResult<()> {
    if !policy::can(Some(admin), Action::ApproveCommunities) {
        return Err(AppError::Forbidden);
    }
    let reason = reason.trim();
    if reason.chars().count() > REASON_MAX {
        return Err(invalid_fields(vec![("reason", "field-too-long")]));
    }
    let to = if approve {
        CommunityStatus::Active
    } else {
        CommunityStatus::Refused
    };
    if !communities::change_status(
        &state.db,
        c.id,
        &[CommunityStatus::Pending],
        to,
        if approve { "" } else { reason },
    )
    .await?
    {
        return Err(conflict("not_pending", "community-error-not-pending"));
    }
    let (kind, action) = if approve {
        ("community_approved", "community_approved")
    } else {
        ("community_refused", "community_refused")
    };
    accounts::audit(
        &state.db,
        Some(admin.id),
        action,
        c.created_by,
        &format!("{} ({})", c.name, c.slug),
    )
    .await?;
    if let Some(creator_id) = c.created_by {
        communities::notify(
            &state.db,
            creator_id,
            kind,
            Some(admin.id),
            c.id,
            &json_data("reason", reason),
        )
        .await?;
        if let Some(creator) = accounts::by_id(&state.db, creator_id).await?
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
    }
    Ok(())
}

// ---- labels -------------------------------------------------------------------------------

pub fn visibility_key(v: Visibility) -> &'static str {
    match v {
        Visibility::Open => "community-visibility-open",
        Visibility::Private => "community-visibility-private",
        Visibility::Unlisted => "community-visibility-unlisted",
    }
}

pub fn join_key(j: JoinPolicy) -> &'static str {
    match j {
        JoinPolicy::Open => "community-join-open",
        JoinPolicy::Request => "community-join-request",
        JoinPolicy::Invitation => "community-join-invitation",
    }
}

pub fn role_key(r: Role) -> &'static str {
    match r {
        Role::Owner => "community-role-owner",
        Role::Animator => "community-role-animator",
        Role::Moderator => "community-role-moderator",
        Role::Member => "community-role-member",
    }
}

const ROLES: [Role; 4] = [Role::Member, Role::Moderator, Role::Animator, Role::Owner];

fn theme_label(lang: Lang, code: &str) -> Option<String> {
    (!code.is_empty()).then(|| lang.t(&format!("community-theme-{code}")))
}

fn badges(lang: Lang, c: &Community) -> Vec<(&'static str, String)> {
    // A private community wears a lock (drawn by the stylesheet).
    let visibility_class = if c.visibility == Visibility::Private {
        "badge badge-lock"
    } else {
        "badge"
    };
    let mut b = vec![
        (visibility_class, lang.t(visibility_key(c.visibility))),
        ("badge", lang.t(join_key(c.join_policy))),
    ];
    match c.status {
        CommunityStatus::Archived => {
            b.push(("badge badge-warn", lang.t("community-status-archived")))
        }
        CommunityStatus::Pending => {
            b.push(("badge badge-warn", lang.t("community-status-pending")))
        }
        CommunityStatus::Refused => {
            b.push(("badge badge-warn", lang.t("community-status-refused")))
        }
        CommunityStatus::Active => {}
    }
    b
}

/// A radio or select choice.
pub struct Choice {
    pub value: &'static str,
    pub label: String,
    pub hint: String,
    pub checked: bool,
}

fn theme_choices(lang: Lang, current: &str) -> Vec<Choice> {
    communities::THEMES
        .iter()
        .map(|code| Choice {
            value: code,
            label: lang.t(&format!("community-theme-{code}")),
            hint: String::new(),
            checked: *code == current,
        })
        .collect()
}

fn region_choices(current: &str) -> Vec<Choice> {
    communities::REGIONS
        .iter()
        .map(|(code, name)| Choice {
            value: code,
            label: name.to_string(),
            hint: String::new(),
            checked: *code == current,
        })
        .collect()
}

fn visibility_choices(lang: Lang, current: &str) -> Vec<Choice> {
    [Visibility::Open, Visibility::Private, Visibility::Unlisted]
        .into_iter()
        .map(|v| Choice {
            value: v.as_str(),
            label: lang.t(visibility_key(v)),
            hint: lang.t(&format!("{}-hint", visibility_key(v))),
            checked: v.as_str() == current,
        })
        .collect()
}

fn join_choices(lang: Lang, current: &str) -> Vec<Choice> {
    [
        JoinPolicy::Open,
        JoinPolicy::Request,
        JoinPolicy::Invitation,
    ]
    .into_iter()
    .map(|j| Choice {
        value: j.as_str(),
        label: lang.t(join_key(j)),
        hint: lang.t(&format!("{}-hint", join_key(j))),
        checked: j.as_str() == current,
    })
    .collect()
}

fn field_errors(lang: Lang, fields: &[(String, String)]) -> FieldErrors {
    let mut errors = FieldErrors::default();
    for (f, k) in fields {
        errors.add(lang, f, k);
    }
    errors
}

/// Plain text → paragraphs (descriptions are not Markdown).
fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

fn excerpt(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => cut[..i].to_string(),
        _ => cut,
    };
    format!("{cut}…")
}

// ---- page parts ---------------------------------------------------------------------------

pub struct Tab {
    pub label: String,
    pub href: String,
    pub current: bool,
}

/// The header and section menu shared by the pages of one community.
pub struct Head {
    pub name: String,
    pub path: String,
    pub description: String,
    pub badges: Vec<(&'static str, String)>,
    pub members: String,
    pub theme: Option<String>,
    pub territory: Option<&'static str>,
    /// (heading, text) of the archived / pending / refused banner.
    pub banner: Option<(String, Vec<String>)>,
    pub tabs: Vec<Tab>,
}

async fn head(state: &AppState, ctx: &Ctx, l: &Loaded, current: &str) -> AppResult<Head> {
    let lang = ctx.lang;
    let viewer = ctx.user.as_ref();
    let c = &l.c;
    let base = c.path();
    // Seen from outside (a private community's card): no section to open.
    let reader = l.view(viewer);
    let mut tabs = Vec::new();
    if reader {
        tabs.extend([
            ("community-tab-feed", base.clone()),
            ("community-tab-about", format!("{base}/about")),
            ("community-tab-members", format!("{base}/members")),
        ]);
    }
    // The moderation queue and log live in crate::web::moderation.
    if reader
        && policy::can(
            viewer,
            Action::ModerateCommunity {
                c: &l.facts,
                m: l.m,
            },
        )
    {
        tabs.push(("community-tab-moderation", format!("{base}/moderation")));
    }
    let mut requests = 0;
    if reader && l.manage(viewer) {
        requests = communities::count_in_state(&state.db, c.id, MemberState::Requested).await?;
        tabs.push(("community-tab-requests", format!("{base}/requests")));
        tabs.push(("community-tab-invitations", format!("{base}/invitations")));
        tabs.push(("community-tab-settings", format!("{base}/settings")));
    }
    let tabs = tabs
        .into_iter()
        .map(|(key, href)| Tab {
            label: if key == "community-tab-requests" {
                lang.ta(
                    "community-tab-requests-count",
                    &[("count", Arg::Num(requests))],
                )
            } else {
                lang.t(key)
            },
            current: href == current,
            href,
        })
        .collect();
    let banner = match c.status {
        CommunityStatus::Archived => Some((
            lang.t("community-archived-title"),
            vec![lang.t("community-archived-text")],
        )),
        CommunityStatus::Pending => {
            let mut text = vec![lang.t("community-pending-text")];
            if !c.request_note.is_empty() {
                text.push(format!(
                    "{} {}",
                    lang.t("community-pending-note"),
                    c.request_note
                ));
            }
            Some((lang.t("community-pending-title"), text))
        }
        CommunityStatus::Refused => {
            let mut text = vec![lang.t("community-refused-text")];
            if !c.status_reason.is_empty() {
                text.push(format!(
                    "{} {}",
                    lang.t("community-refused-reason"),
                    c.status_reason
                ));
            }
            Some((lang.t("community-refused-title"), text))
        }
        CommunityStatus::Active => None,
    };
    Ok(Head {
        name: c.name.clone(),
        path: base,
        description: excerpt(&c.description, 300),
        badges: badges(lang, c),
        members: lang.ta(
            "community-member-count",
            &[("count", Arg::Num(c.member_count))],
        ),
        theme: theme_label(lang, &c.theme),
        territory: communities::region_name(&c.territory),
        banner,
        tabs,
    })
}

fn shell(state: &AppState, ctx: &Ctx, c: &Community, section: Option<(&str, String)>) -> Shell {
    let title = match &section {
        Some((key, _)) => format!("{} · {}", ctx.t(key), c.name),
        None => c.name.clone(),
    };
    let mut s = Shell::new(state, ctx, &title, "communities")
        .crumb(ctx.t("community-nav"), "/c")
        .crumb(c.name.clone(), c.path());
    if let Some((key, href)) = section {
        s = s.crumb(ctx.t(key), href);
    }
    s
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    s: Shell,
    heading: String,
    paragraphs: Vec<String>,
    action: Option<(String, String)>,
}

/// A page explaining why an action was not possible (409 and friends).
fn refusal(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    heading_key: &str,
    text_key: &str,
    back: (String, String),
) -> Response {
    let heading = ctx.t(heading_key);
    let s = Shell::new(state, ctx, &heading, "communities")
        .crumb(ctx.t("community-nav"), "/c")
        .crumb(heading.clone(), ctx.path.clone());
    ctx.finish((
        status,
        html(&MessagePage {
            s,
            heading,
            paragraphs: vec![ctx.t(text_key)],
            action: Some(back),
        }),
    ))
}

/// Turn the outcome of an `op_*` into a page: conflicts get an explanation.
fn after(
    state: &AppState,
    ctx: &mut Ctx,
    res: AppResult<()>,
    flash: &'static str,
    to: &str,
) -> AppResult<Response> {
    match res {
        Ok(()) => {
            ctx.flash(flash);
            Ok(ctx.redirect(to))
        }
        Err(AppError::Conflict { message_key, .. }) => Ok(refusal(
            state,
            ctx,
            StatusCode::CONFLICT,
            "community-refusal-title",
            message_key,
            (ctx.t("community-back"), to.to_string()),
        )),
        Err(e) => Err(e),
    }
}

/// The signed-in person posting a form, or a trip to the login form that
/// comes back to `back`.
#[allow(clippy::result_large_err)] // a response, built once per refused request
fn poster<'a>(ctx: &'a Ctx, back: &str) -> Result<&'a User, Response> {
    ctx.user
        .as_ref()
        .ok_or_else(|| ctx.redirect(&login_link(back)))
}

macro_rules! signed_in {
    ($ctx:expr, $back:expr) => {
        match poster(&$ctx, $back) {
            Ok(u) => u.clone(),
            Err(r) => return Ok(r),
        }
    };
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CsrfForm {
    csrf: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageQuery {
    page: String,
    tab: String,
}

// ---- directory ----------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct DirectoryQuery {
    q: String,
    theme: String,
    territory: String,
    visibility: String,
    mine: String,
    page: String,
}

pub struct Card {
    pub path: String,
    pub name: String,
    pub description: String,
    pub badges: Vec<(&'static str, String)>,
    pub members: String,
    pub theme: Option<String>,
    pub territory: Option<&'static str>,
    pub mine: Option<String>,
}

#[derive(Template)]
#[template(path = "community_directory.html")]
struct DirectoryPage {
    s: Shell,
    q: String,
    mine: bool,
    visibility: String,
    themes: Vec<Choice>,
    regions: Vec<Choice>,
    filtered: bool,
    cards: Vec<Card>,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
    signed_in: bool,
    no_errors: FieldErrors,
}

fn directory_link(q: &DirectoryQuery, page: i64) -> String {
    let mut params: Vec<(&str, String)> = Vec::new();
    for (k, v) in [
        ("q", &q.q),
        ("theme", &q.theme),
        ("territory", &q.territory),
        ("visibility", &q.visibility),
        ("mine", &q.mine),
    ] {
        if !v.is_empty() {
            params.push((k, v.clone()));
        }
    }
    if page > 1 {
        params.push(("page", page.to_string()));
    }
    let qs = serde_urlencoded::to_string(&params).unwrap_or_default();
    if qs.is_empty() {
        "/c".to_string()
    } else {
        format!("/c?{qs}")
    }
}

async fn directory(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(raw): Query<DirectoryQuery>,
) -> AppResult<Response> {
    let viewer = ctx.user.as_ref();
    // Keep only filters that mean something, so links stay clean.
    let q = DirectoryQuery {
        q: accounts::truncate(raw.q.trim(), QUERY_MAX),
        theme: if communities::valid_theme(&raw.theme) {
            raw.theme.clone()
        } else {
            String::new()
        },
        territory: if communities::valid_territory(&raw.territory) {
            raw.territory.clone()
        } else {
            String::new()
        },
        visibility: Visibility::parse(&raw.visibility)
            .map(|v| v.as_str().to_string())
            .unwrap_or_default(),
        mine: if raw.mine == "1" {
            "1".into()
        } else {
            String::new()
        },
        page: String::new(),
    };
    let mine = q.mine == "1";
    if mine && viewer.is_none() {
        return Ok(ctx.redirect(&login_link(&directory_link(&q, 1))));
    }
    let page_no = page_number(&raw.page);
    let filter = DirectoryFilter {
        theme: Some(q.theme.clone()),
        territory: Some(q.territory.clone()),
        visibility: Visibility::parse(&q.visibility),
        query: Some(q.q.clone()),
        mine,
    };
    let (list, more) = communities::directory(&state.db, viewer, &filter, page_no - 1).await?;
    let ids: Vec<i64> = list.iter().map(|c| c.id).collect();
    let mems = communities::memberships(&state.db, viewer, &ids).await?;
    let lang = ctx.lang;
    let cards = list
        .iter()
        .map(|c| Card {
            path: c.path(),
            name: c.name.clone(),
            description: excerpt(&c.description, 240),
            badges: badges(lang, c),
            members: lang.ta(
                "community-member-count",
                &[("count", Arg::Num(c.member_count))],
            ),
            theme: theme_label(lang, &c.theme),
            territory: communities::region_name(&c.territory),
            mine: mems.get(&c.id).and_then(|m| match m.state {
                MemberState::Active => Some(lang.t(role_key(m.role))),
                MemberState::Requested => Some(lang.t("community-badge-requested")),
                MemberState::Banned => None,
            }),
        })
        .collect();
    let filtered = !(q.q.is_empty()
        && q.theme.is_empty()
        && q.territory.is_empty()
        && q.visibility.is_empty()
        && !mine);
    let title = if mine {
        ctx.t("community-mine-title")
    } else {
        ctx.t("community-directory-title")
    };
    let mut s = Shell::new(&state, &ctx, &title, "communities").crumb(ctx.t("community-nav"), "/c");
    if mine {
        s = s.crumb(title.clone(), "/c?mine=1");
    }
    let p = DirectoryPage {
        s,
        themes: theme_choices(lang, &q.theme),
        regions: region_choices(&q.territory),
        prev: (page_no > 1).then(|| directory_link(&q, page_no - 1)),
        next: more.then(|| directory_link(&q, page_no + 1)),
        q: q.q.clone(),
        visibility: q.visibility.clone(),
        mine,
        filtered,
        cards,
        page: page_no,
        signed_in: viewer.is_some(),
        no_errors: FieldErrors::default(),
    };
    Ok(page(&ctx, &p))
}

// ---- creation -----------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewForm {
    csrf: String,
    name: String,
    slug: String,
    description: String,
    theme: String,
    territory: String,
    visibility: String,
    join_policy: String,
    request_note: String,
}

#[derive(Template)]
#[template(path = "community_new.html")]
struct NewPage {
    s: Shell,
    v: NewForm,
    errors: FieldErrors,
    themes: Vec<Choice>,
    regions: Vec<Choice>,
    visibilities: Vec<Choice>,
    join_policies: Vec<Choice>,
    approval: bool,
}

fn new_page(
    state: &AppState,
    ctx: &Ctx,
    v: NewForm,
    errors: FieldErrors,
    approval: bool,
) -> NewPage {
    let title = ctx.t(if approval {
        "community-new-title-approval"
    } else {
        "community-new-title"
    });
    NewPage {
        s: Shell::new(state, ctx, &title, "communities")
            .crumb(ctx.t("community-nav"), "/c")
            .crumb(title.clone(), "/c/new"),
        themes: theme_choices(ctx.lang, &v.theme),
        regions: region_choices(&v.territory),
        visibilities: visibility_choices(ctx.lang, &v.visibility),
        join_policies: join_choices(ctx.lang, &v.join_policy),
        v,
        errors,
        approval,
    }
}

async fn new_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = match ctx.require_login() {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    if !policy::can(Some(user), Action::CreateCommunity) {
        return Err(AppError::Forbidden);
    }
    let v = NewForm {
        visibility: "open".into(),
        join_policy: "open".into(),
        ..Default::default()
    };
    let approval = approval_required(&state).await?;
    Ok(page(
        &ctx,
        &new_page(&state, &ctx, v, FieldErrors::default(), approval),
    ))
}

async fn new_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<NewForm>,
) -> AppResult<Response> {
    let user = signed_in!(ctx, "/c/new");
    ctx.verify_csrf(&f.csrf)?;
    let values = NewValues {
        name: f.name.clone(),
        slug: f.slug.clone(),
        description: f.description.replace("\r\n", "\n"),
        theme: f.theme.clone(),
        territory: f.territory.clone(),
        visibility: f.visibility.clone(),
        join_policy: f.join_policy.clone(),
        request_note: f.request_note.replace("\r\n", "\n"),
    };
    match op_create(&state, &user, &values).await {
        Ok(c) => {
            ctx.flash(if c.status == CommunityStatus::Pending {
                "flash-community-requested"
            } else {
                "flash-community-created"
            });
            Ok(ctx.redirect(&c.path()))
        }
        Err(AppError::Invalid { fields }) => {
            let errors = field_errors(ctx.lang, &fields);
            let approval = approval_required(&state).await?;
            Ok(invalid(&ctx, &new_page(&state, &ctx, f, errors, approval)))
        }
        Err(e) => Err(e),
    }
}

// ---- the community page ---------------------------------------------------------------------

pub struct FeedItem {
    pub path: String,
    pub title: String,
    pub kind: String,
    pub excerpt: String,
    pub author: Option<(String, String)>,
    pub activity: i64,
    pub replies: String,
    pub pinned: bool,
    pub tags: Vec<(String, String)>,
    pub site_name: Option<String>,
}

/// What the viewer can do about their membership, shown in the header.
pub struct ViewerAction {
    /// anon_join | anon_request | join | request | pending | member | banned | invitation | archived | none
    pub kind: &'static str,
    pub role: String,
    pub login: String,
}

#[derive(Template)]
#[template(path = "community_show.html")]
struct ShowPage {
    s: Shell,
    head: Head,
    slug: String,
    /// False: the viewer sees only the card of a private community (no
    /// feed, members, charter or welcome), with `description` whole.
    reader: bool,
    description: Vec<String>,
    action: ViewerAction,
    welcome: Option<(String, String)>,
    can_post: bool,
    feed: Vec<FeedItem>,
    prev: Option<String>,
    next: Option<String>,
    page: i64,
    message: String,
    errors: FieldErrors,
    /// Tools connected to the community, for its members only
    /// (`policy::Action::SeeCommunityTools`).
    tools: Vec<crate::oidc::clients::Client>,
}

fn viewer_action(ctx: &Ctx, l: &Loaded) -> ViewerAction {
    let viewer = ctx.user.as_ref();
    let c = &l.c;
    let kind = match (viewer, l.m) {
        (None, _) => match (c.status, c.join_policy) {
            (CommunityStatus::Archived, _) => "archived",
            (CommunityStatus::Active, JoinPolicy::Open) if c.visibility != Visibility::Private => {
                "anon_join"
            }
            (CommunityStatus::Active, JoinPolicy::Request) => "anon_request",
            (CommunityStatus::Active, _) => "invitation",
            _ => "none",
        },
        (Some(_), Some(m)) => match m.state {
            MemberState::Active => "member",
            MemberState::Requested => "pending",
            MemberState::Banned => "banned",
        },
        (Some(_), None) => {
            if l.join(viewer) {
                "join"
            } else if l.request(viewer) {
                "request"
            } else if c.status == CommunityStatus::Archived {
                "archived"
            } else if c.status == CommunityStatus::Active && c.join_policy == JoinPolicy::Invitation
            {
                "invitation"
            } else {
                "none"
            }
        }
    };
    ViewerAction {
        kind,
        role: l.role().map(|r| ctx.t(role_key(r))).unwrap_or_default(),
        login: login_link(&c.path()),
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_show(
    state: &AppState,
    ctx: &Ctx,
    l: &Loaded,
    welcome: Option<(String, String)>,
    page_no: i64,
    message: String,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let viewer = ctx.user.as_ref();
    let lang = ctx.lang;
    let base = l.c.path();
    if !l.view(viewer) {
        // The card of a private community: what it is and how to get in.
        let mut head = head(state, ctx, l, &base).await?;
        head.description = String::new();
        let p = ShowPage {
            s: shell(state, ctx, &l.c, None),
            slug: l.c.slug.clone(),
            head,
            reader: false,
            description: paragraphs(&l.c.description),
            action: viewer_action(ctx, l),
            welcome: None,
            can_post: false,
            feed: Vec::new(),
            prev: None,
            next: None,
            page: 1,
            message,
            errors,
            tools: Vec::new(),
        };
        return Ok(ctx.finish((status, html(&p))));
    }
    let (items, more) =
        publications::list_in_community(&state.db, viewer, &l.c, page_no - 1).await?;
    let feed = items
        .into_iter()
        .map(|p| FeedItem {
            path: p.path(),
            kind: lang
                .try_t(&format!("community-kind-{}", p.kind))
                .unwrap_or_else(|| p.kind.clone()),
            title: p.title,
            excerpt: p.excerpt,
            author: p.author_username.map(|u| {
                let name = p
                    .author_name
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| u.clone());
                (name, format!("/u/{}", crate::urls::encode_path(&u)))
            }),
            activity: p.last_activity_at,
            replies: lang.ta(
                "community-reply-count",
                &[("count", Arg::Num(p.reply_count))],
            ),
            pinned: p.pinned,
            tags: p
                .tags
                .into_iter()
                .map(|t| {
                    let href = format!("/tags/{}", encode(&t));
                    (t, href)
                })
                .collect(),
            site_name: p.site_name,
        })
        .collect();
    let p = ShowPage {
        s: shell(state, ctx, &l.c, None),
        slug: l.c.slug.clone(),
        head: head(state, ctx, l, &base).await?,
        reader: true,
        description: Vec::new(),
        action: viewer_action(ctx, l),
        welcome,
        can_post: l.post(viewer),
        feed,
        prev: (page_no > 1).then(|| {
            if page_no == 2 {
                base.clone()
            } else {
                format!("{base}?page={}", page_no - 1)
            }
        }),
        next: more.then(|| format!("{base}?page={}", page_no + 1)),
        page: page_no,
        message,
        errors,
        tools: super::oidc_admin::community_tools(state, viewer, &l.facts, l.m).await?,
    };
    Ok(ctx.finish((status, html(&p))))
}

fn markdown(text: &str) -> String {
    if text.trim().is_empty() {
        String::new()
    } else {
        crate::markdown::render(text).html
    }
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let viewer = ctx.user.as_ref();
    let c = communities::by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let mw = communities::membership_welcomed(&state.db, c.id, viewer).await?;
    let l = Loaded::new(c, mw.map(|(m, _)| m));
    // Outsiders of a private community see its card (render_show);
    // nothing at all when not even that is theirs to see.
    if !l.card(viewer) {
        return Err(AppError::NotFound);
    }
    // A newcomer sees the welcome message and the charter once.
    let mut welcome = None;
    if let (Some(u), Some((m, false))) = (viewer, mw)
        && m.state == MemberState::Active
        && communities::mark_welcomed(&state.db, l.c.id, u.id).await?
        && !(l.c.welcome.trim().is_empty() && l.c.charter.trim().is_empty())
    {
        welcome = Some((markdown(&l.c.welcome), markdown(&l.c.charter)));
    }
    render_show(
        &state,
        &ctx,
        &l,
        welcome,
        page_number(&q.page),
        String::new(),
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

// ---- about ----------------------------------------------------------------------------------

pub struct PersonRow {
    pub user_id: i64,
    pub name: String,
    pub username: String,
    pub path: String,
    pub avatar: Option<String>,
    pub role: &'static str,
    pub role_label: String,
    pub since: i64,
    pub message: String,
    pub can_change: bool,
    pub roles: Vec<Choice>,
    pub can_remove: bool,
}

fn person_row(lang: Lang, m: &communities::Member) -> PersonRow {
    PersonRow {
        user_id: m.user_id,
        name: if m.display_name.trim().is_empty() {
            m.username.clone()
        } else {
            m.display_name.clone()
        },
        username: m.username.clone(),
        path: format!("/u/{}", crate::urls::encode_path(&m.username)),
        avatar: m.avatar_id.map(|id| format!("/media/{id}")),
        role: m.role.as_str(),
        role_label: lang.t(role_key(m.role)),
        since: m.since,
        message: m.message.clone(),
        can_change: false,
        roles: Vec::new(),
        can_remove: false,
    }
}

#[derive(Template)]
#[template(path = "community_about.html")]
struct AboutPage {
    s: Shell,
    head: Head,
    description: Vec<String>,
    charter: String,
    welcome: String,
    created_at: i64,
    team: Vec<PersonRow>,
}

async fn about(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let viewer = ctx.user.as_ref();
    let l = load(&state, viewer, &slug).await?;
    let href = format!("{}/about", l.c.path());
    // The team: up to 50 members with a role, highest first.
    let (first, _) = communities::members_page(&state.db, l.c.id, MemberState::Active, 0).await?;
    let team = first
        .iter()
        .filter(|m| m.role > Role::Member)
        .map(|m| person_row(ctx.lang, m))
        .collect();
    let is_member = l.role().is_some() || l.manage(viewer);
    let p = AboutPage {
        s: shell(
            &state,
            &ctx,
            &l.c,
            Some(("community-tab-about", href.clone())),
        ),
        head: head(&state, &ctx, &l, &href).await?,
        description: paragraphs(&l.c.description),
        charter: markdown(&l.c.charter),
        welcome: if is_member {
            markdown(&l.c.welcome)
        } else {
            String::new()
        },
        created_at: l.c.created_at,
        team,
    };
    Ok(page(&ctx, &p))
}

// ---- joining, requests, leaving ----------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct JoinForm {
    csrf: String,
    code: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CodeQuery {
    code: String,
}

#[derive(Template)]
#[template(path = "community_join.html")]
struct JoinPage {
    s: Shell,
    name: String,
    path: String,
    description: Vec<String>,
    badges: Vec<(&'static str, String)>,
    members: String,
    code: String,
    /// anon | join | member | banned | archived
    kind: &'static str,
    /// Log in, or create an account, then come back to this invitation.
    login: String,
    signup: String,
}

fn invite_invalid(state: &AppState, ctx: &Ctx) -> Response {
    refusal(
        state,
        ctx,
        StatusCode::NOT_FOUND,
        "community-invite-invalid-title",
        "community-invite-invalid",
        (ctx.t("community-directory-title"), "/c".into()),
    )
}

/// Landing page of an invitation link: the community and a join button.
async fn join_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<CodeQuery>,
) -> AppResult<Response> {
    let Some(c) = invited_community(&state, &slug, q.code.trim()).await? else {
        return Ok(invite_invalid(&state, &ctx));
    };
    let viewer = ctx.user.as_ref();
    let m = communities::membership(&state.db, c.id, viewer).await?;
    let kind = match (viewer, m.map(|m| m.state), c.status) {
        (_, Some(MemberState::Banned), _) => "banned",
        (Some(_), Some(MemberState::Active), _) => "member",
        (_, _, CommunityStatus::Archived) => "archived",
        (None, _, _) => "anon",
        _ => "join",
    };
    let back = format!("{}/join?code={}", c.path(), encode(q.code.trim()));
    let title = ctx.t("community-invite-landing-title");
    let p = JoinPage {
        s: Shell::new(&state, &ctx, &title, "communities")
            .crumb(ctx.t("community-nav"), "/c")
            .crumb(c.name.clone(), back.clone()),
        name: c.name.clone(),
        path: c.path(),
        description: paragraphs(&c.description),
        badges: badges(ctx.lang, &c),
        members: ctx.lang.ta(
            "community-member-count",
            &[("count", Arg::Num(c.member_count))],
        ),
        code: q.code.trim().to_string(),
        kind,
        login: login_link(&back),
        signup: format!("/signup?next={}", encode(&back)),
    };
    Ok(page(&ctx, &p))
}

/// Join: with an invitation code (any community), or at once (open ones).
async fn join_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<JoinForm>,
) -> AppResult<Response> {
    let code = f.code.trim().to_string();
    let back = if code.is_empty() {
        format!("/c/{}", encode(&slug))
    } else {
        format!("/c/{}/join?code={}", encode(&slug), encode(&code))
    };
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    if !code.is_empty() {
        return match op_redeem(&state, &user, &slug, &code).await {
            Ok(c) => {
                ctx.flash("flash-community-joined");
                Ok(ctx.redirect(&c.path()))
            }
            Err(AppError::NotFound) => Ok(invite_invalid(&state, &ctx)),
            Err(AppError::Conflict { message_key, .. }) => Ok(refusal(
                &state,
                &ctx,
                StatusCode::CONFLICT,
                "community-refusal-title",
                message_key,
                (ctx.t("community-back"), back),
            )),
            Err(e) => Err(e),
        };
    }
    let l = load_card(&state, Some(&user), &slug).await?;
    let res = op_join(&state, &user, &l).await;
    after(&state, &mut ctx, res, "flash-community-joined", &l.c.path())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RequestForm {
    csrf: String,
    message: String,
}

async fn request_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<RequestForm>,
) -> AppResult<Response> {
    let user = signed_in!(ctx, &format!("/c/{}", encode(&slug)));
    ctx.verify_csrf(&f.csrf)?;
    // Asked from the card of a private community too.
    let l = load_card(&state, Some(&user), &slug).await?;
    let message = f.message.replace("\r\n", "\n");
    match op_request(&state, &user, &l, &message).await {
        Err(AppError::Invalid { fields }) => {
            let errors = field_errors(ctx.lang, &fields);
            render_show(
                &state,
                &ctx,
                &l,
                None,
                1,
                message,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        res => after(
            &state,
            &mut ctx,
            res,
            "flash-community-requested-join",
            &l.c.path(),
        ),
    }
}

async fn leave_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    let user = signed_in!(ctx, &format!("/c/{}", encode(&slug)));
    ctx.verify_csrf(&f.csrf)?;
    let c = communities::by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    // Withdrawing a request must work even where the requester cannot read.
    let m = communities::membership(&state.db, c.id, Some(&user)).await?;
    let l = Loaded::new(c, m);
    if m.is_none() && !l.card(Some(&user)) {
        return Err(AppError::NotFound);
    }
    let was_request = l.state() == Some(MemberState::Requested);
    let res = op_leave(&state, &user, &l).await;
    // Back to the community: its page, or its card once a private one is left.
    let to = l.c.path();
    match res {
        Err(AppError::Conflict { message_key, .. }) => Ok(refusal(
            &state,
            &ctx,
            StatusCode::CONFLICT,
            "community-refusal-title",
            message_key,
            (
                ctx.t("community-transfer-title"),
                format!("{}/settings", l.c.path()),
            ),
        )),
        res => after(
            &state,
            &mut ctx,
            res,
            if was_request {
                "flash-community-request-withdrawn"
            } else {
                "flash-community-left"
            },
            &to,
        ),
    }
}

// ---- managers: join requests ------------------------------------------------------------------

/// The community for a managers' page, or the right refusal: login for
/// anonymous visitors, 404 when unreadable, 403 when readable but not managed.
async fn load_managed(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
) -> AppResult<Result<Loaded, Response>> {
    let Some(user) = ctx.user.as_ref() else {
        // Without knowing who asks, say nothing about the community either way.
        return Ok(Err(ctx.redirect(&login_link(&ctx.path))));
    };
    let l = load(state, Some(user), slug).await?;
    if !l.manage(Some(user)) {
        return Err(AppError::Forbidden);
    }
    Ok(Ok(l))
}

macro_rules! managed {
    ($state:expr, $ctx:expr, $slug:expr) => {
        match load_managed(&$state, &$ctx, &$slug).await? {
            Ok(l) => l,
            Err(r) => return Ok(r),
        }
    };
}

#[derive(Template)]
#[template(path = "community_requests.html")]
struct RequestsPage {
    s: Shell,
    head: Head,
    rows: Vec<PersonRow>,
    reason_max: usize,
    open: bool,
    more: bool,
}

async fn requests_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let l = managed!(state, ctx, slug);
    let href = format!("{}/requests", l.c.path());
    let (list, more) =
        communities::members_page(&state.db, l.c.id, MemberState::Requested, 0).await?;
    let p = RequestsPage {
        s: shell(
            &state,
            &ctx,
            &l.c,
            Some(("community-tab-requests", href.clone())),
        ),
        head: head(&state, &ctx, &l, &href).await?,
        rows: list.iter().map(|m| person_row(ctx.lang, m)).collect(),
        reason_max: REASON_MAX,
        open: l.c.status == CommunityStatus::Active,
        more,
    };
    Ok(page(&ctx, &p))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReasonForm {
    csrf: String,
    reason: String,
}

async fn request_approve(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, user_id)): Path<(String, i64)>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    let back = format!("/c/{}/requests", encode(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let l = load(&state, Some(&user), &slug).await?;
    let res = op_decide(&state, &user, &l, user_id, true, "").await;
    after(
        &state,
        &mut ctx,
        res,
        "flash-community-request-approved",
        &back,
    )
}

async fn request_refuse(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, user_id)): Path<(String, i64)>,
    Form(f): Form<ReasonForm>,
) -> AppResult<Response> {
    let back = format!("/c/{}/requests", encode(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let l = load(&state, Some(&user), &slug).await?;
    // The form caps the reason; a longer one is cut rather than lost.
    let reason = accounts::truncate(f.reason.trim(), REASON_MAX);
    let res = op_decide(&state, &user, &l, user_id, false, &reason).await;
    after(
        &state,
        &mut ctx,
        res,
        "flash-community-request-refused",
        &back,
    )
}

// ---- members ------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "community_members.html")]
struct MembersPage {
    s: Shell,
    head: Head,
    banned: bool,
    manage: bool,
    sub_tabs: Vec<Tab>,
    rows: Vec<PersonRow>,
    prev: Option<String>,
    next: Option<String>,
    page: i64,
}

async fn members_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let viewer = ctx.user.as_ref();
    let l = load(&state, viewer, &slug).await?;
    let manage = l.manage(viewer);
    let banned = q.tab == "banned";
    if banned && !manage {
        return Err(if viewer.is_some() {
            AppError::Forbidden
        } else {
            AppError::NotFound
        });
    }
    let base = format!("{}/members", l.c.path());
    let page_no = page_number(&q.page);
    let state_shown = if banned {
        MemberState::Banned
    } else {
        MemberState::Active
    };
    let (list, more) =
        communities::members_page(&state.db, l.c.id, state_shown, page_no - 1).await?;
    let admin = viewer.is_some_and(is_admin);
    let my_role = l.role();
    let owners = list.iter().filter(|m| m.role == Role::Owner).count();
    let rows = list
        .iter()
        .map(|m| {
            let mut row = person_row(ctx.lang, m);
            let is_me = viewer.is_some_and(|u| u.id == m.user_id);
            if manage && !banned && !is_me {
                row.roles = ROLES
                    .iter()
                    .filter(|r| communities::may_set_role(admin, my_role, m.role, **r))
                    .map(|r| Choice {
                        value: r.as_str(),
                        label: ctx.t(role_key(*r)),
                        hint: String::new(),
                        checked: *r == m.role,
                    })
                    .collect();
                row.can_change = row.roles.len() > 1;
                row.can_remove = communities::may_remove(admin, my_role, m.role)
                    && !(m.role == Role::Owner && owners <= 1 && !more);
            }
            row
        })
        .collect();
    let link = |p: i64| {
        let mut params = Vec::new();
        if banned {
            params.push(("tab", "banned".to_string()));
        }
        if p > 1 {
            params.push(("page", p.to_string()));
        }
        let qs = serde_urlencoded::to_string(&params).unwrap_or_default();
        if qs.is_empty() {
            base.clone()
        } else {
            format!("{base}?{qs}")
        }
    };
    let current = if banned {
        format!("{base}?tab=banned")
    } else {
        base.clone()
    };
    let sub_tabs = if manage {
        vec![
            Tab {
                label: ctx.t("community-members-active"),
                href: base.clone(),
                current: !banned,
            },
            Tab {
                label: ctx.t("community-members-banned"),
                href: format!("{base}?tab=banned"),
                current: banned,
            },
        ]
    } else {
        Vec::new()
    };
    let p = MembersPage {
        s: shell(&state, &ctx, &l.c, Some(("community-tab-members", current))),
        head: head(&state, &ctx, &l, &base).await?,
        banned,
        manage,
        sub_tabs,
        rows,
        prev: (page_no > 1).then(|| link(page_no - 1)),
        next: more.then(|| link(page_no + 1)),
        page: page_no,
    };
    Ok(page(&ctx, &p))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RoleForm {
    csrf: String,
    role: String,
}

async fn member_role(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, user_id)): Path<(String, i64)>,
    Form(f): Form<RoleForm>,
) -> AppResult<Response> {
    let back = format!("/c/{}/members", encode(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let l = load(&state, Some(&user), &slug).await?;
    let role = Role::parse(&f.role).ok_or(AppError::BadRequest {
        code: "invalid_role",
        message_key: "community-error-invalid-role",
    })?;
    let res = op_set_role(&state, &user, &l, user_id, role).await;
    after(&state, &mut ctx, res, "flash-community-role-changed", &back)
}

async fn member_remove(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, user_id)): Path<(String, i64)>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    let back = format!("/c/{}/members", encode(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let l = load(&state, Some(&user), &slug).await?;
    let res = op_remove(&state, &user, &l, user_id).await;
    after(
        &state,
        &mut ctx,
        res,
        "flash-community-member-removed",
        &back,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TransferForm {
    csrf: String,
    user_id: String,
}

async fn transfer_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<TransferForm>,
) -> AppResult<Response> {
    let back = format!("/c/{}/settings", encode(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let l = load(&state, Some(&user), &slug).await?;
    let Ok(to) = f.user_id.trim().parse::<i64>() else {
        return Ok(refusal(
            &state,
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "community-refusal-title",
            "community-error-not-member",
            (ctx.t("community-back"), back),
        ));
    };
    let res = op_transfer(&state, &user, &l, to).await;
    after(
        &state,
        &mut ctx,
        res,
        "flash-community-transferred",
        &l.c.path(),
    )
}

async fn archive_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    let back = format!("/c/{}/settings", encode(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let l = load(&state, Some(&user), &slug).await?;
    let res = op_set_archived(&state, &user, &l, true).await;
    after(
        &state,
        &mut ctx,
        res,
        "flash-community-archived",
        &l.c.path(),
    )
}

async fn reopen_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    let back = format!("/c/{}/settings", encode(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let l = load(&state, Some(&user), &slug).await?;
    let res = op_set_archived(&state, &user, &l, false).await;
    after(
        &state,
        &mut ctx,
        res,
        "flash-community-reopened",
        &l.c.path(),
    )
}

// ---- settings -----------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct SettingsForm {
    csrf: String,
    name: String,
    description: String,
    charter: String,
    welcome: String,
    theme: String,
    territory: String,
    visibility: String,
    join_policy: String,
}

#[derive(Template)]
#[template(path = "community_settings.html")]
struct SettingsPage {
    s: Shell,
    head: Head,
    v: SettingsForm,
    errors: FieldErrors,
    themes: Vec<Choice>,
    regions: Vec<Choice>,
    visibilities: Vec<Choice>,
    join_policies: Vec<Choice>,
    status: &'static str,
    can_own: bool,
    candidates: Vec<(i64, String)>,
}

async fn settings_page_view(
    state: &AppState,
    ctx: &Ctx,
    l: &Loaded,
    v: SettingsForm,
    errors: FieldErrors,
) -> AppResult<SettingsPage> {
    let href = format!("{}/settings", l.c.path());
    let viewer = ctx.user.as_ref();
    let can_own = l.own(viewer);
    let candidates = if can_own {
        communities::members(&state.db, l.c.id, MemberState::Active, TRANSFER_CHOICES)
            .await?
            .into_iter()
            .filter(|m| m.role != Role::Owner && viewer.is_none_or(|u| u.id != m.user_id))
            .map(|m| {
                let name = if m.display_name.trim().is_empty() {
                    m.username.clone()
                } else {
                    format!("{} (@{})", m.display_name, m.username)
                };
                (m.user_id, name)
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(SettingsPage {
        s: shell(
            state,
            ctx,
            &l.c,
            Some(("community-tab-settings", href.clone())),
        ),
        head: head(state, ctx, l, &href).await?,
        themes: theme_choices(ctx.lang, &v.theme),
        regions: region_choices(&v.territory),
        visibilities: visibility_choices(ctx.lang, &v.visibility),
        join_policies: join_choices(ctx.lang, &v.join_policy),
        v,
        errors,
        status: l.c.status.as_str(),
        can_own,
        candidates,
    })
}

async fn settings_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let l = managed!(state, ctx, slug);
    let c = &l.c;
    let v = SettingsForm {
        csrf: String::new(),
        name: c.name.clone(),
        description: c.description.clone(),
        charter: c.charter.clone(),
        welcome: c.welcome.clone(),
        theme: c.theme.clone(),
        territory: c.territory.clone(),
        visibility: c.visibility.as_str().into(),
        join_policy: c.join_policy.as_str().into(),
    };
    let p = settings_page_view(&state, &ctx, &l, v, FieldErrors::default()).await?;
    Ok(page(&ctx, &p))
}

async fn settings_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<SettingsForm>,
) -> AppResult<Response> {
    let back = format!("/c/{}/settings", encode(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let l = load(&state, Some(&user), &slug).await?;
    let mut errs = Vec::new();
    let visibility = Visibility::parse(&f.visibility);
    if visibility.is_none() {
        errs.push(("visibility".to_string(), "field-invalid-choice".to_string()));
    }
    let join_policy = JoinPolicy::parse(&f.join_policy);
    if join_policy.is_none() {
        errs.push((
            "join_policy".to_string(),
            "field-invalid-choice".to_string(),
        ));
    }
    let s = CommunitySettings {
        name: f.name.clone(),
        description: f.description.replace("\r\n", "\n"),
        charter: f.charter.replace("\r\n", "\n"),
        welcome: f.welcome.replace("\r\n", "\n"),
        theme: f.theme.clone(),
        territory: f.territory.clone(),
        visibility: visibility.unwrap_or(l.c.visibility),
        join_policy: join_policy.unwrap_or(l.c.join_policy),
    };
    let res = if errs.is_empty() {
        op_update_settings(&state, &user, &l, &s).await
    } else {
        Err(AppError::Invalid { fields: errs })
    };
    match res {
        Ok(()) => {
            ctx.flash("flash-community-settings-saved");
            Ok(ctx.redirect(&back))
        }
        Err(AppError::Invalid { fields }) => {
            if !l.manage(Some(&user)) {
                return Err(AppError::Forbidden);
            }
            let errors = field_errors(ctx.lang, &fields);
            let p = settings_page_view(&state, &ctx, &l, f, errors).await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

// ---- invitations ----------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct InviteForm {
    csrf: String,
    email: String,
    days: String,
    max_uses: String,
}

pub struct InviteRow {
    pub id: i64,
    pub email: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub uses: String,
    pub active: bool,
    pub state_class: &'static str,
    pub state_label: String,
}

#[derive(Template)]
#[template(path = "community_invitations.html")]
struct InvitationsPage {
    s: Shell,
    head: Head,
    v: InviteForm,
    errors: FieldErrors,
    created: Option<(String, String)>,
    rows: Vec<InviteRow>,
    open: bool,
}

/// (state, css class, label key) of an invitation now.
pub fn invite_state(
    i: &communities::Invite,
    now: i64,
) -> (&'static str, &'static str, &'static str) {
    if i.revoked_at.is_some() {
        ("revoked", "badge", "community-invite-state-revoked")
    } else if i.max_uses.is_some_and(|m| i.uses >= m) {
        ("used", "badge badge-ok", "community-invite-state-used")
    } else if i.expires_at <= now {
        ("expired", "badge", "community-invite-state-expired")
    } else {
        (
            "active",
            "badge badge-warn",
            "community-invite-state-active",
        )
    }
}

async fn invitations_view(
    state: &AppState,
    ctx: &Ctx,
    l: &Loaded,
    v: InviteForm,
    errors: FieldErrors,
    created: Option<(String, String)>,
) -> AppResult<InvitationsPage> {
    let href = format!("{}/invitations", l.c.path());
    let t = crate::db::now();
    let rows = communities::list_invites(&state.db, l.c.id)
        .await?
        .iter()
        .map(|i| {
            let (st, class, key) = invite_state(i, t);
            InviteRow {
                id: i.id,
                email: i.email.clone(),
                created_at: i.created_at,
                expires_at: i.expires_at,
                uses: match i.max_uses {
                    Some(m) => format!("{} / {m}", i.uses),
                    None => i.uses.to_string(),
                },
                active: st == "active",
                state_class: class,
                state_label: ctx.t(key),
            }
        })
        .collect();
    Ok(InvitationsPage {
        s: shell(
            state,
            ctx,
            &l.c,
            Some(("community-tab-invitations", href.clone())),
        ),
        head: head(state, ctx, l, &href).await?,
        v,
        errors,
        created,
        rows,
        open: l.c.status == CommunityStatus::Active,
    })
}

fn default_invite_form() -> InviteForm {
    InviteForm {
        days: communities::INVITE_DAYS_DEFAULT.to_string(),
        ..Default::default()
    }
}

async fn invitations_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let l = managed!(state, ctx, slug);
    let p = invitations_view(
        &state,
        &ctx,
        &l,
        default_invite_form(),
        FieldErrors::default(),
        None,
    )
    .await?;
    Ok(page(&ctx, &p))
}

async fn invitation_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<InviteForm>,
) -> AppResult<Response> {
    let back = format!("/c/{}/invitations", encode(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let l = load(&state, Some(&user), &slug).await?;
    let mut errs = Vec::new();
    let days = match f.days.trim() {
        "" => None,
        d => match d.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errs.push((
                    "days".to_string(),
                    "community-invite-days-invalid".to_string(),
                ));
                None
            }
        },
    };
    let max_uses = match f.max_uses.trim() {
        "" => None,
        d => match d.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errs.push((
                    "max_uses".to_string(),
                    "community-invite-uses-invalid".to_string(),
                ));
                None
            }
        },
    };
    let res = if errs.is_empty() {
        op_create_invite(&state, &user, &l, &f.email, days, max_uses).await
    } else {
        Err(AppError::Invalid { fields: errs })
    };
    match res {
        Ok((_, link)) => {
            let created = Some((link, f.email.trim().to_string()));
            let p = invitations_view(
                &state,
                &ctx,
                &l,
                default_invite_form(),
                FieldErrors::default(),
                created,
            )
            .await?;
            Ok(page(&ctx, &p))
        }
        Err(AppError::Invalid { fields }) => {
            if !l.manage(Some(&user)) {
                return Err(AppError::Forbidden);
            }
            let errors = field_errors(ctx.lang, &fields);
            let p = invitations_view(&state, &ctx, &l, f, errors, None).await?;
            Ok(invalid(&ctx, &p))
        }
        Err(AppError::TooManyRequests { retry_after }) => {
            // Keep the address typed; say when sending works again.
            let mut errors = FieldErrors::default();
            errors.add_text(
                "email",
                super::publications::limited_message(
                    ctx.lang,
                    "rate-limited-invitations",
                    retry_after,
                ),
            );
            let p = invitations_view(&state, &ctx, &l, f, errors, None).await?;
            Ok(super::templates::too_many(&ctx, retry_after, &p))
        }
        Err(AppError::Conflict { message_key, .. }) => Ok(refusal(
            &state,
            &ctx,
            StatusCode::CONFLICT,
            "community-refusal-title",
            message_key,
            (ctx.t("community-back"), back),
        )),
        Err(e) => Err(e),
    }
}

async fn invitation_revoke(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    let back = format!("/c/{}/invitations", encode(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let l = load(&state, Some(&user), &slug).await?;
    op_revoke_invite(&state, &user, &l, id).await?;
    ctx.flash("flash-community-invite-revoked");
    Ok(ctx.redirect(&back))
}

// ---- administrators: approval of new communities -------------------------------------------------

pub struct PendingRow {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub note: String,
    pub badges: Vec<(&'static str, String)>,
    pub theme: Option<String>,
    pub territory: Option<&'static str>,
    pub creator: Option<(String, String)>,
    pub created_at: i64,
}

#[derive(Template)]
#[template(path = "community_admin.html")]
struct AdminPage {
    s: Shell,
    nav: Vec<super::admin::NavItem>,
    approval: bool,
    rows: Vec<PendingRow>,
    reason_max: usize,
}

/// An administrator, or the login form / 403.
fn admin_gate(ctx: &Ctx) -> AppResult<Result<User, Response>> {
    let Some(u) = ctx.user.as_ref() else {
        return Ok(Err(ctx.redirect(&login_link("/admin/communities"))));
    };
    if !policy::can(Some(u), Action::ApproveCommunities) {
        return Err(AppError::Forbidden);
    }
    Ok(Ok(u.clone()))
}

macro_rules! admin_only {
    ($ctx:expr) => {
        match admin_gate(&$ctx)? {
            Ok(u) => u,
            Err(r) => return Ok(r),
        }
    };
}

async fn admin_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    admin_only!(ctx);
    let list = communities::pending(&state.db, 200).await?;
    let mut rows = Vec::with_capacity(list.len());
    for c in &list {
        let creator = match c.created_by {
            Some(id) => accounts::by_id(&state.db, id)
                .await?
                .map(|u| (u.shown_name().to_string(), u.path())),
            None => None,
        };
        rows.push(PendingRow {
            id: c.id,
            name: c.name.clone(),
            slug: c.slug.clone(),
            description: c.description.clone(),
            note: c.request_note.clone(),
            badges: badges(ctx.lang, c),
            theme: theme_label(ctx.lang, &c.theme),
            territory: communities::region_name(&c.territory),
            creator,
            created_at: c.created_at,
        });
    }
    let title = ctx.t("community-admin-nav");
    let p = AdminPage {
        s: Shell::new(&state, &ctx, &title, "admin")
            .crumb(ctx.t("admin-title"), "/admin")
            .crumb(title.clone(), "/admin/communities"),
        nav: super::admin::admin_nav(ctx.lang, "/admin/communities"),
        approval: approval_required(&state).await?,
        rows,
        reason_max: REASON_MAX,
    };
    Ok(page(&ctx, &p))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ApprovalForm {
    csrf: String,
    approval: String,
}

async fn admin_settings(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<ApprovalForm>,
) -> AppResult<Response> {
    let me = admin_only!(ctx);
    ctx.verify_csrf(&f.csrf)?;
    let on = !f.approval.is_empty();
    settings::set_raw(&state.db, APPROVAL_SETTING, if on { "1" } else { "0" }).await?;
    accounts::audit(
        &state.db,
        Some(me.id),
        "community_approval_changed",
        None,
        if on { "on" } else { "off" },
    )
    .await?;
    ctx.flash("flash-community-approval-saved");
    Ok(ctx.redirect("/admin/communities"))
}

async fn admin_decide(
    state: &AppState,
    ctx: &mut Ctx,
    me: &User,
    id: i64,
    approve: bool,
    reason: &str,
) -> AppResult<Response> {
    let c = communities::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let reason = accounts::truncate(reason.trim(), REASON_MAX);
    let res = op_decide_community(state, me, &c, approve, &reason).await;
    after(
        state,
        ctx,
        res,
        if approve {
            "flash-community-approved"
        } else {
            "flash-community-refused"
        },
        "/admin/communities",
    )
}

async fn admin_approve(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    let me = admin_only!(ctx);
    ctx.verify_csrf(&f.csrf)?;
    admin_decide(&state, &mut ctx, &me, id, true, "").await
}

async fn admin_refuse(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> AppResult<Response> {
    let me = admin_only!(ctx);
    ctx.verify_csrf(&f.csrf)?;
    admin_decide(&state, &mut ctx, &me, id, false, &f.reason).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_choice_and_label_is_translated() {
        for lang in Lang::ALL {
            for code in communities::THEMES {
                assert!(lang.has(&format!("community-theme-{code}")), "{code}");
            }
            for v in [Visibility::Open, Visibility::Private, Visibility::Unlisted] {
                assert!(
                    lang.has(visibility_key(v)) && lang.has(&format!("{}-hint", visibility_key(v)))
                );
            }
            for j in [
                JoinPolicy::Open,
                JoinPolicy::Request,
                JoinPolicy::Invitation,
            ] {
                assert!(lang.has(join_key(j)) && lang.has(&format!("{}-hint", join_key(j))));
            }
            for r in ROLES {
                assert!(lang.has(role_key(r)));
            }
            for k in [
                "community-slug-invalid",
                "community-slug-taken",
                "community-private-open",
                "community-admin-nav",
            ] {
                assert!(lang.has(k), "{k}");
            }
            for kind in [
                "community-invite",
                "community-approved",
                "community-refused",
            ] {
                assert!(
                    lang.has(&format!("mail-{kind}-subject"))
                        && lang.has(&format!("mail-{kind}-body")),
                    "{kind}"
                );
            }
        }
    }

    #[test]
    fn directory_links_keep_filters() {
        let q = DirectoryQuery {
            q: "a b".into(),
            theme: "culture".into(),
            mine: "1".into(),
            ..Default::default()
        };
        assert_eq!(
            directory_link(&q, 2),
            "/c?q=a+b&theme=culture&mine=1&page=2"
        );
        assert_eq!(directory_link(&DirectoryQuery::default(), 1), "/c");
    }

    #[test]
    fn excerpts_cut_on_words() {
        assert_eq!(excerpt("un  deux\ntrois", 100), "un deux trois");
        assert_eq!(excerpt("alpha beta gamma delta", 12), "alpha beta…");
    }
}
