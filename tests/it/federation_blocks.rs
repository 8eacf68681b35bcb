//! Blocks from a community (issue 18, FEP-1b12 moderation as Lemmy writes
//! it): two instances over real HTTP on 127.0.0.1, both engines. A
//! moderator of A's community blocks a person of B — they leave its
//! followers, B is told by a `Block` (`target` the community) and bans
//! them in its mirror, so nothing goes either way; A refuses their
//! activities and their follow. `Undo(Block)` lifts it. Then the moderator
//! blocks B as a whole instance, for that community only.

use passerelles::actor::Actor;
use passerelles_core::federation::blocks::{self, Blockee};
use passerelles_core::federation::delivery;
use passerelles_core::federation::inbox::{self, Received};
use passerelles_core::federation::ops as fed;
use passerelles_core::moderation::{self, Act, Scope, Target};
use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::writing::{community, member};

fn host(app: &TestApp) -> String {
    app.url.trim_start_matches("http://").to_string()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count")
}

/// Run both queues until `done` holds (10 s at most).
async fn until<F, Fut>(a: &TestApp, b: &TestApp, what: &str, done: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if done().await {
            return;
        }
        a.drain_jobs().await;
        b.drain_jobs().await;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

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

/// The activities of `kind` waiting in `app`'s queue (a job leaves when done).
async fn sent(app: &TestApp, kind: &str) -> Vec<Value> {
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT payload FROM jobs WHERE queue = 'federation'")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    rows.iter()
        .filter_map(|p| {
            let job: Value = serde_json::from_str(p).ok()?;
            let d = job.get("Deliver").unwrap_or(&job);
            serde_json::from_str::<Value>(d.get("activity")?.as_str()?).ok()
        })
        .filter(|a| a["type"] == kind)
        .collect()
}

#[tokio::test]
async fn a_community_blocks_a_remote_person_then_their_instance_and_delivery_stops_both_ways() {
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let ana = a.create_user("ana", false).await;
    let bruno = a.create_user("bruno", false).await;
    let jardins = community(&a, "jardins", "open", "open", &ana).await;
    member(&a, jardins, &bruno, "moderator", "active").await;
    let other = community(&a, "voisins", "open", "open", &ana).await;
    let zoe = b.create_user("zoe", false).await;
    let yann = b.create_user("yann", false).await;
    let (host_a, host_b) = (host(&a), host(&b));
    let c = passerelles::communities::by_slug(&a.state.db, "jardins")
        .await
        .unwrap()
        .unwrap();
    let zoe_id = b.at("/u/zoe");

    // Zoé, on B, follows jardins and voisins on A.
    for slug in ["jardins", "voisins"] {
        fed::follow(&b.state, &Actor::person(&zoe), &format!("!{slug}@{host_a}"))
            .await
            .expect("follow");
    }
    let mirror = format!("jardins@{host_a}");
    let zoe_in_mirror = format!(
        "SELECT COUNT(*) FROM memberships m JOIN communities c ON c.id = m.community_id \
         WHERE c.slug = '{mirror}' AND m.user_id = {} AND m.state = '{{}}'",
        zoe.id
    );
    let active = zoe_in_mirror.replace("{}", "active");
    let banned = zoe_in_mirror.replace("{}", "banned");
    until(&a, &b, "both follows accepted", || async {
        count(&b, &active).await == 1
            && count(
                &b,
                "SELECT COUNT(*) FROM ap_following WHERE state = 'accepted'",
            )
            .await
                == 2
    })
    .await;
    let ana_client = a.client();
    a.login(&ana_client, "ana", crate::harness::PASSWORD).await;
    let first = publish_form(&a, &ana_client, "Avant le blocage", jardins).await;
    let first_id = a.at(&format!("/p/{first}"));
    let copies = |ap: &str| format!("SELECT COUNT(*) FROM publications WHERE ap_id = '{ap}'");
    until(&a, &b, "the publication on B", || async {
        count(&b, &copies(&first_id)).await == 1
    })
    .await;
    // Zoé replies on B: her shadow account exists on A.
    let copy: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM publications WHERE ap_id = '{first_id}'"
    )))
    .fetch_one(&b.state.db.pool)
    .await
    .unwrap();
    passerelles_core::publications::ops::add_reply(
        &b.state,
        &Actor::person(&zoe),
        copy,
        None,
        "Bonjour !",
    )
    .await
    .expect("reply on B");
    let zoe_replies_on_a = format!(
        "SELECT COUNT(*) FROM replies r JOIN users u ON u.id = r.author_id \
         WHERE r.publication_id = {first} AND u.ap_id = '{zoe_id}'"
    );
    until(&a, &b, "Zoé's reply on A", || async {
        count(&a, &zoe_replies_on_a).await == 1
    })
    .await;

    // 1. Bruno, moderator, blocks Zoé from jardins (by her handle). Only
    // a moderator may.
    let chloe = a.create_user("chloe", false).await;
    let who = Blockee::parse(&format!("zoe@{host_b}")).expect("a person");
    assert!(matches!(
        blocks::block(&a.state, &Actor::person(&chloe), &c, &who, "Spam").await,
        Err(passerelles::error::AppError::Forbidden)
    ));
    blocks::block(&a.state, &Actor::person(&bruno), &c, &who, "Spam")
        .await
        .expect("block");
    // She left the followers of jardins (not of voisins), banned as a member is.
    let followers = |cid: i64| {
        format!(
            "SELECT COUNT(*) FROM ap_followers WHERE community_id = {cid} AND actor = '{zoe_id}'"
        )
    };
    assert_eq!(count(&a, &followers(jardins)).await, 0);
    assert_eq!(count(&a, &followers(other)).await, 1);
    assert!(
        blocks::blocked(&a.state.db, jardins, &zoe_id)
            .await
            .unwrap()
    );
    assert!(!blocks::blocked(&a.state.db, other, &zoe_id).await.unwrap());
    // The Block as Lemmy reads it: the community blocks her, `target` itself.
    let block = sent(&a, "Block").await.pop().expect("a Block sent");
    assert_eq!(block["actor"], a.at("/c/jardins"));
    assert_eq!(block["object"], zoe_id);
    assert_eq!(block["target"], a.at("/c/jardins"));
    assert_eq!(block["summary"], "Spam");
    // B takes it: Zoé is banned in her mirror of jardins (not of voisins).
    until(&a, &b, "the Block on B", || async {
        count(&b, &banned).await == 1
    })
    .await;
    assert_eq!(
        count(
            &b,
            &format!(
                "SELECT COUNT(*) FROM memberships m JOIN communities c ON c.id = m.community_id \
                 WHERE c.slug = 'voisins@{host_a}' AND m.user_id = {} AND m.state = 'active'",
                zoe.id
            )
        )
        .await,
        1
    );

    // 2. A sends B nothing more from jardins (its only follower there is gone).
    let b_pubs = count(&b, "SELECT COUNT(*) FROM publications").await;
    let after = publish_form(&a, &ana_client, "Après le blocage", jardins).await;
    until(&a, &b, "A's queue drained", || async {
        count(
            &a,
            "SELECT COUNT(*) FROM jobs WHERE queue = 'federation' AND failed_at IS NULL",
        )
        .await
            == 0
    })
    .await;
    assert_eq!(count(&b, "SELECT COUNT(*) FROM publications").await, b_pubs);
    assert_eq!(
        count(&b, &copies(&a.at(&format!("/p/{after}")))).await,
        0,
        "nothing announced to a blocked person"
    );

    // 3. B sends nothing more: Zoé may no longer reply there.
    let queued_on_b = "SELECT COUNT(*) FROM jobs WHERE queue = 'federation'";
    let before = count(&b, queued_on_b).await;
    assert!(
        passerelles_core::publications::ops::add_reply(
            &b.state,
            &Actor::person(&zoe),
            copy,
            None,
            "Encore moi",
        )
        .await
        .is_err(),
        "banned in the mirror"
    );
    assert_eq!(count(&b, queued_on_b).await, before, "nothing sent by B");

    // 4. And A refuses what she would send: a reply, a like, a new follow
    // (answered by a Reject).
    let zoe_on_a = delivery::remote_actor(&a.state, &zoe_id, false)
        .await
        .expect("cached actor");
    let note = json!({
        "id": b.at("/p/999#r-1"),
        "type": "Create",
        "actor": zoe_id,
        "object": {
            "id": b.at("/p/999#r-1"), "type": "Note", "attributedTo": zoe_id,
            "inReplyTo": first_id, "content": "<p>Par la porte de service</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        },
    });
    assert_eq!(
        inbox::handle(&a.state, &zoe_on_a, &note).await.unwrap(),
        Received::Ignored("refused by the policy or the checks")
    );
    assert_eq!(
        count(&a, &zoe_replies_on_a).await,
        1,
        "only the reply before"
    );
    let like =
        json!({ "id": b.at("/like/1"), "type": "Like", "actor": zoe_id, "object": first_id });
    assert_eq!(
        inbox::handle(&a.state, &zoe_on_a, &like).await.unwrap(),
        Received::Ignored("like from someone blocked where it is")
    );
    let follow = json!({
        "id": b.at("/follow/again"), "type": "Follow", "actor": zoe_id, "object": a.at("/c/jardins"),
    });
    assert_eq!(
        inbox::handle(&a.state, &zoe_on_a, &follow).await.unwrap(),
        Received::Ignored("follow refused: blocked from the community")
    );
    assert_eq!(count(&a, &followers(jardins)).await, 0);
    let reject = sent(&a, "Reject").await.pop().expect("a Reject");
    assert_eq!(reject["object"]["id"], b.at("/follow/again"));

    // 5. Bruno lifts the ban: Undo(Block), and Zoé is a member of the mirror again.
    moderation::ops::act(
        &a.state,
        &Actor::person(&bruno),
        Scope::Community(jardins),
        Some(&c),
        &moderation::ops::ActRequest {
            act: Act::Unban,
            target: Some(Target::User(zoe_on_a_id(&a, &zoe_id).await)),
            report_id: None,
            reason: String::new(),
        },
    )
    .await
    .expect("unban");
    let undo = sent(&a, "Undo").await.pop().expect("an Undo");
    assert_eq!(undo["object"]["type"], "Block");
    until(&a, &b, "the Undo(Block) on B", || async {
        count(&b, &active).await == 1
    })
    .await;
    assert!(
        !blocks::blocked(&a.state.db, jardins, &zoe_id)
            .await
            .unwrap()
    );

    // 6. Bruno blocks the whole instance B for jardins: Zoé's shadow is
    // banned again, and Yann, whom A never heard of, is refused when he
    // follows; voisins is not concerned.
    let b_host = Blockee::parse(&host_b).expect("an instance");
    assert!(matches!(b_host, Blockee::Instance(ref h) if *h == host_b));
    blocks::block(
        &a.state,
        &Actor::person(&bruno),
        &c,
        &b_host,
        "Instance de spam",
    )
    .await
    .expect("instance block");
    assert!(
        blocks::blocked(&a.state.db, jardins, &zoe_id)
            .await
            .unwrap()
    );
    assert!(
        blocks::blocked(&a.state.db, jardins, &b.at("/u/yann"))
            .await
            .unwrap()
    );
    assert!(!blocks::blocked(&a.state.db, other, &zoe_id).await.unwrap());
    fed::follow(
        &b.state,
        &Actor::person(&yann),
        &format!("!jardins@{host_a}"),
    )
    .await
    .expect("follow sent");
    until(&a, &b, "Yann's follow rejected", || async {
        count(
            &b,
            &format!(
                "SELECT COUNT(*) FROM ap_following WHERE user_id = {} AND state = 'rejected'",
                yann.id
            ),
        )
        .await
            == 1
    })
    .await;
    assert_eq!(
        count(
            &a,
            &format!("SELECT COUNT(*) FROM ap_followers WHERE community_id = {jardins}")
        )
        .await,
        0
    );
    let listed = blocks::instance_blocks(&a.state, &Actor::person(&bruno), &c)
        .await
        .unwrap();
    assert_eq!(
        listed,
        vec![(host_b.clone(), "Instance de spam".to_string())]
    );
    assert_eq!(
        count(
            &a,
            "SELECT COUNT(*) FROM mod_log WHERE action = 'block_instance'"
        )
        .await,
        1
    );
    // Lifted: the bans it made go with it.
    blocks::unblock_instance(&a.state, &Actor::person(&bruno), &c, &host_b)
        .await
        .unwrap();
    assert!(
        !blocks::blocked(&a.state.db, jardins, &zoe_id)
            .await
            .unwrap()
    );
}

async fn zoe_on_a_id(a: &TestApp, ap_id: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE ap_id = $1")
        .bind(ap_id)
        .fetch_one(&a.state.db.pool)
        .await
        .unwrap()
}
