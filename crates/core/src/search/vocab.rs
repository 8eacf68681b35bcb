//! "Vouliez-vous dire …?": typo tolerance from the index's own vocabulary.
//!
//! - **The vocabulary** (`search_words`: folded word, a display form with
//!   its accents, how many entries use it) and its trigrams
//!   (`search_word_trigrams`) are read from `search_docs` by
//!   [`refresh`], in batches past a watermark, from the hourly maintenance
//!   job (and `admin reindex`). Nothing is added on the request path.
//! - **A suggestion** is made only when a plain query (words, no operators)
//!   finds nothing: each word the vocabulary does not know is replaced by
//!   the known word closest to it (trigram overlap, then at most two edits,
//!   then the most used), and the corrected query is offered **only if it
//!   finds something for this viewer**, through the same
//!   permission-filtered search. So a word used only where the viewer may
//!   not read is never suggested to them: the vocabulary holds words, the
//!   policy decides what they may learn from it (invariant 11).

use std::collections::HashMap;

use super::analyze;
use super::find::{Request, search};
use crate::accounts::User;
use crate::db::Db;

const WATERMARK_KEY: &str = "search.vocab_upto";
/// Entries read per transaction.
const BATCH: i64 = 500;
/// Rows per multi-row insert.
const CHUNK: usize = 300;
/// Shortest word corrected (shorter ones are too ambiguous).
const MIN_LEN: usize = 4;
const MAX_LEN: usize = 30;

fn keep(folded: &str) -> bool {
    let n = folded.chars().count();
    (3..=MAX_LEN).contains(&n) && folded.chars().all(|c| c.is_alphabetic())
}

/// The padded trigrams of a folded word (`"velo"` → ` ve`, `vel`, `elo`, `lo `).
pub fn trigrams(word: &str) -> Vec<String> {
    let padded: Vec<char> = std::iter::once(' ')
        .chain(word.chars())
        .chain(std::iter::once(' '))
        .collect();
    let mut out: Vec<String> = padded.windows(3).map(|w| w.iter().collect()).collect();
    out.sort();
    out.dedup();
    out
}

/// Levenshtein distance, stopping early past `max`.
fn edits(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        let mut best = cur[0];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            best = best.min(cur[j + 1]);
        }
        if best > max {
            return None;
        }
        prev = cur;
    }
    (prev[b.len()] <= max).then_some(prev[b.len()])
}

/// Read the index entries written since the last refresh into the
/// vocabulary. Returns the number of entries read.
pub async fn refresh(db: &Db) -> Result<usize, sqlx::Error> {
    let mut read = 0;
    loop {
        let mut tx = db.begin().await?;
        let upto: i64 =
            sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = $1")
                .bind(WATERMARK_KEY)
                .fetch_optional(&mut *tx)
                .await?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, title, body FROM search_docs WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(upto)
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = rows.last().map(|r| r.0) else {
            tx.rollback().await?;
            return Ok(read);
        };
        read += rows.len();
        // word → (display form, entries using it)
        let mut found: HashMap<String, (String, i64)> = HashMap::new();
        for (_, title, body) in &rows {
            let text = format!("{title}\n{body}");
            let mut seen = std::collections::HashSet::new();
            for w in analyze::words(&text) {
                if !keep(&w.folded) || !seen.insert(w.folded.clone()) {
                    continue;
                }
                let display = text[w.start..w.end].to_lowercase();
                let e = found.entry(w.folded).or_insert((display, 0));
                e.1 += 1;
            }
        }
        let words: Vec<(String, (String, i64))> = found.into_iter().collect();
        for chunk in words.chunks(CHUNK) {
            let mut sql = String::from("INSERT INTO search_words (word, display, docs) VALUES ");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3));
            }
            sql.push_str(
                " ON CONFLICT (word) DO UPDATE SET docs = search_words.docs + excluded.docs",
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (w, (display, n)) in chunk {
                q = q.bind(w.as_str()).bind(display.as_str()).bind(*n);
            }
            q.execute(&mut *tx).await?;
            let pairs: Vec<(String, &str)> = chunk
                .iter()
                .flat_map(|(w, _)| trigrams(w).into_iter().map(move |t| (t, w.as_str())))
                .collect();
            for part in pairs.chunks(CHUNK) {
                let mut sql =
                    String::from("INSERT INTO search_word_trigrams (trigram, word) VALUES ");
                for i in 0..part.len() {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
                }
                sql.push_str(" ON CONFLICT (trigram, word) DO NOTHING");
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (t, w) in part {
                    q = q.bind(t.as_str()).bind(*w);
                }
                q.execute(&mut *tx).await?;
            }
        }
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(WATERMARK_KEY)
        .bind(last.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
}

/// Index entries about to leave the index (an account deleted, issue 20):
/// those the vocabulary has read (up to its watermark) stop counting for
/// their words, and a word no entry uses any more leaves the vocabulary
/// with its trigrams. In the caller's transaction, before the entries go.
pub async fn forget(
    conn: &mut sqlx::AnyConnection,
    entries: &[(i64, String, String)],
) -> Result<(), sqlx::Error> {
    let upto: i64 = sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = $1")
        .bind(WATERMARK_KEY)
        .fetch_optional(&mut *conn)
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut counts: HashMap<String, i64> = HashMap::new();
    for (id, title, body) in entries {
        if *id > upto {
            continue;
        }
        let text = format!("{title}\n{body}");
        let mut seen = std::collections::HashSet::new();
        for w in analyze::words(&text) {
            if keep(&w.folded) && seen.insert(w.folded.clone()) {
                *counts.entry(w.folded).or_insert(0) += 1;
            }
        }
    }
    for (word, n) in counts {
        sqlx::query("UPDATE search_words SET docs = docs - $1 WHERE word = $2")
            .bind(n)
            .bind(&word)
            .execute(&mut *conn)
            .await?;
        let gone = sqlx::query("DELETE FROM search_words WHERE word = $1 AND docs <= 0")
            .bind(&word)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        if gone > 0 {
            sqlx::query("DELETE FROM search_word_trigrams WHERE word = $1")
                .bind(&word)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// The known word closest to `folded`, with its display form.
async fn closest(db: &Db, folded: &str) -> Result<Option<String>, sqlx::Error> {
    let tris = trigrams(folded);
    let mut sql = String::from(
        "SELECT t.word, w.display, w.docs, COUNT(*) AS shared FROM search_word_trigrams t \
         JOIN search_words w ON w.word = t.word WHERE t.trigram IN (",
    );
    for i in 0..tris.len() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("${}", i + 1));
    }
    sql.push_str(") GROUP BY t.word, w.display, w.docs ORDER BY shared DESC, w.docs DESC LIMIT 40");
    let mut q = sqlx::query_as::<_, (String, String, i64, i64)>(sqlx::AssertSqlSafe(sql));
    for t in &tris {
        q = q.bind(t.as_str());
    }
    let rows = q.fetch_all(&db.pool).await?;
    let n = tris.len() as f64;
    let mut best: Option<(usize, f64, i64, String)> = None;
    for (word, display, docs, shared) in rows {
        let dice = 2.0 * shared as f64 / (n + trigrams(&word).len() as f64);
        let max_edits = if folded.chars().count() >= 8 { 2 } else { 1 };
        let Some(d) = edits(folded, &word, max_edits) else {
            continue;
        };
        if dice < 0.4 || d == 0 {
            continue;
        }
        let better = match &best {
            None => true,
            Some((bd, bdice, bdocs, _)) => (d, -dice, -docs) < (*bd, -*bdice, -*bdocs),
        };
        if better {
            best = Some((d, dice, docs, display));
        }
    }
    Ok(best.map(|b| b.3))
}

/// Is a query made of plain words only (no quotes, exclusions, `OR`)?
fn plain(q: &str) -> bool {
    !q.contains(['"', '*', '(', ')', ':'])
        && !q
            .split_whitespace()
            .any(|w| w.starts_with('-') || w == "OR")
}

/// A corrected query that finds something for this viewer, when `req`
/// found nothing (see the module documentation).
pub async fn suggest(
    db: &Db,
    viewer: Option<&User>,
    req: &Request,
) -> Result<Option<String>, sqlx::Error> {
    let q = req.q.trim();
    if q.is_empty() || q.chars().count() > 200 || !plain(q) {
        return Ok(None);
    }
    let words = analyze::words(q);
    if words.is_empty() || words.len() > 6 {
        return Ok(None);
    }
    let mut corrected = String::new();
    let mut last = 0;
    let mut changed = false;
    for w in &words {
        let n = w.folded.chars().count();
        let known: Option<i64> = if (MIN_LEN..=MAX_LEN).contains(&n) && keep(&w.folded) {
            sqlx::query_scalar("SELECT docs FROM search_words WHERE word = $1")
                .bind(&w.folded)
                .fetch_optional(&db.pool)
                .await?
        } else {
            Some(0)
        };
        corrected.push_str(&q[last..w.start]);
        match known {
            None => match closest(db, &w.folded).await? {
                Some(display) => {
                    corrected.push_str(&display);
                    changed = true;
                }
                None => corrected.push_str(&q[w.start..w.end]),
            },
            Some(_) => corrected.push_str(&q[w.start..w.end]),
        }
        last = w.end;
    }
    corrected.push_str(&q[last..]);
    if !changed {
        return Ok(None);
    }
    let mut again = req.clone();
    again.q = corrected.clone();
    again.page = 0;
    let found = search(db, viewer, &again).await?;
    Ok((found.total > 0).then_some(corrected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigrams_are_padded_and_unique() {
        assert_eq!(trigrams("velo"), vec![" ve", "elo", "lo ", "vel"]);
        assert_eq!(trigrams("aaaa"), vec![" aa", "aa ", "aaa"]);
    }

    #[test]
    fn edits_count_and_stop_early() {
        assert_eq!(edits("colective", "collective", 2), Some(1));
        assert_eq!(edits("cuisnie", "cuisine", 2), Some(2));
        assert_eq!(edits("abc", "xyz", 1), None);
        assert_eq!(edits("court", "courtoisie", 2), None);
    }

    #[test]
    fn only_plain_queries_are_corrected() {
        assert!(plain("cuisine colective"));
        assert!(!plain("\"cuisine colective\""));
        assert!(!plain("cuisine -colective"));
        assert!(!plain("cuisine OR colective"));
    }
}
