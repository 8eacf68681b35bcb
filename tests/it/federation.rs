//! ActivityPub federation (issue 18), through the real HTTP entry points on
//! both engines: WebFinger, NodeInfo 2.1, the actors (`Person`, `Group`,
//! the `Application` instance actor) with stored keys and their
//! collections, publications as `Page`, `Accept` negotiation on the pages'
//! own URLs — and what is never published (private and unlisted
//! communities, their content, people who opted out). The documents are
//! expanded by an independent JSON-LD processor (pyld) and our HTTP
//! signatures checked by an independent reading of draft-cavage in Python
//! (`tests/rp/activitypub.py`).

use passerelles::accounts::User;
use passerelles_core::federation::httpsig;
use passerelles_core::federation::keys::ActorKey;
use serde_json::Value;

use crate::harness::TestApp;
use crate::writing::{community, exec, member, publication};

const AP: &str = "application/activity+json";

async fn ap_get(app: &TestApp, path: &str) -> (u16, Option<String>, Value) {
    let res = app
        .client()
        .get(app.at(path))
        .header("accept", AP)
        .send()
        .await
        .expect("get");
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = res.text().await.unwrap_or_default();
    (
        status,
        ct,
        serde_json::from_str(&body).unwrap_or(Value::Null),
    )
}

async fn json_get(app: &TestApp, path: &str) -> (u16, Value) {
    let res = app.client().get(app.at(path)).send().await.expect("get");
    let status = res.status().as_u16();
    let body = res.text().await.unwrap_or_default();
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn host(app: &TestApp) -> String {
    app.url.trim_start_matches("http://").to_string()
}

struct World {
    ana: User,
    open: i64,
    private: i64,
    unlisted: i64,
    in_open: i64,
    in_private: i64,
    in_unlisted: i64,
}

/// Ana owns an open community (a moderator, Bruno, with her), a private one
/// and an unlisted one, and publishes in each; Chloé (no role) is in the
/// open one.
async fn world(app: &TestApp) -> World {
    let ana = app.create_user("ana", false).await;
    let bruno = app.create_user("bruno", false).await;
    let chloe = app.create_user("chloe", false).await;
    let open = community(app, "jardins", "open", "open", &ana).await;
    member(app, open, &bruno, "moderator", "active").await;
    member(app, open, &chloe, "member", "active").await;
    let private = community(app, "cercle", "private", "request", &ana).await;
    let unlisted = community(app, "discret", "unlisted", "open", &ana).await;
    let in_open = publication(app, &ana, "Semis d'automne", &[open], 100).await;
    let in_private = publication(app, &ana, "Entre nous", &[private], 90).await;
    let in_unlisted = publication(app, &ana, "Par lien seulement", &[unlisted], 80).await;
    World {
        ana,
        open,
        private,
        unlisted,
        in_open,
        in_private,
        in_unlisted,
    }
}

#[tokio::test]
async fn webfinger_and_nodeinfo_find_people_groups_and_the_instance_but_nothing_private() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let host = host(&app);

    let res = app
        .client()
        .get(app.at(&format!("/.well-known/webfinger?resource=acct:ana@{host}")))
        .send()
        .await
        .expect("webfinger");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/jrd+json")
    );
    let jrd: Value = res.json().await.expect("jrd");
    assert_eq!(jrd["subject"], format!("acct:ana@{host}"));
    let this = jrd["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "self")
        .expect("self link");
    assert_eq!(this["type"], AP);
    assert_eq!(this["href"], app.at("/u/ana"));
    assert_eq!(
        this["properties"]["https://www.w3.org/ns/activitystreams#type"],
        "Person"
    );

    let (s, jrd) = json_get(
        &app,
        &format!("/.well-known/webfinger?resource=acct:jardins@{host}"),
    )
    .await;
    assert_eq!(s, 200);
    let last = jrd["links"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["href"], app.at("/c/jardins"));
    assert_eq!(
        last["properties"]["https://www.w3.org/ns/activitystreams#type"],
        "Group"
    );
    // The actor URL itself is a resource too.
    let (s, jrd) = json_get(
        &app,
        &format!("/.well-known/webfinger?resource={}", app.at("/c/jardins")),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(jrd["subject"], format!("acct:jardins@{host}"));
    // The instance actor: acct:host@host.
    let (s, jrd) = json_get(
        &app,
        &format!("/.well-known/webfinger?resource=acct:{host}@{host}"),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(jrd["links"][0]["href"], app.at("/actor"));

    // Private and unlisted communities, unknown names, other hosts: one answer.
    for resource in [
        format!("acct:cercle@{host}"),
        format!("acct:discret@{host}"),
        format!("acct:personne@{host}"),
        "acct:ana@ailleurs.example".to_string(),
        "https://ailleurs.example/u/ana".to_string(),
    ] {
        let (s, _) = json_get(&app, &format!("/.well-known/webfinger?resource={resource}")).await;
        assert_eq!(s, 404, "{resource}");
    }
    let (s, _) = json_get(&app, "/.well-known/webfinger").await;
    assert_eq!(s, 400, "resource is required");

    // NodeInfo: the well-known link, then the 2.1 document. Only what the
    // fediverse may see is counted: one publication, not three.
    let (s, links) = json_get(&app, "/.well-known/nodeinfo").await;
    assert_eq!(s, 200);
    assert_eq!(
        links["links"][0]["rel"],
        "http://nodeinfo.diaspora.software/ns/schema/2.1"
    );
    let href = links["links"][0]["href"].as_str().unwrap().to_string();
    assert_eq!(href, app.at("/nodeinfo/2.1"));
    let res = app.client().get(&href).send().await.expect("nodeinfo");
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("schema/2.1#")
    );
    let ni: Value = res.json().await.expect("json");
    assert_eq!(ni["version"], "2.1");
    assert_eq!(ni["software"]["name"], "passerelles");
    assert_eq!(ni["protocols"][0], "activitypub");
    assert_eq!(ni["usage"]["users"]["total"], 3);
    assert_eq!(ni["usage"]["localPosts"], 1);
    assert_eq!(ni["openRegistrations"], true);
    let _ = (w.private, w.unlisted);
}

#[tokio::test]
async fn actors_and_objects_answer_on_the_pages_urls_by_accept() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;

    // A browser gets the page, marked as varying by Accept.
    let res = app
        .client()
        .get(app.at("/c/jardins"))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(res.headers()["vary"].to_str().unwrap().contains("Accept"));

    // The Group, as Lemmy reads one (FEP-1b12).
    let (s, ct, g) = ap_get(&app, "/c/jardins").await;
    assert_eq!(s, 200);
    assert!(ct.unwrap().starts_with(AP));
    assert_eq!(g["type"], "Group");
    assert_eq!(g["id"], app.at("/c/jardins"));
    assert_eq!(g["preferredUsername"], "jardins");
    for (k, path) in [
        ("inbox", "/c/jardins/inbox"),
        ("outbox", "/c/jardins/outbox"),
        ("followers", "/c/jardins/followers"),
        ("featured", "/c/jardins/featured"),
        ("attributedTo", "/c/jardins/moderators"),
    ] {
        assert_eq!(g[k], app.at(path), "{k}");
    }
    assert_eq!(g["endpoints"]["sharedInbox"], app.at("/inbox"));
    assert_eq!(g["manuallyApprovesFollowers"], false);
    assert_eq!(g["publicKey"]["id"], app.at("/c/jardins#main-key"));
    assert_eq!(g["publicKey"]["owner"], app.at("/c/jardins"));
    let pem = g["publicKey"]["publicKeyPem"].as_str().unwrap().to_string();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"));

    // The key is made once and stored: asked again, the same key.
    let (_, _, again) = ap_get(&app, "/c/jardins").await;
    assert_eq!(again["publicKey"]["publicKeyPem"], pem.as_str());
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ap_keys WHERE owner = $1")
        .bind(format!("community:{}", w.open))
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    assert_eq!(stored, 1);

    // Moderators: the owner and the moderator, not the plain member.
    let (s, _, mods) = ap_get(&app, "/c/jardins/moderators").await;
    assert_eq!(s, 200);
    assert_eq!(mods["type"], "OrderedCollection");
    assert_eq!(
        mods["orderedItems"],
        serde_json::json!([app.at("/u/ana"), app.at("/u/bruno")])
    );

    // The outbox: the open community's publication as Create(Page).
    let (s, _, outbox) = ap_get(&app, "/c/jardins/outbox").await;
    assert_eq!(s, 200);
    assert_eq!(outbox["totalItems"], 1);
    let create = &outbox["orderedItems"][0];
    assert_eq!(create["type"], "Create");
    assert_eq!(create["actor"], app.at("/u/ana"));
    assert_eq!(create["object"]["id"], app.at(&format!("/p/{}", w.in_open)));

    // The publication as a Page addressed to the public and its group.
    let (s, _, page) = ap_get(&app, &format!("/p/{}", w.in_open)).await;
    assert_eq!(s, 200);
    assert_eq!(page["type"], "Page");
    assert_eq!(page["name"], "Semis d'automne");
    assert_eq!(page["attributedTo"], app.at("/u/ana"));
    assert_eq!(
        page["to"][0],
        "https://www.w3.org/ns/activitystreams#Public"
    );
    assert_eq!(page["cc"], serde_json::json!([app.at("/c/jardins")]));
    assert_eq!(page["audience"], app.at("/c/jardins"));

    // The person, and the instance actor.
    let (s, _, p) = ap_get(&app, "/u/ana").await;
    assert_eq!(s, 200);
    assert_eq!(p["type"], "Person");
    assert_eq!(p["inbox"], app.at("/u/ana/inbox"));
    assert_eq!(p["publicKey"]["owner"], app.at("/u/ana"));
    assert_ne!(
        p["publicKey"]["publicKeyPem"],
        pem.as_str(),
        "a key per actor"
    );
    let (s, _, outbox) = ap_get(&app, "/u/ana/outbox").await;
    assert_eq!(s, 200);
    assert_eq!(outbox["totalItems"], 1, "only what the fediverse may see");
    let (s, _, i) = ap_get(&app, "/actor").await;
    assert_eq!(s, 200);
    assert_eq!(i["type"], "Application");
    assert_eq!(i["publicKey"]["id"], app.at("/actor#main-key"));

    // Private and unlisted: not an actor, not an object, no collection —
    // exactly as something that does not exist.
    for path in [
        "/c/cercle".to_string(),
        "/c/discret".to_string(),
        "/c/cercle/outbox".to_string(),
        "/c/discret/moderators".to_string(),
        format!("/p/{}", w.in_private),
        format!("/p/{}", w.in_unlisted),
        "/c/inexistante".to_string(),
        "/p/999999".to_string(),
        "/u/personne".to_string(),
    ] {
        let (s, _, doc) = ap_get(&app, &path).await;
        assert_eq!(s, 404, "{path}");
        assert_eq!(doc, Value::Null, "{path}: no document");
    }
    // The private community's page still shows its card to browsers.
    let res = app.client().get(app.at("/c/cercle")).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_person_who_opts_out_disappears_with_what_they_publish() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let host = host(&app);
    let (s, _, _) = ap_get(&app, &format!("/p/{}", w.in_open)).await;
    assert_eq!(s, 200);

    passerelles_core::federation::set_opt_out(&app.state.db, w.ana.id, true)
        .await
        .expect("opt out");
    let (s, _, _) = ap_get(&app, "/u/ana").await;
    assert_eq!(s, 404);
    let (s, _) = json_get(
        &app,
        &format!("/.well-known/webfinger?resource=acct:ana@{host}"),
    )
    .await;
    assert_eq!(s, 404);
    let (s, _, _) = ap_get(&app, &format!("/p/{}", w.in_open)).await;
    assert_eq!(s, 404, "her publication is not federated either");
    let (_, _, mods) = ap_get(&app, "/c/jardins/moderators").await;
    assert_eq!(
        mods["orderedItems"],
        serde_json::json!([app.at("/u/bruno")])
    );
    // Her page is still there for browsers.
    let res = app.client().get(app.at("/u/ana")).send().await.unwrap();
    assert_eq!(res.status(), 200);

    // Made private, the open community leaves the fediverse.
    exec(
        &app,
        "UPDATE communities SET visibility = 'private' WHERE id = $1",
        w.open,
    )
    .await;
    let (s, _, _) = ap_get(&app, "/c/jardins").await;
    assert_eq!(s, 404);
}

fn python() -> Option<String> {
    let venv = format!("{}/tests/rp/.venv/bin/python3", env!("CARGO_MANIFEST_DIR"));
    let python = if std::path::Path::new(&venv).exists() {
        venv
    } else {
        "python3".to_string()
    };
    let contexts = format!(
        "{}/tests/rp/node_modules/@fedify/vocab-runtime/src/contexts/activitystreams.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let ok = std::path::Path::new(&contexts).exists()
        && std::process::Command::new(&python)
            .args(["-c", "import pyld, cryptography"])
            .output()
            .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    if std::env::var("PASSERELLES_REQUIRE_RP").is_ok_and(|v| v == "1") {
        panic!("pyld and the JSON-LD contexts are required (PASSERELLES_REQUIRE_RP=1)");
    }
    crate::harness::skip(
        "federation (pyld)",
        "pyld or tests/rp/node_modules not installed (scripts/test --install-rp)",
    );
    None
}

fn run_py(python: &str, args: &[&str]) -> Value {
    let out = std::process::Command::new(python)
        .arg(format!(
            "{}/tests/rp/activitypub.py",
            env!("CARGO_MANIFEST_DIR")
        ))
        .args(args)
        .output()
        .expect("run activitypub.py");
    assert!(
        out.status.success(),
        "activitypub.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("activitypub.py prints JSON")
}

#[tokio::test]
async fn our_documents_expand_with_pyld_and_every_term_is_defined() {
    let Some(python) = python() else { return };
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    exec(
        &app,
        "UPDATE publication_communities SET pinned = 1 WHERE publication_id = $1",
        w.in_open,
    )
    .await;
    let dir = app.data_dir.join("activitypub");
    std::fs::create_dir_all(&dir).expect("dir");
    let mut files = Vec::new();
    for path in [
        "/u/ana".to_string(),
        "/c/jardins".to_string(),
        "/actor".to_string(),
        format!("/p/{}", w.in_open),
        "/c/jardins/outbox".to_string(),
        "/c/jardins/featured".to_string(),
        "/c/jardins/moderators".to_string(),
        "/u/ana/outbox".to_string(),
    ] {
        let (s, _, doc) = ap_get(&app, &path).await;
        assert_eq!(s, 200, "{path}");
        let file = dir.join(path.trim_start_matches('/').replace('/', "_"));
        std::fs::write(&file, doc.to_string()).expect("write");
        files.push(file.to_string_lossy().to_string());
    }
    let mut args = vec!["jsonld"];
    args.extend(files.iter().map(String::as_str));
    let parsed = run_py(&python, &args);
    const AS: &str = "https://www.w3.org/ns/activitystreams#";
    for f in &files {
        let r = &parsed[f.as_str()];
        assert_eq!(
            r["undefined"],
            serde_json::json!([]),
            "{f}: undefined terms"
        );
    }
    let props = |f: &str| -> Vec<String> {
        parsed[f]["properties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_string())
            .collect()
    };
    let group = &files[1];
    assert_eq!(parsed[group.as_str()]["types"][0], format!("{AS}Group"));
    assert_eq!(parsed[group.as_str()]["id"], app.at("/c/jardins"));
    for want in [
        "http://www.w3.org/ns/ldp#inbox".to_string(),
        format!("{AS}outbox"),
        format!("{AS}followers"),
        format!("{AS}preferredUsername"),
        format!("{AS}sharedInbox"),
        "https://w3id.org/security#publicKey".into(),
        "https://w3id.org/security#publicKeyPem".into(),
        "https://w3id.org/security#owner".into(),
        "http://joinmastodon.org/ns#featured".into(),
        "https://join-lemmy.org/ns#moderators".into(),
        format!("{AS}manuallyApprovesFollowers"),
    ] {
        assert!(props(group).contains(&want), "Group lacks {want}");
    }
    assert_eq!(parsed[files[0].as_str()]["types"][0], format!("{AS}Person"));
    assert_eq!(
        parsed[files[2].as_str()]["types"][0],
        format!("{AS}Application")
    );
    let page = &files[3];
    assert_eq!(parsed[page.as_str()]["types"][0], format!("{AS}Page"));
    for want in [
        format!("{AS}attributedTo"),
        format!("{AS}to"),
        format!("{AS}cc"),
        format!("{AS}audience"),
        format!("{AS}content"),
        format!("{AS}name"),
    ] {
        assert!(props(page).contains(&want), "Page lacks {want}");
    }
    // `orderedItems` is `as:items` as an ordered list in the ActivityStreams context.
    assert!(
        props(&files[5]).contains(&format!("{AS}items")),
        "featured lists its Page"
    );
    assert!(props(&files[5]).contains(&format!("{AS}attributedTo")));
}

#[tokio::test]
async fn our_http_signatures_verify_in_an_independent_reading_and_tampering_fails() {
    let Some(python) = python() else { return };
    let app = TestApp::spawn().await;
    let key = ActorKey::generate().expect("key");
    let body = r#"{"type":"Follow","actor":"https://a.example/u/ana"}"#;
    let now = passerelles::db::now();
    let out = httpsig::sign(
        &key,
        "https://a.example/u/ana#main-key",
        "POST",
        "/c/jardins/inbox",
        "b.example",
        Some(body.as_bytes()),
        now,
    )
    .expect("sign");
    let check = |body: &str, host: &str| {
        let req = serde_json::json!({
            "method": "POST",
            "path": "/c/jardins/inbox",
            "headers": {
                "host": host,
                "date": out.date,
                "digest": out.digest.clone().unwrap(),
                "signature": out.signature,
            },
            "body": body,
            "public_pem": key.public_pem,
        });
        let file = app.data_dir.join(format!("sig-{}.json", rand_suffix()));
        std::fs::write(&file, req.to_string()).expect("write");
        run_py(&python, &["signature", file.to_str().unwrap()])
    };
    let ok = check(body, "b.example");
    assert_eq!(ok["ok"], true, "{ok}");
    assert_eq!(
        ok["covered"],
        serde_json::json!(["(request-target)", "host", "date", "digest"])
    );
    assert_eq!(ok["key_id"], "https://a.example/u/ana#main-key");
    assert_eq!(check(r#"{"type":"Delete"}"#, "b.example")["why"], "digest");
    assert_eq!(check(body, "c.example")["why"], "signature");
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

// ---- two instances over real HTTP on 127.0.0.1 -----------------------------------------

/// Run both instances' queues until `done` holds (10 s at most).
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

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count")
}

/// A POST to `app`'s inbox at `path`, signed as `key_id` with `key`,
/// optionally with another body than the one signed, or another date.
async fn post_signed(
    app: &TestApp,
    path: &str,
    key: &ActorKey,
    key_id: &str,
    signed_body: &str,
    sent_body: &str,
    at: i64,
) -> u16 {
    let host = host(app);
    let out = httpsig::sign(
        key,
        key_id,
        "POST",
        path,
        &host,
        Some(signed_body.as_bytes()),
        at,
    )
    .expect("sign");
    reqwest::Client::new()
        .post(app.at(path))
        .header("content-type", AP)
        .header("date", out.date)
        .header("digest", out.digest.unwrap())
        .header("signature", out.signature)
        .body(sent_body.to_string())
        .send()
        .await
        .expect("post")
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_member_of_one_instance_follows_a_community_of_another() {
    // Loopback peers, for tests only (the guarded fetcher's allow-list).
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let w = world(&a).await;
    let zoe = b.create_user("zoe", false).await;
    let yann = b.create_user("yann", false).await;
    let zoe_id = b.at("/u/zoe");

    // Zoé, on B, follows the open community of A: B signs a Follow with her
    // key, A fetches her actor from B, verifies, accepts and answers; B
    // verifies A's Accept with the group's key.
    let f = passerelles_core::federation::ops::follow(
        &b.state,
        &passerelles::actor::Actor::person(&zoe),
        &a.at("/c/jardins"),
    )
    .await
    .expect("follow");
    assert_eq!(f.state, "pending");
    let accepted_on_b = format!(
        "SELECT COUNT(*) FROM ap_following WHERE user_id = {} AND state = 'accepted'",
        zoe.id
    );
    until(&a, &b, "the Accept", || async {
        count(&b, &accepted_on_b).await == 1
    })
    .await;
    assert_eq!(
        count(
            &a,
            &format!(
                "SELECT COUNT(*) FROM ap_followers WHERE community_id = {} \
                 AND actor = '{zoe_id}' AND state = 'accepted'",
                w.open
            )
        )
        .await,
        1
    );
    let (_, _, followers) = ap_get(&a, "/c/jardins/followers").await;
    assert_eq!(followers["totalItems"], 1);
    // A cached B's actor, with the key B published.
    let (_, _, zoe_doc) = ap_get(&b, "/u/zoe").await;
    let cached: String = sqlx::query_scalar("SELECT public_pem FROM ap_actors WHERE ap_id = $1")
        .bind(&zoe_id)
        .fetch_one(&a.state.db.pool)
        .await
        .expect("cached actor");
    assert_eq!(zoe_doc["publicKey"]["publicKeyPem"], cached.as_str());

    // Ana publishes on A in the open community and in the private one: the
    // open community announces hers to B (its follower), signed with the
    // group's key; the private one announces nothing.
    let client = a.client();
    a.login(&client, "ana", crate::harness::PASSWORD).await;
    for (title, community) in [("Récolte commune", w.open), ("Réunion privée", w.private)] {
        let csrf = a.csrf(&client, "/p/new").await;
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf)
            .text("kind", "discussion")
            .text("title", title)
            .text("body", format!("Corps de {title}"))
            .text("tags", "")
            .text("communities", community.to_string());
        let res = client
            .post(a.at("/p/new"))
            .multipart(form)
            .send()
            .await
            .expect("publish");
        assert_eq!(
            res.status(),
            303,
            "{title}: {}",
            res.text().await.unwrap_or_default()
        );
    }
    let announced = format!(
        "SELECT COUNT(*) FROM ap_received WHERE kind = 'Announce' AND actor = '{}'",
        a.at("/c/jardins")
    );
    until(&a, &b, "the Announce", || async {
        count(&b, &announced).await == 1
    })
    .await;
    a.drain_jobs().await;
    assert_eq!(
        count(
            &b,
            "SELECT COUNT(*) FROM ap_received WHERE kind = 'Announce'"
        )
        .await,
        1
    );
    assert_eq!(
        count(&a, "SELECT COUNT(*) FROM jobs WHERE queue = 'federation'").await,
        0,
        "nothing else to deliver, nothing failed"
    );

    // A private community of A cannot be followed: it is no actor at all.
    let refused = passerelles_core::federation::ops::follow(
        &b.state,
        &passerelles::actor::Actor::person(&zoe),
        &a.at("/c/cercle"),
    )
    .await;
    assert!(refused.is_err(), "a private community is not followable");

    // What A's inbox refuses: Zoé's key is B's, signing for her.
    let key = passerelles_core::federation::keys::key_for(
        &b.state.db,
        passerelles_core::federation::keys::Owner::User(zoe.id),
    )
    .await
    .expect("zoe's key");
    let key_id = format!("{zoe_id}#main-key");
    let now = passerelles::db::now();
    let follow = |id: &str, actor: &str, object: &str| {
        serde_json::json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": b.at(&format!("/u/zoe#{id}")),
            "type": "Follow",
            "actor": actor,
            "object": object,
        })
        .to_string()
    };
    let private_follow = follow("f2", &zoe_id, &a.at("/c/cercle"));
    let inbox = "/c/jardins/inbox";
    // Unsigned.
    let res = reqwest::Client::new()
        .post(a.at(inbox))
        .header("content-type", AP)
        .body(private_follow.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "unsigned");
    // A body other than the one signed.
    let other = follow("f3", &zoe_id, &a.at("/c/jardins"));
    assert_eq!(
        post_signed(&a, inbox, &key, &key_id, &private_follow, &other, now).await,
        401,
        "tampered body"
    );
    // A date two hours old (a replay).
    assert_eq!(
        post_signed(&a, inbox, &key, &key_id, &other, &other, now - 7200).await,
        401,
        "replayed date"
    );
    // Zoé's key signing an activity of Yann.
    let as_yann = follow("f4", &b.at("/u/yann"), &a.at("/c/jardins"));
    assert_eq!(
        post_signed(&a, inbox, &key, &key_id, &as_yann, &as_yann, now).await,
        401,
        "the key of another actor"
    );
    let _ = yann;
    // A wrong key under Zoé's key id.
    let stranger = ActorKey::generate().expect("key");
    assert_eq!(
        post_signed(&a, inbox, &stranger, &key_id, &other, &other, now).await,
        401,
        "a wrong key"
    );
    // Properly signed, the private community's follow is taken (202) and
    // refused: no follower row.
    assert_eq!(
        post_signed(
            &a,
            inbox,
            &key,
            &key_id,
            &private_follow,
            &private_follow,
            now
        )
        .await,
        202
    );
    assert_eq!(
        count(
            &a,
            &format!(
                "SELECT COUNT(*) FROM ap_followers WHERE community_id = {}",
                w.private
            )
        )
        .await,
        0
    );

    // Undo(Follow): Zoé is no longer a follower; sent twice, handled once.
    let undo = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": b.at("/u/zoe#undo-1"),
        "type": "Undo",
        "actor": zoe_id,
        "object": {
            "id": f.follow_id,
            "type": "Follow",
            "actor": zoe_id,
            "object": a.at("/c/jardins"),
        },
    })
    .to_string();
    for _ in 0..2 {
        assert_eq!(
            post_signed(&a, "/inbox", &key, &key_id, &undo, &undo, now).await,
            202
        );
    }
    let (_, _, followers) = ap_get(&a, "/c/jardins/followers").await;
    assert_eq!(followers["totalItems"], 0);
    assert_eq!(
        count(
            &a,
            &format!(
                "SELECT COUNT(*) FROM ap_received WHERE activity_id = '{}'",
                b.at("/u/zoe#undo-1")
            )
        )
        .await,
        1
    );
}
