//! Tags linked to terms: the lexicon as the shared tag vocabulary (C9).
//!
//! A lexicon editor links a tag (by its folded key, the one publications
//! and events share) to a term. From then on a publication or an event
//! carrying that tag is indexed with the term's labels — preferred and
//! alternative — so a search by any synonym finds it (`search::index`), and
//! the term's page lists the publications tagged with it that the reader
//! may find (`publications::findable_sql`, the policy's SQL twin). Linking,
//! unlinking, editing the term's labels and accepting it re-index what
//! carries the tag, in the same transaction.

use sqlx::{Any, AnyConnection, Transaction};

use crate::accounts::User;
use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::db::{Backend, Db, now};
use crate::error::{AppError, AppResult};
use crate::library::ops::invalid;
use crate::policy::Action;
use crate::search::{self, Source};
use crate::state::AppState;

/// Tags linked to one term, at most.
pub const TAGS_PER_TERM: i64 = 50;
/// Publications a term's page lists.
pub const LISTED: i64 = 30;

/// The tag keys linked to term `id`, with the label the tag is shown with
/// (the key itself when no publication uses the tag yet).
pub async fn of(db: &Db, id: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT k.tag_key, COALESCE((SELECT t.label FROM tags t WHERE t.name = k.tag_key), k.tag_key) \
         FROM lexicon_term_tags k WHERE k.term_id = $1 ORDER BY k.tag_key",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

/// Re-index every publication and event carrying one of the tags linked to
/// `term_id` (their documents hold the term's labels).
pub async fn reindex_term(
    conn: &mut AnyConnection,
    backend: Backend,
    term_id: i64,
) -> Result<(), sqlx::Error> {
    let keys: Vec<String> =
        sqlx::query_scalar("SELECT tag_key FROM lexicon_term_tags WHERE term_id = $1")
            .bind(term_id)
            .fetch_all(&mut *conn)
            .await?;
    for k in keys {
        reindex_tag(conn, backend, &k).await?;
    }
    Ok(())
}

/// Re-index what carries tag `key`.
pub async fn reindex_tag(
    conn: &mut AnyConnection,
    backend: Backend,
    key: &str,
) -> Result<(), sqlx::Error> {
    let pubs: Vec<i64> = sqlx::query_scalar(
        "SELECT pt.publication_id FROM publication_tags pt JOIN tags t ON t.id = pt.tag_id WHERE t.name = $1",
    )
    .bind(key)
    .fetch_all(&mut *conn)
    .await?;
    for p in pubs {
        search::index_one(conn, backend, Source::Publications, p).await?;
    }
    let events: Vec<i64> = sqlx::query_scalar("SELECT event_id FROM event_tags WHERE tag_key = $1")
        .bind(key)
        .fetch_all(&mut *conn)
        .await?;
    for e in events {
        search::index_one(conn, backend, Source::Events, e).await?;
    }
    Ok(())
}

/// The folded key of a tag as typed ("Économie sociale" → `economie-sociale`).
fn key_of(typed: &str) -> AppResult<String> {
    match crate::publications::parse_tags(typed) {
        Ok(tags) if tags.len() == 1 => Ok(tags[0].name.clone()),
        _ => Err(invalid(vec![("tag", "lexicon-tag-invalid")])),
    }
}

async fn editable(state: &AppState, actor: &Actor, slug: &str) -> AppResult<super::Term> {
    let t = super::ops::load_for(state, actor, slug).await?;
    if !actor.may(Action::EditLexicon) {
        return Err(AppError::Forbidden);
    }
    Ok(t)
}

async fn commit_audited(
    mut tx: Transaction<'static, Any>,
    actor: &Actor,
    action: &str,
    detail: &str,
) -> AppResult<()> {
    audit_in(&mut tx, actor, action, None, detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Link the tag typed to the term at `slug` (lexicon editors); returns its key.
pub async fn link(state: &AppState, actor: &Actor, slug: &str, typed: &str) -> AppResult<String> {
    let t = editable(state, actor, slug).await?;
    let key = key_of(typed)?;
    let mut tx = state.db.begin().await?;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lexicon_term_tags WHERE term_id = $1")
        .bind(t.id)
        .fetch_one(&mut *tx)
        .await?;
    if n >= TAGS_PER_TERM {
        return Err(invalid(vec![("tag", "lexicon-tags-too-many")]));
    }
    sqlx::query(
        "INSERT INTO lexicon_term_tags (term_id, tag_key, added_by, added_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (term_id, tag_key) DO NOTHING",
    )
    .bind(t.id)
    .bind(&key)
    .bind(actor.user().map(|u| u.id))
    .bind(now())
    .execute(&mut *tx)
    .await?;
    reindex_tag(&mut tx, state.db.backend, &key).await?;
    commit_audited(tx, actor, "term_tag_linked", &format!("{} #{key}", t.slug)).await?;
    Ok(key)
}

/// Unlink tag `key` from the term at `slug` (lexicon editors).
pub async fn unlink(state: &AppState, actor: &Actor, slug: &str, key: &str) -> AppResult<()> {
    let t = editable(state, actor, slug).await?;
    let mut tx = state.db.begin().await?;
    let gone = sqlx::query("DELETE FROM lexicon_term_tags WHERE term_id = $1 AND tag_key = $2")
        .bind(t.id)
        .bind(key)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if gone == 0 {
        return Err(AppError::NotFound);
    }
    reindex_tag(&mut tx, state.db.backend, key).await?;
    commit_audited(
        tx,
        actor,
        "term_tag_unlinked",
        &format!("{} #{key}", t.slug),
    )
    .await?;
    Ok(())
}

/// Publications carrying a tag linked to term `id` that `viewer` may find,
/// newest activity first: (path, title).
pub async fn publications(
    db: &Db,
    viewer: Option<&User>,
    id: i64,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let acting = viewer
        .filter(|u| u.status == crate::accounts::Status::Active && u.domain.is_none())
        .map(|u| u.id)
        .unwrap_or(0);
    // Two plans by how common the term's tags are, as for a tag's page
    // (`publications::list_by_tag`): walk publications newest first when
    // they are common, else sort the tagged ones. Either alone reads every
    // publication (rare tags at scale 100) or every tagged one.
    // Counting stops at the threshold: past it, the walk is chosen anyway
    // (a term whose tags carry 37,000 publications cost 34 ms to count in
    // full on PostgreSQL at scale 100).
    let newest: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM publications")
        .fetch_one(&db.pool)
        .await?;
    let threshold = ((LISTED + 1) as f64 * newest as f64).sqrt() as i64 + 1;
    let tagged: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 AS one FROM publication_tags pt JOIN tags t ON t.id = pt.tag_id \
         JOIN lexicon_term_tags k ON k.tag_key = t.name WHERE k.term_id = $1 LIMIT $2) capped",
    )
    .bind(id)
    .bind(threshold)
    .fetch_one(&db.pool)
    .await?;
    let visible = crate::publications::findable_sql(viewer);
    let sql = if tagged.saturating_mul(tagged) > (LISTED + 1).saturating_mul(newest) {
        format!(
            "SELECT p.id, p.title FROM publications p WHERE EXISTS (SELECT 1 FROM publication_tags pt \
             JOIN tags t ON t.id = pt.tag_id JOIN lexicon_term_tags k ON k.tag_key = t.name \
             WHERE pt.publication_id = p.id AND k.term_id = $2) AND {visible} \
             ORDER BY p.last_activity_at DESC, p.id DESC LIMIT {LISTED}"
        )
    } else {
        format!(
            "SELECT p.id, p.title FROM publications p WHERE p.id IN (SELECT pt.publication_id FROM publication_tags pt \
             JOIN tags t ON t.id = pt.tag_id JOIN lexicon_term_tags k ON k.tag_key = t.name \
             WHERE k.term_id = $2) AND {visible} \
             ORDER BY p.last_activity_at DESC, p.id DESC LIMIT {LISTED}"
        )
    };
    let rows: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(acting)
        .bind(id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, title)| (crate::urls::publication(id), title))
        .collect())
}
