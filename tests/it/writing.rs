//! Writing in communities, the gaps of issue 3: per-account rate limits on
//! publishing and replying (pages and API, what was typed is kept), replies
//! paged by top-level threads (page and API), reporting on a locked thread,
//! and pinned publications (animators pin from the page, pinned first).

use passerelles::accounts::User;
use passerelles::api::tokens;
use reqwest::multipart::Form;
use serde_json::{Value, json};

use crate::harness::{TestApp, html_unescape};

// ---- fixtures (shared with matrix.rs) -----------------------------------------------------

pub async fn community(
    app: &TestApp,
    slug: &str,
    visibility: &str,
    join: &str,
    owner: &User,
) -> i64 {
    let t = passerelles::db::now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO communities (slug, name, visibility, join_policy, status, created_by, created_at, last_activity_at, member_count) \
         VALUES ($1, $2, $3, $4, 'active', $5, $6, $6, 0) RETURNING id",
    )
    .bind(slug)
    .bind(format!("Communauté {slug}"))
    .bind(visibility)
    .bind(join)
    .bind(owner.id)
    .bind(t)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("community");
    member(app, id, owner, "owner", "active").await;
    id
}

pub async fn member(app: &TestApp, community_id: i64, user: &User, role: &str, state: &str) {
    let t = passerelles::db::now();
    sqlx::query(
        "INSERT INTO memberships (community_id, user_id, role, state, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(community_id)
    .bind(user.id)
    .bind(role)
    .bind(state)
    .bind(t)
    .execute(&app.state.db.pool)
    .await
    .expect("membership");
}

/// A discussion shared into `in_communities`, created `age` seconds ago.
pub async fn publication(
    app: &TestApp,
    author: &User,
    title: &str,
    in_communities: &[i64],
    age: i64,
) -> i64 {
    let t = passerelles::db::now() - age;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO publications (kind, title, body, body_html, author_id, created_at, updated_at, last_activity_at) \
         VALUES ('discussion', $1, $2, $3, $4, $5, $5, $5) RETURNING id",
    )
    .bind(title)
    .bind(format!("Texte de {title}"))
    .bind(format!("<p>Texte de {title}</p>"))
    .bind(author.id)
    .bind(t)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("publication");
    for c in in_communities {
        sqlx::query("INSERT INTO publication_communities (publication_id, community_id, added_by, added_at) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(*c)
            .bind(author.id)
            .bind(t)
            .execute(&app.state.db.pool)
            .await
            .expect("shared");
    }
    id
}

/// A reply (to `parent`, or to the publication), at time `at`.
pub async fn reply_at(
    app: &TestApp,
    publication_id: i64,
    author: &User,
    parent: Option<(i64, i64)>,
    body: &str,
    at: i64,
) -> i64 {
    let (parent_id, depth) = match parent {
        Some((id, d)) => (Some(id), d + 1),
        None => (None, 0),
    };
    sqlx::query_scalar(
        "INSERT INTO replies (publication_id, parent_id, depth, author_id, body, body_html, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(publication_id)
    .bind(parent_id)
    .bind(depth)
    .bind(author.id)
    .bind(body)
    .bind(format!("<p>{body}</p>"))
    .bind(at)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("reply")
}

pub async fn exec(app: &TestApp, sql: &str, id: i64) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(id)
        .execute(&app.state.db.pool)
        .await
        .expect(sql);
}

pub async fn scalar(app: &TestApp, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .expect(sql)
}

pub async fn token_for(app: &TestApp, user: &User) -> String {
    tokens::create_token(&app.state.db, user.id, "tests", None)
        .await
        .expect("token")
        .1
}

pub async fn get(client: &reqwest::Client, url: String) -> (u16, String) {
    let res = client.get(url).send().await.expect("get");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Post the compose form (multipart) with the CSRF token of /p/new.
async fn compose(
    app: &TestApp,
    client: &reqwest::Client,
    title: &str,
    body: &str,
    community: i64,
) -> reqwest::Response {
    let csrf = app.csrf(client, "/p/new").await;
    let form = Form::new()
        .text("csrf", csrf)
        .text("kind", "discussion")
        .text("title", title.to_string())
        .text("body", body.to_string())
        .text("tags", "entraide")
        .text("communities", community.to_string());
    client
        .post(app.at("/p/new"))
        .multipart(form)
        .send()
        .await
        .expect("post /p/new")
}

async fn reply_form(
    app: &TestApp,
    client: &reqwest::Client,
    pid: i64,
    body: &str,
) -> reqwest::Response {
    // The field names of the form under the thread, as the page has them.
    let (_, page) = get(client, app.at(&format!("/p/{pid}"))).await;
    assert!(page.contains("<textarea id=\"f-reply\" name=\"reply\""));
    app.post_form(
        client,
        &format!("/p/{pid}"),
        &format!("/p/{pid}/replies"),
        &[("reply", body), ("page", "1")],
    )
    .await
}

// ---- rate limits -------------------------------------------------------------------------------

#[tokio::test]
async fn publishing_is_rate_limited_per_account_and_keeps_the_text() {
    let app = TestApp::spawn_with(|c| {
        c.write_limits.publications = 3;
    })
    .await;
    let (client, author) = app.logged_in("autrice", false).await;
    let (admin_client, admin) = app.logged_in("gestion", true).await;
    let c = community(&app, "entraide", "open", "open", &author).await;
    member(&app, c, &admin, "member", "active").await;

    // Two by the page, one by the API: the counter is per account, whatever the channel.
    for i in 0..2 {
        let res = compose(&app, &client, &format!("Publication {i}"), "Du texte", c).await;
        assert_eq!(res.status(), 303, "publication {i} goes through");
    }
    let token = token_for(&app, &author).await;
    let api = reqwest::Client::new();
    let res = api
        .post(app.at("/api/v1/publications"))
        .bearer_auth(&token)
        .json(&json!({"kind": "discussion", "title": "Par l’API", "body": "Texte", "communities": ["entraide"]}))
        .send()
        .await
        .expect("api publish");
    assert_eq!(res.status(), 201);

    // The fourth is refused: 429, Retry-After, a readable message, and the form keeps what was typed.
    let res = compose(
        &app,
        &client,
        "Quatrième <essai>",
        "Un long texte que je ne veux pas perdre",
        c,
    )
    .await;
    assert_eq!(res.status(), 429);
    let retry: i64 = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=600).contains(&retry), "retry after {retry}");
    let page = res.text().await.expect("body");
    assert!(page.contains("id=\"rate-limited\""), "{page}");
    assert!(
        page.contains("Vous avez publié beaucoup en peu de temps")
            && page.contains("Ce que vous avez écrit est conservé"),
        "readable French message: {page}"
    );
    let unescaped = html_unescape(&page);
    assert!(
        unescaped.contains("value=\"Quatrième <essai>\""),
        "title kept"
    );
    assert!(
        unescaped.contains(">Un long texte que je ne veux pas perdre</textarea>"),
        "body kept"
    );
    assert!(unescaped.contains("value=\"entraide\""), "tags kept");
    assert!(
        page.contains(&format!("value=\"{c}\" checked")),
        "community kept"
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM publications WHERE author_id = $1",
            author.id
        )
        .await,
        3,
        "nothing saved past the limit"
    );

    // The API answers 429 with the stable code, a message and Retry-After.
    let res = api
        .post(app.at("/api/v1/publications"))
        .bearer_auth(&token)
        .header("accept-language", "en")
        .json(&json!({"kind": "discussion", "title": "Encore", "body": "Texte", "communities": ["entraide"]}))
        .send()
        .await
        .expect("api publish");
    assert_eq!(res.status(), 429);
    assert!(res.headers().get("retry-after").is_some());
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"]["code"], "rate_limited");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("short time")),
        "{body}"
    );

    // Instance administrators are not limited (by default); another person is counted apart.
    for i in 0..4 {
        let res = compose(&app, &admin_client, &format!("Annonce {i}"), "Texte", c).await;
        assert_eq!(res.status(), 303, "admin publication {i}");
    }
}

#[tokio::test]
async fn replying_is_rate_limited_per_account_and_keeps_the_reply() {
    let app = TestApp::spawn_with(|c| {
        c.write_limits.replies = 2;
    })
    .await;
    let (client, author) = app.logged_in("autrice", false).await;
    let (other_client, other) = app.logged_in("voisin", false).await;
    let c = community(&app, "entraide", "open", "open", &author).await;
    member(&app, c, &other, "member", "active").await;
    let pid = publication(&app, &author, "Sujet", &[c], 10).await;

    let res = reply_form(&app, &client, pid, "Première réponse").await;
    assert_eq!(res.status(), 303);
    let token = token_for(&app, &author).await;
    let api = reqwest::Client::new();
    let res = api
        .post(app.at(&format!("/api/v1/publications/{pid}/replies")))
        .bearer_auth(&token)
        .json(&json!({"body": "Deuxième, par l’API"}))
        .send()
        .await
        .expect("api reply");
    assert_eq!(res.status(), 201);

    let res = reply_form(&app, &client, pid, "Troisième & dernière <réponse>").await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().get("retry-after").is_some());
    let page = res.text().await.expect("body");
    assert!(
        page.contains("Vous avez envoyé beaucoup de réponses en peu de temps"),
        "{page}"
    );
    assert!(
        html_unescape(&page).contains(">Troisième & dernière <réponse></textarea>"),
        "the reply is kept in its field"
    );
    assert!(page.contains("aria-describedby=\"f-reply-hint f-reply-error\""));

    let res = api
        .post(app.at(&format!("/api/v1/publications/{pid}/replies")))
        .bearer_auth(&token)
        .json(&json!({"body": "Encore"}))
        .send()
        .await
        .expect("api reply");
    assert_eq!(res.status(), 429);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"]["code"], "rate_limited");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM replies WHERE publication_id = $1",
            pid
        )
        .await,
        2
    );

    // Someone else still replies.
    let res = reply_form(&app, &other_client, pid, "Moi aussi").await;
    assert_eq!(res.status(), 303);
    // A refused validation does not count against the limit.
    let res = reply_form(&app, &other_client, pid, "   ").await;
    assert_eq!(res.status(), 422);
    let res = reply_form(&app, &other_client, pid, "Et encore moi").await;
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn reporting_and_email_invitations_are_rate_limited() {
    let app = TestApp::spawn().await;
    let (client, author) = app.logged_in("autrice", false).await;
    let (reporter_client, reporter) = app.logged_in("vigie", false).await;
    let c = community(&app, "entraide", "open", "open", &author).await;
    let _ = reporter;
    let mut last = 0;
    let mut statuses = Vec::new();
    for i in 0..40 {
        let pid = publication(&app, &author, &format!("P{i}"), &[c], 10).await;
        let q = format!("publication={pid}");
        let res = app
            .post_form(
                &reporter_client,
                &format!("/report?{q}"),
                &format!("/report?{q}"),
                &[("category", "spam"), ("comment", "Encore un")],
            )
            .await;
        last = res.status().as_u16();
        statuses.push(last);
        if last == 429 {
            let page = res.text().await.expect("body");
            // The form again, with the comment kept and the reason tied to it.
            assert!(
                page.contains("Vous avez fait beaucoup de signalements en peu de temps")
                    && page.contains(">Encore un</textarea>"),
                "{page}"
            );
            break;
        }
    }
    assert_eq!(last, 429, "reports are limited: {statuses:?}");

    let mut last = 0;
    for i in 0..40 {
        let res = app
            .post_form(
                &client,
                "/c/entraide/invitations",
                "/c/entraide/invitations",
                &[
                    ("email", &format!("invite{i}@exemple.qc.ca")),
                    ("days", "7"),
                ],
            )
            .await;
        last = res.status().as_u16();
        if last == 429 {
            let page = html_unescape(&res.text().await.expect("body"));
            assert!(
                page.contains("Vous avez envoyé beaucoup d’invitations en peu de temps")
                    && page.contains(&format!("value=\"invite{i}@exemple.qc.ca\"")),
                "address kept"
            );
            break;
        }
    }
    assert_eq!(last, 429, "e-mail invitations are limited");
}

// ---- reporting on a locked thread -------------------------------------------------------

#[tokio::test]
async fn replies_of_a_locked_thread_can_still_be_reported() {
    let app = TestApp::spawn().await;
    let (_, author) = app.logged_in("autrice", false).await;
    let (member_client, m) = app.logged_in("membre", false).await;
    let (outsider_client, _) = app.logged_in("passant", false).await;
    let c = community(&app, "entraide", "open", "open", &author).await;
    member(&app, c, &m, "member", "active").await;
    let pid = publication(&app, &author, "Sujet", &[c], 100).await;
    let rid = reply_at(&app, pid, &author, None, "Une réponse", 50).await;
    let report_link = format!("href=\"/report?reply={rid}\"");

    let (_, page) = get(&member_client, app.at(&format!("/p/{pid}"))).await;
    assert!(page.contains(&report_link), "member, open thread");
    // A reader who may not reply may still report.
    let (_, page) = get(&outsider_client, app.at(&format!("/p/{pid}"))).await;
    assert!(
        page.contains(&report_link),
        "outsider reading an open community"
    );
    assert!(!page.contains("name=\"parent_id\""), "but not reply");

    exec(
        &app,
        "UPDATE publications SET locked = 1 WHERE id = $1",
        pid,
    )
    .await;
    let (_, page) = get(&member_client, app.at(&format!("/p/{pid}"))).await;
    assert!(
        page.contains("Cette discussion est verrouillée"),
        "locked notice"
    );
    assert!(!page.contains("name=\"parent_id\""), "no reply forms");
    assert!(page.contains(&report_link), "report link kept when locked");
    // And the report goes through.
    let q = format!("reply={rid}");
    let res = app
        .post_form(
            &member_client,
            &format!("/report?{q}"),
            &format!("/report?{q}"),
            &[("category", "spam"), ("comment", "")],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", location(&res));
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM reports WHERE reply_id = $1",
            rid
        )
        .await,
        1
    );
    // Its author has no report link on their own reply.
    let (author_client, _) = (app.client(), ());
    app.login(&author_client, "autrice", crate::harness::PASSWORD)
        .await;
    let (_, page) = get(&author_client, app.at(&format!("/p/{pid}"))).await;
    assert!(!page.contains(&report_link));
}

// ---- replies paged by thread ------------------------------------------------------------

#[tokio::test]
async fn replies_are_paged_by_whole_threads_on_the_page_and_in_the_api() {
    let app = TestApp::spawn().await;
    let (client, author) = app.logged_in("autrice", false).await;
    let c = community(&app, "entraide", "open", "open", &author).await;
    let pid = publication(&app, &author, "Grand fil", &[c], 100_000).await;
    let t0 = passerelles::db::now() - 50_000;
    let mut roots = Vec::new();
    for i in 0..120 {
        roots.push(reply_at(&app, pid, &author, None, &format!("Fil {i}"), t0 + i * 10).await);
    }
    // Sub-replies written late still show with their thread: two under the
    // first thread (one nested), one under thread 60 (page 2).
    let late = t0 + 5_000;
    let s1 = reply_at(
        &app,
        pid,
        &author,
        Some((roots[0], 0)),
        "Sous-réponse A",
        late,
    )
    .await;
    let s2 = reply_at(
        &app,
        pid,
        &author,
        Some((s1, 1)),
        "Sous-réponse B",
        late + 1,
    )
    .await;
    let s3 = reply_at(
        &app,
        pid,
        &author,
        Some((roots[60], 0)),
        "Sous-réponse C",
        late + 2,
    )
    .await;
    exec(
        &app,
        "UPDATE publications SET reply_count = 123 WHERE id = $1",
        pid,
    )
    .await;

    let items = |html: &str| html.matches("class=\"reply level-").count();
    let (status, page1) = get(&client, app.at(&format!("/p/{pid}"))).await;
    assert_eq!(status, 200);
    assert_eq!(items(&page1), 50 + 2, "50 threads and their sub-replies");
    assert!(
        page1.contains(&format!("id=\"r-{s2}\"")),
        "nested sub-reply on its thread's page"
    );
    assert!(!page1.contains(&format!("id=\"r-{}\"", roots[50])));
    assert!(
        page1.contains("Les fils de discussion les plus anciens d’abord")
            && page1.contains("50 fils par page")
            && page1.contains("Page 1 sur 3."),
        "the page says how it is ordered"
    );
    assert!(page1.contains(&format!(
        "rel=\"next\" href=\"/p/{pid}?page=2#replies-title\""
    )));
    assert!(!page1.contains("rel=\"prev\""));
    // Oldest thread first.
    let first = page1
        .find(&format!("id=\"r-{}\"", roots[0]))
        .expect("first");
    let second = page1
        .find(&format!("id=\"r-{}\"", roots[1]))
        .expect("second");
    let sub = page1.find(&format!("id=\"r-{s1}\"")).expect("sub");
    assert!(first < sub && sub < second, "a thread's replies follow it");

    let (_, page2) = get(&client, app.at(&format!("/p/{pid}?page=2"))).await;
    assert_eq!(items(&page2), 50 + 1);
    assert!(page2.contains(&format!("id=\"r-{s3}\"")) && page2.contains("Page 2 sur 3."));
    assert!(page2.contains(&format!("rel=\"prev\" href=\"/p/{pid}#replies-title\"")));
    assert!(page2.contains(&format!(
        "rel=\"next\" href=\"/p/{pid}?page=3#replies-title\""
    )));
    let (_, page3) = get(&client, app.at(&format!("/p/{pid}?page=3"))).await;
    assert_eq!(items(&page3), 20);
    assert!(!page3.contains("rel=\"next\""));
    // Past the end, or nonsense: a page without replies, not an error.
    let (status, _) = get(&client, app.at(&format!("/p/{pid}?page=99"))).await;
    assert_eq!(status, 200);
    let (status, _) = get(&client, app.at(&format!("/p/{pid}?page=abc"))).await;
    assert_eq!(status, 200);
    // `?reply=` opens the page where that reply is (links from notifications).
    let (_, by_reply) = get(&client, app.at(&format!("/p/{pid}?reply={s3}"))).await;
    assert!(by_reply.contains("Page 2 sur 3.") && by_reply.contains(&format!("id=\"r-{s3}\"")));

    // A new thread lands on the last page, and the redirect goes there.
    let res = reply_form(&app, &client, pid, "Un nouveau fil").await;
    assert_eq!(res.status(), 303);
    let loc = location(&res);
    assert!(loc.starts_with(&format!("/p/{pid}?page=3#r-")), "{loc}");
    // A reply to a thread of page 2 goes back to page 2.
    let res = app
        .post_form(
            &client,
            &format!("/p/{pid}"),
            &format!("/p/{pid}/replies"),
            &[
                ("body", "Réponse au fil 60"),
                ("parent_id", &roots[60].to_string()),
            ],
        )
        .await;
    assert!(location(&res).starts_with(&format!("/p/{pid}?page=2#r-")));

    // The API pages the same way, documented in OpenAPI.
    let api = reqwest::Client::new();
    let list: Value = api
        .get(app.at(&format!("/api/v1/publications/{pid}/replies")))
        .send()
        .await
        .expect("api")
        .json()
        .await
        .expect("json");
    assert_eq!(list["order"], "thread_oldest_first");
    assert_eq!(list["page"], 1);
    assert_eq!(list["pages"], 3);
    assert_eq!(list["threads"], 121);
    assert_eq!(list["next_page"], 2);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(52));
    assert_eq!(list["items"][0]["id"], roots[0]);
    let list: Value = api
        .get(app.at(&format!("/api/v1/publications/{pid}/replies?page=3")))
        .send()
        .await
        .expect("api")
        .json()
        .await
        .expect("json");
    assert!(list["next_page"].is_null());
    assert_eq!(list["items"].as_array().map(Vec::len), Some(21));
    let doc: Value = api
        .get(app.at("/api/v1/openapi.json"))
        .send()
        .await
        .expect("openapi")
        .json()
        .await
        .expect("json");
    let params = &doc["paths"]["/api/v1/publications/{id}/replies"]["get"]["parameters"];
    assert!(
        params
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["name"] == "page" && p["in"] == "query")),
        "{params}"
    );
    assert!(doc["components"]["schemas"]["ReplyListing"].is_object());
}

// ---- pinned publications --------------------------------------------------------------

#[tokio::test]
async fn animators_pin_from_the_page_and_pinned_come_first() {
    let app = TestApp::spawn().await;
    let (owner_client, owner) = app.logged_in("proprio", false).await;
    let (anim_client, anim) = app.logged_in("animatrice", false).await;
    let (mod_client, modo) = app.logged_in("vigile", false).await;
    let (member_client, m) = app.logged_in("membre", false).await;
    let c = community(&app, "entraide", "open", "open", &owner).await;
    let other = community(&app, "voisine", "open", "open", &owner).await;
    member(&app, c, &anim, "animator", "active").await;
    member(&app, c, &modo, "moderator", "active").await;
    member(&app, c, &m, "member", "active").await;
    // Oldest is shared in both communities; newest is the most recently active.
    let old = publication(&app, &m, "Ancienne annonce", &[c, other], 5_000).await;
    let _new = publication(&app, &m, "Toute récente", &[c], 10).await;

    let pin_form = |cid: i64| format!("name=\"community\" value=\"{cid}\"");
    // Members and moderators get no pin button; the animator does, for the community they animate only.
    for client in [&member_client, &mod_client] {
        let (_, page) = get(client, app.at(&format!("/p/{old}"))).await;
        assert!(
            !page.contains(&format!("action=\"/p/{old}/pin\"")) && !page.contains("Épingler dans")
        );
    }
    let (_, page) = get(&anim_client, app.at(&format!("/p/{old}"))).await;
    assert!(page.contains("Épingler dans Communauté entraide"), "{page}");
    assert!(page.contains(&pin_form(c)) && !page.contains(&pin_form(other)));

    // Before: newest activity first.
    let (_, listing) = get(&member_client, app.at("/c/entraide")).await;
    let pos = |html: &str, t: &str| html.find(t).unwrap_or(usize::MAX);
    assert!(pos(&listing, "Toute récente") < pos(&listing, "Ancienne annonce"));

    // A member may not pin, even by posting the form.
    let res = app
        .post_form(
            &member_client,
            &format!("/p/{old}"),
            &format!("/p/{old}/pin"),
            &[("community", &c.to_string()), ("pinned", "1")],
        )
        .await;
    assert_eq!(res.status(), 403);
    // The animator pins: first on the community page, with its badge; not in the other community.
    let res = app
        .post_form(
            &anim_client,
            &format!("/p/{old}"),
            &format!("/p/{old}/pin"),
            &[("community", &c.to_string()), ("pinned", "1")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, listing) = get(&member_client, app.at("/c/entraide")).await;
    assert!(
        pos(&listing, "Ancienne annonce") < pos(&listing, "Toute récente"),
        "pinned first"
    );
    assert!(listing.contains("Épinglée"));
    assert!(listing.contains("Les publications épinglées d’abord"));
    let (_, elsewhere) = get(&member_client, app.at("/c/voisine")).await;
    assert!(!elsewhere.contains("Épinglée"), "pinned per community");
    // Not in the other community either by posting the form there.
    let res = app
        .post_form(
            &anim_client,
            &format!("/p/{old}"),
            &format!("/p/{old}/pin"),
            &[("community", &other.to_string()), ("pinned", "1")],
        )
        .await;
    assert_eq!(res.status(), 403);

    // The page now offers to unpin; unpinning restores activity order.
    let (_, page) = get(&anim_client, app.at(&format!("/p/{old}"))).await;
    assert!(page.contains("Désépingler de Communauté entraide"));
    let res = app
        .post_form(
            &anim_client,
            &format!("/p/{old}"),
            &format!("/p/{old}/pin"),
            &[("community", &c.to_string()), ("pinned", "0")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, listing) = get(&member_client, app.at("/c/entraide")).await;
    assert!(pos(&listing, "Toute récente") < pos(&listing, "Ancienne annonce"));
    assert!(!listing.contains("badge badge-ok\">Épinglée"));
    // The API does the same, with the same rule, and its listing says what is pinned.
    let api = reqwest::Client::new();
    let url = app.at(&format!(
        "/api/v1/communities/entraide/publications/{old}/pin"
    ));
    let res = api
        .put(&url)
        .bearer_auth(token_for(&app, &m).await)
        .send()
        .await
        .expect("pin");
    assert_eq!(res.status(), 403, "a member may not pin");
    let anim_token = token_for(&app, &anim).await;
    let res = api
        .put(&url)
        .bearer_auth(&anim_token)
        .send()
        .await
        .expect("pin");
    assert_eq!(res.status(), 204);
    let listing: Value = api
        .get(app.at("/api/v1/communities/entraide/publications"))
        .send()
        .await
        .expect("listing")
        .json()
        .await
        .expect("json");
    assert_eq!(listing["order"], "pinned_then_last_activity_desc");
    assert_eq!(listing["items"][0]["id"], old);
    assert_eq!(listing["items"][0]["pinned"], true);
    assert_eq!(listing["items"][1]["pinned"], false);
    let res = api
        .delete(&url)
        .bearer_auth(&anim_token)
        .send()
        .await
        .expect("unpin");
    assert_eq!(res.status(), 204);
    let res = api
        .put(app.at(&format!(
            "/api/v1/communities/voisine/publications/{old}/pin"
        )))
        .bearer_auth(&anim_token)
        .send()
        .await
        .expect("pin elsewhere");
    assert_eq!(res.status(), 403, "not an animator there");

    // The owner (and so any animator above) may pin too.
    let res = app
        .post_form(
            &owner_client,
            &format!("/p/{old}"),
            &format!("/p/{old}/pin"),
            &[("community", &other.to_string()), ("pinned", "1")],
        )
        .await;
    assert_eq!(res.status(), 303);
}
