//! Search quality and speed, measured: `passerelles admin search-eval`
//! (recall and precision on the relevance set in `search/relevance.toml`)
//! and `passerelles admin search-bench` (latency percentiles on the
//! current content, e.g. after `seed-demo`).

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::time::Instant;

use serde::Deserialize;

use super::{Request, Sort};
use crate::db::{Db, now};

/// The built-in French/English relevance set.
pub const BUILTIN_SET: &str = include_str!("../../../../search/relevance.toml");
/// Recall the set must reach (the bar).
pub const RECALL_TARGET: f64 = 0.95;

#[derive(Deserialize)]
struct Set {
    doc: Vec<SetDoc>,
    query: Vec<SetQuery>,
}

#[derive(Deserialize)]
struct SetDoc {
    id: String,
    #[serde(default)]
    lang: Option<String>,
    title: String,
    body: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct SetQuery {
    q: String,
    expect: Vec<String>,
    #[serde(default)]
    reject: Vec<String>,
}

pub struct QueryReport {
    pub q: String,
    pub expected: usize,
    pub found_expected: usize,
    pub found_rejected: Vec<String>,
    pub missed: Vec<String>,
}

pub struct Report {
    pub queries: Vec<QueryReport>,
}

impl Report {
    /// Micro-averaged recall: expected items found / expected items.
    pub fn recall(&self) -> f64 {
        let e: usize = self.queries.iter().map(|q| q.expected).sum();
        let f: usize = self.queries.iter().map(|q| q.found_expected).sum();
        if e == 0 { 1.0 } else { f as f64 / e as f64 }
    }
    /// Precision over judged items: expected found / (expected found + rejected found).
    pub fn precision(&self) -> f64 {
        let f: usize = self.queries.iter().map(|q| q.found_expected).sum();
        let r: usize = self.queries.iter().map(|q| q.found_rejected.len()).sum();
        if f + r == 0 {
            1.0
        } else {
            f as f64 / (f + r) as f64
        }
    }
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<40} {:>7} {:>9}  notes",
            "query", "recall", "rejected"
        );
        for q in &self.queries {
            let recall = if q.expected == 0 {
                1.0
            } else {
                q.found_expected as f64 / q.expected as f64
            };
            let mut notes = String::new();
            if !q.missed.is_empty() {
                let _ = write!(notes, "missed {}", q.missed.join(", "));
            }
            if !q.found_rejected.is_empty() {
                let _ = write!(
                    notes,
                    "{}returned {}",
                    if notes.is_empty() { "" } else { "; " },
                    q.found_rejected.join(", ")
                );
            }
            let _ = writeln!(
                out,
                "{:<40} {:>7.2} {:>9}  {notes}",
                q.q,
                recall,
                q.found_rejected.len()
            );
        }
        let _ = writeln!(
            out,
            "\n{} queries — recall {:.3}, precision {:.3} (target recall ≥ {RECALL_TARGET})",
            self.queries.len(),
            self.recall(),
            self.precision()
        );
        out
    }
}

/// Load the set's documents into `db` (which should be empty), index them,
/// run its queries as an anonymous reader and compare.
pub async fn run(db: &Db, set_text: &str) -> anyhow::Result<Report> {
    let set: Set = toml::from_str(set_text).map_err(|e| anyhow::anyhow!("relevance set: {e}"))?;
    let t = now();
    let uid: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, username_key, username_skeleton, display_name, created_at) \
         VALUES ('evaluation', 'evaluation', 'evaluation', 'Évaluation', $1) RETURNING id",
    )
    .bind(t)
    .fetch_one(&db.pool)
    .await?;
    let cid: i64 = sqlx::query_scalar(
        "INSERT INTO communities (slug, name, visibility, created_by, created_at, last_activity_at) \
         VALUES ('evaluation', 'Évaluation', 'open', $1, $2, $2) RETURNING id",
    )
    .bind(uid)
    .bind(t)
    .fetch_one(&db.pool)
    .await?;
    let mut by_pub: HashMap<i64, String> = HashMap::new();
    let mut tag_ids: HashMap<String, i64> = HashMap::new();
    for (i, d) in set.doc.iter().enumerate() {
        let html = crate::markdown::render(&d.body).html;
        let pid: i64 = sqlx::query_scalar(
            "INSERT INTO publications (kind, title, body, body_html, lang, author_id, status, created_at, updated_at, last_activity_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'visible', $7, $7, $7) RETURNING id",
        )
        .bind(d.kind.as_deref().unwrap_or("discussion"))
        .bind(&d.title)
        .bind(&d.body)
        .bind(&html)
        .bind(d.lang.as_deref().unwrap_or("fr"))
        .bind(uid)
        .bind(t - i as i64)
        .fetch_one(&db.pool)
        .await?;
        sqlx::query("INSERT INTO publication_communities (publication_id, community_id, added_by, added_at) VALUES ($1, $2, $3, $4)")
            .bind(pid)
            .bind(cid)
            .bind(uid)
            .bind(t)
            .execute(&db.pool)
            .await?;
        for label in &d.tags {
            let tag = crate::publications::parse_tags(label)
                .map_err(|k| anyhow::anyhow!("doc {}: tag {label:?}: {k}", d.id))?
                .remove(0);
            let tid = match tag_ids.get(&tag.name) {
                Some(id) => *id,
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO tags (name, label) VALUES ($1, $2) RETURNING id",
                    )
                    .bind(&tag.name)
                    .bind(&tag.label)
                    .fetch_one(&db.pool)
                    .await?;
                    tag_ids.insert(tag.name.clone(), id);
                    id
                }
            };
            sqlx::query("INSERT INTO publication_tags (publication_id, tag_id) VALUES ($1, $2)")
                .bind(pid)
                .bind(tid)
                .execute(&db.pool)
                .await?;
        }
        by_pub.insert(pid, d.id.clone());
    }
    super::reindex_all(db).await?;
    let known: HashSet<&str> = set.doc.iter().map(|d| d.id.as_str()).collect();
    let mut queries = Vec::new();
    for q in &set.query {
        for id in q.expect.iter().chain(&q.reject) {
            anyhow::ensure!(
                known.contains(id.as_str()),
                "query {:?} names an unknown document {id:?}",
                q.q
            );
        }
        let mut found: HashSet<String> = HashSet::new();
        let mut page = 0;
        loop {
            let req = Request {
                q: q.q.clone(),
                page,
                ..Request::default()
            };
            let r = super::search(db, None, &req).await?;
            for h in &r.hits {
                if let Some(id) = h.publication_id.and_then(|p| by_pub.get(&p)) {
                    found.insert(id.clone());
                }
            }
            if !r.has_next || page >= 10 {
                break;
            }
            page += 1;
        }
        let found_expected = q.expect.iter().filter(|e| found.contains(*e)).count();
        queries.push(QueryReport {
            q: q.q.clone(),
            expected: q.expect.len(),
            found_expected,
            found_rejected: q
                .reject
                .iter()
                .filter(|r| found.contains(*r))
                .cloned()
                .collect(),
            missed: q
                .expect
                .iter()
                .filter(|e| !found.contains(*e))
                .cloned()
                .collect(),
        });
    }
    Ok(Report { queries })
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Latency of `search::search` in process, on the current content.
pub async fn bench(db: &Db, rounds: usize, rebuild: bool) -> anyhow::Result<()> {
    let backend = format!("{:?}", db.backend);
    if rebuild {
        let r = super::reindex_all(db).await?;
        println!(
            "{backend}: index rebuilt, {} items in {:.1} s",
            r.docs, r.seconds
        );
    }
    let docs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM search_docs")
        .fetch_one(&db.pool)
        .await?;
    let pubs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM publications")
        .fetch_one(&db.pool)
        .await?;
    match super::index_bytes(db).await {
        Ok(b) => println!(
            "{backend}: {pubs} publications, {docs} index entries, index size {:.1} MiB",
            b as f64 / 1048576.0
        ),
        Err(e) => println!(
            "{backend}: {pubs} publications, {docs} index entries, index size unknown ({e})"
        ),
    }
    let tag: Option<String> = sqlx::query_scalar("SELECT name FROM tags ORDER BY id LIMIT 1")
        .fetch_optional(&db.pool)
        .await?;
    // A member of several communities, to measure the policy's cost too.
    let member_id: Option<i64> = sqlx::query_scalar(
        "SELECT user_id FROM memberships WHERE state = 'active' GROUP BY user_id ORDER BY COUNT(*) DESC, user_id LIMIT 1",
    )
    .fetch_optional(&db.pool)
    .await?;
    let member = match member_id {
        Some(id) => crate::accounts::by_id(db, id).await?,
        None => None,
    };
    let one = [
        "financement",
        "bénévoles",
        "logement",
        "coopérative",
        "territoire",
        "guide",
        "alimentaire",
        "transition",
    ];
    let multi = [
        "économie sociale",
        "sécurité alimentaire",
        "budget projet",
        "démarche guide partager",
        "financement communautaire",
    ];
    let phrase = [
        "\"économie sociale\"",
        "\"guide pratique\"",
        "\"sécurité alimentaire\"",
    ];
    let mut mixes: Vec<(&str, Vec<Request>)> = vec![
        (
            "one word",
            one.iter()
                .map(|q| Request {
                    q: q.to_string(),
                    ..Default::default()
                })
                .collect(),
        ),
        (
            "several words",
            multi
                .iter()
                .map(|q| Request {
                    q: q.to_string(),
                    ..Default::default()
                })
                .collect(),
        ),
        (
            "phrase",
            phrase
                .iter()
                .map(|q| Request {
                    q: q.to_string(),
                    ..Default::default()
                })
                .collect(),
        ),
        (
            "filtered",
            one.iter()
                .enumerate()
                .map(|(i, q)| Request {
                    q: q.to_string(),
                    kind: (i % 2 == 0).then(|| "question".to_string()),
                    tag: (i % 2 == 1).then(|| tag.clone()).flatten(),
                    sort: if i % 3 == 0 {
                        Sort::Date
                    } else {
                        Sort::Relevance
                    },
                    ..Default::default()
                })
                .collect(),
        ),
    ];
    let mut all = Vec::new();
    println!(
        "{:<16} {:<10} {:>6} {:>9} {:>9} {:>9} {:>10}",
        "queries", "viewer", "n", "p50 ms", "p95 ms", "p99 ms", "avg hits"
    );
    for (name, reqs) in &mut mixes {
        for (viewer_name, viewer) in [("anonymous", None), ("member", member.as_ref())] {
            let mut times = Vec::with_capacity(rounds);
            let mut hits = 0i64;
            for i in 0..rounds {
                let req = &reqs[i % reqs.len()];
                let t0 = Instant::now();
                let r = super::search(db, viewer, req).await?;
                times.push(t0.elapsed().as_secs_f64() * 1000.0);
                hits += r.total;
            }
            times.sort_by(|a, b| a.total_cmp(b));
            println!(
                "{:<16} {:<10} {:>6} {:>9.2} {:>9.2} {:>9.2} {:>10}",
                name,
                viewer_name,
                times.len(),
                percentile(&times, 0.50),
                percentile(&times, 0.95),
                percentile(&times, 0.99),
                hits / rounds.max(1) as i64
            );
            all.extend(times);
        }
    }
    all.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{:<16} {:<10} {:>6} {:>9.2} {:>9.2} {:>9.2}",
        "all",
        "",
        all.len(),
        percentile(&all, 0.50),
        percentile(&all, 0.95),
        percentile(&all, 0.99)
    );
    Ok(())
}
