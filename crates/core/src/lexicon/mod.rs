//! The collaborative lexicon (C9): terms with a preferred label in French
//! and English, alternative labels, definitions, sectors, sources, and
//! broader / narrower / related terms; every version kept. No HTTP.
//!
//! - this file: the model, values and their validation, reads, look-up of
//!   a term by any of its labels (folded: "ESS" and "économie sociale et
//!   solidaire" find the same term);
//! - `ops`: propose, accept or refuse, edit (each a revision);
//! - `skos`: SKOS export as Turtle and JSON-LD.

pub mod import;
pub mod ops;
pub mod skos;
pub mod tags;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::User;
use crate::db::Db;
use crate::policy::{self, Action, TermFacts};

pub const LABEL_MAX: usize = 200;
pub const TEXT_MAX: usize = 10000;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Term {
    pub id: i64,
    pub slug: String,
    pub pref_fr: String,
    pub pref_en: String,
    pub alt_labels: Vec<String>,
    pub definition_fr: String,
    pub definition_en: String,
    pub sectors: Vec<String>,
    pub sources: Vec<String>,
    pub status: String,
    #[serde(skip)]
    pub proposed_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub const COLUMNS: &str = "t.id, t.slug, t.pref_fr, t.pref_en, t.alt_labels, t.definition_fr, t.definition_en, \
     t.sectors, t.sources, t.status, t.proposed_by, t.created_at, t.updated_at";

impl Term {
    pub fn from_row(r: &AnyRow) -> Result<Term, sqlx::Error> {
        let alt: String = r.try_get("alt_labels")?;
        let sectors: String = r.try_get("sectors")?;
        let sources: String = r.try_get("sources")?;
        Ok(Term {
            id: r.try_get("id")?,
            slug: r.try_get("slug")?,
            pref_fr: r.try_get("pref_fr")?,
            pref_en: r.try_get("pref_en")?,
            alt_labels: crate::library::lines(&alt),
            definition_fr: r.try_get("definition_fr")?,
            definition_en: r.try_get("definition_en")?,
            sectors: crate::library::lines(&sectors),
            sources: crate::library::lines(&sources),
            status: r.try_get("status")?,
            proposed_by: r.try_get("proposed_by")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    }
    pub fn facts(&self) -> TermFacts {
        TermFacts {
            id: self.id,
            accepted: self.status == "accepted",
            proposed_by: self.proposed_by,
        }
    }
    pub fn path(&self) -> String {
        crate::urls::term(&self.slug)
    }
    pub fn visible_to(&self, viewer: Option<&User>) -> bool {
        policy::can(viewer, Action::ViewTerm { t: &self.facts() })
    }
    /// The label in the reader's language (French when there is no English one).
    pub fn label(&self, english: bool) -> &str {
        if english && !self.pref_en.is_empty() {
            &self.pref_en
        } else {
            &self.pref_fr
        }
    }
}

/// The folded form of a label: no case, no accents, single spaces.
pub fn fold(label: &str) -> String {
    crate::territories::fold(label)
}

/// Every label of a term, folded, one per line (stored for look-ups).
pub fn label_keys(pref_fr: &str, pref_en: &str, alt: &[String]) -> String {
    let mut keys: Vec<String> = [pref_fr, pref_en]
        .into_iter()
        .chain(alt.iter().map(String::as_str))
        .map(fold)
        .filter(|k| !k.is_empty())
        .collect();
    keys.sort();
    keys.dedup();
    format!("\n{}\n", keys.join("\n"))
}

pub async fn by_slug(db: &Db, slug: &str) -> Result<Option<Term>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM lexicon_terms t WHERE t.slug = $1"
    )))
    .bind(slug)
    .fetch_optional(&db.pool)
    .await?
    .as_ref()
    .map(Term::from_row)
    .transpose()
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Term>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM lexicon_terms t WHERE t.id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .as_ref()
    .map(Term::from_row)
    .transpose()
}

/// The accepted term whose slug or any label (preferred or alternative,
/// either language, folded) is `typed`.
pub async fn find_accepted(db: &Db, typed: &str) -> Result<Option<i64>, sqlx::Error> {
    let key = fold(typed);
    if key.is_empty() {
        return Ok(None);
    }
    sqlx::query_scalar(
        "SELECT id FROM lexicon_terms WHERE status = 'accepted' AND (slug = $1 OR label_keys LIKE $2) ORDER BY id LIMIT 1",
    )
    .bind(typed.trim().to_lowercase())
    .bind(format!("%\n{}\n%", key.replace(['%', '_'], "")))
    .fetch_optional(&db.pool)
    .await
}

/// Terms the viewer may see, by French label; `q` filters on any label.
pub async fn list(
    db: &Db,
    viewer: Option<&User>,
    q: &str,
    limit: i64,
) -> Result<Vec<Term>, sqlx::Error> {
    let mut s = crate::organisations::sql::Sql::new(&format!(
        "SELECT {COLUMNS} FROM lexicon_terms t WHERE "
    ));
    let p = s.viewer(viewer);
    s.push(&policy::visible_terms_sql("t", viewer, p));
    let key = fold(q);
    if !key.is_empty() {
        let ph = s.bind(crate::organisations::sql::Val::S(format!(
            "%{}%",
            key.replace(['%', '_'], "")
        )));
        s.push(&format!(" AND t.label_keys LIKE {ph}"));
    }
    s.push(&format!(" ORDER BY t.pref_fr, t.id LIMIT {limit}"));
    s.query()
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(Term::from_row)
        .collect()
}

/// Related terms of `id`: (kind, term) with kind `broader`, `narrower`,
/// `related` (accepted terms only).
pub async fn relations(db: &Db, id: i64) -> Result<Vec<(String, Term)>, sqlx::Error> {
    let sql = format!(
        "SELECT 'broader' AS rk, {COLUMNS} FROM lexicon_relations lr JOIN lexicon_terms t ON t.id = lr.other_id \
         WHERE lr.term_id = $1 AND lr.kind = 'broader' AND t.status = 'accepted' \
         UNION ALL SELECT 'narrower' AS rk, {COLUMNS} FROM lexicon_relations lr JOIN lexicon_terms t ON t.id = lr.term_id \
         WHERE lr.other_id = $1 AND lr.kind = 'broader' AND t.status = 'accepted' \
         UNION ALL SELECT 'related' AS rk, {COLUMNS} FROM lexicon_relations lr JOIN lexicon_terms t ON t.id = lr.other_id \
         WHERE lr.term_id = $1 AND lr.kind = 'related' AND t.status = 'accepted' \
         UNION ALL SELECT 'related' AS rk, {COLUMNS} FROM lexicon_relations lr JOIN lexicon_terms t ON t.id = lr.term_id \
         WHERE lr.other_id = $1 AND lr.kind = 'related' AND t.status = 'accepted'"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(&db.pool)
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        out.push((r.try_get::<String, _>("rk")?, Term::from_row(r)?));
    }
    out.sort_by(|a, b| {
        (a.0.as_str(), a.1.pref_fr.as_str()).cmp(&(b.0.as_str(), b.1.pref_fr.as_str()))
    });
    Ok(out)
}

/// Every relation between accepted terms: (term id, other id, kind).
pub async fn all_relations(db: &Db) -> Result<Vec<(i64, i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT lr.term_id, lr.other_id, lr.kind FROM lexicon_relations lr \
         JOIN lexicon_terms a ON a.id = lr.term_id JOIN lexicon_terms b ON b.id = lr.other_id \
         WHERE a.status = 'accepted' AND b.status = 'accepted' ORDER BY lr.term_id, lr.other_id",
    )
    .fetch_all(&db.pool)
    .await
}

/// A revision of a term.
#[derive(Debug, Clone)]
pub struct Revision {
    pub id: i64,
    pub snapshot: Term,
    pub note: String,
    pub author: Option<String>,
    pub created_at: i64,
}

pub async fn revisions(db: &Db, term_id: i64) -> Result<Vec<Revision>, sqlx::Error> {
    let rows: Vec<(i64, String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT r.id, r.snapshot, r.note, u.username, r.created_at FROM lexicon_revisions r \
         LEFT JOIN users u ON u.id = r.author_id WHERE r.term_id = $1 ORDER BY r.id DESC",
    )
    .bind(term_id)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    for (id, snap, note, author, created_at) in rows {
        let snapshot: Term = serde_json::from_str(&snap)
            .map_err(|e| sqlx::Error::Decode(format!("revision {id}: {e}").into()))?;
        out.push(Revision {
            id,
            snapshot,
            note,
            author,
            created_at,
        });
    }
    Ok(out)
}

/// The differences between two versions of a term: (field, before, after).
pub fn diff(before: &Term, after: &Term) -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    let mut cmp = |f: &'static str, a: String, b: String| {
        if a != b {
            out.push((f, a, b));
        }
    };
    cmp("pref_fr", before.pref_fr.clone(), after.pref_fr.clone());
    cmp("pref_en", before.pref_en.clone(), after.pref_en.clone());
    cmp(
        "alt_labels",
        before.alt_labels.join("\n"),
        after.alt_labels.join("\n"),
    );
    cmp(
        "definition_fr",
        before.definition_fr.clone(),
        after.definition_fr.clone(),
    );
    cmp(
        "definition_en",
        before.definition_en.clone(),
        after.definition_en.clone(),
    );
    cmp(
        "sectors",
        before.sectors.join("\n"),
        after.sectors.join("\n"),
    );
    cmp(
        "sources",
        before.sources.join("\n"),
        after.sources.join("\n"),
    );
    cmp("status", before.status.clone(), after.status.clone());
    out
}

/// What a form or the API sends.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
#[schema(as = LexiconTermValues)]
pub struct Values {
    /// The preferred French label (required).
    #[schema(required = true, pattern = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$")]
    pub pref_fr: String,
    pub pref_en: String,
    /// One per line.
    pub alt_labels: String,
    pub definition_fr: String,
    pub definition_en: String,
    /// Sector codes, one per line or separated by commas.
    pub sectors: String,
    /// One per line.
    pub sources: String,
    /// Broader terms (slugs or labels), separated by commas.
    pub broader: String,
    /// Related terms (slugs or labels), separated by commas.
    pub related: String,
    /// Why this edit (kept with the revision).
    pub note: String,
}

impl Values {
    pub fn of(t: &Term, rel: &[(String, Term)]) -> Values {
        let pick = |k: &str| {
            rel.iter()
                .filter(|(kind, _)| kind == k)
                .map(|(_, t)| t.slug.clone())
                .collect::<Vec<_>>()
                .join(", ")
        };
        Values {
            pref_fr: t.pref_fr.clone(),
            pref_en: t.pref_en.clone(),
            alt_labels: t.alt_labels.join("\n"),
            definition_fr: t.definition_fr.clone(),
            definition_en: t.definition_en.clone(),
            sectors: t.sectors.join("\n"),
            sources: t.sources.join("\n"),
            broader: pick("broader"),
            related: pick("related"),
            note: String::new(),
        }
    }
}
