//! Newsletters and local news of territories and organisations (issue 17),
//! over real HTTP on both engines, with the SMTP sink and a real HTTP
//! server serving the feed fixtures:
//! - a territory's list, made by an administrator (nobody else: territories
//!   have no roles), an organisation's by its admin (not a member); both
//!   linked from the owner's page; an address subscribes with double
//!   opt-in; a private community's item is refused with the reason (their
//!   audience is public); the issue is sent and archived (page and Atom);
//! - the list's time zone: chosen in the form, named in the schedule form,
//!   used to read the time typed there, changed in the list's settings;
//! - feeds followed by a territory and an organisation: managed by the same
//!   people, items on their pages with their origin, de-duplicated across
//!   an owner's feeds, a failing feed's error shown to its managers.

use std::time::Duration;

use crate::harness::{TestApp, html_unescape};
use crate::news::FeedServer;
use crate::writing::{community, publication};

async fn text(client: &reqwest::Client, url: String) -> (u16, String) {
    let res = client.get(url).send().await.expect("get");
    let status = res.status().as_u16();
    (status, html_unescape(&res.text().await.expect("body")))
}

async fn organisation(app: &TestApp, slug: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO organisations (slug, name, status, visibility, created_at, updated_at) \
         VALUES ($1, 'Coop du Vieux-Port', 'verified', 'public', 0, 0) RETURNING id",
    )
    .bind(slug)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("organisation")
}

async fn org_member(app: &TestApp, org: i64, user_id: i64, role: &str) {
    sqlx::query(
        "INSERT INTO organisation_members (organisation_id, user_id, role, state, created_at) VALUES ($1, $2, $3, 'active', 0)",
    )
    .bind(org)
    .bind(user_id)
    .bind(role)
    .execute(&app.state.db.pool)
    .await
    .expect("organisation member");
}

#[tokio::test]
async fn territory_and_organisation_lists_subscription_privacy_archive_and_time_zone() {
    let app = TestApp::spawn().await;
    let (admin, admin_user) = app.logged_in("gardienne", true).await;
    let (someone, _) = app.logged_in("quelquun", false).await;
    let (org_admin, org_admin_user) = app.logged_in("coordo", false).await;
    let (org_member_client, org_member_user) = app.logged_in("benevole", false).await;
    let org = organisation(&app, "coop-vieux-port").await;
    org_member(&app, org, org_admin_user.id, "admin").await;
    org_member(&app, org, org_member_user.id, "member").await;

    // A territory's list: administrators only.
    let fields = [
        ("territory", "mauricie"),
        ("name", "Nouvelles de la Mauricie"),
        ("slug", "nouvelles-mauricie"),
        ("rhythm", "Aux deux semaines"),
        ("time_zone", "America/Halifax"),
    ];
    let res = app
        .post_form(&someone, "/newsletters/new", "/newsletters/new", &fields)
        .await;
    assert_eq!(res.status(), 403, "not an administrator");
    let (status, form) = text(&admin, app.at("/newsletters/new?territory=mauricie")).await;
    assert_eq!(status, 200);
    assert!(
        form.contains("name=\"territory\" value=\"mauricie\""),
        "the owner is carried"
    );
    assert!(form.contains("America/Halifax"), "the zones are offered");
    let res = app
        .post_form(&admin, "/newsletters/new", "/newsletters/new", &fields)
        .await;
    assert_eq!(res.status(), 303);
    let (tid, zone): (Option<i64>, String) = sqlx::query_as(
        "SELECT territory_id, time_zone FROM newsletter_lists WHERE slug = 'nouvelles-mauricie'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert!(tid.is_some());
    assert_eq!(zone, "America/Halifax");
    // A zone we do not offer is refused with the field named.
    let res = app
        .post_form(
            &admin,
            "/newsletters/new",
            "/newsletters/new",
            &[
                ("territory", "mauricie"),
                ("name", "Autre"),
                ("slug", "autre-lettre"),
                ("time_zone", "Europe/Paris"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        html_unescape(&res.text().await.unwrap()).contains("Choisissez un des fuseaux proposés")
    );

    // The territory's page links to it (and, for administrators, to make
    // another); the list's page names the territory.
    let anonymous = app.client();
    let (status, page) = text(&anonymous, app.at("/t/mauricie")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("href=\"/newsletters/nouvelles%2Dmauricie\""),
        "linked from the territory: {}",
        page.split("<main").nth(1).unwrap_or(&page)
    );
    assert!(
        !page.contains("/newsletters/new?territory="),
        "no creation link for visitors"
    );
    let (_, page) = text(&admin, app.at("/t/mauricie")).await;
    assert!(page.contains("/newsletters/new?territory=mauricie"));
    let (status, page) = text(&anonymous, app.at("/newsletters/nouvelles-mauricie")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Infolettre du territoire") && page.contains("href=\"/t/mauricie\""));

    // An organisation's list: its admin, not a member.
    let org_fields = [
        ("organisation", "coop-vieux-port"),
        ("name", "Lettre de la coop"),
        ("slug", "lettre-coop"),
    ];
    let res = app
        .post_form(
            &org_member_client,
            "/newsletters/new",
            "/newsletters/new",
            &org_fields,
        )
        .await;
    assert_eq!(res.status(), 403, "a member is not an admin");
    let res = app
        .post_form(
            &org_admin,
            "/newsletters/new",
            "/newsletters/new",
            &org_fields,
        )
        .await;
    assert_eq!(res.status(), 303);
    let (status, page) = text(&anonymous, app.at("/o/coop-vieux-port")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("href=\"/newsletters/lettre%2Dcoop\""),
        "linked from the organisation"
    );
    let (_, page) = text(&anonymous, app.at("/newsletters/lettre-coop")).await;
    assert!(page.contains("Infolettre de l’organisation"));
    // Its admin edits its settings (the member may not).
    let settings = "/newsletters/lettre-coop/settings";
    let edit = [
        ("name", "Lettre de la coopérative"),
        ("description", "Ce qui se passe au port."),
        ("rhythm", "Mensuelle"),
        ("categories", "Vie de la coop"),
        ("time_zone", "America/Blanc-Sablon"),
    ];
    let (status, _) = text(&org_member_client, app.at(settings)).await;
    assert_eq!(status, 403);
    let res = app.post_form(&org_admin, settings, settings, &edit).await;
    assert_eq!(res.status(), 303);
    let (name, zone): (String, String) =
        sqlx::query_as("SELECT name, time_zone FROM newsletter_lists WHERE slug = 'lettre-coop'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(
        (name.as_str(), zone.as_str()),
        ("Lettre de la coopérative", "America/Blanc-Sablon")
    );

    // Someone without an account subscribes to the territory's list with
    // double opt-in.
    let visitor = app.client();
    let res = app
        .post_form(
            &visitor,
            "/newsletters/nouvelles-mauricie",
            "/newsletters/nouvelles-mauricie/subscribe",
            &[("email", "voisine@exemple.org"), ("consent", "1")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let link = app
        .mail_link("voisine@exemple.org", "/newsletters/confirm/")
        .await;
    let res = app.post_form(&visitor, &link, &link, &[]).await;
    assert_eq!(res.status(), 200);
    let active: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM newsletter_subscribers WHERE email = 'voisine@exemple.org' AND status = 'active'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(active, 1);

    // An issue: a private community's publication is refused with the
    // reason (the audience is public), an open one's goes in.
    let private = community(&app, "cercle-prive", "private", "request", &admin_user).await;
    let open = community(&app, "place-publique", "open", "open", &admin_user).await;
    let private_pub = publication(
        &app,
        &admin_user,
        "Compte rendu confidentiel",
        &[private],
        60,
    )
    .await;
    let open_pub = publication(&app, &admin_user, "Fête de quartier au parc", &[open], 60).await;
    let list = "/newsletters/nouvelles-mauricie";
    let res = app
        .post_form(
            &admin,
            list,
            &format!("{list}/issues"),
            &[("subject", "Numéro de décembre"), ("intro", "")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let issue = res.headers()["location"].to_str().unwrap().to_string();
    let res = app
        .post_form(
            &admin,
            &issue,
            &format!("{issue}/items"),
            &[
                ("reference", &format!("p:{private_pub}")),
                ("category", ""),
                ("title", ""),
                ("blurb", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = html_unescape(&res.text().await.unwrap());
    assert!(body.contains("communauté privée"), "the reason is given");
    let res = app
        .post_form(
            &admin,
            &issue,
            &format!("{issue}/items"),
            &[
                ("reference", &format!("p:{open_pub}")),
                ("category", ""),
                ("title", ""),
                ("blurb", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);

    // The schedule form names the list's zone and reads the time in it:
    // 9:00 in Halifax on 15 January 2030 (AST, UTC−4) is 13:00 UTC.
    let (_, page) = text(&admin, app.at(&issue)).await;
    assert!(page.contains("fuseau America/Halifax"), "the zone is named");
    let res = app
        .post_form(
            &admin,
            &issue,
            &format!("{issue}/schedule"),
            &[("at", "2030-01-15T09:00")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let at: Option<i64> = sqlx::query_scalar(
        "SELECT i.scheduled_at FROM newsletter_issues i JOIN newsletter_lists l ON l.id = i.list_id \
         WHERE l.slug = 'nouvelles-mauricie' AND i.subject = 'Numéro de décembre'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(at, Some(1_894_712_400), "2030-01-15T13:00:00Z");
    let (_, page) = text(&admin, app.at(&issue)).await;
    assert!(
        page.contains("2030-01-15 09:00"),
        "shown in the list's zone"
    );

    // Sent now (overrides the schedule): the subscriber gets it once; the
    // archive page and its Atom feed list it for anyone.
    app.drain_jobs().await;
    let res = app
        .post_form(&admin, &issue, &format!("{issue}/send"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let mut got = Vec::new();
    for _ in 0..400 {
        app.drain_jobs().await;
        got = app
            .sink
            .all()
            .into_iter()
            .filter(|m| m.subject().contains("Numéro de décembre"))
            .collect();
        if !got.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(got.len(), 1, "one message");
    assert_eq!(got[0].to, vec!["voisine@exemple.org".to_string()]);
    assert!(got[0].data.contains("List-Unsubscribe"));
    let (status, page) = text(&anonymous, app.at(&issue)).await;
    assert_eq!(status, 200);
    assert!(page.contains("Fête de quartier au parc"));
    let (status, feed) = text(&anonymous, app.at(&format!("{list}/feed.atom"))).await;
    assert_eq!(status, 200);
    assert!(feed.contains("Numéro de décembre"));
}

/// Wait (bounded) until every feed of the table's owners was fetched.
async fn wait_fetched(app: &TestApp) {
    for _ in 0..600 {
        let pending: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM news_place_feeds WHERE last_fetch_at IS NULL")
                .fetch_one(&app.state.db.pool)
                .await
                .expect("count");
        if pending == 0 {
            return;
        }
        app.drain_jobs().await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the feeds were not fetched within 60 s");
}

#[tokio::test]
async fn territory_and_organisation_feeds_items_with_origin_and_health() {
    // The feed server is on loopback, which the guarded fetcher refuses
    // unless allowed (as `news.rs` does).
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let app = TestApp::spawn().await;
    let server = FeedServer::start().await;
    let (admin, _) = app.logged_in("gardienne", true).await;
    let (someone, _) = app.logged_in("quelquun", false).await;
    let (org_admin, org_admin_user) = app.logged_in("coordo", false).await;
    let org = organisation(&app, "coop-vieux-port").await;
    org_member(&app, org, org_admin_user.id, "admin").await;

    // Only administrators manage a territory's feeds.
    let (status, _) = text(&someone, app.at("/t/mauricie/news")).await;
    assert_eq!(status, 403);
    let wordpress = server.url("/wordpress.rss");
    let res = app
        .post_form(
            &someone,
            "/t/mauricie",
            "/t/mauricie/news",
            &[("url", &wordpress), ("tags", "")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .post_form(
            &admin,
            "/t/mauricie/news",
            "/t/mauricie/news",
            &[("url", &wordpress), ("tags", "régional")],
        )
        .await;
    assert_eq!(res.status(), 303);
    // The same items under another address: duplicates, not new items.
    let again = format!("{wordpress}?copie=1");
    let res = app
        .post_form(
            &admin,
            "/t/mauricie/news",
            "/t/mauricie/news",
            &[("url", &again), ("tags", "")],
        )
        .await;
    assert_eq!(res.status(), 303);
    // Following it twice is refused, in words for a territory.
    let res = app
        .post_form(
            &admin,
            "/t/mauricie/news",
            "/t/mauricie/news",
            &[("url", &wordpress), ("tags", "")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(html_unescape(&res.text().await.unwrap()).contains("Ce fil est déjà suivi ici."));
    // A bad address is refused with the field named.
    let res = app
        .post_form(
            &admin,
            "/t/mauricie/news",
            "/t/mauricie/news",
            &[("url", "ftp://exemple.org/fil"), ("tags", "")],
        )
        .await;
    assert_eq!(res.status(), 422);

    // The organisation's admin follows a feed that fails, and a good one.
    let res = app
        .post_form(
            &org_admin,
            "/o/coop-vieux-port/news",
            "/o/coop-vieux-port/news",
            &[("url", &server.url("/broken")), ("tags", "")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = app
        .post_form(
            &org_admin,
            "/o/coop-vieux-port/news",
            "/o/coop-vieux-port/news",
            &[("url", &server.url("/feed.json")), ("tags", "")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (status, _) = text(&someone, app.at("/o/coop-vieux-port/news")).await;
    assert_eq!(status, 403, "not its admin");

    wait_fetched(&app).await;
    assert!(server.requests("/wordpress.rss") >= 1);

    // Items on the territory's page with their origin, each once.
    let taken: Vec<(String, i64)> = sqlx::query_as(
        "SELECT url, items_duplicate FROM news_place_feeds WHERE territory_id IS NOT NULL ORDER BY id",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(taken.len(), 2);
    let items: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM news_place_items WHERE territory_id IS NOT NULL")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert!(items >= 2, "{items} items");
    assert!(
        taken.iter().map(|t| t.1).sum::<i64>() >= items,
        "the second feed's items are duplicates: {taken:?}"
    );
    let distinct: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT url_key) FROM news_place_items WHERE territory_id IS NOT NULL",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(distinct, items, "no item twice");
    let anonymous = app.client();
    let (status, page) = text(&anonymous, app.at("/t/mauricie")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Nouvelles locales"));
    assert!(page.contains("Le marché public rouvre ses portes samedi"));
    assert!(
        page.contains("Source : Journal de Saint-Alban"),
        "the origin is shown"
    );
    assert!(
        !page.contains("/t/mauricie/news"),
        "no management link for visitors"
    );

    // The organisation's page shows its items; its admin sees the health,
    // the failing feed's error in words.
    let (status, page) = text(&anonymous, app.at("/o/coop-vieux-port")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Nouvelles locales"));
    let json_items: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM news_place_items WHERE organisation_id = $1")
            .bind(org)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert!(json_items >= 1);
    let (status, health) = text(&org_admin, app.at("/o/coop-vieux-port/news")).await;
    assert_eq!(status, 200);
    assert!(health.contains("En erreur"), "the failing feed is marked");
    assert!(
        health.contains("Le site a répondu par une erreur."),
        "the error in words"
    );
    let (err, failures): (String, i64) = sqlx::query_as(
        "SELECT last_error, failures FROM news_place_feeds WHERE url LIKE '%/broken'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert!(!err.is_empty() && failures == 1, "{err} {failures}");
    assert!(health.contains("500"), "the detail is shown");

    // Removing a feed keeps what it brought.
    let id: i64 = sqlx::query_scalar("SELECT id FROM news_place_feeds WHERE url LIKE '%/broken'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let res = app
        .post_form(
            &org_admin,
            "/o/coop-vieux-port/news",
            &format!("/o/coop-vieux-port/news/{id}/remove"),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    let left: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM news_place_feeds WHERE organisation_id = $1")
            .bind(org)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(left, 1);
}

/// A territory under `parent` (its closure rows too), as an import makes.
async fn sub_territory(app: &TestApp, parent: &str, slug: &str) -> i64 {
    let parent: i64 = sqlx::query_scalar("SELECT id FROM territories WHERE slug = $1")
        .bind(parent)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("parent");
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO territories (parent_id, level, code, slug, name, name_key, depth, source, created_at, updated_at) \
         VALUES ($1, 'mrc', $2, $2, $2, $2, 2, 'test', 0, 0) RETURNING id",
    )
    .bind(parent)
    .bind(slug)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("territory");
    let mut conn = app.state.db.pool.acquire().await.expect("conn");
    passerelles::territories::closure::insert_in(&mut conn, id, Some(parent))
        .await
        .expect("closure");
    id
}

async fn territory_id(app: &TestApp, slug: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM territories WHERE slug = $1")
        .bind(slug)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("territory")
}

/// A much-replied publication of the open community `c`, placed by its
/// author on `territory` (or nowhere), the roll-up kept as the composer's.
async fn placed(
    app: &TestApp,
    author: &passerelles::accounts::User,
    title: &str,
    c: i64,
    territory: Option<i64>,
) -> i64 {
    let p = publication(app, author, title, &[c], 60).await;
    crate::writing::exec(
        app,
        "UPDATE publications SET reply_count = 3 WHERE id = $1",
        p,
    )
    .await;
    let mut conn = app.state.db.pool.acquire().await.expect("conn");
    let chosen: Vec<i64> = territory.into_iter().collect();
    passerelles::territories::places::sync_publication_in(&mut conn, p, Some(&chosen))
        .await
        .expect("placed");
    p
}

/// The titles suggested for the next issue of the list at `slug`, as its
/// editor sees them.
async fn suggested(app: &TestApp, editor: &passerelles::accounts::User, slug: &str) -> Vec<String> {
    let a = passerelles::newsletter::load(&app.state, Some(editor), slug)
        .await
        .expect("list");
    assert!(a.edit, "{slug}: an editor");
    passerelles::newsletter::suggest::suggestions(&app.state, Some(editor), &a, &[])
        .await
        .expect("suggestions")
        .into_iter()
        .map(|s| s.title)
        .collect()
}

#[tokio::test]
async fn territory_and_organisation_lists_suggest_what_is_placed_there() {
    let app = TestApp::spawn().await;
    let (admin, admin_user) = app.logged_in("gardienne", true).await;
    let (org_admin, org_admin_user) = app.logged_in("coordo", false).await;
    let org = organisation(&app, "coop-vieux-port").await;
    org_member(&app, org, org_admin_user.id, "admin").await;
    let below = sub_territory(&app, "mauricie", "mrc-des-chenaux").await;
    let estrie = territory_id(&app, "estrie").await;
    let mauricie = territory_id(&app, "mauricie").await;
    // The organisation works in Estrie.
    sqlx::query(
        "INSERT INTO organisation_territories (organisation_id, territory_id) VALUES ($1, $2)",
    )
    .bind(org)
    .bind(estrie)
    .execute(&app.state.db.pool)
    .await
    .expect("placed");

    let c = community(&app, "voisins", "open", "open", &admin_user).await;
    placed(
        &app,
        &admin_user,
        "Sous-territoire : la MRC",
        c,
        Some(below),
    )
    .await;
    placed(&app, &admin_user, "La région même", c, Some(mauricie)).await;
    placed(&app, &admin_user, "Ailleurs : en Estrie", c, Some(estrie)).await;
    placed(&app, &admin_user, "Nulle part en particulier", c, None).await;
    let e_below = crate::newsletter_items::event(&app, "Corvée dans la MRC", &[c]).await;
    let e_else = crate::newsletter_items::event(&app, "Marché en Estrie", &[c]).await;
    let e_org = crate::newsletter_items::event(&app, "Assemblée de la coop", &[c]).await;
    for (e, t) in [(e_below, below), (e_else, estrie), (e_org, mauricie)] {
        sqlx::query("UPDATE events SET territory_id = $1 WHERE id = $2")
            .bind(t)
            .bind(e)
            .execute(&app.state.db.pool)
            .await
            .expect("event placed");
    }
    crate::writing::exec(
        &app,
        &format!("UPDATE events SET organisation_id = {org} WHERE id = $1"),
        e_org,
    )
    .await;
    let r_below = crate::newsletter_items::resource(&app, "Guide de la MRC", true, &[]).await;
    let r_else = crate::newsletter_items::resource(&app, "Guide estrien", true, &[]).await;
    for (r, t) in [(r_below, below), (r_else, estrie)] {
        sqlx::query("INSERT INTO resource_territories (resource_id, territory_id) VALUES ($1, $2)")
            .bind(r)
            .bind(t)
            .execute(&app.state.db.pool)
            .await
            .expect("resource placed");
    }

    for (client, owner_field, owner, slug) in [
        (&admin, "community", "", "lettre-instance"),
        (&admin, "territory", "mauricie", "lettre-mauricie"),
        (&org_admin, "organisation", "coop-vieux-port", "lettre-coop"),
    ] {
        let res = app
            .post_form(
                client,
                "/newsletters/new",
                "/newsletters/new",
                &[(owner_field, owner), ("name", slug), ("slug", slug)],
            )
            .await;
        assert_eq!(res.status(), 303, "{slug}");
    }

    let all = [
        "Sous-territoire : la MRC",
        "La région même",
        "Ailleurs : en Estrie",
        "Nulle part en particulier",
        "Corvée dans la MRC",
        "Marché en Estrie",
        "Assemblée de la coop",
        "Guide de la MRC",
        "Guide estrien",
    ];
    // The instance's list: everything (so each item can be suggested).
    let got = suggested(&app, &admin_user, "lettre-instance").await;
    for t in all {
        assert!(got.iter().any(|g| g == t), "instance list: {t} in {got:?}");
    }
    // The territory's: what is placed in it or below, nothing else.
    let got = suggested(&app, &admin_user, "lettre-mauricie").await;
    let expected = [
        "Sous-territoire : la MRC",
        "La région même",
        "Corvée dans la MRC",
        "Assemblée de la coop",
        "Guide de la MRC",
    ];
    for t in all {
        assert_eq!(
            got.iter().any(|g| g == t),
            expected.contains(&t),
            "territory list: {t} in {got:?}"
        );
    }
    // The organisation's: its own events, and what is placed where it
    // works (Estrie) or below.
    let got = suggested(&app, &org_admin_user, "lettre-coop").await;
    let expected = [
        "Ailleurs : en Estrie",
        "Marché en Estrie",
        "Assemblée de la coop",
        "Guide estrien",
    ];
    for t in all {
        assert_eq!(
            got.iter().any(|g| g == t),
            expected.contains(&t),
            "organisation list: {t} in {got:?}"
        );
    }
    // The draft's page shows the same list to the territory's editors.
    let page = "/newsletters/lettre-mauricie";
    let res = app
        .post_form(
            &admin,
            page,
            &format!("{page}/issues"),
            &[("subject", "Numéro un"), ("intro", "")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let issue = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("issue")
        .to_string();
    let (status, html) = text(&admin, app.at(&issue)).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Sous-territoire : la MRC"),
        "suggested on the page"
    );
    assert!(
        !html.contains("Ailleurs : en Estrie"),
        "not from another territory"
    );
}
