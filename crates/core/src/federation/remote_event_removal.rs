//! Removing an event of another instance from this one (issue 18): an
//! administrator, or a moderator of a community it is in
//! (`Action::RemoveRemoteEvent`), takes it off here — its page, the
//! agenda, the feeds, the registrations made here. It stays where it comes
//! from; a tombstone (`ap_received`, the same one a remote `Delete`
//! leaves) keeps a later `Create` or `Update` from bringing it back. The
//! removal is written in the moderation log of each community it was in
//! (`remove_remote_event`, with its title and host: the log names what was
//! removed) and in the audit log.

use crate::actor::Actor;
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::state::AppState;

/// Remove the remote event `id` from this instance. Refusals: `NotFound`
/// (no such event, or one the actor may not see), `Forbidden` (one of
/// ours — it is deleted by its organiser — or not theirs to moderate),
/// `Invalid` (a reason too long).
pub async fn remove(state: &AppState, actor: &Actor, id: i64, reason: &str) -> AppResult<()> {
    let viewer = actor.user();
    let l = crate::events::load(&state.db, viewer, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !matches!(actor, Actor::System { .. }) && !l.visible_to(viewer) {
        return Err(AppError::NotFound);
    }
    let Some(ap_id) = l.e.ap_id.clone() else {
        return Err(AppError::Forbidden);
    };
    if !actor.may(Action::RemoveRemoteEvent { via: l.via() }) {
        return Err(AppError::Forbidden);
    }
    let reason = reason.trim();
    if reason.chars().count() > crate::moderation::REASON_MAX {
        return Err(AppError::Invalid {
            fields: vec![("reason".into(), "field-too-long".into())],
        });
    }
    let host = super::instances::host(&ap_id);
    let logged = if reason.is_empty() {
        format!("{} ({host})", l.e.title)
    } else {
        format!("{} ({host}) : {reason}", l.e.title)
    };
    let t = now();
    let mut tx = state.db.begin().await?;
    super::remote_events::delete_in(&mut tx, state.db.backend, l.e.id).await?;
    sqlx::query(
        "INSERT INTO ap_received (activity_id, actor, kind, received_at) VALUES ($1, $2, 'Tombstone', $3) \
         ON CONFLICT (activity_id) DO NOTHING",
    )
    .bind(super::content::tombstone_key(&ap_id))
    .bind(format!("moderation:{}", actor.label()))
    .bind(t)
    .execute(&mut *tx)
    .await?;
    let communities: Vec<Option<i64>> = if l.communities.is_empty() {
        vec![None]
    } else {
        l.communities.iter().map(|(c, _)| Some(c.id)).collect()
    };
    for c in communities {
        sqlx::query(
            "INSERT INTO mod_log (community_id, actor_id, action, reason, created_at) \
             VALUES ($1, $2, 'remove_remote_event', $3, $4)",
        )
        .bind(c)
        .bind(actor.audit_id())
        .bind(&logged)
        .bind(t)
        .execute(&mut *tx)
        .await?;
    }
    crate::accounts::ops::audit_in(
        &mut tx,
        actor,
        "remote_event_removed",
        None,
        &format!("{} {ap_id}", l.e.id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
