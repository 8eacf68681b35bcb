//! Discovery without the attention economy, and the demo seed: the home
//! feed shows what is new in my communities only; feeds are public only;
//! the seed is deterministic and refuses to overwrite a real instance.

use passerelles::seed::{DEMO_PASSWORD, Sizes, seed_sized};

use crate::harness::TestApp;

async fn seeded() -> TestApp {
    let app = TestApp::spawn().await;
    seed_sized(
        &app.state.db,
        Sizes {
            users: 40,
            communities: 4,
            publications: 60,
        },
        7,
        false,
    )
    .await
    .expect("seed");
    app
}

#[tokio::test]
async fn seed_is_deterministic_and_refuses_a_real_instance() {
    let a = seeded().await;
    let b = seeded().await;
    let titles = |app: &TestApp| {
        let db = app.state.db.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT title FROM publications ORDER BY id")
                .fetch_all(&db.pool)
                .await
                .unwrap()
        }
    };
    let (ta, tb) = (titles(&a).await, titles(&b).await);
    assert_eq!(ta.len(), 60);
    assert_eq!(ta, tb, "same seed, same content");
    let err = seed_sized(
        &a.state.db,
        Sizes {
            users: 5,
            communities: 1,
            publications: 1,
        },
        7,
        false,
    )
    .await;
    assert!(
        err.is_err_and(|e| e.to_string().contains("already has")),
        "refuses an instance with accounts"
    );
}

#[tokio::test]
async fn home_feed_shows_my_communities_newest_first_and_nothing_else() {
    let app = seeded().await;
    // A member of exactly one community.
    let (user_id, username, community_id): (i64, String, i64) = sqlx::query_as(
        "SELECT u.id, u.username, m.community_id FROM users u JOIN memberships m ON m.user_id = u.id \
         WHERE m.state = 'active' AND (SELECT COUNT(*) FROM memberships m2 WHERE m2.user_id = u.id) = 1 ORDER BY u.id LIMIT 1",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .expect("a member of one community");
    let _ = user_id;
    let client = app.client();
    app.login(&client, &username, DEMO_PASSWORD).await;
    let home = client
        .get(app.at("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("les plus récemment actives d’abord"),
        "the page says how it is ordered"
    );
    // Every listed publication is shared into my community; the newest comes first.
    let listed: Vec<i64> = home
        .split("href=\"/p/")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect();
    assert!(!listed.is_empty(), "{home}");
    let mine: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT p.id, p.last_activity_at FROM publications p JOIN publication_communities pc ON pc.publication_id = p.id \
         WHERE pc.community_id = $1 ORDER BY p.last_activity_at DESC, p.id DESC",
    )
    .bind(community_id)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    let expected: Vec<i64> = mine.iter().map(|(id, _)| *id).take(listed.len()).collect();
    assert_eq!(
        listed, expected,
        "exactly my community's publications, newest activity first"
    );
    // No infinite scroll: a plain "older" link when there is more.
    if mine.len() > passerelles::publications::PAGE_SIZE as usize {
        assert!(home.contains("href=\"/?page=1\""));
    }
}

#[tokio::test]
async fn community_feeds_exist_only_for_communities_anyone_may_read() {
    let app = seeded().await;
    // Make sure both kinds are present.
    sqlx::query("UPDATE communities SET visibility = 'private' WHERE id = (SELECT MIN(id) FROM communities)")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE communities SET visibility = 'open' WHERE id = (SELECT MAX(id) FROM communities)",
    )
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT slug, visibility FROM communities ORDER BY id")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    let client = app.client();
    for (slug, visibility) in rows {
        let rss = client
            .get(app.at(&format!("/c/{slug}/feed.rss")))
            .send()
            .await
            .unwrap();
        let atom = client
            .get(app.at(&format!("/c/{slug}/feed.atom")))
            .send()
            .await
            .unwrap();
        if visibility == "private" {
            assert_eq!(rss.status(), 404, "{slug}");
            assert_eq!(atom.status(), 404, "{slug}");
        } else {
            assert_eq!(rss.status(), 200, "{slug}");
            assert!(
                rss.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("application/rss+xml")
            );
            let body = rss.text().await.unwrap();
            assert!(
                body.starts_with("<?xml") && body.contains("<channel>"),
                "{body}"
            );
            assert_eq!(atom.status(), 200);
            assert!(
                atom.text()
                    .await
                    .unwrap()
                    .contains("<feed xmlns=\"http://www.w3.org/2005/Atom\"")
            );
        }
    }
}

#[tokio::test]
async fn tag_feeds_carry_only_what_anyone_may_read() {
    let app = seeded().await;
    // Tag one publication of a private community and one of an open one.
    let private: i64 = sqlx::query_scalar("SELECT MIN(id) FROM communities")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let open: i64 = sqlx::query_scalar("SELECT MAX(id) FROM communities")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE communities SET visibility = 'private' WHERE id = $1")
        .bind(private)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE communities SET visibility = 'open' WHERE id = $1")
        .bind(open)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO tags (name, label) VALUES ('flux-test', 'flux-test')")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let tag: i64 = sqlx::query_scalar("SELECT id FROM tags WHERE name = 'flux-test'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let pick = |c: i64| {
        let db = app.state.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT pc.publication_id FROM publication_communities pc WHERE pc.community_id = $1 \
                 AND NOT EXISTS (SELECT 1 FROM publication_communities o WHERE o.publication_id = pc.publication_id AND o.community_id <> $1) \
                 ORDER BY pc.publication_id LIMIT 1",
            )
            .bind(c)
            .fetch_one(&db.pool)
            .await
            .unwrap()
        }
    };
    let (secret, public) = (pick(private).await, pick(open).await);
    for p in [secret, public] {
        sqlx::query("INSERT INTO publication_tags (publication_id, tag_id) VALUES ($1, $2)")
            .bind(p)
            .bind(tag)
            .execute(&app.state.db.pool)
            .await
            .unwrap();
    }
    let client = app.client();
    for ext in ["rss", "atom"] {
        let body = client
            .get(app.at(&format!("/tags/flux-test/feed.{ext}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            body.contains(&format!("/p/{public}<")) || body.contains(&format!("/p/{public}\"")),
            "{ext}: public item listed: {body}"
        );
        assert!(
            !body.contains(&format!("/p/{secret}<")) && !body.contains(&format!("/p/{secret}\"")),
            "{ext}: private item absent"
        );
    }
}
