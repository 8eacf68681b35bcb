//! Operations on organisations: every change of state, for the pages, the
//! API and the command line alike. Each asks the policy through the actor,
//! writes in one transaction, records the change in the organisation's
//! change log (`organisation_changes`) and the instance's audit log, and
//! returns a domain error the entry point renders: `NotFound` (an
//! organisation the actor may not see), `Forbidden`, `Invalid` with a
//! message key per field, `Conflict` with a stable code (`last_admin`…).

use sqlx::{Any, Transaction};

use super::{Checked, Loaded, OrgValues, Organisation};
use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::policy::{Action, OrgRole, OrgStatus};
use crate::state::AppState;

pub const SECTION_TITLE_MAX: usize = 120;
pub const REASON_MAX: usize = 1000;

fn invalid(errs: Vec<(&'static str, &'static str)>) -> AppError {
    AppError::Invalid {
        fields: errs
            .into_iter()
            .map(|(f, k)| (f.to_string(), k.to_string()))
            .collect(),
    }
}

fn conflict(code: &'static str, message_key: &'static str) -> AppError {
    AppError::Conflict { code, message_key }
}

/// The organisation as the actor sees it; `NotFound` when it may not.
pub async fn load_for(state: &AppState, actor: &Actor, slug: &str) -> AppResult<Loaded> {
    let l = super::load(&state.db, slug, actor.user())
        .await?
        .ok_or(AppError::NotFound)?;
    if !actor.may(Action::ViewOrganisation {
        o: &l.facts,
        m: l.role,
    }) {
        return Err(AppError::NotFound);
    }
    Ok(l)
}

/// The organisation, which the actor may edit (`Forbidden` otherwise).
async fn editable(state: &AppState, actor: &Actor, slug: &str) -> AppResult<Loaded> {
    let l = load_for(state, actor, slug).await?;
    if !actor.may(Action::EditOrganisation {
        o: &l.facts,
        m: l.role,
    }) {
        return Err(AppError::Forbidden);
    }
    Ok(l)
}

/// One line of the change log and of the audit log, in the transaction.
pub async fn log_in(
    tx: &mut Transaction<'static, Any>,
    org: &Organisation,
    actor: &Actor,
    action: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO organisation_changes (organisation_id, actor_id, actor_label, action, detail, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(org.id)
    .bind(actor.audit_id())
    .bind(actor.label())
    .bind(action)
    .bind(crate::accounts::truncate(detail, 1000))
    .bind(now())
    .execute(&mut **tx)
    .await?;
    audit_in(
        tx,
        actor,
        &format!("organisation_{action}"),
        None,
        &format!("{} {detail}", org.slug).trim().to_string(),
    )
    .await
}

async fn write_links(
    tx: &mut Transaction<'static, Any>,
    id: i64,
    c: &Checked,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM organisation_sectors WHERE organisation_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for s in &c.sectors {
        sqlx::query("INSERT INTO organisation_sectors (organisation_id, sector) VALUES ($1, $2)")
            .bind(id)
            .bind(s)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("DELETE FROM organisation_territories WHERE organisation_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for t in &c.territory_ids {
        sqlx::query(
            "INSERT INTO organisation_territories (organisation_id, territory_id) VALUES ($1, $2)",
        )
        .bind(id)
        .bind(t)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn reload(state: &AppState, id: i64) -> AppResult<Organisation> {
    super::by_id(&state.db, id).await?.ok_or(AppError::NotFound)
}

/// Create an organisation; the person creating it is its first admin. It
/// stays unverified (out of the public directory, map and exports) until an
/// administrator verifies it. A person's act.
pub async fn create(state: &AppState, actor: &Actor, v: &OrgValues) -> AppResult<Organisation> {
    let u = actor.user().ok_or(AppError::Forbidden)?;
    if !actor.may(Action::CreateOrganisation) {
        return Err(AppError::Forbidden);
    }
    let c = super::check(state, v, None).await?.map_err(invalid)?;
    if let Err(retry_after) = crate::ratelimit::hit(
        &state.db,
        &format!("org-create:{}", u.id),
        crate::ratelimit::Limit {
            max: 10,
            window_secs: 86400,
        },
    )
    .await?
    {
        return Err(AppError::TooManyRequests { retry_after });
    }
    let t = now();
    let mut tx = state.db.begin().await?;
    let id: i64 = match sqlx::query_scalar(
        "INSERT INTO organisations (slug, name, description, description_html, legal_form, neq, address, \
         place_id, lat, lon, point_source, website, social, email, phone, contact_name, visibility, status, \
         created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CAST($9 AS DOUBLE PRECISION), CAST($10 AS DOUBLE PRECISION), $11, $12, $13, \
         $14, $15, $16, $17, 'unverified', $18, $19, $19) RETURNING id",
    )
    .bind(&c.slug)
    .bind(&c.name)
    .bind(&c.description)
    .bind(&c.description_html)
    .bind(&c.legal_form)
    .bind(&c.neq)
    .bind(&c.address)
    .bind(c.place_id)
    .bind(crate::db::f64_param(c.point.lat))
    .bind(crate::db::f64_param(c.point.lon))
    .bind(c.point.source)
    .bind(&c.website)
    .bind(&c.social)
    .bind(&c.email)
    .bind(&c.phone)
    .bind(&c.contact_name)
    .bind(c.visibility.as_str())
    .bind(u.id)
    .bind(t)
    .fetch_one(&mut *tx)
    .await
    {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(invalid(vec![("slug", "org-slug-taken")]));
        }
        Err(e) => return Err(e.into()),
    };
    write_links(&mut tx, id, &c).await?;
    sqlx::query(
        "INSERT INTO organisation_members (organisation_id, user_id, role, state, created_at) VALUES ($1, $2, 'admin', 'active', $3)",
    )
    .bind(id)
    .bind(u.id)
    .bind(t)
    .execute(&mut *tx)
    .await?;
    let org = Organisation {
        id,
        slug: c.slug.clone(),
        name: c.name.clone(),
        ..placeholder()
    };
    log_in(&mut tx, &org, actor, "created", "").await?;
    tx.commit().await?;
    reload(state, id).await
}

fn placeholder() -> Organisation {
    Organisation {
        id: 0,
        slug: String::new(),
        name: String::new(),
        description: String::new(),
        description_html: String::new(),
        legal_form: String::new(),
        neq: String::new(),
        logo_id: None,
        address: String::new(),
        place_id: None,
        lat: None,
        lon: None,
        point_source: String::new(),
        website: String::new(),
        social: String::new(),
        email: String::new(),
        phone: String::new(),
        contact_name: String::new(),
        visibility: crate::policy::OrgVisibility::Public,
        status: OrgStatus::Unverified,
        status_reason: String::new(),
        created_by: None,
        created_at: 0,
        updated_at: 0,
    }
}

/// Change an organisation's page (its admins, administrators).
pub async fn update(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    v: &OrgValues,
) -> AppResult<Organisation> {
    let l = editable(state, actor, slug).await?;
    let c = super::check(state, v, Some(l.o.id))
        .await?
        .map_err(invalid)?;
    let mut changed: Vec<&str> = Vec::new();
    let o = &l.o;
    for (name, same) in [
        ("name", o.name == c.name),
        ("slug", o.slug == c.slug),
        ("description", o.description == c.description),
        ("legal_form", o.legal_form == c.legal_form),
        ("neq", o.neq == c.neq),
        (
            "address",
            o.address == c.address && o.place_id == c.place_id,
        ),
        ("point", o.lat == c.point.lat && o.lon == c.point.lon),
        ("website", o.website == c.website && o.social == c.social),
        (
            "contact",
            o.email == c.email && o.phone == c.phone && o.contact_name == c.contact_name,
        ),
        ("visibility", o.visibility == c.visibility),
    ] {
        if !same {
            changed.push(name);
        }
    }
    let mut tx = state.db.begin().await?;
    let res = sqlx::query(
        "UPDATE organisations SET slug = $1, name = $2, description = $3, description_html = $4, legal_form = $5, \
         neq = $6, address = $7, place_id = $8, lat = CAST($9 AS DOUBLE PRECISION), lon = CAST($10 AS DOUBLE PRECISION), point_source = $11, website = $12, social = $13, \
         email = $14, phone = $15, contact_name = $16, visibility = $17, updated_at = $18 WHERE id = $19",
    )
    .bind(&c.slug)
    .bind(&c.name)
    .bind(&c.description)
    .bind(&c.description_html)
    .bind(&c.legal_form)
    .bind(&c.neq)
    .bind(&c.address)
    .bind(c.place_id)
    .bind(crate::db::f64_param(c.point.lat))
    .bind(crate::db::f64_param(c.point.lon))
    .bind(c.point.source)
    .bind(&c.website)
    .bind(&c.social)
    .bind(&c.email)
    .bind(&c.phone)
    .bind(&c.contact_name)
    .bind(c.visibility.as_str())
    .bind(now())
    .bind(o.id)
    .execute(&mut *tx)
    .await;
    match res {
        Ok(_) => {}
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(invalid(vec![("slug", "org-slug-taken")]));
        }
        Err(e) => return Err(e.into()),
    }
    write_links(&mut tx, o.id, &c).await?;
    log_in(&mut tx, o, actor, "edited", &changed.join(", ")).await?;
    tx.commit().await?;
    reload(state, o.id).await
}

/// Replace the logo: the upload is processed like a tool icon (sniffed
/// raster formats only, bounded, re-encoded as a 256 × 256 PNG) and stored
/// in `media`.
pub async fn set_logo(state: &AppState, actor: &Actor, slug: &str, bytes: &[u8]) -> AppResult<()> {
    let l = editable(state, actor, slug).await?;
    if bytes.len() > crate::images::MAX_UPLOAD_BYTES {
        return Err(invalid(vec![("logo", "image-too-large")]));
    }
    let data = bytes.to_vec();
    let png = tokio::task::spawn_blocking(move || crate::images::make_icon(&data, 256))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("logo task: {e}")))?
        .map_err(|e| AppError::Invalid {
            fields: vec![("logo".into(), e.message_key().into())],
        })?;
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO media (owner_id, content_type, bytes, created_at) VALUES ($1, 'image/png', $2, $3) RETURNING id",
    )
    .bind(actor.audit_id())
    .bind(png)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("UPDATE organisations SET logo_id = $1, updated_at = $2 WHERE id = $3")
        .bind(id)
        .bind(now())
        .bind(l.o.id)
        .execute(&mut *tx)
        .await?;
    if let Some(old) = l.o.logo_id {
        sqlx::query("DELETE FROM media WHERE id = $1")
            .bind(old)
            .execute(&mut *tx)
            .await?;
    }
    log_in(&mut tx, &l.o, actor, "logo_changed", "").await?;
    tx.commit().await?;
    Ok(())
}

/// Verify (or refuse, with a reason) an organisation: administrators.
pub async fn decide(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    verify: bool,
    reason: &str,
) -> AppResult<()> {
    if !actor.may(Action::VerifyOrganisations) {
        return Err(AppError::Forbidden);
    }
    let l = load_for(state, actor, slug).await?;
    let reason = reason.trim();
    if reason.chars().count() > REASON_MAX {
        return Err(invalid(vec![("reason", "field-too-long")]));
    }
    let (status, action) = if verify {
        (OrgStatus::Verified, "verified")
    } else {
        (OrgStatus::Refused, "refused")
    };
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "UPDATE organisations SET status = $1, status_reason = $2, verified_by = $3, verified_at = $4, updated_at = $4 WHERE id = $5",
    )
    .bind(status.as_str())
    .bind(reason)
    .bind(actor.audit_id())
    .bind(now())
    .bind(l.o.id)
    .execute(&mut *tx)
    .await?;
    log_in(&mut tx, &l.o, actor, action, reason).await?;
    tx.commit().await?;
    Ok(())
}

// ---- members and claims ----------------------------------------------------------------

async fn admin_count(tx: &mut Transaction<'static, Any>, org_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM organisation_members WHERE organisation_id = $1 AND role = 'admin' AND state = 'active'",
    )
    .bind(org_id)
    .fetch_one(&mut **tx)
    .await
}

/// Link a person (by username) to the organisation with a role, or change
/// the role of someone already linked.
pub async fn set_member(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    username: &str,
    role: &str,
) -> AppResult<()> {
    let l = editable(state, actor, slug).await?;
    let Some(role) = OrgRole::parse(role) else {
        return Err(invalid(vec![("role", "field-invalid-choice")]));
    };
    let target = crate::accounts::by_username(&state.db, username.trim().trim_start_matches('@'))
        .await?
        .filter(|u| u.status == crate::accounts::Status::Active && u.domain.is_none())
        .ok_or_else(|| invalid(vec![("username", "org-member-unknown")]))?;
    let mut tx = state.db.begin().await?;
    let before: Option<String> = sqlx::query_scalar(
        "SELECT role FROM organisation_members WHERE organisation_id = $1 AND user_id = $2 AND state = 'active'",
    )
    .bind(l.o.id)
    .bind(target.id)
    .fetch_optional(&mut *tx)
    .await?;
    if before.as_deref() == Some("admin")
        && role != OrgRole::Admin
        && admin_count(&mut tx, l.o.id).await? <= 1
    {
        return Err(conflict("last_admin", "org-last-admin"));
    }
    sqlx::query(
        "INSERT INTO organisation_members (organisation_id, user_id, role, state, created_at) VALUES ($1, $2, $3, 'active', $4) \
         ON CONFLICT (organisation_id, user_id) DO UPDATE SET role = excluded.role, state = 'active'",
    )
    .bind(l.o.id)
    .bind(target.id)
    .bind(role.as_str())
    .bind(now())
    .execute(&mut *tx)
    .await?;
    log_in(
        &mut tx,
        &l.o,
        actor,
        "member_set",
        &format!("@{} {}", target.username, role.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Unlink a person: the organisation's admins, or the person themselves.
/// The last admin stays.
pub async fn remove_member(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    user_id: i64,
) -> AppResult<()> {
    let l = load_for(state, actor, slug).await?;
    let own = actor.user().is_some_and(|u| u.id == user_id);
    if !own
        && !l.edit(actor.user())
        && !actor.may(Action::EditOrganisation {
            o: &l.facts,
            m: l.role,
        })
    {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    let before: Option<String> = sqlx::query_scalar(
        "SELECT role FROM organisation_members WHERE organisation_id = $1 AND user_id = $2",
    )
    .bind(l.o.id)
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(before) = before else {
        return Err(AppError::NotFound);
    };
    if before == "admin" && admin_count(&mut tx, l.o.id).await? <= 1 {
        return Err(conflict("last_admin", "org-last-admin"));
    }
    sqlx::query("DELETE FROM organisation_members WHERE organisation_id = $1 AND user_id = $2")
        .bind(l.o.id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    log_in(
        &mut tx,
        &l.o,
        actor,
        "member_removed",
        &format!("#{user_id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Ask to become an admin of an organisation (a person not linked to it);
/// an administrator grants or refuses the claim.
pub async fn claim(state: &AppState, actor: &Actor, slug: &str, note: &str) -> AppResult<()> {
    let u = actor.user().ok_or(AppError::Forbidden)?;
    let l = load_for(state, actor, slug).await?;
    let pending: Option<String> = sqlx::query_scalar(
        "SELECT state FROM organisation_members WHERE organisation_id = $1 AND user_id = $2",
    )
    .bind(l.o.id)
    .bind(u.id)
    .fetch_optional(&state.db.pool)
    .await?;
    if pending.as_deref() == Some("requested") {
        return Err(conflict("claim_pending", "org-claim-pending"));
    }
    if !actor.may(Action::ClaimOrganisation {
        o: &l.facts,
        m: l.role,
    }) {
        return Err(AppError::Forbidden);
    }
    let note = note.trim();
    if note.chars().count() > REASON_MAX {
        return Err(invalid(vec![("note", "field-too-long")]));
    }
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO organisation_members (organisation_id, user_id, role, state, note, created_at) \
         VALUES ($1, $2, 'admin', 'requested', $3, $4)",
    )
    .bind(l.o.id)
    .bind(u.id)
    .bind(note)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    log_in(&mut tx, &l.o, actor, "claimed", note).await?;
    tx.commit().await?;
    Ok(())
}

/// Grant (the claimant becomes an admin) or refuse a claim: administrators.
pub async fn decide_claim(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    user_id: i64,
    grant: bool,
) -> AppResult<()> {
    if !actor.may(Action::VerifyOrganisations) {
        return Err(AppError::Forbidden);
    }
    let l = load_for(state, actor, slug).await?;
    let mut tx = state.db.begin().await?;
    let n = if grant {
        sqlx::query(
            "UPDATE organisation_members SET state = 'active', role = 'admin' WHERE organisation_id = $1 AND user_id = $2 AND state = 'requested'",
        )
    } else {
        sqlx::query(
            "DELETE FROM organisation_members WHERE organisation_id = $1 AND user_id = $2 AND state = 'requested'",
        )
    }
    .bind(l.o.id)
    .bind(user_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::NotFound);
    }
    log_in(
        &mut tx,
        &l.o,
        actor,
        if grant {
            "claim_granted"
        } else {
            "claim_refused"
        },
        &format!("#{user_id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- custom sections -------------------------------------------------------------------

fn check_section(title: &str, body: &str) -> AppResult<(String, String)> {
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let body = body.replace("\r\n", "\n").trim().to_string();
    let mut errs = Vec::new();
    if title.is_empty() {
        errs.push(("title", "field-required"));
    } else if title.chars().count() > SECTION_TITLE_MAX {
        errs.push(("title", "field-too-long"));
    }
    if body.is_empty() {
        errs.push(("body", "field-required"));
    } else if body.chars().count() > super::TEXT_MAX {
        errs.push(("body", "field-too-long"));
    }
    if errs.is_empty() {
        Ok((title, body))
    } else {
        Err(invalid(errs))
    }
}

/// Add a custom section (a free Markdown block) at the end of the page,
/// or change one (`id`).
pub async fn save_section(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    id: Option<i64>,
    title: &str,
    body: &str,
) -> AppResult<i64> {
    let l = editable(state, actor, slug).await?;
    let (title, body) = check_section(title, body)?;
    let html = crate::markdown::render(&body).html;
    let t = now();
    let mut tx = state.db.begin().await?;
    let id = match id {
        Some(id) => {
            let n = sqlx::query(
                "UPDATE organisation_sections SET title = $1, body = $2, body_html = $3, updated_at = $4 \
                 WHERE id = $5 AND organisation_id = $6",
            )
            .bind(&title)
            .bind(&body)
            .bind(&html)
            .bind(t)
            .bind(id)
            .bind(l.o.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(AppError::NotFound);
            }
            log_in(&mut tx, &l.o, actor, "section_edited", &title).await?;
            id
        }
        None => {
            let count: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM organisation_sections WHERE organisation_id = $1",
            )
            .bind(l.o.id)
            .fetch_one(&mut *tx)
            .await?;
            if count >= super::SECTIONS_MAX as i64 {
                return Err(conflict("too_many_sections", "org-sections-too-many"));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO organisation_sections (organisation_id, title, body, body_html, position, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
            )
            .bind(l.o.id)
            .bind(&title)
            .bind(&body)
            .bind(&html)
            .bind(count + 1)
            .bind(t)
            .fetch_one(&mut *tx)
            .await?;
            log_in(&mut tx, &l.o, actor, "section_added", &title).await?;
            id
        }
    };
    tx.commit().await?;
    Ok(id)
}

pub async fn delete_section(state: &AppState, actor: &Actor, slug: &str, id: i64) -> AppResult<()> {
    let l = editable(state, actor, slug).await?;
    let mut tx = state.db.begin().await?;
    let n = sqlx::query("DELETE FROM organisation_sections WHERE id = $1 AND organisation_id = $2")
        .bind(id)
        .bind(l.o.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::NotFound);
    }
    log_in(&mut tx, &l.o, actor, "section_deleted", &format!("#{id}")).await?;
    tx.commit().await?;
    Ok(())
}

// ---- the sectors list ------------------------------------------------------------------

/// Add or rename a sector of the controlled list (administrators).
pub async fn save_sector(
    state: &AppState,
    actor: &Actor,
    code: &str,
    name_fr: &str,
    name_en: &str,
) -> AppResult<()> {
    if !actor.may(Action::VerifyOrganisations) {
        return Err(AppError::Forbidden);
    }
    let code = code.trim();
    let mut errs = Vec::new();
    if code.is_empty()
        || code.len() > 40
        || !code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        errs.push(("code", "org-slug-invalid"));
    }
    if name_fr.trim().is_empty() {
        errs.push(("name_fr", "field-required"));
    }
    if name_fr.chars().count() > 100 || name_en.chars().count() > 100 {
        errs.push(("name_fr", "field-too-long"));
    }
    if !errs.is_empty() {
        return Err(invalid(errs));
    }
    let mut tx = state.db.begin().await?;
    let pos: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(position), 0) + 1 FROM org_sectors WHERE position < 99",
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO org_sectors (code, name_fr, name_en, position) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (code) DO UPDATE SET name_fr = excluded.name_fr, name_en = excluded.name_en",
    )
    .bind(code)
    .bind(name_fr.trim())
    .bind(name_en.trim())
    .bind(pos)
    .execute(&mut *tx)
    .await?;
    audit_in(&mut tx, actor, "org_sector_saved", None, code).await?;
    tx.commit().await?;
    Ok(())
}

/// Remove a sector from the list (and from the organisations that had it).
pub async fn delete_sector(state: &AppState, actor: &Actor, code: &str) -> AppResult<()> {
    if !actor.may(Action::VerifyOrganisations) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    sqlx::query("DELETE FROM organisation_sectors WHERE sector = $1")
        .bind(code)
        .execute(&mut *tx)
        .await?;
    let n = sqlx::query("DELETE FROM org_sectors WHERE code = $1")
        .bind(code)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::NotFound);
    }
    audit_in(&mut tx, actor, "org_sector_deleted", None, code).await?;
    tx.commit().await?;
    Ok(())
}
