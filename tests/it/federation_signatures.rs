//! HTTP signatures over real HTTP (issue 18): both schemes land in our
//! inbox — RFC 9421 (`Signature-Input`, `Content-Digest`) and draft-cavage
//! — while a tampered body, a wrong key, a replayed date and the key of
//! another actor are refused; our RFC 9421 signature is read by an
//! independent implementation (Python `http-message-signatures`); and the
//! "double knock": towards a peer that only reads draft-cavage (as
//! Mastodon before 4.5 and many others), a delivery and a signed fetch fall
//! back from RFC 9421 to cavage, and the instance's choice is remembered.

use std::sync::{Arc, Mutex};

use passerelles_core::federation::httpsig::{self, rfc9421};
use passerelles_core::federation::keys::{self, ActorKey, Owner};
use passerelles_core::federation::{delivery, instances};
use serde_json::{Value, json};

use crate::harness::TestApp;

const AP: &str = "application/activity+json";

fn host(app: &TestApp) -> String {
    app.url.trim_start_matches("http://").to_string()
}

/// POST `sent_body` to `url`, signed by RFC 9421 over `signed_body` at `at`.
async fn post_9421(
    url: &str,
    key: &ActorKey,
    key_id: &str,
    signed_body: &str,
    sent_body: &str,
    at: i64,
) -> u16 {
    let u = url::Url::parse(url).expect("url");
    let out =
        rfc9421::sign(key, key_id, "POST", &u, Some(signed_body.as_bytes()), at).expect("sign");
    reqwest::Client::new()
        .post(url)
        .header("content-type", AP)
        .header("date", out.date)
        .header("content-digest", out.content_digest.expect("digest"))
        .header("signature-input", out.signature_input)
        .header("signature", out.signature)
        .body(sent_body.to_string())
        .send()
        .await
        .expect("post")
        .status()
        .as_u16()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count")
}

#[tokio::test]
async fn both_schemes_land_and_every_forgery_is_refused() {
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let ana = a.create_user("ana", false).await;
    crate::writing::community(&a, "jardins", "open", "open", &ana).await;
    let zoe = b.create_user("zoe", false).await;
    let yann = b.create_user("yann", false).await;
    let zoe_id = b.at("/u/zoe");
    let zoe_key = keys::key_for(&b.state.db, Owner::User(zoe.id))
        .await
        .expect("key");
    let yann_key = keys::key_for(&b.state.db, Owner::User(yann.id))
        .await
        .expect("key");
    let zoe_kid = format!("{zoe_id}#main-key");
    let inbox = a.at("/c/jardins/inbox");
    let follow = |n: u32| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": b.at(&format!("/u/zoe/activities/f{n}")),
            "type": "Follow",
            "actor": zoe_id,
            "object": a.at("/c/jardins"),
        })
        .to_string()
    };
    let now = passerelles::db::now();
    let followers = "SELECT COUNT(*) FROM ap_followers".to_string();

    // Refused, each with 401 and nothing done.
    let other = ActorKey::generate().expect("key");
    let f = follow(1);
    let tampered = f.replace("/c/jardins\"", "/c/autre\"");
    assert_ne!(f, tampered);
    for (why, key, kid, signed, sent, at) in [
        (
            "tampered body",
            &zoe_key,
            zoe_kid.clone(),
            &f,
            &tampered,
            now,
        ),
        ("wrong key", &other, zoe_kid.clone(), &f, &f, now),
        (
            "replayed date",
            &zoe_key,
            zoe_kid.clone(),
            &f,
            &f,
            now - 2 * 3600,
        ),
        (
            "key of another actor",
            &yann_key,
            b.at("/u/yann#main-key"),
            &f,
            &f,
            now,
        ),
    ] {
        assert_eq!(
            post_9421(&inbox, key, &kid, signed, sent, at).await,
            401,
            "RFC 9421, {why}"
        );
    }
    // The same four by cavage.
    let cavage = |key: &ActorKey, kid: String, signed: String, sent: String, at: i64| {
        let out = httpsig::sign(
            key,
            &kid,
            "POST",
            "/c/jardins/inbox",
            &host(&a),
            Some(signed.as_bytes()),
            at,
        )
        .expect("sign");
        let inbox = inbox.clone();
        async move {
            reqwest::Client::new()
                .post(&inbox)
                .header("content-type", AP)
                .header("date", out.date)
                .header("digest", out.digest.expect("digest"))
                .header("signature", out.signature)
                .body(sent)
                .send()
                .await
                .expect("post")
                .status()
                .as_u16()
        }
    };
    let f2 = follow(2);
    assert_eq!(
        cavage(
            &zoe_key,
            zoe_kid.clone(),
            f2.clone(),
            f2.replace("jardins\"", "autre\""),
            now
        )
        .await,
        401,
        "cavage, tampered body"
    );
    assert_eq!(
        cavage(&other, zoe_kid.clone(), f2.clone(), f2.clone(), now).await,
        401,
        "cavage, wrong key"
    );
    assert_eq!(
        cavage(
            &zoe_key,
            zoe_kid.clone(),
            f2.clone(),
            f2.clone(),
            now - 2 * 3600
        )
        .await,
        401,
        "cavage, replayed date"
    );
    assert_eq!(
        cavage(
            &yann_key,
            b.at("/u/yann#main-key"),
            f2.clone(),
            f2.clone(),
            now
        )
        .await,
        401,
        "cavage, key of another actor"
    );
    assert_eq!(
        count(&a, &followers).await,
        0,
        "nothing refused was handled"
    );
    assert_eq!(
        instances::known_signature_scheme(&a.state.db, &host(&b))
            .await
            .unwrap(),
        "",
        "nothing learnt from refused requests"
    );

    // RFC 9421, well signed: handled (Zoé follows), and B is remembered as
    // speaking RFC 9421.
    assert_eq!(
        post_9421(&inbox, &zoe_key, &zoe_kid, &f, &f, now).await,
        202
    );
    assert_eq!(count(&a, &followers).await, 1);
    assert_eq!(
        instances::known_signature_scheme(&a.state.db, &host(&b))
            .await
            .unwrap(),
        "rfc9421"
    );
    // Replaying the exact activity: acknowledged, not handled twice.
    assert_eq!(
        post_9421(&inbox, &zoe_key, &zoe_kid, &f, &f, now).await,
        202
    );
    assert_eq!(
        count(&a, "SELECT COUNT(*) FROM ap_received WHERE kind = 'Follow'").await,
        1
    );
    // Cavage, well signed: handled too (Yann follows).
    let fy = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": b.at("/u/yann/activities/f1"),
        "type": "Follow",
        "actor": b.at("/u/yann"),
        "object": a.at("/c/jardins"),
    })
    .to_string();
    assert_eq!(
        cavage(&yann_key, b.at("/u/yann#main-key"), fy.clone(), fy, now).await,
        202
    );
    assert_eq!(count(&a, &followers).await, 2);
}

fn python() -> Option<String> {
    let venv = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rp/.venv/bin/python3");
    let ok = std::process::Command::new(venv)
        .args(["-c", "import http_message_signatures, requests"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(venv.to_string());
    }
    if std::env::var("PASSERELLES_REQUIRE_RP").is_ok_and(|v| v == "1") {
        panic!("http-message-signatures is required (PASSERELLES_REQUIRE_RP=1)");
    }
    crate::harness::skip(
        "federation (http-message-signatures)",
        "tests/rp/.venv lacks http-message-signatures (scripts/test --install-rp)",
    );
    None
}

#[tokio::test]
async fn our_rfc9421_signature_is_read_by_an_independent_implementation() {
    let Some(python) = python() else { return };
    let app = TestApp::spawn().await;
    let key = ActorKey::generate().expect("key");
    let url = "https://b.example/c/jardins/inbox";
    let body = r#"{"type":"Follow","actor":"https://a.example/u/ana"}"#;
    let out = rfc9421::sign(
        &key,
        "https://a.example/u/ana#main-key",
        "POST",
        &url::Url::parse(url).unwrap(),
        Some(body.as_bytes()),
        passerelles::db::now(),
    )
    .expect("sign");
    let check = |url: &str, body: &str| {
        let req = json!({
            "method": "POST",
            "url": url,
            "headers": {
                "Date": out.date,
                "Content-Digest": out.content_digest.clone().unwrap(),
                "Signature-Input": out.signature_input,
                "Signature": out.signature,
                "Content-Type": AP,
            },
            "body": body,
            "public_pem": key.public_pem,
        });
        let file = app
            .data_dir
            .join(format!("sig9421-{}.json", url.len() + body.len()));
        std::fs::write(&file, req.to_string()).expect("write");
        let out = std::process::Command::new(&python)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/rp/activitypub.py"
            ))
            .args(["signature9421", file.to_str().unwrap()])
            .output()
            .expect("python");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).expect("json")
    };
    let ok = check(url, body);
    assert_eq!(ok["ok"], true, "{ok}");
    assert_eq!(ok["label"], "sig1");
    assert_eq!(ok["key_id"], "https://a.example/u/ana#main-key");
    assert_eq!(ok["alg"], "rsa-v1_5-sha256");
    assert_eq!(
        ok["covered"],
        json!(["@method", "@target-uri", "@authority", "content-digest"])
    );
    assert_eq!(check(url, r#"{"type":"Delete"}"#)["why"], "digest");
    assert_eq!(
        check("https://c.example/c/jardins/inbox", body)["why"],
        "signature"
    );
}

// ---- a peer that reads only draft-cavage ---------------------------------------------

/// What the cavage-only peer saw: (method, path, scheme used or "refused").
type Seen = Arc<Mutex<Vec<(String, String, String)>>>;

/// A small server standing for a peer that verifies only draft-cavage and
/// requires signed fetches (Mastodon ≤ 4.4 in secure mode): 401 to an RFC
/// 9421 or unsigned request; a cavage-signed one verified with the key of
/// the signer's actor, fetched from the signer (our own verifier, the
/// cavage scheme the draft vectors and the Python reading check).
async fn cavage_only_peer() -> (String, Seen, ActorKey) {
    use axum::body::Bytes;
    use axum::extract::{Request, State};
    use axum::http::StatusCode;
    use axum::response::IntoResponse;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let key = ActorKey::generate().expect("key");
    let seen: Seen = Arc::default();
    #[derive(Clone)]
    struct Peer {
        base: String,
        pem: String,
        seen: Seen,
    }
    async fn handle(State(p): State<Peer>, req: Request) -> axum::response::Response {
        let method = req.method().to_string();
        let path = req
            .uri()
            .path_and_query()
            .map(|x| x.as_str().to_string())
            .unwrap_or_default();
        let headers = req.headers().clone();
        let body: Bytes = axum::body::to_bytes(req.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        let header = |n: &str| -> Option<String> {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let refuse = |why: &str| {
            p.seen
                .lock()
                .unwrap()
                .push((method.clone(), path.clone(), format!("refused: {why}")));
            StatusCode::UNAUTHORIZED.into_response()
        };
        if header("signature-input").is_some() {
            return refuse("rfc9421");
        }
        let Some(sig) = header("signature") else {
            return refuse("unsigned");
        };
        let Ok(parsed) = httpsig::parse(&sig) else {
            return refuse("malformed");
        };
        // The signer's key: its actor document, fetched (the key id's
        // document without the fragment).
        let actor = parsed.key_id.split('#').next().unwrap_or("").to_string();
        let doc: Value = match reqwest::Client::new()
            .get(&actor)
            .header("accept", AP)
            .send()
            .await
        {
            Ok(r) => r.json().await.unwrap_or(Value::Null),
            Err(_) => return refuse("no actor"),
        };
        let Some(pem) = doc["publicKey"]["publicKeyPem"].as_str() else {
            return refuse("no key");
        };
        if doc["publicKey"]["id"] != parsed.key_id.as_str() {
            return refuse("key id");
        }
        let inbound = httpsig::Inbound {
            method: &method,
            scheme: "http",
            path_and_query: &path,
            header: &header,
            body: (method == "POST").then_some(&body[..]),
        };
        if let Err(e) = httpsig::verify(&inbound, &parsed, pem, passerelles::db::now()) {
            return refuse(&e.to_string());
        }
        p.seen
            .lock()
            .unwrap()
            .push((method.clone(), path.clone(), "cavage".into()));
        if method == "POST" {
            return StatusCode::ACCEPTED.into_response();
        }
        let id = format!("{}/users/olga", p.base);
        (
            [("content-type", AP)],
            json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": id,
                "type": "Person",
                "preferredUsername": "olga",
                "inbox": format!("{id}/inbox"),
                "publicKey": { "id": format!("{id}#main-key"), "owner": id, "publicKeyPem": p.pem },
            })
            .to_string(),
        )
            .into_response()
    }
    let app = axum::Router::new().fallback(handle).with_state(Peer {
        base: base.clone(),
        pem: key.public_pem.clone(),
        seen: seen.clone(),
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (base, seen, key)
}

#[tokio::test]
async fn towards_a_cavage_only_peer_delivery_and_fetches_knock_twice_then_remember() {
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let a = TestApp::spawn().await;
    let (peer, seen, _) = cavage_only_peer().await;
    let peer_host = peer.trim_start_matches("http://").to_string();
    let olga = format!("{peer}/users/olga");

    // A signed fetch of the peer's actor: RFC 9421 refused, cavage accepted,
    // signed by our instance actor; cavage remembered.
    let actor = delivery::remote_actor(&a.state, &olga, true)
        .await
        .expect("the actor, fetched by the second knock");
    assert_eq!(actor.username, "olga");
    {
        let s = seen.lock().unwrap().clone();
        assert_eq!(
            s.iter().map(|x| x.2.as_str()).collect::<Vec<_>>(),
            ["refused: rfc9421", "cavage"],
            "{s:?}"
        );
        assert!(s.iter().all(|x| x.0 == "GET" && x.1 == "/users/olga"));
    }
    assert_eq!(
        instances::known_signature_scheme(&a.state.db, &peer_host)
            .await
            .unwrap(),
        "cavage"
    );

    // Deliveries now go by cavage at once (one request each).
    seen.lock().unwrap().clear();
    let activity = json!({"type": "Create", "id": a.at("/x/1")}).to_string();
    delivery::deliver(
        &a.state.db,
        &format!("{olga}/inbox"),
        &activity,
        "instance",
        &a.at("/actor#main-key"),
    )
    .await
    .map_err(|e| format!("{e:?}"))
    .expect("delivered by cavage");
    assert_eq!(
        seen.lock().unwrap().clone(),
        [(
            "POST".to_string(),
            "/users/olga/inbox".to_string(),
            "cavage".to_string()
        )]
    );

    // Forgotten (or learnt long ago): the double knock on a POST too.
    sqlx::query(
        "UPDATE ap_instances SET sig_scheme = 'cavage', sig_scheme_at = $1 WHERE host = $2",
    )
    .bind(passerelles::db::now() - instances::CAVAGE_RECHECK_AFTER - 1)
    .bind(&peer_host)
    .execute(&a.state.db.pool)
    .await
    .unwrap();
    seen.lock().unwrap().clear();
    delivery::deliver(
        &a.state.db,
        &format!("{olga}/inbox"),
        &activity,
        "instance",
        &a.at("/actor#main-key"),
    )
    .await
    .map_err(|e| format!("{e:?}"))
    .expect("delivered by the second knock");
    assert_eq!(
        seen.lock()
            .unwrap()
            .iter()
            .map(|x| x.2.clone())
            .collect::<Vec<_>>(),
        ["refused: rfc9421", "cavage"]
    );
    let at: Option<i64> =
        sqlx::query_scalar("SELECT sig_scheme_at FROM ap_instances WHERE host = $1")
            .bind(&peer_host)
            .fetch_one(&a.state.db.pool)
            .await
            .unwrap();
    assert!(
        at.unwrap() > passerelles::db::now() - 60,
        "learnt again now"
    );
}
