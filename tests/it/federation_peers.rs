//! Real fediverse peers on this machine's loopback (issue 18), installed
//! from their registries by `scripts/test --install-rp` like the OpenID
//! relying parties:
//!
//! - Fedify 2.3.6 (npm, `tests/rp/fedify_peer.mjs`): a Person and a Group,
//!   WebFinger, inboxes verifying RFC 9421 and draft-cavage signatures, and
//!   signing with RFC 9421 first. Its Person follows a Passerelles
//!   community and receives the community's `Announce` of a publication;
//!   a Passerelles member follows its Group by handle and is accepted.
//! - fediverse-pasture 0.2.25 with bovine (PyPI, `tests/rp/pasture_peer.py`):
//!   a `Create` of a reply, signed by bovine with draft-cavage, lands under
//!   the publication.

use std::process::Stdio;
use std::time::Duration;

use passerelles::actor::Actor;
use passerelles_core::federation::{instances, ops as fed};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::harness::TestApp;

const RP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rp");

fn required() -> bool {
    std::env::var("PASSERELLES_REQUIRE_RP").is_ok_and(|v| v == "1")
}

fn node_with_fedify() -> bool {
    let ok = std::path::Path::new(&format!("{RP}/node_modules/@fedify/fedify/package.json"))
        .exists()
        && std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            !required(),
            "node and @fedify/fedify are required (PASSERELLES_REQUIRE_RP=1)"
        );
        crate::harness::skip(
            "federation peers (Fedify)",
            "node or tests/rp/node_modules/@fedify/fedify missing (scripts/test --install-rp)",
        );
    }
    ok
}

fn python_with_pasture() -> Option<String> {
    let python = format!("{RP}/.venv/bin/python3");
    let ok = std::process::Command::new(&python)
        .args(["-c", "import fediverse_pasture, bovine, quart"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    assert!(
        !required(),
        "fediverse-pasture is required (PASSERELLES_REQUIRE_RP=1)"
    );
    crate::harness::skip(
        "federation peers (fediverse-pasture)",
        "tests/rp/.venv lacks fediverse-pasture (scripts/test --install-rp)",
    );
    None
}

/// A child process whose first stdout line is JSON; killed when dropped.
struct Peer {
    child: tokio::process::Child,
    first: Value,
}

async fn start(mut cmd: tokio::process::Command) -> Peer {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start the peer");
    let out = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(out).lines();
    let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("the peer starts within a minute")
        .expect("read")
        .expect("a first line");
    let first = serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}"));
    Peer { child, first }
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count")
}

/// Publish through the page's form, as whoever is signed in on `client`.
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

/// Run `app`'s queue until `done` holds (20 s at most).
async fn until<F, Fut>(app: &TestApp, what: &str, done: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if done().await {
            return;
        }
        app.drain_jobs().await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn a_fedify_person_follows_a_community_and_a_member_follows_a_fedify_group() {
    if !node_with_fedify() {
        return;
    }
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let a = TestApp::spawn().await;
    let ana = a.create_user("ana", false).await;
    let open = crate::writing::community(&a, "jardins", "open", "open", &ana).await;
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg(format!("{RP}/fedify_peer.mjs")).current_dir(RP);
    let peer = start(cmd).await;
    let port = peer.first["port"].as_u64().expect("port");
    let base = format!("http://127.0.0.1:{port}");
    let peer_host = format!("127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let log = || {
        let (http, base) = (http.clone(), base.clone());
        async move {
            http.get(format!("{base}/_control/log"))
                .send()
                .await
                .expect("log")
                .json::<Vec<Value>>()
                .await
                .expect("log json")
        }
    };

    // 1. Fedify's Alice follows the community; it accepts at once.
    let res = http
        .post(format!("{base}/_control/follow"))
        .json(&json!({ "actor": "alice", "target": a.at("/c/jardins") }))
        .send()
        .await
        .expect("follow");
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["type"], "Group", "Fedify read our Group: {body}");
    let alice = format!("{base}/users/alice");
    until(&a, "Alice's follow, accepted", || async {
        count(
            &a,
            &format!("SELECT COUNT(*) FROM ap_followers WHERE actor = '{alice}'"),
        )
        .await
            == 1
            && log()
                .await
                .iter()
                .any(|e| e["type"] == "Accept" && e["actor"] == a.at("/c/jardins"))
    })
    .await;
    // Fedify signed with RFC 9421 (its first knock), which we verified.
    assert_eq!(
        instances::known_signature_scheme(&a.state.db, &peer_host)
            .await
            .unwrap(),
        "rfc9421"
    );

    // Ana publishes in the community: Alice receives its Announce.
    let client = a.client();
    a.login(&client, "ana", crate::harness::PASSWORD).await;
    let pid = publish_form(&a, &client, "Semis d'automne", open).await;
    let page = a.at(&format!("/p/{pid}"));
    until(&a, "the Announce at Fedify", || async {
        log().await.iter().any(|e| {
            e["type"] == "Announce"
                && e["actor"] == a.at("/c/jardins")
                && (e["inner"]["id"] == page.as_str() || e["inner"]["object"] == page.as_str())
        })
    })
    .await;
    let announced: Vec<Value> = log()
        .await
        .into_iter()
        .filter(|e| e["type"] == "Announce")
        .collect();
    assert!(
        announced.iter().all(|e| e["inner"].get("error").is_none()),
        "Fedify read every announced object: {announced:?}"
    );

    // 2. Ana follows Fedify's Group by its handle (WebFinger at Fedify); the
    // Group's Accept (signed by Fedify) makes her a member of its mirror.
    let handle = format!("club@{peer_host}");
    let club = passerelles_core::federation::delivery::resolve_handle(&a.state, &handle)
        .await
        .map_err(|e| format!("{e:#}"))
        .expect("WebFinger at Fedify");
    assert_eq!(club, format!("{base}/users/club"));
    passerelles_core::federation::delivery::remote_actor(&a.state, &club, true)
        .await
        .map_err(|e| format!("{e:#}"))
        .expect("Fedify's Group, fetched");
    let f = fed::follow(&a.state, &Actor::person(&ana), &handle)
        .await
        .expect("follow the Fedify group");
    assert_eq!(f.target, format!("{base}/users/club"));
    until(&a, "the Fedify group's Accept", || async {
        count(
            &a,
            &format!(
                "SELECT COUNT(*) FROM ap_following WHERE user_id = {} AND state = 'accepted'",
                ana.id
            ),
        )
        .await
            == 1
    })
    .await;
    assert!(
        log().await.iter().any(|e| e["type"] == "Follow"
            && e["actor"] == a.at("/u/ana")
            && e["object"] == format!("{base}/users/club")),
        "Fedify verified and logged Ana's Follow"
    );
    drop(peer.child);
}

#[tokio::test]
async fn a_cavage_signed_reply_from_bovine_lands_under_the_publication() {
    let Some(python) = python_with_pasture() else {
        return;
    };
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let a = TestApp::spawn().await;
    let ana = a.create_user("ana", false).await;
    let open = crate::writing::community(&a, "jardins", "open", "open", &ana).await;
    let client = a.client();
    a.login(&client, "ana", crate::harness::PASSWORD).await;
    let pid = publish_form(&a, &client, "Semis d'automne", open).await;
    let page = a.at(&format!("/p/{pid}"));

    let mut cmd = tokio::process::Command::new(&python);
    cmd.arg(format!("{RP}/pasture_peer.py"))
        .arg(a.at("/inbox"))
        .arg(&page)
        .arg(a.at("/c/jardins"));
    let peer = start(cmd).await;
    assert_eq!(peer.first["status"], 202, "{}", peer.first);
    let note = peer.first["note"].as_str().expect("note id").to_string();
    let host = peer.first["actor"]
        .as_str()
        .unwrap()
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let (body, author): (String, String) = sqlx::query_as(
        "SELECT r.body, u.username FROM replies r JOIN users u ON u.id = r.author_id \
         WHERE r.ap_id = $1 AND r.publication_id = $2",
    )
    .bind(&note)
    .bind(pid)
    .fetch_one(&a.state.db.pool)
    .await
    .expect("the reply, under the publication");
    assert!(body.contains("Réponse depuis la pâture"), "{body}");
    assert!(!body.contains("<b>"), "remote HTML read as text: {body}");
    assert_eq!(author, format!("actor@{host}"));
    // Shown on the publication's page, with its origin.
    let html = client
        .get(&page)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .unwrap();
    assert!(html.contains("Réponse depuis la pâture"));
    assert!(html.contains(&host), "the reply's origin is shown");
    // bovine signed with draft-cavage; nothing said it reads RFC 9421.
    assert_eq!(
        instances::known_signature_scheme(&a.state.db, &host)
            .await
            .unwrap(),
        ""
    );
    drop(peer.child);
}
