//! Import of iCalendar files (RFC 5545) into a community: a file uploaded
//! by an organiser, or an external URL the community subscribes to,
//! fetched periodically through the guarded fetcher by the job queue.
//!
//! - The file is read by `ics` within hard bounds (size, lines, nesting,
//!   number of events); a file breaking one is refused as a whole, with the
//!   line and the reason.
//! - Each VEVENT becomes the form's `Values` and goes through the same
//!   validation as a typed event (`check_pure`: times, RRULE restricted and
//!   expanded within bounds, lengths); the report says per event (its line,
//!   UID and title) created, updated, unchanged, or the properties refused
//!   and why. Good events are written even when others are refused.
//! - An event is known by its source UID within the community
//!   (`events.import_scope`, `external_uid`): importing again updates it in
//!   place (SEQUENCE raised) or leaves it unchanged. What only exists here
//!   (capacity, territory, organisation, registrations) is kept.
//! - Times: a zone we offer (`time::ZONES`) is kept; UTC, floating and
//!   other zones are converted to America/Toronto wall times (a recurring
//!   series in UTC stays in UTC, so its occurrences keep their instants).
//!   An override with `STATUS:CANCELLED` cancels that occurrence; other
//!   overrides are noted as ignored.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use super::ics::{self, Prop, VEvent};
use super::{Checked, Status, Values, check_pure, time};
use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::db::{Db, now};
use crate::initiatives::import::Outcome;

/// One event of the file in the report.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Line {
    /// The line of its `BEGIN:VEVENT`.
    pub line: usize,
    pub uid: String,
    pub summary: String,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// What was read but not kept (message keys).
    #[serde(default)]
    pub notes: Vec<String>,
}

/// The file refused as a whole: where and why.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Refusal {
    pub line: usize,
    pub key: String,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Report {
    pub lines: Vec<Line>,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: usize,
    pub refused: Option<Refusal>,
}

// ---- reading values ------------------------------------------------------------------------

/// A DATE or DATE-TIME value as written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dt {
    Date(NaiveDate),
    Floating(NaiveDateTime),
    Utc(NaiveDateTime),
    Zoned(NaiveDateTime, Tz),
}

/// Windows names some clients write as TZID.
const WINDOWS_ZONES: &[(&str, &str)] = &[
    ("Eastern Standard Time", "America/Toronto"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("Central Standard Time", "America/Chicago"),
    ("Mountain Standard Time", "America/Edmonton"),
    ("Pacific Standard Time", "America/Vancouver"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("Romance Standard Time", "Europe/Paris"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("GMT Standard Time", "Europe/London"),
    ("UTC", "UTC"),
];

/// An IANA zone from a TZID: the name itself, a path ending with one
/// (`/mozilla.org/…/America/Toronto`), or a Windows name.
pub fn zone_of(tzid: &str) -> Option<Tz> {
    let tzid = tzid.trim();
    if tzid.len() > 200 {
        return None;
    }
    if let Some((_, iana)) = WINDOWS_ZONES.iter().find(|(w, _)| *w == tzid) {
        return iana.parse().ok();
    }
    let parts: Vec<&str> = tzid.split('/').collect();
    (0..parts.len()).find_map(|i| parts[i..].join("/").parse::<Tz>().ok())
}

fn parse_dt_value(v: &str, date_only: bool, tz: Option<Tz>) -> Option<Dt> {
    let v = v.trim();
    if date_only || v.len() == 8 {
        return NaiveDate::parse_from_str(v, "%Y%m%d")
            .ok()
            .filter(|d| (1900..=2200).contains(&chrono::Datelike::year(d)))
            .map(Dt::Date);
    }
    let (body, utc) = match v.strip_suffix('Z') {
        Some(b) => (b, true),
        None => (v, false),
    };
    let d = NaiveDateTime::parse_from_str(body, "%Y%m%dT%H%M%S").ok()?;
    if !(1900..=2200).contains(&chrono::Datelike::year(&d)) {
        return None;
    }
    Some(match (utc, tz) {
        (true, _) => Dt::Utc(d),
        (false, Some(z)) => Dt::Zoned(d, z),
        (false, None) => Dt::Floating(d),
    })
}

/// A DTSTART-like property; `Err` is a message key.
pub fn parse_dt(p: &Prop) -> Result<Dt, &'static str> {
    let tz = match p.param("TZID") {
        Some(t) => Some(zone_of(t).ok_or("event-import-tz-unknown")?),
        None => None,
    };
    let date_only = p
        .param("VALUE")
        .is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
    parse_dt_value(&p.value, date_only, tz).ok_or("event-import-date-invalid")
}

/// The wall time of a value in zone `tz`.
fn local_in(d: Dt, tz: Tz) -> NaiveDateTime {
    match d {
        Dt::Date(d) => d.and_time(chrono::NaiveTime::MIN),
        Dt::Floating(x) => x,
        Dt::Utc(x) => time::local_of(tz, x.and_utc().timestamp()),
        Dt::Zoned(x, z) => time::local_of(tz, time::instant(z, x)),
    }
}

/// The zone an event keeps (see the module documentation).
fn event_zone(start: Dt, recurring: bool) -> Tz {
    match start {
        Dt::Zoned(_, z) if time::zone(z.name()).is_some() => z,
        Dt::Utc(_) if recurring => chrono_tz::UTC,
        _ => chrono_tz::America::Toronto,
    }
}

/// `PnW`, `PnDTnHnMnS` (RFC 5545 §3.3.6), in seconds; negative refused.
pub fn parse_duration(v: &str) -> Option<i64> {
    let v = v.trim().strip_prefix('+').unwrap_or(v.trim());
    let v = v.strip_prefix('P')?;
    let mut secs: i64 = 0;
    let mut num = String::new();
    let mut in_time = false;
    for c in v.chars() {
        match c {
            '0'..='9' => {
                if num.len() >= 7 {
                    return None;
                }
                num.push(c);
            }
            'T' => in_time = true,
            'W' | 'D' | 'H' | 'M' | 'S' => {
                let n: i64 = num.parse().ok()?;
                num.clear();
                secs += n * match (c, in_time) {
                    ('W', false) => 7 * 86400,
                    ('D', false) => 86400,
                    ('H', true) => 3600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return None,
                };
            }
            _ => return None,
        }
    }
    num.is_empty().then_some(secs)
}

/// The RRULE with UNTIL made a UTC instant (what `check_rule` and the
/// expansion expect), given the event's zone.
fn normalise_rule(rule: &str, tz: Tz) -> String {
    rule.trim()
        .split(';')
        .map(|p| match p.split_once('=') {
            Some((k, v)) if k.trim().eq_ignore_ascii_case("UNTIL") => {
                let at = match parse_dt_value(v, false, None) {
                    Some(Dt::Date(d)) => Some(time::instant(
                        tz,
                        d.and_hms_opt(23, 59, 59).unwrap_or_default(),
                    )),
                    Some(Dt::Floating(x)) => Some(time::instant(tz, x)),
                    Some(Dt::Utc(x)) => Some(x.and_utc().timestamp()),
                    _ => None,
                };
                match at {
                    Some(a) => format!("UNTIL={}", time::ical_utc(a)),
                    None => p.to_string(),
                }
            }
            _ => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// One VEVENT read into the form's values.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub line: usize,
    pub uid: String,
    pub summary: String,
    /// An override of one occurrence of a series.
    pub recurrence_id: Option<Dt>,
    pub cancelled: bool,
    pub values: Values,
    /// (property, message key)
    pub errors: Vec<(String, String)>,
    pub notes: Vec<String>,
}

fn fmt_local(d: NaiveDateTime, all_day: bool) -> String {
    time::format_local(d, all_day)
}

/// Read one VEVENT (no database, no decision on duplicates).
pub fn parse_event(ev: &VEvent) -> Parsed {
    let get = |n: &str| ev.get(n).map(|p| ics::text(&p.value));
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut notes = Vec::new();
    let mut err = |p: &str, k: &str| errors.push((p.to_string(), k.to_string()));
    if ev.too_many_props {
        err("VEVENT", "event-import-too-many-props");
    }
    let uid = get("UID").unwrap_or_default().trim().to_string();
    let summary = get("SUMMARY").unwrap_or_default().trim().to_string();
    let recurring = ev.get("RRULE").is_some();
    if ev.all("RRULE").count() > 1 {
        err("RRULE", "event-import-rrule-several");
    }
    if ev.get("RDATE").is_some() {
        notes.push("event-import-rdate-ignored".to_string());
    }
    let start = match ev.get("DTSTART").map(parse_dt) {
        Some(Ok(d)) => Some(d),
        Some(Err(k)) => {
            err("DTSTART", k);
            None
        }
        None => {
            err("DTSTART", "event-import-dtstart-missing");
            None
        }
    };
    let recurrence_id = match ev.get("RECURRENCE-ID").map(parse_dt) {
        Some(Ok(d)) => Some(d),
        Some(Err(k)) => {
            err("RECURRENCE-ID", k);
            None
        }
        None => None,
    };
    let cancelled = get("STATUS").is_some_and(|s| s.trim().eq_ignore_ascii_case("CANCELLED"));
    let mut v = Values {
        title: summary.clone(),
        description: get("DESCRIPTION").unwrap_or_default(),
        ..Values::default()
    };
    if let Some(s) = start {
        let all_day = matches!(s, Dt::Date(_));
        let tz = event_zone(s, recurring);
        v.all_day = all_day;
        v.tz = tz.name().to_string();
        let st = local_in(s, tz);
        v.start = fmt_local(st, all_day);
        let end = match (ev.get("DTEND"), ev.get("DURATION")) {
            (Some(p), _) => match parse_dt(p) {
                Ok(d) => Some(local_in(d, tz)),
                Err(k) => {
                    err("DTEND", k);
                    None
                }
            },
            (None, Some(p)) => match parse_duration(&p.value) {
                Some(secs) if all_day => Some(st + chrono::Duration::seconds(secs)),
                Some(secs) => Some(time::local_of(tz, time::instant(tz, st) + secs)),
                None => {
                    err("DURATION", "event-import-duration-invalid");
                    None
                }
            },
            (None, None) => None,
        };
        v.end = match end {
            // DTEND of a day is exclusive; ours is the last day.
            Some(e) if all_day => {
                let last = (e - chrono::Duration::days(1)).max(st);
                fmt_local(last, true)
            }
            Some(e) => fmt_local(e, false),
            None => String::new(),
        };
        if let Some(r) = ev.get("RRULE") {
            v.repeat = "rule".to_string();
            v.rrule = normalise_rule(&r.value, tz);
        }
        let mut ex = Vec::new();
        'outer: for p in ev.all("EXDATE") {
            let ztz = match p.param("TZID") {
                Some(t) => match zone_of(t) {
                    Some(z) => Some(z),
                    None => {
                        err("EXDATE", "event-import-tz-unknown");
                        break 'outer;
                    }
                },
                None => None,
            };
            let date_only = p
                .param("VALUE")
                .is_some_and(|x| x.eq_ignore_ascii_case("DATE"));
            for item in p.value.split(',') {
                if ex.len() > time::MAX_EXDATES {
                    break 'outer;
                }
                match parse_dt_value(item, date_only, ztz) {
                    // A day alone names that day's occurrence.
                    Some(Dt::Date(d)) if !all_day => {
                        ex.push(fmt_local(d.and_time(st.time()), false))
                    }
                    Some(d) => ex.push(fmt_local(local_in(d, tz), all_day)),
                    None => {
                        err("EXDATE", "event-import-date-invalid");
                        break 'outer;
                    }
                }
            }
        }
        v.exdates = ex.join("\n");
    }
    if let Some(loc) = get("LOCATION") {
        let loc = loc.trim().to_string();
        if loc.starts_with("https://") || loc.starts_with("http://") {
            v.place_kind = "online".to_string();
            v.online_url = loc;
        } else {
            v.address = loc;
        }
    }
    if let Some(u) = get("URL") {
        let u = u.trim();
        if !u.is_empty() && !v.description.contains(u) {
            if !v.description.is_empty() {
                v.description.push_str("\n\n");
            }
            v.description.push_str(u);
        }
    }
    v.contact = get("CONTACT").unwrap_or_else(|| {
        ev.get("ORGANIZER")
            .map(|p| {
                p.param("CN")
                    .map(str::to_string)
                    .unwrap_or_else(|| p.value.trim_start_matches("mailto:").to_string())
            })
            .unwrap_or_default()
    });
    let tags: Vec<String> = ev
        .all("CATEGORIES")
        .flat_map(|p| ics::list(&p.value))
        .collect();
    v.tags = tags.join(", ");
    Parsed {
        line: ev.line,
        uid,
        summary,
        recurrence_id,
        cancelled,
        values: v,
        errors,
        notes,
    }
}

/// The iCalendar property a form field comes from (for the report).
fn property_of(field: &str) -> &'static str {
    match field {
        "title" => "SUMMARY",
        "description" => "DESCRIPTION",
        "start" | "tz" => "DTSTART",
        "end" => "DTEND",
        "rrule" | "until" | "count" | "interval" | "repeat" => "RRULE",
        "exdates" => "EXDATE",
        "address" | "online_url" | "place_kind" => "LOCATION",
        "contact" => "CONTACT",
        "tags" => "CATEGORIES",
        _ => "VEVENT",
    }
}

// ---- writing ---------------------------------------------------------------------------------

/// Where an import goes.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub community_id: i64,
    /// The organiser of the events it creates.
    pub organiser_id: Option<i64>,
    pub feed_id: Option<i64>,
}

struct Planned {
    existing: Option<i64>,
    uid: String,
    c: Checked,
    status: Status,
    cancelled: Vec<String>,
}

struct Known {
    id: i64,
    e: super::Event,
    tags: Vec<String>,
    cancelled: Vec<String>,
}

async fn known(db: &Db, scope: &str, uid: &str) -> Result<Option<Known>, sqlx::Error> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM events WHERE import_scope = $1 AND external_uid = $2")
            .bind(scope)
            .bind(uid)
            .fetch_optional(&db.pool)
            .await?;
    let Some(id) = id else { return Ok(None) };
    let Some(e) = super::by_id(db, id).await? else {
        return Ok(None);
    };
    let tags = super::tags_of(db, id)
        .await?
        .into_iter()
        .map(|t| t.name)
        .collect();
    let cancelled = super::cancelled_occurrences(db, id).await?;
    Ok(Some(Known {
        id,
        e,
        tags,
        cancelled,
    }))
}

fn same(k: &Known, c: &Checked, status: Status, cancelled: &[String]) -> bool {
    let e = &k.e;
    let tags: Vec<String> = {
        let mut t: Vec<String> = c.tags.iter().map(|t| t.name.clone()).collect();
        t.sort();
        t
    };
    e.title == c.title
        && e.description == c.description
        && e.tz == c.tz
        && e.start_local == c.start_local
        && e.end_local == c.end_local
        && e.all_day == c.all_day
        && e.rrule == c.rrule
        && e.exdates == c.exdates
        && e.place_kind == c.place_kind
        && e.address == c.address
        && e.online_url == c.online_url
        && e.contact == c.contact
        && e.status == status
        && k.tags == tags
        && k.cancelled == cancelled
}

/// Import a file's text into a community (see the module documentation).
/// The caller has checked who may; `actor` is for the audit log.
pub async fn apply(
    db: &Db,
    public_url: &str,
    actor: &Actor,
    target: Target,
    body: &str,
) -> Result<Report, sqlx::Error> {
    let mut report = Report::default();
    let evs = match ics::read(body) {
        Ok(e) => e,
        Err(f) => {
            report.refused = Some(Refusal {
                line: f.line,
                key: f.key.to_string(),
            });
            return Ok(report);
        }
    };
    let parsed: Vec<Parsed> = evs.iter().map(parse_event).collect();
    drop(evs);
    let scope = format!("c{}", target.community_id);
    let masters: HashSet<&str> = parsed
        .iter()
        .filter(|p| p.recurrence_id.is_none() && !p.uid.is_empty())
        .map(|p| p.uid.as_str())
        .collect();
    // Overrides by the UID of their series.
    let mut overrides: HashMap<&str, Vec<&Parsed>> = HashMap::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut planned: Vec<Planned> = Vec::new();
    let mut lines: Vec<(Line, Option<usize>)> = Vec::new();
    for p in &parsed {
        if p.recurrence_id.is_some() && masters.contains(p.uid.as_str()) && p.errors.is_empty() {
            overrides.entry(p.uid.as_str()).or_default().push(p);
        }
    }
    for p in &parsed {
        let mut fields = p.errors.clone();
        let mut notes = p.notes.clone();
        if p.recurrence_id.is_some() {
            // Reported with its series (or alone when it has none).
            if !masters.contains(p.uid.as_str()) {
                fields.push((
                    "RECURRENCE-ID".into(),
                    "event-import-override-orphan".into(),
                ));
            }
            if !fields.is_empty() {
                lines.push((
                    Line {
                        line: p.line,
                        uid: p.uid.clone(),
                        summary: p.summary.clone(),
                        outcome: Outcome::Error { fields },
                        notes,
                    },
                    None,
                ));
            }
            continue;
        }
        if p.uid.is_empty() {
            fields.push(("UID".into(), "event-import-uid-missing".into()));
        } else if p.uid.chars().count() > 255 {
            fields.push(("UID".into(), "event-field-too-long".into()));
        } else if !seen.insert(p.uid.clone()) {
            fields.push(("UID".into(), "event-import-uid-duplicate".into()));
        }
        let checked = if fields.is_empty() {
            match check_pure(&p.values) {
                Ok(c) => Some(c),
                Err(errs) => {
                    for (f, k) in errs {
                        let prop = property_of(f).to_string();
                        if !fields.iter().any(|(a, b)| *a == prop && b == k) {
                            fields.push((prop, k.to_string()));
                        }
                    }
                    None
                }
            }
        } else {
            None
        };
        let Some(mut c) = checked.filter(|_| fields.is_empty()) else {
            lines.push((
                Line {
                    line: p.line,
                    uid: p.uid.clone(),
                    summary: p.summary.clone(),
                    outcome: Outcome::Error { fields },
                    notes,
                },
                None,
            ));
            continue;
        };
        // Cancelled occurrences, each one of the series'.
        let mut cancelled: Vec<String> = Vec::new();
        if let Some(os) = overrides.get(p.uid.as_str()) {
            let t = super::time::Timing {
                tz: time::zone(&c.tz).unwrap_or(chrono_tz::America::Toronto),
                start: time::parse_local(&c.start_local).unwrap_or_default(),
                duration: c.ends_at - c.starts_at,
                all_day: c.all_day,
                rrule: c.rrule.clone(),
                exdates: Vec::new(),
            };
            for o in os {
                if !o.cancelled {
                    notes.push("event-import-override-ignored".into());
                    continue;
                }
                let Some(rid) = o.recurrence_id else { continue };
                let at = local_in(rid, t.tz);
                let inst = time::instant(t.tz, at);
                let (occ, _) = time::expand(&t, inst, inst + 1, 2);
                let key = fmt_local(at, c.all_day);
                if c.rrule.is_empty() || !occ.iter().any(|x| x.start_local == at) {
                    notes.push("event-import-override-unknown".into());
                } else if !cancelled.contains(&key) {
                    cancelled.push(key);
                }
            }
        }
        cancelled.sort();
        notes.dedup();
        let status = if p.cancelled {
            Status::Cancelled
        } else {
            Status::Scheduled
        };
        let existing = known(db, &scope, &p.uid).await?;
        let outcome = match &existing {
            Some(k) if same(k, &c, status, &cancelled) => Outcome::Unchanged,
            Some(_) => Outcome::Updated,
            None => Outcome::Created,
        };
        if let Some(k) = &existing {
            // What only exists here stays.
            c.capacity = k.e.capacity;
            c.territory_id = k.e.territory_id;
            c.organisation_id = k.e.organisation_id;
            c.online_private = k.e.online_private;
        }
        let idx = (outcome != Outcome::Unchanged).then_some(planned.len());
        if idx.is_some() {
            planned.push(Planned {
                existing: existing.map(|k| k.id),
                uid: p.uid.clone(),
                c,
                status,
                cancelled,
            });
        }
        lines.push((
            Line {
                line: p.line,
                uid: p.uid.clone(),
                summary: p.summary.clone(),
                outcome,
                notes,
            },
            idx,
        ));
    }
    let mut tx = db.begin().await?;
    let t = now();
    for pl in &planned {
        let id = match pl.existing {
            Some(id) => {
                super::ops::update_in(&mut tx, id, &pl.c).await?;
                id
            }
            None => {
                let uid = super::ops::new_uid(public_url);
                let id = super::ops::insert_in(
                    &mut tx,
                    &uid,
                    &pl.c,
                    target.organiser_id,
                    &[target.community_id],
                )
                .await?;
                sqlx::query("UPDATE events SET import_scope = $1, external_uid = $2 WHERE id = $3")
                    .bind(&scope)
                    .bind(&pl.uid)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                id
            }
        };
        sqlx::query("UPDATE events SET status = $1, feed_id = COALESCE($2, feed_id) WHERE id = $3")
            .bind(pl.status.as_str())
            .bind(target.feed_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM event_occurrences WHERE event_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        crate::search::index_one(&mut tx, db.backend, crate::search::Source::Events, id).await?;
        for k in &pl.cancelled {
            sqlx::query(
                "INSERT INTO event_occurrences (event_id, start_local, status, sequence, updated_at) \
                 VALUES ($1, $2, 'cancelled', (SELECT sequence FROM events WHERE id = $1), $3)",
            )
            .bind(id)
            .bind(k)
            .bind(t)
            .execute(&mut *tx)
            .await?;
        }
    }
    lines.sort_by_key(|(l, _)| l.line);
    for (l, _) in lines {
        match &l.outcome {
            Outcome::Created => report.created += 1,
            Outcome::Updated => report.updated += 1,
            Outcome::Unchanged => report.unchanged += 1,
            Outcome::Error { .. } => report.errors += 1,
        }
        report.lines.push(l);
    }
    audit_in(
        &mut tx,
        actor,
        "events_imported",
        None,
        &format!(
            "community {}: {} created, {} updated, {} unchanged, {} errors",
            target.community_id, report.created, report.updated, report.unchanged, report.errors
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

pub use super::subscriptions::*;

/// What the `ics_import` fuzz target drives: a file read and each event
/// turned into checked values, without a database.
pub mod fuzzing {
    /// (events read, events whose values pass the form's checks), or the
    /// file's refusal (line, key).
    pub fn read(body: &str) -> Result<(usize, usize), (usize, &'static str)> {
        let evs = super::ics::read(body).map_err(|e| (e.line, e.key))?;
        let mut ok = 0;
        for ev in &evs {
            let p = super::parse_event(ev);
            if let Ok(c) = super::check_pure(&p.values) {
                // Whatever was accepted expands within the bounds.
                if !c.rrule.is_empty() {
                    let t = super::time::Timing {
                        tz: super::time::zone(&c.tz).unwrap_or(chrono_tz::America::Toronto),
                        start: super::time::parse_local(&c.start_local).unwrap_or_default(),
                        duration: c.ends_at - c.starts_at,
                        all_day: c.all_day,
                        rrule: c.rrule.clone(),
                        exdates: Vec::new(),
                    };
                    let (occ, _) = super::time::expand(&t, 0, i64::MAX / 4, u16::MAX);
                    assert!(occ.len() <= usize::from(super::time::MAX_OCCURRENCES));
                }
                ok += 1;
            }
        }
        Ok((evs.len(), ok))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(body: &str) -> Parsed {
        let f = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n{body}END:VEVENT\r\nEND:VCALENDAR\r\n"
        );
        let evs = ics::read(&f).unwrap();
        parse_event(&evs[0])
    }

    #[test]
    fn zones_dates_and_durations_are_read() {
        assert_eq!(
            zone_of("/mozilla.org/20070129_1/America/Toronto")
                .unwrap()
                .name(),
            "America/Toronto"
        );
        assert_eq!(
            zone_of("Eastern Standard Time").unwrap().name(),
            "America/Toronto"
        );
        assert!(zone_of("Mars/Olympus").is_none());
        assert_eq!(parse_duration("PT1H30M"), Some(5400));
        assert_eq!(parse_duration("P1W"), Some(7 * 86400));
        assert_eq!(parse_duration("-PT1H"), None);
        assert_eq!(parse_duration("P1H"), None);
        // Paris 19:00 in January is 13:00 in Toronto.
        let p = one(
            "UID:a\r\nSUMMARY:x\r\nDTSTART;TZID=Europe/Paris:20270115T190000\r\nDURATION:PT2H\r\n",
        );
        assert_eq!(p.values.tz, "America/Toronto");
        assert_eq!(p.values.start, "2027-01-15T13:00");
        assert_eq!(p.values.end, "2027-01-15T15:00");
        // All day: DTEND is exclusive.
        let p = one(
            "UID:b\r\nSUMMARY:x\r\nDTSTART;VALUE=DATE:20270601\r\nDTEND;VALUE=DATE:20270603\r\n",
        );
        assert!(p.values.all_day);
        assert_eq!(
            (p.values.start.as_str(), p.values.end.as_str()),
            ("2027-06-01", "2027-06-02")
        );
        // A weekly UTC series stays in UTC; UNTIL as a date becomes an instant.
        let p = one(
            "UID:c\r\nSUMMARY:x\r\nDTSTART:20270104T150000Z\r\nRRULE:FREQ=WEEKLY;UNTIL=20270201\r\n\
                     EXDATE:20270111T150000Z,20270118T150000Z\r\n",
        );
        assert_eq!(p.values.tz, "UTC");
        assert_eq!(p.values.rrule, "FREQ=WEEKLY;UNTIL=20270201T235959Z");
        assert_eq!(p.values.exdates, "2027-01-11T15:00\n2027-01-18T15:00");
        let c = check_pure(&p.values).unwrap();
        let (occ, _) = time::expand(&c_timing(&c), 0, i64::MAX / 4, 100);
        assert_eq!(occ.len(), 3, "4, 25 January and 1 February");
    }

    fn c_timing(c: &Checked) -> time::Timing {
        time::Timing {
            tz: time::zone(&c.tz).unwrap(),
            start: time::parse_local(&c.start_local).unwrap(),
            duration: c.ends_at - c.starts_at,
            all_day: c.all_day,
            rrule: c.rrule.clone(),
            exdates: c.exdates.lines().filter_map(time::parse_local).collect(),
        }
    }

    #[test]
    fn bad_events_name_the_property() {
        let p = one("UID:d\r\nSUMMARY:x\r\nDTSTART;TZID=Nowhere/Land:20270104T150000\r\n");
        assert_eq!(
            p.errors,
            [("DTSTART".to_string(), "event-import-tz-unknown".to_string())]
        );
        let p = one("UID:e\r\nSUMMARY:x\r\nDTSTART:2027-01-04\r\n");
        assert_eq!(p.errors[0].1, "event-import-date-invalid");
        let p = one("UID:f\r\nSUMMARY:x\r\nDTSTART:20270104T150000Z\r\nRRULE:FREQ=SECONDLY\r\n");
        assert!(p.errors.is_empty());
        let errs = check_pure(&p.values).unwrap_err();
        assert_eq!(property_of(errs[0].0), "RRULE");
    }
}
