//! End to end in headless Chromium (issue 14, territories part): an
//! administrator imports files shaped like the official MRC and municipal
//! layers, each with one bad line, and reads the per-line report (nothing
//! imported), then imports the good lines; a member creates a community
//! placed on the MRC by typing its name, creates an organisation placed in
//! a municipality and proposes an initiative there; a moderator validates
//! both; the region's page shows the organisation, the initiative on the SVG
//! map and the community placed in the MRC.

use crate::harness::{PASSWORD, TestApp};
use crate::webdriver::{self, Browser};

async fn log_in(b: &Browser, app: &TestApp, login: &str) {
    b.goto(&app.at("/login")).await;
    b.fill("#f-login", login).await;
    b.fill("#f-password", PASSWORD).await;
    b.click_and_wait("form.form button[type=submit]").await;
    assert_eq!(
        b.find_all("form[action='/logout']").await.len(),
        1,
        "{login} is logged in"
    );
}

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/territories/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

async fn upload(b: &Browser, app: &TestApp, name: &str, skip: bool) -> String {
    b.goto(&app.at("/admin/territories")).await;
    b.find("#f-file").await.send_keys(&fixture(name)).await;
    if skip {
        b.click("#f-skip").await;
    }
    b.click_and_wait("form[action='/admin/territories'] button[type=submit]")
        .await;
    b.text("#report").await
}

#[tokio::test]
async fn browser_admin_imports_layers_and_the_region_shows_the_community() {
    let app = TestApp::spawn().await;
    app.create_user("gestionnaire", true).await;
    app.create_user("animatrice", false).await;
    let Some(b) = webdriver::browser_or_skip(
        1280,
        900,
        "browser_admin_imports_layers_and_the_region_shows_the_community",
    )
    .await
    else {
        return;
    };

    log_in(&b, &app, "gestionnaire").await;
    // The MRC layer with its bad line: nothing is imported, the line is named.
    let report = upload(&b, &app, "mrc_s.geojson", false).await;
    assert!(report.contains("Rien n'a été importé"), "{report}");
    assert!(report.contains("Territoire parent inconnu"), "{report}");
    assert!(b.text("#report tbody").await.starts_with("4"), "{report}");
    // Skipping the bad line.
    let report = upload(&b, &app, "mrc_s.geojson", true).await;
    assert!(
        report.contains("Import terminé") && report.contains("3 créé(s)"),
        "{report}"
    );
    // The municipal layer: its repeated line is reported, the rest imported.
    let report = upload(&b, &app, "munic_s.csv", false).await;
    assert!(report.contains("Code en double"), "{report}");
    let report = upload(&b, &app, "munic_s.csv", true).await;
    assert!(
        report.contains("3 créé(s)") && report.contains("Code en double"),
        "{report}"
    );
    b.click(".user-menu summary").await; // the personal menu holds "Se déconnecter"
    b.click_and_wait("form[action='/logout'] button[type=submit]")
        .await;

    // A member places a community on the MRC by typing its name.
    log_in(&b, &app, "animatrice").await;
    b.goto(&app.at("/c/new")).await;
    b.fill("#f-name", "Cuisines collectives de la Mauricie")
        .await;
    b.fill("#f-slug", "cuisines-mauricie").await;
    b.fill("#f-description", "Entraide autour des repas.").await;
    b.fill("#f-territory", "Trois-Rivières").await;
    b.click("#f-visibility-open").await;
    b.click("#f-join_policy-open").await;
    b.click_and_wait("form[action='/c/new'] button[type=submit]")
        .await;
    // Two territories have that name: the form says so and keeps what was typed.
    assert!(
        b.text("#f-territory-error")
            .await
            .contains("Plusieurs territoires")
    );
    b.fill("#f-territory", "Trois-Rivières (Mauricie)").await;
    b.click_and_wait("form[action='/c/new'] button[type=submit]")
        .await;
    assert!(
        b.current_url().await.ends_with("/c/cuisines-mauricie"),
        "{}",
        b.text("main").await
    );

    // The same member creates an organisation placed in the municipality
    // (its parent names it apart from the MRC of the same name).
    b.goto(&app.at("/organisations/new")).await;
    b.fill("#f-name", "Coopérative La Fourmi").await;
    b.fill("#f-slug", "coop-la-fourmi").await;
    b.fill("#f-description", "Épicerie coopérative du centre-ville.")
        .await;
    b.fill("#f-place", "Trois-Rivières (Trois-Rivières)").await;
    b.fill("#f-lat", "46.343").await;
    b.fill("#f-lon", "-72.543").await;
    b.click_and_wait("form[action='/organisations/new'] button[type=submit]")
        .await;
    assert!(
        b.current_url().await.ends_with("/o/coop-la-fourmi"),
        "{}",
        b.text("main").await
    );
    assert!(b.text("main").await.contains("Trois-Rivières"));

    // …and proposes an initiative there: it waits for a moderator.
    b.goto(&app.at("/initiatives/new")).await;
    b.fill("#f-name", "Café réparation du Cap").await;
    b.fill("#f-slug", "cafe-reparation-cap").await;
    b.execute(
        "document.querySelector('#f-category').value = 'reparation';",
        vec![],
    )
    .await;
    b.fill("#f-description", "On répare ensemble, un samedi par mois.")
        .await;
    b.fill("#f-organisation", "coop-la-fourmi").await;
    b.fill("#f-territory", "Trois-Rivières (Trois-Rivières)")
        .await;
    b.fill("#f-opening_hours", "Sa 10:00-14:00").await;
    b.click_and_wait("form[action='/initiatives/new'] button[type=submit]")
        .await;
    let proposed = b.current_url().await;
    assert!(
        proposed.contains("/i/"),
        "{proposed}: {}",
        b.text("main").await
    );
    b.click(".user-menu summary").await; // the personal menu holds "Se déconnecter"
    b.click_and_wait("form[action='/logout'] button[type=submit]")
        .await;
    // Not on the public map until validated.
    b.goto(&app.at("/t/mauricie")).await;
    assert!(!b.text(".map-list").await.contains("Café réparation du Cap"));

    // A moderator validates the initiative from the queue.
    log_in(&b, &app, "gestionnaire").await;
    b.goto(&app.at("/initiatives/queue")).await;
    assert!(b.text("main").await.contains("Café réparation du Cap"));
    b.click_and_wait("button[name=decision][value=validate]")
        .await;
    b.goto(&app.at("/initiatives/queue")).await;
    assert!(!b.text("main").await.contains("Café réparation du Cap"));
    // …and verifies the organisation, listed among those awaiting it.
    b.goto(&app.at("/admin/organisations")).await;
    assert!(
        b.text("#unverified")
            .await
            .contains("Coopérative La Fourmi")
    );
    b.click_and_wait("#unverified a").await;
    b.click_and_wait("button[name=decision][value=verify]")
        .await;
    b.click(".user-menu summary").await;
    b.click_and_wait("form[action='/logout'] button[type=submit]")
        .await;

    // The region's page, for anyone: the MRC below it, and the community.
    b.goto(&app.at("/t/mauricie")).await;
    assert_eq!(b.text("h1").await, "Mauricie");
    assert!(
        b.text("#children-title + ul")
            .await
            .contains("Trois-Rivières")
    );
    assert!(
        b.text("#communities")
            .await
            .contains("Cuisines collectives de la Mauricie")
    );
    // The organisation placed in the municipality rolls up to the region.
    assert!(
        b.text("#organisations")
            .await
            .contains("Coopérative La Fourmi")
    );
    assert!(
        b.text("#initiatives")
            .await
            .contains("Café réparation du Cap")
    );
    // On the SVG map: each point (or cluster of near points) is a link
    // whose title names what it holds — the initiative among them — to its
    // page or to its entry in the list beside the map.
    let titles = b
        .execute(
            "return Array.from(document.querySelectorAll('svg.map a title')).map(t => t.textContent).join(' | ');",
            vec![],
        )
        .await;
    let titles = titles.as_str().unwrap_or_default().to_string();
    assert!(titles.contains("Café réparation du Cap"), "{titles}");
    assert!(titles.contains("Coopérative La Fourmi"), "{titles}");
    let mut links = Vec::new();
    for a in b.find_all("svg.map a").await {
        links.extend(a.attribute("href").await);
    }
    for href in &links {
        if let Some(anchor) = href.strip_prefix('#') {
            assert!(
                b.try_find(&format!(".map-list [id='{anchor}']"))
                    .await
                    .is_some(),
                "{href} has no list entry"
            );
        } else {
            assert!(href.starts_with('/'), "{href}");
        }
    }
    b.quit().await;
}
