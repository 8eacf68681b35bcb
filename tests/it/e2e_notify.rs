//! End to end in headless Chromium (issue 16): a member changes her
//! notification preferences on the settings page (new publications in her
//! daily digest, a community watched for new publications), a publication
//! arrives, her daily digest reaches the SMTP sink (the outbox of the
//! tests) holding it, and she follows the digest's own "stop this digest"
//! link, signed out, to turn it off with one button; the settings page
//! then shows the change.

use passerelles::notifications::digest;

use crate::harness::{PASSWORD, TestApp};
use crate::webdriver::{self, Browser};
use crate::writing::{community, member, token_for};

async fn log_in(b: &Browser, app: &TestApp, login: &str) {
    b.goto(&app.at("/login")).await;
    b.fill("#f-login", login).await;
    b.fill("#f-password", PASSWORD).await;
    b.click_and_wait("form.form button[type=submit]").await;
    assert!(
        b.find_all("form[action='/logout']").await.len() == 1,
        "{login} is logged in: {}",
        b.text("main").await
    );
}

async fn log_out(b: &Browser) {
    b.click(".user-menu summary").await;
    b.click_and_wait("form[action='/logout'] button[type=submit]")
        .await;
    assert!(b.find_all("form[action='/logout']").await.is_empty());
}

/// Is this radio button or option checked/selected in the page now?
async fn checked(b: &Browser, css: &str) -> bool {
    b.find(css).await.property("checked").await == serde_json::Value::Bool(true)
}

#[tokio::test]
async fn browser_preferences_digest_and_unsubscribe_from_its_link() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice", false).await;
    let lea = app.create_user("lea", false).await;
    let potagers = community(&app, "potagers", "open", "open", &alice).await;
    member(&app, potagers, &lea, "member", "active").await;
    let Some(b) = webdriver::browser_or_skip(
        1280,
        900,
        "browser_preferences_digest_and_unsubscribe_from_its_link",
    )
    .await
    else {
        return;
    };

    // Léa asks for new publications in her daily digest, at 8 in Toronto,
    // and watches the gardens for new publications.
    log_in(&b, &app, "lea").await;
    b.goto(&app.at("/settings/notifications")).await;
    assert!(
        checked(&b, "input[name='channel-new_publication'][value='weekly']").await,
        "the calm default"
    );
    b.click("input[name='channel-new_publication'][value='daily']")
        .await;
    b.click(&format!("#f-level-{potagers} option[value='publications']"))
        .await;
    b.click("#f-digest_hour option[value='8']").await;
    b.click("#f-time_zone option[value='America/Toronto']")
        .await;
    b.click_and_wait("form[action='/settings/notifications'] button[type=submit]")
        .await;
    assert!(
        b.text(".flash")
            .await
            .contains("Vos préférences de notification sont enregistrées"),
        "{}",
        b.text("main").await
    );
    assert!(checked(&b, "input[name='channel-new_publication'][value='daily']").await);
    assert_eq!(
        b.find(&format!("#f-level-{potagers}"))
            .await
            .property("value")
            .await,
        "publications"
    );
    log_out(&b).await;

    // Alice publishes in the gardens; at 9 in Toronto the digest goes out.
    let token = token_for(&app, &alice).await;
    let res = app
        .client()
        .post(app.at("/api/v1/publications"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "kind": "discussion",
            "title": "Semis de tomates",
            "body": "Qui veut des plants en mai ?",
            "tags": [],
            "communities": ["potagers"],
        }))
        .send()
        .await
        .expect("publish");
    assert_eq!(res.status(), 201);
    let nine = {
        let now = passerelles::db::now();
        (0..48)
            .map(|k| now + k * 3600)
            .find(|t| passerelles::notifications::prefs::Zone::Toronto.local(*t).1 == 9)
            .expect("an hour")
    };
    assert!(digest::schedule(&app.state, nine).await.expect("schedule") >= 1);
    app.drain_jobs().await;
    let mail = app.sink.wait_for("lea@exemple.qc.ca").await;
    let text = mail.text_part();
    assert!(
        mail.subject().contains("résumé quotidien"),
        "{}",
        mail.subject()
    );
    assert!(text.contains("Semis de tomates"), "{text}");
    assert!(text.contains("Qui veut des plants"), "{text}");

    // The digest's own link, opened signed out: a page with one button
    // (opening it changes nothing), then done.
    let stop = mail
        .links()
        .into_iter()
        .rev()
        .find(|l| l.contains("/notifications/unsubscribe/"))
        .expect("an unsubscribe link in the digest");
    b.goto(&stop).await;
    assert!(
        b.text("main").await.contains("plus de résumé quotidien"),
        "{}",
        b.text("main").await
    );
    let prefs = passerelles::notifications::prefs::load(&app.state.db, lea.id)
        .await
        .expect("prefs");
    use passerelles::notifications::prefs::{Channel, Kind};
    assert_eq!(
        prefs.channel(Kind::NewPublication),
        Channel::Daily,
        "opening the link changes nothing"
    );
    b.click_and_wait("main form button[type=submit]").await;
    assert!(
        b.text("main").await.contains("C’est fait"),
        "{}",
        b.text("main").await
    );

    // Signed in again, the settings page shows the digest turned off: new
    // publications stay in the site only; the level is kept.
    log_in(&b, &app, "lea").await;
    b.goto(&app.at("/settings/notifications")).await;
    assert!(checked(&b, "input[name='channel-new_publication'][value='app']").await);
    assert!(checked(&b, "input[name='channel-mention'][value='app']").await);
    assert_eq!(
        b.find(&format!("#f-level-{potagers}"))
            .await
            .property("value")
            .await,
        "publications"
    );
    b.quit().await;
}
