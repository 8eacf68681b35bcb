//! Rate limits shared by every node, counted in the database over a
//! sliding window: the hits of the current fixed window plus those of the
//! previous one weighed by the share of it still inside the last
//! `window_secs` (the "sliding window counter"). A fixed window alone
//! forgets everything at its edge: a guesser could try twice the limit
//! across it, and a burst that straddles it was not held.

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
    let w = limit.window_secs.max(1);
    let window = t - t.rem_euclid(w);
    // Same window: one more. The next one: the count moves to prev_count.
    // Later: both start again.
    let (count, prev): (i64, i64) = sqlx::query_as(
        "INSERT INTO rate_limits (key, window_start, count, prev_count) VALUES ($1, $2, 1, 0) \
         ON CONFLICT (key) DO UPDATE SET \
           prev_count = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.prev_count \
             WHEN rate_limits.window_start = excluded.window_start - $3 THEN rate_limits.count ELSE 0 END, \
           count = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.count + 1 ELSE 1 END, \
           window_start = excluded.window_start \
         RETURNING count, prev_count",
    )
    .bind(key)
    .bind(window)
    .bind(w)
    .fetch_one(&db.pool)
    .await?;
    Ok(over(count, prev, t - window, limit).map_or(Ok(()), Err))
}

/// Whether `count` hits in the current window (`into` seconds into it) and
/// `prev` in the previous one exceed the limit; if so, the seconds until
/// one more hit would pass, at least 1.
fn over(count: i64, prev: i64, into: i64, limit: Limit) -> Option<i64> {
    let w = limit.window_secs.max(1);
    // The previous window's share still inside the sliding window, in
    // integers: prev × (w − into) / w, rounded up (a hit half inside
    // still counts).
    let weighed = |into: i64| (prev * (w - into).max(0) + w - 1) / w;
    if count + weighed(into) <= limit.max {
        return None;
    }
    // The count of this window stays; the previous window's weight decays
    // until this window ends.
    let mut wait = w - into;
    if count <= limit.max && prev > 0 {
        // First second at which count + weighed ≤ max, by halving.
        let (mut lo, mut hi) = (into, w);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if count + weighed(mid) <= limit.max {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        wait = lo - into;
    }
    Some(wait.max(1))
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

#[cfg(test)]
mod tests {
    use super::*;

    const L: Limit = Limit {
        max: 30,
        window_secs: 900,
    };

    #[test]
    fn the_previous_window_still_counts_across_the_edge() {
        // 30 hits pass, the 31st is held; the window turns: the 31st, a second later, is still held.
        assert!(over(31, 0, 10, L).is_some());
        assert!(over(1, 30, 1, L).is_some());
        // Half-way through the next window, half of the previous counts.
        assert_eq!(over(1, 30, 450, L), None);
        assert!(over(16, 30, 450, L).is_some());
        // At the very end, almost nothing of it remains.
        assert_eq!(over(29, 30, 899, L), None);
        assert!(over(30, 30, 899, L).is_some());
        assert!(over(31, 0, 899, L).is_some());
    }

    #[test]
    fn retry_after_is_when_one_more_hit_would_pass() {
        // Held by the previous window only: its weight, 30 × (900 − s) / 900
        // rounded up, falls to 29 at second 30.
        let wait = over(1, 30, 1, L).expect("held");
        assert_eq!(wait, 29);
        assert!(over(1, 30, 1 + wait, L).is_none(), "{wait}");
        assert!(over(1, 30, wait, L).is_some(), "{wait}");
        // Over by this window's own count: until it ends.
        assert_eq!(over(31, 0, 100, L), Some(800));
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
