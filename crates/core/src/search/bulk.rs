//! Writing many index entries at once (the rebuild): the same rows as
//! [`super::put`] writes one by one, in a handful of multi-row statements
//! per batch instead of three or four statements per document.
//!
//! SQLite gets anonymous `?` placeholders (sqlx looks numbered ones up by
//! name, a linear scan per parameter: quadratic in the statement's size);
//! PostgreSQL needs `$n`.

use std::collections::HashMap;

use sqlx::AnyConnection;
use sqlx::Row;

use super::{Doc, Source, analyze};
use crate::db::Backend;

/// Rows per multi-row statement (at most 15 values per row: well under
/// SQLite's 32,766 and PostgreSQL's 65,535 bound values).
const ROWS_PER_STATEMENT: usize = 250;
/// Values per row of `search_docs` (`COLS`).
const WIDTH: usize = 12;

/// A value to bind.
enum B<'a> {
    I(i64),
    N(Option<i64>),
    S(&'a str),
}

/// `(p, p, …), (p, p, …)` for `rows` rows of `width` values, numbering
/// from `$1` on PostgreSQL; `per_row` wraps the placeholders of one row
/// (e.g. to compute a column from several of them).
fn values(
    backend: Backend,
    rows: usize,
    width: usize,
    per_row: impl Fn(&[String]) -> String,
) -> String {
    let mut out = String::with_capacity(rows * width * 5);
    let mut n = 1;
    for i in 0..rows {
        if i > 0 {
            out.push(',');
        }
        let ps: Vec<String> = (0..width)
            .map(|_| {
                let p = match backend {
                    Backend::Sqlite => "?".to_string(),
                    Backend::Postgres => format!("${n}"),
                };
                n += 1;
                p
            })
            .collect();
        out.push('(');
        out.push_str(&per_row(&ps));
        out.push(')');
    }
    out
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    vals: Vec<B<'q>>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for v in vals {
        q = match v {
            B::I(x) => q.bind(x),
            B::N(x) => q.bind(x),
            B::S(x) => q.bind(x),
        };
    }
    q
}

fn row_values(d: &Doc, gen_: i64) -> Vec<B<'_>> {
    vec![
        B::S(d.source.code()),
        B::I(d.ref_id),
        B::S(d.kind.as_str()),
        B::N(d.publication_id),
        B::N(d.community_id),
        B::N(d.user_id),
        B::S(d.lang.as_str()),
        B::S(d.title.as_str()),
        B::S(d.body.as_str()),
        B::I(d.created_at),
        B::I(gen_),
        B::S(d.filters.as_str()),
    ]
}

/// The analysed terms of a document: (title, tags, body).
pub(super) fn terms(doc: &Doc) -> (String, String, String) {
    let title = if doc.source == Source::Replies {
        String::new()
    } else {
        analyze::index_terms(&doc.title, doc.lang)
    };
    (
        title,
        analyze::index_terms(&doc.tags, doc.lang),
        analyze::index_terms(&doc.body, doc.lang),
    )
}

/// Write `docs` (all of one source, with their analysed `terms`) with
/// generation `gen_`, replacing their previous entries.
pub(super) async fn put_many(
    conn: &mut AnyConnection,
    backend: Backend,
    docs: &[Doc],
    terms: &[(String, String, String)],
    gen_: i64,
) -> Result<(), sqlx::Error> {
    let Some(first) = docs.first() else {
        return Ok(());
    };
    let source = first.source;
    debug_assert!(docs.iter().all(|d| d.source == source));
    debug_assert_eq!(docs.len(), terms.len());
    const COLS: &str = "source, ref_id, kind, publication_id, community_id, user_id, lang, title, body, created_at, gen, filters";
    const UPDATE: &str = "kind = excluded.kind, publication_id = excluded.publication_id, \
         community_id = excluded.community_id, user_id = excluded.user_id, lang = excluded.lang, \
         title = excluded.title, body = excluded.body, created_at = excluded.created_at, gen = excluded.gen, \
         filters = excluded.filters";
    match backend {
        Backend::Sqlite => {
            // FTS5 (contentless, delete-enabled) keeps a tombstone for every
            // delete, even of a row it never had: only delete what exists.
            let list = docs
                .iter()
                .map(|d| d.ref_id.to_string())
                .collect::<Vec<_>>()
                .join(",");
            let existing: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT id FROM search_docs WHERE source = '{}' AND ref_id IN ({list})",
                source.code()
            )))
            .fetch_all(&mut *conn)
            .await?;
            if !existing.is_empty() {
                let ids = existing
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(",");
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM search_fts WHERE rowid IN ({ids})"
                )))
                .execute(&mut *conn)
                .await?;
            }
            let mut id_of: HashMap<i64, i64> = HashMap::with_capacity(docs.len());
            for chunk in docs.chunks(ROWS_PER_STATEMENT) {
                let sql = format!(
                    "INSERT INTO search_docs ({COLS}) VALUES {} ON CONFLICT (source, ref_id) DO UPDATE SET {UPDATE} \
                     RETURNING id, ref_id",
                    values(backend, chunk.len(), WIDTH, |ps| ps.join(","))
                );
                let vals: Vec<B> = chunk.iter().flat_map(|d| row_values(d, gen_)).collect();
                let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), vals)
                    .persistent(false)
                    .fetch_all(&mut *conn)
                    .await?;
                for r in rows {
                    id_of.insert(r.try_get(1)?, r.try_get(0)?);
                }
            }
            let pairs: Vec<(i64, &(String, String, String), &str)> = docs
                .iter()
                .zip(terms)
                .filter_map(|(d, t)| id_of.get(&d.ref_id).map(|id| (*id, t, d.filters.as_str())))
                .collect();
            for chunk in pairs.chunks(ROWS_PER_STATEMENT) {
                let sql = format!(
                    "INSERT INTO search_fts (rowid, title, tags, body, filters) VALUES {}",
                    values(backend, chunk.len(), 5, |ps| ps.join(","))
                );
                let vals: Vec<B> = chunk
                    .iter()
                    .flat_map(|(id, (t, g, b), f)| {
                        [
                            B::I(*id),
                            B::S(t.as_str()),
                            B::S(g.as_str()),
                            B::S(b.as_str()),
                            B::S(f),
                        ]
                    })
                    .collect();
                bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), vals)
                    .persistent(false)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        Backend::Postgres => {
            for (chunk, chunk_terms) in docs
                .chunks(ROWS_PER_STATEMENT)
                .zip(terms.chunks(ROWS_PER_STATEMENT))
            {
                let sql = format!(
                    "INSERT INTO search_docs ({COLS}, tsv) VALUES {} ON CONFLICT (source, ref_id) DO UPDATE SET {UPDATE}, \
                     tsv = excluded.tsv",
                    values(backend, chunk.len(), WIDTH + 3, |ps| format!(
                        "{}, setweight(to_tsvector('simple', {}), 'A') || setweight(to_tsvector('simple', {}), 'B') \
                         || to_tsvector('simple', {}) || array_to_tsvector(string_to_array({}, ' '))",
                        ps[..WIDTH].join(","),
                        ps[WIDTH],
                        ps[WIDTH + 1],
                        ps[WIDTH + 2],
                        ps[WIDTH - 1]
                    ))
                );
                let vals: Vec<B> = chunk
                    .iter()
                    .zip(chunk_terms)
                    .flat_map(|(d, (t, g, b))| {
                        let mut v = row_values(d, gen_);
                        v.extend([B::S(t.as_str()), B::S(g.as_str()), B::S(b.as_str())]);
                        v
                    })
                    .collect();
                bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), vals)
                    .persistent(false)
                    .execute(&mut *conn)
                    .await?;
            }
        }
    }
    Ok(())
}
