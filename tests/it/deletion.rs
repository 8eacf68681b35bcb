//! "Delete my account" (issue 20): both modes leave none of the person's
//! e-mail, username, names or (deleting everything) text in any table of
//! the schema — enumerated from the database's own catalogue, so a table
//! added later is searched too — nor in the search index; tools signed in
//! through the person's sessions receive a back-channel logout token; a
//! cancelled deletion leaves every row as it was; an administrator's
//! deletion keeps its reason in the audit log.

use std::collections::BTreeMap;

use passerelles::data_rights::deletion::{self, GRACE_SECS, Mode};
use passerelles::db::{Backend, now};
use passerelles::policy::{MemberState, Role, Visibility};
use reqwest::Client;

use crate::data_rights::{community, publish, reply};
use crate::harness::TestApp;
use crate::oidc_sessions::{backchannel_sink, logout_sids, tool_with_backchannel};

const EMAIL: &str = "zelinda_q@exemple.qc.ca";
/// What identifies the person (lower case, as searched).
const IDENTITY: [&str; 5] = [
    EMAIL,
    "zelinda_q",
    "zelinda quarrington",
    "zelinda",
    "quarrington",
];
/// Words of the person's own text (bio, publication, reply, file).
const TEXT: [&str; 6] = [
    "ornithoryn",
    "plumbag",
    "xerophil",
    "vorpali",
    "quenouill",
    "griffones",
];

/// Every table of the schema, from the catalogue.
async fn tables(app: &TestApp) -> Vec<(String, Vec<(String, String)>)> {
    let db = &app.state.db;
    let names: Vec<String> = match db.backend {
        Backend::Sqlite => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .fetch_all(&db.pool)
        .await
        .expect("tables"),
        Backend::Postgres => sqlx::query_scalar(
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
        )
        .fetch_all(&db.pool)
        .await
        .expect("tables"),
    };
    let mut out = Vec::new();
    for t in names {
        let cols: Vec<(String, String)> = match db.backend {
            Backend::Sqlite => sqlx::query_as(
                "SELECT name, CAST(type AS TEXT) FROM pragma_table_info($1)",
            )
            .bind(&t)
            .fetch_all(&db.pool)
            .await
            .expect("columns"),
            Backend::Postgres => sqlx::query_as(
                "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT) FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1",
            )
            .bind(&t)
            .fetch_all(&db.pool)
            .await
            .expect("columns"),
        };
        out.push((t, cols));
    }
    out
}

/// For each needle, the `table.column`s holding it and how many rows:
/// text compared in lower case, binary columns byte for byte (the FTS5
/// index pages on SQLite, stored files and archives on both).
async fn holders(app: &TestApp, needles: &[&str]) -> BTreeMap<String, i64> {
    let db = &app.state.db;
    let all = tables(app).await;
    assert!(
        all.iter().any(|(t, _)| t == "users") && all.len() > 60,
        "the catalogue lists the schema ({} tables)",
        all.len()
    );
    let mut found = BTreeMap::new();
    for (t, cols) in &all {
        for (c, ty) in cols {
            let ty = ty.to_lowercase();
            for needle in needles {
                let cond = match db.backend {
                    Backend::Sqlite => format!(
                        "instr(LOWER(CAST(\"{c}\" AS TEXT)), $1) > 0 OR instr(CAST(\"{c}\" AS BLOB), CAST($1 AS BLOB)) > 0"
                    ),
                    Backend::Postgres if ty == "bytea" => {
                        format!("position(convert_to($1, 'UTF8') in \"{c}\") > 0")
                    }
                    Backend::Postgres => format!("strpos(LOWER(CAST(\"{c}\" AS TEXT)), $1) > 0"),
                };
                let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*) FROM \"{t}\" WHERE {cond}"
                )))
                .bind(*needle)
                .fetch_one(&db.pool)
                .await
                .unwrap_or_else(|e| panic!("search {t}.{c}: {e}"));
                if n > 0 {
                    *found.entry(format!("{t}.{c}: {needle}")).or_insert(0) += n;
                }
            }
        }
    }
    found
}

struct Seeded {
    me: Client,
    user: passerelles::accounts::User,
    other: Client,
    mine: i64,
    theirs: i64,
    their_reply: i64,
    bcl: tokio::sync::mpsc::UnboundedReceiver<String>,
    sid: String,
}

/// A person with a profile, a membership, a publication with a file, a
/// reply, a mention of them in someone else's reply, wiki page and event,
/// an event they organise (their address as contact), a newsletter
/// subscription by address, a notification, an archive of their data, a
/// tool signed in through their session; the search vocabulary read.
async fn seed(app: &TestApp) -> Seeded {
    let (me, user) = app.logged_in("zelinda_q", false).await;
    let (other, other_user) = app.logged_in("bertrand", false).await;
    sqlx::query(
        "UPDATE users SET display_name = 'Zelinda Quarrington', bio = 'Passionnée d''ornithorynques.', findable = 1 WHERE id = $1",
    )
    .bind(user.id)
    .execute(&app.state.db.pool)
    .await
    .expect("profile");
    passerelles::search::reindex_item(&app.state.db, passerelles::search::Source::Members, user.id)
        .await
        .expect("index member");
    let c = community(app, &other_user, "jardins-secs", Visibility::Open).await;
    passerelles::communities::set_membership(
        &app.state.db,
        c.id,
        user.id,
        Role::Member,
        MemberState::Active,
        "",
    )
    .await
    .expect("member");
    let mine = publish(
        app,
        &me,
        &[
            ("kind", "discussion"),
            ("title", "Plumbago xérophile au jardin"),
            ("body", "Mes plantes vorpaliques résistent à la sécheresse."),
            ("tags", "jardinage"),
            ("communities", &c.id.to_string()),
        ],
        vec![(
            "notes.pdf",
            b"%PDF-1.4\n% contenu griffonesque\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
                .to_vec(),
        )],
    )
    .await;
    let theirs = publish(
        app,
        &other,
        &[
            ("kind", "question"),
            ("title", "Arrosage en été"),
            ("body", "Combien d'eau faut-il ?"),
            ("communities", &c.id.to_string()),
        ],
        Vec::new(),
    )
    .await;
    reply(app, &me, theirs, "Une réponse quenouillère.").await;
    let their_reply = reply(app, &other, mine, "Merci @zelinda_q pour ce partage !").await;
    // Elsewhere: someone else's wiki page (and its revision) and event
    // (found in search) that mention the person; an event the person
    // organises with their address as its contact; a newsletter
    // subscription by that address alone.
    let t = now();
    let exec = |sql: &'static str, binds: Vec<serde_json::Value>| async move {
        let mut q = sqlx::query_scalar::<_, i64>(sql);
        for b in binds {
            q = match b {
                serde_json::Value::Number(n) => q.bind(n.as_i64().expect("int")),
                serde_json::Value::String(v) => q.bind(v),
                _ => panic!("bind"),
            };
        }
        q.fetch_one(&app.state.db.pool).await.expect("seed")
    };
    use serde_json::json;
    let page = exec(
        "INSERT INTO wiki_pages (community_id, slug, title, body, created_by, created_at, updated_at) \
         VALUES ($1, 'semis', 'Semis', 'Merci @zelinda_q pour les graines.', $2, $3, $3) RETURNING id",
        vec![json!(c.id), json!(other_user.id), json!(t)],
    )
    .await;
    exec(
        "INSERT INTO wiki_revisions (page_id, title, body, note, author_id, created_at) \
         VALUES ($1, 'Semis', 'Merci @zelinda_q pour les graines.', 'avec @zelinda_q', $2, $3) RETURNING id",
        vec![json!(page), json!(other_user.id), json!(t)],
    )
    .await;
    let event_sql = "INSERT INTO events (uid, title, description, start_local, end_local, starts_at, ends_at, \
         series_ends_at, organiser_id, contact, created_at, updated_at) \
         VALUES ($1, $2, $3, '2027-01-10T18:00', '2027-01-10T20:00', $4, $5, $5, $6, $7, $4, $4) RETURNING id";
    let their_event = exec(
        event_sql,
        vec![
            json!("corvee@test"),
            json!("Corvée de semis"),
            json!("Avec @zelinda_q au jardin."),
            json!(t + 86400),
            json!(t + 90000),
            json!(other_user.id),
            json!(""),
        ],
    )
    .await;
    passerelles::search::reindex_item(
        &app.state.db,
        passerelles::search::Source::Events,
        their_event,
    )
    .await
    .expect("index event");
    exec(
        event_sql,
        vec![
            json!("visite@test"),
            json!("Visite du jardin sec"),
            json!("Au jardin."),
            json!(t + 86400),
            json!(t + 90000),
            json!(user.id),
            json!(EMAIL),
        ],
    )
    .await;
    let list = exec(
        "INSERT INTO newsletter_lists (community_id, slug, name, secret, created_at) \
         VALUES ($1, 'infolettre-jardins', 'Infolettre', 'x', $2) RETURNING id",
        vec![json!(c.id), json!(t)],
    )
    .await;
    exec(
        "INSERT INTO newsletter_subscribers (list_id, email, status, lang, consent_at, consent_source, \
         consent_wording, created_at) VALUES ($1, $2, 'confirmed', 'fr', $3, 'form', 'Oui', $3) RETURNING id",
        vec![json!(list), json!(EMAIL), json!(t)],
    )
    .await;
    // A tool signed in through the person's session.
    let (url, bcl) = backchannel_sink().await;
    let (tool, _) = tool_with_backchannel(app, "Outil du jardin", &url).await;
    let hash: String = sqlx::query_scalar("SELECT id_hash FROM sessions WHERE user_id = $1")
        .bind(user.id)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("session");
    let sid = passerelles::oidc::sid_of(&hash);
    let t = now();
    sqlx::query(
        "INSERT INTO oidc_grants (client_id, user_id, scope, sid, auth_time, created_at, last_used_at) \
         VALUES ($1, $2, 'openid', $3, $4, $4, $4)",
    )
    .bind(tool.id)
    .bind(user.id)
    .bind(&sid)
    .bind(t)
    .execute(&app.state.db.pool)
    .await
    .expect("grant");
    // An archive of their data (its chunks hold everything above).
    let res = app
        .post_form(&me, "/settings/data", "/settings/data/export", &[])
        .await;
    assert_eq!(res.status(), 303);
    app.mail_link(EMAIL, "/settings/data/exports/").await;
    passerelles::search::vocab::refresh(&app.state.db)
        .await
        .expect("vocabulary");
    Seeded {
        me,
        user,
        other,
        mine,
        theirs,
        their_reply,
        bcl,
        sid,
    }
}

async fn ask(app: &TestApp, client: &Client, mode: &str) {
    let res = app
        .post_form(
            client,
            "/settings/delete",
            "/settings/delete",
            &[("mode", mode), ("confirm", "yes")],
        )
        .await;
    assert_eq!(res.status(), 303, "deletion scheduled");
    let mail = mail_with(app, "Suppression").await;
    assert!(
        mail.text_part().contains("/settings/delete"),
        "the e-mail says how to cancel: {}",
        mail.text_part()
    );
}

/// The next e-mail to the person whose subject has `subject` (others, such
/// as notifications, are passed over).
async fn mail_with(app: &TestApp, subject: &str) -> crate::smtp_sink::ReceivedMail {
    app.drain_jobs().await;
    loop {
        let m = app.sink.wait_for(EMAIL).await;
        if m.subject().contains(subject) {
            return m;
        }
    }
}

async fn run_deletions(app: &TestApp) -> usize {
    deletion::run_due(
        &app.state.db,
        &app.state.jobs,
        &app.state.config.public_url(),
        &app.state.instance_name(),
        now() + GRACE_SECS + 60,
    )
    .await
    .expect("deletions run")
}

async fn text_of(client: &Client, url: &str) -> (u16, String) {
    let res = client.get(url).send().await.expect("get");
    (res.status().as_u16(), res.text().await.expect("body"))
}

async fn deleted_leaves_nothing(mode: Mode) {
    let app = TestApp::spawn().await;
    let mut s = seed(&app).await;
    let mut needles: Vec<&str> = IDENTITY.to_vec();
    if mode == Mode::Everything {
        needles.extend(TEXT);
    }
    let before = holders(&app, &needles).await;
    assert!(
        before.keys().any(|k| k.starts_with("users.email"))
            && before.keys().any(|k| k.starts_with("search_"))
            && before.keys().any(|k| k.starts_with("replies.body")),
        "the search finds the seeded data first: {before:?}"
    );
    ask(&app, &s.me, mode.as_str()).await;
    // Not yet due: nothing happens.
    assert_eq!(
        deletion::run_due(
            &app.state.db,
            &app.state.jobs,
            &app.state.config.public_url(),
            &app.state.instance_name(),
            now(),
        )
        .await
        .expect("run"),
        0
    );
    assert_eq!(run_deletions(&app).await, 1);
    // The tool hears that the session ended.
    let sids = logout_sids(&app, &mut s.bcl).await;
    assert_eq!(sids, vec![s.sid.clone()], "a back-channel logout token");
    // The last e-mail went out; then nothing of the person is left.
    let bye = mail_with(&app, "supprimé").await;
    assert!(bye.text_part().contains("zelinda_q"), "{}", bye.text_part());
    app.drain_jobs().await;
    let after = holders(&app, &needles).await;
    assert!(after.is_empty(), "personal data left behind: {after:?}");
    // The archive (deflated: its bytes are not searched above) went too.
    let chunks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM data_export_chunks")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("chunks");
    assert_eq!(chunks, 0, "the archive of the person's data");

    // The session and the account are gone.
    let (status, _) = text_of(&s.me, &app.at("/settings/profile")).await;
    assert_eq!(status, 303, "signed out");
    let (status, _) = text_of(&s.other, &app.at("/u/zelinda_q")).await;
    assert_eq!(status, 404);
    // Threads: the mention is gone from the other person's reply.
    let (status, page) = text_of(&s.other, &app.at(&format!("/p/{}", s.mine))).await;
    let (reply_body,): (String,) = sqlx::query_as("SELECT body FROM replies WHERE id = $1")
        .bind(s.their_reply)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("reply");
    assert_eq!(reply_body, "Merci ancien membre pour ce partage !");
    let (_, their_page) = text_of(&s.other, &app.at(&format!("/p/{}", s.theirs))).await;
    let statuses: Vec<String> =
        sqlx::query_scalar("SELECT status FROM replies WHERE publication_id = $1")
            .bind(s.theirs)
            .fetch_all(&app.state.db.pool)
            .await
            .expect("replies");
    let (_, found) = text_of(&s.other, &app.at("/search?q=vorpaliques")).await;
    match mode {
        Mode::Anonymise => {
            assert_eq!(status, 200, "the publication stays");
            assert!(page.contains("vorpaliques"), "its text stays");
            assert!(page.contains("Ancien membre"), "signed by a former member");
            assert!(their_page.contains("quenouillère"));
            assert_eq!(statuses, vec!["visible".to_string()]);
            assert!(found.contains(&format!("/p/{}", s.mine)), "still found");
        }
        Mode::Everything => {
            assert_eq!(status, 404, "a deleted publication");
            assert!(!their_page.contains("quenouillère"));
            assert_eq!(statuses, vec!["deleted".to_string()], "a tombstone");
            assert!(!found.contains(&format!("/p/{}", s.mine)), "not found");
            let files: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments")
                .fetch_one(&app.state.db.pool)
                .await
                .expect("attachments");
            assert_eq!(files, 0, "files removed");
        }
    }
    // The audit keeps the deletion, without personal data.
    let detail: String =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'account_deleted'")
            .fetch_one(&app.state.db.pool)
            .await
            .expect("audit");
    assert!(
        detail.contains(mode.as_str()) && detail.contains("requested by the person"),
        "{detail}"
    );
    let _ = s.user;
}

#[tokio::test]
async fn deletion_anonymise_leaves_no_personal_data() {
    deleted_leaves_nothing(Mode::Anonymise).await;
}

#[tokio::test]
async fn deletion_of_everything_leaves_no_personal_data() {
    deleted_leaves_nothing(Mode::Everything).await;
}

#[tokio::test]
async fn cancelled_deletion_restores_everything() {
    let app = TestApp::spawn().await;
    let s = seed(&app).await;
    let mut needles: Vec<&str> = IDENTITY.to_vec();
    needles.extend(TEXT);
    let before = holders(&app, &needles).await;
    ask(&app, &s.me, "everything").await;
    // Signing in shows the pending deletion and its cancel button.
    let again = app.client();
    let csrf = app.csrf(&again, "/login").await;
    let res = again
        .post(app.at("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", "zelinda_q"),
            ("password", crate::harness::PASSWORD),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/settings/delete");
    let (status, page) = text_of(&again, &app.at("/settings/delete")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("action=\"/settings/delete/cancel\""),
        "{page}"
    );
    let res = app
        .post_form(&again, "/settings/delete", "/settings/delete/cancel", &[])
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        deletion::pending(&app.state.db, s.user.id)
            .await
            .expect("pending")
            .is_none()
    );
    // Past the grace period, nothing is executed.
    assert_eq!(run_deletions(&app).await, 0);
    app.drain_jobs().await;
    let after = holders(&app, &needles).await;
    assert_eq!(before, after, "every row as it was");
    let (status, page) = text_of(&s.other, &app.at(&format!("/p/{}", s.mine))).await;
    assert_eq!(status, 200);
    assert!(page.contains("Zelinda Quarrington"));
    let (_, found) = text_of(&s.other, &app.at("/search?q=vorpaliques")).await;
    assert!(found.contains(&format!("/p/{}", s.mine)));
}

#[tokio::test]
async fn administrator_deletes_on_request_with_a_reason() {
    let app = TestApp::spawn().await;
    let (admin, admin_user) = app.logged_in("gardienne", true).await;
    let (member, person) = app.logged_in("passant", false).await;
    let back = format!("/admin/users/{}", person.id);
    let action = format!("{back}/delete");
    // A reason is required.
    let res = app
        .post_form(
            &admin,
            &back,
            &action,
            &[("mode", "anonymise"), ("reason", " ")],
        )
        .await;
    assert_eq!(res.status(), 422);
    // Only administrators.
    let res = app
        .post_form(
            &member,
            "/settings/delete",
            &action,
            &[("mode", "anonymise"), ("reason", "x")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .post_form(
            &admin,
            &back,
            &action,
            &[
                ("mode", "anonymise"),
                ("reason", "Demande reçue par courriel"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let p = deletion::pending(&app.state.db, person.id)
        .await
        .expect("pending")
        .expect("scheduled");
    assert!(p.by_admin && p.mode == Mode::Anonymise);
    // The person sees it when signing in.
    let (_, page) = text_of(&member, &app.at("/settings/delete")).await;
    assert!(page.contains("action=\"/settings/delete/cancel\""));
    assert_eq!(run_deletions(&app).await, 1);
    let detail: String =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'account_deleted'")
            .fetch_one(&app.state.db.pool)
            .await
            .expect("audit");
    assert!(
        detail.contains(&format!("administrator #{}", admin_user.id))
            && detail.contains("Demande reçue par courriel"),
        "{detail}"
    );
    assert!(
        passerelles::accounts::by_id(&app.state.db, person.id)
            .await
            .expect("db")
            .is_none()
    );
}

#[test]
fn mentions_are_replaced_whole() {
    assert_eq!(
        deletion::strip_mentions("Merci @Zelinda_Q et @zelinda_qr.", "zelinda_q"),
        "Merci ancien membre et @zelinda_qr."
    );
}
