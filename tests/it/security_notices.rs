//! Security notices over real HTTP and real SMTP: whenever a way to sign in
//! changes (TOTP on or off, new recovery codes, the password — passkeys are
//! in `passkeys.rs`), the account's address is told, in the account's
//! language, with the time, the device and the security settings' address.
//! An account without an address still changes its factors.

use passerelles::totp;
use reqwest::StatusCode;

use crate::harness::{PASSWORD, TestApp, form_value};
use crate::smtp_sink::ReceivedMail;

pub const FIREFOX_LINUX: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

/// A browser-like client that says which browser it is.
pub fn browser(ua: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(ua.to_string())
        .build()
        .expect("client")
}

/// An account in `locale`, signed in from Firefox on Linux.
pub async fn signed_in_from_firefox(
    app: &TestApp,
    username: &str,
    locale: &str,
) -> (reqwest::Client, passerelles::accounts::User) {
    let user = app.create_user(username, false).await;
    sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
        .bind(locale)
        .bind(user.id)
        .execute(&app.state.db.pool)
        .await
        .expect("locale");
    let client = browser(FIREFOX_LINUX);
    app.login(&client, username, PASSWORD).await;
    (client, user)
}

/// Run the jobs due now until none is left — the server's own worker may
/// hold one: wait for it —, so every queued e-mail has reached the sink.
pub async fn settle(app: &TestApp) {
    for _ in 0..400 {
        app.drain_jobs().await;
        let due: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE failed_at IS NULL AND run_at <= $1",
        )
        .bind(passerelles::db::now())
        .fetch_one(&app.state.db.pool)
        .await
        .expect("jobs");
        if due == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("jobs still due after 10 s");
}

/// Every message sent so far to `to` with this subject.
pub async fn sent(app: &TestApp, to: &str, subject: &str) -> Vec<ReceivedMail> {
    settle(app).await;
    app.sink
        .all()
        .into_iter()
        .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)) && m.subject() == subject)
        .collect()
}

/// The one notice with this subject sent to `to`; checks what every notice
/// says: the device, a time, and the security settings' address.
pub async fn notice(app: &TestApp, to: &str, subject: &str, device: &str) -> ReceivedMail {
    let mut found = sent(app, to, subject).await;
    let subjects: Vec<String> = app.sink.all().iter().map(|m| m.subject()).collect();
    assert_eq!(
        found.len(),
        1,
        "one notice «{subject}» to {to}; sent: {subjects:?}"
    );
    let mail = found.remove(0);
    let text = mail.text_part();
    assert!(text.contains(device), "the device in: {text}");
    let security = app.state.url("/settings/security");
    assert!(
        mail.links().contains(&security),
        "a link to {security} in: {text}"
    );
    assert!(
        mail.html_part()
            .expect("html part")
            .contains(&format!("<a href=\"{security}\">")),
        "linked in the HTML part too"
    );
    mail
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html.find(start).unwrap_or_else(|| panic!("no {start}")) + start.len();
    &html[i..i + html[i..].find(end).expect("end")]
}

async fn page(client: &reqwest::Client, url: String) -> String {
    client
        .get(url)
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body")
}

struct Subjects {
    on: &'static str,
    codes: &'static str,
    off: &'static str,
    device: &'static str,
    when: &'static str,
}

const FR: Subjects = Subjects {
    on: "Le second facteur est activé sur votre compte",
    codes: "Nouveaux codes de récupération pour votre compte",
    off: "Le second facteur est désactivé sur votre compte",
    device: "Appareil : Firefox sur Linux",
    when: "(heure de l’Est)",
};

const EN: Subjects = Subjects {
    on: "The second factor is on for your account",
    codes: "New recovery codes for your account",
    off: "The second factor is off for your account",
    device: "Device: Firefox on Linux",
    when: "(Eastern time)",
};

#[tokio::test]
async fn totp_changes_are_notified_in_the_account_language() {
    let app = TestApp::spawn().await;
    for (username, locale, s) in [("maude", "fr-CA", FR), ("mark", "en", EN)] {
        let to = format!("{username}@exemple.qc.ca");
        let (me, _) = signed_in_from_firefox(&app, username, locale).await;

        // On: with a first code.
        let res = app
            .post_form(&me, "/settings/security", "/settings/security/begin", &[])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let html = page(&me, app.at("/settings/security")).await;
        let secret = between(&html, "id=\"totp-secret\">", "<").to_string();
        let now = passerelles::db::now();
        assert!(
            sent(&app, &to, s.on).await.is_empty(),
            "nothing before it is on"
        );
        let code = totp::code_at(&secret, now).expect("code");
        let res = app
            .post_form(
                &me,
                "/settings/security",
                "/settings/security/confirm",
                &[("code", code.as_str())],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.expect("body");
        let recovery = between(&html, "id=\"recovery-codes\"><li><code>", "<").to_string();
        let mail = notice(&app, &to, s.on, s.device).await;
        assert!(mail.text_part().contains(s.when), "{}", mail.text_part());

        // New recovery codes: a wrong code changes nothing and tells no one.
        let res = app
            .post_form(
                &me,
                "/settings/security",
                "/settings/security/recovery",
                &[("code", "000000")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(sent(&app, &to, s.codes).await.is_empty());
        let res = app
            .post_form(
                &me,
                "/settings/security",
                "/settings/security/recovery",
                &[("code", recovery.as_str())],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        notice(&app, &to, s.codes, s.device).await;

        // Off: a wrong code is refused silently, the right one tells.
        let res = app
            .post_form(
                &me,
                "/settings/security",
                "/settings/security/disable",
                &[("code", "000000")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(sent(&app, &to, s.off).await.is_empty());
        let code = totp::code_at(&secret, now + totp::STEP).expect("code");
        let res = app
            .post_form(
                &me,
                "/settings/security",
                "/settings/security/disable",
                &[("code", code.as_str())],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        notice(&app, &to, s.off, s.device).await;
    }
    // Each account got its own notices, none of the other language's.
    assert!(sent(&app, "maude@exemple.qc.ca", EN.on).await.is_empty());
    assert!(sent(&app, "mark@exemple.qc.ca", FR.on).await.is_empty());
}

#[tokio::test]
async fn a_password_change_or_reset_is_notified() {
    let app = TestApp::spawn().await;
    let (me, _) = signed_in_from_firefox(&app, "fanny", "fr-CA").await;
    let to = "fanny@exemple.qc.ca";
    let subject = "Votre mot de passe a été changé";

    // A refused change tells no one.
    let res = app
        .post_form(
            &me,
            "/settings/account",
            "/settings/password",
            &[
                ("current_password", "pas le bon"),
                ("new_password", "le fleuve est large ici"),
                ("confirm", "le fleuve est large ici"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(sent(&app, to, subject).await.is_empty());
    let res = app
        .post_form(
            &me,
            "/settings/account",
            "/settings/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "le fleuve est large ici"),
                ("confirm", "le fleuve est large ici"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let mail = notice(&app, to, subject, "Firefox sur Linux").await;
    assert!(
        mail.links().contains(&app.state.url("/password/forgot")),
        "what to do when it was not them: {}",
        mail.text_part()
    );

    // In English, after a reset by e-mail (from another browser).
    sqlx::query("UPDATE users SET locale = 'en' WHERE username = 'fanny'")
        .execute(&app.state.db.pool)
        .await
        .expect("locale");
    let phone = browser(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
    );
    let res = app
        .post_form(
            &phone,
            "/password/forgot",
            "/password/forgot",
            &[("email", to)],
        )
        .await;
    assert_eq!(res.status(), 200);
    let reset = sent(&app, to, "Reset your password").await;
    assert_eq!(reset.len(), 1, "the reset link, in English");
    let path = reset[0]
        .links()
        .into_iter()
        .find(|l| l.contains("/password/reset?token="))
        .expect("reset link")
        .replacen(&app.state.config.public_url(), "", 1);
    let html = page(&phone, app.at(&path)).await;
    let token = form_value(&html, "token").expect("token");
    let csrf = form_value(&html, "csrf").expect("csrf");
    let res = phone
        .post(app.at("/password/reset"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("token", token.as_str()),
            ("password", "une toute nouvelle phrase"),
            ("confirm", "une toute nouvelle phrase"),
        ])
        .send()
        .await
        .expect("reset");
    assert_eq!(res.status(), 303);
    notice(
        &app,
        to,
        "Your password was changed",
        "Device: Safari on iOS",
    )
    .await;
}

/// Without an e-mail address, changing a factor still works (no notice).
#[tokio::test]
async fn an_account_without_an_address_still_changes_its_factors() {
    let app = TestApp::spawn().await;
    let (me, user) = signed_in_from_firefox(&app, "nadia", "fr-CA").await;
    sqlx::query("UPDATE users SET email = NULL, email_key = NULL WHERE id = $1")
        .bind(user.id)
        .execute(&app.state.db.pool)
        .await
        .expect("no address");
    let res = app
        .post_form(
            &me,
            "/settings/account",
            "/settings/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "le fleuve est large ici"),
                ("confirm", "le fleuve est large ici"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = app
        .post_form(&me, "/settings/security", "/settings/security/begin", &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = page(&me, app.at("/settings/security")).await;
    let secret = between(&html, "id=\"totp-secret\">", "<").to_string();
    let code = totp::code_at(&secret, passerelles::db::now()).expect("code");
    let res = app
        .post_form(
            &me,
            "/settings/security",
            "/settings/security/confirm",
            &[("code", code.as_str())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(totp::is_enabled(&app.state.db, user.id).await.expect("db"));
    settle(&app).await;
    assert!(app.sink.all().is_empty(), "nothing to send, nothing sent");
}
