//! Rate limits shared by every node: fixed windows counted in the database.

use crate::db::{Db, now};

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: i64,
    pub window_secs: i64,
}

pub const LOGIN_PER_ACCOUNT: Limit = Limit {
    max: 10,
    window_secs: 900,
};
pub const LOGIN_PER_IP: Limit = Limit {
    max: 30,
    window_secs: 900,
};
pub const SIGNUP_PER_IP: Limit = Limit {
    max: 10,
    window_secs: 3600,
};
pub const RESET_PER_EMAIL: Limit = Limit {
    max: 3,
    window_secs: 3600,
};
pub const RESET_PER_IP: Limit = Limit {
    max: 10,
    window_secs: 3600,
};
pub const EMAIL_SEND_PER_ACCOUNT: Limit = Limit {
    max: 5,
    window_secs: 3600,
};

/// Per-account limits on writing, per ten minutes, set by the instance
/// (`[write_limits]` in the configuration file or `PASSERELLES_LIMIT_*`).
/// 0 means no limit. Instance administrators are not limited unless
/// `limit_admins` is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WriteLimits {
    /// Publications per account per ten minutes (web and API together).
    pub publications: i64,
    /// Replies per account per ten minutes (web and API together).
    pub replies: i64,
    pub limit_admins: bool,
}

impl Default for WriteLimits {
    fn default() -> Self {
        WriteLimits {
            publications: 10,
            replies: 30,
            limit_admins: false,
        }
    }
}

/// What is being written, for [`hit_write`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    Publication,
    Reply,
}

pub const WRITE_WINDOW_SECS: i64 = 600;

/// Count one publication or reply by `user` (shared by pages and API);
/// `Err(retry_after_secs)` once over the instance's limit.
pub async fn hit_write(
    db: &Db,
    limits: &WriteLimits,
    user: &crate::accounts::User,
    what: Write,
) -> Result<Result<(), i64>, sqlx::Error> {
    let (max, key) = match what {
        Write::Publication => (limits.publications, format!("publish:{}", user.id)),
        Write::Reply => (limits.replies, format!("reply:{}", user.id)),
    };
    if max <= 0 || (user.is_admin && !limits.limit_admins) {
        return Ok(Ok(()));
    }
    hit(
        db,
        &key,
        Limit {
            max,
            window_secs: WRITE_WINDOW_SECS,
        },
    )
    .await
}

/// Count one hit on `key`; `Err(retry_after_secs)` once over the limit.
pub async fn hit(db: &Db, key: &str, limit: Limit) -> Result<Result<(), i64>, sqlx::Error> {
    let t = now();
    let window = t - t.rem_euclid(limit.window_secs);
    let count: i64 = sqlx::query_scalar(
        "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           count = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.count + 1 ELSE 1 END, \
           window_start = excluded.window_start \
         RETURNING count",
    )
    .bind(key)
    .bind(window)
    .fetch_one(&db.pool)
    .await?;
    if count > limit.max {
        Ok(Err((window + limit.window_secs - t).max(1)))
    } else {
        Ok(Ok(()))
    }
}

/// Forget old windows (called by the maintenance job).
pub async fn purge(db: &Db) -> Result<u64, sqlx::Error> {
    let res = sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
        .bind(now() - 86400)
        .execute(&db.pool)
        .await?;
    Ok(res.rows_affected())
}
