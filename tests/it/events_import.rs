//! Importing iCalendar into a community, over real HTTP on both engines:
//! a file uploaded by an organiser (a report per event: what was refused
//! and why; the same file again changes nothing; a changed event is
//! updated in place), hostile or huge files refused with the line and the
//! reason, and a community's subscription to an external calendar served
//! by a real HTTP server on 127.0.0.1, fetched by the job queue through the
//! guarded fetcher, read again on demand and when its period has come.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::harness::{TestApp, html_unescape};
use crate::writing::{community, member};

fn cal(events: &[&str]) -> String {
    let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Import//FR\r\n");
    for e in events {
        s.push_str("BEGIN:VEVENT\r\n");
        for l in e.lines() {
            s.push_str(l.trim());
            s.push_str("\r\n");
        }
        s.push_str("END:VEVENT\r\n");
    }
    s.push_str("END:VCALENDAR\r\n");
    s
}

const SINGLE: &str = "UID:single@example.org
DTSTAMP:20261201T120000Z
SUMMARY:Assemblée générale
DTSTART;TZID=America/Toronto:20270210T190000
DTEND;TZID=America/Toronto:20270210T211500
LOCATION:Centre communautaire\\, 1200 rue Saint-Denis
CATEGORIES:quartier,assemblée";

const WEEKLY: &str = "UID:weekly@google.com
SUMMARY:Cuisine collective
DTSTART:20270105T230000Z
DTEND:20270106T010000Z
RRULE:FREQ=WEEKLY;BYDAY=TU;UNTIL=20270330T225959Z
EXDATE:20270119T230000Z";

const WEEKLY_CANCELLED: &str = "UID:weekly@google.com
RECURRENCE-ID:20270202T230000Z
DTSTART:20270202T230000Z
DTEND:20270203T010000Z
SUMMARY:Cuisine collective
STATUS:CANCELLED";

const ALL_DAY: &str = "UID:festival@example.org
SUMMARY:Festival des jardins
DTSTART;VALUE=DATE:20270701
DTEND;VALUE=DATE:20270704";

const ENDLESS: &str = "UID:endless@example.org
SUMMARY:Sans fin
DTSTART:20270101T140000Z
RRULE:FREQ=DAILY";

const NO_UID: &str = "SUMMARY:Sans identifiant
DTSTART:20270101T140000Z";

const SECONDLY: &str = "UID:secondly@example.org
SUMMARY:Chaque seconde
DTSTART:20270101T140000Z
RRULE:FREQ=SECONDLY";

const BACKWARDS: &str = "UID:backwards@example.org
SUMMARY:À rebours
DTSTART;TZID=America/Toronto:20270301T190000
DTEND;TZID=America/Toronto:20270301T180000";

const MARS: &str = "UID:mars@example.org
SUMMARY:Sur Mars
DTSTART;TZID=Mars/Olympus_Mons:20270301T190000";

async fn import(
    app: &TestApp,
    client: &reqwest::Client,
    slug: &str,
    file: Vec<u8>,
) -> (u16, String) {
    let path = format!("/c/{slug}/events/import");
    let csrf = app.csrf(client, &path).await;
    let part = reqwest::multipart::Part::bytes(file)
        .file_name("agenda.ics")
        .mime_str("text/calendar")
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .part("file", part);
    let res = client
        .post(app.at(&path))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let s = res.status().as_u16();
    (s, html_unescape(&res.text().await.unwrap()))
}

/// The report's row of the event at `line`.
fn row(body: &str, line: usize) -> String {
    let start = body
        .find(&format!("<tr class=\"import-error\"><td>{line}</td>"))
        .or_else(|| body.find(&format!("<tr><td>{line}</td>")))
        .unwrap_or_else(|| panic!("no report row for line {line}"));
    let end = body[start..].find("</tr>").unwrap() + start;
    body[start..end].to_string()
}

async fn event_of(app: &TestApp, uid: &str) -> (i64, i64, String, String) {
    sqlx::query_as("SELECT id, sequence, title, status FROM events WHERE external_uid = $1")
        .bind(uid)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{uid}: {e}"))
}

async fn imported(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE import_scope IS NOT NULL")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_file_is_imported_with_a_report_per_event_and_updated_in_place() {
    let app = TestApp::spawn().await;
    let (owner, owner_user) = app.logged_in("organisatrice", false).await;
    let (camille, camille_user) = app.logged_in("camille", false).await;
    let (stranger, _) = app.logged_in("passante", false).await;
    let jardins = community(&app, "jardins", "open", "open", &owner_user).await;
    member(&app, jardins, &camille_user, "member", "active").await;
    community(&app, "secret", "private", "invitation", &owner_user).await;

    // Who may: a member imports (no subscriptions for her), a person
    // outside is refused, a private community is not even seen.
    let (s, body) = crate::writing::get(&camille, app.at("/c/jardins/events/import")).await;
    assert_eq!(s, 200);
    assert!(
        !body.contains("id=\"feeds\""),
        "subscriptions are for managers"
    );
    let (s, _) = crate::writing::get(&stranger, app.at("/c/jardins/events/import")).await;
    assert_eq!(s, 403);
    let (s, _) = crate::writing::get(&stranger, app.at("/c/secret/events/import")).await;
    assert_eq!(s, 404);
    let (s, body) = crate::writing::get(&owner, app.at("/c/jardins/events/import")).await;
    assert_eq!(s, 200);
    assert!(body.contains("id=\"feeds\""));
    // The agenda of the community links to it for those who may import.
    let (_, agenda) = crate::writing::get(&camille, app.at("/events?community=jardins")).await;
    assert!(agenda.contains("href=\"/c/jardins/events/import\""));
    let (_, agenda) = crate::writing::get(&stranger, app.at("/events?community=jardins")).await;
    assert!(!agenda.contains("id=\"import-link\""));

    let file = cal(&[
        SINGLE,
        WEEKLY,
        WEEKLY_CANCELLED,
        ALL_DAY,
        ENDLESS,
        NO_UID,
        SECONDLY,
        BACKWARDS,
        MARS,
    ]);
    // Lines of each BEGIN:VEVENT in the file.
    let begins: Vec<usize> = file
        .split("\r\n")
        .enumerate()
        .filter(|(_, l)| *l == "BEGIN:VEVENT")
        .map(|(i, _)| i + 1)
        .collect();
    let (s, body) = import(&app, &camille, "jardins", file.clone().into_bytes()).await;
    assert_eq!(s, 200, "{body}");
    assert!(body.contains("4 créées"), "created count");
    assert!(
        body.contains("4 erreurs") || body.contains("4 en erreur"),
        "{body}"
    );
    assert!(row(&body, begins[0]).contains("Créée"));
    let r = row(&body, begins[5]);
    assert!(r.contains("UID : Il manque l’identifiant UID"), "{r}");
    let r = row(&body, begins[6]);
    assert!(
        r.contains("secondly@example.org") && r.contains("RRULE : "),
        "{r}"
    );
    let r = row(&body, begins[7]);
    assert!(r.contains("À rebours") && r.contains("DTEND : "), "{r}");
    let r = row(&body, begins[8]);
    assert!(
        r.contains("DTSTART : Fuseau horaire (TZID) inconnu."),
        "{r}"
    );
    assert_eq!(imported(&app).await, 4);

    // Read as written: the UTC series keeps its instants, its exception
    // and its cancelled occurrence; the endless one is bounded; the
    // organiser is the importer; the event is in the community.
    let (wid, _, _, _) = event_of(&app, "weekly@google.com").await;
    let (tz, exdates, organiser): (String, String, i64) =
        sqlx::query_as("SELECT tz, exdates, organiser_id FROM events WHERE id = $1")
            .bind(wid)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!((tz.as_str(), exdates.as_str()), ("UTC", "2027-01-19T23:00"));
    assert_eq!(organiser, camille_user.id);
    let cancelled: Vec<String> =
        sqlx::query_scalar("SELECT start_local FROM event_occurrences WHERE event_id = $1")
            .bind(wid)
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(cancelled, ["2027-02-02T23:00"]);
    let (eid, _, _, _) = event_of(&app, "endless@example.org").await;
    let (starts, ends): (i64, i64) =
        sqlx::query_as("SELECT starts_at, series_ends_at FROM events WHERE id = $1")
            .bind(eid)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert!(
        ends - starts <= 500 * 86400,
        "bounded expansion: {} days",
        (ends - starts) / 86400
    );
    let (s, feed) = crate::writing::get(&app.client(), app.at("/c/jardins/events.ics")).await;
    assert_eq!(s, 200);
    assert!(feed.contains("SUMMARY:Assemblée générale"));
    assert!(
        feed.contains("RECURRENCE-ID:20270202T230000Z"),
        "cancelled occurrence in our feed"
    );

    // The same file again: nothing changes.
    let (_, single_seq, _, _) = event_of(&app, "single@example.org").await;
    let (s, body) = import(&app, &camille, "jardins", file.clone().into_bytes()).await;
    assert_eq!(s, 200);
    assert!(
        body.contains("0 créée") && body.contains("4 inchangées"),
        "{body}"
    );
    assert_eq!(imported(&app).await, 4);

    // A changed title, a cancelled event: updated in place, SEQUENCE raised.
    let changed = file
        .replace(
            "SUMMARY:Assemblée générale",
            "SUMMARY:Assemblée générale annuelle",
        )
        .replace(
            "SUMMARY:Festival des jardins",
            "SUMMARY:Festival des jardins\r\nSTATUS:CANCELLED",
        );
    let (s, body) = import(&app, &camille, "jardins", changed.into_bytes()).await;
    assert_eq!(s, 200);
    assert!(body.contains("2 mises à jour"), "{body}");
    let (id2, seq2, title, _) = event_of(&app, "single@example.org").await;
    let (id1, _, _, _) = event_of(&app, "single@example.org").await;
    assert_eq!(id1, id2);
    assert_eq!(title, "Assemblée générale annuelle");
    assert!(seq2 > single_seq, "SEQUENCE raised");
    assert_eq!(event_of(&app, "festival@example.org").await.3, "cancelled");
    assert_eq!(imported(&app).await, 4);
}

#[tokio::test]
async fn hostile_or_huge_files_are_refused_with_the_line_and_the_reason() {
    let app = TestApp::spawn().await;
    let (owner, owner_user) = app.logged_in("organisatrice", false).await;
    community(&app, "jardins", "open", "open", &owner_user).await;

    // Larger than the cap.
    let huge = format!(
        "BEGIN:VCALENDAR\r\n{}END:VCALENDAR\r\n",
        "X-FILLER:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".repeat(40_000)
    );
    assert!(huge.len() > 2 * 1024 * 1024);
    let (s, body) = import(&app, &owner, "jardins", huge.into_bytes()).await;
    assert_eq!(s, 422);
    assert!(
        body.contains("Ce fichier est trop gros : au plus 2 Mo."),
        "{body}"
    );

    // Too many events: refused at the first one too many, by its line.
    let many: Vec<String> = (0..2001)
        .map(|i| format!("UID:n{i}\nSUMMARY:n\nDTSTART:20270101T140000Z"))
        .collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let (s, body) = import(&app, &owner, "jardins", cal(&refs).into_bytes()).await;
    assert_eq!(s, 422);
    // 3 header lines, then 5 lines per event: the 2001st BEGIN.
    assert!(
        body.contains(&format!(
            "Ligne {} : Trop d’événements : au plus 2 000 par fichier.",
            3 + 2000 * 5 + 1
        )),
        "{}",
        &body[body.find("field-error").unwrap_or(0)..][..300]
    );

    // Not a calendar; unbalanced components; deep nesting.
    let (s, body) = import(&app, &owner, "jardins", b"<html>hello</html>".to_vec()).await;
    assert_eq!(s, 422);
    assert!(body.contains("Ligne 1 : Ce fichier n’est pas un calendrier iCalendar"));
    let (s, body) = import(
        &app,
        &owner,
        "jardins",
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VCALENDAR\r\n".to_vec(),
    )
    .await;
    assert_eq!(s, 422);
    assert!(body.contains("Ligne 4 : Cette ligne ne respecte pas le format iCalendar"));
    let deep = format!("BEGIN:VCALENDAR\r\n{}", "BEGIN:X\r\n".repeat(100_000));
    let (s, body) = import(&app, &owner, "jardins", deep.into_bytes()).await;
    assert_eq!(s, 422);
    assert!(body.contains("Ligne 7 : Trop de composants imbriqués."));
    // Not UTF-8.
    let (s, body) = import(&app, &owner, "jardins", vec![0xff, 0xfe, 0x00, 0x42]).await;
    assert_eq!(s, 422);
    assert!(body.contains("Ce fichier n’est pas en UTF-8."));
    assert_eq!(imported(&app).await, 0, "nothing written");
}

/// A calendar server on 127.0.0.1 answering every GET with the current
/// body (status 500 when it is empty); counts the requests.
async fn calendar_server() -> (String, Arc<Mutex<String>>, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let body = Arc::new(Mutex::new(String::new()));
    let hits = Arc::new(AtomicUsize::new(0));
    let (b, h) = (body.clone(), hits.clone());
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let (b, h) = (b.clone(), h.clone());
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let _ = s.read(&mut buf).await;
                h.fetch_add(1, Ordering::SeqCst);
                let text = b.lock().unwrap().clone();
                let resp = if text.is_empty() {
                    "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_string()
                } else {
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/calendar; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                        text.len()
                    )
                };
                let _ = s.write_all(resp.as_bytes()).await;
            });
        }
    });
    (format!("http://{addr}/agenda.ics"), body, hits)
}

/// Wait until the feed was read `after` (its fetched_at moves past it).
async fn fetched(app: &TestApp, after: i64) -> (String, String, String) {
    for _ in 0..400 {
        let row: Option<(Option<i64>, String, String, String)> = sqlx::query_as(
            "SELECT fetched_at, last_status, last_error, last_report FROM event_feeds",
        )
        .fetch_optional(&app.state.db.pool)
        .await
        .unwrap();
        if let Some((Some(t), s, e, r)) = row
            && t >= after
            && !s.is_empty()
        {
            return (s, e, r);
        }
        app.drain_jobs().await;
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the feed was not fetched");
}

async fn reset_fetched(app: &TestApp) {
    sqlx::query("UPDATE event_feeds SET fetched_at = NULL, last_status = ''")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_subscribed_feed_is_fetched_by_the_job_queue_and_updated_in_place() {
    let (url, served, hits) = calendar_server().await;
    // SAFETY: each test runs in its own process under nextest; only the
    // calendar server's loopback address is allowed to the guarded fetcher.
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let app = TestApp::spawn().await;
    let (owner, owner_user) = app.logged_in("organisatrice", false).await;
    let (camille, camille_user) = app.logged_in("camille", false).await;
    let jardins = community(&app, "jardins", "open", "open", &owner_user).await;
    member(&app, jardins, &camille_user, "member", "active").await;
    *served.lock().unwrap() = cal(&[SINGLE, WEEKLY, WEEKLY_CANCELLED, SECONDLY]);

    // Refused: a member who does not manage the community; a bad address.
    let res = app
        .post_form(
            &camille,
            "/c/jardins/events/import",
            "/c/jardins/events/feeds",
            &[("url", &url)],
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .post_form(
            &owner,
            "/c/jardins/events/import",
            "/c/jardins/events/feeds",
            &[("url", "ftp://x")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = html_unescape(&res.text().await.unwrap());
    assert!(body.contains("Donnez une adresse http, https ou webcal."));
    assert!(body.contains("value=\"ftp://x\""), "typed value kept");

    let t0 = passerelles::db::now();
    let res = app
        .post_form(
            &owner,
            "/c/jardins/events/import",
            "/c/jardins/events/feeds",
            &[("url", &url)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (status, _, report) = fetched(&app, t0).await;
    assert_eq!(status, "ok", "{report}");
    assert!(hits.load(Ordering::SeqCst) >= 1);
    assert_eq!(imported(&app).await, 2);
    let (single_id, seq, _, _) = event_of(&app, "single@example.org").await;
    let organiser: i64 = sqlx::query_scalar("SELECT organiser_id FROM events WHERE id = $1")
        .bind(single_id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(organiser, owner_user.id, "the subscriber organises");
    // The page shows the report, with the refused event and why.
    let (_, page) = crate::writing::get(&owner, app.at("/c/jardins/events/import")).await;
    let page = html_unescape(&page);
    assert!(page.contains("2 créées"), "{page}");
    assert!(
        page.contains("(secondly@example.org) : RRULE : "),
        "refused event named"
    );
    // Subscribing twice is refused.
    let res = app
        .post_form(
            &owner,
            "/c/jardins/events/import",
            "/c/jardins/events/feeds",
            &[("url", &url)],
        )
        .await;
    assert_eq!(res.status(), 422);

    // The source changes: read again on demand, updated in place.
    *served.lock().unwrap() = cal(&[
        &SINGLE.replace("Assemblée générale", "Assemblée extraordinaire"),
        WEEKLY,
        ALL_DAY,
    ]);
    let feed_id: i64 = sqlx::query_scalar("SELECT id FROM event_feeds")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    reset_fetched(&app).await;
    let t1 = passerelles::db::now();
    let path = format!("/c/jardins/events/feeds/{feed_id}/refresh");
    let res = app
        .post_form(&owner, "/c/jardins/events/import", &path, &[])
        .await;
    assert_eq!(res.status(), 303);
    let (status, _, _) = fetched(&app, t1).await;
    assert_eq!(status, "ok");
    let (id, seq2, title, _) = event_of(&app, "single@example.org").await;
    assert_eq!(
        (id, title.as_str()),
        (single_id, "Assemblée extraordinaire")
    );
    assert!(seq2 > seq);
    assert_eq!(imported(&app).await, 3);
    // The cancelled occurrence is no longer in the source: restored.
    let (wid, _, _, _) = event_of(&app, "weekly@google.com").await;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM event_occurrences WHERE event_id = $1")
        .bind(wid)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);

    // The server fails: the reason is kept and shown, nothing is lost.
    served.lock().unwrap().clear();
    reset_fetched(&app).await;
    let t2 = passerelles::db::now();
    let res = app
        .post_form(&owner, "/c/jardins/events/import", &path, &[])
        .await;
    assert_eq!(res.status(), 303);
    let (status, error, _) = fetched(&app, t2).await;
    assert_eq!(
        (status.as_str(), error.as_str()),
        ("error", "fetch-http-error")
    );
    assert_eq!(imported(&app).await, 3);
    let (_, page) = crate::writing::get(&owner, app.at("/c/jardins/events/import")).await;
    assert!(page.contains("feed-error"));

    // When its period has come, the feed is queued again by itself.
    *served.lock().unwrap() = cal(&[SINGLE]);
    sqlx::query("UPDATE event_feeds SET next_fetch_at = 0")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    reset_fetched(&app).await;
    let before = hits.load(Ordering::SeqCst);
    let t3 = passerelles::db::now();
    let n = passerelles::events::import::queue_due(&app.state, t3)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let (status, _, _) = fetched(&app, t3).await;
    assert_eq!(status, "ok");
    assert!(hits.load(Ordering::SeqCst) > before);
    let next: i64 = sqlx::query_scalar("SELECT next_fetch_at FROM event_feeds")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(next >= t3 + passerelles::events::import::FEED_INTERVAL);
    assert_eq!(
        event_of(&app, "single@example.org").await.2,
        "Assemblée générale"
    );

    // Ending the subscription keeps the events.
    let path = format!("/c/jardins/events/feeds/{feed_id}/delete");
    let res = app
        .post_form(&owner, "/c/jardins/events/import", &path, &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(imported(&app).await, 3);
}
