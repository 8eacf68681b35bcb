//! Notification preferences, e-mails and digests (issue 16), end to end:
//! the settings form (what was typed is kept on a refusal), routing of each
//! preference and watching level, a muted thread, the immediate e-mail with
//! its list and threading headers, the daily digest of a person in three
//! communities (one left before it is sent), one-click unsubscribe with the
//! mail client's POST (RFC 8058) and its replay, two nodes sending each
//! digest once. Messages are read from the real SMTP sink and parsed again
//! by Python's standard `email` package (`tests/rp/notify_mail.py`).

use std::collections::HashSet;

use passerelles::accounts::User;
use passerelles::notifications::{digest, email};
use serde_json::{Value, json};

use crate::harness::{TestApp, form_value};
use crate::smtp_sink::ReceivedMail;
use crate::writing::{community, exec, member, token_for};

fn python() -> Option<String> {
    let venv = format!("{}/tests/rp/.venv/bin/python3", env!("CARGO_MANIFEST_DIR"));
    let python = if std::path::Path::new(&venv).exists() {
        venv
    } else {
        "python3".to_string()
    };
    let ok = std::process::Command::new(&python)
        .args(["-c", "import email.policy"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(python)
}

/// Parse messages with Python's `email` (policy `default`): one JSON object
/// per message (headers, parts, text, html, defects).
pub fn parse_with_python(app: &TestApp, mails: &[ReceivedMail]) -> Vec<Value> {
    let python = python().expect("python3 with the standard email package");
    let dir = app.data_dir.join("mails");
    std::fs::create_dir_all(&dir).expect("dir");
    let mut files = Vec::new();
    for (i, m) in mails.iter().enumerate() {
        let f = dir.join(format!("{i}.eml"));
        std::fs::write(&f, m.data.as_bytes()).expect("write");
        files.push(f);
    }
    let out = std::process::Command::new(&python)
        .arg(format!(
            "{}/tests/rp/notify_mail.py",
            env!("CARGO_MANIFEST_DIR")
        ))
        .args(&files)
        .output()
        .expect("run notify_mail.py");
    assert!(
        out.status.success(),
        "notify_mail.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed: Value = serde_json::from_slice(&out.stdout).expect("json");
    files
        .iter()
        .map(|f| parsed[f.to_str().expect("path")].clone())
        .collect()
}

async fn publish(app: &TestApp, token: &str, slug: &str, title: &str, body: &str) -> i64 {
    let res = app
        .client()
        .post(app.at("/api/v1/publications"))
        .bearer_auth(token)
        .json(&json!({
            "kind": "discussion",
            "title": title,
            "body": body,
            "tags": [],
            "communities": [slug],
        }))
        .send()
        .await
        .expect("publish");
    assert_eq!(res.status(), 201, "publish {title}");
    res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id")
}

async fn reply(app: &TestApp, token: &str, pid: i64, body: &str) -> i64 {
    let res = app
        .client()
        .post(app.at(&format!("/api/v1/publications/{pid}/replies")))
        .bearer_auth(token)
        .json(&json!({ "body": body }))
        .send()
        .await
        .expect("reply");
    assert_eq!(res.status(), 201, "reply to {pid}");
    res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id")
}

/// (kind, publication id) of a person's notification centre (API).
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
                n["publication_id"].as_i64(),
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

/// A time, after now, when it is `hour` o'clock in Toronto.
fn toronto_hour(hour: i64) -> i64 {
    let now = passerelles::db::now();
    (0..48)
        .map(|k| now + k * 3600)
        .find(|t| passerelles::notifications::prefs::Zone::Toronto.local(*t).1 == hour)
        .expect("an hour")
}

#[tokio::test]
async fn preferences_and_watching_levels_route_each_notification() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice", false).await;
    let (bea_client, bea) = app.logged_in("bea", false).await;
    let jardins = community(&app, "jardins", "open", "open", &alice).await;
    let cuisine = community(&app, "cuisine", "open", "open", &alice).await;
    member(&app, jardins, &bea, "member", "active").await;
    member(&app, cuisine, &bea, "member", "active").await;
    let alice_token = token_for(&app, &alice).await;
    let bea_token = token_for(&app, &bea).await;

    // The page shows the grid with calm defaults.
    let page = bea_client
        .get(app.at("/settings/notifications"))
        .send()
        .await
        .expect("get");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("body");
    assert!(html.contains(r#"name="channel-mention" value="daily" aria-label"#));
    assert!(
        html.contains(r#"name="channel-mention" value="daily" aria-label="Mention de mon nom : Résumé quotidien" checked"#),
        "mentions go to the daily digest by default"
    );
    assert!(
        !html.contains(r#"name="channel-security""#),
        "security notices have no choice"
    );

    // A refused form keeps what was typed (422).
    let level_j = format!("level-{jardins}");
    let level_c = format!("level-{cuisine}");
    let res = app
        .post_form(
            &bea_client,
            "/settings/notifications",
            "/settings/notifications",
            &[
                ("channel-mention", "email"),
                ("digest_hour", "7"),
                ("time_zone", "Mars/Olympus"),
                ("weekly_day", "4"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(
        html.contains(r#"<option value="7" selected>"#),
        "the hour typed is kept"
    );
    assert!(
        html.contains(
            r#"value="email" aria-label="Mention de mon nom : Courriel immédiat" checked"#
        )
    );
    assert!(html.contains("f-time_zone-error"));

    // Mentions by e-mail right away, followed threads never, new
    // publications in the daily digest; "jardins" for new publications,
    // "cuisine" muted.
    let res = app
        .post_form(
            &bea_client,
            "/settings/notifications",
            "/settings/notifications",
            &[
                ("channel-mention", "email"),
                ("channel-followed_reply", "never"),
                ("channel-new_publication", "daily"),
                ("channel-security", "never"),
                ("digest_hour", "8"),
                ("time_zone", "America/Toronto"),
                ("weekly_day", "0"),
                (level_j.as_str(), "publications"),
                (level_c.as_str(), "muted"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "saved");
    let prefs = passerelles::notifications::prefs::load(&app.state.db, bea.id)
        .await
        .expect("prefs");
    assert_eq!(
        prefs.channel(passerelles::notifications::prefs::Kind::Security),
        passerelles::notifications::prefs::Channel::Email,
        "security notices cannot be turned off"
    );

    // In "jardins": a mention, then a publication without one; in
    // "cuisine" (muted), a mention.
    let mentioned = publish(
        &app,
        &alice_token,
        "jardins",
        "Semis de printemps",
        "Bonjour @bea, on sème quand ?",
    )
    .await;
    let plain = publish(
        &app,
        &alice_token,
        "jardins",
        "Compost collectif",
        "Le bac est plein.",
    )
    .await;
    let muted = publish(
        &app,
        &alice_token,
        "cuisine",
        "Conserves",
        "Merci @bea pour les pots.",
    )
    .await;
    // Bea follows the plain one: a reply there is "followed", set to never.
    exec(
        &app,
        &format!(
            "INSERT INTO follows (user_id, publication_id, created_at) VALUES ({}, $1, 0)",
            bea.id
        ),
        plain,
    )
    .await;
    reply(&app, &alice_token, plain, "Je le vide demain.").await;

    let got = centre(&app, &bea_token).await;
    let kinds: HashSet<(String, Option<i64>)> = got.iter().cloned().collect();
    assert!(
        kinds.contains(&("mention".into(), Some(mentioned))),
        "{got:?}"
    );
    assert!(
        kinds.contains(&("new_publication".into(), Some(plain))),
        "{got:?}"
    );
    assert!(
        !got.iter().any(|(_, p)| *p == Some(muted)),
        "muted community: {got:?}"
    );
    assert!(
        !got.iter().any(|(k, _)| k == "followed_reply"),
        "never: {got:?}"
    );
    assert_eq!(got.len(), 2, "{got:?}");

    // Muting the mentioned thread: a new mention there goes nowhere.
    let mentioned_id = mentioned.to_string();
    let res = app
        .post_form(
            &bea_client,
            "/notifications",
            "/notifications/mute",
            &[("publication", mentioned_id.as_str()), ("mute", "1")],
        )
        .await;
    assert_eq!(res.status(), 303);
    reply(&app, &alice_token, mentioned, "Encore toi @bea !").await;
    let after = centre(&app, &bea_token).await;
    assert!(
        !after.iter().any(|(_, p)| *p == Some(mentioned)),
        "{after:?}"
    );
    exec(&app, "DELETE FROM thread_mutes WHERE user_id = $1", bea.id).await;

    // The immediate pass: one e-mail, the mentions in "jardins" (the muted
    // community's never leaves).
    let sent = email::send_due(&app.state, passerelles::db::now())
        .await
        .expect("pass");
    assert_eq!(sent, 2, "the two mentions in jardins");
    // Run again: nothing more (each record is mailed once).
    assert_eq!(
        email::send_due(&app.state, passerelles::db::now())
            .await
            .expect("pass"),
        0
    );
    app.drain_jobs().await;
    let first = app.sink.wait_for("bea@exemple.qc.ca").await;
    let second = app.sink.wait_for("bea@exemple.qc.ca").await;
    assert_eq!(mails_to(&app, &bea).len(), 2);
    let parsed = parse_with_python(&app, &[first, second]);
    let host = app
        .url
        .trim_start_matches("http://")
        .split(':')
        .next()
        .expect("host")
        .to_string();
    for m in &parsed {
        let h = &m["headers"];
        assert_eq!(m["defects"], json!([]), "{m}");
        assert_eq!(
            m["parts"],
            json!(["multipart/alternative", "text/plain", "text/html"])
        );
        assert!(
            h["Subject"]
                .as_str()
                .unwrap()
                .starts_with("[Communauté jardins] Semis de printemps"),
            "{h}"
        );
        assert_eq!(h["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");
        assert!(
            h["List-Unsubscribe"]
                .as_str()
                .unwrap()
                .starts_with(&format!("<{}/notifications/unsubscribe/", app.url))
        );
        let list_id = h["List-Id"].as_str().expect("List-Id");
        assert!(list_id.contains("Communauté jardins"), "{list_id}");
        assert!(list_id.ends_with(&format!("<jardins.{host}>")), "{list_id}");
        assert_eq!(
            h["In-Reply-To"],
            format!("<publication.{mentioned}@{host}>")
        );
        assert_eq!(h["References"], format!("<publication.{mentioned}@{host}>"));
        assert_eq!(h["Content-Language"], "fr-CA");
        assert!(
            m["text"]
                .as_str()
                .unwrap()
                .contains("a mentionné votre nom"),
            "{m}"
        );
        assert!(m["html"].as_str().unwrap().contains("Semis de printemps"));
    }
    assert_ne!(
        parsed[0]["headers"]["Message-ID"],
        parsed[1]["headers"]["Message-ID"]
    );

    // One click from the mail client (RFC 8058): mentions stop coming by
    // e-mail, and stay in the centre.
    let link = parsed[0]["headers"]["List-Unsubscribe"]
        .as_str()
        .unwrap()
        .trim_matches(['<', '>'])
        .to_string();
    let client = reqwest::Client::new();
    for _ in 0..2 {
        // Twice: replaying it changes nothing more.
        let res = client
            .post(&link)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .expect("one click");
        assert_eq!(res.status(), 200);
    }
    let prefs = passerelles::notifications::prefs::load(&app.state.db, bea.id)
        .await
        .expect("prefs");
    assert_eq!(
        prefs.channel(passerelles::notifications::prefs::Kind::Mention),
        passerelles::notifications::prefs::Channel::App
    );
    // A forged token does nothing.
    let forged = link.replace("/unsubscribe/", "/unsubscribe/x");
    let res = client.post(&forged).send().await.expect("forged");
    assert_eq!(res.status(), 404);
    // The page behind the link asks before doing anything (GET changes nothing).
    let res = client.get(&link).send().await.expect("get");
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("body");
    assert!(html.contains("Confirmer"), "{html}");
    assert!(form_value(&html, "List-Unsubscribe").is_some());
}

#[tokio::test]
async fn a_daily_digest_holds_exactly_the_right_items() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice", false).await;
    let lea = app.create_user("lea", false).await;
    let open_a = community(&app, "potagers", "open", "open", &alice).await;
    let private = community(&app, "cercle", "private", "request", &alice).await;
    let open_c = community(&app, "ateliers", "open", "open", &alice).await;
    for c in [open_a, private, open_c] {
        member(&app, c, &lea, "member", "active").await;
    }
    let token = token_for(&app, &alice).await;
    // Léa watches all three for new publications, which she asked to get
    // in her daily digest (mentions go there by default).
    for c in [open_a, private, open_c] {
        sqlx::query("INSERT INTO community_watch (user_id, community_id, level) VALUES ($1, $2, 'publications')")
            .bind(lea.id)
            .bind(c)
            .execute(&app.state.db.pool)
            .await
            .expect("watch");
    }
    sqlx::query("INSERT INTO notification_prefs (user_id, kind, channel) VALUES ($1, 'new_publication', 'daily')")
        .bind(lea.id)
        .execute(&app.state.db.pool)
        .await
        .expect("pref");

    let a1 = publish(
        &app,
        &token,
        "potagers",
        "Tomates anciennes",
        "Des semences à partager entre voisins.",
    )
    .await;
    let secret = publish(
        &app,
        &token,
        "cercle",
        "Budget confidentiel",
        "Chiffres du cercle.",
    )
    .await;
    let c1 = publish(
        &app,
        &token,
        "ateliers",
        "Atelier vélo",
        "Réparer sa chaîne soi-même.",
    )
    .await;
    let a2 = publish(
        &app,
        &token,
        "potagers",
        "Arrosage",
        "Tour de rôle pour l’été.",
    )
    .await;
    let mention = publish(
        &app,
        &token,
        "ateliers",
        "Question",
        "@lea sais-tu où est la clé ?",
    )
    .await;
    // Order them in time (newest last): a1, secret, c1, mention, a2.
    for (i, p) in [a1, secret, c1, mention, a2].iter().enumerate() {
        exec(
            &app,
            &format!(
                "UPDATE notifications SET created_at = created_at - {} WHERE publication_id = $1",
                100 - i as i64 * 10
            ),
            *p,
        )
        .await;
    }
    // Read in the centre already: not in the digest.
    let read = publish(&app, &token, "ateliers", "Déjà lu", "Rien de neuf.").await;
    exec(
        &app,
        "UPDATE notifications SET read_at = 1 WHERE publication_id = $1",
        read,
    )
    .await;
    // Léa leaves the private community before the digest goes out.
    exec(
        &app,
        &format!(
            "DELETE FROM memberships WHERE user_id = {} AND community_id = $1",
            lea.id
        ),
        private,
    )
    .await;

    // Before her hour: nothing. At 9 in Toronto (8 is her hour): once.
    let early = toronto_hour(6);
    assert_eq!(
        digest::schedule(&app.state, early).await.expect("schedule"),
        0
    );
    let at = toronto_hour(9);
    // (Her weekly digest may be due too: it holds nothing, so it is not sent.)
    assert!(digest::schedule(&app.state, at).await.expect("schedule") >= 1);
    app.drain_jobs().await;
    // (The worker may be the one sending it.)
    app.sink.wait_for("lea@exemple.qc.ca").await;
    let mails = mails_to(&app, &lea);
    assert_eq!(mails.len(), 1, "one digest");
    // The same hour again (another tick): nothing more.
    digest::schedule(&app.state, at + 60)
        .await
        .expect("schedule");
    app.drain_jobs().await;
    assert_eq!(mails_to(&app, &lea).len(), 1, "still one digest");

    let parsed = parse_with_python(&app, &mails);
    let m = &parsed[0];
    assert_eq!(m["defects"], json!([]), "{m}");
    assert_eq!(
        m["parts"],
        json!(["multipart/alternative", "text/plain", "text/html"])
    );
    let h = &m["headers"];
    assert!(
        h["Subject"].as_str().unwrap().contains("résumé quotidien"),
        "{h}"
    );
    assert!(
        h["Subject"].as_str().unwrap().contains("4 nouveautés"),
        "{h}"
    );
    assert_eq!(h["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");
    let text = m["text"].as_str().unwrap();
    // Exactly: potagers (it has the newest, a2, then a1), then ateliers
    // (the mention, then c1); nothing of the community she left, nothing
    // she already read.
    for absent in [
        "Budget confidentiel",
        "Chiffres du cercle",
        "Déjà lu",
        "cercle",
    ] {
        assert!(!text.contains(absent), "{absent} in the digest:\n{text}");
        assert!(!m["html"].as_str().unwrap().contains(absent));
    }
    let pos = |s: &str| {
        text.find(s)
            .unwrap_or_else(|| panic!("{s} missing:\n{text}"))
    };
    assert!(pos("## Communauté potagers") < pos("Arrosage"));
    assert!(pos("Arrosage") < pos("Tomates anciennes"), "newest first");
    assert!(
        pos("Tomates anciennes") < pos("## Communauté ateliers"),
        "potagers has the newest item"
    );
    assert!(pos("## Communauté ateliers") < pos("Question"));
    assert!(pos("Question") < pos("Atelier vélo"));
    assert!(text.contains("Des semences à partager"), "excerpt");
    assert!(text.contains(&format!("{}/p/{a2}", app.url)), "link");
    assert_eq!(text.matches("\n- ").count(), 4, "four items:\n{text}");
    // Its "stop this digest" link, by the mail client's one click.
    let link = h["List-Unsubscribe"]
        .as_str()
        .unwrap()
        .trim_matches(['<', '>'])
        .to_string();
    let res = reqwest::Client::new()
        .post(&link)
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("one click");
    assert_eq!(res.status(), 200);
    let prefs = passerelles::notifications::prefs::load(&app.state.db, lea.id)
        .await
        .expect("prefs");
    use passerelles::notifications::prefs::{Channel, Kind};
    assert_eq!(prefs.channel(Kind::NewPublication), Channel::App);
    assert_eq!(prefs.channel(Kind::Mention), Channel::App);
    assert_eq!(
        prefs.channel(Kind::Event),
        Channel::Weekly,
        "the weekly digest stays"
    );
}

#[tokio::test]
async fn two_nodes_never_send_a_digest_twice() {
    let a = TestApp::spawn().await;
    let mut config = a.state.config.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    config.bind = listener.local_addr().expect("addr");
    let b_state = passerelles::app::build_state(config).await.expect("state");
    let b = passerelles::app::start_with(b_state, listener)
        .await
        .expect("node b");

    let alice = a.create_user("alice", false).await;
    let c = community(&a, "ruelles", "open", "open", &alice).await;
    let mut people = Vec::new();
    for i in 0..6 {
        let u = a.create_user(&format!("voisin{i}"), false).await;
        member(&a, c, &u, "member", "active").await;
        people.push(u);
    }
    let token = token_for(&a, &alice).await;
    let names: Vec<String> = people.iter().map(|u| format!("@{}", u.username)).collect();
    publish(
        &a,
        &token,
        "ruelles",
        "Corvée de ruelle",
        &format!("Samedi ! {}", names.join(" ")),
    )
    .await;

    let at = toronto_hour(10);
    // Both nodes schedule and run the same hour's digests at once.
    let (ra, rb) = tokio::join!(
        digest::schedule(&a.state, at),
        digest::schedule(&b.state, at)
    );
    ra.expect("a");
    rb.expect("b");
    // Meanwhile each node also builds them directly (as a late job would).
    let env_a = email::Env::of(&a.state);
    let env_b = email::Env::of(&b.state);
    let signer = passerelles::notifications::unsubscribe::Signer::load(&a.state.db)
        .await
        .expect("key");
    let daily = passerelles::notifications::prefs::Channel::Daily;
    for u in &people {
        let (x, y) = tokio::join!(
            digest::one(&a.state.db, &env_a, &signer, daily, u.id, at),
            digest::one(&b.state.db, &env_b, &signer, daily, u.id, at)
        );
        x.expect("a");
        y.expect("b");
    }
    // The jobs queued by either node run on both.
    let (da, db) = tokio::join!(
        a.state.jobs.drain(&a.state.db, &a.state.mailer),
        b.state.jobs.drain(&b.state.db, &b.state.mailer)
    );
    da.expect("drain a");
    db.expect("drain b");
    for u in &people {
        a.sink.wait_for(u.email.as_deref().expect("address")).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    for u in &people {
        let n = mails_to(&a, u).len();
        assert_eq!(n, 1, "{} got {n} digests", u.username);
    }
    drop(b);
}

#[tokio::test]
async fn preferences_over_the_api() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice", false).await;
    let bea = app.create_user("bea", false).await;
    let c = community(&app, "jardins", "open", "open", &alice).await;
    member(&app, c, &bea, "member", "active").await;
    let token = token_for(&app, &bea).await;
    exec(
        &app,
        "UPDATE api_tokens SET scope = 'write' WHERE user_id = $1",
        bea.id,
    )
    .await;
    let api = reqwest::Client::new();
    let url = app.at("/api/v1/me/notification-preferences");
    let got: Value = api
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(got["channels"]["mention"], "daily");
    assert_eq!(got["channels"]["security"], "email");
    assert_eq!(got["time_zone"], "America/Toronto");
    assert_eq!(
        got["communities"],
        json!([{ "community": "jardins", "level": "mentions" }])
    );

    let res = api
        .put(&url)
        .bearer_auth(&token)
        .json(&json!({
            "channels": { "mention": "email", "security": "never" },
            "digest_hour": 18,
            "communities": [{ "community": "jardins", "level": "everything" }],
        }))
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 200);
    let got: Value = res.json().await.expect("json");
    assert_eq!(got["channels"]["mention"], "email");
    assert_eq!(got["channels"]["security"], "email", "cannot be turned off");
    assert_eq!(got["digest_hour"], 18);
    assert_eq!(got["communities"][0]["level"], "everything");

    let res = api
        .put(&url)
        .bearer_auth(&token)
        .json(&json!({ "time_zone": "Mars/Olympus", "channels": { "mention": "pigeon" } }))
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    let fields = body.to_string();
    assert!(
        fields.contains("time_zone") && fields.contains("channel-mention"),
        "{body}"
    );
}

fn peak_rss_kb() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Digests for 5,000 members of one community, three new publications
/// each (BENCHMARKS.md): time, SQL statements per digest, peak memory.
/// `cargo nextest run --test it --run-ignored only digest_benchmark --no-capture`
#[tokio::test]
#[ignore = "benchmark"]
async fn digest_benchmark_5000_members() {
    const MEMBERS: i64 = 5000;
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice", false).await;
    let c = community(&app, "quartier", "open", "open", &alice).await;
    let token = token_for(&app, &alice).await;
    let t = passerelles::db::now();
    for start in (0..MEMBERS).step_by(500) {
        let values: Vec<String> = (start..(start + 500).min(MEMBERS))
            .map(|i| {
                format!(
                    "('membre{i}', 'membre{i}', 'membre{i}', 'membre{i}@exemple.qc.ca', 'membre{i}@exemple.qc.ca', 1, {t})"
                )
            })
            .collect();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO users (username, username_key, username_skeleton, email, email_key, email_verified, created_at) VALUES {}",
            values.join(",")
        )))
        .execute(&app.state.db.pool)
        .await
        .expect("users");
    }
    for sql in [
        format!("INSERT INTO memberships (community_id, user_id, role, state, created_at, updated_at) SELECT {c}, id, 'member', 'active', {t}, {t} FROM users WHERE username LIKE 'membre%'"),
        format!("INSERT INTO community_watch (user_id, community_id, level) SELECT id, {c}, 'publications' FROM users WHERE username LIKE 'membre%'"),
        "INSERT INTO notification_prefs (user_id, kind, channel) SELECT id, 'new_publication', 'daily' FROM users WHERE username LIKE 'membre%'".to_string(),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&app.state.db.pool).await.expect("fixture");
    }
    let started = std::time::Instant::now();
    for i in 0..3 {
        publish(
            &app,
            &token,
            "quartier",
            &format!("Nouvelle {i}"),
            "Une nouvelle pour tout le quartier, avec quelques mots de plus pour l’extrait.",
        )
        .await;
    }
    let notify_secs = started.elapsed().as_secs_f64();
    let records: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    assert_eq!(records, 3 * MEMBERS);

    let at = toronto_hour(9);
    let users: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE username LIKE 'membre%' ORDER BY id")
            .fetch_all(&app.state.db.pool)
            .await
            .expect("ids");
    let env = email::Env::of(&app.state);
    let rss0 = peak_rss_kb();
    let started = std::time::Instant::now();
    let (_, statements) = passerelles::publications::count_statements(async {
        for chunk in users.chunks(digest::BATCH) {
            digest::run_batch(&app.state.db, &env, "daily", chunk, at)
                .await
                .expect("batch");
        }
    })
    .await;
    let build_secs = started.elapsed().as_secs_f64();
    // (The worker sends the queued e-mails meanwhile: count the schedules moved on.)
    let queued: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM notification_schedule WHERE daily_slot > 0")
            .fetch_one(&app.state.db.pool)
            .await
            .expect("count");
    println!(
        "digest benchmark ({}): 3 publications notifying {MEMBERS} members: {notify_secs:.1} s; \
         {MEMBERS} digests built and queued in {build_secs:.1} s ({:.2} ms each), \
         {:.1} SQL statements per digest (counted), peak RSS {} MB (+{} MB)",
        crate::harness::backend(),
        build_secs * 1000.0 / MEMBERS as f64,
        statements as f64 / MEMBERS as f64,
        peak_rss_kb() / 1024,
        (peak_rss_kb() - rss0) / 1024,
    );
    assert_eq!(queued, MEMBERS, "one digest each");
}
