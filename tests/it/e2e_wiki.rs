//! A community wiki in headless Chromium (issue 19): a member creates a
//! page, edits it twice through the no-script forms, opens the history and
//! views the side-by-side diff of the last change.

use crate::harness::{PASSWORD, TestApp};
use crate::webdriver;
use crate::writing::community;

#[tokio::test]
async fn edit_a_wiki_page_twice_and_view_the_diff() {
    let app = TestApp::spawn().await;
    let me = app.create_user("redactrice", false).await;
    community(&app, "jardin", "open", "open", &me).await;
    let Some(b) =
        webdriver::browser_or_skip(1280, 900, "edit_a_wiki_page_twice_and_view_the_diff").await
    else {
        return;
    };
    b.goto(&app.at("/login")).await;
    b.fill("#f-login", "redactrice").await;
    b.fill("#f-password", PASSWORD).await;
    b.click_and_wait("form.form button[type=submit]").await;

    // The community's menu leads to its wiki.
    b.goto(&app.at("/c/jardin")).await;
    b.click_and_wait("a[href='/c/jardin/wiki']").await;
    b.click_and_wait("a[href='/c/jardin/wiki/new']").await;
    b.fill("#f-title", "Calendrier des semis").await;
    b.fill("#f-body", "Tomates en mars\nCarottes en avril\n")
        .await;
    b.click_and_wait("form.form button[type=submit]").await;
    assert!(
        b.current_url()
            .await
            .ends_with("/c/jardin/wiki/calendrier-des-semis")
    );
    assert!(b.text("#wiki-body").await.contains("Tomates en mars"));

    for (body, note) in [
        ("Tomates en mars\nCarottes en mai\n", "report des carottes"),
        (
            "Tomates en mars\nCarottes en mai\nAil en octobre\n",
            "ajout de l'ail",
        ),
    ] {
        b.click_and_wait("a[href='/c/jardin/wiki/calendrier-des-semis/edit']")
            .await;
        b.fill("#f-body", body).await;
        b.fill("#f-note", note).await;
        b.click_and_wait("form.form button[type=submit]").await;
        assert!(b.text("#wiki-body").await.contains("Carottes en mai"));
    }

    b.click_and_wait("a[href='/c/jardin/wiki/calendrier-des-semis/history']")
        .await;
    let entries = b.find_all("#history > li").await;
    assert_eq!(entries.len(), 3, "three revisions");
    assert!(b.text("#history").await.contains("ajout de l'ail"));
    // The newest entry's diff: the line added, side by side.
    b.click_and_wait("#history > li:first-child a[href*='/diff?']")
        .await;
    let added = b.find_all("#diff tr.diff-added ins").await;
    assert_eq!(added.len(), 1);
    assert_eq!(added[0].text().await, "Ail en octobre");
    assert!(
        b.find_all("#diff tr.diff-removed, #diff tr.diff-changed")
            .await
            .is_empty()
    );
    b.quit().await;
}
