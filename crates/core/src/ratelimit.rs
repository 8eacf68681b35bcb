//! Rate limits shared by every node: fixed windows counted in the database.

use crate::db::{Db, now};

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: i64,
    pub window_secs: i64,
}

/// Failed sign-ins (password, passkey) from one client address, all
/// accounts together. Successful ones give their hit back: an office
/// behind one address signs in all day.
pub const LOGIN_PER_IP: Limit = Limit {
    max: 30,
    window_secs: 900,
};
/// Failed sign-ins on one account from one client address: the guesser is
/// stopped, the owner elsewhere is not.
pub const LOGIN_PER_ACCOUNT_AND_IP: Limit = Limit {
    max: 10,
    window_secs: 900,
};
/// Failed sign-ins on one account from every address together (guessing
/// spread over many addresses). Browsers that signed in to the account
/// before are not held by it (`accounts::signin`), so it cannot lock the
/// owner out.
pub const LOGIN_PER_ACCOUNT: Limit = Limit {
    max: 50,
    window_secs: 900,
};
/// Second-factor codes tried on one account (a guesser there already has
/// the password).
pub const SECOND_FACTOR_PER_ACCOUNT: Limit = Limit {
    max: 10,
    window_secs: 900,
};
/// The password asked again of a signed-in person (changing the password
/// or the address, adding or removing a passkey): failures per account.
pub const REAUTH_PER_ACCOUNT: Limit = Limit {
    max: 10,
    window_secs: 900,
};
/// Passkey sign-in challenges handed to one address (each is a row for
/// five minutes; nothing is guessed there).
pub const CHALLENGES_PER_IP: Limit = Limit {
    max: 300,
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

/// One counted hit, to give back if the attempt turns out not to count
/// (a successful sign-in).
#[derive(Debug, Clone)]
pub struct Taken {
    key: String,
    window: i64,
}

/// Count one hit on `key` like [`hit`], remembering it so that it can be
/// given back with [`give_back`]. Counting first and giving back after
/// (rather than counting failures after the fact) keeps concurrent
/// attempts from all slipping under the limit together.
pub async fn take(db: &Db, key: &str, limit: Limit) -> Result<Result<Taken, i64>, sqlx::Error> {
    let t = now();
    let window = t - t.rem_euclid(limit.window_secs);
    Ok(hit(db, key, limit).await?.map(|()| Taken {
        key: key.to_string(),
        window,
    }))
}

/// Uncount a hit taken with [`take`] (in its own window only).
pub async fn give_back(db: &Db, taken: &Taken) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE rate_limits SET count = count - 1 \
         WHERE key = $1 AND window_start = $2 AND count > 0",
    )
    .bind(&taken.key)
    .bind(taken.window)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Forget old windows (called by the maintenance job).
pub async fn purge(db: &Db) -> Result<u64, sqlx::Error> {
    let res = sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
        .bind(now() - 86400)
        .execute(&db.pool)
        .await?;
    Ok(res.rows_affected())
}
