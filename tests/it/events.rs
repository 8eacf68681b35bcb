//! Events over real HTTP, on both engines: creation in two communities
//! through the form (a refused form keeps what was typed), a monthly
//! series with an exception, one occurrence cancelled, registration with a
//! capacity and a waiting list promoted when someone leaves, the
//! organiser's CSV, the page's schema.org JSON-LD, the agenda and month
//! grid, the API, and the calendar feeds read back by two independent
//! parsers (Python `icalendar` + `recurring-ical-events`, and `vobject`).
//! A table of who sees an event through which channel, written from the
//! rules (never computed from the policy): an event of a private community
//! is private through every channel.

use serde_json::{Value, json};

use crate::harness::{TestApp, html_unescape};
use crate::writing::{community, get, member, token_for};

pub(crate) fn python() -> Option<String> {
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
        "calendar feeds",
        "icalendar/recurring-ical-events/vobject not installed (scripts/test --install-rp)",
    );
    None
}

/// Parse feeds with tests/rp/ical.py; (path → its JSON report).
fn read_feeds(app: &TestApp, python: &str, from: &str, to: &str, feeds: &[(&str, &str)]) -> Value {
    let dir = app.data_dir.join("ics");
    std::fs::create_dir_all(&dir).expect("dir");
    let mut args = vec![
        format!("{}/tests/rp/ical.py", env!("CARGO_MANIFEST_DIR")),
        from.to_string(),
        to.to_string(),
    ];
    for (name, body) in feeds {
        let p = dir.join(format!("{name}.ics"));
        std::fs::write(&p, body).expect("write");
        args.push(p.display().to_string());
    }
    let out = std::process::Command::new(python)
        .args(&args)
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "ical.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let mut by_name = serde_json::Map::new();
    for (name, _) in feeds {
        let p = dir.join(format!("{name}.ics")).display().to_string();
        by_name.insert(name.to_string(), v[&p].clone());
    }
    Value::Object(by_name)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn event_id(location: &str) -> i64 {
    location
        .trim_start_matches("/e/")
        .parse()
        .unwrap_or_else(|_| panic!("event location {location}"))
}

async fn create_form(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    app.post_form(client, "/events/new", "/events/new", fields)
        .await
}

#[tokio::test]
async fn recurring_event_in_two_communities_with_waiting_list_and_feeds() {
    let app = TestApp::spawn().await;
    let (org, org_user) = app.logged_in("organisatrice", false).await;
    community(&app, "jardins", "open", "open", &org_user).await;
    community(&app, "cuisines", "open", "open", &org_user).await;

    // A refused form keeps what was typed and names the field.
    let res = create_form(
        &app,
        &org,
        &[
            ("title", "Corvée « printanière » & co"),
            ("communities", "jardins"),
            ("start", "2027-01-12T19:00"),
            ("end", "2027-01-12T18:00"),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.expect("body");
    assert!(
        html_unescape(&body).contains("value=\"Corvée « printanière » & co\""),
        "title kept"
    );
    assert!(body.contains("f-end-error"), "end error tied to the field");

    // Monthly on the 2nd Tuesday, 4 times, one date excluded; capacity 1.
    let res = create_form(
        &app,
        &org,
        &[
            ("title", "Corvée printanière"),
            (
                "description",
                "On **plante** des tomates; apportez des gants, merci",
            ),
            ("communities", "jardins"),
            ("communities", "cuisines"),
            ("start", "2027-01-12T19:00"),
            ("end", "2027-01-12T21:00"),
            ("tz", "America/Toronto"),
            ("repeat", "monthly"),
            ("count", "4"),
            ("exdates", "2027-02-09"),
            ("place_kind", "hybrid"),
            ("address", "1000, rue Sainte-Catherine, Montréal"),
            ("online_url", "https://visio.exemple.org/corvee"),
            ("online_private", "1"),
            ("territory", "mauricie"),
            ("capacity", "1"),
            ("tags", "Jardinage, Printemps"),
        ],
    )
    .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let loc = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let id = event_id(&loc);
    let path = format!("/e/{id}");

    // The page: both communities, JSON-LD, the private link hidden.
    let anon = app.client();
    let (st, page) = get(&anon, app.at(&path)).await;
    assert_eq!(st, 200);
    assert!(page.contains("Communauté jardins") && page.contains("Communauté cuisines"));
    assert!(page.contains("id=\"online-hidden\""));
    assert!(
        !page.contains("visio.exemple.org"),
        "private link hidden from anonymous"
    );
    let ld = page
        .split("<script type=\"application/ld+json\">")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .expect("json-ld");
    let ld: Value = serde_json::from_str(ld).expect("json-ld parses");
    assert_eq!(ld["@type"], "Event");
    assert_eq!(ld["name"], "Corvée printanière");
    assert_eq!(ld["startDate"], "2027-01-12T19:00:00-05:00");
    assert_eq!(
        ld["eventAttendanceMode"],
        "https://schema.org/MixedEventAttendanceMode"
    );
    assert_eq!(ld["url"], app.at(&path));

    // Registration: the first takes the place, the second waits.
    let (p1, _) = app.logged_in("premiere", false).await;
    let (p2, u2) = app.logged_in("deuxieme", false).await;
    let res = app
        .post_form(&p1, &path, &format!("{path}/rsvp"), &[("answer", "going")])
        .await;
    assert_eq!(res.status(), 303);
    let res = app
        .post_form(&p2, &path, &format!("{path}/rsvp"), &[("answer", "going")])
        .await;
    assert_eq!(res.status(), 303);
    let (_, p2page) = get(&p2, app.at(&path)).await;
    assert!(
        p2page.contains("Sur la liste d’attente"),
        "second is waitlisted"
    );
    assert!(
        !p2page.contains("visio.exemple.org"),
        "no link while waiting"
    );
    let (_, p1page) = get(&p1, app.at(&path)).await;
    assert!(
        p1page.contains("https://visio.exemple.org/corvee"),
        "participant sees the link"
    );

    // The organiser's CSV lists the holder first, then the waiting person.
    let (st, csv) = get(&org, app.at(&format!("{path}/participants.csv"))).await;
    assert_eq!(st, 200);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "username,display_name,answer,waitlisted,answered_at"
    );
    assert!(lines[1].starts_with("premiere,,going,0,"), "{csv}");
    assert!(lines[2].starts_with("deuxieme,,going,1,"), "{csv}");
    // Not for participants.
    let (st, _) = get(&p1, app.at(&format!("{path}/participants.csv"))).await;
    assert_eq!(st, 403);

    // The first cancels: the second is promoted.
    let res = app
        .post_form(&p1, &path, &format!("{path}/rsvp"), &[("answer", "no")])
        .await;
    assert_eq!(res.status(), 303);
    let waitlisted: i64 = sqlx::query_scalar(
        "SELECT waitlisted FROM event_rsvps WHERE event_id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(u2.id)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("rsvp");
    assert_eq!(waitlisted, 0, "promoted from the waiting list");

    // Cancel the March occurrence (the organiser).
    let before: i64 = sqlx::query_scalar("SELECT sequence FROM events WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("seq");
    let res = app
        .post_form(
            &org,
            &path,
            &format!("{path}/occurrence"),
            &[("start", "2027-03-09T19:00"), ("action", "cancel")],
        )
        .await;
    assert_eq!(res.status(), 303);
    // Someone else may not.
    let res = app
        .post_form(
            &p2,
            &path,
            &format!("{path}/occurrence"),
            &[("start", "2027-04-13T19:00"), ("action", "cancel")],
        )
        .await;
    assert_eq!(res.status(), 403);

    // The feeds: community, tag, territory, instance.
    let mut feeds = Vec::new();
    for (name, p) in [
        ("community", "/c/jardins/events.ics"),
        ("tag", "/tags/jardinage/events.ics"),
        ("territory", "/t/mauricie/events.ics"),
        ("instance", "/events.ics"),
    ] {
        let res = anon.get(app.at(p)).send().await.expect("feed");
        assert_eq!(res.status(), 200, "{p}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap_or("")
                .starts_with("text/calendar"),
            "{p}"
        );
        let body = res.text().await.expect("body");
        assert!(body.contains("\r\n"), "CRLF lines");
        assert!(body.contains("BEGIN:VTIMEZONE\r\nTZID:America/Toronto"));
        feeds.push((name, body));
    }
    let Some(py) = python() else { return };
    let refs: Vec<(&str, &str)> = feeds.iter().map(|(n, b)| (*n, b.as_str())).collect();
    let read = read_feeds(&app, &py, "2026-12-01", "2027-12-31", &refs);
    let uid: String = sqlx::query_scalar("SELECT uid FROM events WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("uid");
    let expected = vec![
        format!("{uid}|2027-01-12T19:00|CONFIRMED"),
        format!("{uid}|2027-03-09T19:00|CANCELLED"),
        format!("{uid}|2027-04-13T19:00|CONFIRMED"),
    ];
    for (name, _) in &refs {
        let r = &read[*name];
        assert_eq!(strings(&r["icalendar"]), expected, "{name}: icalendar");
        assert_eq!(strings(&r["vobject"]), expected, "{name}: vobject");
        assert_eq!(strings(&r["tzids"]), ["America/Toronto"], "{name}");
        assert!(
            strings(&r["urls"]).contains(&app.at(&path)),
            "{name}: URL back"
        );
        assert_eq!(
            r["sequences"][&uid].as_i64(),
            Some(before + 1),
            "{name}: SEQUENCE raised"
        );
    }
    // The private link is in no public feed.
    assert!(!feeds.iter().any(|(_, b)| b.contains("visio.exemple.org")));
    // The same UID in every feed and after an edit; SEQUENCE raised again.
    let res = app
        .post_form(
            &org,
            &format!("{path}/edit"),
            &format!("{path}/edit"),
            &[
                ("title", "Corvée printanière (salle 2)"),
                ("start", "2027-01-12T19:00"),
                ("end", "2027-01-12T21:00"),
                ("repeat", "rule"),
                ("rrule", "FREQ=MONTHLY;BYDAY=2TU;COUNT=4"),
                ("exdates", "2027-02-09T19:00"),
                ("place_kind", "address"),
                ("address", "Salle 2"),
                ("capacity", "1"),
                ("tags", "Jardinage"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let (_, body) = get(&anon, app.at("/c/cuisines/events.ics")).await;
    let read = read_feeds(&app, &py, "2026-12-01", "2027-12-31", &[("after", &body)]);
    assert_eq!(strings(&read["after"]["uids"]), [uid.clone()]);
    assert_eq!(read["after"]["sequences"][&uid].as_i64(), Some(before + 2));
    assert_eq!(strings(&read["after"]["icalendar"]), expected);

    // Cancelling the whole event: STATUS:CANCELLED everywhere.
    let res = app
        .post_form(
            &org,
            &path,
            &format!("{path}/status"),
            &[("status", "cancelled")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, body) = get(&anon, app.at("/events.ics")).await;
    let read = read_feeds(
        &app,
        &py,
        "2026-12-01",
        "2027-12-31",
        &[("cancelled", &body)],
    );
    for occ in strings(&read["cancelled"]["icalendar"]) {
        assert!(occ.ends_with("|CANCELLED"), "{occ}");
    }

    // The agenda and the month grid show it; webcal:// link on the agenda.
    let (_, agenda) = get(&anon, app.at("/events?community=jardins")).await;
    assert!(agenda.contains("Corvée printanière (salle 2)"));
    assert!(agenda.contains("webcal://"));
    let (_, month) = get(&anon, app.at("/events/month?m=2027-03")).await;
    assert!(month.contains(&format!("href=\"{path}\"")));
    let (_, other) = get(&anon, app.at("/events/month?m=2027-02")).await;
    assert!(
        !other.contains(&format!("href=\"{path}\"")),
        "February excluded"
    );
    // The week view: any day names its week, from Monday; the same rules.
    let (st, week) = get(
        &anon,
        app.at("/events/week?w=2027-04-15&community=cuisines"),
    )
    .await;
    assert_eq!(st, 200);
    assert!(week.contains("Semaine du lundi 12 avril 2027"), "{week}");
    assert!(week.contains(&format!("href=\"{path}\"")));
    assert!(
        week.contains("w=2027-04-05") && week.contains("w=2027-04-19"),
        "prev/next"
    );
    let (_, other) = get(&anon, app.at("/events/week?w=2027-02-09")).await;
    assert!(
        !other.contains(&format!("href=\"{path}\"")),
        "February excluded from its week too"
    );
    let (_, other) = get(
        &anon,
        app.at("/events/week?w=2027-04-15&community=ailleurs"),
    )
    .await;
    assert!(!other.contains(&format!("href=\"{path}\"")), "filtered out");
}

#[tokio::test]
async fn api_creates_answers_and_refuses() {
    let app = TestApp::spawn().await;
    let owner = app.create_user("api-orga", false).await;
    community(&app, "api-c", "open", "open", &owner).await;
    let token = token_for(&app, &owner).await;
    let client = reqwest::Client::new();
    let res = client
        .post(app.at("/api/v1/events"))
        .bearer_auth(&token)
        .json(&json!({"title": "", "communities": ["api-c"], "start": "demain"}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 422);
    let v: Value = res.json().await.expect("json");
    let fields: Vec<String> = v["error"]["fields"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    assert!(
        fields.contains(&"title".to_string()) && fields.contains(&"start".to_string()),
        "{v}"
    );
    // A hostile rule is refused, not expanded.
    let res = client
        .post(app.at("/api/v1/events"))
        .bearer_auth(&token)
        .json(
            &json!({"title": "x", "communities": ["api-c"], "start": "2027-01-01T10:00",
                      "repeat": "rule", "rrule": "FREQ=SECONDLY;COUNT=100000000"}),
        )
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 422);
    let res = client
        .post(app.at("/api/v1/events"))
        .bearer_auth(&token)
        .json(
            &json!({"title": "Atelier", "communities": ["api-c"], "start": "2027-05-01",
                      "end": "2027-05-02", "all_day": true, "capacity": "2"}),
        )
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 201);
    let e: Value = res.json().await.expect("json");
    assert_eq!(e["start"], "2027-05-01");
    assert_eq!(e["all_day"], true);
    let id = e["id"].as_i64().expect("id");
    let other = app.create_user("api-autre", false).await;
    let t2 = token_for(&app, &other).await;
    let res = client
        .put(app.at(&format!("/api/v1/events/{id}/rsvp")))
        .bearer_auth(&t2)
        .json(&json!({"answer": "going"}))
        .send()
        .await
        .expect("rsvp");
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.expect("json");
    assert_eq!(v["my_answer"], "going");
    assert_eq!(v["going"], 1);
    let res = client
        .get(app.at(&format!("/api/v1/events/{id}/participants")))
        .bearer_auth(&t2)
        .send()
        .await
        .expect("participants");
    assert_eq!(res.status(), 403);
    let res = client
        .get(app.at(&format!("/api/v1/events/{id}/participants")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("participants");
    let v: Value = res.json().await.expect("json");
    assert_eq!(v[0]["username"], "api-autre");
    // The agenda lists the all-day occurrence.
    let (_, body) = get(&client, app.at("/api/v1/events?community=api-c")).await;
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v[0]["start"], "2027-05-01");
    // An all-day event in a feed: DATE values, read the same by both parsers.
    let (_, ics) = get(&client, app.at("/c/api-c/events.ics")).await;
    assert!(ics.contains("DTSTART;VALUE=DATE:20270501"));
    assert!(
        ics.contains("DTEND;VALUE=DATE:20270503"),
        "end date exclusive"
    );
    if let Some(py) = python() {
        let r = read_feeds(&app, &py, "2027-01-01", "2027-12-31", &[("allday", &ics)]);
        assert_eq!(strings(&r["allday"]["icalendar"]).len(), 1);
        assert_eq!(
            strings(&r["allday"]["icalendar"]),
            strings(&r["allday"]["vobject"])
        );
    }
}

/// Who sees an event, channel by channel. Rows: (community visibility,
/// viewer) → does the viewer get it through the page, the API, the agenda,
/// the community's feed, the instance feed, the tag feed, their private
/// "my communities" feed. Written from the rules: open → everyone;
/// private → its members and administrators, on pages and API, and in the
/// member's private feed, never in a public feed; unlisted → found only by
/// its members; suspended accounts act as nobody.
#[tokio::test]
async fn who_sees_an_event_through_each_channel() {
    let app = TestApp::spawn().await;
    let owner = app.create_user("m-owner", false).await;
    let member_u = app.create_user("m-member", false).await;
    let outsider = app.create_user("m-outsider", false).await;
    let admin = app.create_user("m-admin", true).await;
    let suspended = app.create_user("m-suspended", false).await;
    let mut events = Vec::new();
    for vis in ["open", "private", "unlisted"] {
        let slug = format!("m-{vis}");
        let c = community(&app, &slug, vis, "request", &owner).await;
        member(&app, c, &member_u, "member", "active").await;
        member(&app, c, &suspended, "member", "active").await;
        let token = token_for(&app, &owner).await;
        let res = reqwest::Client::new()
            .post(app.at("/api/v1/events"))
            .bearer_auth(&token)
            .json(
                &json!({"title": format!("Événement {vis}"), "communities": [slug],
                          "start": "2027-06-01T10:00", "tags": format!("matrice-{vis}")}),
            )
            .send()
            .await
            .expect("create");
        assert_eq!(res.status(), 201, "{vis}");
        let v: Value = res.json().await.expect("json");
        events.push((vis, slug, v["id"].as_i64().expect("id")));
    }
    sqlx::query("UPDATE users SET status = 'suspended' WHERE id = $1")
        .bind(suspended.id)
        .execute(&app.state.db.pool)
        .await
        .expect("suspend");

    // (visibility, viewer) → [page, api, agenda, community feed, instance feed, tag feed, private feed,
    // ActivityPub: the event id asked with `Accept: application/activity+json`, as a remote
    // server asks it (no viewer: open communities only)]
    let expected: &[(&str, &str, [bool; 8])] = &[
        (
            "open",
            "anonymous",
            [true, true, true, true, true, true, false, true],
        ),
        (
            "open",
            "outsider",
            [true, true, true, true, true, true, false, true],
        ),
        (
            "open",
            "member",
            [true, true, true, true, true, true, true, true],
        ),
        // The API refuses a suspended account's token.
        (
            "open",
            "suspended",
            [true, false, true, true, true, true, false, true],
        ),
        (
            "open",
            "admin",
            [true, true, true, true, true, true, false, true],
        ),
        (
            "private",
            "anonymous",
            [false, false, false, false, false, false, false, false],
        ),
        (
            "private",
            "outsider",
            [false, false, false, false, false, false, false, false],
        ),
        (
            "private",
            "member",
            [true, true, true, false, false, false, true, false],
        ),
        (
            "private",
            "suspended",
            [false, false, false, false, false, false, false, false],
        ),
        (
            "private",
            "admin",
            [true, true, true, false, false, false, false, false],
        ),
        (
            "unlisted",
            "anonymous",
            [false, false, false, false, false, false, false, false],
        ),
        (
            "unlisted",
            "outsider",
            [false, false, false, false, false, false, false, false],
        ),
        (
            "unlisted",
            "member",
            [true, true, true, false, false, false, true, false],
        ),
        (
            "unlisted",
            "suspended",
            [false, false, false, false, false, false, false, false],
        ),
        (
            "unlisted",
            "admin",
            [true, true, true, false, false, false, false, false],
        ),
    ];
    let mut clients = std::collections::HashMap::new();
    let mut tokens = std::collections::HashMap::new();
    let mut feeds = std::collections::HashMap::new();
    for (name, u) in [
        ("outsider", &outsider),
        ("member", &member_u),
        ("admin", &admin),
        ("suspended", &suspended),
    ] {
        let c = app.client();
        if name != "suspended" {
            app.login(&c, &u.username, crate::harness::PASSWORD).await;
            // A private feed address, made on "my events".
            let res = app
                .post_form(&c, "/events/mine", "/events/tokens", &[])
                .await;
            assert_eq!(res.status(), 200);
            let page = html_unescape(&res.text().await.expect("body"));
            let url = page
                .split("<code id=\"communities-url\">")
                .nth(1)
                .and_then(|s| s.split("</code>").next())
                .expect("private feed url")
                .to_string();
            feeds.insert(name, url);
        }
        tokens.insert(name, token_for(&app, u).await);
        clients.insert(name, c);
    }
    clients.insert("anonymous", app.client());
    let mut wrong = Vec::new();
    for (vis, viewer, want) in expected {
        let (_, slug, id) = events.iter().find(|(v, _, _)| v == vis).expect("event");
        let title = format!("Événement {vis}");
        let c = &clients[viewer];
        let page = get(c, app.at(&format!("/e/{id}"))).await.0 == 200;
        let api = {
            let mut r = reqwest::Client::new().get(app.at(&format!("/api/v1/events/{id}")));
            if *viewer != "anonymous" {
                r = r.bearer_auth(&tokens[viewer]);
            }
            r.send().await.expect("api").status() == 200
        };
        let agenda = get(c, app.at("/events")).await.1.contains(&title);
        let anon = app.client();
        let cfeed = get(&anon, app.at(&format!("/c/{slug}/events.ics")))
            .await
            .1
            .contains(&title);
        let ifeed = get(&anon, app.at("/events.ics")).await.1.contains(&title);
        let tfeed = get(&anon, app.at(&format!("/tags/matrice-{vis}/events.ics")))
            .await
            .1
            .contains(&title);
        let pfeed = match feeds.get(viewer) {
            Some(url) => get(&anon, url.clone()).await.1.contains(&title),
            None => false,
        };
        let activitypub = reqwest::Client::new()
            .get(app.at(&format!("/e/{id}")))
            .header("accept", "application/activity+json")
            .send()
            .await
            .expect("activitypub")
            .text()
            .await
            .unwrap_or_default()
            .contains(&format!("\"name\":\"{title}\""));
        let got = [page, api, agenda, cfeed, ifeed, tfeed, pfeed, activitypub];
        if got != *want {
            wrong.push(format!("{vis} × {viewer}: got {got:?}, want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "wrong cells:\n{}", wrong.join("\n"));

    // Revoking the private addresses: the feed answers 404 at once.
    let url = feeds["member"].clone();
    let c = &clients["member"];
    let res = app
        .post_form(c, "/events/mine", "/events/tokens/revoke", &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(get(&app.client(), url).await.0, 404);
}

/// Events in search (a kind of its own, dated by their start): found by
/// their words, tags and place, through their communities' rule — a private
/// community's event by its members only, on the page and the API; the
/// kind, community and date filters; an edit is searchable at once.
#[tokio::test]
async fn events_are_found_by_search_as_their_communities_allow() {
    use crate::search::{api_search, q};
    let app = TestApp::spawn().await;
    let owner = app.create_user("s-owner", false).await;
    let insider = app.create_user("s-member", false).await;
    community(&app, "s-open", "open", "open", &owner).await;
    let private = community(&app, "s-private", "private", "request", &owner).await;
    member(&app, private, &insider, "member", "active").await;
    let token = token_for(&app, &owner).await;
    let mut ids = Vec::new();
    for (slug, title, start, tags) in [
        (
            "s-open",
            "Corvée de compostage collectif",
            "2027-06-01T10:00",
            "jardinage",
        ),
        (
            "s-private",
            "Réunion du comité compostage",
            "2027-06-15T19:00",
            "comité",
        ),
    ] {
        let res = reqwest::Client::new()
            .post(app.at("/api/v1/events"))
            .bearer_auth(&token)
            .json(
                &json!({"title": title, "communities": [slug], "start": start,
                          "description": "Apportez vos **bacs**.", "tags": tags,
                          "address": "Parc Lafontaine"}),
            )
            .send()
            .await
            .expect("create");
        assert_eq!(res.status(), 201, "{title}");
        let v: Value = res.json().await.expect("json");
        ids.push(v["id"].as_i64().expect("id"));
    }
    let (open_id, private_id) = (ids[0], ids[1]);
    let urls = |v: &Value| -> Vec<String> {
        v["results"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|h| {
                        assert_eq!(h["kind"], "event", "{h}");
                        h["url"].as_str().unwrap_or_default().to_string()
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let open_url = format!("/e/{open_id}");
    let private_url = format!("/e/{private_id}");

    // Anonymous: the open community's event only, by a word of its title,
    // of its description (stemmed), of its place.
    for words in ["compostage", "bacs", "Lafontaine"] {
        let (st, v) = api_search(&app, None, &q(words)).await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(urls(&v), [open_url.clone()], "{words}");
    }
    // By a tag's word.
    let (_, v) = api_search(&app, None, &q("jardinage")).await;
    assert_eq!(urls(&v), [open_url.clone()]);
    // A member of the private community finds both; an outsider does not.
    let member_token = token_for(&app, &insider).await;
    let (_, v) = api_search(
        &app,
        Some(&member_token),
        &format!("{}&sort=date", q("compostage")),
    )
    .await;
    let mut found = urls(&v);
    found.sort();
    let mut both = vec![open_url.clone(), private_url.clone()];
    both.sort();
    assert_eq!(found, both);
    let outsider = app.create_user("s-outsider", false).await;
    let outsider_token = token_for(&app, &outsider).await;
    let (_, v) = api_search(&app, Some(&outsider_token), &q("comité")).await;
    assert!(urls(&v).is_empty(), "private event hidden: {v}");
    // The kind facet and filter.
    let (_, v) = api_search(&app, None, &format!("{}&kind=event", q("compostage"))).await;
    assert_eq!(urls(&v), [open_url.clone()]);
    assert_eq!(v["facets"]["kinds"][0]["value"], "event", "{v}");
    let (_, v) = api_search(&app, None, &format!("{}&kind=discussion", q("compostage"))).await;
    assert!(urls(&v).is_empty());
    // The community filter.
    let (_, v) = api_search(
        &app,
        Some(&member_token),
        &format!("{}&community=s-private", q("compostage")),
    )
    .await;
    assert_eq!(urls(&v), [private_url.clone()]);
    // Dates are the event's start.
    let (_, v) = api_search(
        &app,
        Some(&member_token),
        &format!("{}&from=2027-06-10&to=2027-06-20", q("compostage")),
    )
    .await;
    assert_eq!(urls(&v), [private_url.clone()]);
    let (_, v) = api_search(&app, None, &format!("{}&from=2027-06-02", q("compostage"))).await;
    assert!(urls(&v).is_empty());
    // The results page links to the event.
    let (st, page) = get(
        &app.client(),
        app.at(&format!("/search?{}", q("compostage"))),
    )
    .await;
    assert_eq!(st, 200);
    assert!(page.contains(&format!("href=\"{open_url}\"")), "{page}");
    assert!(!page.contains(&format!("href=\"{private_url}\"")));

    // An edit is searchable at once; the old title is gone.
    let res = reqwest::Client::new()
        .patch(app.at(&format!("/api/v1/events/{open_id}")))
        .bearer_auth(&token)
        .json(&json!({"title": "Grande plantation d'arbres", "start": "2027-06-01T10:00"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let (_, v) = api_search(&app, None, &q("plantation")).await;
    assert_eq!(urls(&v), [open_url.clone()]);
    let (_, v) = api_search(&app, None, &q("collectif")).await;
    assert!(urls(&v).is_empty(), "{v}");
}

/// The agenda's Atom feed: one entry per upcoming date, a cancelled date
/// said so, links to the event's page, for an anonymous reader only (a
/// private community's event is in no feed); read by feedparser and lxml
/// (tests/rp/feeds.py).
#[tokio::test]
async fn agenda_atom_feed_is_read_by_feedparser() {
    let app = TestApp::spawn().await;
    let owner = app.create_user("a-owner", false).await;
    community(&app, "a-open", "open", "open", &owner).await;
    community(&app, "a-private", "private", "request", &owner).await;
    let token = token_for(&app, &owner).await;
    let mut ids = Vec::new();
    for (slug, title, extra) in [
        (
            "a-open",
            "Atelier <couture> & réparation",
            json!({"rrule": "FREQ=WEEKLY;COUNT=3", "repeat": "rule"}),
        ),
        ("a-private", "Assemblée interne", json!({})),
    ] {
        let mut body = json!({"title": title, "communities": [slug], "start": "2027-05-04T18:00",
                              "address": "Centre communautaire"});
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        let res = reqwest::Client::new()
            .post(app.at("/api/v1/events"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .expect("create");
        assert_eq!(res.status(), 201, "{title}");
        let v: Value = res.json().await.expect("json");
        ids.push(v["id"].as_i64().expect("id"));
    }
    let org = app.client();
    app.login(&org, "a-owner", crate::harness::PASSWORD).await;
    let path = format!("/e/{}", ids[0]);
    let res = app
        .post_form(
            &org,
            &path,
            &format!("{path}/occurrence"),
            &[("start", "2027-05-11T18:00"), ("action", "cancel")],
        )
        .await;
    assert_eq!(res.status(), 303);

    let res = reqwest::get(app.at("/events.atom")).await.expect("atom");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("application/atom+xml")
    );
    let body = res.text().await.expect("body");
    assert!(
        body.contains(&format!("href=\"{}\"", app.at(&path))),
        "{body}"
    );
    assert!(
        !body.contains("Assemblée interne"),
        "private event in no feed"
    );
    let (_, agenda) = get(&app.client(), app.at("/events?community=a-open")).await;
    assert!(agenda.contains("href=\"/events.atom?community=a-open\""));
    let (_, filtered) = get(&app.client(), app.at("/events.atom?community=a-private")).await;
    assert!(!filtered.contains("Assemblée interne"));

    let venv = format!("{}/tests/rp/.venv/bin/python3", env!("CARGO_MANIFEST_DIR"));
    let py = if std::path::Path::new(&venv).exists() {
        venv
    } else {
        "python3".into()
    };
    let ok = std::process::Command::new(&py)
        .args(["-c", "import feedparser, lxml"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("PASSERELLES_REQUIRE_RP").is_ok_and(|v| v == "1") {
            panic!("feedparser and lxml are required (PASSERELLES_REQUIRE_RP=1)");
        }
        crate::harness::skip("events Atom feed", "feedparser/lxml not installed");
        return;
    }
    let file = app.data_dir.join("events.atom");
    std::fs::write(&file, &body).expect("write");
    let out = std::process::Command::new(&py)
        .arg(format!("{}/tests/rp/feeds.py", env!("CARGO_MANIFEST_DIR")))
        .arg(&file)
        .output()
        .expect("feeds.py");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let r = &v[file.display().to_string()];
    assert_eq!(r["format"], "atom10");
    assert_eq!(
        r["titles"],
        json!([
            "Atelier <couture> & réparation",
            "Annulé : Atelier <couture> & réparation",
            "Atelier <couture> & réparation"
        ])
    );
}

/// The agenda's lists, the month grid and the public calendar feeds come from the page
/// cache (src/web/cached.rs); every change shows at the next request, not
/// a minute later: a new title, a new tag (the tag filter and the feed's
/// CATEGORIES read `event_tags`, migration 0072), a community turning
/// private. Each page is asked twice first, so the second answer is the
/// cached one.
#[tokio::test]
async fn cached_agenda_and_feeds_change_with_the_events() {
    let app = TestApp::spawn().await;
    let owner = app.create_user("cache-orga", false).await;
    community(&app, "cache-c", "open", "open", &owner).await;
    let token = token_for(&app, &owner).await;
    let api = reqwest::Client::new();
    let res = api
        .post(app.at("/api/v1/events"))
        .bearer_auth(&token)
        .json(&json!({"title": "Corvée de printemps", "communities": ["cache-c"], "start": "2027-05-01T10:00", "end": "2027-05-01T12:00"}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let anon = reqwest::Client::new();
    let pages = [
        "/events?community=cache-c",
        "/events?tag=jardinage",
        "/c/cache-c/events.ics",
        "/events.ics",
        "/events/month?community=cache-c&m=2027-05",
    ];
    let mut before = Vec::new();
    for p in pages {
        before.push(read_twice(&anon, app.at(p)).await);
    }
    assert!(before[0].contains("Corvée de printemps"), "agenda");
    assert!(!before[1].contains("Corvée"), "not yet tagged");
    assert!(
        before[2].contains("SUMMARY:Corvée de printemps"),
        "community feed"
    );
    assert!(
        before[3].contains("SUMMARY:Corvée de printemps"),
        "instance feed"
    );
    assert!(before[4].contains("Corvée de printemps"), "month grid");
    assert!(!before[2].contains("jardinage"), "no category yet");

    let res = api
        .patch(app.at(&format!("/api/v1/events/{id}")))
        .bearer_auth(&token)
        .json(&json!({"title": "Corvée d'automne", "communities": ["cache-c"], "start": "2027-05-01T10:00", "end": "2027-05-01T12:00", "tags": "jardinage"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let mut after = Vec::new();
    for p in pages {
        after.push(read_twice(&anon, app.at(p)).await);
    }
    assert!(after[0].contains("Corvée d'automne"), "agenda renamed");
    assert!(!after[0].contains("Corvée de printemps"), "old title gone");
    assert!(after[1].contains("Corvée d'automne"), "tag filter");
    assert!(
        after[2].contains("SUMMARY:Corvée d'automne"),
        "community feed"
    );
    assert!(
        after[2].to_lowercase().contains("categories:jardinage"),
        "category"
    );
    assert!(
        after[3].contains("SUMMARY:Corvée d'automne"),
        "instance feed"
    );
    assert!(after[4].contains("Corvée d'automne"), "month grid renamed");

    // The community turns private: gone from the anonymous agenda and feeds.
    sqlx::query("UPDATE communities SET visibility = 'private' WHERE slug = 'cache-c'")
        .execute(&app.state.db.pool)
        .await
        .expect("private");
    let (_, agenda) = get(&anon, app.at("/events?community=cache-c")).await;
    assert!(!agenda.contains("Corvée"), "private agenda");
    let (_, feed) = get(&anon, app.at("/events.ics")).await;
    assert!(!feed.contains("Corvée"), "private in the instance feed");
    let (_, month) = get(&anon, app.at("/events/month?community=cache-c&m=2027-05")).await;
    assert!(!month.contains("Corvée"), "private month grid");
}

/// A page asked twice (the second answer comes from the page cache), both
/// answered and agreeing; the second, unescaped.
async fn read_twice(client: &reqwest::Client, url: String) -> String {
    let (st, body) = get(client, url.clone()).await;
    let (st2, body2) = get(client, url.clone()).await;
    assert_eq!((st, st2), (200, 200), "{url}");
    assert_eq!(body.contains("Corvée"), body2.contains("Corvée"), "{url}");
    html_unescape(&body2)
}

/// The signed-in home lists the upcoming events of the reader's own
/// communities only (`Filter::member_of`, which starts from the reader's
/// memberships): an event of an open community they have not joined, or
/// of one whose membership is still pending, is not there.
#[tokio::test]
async fn home_lists_upcoming_events_of_my_communities_only() {
    let app = TestApp::spawn().await;
    let owner = app.create_user("home-orga", false).await;
    let mine = community(&app, "home-mine", "open", "open", &owner).await;
    community(&app, "home-other", "open", "open", &owner).await;
    let asked = community(&app, "home-asked", "open", "request", &owner).await;
    let token = token_for(&app, &owner).await;
    let soon = chrono::Utc::now() + chrono::Duration::days(10);
    let day = soon.format("%Y-%m-%d").to_string();
    for (title, slug) in [
        ("Atelier de mes voisins", "home-mine"),
        ("Fête d'une autre communauté", "home-other"),
        ("Corvée en attente", "home-asked"),
    ] {
        let res = reqwest::Client::new()
            .post(app.at("/api/v1/events"))
            .bearer_auth(&token)
            .json(&json!({"title": title, "communities": [slug], "start": format!("{day}T10:00"), "end": format!("{day}T12:00")}))
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), 201, "{title}");
    }
    let (client, reader) = app.logged_in("home-lectrice", false).await;
    member(&app, mine, &reader, "member", "active").await;
    member(&app, asked, &reader, "member", "pending").await;
    let (status, html) = get(&client, app.at("/")).await;
    assert_eq!(status, 200);
    let html = html_unescape(&html);
    assert!(html.contains("id=\"home-events\""), "the block is shown");
    assert!(
        html.contains("Atelier de mes voisins"),
        "my community's event"
    );
    assert!(
        !html.contains("Fête d'une autre communauté"),
        "not a community I have not joined"
    );
    assert!(
        !html.contains("Corvée en attente"),
        "not a community whose membership is pending"
    );
}
