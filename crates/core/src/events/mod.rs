//! Events (C15): dated gatherings shared into one or more communities and
//! read through them with the same rule as publications (a private
//! community's event is private through every channel), optionally placed
//! in a territory and held by an organisation. No HTTP.
//!
//! - this file: the model, typed values and their validation, reads;
//! - `time`: wall times, zones, RRULE/EXDATE expansion within bounds;
//! - `listing`: the agenda's filtered reads, through the policy's SQL;
//! - `image`: the event's image (set with the form or alone, replaced,
//!   removed; stored in `media`, served through the event);
//! - `ops`: create, edit, cancel (an event or one occurrence), calendar
//!   tokens;
//! - `rsvp`: going / maybe / not going, capacity and the waiting list,
//!   participants and their CSV;
//! - `ical`: iCalendar (RFC 5545) feeds;
//! - `ics`, `import`, `subscriptions`: reading iCalendar files and importing
//!   them (a file, or a community's subscription fetched by the job queue);
//! - `mail`: e-mail to participants (the event with its `.ics`,
//!   reminders, change and cancellation notices);
//! - `demo`: seed-demo's events.

pub mod atom;
pub mod demo;
pub mod feed;
pub mod ical;
pub mod ics;
pub mod image;
pub mod import;
pub mod listing;
pub mod mail;
pub mod ops;
pub mod rsvp;
pub mod subscriptions;
pub mod time;

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::User;
use crate::communities::{COMMUNITY_COLUMNS, Community};
use crate::db::Db;
use crate::policy::{self, Action, CommunityFacts, Membership};
use crate::publications::Tag;

pub const TITLE_MAX: usize = 200;
pub const TEXT_MAX: usize = 20000;
pub const FIELD_MAX: usize = 500;
pub const CAPACITY_MAX: i64 = 100_000;
/// Registration questions per event, and the length of one answer.
pub const QUESTIONS_MAX: usize = 5;
pub const ANSWER_MAX: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Scheduled,
    Cancelled,
    Postponed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Scheduled => "scheduled",
            Status::Cancelled => "cancelled",
            Status::Postponed => "postponed",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "scheduled" => Some(Status::Scheduled),
            "cancelled" => Some(Status::Cancelled),
            "postponed" => Some(Status::Postponed),
            _ => None,
        }
    }
}

/// Where it happens.
pub const PLACE_KINDS: &[&str] = &["address", "online", "hybrid"];

#[derive(Debug, Clone)]
pub struct Event {
    pub id: i64,
    pub uid: String,
    pub title: String,
    pub description: String,
    pub description_html: String,
    pub tz: String,
    pub start_local: String,
    pub end_local: String,
    pub all_day: bool,
    pub starts_at: i64,
    pub ends_at: i64,
    pub rrule: String,
    pub exdates: String,
    pub series_ends_at: i64,
    pub place_kind: String,
    pub address: String,
    pub online_url: String,
    pub online_private: bool,
    pub territory_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub organiser_id: Option<i64>,
    pub contact: String,
    pub capacity: Option<i64>,
    pub status: Status,
    pub sequence: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// As the organiser wrote it; empty: free.
    pub price: String,
    /// Registration questions, one per line.
    pub questions: String,
    /// The event's image (migration 0061), if any: the large and small
    /// `media` rows, the organiser's text alternative, the large one's size.
    pub image: Option<EventImage>,
    /// An event of another instance (migration 0080): its ActivityPub id.
    /// Read-only here (`Action::ManageEvent` refuses it).
    pub ap_id: Option<String>,
    /// …and its page where it comes from.
    pub origin_url: Option<String>,
}

/// An event's image as stored: served only through the event
/// (`urls::event_image`, `media::event_image`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventImage {
    pub id: i64,
    pub small_id: i64,
    pub alt: String,
    pub width: i64,
    pub height: i64,
}

pub const COLUMNS: &str = "e.id, e.uid, e.title, e.description, e.description_html, e.tz, \
     e.start_local, e.end_local, e.all_day, e.starts_at, e.ends_at, e.rrule, e.exdates, \
     e.series_ends_at, e.place_kind, e.address, e.online_url, e.online_private, e.territory_id, \
     e.organisation_id, e.organiser_id, e.contact, e.capacity, e.status, e.sequence, \
     e.created_at, e.updated_at, e.price, e.questions, e.image_id, e.image_small_id, e.image_alt, \
     e.image_width, e.image_height, e.ap_id, e.origin_url";

impl Event {
    pub fn from_row(r: &AnyRow) -> Result<Event, sqlx::Error> {
        let st: String = r.try_get("status")?;
        Ok(Event {
            id: r.try_get("id")?,
            uid: r.try_get("uid")?,
            title: r.try_get("title")?,
            description: r.try_get("description")?,
            description_html: r.try_get("description_html")?,
            tz: r.try_get("tz")?,
            start_local: r.try_get("start_local")?,
            end_local: r.try_get("end_local")?,
            all_day: r.try_get::<i64, _>("all_day")? != 0,
            starts_at: r.try_get("starts_at")?,
            ends_at: r.try_get("ends_at")?,
            rrule: r.try_get("rrule")?,
            exdates: r.try_get("exdates")?,
            series_ends_at: r.try_get("series_ends_at")?,
            place_kind: r.try_get("place_kind")?,
            address: r.try_get("address")?,
            online_url: r.try_get("online_url")?,
            online_private: r.try_get::<i64, _>("online_private")? != 0,
            territory_id: r.try_get("territory_id")?,
            organisation_id: r.try_get("organisation_id")?,
            organiser_id: r.try_get("organiser_id")?,
            contact: r.try_get("contact")?,
            capacity: r.try_get("capacity")?,
            status: Status::parse(&st)
                .ok_or_else(|| sqlx::Error::Decode(format!("unknown status {st}").into()))?,
            sequence: r.try_get("sequence")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            price: r.try_get("price")?,
            questions: r.try_get("questions")?,
            image: match (
                r.try_get::<Option<i64>, _>("image_id")?,
                r.try_get::<Option<i64>, _>("image_small_id")?,
            ) {
                (Some(id), Some(small_id)) => Some(EventImage {
                    id,
                    small_id,
                    alt: r.try_get("image_alt")?,
                    width: r.try_get("image_width")?,
                    height: r.try_get("image_height")?,
                }),
                _ => None,
            },
            ap_id: r.try_get("ap_id")?,
            origin_url: r.try_get("origin_url")?,
        })
    }

    /// Of another instance (read-only here).
    pub fn remote(&self) -> bool {
        self.ap_id.is_some()
    }

    /// The host of the instance an event of another instance comes from
    /// (with its port, if any), and the page to read it there.
    pub fn origin(&self) -> Option<(String, String)> {
        let url = self.origin_url.as_ref().or(self.ap_id.as_ref())?;
        Some((crate::federation::instances::host(url), url.clone()))
    }

    pub fn path(&self) -> String {
        crate::urls::event(self.id)
    }

    /// The addresses of the image (large, small), with their versions.
    pub fn image_urls(&self) -> Option<(String, String)> {
        self.image.as_ref().map(|i| {
            (
                crate::urls::event_image(self.id, i.id),
                crate::urls::event_image(self.id, i.small_id),
            )
        })
    }

    pub fn zone(&self) -> Tz {
        time::zone(&self.tz).unwrap_or(chrono_tz::America::Toronto)
    }

    pub fn start(&self) -> NaiveDateTime {
        time::parse_local(&self.start_local).unwrap_or_default()
    }

    pub fn exdate_list(&self) -> Vec<NaiveDateTime> {
        self.exdates.lines().filter_map(time::parse_local).collect()
    }

    pub fn timing(&self) -> time::Timing {
        time::Timing {
            tz: self.zone(),
            start: self.start(),
            duration: (self.ends_at - self.starts_at).max(0),
            all_day: self.all_day,
            rrule: self.rrule.clone(),
            exdates: self.exdate_list(),
        }
    }

    pub fn online(&self) -> bool {
        self.place_kind != "address"
    }

    pub fn free(&self) -> bool {
        self.price.trim().is_empty()
    }

    /// The registration questions, in order.
    pub fn question_list(&self) -> Vec<&str> {
        self.questions
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect()
    }
}

/// An event with the communities it is in, as the policy needs them for
/// one viewer.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub e: Event,
    pub communities: Vec<(Community, Option<Membership>)>,
    facts: Vec<(CommunityFacts, Option<Membership>)>,
}

impl Loaded {
    pub fn via(&self) -> &[(CommunityFacts, Option<Membership>)] {
        &self.facts
    }
    pub fn visible_to(&self, viewer: Option<&User>) -> bool {
        policy::can(
            viewer,
            Action::ViewEvent {
                organiser: self.e.organiser_id,
                via: &self.facts,
            },
        )
    }
    pub fn manageable_by(&self, viewer: Option<&User>) -> bool {
        policy::can(
            viewer,
            Action::ManageEvent {
                organiser: self.e.organiser_id,
                via: &self.facts,
                remote: self.e.remote(),
            },
        )
    }
    /// May `viewer` remove this event of another instance from ours?
    pub fn removable_by(&self, viewer: Option<&User>) -> bool {
        self.e.remote() && policy::can(viewer, Action::RemoveRemoteEvent { via: &self.facts })
    }
    pub fn rsvp_by(&self, viewer: Option<&User>) -> bool {
        self.e.status != Status::Cancelled
            && policy::can(
                viewer,
                Action::RsvpEvent {
                    organiser: self.e.organiser_id,
                    via: &self.facts,
                },
            )
    }
    /// The communities this viewer may find (those to name on the page).
    pub fn shown_communities(&self, viewer: Option<&User>) -> Vec<&Community> {
        self.communities
            .iter()
            .filter(|(c, m)| {
                policy::can(
                    viewer,
                    Action::FindCommunityContent {
                        c: &c.facts(),
                        m: *m,
                    },
                )
            })
            .map(|(c, _)| c)
            .collect()
    }
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Event>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM events e WHERE e.id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(Event::from_row).transpose()
}

/// The event with its communities and the viewer's memberships in them
/// (no policy decision yet: `Loaded::visible_to`).
pub async fn load(db: &Db, viewer: Option<&User>, id: i64) -> Result<Option<Loaded>, sqlx::Error> {
    let Some(e) = by_id(db, id).await? else {
        return Ok(None);
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COMMUNITY_COLUMNS} FROM event_communities ec JOIN communities c ON c.id = ec.community_id \
         WHERE ec.event_id = $1 ORDER BY LOWER(c.name), c.id"
    )))
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let cs: Vec<Community> = rows
        .iter()
        .map(Community::from_row)
        .collect::<Result<_, _>>()?;
    let ids: Vec<i64> = cs.iter().map(|c| c.id).collect();
    let ms = crate::communities::memberships(db, viewer, &ids).await?;
    let communities: Vec<(Community, Option<Membership>)> = cs
        .into_iter()
        .map(|c| {
            let m = ms.get(&c.id).copied();
            (c, m)
        })
        .collect();
    let facts = communities.iter().map(|(c, m)| (c.facts(), *m)).collect();
    Ok(Some(Loaded {
        e,
        communities,
        facts,
    }))
}

/// Several events with their communities and one viewer's memberships in
/// them, in three statements (the notification centre, e-mails and pushes
/// ask the policy of each).
pub async fn load_many(
    db: &Db,
    viewer: &User,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, Loaded>, sqlx::Error> {
    use std::collections::HashMap;
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    crate::publications::tick();
    let events: Vec<Event> = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM events e WHERE e.id IN ({list})"
    )))
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(Event::from_row)
    .collect::<Result<_, _>>()?;
    crate::publications::tick();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT ec.event_id AS ev_id, {COMMUNITY_COLUMNS} FROM event_communities ec \
         JOIN communities c ON c.id = ec.community_id WHERE ec.event_id IN ({list}) \
         ORDER BY LOWER(c.name), c.id"
    )))
    .fetch_all(&db.pool)
    .await?;
    let mut by_event: HashMap<i64, Vec<Community>> = HashMap::new();
    for r in &rows {
        let ev: i64 = r.try_get("ev_id")?;
        by_event
            .entry(ev)
            .or_default()
            .push(Community::from_row(r)?);
    }
    let mut cids: Vec<i64> = by_event.values().flatten().map(|c| c.id).collect();
    cids.sort_unstable();
    cids.dedup();
    crate::publications::tick();
    let ms = crate::communities::memberships(db, Some(viewer), &cids).await?;
    Ok(events
        .into_iter()
        .map(|e| {
            let communities: Vec<(Community, Option<Membership>)> = by_event
                .remove(&e.id)
                .unwrap_or_default()
                .into_iter()
                .map(|c| {
                    let m = ms.get(&c.id).copied();
                    (c, m)
                })
                .collect();
            let facts = communities.iter().map(|(c, m)| (c.facts(), *m)).collect();
            (
                e.id,
                Loaded {
                    e,
                    communities,
                    facts,
                },
            )
        })
        .collect())
}

pub async fn tags_of(db: &Db, event_id: i64) -> Result<Vec<Tag>, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT tag_key, label FROM event_tags WHERE event_id = $1 ORDER BY tag_key",
    )
    .bind(event_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, label)| Tag { name, label })
        .collect())
}

/// The cancelled occurrences of a series (their local starts).
pub async fn cancelled_occurrences(db: &Db, event_id: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT start_local FROM event_occurrences WHERE event_id = $1 AND status = 'cancelled' \
         ORDER BY start_local",
    )
    .bind(event_id)
    .fetch_all(&db.pool)
    .await
}

/// What a person types (form or API). Times are local wall times in `tz`:
/// 'YYYY-MM-DDTHH:MM' (a date alone when all day).
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
#[schema(as = EventValues)]
pub struct Values {
    /// Required (not blank).
    #[schema(required = true, pattern = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$")]
    pub title: String,
    /// Markdown.
    pub description: String,
    /// Community slugs (at creation).
    pub communities: Vec<String>,
    /// Required: 'YYYY-MM-DDTHH:MM', or 'YYYY-MM-DD' when all day.
    #[schema(
        required = true,
        pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])(T([01][0-9]|2[0-3]):[0-5][0-9])?$"
    )]
    pub start: String,
    pub end: String,
    pub all_day: bool,
    /// IANA zone; America/Toronto when empty.
    pub tz: String,
    /// '' (once), 'weekly', 'monthly' (the n-th weekday of the start), or
    /// 'rule' (the `rrule` text as given).
    pub repeat: String,
    pub interval: String,
    /// Last day of the series (a local date), or…
    pub until: String,
    /// …the number of occurrences.
    pub count: String,
    /// An RRULE value, when `repeat` is 'rule'.
    pub rrule: String,
    /// Starts of occurrences left out (one per line, as `start`).
    pub exdates: String,
    /// address | online | hybrid
    pub place_kind: String,
    pub address: String,
    pub online_url: String,
    /// Show the online link to participants only.
    pub online_private: bool,
    /// A territory slug.
    pub territory: String,
    /// An organisation slug (one the organiser belongs to).
    pub organisation: String,
    pub contact: String,
    /// '' for no limit.
    pub capacity: String,
    /// Comma-separated.
    pub tags: String,
    /// The price as shown (« 20 $, gratuit pour les membres »); empty: free.
    pub price: String,
    /// Optional registration questions, one per line (at most 5).
    pub questions: String,
}

impl Values {
    /// The values of an event, to fill its edit form.
    pub fn of(e: &Event, tags: &[Tag], territory: String, organisation: String) -> Values {
        let (repeat, rrule) = if e.rrule.is_empty() {
            (String::new(), String::new())
        } else {
            ("rule".to_string(), e.rrule.clone())
        };
        Values {
            title: e.title.clone(),
            description: e.description.clone(),
            communities: Vec::new(),
            // The form's fields are date-and-time; a day alone reads back.
            start: if e.all_day {
                format!("{}T00:00", e.start_local)
            } else {
                e.start_local.clone()
            },
            end: if e.all_day {
                format!("{}T00:00", e.end_local)
            } else {
                e.end_local.clone()
            },
            all_day: e.all_day,
            tz: e.tz.clone(),
            repeat,
            interval: String::new(),
            until: String::new(),
            count: String::new(),
            rrule,
            exdates: e.exdates.clone(),
            place_kind: e.place_kind.clone(),
            address: e.address.clone(),
            online_url: e.online_url.clone(),
            online_private: e.online_private,
            territory,
            organisation,
            contact: e.contact.clone(),
            capacity: e.capacity.map(|c| c.to_string()).unwrap_or_default(),
            tags: tags
                .iter()
                .map(|t| t.label.clone())
                .collect::<Vec<_>>()
                .join(", "),
            price: e.price.clone(),
            questions: e.questions.clone(),
        }
    }
}

/// Values checked and resolved, ready to store.
#[derive(Debug, Clone)]
pub struct Checked {
    pub title: String,
    pub description: String,
    pub description_html: String,
    pub tz: String,
    pub start_local: String,
    pub end_local: String,
    pub all_day: bool,
    pub starts_at: i64,
    pub ends_at: i64,
    pub rrule: String,
    pub exdates: String,
    pub series_ends_at: i64,
    pub place_kind: String,
    pub address: String,
    pub online_url: String,
    pub online_private: bool,
    pub territory_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub contact: String,
    pub capacity: Option<i64>,
    pub tags: Vec<Tag>,
    pub price: String,
    pub questions: String,
}

type Errs = Vec<(&'static str, &'static str)>;

fn too_long(s: &str, max: usize) -> bool {
    s.chars().count() > max
}

fn web_url(s: &str) -> bool {
    url::Url::parse(s)
        .map(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .unwrap_or(false)
}

/// Check what does not need the database (times, recurrence, place,
/// lengths). `Err` lists (field, message key).
pub fn check_pure(v: &Values) -> Result<Checked, Errs> {
    let mut errs: Errs = Vec::new();
    let title = v.title.trim().to_string();
    if title.is_empty() {
        errs.push(("title", "event-title-required"));
    } else if too_long(&title, TITLE_MAX) {
        errs.push(("title", "event-field-too-long"));
    }
    if too_long(&v.description, TEXT_MAX) {
        errs.push(("description", "event-field-too-long"));
    }
    let tz_name = if v.tz.trim().is_empty() {
        time::DEFAULT_TZ.to_string()
    } else {
        v.tz.trim().to_string()
    };
    let tz = time::zone(&tz_name);
    if tz.is_none() {
        errs.push(("tz", "event-tz-invalid"));
    }
    let tz = tz.unwrap_or(chrono_tz::America::Toronto);
    // All day: only the dates count.
    let day_part = |s: &str| s.trim().get(..10).unwrap_or("").to_string();
    let (start_s, end_s) = if v.all_day {
        (day_part(&v.start), day_part(&v.end))
    } else {
        (v.start.trim().to_string(), v.end.trim().to_string())
    };
    let start = time::parse_local(&start_s);
    if start.is_none() {
        errs.push(("start", "event-start-invalid"));
    }
    let end = if end_s.is_empty() {
        start.map(|s| {
            if v.all_day {
                s
            } else {
                s + chrono::Duration::hours(1)
            }
        })
    } else {
        time::parse_local(&end_s)
    };
    let mut starts_at = 0;
    let mut ends_at = 0;
    match (start, end) {
        (Some(s), Some(e)) => {
            starts_at = time::instant(tz, s);
            ends_at = if v.all_day {
                time::instant(tz, e + chrono::Duration::days(1))
            } else {
                time::instant(tz, e)
            };
            if ends_at < starts_at || (!v.all_day && ends_at == starts_at) {
                errs.push(("end", "event-end-before-start"));
            } else if ends_at - starts_at > time::MAX_DURATION_DAYS * 86400 {
                errs.push(("end", "event-too-long"));
            }
        }
        (Some(_), None) => errs.push(("end", "event-end-invalid")),
        _ => {}
    }
    // Recurrence.
    let mut rrule = String::new();
    let interval = match v.interval.trim() {
        "" => 1,
        s => match s.parse::<u32>() {
            Ok(n) if (1..=time::MAX_INTERVAL).contains(&n) => n,
            _ => {
                errs.push(("interval", "event-rrule-invalid"));
                1
            }
        },
    };
    let until = match v.until.trim() {
        "" => None,
        s => match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errs.push(("until", "event-until-invalid"));
                None
            }
        },
    };
    let count = match v.count.trim() {
        "" => None,
        s => match s.parse::<u32>() {
            Ok(n) if n >= 1 && n <= u32::from(time::MAX_OCCURRENCES) => Some(n),
            _ => {
                errs.push(("count", "event-rrule-count"));
                None
            }
        },
    };
    match (v.repeat.trim(), start) {
        ("", _) => {}
        ("weekly" | "monthly", Some(s)) => {
            let r = if v.repeat.trim() == "weekly" {
                time::Repeat::Weekly
            } else {
                time::Repeat::MonthlyNthWeekday
            };
            if until.is_none() && count.is_none() {
                errs.push(("until", "event-repeat-needs-end"));
            }
            if let Some(u) = until
                && u < s.date()
            {
                errs.push(("until", "event-until-invalid"));
            }
            rrule = time::build_rule(r, interval, s, tz, until, count);
        }
        ("rule", _) => match time::check_rule(&v.rrule) {
            Ok(r) => rrule = r,
            Err(k) => errs.push(("rrule", k)),
        },
        ("weekly" | "monthly", None) => {}
        _ => errs.push(("repeat", "event-rrule-invalid")),
    }
    let mut exdates = Vec::new();
    for line in v
        .exdates
        .split(['\n', ','])
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        match time::parse_local(line) {
            Some(d) => {
                // A date alone names the occurrence of that day.
                let d = match (line.len() == 10, start) {
                    (true, Some(s)) => d.date().and_time(s.time()),
                    _ => d,
                };
                let f = time::format_local(d, v.all_day);
                if !exdates.contains(&f) {
                    exdates.push(f);
                }
            }
            None => {
                errs.push(("exdates", "event-exdate-invalid"));
                break;
            }
        }
    }
    if exdates.len() > time::MAX_EXDATES {
        errs.push(("exdates", "event-exdate-invalid"));
    }
    let mut series_ends_at = ends_at;
    if !rrule.is_empty()
        && let Some(s) = start
    {
        let t = time::Timing {
            tz,
            start: s,
            duration: ends_at - starts_at,
            all_day: v.all_day,
            rrule: rrule.clone(),
            exdates: exdates
                .iter()
                .filter_map(|x| time::parse_local(x))
                .collect(),
        };
        match time::series_end(&t) {
            Some(e) => series_ends_at = e.max(ends_at),
            None => errs.push((
                if v.repeat.trim() == "rule" {
                    "rrule"
                } else {
                    "until"
                },
                "event-rrule-empty",
            )),
        }
    }
    // Place.
    let place_kind = match v.place_kind.trim() {
        "" => "address".to_string(),
        k if PLACE_KINDS.contains(&k) => k.to_string(),
        _ => {
            errs.push(("place_kind", "event-place-invalid"));
            "address".to_string()
        }
    };
    let address = v.address.trim().to_string();
    let online_url = v.online_url.trim().to_string();
    if too_long(&address, FIELD_MAX) {
        errs.push(("address", "event-field-too-long"));
    }
    if place_kind != "address" {
        if online_url.is_empty() {
            errs.push(("online_url", "event-online-url-required"));
        } else if !web_url(&online_url) || too_long(&online_url, FIELD_MAX) {
            errs.push(("online_url", "event-online-url-invalid"));
        }
    } else if !online_url.is_empty() && !web_url(&online_url) {
        errs.push(("online_url", "event-online-url-invalid"));
    }
    let contact = v.contact.trim().to_string();
    if too_long(&contact, FIELD_MAX) {
        errs.push(("contact", "event-field-too-long"));
    }
    let capacity = match v.capacity.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(n) if (1..=CAPACITY_MAX).contains(&n) => Some(n),
            _ => {
                errs.push(("capacity", "event-capacity-invalid"));
                None
            }
        },
    };
    let price = v.price.trim().to_string();
    if too_long(&price, FIELD_MAX) {
        errs.push(("price", "event-field-too-long"));
    }
    let questions: Vec<String> = v
        .questions
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    if questions.len() > QUESTIONS_MAX || questions.iter().any(|q| too_long(q, TITLE_MAX)) {
        errs.push(("questions", "event-questions-invalid"));
    }
    let tags = match crate::publications::parse_tags(&v.tags) {
        Ok(t) => t,
        Err(k) => {
            errs.push(("tags", k));
            Vec::new()
        }
    };
    if !errs.is_empty() {
        return Err(errs);
    }
    let (start, end) = (start.unwrap_or_default(), end.unwrap_or_default());
    Ok(Checked {
        description_html: crate::markdown::render(&v.description).html,
        title,
        description: v.description.clone(),
        tz: tz_name,
        start_local: time::format_local(start, v.all_day),
        end_local: time::format_local(end, v.all_day),
        all_day: v.all_day,
        starts_at,
        ends_at,
        rrule,
        exdates: exdates.join("\n"),
        series_ends_at,
        place_kind,
        address,
        online_url,
        online_private: v.online_private,
        territory_id: None,
        organisation_id: None,
        contact,
        capacity,
        tags,
        price,
        questions: questions.join("\n"),
    })
}
