//! The compose form's script in headless Chromium (`static/compose.js`):
//! what is typed is autosaved as a draft and comes back after the page is
//! left, and typing "@bo" in the text offers the people of one's own
//! communities, one click completing the mention.

use std::time::Duration;

use crate::harness::{PASSWORD, TestApp};
use crate::webdriver;
use crate::writing::{community, member};

#[tokio::test]
async fn compose_autosaves_the_draft_and_suggests_mentions() {
    let app = TestApp::spawn().await;
    let me = app.create_user("redacteur", false).await;
    let bob = app.create_user("bobette", false).await;
    let c = community(&app, "ensemble", "open", "open", &me).await;
    member(&app, c, &bob, "member", "active").await;
    let Some(b) = webdriver::browser_or_skip(
        1280,
        900,
        "compose_autosaves_the_draft_and_suggests_mentions",
    )
    .await
    else {
        return;
    };
    b.goto(&app.at("/login")).await;
    b.fill("#f-login", "redacteur").await;
    b.fill("#f-password", PASSWORD).await;
    b.click_and_wait("form.form button[type=submit]").await;

    b.goto(&app.at("/p/new")).await;
    b.fill("#f-title", "Corvée du printemps").await;
    b.find("#f-body")
        .await
        .send_keys("Rendez-vous samedi avec @bo")
        .await;
    // The suggestions come after a short pause (debounced), as buttons.
    let mut offered = Vec::new();
    for _ in 0..40 {
        offered = b.find_all(".mention-suggestions button").await;
        if !offered.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        offered.len(),
        1,
        "one person of my communities starts with bo"
    );
    assert!(offered[0].text().await.contains("@bobette"));
    // Activated as a keyboard or pointer would (the element's own click).
    b.execute(
        "document.querySelector('.mention-suggestions button').click()",
        vec![],
    )
    .await;
    let body = b.find("#f-body").await.property("value").await;
    assert_eq!(
        body.as_str(),
        Some("Rendez-vous samedi avec @bobette "),
        "the mention is completed"
    );

    // The autosave runs every 10 s when something changed.
    let mut saved = String::new();
    for _ in 0..30 {
        saved = b.text("#draft-status").await;
        if !saved.trim().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(saved.contains("Brouillon enregistré"), "status: {saved:?}");
    // Leave and come back: the draft is taken up.
    b.goto(&app.at("/")).await;
    b.goto(&app.at("/p/new")).await;
    assert_eq!(
        b.find("#f-title").await.property("value").await.as_str(),
        Some("Corvée du printemps")
    );
    assert_eq!(
        b.find("#f-body").await.property("value").await.as_str(),
        Some("Rendez-vous samedi avec @bobette ")
    );
    b.quit().await;
}
