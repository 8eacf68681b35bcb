//! End to end in headless Chromium (issue 15, "what it must show"): an
//! organiser creates a weekly event in two communities with one place; a
//! first person registers and takes it; the next is put on the waiting
//! list; the first cancels and the second is promoted; the second
//! subscribes to a community's calendar from the community's page (the
//! `webcal://` link, fetched as a calendar application does); the
//! organiser cancels one occurrence; the same subscription then shows that
//! occurrence cancelled — read back by Python `icalendar` +
//! `recurring-ical-events` and by `vobject` (tests/rp/ical.py), with the
//! second community's feed agreeing.

use serde_json::Value;

use crate::harness::{PASSWORD, TestApp};
use crate::webdriver::{self, Browser};
use crate::writing::community;

const TITLE: &str = "Atelier de vélo partagé";

async fn log_in(b: &Browser, app: &TestApp, login: &str) {
    b.goto(&app.at("/login")).await;
    b.fill("#f-login", login).await;
    b.fill("#f-password", PASSWORD).await;
    b.click_and_wait("form.form button[type=submit]").await;
    assert_eq!(
        b.find_all("form[action='/logout']").await.len(),
        1,
        "{login} is logged in: {}",
        b.text("main").await
    );
}

async fn log_out(b: &Browser) {
    b.click(".user-menu summary").await; // the personal menu holds "Se déconnecter"
    b.click_and_wait("form[action='/logout'] button[type=submit]")
        .await;
    assert!(b.find_all("form[action='/logout']").await.is_empty());
}

/// Answer on the event's page with one of its three buttons; the answer shown back.
async fn answer(b: &Browser, app: &TestApp, path: &str, value: &str) -> String {
    b.goto(&app.at(path)).await;
    b.click_and_wait(&format!(
        "form[action='{path}/rsvp'] button[name=answer][value={value}]"
    ))
    .await;
    assert!(
        b.current_url().await.ends_with(path),
        "{}",
        b.text("main").await
    );
    b.text("#my-answer").await
}

/// The python interpreter with icalendar, recurring-ical-events and vobject.
fn python() -> Option<String> {
    let venv = format!("{}/tests/rp/.venv/bin/python3", env!("CARGO_MANIFEST_DIR"));
    let python = if std::path::Path::new(&venv).exists() {
        venv
    } else {
        "python3".to_string()
    };
    let ok = std::process::Command::new(&python)
        .args(["-c", "import icalendar, recurring_ical_events, vobject"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    if std::env::var("PASSERELLES_REQUIRE_RP").is_ok_and(|v| v == "1") {
        panic!(
            "icalendar, recurring-ical-events and vobject are required (PASSERELLES_REQUIRE_RP=1)"
        );
    }
    crate::harness::skip(
        "browser calendar feeds",
        "icalendar/recurring-ical-events/vobject not installed (scripts/test --install-rp)",
    );
    None
}

/// One feed read by both parsers: (icalendar occurrences, vobject occurrences, report).
fn read(app: &TestApp, py: &str, name: &str, body: &str) -> (Vec<String>, Vec<String>, Value) {
    let dir = app.data_dir.join("e2e-ics");
    std::fs::create_dir_all(&dir).expect("dir");
    let p = dir.join(format!("{name}.ics"));
    std::fs::write(&p, body).expect("write");
    let out = std::process::Command::new(py)
        .arg(format!("{}/tests/rp/ical.py", env!("CARGO_MANIFEST_DIR")))
        .args(["2027-01-01", "2027-03-01"])
        .arg(&p)
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "ical.py failed on {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let r = v[p.display().to_string()].clone();
    let list = |k: &str| -> Vec<String> {
        r[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    (list("icalendar"), list("vobject"), r)
}

async fn fetch(url: &str) -> String {
    let res = reqwest::get(url).await.expect("feed");
    assert_eq!(res.status(), 200, "{url}");
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/calendar"),
        "{url}"
    );
    res.text().await.expect("body")
}

#[tokio::test]
async fn browser_recurring_event_waiting_list_promotion_and_cancelled_occurrence_in_feed() {
    let app = TestApp::spawn().await;
    let organiser = app.create_user("organisatrice", false).await;
    app.create_user("premiere", false).await;
    app.create_user("deuxieme", false).await;
    community(&app, "velo-solidaire", "open", "open", &organiser).await;
    community(&app, "quartier-nord", "open", "open", &organiser).await;
    let Some(b) = webdriver::browser_or_skip(
        1280,
        900,
        "browser_recurring_event_waiting_list_promotion_and_cancelled_occurrence_in_feed",
    )
    .await
    else {
        return;
    };

    // 1. A weekly event, four Tuesdays, in both communities, one place.
    log_in(&b, &app, "organisatrice").await;
    b.goto(&app.at("/events/new")).await;
    b.fill("#f-title", TITLE).await;
    b.click("input[name=communities][value=velo-solidaire]")
        .await;
    b.click("input[name=communities][value=quartier-nord]")
        .await;
    b.fill(
        "#f-description",
        "On répare les vélos **ensemble**; outils fournis.",
    )
    .await;
    // datetime-local inputs take their value in ISO form whatever the locale.
    b.execute(
        "document.querySelector('#f-start').value = '2027-01-12T18:30';\
         document.querySelector('#f-end').value = '2027-01-12T20:30';\
         document.querySelector('#f-repeat').value = 'weekly';",
        vec![],
    )
    .await;
    b.fill("#f-count", "4").await;
    b.fill("#f-address", "Local du Vélo, 55 rue Saint-Jean, Québec")
        .await;
    b.fill("#f-capacity", "1").await;
    b.fill("#f-tags", "vélo, entraide").await;
    b.click_and_wait("form[action='/events/new'] button[type=submit]")
        .await;
    let url = b.current_url().await;
    let path = url.replacen(&app.url, "", 1);
    assert!(path.starts_with("/e/"), "{url}: {}", b.text("main").await);
    assert_eq!(b.text("h1").await, TITLE);
    let comms = b.text("#communities").await;
    assert!(
        comms.contains("velo-solidaire") && comms.contains("quartier-nord"),
        "{comms}"
    );
    assert_eq!(b.find_all("#occurrences li").await.len(), 4);
    log_out(&b).await;

    // 2. The first person registers and takes the only place.
    log_in(&b, &app, "premiere").await;
    assert_eq!(answer(&b, &app, &path, "going").await, "J’y serai");
    assert!(b.text(".flash").await.contains("inscrit"));
    assert!(
        b.text("#counts").await.starts_with("1"),
        "{}",
        b.text("#counts").await
    );
    log_out(&b).await;

    // 3. The capacity is full: the next person is on the waiting list.
    log_in(&b, &app, "deuxieme").await;
    assert_eq!(
        answer(&b, &app, &path, "going").await,
        "Sur la liste d’attente"
    );
    assert!(b.text(".flash").await.contains("liste d’attente"));
    assert!(
        b.text("#counts").await.contains("1 en attente"),
        "{}",
        b.text("#counts").await
    );
    log_out(&b).await;

    // 4. The first cancels: the second is promoted.
    log_in(&b, &app, "premiere").await;
    assert_eq!(answer(&b, &app, &path, "no").await, "Je n’y serai pas");
    log_out(&b).await;
    log_in(&b, &app, "deuxieme").await;
    b.goto(&app.at(&path)).await;
    assert_eq!(b.text("#my-answer").await, "J’y serai", "promoted");
    assert!(!b.text("#counts").await.contains("attente"));

    // 5. Subscribing to the community's calendar from its page.
    b.goto(&app.at("/c/velo-solidaire")).await;
    b.click_and_wait(".side-nav a[href='/events?community=velo-solidaire']")
        .await;
    assert!(b.text("main").await.contains(TITLE));
    let webcal = b
        .find("#webcal")
        .await
        .attribute("href")
        .await
        .expect("webcal link");
    assert!(webcal.starts_with("webcal://"), "{webcal}");
    // A calendar application reads webcal:// over HTTP(S).
    let subscribed = webcal.replacen("webcal://", "http://", 1);
    assert_eq!(subscribed, app.at("/c/velo-solidaire/events.ics"));
    let before = fetch(&subscribed).await;
    log_out(&b).await;

    // 6. The organiser cancels the second Tuesday.
    log_in(&b, &app, "organisatrice").await;
    b.goto(&app.at(&path)).await;
    b.click_and_wait("#occurrences li:nth-child(2) button[name=action][value=cancel]")
        .await;
    assert!(
        b.text("#occurrences li:nth-child(2)")
            .await
            .contains("Annulé"),
        "{}",
        b.text("#occurrences").await
    );
    assert_eq!(
        b.find_all("#occurrences button[value=cancel]").await.len(),
        3
    );

    // 7. The subscription shows it cancelled, in two independent parsers.
    let after = fetch(&subscribed).await;
    let other = fetch(&app.at("/c/quartier-nord/events.ics")).await;
    b.quit().await;
    let Some(py) = python() else { return };
    let uid: String = sqlx::query_scalar("SELECT uid FROM events WHERE title = $1")
        .bind(TITLE)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("uid");
    let dates = [
        "2027-01-12T18:30",
        "2027-01-19T18:30",
        "2027-01-26T18:30",
        "2027-02-02T18:30",
    ];
    let (ical, vobj, r0) = read(&app, &py, "before", &before);
    let all_confirmed: Vec<String> = dates
        .iter()
        .map(|d| format!("{uid}|{d}|CONFIRMED"))
        .collect();
    assert_eq!(ical, all_confirmed, "before: icalendar");
    assert_eq!(vobj, all_confirmed, "before: vobject");
    let one_cancelled: Vec<String> = dates
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let st = if i == 1 { "CANCELLED" } else { "CONFIRMED" };
            format!("{uid}|{d}|{st}")
        })
        .collect();
    for (name, body) in [("after", &after), ("other-community", &other)] {
        let (ical, vobj, r) = read(&app, &py, name, body);
        assert_eq!(ical, one_cancelled, "{name}: icalendar");
        assert_eq!(vobj, one_cancelled, "{name}: vobject");
        assert!(
            r["urls"]
                .as_array()
                .is_some_and(|u| u.iter().any(|x| x.as_str() == Some(&app.at(&path)))),
            "{name}: link back to the event page"
        );
        // The calendar application sees a change: SEQUENCE raised, same UID.
        assert!(
            r["sequences"][&uid].as_i64() > r0["sequences"][&uid].as_i64(),
            "{name}: SEQUENCE raised"
        );
    }
}
