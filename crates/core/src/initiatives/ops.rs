//! Operations on initiatives: a member proposes one (it waits, seen by its
//! proposer and the moderators), the proposer edits it while it waits, a
//! moderator validates or refuses it (with a reason). Each in one
//! transaction with an audit entry.

use super::{Checked, Initiative, Values};
use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::policy::{Action, InitiativeStatus};
use crate::state::AppState;

pub const REASON_MAX: usize = 1000;

fn invalid(errs: Vec<(&'static str, &'static str)>) -> AppError {
    AppError::Invalid {
        fields: errs
            .into_iter()
            .map(|(f, k)| (f.to_string(), k.to_string()))
            .collect(),
    }
}

/// The initiative at `key` as the actor may see it (`NotFound` otherwise).
pub async fn load_for(state: &AppState, actor: &Actor, key: &str) -> AppResult<Initiative> {
    let i = super::by_key(&state.db, key)
        .await?
        .ok_or(AppError::NotFound)?;
    if !actor.may(Action::ViewInitiative { i: &i.facts() }) {
        return Err(AppError::NotFound);
    }
    Ok(i)
}

async fn reload(state: &AppState, id: i64) -> AppResult<Initiative> {
    super::by_key(&state.db, &id.to_string())
        .await?
        .ok_or(AppError::NotFound)
}

/// Propose an initiative (a person's act). It waits for a moderator.
pub async fn propose(state: &AppState, actor: &Actor, v: &Values) -> AppResult<Initiative> {
    let u = actor.user().ok_or(AppError::Forbidden)?;
    if !actor.may(Action::ProposeInitiative) {
        return Err(AppError::Forbidden);
    }
    let c = super::check(state, actor, v, None)
        .await?
        .map_err(invalid)?;
    if let Err(retry_after) = crate::ratelimit::hit(
        &state.db,
        &format!("initiative-propose:{}", u.id),
        crate::ratelimit::Limit {
            max: 30,
            window_secs: 86400,
        },
    )
    .await?
    {
        return Err(AppError::TooManyRequests { retry_after });
    }
    let mut tx = state.db.begin().await?;
    let id = match insert_in(&mut tx, &c, "proposed", Some(u.id), None, "").await {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(invalid(vec![("slug", "org-slug-taken")]));
        }
        Err(e) => return Err(e.into()),
    };
    audit_in(&mut tx, actor, "initiative_proposed", None, &c.slug).await?;
    tx.commit().await?;
    reload(state, id).await
}

/// Write a new initiative in a transaction (shared with the import).
pub async fn insert_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    c: &Checked,
    status: &str,
    proposed_by: Option<i64>,
    external_ref: Option<&str>,
    source: &str,
) -> Result<i64, sqlx::Error> {
    let t = now();
    sqlx::query_scalar(
        "INSERT INTO initiatives (slug, name, description, description_html, category, organisation_id, territory_id, \
         contact, website, address, lat, lon, point_source, opening_hours, status, proposed_by, external_ref, source, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CAST($11 AS DOUBLE PRECISION), CAST($12 AS DOUBLE PRECISION), $13, $14, $15, $16, $17, $18, $19, $19) \
         RETURNING id",
    )
    .bind(&c.slug)
    .bind(&c.name)
    .bind(&c.description)
    .bind(&c.description_html)
    .bind(&c.category)
    .bind(c.organisation_id)
    .bind(c.territory_id)
    .bind(&c.contact)
    .bind(&c.website)
    .bind(&c.address)
    .bind(crate::db::f64_param(c.point.lat))
    .bind(crate::db::f64_param(c.point.lon))
    .bind(c.point.source)
    .bind(&c.opening_hours)
    .bind(status)
    .bind(proposed_by)
    .bind(external_ref)
    .bind(source)
    .bind(t)
    .fetch_one(&mut **tx)
    .await
}

/// Rewrite an initiative's fields in a transaction (edit, import).
pub async fn update_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
    c: &Checked,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE initiatives SET slug = $1, name = $2, description = $3, description_html = $4, category = $5, \
         organisation_id = $6, territory_id = $7, contact = $8, website = $9, address = $10, lat = CAST($11 AS DOUBLE PRECISION), lon = CAST($12 AS DOUBLE PRECISION), \
         point_source = $13, opening_hours = $14, updated_at = $15 WHERE id = $16",
    )
    .bind(&c.slug)
    .bind(&c.name)
    .bind(&c.description)
    .bind(&c.description_html)
    .bind(&c.category)
    .bind(c.organisation_id)
    .bind(c.territory_id)
    .bind(&c.contact)
    .bind(&c.website)
    .bind(&c.address)
    .bind(crate::db::f64_param(c.point.lat))
    .bind(crate::db::f64_param(c.point.lon))
    .bind(c.point.source)
    .bind(&c.opening_hours)
    .bind(now())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Edit an initiative: its proposer while it waits, moderators always.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    key: &str,
    v: &Values,
) -> AppResult<Initiative> {
    let i = load_for(state, actor, key).await?;
    if !actor.may(Action::EditInitiative { i: &i.facts() }) {
        return Err(AppError::Forbidden);
    }
    let c = super::check(state, actor, v, Some(i.id))
        .await?
        .map_err(invalid)?;
    let mut tx = state.db.begin().await?;
    match update_in(&mut tx, i.id, &c).await {
        Ok(()) => {}
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(invalid(vec![("slug", "org-slug-taken")]));
        }
        Err(e) => return Err(e.into()),
    }
    audit_in(&mut tx, actor, "initiative_edited", None, &c.slug).await?;
    tx.commit().await?;
    reload(state, i.id).await
}

/// Validate (`true`) or refuse (`false`, with a reason) an initiative:
/// moderators. Deciding again changes the decision.
pub async fn decide(
    state: &AppState,
    actor: &Actor,
    key: &str,
    validate: bool,
    reason: &str,
) -> AppResult<Initiative> {
    if !actor.may(Action::ModerateInitiatives) {
        return Err(AppError::Forbidden);
    }
    let i = load_for(state, actor, key).await?;
    let reason = reason.trim();
    if reason.chars().count() > REASON_MAX {
        return Err(invalid(vec![("reason", "field-too-long")]));
    }
    let status = if validate {
        InitiativeStatus::Validated
    } else {
        InitiativeStatus::Refused
    };
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "UPDATE initiatives SET status = $1, status_reason = $2, decided_by = $3, decided_at = $4, updated_at = $4 WHERE id = $5",
    )
    .bind(status.as_str())
    .bind(if validate { "" } else { reason })
    .bind(actor.audit_id())
    .bind(now())
    .bind(i.id)
    .execute(&mut *tx)
    .await?;
    audit_in(
        &mut tx,
        actor,
        if validate {
            "initiative_validated"
        } else {
            "initiative_refused"
        },
        i.proposed_by,
        &format!("{} {reason}", i.slug).trim().to_string(),
    )
    .await?;
    tx.commit().await?;
    reload(state, i.id).await
}
