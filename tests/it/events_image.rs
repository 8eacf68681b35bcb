//! An event's image (issue 15: "each event has … an image"), over real
//! HTTP on both engines: uploaded with the create form (multipart), shown
//! on the event page (responsive, with its text alternative), in the
//! agenda, in the page's schema.org JSON-LD, in the ActivityPub `Event`
//! (Mobilizon's "Banner" `Document`) and in public iCalendar feeds (RFC
//! 7986 `IMAGE`, read back by Python `icalendar` and `vobject`); replaced
//! and removed from the edit form; a bad, too large or too many-pixel file
//! refused with a message on its field and the form kept as typed; the
//! API's `PUT`/`DELETE …/image`; and a private community's event image
//! served to its members only.

use serde_json::Value;

use crate::harness::{TestApp, html_unescape};
use crate::writing::{community, get, member, token_for};

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

/// A PNG whose header declares 100,000 × 100,000 pixels (CRC fixed).
fn bomb() -> Vec<u8> {
    let mut p = png(8, 8);
    p[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    p[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let mut crc = 0xFFFF_FFFFu32;
    for &b in &p[12..29] {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    p[29..33].copy_from_slice(&(!crc).to_be_bytes());
    p
}

/// Post the event form (multipart) of `page` to `action`, with a file.
async fn send(
    app: &TestApp,
    client: &reqwest::Client,
    page: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, Vec<u8>)>,
) -> reqwest::Response {
    let csrf = app.csrf(client, page).await;
    let mut form = reqwest::multipart::Form::new().text("csrf", csrf);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some((name, bytes)) = file {
        form = form.part(
            "image",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    }
    client
        .post(app.at(page))
        .multipart(form)
        .send()
        .await
        .expect("post")
}

/// The event page's figure: its `src` (large), then its `srcset` (small,
/// large); empty without one.
fn figure_urls(html: &str, id: i64) -> Vec<String> {
    match html.split("id=\"event-image\"").nth(1) {
        Some(fig) => image_urls(fig.split("</figure>").next().unwrap_or(""), id),
        None => Vec::new(),
    }
}

/// The page's JSON-LD.
fn json_ld(html: &str) -> Value {
    serde_json::from_str(
        html.split("<script type=\"application/ld+json\">")
            .nth(1)
            .and_then(|s| s.split("</script>").next())
            .expect("json-ld"),
    )
    .expect("json")
}

/// `/e/{id}/image?v=N` addresses found in `html`, in order.
fn image_urls(html: &str, id: i64) -> Vec<String> {
    let needle = format!("/e/{id}/image?v=");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &html[i..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || "/?=".contains(c)))
                .unwrap_or(rest.len());
            rest[..end].to_string()
        })
        .collect()
}

async fn fetch(client: &reqwest::Client, url: String) -> (u16, String, String, Vec<u8>) {
    let res = client.get(url).send().await.expect("get");
    let st = res.status().as_u16();
    let h = |n: &str| {
        res.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (ct, cache) = (h("content-type"), h("cache-control"));
    (st, ct, cache, res.bytes().await.expect("bytes").to_vec())
}

fn dims(bytes: &[u8]) -> (u32, u32) {
    use image::GenericImageView;
    image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg)
        .expect("a JPEG")
        .dimensions()
}

async fn media_rows(app: &TestApp, ids: &[i64]) -> i64 {
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM media WHERE id IN ({list})"
    )))
    .fetch_one(&app.state.db.pool)
    .await
    .expect("count")
}

fn version(url: &str) -> i64 {
    url.rsplit('=')
        .next()
        .and_then(|v| v.parse().ok())
        .expect("v")
}

#[tokio::test]
async fn image_is_uploaded_shown_replaced_refused_and_removed_through_the_forms() {
    let app = TestApp::spawn().await;
    let (org, org_user) = app.logged_in("affichiste", false).await;
    community(&app, "affiches", "open", "open", &org_user).await;
    let anon = app.client();

    // The form is multipart and offers the image with its alternative.
    let (_, form) = get(&org, app.at("/events/new")).await;
    assert!(form.contains("enctype=\"multipart/form-data\""));
    assert!(form.contains("name=\"image\" type=\"file\""));
    assert!(form.contains("name=\"image_alt\""));

    // A valid image with a field refused elsewhere: everything typed comes
    // back, and the image field asks for the file again (a browser never
    // keeps a chosen file).
    let base = [
        ("title", "Corvée des semis"),
        ("communities", "affiches"),
        ("start", "2027-05-08T10:00"),
        ("end", "2027-05-08T12:00"),
        ("image_alt", "Affiche : une pelle et des semis"),
    ];
    let mut bad_end = base.to_vec();
    bad_end[3] = ("end", "2027-05-08T09:00");
    let res = send(
        &app,
        &org,
        "/events/new",
        &bad_end,
        Some(("affiche.png", png(1600, 900))),
    )
    .await;
    assert_eq!(res.status(), 422);
    let body = html_unescape(&res.text().await.expect("body"));
    assert!(body.contains("id=\"f-image-error\""), "{body}");
    assert!(body.contains("choisissez-la de nouveau"));
    assert!(body.contains("value=\"Affiche : une pelle et des semis\""));
    assert!(body.contains("value=\"Corvée des semis\""));

    // Created with its image.
    let res = send(
        &app,
        &org,
        "/events/new",
        &base,
        Some(("affiche.png", png(1600, 900))),
    )
    .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let path = res.headers()["location"].to_str().expect("loc").to_string();
    let id: i64 = path.trim_start_matches("/e/").parse().expect("id");
    let (_, page) = get(&anon, app.at(&path)).await;
    let page = html_unescape(&page);
    let urls = figure_urls(&page, id);
    assert_eq!(urls.len(), 3, "{page}");
    let (large, small) = (urls[0].clone(), urls[1].clone());
    assert_ne!(large, small);
    assert!(page.contains("alt=\"Affiche : une pelle et des semis\""));
    assert!(page.contains("width=\"1200\" height=\"675\""));
    assert!(page.contains(&format!("srcset=\"{small} 400w, {large} 1200w\"")));
    // schema.org JSON-LD: the absolute address of the large image.
    assert_eq!(json_ld(&page)["image"][0], app.at(&large));
    // The bytes: JPEG, fitted, public for an open community's event.
    let (st, ct, cache, bytes) = fetch(&anon, app.at(&large)).await;
    assert_eq!((st, ct.as_str()), (200, "image/jpeg"));
    assert!(cache.starts_with("public"), "{cache}");
    assert_eq!(dims(&bytes), (1200, 675));
    let (st, _, _, bytes) = fetch(&anon, app.at(&small)).await;
    assert_eq!(st, 200);
    assert_eq!(dims(&bytes), (400, 225));
    // The agenda shows the small one beside the title (decorative).
    let (_, agenda) = get(&anon, app.at("/events")).await;
    let agenda = html_unescape(&agenda);
    assert!(
        agenda.contains(&format!(
            "<img class=\"event-thumb\" src=\"{small}\" alt=\"\""
        )),
        "{agenda}"
    );
    // An address that is not the event's current image tells nothing.
    let (st, ..) = fetch(&anon, app.at(&format!("/e/{id}/image?v=999999"))).await;
    assert_eq!(st, 404);
    let (st, ..) = fetch(&anon, app.at(&format!("/e/{id}/image"))).await;
    assert_eq!(st, 404);

    // Refused files: a message on the image field in French, everything
    // typed kept, nothing changed.
    let edit = format!("{path}/edit");
    let mut typed = base.to_vec();
    typed[0] = ("title", "Corvée des semis (nouvelle date)");
    typed.remove(1);
    let cases: [(&str, Vec<u8>, &str); 4] = [
        (
            "affiche.svg",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
            "Ce fichier n’est pas une image.",
        ),
        ("bombe.png", bomb(), "L’image est trop grande"),
        (
            "lourde.png",
            {
                let mut b = png(20, 20);
                b.resize(5 * 1024 * 1024 + 10, 0);
                b
            },
            "L’image dépasse 5 Mo.",
        ),
        (
            "enorme.png",
            {
                let mut b = png(20, 20);
                b.resize(11 * 1024 * 1024, 0);
                b
            },
            "L’image dépasse 5 Mo.",
        ),
    ];
    for (name, bytes, message) in cases {
        let res = send(&app, &org, &edit, &typed, Some((name, bytes))).await;
        assert_eq!(res.status(), 422, "{name}");
        let body = html_unescape(&res.text().await.expect("body"));
        let field = body
            .split("id=\"f-image-error\">")
            .nth(1)
            .unwrap_or_else(|| panic!("{name}: no image error"));
        assert!(field.starts_with(message), "{name}: {field:.200}");
        assert!(body.contains("aria-invalid=\"true\""), "{name}");
        assert!(
            body.contains("value=\"Corvée des semis (nouvelle date)\""),
            "{name}: the title typed is kept"
        );
        assert!(body.contains("value=\"Affiche : une pelle et des semis\""));
    }
    let (_, page) = get(&anon, app.at(&path)).await;
    assert!(page.contains(&large), "the image stays after refusals");
    assert!(!html_unescape(&page).contains("nouvelle date"));
    // The same refusal in English, for a person who reads English.
    sqlx::query("UPDATE users SET locale = 'en' WHERE id = $1")
        .bind(org_user.id)
        .execute(&app.state.db.pool)
        .await
        .expect("locale");
    let res = send(
        &app,
        &org,
        &edit,
        &typed,
        Some(("x.png", b"not an image".to_vec())),
    )
    .await;
    assert_eq!(res.status(), 422);
    let body = html_unescape(&res.text().await.expect("body"));
    assert!(
        body.contains("id=\"f-image-error\">This file is not an image."),
        "{body:.300}"
    );
    sqlx::query("UPDATE users SET locale = 'fr-CA' WHERE id = $1")
        .bind(org_user.id)
        .execute(&app.state.db.pool)
        .await
        .expect("locale");

    // Replaced: a tall picture, never enlarged; the old rows are gone.
    let old = [version(&large), version(&small)];
    let res = send(
        &app,
        &org,
        &edit,
        &typed,
        Some(("portrait.png", png(300, 800))),
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, page) = get(&anon, app.at(&path)).await;
    let urls = figure_urls(&page, id);
    let (large2, small2) = (urls[0].clone(), urls[1].clone());
    assert_ne!(large2, large);
    let (st, _, _, bytes) = fetch(&anon, app.at(&large2)).await;
    assert_eq!(st, 200);
    assert_eq!(dims(&bytes), (300, 800));
    let (_, _, _, bytes) = fetch(&anon, app.at(&small2)).await;
    assert_eq!(dims(&bytes), (150, 400));
    let (st, ..) = fetch(&anon, app.at(&large)).await;
    assert_eq!(st, 404, "the old version is no longer served");
    assert_eq!(media_rows(&app, &old).await, 0);

    // The alternative alone changes; an empty one falls back to the title.
    let mut no_alt = typed.clone();
    no_alt.retain(|(k, _)| *k != "image_alt");
    no_alt.push(("image_alt", ""));
    let res = send(&app, &org, &edit, &no_alt, None).await;
    assert_eq!(res.status(), 303);
    let (_, page) = get(&anon, app.at(&path)).await;
    let page = html_unescape(&page);
    assert!(page.contains(&large2), "no file chosen: the image stays");
    assert!(
        page.contains("alt=\"Image de l’événement « Corvée des semis (nouvelle date) »\""),
        "{page}"
    );

    // Removed.
    let mut remove = typed.clone();
    remove.push(("remove_image", "1"));
    let res = send(&app, &org, &edit, &remove, None).await;
    assert_eq!(res.status(), 303);
    let (_, page) = get(&anon, app.at(&path)).await;
    assert!(!page.contains("id=\"event-image\""));
    assert!(image_urls(&page, id).is_empty());
    assert!(
        json_ld(&page).get("image").is_none(),
        "no image in the JSON-LD"
    );
    let (st, ..) = fetch(&anon, app.at(&large2)).await;
    assert_eq!(st, 404);
    assert_eq!(
        media_rows(&app, &[version(&large2), version(&small2)]).await,
        0
    );

    // A form without the image part (URL-encoded) still edits the event.
    let res = app
        .post_form(
            &org,
            &edit,
            &edit,
            &[("title", "Sans image"), ("start", "2027-05-08T10:00")],
        )
        .await;
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn api_sets_and_removes_the_image_and_feeds_and_federation_carry_it() {
    let app = TestApp::spawn().await;
    let owner = app.create_user("imagiere", false).await;
    let other = app.create_user("passante", false).await;
    community(&app, "vitrine", "open", "open", &owner).await;
    let token = token_for(&app, &owner).await;
    let other_token = token_for(&app, &other).await;
    let http = reqwest::Client::new();
    let res = http
        .post(app.at("/api/v1/events"))
        .bearer_auth(&token)
        .json(
            &serde_json::json!({"title": "Marché d’hiver", "communities": ["vitrine"],
            "start": "2027-12-04T10:00", "end": "2027-12-04T16:00"}),
        )
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), 201);
    let ev: Value = res.json().await.expect("json");
    let id = ev["id"].as_i64().expect("id");
    assert!(ev["image"].is_null());
    let put = |tok: &str, ct: &str, body: Vec<u8>, alt: &str| {
        let q = serde_urlencoded::to_string([("alt", alt)]).expect("query");
        http.put(app.at(&format!("/api/v1/events/{id}/image?{q}")))
            .bearer_auth(tok)
            .header("content-type", ct)
            .body(body)
            .send()
    };

    // Refusals: not an image type, not an image, someone else's event.
    let res = put(&token, "text/plain", b"bonjour".to_vec(), "")
        .await
        .expect("put");
    assert_eq!(res.status(), 415);
    let res = put(&token, "image/png", b"<svg/>".to_vec(), "")
        .await
        .expect("put");
    assert_eq!(res.status(), 422);
    let v: Value = res.json().await.expect("json");
    assert_eq!(v["error"]["code"], "image_not_an_image", "{v}");
    let res = put(&token, "image/png", bomb(), "").await.expect("put");
    assert_eq!(res.status(), 422);
    let res = put(&other_token, "image/png", png(64, 64), "")
        .await
        .expect("put");
    assert_eq!(res.status(), 403);
    let long = "a".repeat(501);
    let res = put(&token, "image/png", png(64, 64), &long)
        .await
        .expect("put");
    assert_eq!(res.status(), 422);

    let res = put(&token, "image/png", png(2400, 1200), "Étals sous la neige")
        .await
        .expect("put");
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.expect("json");
    let img = &v["image"];
    assert_eq!(img["alt"], "Étals sous la neige");
    assert_eq!(
        (img["width"].as_i64(), img["height"].as_i64()),
        (Some(1200), Some(600))
    );
    let url = img["url"].as_str().expect("url").to_string();
    assert!(url.starts_with(&app.at(&format!("/e/{id}/image?v="))));
    let sequence = v["sequence"].as_i64().expect("sequence");
    assert!(sequence >= 1, "the image raises SEQUENCE");
    let (st, _, _, bytes) = fetch(&app.client(), url.clone()).await;
    assert_eq!(st, 200);
    assert_eq!(dims(&bytes), (1200, 600));
    let (st, _, _, bytes) = fetch(
        &app.client(),
        img["small_url"].as_str().expect("small").to_string(),
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(dims(&bytes), (400, 200));
    let v: Value = http
        .get(app.at(&format!("/api/v1/events/{id}")))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(v["image"]["url"], url.as_str());

    // ActivityPub: Mobilizon's banner and the ActivityStreams image.
    let res = app
        .client()
        .get(app.at(&format!("/e/{id}")))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("ap");
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.expect("json");
    let banner = doc["attachment"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["name"] == "Banner"))
        .unwrap_or_else(|| panic!("no banner: {doc}"));
    assert_eq!(banner["type"], "Document");
    assert_eq!(banner["mediaType"], "image/jpeg");
    assert_eq!(banner["url"], url.as_str());
    assert_eq!(doc["image"]["type"], "Image");
    assert_eq!(doc["image"]["url"], url.as_str());
    assert_eq!(doc["image"]["name"], "Étals sous la neige");

    // iCalendar (RFC 7986 IMAGE), read back by two independent parsers.
    let (st, feed) = get(&app.client(), app.at("/c/vitrine/events.ics")).await;
    assert_eq!(st, 200);
    let unfolded = feed.replace("\r\n ", "");
    assert!(
        unfolded.contains(&format!(
            "IMAGE;VALUE=URI;DISPLAY=FULLSIZE;FMTTYPE=image/jpeg:{url}"
        )),
        "{unfolded}"
    );
    if let Some(python) = crate::events::python() {
        let path = app.data_dir.join("image.ics");
        std::fs::write(&path, &feed).expect("write");
        let script = r#"
import sys, json, icalendar, vobject
data = open(sys.argv[1], 'rb').read()
ev = [c for c in icalendar.Calendar.from_ical(data).walk('VEVENT')][0]
img = ev['IMAGE']
vo = vobject.readOne(data.decode('utf-8')).vevent.contents['image'][0]
print(json.dumps({"icalendar": str(img), "value": img.params.get('VALUE'),
  "display": img.params.get('DISPLAY'), "vobject": vo.value, "vparams": vo.params.get('FMTTYPE')}))
"#;
        let out = std::process::Command::new(&python)
            .args(["-c", script, &path.display().to_string()])
            .output()
            .expect("python");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(v["icalendar"], url.as_str());
        assert_eq!(v["value"], "URI");
        assert_eq!(v["display"], "FULLSIZE");
        assert_eq!(v["vobject"], url.as_str());
        assert_eq!(v["vparams"][0], "image/jpeg");
    }

    // Removed by the API.
    let res = http
        .delete(app.at(&format!("/api/v1/events/{id}/image")))
        .bearer_auth(&other_token)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), 403);
    let res = http
        .delete(app.at(&format!("/api/v1/events/{id}/image")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), 204);
    let v: Value = http
        .get(app.at(&format!("/api/v1/events/{id}")))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert!(v["image"].is_null());
    let (st, ..) = fetch(&app.client(), url.clone()).await;
    assert_eq!(st, 404);
    let (_, feed) = get(&app.client(), app.at("/c/vitrine/events.ics")).await;
    assert!(!feed.contains("IMAGE"));
}

#[tokio::test]
async fn a_private_communitys_event_image_is_for_its_members_only() {
    let app = TestApp::spawn().await;
    let owner = app.create_user("cercle-org", false).await;
    let (member_c, member_u) = app.logged_in("cercle-membre", false).await;
    let (outsider, _) = app.logged_in("cercle-dehors", false).await;
    let c = community(&app, "cercle-ferme", "private", "request", &owner).await;
    member(&app, c, &member_u, "member", "active").await;
    let token = token_for(&app, &owner).await;
    let http = reqwest::Client::new();
    let ev: Value = http
        .post(app.at("/api/v1/events"))
        .bearer_auth(&token)
        .json(
            &serde_json::json!({"title": "Réunion du cercle", "communities": ["cercle-ferme"],
            "start": "2027-03-03T19:00"}),
        )
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let id = ev["id"].as_i64().expect("id");
    let v: Value = http
        .put(app.at(&format!("/api/v1/events/{id}/image")))
        .bearer_auth(&token)
        .header("content-type", "image/png")
        .body(png(500, 500))
        .send()
        .await
        .expect("put")
        .json()
        .await
        .expect("json");
    let url = v["image"]["url"].as_str().expect("url").to_string();
    let small = v["image"]["small_url"].as_str().expect("url").to_string();

    let anon = app.client();
    for u in [&url, &small] {
        let (st, _, cache, _) = fetch(&anon, u.clone()).await;
        assert_eq!(st, 404, "anonymous");
        assert!(!cache.contains("public"));
        let (st, ..) = fetch(&outsider, u.clone()).await;
        assert_eq!(st, 404, "non-member");
        let (st, ct, cache, _) = fetch(&member_c, u.clone()).await;
        assert_eq!((st, ct.as_str()), (200, "image/jpeg"), "member");
        assert!(cache.starts_with("private"), "{cache}");
    }
    // The API's image field follows the event: the outsider gets 404.
    let res = http
        .get(app.at(&format!("/api/v1/events/{id}")))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 404);
    // No public feed carries it, nor does the ActivityPub document exist.
    let (_, feed) = get(&anon, app.at("/events.ics")).await;
    assert!(!feed.contains(&format!("/e/{id}/image")));
}
