//! `passerelles admin seed-demo --scale N`: realistic, deterministic demo
//! content at the old platform's size (N = 1: 4,300 members, 120
//! communities, 6,000 publications with replies; N = 100: 600,000
//! publications). Rows are written in large multi-row INSERTs inside
//! transactions, with explicit ids, so scale 100 takes minutes.

use std::time::Instant;

use anyhow::Context;
use sqlx::Executor;

use crate::db::{Backend, Db, now};

/// Deterministic xorshift64* generator (no dependency, same output everywhere).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

mod words;
use words::*;

fn regions() -> Vec<(String, String)> {
    include_str!("../../../assets/quebec-regions.csv")
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut it = l.split(',');
            let _code = it.next()?;
            let name = it.next()?.to_string();
            let slug = it.next()?.to_string();
            Some((slug, name))
        })
        .collect()
}

/// One batch of rows for a multi-row INSERT with bound values.
enum V {
    I(i64),
    N(Option<i64>),
    /// A text value that may be NULL (PostgreSQL wants NULLs typed).
    T(Option<String>),
    S(String),
}

/// Write `rows` as multi-row INSERTs, `max_rows` per statement.
///
/// SQLite gets anonymous `?` placeholders: with numbered ones (`$n`) sqlx
/// looks every parameter up by name, and SQLite's name lookup is a linear
/// scan, so binding a statement of P parameters costs O(P²) — that alone was
/// 90 % of scale 1's time. PostgreSQL needs `$n`.
async fn insert_batch(
    backend: Backend,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    table_cols: &str,
    rows: Vec<Vec<V>>,
) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let width = rows[0].len();
    let numbered = backend == Backend::Postgres;
    let mut sql = String::with_capacity(32 + rows.len() * width * 6);
    sql.push_str("INSERT INTO ");
    sql.push_str(table_cols);
    sql.push_str(" VALUES ");
    let mut n = 1;
    for i in 0..rows.len() {
        if i > 0 {
            sql.push(',');
        }
        sql.push('(');
        for j in 0..width {
            if j > 0 {
                sql.push(',');
            }
            if numbered {
                sql.push('$');
                sql.push_str(&n.to_string());
            } else {
                sql.push('?');
            }
            n += 1;
        }
        sql.push(')');
    }
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for row in rows {
        for v in row {
            q = match v {
                V::I(x) => q.bind(x),
                V::N(x) => q.bind(x),
                V::T(x) => q.bind(x),
                V::S(x) => q.bind(x),
            };
        }
    }
    q.persistent(false).execute(&mut **tx).await?;
    Ok(())
}

/// The one connection every insert goes through, taken out of the pool so
/// its settings do not leak to other users of the pool: on SQLite a page
/// cache large enough that index inserts at scale 100 stay in memory, on
/// PostgreSQL commits that do not wait for the WAL flush (a crash in the
/// middle of seeding loses the last batches, never consistency).
struct Writer {
    conn: sqlx::AnyConnection,
    backend: Backend,
}

impl Writer {
    async fn open(db: &Db) -> anyhow::Result<Writer> {
        let mut conn = db.pool.acquire().await?.detach();
        match db.backend {
            // 256 MiB of page cache (the default is 2 MiB).
            Backend::Sqlite => conn.execute("PRAGMA cache_size = -262144").await?,
            Backend::Postgres => conn.execute("SET synchronous_commit = off").await?,
        };
        Ok(Writer {
            conn,
            backend: db.backend,
        })
    }
}

async fn flush(
    w: &mut Writer,
    table_cols: &str,
    rows: &mut Vec<Vec<V>>,
    force: bool,
) -> anyhow::Result<()> {
    let width = rows.first().map(Vec::len).unwrap_or(1);
    // Stay well under SQLite's 32,766 and PostgreSQL's 65,535 bound values.
    let max_rows = (30_000 / width).max(1);
    if rows.len() >= max_rows || (force && !rows.is_empty()) {
        // SQLite: take the write lock at BEGIN, so the busy timeout applies
        // (a deferred transaction that meets another writer mid-way fails
        // at once with "database is locked").
        let mut tx = match w.backend {
            Backend::Sqlite => sqlx::Connection::begin_with(&mut w.conn, "BEGIN IMMEDIATE").await?,
            Backend::Postgres => sqlx::Connection::begin(&mut w.conn).await?,
        };
        let mut rest = std::mem::take(rows);
        while !rest.is_empty() {
            let tail = rest.split_off(rest.len().min(max_rows));
            insert_batch(w.backend, &mut tx, table_cols, rest).await?;
            rest = tail;
        }
        tx.commit().await?;
    }
    Ok(())
}

async fn max_id(db: &Db, table: &str) -> anyhow::Result<i64> {
    let sql = format!("SELECT COALESCE(MAX(id), 0) FROM {table}");
    Ok(sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
        .fetch_one(&db.pool)
        .await?)
}

pub struct Report {
    pub users: i64,
    pub communities: i64,
    pub publications: i64,
    pub replies: i64,
    /// Everything, search index included.
    pub seconds: f64,
    /// Writing the content.
    pub write_seconds: f64,
    /// Rebuilding the search index over it.
    pub index_seconds: f64,
    pub indexed: u64,
    pub password: &'static str,
    /// One ready account per role in an open community: (role, username,
    /// community name).
    pub accounts: Vec<(String, String, String)>,
}

pub const DEMO_PASSWORD: &str = "démo passerelles 2026";

/// How much to make.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub users: i64,
    pub communities: i64,
    pub publications: i64,
}

impl Sizes {
    /// The old platform's size times `scale`.
    pub fn scale(scale: i64) -> Sizes {
        Sizes {
            users: 4300 * scale,
            communities: 120 * scale,
            publications: 6000 * scale,
        }
    }
}

pub async fn seed_demo(db: &Db, scale: i64, seed: u64, force: bool) -> anyhow::Result<Report> {
    anyhow::ensure!(
        (1..=1000).contains(&scale),
        "--scale must be between 1 and 1000"
    );
    seed_sized(db, Sizes::scale(scale), seed, force).await
}

/// Seed exactly `sizes` (tests use small sizes).
pub async fn seed_sized(db: &Db, sizes: Sizes, seed: u64, force: bool) -> anyhow::Result<Report> {
    anyhow::ensure!(
        sizes.users >= 3 && sizes.communities >= 1 && sizes.publications >= 0,
        "sizes too small"
    );
    let existing = crate::accounts::count_users(db).await?;
    if existing > 0 && !force {
        anyhow::bail!(
            "this instance already has {existing} account(s); seed-demo only fills empty instances (use --force to add demo content anyway)"
        );
    }
    let t0 = Instant::now();
    let mut rng = Rng::new(seed);
    let regions = regions();
    let t = now();
    // One Argon2id hash shared by every demo account.
    let hash = crate::password::hash(DEMO_PASSWORD)?;
    let mut w = Writer::open(db).await?;

    // People.
    let n_users = sizes.users;
    let user_base = max_id(db, "users").await?;
    let mut rows = Vec::new();
    let mut usernames: Vec<String> = Vec::with_capacity(n_users as usize);
    let cols = "users (id, username, username_key, username_skeleton, email, email_key, email_verified, password_hash, \
                display_name, bio, locale, status, created_at)";
    for i in 1..=n_users {
        let first = rng.pick(FIRST);
        let last = rng.pick(LAST);
        let username = format!(
            "{}.{}{}",
            crate::communities::slugify(first),
            crate::communities::slugify(last),
            user_base + i
        );
        let email = format!("{username}@demo.passerelles.test");
        usernames.push(username.clone());
        let bio = if rng.chance(40) {
            format!(
                "Je m’intéresse à {} {}.",
                rng.pick(TOPICS).plain,
                in_region(&rng.pick(&regions).1)
            )
        } else {
            String::new()
        };
        rows.push(vec![
            V::I(user_base + i),
            V::S(username.clone()),
            V::S(crate::username::canonical(&username)),
            V::S(crate::username::skeleton(&username)),
            V::S(email.clone()),
            V::S(email),
            V::I(1),
            V::S(hash.clone()),
            V::S(format!("{first} {last}")),
            V::S(bio),
            V::S(if rng.chance(85) {
                "fr-CA".into()
            } else {
                "en".into()
            }),
            V::S("active".into()),
            V::I(t - rng.below(3 * 365 * 86400) as i64),
        ]);
        flush(&mut w, cols, &mut rows, false).await?;
    }
    flush(&mut w, cols, &mut rows, true).await?;
    tracing::info!(seconds = t0.elapsed().as_secs_f64(), "seed: people written");

    // Communities: about a third private; owners and members.
    let n_comm = sizes.communities;
    let comm_base = max_id(db, "communities").await?;
    let mut private = Vec::new();
    let cols = "communities (id, slug, name, description, theme, territory, visibility, join_policy, status, created_by, \
                created_at, last_activity_at, inner_activity_at, member_count)";
    let mut mem_rows = Vec::new();
    let mem_cols =
        "memberships (community_id, user_id, role, state, welcomed, created_at, updated_at)";
    let mut members_of: Vec<Vec<i64>> = Vec::with_capacity(n_comm as usize);
    let mut english_of: Vec<bool> = Vec::with_capacity(n_comm as usize);
    let mut used_names: std::collections::HashSet<String> = std::collections::HashSet::new();
    for i in 1..=n_comm {
        let id = comm_base + i;
        let (theme_key, theme) = *rng.pick(THEMES);
        let (region_slug, region) = rng.pick(&regions).clone();
        let is_private = rng.chance(33);
        let vis = if is_private {
            "private"
        } else if rng.chance(8) {
            "unlisted"
        } else {
            "open"
        };
        let join = if is_private {
            "request"
        } else if rng.chance(20) {
            "request"
        } else {
            "open"
        };
        // A few communities speak English, and say so in their name.
        let english = i % 12 == 5;
        let name = if english {
            format!("{} — {region} (English)", capitalise(*rng.pick(EN_TOPICS)))
        } else if rng.chance(50) {
            format!("{} — {region}", capitalise(theme))
        } else {
            format!("{} — {region}", rng.pick(TOPICS).name)
        };
        // Names that read alike confuse; a few tries for a fresh one.
        let mut name = name;
        for _ in 0..5 {
            if !used_names.contains(&name) {
                break;
            }
            name = format!("{} — {region}", rng.pick(TOPICS).name);
        }
        used_names.insert(name.clone());
        english_of.push(english);
        let size = 5 + rng.below(60) as i64;
        let owner = user_base + 1 + rng.below(n_users as usize) as i64;
        let mut members = vec![owner];
        for _ in 0..size {
            let u = user_base + 1 + rng.below(n_users as usize) as i64;
            if !members.contains(&u) {
                members.push(u);
            }
        }
        for (k, u) in members.iter().enumerate() {
            let role = match k {
                0 => "owner",
                1 => "animator",
                2 => "moderator",
                _ => "member",
            };
            mem_rows.push(vec![
                V::I(id),
                V::I(*u),
                V::S(role.into()),
                V::S("active".into()),
                V::I(1),
                // Joined a year ago: what moved since shows as new.
                V::I(t - 365 * 86400),
                V::I(t - 365 * 86400),
            ]);
        }
        let created = t - rng.below(3 * 365 * 86400) as i64;
        let active = t - rng.below(30 * 86400) as i64;
        rows.push(vec![
            V::I(id),
            V::S(format!(
                "{}-{id}",
                crate::communities::slugify(&name)
                    .chars()
                    .take(40)
                    .collect::<String>()
            )),
            V::S(name),
            V::S(if english {
                format!(
                    "A space for English-speaking people working in the {region} region. {}",
                    rng.pick(EN_SENTENCES)
                )
            } else {
                format!(
                    "Un espace d’échange entre personnes engagées en {theme}, {}. {}",
                    in_region(&region),
                    rng.pick(SENTENCES)
                )
            }),
            V::S(theme_key.into()),
            V::S(region_slug),
            V::S(vis.into()),
            V::S(join.into()),
            V::S("active".into()),
            V::I(owner),
            V::I(created),
            // A private community's public date is what its card shows.
            V::I(if is_private { created } else { active }),
            V::I(active),
            V::I(members.len() as i64),
        ]);
        if is_private {
            private.push(id);
        }
        members_of.push(members);
        flush(&mut w, cols, &mut rows, false).await?;
    }
    flush(&mut w, cols, &mut rows, true).await?;
    flush(&mut w, mem_cols, &mut mem_rows, true).await?;
    tracing::info!(
        seconds = t0.elapsed().as_secs_f64(),
        "seed: communities written"
    );

    // Tags.
    let tag_base = max_id(db, "tags").await?;
    // Tags as words (the label), under their folded key.
    let tag_names: Vec<String> = THEMES
        .iter()
        .map(|(_, label)| label.to_string())
        .chain(
            [
                "financement",
                "bénévolat",
                "gouvernance",
                "alimentation",
                "habitation",
                "mobilité",
                "évaluation",
                "formation",
            ]
            .iter()
            .map(|s| s.to_string()),
        )
        .collect();
    // Reuse tags that already exist (a second, forced seed), create the rest.
    let mut tag_ids = Vec::new();
    let mut tag_rows = Vec::new();
    let mut next_tag = tag_base;
    for label in &tag_names {
        let name = crate::publications::fold_tag_key(label).replace(' ', "-");
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM tags WHERE name = $1")
            .bind(&name)
            .fetch_optional(&db.pool)
            .await?;
        match existing {
            Some(id) => tag_ids.push(id),
            None => {
                next_tag += 1;
                tag_ids.push(next_tag);
                tag_rows.push(vec![V::I(next_tag), V::S(name), V::S(label.clone())]);
            }
        }
    }
    flush(&mut w, "tags (id, name, label)", &mut tag_rows, true).await?;

    // Publications, their communities, tags and replies.
    let n_pub = sizes.publications;
    let pub_base = max_id(db, "publications").await?;
    let reply_base = max_id(db, "replies").await?;
    let mut reply_id = reply_base;
    let pcols = "publications (id, kind, title, body, body_html, lang, author_id, link_url, link_key, created_at, updated_at, \
                 last_activity_at, reply_count, public_key)";
    let ccols =
        "publication_communities (publication_id, community_id, added_by, added_at, pinned)";
    let tcols = "publication_tags (publication_id, tag_id)";
    let rcols = "replies (id, publication_id, parent_id, depth, author_id, body, body_html, created_at, updated_at)";
    let (mut prow, mut crow, mut trow, mut rrow) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut n_replies = 0i64;
    for i in 1..=n_pub {
        let id = pub_base + i;
        let c_idx = rng.below(n_comm as usize);
        let community = comm_base + 1 + c_idx as i64;
        let members = &members_of[c_idx];
        let author = *rng.pick(members);
        let english = english_of[c_idx];
        let topic = rng.pick(TOPICS);
        let en_topic = *rng.pick(EN_TOPICS);
        let region = &rng.pick(&regions).1;
        let (kind, title, link) = match rng.below(10) {
            0..=4 if english => (
                "discussion",
                format!("{} {en_topic}", rng.pick(EN_DISCUSSION_STARTS)),
                None,
            ),
            0..=4 => (
                "discussion",
                format!(
                    "{} {} {}",
                    rng.pick(DISCUSSION_STARTS),
                    topic.plain,
                    in_region(region)
                ),
                None,
            ),
            5..=6 if english => (
                "question",
                format!("{} {en_topic}?", rng.pick(EN_QUESTION_STARTS)),
                None,
            ),
            5..=6 => (
                "question",
                format!("{} {}?", rng.pick(QUESTION_STARTS), topic.plain),
                None,
            ),
            _ => {
                let site = rng.pick(SITES);
                let url = format!(
                    "https://{site}/ressources/{}-{id}",
                    crate::communities::slugify(topic.plain)
                );
                let title = if english {
                    format!("Practical guide: {en_topic}")
                } else if rng.chance(30) {
                    format!("Portrait {}", topic.of)
                } else {
                    format!("{} {}", rng.pick(WATCH_TITLES), topic.plain)
                };
                ("watch", title, Some(url))
            }
        };
        let sentences = if english { EN_SENTENCES } else { SENTENCES };
        let mut body = String::new();
        for p in 0..(1 + rng.below(4)) {
            if p > 0 {
                body.push_str("\n\n");
            }
            for _ in 0..(1 + rng.below(4)) {
                let sentence = *rng.pick(sentences);
                if !body.contains(sentence) {
                    body.push_str(sentence);
                    body.push(' ');
                }
            }
        }
        if rng.chance(15) {
            let other = *rng.pick(members);
            let name = &usernames[(other - user_base - 1) as usize];
            if english {
                body.push_str(&format!("\n\nWhat do you think, @{name}? #financement"));
            } else {
                body.push_str(&format!("\n\nQu’en penses-tu, @{name}? #financement"));
            }
        }
        let html = body
            .split("\n\n")
            .map(|p| format!("<p>{}</p>", html_escape(p.trim())))
            .collect::<String>();
        let created = t - rng.below(2 * 365 * 86400) as i64;
        let replies_here = match rng.below(10) {
            0..=2 => 0,
            3..=7 => 1 + rng.below(4),
            _ => 5 + rng.below(10),
        } as i64;
        let last = created + replies_here * 3600;
        let key = link.as_ref().map(|l| l.to_lowercase());
        prow.push(vec![
            V::I(id),
            V::S(kind.into()),
            V::S(title),
            V::S(body),
            V::S(html),
            V::S(if english { "en" } else { "fr" }.into()),
            V::I(author),
            V::T(link.clone()),
            V::T(key.clone()),
            V::I(created),
            V::I(created),
            V::I(last),
            V::I(replies_here),
            V::S(crate::publications::new_public_key()),
        ]);
        crow.push(vec![
            V::I(id),
            V::I(community),
            V::I(author),
            V::I(created),
            V::I(i64::from(rng.chance(1))),
        ]);
        // A fifth of publications are shared into a second community.
        if rng.chance(20) {
            let other = comm_base + 1 + rng.below(n_comm as usize) as i64;
            if other != community {
                crow.push(vec![
                    V::I(id),
                    V::I(other),
                    V::I(author),
                    V::I(created),
                    V::I(0),
                ]);
            }
        }
        let tag = tag_ids[rng.below(tag_ids.len())];
        trow.push(vec![V::I(id), V::I(tag)]);
        let mut prev: Option<i64> = None;
        for r in 0..replies_here {
            reply_id += 1;
            let threaded = prev.filter(|_| rng.chance(30));
            let text = rng
                .pick(if english { EN_REPLIES } else { REPLIES })
                .to_string();
            rrow.push(vec![
                V::I(reply_id),
                V::I(id),
                V::N(threaded),
                V::I(i64::from(threaded.is_some())),
                V::I(*rng.pick(members)),
                V::S(text.clone()),
                V::S(format!("<p>{}</p>", html_escape(&text))),
                V::I(created + (r + 1) * 3600),
                V::I(created + (r + 1) * 3600),
            ]);
            prev = Some(reply_id);
            n_replies += 1;
        }
        flush(&mut w, pcols, &mut prow, false).await?;
        if prow.is_empty() {
            flush(&mut w, ccols, &mut crow, true).await?;
            flush(&mut w, tcols, &mut trow, true).await?;
            flush(&mut w, rcols, &mut rrow, true).await?;
        }
    }
    flush(&mut w, pcols, &mut prow, true).await?;
    flush(&mut w, ccols, &mut crow, true).await?;
    flush(&mut w, tcols, &mut trow, true).await?;
    flush(&mut w, rcols, &mut rrow, true).await?;
    tracing::info!(
        seconds = t0.elapsed().as_secs_f64(),
        "seed: publications written"
    );

    if db.backend == Backend::Postgres {
        // Explicit ids: move the identity sequences past them.
        for table in ["users", "communities", "tags", "publications", "replies"] {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            );
            db.pool
                .execute(sqlx::AssertSqlSafe(sql))
                .await
                .with_context(|| format!("advance {table} ids"))?;
        }
    }
    sqlx::Connection::close(w.conn).await?;
    // Organisations and initiatives on the map: 800 and 400 per unit of scale.
    let (orgs, inits) =
        crate::organisations::demo::seed(db, (sizes.users * 800 / 4300).max(8), seed).await?;
    tracing::info!(orgs, inits, "seed: organisations and initiatives");
    let events = crate::events::demo::seed(db, (sizes.users * 1500 / 4300).max(12), seed).await?;
    tracing::info!(events, "seed: events");
    let wiki_pages = crate::wiki::demo::seed(db, (sizes.communities / 3).max(1)).await?;
    tracing::info!(wiki_pages, "seed: wiki pages");
    let (terms, resources, dossiers) =
        crate::library::demo::seed(db, (sizes.communities / 3).clamp(1, 300)).await?;
    tracing::info!(
        terms,
        resources,
        dossiers,
        "seed: lexicon, library and dossiers"
    );
    let written = t0.elapsed().as_secs_f64();
    // The demo layer of territories (real names and codes, marked demo) and
    // the content placed on the tree.
    let mut tx = db.begin().await?;
    crate::territories::demo::seed_in(&mut tx)
        .await
        .context("territories demo layer")?;
    tx.commit().await?;
    // The content went in by bulk inserts, around the search index: build it.
    let index = crate::search::reindex_all(db).await?;
    tracing::info!(
        docs = index.docs,
        seconds = index.seconds,
        "seed: search index rebuilt"
    );
    // And its vocabulary ("did you mean"), which the hourly job would
    // otherwise read in on the server's first start, competing with the
    // first requests (minutes at scale 100; BENCHMARKS.md).
    let t_vocab = std::time::Instant::now();
    let words = crate::search::vocab::refresh(db).await?;
    tracing::info!(
        entries = words,
        seconds = t_vocab.elapsed().as_secs_f64(),
        "seed: search vocabulary read"
    );
    // Bulk loading leaves the planner without statistics (SQLite never
    // gathers them by itself; PostgreSQL's autovacuum would, later): without
    // them, listings at scale 100 pick plans that scan every publication.
    let t_stats = std::time::Instant::now();
    db.pool
        .execute("ANALYZE")
        .await
        .context("gather planner statistics")?;
    tracing::info!(
        seconds = t_stats.elapsed().as_secs_f64(),
        "seed: planner statistics gathered"
    );
    crate::settings::set_raw(db, "demo_seeded", &format!("{sizes:?} seed={seed}")).await?;
    let _ = private;
    Ok(Report {
        users: n_users,
        communities: n_comm,
        publications: n_pub,
        replies: n_replies,
        seconds: t0.elapsed().as_secs_f64(),
        write_seconds: written,
        index_seconds: index.seconds,
        indexed: index.docs,
        password: DEMO_PASSWORD,
        accounts: ready_accounts(db, comm_base).await?,
    })
}

/// One account of each community role, all in the first open community of
/// this seed that has all four (so the roles can be tried side by side).
async fn ready_accounts(db: &Db, comm_base: i64) -> anyhow::Result<Vec<(String, String, String)>> {
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT c.id, c.name, m.role, u.username FROM communities c \
         JOIN memberships m ON m.community_id = c.id JOIN users u ON u.id = m.user_id \
         WHERE c.id > $1 AND c.visibility = 'open' AND m.state = 'active' ORDER BY c.id, u.id",
    )
    .bind(comm_base)
    .fetch_all(&db.pool)
    .await?;
    let mut out: Vec<(String, String, String)> = Vec::new();
    let mut current = None;
    for (cid, cname, role, username) in rows {
        if current != Some(cid) {
            if out.len() == 4 {
                break;
            }
            current = Some(cid);
            out.clear();
        }
        if !out.iter().any(|(r, _, _)| *r == role) {
            out.push((role, username, cname));
        }
    }
    let order = |r: &str| {
        ["owner", "animator", "moderator", "member"]
            .iter()
            .position(|x| *x == r)
    };
    out.sort_by_key(|(r, _, _)| order(r));
    Ok(out)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn rng_is_deterministic() {
        let a: Vec<u64> = {
            let mut r = Rng::new(42);
            (0..5).map(|_| r.next()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::new(42);
            (0..5).map(|_| r.next()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, {
            let mut r = Rng::new(43);
            (0..5).map(|_| r.next()).collect::<Vec<_>>()
        });
    }
}
