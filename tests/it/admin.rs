//! Administration area over real HTTP: access control, the member
//! directory, suspension, admin roles, approval of registrations, instance
//! settings and invitations.

use crate::harness::{PASSWORD, TestApp, form_value, html_unescape};

const ADMIN_PAGES: [&str; 8] = [
    "/admin",
    "/admin/users",
    "/admin/registrations",
    "/admin/settings",
    "/admin/invitations",
    "/admin/audit",
    "/admin/federation",
    "/admin/health",
];

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn get_text(client: &reqwest::Client, url: String) -> (u16, String) {
    let res = client.get(url).send().await.expect("get");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

async fn signup(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    app.post_form(client, "/signup", "/signup", fields).await
}

async fn login_status(app: &TestApp, login: &str) -> (u16, String) {
    let c = app.client();
    let res = app
        .post_form(
            &c,
            "/login",
            "/login",
            &[("login", login), ("password", PASSWORD)],
        )
        .await;
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

/// Whether the member directory lists `name` (the header also links to the
/// viewer's own profile, so look in the table rows only).
fn listed(body: &str, name: &str) -> bool {
    body.contains(&format!("<th scope=\"row\"><a href=\"/u/{name}\">"))
}

/// The invitation code shown once on the page after creating it.
fn invite_code(body: &str) -> String {
    let start = body.find("class=\"token-once\"").expect("token-once block");
    let block = &body[start..];
    let at = block.find("invite=").expect("invite link") + "invite=".len();
    let end = block[at..].find(['<', '"', '&']).expect("end of link");
    html_unescape(&block[at..at + end])
}

#[tokio::test]
async fn every_admin_page_needs_an_administrator() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("alice", true).await;
    let (member, bob) = app.logged_in("bob", false).await;
    let anon = app.client();
    let detail = format!("/admin/users/{}", bob.id);
    let pages: Vec<String> = ADMIN_PAGES
        .iter()
        .map(|p| p.to_string())
        .chain([detail.clone()])
        .collect();

    for p in &pages {
        let res = anon.get(app.at(p)).send().await.unwrap();
        assert_eq!(res.status(), 303, "anonymous on {p}");
        let to = location(&res);
        assert!(to.starts_with("/login?next="), "{p} → {to}");
        assert!(to.contains("admin"), "comes back afterwards: {to}");

        let (status, _) = get_text(&member, app.at(p)).await;
        assert_eq!(status, 403, "member on {p}");

        let (status, body) = get_text(&admin, app.at(p)).await;
        assert_eq!(status, 200, "admin on {p}");
        assert!(
            body.contains("class=\"side-nav\""),
            "{p} has the section menu"
        );
        assert!(
            body.contains("aria-current=\"page\""),
            "{p} marks the current section"
        );
        assert!(
            body.contains("href=\"/admin/communities\">Communautés</a>")
                && body.contains("href=\"/admin/reports\">Signalements</a>"),
            "{p}: one menu lists every section"
        );
    }

    // Form posts too: a member is refused, an anonymous visitor sent to log in.
    let bob_path = format!("/admin/users/{}/suspend", bob.id);
    let posts: [(&str, Vec<(&str, &str)>); 6] = [
        (bob_path.as_str(), vec![("reason", "non")]),
        (
            "/admin/settings",
            vec![("name", "Piratée"), ("registration_mode", "open")],
        ),
        ("/admin/invitations", vec![("days", "14")]),
        ("/admin/registrations/1/approve", vec![]),
        ("/admin/registrations/1/refuse", vec![]),
        ("/admin/invitations/1/revoke", vec![]),
    ];
    for (action, fields) in &posts {
        let res = app.post_form(&member, "/", action, fields).await;
        assert_eq!(res.status(), 403, "member posting {action}");
        let res = app.post_form(&anon, "/login", action, fields).await;
        assert_eq!(res.status(), 303, "anonymous posting {action}");
        assert!(location(&res).starts_with("/login?next="));
    }
    // Forged form (no CSRF token) from an admin: refused.
    let res = admin
        .post(app.at("/admin/settings"))
        .form(&[("name", "X"), ("registration_mode", "open")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(app.state.instance().await.unwrap().name, "Passerelles");
    // The admin link shows in the header for admins only.
    let (_, home) = get_text(&admin, app.at("/")).await;
    assert!(home.contains("href=\"/admin\""));
    let (_, home) = get_text(&member, app.at("/")).await;
    assert!(!home.contains("href=\"/admin\""));
}

#[tokio::test]
async fn directory_searches_filters_and_pages() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("alice", true).await;
    app.create_user("marie", false).await;
    app.create_user("jeanne", false).await;

    // Part of an e-mail address, in another case.
    let (status, body) = get_text(&admin, app.at("/admin/users?q=MARIE%40exem")).await;
    assert_eq!(status, 200);
    assert!(listed(&body, "marie"), "{body}");
    assert!(!listed(&body, "jeanne"));
    assert!(
        body.contains("value=\"MARIE@exem\""),
        "the query stays in the box"
    );

    // Wildcards typed by people are literal characters.
    let (_, body) = get_text(&admin, app.at("/admin/users?q=%25")).await;
    assert!(!listed(&body, "marie"));
    let (_, body) = get_text(&admin, app.at("/admin/users?q=_")).await;
    assert!(!listed(&body, "marie"));

    // Status filter.
    let (_, body) = get_text(&admin, app.at("/admin/users?status=admins")).await;
    assert!(listed(&body, "alice") && !listed(&body, "marie"));
    assert!(body.contains("badge-admin"));

    // 50 per page, with next / previous links.
    for i in 0..55 {
        let name = format!("membre{i:02}");
        sqlx::query(
            "INSERT INTO users (username, username_key, username_skeleton, email, email_key, created_at) \
             VALUES ($1, $1, $1, $2, $2, $3)",
        )
        .bind(&name)
        .bind(format!("{name}@exemple.qc.ca"))
        .bind(1_700_000_000_i64 + i)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    }
    let (_, body) = get_text(&admin, app.at("/admin/users?q=membre")).await;
    assert_eq!(body.matches("href=\"/u/membre").count(), 20);
    let next = body.find("rel=\"next\"").expect("a next link");
    let tag = &body[body[..next].rfind("<a ").expect("link")..next];
    assert!(tag.contains("q=membre") && tag.contains("page=2"), "{tag}");
    assert!(!body.contains("rel=\"prev\""));
    let (_, body) = get_text(&admin, app.at("/admin/users?q=membre&page=3")).await;
    assert_eq!(body.matches("href=\"/u/membre").count(), 15);
    assert!(body.contains("rel=\"prev\"") && !body.contains("rel=\"next\""));
    // Newest first: the oldest ones are on the second page.
    assert!(listed(&body, "membre00"));
}

#[tokio::test]
async fn suspension_ends_sessions_and_explains_itself() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("alice", true).await;
    let (bob_client, bob) = app.logged_in("bob", false).await;
    sqlx::query("INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) VALUES ($1, 'cli', 'h', 'p', 1)")
        .bind(bob.id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (_, home) = get_text(&bob_client, app.at("/")).await;
    assert!(home.contains("Bienvenue, bob"));

    let page = format!("/admin/users/{}", bob.id);
    let action = format!("{page}/suspend");
    // The reason is required.
    let res = app
        .post_form(&admin, &page, &action, &[("reason", "  ")])
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("Indiquez le motif de la suspension."));
    assert!(body.contains("id=\"f-reason\""));
    // …and at most 500 characters, kept when refused.
    let long = "x".repeat(501);
    let res = app
        .post_form(&admin, &page, &action, &[("reason", &long)])
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains(&long));

    let reason = "Messages haineux répétés";
    let res = app
        .post_form(&admin, &page, &action, &[("reason", reason)])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), page);
    let (_, body) = get_text(&admin, app.at(&page)).await;
    assert!(body.contains("Le compte est suspendu"), "flash shown");
    assert!(body.contains(reason));

    // Their open session is gone.
    let (_, home) = get_text(&bob_client, app.at("/")).await;
    assert!(!home.contains("Bienvenue"), "bob is logged out");
    let res = bob_client.get(app.at("/admin")).send().await.unwrap();
    assert!(location(&res).starts_with("/login"));
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
        .bind(bob.id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0);
    let live_tokens: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(bob.id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(live_tokens, 0, "API tokens revoked");

    // Logging in again shows why.
    let (status, body) = login_status(&app, "bob").await;
    assert_eq!(status, 422);
    assert!(body.contains("Ce compte est suspendu."), "{body}");
    assert!(body.contains(reason));

    // Listed among the suspended, and in the audit log.
    let (_, list) = get_text(&admin, app.at("/admin/users?status=suspended")).await;
    assert!(listed(&list, "bob") && !listed(&list, "alice"));
    let (_, audit) = get_text(&admin, app.at("/admin/audit")).await;
    assert!(audit.contains("Compte suspendu") && audit.contains(reason));

    // Lifting the suspension lets them back in.
    let res = app
        .post_form(&admin, &page, &format!("{page}/unsuspend"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let (status, _) = login_status(&app, "bob").await;
    assert_eq!(status, 303);
}

#[tokio::test]
async fn the_last_administrator_stays_one() {
    let app = TestApp::spawn().await;
    let (alice_client, alice) = app.logged_in("alice", true).await;
    let (bob_client, bob) = app.logged_in("bob", false).await;

    // Alone: demoting or suspending herself is refused with a clear message.
    let page = format!("/admin/users/{}", alice.id);
    let res = app
        .post_form(&alice_client, &page, &format!("{page}/demote"), &[])
        .await;
    assert_eq!(res.status(), 409);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("dernier administrateur actif")
    );
    let res = app
        .post_form(
            &alice_client,
            &page,
            &format!("{page}/suspend"),
            &[("reason", "test")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let still = passerelles::accounts::by_id(&app.state.db, alice.id)
        .await
        .unwrap()
        .unwrap();
    assert!(still.is_admin && still.status == passerelles::accounts::Status::Active);

    // With a second administrator, one may demote the other, never herself.
    let bob_page = format!("/admin/users/{}", bob.id);
    let res = app
        .post_form(
            &alice_client,
            &bob_page,
            &format!("{bob_page}/promote"),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (status, _) = get_text(&bob_client, app.at("/admin")).await;
    assert_eq!(status, 200, "bob is an administrator now");
    let res = app
        .post_form(&alice_client, &page, &format!("{page}/demote"), &[])
        .await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("votre propre compte"));
    let res = app
        .post_form(&bob_client, &page, &format!("{page}/demote"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let (status, _) = get_text(&alice_client, app.at("/admin")).await;
    assert_eq!(status, 403, "alice is no longer an administrator");
    let res = app
        .post_form(&bob_client, &bob_page, &format!("{bob_page}/demote"), &[])
        .await;
    assert_eq!(res.status(), 409, "bob is now the last one");
    let (_, audit) = get_text(&bob_client, app.at("/admin/audit")).await;
    assert!(
        audit.contains("Nommé administrateur") && audit.contains("Rôle d’administrateur retiré")
    );
}

#[tokio::test]
async fn registrations_wait_for_approval() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("alice", true).await;
    app.set_setting("registration_mode", "approval").await;

    let visitor = app.client();
    let email = "gabrielle@exemple.qc.ca";
    let res = signup(
        &app,
        &visitor,
        &[
            ("username", "gabrielle"),
            ("email", email),
            ("password", PASSWORD),
            ("note", "Je coordonne une épicerie solidaire à Rimouski."),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("examinée par l’équipe d’administration")
    );

    // Confirm the address: GET shows a button, POST confirms.
    let link = app.mail_link(email, "/verify-email").await;
    let (status, confirm) = get_text(&visitor, app.at(&link)).await;
    assert_eq!(status, 200);
    let token = form_value(&confirm, "token").expect("token");
    let csrf = form_value(&confirm, "csrf").expect("csrf");
    let res = visitor
        .post(app.at("/verify-email"))
        .form(&[("csrf", csrf.as_str()), ("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("attend maintenant l’approbation")
    );

    // Still waiting: no log-in.
    let (status, body) = login_status(&app, email).await;
    assert_eq!(status, 422);
    assert!(body.contains("attend encore l’approbation"));

    // The administrators see the request, its note and the confirmed address.
    let (_, dash) = get_text(&admin, app.at("/admin")).await;
    assert!(
        dash.contains("badge-warn\">1<"),
        "dashboard counts one pending registration"
    );
    let (_, list) = get_text(&admin, app.at("/admin/registrations")).await;
    assert!(list.contains("gabrielle") && list.contains("épicerie solidaire à Rimouski"));
    assert!(list.contains("Confirmée"));
    let g = passerelles::accounts::by_username(&app.state.db, "gabrielle")
        .await
        .unwrap()
        .unwrap();
    let res = app
        .post_form(
            &admin,
            "/admin/registrations",
            &format!("/admin/registrations/{}/approve", g.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/admin/registrations");
    let (_, list) = get_text(&admin, app.at("/admin/registrations")).await;
    assert!(list.contains("Inscription approuvée"), "flash");
    assert!(list.contains("Aucune inscription en attente."));

    // The approval e-mail links to the login page, which now works.
    app.drain_jobs().await;
    let link = app.mail_link(email, "/login").await;
    assert_eq!(link, "/login");
    let (status, _) = login_status(&app, "gabrielle").await;
    assert_eq!(status, 303);

    // A refused request is deleted; the person is told, with the reason.
    let other = app.client();
    let res = signup(
        &app,
        &other,
        &[
            ("username", "zoe"),
            ("email", "zoe@exemple.qc.ca"),
            ("password", PASSWORD),
            ("note", ""),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    app.drain_jobs().await;
    app.sink.wait_for("zoe@exemple.qc.ca").await; // verification e-mail
    let z = passerelles::accounts::by_username(&app.state.db, "zoe")
        .await
        .unwrap()
        .unwrap();
    let res = app
        .post_form(
            &admin,
            "/admin/registrations",
            &format!("/admin/registrations/{}/refuse", z.id),
            &[(
                "reason",
                "Instance réservée aux organismes du Bas-Saint-Laurent.",
            )],
        )
        .await;
    assert_eq!(res.status(), 303);
    app.drain_jobs().await;
    let mail = app.sink.wait_for("zoe@exemple.qc.ca").await;
    assert_eq!(mail.subject(), "Votre demande d’inscription");
    assert!(
        mail.text_part()
            .contains("réservée aux organismes du Bas-Saint-Laurent")
    );
    assert!(
        passerelles::accounts::by_username(&app.state.db, "zoe")
            .await
            .unwrap()
            .is_none()
    );
    let (_, audit) = get_text(&admin, app.at("/admin/audit")).await;
    assert!(
        audit.contains("Inscription approuvée")
            && audit.contains("Inscription refusée")
            && audit.contains("zoe")
    );
}

#[tokio::test]
async fn instance_settings_validate_and_save() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("alice", true).await;
    let (status, form) = get_text(&admin, app.at("/admin/settings")).await;
    assert_eq!(status, 200);
    assert!(form.contains("value=\"Passerelles\""));
    assert!(form.contains("value=\"open\" checked"));

    let res = app
        .post_form(
            &admin,
            "/admin/settings",
            "/admin/settings",
            &[
                ("name", "Café des communs"),
                ("description", "Pour les gens du quartier."),
                ("charter", "Soyons bienveillants."),
                ("contact_email", "pas-une-adresse"),
                ("registration_mode", "approval"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("value=\"Café des communs\""),
        "typed name kept"
    );
    assert!(body.contains("Pour les gens du quartier.") && body.contains("Soyons bienveillants."));
    assert!(body.contains("value=\"pas-une-adresse\""));
    assert!(body.contains("id=\"f-contact_email-error\""));
    assert!(body.contains("Cette adresse courriel n’est pas valide."));
    assert!(
        body.contains("value=\"approval\" checked"),
        "chosen mode kept"
    );
    assert_eq!(
        app.state.instance().await.unwrap().name,
        "Passerelles",
        "nothing saved"
    );

    // Missing name and unknown mode.
    let res = app
        .post_form(
            &admin,
            "/admin/settings",
            "/admin/settings",
            &[("name", " "), ("registration_mode", "everyone")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("id=\"f-name-error\"") && body.contains("id=\"f-registration_mode-error\"")
    );

    let res = app
        .post_form(
            &admin,
            "/admin/settings",
            "/admin/settings",
            &[
                ("name", "Café des communs"),
                ("description", "Pour les gens du quartier."),
                ("charter", "Soyons bienveillants."),
                ("contact_email", "bonjour@cafe.qc.ca"),
                ("registration_mode", "approval"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let saved = passerelles::settings::load(&app.state.db).await.unwrap();
    assert_eq!(saved.name, "Café des communs");
    assert_eq!(saved.contact_email, "bonjour@cafe.qc.ca");
    assert_eq!(
        saved.registration_mode,
        passerelles::settings::RegistrationMode::Approval
    );
    let (_, page) = get_text(&admin, app.at("/admin/settings")).await;
    assert!(page.contains("Paramètres de l’instance enregistrés."));
    assert!(
        page.contains("<title>Paramètres de l’instance · Café des communs</title>"),
        "cache refreshed at once"
    );
}

#[tokio::test]
async fn invitations_let_people_in_once() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("alice", true).await;
    app.set_setting("registration_mode", "invitation").await;

    // No code, no account.
    let visitor = app.client();
    let res = signup(
        &app,
        &visitor,
        &[
            ("username", "hugo"),
            ("email", "hugo@exemple.qc.ca"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(
        passerelles::accounts::by_username(&app.state.db, "hugo")
            .await
            .unwrap()
            .is_none()
    );

    // Validity must be 1–90 days.
    for bad in ["0", "91", "deux"] {
        let res = app
            .post_form(
                &admin,
                "/admin/invitations",
                "/admin/invitations",
                &[("days", bad)],
            )
            .await;
        assert_eq!(res.status(), 422, "days={bad}");
    }

    // Create one sent by e-mail; the link is shown once.
    let res = app
        .post_form(
            &admin,
            "/admin/invitations",
            "/admin/invitations",
            &[("email", "hugo@exemple.qc.ca"), ("days", "7")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    let code = invite_code(&body);
    assert!(code.len() >= 40);
    let (_, again) = get_text(&admin, app.at("/admin/invitations")).await;
    assert!(!again.contains(&code), "never shown again");
    assert!(again.contains("hugo@exemple.qc.ca") && again.contains("Valide"));
    let link = app.mail_link("hugo@exemple.qc.ca", "/signup?invite=").await;
    assert_eq!(link, format!("/signup?invite={code}"));

    let res = signup(
        &app,
        &visitor,
        &[
            ("username", "hugo"),
            ("email", "hugo@exemple.qc.ca"),
            ("password", PASSWORD),
            ("invite", &code),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    let hugo = passerelles::accounts::by_username(&app.state.db, "hugo")
        .await
        .unwrap()
        .expect("account");
    assert!(
        hugo.email_verified,
        "the invitation vouched for the address"
    );
    let (status, _) = login_status(&app, "hugo").await;
    assert_eq!(status, 303);

    // The same code cannot serve twice.
    let other = app.client();
    let res = signup(
        &app,
        &other,
        &[
            ("username", "ines"),
            ("email", "ines@exemple.qc.ca"),
            ("password", PASSWORD),
            ("invite", &code),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("invalide, expiré ou déjà utilisé")
    );
    let (_, list) = get_text(&admin, app.at("/admin/invitations")).await;
    assert!(list.contains("Utilisée"));

    // A revoked invitation is dead too.
    let res = app
        .post_form(
            &admin,
            "/admin/invitations",
            "/admin/invitations",
            &[("days", "14")],
        )
        .await;
    let code2 = invite_code(&res.text().await.unwrap());
    let id: i64 = sqlx::query_scalar("SELECT id FROM invitations WHERE code_hash = $1")
        .bind(passerelles::accounts::hash_token(&code2))
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let res = app
        .post_form(
            &admin,
            "/admin/invitations",
            &format!("/admin/invitations/{id}/revoke"),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = signup(
        &app,
        &other,
        &[
            ("username", "ines"),
            ("email", "ines@exemple.qc.ca"),
            ("password", PASSWORD),
            ("invite", &code2),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    let (_, audit) = get_text(&admin, app.at("/admin/audit")).await;
    assert!(audit.contains("Invitation créée") && audit.contains("Invitation révoquée"));
}

/// `passerelles admin …` on the test instance's database, as the operator
/// runs it: (success, stdout, stderr).
fn cli(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let url = app.state.config.database_url();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_passerelles"))
        .args(["--data-dir", app.data_dir.to_str().expect("path")])
        .args(["--database-url", &url, "admin"])
        .args(args)
        .env("PASSERELLES_LOG", "error")
        .output()
        .expect("run");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The latest audit entry about `target`: (action, actor id, detail).
async fn last_audit(app: &TestApp, target: i64) -> (String, Option<i64>, String) {
    sqlx::query_as(
        "SELECT action, actor_id, detail FROM audit_log WHERE target_user_id = $1 \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(target)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("an audit entry")
}

#[tokio::test]
async fn cli_promotes_and_demotes_through_the_admin_pages_operation() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("alice", true).await;
    let camille = app.create_user("camille", false).await;
    let is_admin = |id: i64| {
        let pool = app.state.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT is_admin FROM users WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .expect("user")
        }
    };

    let (ok, out, err) = cli(&app, &["promote", "camille"]);
    assert!(ok, "{err}");
    assert!(out.contains("camille is an administrator"), "{out}");
    assert_eq!(is_admin(camille.id).await, 1);
    let (action, actor, detail) = last_audit(&app, camille.id).await;
    assert_eq!((action.as_str(), actor), ("user_promoted", None));
    assert!(detail.contains("system:cli"), "{detail}");
    // The audit page names the command line.
    let (_, audit) = get_text(&admin, app.at("/admin/audit")).await;
    assert!(audit.contains("system:cli"), "audit page");

    // By e-mail address too.
    let (ok, out, err) = cli(&app, &["demote", "camille@exemple.qc.ca"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("camille is no longer an administrator"),
        "{out}"
    );
    assert_eq!(is_admin(camille.id).await, 0);
    let (action, actor, detail) = last_audit(&app, camille.id).await;
    assert_eq!((action.as_str(), actor), ("user_demoted", None));
    assert!(detail.contains("system:cli"), "{detail}");

    // Refusals: an unknown account, the last administrator, a suspended one.
    let (ok, _, err) = cli(&app, &["promote", "personne"]);
    assert!(!ok && err.contains("no account named personne"), "{err}");
    let alice = passerelles::accounts::by_username(&app.state.db, "alice")
        .await
        .expect("db")
        .expect("alice");
    let (ok, _, err) = cli(&app, &["demote", "alice"]);
    assert!(!ok && err.contains("refused"), "{err}");
    assert_eq!(is_admin(alice.id).await, 1, "the last administrator stays");
    sqlx::query("UPDATE users SET status = 'suspended' WHERE id = $1")
        .bind(camille.id)
        .execute(&app.state.db.pool)
        .await
        .expect("suspend");
    let (ok, _, err) = cli(&app, &["promote", "camille"]);
    assert!(!ok && err.contains("refused"), "{err}");
    assert_eq!(is_admin(camille.id).await, 0);
}

#[tokio::test]
async fn cli_suspends_like_the_admin_page() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("alice", true).await;
    let (bob_client, bob) = app.logged_in("bob", false).await;
    let (_, secret) = passerelles::api::tokens::create_token(&app.state.db, bob.id, "t", None)
        .await
        .expect("token");
    let me = |secret: String| {
        let c = app.client();
        let url = app.at("/api/v1/me");
        async move {
            c.get(url)
                .bearer_auth(secret)
                .send()
                .await
                .expect("get")
                .status()
                .as_u16()
        }
    };
    assert_eq!(me(secret.clone()).await, 200);

    // Refused, with a readable message and a failing exit status.
    let (ok, _, err) = cli(&app, &["suspend", "personne", "--reason", "x"]);
    assert!(!ok && err.contains("no account named personne"), "{err}");
    let (ok, _, err) = cli(&app, &["suspend", "bob", "--reason", "  "]);
    assert!(!ok && err.contains("refused: reason"), "{err}");
    let (ok, _, err) = cli(&app, &["suspend", "bob"]);
    assert!(!ok && err.contains("--reason"), "{err}");
    assert_eq!(me(secret.clone()).await, 200, "nothing changed yet");

    let (ok, out, err) = cli(&app, &["suspend", "bob", "--reason", "Pourriel répété"]);
    assert!(ok, "{err}");
    assert!(out.contains("bob is suspended"), "{out}");
    // Signed out, token refused, cannot sign in again.
    let res = bob_client.get(app.at("/admin")).send().await.unwrap();
    assert!(location(&res).starts_with("/login"));
    assert_eq!(me(secret.clone()).await, 401, "API token refused");
    let (status, body) = login_status(&app, "bob").await;
    assert_eq!(status, 422);
    assert!(body.contains("Ce compte est suspendu."), "{body}");
    // The audit log names the command line.
    let (action, actor, detail) = last_audit(&app, bob.id).await;
    assert_eq!((action.as_str(), actor), ("user_suspended", None));
    assert!(
        detail.contains("Pourriel répété") && detail.contains("system:cli"),
        "{detail}"
    );
    let (_, audit) = get_text(&admin, app.at("/admin/audit")).await;
    assert!(audit.contains("system:cli"));

    let (ok, out, err) = cli(&app, &["unsuspend", "bob"]);
    assert!(ok, "{err}");
    assert!(out.contains("bob is active"), "{out}");
    let (action, _, detail) = last_audit(&app, bob.id).await;
    assert_eq!(action, "user_unsuspended");
    assert!(detail.contains("system:cli"), "{detail}");
}
