//! Events of other instances, continued (issue 18): the origin's `Reject`
//! of a member's registration, a member who opted out of the fediverse
//! answering one, the event's image fetched server-side (a real image
//! served on 127.0.0.1), and its removal from this instance by its
//! moderators (not brought back by its origin, written in the moderation
//! log). Mobilizon's own `event.json` (see `federation_remote_events.rs`
//! for its source), handled by the inbox's code after the signature.
//! Both engines.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use passerelles_core::federation::inbox::{self, Received};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::federation_remote_events::{announced, handle, mobilizon_event, mobilizon_group};
use crate::harness::{TestApp, html_unescape};
use crate::writing::token_for;

const GROUP: &str = "https://rendezvous.nomagic.uk/@devon_caledonian_society";

async fn scalar<T>(app: &TestApp, sql: &str) -> Option<T>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + Send + Unpin,
{
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_optional(&app.state.db.pool)
        .await
        .expect("query")
}

/// Mobilizon's event, dated ahead, under its own id `n`, its banner at
/// `image` (none when `None`).
fn event(n: u32, image: Option<(&str, &str)>) -> Value {
    let mut e = mobilizon_event();
    let id = format!("https://rendezvous.nomagic.uk/events/test-{n}");
    e["id"] = json!(id);
    e["url"] = json!(id);
    e["startTime"] = json!("2027-06-02T14:00:00+00:00");
    e["endTime"] = json!("2027-06-02T16:00:00+00:00");
    let mut attachments: Vec<Value> = e["attachment"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["type"] != "Document")
        .cloned()
        .collect();
    if let Some((url, name)) = image {
        attachments
            .push(json!({"type": "Document", "mediaType": "image/png", "name": name, "url": url}));
    }
    e["attachment"] = json!(attachments);
    e
}

async fn event_id(app: &TestApp, e: &Value) -> Option<i64> {
    scalar(
        app,
        &format!(
            "SELECT id FROM events WHERE ap_id = '{}'",
            e["id"].as_str().unwrap()
        ),
    )
    .await
}

#[tokio::test]
async fn the_origins_refusal_withdraws_a_registration_and_an_opted_out_member_cannot_answer() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", false).await;
    let bruno = app.create_user("bruno", false).await;
    let (group, organiser) = mobilizon_group(&app, &ana).await;
    let e = event(1, None);
    assert_eq!(
        handle(&app, &group, &announced("Create", &e, 1)).await,
        Received::Handled("event")
    );
    let id = event_id(&app, &e).await.expect("the event");

    // Ana answers "going": recorded, her `Join` kept to read the answer.
    let client = app.client();
    app.login(&client, "ana", crate::harness::PASSWORD).await;
    let res = app
        .post_form(
            &client,
            &format!("/e/{id}"),
            &format!("/e/{id}/rsvp"),
            &[("answer", "going")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let rsvp = format!(
        "SELECT answer FROM event_rsvps WHERE event_id = {id} AND user_id = {}",
        ana.id
    );
    assert_eq!(
        scalar::<String>(&app, &rsvp).await.as_deref(),
        Some("going")
    );
    let join: String = scalar(
        &app,
        &format!(
            "SELECT ap_join FROM event_rsvps WHERE event_id = {id} AND user_id = {}",
            ana.id
        ),
    )
    .await
    .expect("the Join's id");
    assert!(join.starts_with(&app.at("/u/ana#join-")), "{join}");

    // Another server may not answer for the event.
    let stranger = organiser.clone();
    let mut stranger = stranger;
    stranger.ap_id = "https://mobilizon.fr/@intrus".into();
    let forged = json!({"id": "https://mobilizon.fr/reject/1", "type": "Reject",
        "actor": stranger.ap_id, "object": join});
    assert!(inbox::handle(&app.state, &stranger, &forged).await.is_err());
    assert_eq!(
        scalar::<String>(&app, &rsvp).await.as_deref(),
        Some("going")
    );

    // The event's group refuses her: withdrawn here, and she is told.
    let reject = json!({"id": format!("{GROUP}/reject/1"), "type": "Reject", "actor": GROUP,
        "object": {"id": join, "type": "Join", "actor": app.at("/u/ana"), "object": e["id"]}});
    assert_eq!(
        handle(&app, &group, &reject).await,
        Received::Handled("participation refused")
    );
    assert_eq!(scalar::<String>(&app, &rsvp).await.as_deref(), Some("no"));
    let page = html_unescape(
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
        page.contains("L’instance d’origine de l’événement a refusé votre inscription."),
        "{page}"
    );
    // The same `Reject` again: a duplicate, nothing more.
    assert_eq!(handle(&app, &group, &reject).await, Received::Duplicate);
    // Answering again clears the refusal (a new `Join` goes out).
    let res = app
        .post_form(
            &client,
            &format!("/e/{id}"),
            &format!("/e/{id}/rsvp"),
            &[("answer", "going")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        scalar::<Option<i64>>(
            &app,
            &format!(
                "SELECT refused_at FROM event_rsvps WHERE event_id = {id} AND user_id = {}",
                ana.id
            )
        )
        .await
        .flatten(),
        None
    );

    // Bruno opted out of the fediverse: a remote event is answered there,
    // so his answer is refused (409) on the page and the API, and nothing
    // is recorded or sent.
    passerelles_core::federation::set_opt_out(&app.state.db, bruno.id, true)
        .await
        .unwrap();
    let bruno_client = app.client();
    app.login(&bruno_client, "bruno", crate::harness::PASSWORD)
        .await;
    let res = app
        .post_form(
            &bruno_client,
            &format!("/e/{id}"),
            &format!("/e/{id}/rsvp"),
            &[("answer", "going")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let body = html_unescape(&res.text().await.unwrap());
    assert!(body.contains("votre profil n’est pas publié"), "{body}");
    let token = token_for(&app, &bruno).await;
    let res = reqwest::Client::new()
        .put(app.at(&format!("/api/v1/events/{id}/rsvp")))
        .bearer_auth(&token)
        .json(&json!({"answer": "going"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("federation_opted_out"));
    assert_eq!(
        scalar::<i64>(
            &app,
            &format!(
                "SELECT COUNT(*) FROM event_rsvps WHERE event_id = {id} AND user_id = {}",
                bruno.id
            )
        )
        .await,
        Some(0)
    );
    assert_eq!(
        scalar::<i64>(
            &app,
            &format!(
                "SELECT COUNT(*) FROM jobs WHERE payload LIKE '%{}%'",
                app.at("/u/bruno")
            )
        )
        .await
        .unwrap_or(0),
        0,
        "no Join queued for him"
    );
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A small HTTP server on 127.0.0.1: `/banner.png` (counted), `/page.html`
/// (not an image), anything else 404.
async fn image_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let banner = png(900, 300);
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let (banner, counted) = (banner.clone(), counted.clone());
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let n = s.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = req.split_whitespace().nth(1).unwrap_or("").to_string();
                let (status, ctype, body) = match path.as_str() {
                    "/banner.png" => {
                        counted.fetch_add(1, Ordering::SeqCst);
                        ("200 OK", "image/png", banner)
                    }
                    "/page.html" => ("200 OK", "text/html", b"<html></html>".to_vec()),
                    _ => ("404 Not Found", "text/plain", b"none".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: {ctype}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(head.as_bytes()).await;
                let _ = s.write_all(&body).await;
                let _ = s.shutdown().await;
            });
        }
    });
    (format!("http://{addr}"), hits)
}

#[tokio::test]
async fn a_remote_events_image_is_fetched_here_and_shown_with_its_description() {
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", false).await;
    let (group, _) = mobilizon_group(&app, &ana).await;
    let (srv, hits) = image_server().await;
    let banner = format!("{srv}/banner.png");

    let e = event(10, Some((&banner, "Des danseurs en kilt")));
    assert_eq!(
        handle(&app, &group, &announced("Create", &e, 10)).await,
        Received::Handled("event")
    );
    let id = event_id(&app, &e).await.expect("the event");
    assert_eq!(hits.load(Ordering::SeqCst), 1, "fetched once, here");
    let (image_id, alt, width): (Option<i64>, String, i64) =
        sqlx::query_as("SELECT image_id, image_alt, image_width FROM events WHERE id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    let image_id = image_id.expect("an image");
    assert_eq!(alt, "Des danseurs en kilt");
    assert_eq!(width, 900);
    // The page shows it from here, with its description; nothing of the
    // origin's address.
    let page = html_unescape(
        &reqwest::get(app.at(&format!("/e/{id}")))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(
        page.contains(&format!("src=\"/e/{id}/image?v={image_id}\"")),
        "{page}"
    );
    assert!(page.contains("alt=\"Des danseurs en kilt\""));
    assert!(!page.contains(&srv), "no third-party request from the page");
    let res = reqwest::get(app.at(&format!("/e/{id}/image?v={image_id}")))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");

    // An `Update` naming the same image does not fetch it again.
    let mut changed = e.clone();
    changed["name"] = json!("Caledonian dance class (hall B)");
    assert_eq!(
        handle(&app, &group, &announced("Update", &changed, 11)).await,
        Received::Handled("event updated")
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    // One naming none takes it off (and its stored files).
    let bare = event(10, None);
    assert_eq!(
        handle(&app, &group, &announced("Update", &bare, 12)).await,
        Received::Handled("event updated")
    );
    assert_eq!(
        scalar::<Option<i64>>(
            &app,
            &format!("SELECT image_id FROM events WHERE id = {id}")
        )
        .await
        .flatten(),
        None
    );
    assert_eq!(
        scalar::<i64>(
            &app,
            &format!("SELECT COUNT(*) FROM media WHERE id = {image_id}")
        )
        .await,
        Some(0)
    );

    // An image that cannot be had — missing, not an image, too far — the
    // event comes without one.
    for (n, url) in [
        (20, format!("{srv}/missing.png")),
        (21, format!("{srv}/page.html")),
        (22, "http://10.0.0.1/private.png".to_string()),
    ] {
        let e = event(n, Some((&url, "Bannière")));
        assert_eq!(
            handle(&app, &group, &announced("Create", &e, n)).await,
            Received::Handled("event"),
            "{url}"
        );
        let id = event_id(&app, &e).await.expect("imported anyway");
        assert_eq!(
            scalar::<Option<i64>>(
                &app,
                &format!("SELECT image_id FROM events WHERE id = {id}")
            )
            .await
            .flatten(),
            None,
            "{url}"
        );
    }
}

#[tokio::test]
async fn an_administrator_removes_a_remote_event_for_good_and_it_is_logged() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", false).await;
    let admin = app.create_user("gardienne", true).await;
    let (group, _) = mobilizon_group(&app, &ana).await;
    let e = event(30, None);
    handle(&app, &group, &announced("Create", &e, 30)).await;
    let id = event_id(&app, &e).await.expect("the event");
    let mirror: i64 = scalar(
        &app,
        &format!("SELECT community_id FROM event_communities WHERE event_id = {id}"),
    )
    .await
    .unwrap();

    // Ana follows the group but moderates nothing: no control, refused.
    let ana_client = app.client();
    app.login(&ana_client, "ana", crate::harness::PASSWORD)
        .await;
    let page = ana_client
        .get(app.at(&format!("/e/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("remove-remote-event"));
    let res = app
        .post_form(
            &ana_client,
            &format!("/e/{id}"),
            &format!("/e/{id}/remove"),
            &[("reason", "x")],
        )
        .await;
    assert_eq!(res.status(), 403);

    // The administrator sees the form and removes it.
    let admin_client = app.client();
    app.login(&admin_client, "gardienne", crate::harness::PASSWORD)
        .await;
    let page = html_unescape(
        &admin_client
            .get(app.at(&format!("/e/{id}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(page.contains("id=\"remove-remote-event\""), "{page}");
    assert!(page.contains("Retirer de cette instance"));
    let res = app
        .post_form(
            &admin_client,
            &format!("/e/{id}"),
            &format!("/e/{id}/remove"),
            &[("reason", "Doublon")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/events");
    assert_eq!(event_id(&app, &e).await, None);
    assert_eq!(
        reqwest::get(app.at(&format!("/e/{id}")))
            .await
            .unwrap()
            .status(),
        404
    );
    let (action, actor, reason): (String, Option<i64>, String) = sqlx::query_as(
        "SELECT action, actor_id, reason FROM mod_log WHERE community_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(mirror)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("logged");
    assert_eq!(action, "remove_remote_event");
    assert_eq!(actor, Some(admin.id));
    assert!(
        reason.contains("Doublon") && reason.contains("rendezvous.nomagic.uk"),
        "{reason}"
    );

    // Its origin sends it again, or an edit of it: it does not come back.
    for (kind, n) in [("Create", 31), ("Update", 32)] {
        let mut again = e.clone();
        again["updated"] = json!("2030-01-01T00:00:00Z");
        assert_eq!(
            handle(&app, &group, &announced(kind, &again, n)).await,
            Received::Ignored("deleted before it arrived"),
            "{kind}"
        );
    }
    assert_eq!(event_id(&app, &e).await, None);

    // The API: another remote event removed (204); one of ours refused.
    let e2 = event(33, None);
    handle(&app, &group, &announced("Create", &e2, 33)).await;
    let id2 = event_id(&app, &e2).await.expect("the second event");
    let token = token_for(&app, &admin).await;
    let res = reqwest::Client::new()
        .post(app.at(&format!("/api/v1/events/{id2}/remove")))
        .bearer_auth(&token)
        .json(&json!({"reason": "Hors territoire"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(event_id(&app, &e2).await, None);
    let jardins = crate::writing::community(&app, "jardins", "open", "open", &admin).await;
    let _ = jardins;
    let local = passerelles_core::events::ops::create(
        &app.state,
        &passerelles::actor::Actor::person(&admin),
        &passerelles_core::events::Values {
            title: "Corvée".into(),
            communities: vec!["jardins".into()],
            start: "2027-04-12T19:00".into(),
            end: "2027-04-12T21:00".into(),
            tz: "America/Toronto".into(),
            place_kind: "address".into(),
            address: "Montréal".into(),
            ..Default::default()
        },
    )
    .await
    .expect("a local event");
    let res = reqwest::Client::new()
        .post(app.at(&format!("/api/v1/events/{}/remove", local.id)))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

/// Two Passerelles: an event of A with an image (its `image` and its
/// "Banner" attachment, as Mobilizon reads them) arrives on B with its
/// image fetched by B from A and its description; taking the image off on
/// A takes it off on B.
#[tokio::test]
async fn an_events_image_travels_between_two_instances() {
    use passerelles::actor::Actor;
    use passerelles_core::events::image::{Change, Edit};
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let ana = a.create_user("ana", false).await;
    crate::writing::community(&a, "jardins", "open", "open", &ana).await;
    let zoe = b.create_user("zoe", false).await;
    let host_a = a.url.trim_start_matches("http://").to_string();
    passerelles_core::federation::ops::follow(
        &b.state,
        &Actor::person(&zoe),
        &format!("!jardins@{host_a}"),
    )
    .await
    .expect("follow");
    let drain = async || {
        for _ in 0..3 {
            a.drain_jobs().await;
            b.drain_jobs().await;
        }
    };
    let mut followed = false;
    for _ in 0..100 {
        drain().await;
        if scalar::<i64>(
            &b,
            "SELECT COUNT(*) FROM communities WHERE domain IS NOT NULL",
        )
        .await
            == Some(1)
        {
            followed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(followed, "the mirror on B");
    let e = passerelles_core::events::ops::create(
        &a.state,
        &Actor::person(&ana),
        &passerelles_core::events::Values {
            title: "Corvée printanière".into(),
            communities: vec!["jardins".into()],
            start: "2027-04-12T19:00".into(),
            end: "2027-04-12T21:00".into(),
            tz: "America/Toronto".into(),
            place_kind: "address".into(),
            address: "Montréal".into(),
            ..Default::default()
        },
    )
    .await
    .expect("event on A");
    let banner = a.state.images.banner(png(1200, 600)).await.unwrap();
    passerelles_core::events::image::apply(
        &a.state,
        &Actor::person(&ana),
        e.id,
        Edit {
            change: Change::Replace(banner),
            alt: Some("Des bénévoles au potager".into()),
        },
    )
    .await
    .expect("image on A");
    let ap_id = a.at(&format!("/e/{}", e.id));
    let copy =
        format!("SELECT image_alt FROM events WHERE ap_id = '{ap_id}' AND image_id IS NOT NULL");
    let mut arrived = false;
    for _ in 0..100 {
        drain().await;
        if scalar::<String>(&b, &copy).await.is_some() {
            arrived = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(arrived, "the image on B");
    assert_eq!(
        scalar::<String>(&b, &copy).await.as_deref(),
        Some("Des bénévoles au potager")
    );
    // Fetched from A by B, stored on B: its address there is A's.
    let source: Option<String> = scalar(
        &b,
        &format!("SELECT ap_image FROM events WHERE ap_id = '{ap_id}'"),
    )
    .await
    .flatten();
    assert!(source.is_some_and(|s| s.starts_with(&a.at(&format!("/e/{}/image", e.id)))));
    // Taken off on A: taken off on B.
    passerelles_core::events::image::apply(
        &a.state,
        &Actor::person(&ana),
        e.id,
        Edit {
            change: Change::Remove,
            alt: None,
        },
    )
    .await
    .expect("image removed on A");
    let none = format!("SELECT COUNT(*) FROM events WHERE ap_id = '{ap_id}' AND image_id IS NULL");
    let mut gone = false;
    for _ in 0..100 {
        drain().await;
        if scalar::<i64>(&b, &none).await == Some(1) {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(gone, "the image gone from B");
}
