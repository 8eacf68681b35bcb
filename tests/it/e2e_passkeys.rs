//! Passkeys end to end in headless Chromium, through the real pages and
//! `static/passkeys.js`, with WebDriver's virtual authenticator (CTAP2,
//! internal transport, resident keys, user verification): add a passkey in
//! the settings, log out, sign in without a password; then the passkey as
//! the second factor after the password.
//!
//! WebAuthn refuses IP addresses as RP ids, so the server's public URL (and
//! the browser) use `localhost`, a secure context even over plain HTTP.

use serde_json::json;

use crate::harness::{PASSWORD, TestApp};
use crate::webdriver;

#[tokio::test]
async fn browser_adds_a_passkey_then_signs_in_without_password() {
    let app = TestApp::spawn_with(|c| {
        c.public_url = Some(format!("http://localhost:{}", c.bind.port()));
    })
    .await;
    let base = app.state.config.public_url();
    assert!(base.starts_with("http://localhost:"));
    let user = app.create_user("maude", false).await;
    let Some(b) = webdriver::browser_or_skip(
        1280,
        900,
        "browser_adds_a_passkey_then_signs_in_without_password",
    )
    .await
    else {
        return;
    };
    let authenticator = b
        .add_virtual_authenticator(json!({
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserVerified": true,
            "automaticPresenceSimulation": true,
        }))
        .await;

    // Log in with the password, add a passkey from the settings.
    b.goto(&format!("{base}/login")).await;
    assert!(
        b.try_find("#passkey-login:not([hidden])").await.is_some(),
        "the script shows the passkey button where WebAuthn exists"
    );
    b.fill("#f-login", "maude").await;
    b.fill("#f-password", PASSWORD).await;
    b.click_and_wait("form.form button[type=submit]").await;
    b.goto(&format!("{base}/settings/passkeys")).await;
    assert_eq!(b.text("h1").await, "Clés d’accès");
    b.fill("#f-passkey-name", "Portable de Maude").await;
    // A wrong password is refused before the device makes anything.
    b.fill("#f-passkey-password", "pas le bon mot de passe")
        .await;
    b.click("#passkey-add button[type=submit]").await;
    let mut shown = None;
    for _ in 0..150 {
        if let Some(e) = b
            .try_find("#passkey-add [data-passkey-error]:not([hidden])")
            .await
        {
            shown = Some(e.text().await);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let shown = shown.expect("the script shows why");
    assert!(shown.contains("mot de passe"), "{shown}");
    assert!(b.virtual_credentials(&authenticator).await.is_empty());
    b.fill("#f-passkey-password", PASSWORD).await;
    b.click_and_wait("#passkey-add button[type=submit]").await;
    let codes = b.text("#recovery-codes").await;
    assert!(
        codes.lines().count() >= 10,
        "recovery codes shown once: {codes}"
    );
    assert!(b.text("#passkeys").await.contains("Portable de Maude"));
    let creds = b.virtual_credentials(&authenticator).await;
    assert_eq!(creds.len(), 1, "{creds:?}");
    assert_eq!(creds[0]["isResidentCredential"], true);
    assert_eq!(creds[0]["rpId"], "localhost");
    let stored: String =
        sqlx::query_scalar("SELECT credential_id FROM passkeys WHERE user_id = $1")
            .bind(user.id)
            .fetch_one(&app.state.db.pool)
            .await
            .expect("stored passkey");
    use base64::Engine;
    let virtual_id = base64::engine::general_purpose::STANDARD
        .decode(creds[0]["credentialId"].as_str().unwrap_or_default())
        .or_else(|_| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(creds[0]["credentialId"].as_str().unwrap_or_default())
        })
        .expect("credential id");
    assert_eq!(
        stored,
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(virtual_id)
    );

    // Log out, then sign in with the passkey alone.
    b.goto(&format!("{base}/")).await;
    b.click(".user-menu summary").await; // the personal menu holds "Se déconnecter"
    b.click_and_wait("form[action='/logout'] button").await;
    b.goto(&format!("{base}/login?next=%2Fsettings%2Fsessions"))
        .await;
    b.click_and_wait("#passkey-login button[type=submit]").await;
    b.wait_for_url_contains("/settings/sessions").await;
    assert_eq!(b.text("h1").await, "Sessions");
    let used: Option<i64> =
        sqlx::query_scalar("SELECT last_used_at FROM passkeys WHERE user_id = $1")
            .bind(user.id)
            .fetch_one(&app.state.db.pool)
            .await
            .expect("last use");
    assert!(used.is_some());

    // The passkey is now also the second factor after the password.
    b.goto(&format!("{base}/")).await;
    b.click(".user-menu summary").await; // the personal menu holds "Se déconnecter"
    b.click_and_wait("form[action='/logout'] button").await;
    b.goto(&format!("{base}/login")).await;
    b.fill("#f-login", "maude").await;
    b.fill("#f-password", PASSWORD).await;
    b.click_and_wait("form.form button[type=submit]").await;
    b.wait_for_url_contains("/login/second-factor").await;
    b.click_and_wait("#passkey-second-factor button[type=submit]")
        .await;
    b.goto(&format!("{base}/settings/passkeys")).await;
    assert_eq!(b.text("h1").await, "Clés d’accès", "signed in");
    let used: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'passkey_used' AND actor_id = $1",
    )
    .bind(user.id)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("audit");
    assert_eq!(used, 2);
    b.quit().await;
}
