//! What a person asked for: a channel per kind of notification, a watching
//! level per community, muted threads, and when digests go out. `route`
//! decides, for one record, where it goes — the centre, an e-mail now, a
//! digest, or nowhere. Records are routed when they are shown or mailed, not
//! only when they are made, so a change of mind (mute a community, leave
//! it) applies to what is already waiting.

use std::collections::{HashMap, HashSet};

use sqlx::Row;

use crate::db::Db;
use crate::publications::tick;

/// Where a kind of notification goes. Every channel but `Never` also keeps
/// the record in the notification centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// The notification centre only.
    App,
    /// The centre and an e-mail right away.
    Email,
    /// The centre and a Web Push notification right away (`push`).
    Push,
    /// The centre and the daily digest.
    Daily,
    /// The centre and the weekly digest.
    Weekly,
    /// Nowhere.
    Never,
}

impl Channel {
    pub const ALL: [Channel; 6] = [
        Channel::App,
        Channel::Email,
        Channel::Push,
        Channel::Daily,
        Channel::Weekly,
        Channel::Never,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Channel::App => "app",
            Channel::Email => "email",
            Channel::Push => "push",
            Channel::Daily => "daily",
            Channel::Weekly => "weekly",
            Channel::Never => "never",
        }
    }
    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.code() == s)
    }
}

/// The kinds a person chooses a channel for (several record kinds may share
/// one: decisions about my requests count as moderation about me).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Mention,
    Reply,
    FollowedReply,
    NewPublication,
    Event,
    Moderation,
    JoinRequest,
    SavedSearch,
    Security,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Mention,
        Kind::Reply,
        Kind::FollowedReply,
        Kind::NewPublication,
        Kind::Event,
        Kind::Moderation,
        Kind::JoinRequest,
        Kind::SavedSearch,
        Kind::Security,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Kind::Mention => "mention",
            Kind::Reply => "reply",
            Kind::FollowedReply => "followed_reply",
            Kind::NewPublication => "new_publication",
            Kind::Event => "event",
            Kind::Moderation => "moderation",
            Kind::JoinRequest => "join_request",
            Kind::SavedSearch => "saved_search",
            Kind::Security => "security",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s)
    }
    /// Defaults chosen for calm: what concerns me personally comes in the
    /// daily digest, the rest stays in the centre or the weekly digest.
    pub fn default_channel(self) -> Channel {
        match self {
            // Decisions about my requests also come by their own e-mail.
            Kind::Mention
            | Kind::Reply
            | Kind::JoinRequest
            | Kind::SavedSearch
            | Kind::Moderation => Channel::Daily,
            Kind::FollowedReply => Channel::App,
            Kind::NewPublication | Kind::Event => Channel::Weekly,
            Kind::Security => Channel::Email,
        }
    }
    /// Security notices cannot be turned off (always e-mailed at once).
    pub fn fixed(self) -> bool {
        self == Kind::Security
    }
    /// The preference a stored record kind falls under.
    pub fn of_record(kind: &str) -> Kind {
        match kind {
            super::MENTION => Kind::Mention,
            super::REPLY => Kind::Reply,
            super::FOLLOWED_REPLY => Kind::FollowedReply,
            super::NEW_PUBLICATION => Kind::NewPublication,
            crate::search::saved::KIND => Kind::SavedSearch,
            "join_request" | "community_request" => Kind::JoinRequest,
            k if k.starts_with("event") => Kind::Event,
            "security" => Kind::Security,
            // Decisions about me: moderation outcomes, my requests answered,
            // my publication shared further.
            _ => Kind::Moderation,
        }
    }
}

/// How closely a person watches a community.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Level {
    /// Nothing from it (decisions about me still arrive).
    Muted,
    /// Mentions, replies to me and the threads I follow (the default).
    #[default]
    Mentions,
    /// … and each new publication.
    Publications,
    /// … and every reply in every thread.
    Everything,
}

impl Level {
    pub const ALL: [Level; 4] = [
        Level::Everything,
        Level::Publications,
        Level::Mentions,
        Level::Muted,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Level::Everything => "everything",
            Level::Publications => "publications",
            Level::Mentions => "mentions",
            Level::Muted => "muted",
        }
    }
    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.code() == s)
    }
}

/// One person's choices, as stored (defaults where there is no row).
#[derive(Debug, Clone, Default)]
pub struct Prefs {
    pub channels: HashMap<Kind, Channel>,
    pub levels: HashMap<i64, Level>,
    pub muted_threads: HashSet<i64>,
}

impl Prefs {
    pub fn channel(&self, k: Kind) -> Channel {
        if k.fixed() {
            return k.default_channel();
        }
        self.channels
            .get(&k)
            .copied()
            .unwrap_or_else(|| k.default_channel())
    }
    pub fn level(&self, community_id: i64) -> Level {
        self.levels.get(&community_id).copied().unwrap_or_default()
    }
}

/// Where one record goes. `levels`: the watching levels of the communities
/// it concerns that the person belongs to or chose a level for (empty when
/// it concerns none); the most attentive wins. `thread_muted`: its
/// publication is muted.
pub fn route(prefs: &Prefs, record_kind: &str, levels: &[Level], thread_muted: bool) -> Channel {
    let k = Kind::of_record(record_kind);
    let wanted = prefs.channel(k);
    if k.fixed() || k == Kind::Moderation {
        return wanted;
    }
    if thread_muted {
        return Channel::Never;
    }
    match (k, levels.iter().max()) {
        (_, Some(Level::Muted)) => Channel::Never,
        // Made for a level the person has since left: new publications
        // and events come with "publications" and "everything" only.
        (Kind::NewPublication | Kind::Event, None | Some(Level::Mentions)) => Channel::Never,
        _ => wanted,
    }
}

/// A person's choices in one statement (prefs, levels, muted threads).
pub async fn load(db: &Db, user_id: i64) -> Result<Prefs, sqlx::Error> {
    tick();
    let rows = sqlx::query(
        "SELECT 'k' AS t, kind AS a, channel AS b, 0 AS n FROM notification_prefs WHERE user_id = $1 \
         UNION ALL SELECT 'c' AS t, level AS a, '' AS b, community_id AS n FROM community_watch WHERE user_id = $1 \
         UNION ALL SELECT 'm' AS t, '' AS a, '' AS b, publication_id AS n FROM thread_mutes WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    let mut p = Prefs::default();
    for r in &rows {
        let t: String = r.try_get("t")?;
        let a: String = r.try_get("a")?;
        let b: String = r.try_get("b")?;
        let n: i64 = r.try_get("n")?;
        match t.as_str() {
            "k" => {
                if let (Some(k), Some(c)) = (Kind::parse(&a), Channel::parse(&b)) {
                    p.channels.insert(k, c);
                }
            }
            "c" => {
                if let Some(l) = Level::parse(&a) {
                    p.levels.insert(n, l);
                }
            }
            _ => {
                p.muted_threads.insert(n);
            }
        }
    }
    Ok(p)
}

/// When a person's digests go out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Local hour, 0–23.
    pub digest_hour: i64,
    pub time_zone: Zone,
    /// Weekday of the weekly digest, 0 = Monday … 6 = Sunday.
    pub weekly_day: i64,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            digest_hour: 8,
            time_zone: Zone::default(),
            weekly_day: 0,
        }
    }
}

pub async fn schedule(db: &Db, user_id: i64) -> Result<Schedule, sqlx::Error> {
    tick();
    let row: Option<(i64, String, i64)> = sqlx::query_as(
        "SELECT digest_hour, time_zone, weekly_day FROM notification_schedule WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(match row {
        Some((h, z, d)) => Schedule {
            digest_hour: h.clamp(0, 23),
            time_zone: Zone::parse(&z).unwrap_or_default(),
            weekly_day: d.clamp(0, 6),
        },
        None => Schedule::default(),
    })
}

/// The time zones one may choose, with their daylight-saving rule (kept
/// dependency-free, as `i18n::format_datetime` is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Zone {
    #[default]
    Toronto,
    Halifax,
    StJohns,
    Winnipeg,
    Regina,
    Edmonton,
    Vancouver,
    Paris,
    Utc,
}

enum Dst {
    None,
    NorthAmerica,
    Europe,
}

impl Zone {
    pub const ALL: [Zone; 9] = [
        Zone::Toronto,
        Zone::Halifax,
        Zone::StJohns,
        Zone::Winnipeg,
        Zone::Regina,
        Zone::Edmonton,
        Zone::Vancouver,
        Zone::Paris,
        Zone::Utc,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Zone::Toronto => "America/Toronto",
            Zone::Halifax => "America/Halifax",
            Zone::StJohns => "America/St_Johns",
            Zone::Winnipeg => "America/Winnipeg",
            Zone::Regina => "America/Regina",
            Zone::Edmonton => "America/Edmonton",
            Zone::Vancouver => "America/Vancouver",
            Zone::Paris => "Europe/Paris",
            Zone::Utc => "UTC",
        }
    }
    pub fn parse(s: &str) -> Option<Zone> {
        Zone::ALL.into_iter().find(|z| z.code() == s)
    }
    fn rule(self) -> (i64, Dst) {
        match self {
            Zone::Toronto => (-300, Dst::NorthAmerica),
            Zone::Halifax => (-240, Dst::NorthAmerica),
            Zone::StJohns => (-210, Dst::NorthAmerica),
            Zone::Winnipeg => (-360, Dst::NorthAmerica),
            Zone::Regina => (-360, Dst::None),
            Zone::Edmonton => (-420, Dst::NorthAmerica),
            Zone::Vancouver => (-480, Dst::NorthAmerica),
            Zone::Paris => (60, Dst::Europe),
            Zone::Utc => (0, Dst::None),
        }
    }
    /// Offset from UTC, in minutes, at `unix`.
    pub fn offset_minutes(self, unix: i64) -> i64 {
        let (std, dst) = self.rule();
        let summer = match dst {
            Dst::None => false,
            // Second Sunday of March 2:00 local standard time to first
            // Sunday of November 2:00 local daylight time.
            Dst::NorthAmerica => {
                let y = year_of(unix + std * 60);
                let start = sunday_on_or_after(y, 3, 8) * 86400 + 2 * 3600 - std * 60;
                let end = sunday_on_or_after(y, 11, 1) * 86400 + 2 * 3600 - (std + 60) * 60;
                unix >= start && unix < end
            }
            // Last Sunday of March to last Sunday of October, 1:00 UTC.
            Dst::Europe => {
                let y = year_of(unix);
                let start = sunday_on_or_after(y, 3, 25) * 86400 + 3600;
                let end = sunday_on_or_after(y, 10, 25) * 86400 + 3600;
                unix >= start && unix < end
            }
        };
        std + if summer { 60 } else { 0 }
    }
    /// (local day number since 1970-01-01, local hour, weekday 0 = Monday).
    pub fn local(self, unix: i64) -> (i64, i64, i64) {
        let l = unix + self.offset_minutes(unix) * 60;
        let day = l.div_euclid(86400);
        let hour = l.rem_euclid(86400) / 3600;
        // 1970-01-01 was a Thursday (3).
        let weekday = (day + 3).rem_euclid(7);
        (day, hour, weekday)
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn year_of(unix: i64) -> i64 {
    let z = unix.div_euclid(86400) + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    yoe + era * 400 + i64::from(m <= 2)
}

/// Day number of the first Sunday on or after a date.
fn sunday_on_or_after(y: i64, m: i64, d: i64) -> i64 {
    let day = days_from_civil(y, m, d);
    // Weekday with 0 = Sunday: 1970-01-01 was a Thursday (4).
    let wd = (day + 4).rem_euclid(7);
    day + (7 - wd) % 7
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toronto_follows_daylight_saving() {
        // 2026-07-01 12:00 UTC = 08:00 EDT; 2026-01-15 13:00 UTC = 08:00 EST.
        let july = days_from_civil(2026, 7, 1) * 86400 + 12 * 3600;
        assert_eq!(Zone::Toronto.local(july).1, 8);
        let jan = days_from_civil(2026, 1, 15) * 86400 + 13 * 3600;
        assert_eq!(Zone::Toronto.local(jan).1, 8);
        // 2026-03-08 is the second Sunday of March: 06:59 UTC is still EST, 07:00 EDT.
        let switch = days_from_civil(2026, 3, 8) * 86400 + 7 * 3600;
        assert_eq!(Zone::Toronto.offset_minutes(switch - 1), -300);
        assert_eq!(Zone::Toronto.offset_minutes(switch), -240);
        // 2026-11-01 first Sunday of November: 06:00 UTC back to EST.
        let back = days_from_civil(2026, 11, 1) * 86400 + 6 * 3600;
        assert_eq!(Zone::Toronto.offset_minutes(back - 1), -240);
        assert_eq!(Zone::Toronto.offset_minutes(back), -300);
        assert_eq!(Zone::Paris.offset_minutes(july), 120);
        assert_eq!(Zone::Regina.offset_minutes(july), -360);
        // 2026-12-07 is a Monday.
        assert_eq!(Zone::Utc.local(days_from_civil(2026, 12, 7) * 86400).2, 0);
    }

    #[test]
    fn routing_follows_preferences_and_levels() {
        let mut p = Prefs::default();
        assert_eq!(route(&p, "mention", &[], false), Channel::Daily);
        assert_eq!(
            route(&p, "followed_reply", &[Level::Mentions], false),
            Channel::App
        );
        p.channels.insert(Kind::Mention, Channel::Email);
        assert_eq!(
            route(&p, "mention", &[Level::Mentions], false),
            Channel::Email
        );
        // A muted community silences all but decisions about me.
        assert_eq!(route(&p, "mention", &[Level::Muted], false), Channel::Never);
        assert_eq!(
            route(&p, "moderation", &[Level::Muted], false),
            Channel::Daily
        );
        // The most attentive level of the communities wins.
        assert_eq!(
            route(&p, "mention", &[Level::Muted, Level::Mentions], false),
            Channel::Email
        );
        // New publications need a watching level that asks for them.
        assert_eq!(
            route(&p, "new_publication", &[Level::Mentions], false),
            Channel::Never
        );
        assert_eq!(
            route(&p, "new_publication", &[Level::Publications], false),
            Channel::Weekly
        );
        // Events, like new publications, need a watching level that asks
        // for them; then they follow the event kind's channel.
        assert_eq!(
            route(&p, "event", &[Level::Mentions], false),
            Channel::Never
        );
        assert_eq!(
            route(&p, "event", &[Level::Mentions, Level::Everything], false),
            Channel::Weekly
        );
        p.channels.insert(Kind::Event, Channel::Daily);
        assert_eq!(
            route(&p, "event", &[Level::Publications], false),
            Channel::Daily
        );
        assert_eq!(route(&p, "event", &[Level::Muted], false), Channel::Never);
        // A muted thread.
        assert_eq!(
            route(&p, "followed_reply", &[Level::Everything], true),
            Channel::Never
        );
        // Security notices cannot be turned off.
        p.channels.insert(Kind::Security, Channel::Never);
        assert_eq!(route(&p, "security", &[Level::Muted], true), Channel::Email);
        // Decisions about my requests count as moderation about me.
        assert_eq!(Kind::of_record("join_approved"), Kind::Moderation);
        assert_eq!(Kind::of_record("community_request"), Kind::JoinRequest);
    }
}
