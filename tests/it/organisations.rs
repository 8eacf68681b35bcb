//! Organisations over real HTTP: creation by a member (unverified, out of
//! the public directory), verification by an administrator, the directory's
//! filters with territory roll-up, CSV and GeoJSON exports, forms that keep
//! what was typed, members and the last admin, custom sections, claims, the
//! change log, the logo, the API, and the optional geocoder (off by default,
//! then called once per address through the guarded fetcher).

#![allow(dead_code)]

use serde_json::Value;

use crate::harness::TestApp;
use crate::writing::{get, token_for};

/// A demo MRC under Mauricie and a municipality in it, with centroids and
/// closure rows, inserted as the territories importer would. Returns
/// (mrc id, municipality id).
pub async fn places(app: &TestApp) -> (i64, i64) {
    let db = &app.state.db.pool;
    let region: i64 = sqlx::query_scalar("SELECT id FROM territories WHERE slug = 'mauricie'")
        .fetch_one(db)
        .await
        .expect("region");
    let mut ids = Vec::new();
    let mut parent = region;
    for (level, code, slug, name, depth, lat, lon) in [
        (
            "mrc",
            "371",
            "mrc-trois-rivieres",
            "Trois-Rivières (TÉ)",
            2,
            46.40,
            -72.60,
        ),
        (
            "municipality",
            "37067",
            "trois-rivieres",
            "Trois-Rivières",
            3,
            46.3432,
            -72.5430,
        ),
    ] {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO territories (parent_id, level, code, slug, name, name_key, depth, lat, lon, source, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $4, $6, $7, $8, 'test', 0, 0) RETURNING id",
        )
        .bind(parent)
        .bind(level)
        .bind(code)
        .bind(slug)
        .bind(name)
        .bind(depth as i64)
        .bind(lat)
        .bind(lon)
        .fetch_one(db)
        .await
        .expect("territory");
        sqlx::query(
            "INSERT INTO territory_closure (ancestor_id, descendant_id, distance) \
             SELECT ancestor_id, $1, distance + 1 FROM territory_closure WHERE descendant_id = $2",
        )
        .bind(id)
        .bind(parent)
        .execute(db)
        .await
        .expect("closure");
        sqlx::query("INSERT INTO territory_closure (ancestor_id, descendant_id, distance) VALUES ($1, $1, 0)")
            .bind(id)
            .execute(db)
            .await
            .expect("closure self");
        ids.push(id);
        parent = id;
    }
    (ids[0], ids[1])
}

/// The value of the input named `name` (whatever the order of its
/// attributes), unescaped.
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[at..tag_end];
    let v = tag.find("value=\"")? + 7;
    let end = tag[v..].find('"')?;
    Some(crate::harness::html_unescape(&tag[v..v + end]))
}

/// Create an organisation through the form as `client`; returns the
/// response.
pub async fn create_org(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    app.post_form(client, "/organisations/new", "/organisations/new", fields)
        .await
}

/// Verify an organisation as an administrator.
pub async fn verify(app: &TestApp, admin: &reqwest::Client, slug: &str) {
    let res = app
        .post_form(
            admin,
            &format!("/o/{slug}"),
            &format!("/o/{slug}/decide"),
            &[("decision", "verify"), ("note", "")],
        )
        .await;
    assert_eq!(res.status(), 303, "verify {slug}");
}

async fn status(client: &reqwest::Client, url: String) -> u16 {
    client.get(url).send().await.expect("get").status().as_u16()
}

#[tokio::test]
async fn a_member_creates_an_organisation_an_admin_verifies_it_and_the_directory_rolls_up() {
    let app = TestApp::spawn().await;
    places(&app).await;
    let (member, _) = app.logged_in("camille", false).await;
    let (admin, _) = app.logged_in("gestion", true).await;
    let anon = app.client();

    // A wrong NEQ and link: 422, everything typed kept, errors tied to fields.
    let res = create_org(
        &app,
        &member,
        &[
            ("name", "Coop du Coin"),
            ("description", "Une **épicerie** coopérative."),
            ("neq", "12345"),
            ("website", "pas une adresse"),
            ("legal_form", "cooperative"),
            ("sectors", "alimentation"),
            ("sectors", "environnement"),
            ("territories", "mauricie"),
            ("place", "trois-rivieres"),
            ("address", "123, rue des Forges"),
            ("visibility", "public"),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Le NEQ compte exactement 10 chiffres."),
        "{body}"
    );
    assert!(body.contains("id=\"f-neq-error\""));
    assert_eq!(input_value(&body, "name").as_deref(), Some("Coop du Coin"));
    assert_eq!(input_value(&body, "neq").as_deref(), Some("12345"));
    assert_eq!(
        input_value(&body, "address").as_deref(),
        Some("123, rue des Forges")
    );
    assert!(
        body.contains("value=\"environnement\" checked"),
        "sectors kept"
    );
    assert!(body.contains("Une **épicerie** coopérative."));

    let res = create_org(
        &app,
        &member,
        &[
            ("name", "Coop du Coin"),
            ("description", "Une **épicerie** coopérative."),
            ("neq", "114 345 6789"),
            ("website", "https://coopducoin.example"),
            ("legal_form", "cooperative"),
            ("sectors", "alimentation"),
            ("territories", "mauricie"),
            ("place", "trois-rivieres"),
            ("address", "123, rue des Forges"),
            ("visibility", "public"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/o/coop-du-coin");

    // Unverified: its member reads it, outsiders get 404, the directory,
    // CSV and GeoJSON leave it out for them.
    let (s, page) = get(&member, app.at("/o/coop-du-coin")).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("<strong>épicerie</strong>"),
        "Markdown rendered"
    );
    assert!(page.contains("1143456789"));
    assert!(page.contains("Non vérifiée"));
    assert_eq!(status(&anon, app.at("/o/coop-du-coin")).await, 404);
    let (_, dir) = get(&anon, app.at("/organisations")).await;
    assert!(!dir.contains("Coop du Coin"));
    let (_, csv) = get(&anon, app.at("/organisations.csv")).await;
    assert!(!csv.contains("Coop du Coin"));
    let (_, geo) = get(&anon, app.at("/organisations.geojson")).await;
    assert!(!geo.contains("Coop du Coin"));
    let (_, admin_queue) = get(&admin, app.at("/admin/organisations")).await;
    assert!(admin_queue.contains("Coop du Coin"));

    // The point defaults to the municipality's centroid (no geocoder).
    let (lat, lon, src): (Option<f64>, Option<f64>, String) = sqlx::query_as(
        "SELECT lat, lon, point_source FROM organisations WHERE slug = 'coop-du-coin'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(
        (lat, lon, src.as_str()),
        (Some(46.3432), Some(-72.543), "centroid")
    );

    verify(&app, &admin, "coop-du-coin").await;
    assert_eq!(status(&anon, app.at("/o/coop-du-coin")).await, 200);
    for (query, expected) in [
        ("", true),
        ("?territory=mauricie", true),
        ("?territory=quebec", true),
        ("?territory=mrc-trois-rivieres", true),
        ("?territory=trois-rivieres", true),
        ("?territory=estrie", false),
        ("?sector=alimentation", true),
        ("?sector=culture", false),
        ("?legal_form=cooperative", true),
        ("?legal_form=obnl", false),
        ("?q=coin", true),
    ] {
        let (_, dir) = get(&anon, app.at(&format!("/organisations{query}"))).await;
        assert_eq!(dir.contains("Coop du Coin"), expected, "directory {query}");
    }
    let (_, csv) = get(&anon, app.at("/organisations.csv?territory=mauricie")).await;
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains("Coop du Coin,http"), "{csv}");
    assert!(csv.contains("1143456789"));
    let (_, csv) = get(&anon, app.at("/organisations.csv?territory=estrie")).await;
    assert!(!csv.contains("Coop du Coin"));
    let (_, geo) = get(&anon, app.at("/organisations.geojson?territory=mauricie")).await;
    let geo: Value = serde_json::from_str(&geo).unwrap();
    assert_eq!(geo["features"][0]["properties"]["name"], "Coop du Coin");
    assert_eq!(geo["features"][0]["geometry"]["coordinates"][0], -72.543);

    // The change log lists what happened.
    let (_, page) = get(&member, app.at("/o/coop-du-coin")).await;
    assert!(
        page.contains("created") && page.contains("verified"),
        "change log"
    );
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'organisation_%'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(n, 2);
}

#[tokio::test]
async fn members_sections_claims_logo_and_editing() {
    let app = TestApp::spawn().await;
    places(&app).await;
    let (owner, _) = app.logged_in("porteuse", false).await;
    let (other, _) = app.logged_in("dominique", false).await;
    let (admin, _) = app.logged_in("gestion", true).await;
    let anon = app.client();
    assert_eq!(
        create_org(
            &app,
            &owner,
            &[
                ("name", "Ressourcerie de la Mauricie"),
                ("visibility", "public")
            ]
        )
        .await
        .status(),
        303
    );
    let slug = "ressourcerie-de-la-mauricie";
    verify(&app, &admin, slug).await;

    // Others may not edit.
    assert_eq!(
        status(&other, app.at(&format!("/o/{slug}/edit"))).await,
        403
    );
    assert_eq!(status(&anon, app.at(&format!("/o/{slug}/edit"))).await, 401);

    // Editing keeps typed values on errors, then saves.
    let res = app
        .post_form(
            &owner,
            &format!("/o/{slug}/edit"),
            &format!("/o/{slug}/edit"),
            &[
                ("name", "Ressourcerie de la Mauricie"),
                ("slug", slug),
                ("social", "https://social.example/@ress\nnot a link"),
                ("lat", "46.5"),
                ("lon", "999"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("not a link"));
    assert_eq!(input_value(&body, "lon").as_deref(), Some("999"));
    let res = app
        .post_form(
            &owner,
            &format!("/o/{slug}/edit"),
            &format!("/o/{slug}/edit"),
            &[
                ("name", "Ressourcerie de la Mauricie"),
                ("slug", slug),
                ("social", "https://social.example/@ress"),
                ("lat", "46.5"),
                ("lon", "-72.7"),
                ("email", "info@ress.example"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = get(&anon, app.at(&format!("/o/{slug}"))).await;
    assert!(page.contains("https://social.example/@ress"));
    assert!(page.contains("46.50000, -72.70000"));

    // Members: the last admin stays; a member added; then made admin.
    let owner_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'porteuse'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let res = app
        .post_form(
            &owner,
            &format!("/o/{slug}/members"),
            &format!("/o/{slug}/members/{owner_id}/remove"),
            &[],
        )
        .await;
    assert_eq!(res.status(), 409);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("au moins un administrateur")
    );
    let res = app
        .post_form(
            &owner,
            &format!("/o/{slug}/members"),
            &format!("/o/{slug}/members"),
            &[("username", "personne-inconnue"), ("role", "member")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(
        input_value(&res.text().await.unwrap(), "username").as_deref(),
        Some("personne-inconnue")
    );
    let res = app
        .post_form(
            &owner,
            &format!("/o/{slug}/members"),
            &format!("/o/{slug}/members"),
            &[("username", "dominique"), ("role", "member")],
        )
        .await;
    assert_eq!(res.status(), 303);
    // A member (not admin) still may not edit.
    assert_eq!(
        status(&other, app.at(&format!("/o/{slug}/edit"))).await,
        403
    );

    // Sections: refused when empty (typed title kept), then shown.
    let res = app
        .post_form(
            &owner,
            &format!("/o/{slug}/sections"),
            &format!("/o/{slug}/sections"),
            &[("title", "Nos heures"), ("body", "")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(
        input_value(&res.text().await.unwrap(), "title").as_deref(),
        Some("Nos heures")
    );
    let res = app
        .post_form(
            &owner,
            &format!("/o/{slug}/sections"),
            &format!("/o/{slug}/sections"),
            &[
                ("title", "Nos heures"),
                ("body", "Ouvert *tous* les samedis."),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, page) = get(&anon, app.at(&format!("/o/{slug}"))).await;
    assert!(page.contains("<h2>Nos heures</h2>") && page.contains("<em>tous</em>"));

    // A claim by someone not linked, granted by an administrator.
    let (claimer, _) = app.logged_in("sacha", false).await;
    let res = app
        .post_form(
            &claimer,
            &format!("/o/{slug}"),
            &format!("/o/{slug}/claim"),
            &[("note", "Je suis la directrice.")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, q) = get(&admin, app.at("/admin/organisations")).await;
    assert!(q.contains("Je suis la directrice."));
    let sacha: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'sacha'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(
        status(&claimer, app.at(&format!("/o/{slug}/edit"))).await,
        403
    );
    let res = app
        .post_form(
            &admin,
            "/admin/organisations",
            &format!("/admin/organisations/claims/{slug}/{sacha}"),
            &[("decision", "grant")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        status(&claimer, app.at(&format!("/o/{slug}/edit"))).await,
        200
    );

    // A logo: a real PNG is re-encoded and served from /media.
    let mut png = Vec::new();
    {
        let img = image::RgbaImage::from_pixel(40, 20, image::Rgba([10, 120, 60, 255]));
        image::DynamicImage::ImageRgba8(img)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
    }
    let csrf = app.csrf(&owner, &format!("/o/{slug}/edit")).await;
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
        "logo",
        reqwest::multipart::Part::bytes(png)
            .file_name("logo.png")
            .mime_str("image/png")
            .unwrap(),
    );
    let res = owner
        .post(app.at(&format!("/o/{slug}/logo")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, page) = get(&anon, app.at(&format!("/o/{slug}"))).await;
    // Served through its organisation, after the policy (never /media/{id}).
    let src = page
        .split("src=\"/o/")
        .nth(1)
        .expect("logo shown")
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(src.contains("/logo?v="), "{src}");
    let res = anon.get(app.at(&format!("/o/{src}"))).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "image/png");
    // Not an image: refused, nothing changed.
    let csrf = app.csrf(&owner, &format!("/o/{slug}/edit")).await;
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
        "logo",
        reqwest::multipart::Part::bytes(b"<svg/>".to_vec()).file_name("x.svg"),
    );
    let res = owner
        .post(app.at(&format!("/o/{slug}/logo")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn members_only_organisations_and_the_api() {
    let app = TestApp::spawn().await;
    places(&app).await;
    let owner = app.create_user("porteuse", false).await;
    let outsider = app.create_user("voisin", false).await;
    let owner_t = token_for(&app, &owner).await;
    let out_t = token_for(&app, &outsider).await;
    let http = reqwest::Client::new();
    // Created through the API: 422 with the form's keys, then 201.
    let res = http
        .post(app.at("/api/v1/organisations"))
        .bearer_auth(&owner_t)
        .json(&serde_json::json!({"name": "Collectif Vert", "neq": "abc", "sectors": ["environnement"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let v: Value = res.json().await.unwrap();
    assert!(v["error"]["fields"]["neq"].is_string(), "{v}");
    let res = http
        .post(app.at("/api/v1/organisations"))
        .bearer_auth(&owner_t)
        .json(&serde_json::json!({"name": "Collectif Vert", "sectors": ["environnement"], "visibility": "members", "place": "trois-rivieres"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["status"], "unverified");
    assert_eq!(v["sectors"][0], "environnement");
    // Verified but members-only: still hidden from outsiders everywhere.
    sqlx::query("UPDATE organisations SET status = 'verified'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    for (token, expected) in [(Some(&owner_t), 200), (Some(&out_t), 404), (None, 404)] {
        let mut r = http.get(app.at("/api/v1/organisations/collectif-vert"));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        assert_eq!(r.send().await.unwrap().status(), expected);
        let mut r = http.get(app.at("/api/v1/organisations?territory=mauricie"));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let list: Value = r.send().await.unwrap().json().await.unwrap();
        assert_eq!(
            list["items"].as_array().unwrap().len(),
            usize::from(expected == 200)
        );
        let mut r = http.get(app.at("/api/v1/organisations.geojson"));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let g: Value = r.send().await.unwrap().json().await.unwrap();
        assert_eq!(
            g["features"].as_array().unwrap().len(),
            usize::from(expected == 200)
        );
    }
    // An outsider may not change it; its admin may.
    let res = http
        .patch(app.at("/api/v1/organisations/collectif-vert"))
        .bearer_auth(&out_t)
        .json(&serde_json::json!({"name": "Pris"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = http
        .patch(app.at("/api/v1/organisations/collectif-vert"))
        .bearer_auth(&owner_t)
        .json(&serde_json::json!({"name": "Collectif Vert", "visibility": "public"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        status(&http, app.at("/api/v1/organisations/collectif-vert")).await,
        200
    );
    let doc: Value = http
        .get(app.at("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/organisations"].is_object());
    assert!(doc["paths"]["/api/v1/initiatives.geojson"].is_object());
}

/// A one-route HTTP server on loopback answering like Nominatim, counting
/// its requests.
async fn fake_nominatim() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::Ordering;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let h = hits.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let h = h.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = s.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                h.fetch_add(1, Ordering::SeqCst);
                let body = if req.contains("rue%20des%20Forges") || req.contains("rue+des+Forges") {
                    r#"[{"lat":"46.3501","lon":"-72.5480"}]"#
                } else {
                    "[]"
                };
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(resp.as_bytes()).await;
            });
        }
    });
    (format!("http://{addr}/search"), hits)
}

#[tokio::test]
async fn the_geocoder_is_off_by_default_then_asked_once_per_address() {
    use std::sync::atomic::Ordering;
    let (url, hits) = fake_nominatim().await;
    // SAFETY: each test runs in its own process under nextest; this one
    // allows only the fake server's loopback address to the guarded fetcher.
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let app = TestApp::spawn().await;
    places(&app).await;
    let (member, _) = app.logged_in("camille", false).await;
    let (admin, _) = app.logged_in("gestion", true).await;
    let fields = [
        ("name", "Atelier A"),
        ("address", "123, rue des Forges"),
        ("place", "trois-rivieres"),
    ];
    assert_eq!(create_org(&app, &member, &fields).await.status(), 303);
    assert_eq!(hits.load(Ordering::SeqCst), 0, "off by default: no request");
    // A bad URL is refused with the typed value kept.
    let res = app
        .post_form(
            &admin,
            "/admin/organisations",
            "/admin/organisations/geocoder",
            &[("geocoder_url", "nominatim")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(
        input_value(&res.text().await.unwrap(), "geocoder_url").as_deref(),
        Some("nominatim")
    );
    let res = app
        .post_form(
            &admin,
            "/admin/organisations",
            "/admin/organisations/geocoder",
            &[("geocoder_url", &url)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let fields = [
        ("name", "Atelier B"),
        ("address", "123, rue des Forges"),
        ("place", "trois-rivieres"),
    ];
    assert_eq!(create_org(&app, &member, &fields).await.status(), 303);
    let fields = [
        ("name", "Atelier C"),
        ("address", "123,  rue des Forges"),
        ("place", "trois-rivieres"),
    ];
    assert_eq!(create_org(&app, &member, &fields).await.status(), 303);
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "the second address came from the cache"
    );
    let rows: Vec<(String, Option<f64>, String)> =
        sqlx::query_as("SELECT slug, lat, point_source FROM organisations ORDER BY slug")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(
        rows[0],
        ("atelier-a".into(), Some(46.3432), "centroid".into())
    );
    assert_eq!(
        rows[1],
        ("atelier-b".into(), Some(46.3501), "geocoded".into())
    );
    assert_eq!(
        rows[2],
        ("atelier-c".into(), Some(46.3501), "geocoded".into())
    );
    // Not found: the centroid, and the negative answer is cached too.
    let fields = [
        ("name", "Atelier D"),
        ("address", "1 chemin Inconnu"),
        ("place", "trois-rivieres"),
    ];
    assert_eq!(create_org(&app, &member, &fields).await.status(), 303);
    let fields = [
        ("name", "Atelier E"),
        ("address", "1 chemin Inconnu"),
        ("place", "trois-rivieres"),
    ];
    assert_eq!(create_org(&app, &member, &fields).await.status(), 303);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    let src: String =
        sqlx::query_scalar("SELECT point_source FROM organisations WHERE slug = 'atelier-e'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(src, "centroid");
}

/// `User` of a username (for tests that need ids).
pub async fn user_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(name)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn seed_demo_places_organisations_and_initiatives_on_the_regions() {
    let app = TestApp::spawn().await;
    let sizes = passerelles::seed::Sizes {
        users: 43,
        communities: 2,
        publications: 10,
    };
    passerelles::seed::seed_sized(&app.state.db, sizes, 7, false)
        .await
        .expect("seed");
    let db = &app.state.db.pool;
    let orgs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organisations WHERE source = 'demo'")
        .fetch_one(db)
        .await
        .unwrap();
    let inits: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM initiatives WHERE source = 'demo'")
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!((orgs, inits), (8, 4));
    // Every one is placed on a shipped region, with a point in Québec.
    let unplaced: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM organisations o WHERE NOT EXISTS (SELECT 1 FROM territory_closure tc \
         JOIN territories r ON r.id = tc.ancestor_id AND r.level = 'region' WHERE tc.descendant_id = o.place_id) \
         OR o.lat < 44.9 OR o.lat > 63 OR o.lon < -80 OR o.lon > -57",
    )
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!(unplaced, 0);
    let (_, dir) = get(&app.client(), app.at("/organisations?territory=quebec")).await;
    assert!(
        dir.contains("(") && dir.contains("/o/"),
        "demo organisations listed"
    );
}
