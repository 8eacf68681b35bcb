//! Writing the index: one entry per item (publication, reply, community,
//! member), in the content's own transaction; the time-ordered rebuild.

use super::*;

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

/// The labels of a lexicon term `lt` linked to a tag (`lexicon::tags`):
/// indexed with the tag, so a search by a synonym finds what carries it.
const TERM_LABELS: &str = "lt.pref_fr || ' ' || lt.pref_en || ' ' || lt.alt_labels";

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
         WHERE pt.publication_id IN ({list}) \
         UNION ALL SELECT pt.publication_id, {TERM_LABELS} FROM publication_tags pt JOIN tags t ON t.id = pt.tag_id \
         JOIN lexicon_term_tags k ON k.tag_key = t.name JOIN lexicon_terms lt ON lt.id = k.term_id \
         WHERE pt.publication_id IN ({list}) AND lt.status = 'accepted'"
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

/// Events' tag labels, and community and tag filter tokens (`#c12`,
/// `#t7`), by event id.
async fn event_extras(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<HashMap<i64, (String, String)>, sqlx::Error> {
    let mut out: HashMap<i64, (String, String)> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let rows: Vec<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT event_id, 't', label FROM event_tags WHERE event_id IN ({list}) \
         UNION ALL SELECT et.event_id, 't', {TERM_LABELS} FROM event_tags et \
         JOIN lexicon_term_tags k ON k.tag_key = et.tag_key JOIN lexicon_terms lt ON lt.id = k.term_id \
         WHERE et.event_id IN ({list}) AND lt.status = 'accepted' \
         UNION ALL SELECT event_id, 'c', CAST(community_id AS TEXT) FROM event_communities WHERE event_id IN ({list}) \
         UNION ALL SELECT et.event_id, 'i', CAST(tg.id AS TEXT) FROM event_tags et JOIN tags tg ON tg.name = et.tag_key \
         WHERE et.event_id IN ({list}) \
         ORDER BY 1, 2, 3"
    )))
    .fetch_all(&mut *conn)
    .await?;
    for (id, k, v) in rows {
        let e = out.entry(id).or_default();
        // Labels are words; community (`#c12`) and tag (`#t7`) ids filters.
        let (target, value) = match k.as_str() {
            "t" => (&mut e.0, v),
            "i" => (&mut e.1, filter_token('t', &v)),
            _ => (&mut e.1, filter_token('c', &v)),
        };
        if !target.is_empty() {
            target.push(' ');
        }
        target.push_str(&value);
    }
    Ok(out)
}

/// What a resource's document takes from other tables: its subject terms'
/// labels (preferred and alternative, so "ESS" finds what is filed under
/// "Économie sociale et solidaire") and the text of its PDFs.
async fn resource_extras(conn: &mut AnyConnection, docs: &mut [Doc]) -> Result<(), sqlx::Error> {
    let ids: Vec<i64> = docs
        .iter()
        .filter(|d| d.source == Source::Resources)
        .map(|d| d.ref_id)
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let list = id_list(ids.iter().copied());
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT rs.resource_id, t.pref_fr, t.pref_en, t.alt_labels FROM resource_subjects rs \
         JOIN lexicon_terms t ON t.id = rs.term_id WHERE rs.resource_id IN ({list}) AND t.status = 'accepted' \
         ORDER BY rs.resource_id, t.id"
    )))
    .fetch_all(&mut *conn)
    .await?;
    let mut tags: HashMap<i64, String> = HashMap::new();
    for (rid, fr, en, alt) in rows {
        let e = tags.entry(rid).or_default();
        for l in std::iter::once(fr.as_str())
            .chain(std::iter::once(en.as_str()))
            .chain(alt.lines())
        {
            let l = l.trim();
            if !l.is_empty() {
                if !e.is_empty() {
                    e.push(' ');
                }
                e.push_str(l);
            }
        }
    }
    let mut texts = crate::library::files::texts_for(conn, &ids).await?;
    for d in docs.iter_mut().filter(|d| d.source == Source::Resources) {
        d.tags = tags.remove(&d.ref_id).unwrap_or_default();
        if let Some(t) = texts.remove(&d.ref_id) {
            d.body.push('\n');
            d.body.extend(t.chars().take(PDF_MAX_CHARS));
        }
    }
    Ok(())
}

/// Text of a resource's files indexed (characters, after its metadata).
const PDF_MAX_CHARS: usize = 60_000;

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
            if source == Source::Resources {
                resource_extras(conn, std::slice::from_mut(&mut doc)).await?;
            }
            let mut of_publication = match doc.publication_id {
                Some(p) => publication_filters(conn, &[p]).await?.remove(&p),
                None => None,
            };
            if source == Source::Events {
                let (tags, filters) = event_extras(conn, &[id])
                    .await?
                    .remove(&id)
                    .unwrap_or_default();
                doc.tags = tags;
                of_publication = Some(filters);
            }
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
    // PostgreSQL, into an empty index (a seed, a migration import, a fresh
    // instance): nobody else writes entries meanwhile, so reading and
    // analysing the next batch on a second connection overlaps with
    // writing this one, and the GIN index is built once after the load
    // instead of entry by entry (issue 21, BENCHMARKS.md).
    let fresh = db.backend == Backend::Postgres
        && sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM (SELECT 1 FROM search_docs LIMIT 1) x",
        )
        .fetch_one(&db.pool)
        .await?
            == 0;
    if db.backend == Backend::Postgres {
        // A rebuild that stopped half way may have left it dropped.
        sqlx::query(CREATE_DOCS_TSV).execute(&db.pool).await?;
    }
    if fresh {
        sqlx::query("DROP INDEX IF EXISTS search_docs_tsv")
            .execute(&db.pool)
            .await?;
        let (send, mut recv) = tokio::sync::mpsc::channel::<Result<Vec<Prepared>, sqlx::Error>>(2);
        let reader_db = db.clone();
        let reader = tokio::spawn(async move {
            let mut conn = match reader_db.pool.acquire().await {
                Ok(c) => c,
                Err(e) => {
                    let _ = send.send(Err(e)).await;
                    return;
                }
            };
            for chunk in keys.chunks(BATCH as usize) {
                let batch = prepare(&mut conn, chunk).await;
                let failed = batch.is_err();
                if send.send(batch).await.is_err() || failed {
                    return;
                }
            }
        });
        while let Some(batch) = recv.recv().await {
            let batch = batch?;
            let mut tx = db.begin().await?;
            bulk_mode(&mut tx, db.backend).await?;
            for p in &batch {
                bulk::put_many(&mut tx, db.backend, &p.docs, &p.terms, gen_).await?;
                docs += p.docs.len() as u64;
            }
            tx.commit().await?;
        }
        reader.await?;
        // One transaction, so the memory setting applies to the build (and
        // ends with it).
        let mut tx = db.begin().await?;
        sqlx::query("SELECT set_config('maintenance_work_mem', '256MB', true)")
            .execute(&mut *tx)
            .await?;
        sqlx::query(CREATE_DOCS_TSV).execute(&mut *tx).await?;
        tx.commit().await?;
    } else {
        for chunk in keys.chunks(BATCH as usize) {
            // The batch reads, then writes, in one transaction: an item
            // edited meanwhile is not overwritten with what was read before
            // (`Db::begin` takes SQLite's write lock at BEGIN).
            let mut tx = db.begin().await?;
            bulk_mode(&mut tx, db.backend).await?;
            for p in prepare(&mut tx, chunk).await? {
                bulk::put_many(&mut tx, db.backend, &p.docs, &p.terms, gen_).await?;
                docs += p.docs.len() as u64;
            }
            tx.commit().await?;
        }
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
    refill_recent(db).await?;
    optimize(db).await?;
    crate::settings::set_raw(db, INDEX_VERSION_KEY, INDEX_VERSION).await?;
    Ok(RebuildStats {
        docs,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// One source's documents of a rebuild batch, read and analysed.
struct Prepared {
    docs: Vec<Doc>,
    terms: Vec<(String, String, String)>,
}

/// PostgreSQL: a rebuild's batch transaction skips the recent tier's row
/// trigger (refilled once at the end, migration 0079) and does not wait
/// for its commit to reach the disk: a rebuild that stops is run again
/// whole (the index version is recorded last, after every batch), so a
/// lost tail of batches costs nothing but their redo.
async fn bulk_mode(conn: &mut AnyConnection, backend: Backend) -> Result<(), sqlx::Error> {
    if backend == Backend::Postgres {
        sqlx::query(
            "SELECT set_config('passerelles.bulk_index', 'y', true), set_config('synchronous_commit', 'off', true)",
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Read and analyse the items of one rebuild batch (`(at, source, id)`
/// keys), per source.
async fn prepare(
    conn: &mut AnyConnection,
    chunk: &[(i64, usize, i64)],
) -> Result<Vec<Prepared>, sqlx::Error> {
    let mut out = Vec::new();
    for (s, source) in Source::ALL.iter().enumerate() {
        let ids: Vec<i64> = chunk.iter().filter(|k| k.1 == s).map(|k| k.2).collect();
        if ids.is_empty() {
            continue;
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(source.load_many_sql(&ids)))
            .fetch_all(&mut *conn)
            .await?;
        let mut by_id: HashMap<i64, Doc> = HashMap::with_capacity(rows.len());
        for r in &rows {
            // Not to be indexed (any more): swept at the end with the rest.
            if let (id, Some(d)) = source.doc(r)? {
                by_id.insert(id, d);
            }
        }
        let mut batch: Vec<Doc> = ids.iter().filter_map(|id| by_id.remove(id)).collect();
        if *source == Source::Publications {
            let ids: Vec<i64> = batch.iter().map(|d| d.ref_id).collect();
            let mut tags = tags_for(conn, &ids).await?;
            for d in &mut batch {
                d.tags = tags.remove(&d.ref_id).unwrap_or_default();
            }
        }
        if *source == Source::Resources {
            resource_extras(conn, &mut batch).await?;
        }
        let mut pids: Vec<i64> = batch.iter().filter_map(|d| d.publication_id).collect();
        pids.sort_unstable();
        pids.dedup();
        let of_publication = publication_filters(conn, &pids).await?;
        let mut extras = if *source == Source::Events {
            let ids: Vec<i64> = batch.iter().map(|d| d.ref_id).collect();
            event_extras(conn, &ids).await?
        } else {
            HashMap::new()
        };
        for d in &mut batch {
            if let Some((tags, filters)) = extras.remove(&d.ref_id) {
                d.tags = tags;
                d.filters = doc_filters(d, Some(&filters));
                continue;
            }
            let p = d.publication_id.and_then(|p| of_publication.get(&p));
            d.filters = doc_filters(d, p.map(String::as_str));
        }
        let terms = batch.iter().map(bulk::terms).collect();
        out.push(Prepared { docs: batch, terms });
    }
    Ok(out)
}

/// PostgreSQL's GIN index of the whole index, with a short pending list
/// (migration 0085).
const CREATE_DOCS_TSV: &str = "CREATE INDEX IF NOT EXISTS search_docs_tsv ON search_docs USING GIN (tsv) \
     WITH (gin_pending_list_limit = 256)";

/// Entries kept in PostgreSQL's recent tier (`search_recent`, migration
/// 0079): a common word's newest `MATCH_WINDOW` matches are found among
/// these. The maintenance job trims the tier back to this size every hour.
pub const RECENT_TIER: i64 = 50_000;

/// Rebuild PostgreSQL's recent tier from the newest `RECENT_TIER` entries
/// (after a bulk rebuild, which skips the row trigger). SQLite: nothing.
pub async fn refill_recent(db: &Db) -> Result<(), sqlx::Error> {
    if db.backend != Backend::Postgres {
        return Ok(());
    }
    // The tier's GIN index takes entries directly (no pending list,
    // migration 0085): 50,000 at once are faster to index in one build,
    // so it is dropped and built again, in the same transaction.
    let mut tx = db.begin().await?;
    sqlx::query("SELECT set_config('maintenance_work_mem', '128MB', true)")
        .execute(&mut *tx)
        .await?;
    sqlx::query("DROP INDEX IF EXISTS search_recent_tsv")
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM search_recent")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO search_recent (id, tsv) SELECT id, tsv FROM search_docs ORDER BY id DESC LIMIT $1",
    )
    .bind(RECENT_TIER)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "CREATE INDEX search_recent_tsv ON search_recent USING GIN (tsv) WITH (fastupdate = off)",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Trim PostgreSQL's recent tier to its newest `keep` entries (the oldest
/// ids go: the tier stays the newest contiguous range of the index).
/// Returns the entries removed. SQLite: nothing.
pub async fn trim_recent(db: &Db, keep: i64) -> Result<u64, sqlx::Error> {
    if db.backend != Backend::Postgres {
        return Ok(0);
    }
    let done = sqlx::query(
        "DELETE FROM search_recent WHERE id < (SELECT id FROM search_recent ORDER BY id DESC OFFSET $1 LIMIT 1)",
    )
    .bind(keep.max(1) - 1)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
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
pub const INDEX_VERSION: &str = "5";
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
         (SELECT COUNT(*) FROM users WHERE findable = 1) + (SELECT COUNT(*) FROM events) + (SELECT COUNT(*) FROM resources)",
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
