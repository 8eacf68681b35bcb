//! Old addresses after a migration import (issue 20): the Discourse and
//! HumHub fixtures imported with their origin; the forum's own URLs
//! (topics, posts, categories, people; HumHub's permalinks and spaces),
//! asked of this instance under the forum's name, answer 301 to the new
//! pages, and under our own name when nothing of ours is there; links of
//! the posts to the forum are rewritten to the new pages, once.

use std::path::{Path, PathBuf};

use passerelles::actor::Actor;
use passerelles::portability::{self, Report};

use crate::harness::TestApp;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

async fn run(app: &TestApp, b: &portability::Bundle) -> Report {
    let none = |_: &str| None;
    let mut progress = |_: usize, _: usize| {};
    portability::import::run(&app.state, &Actor::CLI, b, &none, false, &mut progress)
        .await
        .expect("import runs")
}

async fn local(app: &TestApp, src: &str, kind: &str, id: &str) -> i64 {
    portability::import::local_id(&app.state.db, src, kind, id)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{kind} {id} imported"))
}

/// (status, Location) of a GET under the name `host`.
async fn get_as(app: &TestApp, host: Option<&str>, path: &str) -> (u16, String) {
    let mut req = app.client().get(app.at(path));
    if let Some(h) = host {
        req = req.header("host", h);
    }
    let res = req.send().await.expect("get");
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (res.status().as_u16(), location)
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn discourse_urls_redirect_and_links_to_the_forum_are_rewritten() {
    let app = TestApp::spawn().await;
    let (mut bundle, _) = portability::discourse::read_dir(&fixture("discourse")).unwrap();
    bundle.origin = Some("https://forum.rhc.example".into());
    // A post linking to another topic (absolute) and to a post of its own
    // topic (a path, as Discourse's composer writes it).
    let topic = bundle
        .publications
        .iter_mut()
        .find(|p| p.id == "101")
        .unwrap();
    let reply = topic.replies.iter_mut().find(|r| r.id == "1003").unwrap();
    reply.body =
        "Voir https://forum.rhc.example/t/sujet-102/102 et [la réponse](/t/sujet-101/101/2)."
            .into();
    let report = run(&app, &bundle).await;
    assert!(report.imported() > 0);
    let src = bundle.source.clone();
    let t101 = local(&app, &src, "publication", "101").await;
    let t102 = local(&app, &src, "publication", "102").await;
    let p1002 = local(&app, &src, "reply", "1002").await;
    let p1003 = local(&app, &src, "reply", "1003").await;
    let cat: String = sqlx::query_scalar("SELECT slug FROM communities WHERE id = $1")
        .bind(local(&app, &src, "community", "5").await)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let user: String = sqlx::query_scalar("SELECT username FROM users WHERE id = $1")
        .bind(
            local(&app, &src, "user", &{
                bundle
                    .users
                    .iter()
                    .find(|u| u.username == "marie_tremblay")
                    .unwrap()
                    .id
                    .clone()
            })
            .await,
        )
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();

    let forum = Some("forum.rhc.example");
    let reply_url = |id: i64| format!("/p/{t101}?reply={id}#r-{id}");
    for (old, new) in [
        ("/t/sujet-101/101".to_string(), format!("/p/{t101}")),
        ("/t/101".into(), format!("/p/{t101}")),
        ("/t/sujet-101/101/1".into(), format!("/p/{t101}")),
        (
            "/t/sujet-101/101?u=marie_tremblay".into(),
            format!("/p/{t101}"),
        ),
        ("/t/sujet-101/101/2".into(), reply_url(p1002)),
        ("/p/1002".into(), reply_url(p1002)),
        ("/t/sujet-102/102/".into(), format!("/p/{t102}")),
        ("/c/habitation-communautaire".into(), format!("/c/{cat}")),
        ("/c/habitation-communautaire/5".into(), format!("/c/{cat}")),
        ("/u/marie_tremblay".into(), passerelles::urls::user(&user)),
    ] {
        assert_eq!(
            get_as(&app, forum, &old).await,
            (301, app.at(&new)),
            "{old}"
        );
    }
    // A private message was not moved: its address is not found.
    assert_eq!(get_as(&app, forum, "/t/sujet-103/103").await.0, 404);
    // Under our own name, an old path where we have nothing moves too.
    assert_eq!(
        get_as(&app, None, "/t/sujet-101/101").await,
        (301, format!("/p/{t101}"))
    );
    // The redirect leads to the page.
    let res = app
        .client()
        .get(app.at(&format!("/p/{t101}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("acquisition"));

    // The post's links now lead here.
    let body: String = sqlx::query_scalar("SELECT body FROM replies WHERE id = $1")
        .bind(p1003)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let expected = format!(
        "Voir {}/p/{t102} et [la réponse](/p/{t101}?reply={p1002}#r-{p1002}).",
        app.url
    );
    assert_eq!(body, expected);
    let html: String = sqlx::query_scalar("SELECT body_html FROM replies WHERE id = $1")
        .bind(p1003)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(
        html.contains(&format!("href=\"/p/{t101}?reply={p1002}#r-{p1002}\"")),
        "{html}"
    );
    let (status, _) = get_as(&app, None, &format!("/p/{t102}")).await;
    assert_eq!(status, 200);

    // Again: the same addresses, the text rewritten once.
    let aliases = count(&app, "SELECT COUNT(*) FROM import_aliases").await;
    let again = run(&app, &bundle).await;
    assert_eq!(again.imported(), 0);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM import_aliases").await,
        aliases
    );
    let body_again: String = sqlx::query_scalar("SELECT body FROM replies WHERE id = $1")
        .bind(p1003)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(body_again, expected);
}

#[tokio::test]
async fn humhub_permalinks_and_spaces_redirect() {
    let app = TestApp::spawn().await;
    let (bundle, _) = portability::humhub::read_dir(&fixture("humhub")).unwrap();
    // The network's address comes from the profile links of its API.
    assert_eq!(bundle.origin.as_deref(), Some("https://reseau.example"));
    run(&app, &bundle).await;
    let src = bundle.source.clone();
    let post = local(&app, &src, "publication", "post-21").await;
    let comment = local(&app, &src, "reply", "comment-301").await;
    let space: String = sqlx::query_scalar("SELECT slug FROM communities WHERE id = $1")
        .bind(local(&app, &src, "community", "1").await)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    // "admin" is reserved here: the person got another name, the old
    // profile address follows.
    let admin: String = sqlx::query_scalar("SELECT username FROM users WHERE id = $1")
        .bind(local(&app, &src, "user", "1").await)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_ne!(admin, "admin");
    let host = Some("reseau.example");
    for (old, new) in [
        ("/content/perma?id=101".to_string(), format!("/p/{post}")),
        (
            "/content/perma?id=101&commentId=301".into(),
            format!("/p/{post}?reply={comment}#r-{comment}"),
        ),
        ("/s/securite-alimentaire/".into(), format!("/c/{space}")),
        ("/u/admin/".into(), passerelles::urls::user(&admin)),
    ] {
        let got = get_as(&app, host, &old).await;
        assert_eq!(got, (301, app.at(&new)), "{old}");
    }
    // A draft was not moved.
    assert_eq!(get_as(&app, host, "/content/perma?id=105").await.0, 404);
}

/// The administration page of imports: an administrator sends a community
/// archive, first as a dry run (nothing written), then for real; each run
/// is listed with its status and report; a member may not see the page.
#[tokio::test]
async fn admin_imports_page_dry_run_then_import_with_report() {
    // An archive made on a first instance.
    let a = TestApp::spawn().await;
    let owner = a.create_user("odile", false).await;
    let cid = crate::writing::community(&a, "jardin", "open", "open", &owner).await;
    let loaded = passerelles::communities::access::Loaded::new(
        passerelles::communities::by_slug(&a.state.db, "jardin")
            .await
            .unwrap()
            .unwrap(),
        None,
    );
    assert!(cid > 0);
    let mut zip = Vec::new();
    portability::export::write(&a.state, &Actor::CLI, &loaded, &mut zip)
        .await
        .expect("exports");

    let b = TestApp::spawn().await;
    let (admin, _) = b.logged_in("alice", true).await;
    let (member, _) = b.logged_in("bob", false).await;
    assert_eq!(
        member
            .get(b.at("/admin/imports"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let send = |dry: bool, bytes: Vec<u8>| {
        let b = &b;
        let admin = &admin;
        async move {
            let csrf = b.csrf(admin, "/admin/imports").await;
            let mut form = reqwest::multipart::Form::new().text("csrf", csrf).part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name("jardin.zip"),
            );
            if dry {
                form = form.text("dry_run", "1");
            }
            admin
                .post(b.at("/admin/imports"))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    // Not an archive: the form says so.
    let res = send(true, b"pas un zip".to_vec()).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("n’est pas une archive"));

    let wait = |path: String| {
        let b = &b;
        let admin = &admin;
        async move {
            for _ in 0..200 {
                let res = admin.get(b.at(&path)).send().await.unwrap();
                assert_eq!(res.status(), 200);
                let going = res.headers().get("refresh").is_some();
                let html = res.text().await.unwrap();
                if !going {
                    return html;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("{path} did not finish");
        }
    };
    let res = send(true, zip.clone()).await;
    assert_eq!(res.status(), 303);
    let dry_run_page = res.headers()["location"].to_str().unwrap().to_string();
    let html = wait(dry_run_page.clone()).await;
    assert!(html.contains("terminée"), "{html}");
    assert!(html.contains("essai à blanc, rien n’a été écrit"));
    let communities = count(&b, "SELECT COUNT(*) FROM communities WHERE slug = 'jardin'").await;
    assert_eq!(communities, 0, "a dry run writes nothing");

    let res = send(false, zip).await;
    assert_eq!(res.status(), 303);
    let html = wait(res.headers()["location"].to_str().unwrap().to_string()).await;
    assert!(html.contains("terminée"));
    assert_eq!(
        count(&b, "SELECT COUNT(*) FROM communities WHERE slug = 'jardin'").await,
        1
    );
    let list = admin
        .get(b.at("/admin/imports"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains(&dry_run_page), "both runs are listed");
    assert!(list.contains("passerelles:"), "with their source");
    // The old community address now leads to it.
    let old_host = a.url.trim_start_matches("http://").to_string();
    assert_eq!(
        get_as(&b, Some(&old_host), "/c/jardin").await,
        (301, b.at("/c/jardin"))
    );
}

/// (status, Location, Cache-Control) of a GET by `client` under `host`.
async fn get_by(
    client: &reqwest::Client,
    app: &TestApp,
    host: Option<&str>,
    path: &str,
) -> (u16, String, String) {
    let mut req = client.get(app.at(path));
    if let Some(h) = host {
        req = req.header("host", h);
    }
    let res = req.send().await.expect("get");
    let header = |n: &str| {
        res.headers()
            .get(n)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    (
        res.status().as_u16(),
        header("location"),
        header("cache-control"),
    )
}

/// Old addresses of a private community's items after its import: someone
/// who may not see an item gets exactly what an address no item claims
/// gets — under the old name, a community's sub-page leads to the same
/// sub-page here (its card is public, its address with it), a bare id to
/// our own page of that id — so the item's existence, new id or new slug
/// never shows; a member is sent to each item, with a redirect no shared
/// cache may keep. The community's own old address leads to its card, for
/// anyone.
#[tokio::test]
async fn old_addresses_of_a_private_community_reveal_nothing_to_outsiders() {
    use passerelles::policy::{MemberState, Role};
    use passerelles::portability::{Bundle, Community, File, Member, Publication, User, WikiPage};
    let app = TestApp::spawn().await;
    // "comite" is taken here: the imported community gets another slug.
    let (_, local_owner) = app.logged_in("locale", false).await;
    crate::writing::community(&app, "comite", "open", "open", &local_owner).await;
    let bytes = b"Budget 2027 du comite\n".to_vec();
    let sha = passerelles::library::storage::sha256_hex(&bytes);
    let bundle = Bundle {
        format: portability::FORMAT.into(),
        version: portability::VERSION,
        source: "passerelles:ancien.example/comite".into(),
        origin: Some("https://ancien.example".into()),
        exported_at: 1,
        users: vec![User {
            id: "1".into(),
            username: "fondatrice".into(),
            created_at: 1,
            ..Default::default()
        }],
        communities: vec![Community {
            id: "10".into(),
            aliases: vec!["/c/comite".into()],
            slug: "comite".into(),
            name: "Comité de quartier".into(),
            visibility: "private".into(),
            join_policy: "request".into(),
            created_at: 1,
            members: vec![Member {
                user: "1".into(),
                role: "owner".into(),
                state: "active".into(),
                joined_at: 1,
            }],
            ..Default::default()
        }],
        publications: vec![Publication {
            id: "7000".into(),
            aliases: vec!["/p/7000".into()],
            kind: "discussion".into(),
            title: "Budget confidentiel".into(),
            body: "Les chiffres du comité.".into(),
            author: Some("1".into()),
            communities: vec!["10".into()],
            status: "visible".into(),
            created_at: 2,
            updated_at: 2,
            ..Default::default()
        }],
        events: Vec::new(),
        wiki: vec![WikiPage {
            id: "30".into(),
            aliases: vec!["/c/comite/wiki/plan-secret".into()],
            community: "10".into(),
            slug: "plan-secret".into(),
            title: "Plan secret".into(),
            body: "Le plan.".into(),
            author: Some("1".into()),
            created_at: 3,
            updated_at: 3,
            ..Default::default()
        }],
        files: vec![File {
            id: "40".into(),
            aliases: vec!["/c/comite/files/40".into()],
            community: "10".into(),
            name: "budget.txt".into(),
            content_type: "text/plain".into(),
            sha256: sha.clone(),
            size: bytes.len() as i64,
            uploaded_by: Some("1".into()),
            created_at: 4,
            ..Default::default()
        }],
    };
    let blobs = |s: &str| (s == sha).then(|| bytes.clone());
    let mut progress = |_: usize, _: usize| {};
    let report = portability::import::run(
        &app.state,
        &Actor::CLI,
        &bundle,
        &blobs,
        false,
        &mut progress,
    )
    .await
    .expect("import runs");
    assert_eq!(report.skipped(), 0, "{:?}", report.lines);
    let src = bundle.source.clone();
    let cid = local(&app, &src, "community", "10").await;
    let slug: String = sqlx::query_scalar("SELECT slug FROM communities WHERE id = $1")
        .bind(cid)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_ne!(slug, "comite");
    let pid = local(&app, &src, "publication", "7000").await;
    let fid = local(&app, &src, "file", "40").await;
    let (member_c, member) = app.logged_in("membre", false).await;
    passerelles::communities::set_membership(
        &app.state.db,
        cid,
        member.id,
        Role::Member,
        MemberState::Active,
        "",
    )
    .await
    .expect("member");
    let (outsider_c, _) = app.logged_in("dehors", false).await;
    let anonymous = app.client();
    // Its first page gives it a form cookie (and a private answer): once.
    anonymous.get(app.at("/")).send().await.expect("home");
    let old = Some("ancien.example");

    // The community's old address: its card, for anyone.
    for c in [&anonymous, &outsider_c, &member_c] {
        let (s, loc, _) = get_by(c, &app, old, "/c/comite").await;
        assert_eq!((s, loc), (301, app.at(&format!("/c/{slug}"))));
    }
    // Old address → (what an outsider gets, what the same kind of address
    // nobody claims gets, where a member goes).
    let cases = [
        ("/p/7000", "/p/7001", format!("/p/{pid}")),
        (
            "/c/comite/wiki/plan-secret",
            "/c/comite/wiki/autre-page",
            format!("/c/{slug}/wiki/plan-secret"),
        ),
        (
            "/c/comite/files/40",
            "/c/comite/files/41",
            format!("/c/{slug}/files/{fid}"),
        ),
    ];
    for (claimed, unclaimed, target) in &cases {
        for (who, c) in [("anonymous", &anonymous), ("outsider", &outsider_c)] {
            for host in [old, None] {
                let (s1, l1, c1) = get_by(c, &app, host, claimed).await;
                let (s0, l0, c0) = get_by(c, &app, host, unclaimed).await;
                // The unclaimed address's answer, with its own path (a
                // community's sub-page keeps the path asked).
                let last = |p: &str| p.rsplit('/').next().unwrap_or("").to_string();
                let swapped = match l1.strip_suffix(&last(claimed)) {
                    Some(head) => format!("{head}{}", last(unclaimed)),
                    None => l1.clone(),
                };
                assert_eq!(
                    (s1, swapped, c1),
                    (s0, l0, c0),
                    "{who} asks {claimed} under {host:?}"
                );
                if host.is_none() {
                    assert_eq!(s1, 404, "{who} asks {claimed} under our name");
                }
            }
        }
        for host in [old, None] {
            let (s, loc, cache) = get_by(&member_c, &app, host, claimed).await;
            let want = if host.is_some() {
                app.at(target)
            } else {
                target.clone()
            };
            assert_eq!(
                (s, loc),
                (301, want),
                "the member follows {claimed} under {host:?}"
            );
            assert!(
                cache.starts_with("private"),
                "{claimed}: Cache-Control «{cache}»"
            );
        }
    }
    // And the member indeed reads them there.
    let res = member_c
        .get(app.at(&format!("/p/{pid}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Les chiffres du comité"));
}
