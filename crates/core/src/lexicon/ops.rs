//! Operations on the lexicon: a member proposes a term (it waits for a
//! lexicon editor); an editor proposes terms already accepted, accepts or
//! refuses proposals and edits any term; a proposer edits their term while
//! it waits. Every state change writes a revision (the whole term as
//! JSON, with its author and note) in the same transaction.

use super::{Term, Values, fold, label_keys};
use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::db::{Db, now};
use crate::error::{AppError, AppResult};
use crate::library::ops::invalid;
use crate::policy::Action;
use crate::state::AppState;

struct Checked {
    pref_fr: String,
    pref_en: String,
    alt: Vec<String>,
    definition_fr: String,
    definition_en: String,
    sectors: Vec<String>,
    sources: Vec<String>,
    broader: Vec<i64>,
    related: Vec<i64>,
    note: String,
}

fn list(s: &str) -> Vec<String> {
    s.split([',', '\n'])
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

/// Terms typed by slug or label: their ids, or the message key of the first problem.
async fn resolve(
    db: &Db,
    typed: &str,
    own: Option<i64>,
) -> AppResult<Result<Vec<i64>, &'static str>> {
    let mut ids = Vec::new();
    for t in list(typed) {
        match super::find_accepted(db, &t).await? {
            Some(id) if Some(id) != own => ids.push(id),
            Some(_) => return Ok(Err("lexicon-relation-self")),
            None => return Ok(Err("lexicon-term-unknown")),
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(Ok(ids))
}

async fn check(db: &Db, v: &Values, own: Option<i64>) -> AppResult<Checked> {
    let mut errs: Vec<(&'static str, &'static str)> = Vec::new();
    let pref_fr = v.pref_fr.trim().to_string();
    if pref_fr.is_empty() || fold(&pref_fr).is_empty() {
        errs.push(("pref_fr", "field-required"));
    }
    let alt = crate::library::lines(&v.alt_labels);
    for (f, s) in [("pref_fr", &pref_fr), ("pref_en", &v.pref_en)] {
        if s.chars().count() > super::LABEL_MAX {
            errs.push((f, "field-too-long"));
        }
    }
    if alt.len() > 50 || alt.iter().any(|a| a.chars().count() > super::LABEL_MAX) {
        errs.push(("alt_labels", "field-too-long"));
    }
    for (f, s) in [
        ("definition_fr", &v.definition_fr),
        ("definition_en", &v.definition_en),
        ("sources", &v.sources),
        ("note", &v.note),
    ] {
        if s.chars().count() > super::TEXT_MAX {
            errs.push((f, "field-too-long"));
        }
    }
    let codes: Vec<String> = sqlx::query_scalar("SELECT code FROM org_sectors")
        .fetch_all(&db.pool)
        .await?;
    let sectors = list(&v.sectors);
    if sectors.iter().any(|s| !codes.contains(s)) {
        errs.push(("sectors", "lexicon-sector-unknown"));
    }
    let broader = match resolve(db, &v.broader, own).await? {
        Ok(ids) => ids,
        Err(k) => {
            errs.push(("broader", k));
            Vec::new()
        }
    };
    let related = match resolve(db, &v.related, own).await? {
        Ok(ids) => ids,
        Err(k) => {
            errs.push(("related", k));
            Vec::new()
        }
    };
    if !errs.is_empty() {
        return Err(invalid(errs));
    }
    Ok(Checked {
        pref_fr,
        pref_en: v.pref_en.trim().to_string(),
        alt,
        definition_fr: v.definition_fr.trim().replace("\r\n", "\n"),
        definition_en: v.definition_en.trim().replace("\r\n", "\n"),
        sectors,
        sources: crate::library::lines(&v.sources),
        broader,
        related,
        note: v.note.trim().to_string(),
    })
}

async fn write_relations(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
    c: &Checked,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM lexicon_relations WHERE term_id = $1 OR (other_id = $1 AND kind = 'related')",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    for b in &c.broader {
        sqlx::query(
            "INSERT INTO lexicon_relations (term_id, other_id, kind) VALUES ($1, $2, 'broader')",
        )
        .bind(id)
        .bind(b)
        .execute(&mut **tx)
        .await?;
    }
    for r in &c.related {
        sqlx::query(
            "INSERT INTO lexicon_relations (term_id, other_id, kind) VALUES ($1, $2, 'related')",
        )
        .bind(id.min(*r))
        .bind(id.max(*r))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Write the term's current state as a revision (in the transaction).
async fn snapshot_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
    actor: &Actor,
    note: &str,
) -> AppResult<Term> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM lexicon_terms t WHERE t.id = $1",
        super::COLUMNS
    )))
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    let t = Term::from_row(&row)?;
    let json = serde_json::to_string(&t).map_err(|e| AppError::Internal(e.into()))?;
    sqlx::query(
        "INSERT INTO lexicon_revisions (term_id, snapshot, note, author_id, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(json)
    .bind(note)
    .bind(actor.audit_id())
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(t)
}

fn slug_for(pref_fr: &str) -> String {
    let s = crate::communities::slugify(pref_fr);
    let s: String = s.chars().take(80).collect();
    s.trim_end_matches('-').to_string()
}

/// Propose a term. An editor's proposal is accepted at once.
pub async fn propose(state: &AppState, actor: &Actor, v: &Values) -> AppResult<Term> {
    if !actor.may(Action::ProposeTerm) && !actor.may(Action::EditLexicon) {
        return Err(AppError::Forbidden);
    }
    let c = check(&state.db, v, None).await?;
    if super::find_accepted(&state.db, &c.pref_fr).await?.is_some() {
        return Err(invalid(vec![("pref_fr", "lexicon-term-exists")]));
    }
    if let Some(u) = actor.user()
        && let Err(retry_after) = crate::ratelimit::hit(
            &state.db,
            &format!("term-propose:{}", u.id),
            crate::ratelimit::Limit {
                max: 100,
                window_secs: 86400,
            },
        )
        .await?
    {
        return Err(AppError::TooManyRequests { retry_after });
    }
    let status = if actor.may(Action::EditLexicon) {
        "accepted"
    } else {
        "proposed"
    };
    let base = slug_for(&c.pref_fr);
    let mut slug = base.clone();
    let mut n = 1;
    while super::by_slug(&state.db, &slug).await?.is_some() {
        n += 1;
        slug = format!("{base}-{n}");
    }
    insert(state, actor, &c, &slug, status).await
}

async fn insert(
    state: &AppState,
    actor: &Actor,
    c: &Checked,
    slug: &str,
    status: &str,
) -> AppResult<Term> {
    let t = now();
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO lexicon_terms (slug, pref_fr, pref_en, alt_labels, label_keys, definition_fr, definition_en, \
         sectors, sources, status, proposed_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(slug)
    .bind(&c.pref_fr)
    .bind(&c.pref_en)
    .bind(c.alt.join("\n"))
    .bind(label_keys(&c.pref_fr, &c.pref_en, &c.alt))
    .bind(&c.definition_fr)
    .bind(&c.definition_en)
    .bind(c.sectors.join("\n"))
    .bind(c.sources.join("\n"))
    .bind(status)
    .bind(actor.audit_id())
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    write_relations(&mut tx, id, c).await?;
    let term = snapshot_in(&mut tx, id, actor, &c.note).await?;
    audit_in(&mut tx, actor, "term_proposed", None, slug).await?;
    tx.commit().await?;
    Ok(term)
}

/// The term at `slug` as the actor may see it.
pub async fn load_for(state: &AppState, actor: &Actor, slug: &str) -> AppResult<Term> {
    let t = super::by_slug(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if !actor.may(Action::ViewTerm { t: &t.facts() }) {
        return Err(AppError::NotFound);
    }
    Ok(t)
}

/// Edit a term: editors always, its proposer while it waits.
pub async fn edit(state: &AppState, actor: &Actor, slug: &str, v: &Values) -> AppResult<Term> {
    let t = load_for(state, actor, slug).await?;
    let own_proposal =
        t.status == "proposed" && actor.user().is_some_and(|u| Some(u.id) == t.proposed_by);
    if !actor.may(Action::EditLexicon) && !own_proposal {
        return Err(AppError::Forbidden);
    }
    let c = check(&state.db, v, Some(t.id)).await?;
    if let Some(other) = super::find_accepted(&state.db, &c.pref_fr).await?
        && other != t.id
    {
        return Err(invalid(vec![("pref_fr", "lexicon-term-exists")]));
    }
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "UPDATE lexicon_terms SET pref_fr = $1, pref_en = $2, alt_labels = $3, label_keys = $4, definition_fr = $5, \
         definition_en = $6, sectors = $7, sources = $8, updated_at = $9 WHERE id = $10",
    )
    .bind(&c.pref_fr)
    .bind(&c.pref_en)
    .bind(c.alt.join("\n"))
    .bind(label_keys(&c.pref_fr, &c.pref_en, &c.alt))
    .bind(&c.definition_fr)
    .bind(&c.definition_en)
    .bind(c.sectors.join("\n"))
    .bind(c.sources.join("\n"))
    .bind(now())
    .bind(t.id)
    .execute(&mut *tx)
    .await?;
    write_relations(&mut tx, t.id, &c).await?;
    // Resources filed under it are found by its labels: theirs changed.
    let filed: Vec<i64> =
        sqlx::query_scalar("SELECT resource_id FROM resource_subjects WHERE term_id = $1")
            .bind(t.id)
            .fetch_all(&mut *tx)
            .await?;
    for r in filed {
        crate::search::index_one(
            &mut tx,
            state.db.backend,
            crate::search::Source::Resources,
            r,
        )
        .await?;
    }
    // So are publications and events carrying a tag linked to it.
    super::tags::reindex_term(&mut tx, state.db.backend, t.id).await?;
    let term = snapshot_in(&mut tx, t.id, actor, &c.note).await?;
    audit_in(&mut tx, actor, "term_edited", None, &t.slug).await?;
    tx.commit().await?;
    Ok(term)
}

/// Accept (`true`) or refuse a proposed term: lexicon editors.
pub async fn decide(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    accept: bool,
    note: &str,
) -> AppResult<Term> {
    if !actor.may(Action::EditLexicon) {
        return Err(AppError::Forbidden);
    }
    let t = load_for(state, actor, slug).await?;
    if accept
        && let Some(other) = super::find_accepted(&state.db, &t.pref_fr).await?
        && other != t.id
    {
        return Err(AppError::Conflict {
            code: "term_exists",
            message_key: "lexicon-term-exists",
        });
    }
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE lexicon_terms SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(if accept { "accepted" } else { "refused" })
        .bind(now())
        .bind(t.id)
        .execute(&mut *tx)
        .await?;
    // Only accepted terms lend their labels to what carries their tags.
    super::tags::reindex_term(&mut tx, state.db.backend, t.id).await?;
    let term = snapshot_in(&mut tx, t.id, actor, note.trim()).await?;
    audit_in(
        &mut tx,
        actor,
        if accept {
            "term_accepted"
        } else {
            "term_refused"
        },
        t.proposed_by,
        &t.slug,
    )
    .await?;
    tx.commit().await?;
    Ok(term)
}
