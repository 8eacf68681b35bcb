//! Bounded work as the data grows (issue 21): the tag page's plan choice
//! counts a tag's publications only up to a bound; the "my events" filter
//! starts from the reader's registrations; the community health job
//! recomputes only the communities that changed (or whose summary is a day
//! old), and its numbers match a full recomputation.

use passerelles::db::now;
use passerelles::events::listing::{self, Filter};
use passerelles::policy::{MemberState, Role, Visibility};
use serde_json::json;

use crate::harness::{TestApp, html_unescape};
use crate::writing::{get, publication, token_for};

const DAY: i64 = 86400;

async fn tag(app: &TestApp, name: &str, ids: &[i64]) {
    let tag_id: i64 =
        sqlx::query_scalar("INSERT INTO tags (name, label) VALUES ($1, $1) RETURNING id")
            .bind(name)
            .fetch_one(&app.state.db.pool)
            .await
            .expect("tag");
    for id in ids {
        sqlx::query("INSERT INTO publication_tags (publication_id, tag_id) VALUES ($1, $2)")
            .bind(*id)
            .bind(tag_id)
            .execute(&app.state.db.pool)
            .await
            .expect("tagged");
    }
}

/// The items a listing page shows, by title.
fn titles(html: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(prefix) {
        let end = rest[at..]
            .find(|c: char| c == '<' || c == '"')
            .map(|e| at + e)
            .unwrap_or(rest.len());
        out.push(rest[at..end].trim().to_string());
        rest = &rest[end..];
    }
    out.dedup();
    out
}

/// A tag on 120 of 140 publications: the plan choice counts it only up to
/// `tag_count_bound` (64 here, the least power of two whose square exceeds
/// 21 × the newest id), walks publications newest first, and the pages list
/// exactly the tagged ones in activity order with the right links; a tag
/// on 2 publications is counted in full and sorted.
#[tokio::test]
async fn tag_page_counts_a_common_tag_only_up_to_its_bound() {
    let app = TestApp::spawn().await;
    let owner = app.create_user("etiqueteuse", false).await;
    let c = crate::writing::community(&app, "etiquettes", "open", "open", &owner).await;
    let mut common = Vec::new();
    let mut rare = Vec::new();
    let mut plain = Vec::new();
    // Oldest first, so that the ids and the activity agree.
    for i in (0..140i64).rev() {
        let title = if i % 7 == 3 {
            format!("Sans-étiquette {i:03}")
        } else {
            format!("Courant {i:03}")
        };
        let id = publication(&app, &owner, &title, &[c], 100 + i * 10).await;
        if i % 7 == 3 {
            plain.push(id);
        } else {
            common.push(id);
        }
    }
    for i in 0..2i64 {
        rare.push(publication(&app, &owner, &format!("Rareté {i}"), &[c], 5 + i).await);
    }
    tag(&app, "courant", &common).await;
    tag(&app, "rarissime", &rare).await;
    assert_eq!(common.len(), 120);

    let db = &app.state.db;
    let newest: i64 = sqlx::query_scalar("SELECT MAX(id) FROM publications")
        .fetch_one(&db.pool)
        .await
        .expect("newest");
    let (counted, seen_newest) = passerelles::publications::tag_count(db, "courant", 21)
        .await
        .expect("count");
    assert_eq!(seen_newest, newest);
    let bound = passerelles::publications::tag_count_bound(21 * newest);
    assert!(bound * bound > 21 * newest && bound < 120, "bound {bound}");
    assert_eq!(counted, bound, "the count stops at its bound, not at 120");
    assert!(passerelles::publications::tag_walks(counted, newest, 21));
    let (counted, _) = passerelles::publications::tag_count(db, "rarissime", 21)
        .await
        .expect("count");
    assert_eq!(counted, 2, "a rare tag is counted in full");
    assert!(!passerelles::publications::tag_walks(counted, newest, 21));

    // The pages: 20 per page, newest activity first, tagged ones only.
    let client = app.client();
    let mut listed = Vec::new();
    for page in 0..7 {
        let path = if page == 0 {
            "/tags/courant".to_string()
        } else {
            format!("/tags/courant?page={page}")
        };
        let (status, html) = get(&client, app.at(&path)).await;
        assert_eq!(status, 200, "{path}");
        let html = html_unescape(&html);
        assert!(!html.contains("Sans-étiquette"), "{path}: untagged listed");
        let items = titles(&html, "Courant ");
        assert_eq!(
            html.contains("href=\"/tags/courant?page=") && html.contains("rel=\"next\""),
            page < 5,
            "{path}: next link"
        );
        assert_eq!(items.len(), if page < 6 { 20 } else { 0 }, "{path}");
        listed.extend(items);
    }
    let expected: Vec<String> = (0..140i64)
        .filter(|i| i % 7 != 3)
        .map(|i| format!("Courant {i:03}"))
        .collect();
    assert_eq!(listed, expected, "every tagged publication once, in order");

    let (status, html) = get(&client, app.at("/tags/rarissime")).await;
    assert_eq!(status, 200);
    let html = html_unescape(&html);
    assert_eq!(titles(&html, "Rareté "), vec!["Rareté 0", "Rareté 1"]);
    assert!(!html.contains("rel=\"next\""));
}

/// "My events" (`Filter::registered`, which starts from the reader's
/// registrations): exactly the events I answered going or maybe to, not
/// those I declined, not those others registered to.
#[tokio::test]
async fn my_events_are_exactly_those_i_registered_to() {
    let app = TestApp::spawn().await;
    let owner = app.create_user("agenda-orga", false).await;
    crate::writing::community(&app, "agenda-inscrits", "open", "open", &owner).await;
    let token = token_for(&app, &owner).await;
    let soon = chrono::Utc::now() + chrono::Duration::days(10);
    let day = soon.format("%Y-%m-%d").to_string();
    let mut ids = Vec::new();
    for title in [
        "Atelier où je vais",
        "Conférence peut-être",
        "Souper décliné",
        "Marche d'une autre",
        "Fête sans réponse",
    ] {
        let res = reqwest::Client::new()
            .post(app.at("/api/v1/events"))
            .bearer_auth(&token)
            .json(&json!({"title": title, "communities": ["agenda-inscrits"], "start": format!("{day}T10:00"), "end": format!("{day}T12:00")}))
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), 201, "{title}");
        let body: serde_json::Value = res.json().await.expect("json");
        ids.push(body["id"].as_i64().expect("id"));
    }
    let (client, me) = app.logged_in("agenda-moi", false).await;
    let other = app.create_user("agenda-autre", false).await;
    let t = now();
    for (event, user, answer) in [
        (ids[0], me.id, "going"),
        (ids[1], me.id, "maybe"),
        (ids[2], me.id, "no"),
        (ids[3], other.id, "going"),
        (ids[0], other.id, "going"),
    ] {
        sqlx::query(
            "INSERT INTO event_rsvps (event_id, user_id, answer, waitlisted, queued_at, created_at, updated_at) \
             VALUES ($1, $2, $3, 0, $4, $4, $4)",
        )
        .bind(event)
        .bind(user)
        .bind(answer)
        .bind(t)
        .execute(&app.state.db.pool)
        .await
        .expect("rsvp");
    }
    let f = Filter {
        registered: Some(me.id),
        ..Filter::default()
    };
    let list = listing::between(&app.state.db, Some(&me), &f, t, t + 366 * DAY, 200)
        .await
        .expect("listed");
    let mut got: Vec<i64> = list.iter().map(|e| e.id).collect();
    got.sort_unstable();
    assert_eq!(got, vec![ids[0], ids[1]]);
    // The page says the same.
    let (status, html) = get(&client, app.at("/events/mine")).await;
    assert_eq!(status, 200);
    let html = html_unescape(&html);
    assert!(html.contains("Atelier où je vais"));
    assert!(html.contains("Conférence peut-être"));
    for absent in ["Souper décliné", "Marche d'une autre", "Fête sans réponse"] {
        assert!(!html.contains(absent), "{absent} listed");
    }
}

async fn computed_at(app: &TestApp, community: i64) -> Option<i64> {
    sqlx::query_scalar("SELECT computed_at FROM community_health WHERE community_id = $1")
        .bind(community)
        .fetch_optional(&app.state.db.pool)
        .await
        .expect("computed_at")
}

/// What the health page reads for a community, in a comparable form.
async fn summary(app: &TestApp, community: i64) -> String {
    let (snap, weeks) = passerelles::health::for_community(&app.state.db, community)
        .await
        .expect("read");
    let mut s = snap.expect("a snapshot");
    s.computed_at = 0;
    format!("{s:?} {weeks:?}")
}

/// The health job recomputes the communities with new activity since its
/// last run (a publication, a reply, a member who joined), and every
/// summary older than a day, not the others; what it writes is what a full
/// recomputation writes.
#[tokio::test]
async fn health_job_recomputes_only_changed_communities() {
    use crate::data_rights::{community, publish, reply};
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let (owner_c, owner) = app.logged_in("sante-animatrice", false).await;
    let a = community(&app, &owner, "sante-active", Visibility::Open).await;
    let b = community(&app, &owner, "sante-calme", Visibility::Open).await;
    let (member_c, member) = app.logged_in("sante-membre", false).await;
    for c in [a.id, b.id] {
        passerelles::communities::set_membership(
            db,
            c,
            member.id,
            Role::Member,
            MemberState::Active,
            "",
        )
        .await
        .expect("member");
    }
    let first = publish(
        &app,
        &member_c,
        &[
            ("kind", "question"),
            ("title", "Quand semer ?"),
            ("body", "Les tomates."),
            ("tags", "semis"),
            ("communities", &a.id.to_string()),
        ],
        Vec::new(),
    )
    .await;
    publish(
        &app,
        &owner_c,
        &[
            ("kind", "discussion"),
            ("title", "Bienvenue"),
            ("body", "Au calme."),
            ("communities", &b.id.to_string()),
        ],
        Vec::new(),
    )
    .await;
    // What happened so far is an hour old: the watermark margin does not
    // cover it.
    sqlx::query("UPDATE communities SET inner_activity_at = inner_activity_at - 3600")
        .execute(&db.pool)
        .await
        .expect("aged");

    let t0 = now();
    let n = passerelles::health::compute(db, t0)
        .await
        .expect("first run");
    assert!(n >= 2, "the first run covers every community: {n}");
    assert_eq!(computed_at(&app, a.id).await, Some(t0));
    assert_eq!(computed_at(&app, b.id).await, Some(t0));
    // Nothing new: nothing recomputed.
    assert_eq!(
        passerelles::health::compute(db, t0 + 60)
            .await
            .expect("idle run"),
        0
    );
    assert_eq!(computed_at(&app, a.id).await, Some(t0));

    // A reply in A, by its owner: A only.
    reply(&app, &owner_c, first, "En avril.").await;
    let t1 = t0 + 1000;
    assert_eq!(passerelles::health::compute(db, t1).await.expect("run"), 1);
    assert_eq!(computed_at(&app, a.id).await, Some(t1));
    assert_eq!(computed_at(&app, b.id).await, Some(t0), "B did not change");
    let incremental = summary(&app, a.id).await;
    assert!(incremental.contains("members: 2"), "{incremental}");
    assert!(incremental.contains("answered_90d: 1"), "{incremental}");
    assert!(incremental.contains("(\"semis\", 2)"), "{incremental}");

    // Someone joins B (no publication): B only.
    let newcomer = app.create_user("sante-nouvelle", false).await;
    passerelles::communities::set_membership(
        db,
        b.id,
        newcomer.id,
        Role::Member,
        MemberState::Active,
        "",
    )
    .await
    .expect("joined");
    let t2 = t1 + 1000;
    assert_eq!(passerelles::health::compute(db, t2).await.expect("run"), 1);
    assert_eq!(computed_at(&app, b.id).await, Some(t2));
    assert_eq!(computed_at(&app, a.id).await, Some(t1));
    assert!(summary(&app, b.id).await.contains("members: 3"));

    // A day later, every summary is recomputed (the windows slide).
    let t3 = t2 + DAY + 1;
    let n = passerelles::health::compute(db, t3).await.expect("daily");
    assert!(n >= 2, "{n}");
    assert_eq!(computed_at(&app, a.id).await, Some(t3));
    assert_eq!(computed_at(&app, b.id).await, Some(t3));

    // The incremental numbers are those of a full recomputation.
    let (a_inc, b_inc) = (summary(&app, a.id).await, summary(&app, b.id).await);
    sqlx::query("DELETE FROM community_health")
        .execute(&db.pool)
        .await
        .expect("wiped");
    sqlx::query("DELETE FROM community_health_weeks")
        .execute(&db.pool)
        .await
        .expect("wiped");
    passerelles::settings::delete_raw(db, passerelles::health::WATERMARK)
        .await
        .expect("watermark");
    passerelles::health::compute(db, t3).await.expect("full");
    assert_eq!(summary(&app, a.id).await, a_inc);
    assert_eq!(summary(&app, b.id).await, b_inc);
    let _ = (owner, incremental);
}
