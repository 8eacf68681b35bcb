//! The library in headless Chromium (issue 19, "What it must show" 1–5; the
//! wiki's step 6 is `e2e_wiki`): a member proposes a lexicon term with a
//! synonym and an editor accepts it; the editor adds a funding program
//! with a PDF through the form, finds it by a word that is only inside the
//! PDF and among the programs still open sorted by deadline, finds it by
//! the term's synonym, and assembles a published dossier of five items.

use crate::harness::{PASSWORD, TestApp};
use crate::library::{contribute, location};
use crate::webdriver::{self, Browser};
use crate::writing::community;

async fn log_in(b: &Browser, app: &TestApp, who: &str) {
    b.goto(&app.at("/login")).await;
    b.fill("#f-login", who).await;
    b.fill("#f-password", PASSWORD).await;
    b.click_and_wait("form.form button[type=submit]").await;
}

#[tokio::test]
async fn a_funding_program_with_a_pdf_is_found_filed_and_gathered_in_a_dossier() {
    let app = TestApp::spawn().await;
    let member = app.create_user("camille", false).await;
    let _editor = app.create_user("gestion", true).await;
    community(&app, "financement", "open", "open", &member).await;
    let test = "a_funding_program_with_a_pdf_is_found_filed_and_gathered_in_a_dossier";

    // 4. A member proposes a term with a synonym…
    let Some(b) = webdriver::browser_or_skip(1280, 900, test).await else {
        return;
    };
    log_in(&b, &app, "camille").await;
    b.goto(&app.at("/lexicon/new")).await;
    b.fill("#f-pref_fr", "Agriculture urbaine").await;
    b.fill("#f-pref_en", "Urban agriculture").await;
    b.fill("#f-alt_labels", "potagers collectifs").await;
    b.click_and_wait("form.form button[type=submit]").await;
    assert!(
        b.current_url()
            .await
            .ends_with("/lexicon/agriculture-urbaine")
    );
    b.quit().await;

    // …and an editor accepts it.
    let Some(b) = webdriver::browser_or_skip(1280, 900, test).await else {
        return;
    };
    log_in(&b, &app, "gestion").await;
    b.goto(&app.at("/lexicon/agriculture-urbaine")).await;
    b.click_and_wait("button[name=decision][value=accept]")
        .await;
    let status: String = sqlx::query_scalar("SELECT status FROM lexicon_terms WHERE slug = $1")
        .bind("agriculture-urbaine")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("term");
    assert_eq!(status, "accepted");

    // 1. A funding program with a PDF, through the form.
    let pdf_path = app.data_dir.join("Guide du programme.pdf");
    std::fs::write(
        &pdf_path,
        passerelles::library::pdftext::sample_pdf("Serres hydroponiques pour organismes"),
    )
    .expect("pdf");
    b.goto(&app.at("/library/new")).await;
    b.execute(
        "document.querySelector('#f-kind').value = 'funding'; \
         document.querySelector('#f-deadline').value = '2099-06-30';",
        vec![],
    )
    .await;
    b.fill("#f-title", "Fonds des quartiers nourriciers").await;
    b.fill("#f-subjects", "Agriculture urbaine").await;
    b.fill("#f-amount", "jusqu'à 20 000 $").await;
    // The editor curates the instance library (not a member of the community).
    b.click("#f-library").await;
    b.find("#f-files")
        .await
        .send_keys(&pdf_path.display().to_string())
        .await;
    b.click_and_wait("form.form button[type=submit]").await;
    let url = b.current_url().await;
    let path = format!("/r/{}", url.rsplit("/r/").next().unwrap_or_default());
    assert!(path.len() > 3 && path[3..].parse::<i64>().is_ok(), "{url}");
    assert!(b.text("#deadline").await.contains("2099-06-30"));
    let link = format!("a[href='{path}']");

    // 2. Found by a word only inside the PDF, and by its deadline.
    b.goto(&app.at("/search?q=hydroponiques")).await;
    assert!(
        b.try_find(&link).await.is_some(),
        "found by the PDF's words"
    );
    b.goto(&app.at("/library")).await;
    b.click("#f-open").await;
    b.click_and_wait("form.form[role=search] .form-actions button")
        .await;
    assert!(b.current_url().await.contains("open=1"));
    assert!(
        b.try_find(&link).await.is_some(),
        "among the programs still open"
    );
    b.goto(&app.at("/library?open=1&sort=deadline")).await;
    assert!(b.source().await.contains("2099-06-30"));

    // 5. The synonym finds the resource filed under the term.
    b.goto(&app.at("/search?q=potagers+collectifs")).await;
    assert!(b.try_find(&link).await.is_some(), "found by the synonym");

    // 3. A dossier of five items (four more resources, contributed over HTTP).
    let (client, _) = app.logged_in("bibliothecaire", true).await;
    let mut items = vec![path.clone()];
    for n in 1..=4 {
        let title = format!("Guide complémentaire {n}");
        let res = contribute(
            &app,
            &client,
            &[
                ("kind", "guide"),
                ("title", title.as_str()),
                ("library", "1"),
            ],
            vec![],
        )
        .await;
        assert_eq!(res.status(), 303);
        items.push(location(&res));
    }
    b.goto(&app.at("/dossiers")).await;
    b.fill("#f-title", "Nourrir les quartiers").await;
    b.fill("#f-introduction", "Un parcours pour financer un potager.")
        .await;
    b.click("#f-published").await;
    b.click_and_wait("form.form button[type=submit]").await;
    let dossier = b.current_url().await;
    assert!(dossier.contains("/dossiers/"), "{dossier}");
    for (i, item) in items.iter().enumerate() {
        b.fill("#f-item", item).await;
        b.fill("#f-note", &format!("Étape {}", i + 1)).await;
        b.click_and_wait("form.form button[type=submit]").await;
    }
    let listed = b.find_all("#items > li").await;
    assert_eq!(listed.len(), 5);
    assert!(
        listed[0]
            .text()
            .await
            .contains("Fonds des quartiers nourriciers")
    );
    assert!(b.text("#items").await.contains("Étape 5"));
    b.quit().await;
}
