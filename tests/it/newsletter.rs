//! Newsletters (issue 17, C10) through the real pages on both engines: a
//! list, a person without an account subscribing with double opt-in
//! (consent recorded), a member subscribing, an issue built from
//! publications (one from a private community refused with the reason),
//! sent through the job queue to the real SMTP sink — each message read
//! back by Python's standard `email` parser: `List-Id`, the RFC 8058
//! one-click unsubscribe fields, text and HTML parts —, sent only once,
//! the one-click unsubscribe POST, and the archive page.

use std::collections::HashMap;

use serde_json::Value;

use crate::harness::{TestApp, html_unescape};
use crate::writing::{community, member, publication};

fn python() -> Option<String> {
    let venv = format!("{}/tests/rp/.venv/bin/python3", env!("CARGO_MANIFEST_DIR"));
    let python = if std::path::Path::new(&venv).exists() {
        venv
    } else {
        "python3".to_string()
    };
    let ok = std::process::Command::new(&python)
        .args(["-c", "import email.parser, json"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    if std::env::var("PASSERELLES_REQUIRE_RP").is_ok_and(|v| v == "1") {
        panic!("python3 is required (PASSERELLES_REQUIRE_RP=1)");
    }
    crate::harness::skip("newsletter_e2e", "python3 not available");
    None
}

/// Every message in the sink, parsed by Python's `email`.
fn parse_mails(app: &TestApp, python: &str, mails: &[String]) -> Vec<Value> {
    let dir = app.data_dir.join("mails");
    std::fs::create_dir_all(&dir).expect("dir");
    let mut files = Vec::new();
    for (i, m) in mails.iter().enumerate() {
        let f = dir.join(format!("{i}.eml"));
        std::fs::write(&f, m).expect("write");
        files.push(f);
    }
    let out = std::process::Command::new(python)
        .arg(format!("{}/tests/rp/mail.py", env!("CARGO_MANIFEST_DIR")))
        .args(&files)
        .output()
        .expect("run mail.py");
    assert!(
        out.status.success(),
        "Python's email parser failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    files
        .iter()
        .map(|f| v[f.to_str().unwrap()].clone())
        .collect()
}

async fn scalar_i64(app: &TestApp, sql: &str, email: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(email)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("scalar")
}

#[tokio::test]
async fn newsletter_double_opt_in_send_once_and_one_click_unsubscribe() {
    let Some(python) = python() else { return };
    let app = TestApp::spawn().await;
    let (admin, admin_user) = app.logged_in("redactrice", true).await;
    let owner = app.create_user("proprio", false).await;
    let open = community(&app, "quartier", "open", "open", &owner).await;
    let private = community(&app, "cercle", "private", "request", &owner).await;
    member(&app, private, &admin_user, "member", "active").await;
    let public_pub = publication(&app, &owner, "Corvée de ruelle samedi", &[open], 60).await;
    let private_pub = publication(&app, &owner, "Compte rendu du cercle", &[private], 60).await;

    // A list of the instance, with categories; a typo keeps what was typed.
    let res = app
        .post_form(
            &admin,
            "/newsletters/new",
            "/newsletters/new",
            &[
                ("community", ""),
                ("name", "Infolettre régionale"),
                ("slug", "Pas Bon!"),
                ("description", "Le meilleur du réseau"),
                ("rhythm", "Aux deux semaines"),
                ("categories", "Actualités\nÉvénements"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = html_unescape(&res.text().await.unwrap());
    assert!(
        body.contains("Le meilleur du réseau"),
        "what was typed is kept"
    );
    let res = app
        .post_form(
            &admin,
            "/newsletters/new",
            "/newsletters/new",
            &[
                ("community", ""),
                ("name", "Infolettre régionale"),
                ("slug", "regionale"),
                ("description", "Le meilleur du réseau"),
                ("rhythm", "Aux deux semaines"),
                ("categories", "Actualités\nÉvénements"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);

    // Someone without an account: consent is required, then double opt-in.
    let visitor = app.client();
    let res = app
        .post_form(
            &visitor,
            "/newsletters/regionale",
            "/newsletters/regionale/subscribe",
            &[("email", "lectrice@exemple.org")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(html_unescape(&res.text().await.unwrap()).contains("lectrice@exemple.org"));
    let res = app
        .post_form(
            &visitor,
            "/newsletters/regionale",
            "/newsletters/regionale/subscribe",
            &[("email", "Lectrice@Exemple.org"), ("consent", "1")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let pending =
        "SELECT COUNT(*) FROM newsletter_subscribers WHERE email = $1 AND status = 'pending'";
    assert_eq!(scalar_i64(&app, pending, "lectrice@exemple.org").await, 1);
    let link = app
        .mail_link("lectrice@exemple.org", "/newsletters/confirm/")
        .await;
    // Opening the link alone confirms nothing (mail scanners open links).
    let res = visitor.get(app.at(&link)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(scalar_i64(&app, pending, "lectrice@exemple.org").await, 1);
    let res = app.post_form(&visitor, &link, &link, &[]).await;
    assert_eq!(res.status(), 200);
    let (source, wording, at): (String, String, Option<i64>) = sqlx::query_as(
        "SELECT consent_source, consent_wording, consent_at FROM newsletter_subscribers WHERE email = $1",
    )
    .bind("lectrice@exemple.org")
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(source, "form");
    assert!(
        wording.contains("Infolettre régionale") && wording.contains("désabonner"),
        "{wording}"
    );
    assert!(at.is_some(), "consent dated at confirmation");
    // The link works once.
    let res = app.post_form(&visitor, &link, &link, &[]).await;
    assert_eq!(res.status(), 404);

    // A member subscribes with the account's address.
    let (reader, _) = app.logged_in("lecteur", false).await;
    let res = app
        .post_form(
            &reader,
            "/newsletters/regionale",
            "/newsletters/regionale/member",
            &[("action", "subscribe")],
        )
        .await;
    assert_eq!(res.status(), 303);

    // An issue: a public publication goes in; a private community's is
    // refused with the reason, what was typed kept.
    let res = app
        .post_form(
            &admin,
            "/newsletters/regionale",
            "/newsletters/regionale/issues",
            &[
                ("subject", "Numéro 1"),
                ("intro", "Bonjour à toutes et à tous."),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let issue = res.headers()["location"].to_str().unwrap().to_string();
    let res = app
        .post_form(
            &admin,
            &issue,
            &format!("{issue}/items"),
            &[
                ("reference", &app.at(&format!("/p/{private_pub}"))),
                ("category", "Actualités"),
                ("title", ""),
                ("blurb", "Présentation tapée"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = html_unescape(&res.text().await.unwrap());
    assert!(body.contains("communauté privée"), "the reason is given");
    assert!(body.contains("Présentation tapée"));
    let res = app
        .post_form(
            &admin,
            &issue,
            &format!("{issue}/items"),
            &[
                ("reference", &app.at(&format!("/p/{public_pub}"))),
                ("category", "Événements"),
                ("title", ""),
                ("blurb", "Venez nombreux."),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    // A draft is not shown to anyone but its editors.
    let anonymous = app.client();
    assert_eq!(
        anonymous.get(app.at(&issue)).send().await.unwrap().status(),
        404
    );
    let preview = admin
        .get(app.at(&format!("{issue}/email")))
        .send()
        .await
        .unwrap();
    assert_eq!(preview.status(), 200);
    assert!(
        preview
            .text()
            .await
            .unwrap()
            .contains("Corvée de ruelle samedi")
    );

    // Sent once: a second send is refused, and nobody gets two messages.
    app.drain_jobs().await;
    let before = app.sink.all().len();
    let res = app
        .post_form(&admin, &issue, &format!("{issue}/send"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let res = app
        .post_form(&admin, &issue, &format!("{issue}/send"), &[])
        .await;
    assert_eq!(res.status(), 409);
    // The server's own worker may hold a job while the test drains the
    // rest: wait until the queue is empty, then read what arrived.
    for _ in 0..200 {
        app.drain_jobs().await;
        let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE queue = 'mail'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        if waiting == 0 && app.sink.all().len() >= before + 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let sent: Vec<_> = app.sink.all().into_iter().skip(before).collect();
    let mut to: Vec<String> = sent.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(
        to,
        vec!["lecteur@exemple.qc.ca", "lectrice@exemple.org"],
        "each subscriber once"
    );

    let parsed = parse_mails(
        &app,
        &python,
        &sent.iter().map(|m| m.data.clone()).collect::<Vec<_>>(),
    );
    let mut unsubscribe = String::new();
    for m in &parsed {
        assert_eq!(m["defects"], Value::Array(vec![]), "{m}");
        assert_eq!(m["type"], "multipart/alternative");
        assert!(m["subject"].as_str().unwrap().contains("Numéro 1"), "{m}");
        assert!(
            m["list_id"]
                .as_str()
                .unwrap()
                .contains("<regionale.newsletter."),
            "{m}"
        );
        assert_eq!(m["list_unsubscribe_post"], "List-Unsubscribe=One-Click");
        let lu = m["list_unsubscribe"].as_str().unwrap();
        assert!(
            lu.starts_with('<') && lu.ends_with('>') && lu.contains("/newsletters/unsubscribe/"),
            "{lu}"
        );
        let parts = m["parts"].as_array().unwrap();
        assert_eq!(parts[0]["type"], "text/plain");
        assert_eq!(parts[1]["type"], "text/html");
        for p in parts {
            let t = p["text"].as_str().unwrap();
            assert!(
                t.contains("Corvée de ruelle samedi") && t.contains("Venez nombreux."),
                "{t}"
            );
            assert!(t.contains("Événements"));
            assert!(!t.contains("Compte rendu du cercle"));
        }
        if m["to"].as_str().unwrap().contains("lectrice") {
            unsubscribe = lu.trim_matches(['<', '>']).to_string();
        }
    }

    // One-click unsubscribe (RFC 8058): a POST with no cookie and no token.
    let path = unsubscribe.replacen(&app.state.config.public_url(), "", 1);
    let last = if path.ends_with('0') { "1" } else { "0" };
    let forged = format!("{}{last}", &path[..path.len() - 1]);
    let mail_client = reqwest::Client::new();
    let res = mail_client
        .post(app.at(&forged))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "a forged token unsubscribes nobody");
    let active =
        "SELECT COUNT(*) FROM newsletter_subscribers WHERE email = $1 AND status = 'active'";
    assert_eq!(scalar_i64(&app, active, "lectrice@exemple.org").await, 1);
    let res = mail_client
        .post(app.at(&path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(scalar_i64(&app, active, "lectrice@exemple.org").await, 0);

    // The archive: the list's page and the issue's page, for anyone.
    let page = anonymous
        .get(app.at("/newsletters/regionale"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(html_unescape(&page.text().await.unwrap()).contains("Numéro 1"));
    let page = anonymous.get(app.at(&issue)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let body = html_unescape(&page.text().await.unwrap());
    assert!(body.contains("Corvée de ruelle samedi") && body.contains("Venez nombreux."));

    // The archive's Atom feed, read by feedparser.
    let feed = anonymous
        .get(app.at("/newsletters/regionale/feed.atom"))
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), 200);
    let file = app.data_dir.join("archive.atom");
    std::fs::write(&file, feed.bytes().await.unwrap()).unwrap();
    let out = std::process::Command::new(&python)
        .args([
            "-c",
            "import sys, json, feedparser; f = feedparser.parse(sys.argv[1]); \
             print(json.dumps({'bozo': bool(f.bozo), 'titles': [e.title for e in f.entries], \
             'links': [e.link for e in f.entries]}))",
        ])
        .arg(&file)
        .output()
        .expect("feedparser");
    if out.status.success() {
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(v["bozo"], false, "{v}");
        assert_eq!(v["titles"], serde_json::json!(["Numéro 1"]));
        assert!(v["links"][0].as_str().unwrap().ends_with(&issue), "{v}");
    } else {
        crate::harness::skip("newsletter_archive_feed", "feedparser not installed");
    }
}

/// A private community's list: outsiders do not see it (404, as for a list
/// that does not exist), nobody subscribes without an account, and its
/// issue may carry the community's own publications.
#[tokio::test]
async fn private_community_newsletter_is_for_its_members() {
    let app = TestApp::spawn().await;
    let (owner_client, owner) = app.logged_in("animatrice", false).await;
    let private = community(&app, "cercle", "private", "request", &owner).await;
    let inside = publication(&app, &owner, "Réservé au cercle", &[private], 60).await;
    let res = app
        .post_form(
            &owner_client,
            "/newsletters/new",
            "/newsletters/new",
            &[
                ("community", "cercle"),
                ("name", "Lettre du cercle"),
                ("slug", "lettre-cercle"),
                ("description", ""),
                ("rhythm", ""),
                ("categories", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    // Someone who does not manage the community cannot make a list there.
    let (outsider, _) = app.logged_in("passant", false).await;
    let res = app
        .post_form(
            &outsider,
            "/newsletters/new",
            "/newsletters/new",
            &[("community", "cercle"), ("name", "X"), ("slug", "xx")],
        )
        .await;
    assert_eq!(res.status(), 404);
    for client in [&outsider, &app.client()] {
        let res = client
            .get(app.at("/newsletters/lettre-cercle"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404);
        let res = client
            .get(app.at("/newsletters/lettre-cercle/feed.atom"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404);
        let res = client
            .get(app.at("/newsletters/nulle-part"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404);
        let list = client
            .get(app.at("/newsletters"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!list.contains("Lettre du cercle"));
    }
    let res = app
        .post_form(
            &owner_client,
            "/newsletters/lettre-cercle",
            "/newsletters/lettre-cercle/issues",
            &[("subject", "Entre nous"), ("intro", "")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let issue = res.headers()["location"].to_str().unwrap().to_string();
    let res = app
        .post_form(
            &owner_client,
            &issue,
            &format!("{issue}/items"),
            &[
                ("reference", &inside.to_string()),
                ("category", ""),
                ("title", ""),
                ("blurb", ""),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        303,
        "the community's own publication may go to its members"
    );
    let res = app
        .post_form(&owner_client, &issue, &format!("{issue}/send"), &[])
        .await;
    assert_eq!(res.status(), 303);
    // Sent, the issue stays members-only.
    assert_eq!(
        app.client()
            .get(app.at(&issue))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        owner_client
            .get(app.at(&issue))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

/// The newsletter channel of the permission matrix: which publications an
/// issue may carry, by where the publication lives × whose list it is.
/// Written from the rule (never computed by calling the policy): a list's
/// whole audience must be able to read an item — anyone for the instance's
/// list and an open community's list (so only what an anonymous visitor
/// finds), the community's readers for a private community's list (also
/// what is visible in that community). Asked through the operation the
/// page calls, as an administrator (who sees everything, so the only
/// refusal left is the audience's).
#[tokio::test]
async fn newsletter_items_follow_the_audience_matrix() {
    use passerelles::actor::Actor;
    use passerelles::error::AppError;
    use passerelles::newsletter::{self, ops};

    let app = TestApp::spawn().await;
    let admin = app.create_user("gestion", true).await;
    let owner = app.create_user("proprio", false).await;
    let open = community(&app, "ouvert", "open", "open", &owner).await;
    let private = community(&app, "prive", "private", "request", &owner).await;
    let unlisted = community(&app, "discret", "unlisted", "open", &owner).await;
    let archived = community(&app, "archive", "open", "open", &owner).await;
    sqlx::query("UPDATE communities SET status = 'archived' WHERE id = $1")
        .bind(archived)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    use crate::newsletter_items::{event, resource};
    let rows: [(&str, String); 13] = [
        (
            "open",
            publication(&app, &owner, "Ouverte", &[open], 60)
                .await
                .to_string(),
        ),
        (
            "private",
            publication(&app, &owner, "Privée", &[private], 60)
                .await
                .to_string(),
        ),
        (
            "unlisted",
            publication(&app, &owner, "Discrète", &[unlisted], 60)
                .await
                .to_string(),
        ),
        (
            "archived",
            publication(&app, &owner, "Archivée", &[archived], 60)
                .await
                .to_string(),
        ),
        (
            "removed",
            publication(&app, &owner, "Retirée", &[open], 60)
                .await
                .to_string(),
        ),
        (
            "widened",
            publication(&app, &owner, "Élargie", &[private, open], 60)
                .await
                .to_string(),
        ),
        // Events and resources follow the same rule.
        (
            "event open",
            format!("e:{}", event(&app, "É1", &[open]).await),
        ),
        (
            "event private",
            format!("e:{}", event(&app, "É2", &[private]).await),
        ),
        (
            "event unlisted",
            format!("e:{}", event(&app, "É3", &[unlisted]).await),
        ),
        (
            "event archived",
            format!("e:{}", event(&app, "É4", &[archived]).await),
        ),
        (
            "resource library",
            format!("r:{}", resource(&app, "R1", true, &[]).await),
        ),
        (
            "resource open",
            format!("r:{}", resource(&app, "R2", false, &[open]).await),
        ),
        (
            "resource private",
            format!("r:{}", resource(&app, "R3", false, &[private]).await),
        ),
    ];
    sqlx::query("UPDATE publication_communities SET status = 'removed' WHERE publication_id = $1")
        .bind(rows[4].1.parse::<i64>().unwrap())
        .execute(&app.state.db.pool)
        .await
        .unwrap();

    let actor = Actor::person(&admin);
    let lists = [
        ("instance", None),
        ("open-list", Some("ouvert")),
        ("private-list", Some("prive")),
    ];
    // Expected: [instance, open community's list, private community's list].
    let expected: HashMap<&str, [bool; 3]> = HashMap::from([
        ("open", [true, true, true]),
        ("private", [false, false, true]),
        ("unlisted", [false, false, false]),
        ("archived", [true, true, true]),
        ("removed", [false, false, false]),
        ("widened", [true, true, true]),
        ("event open", [true, true, true]),
        ("event private", [false, false, true]),
        ("event unlisted", [false, false, false]),
        ("event archived", [true, true, true]),
        ("resource library", [true, true, true]),
        ("resource open", [true, true, true]),
        ("resource private", [false, false, true]),
    ]);
    let mut wrong = Vec::new();
    for (i, (kind, community_slug)) in lists.iter().enumerate() {
        let list = ops::create_list(
            &app.state,
            &actor,
            community_slug.map_or(ops::Owner::Instance, ops::Owner::Community),
            &ops::ListValues {
                name: format!("Liste {kind}"),
                slug: format!("liste-{kind}"),
                ..Default::default()
            },
        )
        .await
        .expect("list");
        let a = newsletter::access(&app.state, Some(&admin), list)
            .await
            .expect("access");
        let issue = ops::create_issue(&app.state, &actor, &a, "Numéro", "")
            .await
            .expect("issue");
        for (vis, pid) in &rows {
            let got = match ops::add_item(
                &app.state,
                &actor,
                &a,
                issue,
                pid,
                &ops::ItemText::default(),
            )
            .await
            {
                Ok(()) => true,
                Err(AppError::Invalid { fields }) => {
                    assert_eq!(
                        fields[0].1, "newsletter-item-refused-audience",
                        "{vis} × {kind}"
                    );
                    false
                }
                Err(e) => panic!("{vis} × {kind}: {e}"),
            };
            if got != expected[vis][i] {
                wrong.push(format!(
                    "{vis} × {kind}: got {got}, expected {}",
                    expected[vis][i]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "wrong cells:\n{}", wrong.join("\n"));
}
