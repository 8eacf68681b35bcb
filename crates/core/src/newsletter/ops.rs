//! The newsletter's operations, one per state change: lists, editors,
//! subscriptions (member, address with double opt-in, confirmation,
//! one-click unsubscribe), issues and their items, test send, send.

use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Access, List, compose};
use crate::accounts::{self, User, ops::audit_in};
use crate::actor::Actor;
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::i18n::{Arg, Lang};
use crate::policy::Action;
use crate::state::AppState;

/// A confirmation link lives a week.
pub const CONFIRM_TTL: i64 = 7 * 86400;
/// A pending address is sent a new confirmation at most every 10 minutes.
const RESEND_AFTER: i64 = 600;

fn invalid(fields: Vec<(&str, &str)>) -> AppError {
    AppError::Invalid {
        fields: fields
            .into_iter()
            .map(|(f, k)| (f.to_string(), k.to_string()))
            .collect(),
    }
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// How a confirmation token is stored (its SHA-256, hex).
pub(crate) fn token_hash(token: &str) -> String {
    hash(token)
}

// ---- lists -------------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct ListValues {
    pub name: String,
    pub slug: String,
    pub description: String,
    pub rhythm: String,
    /// One per line.
    pub categories: String,
    /// An IANA zone among `events::time::ZONES`; empty: America/Toronto.
    pub time_zone: String,
}

/// Whom a new list belongs to (by slug).
#[derive(Debug, Clone, Copy)]
pub enum Owner<'a> {
    Instance,
    Community(&'a str),
    Territory(&'a str),
    Organisation(&'a str),
}

fn valid_slug(s: &str) -> bool {
    (2..=60).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !matches!(s, "new" | "confirm" | "unsubscribe")
}

/// The checked values: (name, description, rhythm, categories, zone).
fn checked(v: &ListValues) -> AppResult<(String, String, String, String, String)> {
    let mut errors = Vec::new();
    let name = v.name.trim();
    if name.is_empty() || name.chars().count() > super::NAME_MAX {
        errors.push(("name", "newsletter-error-name"));
    }
    if v.description.chars().count() > super::DESCRIPTION_MAX {
        errors.push(("description", "newsletter-error-description"));
    }
    if v.rhythm.chars().count() > super::NAME_MAX {
        errors.push(("rhythm", "newsletter-error-rhythm"));
    }
    let categories: Vec<&str> = v
        .categories
        .lines()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    if categories.len() > 20 || categories.iter().any(|c| c.chars().count() > 80) {
        errors.push(("categories", "newsletter-error-categories"));
    }
    let zone = match v.time_zone.trim() {
        "" => crate::events::time::DEFAULT_TZ,
        z => z,
    };
    if crate::events::time::zone(zone).is_none() {
        errors.push(("time_zone", "newsletter-error-time-zone"));
    }
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    Ok((
        name.to_string(),
        v.description.trim().to_string(),
        v.rhythm.trim().to_string(),
        categories.join("\n"),
        zone.to_string(),
    ))
}

/// The owner's columns (community, territory, organisation) once the actor
/// may create a list there: the instance's (administrators), a community's
/// (whoever manages it), a territory's (`ManageTerritory`), an
/// organisation's (its admins: `EditOrganisation`).
async fn owner_ids(
    state: &AppState,
    actor: &Actor,
    owner: Owner<'_>,
) -> AppResult<(Option<i64>, Option<i64>, Option<i64>)> {
    let allowed_ids = match owner {
        Owner::Instance => actor.may(Action::Administer).then_some((None, None, None)),
        Owner::Community(slug) => {
            let l = crate::communities::access::load(state, actor.user(), slug).await?;
            actor
                .may(Action::ManageCommunity {
                    c: &l.facts,
                    m: l.m,
                })
                .then_some((Some(l.c.id), None, None))
        }
        Owner::Territory(slug) => {
            let t = crate::territories::by_slug(&state.db, slug)
                .await?
                .ok_or(AppError::NotFound)?;
            actor
                .may(Action::ManageTerritory)
                .then_some((None, Some(t.id), None))
        }
        Owner::Organisation(slug) => {
            let l = crate::organisations::ops::load_for(state, actor, slug).await?;
            actor
                .may(Action::EditOrganisation {
                    o: &l.facts,
                    m: l.role,
                })
                .then_some((None, None, Some(l.o.id)))
        }
    };
    allowed_ids.ok_or(AppError::Forbidden)
}

/// Create a list for the instance, a community, a territory or an
/// organisation (see [`owner_ids`] for who may).
pub async fn create_list(
    state: &AppState,
    actor: &Actor,
    owner: Owner<'_>,
    v: &ListValues,
) -> AppResult<List> {
    let (community_id, territory_id, organisation_id) = owner_ids(state, actor, owner).await?;
    let slug = v.slug.trim().to_lowercase();
    let values = checked(v);
    let (name, description, rhythm, categories, zone) = match (values, valid_slug(&slug)) {
        (Ok(c), true) => c,
        (Ok(_), false) => return Err(invalid(vec![("slug", "newsletter-error-slug")])),
        (Err(AppError::Invalid { mut fields }), ok) => {
            if !ok {
                fields.insert(0, ("slug".into(), "newsletter-error-slug".into()));
            }
            return Err(AppError::Invalid { fields });
        }
        (Err(e), _) => return Err(e),
    };
    let secret = hex::encode(rand::random::<[u8; 32]>());
    let mut tx = state.db.begin().await?;
    let r = sqlx::query(
        "INSERT INTO newsletter_lists (community_id, territory_id, organisation_id, slug, name, description, rhythm, \
         categories, time_zone, secret, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(community_id)
    .bind(territory_id)
    .bind(organisation_id)
    .bind(&slug)
    .bind(&name)
    .bind(&description)
    .bind(&rhythm)
    .bind(&categories)
    .bind(&zone)
    .bind(&secret)
    .bind(actor.audit_id())
    .bind(now())
    .fetch_one(&mut *tx)
    .await;
    let id: i64 = match r {
        Ok(row) => row.try_get("id")?,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(invalid(vec![("slug", "newsletter-error-slug-taken")]));
        }
        Err(e) => return Err(e.into()),
    };
    audit_in(&mut tx, actor, "newsletter_created", None, &slug).await?;
    tx.commit().await?;
    super::by_id(&state.db, id).await?.ok_or(AppError::NotFound)
}

/// Change a list's name, description, rhythm, categories and time zone
/// (its slug stays: links and `List-Id` use it). Editors too.
pub async fn update_list(
    state: &AppState,
    actor: &Actor,
    a: &Access,
    v: &ListValues,
) -> AppResult<()> {
    if !a.edit {
        return Err(AppError::Forbidden);
    }
    let (name, description, rhythm, categories, zone) = checked(v)?;
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "UPDATE newsletter_lists SET name = $1, description = $2, rhythm = $3, categories = $4, time_zone = $5 \
         WHERE id = $6",
    )
    .bind(&name)
    .bind(&description)
    .bind(&rhythm)
    .bind(&categories)
    .bind(&zone)
    .bind(a.list.id)
    .execute(&mut *tx)
    .await?;
    audit_in(&mut tx, actor, "newsletter_updated", None, &a.list.slug).await?;
    tx.commit().await?;
    Ok(())
}

/// Name an editor of a list (whoever may create the list there).
pub async fn add_editor(
    state: &AppState,
    actor: &Actor,
    a: &Access,
    username: &str,
) -> AppResult<()> {
    if !a.manages {
        return Err(AppError::Forbidden);
    }
    let Some(u) = accounts::by_username(&state.db, username.trim()).await? else {
        return Err(invalid(vec![("username", "newsletter-error-editor")]));
    };
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO newsletter_editors (list_id, user_id, added_at) VALUES ($1, $2, $3) \
         ON CONFLICT (list_id, user_id) DO NOTHING",
    )
    .bind(a.list.id)
    .bind(u.id)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    audit_in(
        &mut tx,
        actor,
        "newsletter_editor_added",
        Some(u.id),
        &a.list.slug,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- subscriptions -------------------------------------------------------------------------

/// A plausible address: one `@`, no spaces or controls, a dot in the
/// domain, at most 254 bytes, and lettre's parser agrees.
pub fn valid_email(e: &str) -> bool {
    e.len() <= 254
        && !e
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        && e.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty()
                && d.contains('.')
                && !d.starts_with('.')
                && !d.ends_with('.')
                && !d.contains('@')
        })
        && e.parse::<lettre::Address>().is_ok()
}

/// Someone without an account subscribes with an address (lists with a
/// public audience only). Double opt-in: the address gets a confirmation
/// link; nothing is sent to it until it is followed. The wording agreed to
/// is recorded with the source. An address already active, or sent a
/// link in the last minutes, is not written to again (the answer is the
/// same, so the form tells nobody who subscribes).
pub async fn subscribe_email(
    state: &AppState,
    a: &Access,
    email: &str,
    consent: bool,
    wording: &str,
    lang: Lang,
) -> AppResult<()> {
    if !a.public_audience() {
        return Err(AppError::Forbidden);
    }
    let email = email.trim().to_lowercase();
    let mut errors = Vec::new();
    if !valid_email(&email) {
        errors.push(("email", "newsletter-error-email"));
    }
    if !consent {
        errors.push(("consent", "newsletter-error-consent"));
    }
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let token = hex::encode(rand::random::<[u8; 32]>());
    let t = now();
    let written = sqlx::query(
        "INSERT INTO newsletter_subscribers (list_id, email, status, lang, confirm_hash, confirm_expires_at, \
         consent_source, consent_wording, created_at) VALUES ($1, $2, 'pending', $3, $4, $5, 'form', $6, $7) \
         ON CONFLICT (list_id, email) DO UPDATE SET status = 'pending', lang = $3, confirm_hash = $4, \
         confirm_expires_at = $5, consent_source = 'form', consent_wording = $6 \
         WHERE newsletter_subscribers.status = 'unsubscribed' OR (newsletter_subscribers.status = 'pending' \
         AND (newsletter_subscribers.confirm_expires_at IS NULL OR newsletter_subscribers.confirm_expires_at < $8))",
    )
    .bind(a.list.id)
    .bind(&email)
    .bind(lang.code())
    .bind(hash(&token))
    .bind(t + CONFIRM_TTL)
    .bind(wording)
    .bind(t)
    .bind(t + CONFIRM_TTL - RESEND_AFTER)
    .execute(&state.db.pool)
    .await?
    .rows_affected();
    if written == 0 {
        return Ok(());
    }
    let link = state.url(&crate::urls::newsletter_confirm(&token));
    crate::emails::send(
        state,
        &email,
        lang,
        "newsletter-confirm",
        &[
            ("name", Arg::Str(a.list.name.clone())),
            ("link", Arg::Str(link)),
        ],
    )
    .await?;
    Ok(())
}

/// Follow a confirmation link: the subscription becomes active and the
/// consent is dated. `NotFound` for an unknown, used or expired link.
pub async fn confirm(state: &AppState, token: &str) -> AppResult<List> {
    let t = now();
    let row = sqlx::query(
        "UPDATE newsletter_subscribers SET status = 'active', consent_at = $2, confirm_hash = NULL \
         WHERE confirm_hash = $1 AND status = 'pending' AND confirm_expires_at >= $2 RETURNING list_id",
    )
    .bind(hash(token.trim()))
    .bind(t)
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let list_id: i64 = row.try_get("list_id")?;
    super::by_id(&state.db, list_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A member subscribes from the list's page with their account's address.
pub async fn subscribe_member(
    state: &AppState,
    actor: &Actor,
    a: &Access,
    wording: &str,
) -> AppResult<()> {
    let u = actor.user().ok_or(AppError::Unauthorized)?;
    let email = u
        .email
        .as_deref()
        .filter(|_| u.email_verified)
        .ok_or(AppError::Conflict {
            code: "no_verified_email",
            message_key: "newsletter-error-no-email",
        })?
        .to_lowercase();
    let t = now();
    sqlx::query(
        "INSERT INTO newsletter_subscribers (list_id, email, user_id, status, lang, consent_at, consent_source, \
         consent_wording, created_at) VALUES ($1, $2, $3, 'active', $4, $5, 'member', $6, $5) \
         ON CONFLICT (list_id, email) DO UPDATE SET status = 'active', user_id = $3, consent_at = $5, \
         consent_source = 'member', consent_wording = $6, confirm_hash = NULL, unsubscribed_at = NULL",
    )
    .bind(a.list.id)
    .bind(&email)
    .bind(u.id)
    .bind(Lang::from_code(&u.locale).unwrap_or_default().code())
    .bind(t)
    .bind(wording)
    .execute(&state.db.pool)
    .await?;
    Ok(())
}

/// Whether the person's address is an active subscriber of the list.
pub async fn member_subscribed(state: &AppState, list: &List, u: &User) -> AppResult<Option<i64>> {
    let Some(email) = u.email.as_deref() else {
        return Ok(None);
    };
    Ok(sqlx::query_scalar(
        "SELECT id FROM newsletter_subscribers WHERE list_id = $1 AND email = $2 AND status = 'active'",
    )
    .bind(list.id)
    .bind(email.to_lowercase())
    .fetch_optional(&state.db.pool)
    .await?)
}

/// Unsubscribe with a signed token (the e-mail's one-click link, RFC
/// 8058, or the member's button). `NotFound` for a forged token.
pub async fn unsubscribe(state: &AppState, token: &str) -> AppResult<List> {
    let mut parts = token.trim().splitn(3, '.');
    let (Some(l), Some(s), Some(mac)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(AppError::NotFound);
    };
    let (Ok(list_id), Ok(subscriber_id)) = (l.parse::<i64>(), s.parse::<i64>()) else {
        return Err(AppError::NotFound);
    };
    let list = super::by_id(&state.db, list_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !list.verify(subscriber_id, mac) {
        return Err(AppError::NotFound);
    }
    sqlx::query(
        "UPDATE newsletter_subscribers SET status = 'unsubscribed', unsubscribed_at = $3, confirm_hash = NULL \
         WHERE id = $1 AND list_id = $2 AND status <> 'unsubscribed'",
    )
    .bind(subscriber_id)
    .bind(list.id)
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    Ok(list)
}

/// Counts by status, for the editors' page.
pub async fn subscriber_counts(state: &AppState, list: &List) -> AppResult<(i64, i64, i64)> {
    let rows = sqlx::query(
        "SELECT status, COUNT(*) AS n FROM newsletter_subscribers WHERE list_id = $1 GROUP BY status",
    )
    .bind(list.id)
    .fetch_all(&state.db.pool)
    .await?;
    let (mut active, mut pending, mut gone) = (0, 0, 0);
    for r in rows {
        let n: i64 = r.try_get("n")?;
        match r.try_get::<String, _>("status")?.as_str() {
            "active" => active = n,
            "pending" => pending = n,
            _ => gone = n,
        }
    }
    Ok((active, pending, gone))
}

// ---- issues ------------------------------------------------------------------------------

pub use super::compose::{Issue, Item, issue, issues, items};

fn may_edit(a: &Access) -> AppResult<()> {
    if a.edit {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A new draft issue.
pub async fn create_issue(
    state: &AppState,
    actor: &Actor,
    a: &Access,
    subject: &str,
    intro: &str,
) -> AppResult<i64> {
    may_edit(a)?;
    let subject = subject.trim();
    let mut errors = Vec::new();
    if subject.is_empty() || subject.chars().count() > super::SUBJECT_MAX {
        errors.push(("subject", "newsletter-error-subject"));
    }
    if intro.chars().count() > super::INTRO_MAX {
        errors.push(("intro", "newsletter-error-intro"));
    }
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let row = sqlx::query(
        "INSERT INTO newsletter_issues (list_id, subject, intro, status, created_by, created_at) \
         VALUES ($1, $2, $3, 'draft', $4, $5) RETURNING id",
    )
    .bind(a.list.id)
    .bind(subject)
    .bind(intro.trim())
    .bind(actor.audit_id())
    .bind(now())
    .fetch_one(&state.db.pool)
    .await?;
    Ok(row.try_get("id")?)
}

/// The publication an editor names: its id, or its address (`…/p/{id}`).
pub fn publication_ref(reference: &str) -> Option<i64> {
    let r = reference.trim();
    if let Ok(id) = r.parse::<i64>() {
        return Some(id);
    }
    let after = r.split("/p/").nth(1)?;
    after
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

pub use super::items::{ItemText, add as add_item, edit as edit_item, remove as remove_item};

/// Send the draft to oneself, as subscribers will get it.
pub async fn test_send(
    state: &AppState,
    actor: &Actor,
    a: &Access,
    issue_id: i64,
) -> AppResult<()> {
    may_edit(a)?;
    let u = actor.user().ok_or(AppError::Unauthorized)?;
    let email = u.email.clone().ok_or(AppError::Conflict {
        code: "no_verified_email",
        message_key: "newsletter-error-no-email",
    })?;
    let is = issue(&state.db, a.list.id, issue_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let its = items(&state.db, issue_id).await?;
    let lang = Lang::from_code(&u.locale).unwrap_or_default();
    let r = compose::render(&compose::Site::of(state), lang, &a.list, &is, &its, None);
    state
        .send_mail(
            &email,
            lang,
            format!("[{}] {}", lang.t("newsletter-test-prefix"), r.subject),
            r.text,
            Some(r.html),
        )
        .await?;
    Ok(())
}

/// Send a draft (or a scheduled issue, now) to every active subscriber
/// who may read the list, through the job queue (`super::schedule::start`).
pub async fn send(state: &AppState, actor: &Actor, a: &Access, issue_id: i64) -> AppResult<i64> {
    may_edit(a)?;
    let site = compose::Site::of(state);
    let n = super::schedule::start(&state.db, &site, actor, a, issue_id, None).await?;
    state.jobs.wake();
    Ok(n)
}

/// Schedule a draft for `at` (Unix seconds, in the future).
pub async fn schedule(
    state: &AppState,
    actor: &Actor,
    a: &Access,
    issue_id: i64,
    at: i64,
) -> AppResult<()> {
    may_edit(a)?;
    let site = compose::Site::of(state);
    super::schedule::schedule(&state.db, &site, actor, a, issue_id, at).await
}

/// Cancel a schedule before the send starts.
pub async fn unschedule(
    state: &AppState,
    actor: &Actor,
    a: &Access,
    issue_id: i64,
) -> AppResult<()> {
    may_edit(a)?;
    super::schedule::cancel(&state.db, actor, a, issue_id).await
}
