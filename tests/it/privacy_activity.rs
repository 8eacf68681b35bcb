//! Private traces, issue 12 item 3: activity side channels — a private
//! community's activity date, the link-preview cache and its "already
//! shared" hint, publications of unlisted communities enumerated by id.
//! Helpers are shared with `privacy.rs`.

use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::privacy::{Site, allow_loopback, api_get, gist, page, publish, reply};
use crate::writing::{community, member, token_for};

// ---- 3. activity side channels ---------------------------------------------------------------

/// Posting or replying inside a private community moves nothing an
/// outsider sees: not the API's `last_activity_at`, not the directory's
/// order (pages and API). Its members see the real date.
#[tokio::test]
async fn private_activity_does_not_move_for_outsiders() {
    let app = TestApp::spawn().await;
    let owner = app.create_user("proprio", false).await;
    let owner_token = token_for(&app, &owner).await;
    let outsider = app.create_user("dehors", false).await;
    let outsider_token = token_for(&app, &outsider).await;
    let private = community(&app, "cercle", "private", "request", &owner).await;
    let open = community(&app, "place", "open", "open", &owner).await;
    // Both were last active long ago, the open one more recently.
    let t = passerelles::db::now();
    for (id, age) in [(private, 20_000), (open, 10_000)] {
        sqlx::query("UPDATE communities SET created_at = $1, last_activity_at = $1 WHERE id = $2")
            .bind(t - age)
            .bind(id)
            .execute(&app.state.db.pool)
            .await
            .expect("dates");
    }
    let activity = |token: Option<String>| {
        let app = &app;
        async move {
            let (s, body) = api_get(app, token.as_deref(), "/api/v1/communities/cercle").await;
            assert_eq!(s, 200, "{body}");
            let v: Value = serde_json::from_str(&body).expect("json");
            v["last_activity_at"].as_str().expect("date").to_string()
        }
    };
    let directory_order = |token: Option<String>| {
        let app = &app;
        async move {
            let (s, body) = api_get(app, token.as_deref(), "/api/v1/communities").await;
            assert_eq!(s, 200, "{body}");
            let v: Value = serde_json::from_str(&body).expect("json");
            v["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|c| c["slug"].as_str().unwrap_or("").to_string())
                .collect::<Vec<_>>()
        }
    };
    let before_anon = activity(None).await;
    let before_outsider = activity(Some(outsider_token.clone())).await;
    let before_owner = activity(Some(owner_token.clone())).await;
    assert_eq!(directory_order(None).await, ["place", "cercle"]);

    let pid = publish(
        &app,
        &owner_token,
        json!({"kind": "discussion", "title": "Dedans", "body": "x", "communities": ["cercle"]}),
    )
    .await;
    reply(&app, &owner_token, pid, "Et encore").await;

    assert_eq!(activity(None).await, before_anon, "anonymous");
    assert_eq!(
        activity(Some(outsider_token.clone())).await,
        before_outsider,
        "outsider"
    );
    assert_ne!(
        activity(Some(owner_token.clone())).await,
        before_owner,
        "its members see the real date"
    );
    assert_eq!(directory_order(None).await, ["place", "cercle"]);
    assert_eq!(
        directory_order(Some(outsider_token.clone())).await,
        ["place", "cercle"]
    );
    let (_, html) = page(&app.client(), app.at("/c")).await;
    let (p, c) = (
        html.find("/c/place\"").expect("open listed"),
        html.find("/c/cercle\"").expect("private listed as a card"),
    );
    assert!(p < c, "the directory page keeps its order");

    // Activity in the open community moves it as before.
    let before = activity(None).await;
    publish(
        &app,
        &owner_token,
        json!({"kind": "discussion", "title": "Dehors", "body": "x", "communities": ["place"]}),
    )
    .await;
    assert_eq!(
        activity(None).await,
        before,
        "the private one still does not move"
    );
}

/// The link-preview cache and the "already shared" hint tell nobody about a
/// link shared where they cannot see: someone else sharing the same URL is
/// not told, gets a fresh fetch (the site is asked again) into a preview of
/// their own; whoever may see the first publication is told and reuses it.
#[tokio::test]
async fn link_previews_and_already_shared_follow_what_one_may_see() {
    allow_loopback();
    let site = Site::start().await;
    let app = TestApp::spawn().await;
    let owner = app.create_user("proprio", false).await;
    let owner_token = token_for(&app, &owner).await;
    let outsider = app.create_user("dehors", false).await;
    let outsider_token = token_for(&app, &outsider).await;
    let insider = app.create_user("membre", false).await;
    let insider_token = token_for(&app, &insider).await;
    let private = community(&app, "cercle", "private", "request", &owner).await;
    member(&app, private, &insider, "member", "active").await;
    let unlisted = community(&app, "coulisses", "unlisted", "open", &owner).await;
    member(&app, unlisted, &insider, "member", "active").await;
    for slug in ["place", "agora"] {
        let c = community(&app, slug, "open", "open", &owner).await;
        member(&app, c, &outsider, "member", "active").await;
        member(&app, c, &insider, "member", "active").await;
    }

    for (path, slug) in [("/rapport", "cercle"), ("/dossier", "coulisses")] {
        let first = publish(
            &app,
            &owner_token,
            json!({"kind": "watch", "link_url": site.url(path), "communities": [slug]}),
        )
        .await;
        let hits = site.hits();
        assert!(hits > 0);
        // An outsider shares the same URL (another spelling of it) into an open community.
        let res = reqwest::Client::new()
            .post(app.at("/api/v1/publications"))
            .bearer_auth(&outsider_token)
            .json(
                &json!({"kind": "watch", "link_url": site.url(&format!("{path}?utm_source=x")),
                          "communities": ["place"]}),
            )
            .send()
            .await
            .expect("publish");
        let status = res.status();
        let v: Value = res.json().await.expect("json");
        assert_eq!(status, 201, "{slug}: not told it is already shared: {v}");
        assert!(!v.to_string().contains(&format!("\"{first}\"")), "{v}");
        let second = v["id"].as_i64().expect("id");
        assert_eq!(
            site.hits(),
            hits + 1,
            "{slug}: fetched again, as if never shared"
        );
        let preview_of = |pid: i64| {
            let db = app.state.db.pool.clone();
            async move {
                sqlx::query_scalar::<_, Option<i64>>(
                    "SELECT preview_id FROM publications WHERE id = $1",
                )
                .bind(pid)
                .fetch_one(&db)
                .await
                .expect("preview")
            }
        };
        assert_ne!(
            preview_of(first).await,
            preview_of(second).await,
            "{slug}: a preview of their own"
        );
        // Someone who may see both is told.
        let res = reqwest::Client::new()
            .post(app.at("/api/v1/publications"))
            .bearer_auth(&insider_token)
            .json(&json!({"kind": "watch", "link_url": site.url(path), "communities": ["agora"]}))
            .send()
            .await
            .expect("publish");
        assert_eq!(res.status(), 409, "{slug}");
        let v: Value = res.json().await.expect("json");
        let existing = v["error"]["fields"]["existing"]
            .as_str()
            .unwrap_or("")
            .to_string();
        assert!(existing.split(',').any(|e| e == first.to_string()), "{v}");
        assert_eq!(site.hits(), hits + 1, "{slug}: told, nothing fetched");
    }
    // The outsider, sharing one of those URLs again, is now told about their own.
    let res = reqwest::Client::new()
        .post(app.at("/api/v1/publications"))
        .bearer_auth(&outsider_token)
        .json(&json!({"kind": "watch", "link_url": site.url("/rapport"), "communities": ["agora"]}))
        .send()
        .await
        .expect("publish");
    assert_eq!(res.status(), 409);
    let v: Value = res.json().await.expect("json");
    assert_eq!(
        v["error"]["fields"]["existing"]
            .as_str()
            .unwrap_or("")
            .split(',')
            .count(),
        1,
        "only the publication they may see: {v}"
    );
    // A second person who may see the outsider's publication reuses its preview.
    let other = app.create_user("voisine", false).await;
    let other_token = token_for(&app, &other).await;
    community(&app, "voisinage", "open", "open", &other).await;
    let hits = site.hits();
    let res = reqwest::Client::new()
        .post(app.at("/api/v1/publications"))
        .bearer_auth(&other_token)
        .json(&json!({"kind": "watch", "link_url": site.url("/rapport"), "communities": ["voisinage"]}))
        .send()
        .await
        .expect("publish");
    assert_eq!(
        res.status(),
        409,
        "told about the outsider's public publication"
    );
    assert_eq!(site.hits(), hits);
}

/// A publication of an unlisted community is read by its link (which
/// carries its key: the community's page gives it) but not found by its
/// id: `/p/{id}`, the API and its attachments answer an outsider as for an
/// id that does not exist. Members find it as before.
#[tokio::test]
async fn unlisted_publications_are_not_enumerable_by_id() {
    let app = TestApp::spawn().await;
    let owner = app.create_user("proprio", false).await;
    let owner_token = token_for(&app, &owner).await;
    let (member_web, member_user) = app.logged_in("membre", false).await;
    let (outsider_web, outsider) = app.logged_in("dehors", false).await;
    let outsider_token = token_for(&app, &outsider).await;
    let unlisted = community(&app, "coulisses", "unlisted", "open", &owner).await;
    member(&app, unlisted, &member_user, "member", "active").await;
    let pid = publish(
        &app,
        &owner_token,
        json!({"kind": "discussion", "title": "Par lien seulement", "body": "Texte par lien",
               "communities": ["coulisses"]}),
    )
    .await;
    reply(&app, &owner_token, pid, "Réponse par lien").await;
    let missing = pid + 1000;

    // By id alone: the same as an id that does not exist.
    let anonymous = app.client();
    for (who, client) in [("anonymous", &anonymous), ("outsider", &outsider_web)] {
        let (s, b) = page(client, app.at(&format!("/p/{pid}"))).await;
        let (s2, b2) = page(client, app.at(&format!("/p/{missing}"))).await;
        assert_eq!(gist(s, &b), gist(s2, &b2), "{who}");
        assert_eq!(s, 404, "{who}");
        let (s, _) = page(
            client,
            app.at(&format!("/p/{pid}?k=0123456789abcdef0123456789abcdef")),
        )
        .await;
        assert_eq!(s, 404, "{who}: a wrong key");
    }
    for token in [None, Some(outsider_token.as_str())] {
        for path in [
            format!("/api/v1/publications/{pid}"),
            format!("/api/v1/publications/{pid}/replies"),
        ] {
            let (s, b) = api_get(&app, token, &path).await;
            let (s2, b2) = api_get(
                &app,
                token,
                &path.replace(&pid.to_string(), &missing.to_string()),
            )
            .await;
            assert_eq!(gist(s, &b), gist(s2, &b2), "{path}");
            assert_eq!(s, 404, "{path}");
        }
    }

    let key: String = sqlx::query_scalar("SELECT public_key FROM publications WHERE id = $1")
        .bind(pid)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("key");
    assert_eq!(key.len(), 32, "128 random bits");

    // The community's page (its link) gives each publication's link.
    let (s, html) = page(&anonymous, app.at("/c/coulisses")).await;
    assert_eq!(s, 200);
    let link = format!("/p/{pid}?k={key}");
    assert!(html.contains(&link), "{html}");
    let (s, html) = page(&anonymous, app.at(&link)).await;
    assert_eq!(s, 200);
    assert!(html.contains("Texte par lien") && html.contains("Réponse par lien"));
    assert!(
        !html.contains("href=\"/c/coulisses\""),
        "a publication's link does not name its unlisted community"
    );
    let (s, body) = api_get(&app, None, &format!("/api/v1/publications/{pid}?k={key}")).await;
    assert_eq!(s, 200, "{body}");
    let v: Value = serde_json::from_str(&body).expect("json");
    assert!(v["url"].as_str().unwrap_or("").ends_with(&link));
    let (s, body) = api_get(
        &app,
        None,
        &format!("/api/v1/publications/{pid}/replies?k={key}"),
    )
    .await;
    assert_eq!(s, 200);
    assert!(body.contains("Réponse par lien"));
    let (s, body) = api_get(&app, None, "/api/v1/communities/coulisses/publications").await;
    assert_eq!(s, 200);
    assert!(body.contains(&link), "{body}");
    let (s, rss) = page(&anonymous, app.at("/c/coulisses/feed.rss")).await;
    assert_eq!(s, 200);
    assert!(rss.contains(&link), "{rss}");

    // Members find it by its id, as before.
    let (s, html) = page(&member_web, app.at(&format!("/p/{pid}"))).await;
    assert_eq!(s, 200);
    assert!(html.contains("Texte par lien"));
}
