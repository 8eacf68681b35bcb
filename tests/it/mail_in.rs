//! Replies by e-mail (issue 16): the notification of a reply carries a
//! per-recipient reply address (read back by Python's `email` package);
//! a real SMTP client (lettre) sends an answer to the listener `serve`
//! runs, and it lands in the thread — quoted text and signature stripped —
//! through the same operation and policy as the page. A forged sender, an
//! altered address and a person who left the private community are
//! refused with a 550 and its reason; a message delivered twice makes one
//! reply. The pipe (`passerelles mail-in`) answers a refusal with a bounce
//! e-mail, and publishes a good message.

use lettre::address::Envelope;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use passerelles::accounts::User;
use passerelles::notifications::email;
use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::notify::parse_with_python;
use crate::writing::{community, member, token_for};

const DOMAIN: &str = "passerelles.test";

async fn app() -> TestApp {
    TestApp::spawn_with(|c| {
        c.inbound_mail.enabled = true;
        c.inbound_mail.listen = Some("127.0.0.1:0".parse().expect("addr"));
        c.inbound_mail.domain = Some(DOMAIN.into());
    })
    .await
}

async fn api_post(app: &TestApp, token: &str, path: &str, body: Value) -> i64 {
    let res = app
        .client()
        .post(app.at(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 201, "{path}");
    res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id")
}

/// A message as a mail client writes an answer: new text, the quoted
/// notification, a signature.
fn answer(from: &str, to: &str, message_id: &str, text: &str) -> String {
    format!(
        "From: Béa <{from}>\r\nTo: {to}\r\nSubject: Re: Le jardin\r\nMessage-ID: <{message_id}>\r\n\
         Date: Sun, 6 Dec 2026 10:00:00 -0500\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
         {text}\r\n\r\nLe dim. 6 déc. 2026 à 09:58, Passerelles <noreply@passerelles.test> a écrit :\r\n\
         > Alice a répondu à votre publication\r\n> « Texte cité »\r\n\r\n-- \r\nBéa, jardinière\r\n"
    )
}

/// Send through the listener: Ok(answer text) on 250, Err((code, text)).
async fn send(
    app: &TestApp,
    envelope_from: &str,
    to: &str,
    raw: &str,
) -> Result<String, (u16, String)> {
    let addr = app.mail_in_addr().expect("the listener runs");
    let smtp = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(addr.ip().to_string())
        .port(addr.port())
        .build();
    let envelope = Envelope::new(
        Some(envelope_from.parse().expect("from")),
        vec![to.parse().expect("to")],
    )
    .expect("envelope");
    match smtp.send_raw(&envelope, raw.as_bytes()).await {
        Ok(r) => {
            assert!(r.is_positive(), "{r:?}");
            Ok(r.message().collect::<Vec<_>>().join(" "))
        }
        Err(e) => {
            let code = e.status().map(|c| u16::from(c)).unwrap_or(0);
            Err((code, e.to_string()))
        }
    }
}

async fn replies_by(app: &TestApp, pid: i64, user: &User) -> Vec<(String, Option<i64>)> {
    sqlx::query_as(
        "SELECT body, parent_id FROM replies WHERE publication_id = $1 AND author_id = $2 ORDER BY id",
    )
    .bind(pid)
    .bind(user.id)
    .fetch_all(&app.state.db.pool)
    .await
    .expect("replies")
}

/// Bea publishes in a private community, Alice answers; Bea gets the reply
/// by e-mail right away, with her reply address. Returns (publication,
/// Alice's reply, the address, the private community).
async fn thread(app: &TestApp, alice: &User, bea: &User) -> (i64, i64, String, i64) {
    let cercle = community(app, "cercle", "private", "request", alice).await;
    member(app, cercle, bea, "member", "active").await;
    sqlx::query(
        "INSERT INTO notification_prefs (user_id, kind, channel) VALUES ($1, 'reply', 'email')",
    )
    .bind(bea.id)
    .execute(&app.state.db.pool)
    .await
    .expect("pref");
    let bea_token = token_for(app, bea).await;
    let alice_token = token_for(app, alice).await;
    let pid = api_post(
        app,
        &bea_token,
        "/api/v1/publications",
        json!({"kind": "discussion", "title": "Le jardin", "body": "Qui vient jeudi ?", "tags": [], "communities": ["cercle"]}),
    )
    .await;
    let rid = api_post(
        app,
        &alice_token,
        &format!("/api/v1/publications/{pid}/replies"),
        json!({"body": "Moi, avec des semis."}),
    )
    .await;
    let sent = email::send_due(&app.state, passerelles::db::now())
        .await
        .expect("immediate pass");
    assert_eq!(sent, 1, "one e-mail: Alice's reply");
    app.drain_jobs().await;
    let bea_addr = bea.email.clone().expect("address");
    let mail = app.sink.wait_for(&bea_addr).await;
    let parsed = parse_with_python(app, std::slice::from_ref(&mail));
    let reply_to = parsed[0]["reply_to"].as_array().expect("reply_to").clone();
    assert_eq!(reply_to.len(), 1, "one reply address: {:?}", parsed[0]);
    let address = reply_to[0].as_str().expect("address").to_string();
    assert!(
        address.starts_with(&format!("reply+{}-{pid}-{rid}-", bea.id))
            && address.ends_with(&format!("@{DOMAIN}")),
        "{address}"
    );
    assert!(
        parsed[0]["text"]
            .as_str()
            .unwrap_or("")
            .contains("Répondez à ce courriel"),
        "the e-mail says it can be answered"
    );
    (pid, rid, address, cercle)
}

#[tokio::test]
async fn a_reply_by_email_lands_in_the_thread_and_a_forged_one_does_not() {
    let app = app().await;
    let alice = app.create_user("alice", false).await;
    let bea = app.create_user("bea", false).await;
    let mallory = app.create_user("mallory", false).await;
    let (pid, rid, address, cercle) = thread(&app, &alice, &bea).await;
    let bea_addr = bea.email.clone().expect("address");
    let mallory_addr = mallory.email.clone().expect("address");

    // Bea answers from her mail client.
    let raw = answer(
        &bea_addr,
        &address,
        "m1@client.test",
        "Parfait, j’apporte les tuteurs.\r\n\r\nÀ jeudi !",
    );
    let ok = send(&app, &bea_addr, &address, &raw)
        .await
        .expect("accepted");
    assert!(ok.contains("published"), "{ok}");
    assert_eq!(
        replies_by(&app, pid, &bea).await,
        vec![(
            "Parfait, j’apporte les tuteurs.\n\nÀ jeudi !".to_string(),
            Some(rid)
        )],
        "the new text only, under Alice's reply"
    );
    // Alice is told, as for a reply made on the page.
    let told: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'reply' AND publication_id = $2",
    )
    .bind(alice.id)
    .bind(pid)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("count");
    assert_eq!(told, 1);

    // The same message delivered again makes no second reply.
    let again = send(&app, &bea_addr, &address, &raw)
        .await
        .expect("accepted");
    assert!(again.contains("already"), "{again}");
    assert_eq!(replies_by(&app, pid, &bea).await.len(), 1);

    // Mallory uses Bea's address: refused with the reason, nothing made.
    let forged = answer(
        &mallory_addr,
        &address,
        "m2@client.test",
        "Je me fais passer pour Béa.",
    );
    let (code, text) = send(&app, &mallory_addr, &address, &forged)
        .await
        .expect_err("forged sender refused");
    assert_eq!(code, 550, "{text}");
    assert!(text.contains("not the person"), "{text}");
    assert!(replies_by(&app, pid, &mallory).await.is_empty());
    assert_eq!(replies_by(&app, pid, &bea).await.len(), 1);
    // Forging only the envelope or only the header is not enough either:
    // the header From is what counts.
    let header_forged = answer(&mallory_addr, &address, "m3@client.test", "Encore moi.");
    let (code, _) = send(&app, &bea_addr, &address, &header_forged)
        .await
        .expect_err("header From not Bea");
    assert_eq!(code, 550);

    // An altered address (another thread, the same tag) is unknown at RCPT.
    let altered = address.replacen(&format!("-{pid}-"), &format!("-{}-", pid + 1), 1);
    let (code, text) = send(
        &app,
        &bea_addr,
        &altered,
        &answer(&bea_addr, &altered, "m4@client.test", "Ailleurs."),
    )
    .await
    .expect_err("altered address refused");
    assert_eq!(code, 550, "{text}");
    assert!(text.contains("no such reply address"), "{text}");

    // Bea leaves the private community: her address no longer lets her
    // write there (the policy, now).
    sqlx::query("DELETE FROM memberships WHERE community_id = $1 AND user_id = $2")
        .bind(cercle)
        .bind(bea.id)
        .execute(&app.state.db.pool)
        .await
        .expect("leave");
    let late = answer(&bea_addr, &address, "m5@client.test", "Je reviens ?");
    let (code, text) = send(&app, &bea_addr, &address, &late)
        .await
        .expect_err("no longer a member");
    assert_eq!(code, 550, "{text}");
    assert!(text.contains("no longer reply"), "{text}");
    assert_eq!(replies_by(&app, pid, &bea).await.len(), 1);
}

/// `passerelles mail-in` on the test instance's database, with `stdin`.
fn mail_in(app: &TestApp, recipient: &str, stdin: &str) -> (i32, String) {
    use std::io::Write;
    let url = app.state.config.database_url();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_passerelles"))
        .args(["--data-dir", app.data_dir.to_str().expect("path")])
        .args(["--database-url", &url, "mail-in", "--recipient", recipient])
        .env("PASSERELLES_LOG", "error")
        .env("PASSERELLES_INBOUND_MAIL", "1")
        .env("PASSERELLES_INBOUND_MAIL_DOMAIN", DOMAIN)
        .env("PASSERELLES_PUBLIC_URL", app.state.config.public_url())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[tokio::test]
async fn the_pipe_publishes_a_reply_and_bounces_a_forged_one() {
    let app = app().await;
    let alice = app.create_user("alice", false).await;
    let bea = app.create_user("bea", false).await;
    let (pid, rid, address, _) = thread(&app, &alice, &bea).await;
    let bea_addr = bea.email.clone().expect("address");
    let stranger = "inconnu@ailleurs.test";

    let (code, out) = mail_in(
        &app,
        &address,
        &answer(stranger, &address, "p1@client.test", "Bonjour."),
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("refused: 550 5.7.1"), "{out}");
    assert!(replies_by(&app, pid, &bea).await.is_empty());
    // The bounce reaches the sender, with the reason in both languages.
    app.drain_jobs().await;
    let bounce = app.sink.wait_for(stranger).await;
    assert!(
        bounce.subject().contains("Réponse non publiée"),
        "{}",
        bounce.subject()
    );
    let text = bounce.text_part();
    assert!(
        text.contains("n’est pas la personne") && text.contains("not the person"),
        "{text}"
    );

    let (code, out) = mail_in(
        &app,
        &address,
        &answer(&bea_addr, &address, "p2@client.test", "Par le tuyau."),
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("published"), "{out}");
    assert_eq!(
        replies_by(&app, pid, &bea).await,
        vec![("Par le tuyau.".to_string(), Some(rid))]
    );
}
