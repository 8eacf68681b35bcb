//! Issue 15's details of an event, over real HTTP on both engines: a price
//! (the agenda's and the API's free / paid filter), the organisation
//! filter, optional registration questions (a refused form keeps what was
//! typed; answers through the page and the API, shown to organisers and in
//! the participants' CSV read back by Python's `csv`), search's tag,
//! territory and author filters reaching events, and an `.ics` import
//! through the API (a report per event; a bad file refused with its line).

use serde_json::{Value, json};

use crate::harness::{TestApp, html_unescape};
use crate::writing::{community, get, member, token_for};

async fn create(app: &TestApp, token: &str, body: Value) -> i64 {
    let res = reqwest::Client::new()
        .post(app.at("/api/v1/events"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("create");
    let status = res.status();
    let v: Value = res.json().await.expect("json");
    assert_eq!(status, 201, "{v}");
    v["id"].as_i64().expect("id")
}

#[tokio::test]
async fn price_questions_and_filters() {
    let app = TestApp::spawn().await;
    let owner = app.create_user("d-owner", false).await;
    let guest = app.create_user("d-guest", false).await;
    let other = app.create_user("d-other", false).await;
    let c = community(&app, "d-open", "open", "open", &owner).await;
    member(&app, c, &guest, "member", "active").await;
    member(&app, c, &other, "member", "active").await;
    let token = token_for(&app, &owner).await;

    // The form refuses six questions and keeps everything typed.
    let oc = app.client();
    app.login(&oc, &owner.username, crate::harness::PASSWORD)
        .await;
    let six = "Un ?\nDeux ?\nTrois ?\nQuatre ?\nCinq ?\nSix ?";
    let res = app
        .post_form(
            &oc,
            "/events/new",
            "/events/new",
            &[
                ("title", "Souper-bénéfice"),
                ("communities", "d-open"),
                ("start", "2027-05-04T18:00"),
                ("price", "25 $, 10 $ pour les membres"),
                ("questions", six),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = html_unescape(&res.text().await.expect("body"));
    assert!(
        body.contains("value=\"25 $, 10 $ pour les membres\""),
        "{body}"
    );
    assert!(body.contains("Six ?"), "questions kept");
    assert!(body.contains("Au plus 5 questions"), "the reason, in fr-CA");

    let paid = create(
        &app,
        &token,
        json!({"title": "Souper-bénéfice", "communities": ["d-open"], "start": "2027-05-04T18:00",
               "price": "25 $, 10 $ pour les membres",
               "questions": "Allergies alimentaires ?\nCombien de places à votre table ?"}),
    )
    .await;
    let free = create(
        &app,
        &token,
        json!({"title": "Pique-nique gratuit", "communities": ["d-open"], "start": "2027-05-05T12:00"}),
    )
    .await;
    let anon = app.client();
    let page = html_unescape(&get(&anon, app.at(&format!("/e/{paid}"))).await.1);
    assert!(page.contains("25 $, 10 $ pour les membres"));
    let page = html_unescape(&get(&anon, app.at(&format!("/e/{free}"))).await.1);
    assert!(page.contains("id=\"price\">Gratuit<"), "free shown as such");

    // Free / paid filter: page and API.
    let agenda = html_unescape(&get(&anon, app.at("/events?price=free")).await.1);
    assert!(agenda.contains("Pique-nique gratuit") && !agenda.contains("Souper-bénéfice"));
    let agenda = html_unescape(&get(&anon, app.at("/events?price=paid")).await.1);
    assert!(!agenda.contains("Pique-nique gratuit") && agenda.contains("Souper-bénéfice"));
    let v: Value = anon
        .get(app.at("/api/v1/events?price=paid"))
        .send()
        .await
        .expect("api")
        .json()
        .await
        .expect("json");
    let ids: Vec<i64> = v
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|o| o["event_id"].as_i64())
        .collect();
    assert_eq!(ids, vec![paid]);
    let v: Value = anon
        .get(app.at(&format!("/api/v1/events/{paid}")))
        .send()
        .await
        .expect("api")
        .json()
        .await
        .expect("json");
    assert_eq!(v["free"], false);
    assert_eq!(v["questions"][1], "Combien de places à votre table ?");

    // Organisation filter.
    let db = &app.state.db.pool;
    let org: i64 = sqlx::query_scalar(
        "INSERT INTO organisations (slug, name, status, visibility, created_at, updated_at) \
         VALUES ('cuisine-solidaire', 'Cuisine solidaire', 'verified', 'public', 0, 0) RETURNING id",
    )
    .fetch_one(db)
    .await
    .expect("organisation");
    sqlx::query("UPDATE events SET organisation_id = $1 WHERE id = $2")
        .bind(org)
        .bind(free)
        .execute(db)
        .await
        .expect("held by");
    let agenda = html_unescape(
        &get(&anon, app.at("/events?organisation=cuisine-solidaire"))
            .await
            .1,
    );
    assert!(agenda.contains("Pique-nique gratuit") && !agenda.contains("Souper-bénéfice"));
    let agenda = html_unescape(&get(&anon, app.at("/events?organisation=inconnue")).await.1);
    assert!(!agenda.contains("Pique-nique gratuit"));

    // Registration questions: the page asks them; answers kept.
    let gc = app.client();
    app.login(&gc, &guest.username, crate::harness::PASSWORD)
        .await;
    let page = html_unescape(&get(&gc, app.at(&format!("/e/{paid}"))).await.1);
    assert!(page.contains("<label for=\"q0\">Allergies alimentaires ?</label>"));
    let res = app
        .post_form(
            &gc,
            &format!("/e/{paid}"),
            &format!("/e/{paid}/rsvp"),
            &[("answer", "going"), ("q0", "Arachides, noix"), ("q1", "=2")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let page = html_unescape(&get(&gc, app.at(&format!("/e/{paid}"))).await.1);
    assert!(
        page.contains("value=\"Arachides, noix\""),
        "answers shown back"
    );
    let other_token = token_for(&app, &other).await;
    let res = reqwest::Client::new()
        .put(app.at(&format!("/api/v1/events/{paid}/rsvp")))
        .bearer_auth(&other_token)
        .json(&json!({"answer": "maybe", "answers": ["Aucune", "Une \"grande\" table"]}))
        .send()
        .await
        .expect("rsvp");
    assert_eq!(res.status(), 200);
    // More answers than questions: refused.
    let res = reqwest::Client::new()
        .put(app.at(&format!("/api/v1/events/{paid}/rsvp")))
        .bearer_auth(&other_token)
        .json(&json!({"answer": "going", "answers": ["a", "b", "c"]}))
        .send()
        .await
        .expect("rsvp");
    assert_eq!(res.status(), 422);
    let v: Value = reqwest::Client::new()
        .get(app.at(&format!("/api/v1/events/{paid}/participants")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("participants")
        .json()
        .await
        .expect("json");
    let guest_row = v
        .as_array()
        .expect("list")
        .iter()
        .find(|p| p["username"] == guest.username.as_str())
        .expect("guest")
        .clone();
    assert_eq!(guest_row["answers"], json!(["Arachides, noix", "=2"]));
    let page = html_unescape(&get(&oc, app.at(&format!("/e/{paid}/participants"))).await.1);
    assert!(page.contains("<th scope=\"col\">Allergies alimentaires ?</th>"));
    assert!(page.contains("<td>Arachides, noix</td>"));

    // The CSV, read back by Python's csv module.
    let (st, csv) = get(&oc, app.at(&format!("/e/{paid}/participants.csv"))).await;
    assert_eq!(st, 200);
    let dir = std::env::temp_dir().join(format!("ev-csv-{}-{paid}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("p.csv");
    std::fs::write(&path, &csv).expect("write");
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import csv, json, sys\nwith open(sys.argv[1], newline='', encoding='utf-8') as f:\n    print(json.dumps(list(csv.reader(f))))",
            path.to_str().expect("path"),
        ])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Vec<String>> = serde_json::from_slice(&out.stdout).expect("rows");
    assert_eq!(
        rows[0],
        vec![
            "username",
            "display_name",
            "answer",
            "waitlisted",
            "answered_at",
            "Allergies alimentaires ?",
            "Combien de places à votre table ?"
        ]
    );
    let g = rows
        .iter()
        .find(|r| r[0] == guest.username)
        .expect("guest row");
    // A cell a spreadsheet would take for a formula stays text.
    assert_eq!(&g[5..], &["Arachides, noix".to_string(), "'=2".to_string()]);
    let o = rows
        .iter()
        .find(|r| r[0] == other.username)
        .expect("other row");
    assert_eq!(
        &o[5..],
        &["Aucune".to_string(), "Une \"grande\" table".to_string()]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn search_filters_reach_events() {
    use crate::search::api_search;
    let app = TestApp::spawn().await;
    let owner = app.create_user("f-owner", false).await;
    let someone = app.create_user("f-someone", false).await;
    community(&app, "f-open", "open", "open", &owner).await;
    let c2 = community(&app, "f-other", "open", "open", &someone).await;
    let _ = c2;
    let t1 = token_for(&app, &owner).await;
    let t2 = token_for(&app, &someone).await;
    let a = create(
        &app,
        &t1,
        json!({"title": "Atelier vélo solidaire", "communities": ["f-open"], "start": "2027-04-01T10:00",
               "territory": "mauricie", "tags": "réparation"}),
    )
    .await;
    let b = create(
        &app,
        &t2,
        json!({"title": "Atelier vélo d’hiver", "communities": ["f-other"], "start": "2027-04-02T10:00",
               "territory": "montreal", "tags": "mobilité"}),
    )
    .await;
    let ids = |v: &Value| -> Vec<i64> {
        let mut out: Vec<i64> = v["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter_map(|h| {
                h["url"]
                    .as_str()
                    .and_then(|u| u.rsplit("/e/").next())
                    .and_then(|s| s.parse().ok())
            })
            .collect();
        out.sort_unstable();
        out
    };
    let (st, v) = api_search(&app, None, "q=atelier&kind=event").await;
    assert_eq!(st, 200, "{v}");
    let mut both = vec![a, b];
    both.sort_unstable();
    assert_eq!(ids(&v), both);
    let (_, v) = api_search(&app, None, "q=atelier&kind=event&territory=mauricie").await;
    assert_eq!(ids(&v), vec![a], "territory");
    let (_, v) = api_search(&app, None, "q=atelier&tag=mobilit%C3%A9").await;
    assert_eq!(ids(&v), vec![b], "tag");
    let (_, v) = api_search(
        &app,
        None,
        &format!("q=atelier&kind=event&author={}", owner.username),
    )
    .await;
    assert_eq!(ids(&v), vec![a], "author: the organiser");
    // The same through the search page.
    let page = html_unescape(
        &get(
            &app.client(),
            app.at("/search?q=atelier&kind=event&territory=montreal"),
        )
        .await
        .1,
    )
    .replace("<mark>", "")
    .replace("</mark>", "");
    assert!(page.contains("Atelier vélo d’hiver") && !page.contains("Atelier vélo solidaire"));
}

const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Api//FR\r\n\
BEGIN:VEVENT\r\nUID:api-1@example.org\r\nDTSTAMP:20261201T120000Z\r\nSUMMARY:Assemblée de quartier\r\n\
DTSTART;TZID=America/Toronto:20270310T190000\r\nDTEND;TZID=America/Toronto:20270310T210000\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:api-2@example.org\r\nDTSTAMP:20261201T120000Z\r\nSUMMARY:Sans date\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

#[tokio::test]
async fn an_ics_file_is_imported_through_the_api() {
    let app = TestApp::spawn().await;
    let owner = app.create_user("i-owner", false).await;
    let outsider = app.create_user("i-outsider", false).await;
    community(&app, "i-open", "open", "open", &owner).await;
    let token = token_for(&app, &owner).await;
    let post = |t: String, body: String| {
        reqwest::Client::new()
            .post(app.at("/api/v1/communities/i-open/events/import"))
            .bearer_auth(t)
            .header("content-type", "text/calendar")
            .body(body)
            .send()
    };
    let res = post(token.clone(), ICS.to_string()).await.expect("import");
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.expect("json");
    assert_eq!(v["created"], 1, "{v}");
    assert_eq!(v["errors"], 1, "{v}");
    let bad = v["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["uid"] == "api-2@example.org")
        .expect("refused event")
        .clone();
    assert_eq!(bad["outcome"], "error");
    assert_eq!(bad["line"], 11, "the line of its BEGIN:VEVENT");
    assert!(!bad["fields"].as_array().expect("fields").is_empty());
    // Again: known by its UID, not duplicated.
    let v: Value = post(token.clone(), ICS.to_string())
        .await
        .expect("import")
        .json()
        .await
        .expect("json");
    assert_eq!(v["created"], 0, "{v}");
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE title = 'Assemblée de quartier'")
            .fetch_one(&app.state.db.pool)
            .await
            .expect("count");
    assert_eq!(n, 1);
    // Not an iCalendar file: refused as a whole, with the line.
    let res = post(token.clone(), "bonjour\r\n".into())
        .await
        .expect("import");
    assert_eq!(res.status(), 422);
    let v: Value = res.json().await.expect("json");
    assert!(v["refused"]["line"].as_u64().is_some(), "{v}");
    assert!(!v["refused"]["key"].as_str().unwrap_or("").is_empty());
    // Someone who may not import there.
    let t2 = token_for(&app, &outsider).await;
    let res = post(t2, ICS.to_string()).await.expect("import");
    assert!(
        res.status() == 403 || res.status() == 404,
        "{}",
        res.status()
    );
}
