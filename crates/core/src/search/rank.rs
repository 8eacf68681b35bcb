//! SQLite: `passerelles_rank`, the FTS5 ranking function of a search.
//!
//! It is FTS5's own `bm25` (same formula, k1 = 1.2, b = 0.75, per-column
//! weights as arguments) except for one thing: how a word's document
//! frequency (the "IDF" part) is found. `bm25` counts every entry that
//! holds the word, by walking its whole document list once per query; for
//! a word found in 400,000 entries that alone is 30 ms, whatever the match
//! window, and it was most of a common word's search at scale 100
//! (BENCHMARKS.md, "SQLite's ranking without the full count"). Here the
//! count stops at [`COUNT_CAP`] entries, and the frequency of a word that
//! reaches it is extrapolated from how far into the index (by id, which
//! follows time) the cap was reached. The IDF of a common word is a
//! logarithm: an estimate within a few per cent changes no order that
//! matters, and a rare word (the one that decides a multi-word ranking) is
//! still counted exactly.
//!
//! A phrase is counted only when a ranked entry holds it in a weighted
//! column: filter tokens (`#c12`, in the zero-weight column) and excluded
//! words are never counted.
//!
//! Registered on every SQLite connection the process opens, through
//! `sqlite3_auto_extension` ([`register`], called before the pool opens
//! its first connection).

use std::ffi::{c_char, c_int, c_void};
use std::ptr;

use libsqlite3_sys as ffi;

/// Entries counted per phrase before the frequency is extrapolated.
const COUNT_CAP: i64 = 4_000;
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// Per-query data, kept by FTS5 between rows (`xSetAuxdata`).
struct QueryData {
    rows: f64,
    avgdl: f64,
    /// Per phrase: its IDF, once counted.
    idf: Vec<Option<f64>>,
}

/// The counting callback's state.
struct Count {
    n: i64,
    /// The rowid where the cap was reached.
    stopped_at: Option<i64>,
}

unsafe extern "C" fn count_cb(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    user: *mut c_void,
) -> c_int {
    // SAFETY: `user` is the `Count` passed to `xQueryPhrase` below, alive
    // for the duration of that call; `api`/`fts` are FTS5's.
    unsafe {
        let c = &mut *(user as *mut Count);
        c.n += 1;
        if c.n >= COUNT_CAP {
            if let Some(rowid) = (*api).xRowid {
                c.stopped_at = Some(rowid(fts));
            }
            // FTS5 stops the walk and reports success.
            return ffi::SQLITE_DONE;
        }
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn free_query_data(p: *mut c_void) {
    if !p.is_null() {
        // SAFETY: set by `rank` from `Box::into_raw`.
        drop(unsafe { Box::from_raw(p as *mut QueryData) });
    }
}

/// The document frequency of phrase `i` (entries that hold it), counted up
/// to the cap, then extrapolated over the index's id range.
unsafe fn phrase_frequency(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    i: c_int,
    rows: f64,
) -> Option<f64> {
    let mut c = Count {
        n: 0,
        stopped_at: None,
    };
    // SAFETY: FTS5's API on its own context; `c` outlives the call.
    let rc =
        unsafe { (api.xQueryPhrase?)(fts, i, &mut c as *mut Count as *mut c_void, Some(count_cb)) };
    if rc != ffi::SQLITE_OK {
        return None;
    }
    Some(match c.stopped_at {
        // Reached after `stopped_at` ids of (about) `rows` ones: the same
        // density over the rest.
        Some(at) if at > 0 => (c.n as f64 * rows / at as f64).min(rows),
        _ => c.n as f64,
    })
}

/// `passerelles_rank(search_fts, w0, w1, …)`: smaller is better, like
/// `bm25`.
unsafe extern "C" fn rank(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    ctx: *mut ffi::sqlite3_context,
    n_val: c_int,
    ap_val: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: FTS5 calls this with its API table, the cursor's context,
    // the SQL function context and `n_val` argument values.
    unsafe {
        let Some(api) = api.as_ref() else { return };
        let fail = |ctx| ffi::sqlite3_result_error_code(ctx, ffi::SQLITE_ERROR);
        let (
            Some(get_aux),
            Some(set_aux),
            Some(phrase_count),
            Some(row_count),
            Some(total_size),
            Some(column_count),
            Some(inst_count),
            Some(inst),
            Some(column_size),
        ) = (
            api.xGetAuxdata,
            api.xSetAuxdata,
            api.xPhraseCount,
            api.xRowCount,
            api.xColumnTotalSize,
            api.xColumnCount,
            api.xInstCount,
            api.xInst,
            api.xColumnSize,
        )
        else {
            return fail(ctx);
        };
        let mut data = get_aux(fts, 0) as *mut QueryData;
        if data.is_null() {
            let mut n_row: i64 = 0;
            if row_count(fts, &mut n_row) != ffi::SQLITE_OK {
                return fail(ctx);
            }
            let mut tokens: i64 = 0;
            for col in 0..column_count(fts) {
                let mut t: i64 = 0;
                if total_size(fts, col, &mut t) != ffi::SQLITE_OK {
                    return fail(ctx);
                }
                tokens += t;
            }
            let rows = n_row.max(1) as f64;
            let q = Box::new(QueryData {
                rows,
                avgdl: (tokens as f64 / rows).max(1.0),
                idf: vec![None; phrase_count(fts).max(0) as usize],
            });
            data = Box::into_raw(q);
            if set_aux(fts, data as *mut c_void, Some(free_query_data)) != ffi::SQLITE_OK {
                return fail(ctx);
            }
        }
        let q = &mut *data;
        let weight = |col: c_int| -> f64 {
            if col < n_val {
                ffi::sqlite3_value_double(*ap_val.add(col as usize))
            } else {
                1.0
            }
        };
        let mut freq = vec![0.0f64; q.idf.len()];
        let mut n_inst: c_int = 0;
        if inst_count(fts, &mut n_inst) != ffi::SQLITE_OK {
            return fail(ctx);
        }
        for i in 0..n_inst {
            let (mut ip, mut ic, mut io) = (0, 0, 0);
            if inst(fts, i, &mut ip, &mut ic, &mut io) != ffi::SQLITE_OK {
                return fail(ctx);
            }
            if let Some(f) = freq.get_mut(ip as usize) {
                *f += weight(ic);
            }
        }
        let mut dl: c_int = 0;
        if column_size(fts, -1, &mut dl) != ffi::SQLITE_OK {
            return fail(ctx);
        }
        let norm = K1 * (1.0 - B + B * dl as f64 / q.avgdl);
        let mut score = 0.0;
        for (p, f) in freq.iter().enumerate() {
            if *f <= 0.0 {
                continue;
            }
            let idf = match q.idf[p] {
                Some(v) => v,
                None => {
                    let Some(df) = phrase_frequency(api, fts, p as c_int, q.rows) else {
                        return fail(ctx);
                    };
                    // FTS5's bm25: never zero or negative.
                    let v = ((q.rows - df + 0.5) / (df + 0.5)).ln().max(1e-6);
                    q.idf[p] = Some(v);
                    v
                }
            };
            score += idf * (f * (K1 + 1.0)) / (f + norm);
        }
        ffi::sqlite3_result_double(ctx, -score);
    }
}

/// Called by SQLite for each new connection: registers `passerelles_rank`
/// with that connection's FTS5.
unsafe extern "C" fn on_open(
    db: *mut ffi::sqlite3,
    _err: *mut *mut c_char,
    _api: *const ffi::sqlite3_api_routines,
) -> c_int {
    // SAFETY: `db` is the connection being opened; the statement is
    // finalised before returning; `fts5` writes the API pointer through
    // the bound pointer of type "fts5_api_ptr" (SQLite's documented way).
    unsafe {
        // The statement below may need to read the file while another
        // connection (another process) holds a lock, e.g. closing the last
        // connection's WAL checkpoint: wait like any statement would
        // (sqlx sets its own timeout right after the open).
        ffi::sqlite3_busy_timeout(db, 10_000);
        let registered = register_on(db);
        // SQLite fails the whole open if the connection's last error is
        // set once auto-extensions ran: clear it (an empty `exec` does),
        // whatever happened here. Without the function a search fails with
        // "no such function", logged; the connection itself stays usable.
        ffi::sqlite3_exec(db, c"".as_ptr(), None, ptr::null_mut(), ptr::null_mut());
        if !registered {
            tracing::warn!(
                "search: passerelles_rank could not be registered on a SQLite connection"
            );
        }
    }
    ffi::SQLITE_OK
}

/// Register `passerelles_rank` with `db`'s FTS5. False if it could not.
///
/// # Safety
/// `db` is an open connection.
unsafe fn register_on(db: *mut ffi::sqlite3) -> bool {
    // SAFETY: as `on_open`'s.
    unsafe {
        let mut stmt: *mut ffi::sqlite3_stmt = ptr::null_mut();
        if ffi::sqlite3_prepare_v2(
            db,
            c"SELECT fts5(?1)".as_ptr(),
            -1,
            &mut stmt,
            ptr::null_mut(),
        ) != ffi::SQLITE_OK
        {
            return false;
        }
        let mut fts5: *mut ffi::fts5_api = ptr::null_mut();
        ffi::sqlite3_bind_pointer(
            stmt,
            1,
            &mut fts5 as *mut *mut ffi::fts5_api as *mut c_void,
            c"fts5_api_ptr".as_ptr(),
            None,
        );
        ffi::sqlite3_step(stmt);
        ffi::sqlite3_finalize(stmt);
        match fts5.as_ref().and_then(|a| a.xCreateFunction) {
            Some(create) => {
                create(
                    fts5,
                    c"passerelles_rank".as_ptr(),
                    ptr::null_mut(),
                    Some(rank),
                    None,
                ) == ffi::SQLITE_OK
            }
            None => false,
        }
    }
}

/// Register `passerelles_rank` for every SQLite connection opened from now
/// on (once per process).
pub fn register() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: `on_open` has the signature SQLite calls auto-extensions
        // with.
        unsafe {
            ffi::sqlite3_auto_extension(Some(on_open));
        }
    });
}

#[cfg(test)]
mod tests {
    use crate::db::Db;

    async fn scores(db: &Db, f: &str, q: &str) -> Vec<(i64, f64)> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT rowid, {f}(t, 10.0, 5.0, 1.0, 0.0) FROM t WHERE t MATCH $1 ORDER BY rowid"
        )))
        .bind(q)
        .fetch_all(&db.pool)
        .await
        .unwrap()
    }

    /// Below the count cap it is FTS5's `bm25`, to the last digit; above
    /// it, the extrapolated frequency keeps every score within a few per
    /// cent and the order of entries the same.
    #[tokio::test]
    async fn it_is_bm25_with_a_capped_count() {
        let dir = std::env::temp_dir().join(format!("prank-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.db");
        let _ = std::fs::remove_file(&path);
        let db = Db::connect(&format!("sqlite://{}?mode=rwc", path.display()), 1)
            .await
            .unwrap();
        sqlx::query(
            "CREATE VIRTUAL TABLE t USING fts5 (title, tags, body, filters, content = '', \
             contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0 tokenchars ''#''')",
        )
        .execute(&db.pool)
        .await
        .unwrap();
        // 12,000 entries: "commun" in every other one (past the cap),
        // "rare" in one in 100, "titre" in titles, varied lengths.
        let mut tx = db.pool.begin().await.unwrap();
        for i in 1..=12_000i64 {
            let mut body: Vec<String> = (0..(i % 17 + 3))
                .map(|k| format!("w{}", (i * 7 + k) % 500))
                .collect();
            if i % 2 == 0 {
                body.push("commun".into());
            }
            if i % 100 == 0 {
                body.push("rare commun".into());
            }
            let title = if i % 3 == 0 { "titre commun" } else { "titre" };
            sqlx::query(
                "INSERT INTO t (rowid, title, tags, body, filters) VALUES ($1, $2, '', $3, '#c1')",
            )
            .bind(i)
            .bind(title)
            .bind(body.join(" "))
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();

        // Rare words: exactly bm25 (the filter token is never weighted).
        for q in ["rare", "rare AND \"#c1\"", "w7 OR rare"] {
            let a = scores(&db, "bm25", q).await;
            let b = scores(&db, "passerelles_rank", q).await;
            assert!(!a.is_empty(), "{q}");
            assert_eq!(a.len(), b.len());
            for ((ra, sa), (rb, sb)) in a.iter().zip(&b) {
                assert_eq!(ra, rb);
                assert!((sa - sb).abs() < 1e-9, "{q}: row {ra}: bm25 {sa} vs {sb}");
            }
        }
        // A word in 6,000+ entries: estimated past the cap (within 5 %).
        for q in ["commun", "commun AND rare", "titre AND commun"] {
            let a = scores(&db, "bm25", q).await;
            let b = scores(&db, "passerelles_rank", q).await;
            assert_eq!(a.len(), b.len());
            for ((ra, sa), (_, sb)) in a.iter().zip(&b) {
                assert!(*sa < 0.0 && *sb < 0.0);
                assert!(
                    (sa - sb).abs() <= 0.05 * sa.abs(),
                    "{q}: row {ra}: bm25 {sa} vs {sb}"
                );
            }
            let order = |v: &[(i64, f64)]| {
                let mut v = v.to_vec();
                v.sort_by(|x, y| x.1.total_cmp(&y.1).then(y.0.cmp(&x.0)));
                v.iter().take(50).map(|x| x.0).collect::<Vec<_>>()
            };
            // One phrase: a different IDF scales every score alike.
            if q == "commun" {
                assert_eq!(order(&a), order(&b), "{q}");
            }
        }
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
