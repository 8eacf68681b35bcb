//! "My data" and community health in headless Chromium (issue 20): a
//! member asks for the archive on the settings page, receives the e-mail,
//! downloads the ZIP with the browser, and opens its `index.html` from the
//! unzipped folder (offline, as `file://`); an animator opens the health
//! page of a community seeded with activity.

use std::time::Duration;

use passerelles::policy::{MemberState, Role, Visibility};

use crate::data_rights::{community, publish, reply};
use crate::harness::{PASSWORD, TestApp};
use crate::webdriver;

async fn login(b: &webdriver::Browser, app: &TestApp, username: &str) {
    b.goto(&app.at("/login")).await;
    b.fill("#f-login", username).await;
    b.fill("#f-password", PASSWORD).await;
    b.click_and_wait("form.form button[type=submit]").await;
}

#[tokio::test]
async fn request_receive_download_and_open_my_archive() {
    let app = TestApp::spawn().await;
    let (me_c, me) = app.logged_in("camille", false).await;
    let c = community(&app, &me, "jardins", Visibility::Open).await;
    publish(
        &app,
        &me_c,
        &[
            ("kind", "discussion"),
            ("title", "Mon potager partagé"),
            ("body", "Des tomates pour tous."),
            ("communities", &c.id.to_string()),
        ],
        Vec::new(),
    )
    .await;
    let Some(b) =
        webdriver::browser_or_skip(1280, 900, "request_receive_download_and_open_my_archive").await
    else {
        return;
    };
    login(&b, &app, "camille").await;
    b.goto(&app.at("/settings/data")).await;
    b.click_and_wait("form[action='/settings/data/export'] button[type=submit]")
        .await;
    assert!(b.current_url().await.ends_with("/settings/data"));

    // The e-mail announces it with its link; the page lists it too.
    let link = app
        .mail_link(
            me.email.as_deref().expect("email"),
            "/settings/data/exports/",
        )
        .await;
    let downloads = app.data_dir.join("downloads");
    std::fs::create_dir_all(&downloads).expect("dir");
    b.allow_downloads(&downloads).await;
    b.goto(&app.at("/settings/data")).await;
    b.click(&format!("a[href='{link}']")).await;
    let mut zip = None;
    for _ in 0..200 {
        if let Some(p) = std::fs::read_dir(&downloads)
            .expect("read dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "zip"))
        {
            zip = Some(p);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let zip = zip.expect("the browser saved the archive");
    let name = zip.file_name().and_then(|n| n.to_str()).unwrap_or("");
    assert!(name.starts_with("passerelles-camille-"), "{name}");

    // Unzipped by Python's zipfile, opened offline by the browser.
    let out_dir = app.data_dir.join("unzipped");
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
        ])
        .arg(&zip)
        .arg(&out_dir)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index = out_dir.join("index.html");
    b.goto(&format!("file://{}", index.display())).await;
    assert!(b.text("h1").await.contains("camille"));
    assert!(b.text("main").await.contains("Mon potager partagé"));
    // Its stylesheet is the archive's own, loaded from the folder.
    let border = b
        .execute(
            "return getComputedStyle(document.querySelector('table')).borderCollapse;",
            Vec::new(),
        )
        .await;
    assert_eq!(border, "collapse", "style.css applied");
    // The machine-readable files are linked and open from the folder.
    b.click_and_wait("a[href='publications.json']").await;
    assert!(b.current_url().await.ends_with("/publications.json"));
    assert!(b.source().await.contains("Mon potager partagé"));
    b.quit().await;
}

#[tokio::test]
async fn an_animator_views_the_health_page() {
    let app = TestApp::spawn().await;
    let (_, owner) = app.logged_in("animatrice", false).await;
    let c = community(&app, &owner, "potagers", Visibility::Open).await;
    let mut first = None;
    for i in 0..6 {
        let (client, u) = app.logged_in(&format!("jardinier{i}"), false).await;
        passerelles::communities::set_membership(
            &app.state.db,
            c.id,
            u.id,
            Role::Member,
            MemberState::Active,
            "",
        )
        .await
        .expect("member");
        let p = publish(
            &app,
            &client,
            &[
                ("kind", if i < 2 { "question" } else { "discussion" }),
                ("title", &format!("Semis numéro {i}")),
                ("body", "Des graines à partager."),
                ("tags", "semences"),
                ("communities", &c.id.to_string()),
            ],
            Vec::new(),
        )
        .await;
        if let Some(q) = first {
            reply(&app, &client, q, "Au printemps.").await;
        }
        first.get_or_insert(p);
    }
    passerelles::health::compute(&app.state.db, passerelles::db::now())
        .await
        .expect("computed");
    let Some(b) = webdriver::browser_or_skip(1280, 900, "an_animator_views_the_health_page").await
    else {
        return;
    };
    login(&b, &app, "animatrice").await;
    b.goto(&app.at("/c/potagers")).await;
    b.click_and_wait("a[href='/c/potagers/health']").await;
    assert!(b.current_url().await.ends_with("/c/potagers/health"));
    // Six charts drawn by the server, each titled for screen readers.
    let svgs = b.find_all("svg title").await;
    assert_eq!(svgs.len(), 6);
    let page = b.text("main").await;
    assert!(page.contains("semences"), "{page}");
    // What is measured and what is not, behind a disclosure.
    b.execute(
        "document.querySelectorAll('main details').forEach(d => d.open = true);",
        Vec::new(),
    )
    .await;
    assert!(b.text("main").await.contains("Pas mesuré"));
    for i in 0..6 {
        assert!(!page.contains(&format!("jardinier{i}")), "no member named");
    }
    // The table alternative of the charts.
    b.goto(&app.at("/c/potagers/health/table")).await;
    assert!(b.find_all("table tr th[scope=row]").await.len() >= 26);
    b.quit().await;
}
