//! End to end in headless Chromium (issue 3): an animator creates a private
//! community and an invitation link; a member joins through the link, also
//! joins an open community, and shares one watch item into both (its link
//! cannot be fetched: saved without a preview); a third person reports it in
//! the open community; the animator removes it there with a reason; the
//! author reads the reason, the reporter no longer sees the publication, and
//! it stays readable in the private community.

use crate::harness::{PASSWORD, TestApp};
use crate::webdriver::{self, Browser};

const PRIVATE: &str = "cercle-prive";
const OPEN: &str = "veille-ouverte";
const REASON: &str = "Lien publicitaire, hors du mandat de la communauté.";

async fn log_in(b: &Browser, app: &TestApp, login: &str) {
    b.goto(&app.at("/login")).await;
    b.fill("#f-login", login).await;
    b.fill("#f-password", PASSWORD).await;
    b.click_and_wait("form.form button[type=submit]").await;
    assert!(
        b.find_all("form[action='/logout']").await.len() == 1,
        "{login} is logged in: {}",
        b.text("main").await
    );
}

async fn log_out(b: &Browser) {
    b.click(".user-menu summary").await; // the personal menu holds "Se déconnecter"
    b.click_and_wait("form[action='/logout'] button[type=submit]")
        .await;
    assert!(b.find_all("form[action='/logout']").await.is_empty());
}

/// Fill and send the new-community form; lands on the community page.
async fn create_community(
    b: &Browser,
    app: &TestApp,
    name: &str,
    slug: &str,
    visibility: &str,
    join: &str,
) {
    b.goto(&app.at("/c/new")).await;
    b.fill("#f-name", name).await;
    b.fill("#f-slug", slug).await;
    b.fill("#f-description", &format!("Description de {name}."))
        .await;
    b.click(&format!("#f-visibility-{visibility}")).await;
    b.click(&format!("#f-join_policy-{join}")).await;
    b.click_and_wait("form[action='/c/new'] button[type=submit]")
        .await;
    assert!(
        b.current_url().await.ends_with(&format!("/c/{slug}")),
        "{}: {}",
        b.current_url().await,
        b.text("main").await
    );
    assert!(
        b.text(".flash")
            .await
            .contains("Votre communauté est créée")
    );
    assert_eq!(b.text("h1").await, name);
}

/// Join an open community with the button on its page.
async fn join_open(b: &Browser, app: &TestApp) {
    b.goto(&app.at(&format!("/c/{OPEN}"))).await;
    b.click_and_wait("#membership form[action$='/join'] button[type=submit]")
        .await;
    assert_eq!(
        b.text(".flash").await,
        "Vous êtes maintenant membre de la communauté."
    );
    assert!(b.text("#membership").await.contains("Vous êtes membre"));
}

#[tokio::test]
async fn browser_private_invitation_watch_item_report_and_removal() {
    let app = TestApp::spawn().await;
    app.create_user("animatrice", false).await;
    app.create_user("autrice", false).await;
    app.create_user("lectrice", false).await;
    let Some(b) = webdriver::browser_or_skip(
        1280,
        900,
        "browser_private_invitation_watch_item_report_and_removal",
    )
    .await
    else {
        return;
    };

    // The animator creates a private community (by invitation) and an open one.
    log_in(&b, &app, "animatrice").await;
    create_community(&b, &app, "Cercle privé", PRIVATE, "private", "invitation").await;
    create_community(&b, &app, "Veille ouverte", OPEN, "open", "open").await;

    // An invitation link, shown once on the invitations page.
    b.goto(&app.at(&format!("/c/{PRIVATE}/invitations"))).await;
    b.fill("#f-email", "").await;
    b.fill("#f-days", "7").await;
    b.fill("#f-max_uses", "5").await;
    b.click_and_wait(&format!(
        "form[action='/c/{PRIVATE}/invitations'] button[type=submit]"
    ))
    .await;
    let once = b.text(".token-once").await;
    assert!(once.contains("Invitation créée"), "{once}");
    let link = b.text(".token-once code").await;
    assert!(
        link.starts_with(&format!("{}/c/{PRIVATE}/join?code=", app.url)),
        "{link}"
    );
    let listed = b.text("#invitations").await;
    assert!(listed.contains("lien seulement"), "{listed}");
    log_out(&b).await;

    // The author opens the link, logs in, joins; then joins the open community.
    log_in(&b, &app, "autrice").await;
    b.goto(&link).await;
    assert_eq!(b.text("h1").await, "Cercle privé");
    b.click_and_wait("form[action$='/join'] button[type=submit]")
        .await;
    assert!(
        b.current_url().await.ends_with(&format!("/c/{PRIVATE}")),
        "{}",
        b.current_url().await
    );
    assert_eq!(
        b.text(".flash").await,
        "Vous êtes maintenant membre de la communauté."
    );
    assert!(b.text("#membership").await.contains("Vous êtes membre"));
    join_open(&b, &app).await;

    // She shares a watch item into both; its link cannot be fetched.
    b.goto(&app.at(&format!("/p/new?c={PRIVATE}"))).await;
    b.click("#f-kind-watch").await;
    b.fill("#f-link_url", "https://exemple.invalid/guide").await;
    b.fill("#f-title", "Guide des subventions régionales").await;
    b.fill(
        "#f-body",
        "Un guide utile pour nos demandes de financement.",
    )
    .await;
    let unchecked = b
        .find_all("#f-communities input[type=checkbox]:not(:checked)")
        .await;
    assert_eq!(unchecked.len(), 1, "the private one is preselected");
    b.click("#f-communities input[type=checkbox]:not(:checked)")
        .await;
    assert_eq!(
        b.find_all("#f-communities input[type=checkbox]:checked")
            .await
            .len(),
        2
    );
    b.click_and_wait("form[action='/p/new'] .form-actions button[type=submit]")
        .await;
    let url = b.current_url().await;
    let main = b.text("main").await;
    let pid: i64 = url
        .rsplit("/p/")
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("on the publication page: {url}: {main}"));
    assert_eq!(
        b.text(".flash").await,
        "Publication envoyée, sans aperçu du lien."
    );
    assert_eq!(
        b.text("#pub-title").await,
        "Guide des subventions régionales"
    );
    let watch = b.text(".watch-link").await;
    assert!(watch.contains("https://exemple.invalid/guide"), "{watch}");
    assert!(watch.contains("Aperçu non récupéré"), "{watch}");
    let shared = b.text("section[aria-labelledby=shared-title]").await;
    assert!(
        shared.contains("Cercle privé") && shared.contains("Veille ouverte"),
        "{shared}"
    );
    log_out(&b).await;

    // The reader joins the open community, opens the publication, reports it.
    log_in(&b, &app, "lectrice").await;
    join_open(&b, &app).await;
    let feed = b.text("#feed").await;
    assert!(feed.contains("Guide des subventions régionales"), "{feed}");
    b.goto(&app.at(&format!("/p/{pid}"))).await;
    assert_eq!(
        b.text("#pub-title").await,
        "Guide des subventions régionales"
    );
    let shared = b.text("section[aria-labelledby=shared-title]").await;
    assert!(
        shared.contains("Veille ouverte") && !shared.contains("Cercle privé"),
        "the reader only sees the open community: {shared}"
    );
    // The publication page offers to report it.
    b.click_and_wait(&format!("a[href='/report?publication={pid}']"))
        .await;
    let lead = b.text("p.lead").await;
    assert!(lead.contains("Veille ouverte"), "{lead}");
    assert!(!lead.contains("Cercle privé"), "{lead}");
    b.click("#f-category-spam").await;
    b.fill("#f-comment", "Ce lien ressemble à de la publicité.")
        .await;
    b.click_and_wait("form.form button[type=submit]").await;
    b.wait_for_url_contains("/report/sent").await;
    assert_eq!(b.text("h1").await, "Merci pour votre signalement");
    log_out(&b).await;

    // The animator (owner, so moderator) removes it from the open community.
    log_in(&b, &app, "animatrice").await;
    b.goto(&app.at(&format!("/c/{OPEN}/moderation"))).await;
    let cards = b.find_all("article[id^='report-']").await;
    assert_eq!(cards.len(), 1, "{}", b.text("main").await);
    let card = b.text("article[id^='report-']").await;
    assert!(
        card.contains("Guide des subventions régionales")
            && card.contains("Ce lien ressemble à de la publicité.")
            && card.contains("lectrice"),
        "{card}"
    );
    b.fill("article[id^='report-'] textarea[name=reason]", REASON)
        .await;
    b.click_and_wait("article[id^='report-'] button[name=action][value=remove]")
        .await;
    assert!(
        b.current_url()
            .await
            .ends_with(&format!("/c/{OPEN}/moderation")),
        "{}",
        b.current_url().await
    );
    assert!(b.text(".flash").await.starts_with("C’est fait"));
    assert!(b.find_all("article[id^='report-']").await.is_empty());
    assert!(
        b.text("main")
            .await
            .contains("Aucun signalement en attente.")
    );
    // As moderator she still sees it, marked as removed in the open community.
    b.goto(&app.at(&format!("/p/{pid}"))).await;
    let shared = b.text("section[aria-labelledby=shared-title]").await;
    assert!(
        shared.contains("Veille ouverte") && shared.contains("Retirée par la modération"),
        "{shared}"
    );
    // The moderation log keeps the reason.
    b.goto(&app.at(&format!("/c/{OPEN}/modlog"))).await;
    assert!(b.text("main").await.contains(REASON));
    log_out(&b).await;

    // The author reads the reason in her notifications; the publication stays
    // readable through the private community.
    log_in(&b, &app, "autrice").await;
    b.goto(&app.at("/notifications")).await;
    let notes = b.text("main").await;
    assert!(
        notes.contains("Une décision de modération vous concerne")
            && notes.contains(&format!("Motif : {REASON}")),
        "{notes}"
    );
    b.goto(&app.at(&format!("/p/{pid}"))).await;
    assert_eq!(
        b.text("#pub-title").await,
        "Guide des subventions régionales"
    );
    let shared = b.text("section[aria-labelledby=shared-title]").await;
    assert!(shared.contains("Cercle privé"), "{shared}");
    assert!(!shared.contains("Veille ouverte"), "{shared}");
    // …and the page itself tells her where it was removed, and why.
    let note = b.text("article .notice").await;
    assert!(
        note.contains("Veille ouverte") && note.contains(REASON),
        "{note}"
    );
    log_out(&b).await;

    // The reader (not in the private community) no longer sees it at all.
    log_in(&b, &app, "lectrice").await;
    b.goto(&app.at(&format!("/p/{pid}"))).await;
    assert_eq!(b.text(".error-code").await, "404");
    assert_eq!(b.text("h1").await, "Page introuvable");
    b.goto(&app.at(&format!("/c/{OPEN}"))).await;
    assert!(
        !b.text("main")
            .await
            .contains("Guide des subventions régionales"),
        "gone from the open community's feed"
    );

    b.quit().await;
}
