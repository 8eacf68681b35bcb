//! Registration: going / maybe / not going, for the whole event (a series
//! is answered once). With a capacity, "going" beyond it waits on a list,
//! in the order people asked; whoever leaves the places frees one and the
//! first waiting person is promoted in the same transaction.
//!
//! Both engines decide one event's places one at a time: the transaction
//! first raises `events.rsvp_version`, which takes the event row's lock on
//! PostgreSQL (SQLite's `BEGIN IMMEDIATE` already serialises writers), so
//! two people cannot both take the last place.

use sqlx::Row;

use super::Loaded;
use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::db::{Db, now};
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    Going,
    Maybe,
    No,
}

impl Answer {
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Going => "going",
            Answer::Maybe => "maybe",
            Answer::No => "no",
        }
    }
    pub fn parse(s: &str) -> Option<Answer> {
        match s {
            "going" => Some(Answer::Going),
            "maybe" => Some(Answer::Maybe),
            "no" => Some(Answer::No),
            _ => None,
        }
    }
}

/// A person's registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mine {
    pub answer: Answer,
    pub waitlisted: bool,
    /// The instance of a remote event refused the registration (its
    /// `Reject` of the `Join`): the answer went back to "no".
    pub refused: bool,
}

/// Counts shown on the page.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub going: i64,
    pub maybe: i64,
    pub waiting: i64,
}

pub async fn mine(db: &Db, event_id: i64, user_id: i64) -> Result<Option<Mine>, sqlx::Error> {
    let r: Option<(String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT answer, waitlisted, refused_at FROM event_rsvps WHERE event_id = $1 AND user_id = $2",
    )
    .bind(event_id)
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(r.and_then(|(a, w, refused)| {
        Some(Mine {
            answer: Answer::parse(&a)?,
            waitlisted: w != 0,
            refused: refused.is_some(),
        })
    }))
}

pub async fn counts(db: &Db, event_id: i64) -> Result<Counts, sqlx::Error> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT answer, waitlisted, COUNT(*) FROM event_rsvps WHERE event_id = $1 GROUP BY answer, waitlisted",
    )
    .bind(event_id)
    .fetch_all(&db.pool)
    .await?;
    let mut c = Counts::default();
    for (a, w, n) in rows {
        match (a.as_str(), w != 0) {
            ("going", false) => c.going += n,
            ("going", true) => c.waiting += n,
            ("maybe", _) => c.maybe += n,
            _ => {}
        }
    }
    Ok(c)
}

/// Whether the person holds a place (going, not waiting): who sees a
/// link kept for participants.
pub async fn holds_place(db: &Db, event_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
    Ok(mine(db, event_id, user_id)
        .await?
        .is_some_and(|m| m.answer == Answer::Going && !m.waitlisted))
}

/// One person's answers to an event's registration questions.
pub async fn answers_of(db: &Db, event_id: i64, user_id: i64) -> Result<Vec<String>, sqlx::Error> {
    let a: Option<String> =
        sqlx::query_scalar("SELECT answers FROM event_rsvps WHERE event_id = $1 AND user_id = $2")
            .bind(event_id)
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(a.and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default())
}

/// Let waiting people in while places are free (all of them when there is
/// no capacity). Returns the ids promoted, in order.
pub async fn promote_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    event_id: i64,
    capacity: Option<i64>,
) -> Result<Vec<i64>, sqlx::Error> {
    let going: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM event_rsvps WHERE event_id = $1 AND answer = 'going' AND waitlisted = 0",
    )
    .bind(event_id)
    .fetch_one(&mut **tx)
    .await?;
    let free = match capacity {
        Some(c) => (c - going).max(0),
        None => i64::MAX,
    };
    if free == 0 {
        return Ok(Vec::new());
    }
    let waiting: Vec<i64> = sqlx::query_scalar(
        "SELECT user_id FROM event_rsvps WHERE event_id = $1 AND answer = 'going' AND waitlisted = 1 \
         ORDER BY queued_at, user_id LIMIT $2",
    )
    .bind(event_id)
    .bind(free.min(10_000))
    .fetch_all(&mut **tx)
    .await?;
    let t = now();
    for u in &waiting {
        sqlx::query(
            "UPDATE event_rsvps SET waitlisted = 0, updated_at = $1 WHERE event_id = $2 AND user_id = $3",
        )
        .bind(t)
        .bind(event_id)
        .bind(u)
        .execute(&mut **tx)
        .await?;
    }
    Ok(waiting)
}

/// The outcome of an answer.
#[derive(Debug, Clone)]
pub struct Answered {
    pub mine: Mine,
    /// People let in from the waiting list by this change.
    pub promoted: Vec<i64>,
}

/// Answer (or change one's answer to) an event. "Going" on a full event
/// puts the person on the waiting list; leaving the places promotes the
/// first one waiting.
pub async fn answer(
    state: &AppState,
    actor: &Actor,
    l: &Loaded,
    answer: Answer,
) -> AppResult<Answered> {
    answer_with(state, actor, l, answer, &[]).await
}

/// Check the answers to the event's registration questions: at most one
/// per question, each at most `ANSWER_MAX` characters. `Err`: the field
/// and its message key.
pub fn check_answers(
    l: &Loaded,
    answers: &[String],
) -> Result<Vec<String>, (&'static str, &'static str)> {
    let n = l.e.question_list().len();
    let trimmed: Vec<String> = answers.iter().map(|a| a.trim().to_string()).collect();
    if trimmed.len() > n && trimmed[n..].iter().any(|a| !a.is_empty()) {
        return Err(("answers", "event-answers-invalid"));
    }
    if trimmed
        .iter()
        .any(|a| a.chars().count() > super::ANSWER_MAX)
    {
        return Err(("answers", "event-field-too-long"));
    }
    let mut out: Vec<String> = trimmed.into_iter().take(n).collect();
    out.resize(n, String::new());
    Ok(out)
}

/// `answer`, with the answers to the event's registration questions (kept
/// with the registration when going or maybe, shown to the organisers and
/// in the participants' CSV).
pub async fn answer_with(
    state: &AppState,
    actor: &Actor,
    l: &Loaded,
    answer: Answer,
    answers: &[String],
) -> AppResult<Answered> {
    let answers = check_answers(l, answers).map_err(|(f, k)| AppError::Invalid {
        fields: vec![(f.into(), k.into())],
    })?;
    let u = actor.user().ok_or(AppError::Forbidden)?;
    if !actor.may(Action::RsvpEvent {
        organiser: l.e.organiser_id,
        via: l.via(),
    }) || l.e.status == super::Status::Cancelled
    {
        return Err(AppError::Forbidden);
    }
    // An event of another instance is answered there, by a `Join` signed
    // with the person's key: they must be on the fediverse.
    if l.e.remote()
        && matches!(actor, Actor::Person(_))
        && !crate::federation::remote_events::may_answer(state, u).await?
    {
        return Err(AppError::Conflict {
            code: "federation_opted_out",
            message_key: "event-remote-rsvp-opted-out",
        });
    }
    let t = now();
    let mut tx = state.db.begin().await?;
    // The lock on the event row (see the module's comment), and its
    // capacity as of now.
    sqlx::query("UPDATE events SET rsvp_version = rsvp_version + 1 WHERE id = $1")
        .bind(l.e.id)
        .execute(&mut *tx)
        .await?;
    let capacity: Option<i64> = sqlx::query_scalar("SELECT capacity FROM events WHERE id = $1")
        .bind(l.e.id)
        .fetch_one(&mut *tx)
        .await?;
    let before = sqlx::query(
        "SELECT answer, waitlisted, queued_at FROM event_rsvps WHERE event_id = $1 AND user_id = $2",
    )
    .bind(l.e.id)
    .bind(u.id)
    .fetch_optional(&mut *tx)
    .await?;
    let before: Option<(String, i64, i64)> = match before {
        Some(r) => Some((
            r.try_get("answer")?,
            r.try_get("waitlisted")?,
            r.try_get("queued_at")?,
        )),
        None => None,
    };
    let was_going = before.as_ref().is_some_and(|(a, _, _)| a == "going");
    let mine = if answer == Answer::Going && was_going {
        // Unchanged: keep one's place or one's rank.
        let w = before.as_ref().map(|b| b.1).unwrap_or(0);
        Mine {
            answer,
            waitlisted: w != 0,
            refused: false,
        }
    } else {
        let waitlisted = if answer == Answer::Going {
            match capacity {
                Some(c) => {
                    let going: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM event_rsvps WHERE event_id = $1 AND answer = 'going' \
                         AND waitlisted = 0 AND user_id <> $2",
                    )
                    .bind(l.e.id)
                    .bind(u.id)
                    .fetch_one(&mut *tx)
                    .await?;
                    going >= c
                }
                None => false,
            }
        } else {
            false
        };
        sqlx::query(
            "INSERT INTO event_rsvps (event_id, user_id, answer, waitlisted, queued_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5, $5) ON CONFLICT (event_id, user_id) DO UPDATE SET \
             answer = $3, waitlisted = $4, queued_at = $5, updated_at = $5, refused_at = NULL",
        )
        .bind(l.e.id)
        .bind(u.id)
        .bind(answer.as_str())
        .bind(i64::from(waitlisted))
        .bind(t)
        .execute(&mut *tx)
        .await?;
        Mine {
            answer,
            waitlisted,
            refused: false,
        }
    };
    if answer != Answer::No && answers.iter().any(|a| !a.is_empty()) {
        sqlx::query("UPDATE event_rsvps SET answers = $1 WHERE event_id = $2 AND user_id = $3")
            .bind(serde_json::to_string(&answers).unwrap_or_default())
            .bind(l.e.id)
            .bind(u.id)
            .execute(&mut *tx)
            .await?;
    }
    let promoted = if was_going && answer != Answer::Going {
        promote_in(&mut tx, l.e.id, capacity).await?
    } else {
        Vec::new()
    };
    audit_in(
        &mut tx,
        actor,
        "event_rsvp",
        None,
        &format!("{} {}", l.e.id, answer.as_str()),
    )
    .await?;
    tx.commit().await?;
    // Those who got a place get the event by e-mail.
    let newly = mine.answer == Answer::Going
        && !mine.waitlisted
        && !before
            .as_ref()
            .is_some_and(|(a, w, _)| a == "going" && *w == 0);
    let mut placed = promoted.clone();
    if newly {
        placed.push(u.id);
    }
    let key = format!("{t}");
    if let Err(e) =
        super::mail::queue(state, l.e.id, &placed, super::mail::Kind::Registered, &key).await
    {
        tracing::warn!(error = %e, "registration e-mails not queued");
    }
    crate::federation::events::promoted(state, l.e.id, &promoted).await;
    if l.e.remote() && matches!(actor, Actor::Person(_)) {
        crate::federation::remote_events::rsvp_changed(
            state,
            &l.e,
            u,
            was_going,
            mine.answer == Answer::Going,
        )
        .await;
    }
    Ok(Answered { mine, promoted })
}

/// One registered person, for the organiser.
#[derive(Debug, Clone)]
pub struct Participant {
    pub username: String,
    pub display_name: String,
    pub answer: Answer,
    pub waitlisted: bool,
    pub answered_at: i64,
    /// Answers to the registration questions, in their order.
    pub answers: Vec<String>,
}

/// The participants (going, then waiting in order, then maybe; "no" left
/// out), for whoever may manage the event.
pub async fn participants(
    state: &AppState,
    actor: &Actor,
    l: &Loaded,
) -> AppResult<Vec<Participant>> {
    if !actor.may(Action::ManageEvent {
        organiser: l.e.organiser_id,
        via: l.via(),
        remote: l.e.remote(),
    }) {
        return Err(AppError::Forbidden);
    }
    let rows = sqlx::query(
        "SELECT u.username, u.display_name, r.answer, r.waitlisted, r.queued_at, r.answers FROM event_rsvps r \
         JOIN users u ON u.id = r.user_id WHERE r.event_id = $1 AND r.answer <> 'no' \
         ORDER BY CASE WHEN r.answer = 'going' THEN r.waitlisted ELSE 2 END, r.queued_at, u.username \
         LIMIT 20000",
    )
    .bind(l.e.id)
    .fetch_all(&state.db.pool)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let a: String = r.try_get("answer")?;
        out.push(Participant {
            username: r.try_get("username")?,
            display_name: r.try_get("display_name")?,
            answer: Answer::parse(&a).unwrap_or(Answer::Maybe),
            waitlisted: r.try_get::<i64, _>("waitlisted")? != 0,
            answered_at: r.try_get("queued_at")?,
            answers: serde_json::from_str(&r.try_get::<String, _>("answers")?).unwrap_or_default(),
        });
    }
    Ok(out)
}

fn csv_cell(s: &str) -> String {
    // A cell a spreadsheet would read as a formula is quoted as text.
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The participants as CSV (RFC 4180, CRLF), header in English codes, then
/// one column per registration question (headed by the question).
pub fn csv(list: &[Participant], questions: &[&str]) -> String {
    let mut out = String::from("username,display_name,answer,waitlisted,answered_at");
    for q in questions {
        out.push(',');
        out.push_str(&csv_cell(q));
    }
    out.push_str("\r\n");
    for p in list {
        out.push_str(&format!(
            "{},{},{},{},{}",
            csv_cell(&p.username),
            csv_cell(&p.display_name),
            p.answer.as_str(),
            i64::from(p.waitlisted),
            super::time::ical_utc(p.answered_at)
        ));
        for i in 0..questions.len() {
            out.push(',');
            out.push_str(&csv_cell(
                p.answers.get(i).map(String::as_str).unwrap_or(""),
            ));
        }
        out.push_str("\r\n");
    }
    out
}
