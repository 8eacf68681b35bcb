//! Events on the fediverse (issue 18, C15 × C22): an event of an open
//! community is an ActivityPub `Event` the way Mobilizon writes them, on
//! the event page's own URL by `Accept`, announced by the community to its
//! remote followers when created and when changed; an event of a private
//! community is not. Its document expands with an independent JSON-LD
//! processor (pyld) with every term defined.

use serde_json::Value;

use crate::harness::TestApp;
use crate::writing::community;

const AP: &str = "application/activity+json";

async fn ap_get(app: &TestApp, path: &str) -> (u16, Value) {
    let res = app
        .client()
        .get(app.at(path))
        .header("accept", AP)
        .send()
        .await
        .expect("get");
    let s = res.status().as_u16();
    (s, res.json().await.unwrap_or(Value::Null))
}

/// The activities queued for delivery, as sent.
async fn queued(app: &TestApp) -> Vec<Value> {
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT payload FROM jobs WHERE queue = 'federation' ORDER BY id")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    rows.iter()
        .filter_map(|p| {
            let job: Value = serde_json::from_str(p).ok()?;
            let d = job.get("Deliver").unwrap_or(&job);
            serde_json::from_str(d.get("activity")?.as_str()?).ok()
        })
        .collect()
}

async fn create(app: &TestApp, client: &reqwest::Client, fields: &[(&str, &str)]) -> i64 {
    let res = app
        .post_form(client, "/events/new", "/events/new", fields)
        .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/e/")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn events_federate_as_mobilizon_events_and_private_ones_do_not() {
    let app = TestApp::spawn().await;
    let (client, org) = app.logged_in("organisatrice", false).await;
    let open = community(&app, "jardins", "open", "open", &org).await;
    community(&app, "cercle", "private", "request", &org).await;
    // A remote follower of the open community (its server is never reached:
    // the deliveries are only queued).
    let t = passerelles::db::now();
    sqlx::query(
        "INSERT INTO ap_actors (ap_id, kind, inbox, shared_inbox, key_id, public_pem, name, fetched_at, username) \
         VALUES ('https://mobilizon.example/@lea', 'Person', 'https://mobilizon.example/@lea/inbox', \
         'https://mobilizon.example/inbox', 'https://mobilizon.example/@lea#main-key', '', 'Léa', $1, 'lea')",
    )
    .bind(t)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO ap_followers (community_id, actor, follow_id, state, created_at) \
         VALUES ($1, 'https://mobilizon.example/@lea', 'https://mobilizon.example/follow/1', 'accepted', $2)",
    )
    .bind(open)
    .bind(t)
    .execute(&app.state.db.pool)
    .await
    .unwrap();

    let id = create(
        &app,
        &client,
        &[
            ("title", "Corvée printanière"),
            ("description", "On **plante** des tomates"),
            ("communities", "jardins"),
            ("start", "2027-04-12T19:00"),
            ("end", "2027-04-12T21:00"),
            ("tz", "America/Toronto"),
            ("place_kind", "hybrid"),
            ("address", "1000, rue Sainte-Catherine, Montréal"),
            ("online_url", "https://visio.exemple.org/corvee"),
            ("capacity", "12"),
        ],
    )
    .await;
    let url = app.at(&format!("/e/{id}"));
    let (s, doc) = ap_get(&app, &format!("/e/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(doc["type"], "Event");
    assert_eq!(doc["id"], url);
    assert_eq!(doc["name"], "Corvée printanière");
    assert!(
        doc["content"]
            .as_str()
            .unwrap()
            .contains("<strong>plante</strong>")
    );
    assert_eq!(doc["source"]["content"], "On **plante** des tomates");
    // 19:00 in Toronto in April (EDT, UTC−4) is 23:00 UTC.
    assert_eq!(doc["startTime"], "2027-04-12T23:00:00Z");
    assert_eq!(doc["endTime"], "2027-04-13T01:00:00Z");
    assert_eq!(doc["timezone"], "America/Toronto");
    assert_eq!(
        doc["attributedTo"],
        app.at("/c/jardins"),
        "the group, as Mobilizon"
    );
    assert_eq!(doc["actor"], app.at("/u/organisatrice"), "the organiser");
    assert_eq!(doc["location"]["type"], "Place");
    assert_eq!(doc["location"]["address"]["type"], "PostalAddress");
    assert_eq!(
        doc["location"]["address"]["streetAddress"],
        "1000, rue Sainte-Catherine, Montréal"
    );
    assert_eq!(doc["attachment"][0]["name"], "Website");
    assert_eq!(
        doc["attachment"][0]["href"],
        "https://visio.exemple.org/corvee"
    );
    assert_eq!(doc["maximumAttendeeCapacity"], 12);
    assert_eq!(doc["ical:status"], "CONFIRMED");
    assert_eq!(doc["joinMode"], "free");
    // Our own reading of Mobilizon events takes it back.
    assert!(
        doc["to"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == passerelles_core::federation::PUBLIC)
    );

    // Announced: Create(Event) and the bare Event, to the follower's
    // shared inbox.
    let sent = queued(&app).await;
    assert!(
        sent.iter().any(|a| a["type"] == "Announce"
            && a["actor"] == app.at("/c/jardins")
            && a["object"]["type"] == "Create"
            && a["object"]["object"]["type"] == "Event"
            && a["object"]["object"]["id"] == url),
        "{sent:?}"
    );
    assert!(
        sent.iter()
            .any(|a| a["type"] == "Announce" && a["object"]["type"] == "Event")
    );

    // An edit is announced as Update(Event).
    let before = sent.len();
    let res = app
        .post_form(
            &client,
            &format!("/e/{id}/edit"),
            &format!("/e/{id}/edit"),
            &[
                ("title", "Corvée printanière (reportée)"),
                ("description", "On **plante** des tomates"),
                ("communities", "jardins"),
                ("start", "2027-04-19T19:00"),
                ("end", "2027-04-19T21:00"),
                ("tz", "America/Toronto"),
                ("place_kind", "address"),
                ("address", "1000, rue Sainte-Catherine, Montréal"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let sent = queued(&app).await;
    assert!(
        sent[before..]
            .iter()
            .any(|a| a["object"]["type"] == "Update"
                && a["object"]["object"]["name"] == "Corvée printanière (reportée)"),
        "{:?}",
        &sent[before..]
    );

    // An event of the private community: no document, nothing announced.
    let before = sent.len();
    let secret = create(
        &app,
        &client,
        &[
            ("title", "Réunion du cercle"),
            ("communities", "cercle"),
            ("start", "2027-04-12T19:00"),
            ("end", "2027-04-12T21:00"),
            ("tz", "America/Toronto"),
            ("place_kind", "address"),
            ("address", "Chez Ana"),
        ],
    )
    .await;
    let (s, _) = ap_get(&app, &format!("/e/{secret}")).await;
    assert_eq!(s, 404);
    assert_eq!(queued(&app).await.len(), before);

    // Every term of the document is defined (pyld, offline contexts).
    let Some(python) = crate::federation::python() else {
        return;
    };
    let file = app.data_dir.join("event.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let f = file.to_string_lossy().to_string();
    let parsed = crate::federation::run_py(&python, &["jsonld", &f]);
    assert_eq!(
        parsed[&f]["undefined"],
        serde_json::json!([]),
        "{}",
        parsed[&f]
    );
    assert_eq!(
        parsed[&f]["types"][0],
        "https://www.w3.org/ns/activitystreams#Event"
    );
    let props: Vec<&str> = parsed[&f]["properties"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for want in [
        "https://www.w3.org/ns/activitystreams#startTime",
        "https://www.w3.org/ns/activitystreams#location",
        "https://joinmobilizon.org/ns#timezone",
        "https://joinmobilizon.org/ns#joinMode",
        "http://schema.org#streetAddress",
        "http://www.w3.org/2002/12/cal/ical#status",
    ] {
        assert!(props.contains(&want), "{want} in {props:?}");
    }
}
