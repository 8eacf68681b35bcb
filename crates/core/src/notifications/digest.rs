//! Digests: one e-mail per person per period (daily, weekly), at the local
//! hour they chose, only when something new waits for them.
//!
//! `schedule` (a timer on every node, every minute) finds the people whose
//! hour has come and queues `Job::Digest` batches; `run_batch` (the job)
//! builds each person's digest with the policy of that moment and queues
//! its e-mail in the transaction that moves their schedule on. The move is
//! a conditional update (`slot < today`): whichever node gets there first
//! sends, the others find nothing to do.

use std::collections::HashMap;

use super::Filter;
use super::email::{self, Env};
use super::prefs::{Channel, Schedule, Zone};
use super::unsubscribe::Signer;
use crate::db::Db;
use crate::jobs::{Job, Queue};
use crate::publications::tick;
use crate::state::AppState;

/// People per digest job.
pub const BATCH: usize = 50;
/// Records a digest holds at most.
pub const MAX_ITEMS: i64 = 100;

fn period_of(code: &str) -> Option<Channel> {
    match code {
        "daily" => Some(Channel::Daily),
        "weekly" => Some(Channel::Weekly),
        _ => None,
    }
}

/// Is a digest of `period` due for this schedule at `at`, and for which
/// local day (the slot)?
pub fn due(s: &Schedule, period: Channel, at: i64, last_slot: i64) -> Option<i64> {
    let (day, hour, weekday) = s.time_zone.local(at);
    let right_day = period == Channel::Daily || weekday == s.weekly_day;
    (right_day && hour >= s.digest_hour && last_slot < day).then_some(day)
}

/// How far back a first digest (or one after a long pause) looks.
fn window(period: Channel) -> i64 {
    if period == Channel::Weekly {
        8 * 86400
    } else {
        2 * 86400
    }
}

/// Queue the digests due at `at`; returns how many people were queued.
pub async fn schedule(state: &AppState, at: i64) -> Result<usize, sqlx::Error> {
    let db = &state.db;
    // People with unread records in the last week.
    tick();
    let users: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT user_id FROM notifications WHERE read_at IS NULL AND created_at > $1 AND created_at <= $2",
    )
    .bind(at - window(Channel::Weekly))
    .bind(at)
    .fetch_all(&db.pool)
    .await?;
    if users.is_empty() {
        return Ok(0);
    }
    let schedules = load_schedules(db, &users).await?;
    let env = Env::of(state);
    let mut queued = 0;
    for period in [Channel::Daily, Channel::Weekly] {
        let due_now: Vec<i64> = users
            .iter()
            .copied()
            .filter(|u| {
                let (s, daily, weekly) = schedules.get(u).cloned().unwrap_or_default();
                let last = if period == Channel::Daily {
                    daily
                } else {
                    weekly
                };
                due(&s, period, at, last).is_some()
            })
            .collect();
        for chunk in due_now.chunks(BATCH) {
            let job = Job::Digest {
                period: period.code().to_string(),
                user_ids: chunk.to_vec(),
                at,
                base_url: env.base_url.clone(),
                instance: env.instance.clone(),
            };
            let key = format!("digest:{}:{}:{}", period.code(), at / 3600, chunk[0]);
            state.jobs.push(db, &job, Some(&key)).await?;
            queued += chunk.len();
        }
    }
    Ok(queued)
}

/// (schedule, daily slot, weekly slot) of people, one statement.
async fn load_schedules(
    db: &Db,
    users: &[i64],
) -> Result<HashMap<i64, (Schedule, i64, i64)>, sqlx::Error> {
    let list = users
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    tick();
    let rows: Vec<(i64, i64, String, i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT user_id, digest_hour, time_zone, weekly_day, daily_slot, weekly_slot FROM notification_schedule \
         WHERE user_id IN ({list})"
    )))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(u, h, z, d, ds, ws)| {
            (
                u,
                (
                    Schedule {
                        digest_hour: h,
                        time_zone: Zone::parse(&z).unwrap_or_default(),
                        weekly_day: d,
                    },
                    ds,
                    ws,
                ),
            )
        })
        .collect())
}

/// The job: each person's digest of `period` at `at`.
pub async fn run_batch(
    db: &Db,
    env: &Env,
    period: &str,
    user_ids: &[i64],
    at: i64,
) -> Result<(), sqlx::Error> {
    let Some(period) = period_of(period) else {
        return Ok(());
    };
    let signer = Signer::load(db).await?;
    for &uid in user_ids {
        one(db, env, &signer, period, uid, at).await?;
    }
    Ok(())
}

/// One person's digest; true when an e-mail was queued.
pub async fn one(
    db: &Db,
    env: &Env,
    signer: &Signer,
    period: Channel,
    uid: i64,
    at: i64,
) -> Result<bool, sqlx::Error> {
    let Some(user) = crate::accounts::by_id(db, uid).await? else {
        return Ok(false);
    };
    let (slot_col, until_col) = if period == Channel::Weekly {
        ("weekly_slot", "weekly_until")
    } else {
        ("daily_slot", "daily_until")
    };
    let mut tx = db.begin().await?;
    tick();
    sqlx::query(
        "INSERT INTO notification_schedule (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(uid)
    .execute(&mut *tx)
    .await?;
    tick();
    let (h, z, d, slot, until): (i64, String, i64, i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT digest_hour, time_zone, weekly_day, {slot_col}, {until_col} FROM notification_schedule WHERE user_id = $1"
    )))
    .bind(uid)
    .fetch_one(&mut *tx)
    .await?;
    let schedule = Schedule {
        digest_hour: h,
        time_zone: Zone::parse(&z).unwrap_or_default(),
        weekly_day: d,
    };
    let Some(today) = due(&schedule, period, at, slot) else {
        return Ok(false);
    };
    // The claim: only one node moves the slot to today.
    tick();
    let claimed = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE notification_schedule SET {slot_col} = $1, {until_col} = $2 WHERE user_id = $3 AND {slot_col} < $1"
    )))
    .bind(today)
    .bind(at)
    .bind(uid)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !claimed {
        return Ok(false);
    }
    let mut sent = false;
    if let Some(to) = email::address(&user) {
        let items: Vec<_> = super::fetch_with(
            db,
            &user,
            MAX_ITEMS,
            Filter {
                only_unread: true,
                after: Some(until.max(at - window(period))),
                until: Some(at),
                excerpts: true,
                ..Filter::default()
            },
        )
        .await?
        .into_iter()
        .filter(|(i, _)| i.channel == period)
        .collect();
        if !items.is_empty() {
            let mut items = items;
            items.sort_by_key(|(i, _)| (std::cmp::Reverse(i.created_at), std::cmp::Reverse(i.id)));
            let c = email::compose_digest(env, signer, &user, period, &items);
            Queue::push_in(&mut tx, &email::job(&to, email::lang_of(&user), c), None).await?;
            sent = true;
        }
    }
    tx.commit().await?;
    Ok(sent)
}
