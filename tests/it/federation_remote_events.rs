//! Events of other instances (issue 18): a remote `Event` becomes a
//! read-only event of the community that received it, marked with its
//! origin; its changes and deletion follow it; nobody here manages it; a
//! member's "going" is a `Join` sent to its origin, and withdrawing a
//! `Leave`.
//!
//! - Mobilizon's own JSON (`tests/fixtures/fediverse/mobilizon/objects/
//!   event.json`: a byte-for-byte copy of `assets/mobilizon/objects/
//!   event.json` in the crate `lemmy_apub` 0.19.1-rc.1, crates.io,
//!   AGPL-3.0, as `rendezvous.nomagic.uk` served it; see the fixture tests),
//!   handled by the inbox's code after the signature
//!   (`federation::inbox::handle`);
//! - two Passerelles instances over real HTTP on 127.0.0.1.
//!
//! Both engines.

use passerelles::actor::Actor;
use passerelles_core::federation::delivery::{self, RemoteActor};
use passerelles_core::federation::inbox::{self, Received};
use serde_json::{Value, json};

use crate::harness::{TestApp, html_unescape};
use crate::writing::{community, member, token_for};

const AP: &str = "application/activity+json";

fn fixture(path: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fediverse")
        .join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// An actor document of another server, read as a fetched one would be and
/// kept in the cache.
async fn actor(app: &TestApp, doc: &Value) -> RemoteActor {
    let id = doc["id"].as_str().expect("actor id");
    let a = delivery::parse_actor(id, doc).unwrap_or_else(|| panic!("{id} must parse"));
    delivery::store_actor(&app.state.db, &a)
        .await
        .expect("cache");
    a
}

/// The real actor document `template`, moved to `ap_id`.
fn actor_at(template: &str, template_id: &str, ap_id: &str) -> Value {
    let origin = |u: &str| url::Url::parse(u).unwrap().origin().ascii_serialization();
    let s = fixture(template)
        .replace(template_id, ap_id)
        .replace(&origin(template_id), &origin(ap_id));
    serde_json::from_str(&s).unwrap()
}

pub(crate) async fn handle(app: &TestApp, a: &RemoteActor, activity: &Value) -> Received {
    inbox::handle(&app.state, a, activity)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", activity["type"]))
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count")
}

async fn text_of(app: &TestApp, sql: &str) -> Option<String> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_optional(&app.state.db.pool)
        .await
        .expect("text")
}

const GROUP: &str = "https://rendezvous.nomagic.uk/@devon_caledonian_society";
const ORGANISER: &str = "https://rendezvous.nomagic.uk/@emorrp1";

/// A Mobilizon group `follower` follows (its mirror), with the group's and
/// the organiser's actors (Mobilizon's documents moved to their ids).
pub(crate) async fn mobilizon_group(
    app: &TestApp,
    follower: &passerelles::accounts::User,
) -> (RemoteActor, RemoteActor) {
    let group = actor(
        app,
        &actor_at(
            "mobilizon/objects/group.json",
            "https://mobilizon.fr/@contribateliers",
            GROUP,
        ),
    )
    .await;
    let organiser = actor(
        app,
        &actor_at(
            "mobilizon/objects/person.json",
            "https://mobilizon.fr/@sanof44",
            ORGANISER,
        ),
    )
    .await;
    let follow = format!("https://passerelles.test/follow/{}", follower.id);
    sqlx::query(
        "INSERT INTO ap_following (user_id, target, follow_id, state, created_at) VALUES ($1, $2, $3, 'pending', 0)",
    )
    .bind(follower.id)
    .bind(GROUP)
    .bind(&follow)
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    let accept = json!({
        "id": format!("{GROUP}/accept/{}", follower.id),
        "type": "Accept", "actor": GROUP, "object": follow,
    });
    assert_eq!(
        handle(app, &group, &accept).await,
        Received::Handled("follow accepted")
    );
    (group, organiser)
}

/// The group's `Announce` of its organiser's `kind` (`Create`, `Update`)
/// of `event`, `n` making the ids unique.
pub(crate) fn announced(kind: &str, event: &Value, n: u32) -> Value {
    json!({
        "id": format!("{GROUP}/announce/{n}"),
        "type": "Announce",
        "actor": GROUP,
        "object": {
            "id": format!("{}/activity/{n}", event["id"].as_str().unwrap()),
            "type": kind,
            "actor": ORGANISER,
            "object": event,
        },
    })
}

pub(crate) fn mobilizon_event() -> Value {
    serde_json::from_str(&fixture("mobilizon/objects/event.json")).unwrap()
}

#[tokio::test]
async fn a_mobilizon_event_becomes_a_read_only_event_with_its_times_place_and_link() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", false).await;
    let admin = app.create_user("gardienne", true).await;
    let (group, organiser) = mobilizon_group(&app, &ana).await;
    let mut event = mobilizon_event();
    let ap_id = event["id"].as_str().unwrap().to_string();
    // The same event, online too: Mobilizon's "Website" link.
    event["isOnline"] = json!(true);
    event["attachment"].as_array_mut().unwrap().push(
        json!({"type": "Link", "name": "Website", "mediaType": "text/html",
                     "href": "https://visio.example.org/caledonian"}),
    );
    assert_eq!(
        handle(&app, &group, &announced("Create", &event, 1)).await,
        Received::Handled("event")
    );
    // An event, not a publication.
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM publications WHERE ap_id = '{ap_id}'")
        )
        .await,
        0
    );
    let row = sqlx::query(
        "SELECT e.id, e.title, e.description, e.starts_at, e.ends_at, e.tz, e.start_local, e.end_local, \
         e.place_kind, e.address, e.online_url, e.origin_url, e.lat, e.lon, e.status, u.ap_id AS organiser, \
         c.ap_id AS community FROM events e JOIN users u ON u.id = e.organiser_id \
         JOIN event_communities ec ON ec.event_id = e.id JOIN communities c ON c.id = ec.community_id \
         WHERE e.ap_id = $1",
    )
    .bind(&ap_id)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("the event");
    use sqlx::Row;
    let id: i64 = row.get("id");
    assert_eq!(
        row.get::<String, _>("title"),
        "Caledonian scottish dance class"
    );
    let description: String = row.get("description");
    assert!(description.starts_with("£6 each."), "{description}");
    assert!(!description.contains("<p>"), "remote HTML is read as text");
    // 2022-12-11T19:00:00+00:00 → 21:00; Europe/London is not a zone we
    // offer: shown in ours (EST, UTC−5), the instants exact.
    assert_eq!(row.get::<i64, _>("starts_at"), 1_670_785_200);
    assert_eq!(row.get::<i64, _>("ends_at"), 1_670_792_400);
    assert_eq!(row.get::<String, _>("tz"), "America/Toronto");
    assert_eq!(row.get::<String, _>("start_local"), "2022-12-11T14:00");
    assert_eq!(row.get::<String, _>("end_local"), "2022-12-11T16:00");
    assert_eq!(row.get::<String, _>("place_kind"), "hybrid");
    assert_eq!(
        row.get::<String, _>("address"),
        "The Kenn Centre, Devon Expressway, Teignbridge, EX6 7TW, England, United Kingdom"
    );
    assert_eq!(
        row.get::<String, _>("online_url"),
        "https://visio.example.org/caledonian"
    );
    assert_eq!(row.get::<Option<String>, _>("origin_url").unwrap(), ap_id);
    let lat: f64 = row.get("lat");
    let lon: f64 = row.get("lon");
    assert!((lat - 50.66881615).abs() < 1e-9 && (lon + 3.537739788359949).abs() < 1e-9);
    assert_eq!(row.get::<String, _>("status"), "scheduled");
    assert_eq!(row.get::<String, _>("organiser"), ORGANISER);
    assert_eq!(row.get::<String, _>("community"), GROUP);
    let tags: Vec<String> =
        sqlx::query_scalar("SELECT tag_key FROM event_tags WHERE event_id = $1 ORDER BY tag_key")
            .bind(id)
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(tags, ["caledonian", "dance", "lesson"]);

    // Its page names its origin, with a link to it; no edit control.
    let (client, _) = (app.client(), ());
    app.login(&client, "gardienne", crate::harness::PASSWORD)
        .await;
    let html = html_unescape(
        &client
            .get(app.at(&format!("/e/{id}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(
        html.contains("Événement de rendezvous.nomagic.uk"),
        "{html}"
    );
    assert!(html.contains(&format!("href=\"{ap_id}\"")));
    assert!(!html.contains(&format!("/e/{id}/edit")), "no edit link");
    assert!(!html.contains(&format!("/e/{id}/status")), "no status form");
    // Nobody here manages it, an administrator included: the page, its
    // form and the API answer the usual refusal.
    for path in [format!("/e/{id}/edit"), format!("/e/{id}/participants")] {
        let s = client.get(app.at(&path)).send().await.unwrap().status();
        assert_eq!(s, 403, "{path}");
    }
    let token = token_for(&app, &admin).await;
    let res = reqwest::Client::new()
        .patch(app.at(&format!("/api/v1/events/{id}")))
        .bearer_auth(&token)
        .json(&json!({"title": "Détourné", "start": "2027-01-01T10:00"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = reqwest::Client::new()
        .post(app.at(&format!("/api/v1/events/{id}/status")))
        .bearer_auth(&token)
        .json(&json!({"status": "cancelled"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = reqwest::Client::new()
        .get(app.at(&format!("/api/v1/events/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["origin_url"], ap_id.as_str());
    // Never published again as one of ours.
    let res = reqwest::Client::new()
        .get(app.at(&format!("/e/{id}")))
        .header("accept", AP)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // The bare `Event` announced too (for Mastodon): taken once.
    let bare = json!({"id": format!("{GROUP}/announce/bare"), "type": "Announce",
                      "actor": GROUP, "object": event});
    assert_eq!(handle(&app, &group, &bare).await, Received::Duplicate);
    // An `Update`, newer: the copy follows (cancelled, renamed).
    let mut changed = event.clone();
    changed["name"] = json!("Caledonian dance class (cancelled)");
    changed["ical:status"] = json!("CANCELLED");
    changed["updated"] = json!("2022-09-28T10:00:00Z");
    assert_eq!(
        handle(&app, &group, &announced("Update", &changed, 2)).await,
        Received::Handled("event updated")
    );
    let title = format!("SELECT title FROM events WHERE id = {id}");
    assert_eq!(
        text_of(&app, &title).await.as_deref(),
        Some("Caledonian dance class (cancelled)")
    );
    assert_eq!(
        text_of(&app, &format!("SELECT status FROM events WHERE id = {id}"))
            .await
            .as_deref(),
        Some("cancelled")
    );
    // The first version, arriving late again: changes nothing.
    assert_eq!(
        handle(&app, &group, &announced("Create", &event, 3)).await,
        Received::Ignored("older than the copy we hold")
    );
    assert_eq!(
        text_of(&app, &title).await.as_deref(),
        Some("Caledonian dance class (cancelled)")
    );
    // Someone of another server may not change it.
    let stranger = actor(
        &app,
        &actor_at(
            "mobilizon/objects/person.json",
            "https://mobilizon.fr/@sanof44",
            "https://mobilizon.fr/@intrus",
        ),
    )
    .await;
    let mut forged = changed.clone();
    forged["name"] = json!("Forged");
    let forged_update = json!({"id": "https://mobilizon.fr/update/1", "type": "Update",
        "actor": stranger.ap_id, "object": forged});
    assert!(
        inbox::handle(&app.state, &stranger, &forged_update)
            .await
            .is_err()
    );
    let forged_delete = json!({"id": "https://mobilizon.fr/delete/1", "type": "Delete",
        "actor": stranger.ap_id, "object": ap_id});
    assert!(
        inbox::handle(&app.state, &stranger, &forged_delete)
            .await
            .is_err()
    );
    assert!(text_of(&app, &title).await.is_some(), "still there");

    // Its organiser deletes it (Mobilizon's `Delete` of the event): gone;
    // the same `Create` arriving late does not bring it back.
    let delete = json!({"id": format!("{ap_id}/delete"), "type": "Delete",
        "actor": organiser.ap_id, "object": ap_id});
    assert_eq!(
        handle(&app, &organiser, &delete).await,
        Received::Handled("event deleted")
    );
    assert!(text_of(&app, &title).await.is_none());
    assert_eq!(
        handle(&app, &group, &announced("Create", &changed, 4)).await,
        Received::Ignored("deleted before it arrived")
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM events WHERE ap_id = '{ap_id}'")
        )
        .await,
        0
    );
    // An `Update` of an event never received creates it (out of order).
    let mut other = event.clone();
    other["id"] = json!("https://rendezvous.nomagic.uk/events/another");
    other["url"] = json!("https://rendezvous.nomagic.uk/events/another");
    assert_eq!(
        handle(&app, &group, &announced("Update", &other, 5)).await,
        Received::Handled("event")
    );
}

// ---- two instances over real HTTP on 127.0.0.1 -----------------------------------------

fn host(app: &TestApp) -> String {
    app.url.trim_start_matches("http://").to_string()
}

/// Run both instances' queues until `done` holds (10 s at most).
async fn until<F, Fut>(a: &TestApp, b: &TestApp, what: &str, done: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if done().await {
            return;
        }
        a.drain_jobs().await;
        b.drain_jobs().await;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

fn values(title: &str) -> passerelles_core::events::Values {
    passerelles_core::events::Values {
        title: title.into(),
        description: "On **plante** des tomates.".into(),
        communities: vec!["jardins".into()],
        start: "2027-04-12T19:00".into(),
        end: "2027-04-12T21:00".into(),
        tz: "America/Toronto".into(),
        place_kind: "hybrid".into(),
        address: "1000, rue Sainte-Catherine, Montréal".into(),
        online_url: "https://visio.exemple.org/corvee".into(),
        tags: "jardinage".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn an_event_of_one_instance_is_read_only_on_another_and_answered_from_there() {
    use passerelles_core::events::{Status, ops as event_ops};
    use passerelles_core::federation::ops as fed;
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let ana = a.create_user("ana", false).await;
    let bruno = a.create_user("bruno", false).await;
    let open = community(&a, "jardins", "open", "open", &ana).await;
    member(&a, open, &bruno, "member", "active").await;
    let zoe = b.create_user("zoe", false).await;
    let gardienne = b.create_user("gardienne", true).await;
    let host_a = host(&a);

    // Zoé, on B, follows A's community.
    fed::follow(
        &b.state,
        &Actor::person(&zoe),
        &format!("!jardins@{host_a}"),
    )
    .await
    .expect("follow");
    let mirror = format!("jardins@{host_a}");
    let in_mirror = format!(
        "SELECT COUNT(*) FROM memberships m JOIN communities c ON c.id = m.community_id \
         WHERE c.slug = '{mirror}' AND m.user_id = {} AND m.state = 'active'",
        zoe.id
    );
    until(&a, &b, "the mirror", || async {
        count(&b, &in_mirror).await == 1
    })
    .await;

    // 1. Bruno organises an event on A: B's mirror shows it, read-only,
    // marked with its origin.
    let e = event_ops::create(
        &a.state,
        &Actor::person(&bruno),
        &values("Corvée printanière"),
    )
    .await
    .expect("event on A");
    let ap_id = a.at(&format!("/e/{}", e.id));
    let copy_sql = format!("SELECT id FROM events WHERE ap_id = '{ap_id}'");
    until(&a, &b, "the event on B", || async {
        text_of(
            &b,
            &format!("SELECT title FROM events WHERE ap_id = '{ap_id}'"),
        )
        .await
        .is_some()
    })
    .await;
    let copy: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(copy_sql))
        .fetch_one(&b.state.db.pool)
        .await
        .unwrap();
    let (starts_at, ends_at, place_kind, address, online_url, origin_url, community): (
        i64,
        i64,
        String,
        String,
        String,
        String,
        String,
    ) = sqlx::query_as(
        "SELECT e.starts_at, e.ends_at, e.place_kind, e.address, e.online_url, e.origin_url, c.slug \
         FROM events e JOIN event_communities ec ON ec.event_id = e.id \
         JOIN communities c ON c.id = ec.community_id WHERE e.id = $1",
    )
    .bind(copy)
    .fetch_one(&b.state.db.pool)
    .await
    .unwrap();
    assert_eq!((starts_at, ends_at), (e.starts_at, e.ends_at));
    assert_eq!(place_kind, "hybrid");
    assert_eq!(address, "1000, rue Sainte-Catherine, Montréal");
    assert_eq!(online_url, "https://visio.exemple.org/corvee");
    assert_eq!(origin_url, ap_id);
    assert_eq!(community, mirror);
    // Announced as Create(Event) and as the bare Event: one copy.
    a.drain_jobs().await;
    b.drain_jobs().await;
    assert_eq!(
        count(
            &b,
            &format!("SELECT COUNT(*) FROM events WHERE ap_id = '{ap_id}'")
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &b,
            "SELECT COUNT(*) FROM publications WHERE domain IS NOT NULL"
        )
        .await,
        0,
        "an event, not a publication"
    );
    let origin_label = format!("Événement de {host_a}");
    let html = html_unescape(
        &reqwest::get(b.at(&format!("/e/{copy}")))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(html.contains("Corvée printanière"));
    assert!(html.contains(&origin_label), "origin on the page");
    assert!(
        html.contains(&format!("href=\"{ap_id}\"")),
        "link to the origin"
    );
    let agenda = html_unescape(
        &reqwest::get(b.at("/events"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(agenda.contains("Corvée printanière"), "in B's agenda");
    assert!(agenda.contains(&origin_label), "origin in the agenda");
    let mirror_events = reqwest::get(b.at(&format!("/events?community={mirror}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        mirror_events.contains("Corvée printanière"),
        "on the community's events"
    );
    let ics = reqwest::get(b.at("/events.ics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        ics.contains("SUMMARY:Corvée printanière"),
        "in B's calendar feed"
    );
    // B never publishes it again.
    let res = reqwest::Client::new()
        .get(b.at(&format!("/e/{copy}")))
        .header("accept", AP)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // 2. A local manager on B (an administrator) cannot edit it: page,
    // form and API refuse as they refuse anyone not allowed.
    let admin_client = b.client();
    b.login(&admin_client, "gardienne", crate::harness::PASSWORD)
        .await;
    let html = html_unescape(
        &admin_client
            .get(b.at(&format!("/e/{copy}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(
        !html.contains(&format!("/e/{copy}/edit")),
        "no edit control"
    );
    let s = admin_client
        .get(b.at(&format!("/e/{copy}/edit")))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(s, 403);
    let res = b
        .post_form(
            &admin_client,
            &format!("/e/{copy}"),
            &format!("/e/{copy}/status"),
            &[("status", "cancelled")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let token = token_for(&b, &gardienne).await;
    let res = reqwest::Client::new()
        .patch(b.at(&format!("/api/v1/events/{copy}")))
        .bearer_auth(&token)
        .json(&json!({"title": "Détourné", "start": "2027-04-12T19:00"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        text_of(&b, &format!("SELECT title FROM events WHERE id = {copy}"))
            .await
            .as_deref(),
        Some("Corvée printanière")
    );

    // 3. Bruno edits it on A: B's copy follows.
    event_ops::update(
        &a.state,
        &Actor::person(&bruno),
        e.id,
        &values("Corvée printanière (samedi)"),
    )
    .await
    .expect("edit on A");
    until(&a, &b, "the edit on B", || async {
        text_of(&b, &format!("SELECT title FROM events WHERE id = {copy}"))
            .await
            .as_deref()
            == Some("Corvée printanière (samedi)")
    })
    .await;

    // 4. Zoé answers "going" on B: B records it and sends her `Join` to A,
    // which registers her; A's `Accept` comes back.
    let zoe_client = b.client();
    b.login(&zoe_client, "zoe", crate::harness::PASSWORD).await;
    let res = b
        .post_form(
            &zoe_client,
            &format!("/e/{copy}"),
            &format!("/e/{copy}/rsvp"),
            &[("answer", "going")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        text_of(
            &b,
            &format!(
                "SELECT answer FROM event_rsvps WHERE event_id = {copy} AND user_id = {}",
                zoe.id
            )
        )
        .await
        .as_deref(),
        Some("going")
    );
    let zoe_on_a = format!(
        "SELECT r.answer FROM event_rsvps r JOIN users u ON u.id = r.user_id \
         WHERE r.event_id = {} AND u.ap_id = '{}'",
        e.id,
        b.at("/u/zoe")
    );
    until(&a, &b, "Zoé registered on A", || async {
        text_of(&a, &zoe_on_a).await.as_deref() == Some("going")
    })
    .await;
    let accepted = format!(
        "SELECT COUNT(*) FROM ap_received WHERE kind = 'Accept' AND activity_id LIKE '{ap_id}#accept-%'"
    );
    until(&a, &b, "A's Accept of the Join on B", || async {
        count(&b, &accepted).await == 1
    })
    .await;
    // 5. She withdraws: a `Leave`, and A frees her place.
    let res = b
        .post_form(
            &zoe_client,
            &format!("/e/{copy}"),
            &format!("/e/{copy}/rsvp"),
            &[("answer", "no")],
        )
        .await;
    assert_eq!(res.status(), 303);
    until(&a, &b, "Zoé withdrawn on A", || async {
        text_of(&a, &zoe_on_a).await.as_deref() == Some("no")
    })
    .await;
    assert_eq!(
        event_ops::load_for(&a.state, &Actor::person(&bruno), e.id)
            .await
            .map(|l| l.e.status)
            .unwrap(),
        Status::Scheduled
    );

    // 6. Bruno cancels it on A: cancelled on B.
    event_ops::set_status(&a.state, &Actor::person(&bruno), e.id, Status::Cancelled)
        .await
        .expect("cancel on A");
    until(&a, &b, "the cancellation on B", || async {
        text_of(&b, &format!("SELECT status FROM events WHERE id = {copy}"))
            .await
            .as_deref()
            == Some("cancelled")
    })
    .await;

    // 7. Bruno's account is deleted on A, with what he organised: the
    // event is gone from B too.
    passerelles_core::data_rights::deletion::execute(
        &a.state.db,
        &a.state.jobs,
        &a.state.config.public_url(),
        &a.state.instance_name(),
        bruno.id,
        passerelles_core::data_rights::deletion::Mode::Everything,
    )
    .await
    .expect("deletion on A");
    until(&a, &b, "the event gone from B", || async {
        count(
            &b,
            &format!("SELECT COUNT(*) FROM events WHERE ap_id = '{ap_id}'"),
        )
        .await
            == 0
    })
    .await;
    let s = reqwest::get(b.at(&format!("/e/{copy}")))
        .await
        .unwrap()
        .status();
    assert_eq!(s, 404);
}
