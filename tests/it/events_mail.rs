//! E-mail to participants over real HTTP and the real SMTP sink, on both
//! engines: the event with its `.ics` attached (read back by Python
//! `icalendar`) when a person gets a place — registering or promoted from
//! the waiting list —, nothing to the one waiting, a notice when the event
//! is cancelled to those holding a place only, a reminder before the
//! occurrence (once), and the policy asked when the message is built.

use crate::harness::TestApp;
use crate::writing::{community, get, member};

/// (SUMMARY, STATUS, METHOD, UID) of an iCalendar text, read by Python
/// `icalendar`; `None` when it is not installed (and not required).
fn read_ics(app: &TestApp, ics: &str) -> Option<(String, String, String, String)> {
    let venv = format!("{}/tests/rp/.venv/bin/python3", env!("CARGO_MANIFEST_DIR"));
    let python = if std::path::Path::new(&venv).exists() {
        venv
    } else {
        "python3".to_string()
    };
    let ok = std::process::Command::new(&python)
        .args(["-c", "import icalendar"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("PASSERELLES_REQUIRE_RP").is_ok_and(|v| v == "1") {
            panic!("icalendar is required (PASSERELLES_REQUIRE_RP=1)");
        }
        crate::harness::skip("event e-mail .ics", "icalendar not installed");
        return None;
    }
    let p = app.data_dir.join("mail.ics");
    std::fs::write(&p, ics).unwrap();
    let script = "import sys, icalendar\n\
        c = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())\n\
        e = [x for x in c.walk('VEVENT') if x.get('RECURRENCE-ID') is None][0]\n\
        print(str(e['SUMMARY'])); print(str(e['STATUS'])); print(str(c['METHOD'])); print(str(e['UID']))";
    let out = std::process::Command::new(&python)
        .args(["-c", script, &p.display().to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = String::from_utf8(out.stdout).unwrap();
    let l: Vec<&str> = s.lines().collect();
    Some((l[0].into(), l[1].into(), l[2].into(), l[3].into()))
}

fn mails_to(app: &TestApp, to: &str) -> Vec<crate::smtp_sink::ReceivedMail> {
    app.sink
        .all()
        .into_iter()
        .filter(|m| m.to.iter().any(|t| t == to))
        .collect()
}

#[tokio::test]
async fn participants_get_the_event_by_mail_with_its_ics_and_notices() {
    let app = TestApp::spawn().await;
    let (org, org_user) = app.logged_in("organisatrice", false).await;
    let jardins = community(&app, "jardins", "open", "open", &org_user).await;
    // Starts in 30 hours (Toronto wall time), capacity 1.
    let tz = passerelles::events::time::zone("America/Toronto").unwrap();
    let at = passerelles::db::now() + 30 * 3600;
    let start = passerelles::events::time::local_of(tz, at);
    let end = start + chrono::Duration::hours(2);
    let fmt = |d: chrono::NaiveDateTime| passerelles::events::time::format_local(d, false);
    let res = app
        .post_form(
            &org,
            "/events/new",
            "/events/new",
            &[
                ("title", "Corvée de semis"),
                ("communities", "jardins"),
                ("start", &fmt(start)),
                ("end", &fmt(end)),
                ("address", "12, rue des Jardins, Trois-Rivières"),
                ("capacity", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let path = res.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = path.trim_start_matches("/e/").parse().unwrap();

    let (alice, _) = app.logged_in("alice", false).await;
    let (bob, _) = app.logged_in("bob", false).await;
    let res = app
        .post_form(
            &alice,
            &path,
            &format!("{path}/rsvp"),
            &[("answer", "going")],
        )
        .await;
    assert_eq!(res.status(), 303);
    app.drain_jobs().await;
    let m = app.sink.wait_for("alice@exemple.qc.ca").await;
    assert_eq!(m.subject(), "Inscription : Corvée de semis");
    assert!(m.text_part().contains("12, rue des Jardins"));
    assert!(m.text_part().contains(&app.at(&path)), "link back");
    let ct = m.headers("Content-Type").join(" ");
    assert!(ct.contains("multipart/mixed"), "{ct}");
    let ics = m.attachment("text/calendar").expect("an .ics is attached");
    let uid: String = sqlx::query_scalar("SELECT uid FROM events WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    if let Some((summary, status, method, read_uid)) = read_ics(&app, &ics) {
        assert_eq!(
            (summary.as_str(), status.as_str(), method.as_str()),
            ("Corvée de semis", "CONFIRMED", "PUBLISH")
        );
        assert_eq!(read_uid, uid, "the same UID as the feeds");
    }

    // Bob waits: no mail. Alice leaves: Bob is promoted and gets the event.
    let res = app
        .post_form(&bob, &path, &format!("{path}/rsvp"), &[("answer", "going")])
        .await;
    assert_eq!(res.status(), 303);
    app.drain_jobs().await;
    assert!(
        mails_to(&app, "bob@exemple.qc.ca").is_empty(),
        "waiting: no mail"
    );
    let res = app
        .post_form(&alice, &path, &format!("{path}/rsvp"), &[("answer", "no")])
        .await;
    assert_eq!(res.status(), 303);
    app.drain_jobs().await;
    let m = app.sink.wait_for("bob@exemple.qc.ca").await;
    assert_eq!(m.subject(), "Inscription : Corvée de semis");

    // The reminder: once, to the one holding a place.
    let n = passerelles::events::mail::queue_reminders(
        &app.state,
        passerelles::db::now() + 6 * 3600 + 60,
    )
    .await
    .unwrap();
    assert_eq!(n, 1);
    let again = passerelles::events::mail::queue_reminders(
        &app.state,
        passerelles::db::now() + 6 * 3600 + 60,
    )
    .await
    .unwrap();
    assert_eq!(again, 0, "never twice");
    app.drain_jobs().await;
    let m = app.sink.wait_for("bob@exemple.qc.ca").await;
    assert_eq!(m.subject(), "Rappel : Corvée de semis");
    // A delay of 0 turns reminders off.
    app.set_setting(passerelles::events::mail::REMINDER_SETTING, "0")
        .await;
    sqlx::query("DELETE FROM event_reminders")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let off = passerelles::events::mail::queue_reminders(
        &app.state,
        passerelles::db::now() + 6 * 3600 + 60,
    )
    .await
    .unwrap();
    assert_eq!(off, 0);

    // Cancelled: Bob hears of it (STATUS:CANCELLED in the .ics); Alice,
    // who left, does not.
    let res = app
        .post_form(
            &org,
            &path,
            &format!("{path}/status"),
            &[("status", "cancelled")],
        )
        .await;
    assert_eq!(res.status(), 303);
    app.drain_jobs().await;
    let m = app.sink.wait_for("bob@exemple.qc.ca").await;
    assert_eq!(m.subject(), "Annulé : Corvée de semis");
    let ics = m.attachment("text/calendar").expect("ics");
    if let Some((_, status, _, _)) = read_ics(&app, &ics) {
        assert_eq!(status, "CANCELLED");
    }
    assert_eq!(
        mails_to(&app, "alice@exemple.qc.ca").len(),
        1,
        "only her registration"
    );
    assert_eq!(mails_to(&app, "bob@exemple.qc.ca").len(), 3);
    let _ = jardins;
}

#[tokio::test]
async fn the_policy_is_asked_when_the_message_is_built() {
    let app = TestApp::spawn().await;
    let (org, org_user) = app.logged_in("organisatrice", false).await;
    let secret = community(&app, "secret", "private", "invitation", &org_user).await;
    let (carole, carole_user) = app.logged_in("carole", false).await;
    member(&app, secret, &carole_user, "member", "active").await;
    let res = app
        .post_form(
            &org,
            "/events/new",
            "/events/new",
            &[
                ("title", "Réunion privée"),
                ("communities", "secret"),
                ("start", "2027-05-04T19:00"),
                ("end", "2027-05-04T20:00"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let path = res.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = path.trim_start_matches("/e/").parse().unwrap();
    let res = app
        .post_form(
            &carole,
            &path,
            &format!("{path}/rsvp"),
            &[("answer", "going")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let base = app.state.config.public_url();
    let built =
        passerelles::events::mail::build(&app.state.db, id, carole_user.id, "changed", &base, "X")
            .await
            .unwrap();
    assert!(built.is_some(), "a member holding a place");
    // She leaves the community: whatever was queued is not sent.
    sqlx::query("DELETE FROM memberships WHERE community_id = $1 AND user_id = $2")
        .bind(secret)
        .bind(carole_user.id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let built =
        passerelles::events::mail::build(&app.state.db, id, carole_user.id, "changed", &base, "X")
            .await
            .unwrap();
    assert!(built.is_none(), "no longer sees the private event");
    let (s, _) = get(&carole, app.at(&path)).await;
    assert_eq!(s, 404, "the page agrees");
}
