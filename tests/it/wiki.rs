//! Community wikis and file spaces (C19) over real HTTP, on both engines:
//! pages under parent pages with breadcrumbs and `[[links]]`, revisions
//! with a side-by-side diff and restore, an edit conflict shown with the
//! typed text kept (nothing overwritten); folders, file versions, the
//! per-community quota with its readable refusal; and a private
//! community's wiki and files private on every page.

use reqwest::multipart::{Form, Part};

use crate::harness::{TestApp, html_unescape};
use crate::library::{location, pdf};
use crate::writing::{community, get, member};

fn form_value(html: &str, name: &str) -> String {
    crate::harness::form_value(html, name).unwrap_or_else(|| panic!("no {name} field"))
}

async fn page_form(
    app: &TestApp,
    client: &reqwest::Client,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    app.post_form(client, page, action, fields).await
}

#[tokio::test]
async fn wiki_pages_nest_link_keep_revisions_and_show_conflicts() {
    let app = TestApp::spawn().await;
    let (owner_client, owner) = app.logged_in("ariane", false).await;
    let (other_client, other) = app.logged_in("bastien", false).await;
    let cid = community(&app, "coop-wiki", "open", "open", &owner).await;
    member(&app, cid, &other, "member", "active").await;

    // A top page, then a child page under it.
    let res = page_form(
        &app,
        &owner_client,
        "/c/coop-wiki/wiki/new",
        "/c/coop-wiki/wiki/new",
        &[
            ("title", "Accueil"),
            ("body", "Bienvenue. Lisez [[Charte du groupe]]."),
            ("parent", ""),
        ],
    )
    .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    assert_eq!(location(&res), "/c/coop-wiki/wiki/accueil");
    // A link to a page that does not exist yet offers to create it.
    let (s, html) = get(&owner_client, app.at("/c/coop-wiki/wiki/accueil")).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("href=\"/c/coop-wiki/wiki/new?title=Charte%20du%20groupe\""),
        "{html}"
    );

    // A refused form keeps what was typed.
    let res = page_form(
        &app,
        &owner_client,
        "/c/coop-wiki/wiki/new",
        "/c/coop-wiki/wiki/new",
        &[
            ("title", " "),
            ("body", "Texte gardé **ici**"),
            ("parent", "accueil"),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = html_unescape(&res.text().await.expect("body"));
    assert!(html.contains("Donnez un titre à la page."), "title message");
    assert!(html.contains("Texte gardé **ici**"), "body kept");

    let res = page_form(
        &app,
        &owner_client,
        "/c/coop-wiki/wiki/new?parent=accueil",
        "/c/coop-wiki/wiki/new",
        &[
            ("title", "Charte du groupe"),
            ("body", "Ligne 1\nLigne 2\nLigne 3\n"),
            ("parent", "accueil"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    // The link now points at the page; the child shows its parent in the breadcrumbs.
    let (_, html) = get(&owner_client, app.at("/c/coop-wiki/wiki/accueil")).await;
    assert!(
        html.contains("href=\"/c/coop-wiki/wiki/charte-du-groupe\""),
        "resolved link"
    );
    assert!(html.contains("id=\"children\""), "children listed");
    let (_, html) = get(&owner_client, app.at("/c/coop-wiki/wiki/charte-du-groupe")).await;
    let crumbs = html.split("breadcrumbs").nth(1).expect("breadcrumbs");
    assert!(
        crumbs.contains("href=\"/c/coop-wiki/wiki/accueil\""),
        "parent in breadcrumbs"
    );
    // The parent cannot be moved under its own child.
    let edit = "/c/coop-wiki/wiki/accueil/edit";
    let (_, form) = get(&owner_client, app.at(edit)).await;
    let base = form_value(&form, "base_revision");
    let res = page_form(
        &app,
        &owner_client,
        edit,
        edit,
        &[
            ("title", "Accueil"),
            ("body", "x"),
            ("parent", "charte-du-groupe"),
            ("base_revision", &base),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);

    // Two editors open the form on the same revision.
    let edit = "/c/coop-wiki/wiki/charte-du-groupe/edit";
    let (_, form_a) = get(&owner_client, app.at(edit)).await;
    let (_, form_b) = get(&other_client, app.at(edit)).await;
    let base_a = form_value(&form_a, "base_revision");
    let base_b = form_value(&form_b, "base_revision");
    assert_eq!(base_a, base_b);
    let res = page_form(
        &app,
        &owner_client,
        edit,
        edit,
        &[
            ("title", "Charte du groupe"),
            ("body", "Ligne 1\nLigne deux\nLigne 3\n"),
            ("parent", "accueil"),
            ("note", "précision"),
            ("base_revision", &base_a),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    // The second save started from the old revision: shown, not written.
    let res = page_form(
        &app,
        &other_client,
        edit,
        edit,
        &[
            ("title", "Charte du groupe"),
            ("body", "Ligne 1\nLigne 2\nLigne 3\nMa ligne à moi\n"),
            ("parent", "accueil"),
            ("base_revision", &base_b),
        ],
    )
    .await;
    assert_eq!(res.status(), 409);
    let html = html_unescape(&res.text().await.expect("body"));
    assert!(html.contains("id=\"conflict\""), "conflict shown");
    assert!(html.contains("Ma ligne à moi"), "typed text kept");
    assert!(
        html.contains("<del>Ligne deux</del>") || html.contains("<ins>Ma ligne à moi</ins>"),
        "diff shown"
    );
    let new_base = form_value(&html, "base_revision");
    assert_ne!(
        new_base, base_b,
        "the form now starts from the saved revision"
    );
    let (_, page) = get(&owner_client, app.at("/c/coop-wiki/wiki/charte-du-groupe")).await;
    assert!(
        page.contains("Ligne deux") && !page.contains("Ma ligne à moi"),
        "nothing overwritten"
    );
    // Saving again from the shown revision is a deliberate edit.
    let res = page_form(
        &app,
        &other_client,
        edit,
        edit,
        &[
            ("title", "Charte du groupe"),
            ("body", "Ligne 1\nLigne deux\nLigne 3\nMa ligne à moi\n"),
            ("parent", "accueil"),
            ("base_revision", &new_base),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);

    // History: three revisions, diffs side by side, restore the first.
    let (s, hist) = get(
        &owner_client,
        app.at("/c/coop-wiki/wiki/charte-du-groupe/history"),
    )
    .await;
    assert_eq!(s, 200);
    let diffs: Vec<String> = hist
        .split("href=\"")
        .skip(1)
        .filter_map(|x| x.split('"').next())
        .filter(|h| h.contains("/diff?"))
        .map(html_unescape)
        .collect();
    assert_eq!(diffs.len(), 2, "{hist}");
    let (s, d) = get(&owner_client, app.at(&diffs[1])).await;
    assert_eq!(s, 200);
    let d = html_unescape(&d);
    assert!(
        d.contains("<del>Ligne 2</del>") && d.contains("<ins>Ligne deux</ins>"),
        "{d}"
    );
    let revisions: Vec<String> = hist
        .split("name=\"revision\" value=\"")
        .skip(1)
        .filter_map(|x| x.split('"').next().map(str::to_string))
        .collect();
    let first = revisions.last().expect("a former revision");
    let res = page_form(
        &app,
        &owner_client,
        "/c/coop-wiki/wiki/charte-du-groupe/history",
        "/c/coop-wiki/wiki/charte-du-groupe/restore",
        &[("revision", first)],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, page) = get(&owner_client, app.at("/c/coop-wiki/wiki/charte-du-groupe")).await;
    assert!(
        page.contains("Ligne 2") && !page.contains("Ma ligne à moi"),
        "restored"
    );
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM wiki_revisions r JOIN wiki_pages p ON p.id = r.page_id WHERE p.slug = 'charte-du-groupe'")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    assert_eq!(n, 4, "a restore is a new revision");

    // A visitor reads an open community's wiki but cannot write.
    let anon = app.client();
    let (s, _) = get(&anon, app.at("/c/coop-wiki/wiki/charte-du-groupe")).await;
    assert_eq!(s, 200);
    let res = anon.get(app.at(edit)).send().await.expect("get");
    assert_eq!(res.status(), 303, "signed-out: to the log-in page");
    let (outsider, _) = app.logged_in("curieux", false).await;
    let (s, _) = get(&outsider, app.at(edit)).await;
    assert_eq!(s, 403, "a non-member cannot edit");
}

#[tokio::test]
async fn private_wiki_and_files_are_for_members_only() {
    let app = TestApp::spawn().await;
    let (owner_client, owner) = app.logged_in("ariane", false).await;
    community(&app, "cercle", "private", "request", &owner).await;
    let res = page_form(
        &app,
        &owner_client,
        "/c/cercle/wiki/new",
        "/c/cercle/wiki/new",
        &[("title", "Secret"), ("body", "Mot de passe du local")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let csrf = app.csrf(&owner_client, "/c/cercle/files").await;
    let res = owner_client
        .post(app.at("/c/cercle/files/upload"))
        .multipart(Form::new().text("csrf", csrf).text("folder", "0").part(
            "files",
            Part::bytes(pdf("budget confidentiel")).file_name("budget.pdf"),
        ))
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), 303);
    let fid: i64 = sqlx::query_scalar("SELECT id FROM space_files WHERE name = 'budget.pdf'")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("file");
    let (outsider, _) = app.logged_in("curieux", false).await;
    let anon = app.client();
    for path in [
        "/c/cercle/wiki".to_string(),
        "/c/cercle/wiki/secret".to_string(),
        "/c/cercle/wiki/secret/history".to_string(),
        "/c/cercle/files".to_string(),
        format!("/c/cercle/files/{fid}"),
    ] {
        for (who, client) in [("outsider", &outsider), ("anonymous", &anon)] {
            let (s, body) = get(client, app.at(&path)).await;
            assert_eq!(s, 404, "{who} on {path}");
            assert!(
                !body.contains("Mot de passe") && !body.contains("budget"),
                "{who} on {path}"
            );
        }
        let (s, _) = get(&owner_client, app.at(&path)).await;
        assert_eq!(s, 200, "member on {path}");
    }
}

async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    folder: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let csrf = app.csrf(client, "/c/atelier/files").await;
    client
        .post(app.at("/c/atelier/files/upload"))
        .multipart(
            Form::new()
                .text("csrf", csrf)
                .text("folder", folder.to_string())
                .part("files", Part::bytes(bytes).file_name(name.to_string())),
        )
        .send()
        .await
        .expect("upload")
}

#[tokio::test]
async fn file_space_keeps_versions_in_folders_within_the_quota() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("gestion", true).await;
    let (client, owner) = app.logged_in("ariane", false).await;
    community(&app, "atelier", "open", "open", &owner).await;

    let res = upload(
        &app,
        &client,
        "0",
        "Procès-verbal.pdf",
        pdf("premiere version"),
    )
    .await;
    assert_eq!(res.status(), 303);
    let res = upload(
        &app,
        &client,
        "0",
        "Procès-verbal.pdf",
        pdf("seconde version"),
    )
    .await;
    assert_eq!(res.status(), 303);
    let (_, html) = get(&client, app.at("/c/atelier/files")).await;
    let html = html_unescape(&html);
    assert!(
        html.contains("Version 2") && html.contains("Version 1"),
        "{html}"
    );
    // Each version downloads its own bytes.
    let rows: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, version FROM space_files ORDER BY version")
            .fetch_all(&app.state.db.pool)
            .await
            .expect("rows");
    assert_eq!(rows.len(), 2);
    let res = client
        .get(app.at(&format!("/c/atelier/files/{}", rows[0].0)))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.bytes().await.expect("bytes").to_vec(),
        pdf("premiere version")
    );

    // A folder, a file in it; breadcrumbs lead back.
    let res = page_form(
        &app,
        &client,
        "/c/atelier/files",
        "/c/atelier/files/folders",
        &[("folder", "0"), ("name", "Comptes 2025")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let folder_page = location(&res);
    let folder = folder_page
        .split("folder=")
        .nth(1)
        .expect("folder id")
        .to_string();
    let res = page_form(
        &app,
        &client,
        "/c/atelier/files",
        "/c/atelier/files/folders",
        &[("folder", "0"), ("name", "a/b")],
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(html_unescape(&res.text().await.expect("body")).contains("barre oblique"));
    let res = upload(&app, &client, &folder, "bilan.pdf", pdf("bilan annuel")).await;
    assert_eq!(res.status(), 303);
    let (_, html) = get(&client, app.at(&folder_page)).await;
    assert!(
        html.contains("bilan.pdf") && !html.contains("Procès"),
        "folder content"
    );

    // Only administrators set the quota.
    let res = page_form(
        &app,
        &client,
        "/c/atelier/files",
        "/c/atelier/files/quota",
        &[("quota", "1000")],
    )
    .await;
    assert_eq!(res.status(), 403);
    let res = page_form(
        &app,
        &admin,
        "/c/atelier/files",
        "/c/atelier/files/quota",
        &[("quota", "0")],
    )
    .await;
    assert_eq!(res.status(), 303);
    // Over the quota: refused with a readable message, nothing stored.
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM space_files")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    let res = upload(&app, &client, "0", "encore.pdf", pdf("de trop")).await;
    assert_eq!(res.status(), 422);
    let html = html_unescape(&res.text().await.expect("body"));
    assert!(
        html.contains("dépassent l'espace de la communauté"),
        "quota message"
    );
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM space_files")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    assert_eq!(before, after);
    // A refused type is said too.
    let res = page_form(
        &app,
        &admin,
        "/c/atelier/files",
        "/c/atelier/files/quota",
        &[("quota", "")],
    )
    .await;
    assert_eq!(res.status(), 303);
    let res = upload(
        &app,
        &client,
        "0",
        "outil.exe",
        b"MZ\x90\x00\x03\x00\x00\x00".to_vec(),
    )
    .await;
    assert_eq!(res.status(), 422);

    // Moderators delete a file with all its versions.
    let res = page_form(
        &app,
        &client,
        "/c/atelier/files",
        &format!("/c/atelier/files/{}/delete", rows[1].0),
        &[],
    )
    .await;
    assert_eq!(res.status(), 303);
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM space_files WHERE name = 'Procès-verbal.pdf'")
            .fetch_one(&app.state.db.pool)
            .await
            .expect("count");
    assert_eq!(n, 0);
}

#[tokio::test]
async fn seed_demo_writes_wiki_pages_with_their_history() {
    use passerelles::seed::{Sizes, seed_sized};
    let app = TestApp::spawn().await;
    seed_sized(
        &app.state.db,
        Sizes {
            users: 12,
            communities: 6,
            publications: 80,
        },
        7,
        true,
    )
    .await
    .expect("seed");
    let slug: String = sqlx::query_scalar(
        "SELECT c.slug FROM wiki_pages w JOIN communities c ON c.id = w.community_id WHERE w.slug = 'charte' ORDER BY c.id LIMIT 1",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .expect("a seeded wiki");
    let anon = app.client();
    let (s, html) = get(&anon, app.at(&format!("/c/{slug}/wiki/accueil"))).await;
    assert_eq!(s, 200);
    assert!(
        html.contains(&format!("href=\"/c/{slug}/wiki/charte\"")),
        "[[Charte]] resolved"
    );
    let (s, html) = get(&anon, app.at(&format!("/c/{slug}/wiki/charte/history"))).await;
    assert_eq!(s, 200);
    assert_eq!(html.matches("/diff?").count(), 1, "two revisions, one diff");
    // The library's demo: about 300 terms, resources found by search
    // through a synonym, published dossiers of five.
    let count = |sql: &'static str| {
        let pool = app.state.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .expect("count")
        }
    };
    assert_eq!(
        count("SELECT COUNT(*) FROM lexicon_terms WHERE status = 'accepted'").await,
        300
    );
    assert!(count("SELECT COUNT(*) FROM resources").await >= 16);
    assert!(count("SELECT COUNT(*) FROM dossier_items").await >= 10);
    let (s, html) = get(&anon, app.at("/lexicon/cooperative")).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("/lexicon/cooperative-habitation"),
        "narrower terms"
    );
    let (s, _) = get(&anon, app.at("/library")).await;
    assert_eq!(s, 200);
    // Each concept is linked to the tags spelling its labels: a seeded
    // publication tagged "économie sociale" is found by "ESS".
    assert!(count("SELECT COUNT(*) FROM lexicon_term_tags").await >= 25);
    let tagged: Vec<i64> = sqlx::query_scalar(
        "SELECT pt.publication_id FROM publication_tags pt JOIN tags t ON t.id = pt.tag_id \
         WHERE t.name = 'economie-sociale'",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .expect("tagged");
    assert!(!tagged.is_empty(), "the seed uses the tag");
    let (_, html) = get(&anon, app.at("/search?q=ESS")).await;
    assert!(
        tagged
            .iter()
            .any(|p| html.contains(&format!("href=\"/p/{p}\""))),
        "ESS reaches what is tagged économie sociale"
    );
    // Seed-demo's files: a generated PDF per demo resource, in the blob
    // store, its text read by the PDF reader and found by search.
    let n = passerelles::library::demo::seed_files(
        &app.state.db,
        passerelles::library::storage::for_config(&app.state.config),
    )
    .await
    .expect("files");
    assert_eq!(n, count("SELECT COUNT(*) FROM resources").await);
    assert_eq!(
        count("SELECT COUNT(*) FROM resource_files WHERE text_content LIKE '%demonstration%'")
            .await,
        n
    );
    let (rid, fid): (i64, i64) =
        sqlx::query_as("SELECT r.id, f.id FROM resources r JOIN resource_files f ON f.resource_id = r.id WHERE r.in_library = 1 ORDER BY r.id LIMIT 1")
            .fetch_one(&app.state.db.pool)
            .await
            .expect("a file");
    let res = anon
        .get(app.at(&format!("/r/{rid}/files/{fid}")))
        .send()
        .await
        .expect("download");
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.expect("bytes").starts_with(b"%PDF-"));
    let (_, html) = get(&anon, app.at("/library?q=demonstration")).await;
    assert!(
        html.contains(&format!("href=\"/r/{rid}\"")),
        "found by its PDF's words"
    );
    assert_eq!(
        passerelles::library::demo::seed_files(
            &app.state.db,
            passerelles::library::storage::for_config(&app.state.config),
        )
        .await
        .expect("again"),
        0,
        "once"
    );
}
