//! "Event in my communities" (issue 16): a new event makes a record for
//! those who watch one of its communities for new content ("publications",
//! "everything"), never its organiser; each record then goes where the
//! person's event preference says — the centre, an e-mail right away, the
//! daily digest, nowhere — decided when it is sent, with the policy of
//! then: an event of a community left meanwhile, or cancelled, is not
//! carried. Messages come from the real SMTP sink and are parsed again by
//! Python's `email` (`tests/rp/notify_mail.py`).

use passerelles::accounts::User;
use passerelles::notifications::{digest, email};
use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::notify::parse_with_python;
use crate::smtp_sink::ReceivedMail;
use crate::writing::{community, exec, member, token_for};

async fn create_event(app: &TestApp, token: &str, slug: &str, title: &str, body: &str) -> i64 {
    let res = app
        .client()
        .post(app.at("/api/v1/events"))
        .bearer_auth(token)
        .json(&json!({
            "title": title,
            "description": body,
            "communities": [slug],
            "start": "2030-05-04T14:00",
            "end": "2030-05-04T16:00",
        }))
        .send()
        .await
        .expect("create event");
    assert_eq!(res.status(), 201, "create {title}");
    res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id")
}

/// (kind, event id) of a person's notification centre (API).
async fn centre(app: &TestApp, token: &str) -> Vec<(String, Option<i64>)> {
    let res = app
        .client()
        .get(app.at("/api/v1/notifications"))
        .bearer_auth(token)
        .send()
        .await
        .expect("notifications");
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.expect("json");
    v["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap_or("").to_string(),
                n["event_id"].as_i64(),
            )
        })
        .collect()
}

fn mails_to(app: &TestApp, user: &User) -> Vec<ReceivedMail> {
    let addr = user.email.clone().expect("address");
    app.sink
        .all()
        .into_iter()
        .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(&addr)))
        .collect()
}

fn toronto_hour(hour: i64) -> i64 {
    let now = passerelles::db::now();
    (0..48)
        .map(|k| now + k * 3600)
        .find(|t| passerelles::notifications::prefs::Zone::Toronto.local(*t).1 == hour)
        .expect("an hour")
}

async fn watch(app: &TestApp, user: &User, community: i64, level: &str) {
    sqlx::query("INSERT INTO community_watch (user_id, community_id, level) VALUES ($1, $2, $3)")
        .bind(user.id)
        .bind(community)
        .bind(level)
        .execute(&app.state.db.pool)
        .await
        .expect("watch");
}

async fn prefer(app: &TestApp, user: &User, kind: &str, channel: &str) {
    sqlx::query("INSERT INTO notification_prefs (user_id, kind, channel) VALUES ($1, $2, $3)")
        .bind(user.id)
        .bind(kind)
        .bind(channel)
        .execute(&app.state.db.pool)
        .await
        .expect("preference");
}

#[tokio::test]
async fn an_event_in_my_communities_routes_by_preferences_levels_and_policy() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice", false).await;
    let quartier = community(&app, "quartier", "open", "open", &alice).await;
    let cercle = community(&app, "cercle", "private", "request", &alice).await;
    let ateliers = community(&app, "ateliers", "open", "open", &alice).await;
    // Léa watches all three for new content and wants events in her daily
    // digest; Nora wants them by e-mail at once; Paul never; Marc keeps
    // the default level (mentions only); Omar muted the neighbourhood.
    let lea = app.create_user("lea", false).await;
    let nora = app.create_user("nora", false).await;
    let paul = app.create_user("paul", false).await;
    let marc = app.create_user("marc", false).await;
    let omar = app.create_user("omar", false).await;
    for u in [&lea, &nora, &paul, &marc, &omar] {
        member(&app, quartier, u, "member", "active").await;
    }
    member(&app, cercle, &lea, "member", "active").await;
    member(&app, ateliers, &lea, "member", "active").await;
    watch(&app, &lea, quartier, "publications").await;
    watch(&app, &lea, cercle, "everything").await;
    watch(&app, &lea, ateliers, "publications").await;
    watch(&app, &nora, quartier, "everything").await;
    watch(&app, &paul, quartier, "publications").await;
    watch(&app, &omar, quartier, "muted").await;
    // The organiser watches too: she is never told of her own event.
    watch(&app, &alice, quartier, "everything").await;
    prefer(&app, &lea, "event", "daily").await;
    prefer(&app, &nora, "event", "email").await;
    prefer(&app, &paul, "event", "never").await;

    let token = token_for(&app, &alice).await;
    let fete = create_event(
        &app,
        &token,
        "quartier",
        "Fête de ruelle",
        "Apportez une chaise et un plat à partager.",
    )
    .await;
    let secret = create_event(
        &app,
        &token,
        "cercle",
        "Réunion du cercle",
        "Ordre du jour confidentiel.",
    )
    .await;
    let annule = create_event(&app, &token, "ateliers", "Atelier annulé", "Remis.").await;
    let velo = create_event(
        &app,
        &token,
        "ateliers",
        "Atelier vélo",
        "Réparer sa chaîne soi-même.",
    )
    .await;

    // Who has a record: those whose level asks for new content, who may
    // see the event, whose preference is not "never"; never the organiser.
    let lea_token = token_for(&app, &lea).await;
    let mut got = centre(&app, &lea_token).await;
    got.sort();
    let mut want: Vec<(String, Option<i64>)> = [fete, secret, annule, velo]
        .iter()
        .map(|e| ("event".to_string(), Some(*e)))
        .collect();
    want.sort();
    assert_eq!(got, want, "Léa's centre");
    let nora_token = token_for(&app, &nora).await;
    assert_eq!(
        centre(&app, &nora_token).await,
        vec![("event".to_string(), Some(fete))]
    );
    for (u, why) in [
        (&paul, "event preference «never»"),
        (&marc, "level «mentions only»"),
        (&omar, "community muted"),
        (&alice, "the organiser"),
    ] {
        let t = token_for(&app, u).await;
        assert_eq!(centre(&app, &t).await, vec![], "{}: {why}", u.username);
    }
    // The centre's page names the event and leads to it.
    let lea_client = app.client();
    app.login(&lea_client, "lea", crate::harness::PASSWORD)
        .await;
    let page = lea_client
        .get(app.at("/notifications"))
        .send()
        .await
        .expect("centre")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Fête de ruelle"), "{page}");
    assert!(
        page.contains(&format!("href=\"{}\"", passerelles::urls::event(fete))),
        "{page}"
    );
    assert!(page.contains("alice a annoncé un événement dans"), "{page}");

    // Nora's e-mail, right away: the event, its time and link, one-click
    // unsubscribe from events and the community's List-Id.
    email::send_due(&app.state, passerelles::db::now())
        .await
        .expect("immediate pass");
    app.drain_jobs().await;
    app.sink.wait_for("nora@exemple.qc.ca").await;
    let mails = mails_to(&app, &nora);
    assert_eq!(mails.len(), 1, "one e-mail for Nora");
    assert!(mails_to(&app, &lea).is_empty(), "Léa waits for her digest");
    let parsed = parse_with_python(&app, &mails);
    let m = &parsed[0];
    assert_eq!(m["defects"], json!([]), "{m}");
    let h = &m["headers"];
    assert!(
        h["Subject"]
            .as_str()
            .unwrap_or("")
            .contains("Fête de ruelle"),
        "{h}"
    );
    assert!(
        h["List-Id"].as_str().unwrap_or("").contains("<quartier."),
        "{h}"
    );
    assert_eq!(h["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");
    let text = m["text"].as_str().unwrap_or("");
    assert!(text.contains("2030-05-04 14:00"), "{text}");
    assert!(text.contains("Apportez une chaise"), "{text}");
    assert!(
        text.contains(&format!("{}{}", app.url, passerelles::urls::event(fete))),
        "{text}"
    );
    // Its one click turns events off for her, and only events.
    let link = h["List-Unsubscribe"]
        .as_str()
        .unwrap_or("")
        .trim_matches(['<', '>'])
        .to_string();
    let res = reqwest::Client::new()
        .post(&link)
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("one click");
    assert_eq!(res.status(), 200);
    let prefs = passerelles::notifications::prefs::load(&app.state.db, nora.id)
        .await
        .expect("prefs");
    use passerelles::notifications::prefs::{Channel, Kind};
    assert_eq!(prefs.channel(Kind::Event), Channel::App);
    assert_eq!(prefs.channel(Kind::Mention), Channel::Daily);

    // Before Léa's digest: she leaves the private community, and one
    // workshop is cancelled.
    exec(
        &app,
        &format!(
            "DELETE FROM memberships WHERE user_id = {} AND community_id = $1",
            lea.id
        ),
        cercle,
    )
    .await;
    let res = app
        .client()
        .post(app.at(&format!("/api/v1/events/{annule}/status")))
        .bearer_auth(&token)
        .json(&json!({"status": "cancelled"}))
        .send()
        .await
        .expect("cancel");
    assert_eq!(res.status(), 200);

    let at = toronto_hour(9);
    assert!(digest::schedule(&app.state, at).await.expect("schedule") >= 1);
    app.drain_jobs().await;
    app.sink.wait_for("lea@exemple.qc.ca").await;
    let mails = mails_to(&app, &lea);
    assert_eq!(mails.len(), 1, "one digest");
    let parsed = parse_with_python(&app, &mails);
    let m = &parsed[0];
    assert_eq!(m["defects"], json!([]), "{m}");
    assert!(
        m["headers"]["Subject"]
            .as_str()
            .unwrap_or("")
            .contains("2 nouveautés"),
        "{m}"
    );
    let text = m["text"].as_str().unwrap_or("");
    let html = m["html"].as_str().unwrap_or("");
    for absent in [
        "Réunion du cercle",
        "confidentiel",
        "Communauté cercle",
        "Atelier annulé",
    ] {
        assert!(!text.contains(absent), "{absent} in the digest:\n{text}");
        assert!(!html.contains(absent), "{absent} in the HTML part");
    }
    let pos = |s: &str| {
        text.find(s)
            .unwrap_or_else(|| panic!("{s} missing:\n{text}"))
    };
    // Grouped by community, the newest first (the workshop was made last).
    assert!(pos("## Communauté ateliers") < pos("Atelier vélo"));
    assert!(pos("Atelier vélo") < pos("## Communauté quartier"));
    assert!(pos("## Communauté quartier") < pos("Fête de ruelle"));
    assert!(text.contains("Réparer sa chaîne"), "excerpt:\n{text}");
    assert!(
        text.contains(&format!("{}{}", app.url, passerelles::urls::event(velo))),
        "link:\n{text}"
    );
    assert_eq!(text.matches("\n- ").count(), 2, "two items:\n{text}");
}

/// A muted thread is listed on the settings page (while its reader may
/// still read it) with a button that makes it heard again; nothing of it
/// reaches the person while it is muted.
#[tokio::test]
async fn a_muted_thread_is_listed_in_the_settings_and_unmuted_there() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice", false).await;
    let (lea_client, lea) = app.logged_in("lea", false).await;
    let jardins = community(&app, "jardins", "open", "open", &alice).await;
    let cercle = community(&app, "cercle", "private", "request", &alice).await;
    member(&app, jardins, &lea, "member", "active").await;
    member(&app, cercle, &lea, "member", "active").await;
    let token = token_for(&app, &alice).await;
    let lea_token = token_for(&app, &lea).await;
    let publish = |slug: &'static str, title: &'static str| {
        let app = &app;
        let token = lea_token.clone();
        async move {
            let res = app
                .client()
                .post(app.at("/api/v1/publications"))
                .bearer_auth(token)
                .json(&json!({"kind": "discussion", "title": title, "body": "Texte.", "tags": [], "communities": [slug]}))
                .send()
                .await
                .expect("publish");
            assert_eq!(res.status(), 201);
            res.json::<Value>().await.expect("json")["id"]
                .as_i64()
                .expect("id")
        }
    };
    let open_thread = publish("jardins", "Compost collectif").await;
    let closed_thread = publish("cercle", "Budget du cercle").await;
    let reply = |pid: i64, body: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let res = app
                .client()
                .post(app.at(&format!("/api/v1/publications/{pid}/replies")))
                .bearer_auth(token)
                .json(&json!({ "body": body }))
                .send()
                .await
                .expect("reply");
            assert_eq!(res.status(), 201);
        }
    };
    // Léa mutes both threads from her notification centre.
    reply(open_thread, "Premier tas ce samedi.").await;
    reply(closed_thread, "Chiffres à venir.").await;
    let page = lea_client
        .get(app.at("/notifications"))
        .send()
        .await
        .expect("centre")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Compost collectif") && page.contains("Budget du cercle"));
    for pid in [open_thread, closed_thread] {
        let res = app
            .post_form(
                &lea_client,
                "/notifications",
                "/notifications/mute",
                &[("publication", &pid.to_string()), ("mute", "1")],
            )
            .await;
        assert_eq!(res.status(), 303);
    }
    let kinds = |list: Vec<(String, Option<i64>)>| list.len();
    assert_eq!(
        kinds(centre(&app, &lea_token).await),
        0,
        "muted: nothing left"
    );
    reply(open_thread, "Apportez vos épluchures.").await;
    assert_eq!(kinds(centre(&app, &lea_token).await), 0, "still nothing");

    // She leaves the private community: that thread is not listed (its
    // title is no longer hers to read); the open one is, with its button.
    exec(
        &app,
        &format!(
            "DELETE FROM memberships WHERE user_id = {} AND community_id = $1",
            lea.id
        ),
        cercle,
    )
    .await;
    let settings = lea_client
        .get(app.at("/settings/notifications"))
        .send()
        .await
        .expect("settings")
        .text()
        .await
        .expect("body");
    assert!(settings.contains("Discussions en sourdine"), "{settings}");
    assert!(settings.contains("Compost collectif"), "{settings}");
    assert!(!settings.contains("Budget du cercle"), "{settings}");
    assert!(
        settings.contains(&format!(
            r#"<input type="hidden" name="publication" value="{open_thread}">"#
        )),
        "{settings}"
    );
    let res = app
        .post_form(
            &lea_client,
            "/settings/notifications",
            "/notifications/mute",
            &[
                ("publication", &open_thread.to_string()),
                ("mute", "0"),
                ("next", "settings"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers().get("location").and_then(|l| l.to_str().ok()),
        Some("/settings/notifications")
    );
    let settings = lea_client
        .get(app.at("/settings/notifications"))
        .send()
        .await
        .expect("settings")
        .text()
        .await
        .expect("body");
    assert!(settings.contains("Vous recevrez de nouveau"), "{settings}");
    assert!(
        settings.contains("Aucune discussion n’est en sourdine"),
        "{settings}"
    );
    // Heard again: what was waiting shows, and the next reply too.
    reply(open_thread, "Merci à tous.").await;
    let got = centre(&app, &lea_token).await;
    assert_eq!(got.len(), 3, "{got:?}");
}
