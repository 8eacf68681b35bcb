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

pub(crate) fn python() -> Option<String> {
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

pub(crate) fn run_py(python: &str, args: &[&str]) -> Value {
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
        count(&b, &announced).await == 2
    })
    .await;
    a.drain_jobs().await;
    // Announce(Create(Page)) for group-aware servers, Announce(Page) for
    // Mastodon: one publication on B.
    assert_eq!(
        count(
            &b,
            "SELECT COUNT(*) FROM ap_received WHERE kind = 'Announce'"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &b,
            "SELECT COUNT(*) FROM publications WHERE domain IS NOT NULL"
        )
        .await,
        1
    );
    // Nothing else to deliver, nothing failed (the worker may still be
    // finishing the last delivery B already answered).
    until(&a, &b, "an empty federation queue on A", || async {
        count(&a, "SELECT COUNT(*) FROM jobs WHERE queue = 'federation'").await == 0
    })
    .await;

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

// ---- content across two instances ---------------------------------------------------------

/// Publish through the page's form, as `who` (signed in on `client`).
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

async fn text_of(app: &TestApp, sql: &str) -> Option<String> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_optional(&app.state.db.pool)
        .await
        .expect("text")
}

#[tokio::test]
async fn two_instances_exchange_publications_replies_edits_deletions_and_blocks() {
    use passerelles::actor::Actor;
    use passerelles_core::federation::{instances, ops as fed};
    use passerelles_core::publications::ops;
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let w = world(&a).await;
    let bruno = passerelles::accounts::by_username(&a.state.db, "bruno")
        .await
        .unwrap()
        .unwrap();
    let zoe = b.create_user("zoe", false).await;
    let host_a = host(&a);
    let host_b = host(&b);

    // 1. Zoé, on B, follows A's community by its handle (WebFinger on A).
    let f = fed::follow(
        &b.state,
        &Actor::person(&zoe),
        &format!("!jardins@{host_a}"),
    )
    .await
    .expect("follow by handle");
    assert_eq!(f.target, a.at("/c/jardins"));
    let mirror = format!("jardins@{host_a}");
    let member_of_mirror = format!(
        "SELECT COUNT(*) FROM memberships m JOIN communities c ON c.id = m.community_id \
         WHERE c.slug = '{mirror}' AND m.user_id = {} AND m.state = 'active'",
        zoe.id
    );
    until(&a, &b, "the Accept and the mirror", || async {
        count(&b, &member_of_mirror).await == 1
    })
    .await;
    // The mirror is not one of B's groups: no actor, no WebFinger.
    let (s, _, _) = ap_get(&b, &format!("/c/{mirror}")).await;
    assert_eq!(s, 404);

    // 2. Ana publishes on A: the copy appears on B, in the mirror, with
    // A's object id, and its page on B names its origin.
    let (ana_client, _) = (a.client(), ());
    a.login(&ana_client, "ana", crate::harness::PASSWORD).await;
    let pid = publish_form(&a, &ana_client, "Récolte commune", w.open).await;
    let page_id = a.at(&format!("/p/{pid}"));
    let copy_sql = format!("SELECT id FROM publications WHERE ap_id = '{page_id}'");
    let copies = format!("SELECT COUNT(*) FROM publications WHERE ap_id = '{page_id}'");
    until(&a, &b, "the publication on B", || async {
        count(&b, &copies).await == 1
    })
    .await;
    let copy: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(copy_sql.clone()))
        .fetch_one(&b.state.db.pool)
        .await
        .unwrap();
    // Announce(Create(Page)) and Announce(Page) both arrived: one copy.
    a.drain_jobs().await;
    b.drain_jobs().await;
    assert_eq!(
        count(
            &b,
            &format!("SELECT COUNT(*) FROM publications WHERE ap_id = '{page_id}'")
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &b,
            "SELECT COUNT(*) FROM ap_received WHERE kind = 'Announce'"
        )
        .await,
        2,
        "the Create and the bare Page (for Mastodon)"
    );
    let res = reqwest::get(b.at(&format!("/p/{copy}"))).await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Récolte commune"));
    assert!(
        html.contains(&format!("ana@{host_a}")),
        "the author's origin is shown"
    );

    // 3. Bruno replies on A: the reply reaches B under the copy.
    let rid = ops::add_reply(
        &a.state,
        &Actor::person(&bruno),
        pid,
        None,
        "Je viens samedi.",
    )
    .await
    .expect("reply on A");
    let reply_on_b = format!(
        "SELECT body FROM replies WHERE ap_id = '{page_id}/replies/{rid}' AND publication_id = {copy}"
    );
    until(&a, &b, "Bruno's reply on B", || async {
        text_of(&b, &reply_on_b).await.is_some()
    })
    .await;
    assert_eq!(text_of(&b, &reply_on_b).await.unwrap(), "Je viens samedi.");

    // 4. Ana edits on A: the copy follows.
    let e = ops::editing(&a.state, Some(&w.ana), pid).await.unwrap();
    let checked = ops::check_edit(
        &a.state,
        &e,
        ops::Changes {
            title: Some("Récolte commune (samedi)".into()),
            body: Some("Corps révisé".into()),
            tags: None,
        },
    )
    .await
    .unwrap();
    ops::edit(
        &a.state,
        &Actor::person(&w.ana),
        &e,
        &checked,
        Vec::new(),
        &[],
    )
    .await
    .unwrap();
    let title_on_b = format!("SELECT title FROM publications WHERE id = {copy}");
    until(&a, &b, "the edit on B", || async {
        text_of(&b, &title_on_b).await.as_deref() == Some("Récolte commune (samedi)")
    })
    .await;

    // 5. Zoé replies on B through the page's form: it reaches A under the
    // publication, written by her shadow account, shown with its origin.
    let zoe_client = b.client();
    b.login(&zoe_client, "zoe", crate::harness::PASSWORD).await;
    let res = b
        .post_form(
            &zoe_client,
            &format!("/p/{copy}"),
            &format!("/p/{copy}/replies"),
            &[("body", "Je serai là aussi !")],
        )
        .await;
    assert_eq!(res.status(), 303, "reply on B");
    let zoe_on_a = format!(
        "SELECT r.body FROM replies r JOIN users u ON u.id = r.author_id \
         WHERE r.publication_id = {pid} AND u.ap_id = '{}'",
        b.at("/u/zoe")
    );
    until(&a, &b, "Zoé's reply on A", || async {
        text_of(&a, &zoe_on_a).await.is_some()
    })
    .await;
    // Passerelles sends its Markdown `source`, taken as typed.
    assert_eq!(text_of(&a, &zoe_on_a).await.unwrap(), "Je serai là aussi !");
    let html = reqwest::get(a.at(&format!("/p/{pid}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("zoe@{host_b}")),
        "origin of the remote reply"
    );
    assert!(html.contains("Je serai là aussi !"));

    // 6. Bruno deletes his reply on A: gone on B.
    ops::delete_reply(&a.state, &Actor::person(&bruno), pid, rid)
        .await
        .unwrap();
    let deleted_on_b =
        format!("SELECT status FROM replies WHERE ap_id = '{page_id}/replies/{rid}'");
    until(&a, &b, "the deletion on B", || async {
        text_of(&b, &deleted_on_b).await.as_deref() == Some("deleted")
    })
    .await;

    // 7. A moderator of A removes the publication: the copy on B is removed.
    let c = passerelles::communities::by_slug(&a.state.db, "jardins")
        .await
        .unwrap()
        .unwrap();
    passerelles_core::moderation::ops::act(
        &a.state,
        &Actor::person(&bruno),
        passerelles_core::moderation::Scope::Community(c.id),
        Some(&c),
        &passerelles_core::moderation::ActRequest {
            act: passerelles_core::moderation::Act::Remove,
            target: Some(passerelles_core::moderation::Target::Publication(pid)),
            report_id: None,
            reason: "Hors sujet".into(),
        },
    )
    .await
    .expect("removal on A");
    let removed_on_b =
        format!("SELECT status FROM publication_communities WHERE publication_id = {copy}");
    until(&a, &b, "the removal on B", || async {
        text_of(&b, &removed_on_b).await.as_deref() == Some("removed")
    })
    .await;
    let res = reqwest::get(b.at(&format!("/p/{copy}"))).await.unwrap();
    assert_eq!(res.status(), 404, "removed: no longer readable on B");

    // 7b. Ana deletes a publication on A: its copy on B is deleted.
    let doomed = publish_form(&a, &ana_client, "Annonce périmée", w.open).await;
    let doomed_count = format!(
        "SELECT COUNT(*) FROM publications WHERE ap_id = '{}' AND status = 'visible'",
        a.at(&format!("/p/{doomed}"))
    );
    until(&a, &b, "the publication to delete on B", || async {
        count(&b, &doomed_count).await == 1
    })
    .await;
    ops::delete(&a.state, &Actor::person(&w.ana), doomed)
        .await
        .expect("deletion on A");
    let doomed_deleted = format!(
        "SELECT COUNT(*) FROM publications WHERE ap_id = '{}' AND status = 'deleted'",
        a.at(&format!("/p/{doomed}"))
    );
    until(&a, &b, "the deletion of the publication on B", || async {
        count(&b, &doomed_deleted).await == 1
    })
    .await;

    // 8. A blocks B: A sends nothing more to B, and refuses what B sends.
    let second = publish_form(&a, &ana_client, "Avant le blocage", w.open).await;
    let second_id = a.at(&format!("/p/{second}"));
    let second_sql = format!("SELECT id FROM publications WHERE ap_id = '{second_id}'");
    let second_count = format!("SELECT COUNT(*) FROM publications WHERE ap_id = '{second_id}'");
    until(&a, &b, "the second publication on B", || async {
        count(&b, &second_count).await == 1
    })
    .await;
    let second_copy: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(second_sql))
        .fetch_one(&b.state.db.pool)
        .await
        .unwrap();
    instances::set_state(&a.state.db, &host_b, "blocked", "Tests")
        .await
        .unwrap();
    let before = count(&b, "SELECT COUNT(*) FROM publications").await;
    publish_form(&a, &ana_client, "Après le blocage", w.open).await;
    a.drain_jobs().await;
    assert_eq!(
        count(
            &a,
            "SELECT COUNT(*) FROM jobs WHERE queue = 'federation' AND failed_at IS NULL"
        )
        .await,
        0,
        "nothing queued for a blocked instance"
    );
    b.drain_jobs().await;
    assert_eq!(count(&b, "SELECT COUNT(*) FROM publications").await, before);
    // B's reply to the second publication is refused by A (403): it fails
    // for good on B, and A has no reply.
    ops::add_reply(
        &b.state,
        &Actor::person(&zoe),
        second_copy,
        None,
        "Vous m'entendez ?",
    )
    .await
    .expect("reply on B");
    until(&a, &b, "B's delivery refused", || async {
        count(
            &b,
            "SELECT COUNT(*) FROM jobs WHERE queue = 'federation' AND failed_at IS NOT NULL \
             AND last_error LIKE '%403%'",
        )
        .await
            == 1
    })
    .await;
    assert_eq!(
        count(
            &a,
            &format!("SELECT COUNT(*) FROM replies WHERE publication_id = {second}")
        )
        .await,
        0
    );
    let known = instances::list(&a.state.db).await.unwrap();
    let b_row = known.iter().find(|i| i.host == host_b).expect("B is known");
    assert_eq!(b_row.state, "blocked");
    assert_eq!(b_row.followers, 0, "its followers were dropped");
}

/// What a Mastodon-like server sends, signed by Zoé of B (her actor and
/// key are served by B): posts mentioning the group, replies, edits and
/// deletions in and out of order, duplicates, likes, flags — each through
/// A's inbox, handled by the same operations as a person on a page.
#[tokio::test]
async fn remote_posts_replies_edits_deletions_likes_and_flags_land_through_the_operations() {
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let w = world(&a).await;
    let zoe = b.create_user("zoe", false).await;
    let zoe_id = b.at("/u/zoe");
    let key = passerelles_core::federation::keys::key_for(
        &b.state.db,
        passerelles_core::federation::keys::Owner::User(zoe.id),
    )
    .await
    .expect("zoe's key");
    let key_id = format!("{zoe_id}#main-key");
    let group = a.at("/c/jardins");
    let host_a = host(&a);
    let host_b = host(&b);
    let mut n = 0;
    let mut send = |activity: serde_json::Value| {
        n += 1;
        let mut activity = activity;
        activity["@context"] = serde_json::json!("https://www.w3.org/ns/activitystreams");
        if activity.get("id").is_none() {
            activity["id"] = serde_json::json!(b.at(&format!("/u/zoe/activities/{n}")));
        }
        activity["actor"] = serde_json::json!(zoe_id);
        let body = activity.to_string();
        let (a, key, key_id) = (&a, &key, key_id.clone());
        async move {
            post_signed(
                a,
                "/inbox",
                key,
                &key_id,
                &body,
                &body,
                passerelles::db::now(),
            )
            .await
        }
    };
    let note = |id: &str, html: &str, extra: serde_json::Value| {
        let mut n = serde_json::json!({
            "id": b.at(&format!("/u/zoe/statuses/{id}")),
            "type": "Note",
            "attributedTo": zoe_id,
            "content": html,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [b.at("/u/zoe/followers")],
        });
        for (k, v) in extra.as_object().unwrap() {
            n[k] = v.clone();
        }
        n
    };

    // A Mastodon post mentioning the group: a publication, its first line
    // the title; the HTML read back to text and rendered as Markdown.
    let post = note(
        "1",
        &format!(
            "<p><span class=\"h-card\"><a href=\"{group}\" class=\"u-url mention\">@<span>jardins</span></a></span> Semis d&apos;automne</p>\
             <p>On sème quoi ? <b>Vite</b><script>alert(1)</script> <img src=x onerror=alert(2)></p>"
        ),
        serde_json::json!({
            "cc": [group],
            "tag": [{ "type": "Mention", "href": group, "name": format!("@jardins@{host_a}") }],
        }),
    );
    assert_eq!(
        send(serde_json::json!({ "type": "Create", "object": post.clone() })).await,
        202
    );
    let post_id = b.at("/u/zoe/statuses/1");
    let row: (i64, String, String, String) = sqlx::query_as(
        "SELECT p.id, p.title, p.body_html, u.username FROM publications p JOIN users u ON u.id = p.author_id \
         WHERE p.ap_id = $1",
    )
    .bind(&post_id)
    .fetch_one(&a.state.db.pool)
    .await
    .expect("a publication from the post");
    assert_eq!(row.1, "Semis d'automne");
    assert!(row.2.contains("On sème quoi ? Vite"), "{}", row.2);
    for bad in ["<script", "onerror", "<img", "alert(1)"] {
        assert!(!row.2.contains(bad), "{bad} in {}", row.2);
    }
    assert_eq!(row.3, format!("zoe@{host_b}"));
    assert_eq!(
        count(
            &a,
            &format!(
                "SELECT COUNT(*) FROM publication_communities WHERE publication_id = {} AND community_id = {}",
                row.0, w.open
            )
        )
        .await,
        1
    );
    let page = reqwest::get(a.at(&format!("/p/{}", row.0))).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains(&format!("@zoe@{host_b}"))
    );

    // The same object again (another activity): taken once.
    assert_eq!(
        send(serde_json::json!({ "type": "Create", "object": post.clone() })).await,
        202
    );
    assert_eq!(
        count(
            &a,
            &format!("SELECT COUNT(*) FROM publications WHERE ap_id = '{post_id}'")
        )
        .await,
        1
    );
    // Its edit.
    let mut edited = post.clone();
    edited["content"] = serde_json::json!("<p>Semis d'automne</p><p>Plutôt des fèves.</p>");
    assert_eq!(
        send(serde_json::json!({ "type": "Update", "object": edited })).await,
        202
    );
    let body: String = sqlx::query_scalar("SELECT body FROM publications WHERE ap_id = $1")
        .bind(&post_id)
        .fetch_one(&a.state.db.pool)
        .await
        .unwrap();
    assert_eq!(body, "Semis d'automne\n\nPlutôt des fèves.");

    // A post addressed to the private community only is not taken.
    let private = note(
        "2",
        "<p>@cercle Secret</p><p>Texte</p>",
        serde_json::json!({ "cc": [a.at("/c/cercle")] }),
    );
    assert_eq!(
        send(serde_json::json!({ "type": "Create", "object": private })).await,
        202
    );
    assert_eq!(
        count(
            &a,
            &format!(
                "SELECT COUNT(*) FROM publications WHERE ap_id = '{}'",
                b.at("/u/zoe/statuses/2")
            )
        )
        .await,
        0
    );

    // A reply to Ana's publication: under it, by the same operation.
    let reply = note(
        "3",
        "<p>Bonne idée &amp; merci</p>",
        serde_json::json!({ "inReplyTo": a.at(&format!("/p/{}", w.in_open)) }),
    );
    assert_eq!(
        send(serde_json::json!({ "type": "Create", "object": reply })).await,
        202
    );
    let reply_sql = format!(
        "SELECT status FROM replies WHERE ap_id = '{}' AND publication_id = {}",
        b.at("/u/zoe/statuses/3"),
        w.in_open
    );
    let status: String = sqlx::query_scalar(sqlx::AssertSqlSafe(reply_sql.clone()))
        .fetch_one(&a.state.db.pool)
        .await
        .expect("the reply");
    assert_eq!(status, "visible");
    let html = reqwest::get(a.at(&format!("/p/{}", w.in_open)))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Bonne idée &amp; merci"));
    // A reply to a private publication is refused by the policy.
    let sneaky = note(
        "4",
        "<p>Je lis en cachette</p>",
        serde_json::json!({ "inReplyTo": a.at(&format!("/p/{}", w.in_private)) }),
    );
    assert_eq!(
        send(serde_json::json!({ "type": "Create", "object": sneaky })).await,
        202
    );
    assert_eq!(
        count(
            &a,
            &format!(
                "SELECT COUNT(*) FROM replies WHERE publication_id = {}",
                w.in_private
            )
        )
        .await,
        0
    );
    // Its author deletes the reply: a tombstone.
    assert_eq!(
        send(serde_json::json!({ "type": "Delete", "object": { "id": b.at("/u/zoe/statuses/3"), "type": "Tombstone" } })).await,
        202
    );
    let status: String = sqlx::query_scalar(sqlx::AssertSqlSafe(reply_sql))
        .fetch_one(&a.state.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "deleted");

    // Out of order: the Delete of a reply before its Create — the late
    // Create is not taken; the Update of one never received creates it.
    let late = b.at("/u/zoe/statuses/5");
    assert_eq!(
        send(serde_json::json!({ "type": "Delete", "object": late })).await,
        202
    );
    let late_note = note(
        "5",
        "<p>Trop tard</p>",
        serde_json::json!({ "inReplyTo": a.at(&format!("/p/{}", w.in_open)) }),
    );
    assert_eq!(
        send(serde_json::json!({ "type": "Create", "object": late_note })).await,
        202
    );
    assert_eq!(
        count(
            &a,
            &format!("SELECT COUNT(*) FROM replies WHERE ap_id = '{late}'")
        )
        .await,
        0
    );
    let early = note(
        "6",
        "<p>Modifiée avant d'arriver</p>",
        serde_json::json!({ "inReplyTo": a.at(&format!("/p/{}", w.in_open)) }),
    );
    assert_eq!(
        send(serde_json::json!({ "type": "Update", "object": early })).await,
        202
    );
    assert_eq!(
        count(
            &a,
            &format!(
                "SELECT COUNT(*) FROM replies WHERE ap_id = '{}'",
                b.at("/u/zoe/statuses/6")
            )
        )
        .await,
        1
    );

    // Someone else's object: Zoé cannot edit or delete Ana's publication.
    let forged = serde_json::json!({
        "id": a.at(&format!("/p/{}", w.in_open)),
        "type": "Page",
        "attributedTo": zoe_id,
        "name": "Volée",
        "content": "x",
    });
    assert_eq!(
        send(serde_json::json!({ "type": "Update", "object": forged })).await,
        401
    );
    assert_eq!(
        send(serde_json::json!({ "type": "Delete", "object": a.at(&format!("/p/{}", w.in_open)) }))
            .await,
        401
    );
    let title: String = sqlx::query_scalar("SELECT title FROM publications WHERE id = $1")
        .bind(w.in_open)
        .fetch_one(&a.state.db.pool)
        .await
        .unwrap();
    assert_eq!(title, "Semis d'automne");

    // Like, then Undo(Like).
    let like_id = b.at("/u/zoe/likes/1");
    let liked = a.at(&format!("/p/{}", w.in_open));
    assert_eq!(
        send(serde_json::json!({ "id": like_id, "type": "Like", "object": liked })).await,
        202
    );
    assert_eq!(
        count(
            &a,
            &format!("SELECT COUNT(*) FROM ap_likes WHERE object = '{liked}'")
        )
        .await,
        1
    );
    assert_eq!(
        send(serde_json::json!({ "type": "Undo", "object": { "id": like_id, "type": "Like", "actor": zoe_id, "object": liked } })).await,
        202
    );
    assert_eq!(
        count(
            &a,
            &format!("SELECT COUNT(*) FROM ap_likes WHERE object = '{liked}'")
        )
        .await,
        0
    );

    // Flag: a report to the community's moderators, by Zoé's shadow account.
    assert_eq!(
        send(serde_json::json!({ "type": "Flag", "object": [liked], "content": "<p>Spam évident</p>" })).await,
        202
    );
    let (reporter, comment, community): (String, String, Option<i64>) = sqlx::query_as(
        "SELECT u.username, r.comment, r.community_id FROM reports r JOIN users u ON u.id = r.reporter_id \
         WHERE r.publication_id = $1",
    )
    .bind(w.in_open)
    .fetch_one(&a.state.db.pool)
    .await
    .expect("the report");
    assert_eq!(reporter, format!("zoe@{host_b}"));
    assert_eq!(comment, "Spam évident");
    assert_eq!(community, Some(w.open));

    // A blocked instance is refused before anything is read.
    passerelles_core::federation::instances::set_state(&a.state.db, &host_b, "blocked", "")
        .await
        .unwrap();
    assert_eq!(
        send(serde_json::json!({ "type": "Like", "object": liked })).await,
        403
    );
}

#[tokio::test]
async fn the_pages_of_federation_settings_approval_and_administration() {
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let ana = a.create_user("ana", false).await;
    let approving = community(&a, "atelier", "open", "request", &ana).await;
    let zoe = b.create_user("zoe", false).await;
    let _ = approving;

    // Zoé follows A's community through her settings page on B, by handle.
    let (zc, _) = (b.client(), ());
    b.login(&zc, "zoe", crate::harness::PASSWORD).await;
    let res = b
        .client()
        .get(b.at("/settings/federation"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "signed in only");
    let page = zc.get(b.at("/settings/federation")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let res = b
        .post_form(
            &zc,
            "/settings/federation",
            "/settings/federation/follow",
            &[("handle", "personne@127.0.0.1:1")],
        )
        .await;
    assert_eq!(
        res.status(),
        422,
        "an unreachable handle is refused with a message"
    );
    assert!(res.text().await.unwrap().contains("aria-invalid=\"true\""));
    let res = b
        .post_form(
            &zc,
            "/settings/federation",
            "/settings/federation/follow",
            &[("handle", &format!("atelier@{}", host(&a)))],
        )
        .await;
    assert_eq!(res.status(), 303);
    // The community approves its members: the follow waits on A.
    let pending = "SELECT COUNT(*) FROM ap_followers WHERE state = 'pending'";
    until(&a, &b, "the pending follow", || async {
        count(&a, pending).await == 1
    })
    .await;
    let html = zc
        .get(b.at("/settings/federation"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&a.at("/c/atelier")));

    // Ana approves it on the community's page; B hears the Accept.
    let (ac, _) = (a.client(), ());
    a.login(&ac, "ana", crate::harness::PASSWORD).await;
    let html = ac
        .get(a.at("/c/atelier/remote-followers"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&b.at("/u/zoe")));
    // Someone who does not manage it may not.
    let (other, _) = a.logged_in("bruno", false).await;
    let res = other
        .get(a.at("/c/atelier/remote-followers"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = a
        .post_form(
            &ac,
            "/c/atelier/remote-followers",
            "/c/atelier/remote-followers",
            &[("actor", &b.at("/u/zoe")), ("answer", "approve")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let accepted = format!(
        "SELECT COUNT(*) FROM ap_following WHERE user_id = {} AND state = 'accepted'",
        zoe.id
    );
    until(&a, &b, "the approval on B", || async {
        count(&b, &accepted).await == 1
    })
    .await;

    // Zoé opts out of the fediverse: her actor disappears.
    let res = b
        .post_form(
            &zc,
            "/settings/federation",
            "/settings/federation/presence",
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (s, _, _) = ap_get(&b, "/u/zoe").await;
    assert_eq!(s, 404);

    // The administrator's page lists B, and blocks it.
    let (admin, _) = a.logged_in("alice", true).await;
    let html = admin
        .get(a.at("/admin/federation"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&host(&b)), "B is known");
    let res = a
        .post_form(
            &admin,
            "/admin/federation",
            "/admin/federation",
            &[
                ("host", "pas un hôte/"),
                ("decision", "blocked"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = a
        .post_form(
            &admin,
            "/admin/federation",
            "/admin/federation",
            &[
                ("host", &host(&b)),
                ("decision", "blocked"),
                ("reason", "Pourriel"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        !passerelles_core::federation::instances::permitted(&a.state.db, &host(&b))
            .await
            .unwrap()
    );
    // Not for people who do not administer.
    let res = other.get(a.at("/admin/federation")).send().await.unwrap();
    assert_eq!(res.status(), 403);
}

/// The dead-instance circuit breaker and the inbox rate limit.
#[tokio::test]
async fn a_dead_instance_is_not_tried_and_a_flooding_one_is_slowed() {
    use passerelles_core::federation::{delivery, instances};
    let a = TestApp::spawn().await;
    let dead = "127.0.0.1:9";
    instances::failed(&a.state.db, dead, "connection refused")
        .await
        .unwrap();
    assert!(
        !instances::dead(&a.state.db, dead).await.unwrap(),
        "one failure is not death"
    );
    sqlx::query("UPDATE ap_instances SET failing_since = $1 WHERE host = $2")
        .bind(passerelles::db::now() - instances::DEAD_AFTER - 60)
        .bind(dead)
        .execute(&a.state.db.pool)
        .await
        .unwrap();
    assert!(instances::dead(&a.state.db, dead).await.unwrap());
    match delivery::deliver(
        &a.state.db,
        &format!("http://{dead}/inbox"),
        "{}",
        "instance",
        &a.at("/actor#main-key"),
    )
    .await
    {
        Err(delivery::DeliveryError::Fail(e)) => assert!(e.contains("dead"), "{e}"),
        other => panic!(
            "a dead instance is not tried: {:?}",
            other.err().map(|_| ())
        ),
    }
    let listed = instances::list(&a.state.db).await.unwrap();
    let row = listed.iter().find(|i| i.host == dead).unwrap();
    assert!(row.dead(passerelles::db::now()));
    assert_eq!(row.last_error, "connection refused");
    // Heard from again: alive.
    instances::seen(&a.state.db, dead).await.unwrap();
    assert!(!instances::dead(&a.state.db, dead).await.unwrap());

    // One host POSTing more than its share a minute gets 429 with
    // Retry-After (counted before any signature work or fetch).
    let client = reqwest::Client::new();
    let sig = "keyId=\"http://127.0.0.1:9/u/x#main-key\",headers=\"(request-target) host date\",signature=\"AAAA\"";
    let mut slowed = None;
    for i in 0..(2 * passerelles_core::federation::inbox::INBOX_PER_HOST.max + 1) {
        let res = client
            .post(a.at("/inbox"))
            .header("signature", sig)
            .header("content-type", AP)
            .body("{}")
            .send()
            .await
            .unwrap();
        if res.status() == 429 {
            assert!(res.headers().contains_key("retry-after"));
            slowed = Some(i);
            break;
        }
        assert_eq!(res.status(), 400, "not an activity");
    }
    let n = slowed.expect("the flood was slowed");
    assert!(n >= passerelles_core::federation::inbox::INBOX_PER_HOST.max);
}
