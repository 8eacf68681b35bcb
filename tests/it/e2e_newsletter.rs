//! The newsletter in headless Chromium (issue 17): an editor builds an
//! issue from search; someone without an account subscribes with double
//! opt-in; the issue goes out through the real SMTP server of the test;
//! the e-mail's one-click unsubscribe works; the archive page and its
//! Atom feed list the issue, and the editor's report counts the send and
//! the unsubscribe.

use crate::harness::{PASSWORD, TestApp};
use crate::webdriver;
use crate::writing::{community, publication};

#[tokio::test]
async fn editor_builds_from_search_visitor_opts_in_issue_sent_unsubscribed_and_archived() {
    let app = TestApp::spawn().await;
    let editor = app.create_user("redactrice", true).await;
    let open = community(&app, "quartier", "open", "open", &editor).await;
    publication(&app, &editor, "Corvée de ruelle samedi", &[open], 60).await;
    publication(&app, &editor, "Marché public du dimanche", &[open], 60).await;
    passerelles::search::reindex_all(&app.state.db)
        .await
        .expect("index");
    let Some(b) = webdriver::browser_or_skip(
        1280,
        900,
        "editor_builds_from_search_visitor_opts_in_issue_sent_unsubscribed_and_archived",
    )
    .await
    else {
        return;
    };

    // The editor creates the list.
    b.goto(&app.at("/login")).await;
    b.fill("#f-login", "redactrice").await;
    b.fill("#f-password", PASSWORD).await;
    b.click_and_wait("form.form button[type=submit]").await;
    b.goto(&app.at("/newsletters/new")).await;
    b.fill("#f-name", "Infolettre du quartier").await;
    b.fill("#f-slug", "quartier").await;
    b.click_and_wait("form.form button[type=submit]").await;
    assert!(b.current_url().await.ends_with("/newsletters/quartier"));

    // A new issue, built from search: the editor searches, adds a result.
    b.fill("#f-subject", "Numéro de juin").await;
    b.fill("#f-intro", "Bonjour le quartier !").await;
    b.click_and_wait("form[action='/newsletters/quartier/issues'] button[type=submit]")
        .await;
    let issue_url = b.current_url().await;
    assert!(issue_url.contains("/newsletters/quartier/issues/"));
    b.fill("#f-q", "corvée").await;
    b.click_and_wait("#find form button[type=submit]").await;
    let found = b.text("#found").await;
    assert!(found.contains("Corvée de ruelle samedi"), "{found}");
    assert!(!found.contains("Marché public"), "{found}");
    b.click_and_wait("#found li:first-child form button[type=submit]")
        .await;
    assert!(
        b.text("#items").await.contains("Corvée de ruelle samedi"),
        "the item is in the issue"
    );
    // Log out: the next part is someone without an account.
    b.delete_cookies().await;
    let editor_cookies = app.client();
    app.login(&editor_cookies, "redactrice", PASSWORD).await;

    // Double opt-in, in the browser: the form, then the e-mailed link.
    b.goto(&app.at("/newsletters/quartier")).await;
    b.fill("#f-email", "voisine@exemple.org").await;
    b.click("#f-consent").await;
    b.click_and_wait("form[action='/newsletters/quartier/subscribe'] button[type=submit]")
        .await;
    let confirm = app
        .mail_link("voisine@exemple.org", "/newsletters/confirm/")
        .await;
    b.goto(&app.at(&confirm)).await;
    b.click_and_wait("main form button[type=submit]").await;
    assert!(
        b.source().await.contains("Infolettre du quartier"),
        "confirmed"
    );
    let consent: (String, String, Option<i64>) = sqlx::query_as(
        "SELECT status, consent_source, consent_at FROM newsletter_subscribers WHERE email = 'voisine@exemple.org'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(consent.0, "active");
    assert_eq!(consent.1, "form");
    assert!(consent.2.is_some(), "consent dated");

    // The editor sends (a form post as the browser would), through the
    // job queue to the real SMTP server.
    let path = issue_url.replacen(&app.url, "", 1);
    let res = app
        .post_form(&editor_cookies, &path, &format!("{path}/send"), &[])
        .await;
    assert_eq!(res.status(), 303);
    app.drain_jobs().await;
    let mail = app.sink.wait_for("voisine@exemple.org").await;
    assert!(mail.subject().contains("Numéro de juin"));
    assert!(mail.text_part().contains("Corvée de ruelle samedi"));
    assert_eq!(
        mail.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let unsubscribe = mail
        .header("List-Unsubscribe")
        .unwrap()
        .trim_matches(|c| c == '<' || c == '>')
        .to_string();

    // One click: the link from the e-mail, opened in the browser.
    b.goto(&unsubscribe).await;
    b.click_and_wait("main form button[type=submit]").await;
    let status: String = sqlx::query_scalar(
        "SELECT status FROM newsletter_subscribers WHERE email = 'voisine@exemple.org'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(status, "unsubscribed");

    // The archive page and its feed list the issue.
    b.goto(&app.at("/newsletters/quartier")).await;
    assert!(b.text("#issues").await.contains("Numéro de juin"));
    b.goto(&app.at("/newsletters/quartier/feed.atom")).await;
    assert!(b.source().await.contains("Numéro de juin"));

    // The editor's report: one sent, one unsubscribe since.
    let page = editor_cookies
        .get(app.at(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let report = page
        .split("id=\"report\"")
        .nth(1)
        .and_then(|r| r.split("</section>").next())
        .expect("a report");
    assert!(report.contains("Envoyés : 1"), "{report}");
    assert!(
        report.contains("Désabonnements depuis ce numéro : 1"),
        "{report}"
    );
    b.quit().await;
}
