//! Newsletters, the editors' and members' side (issue 17, C10), through
//! the real pages on both engines: subscribing from one's settings; the
//! CSV import with its per-line report, the confirmation e-mail, and the
//! attested prior consent recorded as Law 25 asks; members' proposals and
//! the "suggested since the last issue" list in its stated order; the
//! per-issue delivery report with the SMTP server's refusal; the test
//! send to oneself and the configured sending rate.

use crate::harness::{TestApp, html_unescape};
use crate::writing::{community, exec, member, publication};

async fn list(app: &TestApp, admin: &reqwest::Client, slug: &str) {
    let res = app
        .post_form(
            admin,
            "/newsletters/new",
            "/newsletters/new",
            &[("name", "Infolettre régionale"), ("slug", slug)],
        )
        .await;
    assert_eq!(res.status(), 303);
}

async fn subscriber(
    app: &TestApp,
    email: &str,
) -> Option<(String, String, String, String, Option<i64>)> {
    sqlx::query_as(
        "SELECT status, consent_source, consent_wording, consent_note, consent_at FROM newsletter_subscribers WHERE email = $1",
    )
    .bind(email)
    .fetch_optional(&app.state.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn members_subscribe_and_unsubscribe_from_their_settings() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("redactrice", true).await;
    list(&app, &admin, "regionale").await;
    let (client, _) = app.logged_in("lecteur", false).await;
    let page = html_unescape(
        &client
            .get(app.at("/settings/newsletters"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(page.contains("Infolettre régionale"));
    assert!(page.contains("href=\"/settings/newsletters\" aria-current=\"page\""));
    let res = app
        .post_form(
            &client,
            "/settings/newsletters",
            "/settings/newsletters",
            &[("list", "regionale"), ("action", "subscribe")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let s = subscriber(&app, "lecteur@exemple.qc.ca").await.unwrap();
    assert_eq!(s.0, "active");
    assert_eq!(s.1, "member");
    assert!(!s.2.is_empty(), "the wording is recorded");
    assert!(s.4.is_some(), "the consent is dated");
    let page = client
        .get(app.at("/settings/newsletters"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("name=\"action\" value=\"unsubscribe\""));
    let res = app
        .post_form(
            &client,
            "/settings/newsletters",
            "/settings/newsletters",
            &[("list", "regionale"), ("action", "unsubscribe")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        subscriber(&app, "lecteur@exemple.qc.ca").await.unwrap().0,
        "unsubscribed"
    );
    // A list the member may not read is not found.
    let res = app
        .post_form(
            &client,
            "/settings/newsletters",
            "/settings/newsletters",
            &[("list", "inconnue"), ("action", "subscribe")],
        )
        .await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn csv_import_reports_each_line_confirms_or_records_the_attested_consent() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("redactrice", true).await;
    list(&app, &admin, "regionale").await;
    // Someone who left must never be put back by an import.
    sqlx::query(
        "INSERT INTO newsletter_subscribers (list_id, email, status, lang, consent_source, created_at, unsubscribed_at) \
         SELECT id, 'partie@exemple.org', 'unsubscribed', 'fr-CA', 'form', 1, 2 FROM newsletter_lists WHERE slug = 'regionale'",
    )
    .execute(&app.state.db.pool)
    .await
    .unwrap();

    let csv = "courriel;langue\nmarie@exemple.qc.ca;fr-CA\n\"john@example.org\";en\npas une adresse\nMARIE@exemple.qc.ca\npartie@exemple.org\n";
    let csrf = app.csrf(&admin, "/newsletters/regionale/import").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec())
                .file_name("abonnes.csv")
                .mime_str("text/csv")
                .unwrap(),
        );
    let res = admin
        .post(app.at("/newsletters/regionale/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let page = html_unescape(&res.text().await.unwrap());
    let report = page.split("id=\"report\"").nth(1).expect("a report");
    for (line, email, outcome) in [
        (2, "marie@exemple.qc.ca", "Courriel de confirmation envoyé"),
        (3, "john@example.org", "Courriel de confirmation envoyé"),
        (4, "pas une adresse", "Adresse non valide"),
        (5, "marie@exemple.qc.ca", "En double dans le fichier"),
        (
            6,
            "partie@exemple.org",
            "Désabonnée auparavant : non réabonnée",
        ),
    ] {
        let row = format!("<tr><td>{line}</td><td>{email}</td><td>{outcome}</td></tr>");
        assert!(report.contains(&row), "{row} in {report}");
    }
    assert!(report.contains("2 adresses ajoutées"));
    // Pending until they confirm, each in their language.
    let s = subscriber(&app, "john@example.org").await.unwrap();
    assert_eq!(
        (s.0.as_str(), s.1.as_str()),
        ("pending", "import-confirmed")
    );
    assert_eq!(
        subscriber(&app, "partie@exemple.org").await.unwrap().0,
        "unsubscribed"
    );
    let link = app
        .mail_link("john@example.org", "/newsletters/confirm/")
        .await;
    let res = app.post_form(&app.client(), &link, &link, &[]).await;
    assert_eq!(res.status(), 200);
    let s = subscriber(&app, "john@example.org").await.unwrap();
    assert_eq!(s.0, "active");
    assert!(s.4.is_some());

    // Attesting prior consent: all three parts are required …
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("content", "lea@exemple.qc.ca\n")
        .text("attest", "1")
        .text("consented_on", "2024-05-18");
    let res = admin
        .post(app.at("/newsletters/regionale/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(subscriber(&app, "lea@exemple.qc.ca").await.is_none());
    // … then the addresses are active, with the attestation as the record.
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("content", "lea@exemple.qc.ca\nmarie@exemple.qc.ca\n")
        .text("attest", "1")
        .text("consented_on", "2024-05-18")
        .text("source", "Formulaire papier, fête de quartier")
        .text("wording", "Je veux recevoir l’infolettre régionale.");
    let res = admin
        .post(app.at("/newsletters/regionale/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let page = html_unescape(&res.text().await.unwrap());
    assert!(page.contains("<td>lea@exemple.qc.ca</td><td>Abonnée (consentement attesté)</td>"));
    let s = subscriber(&app, "lea@exemple.qc.ca").await.unwrap();
    assert_eq!(s.0, "active");
    assert_eq!(s.1, "import-attested");
    assert_eq!(s.2, "Je veux recevoir l’infolettre régionale.");
    assert_eq!(s.3, "Formulaire papier, fête de quartier");
    let day = time::Date::from_calendar_date(2024, time::Month::May, 18)
        .unwrap()
        .with_hms(12, 0, 0)
        .unwrap()
        .assume_utc()
        .unix_timestamp();
    assert_eq!(s.4, Some(day));
    let by: Option<i64> = sqlx::query_scalar(
        "SELECT consent_by FROM newsletter_subscribers WHERE email = 'lea@exemple.qc.ca'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert!(by.is_some(), "who attested is recorded");
    // The pending address from the first import became active too.
    assert_eq!(
        subscriber(&app, "marie@exemple.qc.ca").await.unwrap().1,
        "import-attested"
    );

    // Not an editor: no import page.
    let (other, _) = app.logged_in("lecteur", false).await;
    let res = other
        .get(app.at("/newsletters/regionale/import"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn proposals_and_suggestions_since_the_last_issue_in_their_stated_order() {
    let app = TestApp::spawn().await;
    let (admin, admin_user) = app.logged_in("redactrice", true).await;
    let owner = app.create_user("proprio", false).await;
    let open = community(&app, "quartier", "open", "open", &owner).await;
    let private = community(&app, "cercle", "private", "request", &owner).await;
    let (reader, reader_user) = app.logged_in("lectrice", false).await;
    member(&app, private, &reader_user, "member", "active").await;
    member(&app, private, &admin_user, "member", "active").await;
    let quiet = publication(&app, &owner, "Atelier de vélo", &[open], 60).await;
    let busy = publication(&app, &owner, "Fermeture de la piscine", &[open], 60).await;
    let busier = publication(&app, &owner, "Nouveau parc canin", &[open], 60).await;
    let pinned = publication(&app, &owner, "Assemblée annuelle", &[open], 60).await;
    let secret = publication(&app, &owner, "Compte rendu du cercle", &[private], 60).await;
    let old = publication(&app, &owner, "Vieille nouvelle", &[open], 90 * 86400).await;
    exec(
        &app,
        "UPDATE publications SET reply_count = 2 WHERE id = $1",
        busy,
    )
    .await;
    exec(
        &app,
        "UPDATE publications SET reply_count = 5 WHERE id = $1",
        busier,
    )
    .await;
    exec(
        &app,
        "UPDATE publications SET reply_count = 9 WHERE id = $1",
        old,
    )
    .await;
    exec(
        &app,
        "UPDATE publication_communities SET pinned = 1 WHERE publication_id = $1",
        pinned,
    )
    .await;
    list(&app, &admin, "regionale").await;

    // A member proposes; a private community's publication is refused
    // with the reason; proposing again changes nothing.
    let res = app
        .post_form(
            &reader,
            "/newsletters/regionale",
            "/newsletters/regionale/propose",
            &[("reference", &format!("/p/{secret}")), ("note", "")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        html_unescape(&res.text().await.unwrap())
            .contains(&passerelles::i18n::Lang::Fr.t("newsletter-item-refused-audience"))
    );
    for _ in 0..2 {
        let res = app
            .post_form(
                &reader,
                "/newsletters/regionale",
                "/newsletters/regionale/propose",
                &[
                    ("reference", &app.at(&format!("/p/{quiet}"))),
                    ("note", "Très utile au printemps"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM newsletter_proposals")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);

    // The editor's workbench: proposed, then curated (pinned), then the
    // most replied; nothing the audience could not read, nothing older
    // than the window.
    let res = app
        .post_form(
            &admin,
            "/newsletters/regionale",
            "/newsletters/regionale/issues",
            &[("subject", "Numéro un"), ("intro", "")],
        )
        .await;
    let issue = res.headers()["location"].to_str().unwrap().to_string();
    let page = html_unescape(
        &admin
            .get(app.at(&issue))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let block = page
        .split("id=\"suggestions\"")
        .nth(1)
        .and_then(|b| b.split("</section>").next())
        .expect("suggestions");
    let order: Vec<usize> = [
        "Atelier de vélo",
        "Assemblée annuelle",
        "Nouveau parc canin",
        "Fermeture de la piscine",
    ]
    .iter()
    .map(|t| block.find(t).unwrap_or_else(|| panic!("{t} in {block}")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{block}");
    assert!(block.contains("Proposé par lectrice : « Très utile au printemps »"));
    assert!(block.contains("Épinglé par l’animation"));
    assert!(block.contains("5 réponses"));
    assert!(!block.contains("Compte rendu du cercle"));
    assert!(!block.contains("Vieille nouvelle"));

    // Picking one from the list takes it out of the suggestions.
    let res = app
        .post_form(
            &admin,
            &issue,
            &format!("{issue}/items"),
            &[("reference", &quiet.to_string())],
        )
        .await;
    assert_eq!(res.status(), 303);
    let page = html_unescape(
        &admin
            .get(app.at(&issue))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let block = page
        .split("id=\"suggestions\"")
        .nth(1)
        .and_then(|b| b.split("</section>").next())
        .unwrap();
    assert!(!block.contains("Atelier de vélo"));
    assert!(
        page.split("id=\"items\"")
            .nth(1)
            .unwrap()
            .contains("Atelier de vélo")
    );
}

#[tokio::test]
async fn the_delivery_report_counts_sent_and_failed_with_the_servers_reply() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("redactrice", true).await;
    list(&app, &admin, "regionale").await;
    for email in [
        "une@exemple.org",
        "refuse-deux@exemple.org",
        "trois@exemple.org",
    ] {
        sqlx::query(
            "INSERT INTO newsletter_subscribers (list_id, email, status, lang, consent_at, consent_source, created_at) \
             SELECT id, $1, 'active', 'fr-CA', 1, 'form', 1 FROM newsletter_lists WHERE slug = 'regionale'",
        )
        .bind(email)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    }
    let res = app
        .post_form(
            &admin,
            "/newsletters/regionale",
            "/newsletters/regionale/issues",
            &[("subject", "Numéro un"), ("intro", "Bonjour")],
        )
        .await;
    let issue = res.headers()["location"].to_str().unwrap().to_string();
    let res = app
        .post_form(&admin, &issue, &format!("{issue}/send"), &[])
        .await;
    assert_eq!(res.status(), 303);
    for _ in 0..100 {
        app.drain_jobs().await;
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM newsletter_deliveries WHERE state IN ('queued', 'sending')",
        )
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
        if waiting == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    app.sink.wait_for("une@exemple.org").await;
    app.sink.wait_for("trois@exemple.org").await;
    assert!(
        app.sink
            .all()
            .iter()
            .all(|m| !m.to.iter().any(|t| t.starts_with("refuse-"))),
        "the refused one was not delivered"
    );
    let page = html_unescape(
        &admin
            .get(app.at(&issue))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let report = page
        .split("id=\"report\"")
        .nth(1)
        .and_then(|r| r.split("</section>").next())
        .expect("a report");
    assert!(report.contains("Envoyés : 2"), "{report}");
    assert!(report.contains("Échecs : 1"), "{report}");
    assert!(
        report.contains("<td>refuse-deux@exemple.org</td><td>"),
        "{report}"
    );
    assert!(report.contains("550"), "the server's reply: {report}");
    // Nobody else can see the report.
    let res = app.client().get(app.at(&issue)).send().await.unwrap();
    let body = res.text().await.unwrap();
    assert!(!body.contains("id=\"report\""));
}

/// The test send goes to the editor alone (the issue stays a draft, no
/// subscriber gets it), and the real send is throttled to the instance's
/// rate (`newsletter_rate`): 5 messages at 2 per second take at least
/// four intervals of half a second between the first and the last, as the
/// SMTP server receives them.
#[tokio::test]
async fn test_send_reaches_the_editor_only_and_sending_keeps_to_the_rate() {
    let app = TestApp::spawn_with(|c| c.newsletter_rate = 2).await;
    let (admin, _) = app.logged_in("redactrice", true).await;
    list(&app, &admin, "cadencee").await;
    let subscribers: Vec<String> = (1..=5).map(|i| format!("abonne{i}@exemple.org")).collect();
    for email in &subscribers {
        sqlx::query(
            "INSERT INTO newsletter_subscribers (list_id, email, status, lang, consent_at, consent_source, created_at) \
             SELECT id, $1, 'active', 'fr-CA', 1, 'form', 1 FROM newsletter_lists WHERE slug = 'cadencee'",
        )
        .bind(email)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    }
    let res = app
        .post_form(
            &admin,
            "/newsletters/cadencee",
            "/newsletters/cadencee/issues",
            &[("subject", "Numéro cadencé"), ("intro", "Bonjour")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let issue = res.headers()["location"].to_str().unwrap().to_string();

    // The test send: to the editor's own address, marked as a test.
    let res = app
        .post_form(&admin, &issue, &format!("{issue}/test"), &[])
        .await;
    assert_eq!(res.status(), 303);
    app.drain_jobs().await;
    let mail = app.sink.wait_for("redactrice@exemple.qc.ca").await;
    assert!(
        mail.subject().contains("[Essai]") && mail.subject().contains("Numéro cadencé"),
        "{}",
        mail.subject()
    );
    assert!(mail.text_part().contains("Bonjour"));
    let to_subscribers = |app: &TestApp| {
        app.sink
            .all()
            .iter()
            .filter(|m| m.to.iter().any(|t| subscribers.contains(t)))
            .count()
    };
    assert_eq!(to_subscribers(&app), 0, "a test reaches no subscriber");
    let status: String = sqlx::query_scalar(
        "SELECT status FROM newsletter_issues WHERE list_id = (SELECT id FROM newsletter_lists WHERE slug = 'cadencee')",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(status, "draft", "still a draft after the test");

    // The send, timed from the SMTP server's side while the queue runs it.
    let res = app
        .post_form(&admin, &issue, &format!("{issue}/send"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let mut first = None;
    let work = async {
        while to_subscribers(&app) < subscribers.len() && std::time::Instant::now() < deadline {
            app.drain_jobs().await;
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    let watch = async {
        loop {
            let n = to_subscribers(&app);
            if n >= 1 && first.is_none() {
                first = Some(std::time::Instant::now());
            }
            if n >= subscribers.len() || std::time::Instant::now() >= deadline {
                return std::time::Instant::now();
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    };
    let ((), last) = tokio::join!(work, watch);
    assert_eq!(
        to_subscribers(&app),
        subscribers.len(),
        "every subscriber, once"
    );
    let spread = last - first.expect("a first message");
    assert!(
        spread >= std::time::Duration::from_millis(1700),
        "5 messages at 2/s are spread over at least 2 s (polling aside): {spread:?}"
    );
}
