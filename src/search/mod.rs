//! Search: one index over every kind of content, in the database itself.
//!
//! Design (ARCHITECTURE.md, "Search"): text is analysed in Rust
//! ([`analyze`]: French/English folding, elisions, stemming) and the
//! resulting terms are indexed by the engine's own full-text structure —
//! an FTS5 table on SQLite, a `tsvector` with a GIN index on PostgreSQL. The
//! index lives in the same database as the content, so every app node
//! answers the same, and it is written in the same transaction as the
//! content it describes.
//!
//! **Permissions are applied at query time**, by SQL conditions built from
//! `crate::policy` ([`Source::visible_sql`]): a removed publication, a
//! community made private or a member who left is reflected by the very
//! next query; the index never decides who sees what.
//!
//! A new kind of content implements [`Source`] once: how to load its
//! documents, and which of them a viewer may see.

/// The name of a kind of result ("Publication", "Réponse"…) in a language,
/// for the results page and the API's facets.
pub fn kind_label(lang: crate::i18n::Lang, kind: &str) -> String {
    lang.t(&format!("search-kind-{kind}"))
}

pub mod analyze;
mod bulk;
pub mod eval;
pub mod highlight;
pub mod params;
pub mod query;
pub mod saved;
pub mod tags;

use std::collections::HashMap;

use sqlx::AnyConnection;
use sqlx::Row;

use crate::accounts::User;
use crate::db::{Backend, Db};
use crate::markdown;
use crate::policy;
use analyze::Lang;

/// Results per page.
pub const PAGE_SIZE: usize = 20;
/// Words in a snippet.
const SNIPPET_WORDS: usize = 32;
/// Body text indexed per item (characters).
const BODY_MAX_CHARS: usize = 20_000;
/// Reindexing batch.
const BATCH: i64 = 500;
/// BM25 weights of the title, tags, body and filters columns (SQLite):
/// filter tokens select, they never rank.
const FTS_WEIGHTS: &str = "10.0, 5.0, 1.0, 0.0";

/// Kinds a publication can have.
pub const PUBLICATION_KINDS: [&str; 3] = ["discussion", "question", "watch"];
/// Every kind a search result can have, in the order filters show them.
pub const KINDS: [&str; 6] = [
    "discussion",
    "question",
    "watch",
    "reply",
    "community",
    "member",
];

/// One searchable item, as the index stores it.
#[derive(Debug, Clone)]
pub struct Doc {
    pub source: Source,
    pub ref_id: i64,
    pub kind: String,
    pub publication_id: Option<i64>,
    pub community_id: Option<i64>,
    pub user_id: Option<i64>,
    pub lang: Lang,
    pub title: String,
    pub tags: String,
    pub body: String,
    pub created_at: i64,
    /// Filter tokens (see [`filter_token`]), space-separated.
    pub filters: String,
}

/// The token that a filter matches in the index: `#c12` (shared into
/// community 12), `#t5` (tag 5), `#u7` (author 7), `#kreply` (kind).
/// Analysed words are alphanumeric, so no query typed in the search box
/// produces one. Publications and their replies carry their publication's
/// communities and tags; a token may outlive what it stands for (the
/// publication left the community): queries still check the real
/// condition, the token only narrows what the full-text index returns.
pub fn filter_token(kind: char, value: &str) -> String {
    format!("#{kind}{value}")
}

/// Kinds filtered through a token: the rare ones. A common kind (a reply,
/// a discussion…) is a large share of every word's matches, so the match
/// window already holds plenty of it, and intersecting with its token's
/// long list cost more than the filter saved (filtered p50 41 ms against
/// 20 ms at scale 100).
fn kind_has_token(kind: &str) -> bool {
    matches!(kind, "community" | "member")
}

/// The filter tokens of one document, given its publication's (if any).
fn doc_filters(doc: &Doc, of_publication: Option<&str>) -> String {
    let mut out = String::new();
    if kind_has_token(&doc.kind) {
        out.push_str(&filter_token('k', &doc.kind));
    }
    if matches!(doc.source, Source::Publications | Source::Replies)
        && let Some(u) = doc.user_id
    {
        out.push(' ');
        out.push_str(&filter_token('u', &u.to_string()));
    }
    if let Some(p) = of_publication.filter(|p| !p.is_empty()) {
        out.push(' ');
        out.push_str(p);
    }
    // No empty token for PostgreSQL's `string_to_array` (it refuses them).
    out.trim_start().to_string()
}

/// The community and tag tokens of publications, by publication id.
async fn publication_filters(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<HashMap<i64, String>, sqlx::Error> {
    let mut out: HashMap<i64, String> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let list = id_list(ids.iter().copied());
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT publication_id, community_id, 'c' FROM publication_communities WHERE publication_id IN ({list}) \
         UNION ALL SELECT publication_id, tag_id, 't' FROM publication_tags WHERE publication_id IN ({list}) \
         ORDER BY 1, 3, 2"
    )))
    .fetch_all(&mut *conn)
    .await?;
    for (p, v, k) in rows {
        let e = out.entry(p).or_default();
        if !e.is_empty() {
            e.push(' ');
        }
        e.push_str(&filter_token(
            k.chars().next().unwrap_or('c'),
            &v.to_string(),
        ));
    }
    Ok(out)
}

/// The kinds of content that feed the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Publications,
    Replies,
    Communities,
    Members,
}

impl Source {
    pub const ALL: [Source; 4] = [
        Source::Publications,
        Source::Replies,
        Source::Communities,
        Source::Members,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Source::Publications => "p",
            Source::Replies => "r",
            Source::Communities => "c",
            Source::Members => "m",
        }
    }

    /// This source's rows whose id meets `cond` (e.g. `= $1`, `IN (…)`).
    fn load_sql(self, cond: &str) -> String {
        match self {
            Source::Publications => format!(
                "SELECT x.id, x.kind, x.title, x.body_html, x.lang, x.author_id, x.created_at, x.status, x.link_url, \
                 lp.title AS pv_title, lp.description AS pv_description, lp.site_name AS pv_site \
                 FROM publications x LEFT JOIN link_previews lp ON lp.id = x.preview_id WHERE x.id {cond}"
            ),
            Source::Replies => format!(
                "SELECT x.id, x.publication_id, x.author_id, x.body_html, x.created_at, x.status, p.title, p.lang \
                 FROM replies x JOIN publications p ON p.id = x.publication_id WHERE x.id {cond}"
            ),
            Source::Communities => format!(
                "SELECT x.id, x.name, x.description, x.theme, x.territory, x.created_at, x.status \
                 FROM communities x WHERE x.id {cond}"
            ),
            Source::Members => format!(
                "SELECT x.id, x.username, x.display_name, x.bio, x.locale, x.created_at, x.status, x.findable \
                 FROM users x WHERE x.domain IS NULL AND x.id {cond}"
            ),
        }
    }

    /// (id, created_at) of every item of this source that is to be indexed.
    fn keys_sql(self) -> &'static str {
        match self {
            Source::Publications => {
                "SELECT id, created_at FROM publications WHERE status <> 'deleted'"
            }
            Source::Replies => "SELECT id, created_at FROM replies WHERE status <> 'deleted'",
            Source::Communities => {
                "SELECT id, created_at FROM communities WHERE status <> 'refused'"
            }
            Source::Members => {
                "SELECT id, created_at FROM users WHERE domain IS NULL AND findable = 1 AND status = 'active'"
            }
        }
    }

    /// `load_sql` for a list of ids.
    fn load_many_sql(self, ids: &[i64]) -> String {
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        self.load_sql(&format!("IN ({list})"))
    }

    /// A row of `load_sql` as a document (None: not to be indexed).
    fn doc(self, r: &sqlx::any::AnyRow) -> Result<(i64, Option<Doc>), sqlx::Error> {
        let id: i64 = r.try_get("id")?;
        let doc = match self {
            Source::Publications => {
                let status: String = r.try_get("status")?;
                if status == "deleted" {
                    None
                } else {
                    let title: String = r.try_get("title")?;
                    let html: String = r.try_get("body_html")?;
                    let mut body = markdown::excerpt_from_html(&html, BODY_MAX_CHARS);
                    // A watch item: its preview's words are searchable too.
                    for col in ["pv_title", "pv_description", "pv_site", "link_url"] {
                        if let Some(extra) = r.try_get::<Option<String>, _>(col)?
                            && !extra.is_empty()
                        {
                            body.push('\n');
                            body.push_str(&extra);
                        }
                    }
                    let declared = Lang::parse(&r.try_get::<String, _>("lang")?);
                    let lang = analyze::detect(&format!("{title} {body}"), declared);
                    Some(Doc {
                        source: self,
                        ref_id: id,
                        kind: r.try_get("kind")?,
                        publication_id: Some(id),
                        community_id: None,
                        user_id: r.try_get("author_id")?,
                        lang,
                        title,
                        tags: String::new(),
                        body,
                        created_at: r.try_get("created_at")?,
                        filters: String::new(),
                    })
                }
            }
            Source::Replies => {
                let status: String = r.try_get("status")?;
                if status == "deleted" {
                    None
                } else {
                    let html: String = r.try_get("body_html")?;
                    let body = markdown::excerpt_from_html(&html, BODY_MAX_CHARS);
                    let declared = Lang::parse(&r.try_get::<String, _>("lang")?);
                    Some(Doc {
                        source: self,
                        ref_id: id,
                        kind: "reply".into(),
                        publication_id: Some(r.try_get("publication_id")?),
                        community_id: None,
                        user_id: r.try_get("author_id")?,
                        lang: analyze::detect(&body, declared),
                        // The reply is found by its own words; the title is
                        // shown (not indexed) to say where it belongs.
                        title: r.try_get("title")?,
                        tags: String::new(),
                        body,
                        created_at: r.try_get("created_at")?,
                        filters: String::new(),
                    })
                }
            }
            Source::Communities => {
                let status: String = r.try_get("status")?;
                if status == "refused" {
                    None
                } else {
                    let name: String = r.try_get("name")?;
                    let description: String = r.try_get("description")?;
                    let theme: String = r.try_get("theme")?;
                    let territory: String = r.try_get("territory")?;
                    let body = markdown::excerpt(&description, BODY_MAX_CHARS);
                    Some(Doc {
                        source: self,
                        ref_id: id,
                        kind: "community".into(),
                        publication_id: None,
                        community_id: Some(id),
                        user_id: None,
                        lang: analyze::detect(&format!("{name} {body}"), Lang::Fr),
                        title: name,
                        tags: format!("{theme} {territory}"),
                        body,
                        created_at: r.try_get("created_at")?,
                        filters: String::new(),
                    })
                }
            }
            Source::Members => {
                let findable: i64 = r.try_get("findable")?;
                let status: String = r.try_get("status")?;
                if findable == 0 || status != "active" {
                    None
                } else {
                    let username: String = r.try_get("username")?;
                    let display: String = r.try_get("display_name")?;
                    let bio: String = r.try_get("bio")?;
                    let locale: String = r.try_get("locale")?;
                    let title = if display.trim().is_empty() {
                        username.clone()
                    } else {
                        display
                    };
                    Some(Doc {
                        source: self,
                        ref_id: id,
                        kind: "member".into(),
                        publication_id: None,
                        community_id: None,
                        user_id: Some(id),
                        lang: analyze::detect(&bio, Lang::parse(&locale)),
                        title,
                        tags: username,
                        body: bio.chars().take(BODY_MAX_CHARS).collect(),
                        created_at: r.try_get("created_at")?,
                        filters: String::new(),
                    })
                }
            }
        };
        Ok((id, doc))
    }

    /// Which of this source's documents (alias `d`) `viewer` may find; the
    /// viewer's id is bound at `$param` (0 when anonymous). Built from
    /// `crate::policy`, evaluated at query time. Publications and replies
    /// are checked per candidate against the communities they are shared
    /// into (`policy::searchable_communities_sql`): a few indexed lookups
    /// each, whatever the number of communities (a materialised set of
    /// searchable communities, tried before, cost a scan of it per candidate
    /// at 12,000 communities).
    pub fn visible_sql(self, viewer: Option<&User>, param: usize) -> String {
        match self {
            Source::Publications | Source::Replies => {
                let reply = if self == Source::Replies {
                    " AND EXISTS (SELECT 1 FROM replies sr WHERE sr.id = d.ref_id AND sr.status = 'visible')"
                } else {
                    ""
                };
                format!(
                    "(d.source = '{code}' AND EXISTS (SELECT 1 FROM publications sp WHERE sp.id = d.publication_id \
                     AND sp.status = 'visible'){reply} AND EXISTS (SELECT 1 FROM publication_communities spc \
                     JOIN communities vc ON vc.id = spc.community_id \
                     WHERE spc.publication_id = d.publication_id AND spc.status = 'visible' AND {}))",
                    policy::searchable_communities_sql("vc", viewer, param),
                    code = self.code(),
                )
            }
            Source::Communities => format!(
                "(d.source = 'c' AND EXISTS (SELECT 1 FROM communities sc WHERE sc.id = d.community_id AND {}))",
                policy::listed_communities_sql("sc", viewer, param)
            ),
            // Findable members are found by signed-in people only (acting
            // accounts, as the policy counts them: not suspended, not remote).
            Source::Members if viewer_id(viewer) != 0 => {
                "(d.source = 'm' AND EXISTS (SELECT 1 FROM users su \
                 WHERE su.id = d.user_id AND su.status = 'active' AND su.findable = 1))"
                    .to_string()
            }
            Source::Members => "(1 = 0)".to_string(),
        }
    }
}

// ---- writing the index ---------------------------------------------------------------

async fn put(
    conn: &mut AnyConnection,
    backend: Backend,
    doc: &Doc,
    gen_: i64,
) -> Result<(), sqlx::Error> {
    let (title_terms, tag_terms, body_terms) = bulk::terms(doc);
    // FTS5 (contentless, delete-enabled) keeps a tombstone for every delete,
    // even of a row it never had: only delete what exists.
    let existed = if backend == Backend::Sqlite {
        sqlx::query_scalar::<_, i64>("SELECT id FROM search_docs WHERE source = $1 AND ref_id = $2")
            .bind(doc.source.code())
            .bind(doc.ref_id)
            .fetch_optional(&mut *conn)
            .await?
            .is_some()
    } else {
        false
    };
    let upsert = "INSERT INTO search_docs (source, ref_id, kind, publication_id, community_id, user_id, lang, title, body, created_at, gen, filters) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (source, ref_id) DO UPDATE SET kind = excluded.kind, publication_id = excluded.publication_id, \
         community_id = excluded.community_id, user_id = excluded.user_id, lang = excluded.lang, title = excluded.title, \
         body = excluded.body, created_at = excluded.created_at, gen = excluded.gen, filters = excluded.filters RETURNING id";
    let id: i64 = sqlx::query_scalar(upsert)
        .bind(doc.source.code())
        .bind(doc.ref_id)
        .bind(&doc.kind)
        .bind(doc.publication_id)
        .bind(doc.community_id)
        .bind(doc.user_id)
        .bind(doc.lang.as_str())
        .bind(&doc.title)
        .bind(&doc.body)
        .bind(doc.created_at)
        .bind(gen_)
        .bind(&doc.filters)
        .fetch_one(&mut *conn)
        .await?;
    match backend {
        Backend::Sqlite => {
            if existed {
                sqlx::query("DELETE FROM search_fts WHERE rowid = $1")
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
            }
            sqlx::query(
                "INSERT INTO search_fts (rowid, title, tags, body, filters) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(&title_terms)
            .bind(&tag_terms)
            .bind(&body_terms)
            .bind(&doc.filters)
            .execute(&mut *conn)
            .await?;
        }
        Backend::Postgres => {
            sqlx::query(
                "UPDATE search_docs SET tsv = setweight(to_tsvector('simple', $1), 'A') || \
                 setweight(to_tsvector('simple', $2), 'B') || to_tsvector('simple', $3) || array_to_tsvector(string_to_array(filters, ' ')) WHERE id = $4",
            )
            .bind(&title_terms)
            .bind(&tag_terms)
            .bind(&body_terms)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

async fn remove(
    conn: &mut AnyConnection,
    backend: Backend,
    source: Source,
    ref_id: i64,
) -> Result<(), sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(
        "DELETE FROM search_docs WHERE source = $1 AND ref_id = $2 RETURNING id",
    )
    .bind(source.code())
    .bind(ref_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let (Some(id), Backend::Sqlite) = (id, backend) {
        sqlx::query("DELETE FROM search_fts WHERE rowid = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn tags_for(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<HashMap<i64, String>, sqlx::Error> {
    let mut out: HashMap<i64, String> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT pt.publication_id, t.label FROM publication_tags pt JOIN tags t ON t.id = pt.tag_id \
         WHERE pt.publication_id IN ({list})"
    )))
    .fetch_all(&mut *conn)
    .await?;
    for r in rows {
        let e = out.entry(r.try_get::<i64, _>(0)?).or_default();
        if !e.is_empty() {
            e.push(' ');
        }
        e.push_str(&r.try_get::<String, _>(1)?);
    }
    Ok(out)
}

/// (Re)index one item from its source row — call inside the transaction
/// that changed it, so content and index commit together. An item that no
/// longer exists (or is not to be indexed) leaves the index. A publication
/// whose communities or tags changed also refreshes its replies' filter
/// tokens (they carry their publication's).
pub async fn index_one(
    conn: &mut AnyConnection,
    backend: Backend,
    source: Source,
    id: i64,
) -> Result<(), sqlx::Error> {
    let before: Option<String> = if source == Source::Publications {
        sqlx::query_scalar("SELECT filters FROM search_docs WHERE source = 'p' AND ref_id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
    } else {
        None
    };
    let after = index_doc(conn, backend, source, id).await?;
    if let (Some(before), Some(after)) = (before, after)
        && before != after
    {
        let replies: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM replies WHERE publication_id = $1 AND status <> 'deleted'",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        for r in replies {
            index_doc(conn, backend, Source::Replies, r).await?;
        }
    }
    Ok(())
}

/// `index_one` for this item alone; returns the filter tokens written.
async fn index_doc(
    conn: &mut AnyConnection,
    backend: Backend,
    source: Source,
    id: i64,
) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(source.load_sql("= $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let doc = match row {
        Some(r) => source.doc(&r)?.1,
        None => None,
    };
    match doc {
        Some(mut doc) => {
            if source == Source::Publications {
                doc.tags = tags_for(conn, &[id]).await?.remove(&id).unwrap_or_default();
            }
            let of_publication = match doc.publication_id {
                Some(p) => publication_filters(conn, &[p]).await?.remove(&p),
                None => None,
            };
            doc.filters = doc_filters(&doc, of_publication.as_deref());
            put(conn, backend, &doc, 0).await?;
            Ok(Some(doc.filters))
        }
        None => {
            remove(conn, backend, source, id).await?;
            Ok(None)
        }
    }
}

/// Index one item in its own transaction (for callers without one).
pub async fn reindex_item(db: &Db, source: Source, id: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    index_one(&mut tx, db.backend, source, id).await?;
    tx.commit().await
}

#[derive(Debug, Default, Clone, Copy)]
pub struct RebuildStats {
    pub docs: u64,
    pub seconds: f64,
}

/// Rebuild the whole index from the content tables, in batches, while the
/// old entries keep answering; entries of vanished items are swept at the end.
pub async fn reindex_all(db: &Db) -> anyhow::Result<RebuildStats> {
    let started = std::time::Instant::now();
    let gen_: i64 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(1);
    // Everything to index, oldest first, so that entry ids follow time
    // (to within one batch): the match window (`MATCH_WINDOW`) reads the
    // newest ids. Only keys are held: 24 bytes per item (60 MB at 2.5
    // million items).
    let mut keys: Vec<(i64, usize, i64)> = Vec::new();
    for (s, source) in Source::ALL.iter().enumerate() {
        let rows: Vec<(i64, i64)> = sqlx::query_as(source.keys_sql())
            .fetch_all(&db.pool)
            .await?;
        keys.extend(rows.into_iter().map(|(id, at)| (at, s, id)));
    }
    keys.sort_unstable();
    let mut docs = 0u64;
    for chunk in keys.chunks(BATCH as usize) {
        // The batch reads, then writes: `Db::begin` takes SQLite's write
        // lock at BEGIN.
        let mut tx = db.begin().await?;
        for (s, source) in Source::ALL.iter().enumerate() {
            let ids: Vec<i64> = chunk.iter().filter(|k| k.1 == s).map(|k| k.2).collect();
            if ids.is_empty() {
                continue;
            }
            let rows = sqlx::query(sqlx::AssertSqlSafe(source.load_many_sql(&ids)))
                .fetch_all(&mut *tx)
                .await?;
            let mut by_id: HashMap<i64, Doc> = HashMap::with_capacity(rows.len());
            for r in &rows {
                // Not to be indexed (any more): swept below with the rest.
                if let (id, Some(d)) = source.doc(r)? {
                    by_id.insert(id, d);
                }
            }
            let mut batch: Vec<Doc> = ids.iter().filter_map(|id| by_id.remove(id)).collect();
            if *source == Source::Publications {
                let ids: Vec<i64> = batch.iter().map(|d| d.ref_id).collect();
                let mut tags = tags_for(&mut tx, &ids).await?;
                for d in &mut batch {
                    d.tags = tags.remove(&d.ref_id).unwrap_or_default();
                }
            }
            let mut pids: Vec<i64> = batch.iter().filter_map(|d| d.publication_id).collect();
            pids.sort_unstable();
            pids.dedup();
            let of_publication = publication_filters(&mut tx, &pids).await?;
            for d in &mut batch {
                let p = d.publication_id.and_then(|p| of_publication.get(&p));
                d.filters = doc_filters(d, p.map(String::as_str));
            }
            bulk::put_many(&mut tx, db.backend, &batch, gen_).await?;
            docs += batch.len() as u64;
        }
        tx.commit().await?;
    }
    // Sweep what this rebuild did not write (items gone meanwhile are
    // removed by their own transactions; this catches older drift).
    let mut tx = db.begin().await?;
    if db.backend == Backend::Sqlite {
        sqlx::query(
            "DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_docs WHERE gen <> $1 AND gen <> 0)",
        )
        .bind(gen_)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("DELETE FROM search_docs WHERE gen <> $1 AND gen <> 0")
        .bind(gen_)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    optimize(db).await?;
    crate::settings::set_raw(db, INDEX_VERSION_KEY, INDEX_VERSION).await?;
    Ok(RebuildStats {
        docs,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Compact the index after bulk changes: FTS5 merges its segments and
/// drops tombstones; PostgreSQL refreshes the planner's statistics.
pub async fn optimize(db: &Db) -> Result<(), sqlx::Error> {
    match db.backend {
        Backend::Sqlite => {
            sqlx::query("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
                .execute(&db.pool)
                .await?;
        }
        Backend::Postgres => {
            sqlx::query("ANALYZE search_docs").execute(&db.pool).await?;
        }
    }
    Ok(())
}

/// Bumped whenever the analysis changes: the index is then rebuilt at start.
pub const INDEX_VERSION: &str = "2";
const INDEX_VERSION_KEY: &str = "search.index_version";

/// Make sure the index matches the current analysis before serving: an
/// instance without content just records the version (no work, nothing to
/// race with); one with content is rebuilt in the background (`true`
/// returned), the old entries answering meanwhile.
pub async fn needs_rebuild(db: &Db) -> Result<bool, sqlx::Error> {
    if index_is_current(db).await? {
        return Ok(false);
    }
    let content: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM publications) + (SELECT COUNT(*) FROM communities) + \
         (SELECT COUNT(*) FROM users WHERE findable = 1)",
    )
    .fetch_one(&db.pool)
    .await?;
    if content == 0 {
        crate::settings::set_raw(db, INDEX_VERSION_KEY, INDEX_VERSION).await?;
        return Ok(false);
    }
    Ok(true)
}

/// Is the index built with the current analysis?
pub async fn index_is_current(db: &Db) -> Result<bool, sqlx::Error> {
    Ok(crate::settings::get_raw(db, INDEX_VERSION_KEY)
        .await?
        .as_deref()
        == Some(INDEX_VERSION))
}

/// Bytes the index takes on disk (approximate on SQLite without dbstat).
pub async fn index_bytes(db: &Db) -> Result<i64, sqlx::Error> {
    match db.backend {
        Backend::Postgres => {
            sqlx::query_scalar("SELECT CAST(pg_total_relation_size('search_docs') AS BIGINT)")
                .fetch_one(&db.pool)
                .await
        }
        Backend::Sqlite => {
            let r: Result<Option<i64>, sqlx::Error> = sqlx::query_scalar(
                "SELECT CAST(SUM(pgsize) AS BIGINT) FROM dbstat WHERE name LIKE 'search%'",
            )
            .fetch_one(&db.pool)
            .await;
            r.map(|v| v.unwrap_or(0))
        }
    }
}

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
/// beyond it. Bounds the work of very common words on large instances.
pub const MAX_CANDIDATES: usize = 1000;

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
        conds.push(format!(
            "EXISTS (SELECT 1 FROM publication_communities fpc JOIN communities fc ON fc.id = fpc.community_id \
             WHERE fpc.publication_id = d.publication_id AND fpc.community_id = ${next} AND fpc.status = 'visible' AND {})",
            policy::searchable_communities_sql("fc", viewer, 2)
        ));
        args.push(Arg::I(c));
        next += 1;
    }
    if let Some(t) = &req.tag {
        conds.push(format!(
            "EXISTS (SELECT 1 FROM publication_tags fpt JOIN tags ft ON ft.id = fpt.tag_id \
             WHERE fpt.publication_id = d.publication_id AND ft.name = ${next})"
        ));
        args.push(Arg::S(t.clone()));
        next += 1;
    }
    if let Some(a) = req.author {
        conds.push(format!("d.source IN ('p', 'r') AND d.user_id = ${next}"));
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
    let order = match req.sort {
        Sort::Relevance => "m.score, d.created_at DESC, d.id DESC",
        Sort::Date => "d.created_at DESC, d.id DESC",
    };
    // The bounded match: newest MATCH_WINDOW entries (ids follow time, see
    // `reindex_all`), then the best (or newest) TOP_MATCHES of them.
    let matches = match (db.backend, req.sort) {
        (Backend::Sqlite, Sort::Relevance) => format!(
            "SELECT rid, score FROM (SELECT rowid AS rid, bm25(search_fts, {FTS_WEIGHTS}) AS score \
             FROM search_fts WHERE search_fts MATCH $1{range} ORDER BY rowid DESC LIMIT {MATCH_WINDOW}) \
             ORDER BY score LIMIT {TOP_MATCHES}"
        ),
        (Backend::Sqlite, Sort::Date) => format!(
            "SELECT rowid AS rid, 0.0 AS score FROM search_fts WHERE search_fts MATCH $1{range} \
             ORDER BY rowid DESC LIMIT {TOP_MATCHES}"
        ),
        (Backend::Postgres, Sort::Relevance) => format!(
            "SELECT rid, (0.0 - ts_rank(tsv, to_tsquery('simple', $1))) AS score FROM (SELECT id AS rid, tsv \
             FROM search_docs WHERE tsv @@ {ts_match}{range} ORDER BY id DESC LIMIT {MATCH_WINDOW}) w \
             ORDER BY score LIMIT {TOP_MATCHES}"
        ),
        (Backend::Postgres, Sort::Date) => format!(
            "SELECT id AS rid, 0.0 AS score FROM search_docs WHERE tsv @@ {ts_match}{range} \
             ORDER BY id DESC LIMIT {TOP_MATCHES}"
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
            "WITH m AS MATERIALIZED ({matches}) SELECT d.id, d.kind, d.publication_id FROM m {join} search_docs d \
             ON d.id = m.rid WHERE {} ORDER BY {order} LIMIT {}",
            conds.join(" AND "),
            MAX_CANDIDATES + 1,
        ),
        args,
    )
}

/// Entries read from the full-text index per search: the newest this many
/// that match. Queries matching fewer (nearly all but single very common
/// words on large instances) are ranked exactly over every match; beyond
/// it, relevance is computed among the newest `MATCH_WINDOW` matches, so a
/// common word costs a bounded amount of work (ARCHITECTURE.md, "Search").
pub const MATCH_WINDOW: usize = 10_000;

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

fn id_list(ids: impl Iterator<Item = i64>) -> String {
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
                "c" => format!(
                    "/c/{}",
                    r.try_get::<Option<String>, _>("c_slug")?
                        .unwrap_or_default()
                ),
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
                    author_name: if source == "m" {
                        None
                    } else {
                        u_display
                            .filter(|s| !s.trim().is_empty())
                            .or_else(|| u_name.clone())
                    },
                    author_username: if source == "m" { None } else { u_name },
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
