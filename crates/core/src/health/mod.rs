//! Community health (issue 20, C25): what an animator sees of their
//! community's life, in aggregates only.
//!
//! [`compute`] (the hourly job `Job::CommunityHealth`) reads the content
//! tables in a fixed number of grouped statements — for every community at
//! once — and rewrites two summary tables: `community_health_weeks` (per
//! community and week, the last [`WEEKS`] weeks) and `community_health` (the
//! latest snapshot per community). The pages ([`for_community`],
//! [`instance`]) read those tables only, so they cost a few statements
//! whatever the size of the instance.
//!
//! What is measured: memberships, publications and replies (authors only
//! counted, never named), questions and their first reply by someone else,
//! events that took place, tags of publications. What is not: reading (no
//! "who read what"), time spent, anything per person. Counts under
//! [`SMALL`] are shown as "< 5" (`svg::shown`).

pub mod svg;

use std::collections::HashMap;

use sqlx::Row;

use crate::db::{Db, now};

/// Weeks shown and recomputed.
pub const WEEKS: i64 = 26;
/// Counts under this are shown as "< 5".
pub const SMALL: i64 = 5;
const DAY: i64 = 86400;
const WEEK: i64 = 7 * DAY;
/// 1970-01-05, a Monday: weeks start on Monday 00:00 UTC.
const MONDAY: i64 = 4 * DAY;
/// A community that has not got this many contributions in its first 60
/// days "never took off".
pub const TOOK_OFF: i64 = 5;

/// The week number of a time (weeks since 1970-01-05).
pub fn week_of(t: i64) -> i64 {
    (t - MONDAY).div_euclid(WEEK)
}

/// The Monday 00:00 UTC that starts week `w`.
pub fn week_start(w: i64) -> i64 {
    w * WEEK + MONDAY
}

fn wk(col: &str) -> String {
    format!("(({col} - {MONDAY}) / {WEEK})")
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Week {
    pub week: i64,
    pub new_members: i64,
    pub active_members: i64,
    pub publications: i64,
    pub replies: i64,
    pub questions: i64,
    pub unanswered: i64,
    pub events_held: i64,
}

#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub community_id: i64,
    pub computed_at: i64,
    pub members: i64,
    pub active_90d: i64,
    pub gone_quiet: i64,
    pub newcomers: i64,
    pub newcomers_posted: i64,
    pub unanswered_open: i64,
    pub answered_90d: i64,
    pub median_first_reply_secs: Option<i64>,
    pub first_60d_contributions: i64,
    pub animators: i64,
    pub animators_active_90d: i64,
    pub top_tags: Vec<(String, i64)>,
}

fn median(v: &mut [i64]) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    })
}

/// Communities whose statements are grouped together: each statement of a
/// batch reads those communities' rows only (through
/// `publication_communities_listing` and the memberships' key), so its cost
/// follows the batch, not the instance.
const BATCH: usize = 20;
/// Communities recomputed per run at most (the rest wait for the next run,
/// oldest snapshots first).
pub const MAX_PER_RUN: i64 = 5000;
/// A snapshot older than this is recomputed even without new activity: the
/// 90-day windows slide, members join, leave or change role.
pub const REFRESH: i64 = DAY;
/// Settings key of the watermark: activity since it marks a community
/// changed.
pub const WATERMARK: &str = "health_watermark";
/// The watermark is set this far before a run's time, so that what commits
/// while the run reads (dated a little before the run) is seen by the next.
const MARGIN: i64 = 600;

/// Contributions (publications and replies) as (community, author, time),
/// for the communities of a batch (`{ids}`).
fn contributions(ids: &str) -> String {
    format!(
        "SELECT pc.community_id AS community_id, p.author_id AS author_id, p.created_at AS created_at \
         FROM publications p JOIN publication_communities pc ON pc.publication_id = p.id \
         WHERE pc.community_id IN ({ids}) AND p.status <> 'deleted' AND p.created_at >= $1 \
         UNION ALL \
         SELECT pc.community_id, r.author_id, r.created_at FROM replies r \
         JOIN publication_communities pc ON pc.publication_id = r.publication_id \
         WHERE pc.community_id IN ({ids}) AND r.status <> 'deleted' AND r.created_at >= $1"
    )
}

/// The communities a run at `t` recomputes, at most [`MAX_PER_RUN`]: those
/// changed since the watermark `since` (a publication, reply or share:
/// `communities.inner_activity_at`; a member joined or left: the member
/// count no longer matches the snapshot's; an event took place), then those
/// without a snapshot or whose snapshot is older than [`REFRESH`], oldest
/// first. Three statements over the communities and the summaries (one row
/// each) and the events' start index.
pub async fn due(db: &Db, t: i64, since: Option<i64>) -> Result<Vec<i64>, sqlx::Error> {
    let mut out: Vec<i64> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    if let Some(since) = since {
        let changed: Vec<i64> = sqlx::query_scalar(
            "SELECT c.id FROM communities c JOIN community_health h ON h.community_id = c.id \
             WHERE c.status <> 'refused' AND c.domain IS NULL \
             AND (c.inner_activity_at >= $1 OR c.member_count <> h.members) \
             UNION SELECT ec.community_id FROM events e JOIN event_communities ec ON ec.event_id = e.id \
             WHERE e.starts_at >= $1 AND e.starts_at <= $2",
        )
        .bind(since)
        .bind(t)
        .fetch_all(&db.pool)
        .await?;
        for c in changed {
            if seen.insert(c) {
                out.push(c);
            }
        }
    }
    let stale: Vec<i64> = sqlx::query_scalar(
        "SELECT c.id FROM communities c LEFT JOIN community_health h ON h.community_id = c.id \
         WHERE c.status <> 'refused' AND c.domain IS NULL AND (h.computed_at IS NULL OR h.computed_at < $1) \
         ORDER BY COALESCE(h.computed_at, 0), c.id LIMIT $2",
    )
    .bind(t - REFRESH)
    .bind(MAX_PER_RUN)
    .fetch_all(&db.pool)
    .await?;
    for c in stale {
        if seen.insert(c) {
            out.push(c);
        }
    }
    out.truncate(MAX_PER_RUN as usize);
    Ok(out)
}

/// The hourly job at time `t`: recompute the communities [`due`] since the
/// stored watermark, [`BATCH`] at a time, then move the watermark. Returns
/// the communities recomputed.
pub async fn compute(db: &Db, t: i64) -> Result<usize, sqlx::Error> {
    let since = crate::settings::get_raw(db, WATERMARK)
        .await?
        .and_then(|s| s.parse::<i64>().ok());
    let ids = due(db, t, since).await?;
    for batch in ids.chunks(BATCH) {
        compute_batch(db, t, batch).await?;
    }
    // Summaries of communities that are no longer measured (refused,
    // remote).
    sqlx::query(
        "DELETE FROM community_health WHERE community_id IN \
         (SELECT id FROM communities WHERE status = 'refused' OR domain IS NOT NULL)",
    )
    .execute(&db.pool)
    .await?;
    crate::settings::set_raw(db, WATERMARK, &(t - MARGIN).to_string()).await?;
    Ok(ids.len())
}

/// Recompute the summaries of the communities `batch` at time `t`: a fixed
/// number of grouped statements, each restricted to the batch.
async fn compute_batch(db: &Db, t: i64, batch: &[i64]) -> Result<(), sqlx::Error> {
    if batch.is_empty() {
        return Ok(());
    }
    let ids = batch
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let contributions = contributions(&ids);
    let first_week = week_of(t) - (WEEKS - 1);
    let since = week_start(first_week);
    let mut weeks: HashMap<(i64, i64), Week> = HashMap::new();
    fn entry(weeks: &mut HashMap<(i64, i64), Week>, c: i64, w: i64) -> &mut Week {
        weeks.entry((c, w)).or_insert_with(|| Week {
            week: w,
            ..Week::default()
        })
    }
    // Publications and questions per week.
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT pc.community_id, {} AS wk, COUNT(*) AS n, \
         CAST(SUM(CASE WHEN p.kind = 'question' THEN 1 ELSE 0 END) AS BIGINT) AS q, \
         CAST(SUM(CASE WHEN p.kind = 'question' AND p.reply_count = 0 THEN 1 ELSE 0 END) AS BIGINT) AS u \
         FROM publications p JOIN publication_communities pc ON pc.publication_id = p.id \
         WHERE pc.community_id IN ({ids}) AND p.created_at >= $1 AND p.status <> 'deleted' GROUP BY 1, 2",
        wk("p.created_at")
    )))
    .bind(since)
    .fetch_all(&db.pool)
    .await?;
    for r in rows {
        let e = entry(&mut weeks, r.try_get(0)?, r.try_get(1)?);
        e.publications = r.try_get(2)?;
        e.questions = r.try_get(3)?;
        e.unanswered = r.try_get(4)?;
    }
    // Replies per week.
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT pc.community_id, {} AS wk, COUNT(*) FROM replies r \
         JOIN publication_communities pc ON pc.publication_id = r.publication_id \
         WHERE pc.community_id IN ({ids}) AND r.created_at >= $1 AND r.status <> 'deleted' GROUP BY 1, 2",
        wk("r.created_at")
    )))
    .bind(since)
    .fetch_all(&db.pool)
    .await?;
    for (c, w, n) in rows {
        entry(&mut weeks, c, w).replies = n;
    }
    // Distinct contributors per week.
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT x.community_id, {} AS wk, COUNT(DISTINCT x.author_id) FROM ({contributions}) x \
         WHERE x.author_id IS NOT NULL GROUP BY 1, 2",
        wk("x.created_at")
    )))
    .bind(since)
    .fetch_all(&db.pool)
    .await?;
    for (c, w, n) in rows {
        entry(&mut weeks, c, w).active_members = n;
    }
    // New members per week.
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT m.community_id, {} AS wk, COUNT(*) FROM memberships m \
         WHERE m.community_id IN ({ids}) AND m.state = 'active' AND m.created_at >= $1 GROUP BY 1, 2",
        wk("m.created_at")
    )))
    .bind(since)
    .fetch_all(&db.pool)
    .await?;
    for (c, w, n) in rows {
        entry(&mut weeks, c, w).new_members = n;
    }
    // Events that took place (started, not cancelled).
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT ec.community_id, {} AS wk, COUNT(*) FROM events e \
         JOIN event_communities ec ON ec.event_id = e.id \
         WHERE ec.community_id IN ({ids}) AND e.starts_at >= $1 AND e.starts_at <= $2 AND e.status <> 'cancelled' GROUP BY 1, 2",
        wk("e.starts_at")
    )))
    .bind(since)
    .bind(t)
    .fetch_all(&db.pool)
    .await?;
    for (c, w, n) in rows {
        entry(&mut weeks, c, w).events_held = n;
    }

    // ---- the snapshot ----
    let mut snaps: HashMap<i64, Snapshot> = HashMap::new();
    let firsts: Vec<(i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT c.id, (SELECT COUNT(*) FROM publication_communities pc JOIN publications p ON p.id = pc.publication_id \
           WHERE pc.community_id = c.id AND p.status <> 'deleted' AND p.created_at < c.created_at + $1) \
         + (SELECT COUNT(*) FROM replies r JOIN publication_communities pc ON pc.publication_id = r.publication_id \
           WHERE pc.community_id = c.id AND r.status <> 'deleted' AND r.created_at < c.created_at + $1) \
         FROM communities c WHERE c.id IN ({ids}) AND c.status <> 'refused' AND c.domain IS NULL",
    )))
    .bind(60 * DAY)
    .fetch_all(&db.pool)
    .await?;
    for (c, first) in firsts {
        snaps.insert(
            c,
            Snapshot {
                community_id: c,
                computed_at: t,
                first_60d_contributions: first,
                ..Snapshot::default()
            },
        );
    }
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT community_id, COUNT(*), \
         CAST(SUM(CASE WHEN role IN ('animator', 'owner') THEN 1 ELSE 0 END) AS BIGINT) \
         FROM memberships WHERE community_id IN ({ids}) AND state = 'active' GROUP BY community_id",
    )))
    .fetch_all(&db.pool)
    .await?;
    for (c, n, a) in rows {
        if let Some(s) = snaps.get_mut(&c) {
            s.members = n;
            s.animators = a;
        }
    }
    // Contributors of the last 180 days: still active (last 90), gone quiet.
    let rows: Vec<(i64, i64, i64, Option<String>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT x.community_id, x.author_id, MAX(x.created_at), m.role FROM ({contributions}) x \
         LEFT JOIN memberships m ON m.community_id = x.community_id AND m.user_id = x.author_id AND m.state = 'active' \
         WHERE x.author_id IS NOT NULL GROUP BY x.community_id, x.author_id, m.role"
    )))
    .bind(t - 180 * DAY)
    .fetch_all(&db.pool)
    .await?;
    for (c, _, last, role) in rows {
        let Some(s) = snaps.get_mut(&c) else { continue };
        if last >= t - 90 * DAY {
            s.active_90d += 1;
            if matches!(role.as_deref(), Some("animator" | "owner")) {
                s.animators_active_90d += 1;
            }
        } else if role.is_some() {
            s.gone_quiet += 1;
        }
    }
    // Newcomers who joined 30 to 120 days ago, and those who posted within
    // 30 days of joining.
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT m.community_id, COUNT(*), CAST(SUM(CASE WHEN EXISTS ( \
           SELECT 1 FROM publications p JOIN publication_communities pc ON pc.publication_id = p.id \
           WHERE pc.community_id = m.community_id AND p.author_id = m.user_id \
           AND p.created_at >= m.created_at AND p.created_at < m.created_at + $3) OR EXISTS ( \
           SELECT 1 FROM replies r JOIN publication_communities pc ON pc.publication_id = r.publication_id \
           WHERE pc.community_id = m.community_id AND r.author_id = m.user_id \
           AND r.created_at >= m.created_at AND r.created_at < m.created_at + $3) \
         THEN 1 ELSE 0 END) AS BIGINT) \
         FROM memberships m WHERE m.community_id IN ({ids}) AND m.state = 'active' \
         AND m.created_at >= $1 AND m.created_at < $2 GROUP BY m.community_id",
    )))
    .bind(t - 120 * DAY)
    .bind(t - 30 * DAY)
    .bind(30 * DAY)
    .fetch_all(&db.pool)
    .await?;
    for (c, n, posted) in rows {
        if let Some(s) = snaps.get_mut(&c) {
            s.newcomers = n;
            s.newcomers_posted = posted;
        }
    }
    // Questions: still unanswered (all time), and the first reply by
    // someone else to those of the last 90 days.
    let rows: Vec<(i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT pc.community_id, COUNT(*) FROM publications p \
         JOIN publication_communities pc ON pc.publication_id = p.id \
         WHERE pc.community_id IN ({ids}) AND p.kind = 'question' AND p.status = 'visible' \
         AND p.reply_count = 0 GROUP BY pc.community_id",
    )))
    .fetch_all(&db.pool)
    .await?;
    for (c, n) in rows {
        if let Some(s) = snaps.get_mut(&c) {
            s.unanswered_open = n;
        }
    }
    let rows: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT pc.community_id, p.created_at, (SELECT MIN(r.created_at) FROM replies r \
           WHERE r.publication_id = p.id AND r.status <> 'deleted' \
           AND (r.author_id IS NULL OR p.author_id IS NULL OR r.author_id <> p.author_id)) \
         FROM publications p JOIN publication_communities pc ON pc.publication_id = p.id \
         WHERE pc.community_id IN ({ids}) AND p.kind = 'question' AND p.status <> 'deleted' \
         AND p.created_at >= $1",
    )))
    .bind(t - 90 * DAY)
    .fetch_all(&db.pool)
    .await?;
    let mut delays: HashMap<i64, Vec<i64>> = HashMap::new();
    for (c, asked, first) in rows {
        if let Some(f) = first {
            delays.entry(c).or_default().push((f - asked).max(0));
        }
    }
    for (c, mut d) in delays {
        if let Some(s) = snaps.get_mut(&c) {
            s.answered_90d = d.len() as i64;
            s.median_first_reply_secs = median(&mut d);
        }
    }
    // Most-discussed tags of the last 90 days: each publication counts
    // once, plus its replies.
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT pc.community_id, t.label, CAST(SUM(1 + p.reply_count) AS BIGINT) FROM publication_tags pt \
         JOIN tags t ON t.id = pt.tag_id JOIN publications p ON p.id = pt.publication_id \
         JOIN publication_communities pc ON pc.publication_id = p.id \
         WHERE pc.community_id IN ({ids}) AND p.created_at >= $1 AND p.status <> 'deleted' \
         GROUP BY pc.community_id, t.label",
    )))
    .bind(t - 90 * DAY)
    .fetch_all(&db.pool)
    .await?;
    for (c, label, n) in rows {
        if let Some(s) = snaps.get_mut(&c) {
            s.top_tags.push((label, n));
        }
    }
    for s in snaps.values_mut() {
        s.top_tags
            .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        s.top_tags.truncate(8);
    }

    // ---- write ----
    let mut tx = db.begin().await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM community_health_weeks WHERE community_id IN ({ids}) AND (week >= $1 OR week < $2)"
    )))
        .bind(first_week)
        .bind(first_week - 4 * WEEKS)
        .execute(&mut *tx)
        .await?;
    let week_rows: Vec<(i64, Week)> = weeks
        .into_iter()
        .filter(|((c, _), _)| snaps.contains_key(c))
        .map(|((c, _), w)| (c, w))
        .collect();
    for chunk in week_rows.chunks(100) {
        let mut sql = String::from(
            "INSERT INTO community_health_weeks (community_id, week, new_members, active_members, \
             publications, replies, questions, unanswered, events_held) VALUES ",
        );
        for (i, _) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let b = i * 9;
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 9
            ));
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (c, w) in chunk {
            q = q
                .bind(*c)
                .bind(w.week)
                .bind(w.new_members)
                .bind(w.active_members)
                .bind(w.publications)
                .bind(w.replies)
                .bind(w.questions)
                .bind(w.unanswered)
                .bind(w.events_held);
        }
        q.execute(&mut *tx).await?;
    }
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM community_health WHERE community_id IN ({ids})"
    )))
    .execute(&mut *tx)
    .await?;
    for s in snaps.values() {
        let tags = serde_json::to_string(&s.top_tags).unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "INSERT INTO community_health (community_id, computed_at, members, active_90d, gone_quiet, \
             newcomers, newcomers_posted, unanswered_open, answered_90d, median_first_reply_secs, \
             first_60d_contributions, animators, animators_active_90d, top_tags) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(s.community_id)
        .bind(s.computed_at)
        .bind(s.members)
        .bind(s.active_90d)
        .bind(s.gone_quiet)
        .bind(s.newcomers)
        .bind(s.newcomers_posted)
        .bind(s.unanswered_open)
        .bind(s.answered_90d)
        .bind(s.median_first_reply_secs)
        .bind(s.first_60d_contributions)
        .bind(s.animators)
        .bind(s.animators_active_90d)
        .bind(tags)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

const SNAPSHOT_COLUMNS: &str = "h.community_id, h.computed_at, h.members, h.active_90d, h.gone_quiet, h.newcomers, \
     h.newcomers_posted, h.unanswered_open, h.answered_90d, h.median_first_reply_secs, \
     h.first_60d_contributions, h.animators, h.animators_active_90d, h.top_tags";

fn snapshot(r: &sqlx::any::AnyRow) -> Result<Snapshot, sqlx::Error> {
    Ok(Snapshot {
        community_id: r.try_get("community_id")?,
        computed_at: r.try_get("computed_at")?,
        members: r.try_get("members")?,
        active_90d: r.try_get("active_90d")?,
        gone_quiet: r.try_get("gone_quiet")?,
        newcomers: r.try_get("newcomers")?,
        newcomers_posted: r.try_get("newcomers_posted")?,
        unanswered_open: r.try_get("unanswered_open")?,
        answered_90d: r.try_get("answered_90d")?,
        median_first_reply_secs: r.try_get("median_first_reply_secs")?,
        first_60d_contributions: r.try_get("first_60d_contributions")?,
        animators: r.try_get("animators")?,
        animators_active_90d: r.try_get("animators_active_90d")?,
        top_tags: serde_json::from_str(&r.try_get::<String, _>("top_tags")?).unwrap_or_default(),
    })
}

/// One community's health: its snapshot (`None` before the first
/// computation) and its last [`WEEKS`] weeks, oldest first, every week
/// present (zeros where nothing happened). Two statements.
pub async fn for_community(
    db: &Db,
    community_id: i64,
) -> Result<(Option<Snapshot>, Vec<Week>), sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SNAPSHOT_COLUMNS} FROM community_health h WHERE h.community_id = $1"
    )))
    .bind(community_id)
    .fetch_optional(&db.pool)
    .await?;
    let snap = row.map(|r| snapshot(&r)).transpose()?;
    let last = week_of(snap.as_ref().map(|s| s.computed_at).unwrap_or_else(now));
    let first = last - (WEEKS - 1);
    let rows = sqlx::query(
        "SELECT week, new_members, active_members, publications, replies, questions, unanswered, events_held \
         FROM community_health_weeks WHERE community_id = $1 AND week >= $2 AND week <= $3 ORDER BY week",
    )
    .bind(community_id)
    .bind(first)
    .bind(last)
    .fetch_all(&db.pool)
    .await?;
    let mut found: HashMap<i64, Week> = HashMap::new();
    for r in rows {
        let w = Week {
            week: r.try_get("week")?,
            new_members: r.try_get("new_members")?,
            active_members: r.try_get("active_members")?,
            publications: r.try_get("publications")?,
            replies: r.try_get("replies")?,
            questions: r.try_get("questions")?,
            unanswered: r.try_get("unanswered")?,
            events_held: r.try_get("events_held")?,
        };
        found.insert(w.week, w);
    }
    let weeks = (first..=last)
        .map(|w| {
            found.remove(&w).unwrap_or(Week {
                week: w,
                ..Week::default()
            })
        })
        .collect();
    Ok((snap, weeks))
}

/// A community in the instance view.
#[derive(Debug, Clone)]
pub struct Flagged {
    pub slug: String,
    pub name: String,
    pub created_at: i64,
    pub h: Snapshot,
}

/// The administrators' view: communities older than 60 days that never
/// took off (fewer than [`TOOK_OFF`] contributions in their first 60
/// days), and active communities whose animators left (none left, or none
/// of them contributed in 90 days). At most `limit` of each; two statements.
pub async fn instance(
    db: &Db,
    t: i64,
    limit: i64,
) -> Result<(Vec<Flagged>, Vec<Flagged>), sqlx::Error> {
    let read = |cond: &'static str| {
        let sql = format!(
            "SELECT c.slug, c.name, c.created_at, {SNAPSHOT_COLUMNS} FROM community_health h \
             JOIN communities c ON c.id = h.community_id \
             WHERE c.status IN ('active', 'archived') AND {cond} ORDER BY c.created_at, c.id LIMIT $2"
        );
        async move {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(t - 60 * DAY)
                .bind(limit)
                .fetch_all(&db.pool)
                .await?;
            rows.iter()
                .map(|r| {
                    Ok(Flagged {
                        slug: r.try_get("slug")?,
                        name: r.try_get("name")?,
                        created_at: r.try_get("created_at")?,
                        h: snapshot(r)?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
        }
    };
    let never = read("c.created_at < $1 AND h.first_60d_contributions < 5").await?;
    let orphaned =
        read("c.created_at < $1 AND (h.animators = 0 OR h.animators_active_90d = 0)").await?;
    Ok((never, orphaned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        // 2026-12-07 is a Monday.
        let monday = 1_796_601_600;
        assert_eq!(week_start(week_of(monday)), monday);
        assert_eq!(week_of(monday - 1), week_of(monday) - 1);
        assert_eq!(week_of(monday + 7 * DAY - 1), week_of(monday));
    }

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5, 1, 3]), Some(3));
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2));
    }
}
