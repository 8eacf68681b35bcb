//! Event pages: the agenda (`/events`: upcoming occurrences, then past
//! events; filters community, territory, tag, online), the month grid
//! (`/events/month`), one event (`/e/{id}`, with schema.org `Event`
//! JSON-LD), registration, the organiser's actions (status, one
//! occurrence, participants and their CSV), the forms (`form.rs`) and the
//! calendar feeds and "my events" (`feeds.rs`). Handlers parse, call
//! `crate::events::ops` / `rsvp`, render. Everything works without
//! JavaScript.

mod feeds;
mod form;
mod image;
mod import;
mod participants;
mod remote;

mod lists;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Datelike;
use serde::Deserialize;

use super::AppState;
use super::ctx::Ctx;
use super::templates::{Shell, page};
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::events::listing::{self, Dated, Filter};
use crate::events::rsvp::{self, Answer};
use crate::events::{self, Event, Status, ops, time};
use crate::i18n::{Lang, month_name};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/events", get(agenda))
        .route("/events/month", get(month))
        .route("/events/week", get(week))
        .route("/events/new", get(form::new_form).post(form::new_submit))
        .route("/e/{id}", get(show))
        .route("/e/{id}/image", get(image::serve))
        .route("/e/{id}/edit", get(form::edit_form).post(form::edit_submit))
        .route("/e/{id}/rsvp", post(rsvp_submit))
        .route("/e/{id}/status", post(status_submit))
        .route("/e/{id}/remove", post(remote::remove_submit))
        .route("/e/{id}/occurrence", post(occurrence_submit))
        .route("/e/{id}/participants", get(participants::page_of))
        .route("/e/{id}/participants.csv", get(participants::csv_of))
        .merge(feeds::router())
        .merge(import::router())
}

const DAYS_FR: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const DAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// "jeudi 10 décembre 2026" / "Thursday, December 10, 2026".
fn day_label(lang: Lang, d: chrono::NaiveDate) -> String {
    let wd = d.weekday().num_days_from_monday() as usize;
    match lang {
        Lang::En => format!(
            "{}, {} {}, {}",
            DAYS_EN[wd],
            month_name(lang, d.month()),
            d.day(),
            d.year()
        ),
        _ => format!(
            "{} {} {} {}",
            DAYS_FR[wd],
            d.day(),
            month_name(lang, d.month()),
            d.year()
        ),
    }
}

fn hm_label(lang: Lang, d: chrono::NaiveDateTime) -> String {
    let (h, m) = time::hm(d);
    match lang {
        Lang::En => format!("{h:02}:{m:02}"),
        _ => format!("{h} h {m:02}"),
    }
}

/// When an occurrence happens, in the event's own zone.
pub(super) fn when_label(lang: Lang, e: &Event, start: i64, end: i64) -> String {
    let tz = e.zone();
    let s = time::local_of(tz, start);
    let en = time::local_of(tz, end);
    let zone = if e.tz == time::DEFAULT_TZ {
        String::new()
    } else {
        format!(" ({})", e.tz)
    };
    if e.all_day {
        let last = time::local_of(tz, end - 1).date();
        if last == s.date() {
            day_label(lang, s.date())
        } else {
            format!("{} – {}", day_label(lang, s.date()), day_label(lang, last))
        }
    } else if s.date() == en.date() {
        format!(
            "{}, {} – {}{zone}",
            day_label(lang, s.date()),
            hm_label(lang, s),
            hm_label(lang, en)
        )
    } else {
        format!(
            "{}, {} – {}, {}{zone}",
            day_label(lang, s.date()),
            hm_label(lang, s),
            day_label(lang, en.date()),
            hm_label(lang, en)
        )
    }
}

fn status_label(lang: Lang, s: Status) -> Option<String> {
    match s {
        Status::Scheduled => None,
        Status::Cancelled => Some(lang.t("event-status-cancelled")),
        Status::Postponed => Some(lang.t("event-status-postponed")),
    }
}

// ---- agenda -----------------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct AgendaQuery {
    community: String,
    territory: String,
    tag: String,
    online: String,
    /// An organisation's slug.
    organisation: String,
    /// 'free' or 'paid'.
    price: String,
    /// Month grid: 'YYYY-MM'.
    m: String,
    /// Week view: any day of the week, 'YYYY-MM-DD'.
    w: String,
}

impl AgendaQuery {
    async fn filter(&self, state: &AppState) -> AppResult<Option<Filter>> {
        let mut f = Filter::default();
        if !self.community.trim().is_empty() {
            match crate::communities::by_slug(&state.db, self.community.trim()).await? {
                Some(c) => f.community_id = Some(c.id),
                None => return Ok(None),
            }
        }
        if !self.territory.trim().is_empty() {
            match crate::organisations::places::by_slug(&state.db, self.territory.trim()).await? {
                Some(t) => f.territory_id = Some(t.id),
                None => return Ok(None),
            }
        }
        if !self.organisation.trim().is_empty() {
            match crate::events::listing::organisation_id(&state.db, self.organisation.trim())
                .await?
            {
                Some(o) => f.organisation_id = Some(o),
                None => return Ok(None),
            }
        }
        f.tag = crate::publications::fold_tag_key(self.tag.trim());
        f.online = match self.online.as_str() {
            "1" | "online" => Some(true),
            "0" | "inperson" => Some(false),
            _ => None,
        };
        f.free = match self.price.as_str() {
            "free" => Some(true),
            "paid" => Some(false),
            _ => None,
        };
        Ok(Some(f))
    }
    fn qs(&self) -> String {
        let mut p: Vec<(&str, String)> = Vec::new();
        for (k, v) in [
            ("community", &self.community),
            ("territory", &self.territory),
            ("tag", &self.tag),
            ("online", &self.online),
            ("organisation", &self.organisation),
            ("price", &self.price),
        ] {
            if !v.trim().is_empty() {
                p.push((k, v.trim().to_string()));
            }
        }
        serde_urlencoded::to_string(&p).unwrap_or_default()
    }
}

pub(crate) struct Row {
    pub path: String,
    pub title: String,
    pub when: String,
    pub place: String,
    pub cancelled: bool,
    pub status: Option<String>,
    /// The small image (decorative beside the title: `alt=""`).
    pub image: Option<String>,
    /// "Événement de <host>": an event of another instance.
    pub origin: Option<String>,
}

/// "Événement de <host>" and the page there, for an event of another
/// instance.
pub(crate) fn origin_of(lang: Lang, e: &Event) -> Option<(String, String)> {
    e.origin().map(|(host, url)| {
        (
            lang.ta("event-origin", &[("host", crate::i18n::Arg::Str(host))]),
            url,
        )
    })
}

fn place_of(lang: Lang, e: &Event) -> String {
    match e.place_kind.as_str() {
        "online" => lang.t("event-place-online"),
        "hybrid" => format!("{} · {}", e.address, lang.t("event-place-online")),
        _ => e.address.clone(),
    }
}

fn row_of(lang: Lang, d: &Dated) -> Row {
    Row {
        path: d.event.path(),
        title: d.event.title.clone(),
        when: when_label(lang, &d.event, d.occ.start, d.occ.end),
        place: place_of(lang, &d.event),
        cancelled: d.cancelled,
        status: status_label(lang, d.event.status),
        image: d.event.image_urls().map(|(_, small)| small),
        origin: origin_of(lang, &d.event).map(|(label, _)| label),
    }
}

pub(super) fn rows_of(lang: Lang, list: &[Dated]) -> Vec<Row> {
    list.iter().map(|d| row_of(lang, d)).collect()
}

/// The rows of `list` (in time order) by local day in `tz`, for `n` days
/// from `first`: one pass, whatever the number of days and dates.
fn by_day(
    lang: Lang,
    tz: chrono_tz::Tz,
    list: &[Dated],
    first: chrono::NaiveDate,
    n: i64,
) -> Vec<Vec<Row>> {
    let mut out: Vec<Vec<Row>> = (0..n).map(|_| Vec::new()).collect();
    for d in list {
        let i = (time::local_of(tz, d.occ.start).date() - first).num_days();
        if let Some(cell) = usize::try_from(i).ok().and_then(|i| out.get_mut(i)) {
            cell.push(row_of(lang, d));
        }
    }
    out
}

#[derive(Template)]
#[template(path = "events/agenda.html")]
struct AgendaPage {
    s: Shell,
    /// The upcoming and past lists (`AgendaLists`), from the page cache.
    lists: String,
    q_community: String,
    q_territory: String,
    q_tag: String,
    q_online: String,
    q_organisation: String,
    q_price: String,
    feed_path: String,
    atom_path: String,
    webcal: String,
    month_link: String,
    week_link: String,
    signed_in: bool,
    /// The import page of the filtered community, for one who may import there.
    import_link: Option<String>,
}

/// Upcoming: the next year's occurrences (at most 200); past: the last 30.
async fn agenda(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AgendaQuery>,
) -> AppResult<Response> {
    let viewer = ctx.user.as_ref();
    // The lists are the same for every viewer of one audience: kept in the
    // page cache under the content version, at most a minute old since
    // "upcoming" moves with the clock (`web::cached`).
    let key = format!(
        "agenda|{}|{}|{}|{}",
        q.qs(),
        q.online,
        q.price,
        ctx.lang.code()
    );
    let lists = super::cached::cached(&state, viewer, key, || {
        lists::agenda_lists(&state, &ctx, &q)
    })
    .await?;
    let qs = q.qs();
    // A community alone: its own feed's address (the one its page gives).
    let community_only = !q.community.trim().is_empty()
        && q.community
            .trim()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && [&q.territory, &q.tag, &q.online, &q.organisation, &q.price]
            .iter()
            .all(|v| v.trim().is_empty());
    let feed_path = if qs.is_empty() {
        "/events.ics".to_string()
    } else if community_only {
        format!("/c/{}/events.ics", q.community.trim())
    } else {
        format!("/events.ics?{qs}")
    };
    let atom_path = if qs.is_empty() {
        "/events.atom".to_string()
    } else {
        format!("/events.atom?{qs}")
    };
    let slug = q.community.trim();
    let import_link = match viewer {
        Some(u)
            if !slug.is_empty()
                && crate::events::import::may_import(&state, &Actor::person(u), slug, false)
                    .await =>
        {
            Some(format!("/c/{slug}/events/import"))
        }
        _ => None,
    };
    let title = ctx.t("event-agenda-title");
    let p = AgendaPage {
        s: Shell::new(&state, &ctx, &title, "events").crumb(title.clone(), "/events"),
        lists: lists.body.clone(),
        q_community: q.community.clone(),
        q_territory: q.territory.clone(),
        q_tag: q.tag.clone(),
        q_online: q.online.clone(),
        q_organisation: q.organisation.clone(),
        q_price: q.price.clone(),
        webcal: crate::urls::webcal(&state.config.public_url(), &feed_path),
        atom_path,
        feed_path,
        month_link: if qs.is_empty() {
            "/events/month".to_string()
        } else {
            format!("/events/month?{qs}")
        },
        week_link: if qs.is_empty() {
            "/events/week".to_string()
        } else {
            format!("/events/week?{qs}")
        },
        signed_in: viewer.is_some(),
        import_link,
    };
    Ok(page(&ctx, &p))
}

/// The next `n` occurrences a viewer may see under `f`, for the blocks of
/// other pages (a community's page, the home page): two statements.
pub(crate) async fn upcoming(
    state: &AppState,
    viewer: Option<&crate::accounts::User>,
    lang: Lang,
    f: &Filter,
    n: usize,
) -> AppResult<Vec<Row>> {
    let now = crate::db::now();
    let to = now + 366 * 86400;
    let evs = listing::between(&state.db, viewer, f, now, to, 4 * n as i64).await?;
    let occ = listing::occurrences(&state.db, evs, now, to, n).await?;
    Ok(rows_of(lang, &occ))
}

// ---- month grid -------------------------------------------------------------------------------

pub(super) struct Cell {
    pub day: u32,
    pub in_month: bool,
    pub items: Vec<Row>,
}

#[derive(Template)]
#[template(path = "events/month.html")]
struct MonthPage {
    s: Shell,
    heading: String,
    /// The grid's rows (`lists::month_rows`), from the page cache.
    rows: String,
    day_names: Vec<&'static str>,
    prev: String,
    next: String,
    agenda: String,
}

async fn month(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AgendaQuery>,
) -> AppResult<Response> {
    let viewer = ctx.user.as_ref();
    let tz = chrono_tz::America::Toronto;
    let today = time::local_of(tz, crate::db::now()).date();
    let first = chrono::NaiveDate::parse_from_str(&format!("{}-01", q.m.trim()), "%Y-%m-%d")
        .ok()
        .filter(|d| (1970..=2200).contains(&d.year()))
        .unwrap_or_else(|| today.with_day(1).unwrap_or(today));
    let next_first = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    let prev_first = first
        .checked_sub_months(chrono::Months::new(1))
        .unwrap_or(first);
    // The grid: Monday before the 1st to Sunday after the last day.
    let grid_start = first - chrono::Duration::days(first.weekday().num_days_from_monday() as i64);
    let last = next_first - chrono::Duration::days(1);
    let grid_end = last + chrono::Duration::days(6 - last.weekday().num_days_from_monday() as i64);
    // The grid's rows are the same for every viewer of one audience: kept
    // in the page cache like the agenda's lists (`lists::month_rows`).
    let key = format!(
        "month|{}|{}|{}|{}|{}",
        first.format("%Y-%m"),
        q.qs(),
        q.online,
        q.price,
        ctx.lang.code()
    );
    let rows = super::cached::cached(&state, viewer, key, || {
        lists::month_rows(&state, &ctx, &q, first, grid_start, grid_end)
    })
    .await?;
    let qs = q.qs();
    let link = |m: chrono::NaiveDate| {
        let mut s = format!("/events/month?m={}", m.format("%Y-%m"));
        if !qs.is_empty() {
            s.push('&');
            s.push_str(&qs);
        }
        s
    };
    let heading = format!("{} {}", month_name(ctx.lang, first.month()), first.year());
    let title = ctx.t("event-month-title");
    let p = MonthPage {
        s: Shell::new(&state, &ctx, &format!("{title} · {heading}"), "events")
            .crumb(ctx.t("event-agenda-title"), "/events")
            .crumb(heading.clone(), link(first)),
        heading,
        rows: rows.body.clone(),
        day_names: match ctx.lang {
            Lang::En => vec!["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            _ => vec!["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."],
        },
        prev: link(prev_first),
        next: link(next_first),
        agenda: if qs.is_empty() {
            "/events".to_string()
        } else {
            format!("/events?{qs}")
        },
    };
    Ok(page(&ctx, &p))
}

// ---- week view --------------------------------------------------------------------------------

pub(super) struct Day {
    pub label: String,
    pub today: bool,
    pub items: Vec<Row>,
}

#[derive(Template)]
#[template(path = "events/week.html")]
struct WeekPage {
    s: Shell,
    heading: String,
    days: Vec<Day>,
    prev: String,
    next: String,
    agenda: String,
    month: String,
}

/// Seven days from Monday, each with its occurrences in order (times in
/// the event's zone, days in Québec's), like the month grid.
async fn week(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AgendaQuery>,
) -> AppResult<Response> {
    let viewer = ctx.user.as_ref();
    let tz = chrono_tz::America::Toronto;
    let today = time::local_of(tz, crate::db::now()).date();
    let day = chrono::NaiveDate::parse_from_str(q.w.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (1970..=2200).contains(&d.year()))
        .unwrap_or(today);
    let monday = day - chrono::Duration::days(day.weekday().num_days_from_monday() as i64);
    let from = time::day_start(tz, monday);
    let to = time::day_start(tz, monday + chrono::Duration::days(7));
    let dated = match q.filter(&state).await? {
        Some(f) => {
            let evs = listing::between(&state.db, viewer, &f, from, to, 500).await?;
            listing::occurrences(&state.db, evs, from, to, 500).await?
        }
        None => Vec::new(),
    };
    let days = by_day(ctx.lang, tz, &dated, monday, 7)
        .into_iter()
        .enumerate()
        .map(|(i, items)| {
            let d = monday + chrono::Duration::days(i as i64);
            Day {
                label: day_label(ctx.lang, d),
                today: d == today,
                items,
            }
        })
        .collect();
    let qs = q.qs();
    let with_qs = |mut s: String| {
        if !qs.is_empty() {
            s.push('&');
            s.push_str(&qs);
        }
        s
    };
    let link = |d: chrono::NaiveDate| with_qs(format!("/events/week?w={}", d.format("%Y-%m-%d")));
    let heading = ctx.lang.ta(
        "event-week-heading",
        &[("day", crate::i18n::Arg::Str(day_label(ctx.lang, monday)))],
    );
    let title = ctx.t("event-week-title");
    let p = WeekPage {
        s: Shell::new(&state, &ctx, &title, "events")
            .crumb(ctx.t("event-agenda-title"), "/events")
            .crumb(heading.clone(), link(monday)),
        heading,
        days,
        prev: link(monday - chrono::Duration::days(7)),
        next: link(monday + chrono::Duration::days(7)),
        agenda: if qs.is_empty() {
            "/events".to_string()
        } else {
            format!("/events?{qs}")
        },
        month: with_qs(format!("/events/month?m={}", monday.format("%Y-%m"))),
    };
    Ok(page(&ctx, &p))
}

// ---- one event --------------------------------------------------------------------------------

pub(super) struct OccRow {
    pub key: String,
    pub when: String,
    pub cancelled: bool,
}

#[derive(Template)]
#[template(path = "events/show.html")]
struct ShowPage {
    s: Shell,
    e: Event,
    when: String,
    status: Option<String>,
    communities: Vec<(String, String)>,
    tags: Vec<(String, String)>,
    territory: Option<(String, String)>,
    organisation: Option<(String, String)>,
    organiser: Option<(String, String)>,
    online_url: Option<String>,
    online_hidden: bool,
    repeats: bool,
    occurrences: Vec<OccRow>,
    counts: rsvp::Counts,
    mine: Option<rsvp::Mine>,
    can_rsvp: bool,
    can_manage: bool,
    /// May take this event of another instance off ours (moderators).
    can_remove: bool,
    /// An event of another instance: "Événement de <host>" and its page there.
    origin: Option<(String, String)>,
    signed_in: bool,
    json_ld: String,
    ics: String,
    /// Registration questions: (index, question, the viewer's answer).
    questions: Vec<(usize, String, String)>,
    image: Option<image::Shown>,
}

async fn load_seen(state: &AppState, ctx: &Ctx, id: &str) -> AppResult<events::Loaded> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let actor = match &ctx.user {
        Some(u) => Actor::person(u),
        None => return load_anonymous(state, id).await,
    };
    ops::load_for(state, &actor, id).await
}

async fn load_anonymous(state: &AppState, id: i64) -> AppResult<events::Loaded> {
    let l = events::load(&state.db, None, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !l.visible_to(None) {
        return Err(AppError::NotFound);
    }
    Ok(l)
}

/// JSON inside `<script type="application/ld+json">`: `<` escaped so
/// nothing typed can close the element.
fn ld_json(v: &serde_json::Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let viewer = ctx.user.as_ref();
    let l = load_seen(&state, &ctx, &id).await?;
    let e = &l.e;
    let tags = events::tags_of(&state.db, e.id).await?;
    let can_manage = l.manageable_by(viewer);
    let mine = match viewer {
        Some(u) => rsvp::mine(&state.db, e.id, u.id).await?,
        None => None,
    };
    let my_answers = match (viewer, e.question_list().is_empty()) {
        (Some(u), false) => rsvp::answers_of(&state.db, e.id, u.id).await?,
        _ => Vec::new(),
    };
    let holds = mine
        .as_ref()
        .is_some_and(|m| m.answer == Answer::Going && !m.waitlisted);
    let show_online = e.online() && (!e.online_private || holds || can_manage);
    let territory = match e.territory_id {
        Some(t) => crate::organisations::places::by_id(&state.db, t)
            .await?
            .map(|p| (crate::urls::territory(&p.slug), p.name)),
        None => None,
    };
    let organisation = match e.organisation_id {
        Some(o) => match crate::organisations::by_id(&state.db, o).await? {
            Some(o) => {
                let role = match viewer {
                    Some(u) => crate::organisations::role_of(&state.db, o.id, u.id).await?,
                    None => None,
                };
                crate::policy::can(
                    viewer,
                    crate::policy::Action::ViewOrganisation {
                        o: &o.facts(),
                        m: role,
                    },
                )
                .then(|| (o.path(), o.name))
            }
            None => None,
        },
        None => None,
    };
    let organiser = match e.organiser_id {
        Some(u) => crate::accounts::by_id(&state.db, u)
            .await?
            .filter(|u| {
                crate::policy::can(viewer, crate::policy::Action::ViewProfile { target: u })
            })
            .map(|u| (u.path(), u.shown_name().to_string())),
        None => None,
    };
    let now = crate::db::now();
    let mut occurrences = Vec::new();
    let (first_start, first_end) = if e.rrule.is_empty() {
        (e.starts_at, e.ends_at)
    } else {
        let cancelled = events::cancelled_occurrences(&state.db, e.id).await?;
        let (occ, _) = time::expand(
            &e.timing(),
            now.min(e.starts_at).max(now - 86400),
            i64::MAX / 4,
            60,
        );
        for o in &occ {
            let key = time::format_local(o.start_local, e.all_day);
            occurrences.push(OccRow {
                when: when_label(lang, e, o.start, o.end),
                cancelled: cancelled.contains(&key),
                key,
            });
        }
        occ.first()
            .map(|o| (o.start, o.end))
            .unwrap_or((e.starts_at, e.ends_at))
    };
    let public_url = state.config.public_url();
    let shown = l.shown_communities(viewer);
    let mut ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "name": e.title,
        "url": crate::urls::absolute(&public_url, &e.path()),
        "startDate": chrono::DateTime::from_timestamp(first_start, 0).map(|d| d.with_timezone(&e.zone()).to_rfc3339()),
        "endDate": chrono::DateTime::from_timestamp(first_end, 0).map(|d| d.with_timezone(&e.zone()).to_rfc3339()),
        "eventStatus": match e.status {
            Status::Scheduled => "https://schema.org/EventScheduled",
            Status::Cancelled => "https://schema.org/EventCancelled",
            Status::Postponed => "https://schema.org/EventPostponed",
        },
        "eventAttendanceMode": match e.place_kind.as_str() {
            "online" => "https://schema.org/OnlineEventAttendanceMode",
            "hybrid" => "https://schema.org/MixedEventAttendanceMode",
            _ => "https://schema.org/OfflineEventAttendanceMode",
        },
        "description": crate::markdown::excerpt(&e.description, 500),
    });
    let mut locations = Vec::new();
    if e.place_kind != "online" && !e.address.is_empty() {
        locations
            .push(serde_json::json!({"@type": "Place", "name": e.address, "address": e.address}));
    }
    if e.online() {
        let mut v = serde_json::json!({"@type": "VirtualLocation"});
        if show_online && !e.online_private {
            v["url"] = serde_json::Value::String(e.online_url.clone());
        }
        locations.push(v);
    }
    if !locations.is_empty() {
        ld["location"] = serde_json::Value::Array(locations);
    }
    if let Some((large, _)) = e.image_urls() {
        ld["image"] = serde_json::json!([crate::urls::absolute(&public_url, &large)]);
    }
    if let Some(c) = e.capacity {
        ld["maximumAttendeeCapacity"] = serde_json::json!(c);
    }
    if let Some((_, name)) = &organisation {
        ld["organizer"] = serde_json::json!({"@type": "Organization", "name": name});
    }
    let counts = rsvp::counts(&state.db, e.id).await?;
    let p = ShowPage {
        s: Shell::new(&state, &ctx, &e.title, "events")
            .crumb(ctx.t("event-agenda-title"), "/events")
            .crumb(e.title.clone(), e.path()),
        when: when_label(lang, e, first_start, first_end),
        status: status_label(lang, e.status),
        communities: shown.iter().map(|c| (c.path(), c.name.clone())).collect(),
        tags: tags
            .iter()
            .map(|t| {
                (
                    format!("/events?tag={}", crate::urls::encode_path(&t.name)),
                    t.label.clone(),
                )
            })
            .collect(),
        territory,
        organisation,
        organiser,
        online_url: show_online.then(|| e.online_url.clone()),
        online_hidden: e.online() && !show_online,
        repeats: !e.rrule.is_empty(),
        occurrences,
        counts,
        mine,
        can_rsvp: l.rsvp_by(viewer),
        can_manage,
        can_remove: l.removable_by(viewer),
        origin: origin_of(lang, e),
        signed_in: viewer.is_some(),
        json_ld: ld_json(&ld),
        ics: format!("{}/event.ics", e.path()),
        questions: e
            .question_list()
            .into_iter()
            .enumerate()
            .map(|(i, q)| {
                let a = my_answers.get(i).cloned().unwrap_or_default();
                (i, q.to_string(), a)
            })
            .collect(),
        image: image::shown(lang, e),
        e: l.e.clone(),
    };
    Ok(page(&ctx, &p))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RsvpBody {
    csrf: String,
    answer: String,
    /// Answers to the registration questions (at most `QUESTIONS_MAX`).
    q0: String,
    q1: String,
    q2: String,
    q3: String,
    q4: String,
}

async fn rsvp_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<RsvpBody>,
) -> AppResult<Response> {
    let Some(u) = ctx.user.clone() else {
        return Ok(ctx.redirect(&format!(
            "/login?next=%2Fe%2F{}",
            crate::urls::encode_path(&id)
        )));
    };
    ctx.verify_csrf(&f.csrf)?;
    let answer = Answer::parse(&f.answer).ok_or(AppError::BadRequest {
        code: "bad_answer",
        message_key: "error-400-text",
    })?;
    let actor = Actor::person(&u);
    let l = load_seen(&state, &ctx, &id).await?;
    let answers = [f.q0, f.q1, f.q2, f.q3, f.q4];
    let a = match rsvp::answer_with(&state, &actor, &l, answer, &answers).await {
        Ok(a) => a,
        Err(AppError::Invalid { .. }) => {
            ctx.flash("flash-event-answers-invalid");
            return Ok(ctx.redirect(&l.e.path()));
        }
        Err(e) => return Err(e),
    };
    ctx.flash(match (a.mine.answer, a.mine.waitlisted) {
        (Answer::Going, true) => "flash-event-waitlisted",
        (Answer::Going, false) => "flash-event-going",
        _ => "flash-event-answered",
    });
    Ok(ctx.redirect(&l.e.path()))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct StatusBody {
    csrf: String,
    status: String,
}

async fn status_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<StatusBody>,
) -> AppResult<Response> {
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    ctx.verify_csrf(&f.csrf)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let status = Status::parse(&f.status).ok_or(AppError::BadRequest {
        code: "bad_status",
        message_key: "error-400-text",
    })?;
    let e = ops::set_status(&state, &Actor::person(&u), id, status).await?;
    ctx.flash("flash-event-saved");
    Ok(ctx.redirect(&e.path()))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct OccurrenceBody {
    csrf: String,
    start: String,
    action: String,
}

async fn occurrence_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<OccurrenceBody>,
) -> AppResult<Response> {
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    ctx.verify_csrf(&f.csrf)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let e = ops::set_occurrence(
        &state,
        &Actor::person(&u),
        id,
        &f.start,
        f.action != "restore",
    )
    .await
    .map_err(|e| match e {
        AppError::Invalid { .. } => AppError::BadRequest {
            code: "unknown_occurrence",
            message_key: "event-occurrence-unknown",
        },
        e => e,
    })?;
    ctx.flash("flash-event-saved");
    Ok(ctx.redirect(&e.path()))
}

// ---- territory pages ----------------------------------------------------------------------

/// The "Événements" section of a territory page: the next occurrences of
/// events placed in it or below, as this viewer may see them (one
/// statement, two when a series is listed).
pub async fn territory_section(
    state: &AppState,
    viewer: Option<&crate::accounts::User>,
    t: &crate::territories::Territory,
    lang: Lang,
) -> AppResult<Option<super::territories::Extra>> {
    let now = crate::db::now();
    let f = Filter {
        territory_id: Some(t.id),
        ..Filter::default()
    };
    let list = listing::between(&state.db, viewer, &f, now, now + 366 * 86400, 11).await?;
    if list.is_empty() {
        return Ok(None);
    }
    let more = list.len() > 10;
    let dated = listing::occurrences(&state.db, list, now, now + 366 * 86400, 10).await?;
    let slug = crate::urls::encode_path(&t.slug);
    Ok(Some(super::territories::Extra {
        id: "events",
        heading: lang.t("nav-events"),
        more: more.then(|| (format!("/events?territory={slug}"), lang.t("nav-events"))),
        items: rows_of(lang, &dated)
            .into_iter()
            .map(|r| super::territories::ExtraItem {
                label: r.title,
                href: r.path,
                detail: r.when,
            })
            .collect(),
    }))
}
