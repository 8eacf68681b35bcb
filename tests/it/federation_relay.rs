//! FEP-1b12 relay across three Passerelles instances over real HTTP on
//! 127.0.0.1 (issue 18): a member of B and a member of C follow a
//! community of A; what B's member does in it — a publication, a reply, an
//! edit, deletions — reaches C through A's `Announce`, shown with its
//! origin and verified at B; A never sends it back to B; and a group that
//! forges what a person of another server wrote is refused. Both engines.

use passerelles::actor::Actor;
use passerelles_core::federation::delivery;
use passerelles_core::federation::inbox;
use passerelles_core::federation::ops as fed;
use passerelles_core::publications::ops;
use serde_json::json;

use crate::harness::{TestApp, html_unescape};
use crate::writing::{community, member};

fn host(app: &TestApp) -> String {
    app.url.trim_start_matches("http://").to_string()
}

/// Run the three instances' queues until `done` holds (15 s at most).
async fn until<F, Fut>(apps: [&TestApp; 3], what: &str, done: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..150 {
        if done().await {
            return;
        }
        for a in apps {
            a.drain_jobs().await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Every queue drained, twice (what one delivery causes is delivered too).
async fn settle(apps: [&TestApp; 3]) {
    for _ in 0..3 {
        for a in apps {
            a.drain_jobs().await;
        }
    }
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count")
}

async fn text_of(app: &TestApp, sql: &str) -> Option<String> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_optional(&app.state.db.pool)
        .await
        .expect("text")
}

async fn id_of(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&app.state.db.pool)
        .await
        .expect("id")
}

/// Publish through the page's form into `community` (its id on `app`).
async fn publish_form(app: &TestApp, client: &reqwest::Client, title: &str, community: i64) -> i64 {
    let csrf = app.csrf(client, "/p/new").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("kind", "discussion")
        .text("title", title.to_string())
        .text("body", format!("Corps de {title}"))
        .text("tags", "")
        .text("communities", community.to_string());
    let res = client
        .post(app.at("/p/new"))
        .multipart(form)
        .send()
        .await
        .expect("publish");
    assert_eq!(res.status(), 303, "{title}");
    let loc = res.headers()["location"].to_str().unwrap().to_string();
    loc.trim_start_matches("/p/")
        .split(['?', '#', '/'])
        .next()
        .unwrap()
        .parse()
        .expect("publication id")
}

/// Someone of `on` follows `slug` of `a` by its handle; returns the
/// mirror's id on `on`.
async fn follows(a: &TestApp, on: &TestApp, other: &TestApp, who: &str, slug: &str) -> i64 {
    let u = on.create_user(who, false).await;
    fed::follow(
        &on.state,
        &Actor::person(&u),
        &format!("!{slug}@{}", host(a)),
    )
    .await
    .expect("follow");
    let mirror = format!("{slug}@{}", host(a));
    let sql = format!(
        "SELECT COUNT(*) FROM memberships m JOIN communities c ON c.id = m.community_id \
         WHERE c.slug = '{mirror}' AND m.user_id = {} AND m.state = 'active'",
        u.id
    );
    until([a, on, other], "the mirror", || async {
        count(on, &sql).await == 1
    })
    .await;
    id_of(
        on,
        &format!("SELECT id FROM communities WHERE slug = '{mirror}'"),
    )
    .await
}

#[tokio::test]
async fn what_a_member_of_b_does_in_a_community_of_a_reaches_c_through_a() {
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let c = TestApp::spawn().await;
    let all = [&a, &b, &c];
    let ana = a.create_user("ana", false).await;
    community(&a, "jardins", "open", "open", &ana).await;
    let host_b = host(&b);

    // Zoé (B) and Yann (C) follow A's community.
    let mirror_b = follows(&a, &b, &c, "zoe", "jardins").await;
    let mirror_c = follows(&a, &c, &b, "yann", "jardins").await;
    let zoe = passerelles::accounts::by_username(&b.state.db, "zoe")
        .await
        .unwrap()
        .unwrap();

    // Ana publishes on A: both have it.
    let ana_client = a.client();
    a.login(&ana_client, "ana", crate::harness::PASSWORD).await;
    let jardins = id_of(&a, "SELECT id FROM communities WHERE slug = 'jardins'").await;
    let ana_pid = publish_form(&a, &ana_client, "Récolte commune", jardins).await;
    let ana_page = a.at(&format!("/p/{ana_pid}"));
    let copy = |app: &'static str| {
        format!("SELECT id FROM publications WHERE ap_id = '{ana_page}' /* {app} */")
    };
    until(all, "Ana's publication on B and C", || async {
        count(
            &b,
            &format!("SELECT COUNT(*) FROM publications WHERE ap_id = '{ana_page}'"),
        )
        .await
            == 1
            && count(
                &c,
                &format!("SELECT COUNT(*) FROM publications WHERE ap_id = '{ana_page}'"),
            )
            .await
                == 1
    })
    .await;
    let ana_on_b = id_of(&b, &copy("b")).await;
    let ana_on_c = id_of(&c, &copy("c")).await;
    settle(all).await;
    let announces_on_b = "SELECT COUNT(*) FROM ap_received WHERE kind = 'Announce'".to_string();
    let b_before = count(&b, &announces_on_b).await;

    // 1. Zoé publishes on B, in her mirror of A's community: A takes it
    // and announces it; C has it, marked with its origin; B does not get
    // it back.
    let zoe_client = b.client();
    b.login(&zoe_client, "zoe", crate::harness::PASSWORD).await;
    let zoe_pid = publish_form(&b, &zoe_client, "Semis partagés", mirror_b).await;
    let zoe_page = b.at(&format!("/p/{zoe_pid}"));
    let on_a = format!("SELECT COUNT(*) FROM publications WHERE ap_id = '{zoe_page}'");
    let on_c = format!(
        "SELECT COUNT(*) FROM publications p JOIN publication_communities pc ON pc.publication_id = p.id \
         WHERE p.ap_id = '{zoe_page}' AND pc.community_id = {mirror_c}"
    );
    until(all, "Zoé's publication on A and C", || async {
        count(&a, &on_a).await == 1 && count(&c, &on_c).await == 1
    })
    .await;
    settle(all).await;
    assert_eq!(count(&c, &on_c).await, 1, "one copy on C");
    let zoe_on_c = id_of(
        &c,
        &format!("SELECT id FROM publications WHERE ap_id = '{zoe_page}'"),
    )
    .await;
    let author_on_c = text_of(
        &c,
        &format!(
            "SELECT u.ap_id FROM publications p JOIN users u ON u.id = p.author_id WHERE p.id = {zoe_on_c}"
        ),
    )
    .await;
    assert_eq!(author_on_c.as_deref(), Some(b.at("/u/zoe").as_str()));
    let html = html_unescape(
        &reqwest::get(c.at(&format!("/p/{zoe_on_c}")))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(html.contains("Semis partagés"), "{html}");
    assert!(
        html.contains(&format!("zoe@{host_b}")),
        "her origin on C's page"
    );
    assert_eq!(
        count(&b, &announces_on_b).await,
        b_before,
        "A does not announce B's own post back to B"
    );

    // 2. Zoé replies on B under Ana's publication: A takes it and
    // announces it; C has it under its copy (fetched from B to be sure).
    let c_announces = count(
        &c,
        "SELECT COUNT(*) FROM ap_received WHERE kind = 'Announce'",
    )
    .await;
    let res = b
        .post_form(
            &zoe_client,
            &format!("/p/{ana_on_b}"),
            &format!("/p/{ana_on_b}/replies"),
            &[("body", "Je viens avec des plants.")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let rid = id_of(
        &b,
        &format!(
            "SELECT id FROM replies WHERE publication_id = {ana_on_b} AND author_id = {}",
            zoe.id
        ),
    )
    .await;
    let reply_id = b.at(&format!("/p/{ana_on_b}/replies/{rid}"));
    let reply_on_c = format!(
        "SELECT body FROM replies WHERE ap_id = '{reply_id}' AND publication_id = {ana_on_c}"
    );
    until(all, "Zoé's reply on C", || async {
        text_of(&c, &reply_on_c).await.is_some()
    })
    .await;
    assert_eq!(
        text_of(&c, &reply_on_c).await.as_deref(),
        Some("Je viens avec des plants.")
    );
    settle(all).await;
    // A reply goes as `Announce(Create(Note))` only, never the bare Note
    // (what Mastodon would show as a post of its own).
    assert_eq!(
        count(
            &c,
            "SELECT COUNT(*) FROM ap_received WHERE kind = 'Announce'"
        )
        .await,
        c_announces + 1
    );
    // The reply's id is a document (its page's anchor for a browser).
    let res = reqwest::Client::new()
        .get(&reply_id)
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let note: serde_json::Value = res.json().await.unwrap();
    assert_eq!(note["id"], reply_id.as_str());
    assert_eq!(note["type"], "Note");
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&reply_id)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        format!("/p/{ana_on_b}?reply={rid}#r-{rid}").as_str()
    );

    // 3. Zoé edits her publication on B: C follows (read at B).
    let e = ops::editing(&b.state, Some(&zoe), zoe_pid).await.unwrap();
    let checked = ops::check_edit(
        &b.state,
        &e,
        ops::Changes {
            title: Some("Semis partagés (samedi)".into()),
            body: Some("Corps révisé".into()),
            tags: None,
        },
    )
    .await
    .unwrap();
    ops::edit(
        &b.state,
        &Actor::person(&zoe),
        &e,
        &checked,
        Vec::new(),
        &[],
    )
    .await
    .unwrap();
    let title_on_c = format!("SELECT title FROM publications WHERE id = {zoe_on_c}");
    until(all, "the edit on C", || async {
        text_of(&c, &title_on_c).await.as_deref() == Some("Semis partagés (samedi)")
    })
    .await;

    // 4. A forged `Announce` by A's group is refused on C: a `Create` by
    // Zoé of an object B does not serve, an edit B does not serve, a
    // post of hers claimed by someone else of B, a deletion of a post B
    // still serves.
    let group = delivery::remote_actor(&c.state, &a.at("/c/jardins"), false)
        .await
        .expect("A's group on C");
    let zoe_id = b.at("/u/zoe");
    let forged = |n: u32, inner: serde_json::Value| {
        json!({
            "id": a.at(&format!("/c/jardins#forged-{n}")),
            "type": "Announce",
            "actor": a.at("/c/jardins"),
            "object": inner,
        })
    };
    let ghost = b.at("/p/999999");
    let create_ghost = forged(
        1,
        json!({"id": format!("{ghost}#create"), "type": "Create", "actor": zoe_id,
               "object": {"id": ghost, "type": "Page", "attributedTo": zoe_id,
                          "name": "Forgé", "content": "Jamais écrit", "audience": a.at("/c/jardins")}}),
    );
    assert!(
        inbox::handle(&c.state, &group, &create_ghost)
            .await
            .is_err(),
        "an object its origin does not serve"
    );
    assert_eq!(
        count(
            &c,
            &format!("SELECT COUNT(*) FROM publications WHERE ap_id = '{ghost}'")
        )
        .await,
        0
    );
    let update_forged = forged(
        2,
        json!({"id": format!("{zoe_page}#update-forged"), "type": "Update", "actor": zoe_id,
               "object": {"id": zoe_page, "type": "Page", "attributedTo": zoe_id,
                          "name": "Titre forgé", "content": "Contenu forgé"}}),
    );
    let _ = inbox::handle(&c.state, &group, &update_forged).await;
    assert_eq!(
        text_of(&c, &title_on_c).await.as_deref(),
        Some("Semis partagés (samedi)"),
        "what B serves, not what the group says"
    );
    let other = b.create_user("intrus", false).await;
    let claimed = forged(
        3,
        json!({"id": b.at("/u/intrus#claim"), "type": "Update", "actor": b.at(&format!("/u/{}", other.username)),
               "object": {"id": zoe_page, "type": "Page"}}),
    );
    assert!(
        inbox::handle(&c.state, &group, &claimed).await.is_err(),
        "someone else's post"
    );
    let delete_forged = forged(
        4,
        json!({"id": format!("{zoe_page}#delete-forged"), "type": "Delete", "actor": zoe_id,
               "object": zoe_page}),
    );
    assert!(
        inbox::handle(&c.state, &group, &delete_forged)
            .await
            .is_err(),
        "a post its origin still serves"
    );
    // An object on the group's own server attributed to a person of B.
    let on_a_server = a.at("/p/424242");
    let misattributed = forged(
        5,
        json!({"id": format!("{on_a_server}#create"), "type": "Create", "actor": zoe_id,
               "object": {"id": on_a_server, "type": "Page", "attributedTo": zoe_id,
                          "name": "Attribué", "content": "à tort"}}),
    );
    assert!(
        inbox::handle(&c.state, &group, &misattributed)
            .await
            .is_err()
    );
    let visible = format!("SELECT status FROM publications WHERE id = {zoe_on_c}");
    assert_eq!(text_of(&c, &visible).await.as_deref(), Some("visible"));

    // 5. Zoé deletes her reply, then her publication, on B: gone on C.
    ops::delete_reply(&b.state, &Actor::person(&zoe), ana_on_b, rid)
        .await
        .unwrap();
    let reply_status = format!("SELECT status FROM replies WHERE ap_id = '{reply_id}'");
    until(all, "the reply's deletion on C", || async {
        text_of(&c, &reply_status).await.as_deref() == Some("deleted")
    })
    .await;
    ops::delete(&b.state, &Actor::person(&zoe), zoe_pid)
        .await
        .unwrap();
    until(all, "the publication's deletion on C", || async {
        text_of(&c, &visible).await.as_deref() != Some("visible")
    })
    .await;
    // A relayed it too: deleted there.
    assert_ne!(
        text_of(
            &a,
            &format!("SELECT status FROM publications WHERE ap_id = '{zoe_page}'")
        )
        .await
        .as_deref(),
        Some("visible")
    );
}

/// A moderator of A removes what a member of B published in A's
/// community: C, following the community too, removes its copy.
#[tokio::test]
async fn a_moderators_removal_of_a_relayed_post_reaches_the_other_followers() {
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let c = TestApp::spawn().await;
    let all = [&a, &b, &c];
    let ana = a.create_user("ana", false).await;
    let jardins = community(&a, "jardins", "open", "open", &ana).await;
    let bruno = a.create_user("bruno", false).await;
    member(&a, jardins, &bruno, "moderator", "active").await;
    let mirror_b = follows(&a, &b, &c, "zoe", "jardins").await;
    let mirror_c = follows(&a, &c, &b, "yann", "jardins").await;
    let zoe_client = b.client();
    b.login(&zoe_client, "zoe", crate::harness::PASSWORD).await;
    let zoe_pid = publish_form(&b, &zoe_client, "Annonce douteuse", mirror_b).await;
    let zoe_page = b.at(&format!("/p/{zoe_pid}"));
    let on_c = format!(
        "SELECT pc.status FROM publications p JOIN publication_communities pc ON pc.publication_id = p.id \
         WHERE p.ap_id = '{zoe_page}' AND pc.community_id = {mirror_c}"
    );
    let on_a = format!("SELECT id FROM publications WHERE ap_id = '{zoe_page}'");
    until(all, "Zoé's publication on C", || async {
        text_of(&c, &on_c).await.as_deref() == Some("visible")
    })
    .await;
    let pid_on_a = id_of(&a, &on_a).await;
    // Bruno removes it in A's community (the moderation operation).
    use passerelles_core::moderation::{self, Act, ActRequest, Scope, Target};
    let c_jardins = passerelles::communities::by_slug(&a.state.db, "jardins")
        .await
        .unwrap()
        .unwrap();
    moderation::ops::act(
        &a.state,
        &Actor::person(&bruno),
        Scope::Community(jardins),
        Some(&c_jardins),
        &ActRequest {
            act: Act::Remove,
            target: Some(Target::Publication(pid_on_a)),
            report_id: None,
            reason: "Hors sujet".into(),
        },
    )
    .await
    .expect("removal on A");
    until(all, "the removal on C", || async {
        text_of(&c, &on_c).await.as_deref() == Some("removed")
    })
    .await;
}

/// What the relay queues, read from A's job queue (no peer needed): a
/// Mastodon post mentioning the group goes to the other followers as the
/// `Create` and the bare `Note`; a reply, a `Like` and its `Undo` as the
/// activity only; nothing goes back to the author's instance; nothing of
/// a private community, nothing a group sends.
#[tokio::test]
async fn the_relay_queues_announces_for_the_other_instances_only() {
    use passerelles_core::federation::delivery::RemoteActor;
    let a = TestApp::spawn().await;
    let ana = a.create_user("ana", false).await;
    let jardins = community(&a, "jardins", "open", "open", &ana).await;
    let secret = community(&a, "secret", "private", "request", &ana).await;
    let remote = |id: &str, kind: &str| {
        let origin = url::Url::parse(id).unwrap().origin().ascii_serialization();
        RemoteActor {
            ap_id: id.into(),
            kind: kind.into(),
            inbox: format!("{id}/inbox"),
            shared_inbox: format!("{origin}/inbox"),
            key_id: format!("{id}#main-key"),
            public_pem: String::new(),
            name: "x".into(),
            username: id.rsplit('/').next().unwrap().into(),
        }
    };
    let alice = remote("https://mastodon.example/users/alice", "Person");
    let bob = remote("https://mastodon.example/users/bob", "Person");
    let yann = remote("https://c.example/u/yann", "Person");
    for (who, community) in [(&bob, jardins), (&yann, jardins), (&yann, secret)] {
        delivery::store_actor(&a.state.db, who).await.unwrap();
        sqlx::query(
            "INSERT INTO ap_followers (community_id, actor, follow_id, state, created_at) \
             VALUES ($1, $2, $3, 'accepted', 0)",
        )
        .bind(community)
        .bind(&who.ap_id)
        .bind(format!("{}#follow-{community}", who.ap_id))
        .execute(&a.state.db.pool)
        .await
        .unwrap();
    }
    delivery::store_actor(&a.state.db, &alice).await.unwrap();
    let queued = |host: &str| {
        format!(
            "SELECT COUNT(*) FROM jobs WHERE queue = 'federation' AND payload LIKE '%\"inbox\":\"https://{host}/inbox\"%'"
        )
    };
    let group = a.at("/c/jardins");
    let status = "https://mastodon.example/users/alice/statuses/1";
    let post = json!({
        "id": format!("{status}/activity"), "type": "Create", "actor": alice.ap_id,
        "object": {"id": status, "type": "Note", "attributedTo": alice.ap_id,
            "content": "<p>Troc de semences samedi</p><p>Apportez vos graines</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [group],
            "tag": [{"type": "Mention", "href": group, "name": "@jardins"}]},
    });
    let handled = |v: serde_json::Value| {
        let state = a.state.clone();
        let alice = alice.clone();
        async move { inbox::handle(&state, &alice, &v).await.expect("handled") }
    };
    assert_eq!(handled(post).await, inbox::Received::Handled("publication"));
    assert_eq!(
        count(&a, &queued("c.example")).await,
        2,
        "Create and the bare Note"
    );
    assert_eq!(
        count(&a, &queued("mastodon.example")).await,
        0,
        "not back to its instance"
    );
    let reply = json!({
        "id": format!("{status}/2/activity"), "type": "Create", "actor": alice.ap_id,
        "object": {"id": format!("{status}/2"), "type": "Note", "attributedTo": alice.ap_id,
            "content": "<p>Et des boutures</p>", "inReplyTo": status, "cc": [group]},
    });
    assert_eq!(handled(reply).await, inbox::Received::Handled("reply"));
    assert_eq!(
        count(&a, &queued("c.example")).await,
        3,
        "a reply: the activity only"
    );
    let pid: i64 = id_of(
        &a,
        &format!("SELECT id FROM publications WHERE ap_id = '{status}'"),
    )
    .await;
    let like = json!({"id": format!("{status}/like2"), "type": "Like", "actor": alice.ap_id,
        "object": status});
    assert_eq!(
        handled(like.clone()).await,
        inbox::Received::Handled("liked")
    );
    let undo = json!({"id": format!("{status}/undo-like"), "type": "Undo", "actor": alice.ap_id,
        "object": like});
    assert_eq!(
        handled(undo).await,
        inbox::Received::Handled("like taken back")
    );
    assert_eq!(
        count(&a, &queued("c.example")).await,
        5,
        "the Like and its Undo"
    );
    assert_eq!(count(&a, &queued("mastodon.example")).await, 0);
    // Addressed to the private community: not taken, nothing relayed.
    let hidden = json!({
        "id": format!("{status}/3/activity"), "type": "Create", "actor": alice.ap_id,
        "object": {"id": format!("{status}/3"), "type": "Note", "attributedTo": alice.ap_id,
            "content": "<p>Entre nous</p>", "cc": [a.at("/c/secret")]},
    });
    assert!(matches!(handled(hidden).await, inbox::Received::Ignored(_)));
    assert_eq!(count(&a, &queued("c.example")).await, 5);
    // Once a moderator hides the publication, nothing about it is relayed.
    sqlx::query("UPDATE publication_communities SET status = 'hidden' WHERE publication_id = $1")
        .bind(pid)
        .execute(&a.state.db.pool)
        .await
        .unwrap();
    let like = json!({"id": format!("{status}/like3"), "type": "Like", "actor": alice.ap_id,
        "object": status});
    assert_eq!(handled(like).await, inbox::Received::Handled("liked"));
    assert_eq!(count(&a, &queued("c.example")).await, 5);
    // A group's activity is never relayed.
    let lemmy = remote("https://lemmy.example/c/autre", "Group");
    delivery::store_actor(&a.state.db, &lemmy).await.unwrap();
    let by_group = json!({"id": "https://lemmy.example/activities/like/1", "type": "Like",
        "actor": lemmy.ap_id, "object": status});
    let _ = inbox::handle(&a.state, &lemmy, &by_group).await;
    assert_eq!(count(&a, &queued("c.example")).await, 5);
}
