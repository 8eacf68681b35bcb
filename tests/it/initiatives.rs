//! Initiatives over real HTTP: a member proposes (seen by the proposer and
//! moderators only), a moderator validates from the queue, the list, the
//! GeoJSON (read by Python's `geojson` and `shapely`), the GoGoCarto export
//! (checked against the documented example), the import with its per-line
//! report, and the API.

use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::organisations::{create_org, input_value, places};
use crate::writing::{get, token_for};

async fn propose(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    app.post_form(client, "/initiatives/new", "/initiatives/new", fields)
        .await
}

async fn status(client: &reqwest::Client, url: String) -> u16 {
    client.get(url).send().await.expect("get").status().as_u16()
}

#[tokio::test]
async fn a_member_proposes_and_a_moderator_validates() {
    let app = TestApp::spawn().await;
    places(&app).await;
    let (member, _) = app.logged_in("camille", false).await;
    let (other, _) = app.logged_in("dominique", false).await;
    let (admin, _) = app.logged_in("gestion", true).await;
    let anon = app.client();
    assert_eq!(
        create_org(&app, &member, &[("name", "Coop du Coin")])
            .await
            .status(),
        303
    );

    // Invalid opening hours: 422, everything typed kept.
    let res = propose(
        &app,
        &member,
        &[
            ("name", "Café réparation du quartier"),
            ("category", "reparation"),
            ("territory", "trois-rivieres"),
            ("organisation", "coop-du-coin"),
            ("opening_hours", "lundi 9h à 17h"),
            ("description", "On répare *ensemble*."),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("format OpenStreetMap"), "{body}");
    assert_eq!(
        input_value(&body, "opening_hours").as_deref(),
        Some("lundi 9h à 17h")
    );
    assert_eq!(
        input_value(&body, "name").as_deref(),
        Some("Café réparation du quartier")
    );
    assert!(body.contains("value=\"reparation\" selected"));

    let res = propose(
        &app,
        &member,
        &[
            ("name", "Café réparation du quartier"),
            ("category", "reparation"),
            ("territory", "trois-rivieres"),
            ("organisation", "coop-du-coin"),
            (
                "opening_hours",
                "Mo-Fr 09:00-12:00,13:00-17:00; Sa 10:00-14:00; PH off",
            ),
            ("description", "On répare *ensemble*."),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let path = res.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(path, "/i/cafe-reparation-du-quartier");

    // Proposed: the proposer and moderators only.
    let (s, page) = get(&member, app.at(&path)).await;
    assert_eq!(s, 200);
    assert!(page.contains("En attente de validation"));
    assert!(
        page.contains("Lundi : 09:00-12:00,13:00-17:00"),
        "weekly hours"
    );
    assert_eq!(status(&other, app.at(&path)).await, 404);
    assert_eq!(status(&anon, app.at(&path)).await, 404);
    let (_, list) = get(&anon, app.at("/initiatives")).await;
    assert!(!list.contains("Café réparation du quartier"));
    let (_, geo) = get(&other, app.at("/initiatives.geojson")).await;
    assert!(!geo.contains("Café réparation du quartier"));
    let pts = passerelles::initiatives::points::visible_points(
        &app.state.db,
        None,
        Some(territory_id(&app, "mauricie").await),
        100,
    )
    .await
    .unwrap();
    assert!(pts.is_empty(), "nothing visible on the map yet: {pts:?}");

    // The queue: moderators only.
    assert_eq!(status(&other, app.at("/initiatives/queue")).await, 403);
    let (_, q) = get(&admin, app.at("/initiatives/queue")).await;
    assert!(q.contains("Café réparation du quartier"));
    let id: i64 = sqlx::query_scalar("SELECT id FROM initiatives")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    // A member cannot decide (whatever the id: nothing is revealed).
    let res = app
        .post_form(
            &other,
            "/initiatives",
            &format!("/i/{id}/decide"),
            &[("decision", "validate")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .post_form(
            &admin,
            "/initiatives/queue",
            &format!("/i/{id}/decide"),
            &[("decision", "validate"), ("back", "queue")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/initiatives/queue");

    // Validated: everyone; by id too; the unverified organisation is not named.
    assert_eq!(status(&anon, app.at(&path)).await, 200);
    assert_eq!(status(&anon, app.at(&format!("/i/{id}"))).await, 200);
    let (_, page) = get(&anon, app.at(&path)).await;
    assert!(!page.contains("/o/coop-du-coin"));
    let (_, page) = get(&member, app.at(&path)).await;
    assert!(
        page.contains("/o/coop-du-coin"),
        "its member sees the organisation"
    );
    for (q, expected) in [
        ("", true),
        ("?category=reparation", true),
        ("?category=jardin", false),
        ("?territory=mauricie", true),
        ("?territory=mrc-trois-rivieres", true),
        ("?territory=estrie", false),
    ] {
        let (_, list) = get(&anon, app.at(&format!("/initiatives{q}"))).await;
        assert_eq!(
            list.contains("Café réparation du quartier"),
            expected,
            "list {q}"
        );
        let (_, geo) = get(&anon, app.at(&format!("/initiatives.geojson{q}"))).await;
        let geo: Value = serde_json::from_str(&geo).unwrap();
        assert_eq!(
            geo["features"].as_array().unwrap().len(),
            usize::from(expected),
            "geojson {q}"
        );
    }
    let (_, geo) = get(&anon, app.at("/initiatives.geojson")).await;
    let geo: Value = serde_json::from_str(&geo).unwrap();
    assert!(geo["features"][0]["properties"]["organisation"].is_null());
    assert_eq!(
        geo["features"][0]["geometry"]["coordinates"],
        json!([-72.543, 46.3432])
    );
    let pts = passerelles::initiatives::points::visible_points(
        &app.state.db,
        None,
        Some(territory_id(&app, "mauricie").await),
        100,
    )
    .await
    .unwrap();
    assert_eq!(pts.len(), 1);
    assert_eq!(pts[0].url, "/i/cafe-reparation-du-quartier");
    let pts = passerelles::initiatives::points::visible_points(
        &app.state.db,
        None,
        Some(territory_id(&app, "estrie").await),
        100,
    )
    .await
    .unwrap();
    assert!(pts.is_empty());

    // The proposer may no longer edit a validated initiative.
    assert_eq!(status(&member, app.at(&format!("{path}/edit"))).await, 403);
    assert_eq!(status(&admin, app.at(&format!("{path}/edit"))).await, 200);
}

/// GoGoCarto's documented element (pixelhumain/GoGoCartoJs,
/// docs/dataset-element-configuration.md), with its single-quoted string
/// made valid JSON.
const GOGOCARTO_EXAMPLE: &str = r#"{
  "id": "wd40",
  "title": "GoGo Example",
  "geo": { "latitude": 46.3252, "longitude": -0.0339 },
  "taxonomy": [ 10427, "Market" ],
  "address": {
    "streetAddress": "5 rue Edmond Proust",
    "addressLocality": "Chenay",
    "postalCode": "79120",
    "addressCountry": "FR"
  },
  "image": "http://my.image.fr/06",
  "description": "Short Description",
  "descriptionMore": "Additionnal Longer Description",
  "email": "example@gogocarto.fr",
  "telephone": "055452545",
  "website": "https://example.fr",
  "openHours": { "Mo": "09:00-12:00", "Fr": "09:00-11:30 & 5pm to 9pm" },
  "openHoursString": "Fermé pendant les vacances d'été"
}"#;

/// Every key of the documented example is in ours, with the same JSON type
/// (recursively for objects); arrays hold strings or numbers.
fn same_shape(doc: &Value, ours: &Value, path: &str) {
    match (doc, ours) {
        (Value::Object(d), Value::Object(o)) => {
            for (k, v) in d {
                // openHours' keys are days: ours has the days it is open.
                if path == ".openHours" {
                    continue;
                }
                let got = o.get(k).unwrap_or_else(|| panic!("missing {path}.{k}"));
                same_shape(v, got, &format!("{path}.{k}"));
            }
            if path == ".openHours" {
                assert!(
                    o.keys()
                        .all(|k| ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"].contains(&k.as_str()))
                );
                assert!(o.values().all(Value::is_string));
            }
        }
        (Value::Array(_), Value::Array(o)) => {
            assert!(o.iter().all(|x| x.is_string() || x.is_number()), "{path}");
        }
        (Value::String(_), Value::String(_)) | (Value::Number(_), Value::Number(_)) => {}
        (d, o) => panic!("{path}: documented {d}, ours {o}"),
    }
}

#[tokio::test]
async fn geojson_is_read_by_python_and_gogocarto_matches_the_documented_example() {
    let app = TestApp::spawn().await;
    places(&app).await;
    let (admin, _) = app.logged_in("gestion", true).await;
    // The region keeps no centroid here, so an initiative placed only on it has no point.
    sqlx::query("UPDATE territories SET lat = NULL, lon = NULL WHERE slug = 'mauricie'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    for (name, cat, terr, hours) in [
        (
            "Jardin des Forges",
            "jardin",
            "trois-rivieres",
            "Mo-Su 08:00-20:00",
        ),
        ("Frigo partagé Sainte-Ursule", "frigo", "mauricie", "24/7"),
        (
            "Épicerie « Le Panier »",
            "epicerie",
            "trois-rivieres",
            "Tu-Sa 10:00-18:00; Su off",
        ),
    ] {
        let res = propose(
            &app,
            &admin,
            &[
                ("name", name),
                ("category", cat),
                ("territory", terr),
                ("opening_hours", hours),
                ("contact", "info@exemple.qc.ca"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303, "{name}");
    }
    // Mauricie has no centroid here: that one has no point and stays off the map.
    sqlx::query("UPDATE initiatives SET status = 'validated'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let anon = app.client();
    let (_, text) = get(&anon, app.at("/initiatives.geojson")).await;
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["features"].as_array().unwrap().len(), 2);

    // An independent reader: Python's geojson and shapely.
    let venv = format!("{}/tests/rp/.venv/bin/python3", env!("CARGO_MANIFEST_DIR"));
    let python = if std::path::Path::new(&venv).exists() {
        venv.as_str()
    } else {
        "python3"
    };
    let available = std::process::Command::new(python)
        .args(["-c", "import geojson, shapely"])
        .status()
        .is_ok_and(|s| s.success());
    if available {
        let script = r#"
import sys, json, geojson
from shapely.geometry import shape, box
doc = geojson.loads(sys.stdin.read())
assert isinstance(doc, geojson.FeatureCollection), type(doc)
assert doc.is_valid, doc.errors()
quebec = box(-80.0, 44.9, -57.0, 63.0)
n = 0
for f in doc["features"]:
    assert isinstance(f, geojson.Feature)
    g = shape(f["geometry"])
    assert g.geom_type == "Point" and g.is_valid, g
    assert quebec.contains(g), g
    assert f["properties"]["url"].startswith("http")
    n += 1
print(n)
"#;
        for url in [
            "/initiatives.geojson",
            "/api/v1/initiatives.geojson",
            "/organisations.geojson",
        ] {
            let (_, text) = get(&anon, app.at(url)).await;
            let mut child = std::process::Command::new(python)
                .args(["-c", script])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{url}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let n: usize = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
            let expected = if url.starts_with("/organisations") {
                0
            } else {
                2
            };
            assert_eq!(n, expected, "{url}");
        }
    } else if std::env::var("PASSERELLES_REQUIRE_RP").is_ok_and(|v| v == "1") {
        panic!("Python geojson and shapely are required (PASSERELLES_REQUIRE_RP=1)");
    } else {
        eprintln!("SKIPPED: Python geojson/shapely not installed (scripts/test --install-rp)");
    }

    // GoGoCarto: the documented element's shape, element by element.
    let (s, text) = get(&anon, app.at("/initiatives/gogocarto.json")).await;
    assert_eq!(s, 200);
    let v: Value = serde_json::from_str(&text).unwrap();
    let doc: Value = serde_json::from_str(GOGOCARTO_EXAMPLE).unwrap();
    let data = v["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    for el in data {
        same_shape(&doc, el, "");
    }
    let jardin = data
        .iter()
        .find(|e| e["title"] == "Jardin des Forges")
        .unwrap();
    assert_eq!(jardin["geo"]["latitude"], 46.3432);
    assert_eq!(jardin["taxonomy"][0], "Jardin communautaire");
    assert_eq!(jardin["address"]["addressLocality"], "Trois-Rivières");
    assert_eq!(jardin["openHours"]["Su"], "08:00-20:00");
    assert_eq!(jardin["email"], "info@exemple.qc.ca");
    let epicerie = data
        .iter()
        .find(|e| e["title"] == "Épicerie « Le Panier »")
        .unwrap();
    assert!(epicerie["openHours"].get("Mo").is_none() && epicerie["openHours"].get("Su").is_none());
    assert_eq!(epicerie["openHours"]["Tu"], "10:00-18:00");
}

async fn import(
    app: &TestApp,
    admin: &reqwest::Client,
    format: &str,
    source: &str,
    content: &str,
    skip: bool,
) -> (u16, String) {
    let csrf = app.csrf(admin, "/admin/initiatives/import").await;
    let mut form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("format", format.to_string())
        .text("source", source.to_string())
        .text("content", content.to_string());
    if skip {
        form = form.text("skip", "1");
    }
    let res = admin
        .post(app.at("/admin/initiatives/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let s = res.status().as_u16();
    (s, res.text().await.unwrap())
}

async fn count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM initiatives")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn import_reports_per_line_changes_nothing_on_errors_and_is_idempotent() {
    let app = TestApp::spawn().await;
    places(&app).await;
    let (admin, _) = app.logged_in("gestion", true).await;
    let (member, _) = app.logged_in("camille", false).await;
    assert_eq!(
        status(&member, app.at("/admin/initiatives/import")).await,
        403
    );
    let geo = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-72.55, 46.35]},
         "properties": {"ref": "a1", "name": "Jardin Sainte-Cécile", "category": "jardin", "territory": "trois-rivieres", "opening_hours": "Mo-Su 08:00-20:00"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-72.56, 46.36]},
         "properties": {"ref": "a2", "name": "Frigo du Cap", "category": "frigo-inconnu", "territory": "trois-rivieres"}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
         "properties": {"ref": "a3", "name": "Ligne", "category": "autre"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-72.57, 46.37]},
         "properties": {"ref": "a4", "name": "Cuisine collective", "category": "cuisine", "opening_hours": "Mo 25:00-26:00"}}
    ]})
    .to_string();
    let (s, body) = import(&app, &admin, "geojson", "carte-mauricie", &geo, false).await;
    assert_eq!(s, 422);
    assert!(body.contains("Rien n’a été importé"), "{body}");
    assert!(
        body.contains("category : Ce choix n’est pas valide."),
        "line 2 reported"
    );
    assert!(
        body.contains("geometry : La géométrie doit être un point"),
        "line 3 reported"
    );
    assert!(
        body.contains("opening_hours : Ces heures"),
        "line 4 reported"
    );
    assert_eq!(count(&app).await, 0, "nothing changed");

    let (s, body) = import(&app, &admin, "geojson", "carte-mauricie", &geo, true).await;
    assert_eq!(s, 200, "{body}");
    assert!(
        body.contains("1 créée") && body.contains("3 erreurs"),
        "{body}"
    );
    assert_eq!(count(&app).await, 1);
    // Again: nothing changes.
    let (_, body) = import(&app, &admin, "geojson", "carte-mauricie", &geo, true).await;
    assert!(
        body.contains("1 inchangée") && body.contains("0 créée"),
        "{body}"
    );
    assert_eq!(count(&app).await, 1);
    // Imported initiatives are validated: on the public list.
    let (_, list) = get(&app.client(), app.at("/initiatives?territory=mauricie")).await;
    assert!(list.contains("Jardin Sainte-Cécile"));

    // CSV: quoted fields, an update by reference, a duplicate reference.
    let csv = "ref,name,category,lat,lon,territory,opening_hours,description\r\n\
               a1,Jardin Sainte-Cécile,jardin,46.35,-72.55,trois-rivieres,\"Mo-Su 08:00-21:00\",\"Un jardin, ouvert à tous\"\r\n\
               b1,\"Ressourcerie \"\"La Seconde\"\"\",ressourcerie,46.34,-72.54,trois-rivieres,,\r\n\
               b1,Doublon,autre,46.34,-72.54,,,\r\n";
    let (s, body) = import(&app, &admin, "csv", "carte-mauricie", csv, false).await;
    assert_eq!(s, 422);
    assert!(
        body.contains("Cette référence apparaît déjà plus haut"),
        "{body}"
    );
    assert_eq!(count(&app).await, 1);
    let (s, body) = import(&app, &admin, "csv", "carte-mauricie", csv, true).await;
    assert_eq!(s, 200);
    assert!(
        body.contains("1 mise à jour") && body.contains("1 créée"),
        "{body}"
    );
    let hours: String = sqlx::query_scalar(
        "SELECT opening_hours FROM initiatives WHERE external_ref = 'carte-mauricie:a1'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(hours, "Mo-Su 08:00-21:00");
    let name: String =
        sqlx::query_scalar("SELECT name FROM initiatives WHERE external_ref = 'carte-mauricie:b1'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(name, "Ressourcerie \"La Seconde\"");
    let (_, body) = import(&app, &admin, "csv", "carte-mauricie", csv, true).await;
    assert!(body.contains("2 inchangées"), "{body}");
    assert_eq!(count(&app).await, 2);
}

#[tokio::test]
async fn the_api_proposes_and_decides() {
    let app = TestApp::spawn().await;
    places(&app).await;
    let member = app.create_user("camille", false).await;
    let admin = app.create_user("gestion", true).await;
    let (mt, at) = (
        token_for(&app, &member).await,
        token_for(&app, &admin).await,
    );
    let http = reqwest::Client::new();
    let res = http
        .post(app.at("/api/v1/initiatives"))
        .bearer_auth(&mt)
        .json(&json!({"name": "Vélos partagés", "category": "mobilite", "territory": "trois-rivieres", "opening_hours": "Mo-Fr 8:00-17:00"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let v: Value = res.json().await.unwrap();
    assert!(v["error"]["fields"]["opening_hours"].is_string(), "{v}");
    let res = http
        .post(app.at("/api/v1/initiatives"))
        .bearer_auth(&mt)
        .json(&json!({"name": "Vélos partagés", "category": "mobilite", "territory": "trois-rivieres"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["status"], "proposed");
    assert_eq!(
        status(&http, app.at("/api/v1/initiatives/velos-partages")).await,
        404
    );
    let res = http
        .post(app.at("/api/v1/initiatives/velos-partages/decision"))
        .bearer_auth(&mt)
        .json(&json!({"decision": "validate"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let queue: Value = http
        .get(app.at("/api/v1/initiatives?status=proposed"))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(queue["items"][0]["slug"], "velos-partages");
    let res = http
        .post(app.at("/api/v1/initiatives/velos-partages/decision"))
        .bearer_auth(&at)
        .json(&json!({"decision": "validate"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        status(&http, app.at("/api/v1/initiatives/velos-partages")).await,
        200
    );
}

/// A territory's id by slug (the map's points take a resolved territory).
async fn territory_id(app: &TestApp, slug: &str) -> i64 {
    passerelles::territories::by_slug(&app.state.db, slug)
        .await
        .unwrap()
        .expect("a known territory")
        .id
}
