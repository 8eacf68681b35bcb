//! End to end in headless Chromium: sign-up → e-mail link → log in → edit
//! profile, with keyboard-visible pages and no JavaScript at all.
//! Set PASSERELLES_SCREENSHOTS=<dir> to also capture the main pages at
//! 360 px and 1280 px.

use crate::harness::{PASSWORD, TestApp};
use crate::webdriver;

#[tokio::test]
async fn browser_signup_verify_login_edit_profile() {
    let app = TestApp::spawn().await;
    app.create_user("admin-e2e", true).await;
    app.set_setting(
        "charter",
        "Respect, entraide et bienveillance.\n\nPas de publicité.",
    )
    .await;
    let Some(b) =
        webdriver::browser_or_skip(1280, 900, "browser_signup_verify_login_edit_profile").await
    else {
        return;
    };

    // Sign up; a first attempt with a weak password keeps what was typed.
    b.goto(&app.at("/signup")).await;
    assert_eq!(b.text("h1").await, "Créer un compte");
    b.fill("#f-username", "Noémie").await;
    b.fill("#f-email", "noemie@exemple.qc.ca").await;
    b.fill("#f-password", "123").await;
    b.click("#f-charter").await;
    b.click_and_wait("form.form button[type=submit]").await;
    let summary = b.text(".error-summary").await;
    assert!(summary.contains("1 erreur"), "{summary}");
    assert_eq!(
        b.find("#f-username").await.property("value").await,
        "Noémie"
    );
    assert_eq!(
        b.find("#f-password")
            .await
            .attribute("aria-invalid")
            .await
            .as_deref(),
        Some("true")
    );
    b.fill("#f-password", PASSWORD).await;
    b.click_and_wait("form.form button[type=submit]").await;
    let main = b.text("main").await;
    assert!(main.contains("noemie@exemple.qc.ca"), "{main}");

    // The e-mail link, opened in the browser.
    app.drain_jobs().await;
    let mail = app.sink.wait_for("noemie@exemple.qc.ca").await;
    let link = mail
        .links()
        .into_iter()
        .find(|l| l.contains("/verify-email"))
        .expect("link");
    assert!(
        link.starts_with(&app.url),
        "links point at this server: {link}"
    );
    b.goto(&link).await;
    b.click_and_wait("form.form button[type=submit]").await;
    b.wait_for_url_contains("/login").await;
    assert!(b.text(".flash").await.contains("confirmée"));

    // Log in and edit the profile.
    b.fill("#f-login", "noémie").await;
    b.fill("#f-password", PASSWORD).await;
    b.click_and_wait("form.form button[type=submit]").await;
    assert!(b.text("h1").await.contains("Bienvenue, Noémie!"));
    b.click_and_wait("a[href='/settings/profile'].btn").await;
    b.wait_for_url_contains("/settings/profile").await;
    b.fill("#f-display_name", "Noémie Bouchard").await;
    b.fill("#f-bio", "Agente de développement à Sherbrooke.")
        .await;
    b.click_and_wait("form.form button[type=submit]").await;
    assert_eq!(b.text(".flash").await, "Profil enregistré.");
    b.goto(&app.at("/u/No%C3%A9mie")).await;
    assert_eq!(b.text("h1").await, "Noémie Bouchard");
    assert!(b.text("main").await.contains("Sherbrooke"));

    if let Ok(dir) = std::env::var("PASSERELLES_SCREENSHOTS") {
        let dir = std::path::PathBuf::from(dir);
        let paths = [
            "/",
            "/settings/profile",
            "/settings/account",
            "/settings/sessions",
            "/u/No%C3%A9mie",
            "/about",
            "/nope",
        ];
        b.capture_paths(&app.url, &paths, &dir).await;
        b.goto(&app.at("/")).await;
        b.click(".user-menu summary").await; // the personal menu holds "Se déconnecter"
        b.click_and_wait("form[action='/logout'] button").await; // log out
        let anon = ["/", "/signup", "/login", "/password/forgot"];
        let shots: Vec<String> = anon.iter().map(|p| format!("{p}?anon")).collect();
        let refs: Vec<&str> = shots.iter().map(String::as_str).collect();
        b.capture_paths(&app.url, &refs, &dir).await;
    }
    b.quit().await;
}
