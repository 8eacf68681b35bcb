//! Tags linked to lexicon terms (issue 19, C9 "the lexicon drives the
//! rest"), on both engines: a lexicon editor links a tag to a term; the
//! publications carrying the tag are then found by any of the term's
//! labels (a synonym such as "ESS"), each reader finding only what they may
//! read; a later synonym reaches them; the term's page lists them through
//! the policy; unlinking takes it all back; members may not link.

use crate::harness::TestApp;
use crate::writing::{community, get, publication};

async fn found(client: &reqwest::Client, app: &TestApp, q: &str, id: i64) -> bool {
    let (status, html) = get(client, app.at(&format!("/search?q={q}"))).await;
    assert_eq!(status, 200, "{q}");
    html.contains(&format!("href=\"/p/{id}\""))
}

async fn tag(app: &TestApp, publication: i64, name: &str, label: &str) {
    let db = &app.state.db.pool;
    sqlx::query("INSERT INTO tags (name, label) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .bind(label)
        .execute(db)
        .await
        .expect("tag");
    sqlx::query(
        "INSERT INTO publication_tags (publication_id, tag_id) SELECT $1, id FROM tags WHERE name = $2",
    )
    .bind(publication)
    .bind(name)
    .execute(db)
    .await
    .expect("publication tag");
}

#[tokio::test]
async fn a_tag_linked_to_a_term_is_found_by_its_synonyms_and_listed_on_its_page() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("gestion", true).await;
    let (member, m) = app.logged_in("camille", false).await;
    let (outsider, _) = app.logged_in("dehors", false).await;
    let anon = app.client();
    let open = community(&app, "quartier", "open", "open", &m).await;
    let private = community(&app, "comite", "private", "request", &m).await;
    let res = app
        .post_form(
            &admin,
            "/lexicon/new",
            "/lexicon/new",
            &[
                ("pref_fr", "Économie sociale et solidaire"),
                ("pref_en", "Social and solidarity economy"),
                ("alt_labels", "ESS"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let term = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(term.starts_with("/lexicon/"), "{term}");
    let p_open = publication(&app, &m, "Assemblée de quartier", &[open], 0).await;
    let p_private = publication(&app, &m, "Réunion du comité", &[private], 0).await;
    let p_other = publication(&app, &m, "Corvée de printemps", &[open], 0).await;
    tag(&app, p_open, "economie-sociale", "économie sociale").await;
    tag(&app, p_private, "economie-sociale", "économie sociale").await;
    tag(&app, p_other, "jardinage", "jardinage").await;
    passerelles::search::reindex_all(&app.state.db)
        .await
        .expect("index");

    // Not linked yet: the synonym finds nothing.
    assert!(!found(&member, &app, "ESS", p_open).await);
    let (_, page) = get(&anon, app.at(&term)).await;
    assert!(!page.contains(&format!("href=\"/p/{p_open}\"")));

    // A member may not link a tag; a malformed tag is refused.
    let action = format!("{term}/tags");
    let res = app
        .post_form(&member, &term, &action, &[("tag", "Économie sociale")])
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .post_form(&admin, &term, &action, &[("tag", "a, b")])
        .await;
    assert_eq!(res.status(), 303);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lexicon_term_tags")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    assert_eq!(n, 0, "nothing linked by a refused form");

    // The editor links the tag, typed as people type it.
    let res = app
        .post_form(&admin, &term, &action, &[("tag", "Économie sociale")])
        .await;
    assert_eq!(res.status(), 303);
    for (who, client, sees_private) in [
        ("anonymous", &anon, false),
        ("outsider", &outsider, false),
        ("member", &member, true),
    ] {
        assert!(found(client, &app, "ESS", p_open).await, "{who}: ESS");
        assert!(
            found(client, &app, "solidarity+economy", p_open).await,
            "{who}: English label"
        );
        assert_eq!(
            found(client, &app, "ESS", p_private).await,
            sees_private,
            "{who}: the private one"
        );
        assert!(
            !found(client, &app, "ESS", p_other).await,
            "{who}: untagged"
        );
        let (status, page) = get(client, app.at(&term)).await;
        assert_eq!(status, 200);
        assert!(
            page.contains(&format!(
                "href=\"{}\"",
                passerelles::urls::tag("economie-sociale")
            )),
            "{who}: {}",
            page.split("term-tags").nth(1).unwrap_or(&page)
        );
        assert!(
            page.contains(&format!("href=\"/p/{p_open}\"")),
            "{who}: listed"
        );
        assert_eq!(
            page.contains(&format!("href=\"/p/{p_private}\"")),
            sees_private,
            "{who}: the private one on the term page"
        );
        assert!(!page.contains(&format!("href=\"/p/{p_other}\"")));
    }

    // A synonym added later reaches what carries the tag.
    assert!(!found(&anon, &app, "entrepreneuriat", p_open).await);
    let res = app
        .post_form(
            &admin,
            &format!("{term}/edit"),
            &format!("{term}/edit"),
            &[
                ("pref_fr", "Économie sociale et solidaire"),
                ("pref_en", "Social and solidarity economy"),
                ("alt_labels", "ESS\nentrepreneuriat collectif"),
                ("note", "synonyme"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(found(&anon, &app, "entrepreneuriat", p_open).await);

    // A publication tagged after the link is indexed with the term's labels.
    let p_new = publication(&app, &m, "Forum régional", &[open], 0).await;
    tag(&app, p_new, "economie-sociale", "économie sociale").await;
    {
        let mut conn = app.state.db.pool.acquire().await.expect("conn");
        passerelles::search::index_one(
            &mut conn,
            app.state.db.backend,
            passerelles::search::Source::Publications,
            p_new,
        )
        .await
        .expect("index");
    }
    assert!(found(&anon, &app, "ESS", p_new).await);

    // Unlinked: the synonym no longer finds them, the page no longer lists them.
    let res = app
        .post_form(
            &member,
            &term,
            &format!("{term}/tags/economie-sociale/remove"),
            &[],
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .post_form(
            &admin,
            &term,
            &format!("{term}/tags/economie-sociale/remove"),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(!found(&member, &app, "ESS", p_open).await);
    assert!(!found(&member, &app, "ESS", p_new).await);
    let (_, page) = get(&member, app.at(&term)).await;
    assert!(!page.contains(&format!("href=\"/p/{p_open}\"")));
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action IN ('term_tag_linked', 'term_tag_unlinked')",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .expect("audit");
    assert_eq!(audited, 2);
}
