//! Querying the index: one permission-filtered statement over a bounded
//! match window, counts per kind, community and tag, highlighted snippets.

use super::*;

// ---- querying ------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Relevance,
    Date,
}

/// A search: the query and its filters, already validated.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub q: String,
    pub kind: Option<String>,
    /// Community id (also "search within this community").
    pub community: Option<i64>,
    /// Its name, for the page's title (set by `params::resolve`).
    pub community_name: Option<String>,
    /// Tag name (normalised).
    pub tag: Option<String>,
    /// Author id.
    pub author: Option<i64>,
    /// Territory id: content placed in it or below it (publications and
    /// their replies through `publication_territory_rollup`, communities
    /// through `territory_closure`).
    pub territory: Option<i64>,
    /// Its name, for the page.
    pub territory_name: Option<String>,
    /// Unix seconds, inclusive.
    pub from: Option<i64>,
    /// Unix seconds, exclusive.
    pub to: Option<i64>,
    pub sort: Sort,
    pub page: usize,
    /// Only documents newer than this id (saved searches).
    pub after_doc: Option<i64>,
    /// Only documents up to this id (saved searches).
    pub upto_doc: Option<i64>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct HitCommunity {
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub doc_id: i64,
    pub kind: String,
    pub id: i64,
    /// The publication (itself, or the one a reply belongs to).
    pub publication_id: Option<i64>,
    pub url: String,
    pub title: String,
    pub title_html: String,
    pub snippet_html: String,
    pub created_at: i64,
    pub author_username: Option<String>,
    pub author_name: Option<String>,
    pub communities: Vec<HitCommunity>,
}

#[derive(Debug, Clone, Default)]
pub struct Facets {
    /// (kind, count) in `KINDS` order, non-zero only.
    pub kinds: Vec<(String, i64)>,
    /// (slug, name, count), largest first.
    pub communities: Vec<(String, String, i64)>,
    /// (name, label, count), largest first.
    pub tags: Vec<(String, String, i64)>,
}

#[derive(Debug, Clone, Default)]
pub struct Results {
    pub hits: Vec<Hit>,
    pub total: i64,
    pub has_next: bool,
    /// More than `total` match: only the best `MAX_CANDIDATES` were kept.
    pub capped: bool,
    pub facets: Facets,
    /// A note about the query (message key), e.g. it was empty or cut.
    pub note: Option<query::Note>,
}

/// Bind values of a dynamically built statement.
enum Arg {
    I(i64),
    S(String),
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    args: &'q [Arg],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for a in args {
        q = match a {
            Arg::I(v) => q.bind(*v),
            Arg::S(v) => q.bind(v.as_str()),
        };
    }
    q
}

/// Candidates considered per search: results, counts and facets come from
/// the best this many (by the chosen order); the total says "more than"
/// beyond it. Bounds the work of very common words on large instances:
/// ten pages of results, and the permission checks and facet counts of a
/// search stay a few milliseconds (BENCHMARKS.md, "Search at scale 100
/// with the recent tier").
pub const MAX_CANDIDATES: usize = 200;

/// The one statement that runs the query with its permission conditions
/// and filters, returning the ordered candidates (id, kind, publication).
///
/// The text match is bounded (see [`MATCH_WINDOW`]): the newest
/// `MATCH_WINDOW` matching entries are read from the full-text index; by
/// relevance the best [`TOP_MATCHES`] of them are kept, by date the newest
/// `TOP_MATCHES`. Only those meet the permission conditions and filters.
fn candidates_sql(
    db: &Db,
    viewer: Option<&User>,
    req: &Request,
    parsed: &query::Parsed,
    tag_id: Option<i64>,
) -> (String, Vec<Arg>) {
    // The filters' tokens: the full-text match itself is limited to them,
    // so a filter is exact however common the words (the conditions below
    // still decide; a token only narrows).
    let mut tokens: Vec<String> = Vec::new();
    if let Some(c) = req.community {
        tokens.push(filter_token('c', &c.to_string()));
    }
    if req.tag.is_some() {
        // An unknown tag matches nothing: no tag has id 0.
        tokens.push(filter_token('t', &tag_id.unwrap_or(0).to_string()));
    }
    if let Some(a) = req.author {
        tokens.push(filter_token('u', &a.to_string()));
    }
    if let Some(k) = req.kind.as_deref().filter(|k| kind_has_token(k)) {
        tokens.push(filter_token('k', k));
    }
    let mut args = vec![];
    args.push(Arg::S(match db.backend {
        Backend::Sqlite => {
            let mut expr = query::to_fts5(parsed);
            for t in &tokens {
                expr = format!("({expr}) AND \"{t}\"");
            }
            expr
        }
        Backend::Postgres => query::to_tsquery(parsed),
    }));
    args.push(Arg::I(viewer_id(viewer)));
    let mut next = 3;
    // PostgreSQL: the tokens as a tsquery of their own (taken verbatim, not
    // parsed), so that the rank is the words' alone.
    let ts_match = if db.backend == Backend::Postgres && !tokens.is_empty() {
        args.push(Arg::S(
            tokens
                .iter()
                .map(|t| format!("'{t}'"))
                .collect::<Vec<_>>()
                .join(" & "),
        ));
        next += 1;
        format!(
            "(to_tsquery('simple', $1) && CAST(${} AS tsquery))",
            next - 1
        )
    } else {
        "to_tsquery('simple', $1)".to_string()
    };
    // Saved searches look at a range of entries: bound the match itself.
    let mut range = String::new();
    let id_col = match db.backend {
        Backend::Sqlite => "rowid",
        Backend::Postgres => "id",
    };
    if let Some(after) = req.after_doc {
        range.push_str(&format!(" AND {id_col} > ${next}"));
        args.push(Arg::I(after));
        next += 1;
    }
    if let Some(upto) = req.upto_doc {
        range.push_str(&format!(" AND {id_col} <= ${next}"));
        args.push(Arg::I(upto));
        next += 1;
    }
    let mut conds = vec!["1 = 1".to_string()];
    let visible = Source::ALL
        .iter()
        .map(|s| s.visible_sql(viewer, 2))
        .collect::<Vec<_>>()
        .join(" OR ");
    conds.push(format!("({visible})"));
    if let Some(kind) = &req.kind {
        if kind == "publication" {
            conds.push("d.kind IN ('discussion', 'question', 'watch')".into());
        } else {
            conds.push(format!("d.kind = ${next}"));
            args.push(Arg::S(kind.clone()));
            next += 1;
        }
    }
    if let Some(c) = req.community {
        // Only through a community the viewer may search (else the filter
        // itself would reveal where a publication is shared).
        // An event through one of its communities, the same way.
        let searchable = policy::searchable_communities_sql("fc", viewer, 2);
        conds.push(format!(
            "(EXISTS (SELECT 1 FROM publication_communities fpc JOIN communities fc ON fc.id = fpc.community_id \
             WHERE fpc.publication_id = d.publication_id AND fpc.community_id = ${next} AND fpc.status = 'visible' AND {searchable}) \
             OR (d.source = 'e' AND EXISTS (SELECT 1 FROM event_communities fec JOIN communities fc ON fc.id = fec.community_id \
             WHERE fec.event_id = d.ref_id AND fec.community_id = ${next} AND {searchable})))"
        ));
        args.push(Arg::I(c));
        next += 1;
    }
    if let Some(t) = &req.tag {
        conds.push(format!(
            "(EXISTS (SELECT 1 FROM publication_tags fpt JOIN tags ft ON ft.id = fpt.tag_id \
             WHERE fpt.publication_id = d.publication_id AND ft.name = ${next}) \
             OR (d.source = 'e' AND EXISTS (SELECT 1 FROM event_tags fet \
             WHERE fet.event_id = d.ref_id AND fet.tag_key = ${next})))"
        ));
        args.push(Arg::S(t.clone()));
        next += 1;
    }
    if let Some(t) = req.territory {
        // A condition within the match window, not a token (like dates).
        conds.push(format!(
            "((d.publication_id IS NOT NULL AND EXISTS (SELECT 1 FROM publication_territory_rollup ftr \
               WHERE ftr.publication_id = d.publication_id AND ftr.ancestor_id = ${next})) \
             OR (d.kind = 'community' AND EXISTS (SELECT 1 FROM community_territories fct JOIN territory_closure ftc \
               ON ftc.descendant_id = fct.territory_id WHERE fct.community_id = d.community_id AND ftc.ancestor_id = ${next})) \
             OR (d.source = 'l' AND EXISTS (SELECT 1 FROM resource_territories frt JOIN territory_closure frc \
               ON frc.descendant_id = frt.territory_id WHERE frt.resource_id = d.ref_id AND frc.ancestor_id = ${next})) \
             OR (d.source = 'e' AND EXISTS (SELECT 1 FROM events fev JOIN territory_closure fvc \
               ON fvc.descendant_id = fev.territory_id WHERE fev.id = d.ref_id AND fvc.ancestor_id = ${next})))"
        ));
        args.push(Arg::I(t));
        next += 1;
    }
    if let Some(a) = req.author {
        conds.push(format!(
            "d.source IN ('p', 'r', 'e') AND d.user_id = ${next}"
        ));
        args.push(Arg::I(a));
        next += 1;
    }
    if let Some(f) = req.from {
        conds.push(format!("d.created_at >= ${next}"));
        args.push(Arg::I(f));
        next += 1;
    }
    if let Some(t) = req.to {
        conds.push(format!("d.created_at < ${next}"));
        args.push(Arg::I(t));
    }
    // The window's own order (`matches` below ends with the same ORDER BY):
    // the engine walks the ranked window, checks each entry's conditions
    // and stops at the `MAX_CANDIDATES + 1`-th that passes, instead of
    // checking all `TOP_MATCHES` and sorting them (ids follow time, so
    // `rid DESC` is newest first).
    let order = "m.score, m.rid DESC";
    // The bounded match: newest MATCH_WINDOW entries (ids follow time, see
    // `reindex_all`), then the best (or newest) TOP_MATCHES of them.
    let matches = match (db.backend, req.sort) {
        (Backend::Sqlite, Sort::Relevance) => format!(
            "SELECT rid, score FROM (SELECT rowid AS rid, passerelles_rank(search_fts, {FTS_WEIGHTS}) AS score \
             FROM search_fts WHERE search_fts MATCH $1{range} ORDER BY rowid DESC LIMIT {MATCH_WINDOW}) \
             ORDER BY score, rid DESC LIMIT {TOP_MATCHES}"
        ),
        (Backend::Sqlite, Sort::Date) => format!(
            "SELECT rowid AS rid, 0.0 AS score FROM search_fts WHERE search_fts MATCH $1{range} \
             ORDER BY rowid DESC LIMIT {TOP_MATCHES}"
        ),
        // PostgreSQL: the newest matches from the recent tier first, then
        // (only if it holds fewer than the limit: `Append` under `LIMIT`
        // never starts its second branch otherwise) from the rest of the
        // index below the tier (migration 0079).
        (Backend::Postgres, Sort::Relevance) => format!(
            "SELECT rid, (0.0 - ts_rank(tsv, to_tsquery('simple', $1))) AS score FROM ({}) w \
             ORDER BY score, rid DESC LIMIT {TOP_MATCHES}",
            tiered(&ts_match, &range, MATCH_WINDOW)
        ),
        (Backend::Postgres, Sort::Date) => format!(
            "SELECT rid, 0.0 AS score FROM ({}) w ORDER BY rid DESC",
            tiered(&ts_match, &range, TOP_MATCHES)
        ),
    };
    // SQLite: the match drives (materialised, then CROSS JOIN, which SQLite
    // never reorders); left to itself the planner may walk the documents
    // and probe the index per row.
    let join = match db.backend {
        Backend::Sqlite => "CROSS JOIN",
        Backend::Postgres => "JOIN",
    };
    (
        format!(
            "SELECT d.id, d.kind, d.publication_id FROM ({matches}) m {join} search_docs d \
             ON d.id = m.rid WHERE {} ORDER BY {order} LIMIT {}",
            conds.join(" AND "),
            MAX_CANDIDATES + 1,
        ),
        args,
    )
}

/// PostgreSQL: the newest `limit` entries matching `ts_match` (and the
/// saved-search `range`), as `(rid, tsv)` in descending id order: those of
/// the recent tier, then as many as still needed from below it.
///
/// Below the tier, `id + 0` keeps the bound out of the indexes: the
/// planner cannot know the tier's floor and, as an index condition, it
/// chose a bitmap of the primary key over every older entry ANDed with
/// the word's (17 of 23 ms for a word with 2,600 matches at scale 10,
/// BENCHMARKS.md); as a filter it is checked on the word's matches only.
fn tiered(ts_match: &str, range: &str, limit: usize) -> String {
    format!(
        "SELECT rid, tsv FROM ((SELECT id AS rid, tsv FROM search_recent WHERE tsv @@ {ts_match}{range} \
         ORDER BY id DESC LIMIT {limit}) UNION ALL (SELECT id AS rid, tsv FROM search_docs WHERE tsv @@ {ts_match}{range} \
         AND id + 0 < (SELECT COALESCE(MIN(id), 9223372036854775807) FROM search_recent) ORDER BY id DESC LIMIT {limit})) u \
         LIMIT {limit}"
    )
}

/// Entries read from the full-text index per search: the newest this many
/// that match. Queries matching fewer (nearly all but single very common
/// words on large instances) are ranked exactly over every match; beyond
/// it, relevance is computed among the newest `MATCH_WINDOW` matches, so a
/// common word costs a bounded amount of work (ARCHITECTURE.md, "Search").
/// On PostgreSQL a word found in more than one entry in 50 of the recent
/// tier (`RECENT_TIER`) is answered from the tier alone.
pub const MATCH_WINDOW: usize = 1_000;

/// Then only the best (by relevance) or newest (by date) this many matches
/// meet the permission conditions and filters: ranking stays exact for
/// what a reader pages through, and the per-candidate checks stay bounded.
const TOP_MATCHES: usize = 2 * MAX_CANDIDATES;

/// The id bound for the policy's SQL: 0 for anonymous readers and for
/// accounts that may not act (suspended, remote).
pub(crate) fn viewer_id(viewer: Option<&User>) -> i64 {
    viewer
        .filter(|u| u.status == crate::accounts::Status::Active && u.domain.is_none())
        .map(|u| u.id)
        .unwrap_or(0)
}

pub(super) fn id_list(ids: impl Iterator<Item = i64>) -> String {
    ids.map(|i| i.to_string()).collect::<Vec<_>>().join(",")
}

/// Run a search for `viewer`. Everything returned passed the policy. One
/// statement finds the ordered candidates (the only one that reads the
/// full-text index); the page, counts and facets are derived from them.
pub async fn search(db: &Db, viewer: Option<&User>, req: &Request) -> Result<Results, sqlx::Error> {
    let parsed = query::parse(&req.q);
    let mut out = Results {
        note: parsed.note,
        ..Results::default()
    };
    if !parsed.runnable() {
        return Ok(out);
    }
    let tag_id: Option<i64> = match &req.tag {
        Some(t) => {
            sqlx::query_scalar("SELECT id FROM tags WHERE name = $1")
                .bind(t)
                .fetch_optional(&db.pool)
                .await?
        }
        None => None,
    };
    let (sql, args) = candidates_sql(db, viewer, req, &parsed, tag_id);
    let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &args)
        .fetch_all(&db.pool)
        .await?;
    let mut cands: Vec<(i64, String, Option<i64>)> = Vec::with_capacity(rows.len());
    for r in &rows {
        cands.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
    }
    out.capped = cands.len() > MAX_CANDIDATES;
    cands.truncate(MAX_CANDIDATES);
    out.total = cands.len() as i64;
    let mut kinds: HashMap<&str, i64> = HashMap::new();
    for (_, k, _) in &cands {
        *kinds.entry(k.as_str()).or_default() += 1;
    }
    out.facets.kinds = KINDS
        .iter()
        .filter_map(|k| kinds.get(*k).map(|n| (k.to_string(), *n)))
        .collect();
    let start = (req.page * PAGE_SIZE).min(cands.len());
    let end = (start + PAGE_SIZE).min(cands.len());
    out.has_next = end < cands.len();
    let page: Vec<i64> = cands[start..end].iter().map(|c| c.0).collect();
    let vid = viewer_id(viewer);

    if !page.is_empty() {
        let sql = format!(
            "SELECT d.id, d.source, d.kind, d.ref_id, d.publication_id, d.title, d.body, d.created_at, \
             du.username AS u_name, du.display_name AS u_display, dc.slug AS c_slug \
             FROM search_docs d LEFT JOIN users du ON du.id = d.user_id LEFT JOIN communities dc ON dc.id = d.community_id \
             WHERE d.id IN ({})",
            id_list(page.iter().copied())
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&db.pool)
            .await?;
        let mut by_id: HashMap<i64, Hit> = HashMap::new();
        for r in &rows {
            let source: String = r.try_get("source")?;
            let ref_id: i64 = r.try_get("ref_id")?;
            let publication_id: Option<i64> = r.try_get("publication_id")?;
            let title: String = r.try_get("title")?;
            let body: String = r.try_get("body")?;
            let u_name: Option<String> = r.try_get("u_name")?;
            let u_display: Option<String> = r.try_get("u_display")?;
            let url = match source.as_str() {
                "p" => format!("/p/{ref_id}"),
                // `?reply=` opens the page of the thread that holds it.
                "r" => format!(
                    "/p/{}?reply={ref_id}#r-{ref_id}",
                    publication_id.unwrap_or(0)
                ),
                "l" => crate::urls::resource(ref_id),
                "c" => format!(
                    "/c/{}",
                    r.try_get::<Option<String>, _>("c_slug")?
                        .unwrap_or_default()
                ),
                "e" => crate::urls::event(ref_id),
                _ => format!(
                    "/u/{}",
                    crate::urls::encode_path(u_name.as_deref().unwrap_or_default())
                ),
            };
            let title_html = if source == "r" {
                highlight::highlight(&title, &Default::default())
            } else {
                highlight::highlight(&title, &parsed.highlight)
            };
            let id: i64 = r.try_get("id")?;
            by_id.insert(
                id,
                Hit {
                    doc_id: id,
                    kind: r.try_get("kind")?,
                    id: ref_id,
                    publication_id,
                    url,
                    title_html,
                    snippet_html: highlight::snippet(&body, &parsed.highlight, SNIPPET_WORDS),
                    title,
                    created_at: r.try_get("created_at")?,
                    author_name: if source == "m" || source == "e" {
                        None
                    } else {
                        u_display
                            .filter(|s| !s.trim().is_empty())
                            .or_else(|| u_name.clone())
                    },
                    author_username: if source == "m" || source == "e" {
                        None
                    } else {
                        u_name
                    },
                    communities: Vec::new(),
                },
            );
        }
        out.hits = page.iter().filter_map(|id| by_id.remove(id)).collect();
        // Where each publication is shared, among the communities the viewer may search.
        let pub_ids: Vec<i64> = out.hits.iter().filter_map(|h| h.publication_id).collect();
        if !pub_ids.is_empty() {
            let sql = format!(
                "SELECT pc.publication_id, c.slug, c.name FROM publication_communities pc JOIN communities c ON c.id = pc.community_id \
                 WHERE pc.publication_id IN ({}) AND pc.status = 'visible' AND {} ORDER BY c.name",
                id_list(pub_ids.iter().copied()),
                policy::searchable_communities_sql("c", viewer, 1)
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(vid)
                .fetch_all(&db.pool)
                .await?;
            let mut by_pub: HashMap<i64, Vec<HitCommunity>> = HashMap::new();
            for r in rows {
                by_pub.entry(r.try_get(0)?).or_default().push(HitCommunity {
                    slug: r.try_get(1)?,
                    name: r.try_get(2)?,
                });
            }
            for hit in &mut out.hits {
                if let Some(pid) = hit.publication_id {
                    hit.communities = by_pub.get(&pid).cloned().unwrap_or_default();
                }
            }
        }
    }

    // Counts per community and per tag, over the candidates' publications.
    let mut pubs: Vec<i64> = cands.iter().filter_map(|c| c.2).collect();
    pubs.sort_unstable();
    pubs.dedup();
    if !pubs.is_empty() {
        let list = id_list(pubs.iter().copied());
        let sql = format!(
            "SELECT c.slug, c.name, COUNT(DISTINCT pc.publication_id) AS n FROM publication_communities pc \
             JOIN communities c ON c.id = pc.community_id WHERE pc.publication_id IN ({list}) AND pc.status = 'visible' \
             AND {} GROUP BY c.slug, c.name ORDER BY n DESC, c.name LIMIT 10",
            policy::searchable_communities_sql("c", viewer, 1)
        );
        for r in sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(vid)
            .fetch_all(&db.pool)
            .await?
        {
            out.facets
                .communities
                .push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
        }
        let sql = format!(
            "SELECT t.name, t.label, COUNT(DISTINCT pt.publication_id) AS n FROM publication_tags pt \
             JOIN tags t ON t.id = pt.tag_id WHERE pt.publication_id IN ({list}) \
             GROUP BY t.name, t.label ORDER BY n DESC, t.name LIMIT 10"
        );
        for r in sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&db.pool)
            .await?
        {
            out.facets
                .tags
                .push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
        }
    }
    Ok(out)
}
