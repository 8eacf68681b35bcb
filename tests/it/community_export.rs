//! Community export and import (issue 20): a community made through the
//! pages (members, publications with threaded replies and tags, a wiki
//! page, an event, files in a folder) is exported by its owner, the archive
//! is imported into a second, fresh instance, and every page of the
//! community reads the same there; importing the archive again changes
//! nothing; a member who is not the owner may not export. Version 2: a
//! publication's earlier versions and attachments travel; the old
//! addresses, asked under the old instance's name, answer 301 to the new
//! pages; links of the texts to the old instance lead to the new pages;
//! a wiki page's revisions (authors, notes, a restore) travel and its
//! history reads the same.

use passerelles::actor::Actor;
use passerelles::error::AppError;
use passerelles::portability::{self, Outcome};
use reqwest::multipart::{Form, Part};

use crate::data_rights::{publish, reply};
use crate::harness::TestApp;
use crate::writing::{community, member};

/// The text a reader sees in `<main>`: tags dropped, entities decoded,
/// white space collapsed.
fn main_text(html: &str) -> String {
    let start = html.find("<main").unwrap_or(0);
    let end = html.rfind("</main>").unwrap_or(html.len());
    let mut out = String::new();
    let mut in_tag = false;
    for c in html[start..end].chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    crate::harness::html_unescape(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

async fn page(app: &TestApp, path: &str) -> String {
    let res = app.client().get(app.at(path)).send().await.expect("get");
    assert_eq!(res.status(), 200, "{path}");
    main_text(&res.text().await.expect("body"))
}

async fn local(app: &TestApp, source: &str, kind: &str, id: i64) -> i64 {
    portability::import::local_id(&app.state.db, source, kind, &id.to_string())
        .await
        .expect("ledger")
        .unwrap_or_else(|| panic!("{kind} {id} was not imported"))
}

/// The ids of a wiki page's revisions, oldest first.
async fn wiki_revisions(app: &TestApp, page: &str) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT r.id FROM wiki_revisions r JOIN wiki_pages p ON p.id = r.page_id \
         WHERE p.slug = $1 ORDER BY r.id",
    )
    .bind(page)
    .fetch_all(&app.state.db.pool)
    .await
    .expect("revisions")
}

#[tokio::test]
async fn community_export_then_import_into_a_fresh_instance_gives_the_same_pages() {
    let a = TestApp::spawn().await;
    let (owner_c, owner) = a.logged_in("ariane", false).await;
    let (member_c, m) = a.logged_in("bastien", false).await;
    let (_, quiet) = a.logged_in("celine", false).await;
    let cid = community(&a, "atelier", "open", "open", &owner).await;
    member(&a, cid, &m, "animator", "active").await;
    member(&a, cid, &quiet, "member", "active").await;
    // The fixtures above write memberships directly: count them as the
    // operations do.
    sqlx::query("UPDATE communities SET member_count = 3 WHERE id = $1")
        .bind(cid)
        .execute(&a.state.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE users SET findable = 1, display_name = 'Bastien B.' WHERE id = $1")
        .bind(m.id)
        .execute(&a.state.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE communities SET description = 'Un atelier de réparation.', charter = 'Respect et entraide.' WHERE id = $1")
        .bind(cid)
        .execute(&a.state.db.pool)
        .await
        .unwrap();

    let cid_s = cid.to_string();
    let p1 = publish(
        &a,
        &owner_c,
        &[
            ("kind", "discussion"),
            ("title", "Réparer un vélo"),
            ("body", "Les **outils** sont au local, #entraide."),
            ("tags", "vélo, réparation"),
            ("communities", &cid_s),
        ],
        Vec::new(),
    )
    .await;
    let p2_body = format!(
        "Pour la roue arrière, voir [le vélo]({}/p/{p1}) et [le fil](/p/{p1}).",
        a.state.config.public_url()
    );
    let p2 = publish(
        &a,
        &member_c,
        &[
            ("kind", "question"),
            ("title", "Qui a une clé de 15 ?"),
            ("body", &p2_body),
            ("communities", &cid_s),
        ],
        vec![("liste.txt", b"Cle de 15, cle de 17\n".to_vec())],
    )
    .await;
    // The first publication is edited once: an earlier version.
    let csrf = a.csrf(&owner_c, &format!("/p/{p1}/edit")).await;
    let res = owner_c
        .post(a.at(&format!("/p/{p1}/edit")))
        .multipart(
            Form::new()
                .text("csrf", csrf)
                .text("title", "Réparer un vélo")
                .text(
                    "body",
                    "Les **outils** sont au local (clé au bar), #entraide.",
                )
                .text("tags", "vélo, réparation"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "edited");
    let aid: i64 = sqlx::query_scalar("SELECT id FROM attachments WHERE publication_id = $1")
        .bind(p2)
        .fetch_one(&a.state.db.pool)
        .await
        .unwrap();
    let r1 = reply(&a, &member_c, p1, "J'apporte ma pompe.").await;
    let r1_s = r1.to_string();
    let res = a
        .post_form(
            &owner_c,
            &format!("/p/{p1}"),
            &format!("/p/{p1}/replies"),
            &[("body", "Merci, parfait !"), ("parent_id", r1_s.as_str())],
        )
        .await;
    assert_eq!(res.status(), 303);
    reply(&a, &owner_c, p2, "Oui, dans le tiroir bleu.").await;

    let res = a
        .post_form(
            &owner_c,
            "/c/atelier/wiki/new",
            "/c/atelier/wiki/new",
            &[
                ("title", "Horaire du local"),
                ("body", "Ouvert le **samedi**, de 10 h à 16 h."),
                ("parent", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    // The animator edits the page with a note, then the owner restores its
    // first version: three revisions, two authors, one restore — all of
    // which must travel.
    let wiki_page = "/c/atelier/wiki/horaire-du-local";
    let first_rev: i64 =
        sqlx::query_scalar("SELECT revision_id FROM wiki_pages WHERE slug = 'horaire-du-local'")
            .fetch_one(&a.state.db.pool)
            .await
            .unwrap();
    let edit = format!("{wiki_page}/edit");
    let res = a
        .post_form(
            &member_c,
            &edit,
            &edit,
            &[
                ("title", "Horaire du local"),
                (
                    "body",
                    "Ouvert le **samedi** et le **dimanche**, de 10 h à 16 h.",
                ),
                ("parent", ""),
                ("note", "ajout du dimanche"),
                ("base_revision", &first_rev.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "the animator edits the page");
    let res = a
        .post_form(
            &owner_c,
            &format!("{wiki_page}/history"),
            &format!("{wiki_page}/restore"),
            &[("revision", &first_rev.to_string())],
        )
        .await;
    assert_eq!(res.status(), 303, "the owner restores the first version");
    let revs_a = wiki_revisions(&a, "horaire-du-local").await;
    assert_eq!(revs_a.len(), 3);

    let res = a
        .post_form(
            &owner_c,
            "/events/new",
            "/events/new",
            &[
                ("title", "Clinique de réparation"),
                ("description", "Apportez vos vélos."),
                ("communities", "atelier"),
                ("start", "2027-05-08T10:00"),
                ("end", "2027-05-08T16:00"),
                ("place_kind", "address"),
                ("address", "1200, rue Fullum, Montréal"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let event: i64 = sqlx::query_scalar("SELECT MAX(id) FROM events")
        .fetch_one(&a.state.db.pool)
        .await
        .unwrap();

    let csrf = a.csrf(&owner_c, "/c/atelier/files").await;
    let res = owner_c
        .post(a.at("/c/atelier/files/folders"))
        .form(&[("csrf", csrf.as_str()), ("name", "Guides"), ("folder", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let folder: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM space_folders")
        .fetch_one(&a.state.db.pool)
        .await
        .unwrap();
    let csrf = a.csrf(&owner_c, "/c/atelier/files").await;
    let res = owner_c
        .post(a.at("/c/atelier/files/upload"))
        .multipart(
            Form::new()
                .text("csrf", csrf)
                .text("folder", folder.to_string())
                .part(
                    "files",
                    Part::bytes(b"Guide de la roue libre\n".to_vec()).file_name("roue.txt"),
                ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    // A member who is not the owner may not export it.
    let loaded = passerelles::communities::access::Loaded::new(
        passerelles::communities::by_slug(&a.state.db, "atelier")
            .await
            .unwrap()
            .unwrap(),
        passerelles::communities::membership(&a.state.db, cid, Some(&m))
            .await
            .unwrap(),
    );
    let mut nothing = Vec::new();
    let refused =
        portability::export::write(&a.state, &Actor::person(&m), &loaded, &mut nothing).await;
    assert!(matches!(refused, Err(AppError::Forbidden)));
    assert!(nothing.is_empty());

    // The owner exports.
    let loaded = passerelles::communities::access::Loaded::new(
        loaded.c.clone(),
        passerelles::communities::membership(&a.state.db, cid, Some(&owner))
            .await
            .unwrap(),
    );
    let path = a.data_dir.join("atelier.zip");
    let mut file = std::fs::File::create(&path).unwrap();
    let bundle = portability::export::write(&a.state, &Actor::person(&owner), &loaded, &mut file)
        .await
        .expect("the owner exports");
    drop(file);
    assert_eq!(bundle.publications.len(), 2);
    assert_eq!(bundle.files.len(), 1);
    assert_eq!(bundle.version, 2);
    let first = bundle
        .publications
        .iter()
        .find(|p| p.id == p1.to_string())
        .unwrap();
    assert_eq!(first.revisions.len(), 1, "the version before the edit");
    assert_eq!(
        first.revisions[0].body,
        "Les **outils** sont au local, #entraide."
    );
    let second = bundle
        .publications
        .iter()
        .find(|p| p.id == p2.to_string())
        .unwrap();
    assert_eq!(second.attachments.len(), 1);
    assert_eq!(second.aliases, vec![format!("/p/{p2}")]);
    assert!(
        bundle.users.iter().all(|u| u.email.is_none()),
        "no addresses leave"
    );
    let wp = &bundle.wiki[0];
    let authors: Vec<_> = wp
        .revisions
        .iter()
        .map(|r| r.author.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        authors,
        [owner.id, m.id, owner.id].map(|i| i.to_string()),
        "every revision of the wiki page, with its author"
    );
    assert_eq!(wp.revisions[1].note, "ajout du dimanche");
    assert_eq!(
        wp.revisions[2].restored_from.as_deref(),
        Some(wp.revisions[0].id.as_str())
    );
    assert_eq!(wp.revisions[2].body, wp.body, "the current one last");
    let bastien = bundle
        .users
        .iter()
        .find(|u| u.username == "bastien")
        .unwrap();
    assert!(bastien.consents.findable, "consents travel");

    // Independent readers: Python's zipfile, jsonschema against the
    // documented schema, the files' SHA-256, every reference resolved.
    let venv = format!("{}/tests/rp/.venv/bin/python3", env!("CARGO_MANIFEST_DIR"));
    let python = if std::path::Path::new(&venv).exists() {
        venv
    } else {
        "python3".into()
    };
    let out = std::process::Command::new(&python)
        .arg(format!(
            "{}/tests/rp/community_export.py",
            env!("CARGO_MANIFEST_DIR")
        ))
        .arg(&path)
        .arg(format!(
            "{}/docs/community-export/schema-v2.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .output()
        .expect("run community_export.py");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("summary");
    assert_eq!(summary["problems"], serde_json::json!([]));
    assert_eq!(summary["publications"], 2);
    assert_eq!(summary["replies"], 3);
    assert_eq!(
        summary["files_hashed"], 2,
        "the space's file and the attachment"
    );
    assert_eq!(summary["attachments"], 1);
    assert_eq!(summary["revisions"], 1);
    assert_eq!(summary["wiki_revisions"], 3);

    // The archive's community.json is a documented bundle, version 1.
    let archive = portability::export::Archive::open(&path).expect("archive reads");
    assert_eq!(archive.bundle, bundle);
    assert_eq!(archive.bundle.format, "passerelles-community");

    // The same archive from the settings page, for the owner only.
    let res = a
        .post_form(&owner_c, "/c/atelier/settings", "/c/atelier/export", &[])
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let zipped = res.bytes().await.unwrap();
    let web_path = a.data_dir.join("atelier-web.zip");
    std::fs::write(&web_path, &zipped).unwrap();
    let mut from_web = portability::export::Archive::open(&web_path)
        .expect("a zip")
        .bundle;
    from_web.exported_at = bundle.exported_at;
    assert_eq!(from_web, bundle);
    let res = a
        .post_form(&member_c, "/c/atelier", "/c/atelier/export", &[])
        .await;
    assert!(
        res.status() == 403 || res.status() == 404,
        "an animator may not export: {}",
        res.status()
    );

    // A second, fresh instance.
    let b = TestApp::spawn().await;
    let blobs = |sha: &str| archive.blob(sha);
    let mut progress = |_: usize, _: usize| {};
    let report = portability::import::run(
        &b.state,
        &Actor::CLI,
        &archive.bundle,
        &blobs,
        false,
        &mut progress,
    )
    .await
    .expect("imports");
    assert_eq!(report.skipped(), 0, "{:?}", report.lines);
    let src = archive.bundle.source.clone();

    let mut paths = vec![
        ("/c/atelier".to_string(), "/c/atelier".to_string()),
        ("/c/atelier/members".into(), "/c/atelier/members".into()),
        ("/c/atelier/wiki".into(), "/c/atelier/wiki".into()),
        (
            "/c/atelier/wiki/horaire-du-local".into(),
            "/c/atelier/wiki/horaire-du-local".into(),
        ),
        ("/c/atelier/files".into(), "/c/atelier/files".into()),
    ];
    for p in [p1, p2] {
        let q = local(&b, &src, "publication", p).await;
        paths.push((format!("/p/{p}"), format!("/p/{q}")));
    }
    let e = local(&b, &src, "event", event).await;
    paths.push((format!("/e/{event}"), format!("/e/{e}")));
    let f = local(&b, &src, "file", bundle.files[0].id.parse().unwrap()).await;
    let bf: i64 = sqlx::query_scalar("SELECT folder_id FROM space_files WHERE id = $1")
        .bind(f)
        .fetch_one(&b.state.db.pool)
        .await
        .unwrap();
    paths.push((
        format!("/c/atelier/files?folder={folder}"),
        format!("/c/atelier/files?folder={bf}"),
    ));
    let q1 = local(&b, &src, "publication", p1).await;
    let q2 = local(&b, &src, "publication", p2).await;
    paths.push((format!("/p/{p1}/history"), format!("/p/{q1}/history")));
    // The wiki page's history and the comparison of two of its versions
    // read the same (a restore names the version it brought back by its
    // id, which is the new instance's there).
    let revs_b = wiki_revisions(&b, "horaire-du-local").await;
    assert_eq!(revs_b.len(), 3, "every revision imported");
    paths.push((
        format!("{wiki_page}/history"),
        format!("{wiki_page}/history"),
    ));
    paths.push((
        format!("{wiki_page}/diff?from={}&to={}", revs_a[0], revs_a[1]),
        format!("{wiki_page}/diff?from={}&to={}", revs_b[0], revs_b[1]),
    ));
    let restored = |t: String, old: i64, new: i64| {
        ["restauration de la version", "restores version"]
            .iter()
            .fold(t, |t, l| {
                t.replace(&format!("{l} {old}"), &format!("{l} {new}"))
            })
    };
    for (pa, pb) in &paths {
        let (ta, tb) = (page(&a, pa).await, page(&b, pb).await);
        assert!(ta.len() > 40, "{pa} has content: {ta}");
        let ta = restored(ta, revs_a[0], revs_b[0]);
        assert_eq!(ta, tb, "{pa} on the first instance, {pb} on the second");
    }
    let wid = local(&b, &src, "wiki", bundle.wiki[0].id.parse().unwrap()).await;
    let (current, from, editor): (i64, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT p.revision_id, r.restored_from, (SELECT author_id FROM wiki_revisions WHERE id = $2) \
         FROM wiki_pages p JOIN wiki_revisions r ON r.id = p.revision_id WHERE p.id = $1",
    )
    .bind(wid)
    .bind(revs_b[1])
    .fetch_one(&b.state.db.pool)
    .await
    .unwrap();
    assert_eq!(current, revs_b[2], "the last revision is the current one");
    assert_eq!(from, Some(revs_b[0]), "the restore names the new id");
    let bastien_b: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'bastien'")
        .fetch_one(&b.state.db.pool)
        .await
        .unwrap();
    assert_eq!(editor, Some(bastien_b), "authorship mapped");
    // The file's bytes came along.
    let res = b
        .client()
        .get(b.at(&format!("/c/atelier/files/{f}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(&res.bytes().await.unwrap()[..], b"Guide de la roue libre\n");

    // The attachment came along, bytes and all.
    let qa = local(&b, &src, "attachment", aid).await;
    let res = b
        .client()
        .get(b.at(&format!("/p/{q2}/attachments/{qa}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(&res.bytes().await.unwrap()[..], b"Cle de 15, cle de 17\n");

    // The old addresses, asked of the new instance under the old one's
    // name (its domain now points there), answer 301 to the new pages.
    let old_host = a.url.trim_start_matches("http://").to_string();
    let qr1 = local(&b, &src, "reply", r1).await;
    let moved = [
        (format!("/p/{p1}"), format!("/p/{q1}")),
        (format!("/p/{p2}/"), format!("/p/{q2}")),
        ("/c/atelier".into(), "/c/atelier".into()),
        ("/c/atelier/members".into(), "/c/atelier/members".into()),
        (
            format!("/p/{p1}?reply={r1}"),
            format!("/p/{q1}?reply={qr1}#r-{qr1}"),
        ),
        (format!("/e/{event}"), format!("/e/{e}")),
        ("/u/bastien".into(), "/u/bastien".into()),
        (
            "/c/atelier/wiki/horaire-du-local".into(),
            "/c/atelier/wiki/horaire-du-local".into(),
        ),
        (
            format!("/c/atelier/files/{}", bundle.files[0].id),
            format!("/c/atelier/files/{f}"),
        ),
        (
            format!("/p/{p2}/attachments/{aid}"),
            format!("/p/{q2}/attachments/{qa}"),
        ),
    ];
    for (old, new) in &moved {
        let res = b
            .client()
            .get(b.at(old))
            .header("host", &old_host)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 301, "{old}");
        assert_eq!(res.headers()["location"], b.at(new).as_str(), "{old}");
    }
    // What the old instance never had is not found.
    let res = b
        .client()
        .get(b.at("/p/999999"))
        .header("host", &old_host)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // The links of the texts to the old instance lead to the new pages.
    let body: String = sqlx::query_scalar("SELECT body FROM publications WHERE id = $1")
        .bind(q2)
        .fetch_one(&b.state.db.pool)
        .await
        .unwrap();
    assert_eq!(
        body,
        format!(
            "Pour la roue arrière, voir [le vélo]({}/p/{q1}) et [le fil](/p/{q1}).",
            b.url
        )
    );
    let html = b
        .client()
        .get(b.at(&format!("/p/{q2}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("href=\"{}/p/{q1}\"", b.url)),
        "absolute link rewritten"
    );
    assert!(
        html.contains(&format!("href=\"/p/{q1}\"")),
        "path link rewritten"
    );
    assert!(
        page(&b, &format!("/p/{q1}"))
            .await
            .contains("Réparer un vélo")
    );

    // Again: nothing changes.
    let again = portability::import::run(
        &b.state,
        &Actor::CLI,
        &archive.bundle,
        &blobs,
        false,
        &mut progress,
    )
    .await
    .unwrap();
    assert_eq!(again.imported(), 0);
    assert!(
        again
            .lines
            .iter()
            .all(|l| matches!(l.outcome, Outcome::Unchanged(_)))
    );
    for (pa, pb) in &paths {
        assert_eq!(
            restored(page(&a, pa).await, revs_a[0], revs_b[0]),
            page(&b, pb).await,
            "{pa} after a second import"
        );
    }
    assert_eq!(
        wiki_revisions(&b, "horaire-du-local").await,
        revs_b,
        "no revision added"
    );
    let again_body: String = sqlx::query_scalar("SELECT body FROM publications WHERE id = $1")
        .bind(q2)
        .fetch_one(&b.state.db.pool)
        .await
        .unwrap();
    assert_eq!(again_body, body, "links are rewritten once");
}
