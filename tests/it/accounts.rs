//! Accounts end to end over real HTTP: sign-up, e-mail, log-in, sessions,
//! CSRF, rate limits, password reset, profile, languages, error pages.

use crate::harness::{PASSWORD, TestApp, form_value};

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 120])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

async fn signup(
    app: &TestApp,
    client: &reqwest::Client,
    username: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    app.post_form(
        client,
        "/signup",
        "/signup",
        &[
            ("username", username),
            ("email", email),
            ("password", password),
        ],
    )
    .await
}

#[tokio::test]
async fn signup_verify_login_and_edit_profile() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let res = signup(&app, &client, "Élodie", "elodie@exemple.qc.ca", PASSWORD).await;
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("elodie@exemple.qc.ca"),
        "confirmation page names the address"
    );

    // Not verified yet: log-in refused with a way to resend.
    let res = app
        .post_form(
            &client,
            "/login",
            "/login",
            &[("login", "élodie"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("Confirmez d’abord votre adresse"), "{body}");
    assert!(body.contains("/verify-email/resend"));

    // The e-mail arrived over SMTP, in French, with a text and an HTML part.
    app.drain_jobs().await;
    let mail = app.sink.wait_for("elodie@exemple.qc.ca").await;
    assert_eq!(mail.subject(), "Confirmez votre adresse courriel");
    assert_eq!(mail.header("Content-Language").as_deref(), Some("fr-CA"));
    assert!(mail.text_part().contains("Bonjour Élodie"));
    assert!(mail.html_part().is_some_and(|h| h.contains("<a href=")));
    let link = mail
        .links()
        .into_iter()
        .find(|l| l.contains("/verify-email?token="))
        .expect("verification link");
    let path = link.replacen(&app.state.config.public_url(), "", 1);

    // GET only shows a button (link scanners must not consume the token).
    let page = client
        .get(app.at(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Confirmer mon adresse"));
    let token = form_value(&page, "token").expect("token field");
    let csrf = form_value(&page, "csrf").expect("csrf");
    let res = client
        .post(app.at("/verify-email"))
        .form(&[("csrf", csrf.as_str()), ("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login");
    // Second use of the same link fails.
    let again = client
        .post(app.at("/verify-email"))
        .form(&[("csrf", csrf.as_str()), ("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("Lien invalide ou expiré")
    );

    // Log in, case-insensitively by username.
    app.login(&client, "ÉLODIE", PASSWORD).await;
    let home = client
        .get(app.at("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Bienvenue, Élodie!"), "{home}");

    // Edit the profile with an avatar (multipart).
    let csrf = app.csrf(&client, "/settings/profile").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("display_name", "Élodie Tremblay")
        .text("bio", "Animatrice en économie sociale à Rimouski.")
        .text("locale", "fr-CA")
        .part(
            "avatar",
            reqwest::multipart::Part::bytes(png(600, 400)).file_name("moi.png"),
        );
    let res = client
        .post(app.at("/settings/profile"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let profile = client
        .get(app.at("/u/%C3%89lodie"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(profile.contains("Élodie Tremblay") && profile.contains("Rimouski"));
    // Served through its owner's profile (`/u/{name}/avatar?v={version}`).
    let avatar = profile
        .split("src=\"/u/%C3%89lodie/avatar?v=")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("avatar shown");
    let img = client
        .get(app.at(&format!("/u/%C3%89lodie/avatar?v={avatar}")))
        .send()
        .await
        .unwrap();
    assert_eq!(img.headers()["content-type"], "image/jpeg");
    let decoded = image::load_from_memory(&img.bytes().await.unwrap()).expect("valid image");
    assert_eq!((decoded.width(), decoded.height()), (256, 256));
}

#[tokio::test]
async fn invalid_signup_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let res = signup(&app, &client, "marc-andré", "pas-une-adresse", "court").await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("value=\"marc-andré\""), "username kept");
    assert!(body.contains("value=\"pas-une-adresse\""), "e-mail kept");
    assert!(body.contains("Cette adresse courriel n’est pas valide."));
    assert!(body.contains("Le mot de passe doit compter au moins 10 caractères."));
    assert!(body.contains("aria-invalid=\"true\""));
    assert!(
        body.contains("id=\"f-email-error\""),
        "error tied to its field"
    );
    assert!(body.contains("Le formulaire contient 2 erreurs"));
    assert_eq!(
        passerelles::accounts::count_users(&app.state.db)
            .await
            .unwrap(),
        0,
        "nothing saved"
    );

    // A common password is refused too.
    let res = signup(&app, &client, "marc", "marc@exemple.qc.ca", "motdepasse123").await;
    assert!(res.text().await.unwrap().contains("trop courant"));
}

#[tokio::test]
async fn usernames_are_unique_across_case_normalisation_and_lookalikes() {
    let app = TestApp::spawn().await;
    app.create_user("Jean.Paul", false).await;
    let client = app.client();
    let body = signup(&app, &client, "jean.paul", "autre@exemple.qc.ca", PASSWORD)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("Ce nom d’utilisateur est déjà pris."),
        "{body}"
    );
    let body = signup(&app, &client, "jean_paul", "autre@exemple.qc.ca", PASSWORD)
        .await
        .text()
        .await
        .unwrap();
    assert!(body.contains("ressemble trop"), "look-alike refused");
    // Same name with a decomposed accent is the same name.
    app.create_user("Zoé", false).await;
    let body = signup(&app, &client, "zoe\u{301}", "zoe2@exemple.qc.ca", PASSWORD)
        .await
        .text()
        .await
        .unwrap();
    assert!(body.contains("déjà pris"), "NFC/NFD forms collide");
    // The e-mail is unique too, case-insensitively.
    let body = signup(
        &app,
        &client,
        "quelquun",
        "JEAN.PAUL@exemple.qc.ca",
        PASSWORD,
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(body.contains("déjà utilisée"));
}

#[tokio::test]
async fn forms_without_csrf_token_or_from_another_site_are_refused() {
    let app = TestApp::spawn().await;
    app.create_user("alice", false).await;
    let client = app.client();
    let res = client
        .post(app.at("/login"))
        .form(&[("login", "alice"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("Formulaire expiré"));

    let csrf = app.csrf(&client, "/login").await;
    let res = client
        .post(app.at("/login"))
        .header("Origin", "https://evil.example")
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", "alice"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        403,
        "foreign origin refused even with a token"
    );

    // A logged-in form needs the session's own token, not the anonymous one.
    app.login(&client, "alice", PASSWORD).await;
    let res = client
        .post(app.at("/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn sessions_rotate_and_log_out_everywhere() {
    let app = TestApp::spawn().await;
    app.create_user("bruno", false).await;
    let a = app.client();
    let b = app.client();
    // The session cookie is HttpOnly and SameSite=Lax.
    let csrf = app.csrf(&a, "/login").await;
    let res = a
        .post(app.at("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", "bruno"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("psid="))
        .expect("session cookie");
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("Max-Age=")
    );
    assert!(!cookie.contains("Secure"), "plain http here");
    app.login(&b, "bruno@exemple.qc.ca", PASSWORD).await;

    let sessions = a
        .get(app.at("/settings/sessions"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        sessions.matches("name=\"handle\"").count(),
        1,
        "the other session can be closed"
    );
    assert!(sessions.contains("cette session"));

    let res = app
        .post_form(
            &a,
            "/settings/sessions",
            "/settings/sessions/logout-everywhere",
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    for c in [&a, &b] {
        let res = c.get(app.at("/settings/profile")).send().await.unwrap();
        assert_eq!(res.status(), 303, "logged out everywhere");
        assert!(
            res.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login?next=")
        );
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn login_is_rate_limited_with_a_readable_page() {
    let app = TestApp::spawn().await;
    app.create_user("carole", false).await;
    let client = app.client();
    let mut last = None;
    for _ in 0..12 {
        let res = app
            .post_form(
                &client,
                "/login",
                "/login",
                &[("login", "carole"), ("password", "mauvais mot de passe")],
            )
            .await;
        last = Some(res);
        if last.as_ref().unwrap().status() == 429 {
            break;
        }
    }
    let res = last.unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let body = res.text().await.unwrap();
    assert!(body.contains("Trop de tentatives"));
    // Even the right password waits now: the limit is per account.
    let other = app.client();
    let res = app
        .post_form(
            &other,
            "/login",
            "/login",
            &[("login", "carole"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 429);
}

#[tokio::test]
async fn password_reset_never_reveals_accounts_and_ends_sessions() {
    let app = TestApp::spawn().await;
    app.create_user("denis", false).await;
    let old = app.client();
    app.login(&old, "denis", PASSWORD).await;

    let client = app.client();
    let unknown = app
        .post_form(
            &client,
            "/password/forgot",
            "/password/forgot",
            &[("email", "personne@exemple.qc.ca")],
        )
        .await;
    let known = app
        .post_form(
            &client,
            "/password/forgot",
            "/password/forgot",
            &[("email", "denis@exemple.qc.ca")],
        )
        .await;
    assert_eq!(unknown.status(), known.status());
    let strip = |s: String, email: &str| s.replace(email, "X");
    assert_eq!(
        strip(unknown.text().await.unwrap(), "personne@exemple.qc.ca"),
        strip(known.text().await.unwrap(), "denis@exemple.qc.ca"),
        "same page whether or not the address has an account"
    );
    let path = app
        .mail_link("denis@exemple.qc.ca", "/password/reset?token=")
        .await;
    assert!(
        app.sink
            .all()
            .iter()
            .all(|m| !m.to.iter().any(|t| t.contains("personne"))),
        "no mail to unknown"
    );

    let page = client
        .get(app.at(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = form_value(&page, "token").unwrap();
    let csrf = form_value(&page, "csrf").unwrap();
    let res = client
        .post(app.at("/password/reset"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("token", token.as_str()),
            ("password", "nouvelle phrase secrète"),
            ("confirm", "autre chose encore"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422, "mismatch re-renders");
    let res = client
        .post(app.at("/password/reset"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("token", token.as_str()),
            ("password", "nouvelle phrase secrète"),
            ("confirm", "nouvelle phrase secrète"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    // The old session is gone; the old password fails; the new one works.
    assert_eq!(
        old.get(app.at("/settings/profile"))
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
    let res = app
        .post_form(
            &client,
            "/login",
            "/login",
            &[("login", "denis"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 422);
    app.login(&client, "denis", "nouvelle phrase secrète").await;
}

#[tokio::test]
async fn changing_email_is_reverified_and_the_old_address_warned() {
    let app = TestApp::spawn().await;
    let (client, _) = app.logged_in("emile", false).await;
    let res = app
        .post_form(
            &client,
            "/settings/account",
            "/settings/email",
            &[
                ("new_email", "emile@nouveau.qc.ca"),
                ("current_password", "faux mot de passe"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("value=\"emile@nouveau.qc.ca\"")
    );
    let res = app
        .post_form(
            &client,
            "/settings/account",
            "/settings/email",
            &[
                ("new_email", "emile@nouveau.qc.ca"),
                ("current_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let path = app
        .mail_link("emile@nouveau.qc.ca", "/verify-email?token=")
        .await;
    let warned = app.sink.wait_for("emile@exemple.qc.ca").await;
    assert!(warned.subject().contains("va changer"));
    // Still the old address until confirmed.
    let page = client
        .get(app.at("/settings/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<strong>emile@exemple.qc.ca</strong>"));
    let confirm = client
        .get(app.at(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = form_value(&confirm, "token").unwrap();
    let csrf = form_value(&confirm, "csrf").unwrap();
    let res = client
        .post(app.at("/verify-email"))
        .form(&[("csrf", csrf.as_str()), ("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = client
        .get(app.at("/settings/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<strong>emile@nouveau.qc.ca</strong>"));
}

#[tokio::test]
async fn changing_password_keeps_this_session_and_ends_the_others() {
    let app = TestApp::spawn().await;
    let (a, _) = app.logged_in("fanny", false).await;
    let b = app.client();
    app.login(&b, "fanny", PASSWORD).await;
    let res = app
        .post_form(
            &a,
            "/settings/account",
            "/settings/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "fanny"),
                ("confirm", "fanny"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .post_form(
            &a,
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
    assert_eq!(
        a.get(app.at("/settings/profile"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        b.get(app.at("/settings/profile"))
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
}

#[tokio::test]
async fn bad_avatars_get_a_clear_message_and_nothing_is_lost() {
    let app = TestApp::spawn().await;
    let (client, _) = app.logged_in("gilles", false).await;
    let csrf = app.csrf(&client, "/settings/profile").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("display_name", "Gilles Gagnon")
        .text("bio", "")
        .text("locale", "fr-CA")
        .part(
            "avatar",
            reqwest::multipart::Part::bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec())
                .file_name("x.png"),
        );
    let res = client
        .post(app.at("/settings/profile"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("Ce fichier n’est pas une image."));
    assert!(body.contains("value=\"Gilles Gagnon\""), "typed name kept");
    let user = passerelles::accounts::by_username(&app.state.db, "gilles")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.display_name, "", "nothing partial saved");
    assert!(user.avatar_id.is_none());
}

#[tokio::test]
async fn language_follows_preference_then_accept_language() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let en = client
        .get(app.at("/nope"))
        .header("Accept-Language", "en-CA,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(en.status(), 404);
    let body = en.text().await.unwrap();
    assert!(body.contains("<html lang=\"en\">") && body.contains("Page not found"));
    let fr = client
        .get(app.at("/nope"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(fr.contains("<html lang=\"fr-CA\">") && fr.contains("Page introuvable"));

    // A member's preference wins over the browser's.
    let (member, _) = app.logged_in("hugo", false).await;
    let page = member
        .get(app.at("/"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("lang=\"fr-CA\""));
    let res = app
        .post_form(&member, "/", "/lang", &[("lang", "en")])
        .await;
    assert_eq!(res.status(), 303);
    let page = member
        .get(app.at("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Welcome, hugo!"));
}

#[tokio::test]
async fn every_response_carries_security_headers() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for path in [
        "/",
        "/login",
        "/does-not-exist",
        "/static/app.css",
        "/healthz",
        "/api/v1/nothing",
    ] {
        let res = client.get(app.at(path)).send().await.unwrap();
        let h = res.headers();
        let csp = h
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("CSP on {path}"))
            .to_str()
            .unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
        assert!(h.contains_key("x-request-id"), "{path}");
    }
    // No inline script and no third-party URL in a page.
    let home = client
        .get(app.at("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!home.contains("<script"));
    assert!(!home.contains("src=\"http") && !home.contains("href=\"http"));
}

#[tokio::test]
async fn oversized_and_malformed_requests_get_clear_errors() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let csrf = app.csrf(&client, "/signup").await;
    let huge = "a".repeat(7 * 1024 * 1024);
    let res = client
        .post(app.at("/signup"))
        .form(&[("csrf", csrf.as_str()), ("username", huge.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert!(res.text().await.unwrap().contains("Envoi trop volumineux"));
    // Over-long fields within the body limit are field errors, not crashes.
    let long = "x".repeat(5000);
    let res = app
        .post_form(
            &client,
            "/signup",
            "/signup",
            &[
                ("username", long.as_str()),
                ("email", long.as_str()),
                ("password", long.as_str()),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    // A form body that is not a form.
    let res = client
        .post(app.at("/login"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert!(
        res.status() == 415 || res.status() == 400,
        "{}",
        res.status()
    );
    assert!(res.text().await.unwrap().contains("<html"), "friendly page");
}

#[tokio::test]
async fn first_administrator_via_the_one_time_setup_link() {
    let app = TestApp::spawn().await;
    let home = app
        .client()
        .get(app.at("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("pas encore d’administrateur"));
    let link = passerelles::web::pages::prepare_setup(&app.state)
        .await
        .unwrap()
        .expect("setup link");
    let path = link.replacen(&app.state.config.public_url(), "", 1);
    let client = app.client();
    assert_eq!(
        client
            .get(app.at("/setup?token=wrong"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let res = app
        .post_form(
            &client,
            &path,
            "/setup",
            &[
                ("token", path.split("token=").nth(1).unwrap()),
                ("username", "admin-quebec"),
                ("email", "admin@exemple.qc.ca"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let user = passerelles::accounts::by_username(&app.state.db, "admin-quebec")
        .await
        .unwrap()
        .unwrap();
    assert!(user.is_admin && user.email_verified);
    // The link works once.
    assert_eq!(
        client.get(app.at(&path)).send().await.unwrap().status(),
        404
    );
}

#[tokio::test]
async fn health_and_metrics() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let res = client.get(app.at("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["database"],
        "ok"
    );
    let text = client
        .get(app.at("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("passerelles_http_requests_total{class=\"2xx\"}"));
    assert!(text.contains("passerelles_local_accounts 0"));
    // The database going away turns into 503 with a retry hint.
    app.state.db.pool.close().await;
    let res = client.get(app.at("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let res = client.get(app.at("/")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "5");
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("momentanément indisponible")
    );
}

#[tokio::test]
async fn personal_tokens_from_the_settings_page_open_the_api_until_revoked() {
    let app = TestApp::spawn().await;
    let (client, _) = app.logged_in("ines", false).await;
    let res = app
        .post_form(
            &client,
            "/settings/tokens",
            "/settings/tokens",
            &[("name", ""), ("days", "99999")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("Ce champ est obligatoire.") && body.contains("entre 1 et 3650"));
    let res = app
        .post_form(
            &client,
            "/settings/tokens",
            "/settings/tokens",
            &[("name", "Mon script"), ("days", "30")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    let secret = body
        .split("<code id=\"new-token\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("secret shown once")
        .to_string();
    assert!(secret.starts_with("pat_"));
    let me = reqwest::Client::new()
        .get(app.at("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(
        me.json::<serde_json::Value>().await.unwrap()["username"],
        "ines"
    );
    // Listed without its secret, then revoked.
    let list = client
        .get(app.at("/settings/tokens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("Mon script") && !list.contains(&secret));
    let id = list
        .split("name=\"id\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let res = app
        .post_form(
            &client,
            "/settings/tokens",
            "/settings/tokens/revoke",
            &[("id", id.as_str())],
        )
        .await;
    assert_eq!(res.status(), 303);
    let me = reqwest::Client::new()
        .get(app.at("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
    assert!(me.headers().contains_key("www-authenticate"));
}

#[tokio::test]
async fn metrics_are_for_the_operator_only() {
    let app = TestApp::spawn().await;
    let client = app.client();
    // Through a proxy (X-Forwarded-For), even from loopback: hidden.
    let res = client
        .get(app.at("/metrics"))
        .header("X-Forwarded-For", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // An administrator's token opens it.
    let admin = app.create_user("operatrice", true).await;
    let (_, secret) =
        passerelles::api::tokens::create_token(&app.state.db, admin.id, "prometheus", None)
            .await
            .unwrap();
    let res = client
        .get(app.at("/metrics"))
        .header("X-Forwarded-For", "203.0.113.9")
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // A member's token does not.
    let member = app.create_user("membre", false).await;
    let (_, secret) = passerelles::api::tokens::create_token(&app.state.db, member.id, "x", None)
        .await
        .unwrap();
    let res = client
        .get(app.at("/metrics"))
        .header("X-Forwarded-For", "203.0.113.9")
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

/// The sessions page names each device (its browser's user agent) with
/// its last use, and closes one session without touching the others.
#[tokio::test]
async fn sessions_page_shows_devices_and_revokes_one() {
    let app = TestApp::spawn().await;
    let bruno = app.create_user("bruno", false).await;
    let other = app.create_user("olivier", false).await;
    let browser = |ua: &str| {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(ua.to_string())
            .build()
            .unwrap()
    };
    let laptop = browser("Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0");
    let phone = browser("Mozilla/5.0 (Android 15; Mobile) Chrome/150.0");
    let olivier = browser("Olivier-Browser/1.0");
    app.login(&laptop, "bruno", PASSWORD).await;
    app.login(&phone, "bruno", PASSWORD).await;
    app.login(&olivier, "olivier", PASSWORD).await;
    let page = laptop
        .get(app.at("/settings/sessions"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Firefox/140.0") && page.contains("Chrome/150.0"));
    // Readably, the raw string kept in the details.
    assert!(
        page.contains("<summary>Firefox sur Linux</summary>")
            && page.contains("<summary>Chrome sur Android</summary>"),
        "{page}"
    );
    assert!(page.contains(
        "<code class=\"user-agent\">Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0</code>"
    ));
    assert!(!page.contains("Olivier-Browser"), "only my sessions");
    // One row per session with its first and last use.
    assert_eq!(page.matches("<tr>").count(), 3, "header + 2 sessions");
    let handle = form_value(&page, "handle").expect("the other session's handle");

    // Someone else cannot close it; an unknown handle is 404.
    for (c, h, status) in [
        (&olivier, handle.as_str(), 404),
        (&laptop, "0123456789ab", 404),
    ] {
        let res = app
            .post_form(
                c,
                "/settings/sessions",
                "/settings/sessions/revoke",
                &[("handle", h)],
            )
            .await;
        assert_eq!(res.status(), status);
    }
    let res = app
        .post_form(
            &laptop,
            "/settings/sessions",
            "/settings/sessions/revoke",
            &[("handle", handle.as_str())],
        )
        .await;
    assert_eq!(res.status(), 303);
    let profile = app.at("/settings/profile");
    for (c, want, why) in [
        (&phone, 303, "the phone is signed out"),
        (&laptop, 200, "this session stays"),
        (&olivier, 200, "others' sessions stay"),
    ] {
        assert_eq!(
            c.get(&profile).send().await.unwrap().status(),
            want,
            "{why}"
        );
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
        .bind(bruno.id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let _ = other;
}
