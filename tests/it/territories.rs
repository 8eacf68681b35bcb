//! Territories over real HTTP: importing the official files (per-line
//! report, nothing changed on errors, skipping bad lines, idempotent
//! re-runs, every format), the roll-up of a territory page, placing a
//! community by typing a name, and the territory rows of the permission
//! matrix (page list, counts, map, feed × visibility × viewer).

use std::collections::HashMap;

use passerelles::territories;
use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::harness::TestApp;
use crate::writing::{community, member, token_for};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/territories/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

async fn get(client: &reqwest::Client, url: String) -> (u16, String) {
    let res = client.get(url).send().await.expect("get");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

/// Upload a file on /admin/territories: (status, page).
async fn upload(app: &TestApp, admin: &reqwest::Client, name: &str, skip: bool) -> (u16, String) {
    let csrf = app.csrf(admin, "/admin/territories").await;
    let mut form = Form::new().text("csrf", csrf).part(
        "file",
        Part::bytes(fixture(name)).file_name(name.to_string()),
    );
    if skip {
        form = form.text("skip_bad_lines", "1");
    }
    let res = admin
        .post(app.at("/admin/territories"))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

async fn count_level(app: &TestApp, level: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM territories WHERE level = $1")
        .bind(level)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count")
}

/// The MRC and municipal layers, good lines only (through the operation).
async fn import_fixtures(app: &TestApp) {
    for name in ["mrc_s.geojson", "munic_s.csv"] {
        let r = territories::ops::import(
            &app.state,
            &passerelles::actor::Actor::CLI,
            territories::ops::ImportInput {
                bytes: &fixture(name),
                level: None,
                skip_bad_lines: true,
                progress: None,
            },
        )
        .await
        .expect("import");
        assert!(r.applied);
    }
}

#[tokio::test]
async fn admin_imports_the_official_layers_with_a_per_line_report() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("gestionnaire", true).await;

    // Only administrators.
    let (member_client, _) = app.logged_in("membre", false).await;
    let (status, _) = get(&member_client, app.at("/admin/territories")).await;
    assert_eq!(status, 403);

    // MRC layer with one bad line (unknown region 42): nothing changes.
    let (status, body) = upload(&app, &admin, "mrc_s.geojson", false).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("importé : le fichier contient des erreurs"),
        "{body}"
    );
    assert!(
        body.contains("<td>4</td><td><code>99</code></td><td>Territoire parent inconnu"),
        "{body}"
    );
    assert!(body.contains("sda-mrc_s"));
    assert_eq!(count_level(&app, "mrc").await, 0);

    // Asked to skip bad lines: the three good MRCs, each under its region.
    let (status, body) = upload(&app, &admin, "mrc_s.geojson", true).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("3 créé(s), 0 mis à jour, 0 inchangé(s), 1 ligne(s) en erreur"),
        "{body}"
    );
    assert_eq!(count_level(&app, "mrc").await, 3);
    let tr = territories::by_code(&app.state.db, territories::Level::Mrc, "371")
        .await
        .expect("read")
        .expect("MRC 371");
    let crumbs: Vec<String> = territories::breadcrumbs(&app.state.db, tr.id)
        .await
        .expect("crumbs")
        .into_iter()
        .map(|t| t.slug)
        .collect();
    assert_eq!(crumbs, vec!["quebec", "mauricie", "trois-rivieres"]);
    // A centroid from the polygon, and a boundary for display.
    let (lat, lon) = tr.point().expect("centroid");
    assert!(
        (lat - 46.375).abs() < 1e-6 && (lon + 72.575).abs() < 1e-6,
        "{lat} {lon}"
    );

    // Run again: nothing changes.
    let (status, body) = upload(&app, &admin, "mrc_s.geojson", true).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("0 créé(s), 0 mis à jour, 3 inchangé(s)"),
        "{body}"
    );

    // Municipal layer (CSV) with a repeated line.
    let (status, body) = upload(&app, &admin, "munic_s.csv", false).await;
    assert_eq!(status, 422);
    assert!(
        body.contains("<td>5</td><td><code>23027</code></td><td>Code en double"),
        "{body}"
    );
    assert_eq!(count_level(&app, "municipality").await, 0);
    let (status, body) = upload(&app, &admin, "munic_s.csv", true).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("3 créé(s)"), "{body}");
    // The homonym gets its own address.
    let muni = territories::by_code(&app.state.db, territories::Level::Municipality, "37067")
        .await
        .expect("read")
        .expect("37067");
    assert_eq!(muni.slug, "trois-rivieres-37067");
    assert_eq!(muni.parent_id, Some(tr.id));

    // The MAMH directory and the census subdivisions name the same places: unchanged.
    let (status, body) = upload(&app, &admin, "mamh_municipalites.csv", false).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("mamh") && body.contains("0 créé(s), 0 mis à jour, 2 inchangé(s)"),
        "{body}"
    );
    let (status, body) = upload(&app, &admin, "statcan_csd.csv", false).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("statcan-csd")
            && body.contains("2 inchangé(s), 0 ligne(s) en erreur, 1 hors Québec"),
        "{body}"
    );

    // The region's page lists the MRC with its address; the audit log has the imports.
    let (status, body) = get(&app.client(), app.at("/t/mauricie")).await;
    assert_eq!(status, 200);
    assert!(body.contains("href=\"/t/trois-rivieres\""), "{body}");
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'territories_imported'")
            .fetch_one(&app.state.db.pool)
            .await
            .expect("audit");
    assert_eq!(audited, 5);

    // A file we cannot read is refused as a whole, with the field error.
    let csrf = app.csrf(&admin, "/admin/territories").await;
    let res = admin
        .post(app.at("/admin/territories"))
        .multipart(Form::new().text("csrf", csrf).part(
            "file",
            Part::bytes(b"foo,bar\n1,2\n".to_vec()).file_name("x.csv"),
        ))
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("Aucune colonne reconnue")
    );
}

/// The municipal layer as Données Québec publishes it: a zipped shapefile
/// in Québec Lambert with a Windows-1252 DBF (written by pyshp and pyproj,
/// tests/fixtures/territories/make_shapefiles.py). Same report, same rows
/// as the CSV and GeoJSON files; the same places in geographic NAD83
/// change nothing.
#[tokio::test]
async fn zipped_shapefiles_as_published_import_with_the_same_report() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("gestionnaire", true).await;
    territories::ops::import(
        &app.state,
        &passerelles::actor::Actor::CLI,
        territories::ops::ImportInput {
            bytes: &fixture("mrc_s.geojson"),
            level: None,
            skip_bad_lines: true,
            progress: None,
        },
    )
    .await
    .expect("MRC layer");

    let (status, body) = upload(&app, &admin, "munic_s_lambert.zip", false).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("<td>4</td><td><code>99999</code></td><td>Territoire parent inconnu"),
        "{body}"
    );
    assert!(body.contains("sda-munic_s"), "{body}");
    assert_eq!(count_level(&app, "municipality").await, 0);

    let (status, body) = upload(&app, &admin, "munic_s_lambert.zip", true).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("3 créé(s)"), "{body}");
    let tr = territories::by_code(&app.state.db, territories::Level::Municipality, "37067")
        .await
        .expect("read")
        .expect("37067");
    // Accents read from the Windows-1252 table, the point back in degrees.
    assert_eq!(tr.name, "Trois-Rivières");
    let (lat, lon) = tr.point().expect("centroid");
    assert!(
        (lat - 46.375).abs() < 1e-5 && (lon + 72.575).abs() < 1e-5,
        "{lat} {lon}"
    );
    let boundary: Option<String> =
        sqlx::query_scalar("SELECT boundary FROM territories WHERE id = $1")
            .bind(tr.id)
            .fetch_one(&app.state.db.pool)
            .await
            .expect("boundary");
    assert!(boundary.is_some_and(|b| b.contains("Polygon")));

    // The same places, geographic and UTF-8: nothing changes.
    let (status, body) = upload(&app, &admin, "munic_s_nad83.zip", false).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("0 créé(s), 0 mis à jour, 3 inchangé(s)"),
        "{body}"
    );

    // An archive without a shapefile is refused with its reason.
    let csrf = app.csrf(&admin, "/admin/territories").await;
    let zip_of_text = b"PK\x03\x04".to_vec();
    let res = admin
        .post(app.at("/admin/territories"))
        .multipart(
            Form::new()
                .text("csrf", csrf)
                .part("file", Part::bytes(zip_of_text).file_name("couches.zip")),
        )
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), 422);
    let body = res.text().await.expect("body");
    assert!(body.contains("ni un fichier de formes"), "{body}");
}

#[tokio::test]
async fn a_community_is_placed_by_typing_a_name_and_rolls_up_to_its_region() {
    let app = TestApp::spawn().await;
    import_fixtures(&app).await;
    let (alice, _) = app.logged_in("alice", false).await;

    let create = |name: &'static str, territory: &'static str| {
        let app = &app;
        let alice = &alice;
        async move {
            app.post_form(
                alice,
                "/c/new",
                "/c/new",
                &[
                    ("name", name),
                    ("slug", ""),
                    ("description", "Entraide locale."),
                    ("theme", "economie-sociale"),
                    ("territory", territory),
                    ("visibility", "open"),
                    ("join_policy", "open"),
                ],
            )
            .await
        }
    };
    // "Trois-Rivières" is both the MRC and the city: the person is asked which.
    let res = create("Cuisines collectives", "Trois-Rivières").await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.expect("body");
    assert!(
        body.contains("Plusieurs territoires portent ce nom"),
        "{body}"
    );
    // Unknown names are refused.
    let res = create("Cuisines collectives", "Atlantide").await;
    assert_eq!(res.status(), 422);
    // "Name (Parent)" settles it: the MRC, under Mauricie.
    let res = create("Cuisines collectives", "trois-rivieres (Mauricie)").await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let placed: String = sqlx::query_scalar(
        "SELECT t.slug FROM community_territories ct JOIN territories t ON t.id = ct.territory_id \
         JOIN communities c ON c.id = ct.community_id WHERE c.slug = 'cuisines-collectives'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .expect("placed");
    assert_eq!(placed, "trois-rivieres");

    // The region's page shows it; so does the province's count for Mauricie.
    let anon = app.client();
    let (_, body) = get(&anon, app.at("/t/mauricie")).await;
    assert!(body.contains("href=\"/c/cuisines-collectives\""), "{body}");
    let (_, body) = get(&anon, app.at("/t/quebec")).await;
    assert!(body.contains("<a href=\"/t/mauricie\">Mauricie</a> <span class=\"muted\">Région administrative · 1 communauté</span>"), "{body}");
    // The directory's territory filter rolls up too.
    let (_, body) = get(&anon, app.at("/c?territory=mauricie")).await;
    assert!(body.contains("/c/cuisines-collectives"));
    let (_, body) = get(&anon, app.at("/c?territory=capitale-nationale")).await;
    assert!(!body.contains("/c/cuisines-collectives"));

    // Settings show the place as typed, and moving it to the city moves it.
    let (_, body) = get(&alice, app.at("/c/cuisines-collectives/settings")).await;
    assert!(
        body.contains("value=\"Trois-Rivières (Mauricie)\""),
        "{body}"
    );

    // The name search (the picker without JavaScript) finds both, accents or not.
    let (_, body) = get(&anon, app.at("/t?q=trois+rivi")).await;
    assert!(
        body.contains("<code>Trois-Rivières (Mauricie)</code>")
            && body.contains("<code>Trois-Rivières (Trois-Rivières)</code>"),
        "{body}"
    );
}

/// Anonymous visitors get territory pages and maps from the in-process
/// cache (crates/core/src/cache.rs), validated by the content version that
/// triggers bump in the same transaction as a change — through an
/// operation or any other writer (a CLI, another node: here plain SQL).
#[tokio::test]
async fn anonymous_territory_pages_are_cached_and_follow_every_change() {
    let app = TestApp::spawn().await;
    import_fixtures(&app).await;
    let (alice, _) = app.logged_in("alice", false).await;
    let res = app
        .post_form(
            &alice,
            "/c/new",
            "/c/new",
            &[
                ("name", "Cuisines collectives"),
                ("slug", ""),
                ("description", "Entraide locale."),
                ("theme", "economie-sociale"),
                ("territory", "trois-rivieres (Mauricie)"),
                ("visibility", "open"),
                ("join_policy", "open"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let anon = app.client();
    let version = || async {
        passerelles::cache::content_version(&app.state.db)
            .await
            .expect("version")
    };

    let (_, first) = get(&anon, app.at("/t/mauricie")).await;
    assert!(
        first.contains("href=\"/c/cuisines-collectives\""),
        "{first}"
    );
    let (_, map) = get(&anon, app.at("/t/trois-rivieres/map")).await;
    assert!(
        map.contains("<a href=\"/c/cuisines-collectives\" class=\"map-community\""),
        "{map}"
    );
    let kept = app.state.pages.len();
    assert!(kept >= 2, "both pages kept: {kept}");
    // Nothing changed: the same number, the pages come from the cache.
    let v = version().await;
    let (_, again) = get(&anon, app.at("/t/mauricie")).await;
    assert_eq!(version().await, v);
    assert_eq!(app.state.pages.len(), kept);
    assert!(again.contains("href=\"/c/cuisines-collectives\""));

    // The community turns private (plain SQL, as another writer would):
    // the number moves on and anonymous visitors no longer see it, on the
    // page, in the counts or on the map.
    sqlx::query(
        "UPDATE communities SET visibility = 'private' WHERE slug = 'cuisines-collectives'",
    )
    .execute(&app.state.db.pool)
    .await
    .expect("private");
    assert!(version().await > v, "the trigger bumped the number");
    let (_, body) = get(&anon, app.at("/t/mauricie")).await;
    assert!(!body.contains("/c/cuisines-collectives"), "{body}");
    let (_, body) = get(&anon, app.at("/t/trois-rivieres/map")).await;
    assert!(!body.contains("/c/cuisines-collectives"), "{body}");
    let (_, body) = get(&anon, app.at("/t/quebec")).await;
    assert!(
        body.contains("<a href=\"/t/mauricie\">Mauricie</a> <span class=\"muted\">Région administrative · aucune communauté</span>"),
        "{body}"
    );
    // Its member still sees it (members get the page of their facts).
    let (_, body) = get(&alice, app.at("/t/mauricie")).await;
    assert!(body.contains("href=\"/c/cuisines-collectives\""), "{body}");

    // Open again, and renamed through a second statement: both show.
    sqlx::query("UPDATE communities SET visibility = 'open', name = 'Cuisines solidaires' WHERE slug = 'cuisines-collectives'")
        .execute(&app.state.db.pool)
        .await
        .expect("open");
    let (_, body) = get(&anon, app.at("/t/mauricie")).await;
    assert!(body.contains("Cuisines solidaires"), "{body}");
    // Each language has its own copy.
    let res = anon
        .get(app.at("/t/mauricie"))
        .header("accept-language", "en")
        .send()
        .await
        .expect("get");
    let en = res.text().await.expect("body");
    assert!(
        en.contains("Administrative region") || en.contains("lang=\"en\""),
        "{en}"
    );
    assert!(!en.contains("Région administrative"), "{en}");
}

// ---- the permission matrix's territory rows ------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Vis {
    Open,
    Private,
    Unlisted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Viewer {
    Anonymous,
    Outsider,
    Member,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Channel {
    /// The community in the region page's list.
    PageList,
    /// Its publication in the region page's recent publications.
    PagePublication,
    /// The province page's count for the region.
    Count,
    /// A point of the municipality's map.
    Map,
    /// The region's RSS feed (built for an anonymous reader).
    Feed,
}

/// Written from the rules: open communities are seen by all; private and
/// unlisted ones only by their members and administrators; feeds are
/// anonymous whoever asks; publications of an unlisted community stay out
/// of listings for non-members except administrators (the tag pages' rule,
/// `policy::findable_communities_sql`).
fn expected(ch: Channel, vis: Vis, v: Viewer) -> bool {
    if vis == Vis::Open {
        return true;
    }
    match (ch, vis) {
        (Channel::Feed, _) => false,
        (Channel::PagePublication, Vis::Unlisted) => matches!(v, Viewer::Member | Viewer::Admin),
        _ => matches!(v, Viewer::Member | Viewer::Admin),
    }
}

#[tokio::test]
async fn territory_matrix_private_and_unlisted_stay_out_of_pages_counts_maps_and_feeds() {
    let app = TestApp::spawn().await;
    import_fixtures(&app).await;
    let owner = app.create_user("proprio", false).await;
    let owner_token = token_for(&app, &owner).await;
    let mut clients: HashMap<Viewer, reqwest::Client> = HashMap::new();
    clients.insert(Viewer::Anonymous, app.client());
    let (c, _) = app.logged_in("curieux", false).await;
    clients.insert(Viewer::Outsider, c);
    let (c, member_user) = app.logged_in("membre", false).await;
    clients.insert(Viewer::Member, c);
    let (c, _) = app.logged_in("gestionnaire", true).await;
    clients.insert(Viewer::Admin, c);

    // One community of each visibility, each alone in its own region's
    // municipality, with one publication.
    let places = [
        (Vis::Open, "ouverte", "37067", "mauricie"),
        (Vis::Private, "privee", "66023", "montreal"),
        (Vis::Unlisted, "discrete", "23027", "capitale-nationale"),
    ];
    for (vis, slug, code, _) in places {
        let visibility = match vis {
            Vis::Open => "open",
            Vis::Private => "private",
            Vis::Unlisted => "unlisted",
        };
        let id = community(&app, slug, visibility, "open", &owner).await;
        member(&app, id, &member_user, "member", "active").await;
        let t = territories::by_code(&app.state.db, territories::Level::Municipality, code)
            .await
            .expect("read")
            .expect("municipality");
        let mut tx = app.state.db.begin().await.expect("tx");
        territories::places::set_community_in(&mut tx, id, &[t.id])
            .await
            .expect("place");
        tx.commit().await.expect("commit");
        let res = reqwest::Client::new()
            .post(app.at("/api/v1/publications"))
            .bearer_auth(&owner_token)
            .json(&json!({
                "kind": "discussion",
                "title": format!("Nouvelle {slug}"),
                "body": "Une nouvelle locale.",
                "communities": [slug],
            }))
            .send()
            .await
            .expect("publish");
        assert_eq!(res.status(), 201);
    }

    let mut wrong = Vec::new();
    for (vis, slug, code, region) in places {
        let muni_slug = territories::by_code(&app.state.db, territories::Level::Municipality, code)
            .await
            .expect("read")
            .expect("municipality")
            .slug;
        for (viewer, client) in &clients {
            let (_, region_page) = get(client, app.at(&format!("/t/{region}"))).await;
            let (_, province) = get(client, app.at("/t/quebec")).await;
            let (_, map) = get(client, app.at(&format!("/t/{muni_slug}/map"))).await;
            let (_, feed) = get(client, app.at(&format!("/t/{region}/feed.rss"))).await;
            let seen = [
                (
                    Channel::PageList,
                    region_page.contains(&format!("href=\"/c/{slug}\"")),
                ),
                (
                    Channel::PagePublication,
                    region_page.contains(&format!("Nouvelle {slug}")),
                ),
                (
                    Channel::Count,
                    province.contains(&format!("href=\"/t/{region}\">")) && {
                        let at = province
                            .find(&format!("href=\"/t/{region}\">"))
                            .unwrap_or(0);
                        province[at..]
                            .split("</li>")
                            .next()
                            .unwrap_or("")
                            .contains("1 communauté")
                    },
                ),
                (
                    Channel::Map,
                    map.contains(&format!("<a href=\"/c/{slug}\" class=\"map-community\"")),
                ),
                (Channel::Feed, feed.contains(&format!("Nouvelle {slug}"))),
            ];
            for (ch, got) in seen {
                if got != expected(ch, vis, *viewer) {
                    wrong.push(format!("{ch:?} × {vis:?} × {viewer:?}: got {got}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "wrong cells:\n{}", wrong.join("\n"));

    // Search's territory filter includes sub-territories, through the same policy.
    let mut link = HashMap::new();
    for slug in ["ouverte", "privee", "discrete"] {
        let id: i64 = sqlx::query_scalar("SELECT id FROM publications WHERE title = $1")
            .bind(format!("Nouvelle {slug}"))
            .fetch_one(&app.state.db.pool)
            .await
            .expect("id");
        link.insert(slug, format!("href=\"/p/{id}\""));
    }
    let found = |body: &str| -> Vec<&str> {
        let mut v: Vec<&str> = ["ouverte", "privee", "discrete"]
            .into_iter()
            .filter(|s| body.contains(&link[s]))
            .collect();
        v.sort_unstable();
        v
    };
    let anon = &clients[&Viewer::Anonymous];
    let member = &clients[&Viewer::Member];
    let (_, body) = get(member, app.at("/search?q=nouvelle")).await;
    assert_eq!(
        found(&body),
        vec!["discrete", "ouverte", "privee"],
        "{body}"
    );
    let (_, body) = get(member, app.at("/search?q=nouvelle&territory=mauricie")).await;
    assert_eq!(found(&body), vec!["ouverte"], "{body}");
    let (_, body) = get(member, app.at("/search?q=nouvelle&territory=montreal")).await;
    assert_eq!(found(&body), vec!["privee"], "{body}");
    let (_, body) = get(member, app.at("/search?q=nouvelle&territory=quebec")).await;
    assert_eq!(
        found(&body),
        vec!["discrete", "ouverte", "privee"],
        "{body}"
    );
    let (_, body) = get(anon, app.at("/search?q=nouvelle&territory=montreal")).await;
    assert_eq!(found(&body), Vec::<&str>::new(), "{body}");
}

/// Members share cached territory pages only with members who hold the
/// same policy facts (`policy::VIEWER_FACTS_SQL`): a member of a private
/// community sees it, a member without facts gets the shared page without
/// it, and a membership gained or lost shows at once.
#[tokio::test]
async fn members_share_territory_pages_only_with_the_same_facts() {
    let app = TestApp::spawn().await;
    import_fixtures(&app).await;
    let (alice, _) = app.logged_in("alice", false).await;
    let res = app
        .post_form(
            &alice,
            "/c/new",
            "/c/new",
            &[
                ("name", "Cercle des élus"),
                ("slug", "cercle-elus"),
                ("description", "Entre élus."),
                ("theme", "economie-sociale"),
                ("territory", "trois-rivieres (Mauricie)"),
                ("visibility", "private"),
                ("join_policy", "request"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (bob, _) = app.logged_in("bob", false).await;
    let (carol, carol_user) = app.logged_in("carol", false).await;
    let has = |body: &str| body.contains("href=\"/c/cercle-elus\"");

    let (_, body) = get(&alice, app.at("/t/mauricie")).await;
    assert!(has(&body), "its owner sees it: {body}");
    let (_, body) = get(&bob, app.at("/t/mauricie")).await;
    assert!(!has(&body), "{body}");
    let kept = app.state.pages.len();
    // Carol holds the same facts as Bob (none): she gets his page, kept once.
    let (_, body) = get(&carol, app.at("/t/mauricie")).await;
    assert!(!has(&body), "{body}");
    assert_eq!(app.state.pages.len(), kept, "one page for both");
    let (_, map) = get(&carol, app.at("/t/trois-rivieres/map")).await;
    assert!(!has(&map), "{map}");

    // Carol is let in (another writer): she sees it at once, on the page
    // and the map; Bob still does not.
    let community: i64 =
        sqlx::query_scalar("SELECT id FROM communities WHERE slug = 'cercle-elus'")
            .fetch_one(&app.state.db.pool)
            .await
            .expect("community");
    sqlx::query(
        "INSERT INTO memberships (community_id, user_id, role, state, message, welcomed, created_at, updated_at) \
         VALUES ($1, $2, 'member', 'active', '', 0, 0, 0)",
    )
    .bind(community)
    .bind(carol_user.id)
    .execute(&app.state.db.pool)
    .await
    .expect("membership");
    let (_, body) = get(&carol, app.at("/t/mauricie")).await;
    assert!(has(&body), "{body}");
    let (_, map) = get(&carol, app.at("/t/trois-rivieres/map")).await;
    assert!(has(&map), "{map}");
    let (_, body) = get(&bob, app.at("/t/mauricie")).await;
    assert!(!has(&body), "{body}");
    let (_, body) = get(&alice, app.at("/t/mauricie")).await;
    assert!(has(&body), "{body}");

    // Banned: Carol loses it at once.
    sqlx::query("UPDATE memberships SET state = 'banned' WHERE community_id = $1 AND user_id = $2")
        .bind(community)
        .bind(carol_user.id)
        .execute(&app.state.db.pool)
        .await
        .expect("ban");
    let (_, body) = get(&carol, app.at("/t/mauricie")).await;
    assert!(!has(&body), "{body}");
    let (_, body) = get(&alice, app.at("/t/mauricie")).await;
    assert!(has(&body), "{body}");
}
