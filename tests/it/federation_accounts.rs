//! Account deletion across instances (issues 18 and 20): the `Delete` of a
//! deleted person's actor reaches the instances that hold copies of what
//! they wrote, which delete their shadow account and its copies by the same
//! deletion operation. Two instances over real HTTP on 127.0.0.1, both
//! engines.

use passerelles::actor::Actor;
use passerelles_core::data_rights::deletion::{self, Mode};
use passerelles_core::federation::{ops as fed, outbox};
use serde_json::Value;

use crate::harness::TestApp;
use crate::writing::{community, publication};

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

/// The `Delete` activities waiting in `app`'s federation queue.
async fn queued_deletes(app: &TestApp) -> Vec<(String, Value)> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT payload FROM jobs WHERE queue = 'federation' AND failed_at IS NULL ORDER BY id",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    rows.iter()
        .filter_map(|p| {
            let job: Value = serde_json::from_str(p).ok()?;
            let d = job.get("Deliver").unwrap_or(&job);
            let activity: Value = serde_json::from_str(d.get("activity")?.as_str()?).ok()?;
            (activity["type"] == "Delete")
                .then(|| (d["inbox"].as_str().unwrap_or("").to_string(), activity))
        })
        .collect()
}

async fn execute(app: &TestApp, user_id: i64, mode: Mode) {
    deletion::execute(
        &app.state.db,
        &app.state.jobs,
        &app.state.config.public_url(),
        &app.state.instance_name(),
        user_id,
        mode,
    )
    .await
    .expect("deletion");
}

#[tokio::test]
async fn a_deleted_account_is_deleted_on_the_instances_that_hold_its_copies() {
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let ana = a.create_user("ana", false).await;
    let bruno = a.create_user("bruno", false).await;
    let open = community(&a, "jardins", "open", "open", &ana).await;
    crate::writing::member(&a, open, &bruno, "member", "active").await;
    let zoe = b.create_user("zoe", false).await;
    let lea = b.create_user("lea", false).await;
    let host_a = host(&a);

    // Zoé, on B, follows A's community; Ana and Bruno publish there.
    fed::follow(
        &b.state,
        &Actor::person(&zoe),
        &format!("!jardins@{host_a}"),
    )
    .await
    .expect("follow");
    let mirror = format!("jardins@{host_a}");
    until(&a, &b, "the mirror", || async {
        count(
            &b,
            &format!(
                "SELECT COUNT(*) FROM memberships m JOIN communities c ON c.id = m.community_id \
                 WHERE c.slug = '{mirror}' AND m.user_id = {}",
                zoe.id
            ),
        )
        .await
            == 1
    })
    .await;
    let by_ana = publication(&a, &ana, "Le potager d'Ana", &[open], 5).await;
    outbox::announce_created(&a.state, by_ana).await;
    let by_bruno = publication(&a, &bruno, "Les semis de Bruno", &[open], 4).await;
    outbox::announce_created(&a.state, by_bruno).await;
    let copy_of = |pid: i64| {
        format!(
            "SELECT id FROM publications WHERE ap_id = '{}'",
            a.at(&format!("/p/{pid}"))
        )
    };
    until(&a, &b, "both copies on B", || async {
        count(
            &b,
            &format!(
                "SELECT COUNT(*) FROM publications WHERE domain IS NOT NULL AND status = 'visible'"
            ),
        )
        .await
            == 2
    })
    .await;
    let ana_copy = count(&b, &copy_of(by_ana)).await;
    let bruno_copy = count(&b, &copy_of(by_bruno)).await;

    // Zoé replies under Bruno's publication: her reply reaches A.
    passerelles_core::publications::ops::add_reply(
        &b.state,
        &Actor::person(&zoe),
        bruno_copy,
        None,
        "Réponse de Zoé",
    )
    .await
    .expect("reply on B");
    let zoe_on_a = format!(
        "SELECT COUNT(*) FROM replies WHERE publication_id = {by_bruno} AND status = 'visible'"
    );
    until(&a, &b, "Zoé's reply on A", || async {
        count(&a, &zoe_on_a).await == 1
    })
    .await;
    let zoe_shadow = format!(
        "SELECT COUNT(*) FROM users WHERE ap_id = '{}'",
        b.at("/u/zoe")
    );
    assert_eq!(count(&a, &zoe_shadow).await, 1);

    // Léa (on B, no remote contact) is deleted: nothing to send.
    execute(&b, lea.id, Mode::Everything).await;
    assert!(
        queued_deletes(&b).await.is_empty(),
        "Léa had no copies anywhere"
    );

    // Zoé deletes her account on B: A hears it, her shadow account and her
    // reply go there.
    execute(&b, zoe.id, Mode::Everything).await;
    let sent = queued_deletes(&b).await;
    assert_eq!(sent.len(), 1, "one Delete, to A's shared inbox: {sent:?}");
    assert_eq!(sent[0].0, a.at("/inbox"));
    assert_eq!(sent[0].1["actor"], b.at("/u/zoe"));
    assert_eq!(sent[0].1["object"], b.at("/u/zoe"));
    assert_eq!(sent[0].1["removeData"], true);
    until(&a, &b, "Zoé's deletion on A", || async {
        count(&a, &zoe_shadow).await == 0
    })
    .await;
    assert_eq!(count(&a, &zoe_on_a).await, 0, "her reply went with her");

    // Ana deletes hers on A, anonymising: B's copy of her publication
    // stays, no longer hers; Bruno's is untouched.
    execute(&a, ana.id, Mode::Anonymise).await;
    let sent = queued_deletes(&a).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].1["object"], a.at("/u/ana"));
    assert_eq!(sent[0].1["removeData"], false);
    let ana_shadow = format!(
        "SELECT COUNT(*) FROM users WHERE ap_id = '{}'",
        a.at("/u/ana")
    );
    assert_eq!(count(&b, &ana_shadow).await, 1);
    until(&a, &b, "Ana's deletion on B", || async {
        count(&b, &ana_shadow).await == 0
    })
    .await;
    assert_eq!(
        count(&b, &format!("SELECT COUNT(*) FROM publications WHERE id = {ana_copy} AND status = 'visible' AND author_id IS NULL")).await,
        1
    );

    // Bruno deletes everything: B's copy of his publication is deleted.
    execute(&a, bruno.id, Mode::Everything).await;
    until(&a, &b, "Bruno's deletion on B", || async {
        count(
            &b,
            &format!(
                "SELECT COUNT(*) FROM publications WHERE id = {bruno_copy} AND status = 'deleted'"
            ),
        )
        .await
            == 1
    })
    .await;
}

/// A deleted person's actor URL answers 410 Gone with a `Tombstone` (what
/// Mastodon reads to drop its copy of the account), not 404; the page a
/// browser asks for is still a plain 404; someone who never was, or who
/// opted out of the fediverse before deletion, stays 404; a new account
/// with the name is served again.
#[tokio::test]
async fn a_deleted_persons_actor_answers_410_gone_with_a_tombstone() {
    let a = TestApp::spawn().await;
    let ana = a.create_user("ana", false).await;
    let olga = a.create_user("olga", false).await;
    passerelles_core::federation::set_opt_out(&a.state.db, olga.id, true)
        .await
        .unwrap();
    let get = |path: &str| {
        let url = a.at(path);
        async move {
            let res = reqwest::Client::new()
                .get(url)
                .header("accept", "application/activity+json")
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let ct = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let body: Value =
                serde_json::from_str(&res.text().await.unwrap()).unwrap_or(Value::Null);
            (status, ct, body)
        }
    };
    assert_eq!(get("/u/ana").await.0, 200);
    execute(&a, ana.id, Mode::Everything).await;
    execute(&a, olga.id, Mode::Everything).await;
    let (status, ct, doc) = get("/u/ana").await;
    assert_eq!(status, 410, "deleted: Gone");
    assert!(ct.starts_with("application/activity+json"), "{ct}");
    assert_eq!(doc["type"], "Tombstone");
    assert_eq!(doc["formerType"], "Person");
    assert_eq!(doc["id"], a.at("/u/ana"));
    assert!(doc["deleted"].as_str().is_some_and(|d| d.ends_with('Z')));
    // Case does not hide it; nobody else is Gone; the opted-out stays unknown.
    assert_eq!(get("/u/ANA").await.0, 410);
    assert_eq!(get("/u/personne").await.0, 404);
    assert_eq!(get("/u/olga").await.0, 404, "never on the fediverse");
    // No name is kept in clear.
    assert_eq!(
        count(
            &a,
            "SELECT COUNT(*) FROM ap_gone_actors WHERE digest LIKE '%ana%'"
        )
        .await,
        0
    );
    // A browser still gets the page's 404.
    let res = reqwest::get(a.at("/u/ana")).await.unwrap();
    assert_eq!(res.status(), 404);
    // The name taken again: served as the new person.
    a.create_user("ana", false).await;
    assert_eq!(get("/u/ana").await.0, 200);
}
