//! A newcomer's first hour (issue 13): the signed-in home (greeting,
//! communities with new counts, suggestions), unread tracking (a "nouveau"
//! mark, a jump to the first unread reply), error pages that keep the
//! session and offer log-in without saying whether something exists, and
//! tag keys that fold case and accents (and the migration that merges the
//! old duplicates).

use passerelles::accounts::User;
use passerelles::communities::{self, Community, NewCommunity};
use passerelles::policy::{JoinPolicy, MemberState, Role, Visibility};

use crate::harness::TestApp;

async fn community(app: &TestApp, owner: &User, slug: &str, visibility: Visibility) -> Community {
    communities::create(
        &app.state.db,
        owner,
        &NewCommunity {
            name: &format!("Communauté {slug}"),
            slug: Some(slug),
            description: "",
            theme: "",
            territory: "",
            visibility,
            join_policy: if visibility == Visibility::Private {
                JoinPolicy::Request
            } else {
                JoinPolicy::Open
            },
            request_note: "",
        },
        slug,
        false,
    )
    .await
    .expect("community created")
}

async fn join(app: &TestApp, c: &Community, u: &User, role: Role) {
    communities::set_membership(&app.state.db, c.id, u.id, role, MemberState::Active, "")
        .await
        .expect("membership");
}

async fn exec(app: &TestApp, sql: &'static str) {
    sqlx::query(sql)
        .execute(&app.state.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn get(client: &reqwest::Client, url: String) -> (u16, String) {
    let res = client.get(url).send().await.expect("get");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

/// Publish through the compose form; returns the new publication's id.
async fn publish(
    app: &TestApp,
    client: &reqwest::Client,
    title: &str,
    body: &str,
    tags: &str,
    community: i64,
) -> i64 {
    let csrf = app.csrf(client, "/p/new").await;
    let cid = community.to_string();
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("kind", "discussion")
        .text("title", title.to_string())
        .text("body", body.to_string())
        .text("tags", tags.to_string())
        .text("communities", cid);
    let res = client
        .post(app.at("/p/new"))
        .multipart(form)
        .send()
        .await
        .expect("post /p/new");
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    res.headers()["location"]
        .to_str()
        .expect("location")
        .trim_start_matches("/p/")
        .parse()
        .expect("id")
}

/// The `<li class="card…">` of the home feed that links to `/p/{id}`.
fn card_of(home: &str, id: i64) -> String {
    let needle = format!("href=\"/p/{id}");
    home.split("<li class=\"card")
        .skip(1)
        .find(|c| c.contains(&needle))
        .map(|c| c.split("</li>").next().unwrap_or("").to_string())
        .unwrap_or_else(|| panic!("no card for /p/{id} in {home}"))
}

#[tokio::test]
async fn home_marks_what_is_new_and_jumps_to_the_first_unread_reply() {
    let app = TestApp::spawn().await;
    let (alice_c, alice) = app.logged_in("alice", false).await;
    let (bob_c, bob) = app.logged_in("bob", false).await;
    let c = community(&app, &alice, "quartier", Visibility::Open).await;
    join(&app, &c, &bob, Role::Member).await;
    // Both joined a while ago (activity of the same second is not "new").
    exec(
        &app,
        "UPDATE memberships SET created_at = created_at - 3600",
    )
    .await;

    let id = publish(
        &app,
        &alice_c,
        "Corvée au jardin",
        "Samedi matin.",
        "",
        c.id,
    )
    .await;

    let (status, home) = get(&bob_c, app.at("/")).await;
    assert_eq!(status, 200);
    assert!(
        home.contains("Bonjour, bob!"),
        "a member is greeted, not welcomed back: {home}"
    );
    assert!(home.contains("href=\"/p/new\""), "a Publier action");
    let card = card_of(&home, id);
    assert!(
        card.contains("is-new") && card.contains("nouveau"),
        "{card}"
    );
    assert!(
        card.contains("Communauté quartier"),
        "the card names its community: {card}"
    );
    assert!(
        card.contains("Aucune réponse"),
        "replies are called réponses: {card}"
    );
    assert!(
        home.contains("Mes communautés") && home.contains("1 nouvelle"),
        "{home}"
    );

    // Bob reads it (a while ago), then Alice replies.
    let (status, _) = get(&bob_c, app.at(&format!("/p/{id}"))).await;
    assert_eq!(status, 200);
    exec(&app, "UPDATE publication_reads SET seen_at = seen_at - 60").await;
    let res = app
        .post_form(
            &alice_c,
            &format!("/p/{id}"),
            &format!("/p/{id}/replies"),
            &[("body", "J’apporte les pelles."), ("parent_id", "")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let rid: i64 = res.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit("#r-")
        .next()
        .unwrap()
        .parse()
        .unwrap();

    let (_, home) = get(&bob_c, app.at("/")).await;
    let card = card_of(&home, id);
    assert!(card.contains("is-new"), "new again after a reply: {card}");
    assert!(
        card.contains(&format!("href=\"/p/{id}?reply={rid}#r-{rid}\"")),
        "the card jumps to the first unread reply: {card}"
    );
    let (_, page) = get(&bob_c, app.at(&format!("/p/{id}"))).await;
    assert!(page.contains(&format!("href=\"#r-{rid}\"")), "{page}");
    assert!(page.contains("badge-new"), "the new reply is marked");

    // Read now: nothing new any more, for Bob; Alice's own read is hers.
    let (_, home) = get(&bob_c, app.at("/")).await;
    let card = card_of(&home, id);
    assert!(!card.contains("is-new"), "{card}");
    assert!(!home.contains("1 nouvelle"), "{home}");
    let reads: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM publication_reads WHERE user_id = $1")
            .bind(bob.id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(reads, 1);

    // A newcomer with no community is welcomed and shown some to join.
    let (carol_c, _) = app.logged_in("carol", false).await;
    let (_, home) = get(&carol_c, app.at("/")).await;
    assert!(home.contains("Bienvenue, carol!"), "{home}");
    assert!(home.contains("href=\"/c/quartier\""), "suggested: {home}");
    assert!(!home.contains("Bon retour"));
}

#[tokio::test]
async fn error_pages_keep_the_session_and_offer_log_in_without_an_oracle() {
    let app = TestApp::spawn().await;
    let (alice_c, alice) = app.logged_in("alice", false).await;
    let c = community(&app, &alice, "cercle", Visibility::Private).await;
    let id = publish(
        &app,
        &alice_c,
        "Budget du cercle",
        "Confidentiel.",
        "",
        c.id,
    )
    .await;

    // Signed in: a 404 still shows who is there, with the personal menu.
    let (status, page) = get(&alice_c, app.at("/page-inexistante")).await;
    assert_eq!(status, 404);
    assert!(page.contains("action=\"/logout\""), "{page}");
    assert!(page.contains(">alice<"), "{page}");
    assert!(!page.contains("error-members-hint") && !page.contains("réservées aux membres"));

    // Anonymous: the private publication and one that does not exist answer alike,
    // both with a log-in link back to the page.
    let anon = app.client();
    let (s1, private) = get(&anon, app.at(&format!("/p/{id}"))).await;
    let (s2, missing) = get(&anon, app.at("/p/99999999")).await;
    assert_eq!((s1, s2), (404, 404));
    assert!(
        private.contains(&format!("href=\"/login?next=%2Fp%2F{id}\"")),
        "{private}"
    );
    assert!(missing.contains("href=\"/login?next=%2Fp%2F99999999\""));
    for body in [&private, &missing] {
        assert!(body.contains("réservées aux membres"), "{body}");
        assert!(!body.contains("Budget du cercle"));
    }
    // The same page whether it exists or not (but for the link back and
    // the CSRF token of the language form).
    let strip = |b: &str, id: &str| {
        let b = b.replace(&format!("%2Fp%2F{id}"), "");
        let token = passerelles_test_csrf(&b);
        b.replace(&token, "")
    };
    assert_eq!(
        strip(&private, &id.to_string()),
        strip(&missing, "99999999"),
        "the same page whether it exists or not"
    );
}

#[tokio::test]
async fn tag_keys_fold_case_and_accents() {
    let app = TestApp::spawn().await;
    let (alice_c, alice) = app.logged_in("alice", false).await;
    let c = community(&app, &alice, "quartier", Visibility::Open).await;
    let a = publish(
        &app,
        &alice_c,
        "Première",
        "Texte.",
        "Bénévolat, économie sociale",
        c.id,
    )
    .await;
    let b = publish(
        &app,
        &alice_c,
        "Deuxième",
        "Avec #BENEVOLAT.",
        "benevolat",
        c.id,
    )
    .await;
    let tags: Vec<(String, String)> = sqlx::query_as("SELECT name, label FROM tags ORDER BY id")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(
        tags,
        vec![
            ("benevolat".to_string(), "Bénévolat".to_string()),
            (
                "economie-sociale".to_string(),
                "économie sociale".to_string()
            ),
        ],
        "one tag per folded key, with the first spelling"
    );
    for path in [
        "/tags/b%C3%A9n%C3%A9volat",
        "/tags/benevolat",
        "/tags/BENEVOLAT",
    ] {
        let (status, page) = get(&alice_c, app.at(path)).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            page.contains(&format!("/p/{a}\"")) && page.contains(&format!("/p/{b}\"")),
            "{path}: {page}"
        );
    }
    let (status, page) = get(&alice_c, app.at("/tags?q=%C3%A9co")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("/tags/economie%2Dsociale\">économie sociale</a>"),
        "{page}"
    );
}

/// Migration 0013 merges tags whose keys fold alike into the oldest: its
/// tag part, run again on duplicates made the old way.
#[tokio::test]
async fn migration_merges_tags_that_fold_alike() {
    let app = TestApp::spawn().await;
    let (alice_c, alice) = app.logged_in("alice", false).await;
    let c = community(&app, &alice, "quartier", Visibility::Open).await;
    let p1 = publish(&app, &alice_c, "Un", "Texte.", "", c.id).await;
    let p2 = publish(&app, &alice_c, "Deux", "Texte.", "", c.id).await;
    exec(
        &app,
        "INSERT INTO tags (name, label) VALUES ('bénévolat', 'bénévolat'), ('benevolat', 'benevolat'), \
         ('œuvres', 'Œuvres'), ('logement', 'logement')",
    )
    .await;
    let id_of = |name: &'static str| {
        let db = app.state.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM tags WHERE name = $1")
                .bind(name)
                .fetch_one(&db.pool)
                .await
                .unwrap()
        }
    };
    let (t_accent, t_plain, t_oe) = (
        id_of("bénévolat").await,
        id_of("benevolat").await,
        id_of("œuvres").await,
    );
    for (p, t) in [(p1, t_accent), (p1, t_plain), (p2, t_plain), (p2, t_oe)] {
        sqlx::query("INSERT INTO publication_tags (publication_id, tag_id) VALUES ($1, $2)")
            .bind(p)
            .bind(t)
            .execute(&app.state.db.pool)
            .await
            .unwrap();
    }
    let migration = include_str!("../../migrations/0013_first_hour.sql");
    let tag_part = &migration[migration.find("CREATE TABLE tag_folds").expect("tag part")..];
    for statement in tag_part.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let statement: String = statement
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        sqlx::query(sqlx::AssertSqlSafe(statement.clone()))
            .execute(&app.state.db.pool)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    let tags: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, name, label FROM tags ORDER BY id")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(
        tags.iter()
            .map(|(_, n, l)| (n.as_str(), l.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("benevolat", "bénévolat"),
            ("oeuvres", "Œuvres"),
            ("logement", "logement")
        ]
    );
    assert_eq!(tags[0].0, t_accent, "the oldest tag is kept");
    let links: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT publication_id, tag_id FROM publication_tags ORDER BY publication_id, tag_id",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(links, vec![(p1, t_accent), (p2, t_accent), (p2, t_oe)]);
}

fn passerelles_test_csrf(html: &str) -> String {
    crate::harness::form_value(html, "csrf").unwrap_or_default()
}

#[tokio::test]
async fn search_filters_pick_communities_and_authors_by_name() {
    let app = TestApp::spawn().await;
    let (alice_c, alice) = app.logged_in("alice", false).await;
    let c = community(&app, &alice, "quartier", Visibility::Open).await;
    let other = community(&app, &alice, "ailleurs", Visibility::Open).await;
    let id = publish(
        &app,
        &alice_c,
        "Corvée au jardin",
        "Samedi matin.",
        "",
        c.id,
    )
    .await;
    let elsewhere = publish(&app, &alice_c, "Corvée ailleurs", "Dimanche.", "", other.id).await;
    exec(
        &app,
        "UPDATE users SET display_name = 'Alice Tremblay' WHERE username = 'alice'",
    )
    .await;
    app.drain_jobs().await;
    let anon = app.client();
    let (status, page) = get(
        &anon,
        app.at("/search?q=corv%C3%A9e&community=communaut%C3%A9+QUARTIER&author=Alice+Tremblay"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("href=\"/p/{id}\"")), "{page}");
    assert!(
        !page.contains(&format!("href=\"/p/{elsewhere}\"")),
        "{page}"
    );
    assert!(page.contains("1 résultat"), "{page}");
    // Filters set: the filter box stays closed above the results and says how many.
    assert!(
        page.contains("<details class=\"search-filters\">"),
        "{page}"
    );
    assert!(page.contains("Filtres (2 actifs)"), "{page}");
    // Nothing found: said once, and no lone "Page 1".
    let (_, page) = get(&anon, app.at("/search?q=introuvablexyz")).await;
    assert_eq!(page.matches("Aucun résultat").count(), 1, "{page}");
    assert!(!page.contains("Page 1"), "{page}");
}
