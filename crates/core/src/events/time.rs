//! Times of events: wall times in a zone, their instants, and recurrence
//! (RRULE with EXDATE), expanded by the `rrule` crate within hard bounds so
//! that no rule — typed or imported — can make us iterate without end.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike};
use chrono_tz::Tz;

pub const DEFAULT_TZ: &str = "America/Toronto";
/// The zones offered: Québec's (Eastern; the Magdalen Islands, Atlantic
/// with daylight time; the Lower North Shore, Atlantic without) and UTC.
/// Each has its VTIMEZONE in `ical`.
pub const ZONES: &[&str] = &[
    "America/Toronto",
    "America/Halifax",
    "America/Blanc-Sablon",
    "UTC",
];
/// At most this many occurrences are ever expanded from one rule.
pub const MAX_OCCURRENCES: u16 = 500;
/// A series spans at most this many days from its first start.
pub const MAX_SERIES_DAYS: i64 = 3 * 366;
/// An interval between occurrences of at most this many periods.
pub const MAX_INTERVAL: u32 = 52;
/// At most this many exceptions (EXDATE) per event.
pub const MAX_EXDATES: usize = 200;
/// An event lasts at most this long.
pub const MAX_DURATION_DAYS: i64 = 31;

pub fn zone(name: &str) -> Option<Tz> {
    if ZONES.contains(&name) {
        name.parse().ok()
    } else {
        None
    }
}

/// 'YYYY-MM-DD' (all day) or 'YYYY-MM-DDTHH:MM' (also with a space).
pub fn parse_local(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0);
    }
    let s = s.replacen(' ', "T", 1);
    NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M:%S"))
        .ok()
        .filter(|d| (1900..=2200).contains(&d.year()))
}

/// How a wall time is stored and shown in forms.
pub fn format_local(d: NaiveDateTime, all_day: bool) -> String {
    if all_day {
        d.format("%Y-%m-%d").to_string()
    } else {
        d.format("%Y-%m-%dT%H:%M").to_string()
    }
}

/// The instant of a wall time: the earlier of two in the autumn overlap;
/// a time skipped in spring counts as one hour later (as clocks read it).
pub fn instant(tz: Tz, local: NaiveDateTime) -> i64 {
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(d) => d.timestamp(),
        chrono::LocalResult::Ambiguous(a, _) => a.timestamp(),
        chrono::LocalResult::None => tz
            .from_local_datetime(&(local + Duration::hours(1)))
            .earliest()
            .map(|d| d.timestamp())
            .unwrap_or_else(|| local.and_utc().timestamp()),
    }
}

/// The wall time of an instant in a zone.
pub fn local_of(tz: Tz, at: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|d| d.with_timezone(&tz).naive_local())
        .unwrap_or_default()
}

/// iCalendar's local form `YYYYMMDDTHHMMSS` (or `YYYYMMDD`).
pub fn ical_local(d: NaiveDateTime, all_day: bool) -> String {
    if all_day {
        d.format("%Y%m%d").to_string()
    } else {
        d.format("%Y%m%dT%H%M%S").to_string()
    }
}

/// iCalendar's UTC form `YYYYMMDDTHHMMSSZ`.
pub fn ical_utc(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|d| d.format("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_default()
}

/// How a series repeats, as the form offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    Weekly,
    /// On the n-th weekday of the month of the first start (the last one
    /// when it is the fifth).
    MonthlyNthWeekday,
}

const DAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// The RRULE of a repetition, ending on `until` (a local date, included)
/// or after `count` occurrences.
pub fn build_rule(
    repeat: Repeat,
    interval: u32,
    start: NaiveDateTime,
    tz: Tz,
    until: Option<NaiveDate>,
    count: Option<u32>,
) -> String {
    let day = DAYS[start.weekday().num_days_from_monday() as usize];
    let mut r = match repeat {
        Repeat::Weekly => format!("FREQ=WEEKLY;BYDAY={day}"),
        Repeat::MonthlyNthWeekday => {
            let n = (start.day() - 1) / 7 + 1;
            let n = if n >= 5 { -1 } else { n as i32 };
            format!("FREQ=MONTHLY;BYDAY={n}{day}")
        }
    };
    if interval > 1 {
        r.push_str(&format!(";INTERVAL={interval}"));
    }
    if let Some(c) = count {
        r.push_str(&format!(";COUNT={c}"));
    } else if let Some(u) = until {
        // RFC 5545: with a zoned DTSTART, UNTIL is in UTC; the last
        // second of the local day.
        let end = u.and_hms_opt(23, 59, 59).unwrap_or(start);
        r.push_str(&format!(";UNTIL={}", ical_utc(instant(tz, end))));
    }
    r
}

/// Why a rule is refused (a message key).
pub type RuleError = &'static str;

/// Check a rule's text: only the parts we write and expand (FREQ WEEKLY,
/// MONTHLY or DAILY; INTERVAL, COUNT, UNTIL, BYDAY, BYMONTHDAY, WKST),
/// bounded. Returns the canonical text.
pub fn check_rule(text: &str) -> Result<String, RuleError> {
    let text = text.trim().trim_start_matches("RRULE:").trim();
    if text.len() > 300 {
        return Err("event-rrule-invalid");
    }
    let mut freq = None;
    let mut parts = Vec::new();
    for p in text.split(';').filter(|p| !p.is_empty()) {
        let (k, v) = p.split_once('=').ok_or("event-rrule-invalid")?;
        let k = k.trim().to_ascii_uppercase();
        let v = v.trim().to_ascii_uppercase();
        match k.as_str() {
            "FREQ" => {
                if !matches!(v.as_str(), "DAILY" | "WEEKLY" | "MONTHLY") {
                    return Err("event-rrule-freq");
                }
                freq = Some(v.clone());
            }
            "INTERVAL" => match v.parse::<u32>() {
                Ok(n) if (1..=MAX_INTERVAL).contains(&n) => {}
                _ => return Err("event-rrule-invalid"),
            },
            "COUNT" => match v.parse::<u32>() {
                Ok(n) if n >= 1 && n <= u32::from(MAX_OCCURRENCES) => {}
                _ => return Err("event-rrule-count"),
            },
            "UNTIL" | "BYDAY" | "BYMONTHDAY" | "WKST" => {
                if v.is_empty()
                    || v.len() > 60
                    || !v
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == ',' || c == '-' || c == '+')
                {
                    return Err("event-rrule-invalid");
                }
            }
            _ => return Err("event-rrule-invalid"),
        }
        parts.push(format!("{k}={v}"));
    }
    if freq.is_none() {
        return Err("event-rrule-invalid");
    }
    Ok(parts.join(";"))
}

/// What a series needs to be expanded.
#[derive(Debug, Clone)]
pub struct Timing {
    pub tz: Tz,
    pub start: NaiveDateTime,
    /// Seconds from a start to its end.
    pub duration: i64,
    pub all_day: bool,
    /// '' for a single event.
    pub rrule: String,
    pub exdates: Vec<NaiveDateTime>,
}

/// One occurrence: its local start (its identity, the RECURRENCE-ID) and
/// its instants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub start_local: NaiveDateTime,
    pub start: i64,
    pub end: i64,
}

fn rrule_set(t: &Timing) -> Result<rrule::RRuleSet, RuleError> {
    let tz = rrule::Tz::Tz(t.tz);
    let dt_start = tz
        .from_local_datetime(&t.start)
        .earliest()
        .ok_or("event-rrule-invalid")?;
    let rule: rrule::RRule<rrule::Unvalidated> =
        t.rrule.parse().map_err(|_| "event-rrule-invalid")?;
    let mut set = rule.build(dt_start).map_err(|_| "event-rrule-invalid")?;
    for x in &t.exdates {
        if let Some(d) = tz.from_local_datetime(x).earliest() {
            set = set.exdate(d);
        }
    }
    Ok(set)
}

/// The occurrences starting in `[from, to)` (Unix seconds), at most
/// `limit` (itself at most `MAX_OCCURRENCES`), never beyond
/// `MAX_SERIES_DAYS` after the first start. A single event is its one
/// occurrence. The bool says whether the list was cut by `limit`.
pub fn expand(t: &Timing, from: i64, to: i64, limit: u16) -> (Vec<Occurrence>, bool) {
    let first = instant(t.tz, t.start);
    if t.rrule.is_empty() {
        let o = Occurrence {
            start_local: t.start,
            start: first,
            end: first + t.duration,
        };
        let hit = o.start < to && o.end > from;
        return (if hit { vec![o] } else { Vec::new() }, false);
    }
    let Ok(set) = rrule_set(t) else {
        return (Vec::new(), false);
    };
    let hard_end = first + MAX_SERIES_DAYS * 86400;
    let to = to.min(hard_end);
    // An occurrence that started before `from` may still be running.
    let from = from.max(first) - t.duration;
    if from >= to {
        return (Vec::new(), false);
    }
    let tz = rrule::Tz::Tz(t.tz);
    let (Some(a), Some(b)) = (
        chrono::DateTime::from_timestamp(from, 0),
        chrono::DateTime::from_timestamp(to - 1, 0),
    ) else {
        return (Vec::new(), false);
    };
    let set = set.after(a.with_timezone(&tz)).before(b.with_timezone(&tz));
    let limit = limit.min(MAX_OCCURRENCES);
    let res = set.all(limit);
    let out = res
        .dates
        .into_iter()
        .map(|d| {
            let s = d.timestamp();
            Occurrence {
                start_local: d.naive_local(),
                start: s,
                end: s + t.duration,
            }
        })
        .collect();
    (out, res.limited)
}

/// The end of the series' last occurrence within the bounds (what listings
/// compare "upcoming" with), or `None` when the rule expands to nothing.
pub fn series_end(t: &Timing) -> Option<i64> {
    let first = instant(t.tz, t.start);
    let (occ, _) = expand(t, first, first + MAX_SERIES_DAYS * 86400, MAX_OCCURRENCES);
    occ.last().map(|o| o.end)
}

/// Start of a local day (midnight) in a zone, as an instant.
pub fn day_start(tz: Tz, d: NaiveDate) -> i64 {
    instant(tz, d.and_time(NaiveTime::MIN))
}

/// Hours and minutes of a wall time, for display ("19 h 00" is the
/// template's job).
pub fn hm(d: NaiveDateTime) -> (u32, u32) {
    (d.hour(), d.minute())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toronto() -> Tz {
        zone(DEFAULT_TZ).unwrap()
    }

    #[test]
    fn monthly_nth_weekday_crosses_daylight_change_in_local_time() {
        // 2nd Tuesday, 19:00 Toronto, from January: 19:00 local every time
        // although the offset changes in March.
        let start = parse_local("2027-01-12T19:00").unwrap();
        let rule = build_rule(
            Repeat::MonthlyNthWeekday,
            1,
            start,
            toronto(),
            None,
            Some(4),
        );
        assert_eq!(rule, "FREQ=MONTHLY;BYDAY=2TU;COUNT=4");
        let t = Timing {
            tz: toronto(),
            start,
            duration: 7200,
            all_day: false,
            rrule: check_rule(&rule).unwrap(),
            exdates: vec![parse_local("2027-02-09T19:00").unwrap()],
        };
        let (occ, limited) = expand(&t, 0, i64::MAX / 4, 100);
        assert!(!limited);
        let days: Vec<String> = occ
            .iter()
            .map(|o| format_local(o.start_local, false))
            .collect();
        assert_eq!(
            days,
            ["2027-01-12T19:00", "2027-03-09T19:00", "2027-04-13T19:00"]
        );
        // EST until 14 March 2027, EDT after: 00:00 then 23:00 UTC.
        assert_eq!(ical_utc(occ[0].start), "20270113T000000Z");
        assert_eq!(ical_utc(occ[1].start), "20270310T000000Z");
        assert_eq!(ical_utc(occ[2].start), "20270413T230000Z");
    }

    #[test]
    fn hostile_rules_are_bounded_or_refused() {
        assert!(check_rule("FREQ=SECONDLY").is_err());
        assert!(check_rule("FREQ=DAILY;BYSETPOS=1").is_err());
        assert!(check_rule("FREQ=DAILY;COUNT=100000").is_err());
        assert!(check_rule("FREQ=DAILY;INTERVAL=0").is_err());
        // An endless daily rule: cut at MAX_OCCURRENCES.
        let t = Timing {
            tz: toronto(),
            start: parse_local("2027-01-01T10:00").unwrap(),
            duration: 60,
            all_day: false,
            rrule: check_rule("FREQ=DAILY").unwrap(),
            exdates: vec![],
        };
        let (occ, limited) = expand(&t, 0, i64::MAX / 4, u16::MAX);
        assert_eq!(occ.len(), usize::from(MAX_OCCURRENCES));
        assert!(limited);
        // Never beyond the series window.
        let end = series_end(&t).unwrap();
        assert!(end <= instant(toronto(), t.start) + MAX_SERIES_DAYS * 86400 + 60);
    }

    #[test]
    fn weekly_until_includes_the_last_day() {
        let start = parse_local("2027-03-01T09:30").unwrap();
        let until = NaiveDate::from_ymd_opt(2027, 3, 15);
        let rule = build_rule(Repeat::Weekly, 1, start, toronto(), until, None);
        let t = Timing {
            tz: toronto(),
            start,
            duration: 3600,
            all_day: false,
            rrule: check_rule(&rule).unwrap(),
            exdates: vec![],
        };
        let (occ, _) = expand(&t, 0, i64::MAX / 4, 100);
        assert_eq!(occ.len(), 3);
        assert_eq!(format_local(occ[2].start_local, false), "2027-03-15T09:30");
    }
}
