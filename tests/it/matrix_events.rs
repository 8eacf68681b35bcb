//! The permission matrix for events (issue 15), every channel an event
//! goes out through: its page, the API, the agenda, the month grid and the
//! week, its own `.ics`, the community, instance, tag and territory feeds,
//! the agenda's Atom, search (page and API, kind `event`), a person's
//! private feed (token URL), the event's image (`/e/{id}/image`,
//! served as the event is seen) and its ActivityPub id (issue 18: `/e/{id}`
//! with `Accept: application/activity+json`, anyone's only when its
//! community is open) — × visibility of its community (open,
//! private, unlisted) × viewer (anonymous, outsider, member, suspended
//! account, instance admin). Expected values are written out from the
//! rules (never computed by calling the policy):
//! - an event is read as its communities are: open by anyone; private and
//!   unlisted only by their active members and instance admins (an
//!   event's id is sequential, so an unlisted community's event is not
//!   found by it);
//! - public feeds (iCalendar, Atom) are built for an anonymous reader,
//!   whoever fetches them: a private or unlisted community's event is in
//!   none of them;
//! - the private feed ("my communities' events") holds what its owner may
//!   see in the communities they belong to;
//! - a suspended account acts as nobody: anonymous on pages, refused by
//!   the API.
//!
//! E-mails (the `.ics` sent on registration, reminders, change notices)
//! ask the policy when they are built: `events_mail::the_policy_is_asked_when_the_message_is_built`.

use serde_json::{Value, json};

use crate::harness::{TestApp, html_unescape};
use crate::writing::{community, get, member, token_for};

const COLUMNS: [&str; 17] = [
    "page",
    "api",
    "agenda",
    "month",
    "week",
    "event.ics",
    "c-feed",
    "i-feed",
    "tag-feed",
    "t-feed",
    "atom",
    "search",
    "search-api",
    "private",
    "by-tag-api",
    "image",
    "activitypub",
];

#[tokio::test]
async fn every_channel_keeps_a_private_communitys_event_private() {
    let app = TestApp::spawn().await;
    let owner = app.create_user("x-owner", false).await;
    let member_u = app.create_user("x-member", false).await;
    let outsider = app.create_user("x-outsider", false).await;
    let admin = app.create_user("x-admin", true).await;
    let suspended = app.create_user("x-suspended", false).await;
    let mut events = Vec::new();
    for vis in ["open", "private", "unlisted"] {
        let slug = format!("x-{vis}");
        let c = community(&app, &slug, vis, "request", &owner).await;
        member(&app, c, &member_u, "member", "active").await;
        member(&app, c, &suspended, "member", "active").await;
        let token = token_for(&app, &owner).await;
        let res = reqwest::Client::new()
            .post(app.at("/api/v1/events"))
            .bearer_auth(&token)
            .json(
                &json!({"title": format!("Rencontre matricielle {vis}"), "communities": [slug],
                          "start": "2027-06-02T10:00", "tags": format!("grille-{vis}"),
                          "territory": "mauricie", "description": "Une rencontre."}),
            )
            .send()
            .await
            .expect("create");
        assert_eq!(res.status(), 201, "{vis}");
        let v: Value = res.json().await.expect("json");
        let id = v["id"].as_i64().expect("id");
        // Its image (PNG → JPEG), the address carrying its version.
        let mut png = std::io::Cursor::new(Vec::new());
        image::RgbImage::from_pixel(40, 30, image::Rgb([200, 120, 30]))
            .write_to(&mut png, image::ImageFormat::Png)
            .expect("png");
        let res = reqwest::Client::new()
            .put(app.at(&format!("/api/v1/events/{id}/image")))
            .bearer_auth(&token)
            .header("content-type", "image/png")
            .body(png.into_inner())
            .send()
            .await
            .expect("image");
        assert_eq!(res.status(), 200, "{vis} image");
        let v: Value = res.json().await.expect("json");
        let image = v["image"]["url"].as_str().expect("image url").to_string();
        events.push((vis, slug, id, image));
    }
    sqlx::query("UPDATE users SET status = 'suspended' WHERE id = $1")
        .bind(suspended.id)
        .execute(&app.state.db.pool)
        .await
        .expect("suspend");

    const T: bool = true;
    const F: bool = false;
    // Columns as in `COLUMNS`.
    #[rustfmt::skip]
    let expected: &[(&str, &str, [bool; 17])] = &[
        //                         page api agnd mon  week ics  cfd  ifd  tag  terr atom srch sapi priv tagapi image ap
        ("open", "anonymous",     [T,   T,  T,   T,   T,   T,   T,   T,   T,   T,   T,   T,   T,   F,   T,   T,   T]),
        ("open", "outsider",      [T,   T,  T,   T,   T,   T,   T,   T,   T,   T,   T,   T,   T,   F,   T,   T,   T]),
        ("open", "member",        [T,   T,  T,   T,   T,   T,   T,   T,   T,   T,   T,   T,   T,   T,   T,   T,   T]),
        ("open", "suspended",     [T,   F,  T,   T,   T,   T,   T,   T,   T,   T,   T,   T,   F,   F,   F,   T,   T]),
        ("open", "admin",         [T,   T,  T,   T,   T,   T,   T,   T,   T,   T,   T,   T,   T,   F,   T,   T,   T]),
        ("private", "anonymous",  [F,   F,  F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F]),
        ("private", "outsider",   [F,   F,  F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F]),
        ("private", "member",     [T,   T,  T,   T,   T,   T,   F,   F,   F,   F,   F,   T,   T,   T,   T,   T,   F]),
        ("private", "suspended",  [F,   F,  F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F]),
        ("private", "admin",      [T,   T,  T,   T,   T,   T,   F,   F,   F,   F,   F,   T,   T,   F,   T,   T,   F]),
        ("unlisted", "anonymous", [F,   F,  F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F]),
        ("unlisted", "outsider",  [F,   F,  F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F]),
        ("unlisted", "member",    [T,   T,  T,   T,   T,   T,   F,   F,   F,   F,   F,   T,   T,   T,   T,   T,   F]),
        ("unlisted", "suspended", [F,   F,  F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F,   F]),
        ("unlisted", "admin",     [T,   T,  T,   T,   T,   T,   F,   F,   F,   F,   F,   T,   T,   F,   T,   T,   F]),
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
    let anon = app.client();
    let api = |path: String, viewer: &str| {
        let mut r = reqwest::Client::new().get(app.at(&path));
        if viewer != "anonymous" {
            r = r.bearer_auth(&tokens[viewer]);
        }
        r
    };
    let mut wrong = Vec::new();
    for (vis, viewer, want) in expected {
        let (_, slug, id, image_url) = events.iter().find(|(v, ..)| v == vis).expect("event");
        let title = format!("Rencontre matricielle {vis}");
        let c = &clients[viewer];
        // Search highlights the words it matched.
        let has = |body: &str| {
            html_unescape(body)
                .replace("<mark>", "")
                .replace("</mark>", "")
                .contains(&title)
        };
        let page = get(c, app.at(&format!("/e/{id}"))).await.0 == 200;
        let api_one = api(format!("/api/v1/events/{id}"), viewer)
            .send()
            .await
            .expect("api")
            .status()
            == 200;
        let agenda = has(&get(c, app.at("/events")).await.1);
        let month = has(&get(c, app.at("/events/month?m=2027-06")).await.1);
        let week = has(&get(c, app.at("/events/week?w=2027-06-02")).await.1);
        let (st, body) = get(c, app.at(&format!("/e/{id}/event.ics"))).await;
        let ics = st == 200 && body.contains(&title);
        let cfeed = get(&anon, app.at(&format!("/c/{slug}/events.ics")))
            .await
            .1
            .contains(&title);
        let ifeed = get(&anon, app.at("/events.ics")).await.1.contains(&title);
        let tfeed = get(&anon, app.at(&format!("/tags/grille-{vis}/events.ics")))
            .await
            .1
            .contains(&title);
        let terr = get(&anon, app.at("/t/mauricie/events.ics"))
            .await
            .1
            .contains(&title);
        let atom = has(&get(&anon, app.at("/events.atom")).await.1);
        let search = has(&get(c, app.at("/search?q=matricielle&kind=event")).await.1);
        let sapi = {
            let res = api("/api/v1/search?q=matricielle&kind=event".into(), viewer)
                .send()
                .await
                .expect("search api");
            res.status() == 200 && res.text().await.expect("body").contains(&title)
        };
        let private = match feeds.get(viewer) {
            Some(url) => get(&anon, url.clone()).await.1.contains(&title),
            None => false,
        };
        // The search API's tag filter reaches events too (issue 15).
        let by_tag = {
            let res = api(
                format!("/api/v1/search?q=matricielle&kind=event&tag=grille-{vis}"),
                viewer,
            )
            .send()
            .await
            .expect("search api");
            res.status() == 200 && res.text().await.expect("body").contains(&title)
        };
        // The image, through the viewer's own session (or none).
        let image = c
            .get(image_url.clone())
            .send()
            .await
            .expect("image")
            .status()
            == 200;
        // The fediverse (issue 18): the event's id asked as a remote server
        // asks it (`Accept: application/activity+json`), through the
        // viewer's session or none: what anyone finds, whoever asks —
        // never a private or unlisted community's event.
        let activitypub = {
            let res = c
                .get(app.at(&format!("/e/{id}")))
                .header("accept", "application/activity+json")
                .send()
                .await
                .expect("activitypub get");
            let st = res.status();
            let body = res.text().await.unwrap_or_default();
            st == 200 && body.contains("\"Event\"") && body.contains(&title)
        };
        let got = [
            page,
            api_one,
            agenda,
            month,
            week,
            ics,
            cfeed,
            ifeed,
            tfeed,
            terr,
            atom,
            search,
            sapi,
            private,
            by_tag,
            image,
            activitypub,
        ];
        if got != *want {
            let cells: Vec<String> = COLUMNS
                .iter()
                .zip(got.iter().zip(want.iter()))
                .filter(|(_, (g, w))| g != w)
                .map(|(c, (g, _))| format!("{c}={g}"))
                .collect();
            wrong.push(format!("{vis} × {viewer}: {}", cells.join(", ")));
        }
    }
    assert!(wrong.is_empty(), "wrong cells:\n{}", wrong.join("\n"));
}

/// A remote event (issue 18: an `Event` a followed Mobilizon group
/// announced, Mobilizon's own JSON, dated ahead): a new kind of row. It is
/// read as the mirror community it is in is read (a remote group we follow,
/// open: by anyone), is never one of our ActivityPub documents (nothing
/// received is published again), and nobody here manages it — its edit
/// page, status form and participants, and the API's changes refuse
/// everyone, administrators and the group's followers included; whoever
/// may read it may answer it (the answer goes to its origin as a `Join`).
/// Columns: page, api, agenda, activitypub, edit (page), status (form),
/// participants (page), edit-api, status-api, rsvp-api.
#[tokio::test]
async fn a_remote_event_is_read_as_its_community_and_managed_by_nobody_here() {
    use crate::federation_remote_events::{announced, handle, mobilizon_event, mobilizon_group};
    let app = TestApp::spawn().await;
    let follower = app.create_user("r-follower", false).await;
    let outsider = app.create_user("r-outsider", false).await;
    let admin = app.create_user("r-admin", true).await;
    let (group, _) = mobilizon_group(&app, &follower).await;
    let mut event = mobilizon_event();
    event["startTime"] = json!("2027-06-02T14:00:00+00:00");
    event["endTime"] = json!("2027-06-02T16:00:00+00:00");
    let title = event["name"].as_str().unwrap().to_string();
    handle(&app, &group, &announced("Create", &event, 1)).await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM events WHERE ap_id = $1")
        .bind(event["id"].as_str().unwrap())
        .fetch_one(&app.state.db.pool)
        .await
        .expect("the remote event");

    const T: bool = true;
    const F: bool = false;
    #[rustfmt::skip]
    let expected: &[(&str, [bool; 10])] = &[
        //              page api agnd ap  edit stat part eapi sapi rsvp
        ("anonymous",  [T,   T,  T,   F,  F,   F,   F,   F,   F,   F]),
        ("outsider",   [T,   T,  T,   F,  F,   F,   F,   F,   F,   T]),
        ("follower",   [T,   T,  T,   F,  F,   F,   F,   F,   F,   T]),
        ("admin",      [T,   T,  T,   F,  F,   F,   F,   F,   F,   T]),
    ];
    let mut wrong = Vec::new();
    for (viewer, want) in expected {
        let c = app.client();
        let token = match *viewer {
            "outsider" => Some(&outsider),
            "follower" => Some(&follower),
            "admin" => Some(&admin),
            _ => None,
        };
        if let Some(u) = token {
            app.login(&c, &u.username, crate::harness::PASSWORD).await;
        }
        let token = match token {
            Some(u) => Some(token_for(&app, u).await),
            None => None,
        };
        let api = |method: reqwest::Method, path: String| {
            let mut r = reqwest::Client::new().request(method, app.at(&path));
            if let Some(t) = &token {
                r = r.bearer_auth(t);
            }
            r
        };
        let (st, body) = get(&c, app.at(&format!("/e/{id}"))).await;
        let page = st == 200 && body.contains(&title);
        let api_one = api(reqwest::Method::GET, format!("/api/v1/events/{id}"))
            .send()
            .await
            .expect("api")
            .status()
            == 200;
        let agenda = html_unescape(&get(&c, app.at("/events")).await.1).contains(&title);
        let activitypub = c
            .get(app.at(&format!("/e/{id}")))
            .header("accept", "application/activity+json")
            .send()
            .await
            .expect("ap")
            .status()
            == 200;
        let edit = get(&c, app.at(&format!("/e/{id}/edit"))).await.0 == 200;
        let status = if token.is_some() {
            app.post_form(
                &c,
                &format!("/e/{id}"),
                &format!("/e/{id}/status"),
                &[("status", "postponed")],
            )
            .await
            .status()
                == 303
        } else {
            false
        };
        let participants = get(&c, app.at(&format!("/e/{id}/participants"))).await.0 == 200;
        let edit_api = api(reqwest::Method::PATCH, format!("/api/v1/events/{id}"))
            .json(&json!({"title": "Détourné", "start": "2027-06-02T10:00"}))
            .send()
            .await
            .expect("patch")
            .status()
            .is_success();
        let status_api = api(reqwest::Method::POST, format!("/api/v1/events/{id}/status"))
            .json(&json!({"status": "cancelled"}))
            .send()
            .await
            .expect("status")
            .status()
            .is_success();
        let rsvp = api(reqwest::Method::PUT, format!("/api/v1/events/{id}/rsvp"))
            .json(&json!({"answer": "going"}))
            .send()
            .await
            .expect("rsvp")
            .status()
            .is_success();
        let got = [
            page,
            api_one,
            agenda,
            activitypub,
            edit,
            status,
            participants,
            edit_api,
            status_api,
            rsvp,
        ];
        if got != *want {
            wrong.push(format!("{viewer}: got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "wrong rows:\n{}", wrong.join("\n"));
    // Nothing changed it.
    let (t, st): (String, String) =
        sqlx::query_as("SELECT title, status FROM events WHERE id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!((t.as_str(), st.as_str()), (title.as_str(), "scheduled"));
}
