//! E-mail to participants: the event with its `.ics` attached when a
//! person gets a place (registering, or promoted from the waiting list), a
//! reminder before each occurrence (`REMINDER_SETTING` hours before, 24 by
//! default, 0 for none), and a notice when the event changes or is
//! cancelled. Each message is a job (`Job::EventMail`) built when it is
//! sent: the person must then still see the event (asked of the policy)
//! and hold a place, so a message queued before someone left, or before a
//! community became private to them, is not sent.

use super::{Status, ical, rsvp, time};
use crate::accounts::User;
use crate::db::Db;
use crate::i18n::Lang;
use crate::jobs::Job;
use crate::mail::{MailAttachment, OutgoingMail};
use crate::state::AppState;

/// Instance setting: hours before an occurrence its reminder is sent.
pub const REMINDER_SETTING: &str = "events.reminder_hours";
pub const DEFAULT_REMINDER_HOURS: i64 = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Registered,
    Changed,
    Cancelled,
    Reminder,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Registered => "registered",
            Kind::Changed => "changed",
            Kind::Cancelled => "cancelled",
            Kind::Reminder => "reminder",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        [
            Kind::Registered,
            Kind::Changed,
            Kind::Cancelled,
            Kind::Reminder,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

fn job(state: &AppState, event_id: i64, user_id: i64, kind: Kind) -> Job {
    Job::EventMail {
        event_id,
        user_id,
        what: kind.as_str().to_string(),
        base_url: state.config.public_url(),
        instance: state.instance_name(),
    }
}

/// Queue one message per person (`key` tells the version it is about, so
/// a message already waiting for the same change is not queued twice).
pub async fn queue(
    state: &AppState,
    event_id: i64,
    users: &[i64],
    kind: Kind,
    key: &str,
) -> Result<(), sqlx::Error> {
    for u in users {
        let dedupe = format!("event-mail:{}:{event_id}:{u}:{key}", kind.as_str());
        state
            .jobs
            .push(&state.db, &job(state, event_id, *u, kind), Some(&dedupe))
            .await?;
    }
    Ok(())
}

/// The people holding a place.
pub async fn holders(db: &Db, event_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT user_id FROM event_rsvps WHERE event_id = $1 AND answer = 'going' AND waitlisted = 0 \
         ORDER BY user_id",
    )
    .bind(event_id)
    .fetch_all(&db.pool)
    .await
}

/// Tell the participants an event changed (or was cancelled), after the
/// change committed. Failures are logged: the change itself stands.
pub async fn notify_change(state: &AppState, event_id: i64) {
    let r = async {
        let Some(e) = super::by_id(&state.db, event_id).await? else {
            return Ok(());
        };
        let kind = if e.status == Status::Cancelled {
            Kind::Cancelled
        } else {
            Kind::Changed
        };
        let users = holders(&state.db, event_id).await?;
        queue(state, event_id, &users, kind, &e.sequence.to_string()).await
    }
    .await;
    if let Err(e) = r {
        tracing::warn!(error = %e, event_id, "event change notices not queued");
    }
}

/// Queue the reminders due at `at`: occurrences starting within the
/// reminder delay (and at most two hours before it, so a late registration
/// does not get a reminder a day early), once per person and occurrence
/// (`event_reminders`).
pub async fn queue_reminders(state: &AppState, at: i64) -> Result<usize, sqlx::Error> {
    let hours = crate::settings::get_raw(&state.db, REMINDER_SETTING)
        .await?
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(DEFAULT_REMINDER_HOURS);
    if hours <= 0 {
        return Ok(0);
    }
    let to = at + hours.min(24 * 14) * 3600;
    let from = (to - 2 * 3600).max(at);
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT e.id FROM events e JOIN event_rsvps r ON r.event_id = e.id \
         WHERE e.status <> 'cancelled' AND e.series_ends_at > $1 AND e.starts_at < $2 \
         AND r.answer = 'going' AND r.waitlisted = 0 ORDER BY e.id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&state.db.pool)
    .await?;
    let mut n = 0;
    for id in ids {
        let Some(e) = super::by_id(&state.db, id).await? else {
            continue;
        };
        let cancelled = super::cancelled_occurrences(&state.db, id).await?;
        let (occ, _) = time::expand(&e.timing(), from, to, 50);
        for o in occ.iter().filter(|o| o.start >= from && o.start < to) {
            let key = time::format_local(o.start_local, e.all_day);
            if cancelled.contains(&key) {
                continue;
            }
            for u in holders(&state.db, id).await? {
                let fresh = sqlx::query(
                    "INSERT INTO event_reminders (event_id, user_id, start_local, sent_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (event_id, user_id, start_local) DO NOTHING",
                )
                .bind(id)
                .bind(u)
                .bind(&key)
                .bind(at)
                .execute(&state.db.pool)
                .await?
                .rows_affected();
                if fresh == 1 {
                    queue(state, id, &[u], Kind::Reminder, &key).await?;
                    n += 1;
                }
            }
        }
    }
    Ok(n)
}

/// When it happens, in words (start, its zone when not the default, "repeats").
pub fn when(lang: Lang, e: &super::Event) -> String {
    let zone = if e.tz == time::DEFAULT_TZ {
        String::new()
    } else {
        format!(" ({})", e.tz)
    };
    let start = e.start_local.replace('T', " ");
    let mut s = format!("{start}{zone}");
    if !e.rrule.is_empty() {
        s.push_str(" — ");
        s.push_str(&lang.t("event-repeats"));
    }
    s
}

/// Build the message for one person now, or `None` when it must not be
/// sent (the person no longer sees the event or holds no place, has no
/// address, or the event is cancelled for a reminder).
pub async fn build(
    db: &Db,
    event_id: i64,
    user_id: i64,
    kind: &str,
    base_url: &str,
    instance: &str,
) -> Result<Option<OutgoingMail>, sqlx::Error> {
    let Some(kind) = Kind::parse(kind) else {
        return Ok(None);
    };
    let Some(user): Option<User> = crate::accounts::by_id(db, user_id).await? else {
        return Ok(None);
    };
    let Some(to) = user
        .email
        .clone()
        .filter(|_| user.status == crate::accounts::Status::Active)
    else {
        return Ok(None);
    };
    let Some(l) = super::load(db, Some(&user), event_id).await? else {
        return Ok(None);
    };
    if !l.visible_to(Some(&user)) || !rsvp::holds_place(db, event_id, user_id).await? {
        return Ok(None);
    }
    let e = &l.e;
    if kind == Kind::Reminder && e.status == Status::Cancelled {
        return Ok(None);
    }
    let lang = Lang::from_code(&user.locale).unwrap_or_default();
    let tags = super::tags_of(db, e.id).await?;
    let cancelled = super::cancelled_occurrences(db, e.id).await?;
    let item = ical::Item {
        e,
        tags,
        cancelled,
        show_online: true,
        place: String::new(),
        image: false,
    };
    let ics = ical::calendar(&e.title, base_url, std::slice::from_ref(&item));
    let name = [("name", crate::i18n::Arg::from(e.title.as_str()))];
    let k = kind.as_str();
    let page = crate::urls::absolute(base_url, &e.path());
    let mut text = lang.ta(&format!("event-mail-{k}-body"), &name);
    text.push_str("\n\n");
    text.push_str(&format!(
        "{} {}\n",
        lang.t("event-mail-when"),
        when(lang, e)
    ));
    let place = match e.place_kind.as_str() {
        "online" => e.online_url.clone(),
        "hybrid" => format!("{}, {}", e.address, e.online_url),
        _ => e.address.clone(),
    };
    if !place.trim().is_empty() {
        text.push_str(&format!("{} {place}\n", lang.t("event-mail-where")));
    }
    text.push_str(&format!(
        "{} {page}\n\n— {instance}\n",
        lang.t("event-mail-page")
    ));
    Ok(Some(OutgoingMail {
        to,
        subject: lang.ta(&format!("event-mail-{k}-subject"), &name),
        text,
        html: None,
        lang: lang.code().to_string(),
        headers: Vec::new(),
        attachments: vec![MailAttachment {
            name: "event.ics".to_string(),
            content_type: "text/calendar; charset=utf-8; method=PUBLISH".to_string(),
            body: ics,
        }],
    }))
}
