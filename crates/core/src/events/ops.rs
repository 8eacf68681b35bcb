//! Operations on events: create (into communities the person may post
//! in), edit (SEQUENCE raised), set the status (cancel, postpone,
//! schedule again), cancel or restore one occurrence of a series, and the
//! private calendar tokens of a person. Each in one transaction with an
//! audit entry.

use sha2::{Digest, Sha256};

use super::{Checked, Event, Loaded, Status, Values, check_pure};
use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::policy::{Action, Membership};
use crate::state::AppState;

pub const MAX_COMMUNITIES: usize = 10;

pub(crate) fn invalid(errs: Vec<(&'static str, &'static str)>) -> AppError {
    AppError::Invalid {
        fields: errs
            .into_iter()
            .map(|(f, k)| (f.to_string(), k.to_string()))
            .collect(),
    }
}

/// The event as the actor may see it (`NotFound` otherwise).
pub async fn load_for(state: &AppState, actor: &Actor, id: i64) -> AppResult<Loaded> {
    let l = super::load(&state.db, actor.user(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let seen = actor.may(Action::ViewEvent {
        organiser: l.e.organiser_id,
        via: l.via(),
    });
    if !seen {
        return Err(AppError::NotFound);
    }
    Ok(l)
}

/// The event as the actor may manage it (`NotFound` when unseen,
/// `Forbidden` when seen but not theirs to change — an event of another
/// instance is nobody's here).
pub async fn manageable(state: &AppState, actor: &Actor, id: i64) -> AppResult<Loaded> {
    let l = load_for(state, actor, id).await?;
    let may = actor.may(Action::ManageEvent {
        organiser: l.e.organiser_id,
        via: l.via(),
        remote: l.e.remote(),
    });
    if !may {
        return Err(AppError::Forbidden);
    }
    Ok(l)
}

/// Check values with what needs the database: the territory and the
/// organisation (the organiser must belong to it, or be an administrator).
async fn check(state: &AppState, actor: &Actor, v: &Values) -> AppResult<Checked> {
    let mut errs = Vec::new();
    let mut c = match check_pure(v) {
        Ok(c) => Some(c),
        Err(e) => {
            errs = e;
            None
        }
    };
    let mut territory_id = None;
    if !v.territory.trim().is_empty() {
        match crate::organisations::places::by_slug(&state.db, v.territory.trim()).await? {
            Some(p) => territory_id = Some(p.id),
            None => errs.push(("territory", "event-territory-unknown")),
        }
    }
    let mut organisation_id = None;
    if !v.organisation.trim().is_empty() {
        let o = crate::organisations::load(&state.db, v.organisation.trim(), actor.user()).await?;
        let member = match (&o, actor.user()) {
            (Some(o), Some(u)) => u.is_admin || o.role.is_some(),
            (Some(_), None) => true,
            (None, _) => false,
        };
        match o {
            Some(o) if member => organisation_id = Some(o.o.id),
            _ => errs.push(("organisation", "event-organisation-not-member")),
        }
    }
    if !errs.is_empty() {
        return Err(invalid(errs));
    }
    let mut c = c.take().ok_or_else(|| invalid(Vec::new()))?;
    c.territory_id = territory_id;
    c.organisation_id = organisation_id;
    Ok(c)
}

/// The communities of `slugs` the actor may post in; a field error
/// otherwise (one unknown or closed community refuses the whole form).
async fn targets(
    state: &AppState,
    actor: &Actor,
    slugs: &[String],
) -> AppResult<Vec<(i64, Option<Membership>)>> {
    let mut out: Vec<(i64, Option<Membership>)> = Vec::new();
    if slugs.is_empty() {
        return Err(invalid(vec![("communities", "event-communities-required")]));
    }
    if slugs.len() > MAX_COMMUNITIES {
        return Err(invalid(vec![("communities", "event-communities-too-many")]));
    }
    for s in slugs {
        let Some(c) = crate::communities::by_slug(&state.db, s.trim()).await? else {
            return Err(invalid(vec![("communities", "event-community-refused")]));
        };
        let m = crate::communities::membership(&state.db, c.id, actor.user()).await?;
        if !actor.may(Action::PostInCommunity { c: &c.facts(), m }) {
            return Err(invalid(vec![("communities", "event-community-refused")]));
        }
        if !out.iter().any(|(id, _)| *id == c.id) {
            out.push((c.id, m));
        }
    }
    Ok(out)
}

pub(crate) fn new_uid(public_url: &str) -> String {
    let host = url::Url::parse(public_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "passerelles".to_string());
    format!("{}@{host}", hex::encode(rand::random::<[u8; 16]>()))
}

pub(crate) async fn write_tags_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
    c: &Checked,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM event_tags WHERE event_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for t in &c.tags {
        sqlx::query("INSERT INTO event_tags (event_id, tag_key, label) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(&t.name)
            .bind(&t.label)
            .execute(&mut **tx)
            .await?;
        // The shared tag vocabulary (search's tag filter names a tag by its
        // id, for publications and events alike). A tag's page still shows
        // it only to whoever finds a publication carrying it.
        sqlx::query("INSERT INTO tags (name, label) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(&t.name)
            .bind(&t.label)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Write a new event in a transaction (also used by the demo seed and,
/// later, the import). Returns its id.
pub async fn insert_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    uid: &str,
    c: &Checked,
    organiser_id: Option<i64>,
    community_ids: &[i64],
) -> Result<i64, sqlx::Error> {
    let t = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO events (uid, title, description, description_html, tz, start_local, end_local, all_day, \
         starts_at, ends_at, rrule, exdates, series_ends_at, place_kind, address, online_url, online_private, \
         territory_id, organisation_id, organiser_id, contact, capacity, status, sequence, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, \
         'scheduled', 0, $23, $23) RETURNING id",
    )
    .bind(uid)
    .bind(&c.title)
    .bind(&c.description)
    .bind(&c.description_html)
    .bind(&c.tz)
    .bind(&c.start_local)
    .bind(&c.end_local)
    .bind(i64::from(c.all_day))
    .bind(c.starts_at)
    .bind(c.ends_at)
    .bind(&c.rrule)
    .bind(&c.exdates)
    .bind(c.series_ends_at)
    .bind(&c.place_kind)
    .bind(&c.address)
    .bind(&c.online_url)
    .bind(i64::from(c.online_private))
    .bind(c.territory_id)
    .bind(c.organisation_id)
    .bind(organiser_id)
    .bind(&c.contact)
    .bind(c.capacity)
    .bind(t)
    .fetch_one(&mut **tx)
    .await?;
    for cid in community_ids {
        sqlx::query(
            "INSERT INTO event_communities (event_id, community_id, added_at) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(cid)
        .bind(t)
        .execute(&mut **tx)
        .await?;
    }
    write_tags_in(tx, id, c).await?;
    write_details_in(tx, id, c).await?;
    Ok(id)
}

/// The price and the registration questions (migration 0048).
async fn write_details_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
    c: &Checked,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE events SET price = $1, questions = $2 WHERE id = $3")
        .bind(&c.price)
        .bind(&c.questions)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Write new values over an event (its communities stay), raising
/// SEQUENCE (also used by the import).
pub(crate) async fn update_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
    c: &Checked,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE events SET title = $1, description = $2, description_html = $3, tz = $4, start_local = $5, \
         end_local = $6, all_day = $7, starts_at = $8, ends_at = $9, rrule = $10, exdates = $11, \
         series_ends_at = $12, place_kind = $13, address = $14, online_url = $15, online_private = $16, \
         territory_id = $17, organisation_id = $18, contact = $19, capacity = $20, sequence = sequence + 1, \
         rsvp_version = rsvp_version + 1, updated_at = $21 WHERE id = $22",
    )
    .bind(&c.title)
    .bind(&c.description)
    .bind(&c.description_html)
    .bind(&c.tz)
    .bind(&c.start_local)
    .bind(&c.end_local)
    .bind(i64::from(c.all_day))
    .bind(c.starts_at)
    .bind(c.ends_at)
    .bind(&c.rrule)
    .bind(&c.exdates)
    .bind(c.series_ends_at)
    .bind(&c.place_kind)
    .bind(&c.address)
    .bind(&c.online_url)
    .bind(i64::from(c.online_private))
    .bind(c.territory_id)
    .bind(c.organisation_id)
    .bind(&c.contact)
    .bind(c.capacity)
    .bind(now())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    write_tags_in(tx, id, c).await?;
    write_details_in(tx, id, c).await?;
    Ok(())
}

async fn reload(state: &AppState, id: i64) -> AppResult<Event> {
    super::by_id(&state.db, id).await?.ok_or(AppError::NotFound)
}

/// Create an event in one or more communities (a person who may post in
/// each), the person its organiser.
pub async fn create(state: &AppState, actor: &Actor, v: &Values) -> AppResult<Event> {
    create_with(state, actor, v, super::image::Edit::default()).await
}

/// Merge two outcomes' field errors (a form shows every refusal at once).
fn both<A, B>(a: AppResult<A>, b: AppResult<B>) -> AppResult<(A, B)> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(AppError::Invalid { fields: mut a }), Err(AppError::Invalid { fields: b })) => {
            a.extend(b);
            Err(AppError::Invalid { fields: a })
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

/// Create an event with its image (`image`: `Replace` to give one).
pub async fn create_with(
    state: &AppState,
    actor: &Actor,
    v: &Values,
    image: super::image::Edit,
) -> AppResult<Event> {
    let u = actor.user().ok_or(AppError::Forbidden)?;
    let targets = targets(state, actor, &v.communities).await;
    let checked = check(state, actor, v).await;
    let ((targets, c), image) = both(both(targets, checked), image.checked())?;
    if let Err(retry_after) = crate::ratelimit::hit(
        &state.db,
        &format!("event-create:{}", u.id),
        crate::ratelimit::Limit {
            max: 60,
            window_secs: 86400,
        },
    )
    .await?
    {
        return Err(AppError::TooManyRequests { retry_after });
    }
    let ids: Vec<i64> = targets.iter().map(|(id, _)| *id).collect();
    let uid = new_uid(&state.config.public_url());
    let mut tx = state.db.begin().await?;
    let id = insert_in(&mut tx, &uid, &c, Some(u.id), &ids).await?;
    super::image::write_in(&mut tx, id, Some(u.id), &image).await?;
    crate::search::index_one(&mut tx, state.db.backend, crate::search::Source::Events, id).await?;
    audit_in(&mut tx, actor, "event_created", None, &id.to_string()).await?;
    tx.commit().await?;
    notify_watchers(state, id, u.id).await?;
    crate::federation::events::changed(state, id, false).await;
    reload(state, id).await
}

/// "Event in my communities" (issue 16): a record for each person who
/// watches one of the event's communities for new content (levels
/// "publications" and "everything", as for new publications) and may see
/// it (the policy, for each), never its organiser. Where it goes — the
/// centre, an e-mail, a push, a digest — is decided when it is sent, with
/// the policy of then (`notifications::fetch_with`).
pub async fn notify_watchers(
    state: &AppState,
    event_id: i64,
    organiser: i64,
) -> Result<usize, sqlx::Error> {
    let db = &state.db;
    let Some(l) = super::load(db, None, event_id).await? else {
        return Ok(0);
    };
    let cids: Vec<i64> = l.communities.iter().map(|(c, _)| c.id).collect();
    if cids.is_empty() {
        return Ok(0);
    }
    let list = cids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let people = crate::publications::users_with_memberships(
        db,
        &format!(
            "u.id IN (SELECT user_id FROM community_watch WHERE community_id IN ({list}) \
             AND level IN ('publications', 'everything'))"
        ),
        Vec::new(),
        &cids,
    )
    .await?;
    let items: Vec<crate::notifications::NewNotification> = people
        .iter()
        .filter(|(u, ms)| {
            let via: Vec<(crate::policy::CommunityFacts, Option<Membership>)> = l
                .communities
                .iter()
                .map(|(c, _)| (c.facts(), ms.get(&c.id).copied()))
                .collect();
            u.id != organiser
                && crate::policy::can(
                    Some(u),
                    Action::ViewEvent {
                        organiser: l.e.organiser_id,
                        via: &via,
                    },
                )
        })
        .map(|(u, _)| crate::notifications::NewNotification::event(u.id, Some(organiser), event_id))
        .collect();
    crate::notifications::insert(db, &items).await?;
    Ok(items.len())
}

/// Edit an event (its communities stay): its organiser, a moderator of one
/// of its communities, administrators. SEQUENCE is raised.
pub async fn update(state: &AppState, actor: &Actor, id: i64, v: &Values) -> AppResult<Event> {
    update_with(state, actor, id, v, super::image::Edit::default()).await
}

/// Edit an event and its image in one transaction (the edit form).
pub async fn update_with(
    state: &AppState,
    actor: &Actor,
    id: i64,
    v: &Values,
    image: super::image::Edit,
) -> AppResult<Event> {
    let l = manageable(state, actor, id).await?;
    let (c, image) = both(check(state, actor, v).await, image.checked())?;
    // A capacity raised may let people in from the waiting list.
    let mut tx = state.db.begin().await?;
    update_in(&mut tx, l.e.id, &c).await?;
    super::image::write_in(&mut tx, l.e.id, actor.audit_id(), &image).await?;
    crate::search::index_one(
        &mut tx,
        state.db.backend,
        crate::search::Source::Events,
        l.e.id,
    )
    .await?;
    let promoted = super::rsvp::promote_in(&mut tx, l.e.id, c.capacity).await?;
    audit_in(&mut tx, actor, "event_edited", None, &l.e.id.to_string()).await?;
    tx.commit().await?;
    super::mail::notify_change(state, l.e.id).await;
    crate::federation::events::changed(state, l.e.id, true).await;
    crate::federation::events::promoted(state, l.e.id, &promoted).await;
    reload(state, l.e.id).await
}

/// Cancel, postpone or schedule again a whole event (SEQUENCE raised).
pub async fn set_status(
    state: &AppState,
    actor: &Actor,
    id: i64,
    status: Status,
) -> AppResult<Event> {
    let l = manageable(state, actor, id).await?;
    if l.e.status == status {
        return Ok(l.e);
    }
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "UPDATE events SET status = $1, sequence = sequence + 1, updated_at = $2 WHERE id = $3",
    )
    .bind(status.as_str())
    .bind(now())
    .bind(l.e.id)
    .execute(&mut *tx)
    .await?;
    audit_in(
        &mut tx,
        actor,
        "event_status",
        None,
        &format!("{} {}", l.e.id, status.as_str()),
    )
    .await?;
    tx.commit().await?;
    super::mail::notify_change(state, l.e.id).await;
    crate::federation::events::changed(state, l.e.id, true).await;
    reload(state, l.e.id).await
}

/// Cancel (`cancel`) or restore one occurrence of a series, named by its
/// local start ('YYYY-MM-DDTHH:MM', or the date when all day), which must
/// be one of the series' occurrences.
pub async fn set_occurrence(
    state: &AppState,
    actor: &Actor,
    id: i64,
    start_local: &str,
    cancel: bool,
) -> AppResult<Event> {
    let l = manageable(state, actor, id).await?;
    let e = &l.e;
    let bad = || invalid(vec![("occurrence", "event-occurrence-unknown")]);
    if e.rrule.is_empty() {
        return Err(bad());
    }
    let at = super::time::parse_local(start_local).ok_or_else(bad)?;
    let t = e.timing();
    let inst = super::time::instant(t.tz, at);
    let (occ, _) = super::time::expand(&t, inst, inst + 1, 2);
    if !occ.iter().any(|o| o.start_local == at) {
        return Err(bad());
    }
    let key = super::time::format_local(at, e.all_day);
    let mut tx = state.db.begin().await?;
    let tnow = now();
    sqlx::query("UPDATE events SET sequence = sequence + 1, updated_at = $1 WHERE id = $2")
        .bind(tnow)
        .bind(e.id)
        .execute(&mut *tx)
        .await?;
    if cancel {
        sqlx::query(
            "INSERT INTO event_occurrences (event_id, start_local, status, sequence, updated_at) \
             VALUES ($1, $2, 'cancelled', $3, $4) \
             ON CONFLICT (event_id, start_local) DO UPDATE SET status = 'cancelled', sequence = $3, updated_at = $4",
        )
        .bind(e.id)
        .bind(&key)
        .bind(e.sequence + 1)
        .bind(tnow)
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query("DELETE FROM event_occurrences WHERE event_id = $1 AND start_local = $2")
            .bind(e.id)
            .bind(&key)
            .execute(&mut *tx)
            .await?;
    }
    audit_in(
        &mut tx,
        actor,
        if cancel {
            "event_occurrence_cancelled"
        } else {
            "event_occurrence_restored"
        },
        None,
        &format!("{} {key}", e.id),
    )
    .await?;
    tx.commit().await?;
    super::mail::notify_change(state, e.id).await;
    crate::federation::events::changed(state, e.id, true).await;
    reload(state, e.id).await
}

// ---- private calendar tokens -----------------------------------------------------------------

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new private feed token for the person (their earlier ones keep
/// working until revoked). The secret is shown once; only its hash is kept.
pub async fn create_token(state: &AppState, actor: &Actor) -> AppResult<String> {
    let u = actor.user().ok_or(AppError::Forbidden)?;
    if !actor.may(Action::EditAccount { target: u }) {
        return Err(AppError::Forbidden);
    }
    let token = hex::encode(rand::random::<[u8; 24]>());
    let mut tx = state.db.begin().await?;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calendar_tokens WHERE user_id = $1")
        .bind(u.id)
        .fetch_one(&mut *tx)
        .await?;
    if n >= 10 {
        return Err(AppError::Conflict {
            code: "too_many_calendar_tokens",
            message_key: "event-token-too-many",
        });
    }
    sqlx::query(
        "INSERT INTO calendar_tokens (user_id, token_hash, created_at) VALUES ($1, $2, $3)",
    )
    .bind(u.id)
    .bind(token_hash(&token))
    .bind(now())
    .execute(&mut *tx)
    .await?;
    audit_in(&mut tx, actor, "calendar_token_created", Some(u.id), "").await?;
    tx.commit().await?;
    Ok(token)
}

/// Revoke every private feed token of the person.
pub async fn revoke_tokens(state: &AppState, actor: &Actor) -> AppResult<u64> {
    let u = actor.user().ok_or(AppError::Forbidden)?;
    let mut tx = state.db.begin().await?;
    let n = sqlx::query("DELETE FROM calendar_tokens WHERE user_id = $1")
        .bind(u.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    audit_in(&mut tx, actor, "calendar_tokens_revoked", Some(u.id), "").await?;
    tx.commit().await?;
    Ok(n)
}

/// How many private feed tokens a person holds.
pub async fn token_count(state: &AppState, user_id: i64) -> AppResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM calendar_tokens WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(&state.db.pool)
            .await?,
    )
}

/// The person a feed token belongs to (an active account), if any.
pub async fn token_owner(
    state: &AppState,
    token: &str,
) -> AppResult<Option<crate::accounts::User>> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT user_id FROM calendar_tokens WHERE token_hash = $1")
            .bind(token_hash(token))
            .fetch_optional(&state.db.pool)
            .await?;
    let Some(id) = id else { return Ok(None) };
    let u = crate::accounts::by_id(&state.db, id).await?;
    Ok(u.filter(|u| u.status == crate::accounts::Status::Active))
}
