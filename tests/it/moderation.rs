//! Moderation over real HTTP: reports (sight required, right queues,
//! duplicates), community queues and actions (reasons, log, resolved
//! reports, author notified), bans, locks, instance suspension, the public
//! moderation log, and the API equivalents.
//!
//! Communities, memberships, publications and replies are inserted with SQL
//! so these tests depend only on the schema.

use passerelles::accounts::User;
use passerelles::api::tokens;
use passerelles::communities;
use passerelles::policy::{self, Action};
use serde_json::Value;
use sqlx::Row;

use crate::harness::{TestApp, html_unescape};

// ---- fixtures ----------------------------------------------------------------------------

async fn community(app: &TestApp, slug: &str, visibility: &str, join: &str, owner: &User) -> i64 {
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
    member(app, id, owner, "owner").await;
    id
}

async fn member(app: &TestApp, community_id: i64, user: &User, role: &str) {
    let t = passerelles::db::now();
    sqlx::query(
        "INSERT INTO memberships (community_id, user_id, role, state, created_at, updated_at) VALUES ($1, $2, $3, 'active', $4, $4)",
    )
    .bind(community_id)
    .bind(user.id)
    .bind(role)
    .bind(t)
    .execute(&app.state.db.pool)
    .await
    .expect("membership");
}

async fn publication(
    app: &TestApp,
    author: &User,
    title: &str,
    body: &str,
    in_communities: &[i64],
) -> i64 {
    let t = passerelles::db::now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO publications (kind, title, body, body_html, author_id, created_at, updated_at, last_activity_at) \
         VALUES ('discussion', $1, $2, $2, $3, $4, $4, $4) RETURNING id",
    )
    .bind(title)
    .bind(body)
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

async fn reply(app: &TestApp, publication_id: i64, author: &User, body: &str) -> i64 {
    let t = passerelles::db::now();
    sqlx::query_scalar(
        "INSERT INTO replies (publication_id, author_id, body, body_html, created_at, updated_at) \
         VALUES ($1, $2, $3, $3, $4, $4) RETURNING id",
    )
    .bind(publication_id)
    .bind(author.id)
    .bind(body)
    .bind(t)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("reply")
}

async fn scalar_i64(app: &TestApp, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .expect(sql)
}

async fn scalar_str(app: &TestApp, sql: &str, id: i64) -> String {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .expect(sql)
}

/// (community_id, status) of the reports about a publication.
async fn reports_about(app: &TestApp, publication_id: i64) -> Vec<(Option<i64>, String)> {
    sqlx::query_as(
        "SELECT community_id, status FROM reports WHERE publication_id = $1 ORDER BY community_id",
    )
    .bind(publication_id)
    .fetch_all(&app.state.db.pool)
    .await
    .expect("reports")
}

async fn get(client: &reqwest::Client, url: String) -> (u16, String) {
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

async fn report(
    app: &TestApp,
    client: &reqwest::Client,
    query: &str,
    category: &str,
    comment: &str,
) -> reqwest::Response {
    let page = format!("/report?{query}");
    app.post_form(
        client,
        "/",
        &page,
        &[("category", category), ("comment", comment)],
    )
    .await
}

async fn act(
    app: &TestApp,
    client: &reqwest::Client,
    url: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    app.post_form(client, "/", url, fields).await
}

/// Everyone: an owner/moderator, a plain member, an author, a reporter, an outsider.
struct World {
    app: TestApp,
    modo: (reqwest::Client, User),
    author: (reqwest::Client, User),
    reporter: (reqwest::Client, User),
    outsider: (reqwest::Client, User),
    plain: (reqwest::Client, User),
    /// open community "alpha" (modo owns it)
    a: i64,
    /// private community "beta" (owned by someone else; reporter and author are members)
    b: i64,
    /// private community "gamma" (only the author)
    c: i64,
    /// shared in alpha and beta
    p: i64,
    /// only in gamma
    q: i64,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let modo = app.logged_in("modo", false).await;
    let author = app.logged_in("autrice", false).await;
    let reporter = app.logged_in("vigie", false).await;
    let outsider = app.logged_in("passant", false).await;
    let plain = app.logged_in("membre", false).await;
    let beta_owner = app.create_user("proprio", false).await;
    let a = community(&app, "alpha", "open", "open", &modo.1).await;
    let b = community(&app, "beta", "private", "request", &beta_owner).await;
    let c = community(&app, "gamma", "private", "invitation", &author.1).await;
    for (cid, u) in [
        (a, &author.1),
        (a, &plain.1),
        (b, &author.1),
        (b, &reporter.1),
    ] {
        member(&app, cid, u, "member").await;
    }
    let p = publication(
        &app,
        &author.1,
        "Atelier sur les budgets participatifs",
        "CORPS-SECRET du texte publié",
        &[a, b],
    )
    .await;
    let q = publication(&app, &author.1, "Note interne", "Réservé à gamma", &[c]).await;
    World {
        app,
        modo,
        author,
        reporter,
        outsider,
        plain,
        a,
        b,
        c,
        p,
        q,
    }
}

// ---- reports -----------------------------------------------------------------------------

#[tokio::test]
async fn moderation_report_requires_sight_and_reaches_the_right_queues() {
    let w = world().await;
    let app = &w.app;

    // Anonymous visitors log in first, and come back.
    let anon = app.client();
    let res = anon
        .get(app.at(&format!("/report?publication={}", w.p)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(
        location(&res).starts_with("/login?next=%2Freport%3Fpublication"),
        "{}",
        location(&res)
    );

    // An outsider cannot report what they cannot see: 404, and nothing is stored.
    let (status, _) = get(
        &w.outsider.0,
        app.at(&format!("/report?publication={}", w.q)),
    )
    .await;
    assert_eq!(status, 404);
    let res = report(
        app,
        &w.outsider.0,
        &format!("publication={}", w.q),
        "spam",
        "",
    )
    .await;
    assert_eq!(res.status(), 404);
    assert!(reports_about(app, w.q).await.is_empty());
    // Nor an unknown publication, nor garbage.
    assert_eq!(
        get(&w.outsider.0, app.at("/report?publication=999999"))
            .await
            .0,
        404
    );
    assert_eq!(
        get(&w.outsider.0, app.at("/report?publication=abc"))
            .await
            .0,
        404
    );
    assert_eq!(get(&w.outsider.0, app.at("/report")).await.0, 404);

    // The form: categories with explanations, where it goes.
    let (status, body) = get(
        &w.reporter.0,
        app.at(&format!("/report?publication={}", w.p)),
    )
    .await;
    assert_eq!(status, 200);
    for c in [
        "spam",
        "harassment",
        "hate",
        "misinformation",
        "off_topic",
        "illegal",
        "other",
    ] {
        assert!(body.contains(&format!("value=\"{c}\"")), "category {c}");
    }
    assert!(
        body.contains("Communauté alpha") && body.contains("Communauté beta"),
        "says who reviews it"
    );

    // No category, or a comment too long: 422, what was typed is kept.
    let res = report(
        app,
        &w.reporter.0,
        &format!("publication={}", w.p),
        "",
        "Mon commentaire gardé",
    )
    .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Mon commentaire gardé") && body.contains("f-category-error"),
        "{body}"
    );
    let long = "x".repeat(2001);
    let res = report(
        app,
        &w.reporter.0,
        &format!("publication={}", w.p),
        "spam",
        &long,
    )
    .await;
    assert_eq!(res.status(), 422);

    // The member of beta reports it: one report in alpha, one in beta.
    let res = report(
        app,
        &w.reporter.0,
        &format!("publication={}", w.p),
        "misinformation",
        "Chiffres inventés",
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/report/sent");
    let (status, body) = get(&w.reporter.0, app.at("/report/sent")).await;
    assert_eq!(status, 200);
    assert!(body.contains("Merci"), "thank-you page");
    assert_eq!(
        reports_about(app, w.p).await,
        vec![(Some(w.a), "open".into()), (Some(w.b), "open".into())]
    );

    // Again: already reported (form and post).
    let (_, body) = get(
        &w.reporter.0,
        app.at(&format!("/report?publication={}", w.p)),
    )
    .await;
    assert!(body.contains("Déjà signalé"));
    let res = report(
        app,
        &w.reporter.0,
        &format!("publication={}", w.p),
        "spam",
        "",
    )
    .await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("Déjà signalé"));
    assert_eq!(reports_about(app, w.p).await.len(), 2);

    // Someone who reads it only through alpha reports to alpha only.
    let res = report(
        app,
        &w.outsider.0,
        &format!("publication={}", w.p),
        "off_topic",
        "",
    )
    .await;
    assert_eq!(res.status(), 303);
    let to_alpha: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM reports WHERE reporter_id = $1 AND community_id = $2",
    )
    .bind(w.outsider.1.id)
    .bind(w.a)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reports WHERE reporter_id = $1")
        .bind(w.outsider.1.id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!((to_alpha, total), (1, 1));

    // A reply goes where its publication is read; a person to the instance.
    let r = reply(app, w.p, &w.plain.1, "Réponse douteuse").await;
    assert_eq!(
        report(app, &w.outsider.0, &format!("reply={r}"), "harassment", "")
            .await
            .status(),
        303
    );
    assert_eq!(
        report(
            app,
            &w.outsider.0,
            "user=autrice",
            "harassment",
            "Messages insistants"
        )
        .await
        .status(),
        303
    );
    let person: Vec<(Option<i64>, String)> =
        sqlx::query_as("SELECT community_id, target_kind FROM reports WHERE user_id = $1")
            .bind(w.author.1.id)
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(person, vec![(None, "user".to_string())]);
    // Not oneself.
    assert_eq!(
        report(app, &w.outsider.0, "user=passant", "spam", "")
            .await
            .status(),
        400
    );

    // The queues: alpha's moderator sees alpha's reports (with reporter and comment).
    let (status, body) = get(&w.modo.0, app.at("/c/alpha/moderation")).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Atelier sur les budgets participatifs")
            && body.contains("Chiffres inventés")
            && body.contains("vigie")
    );
    assert!(
        body.contains("Réponse douteuse"),
        "reply report listed in alpha"
    );
    assert!(
        !body.contains("Messages insistants"),
        "person reports are the instance's"
    );
    // Plain members may not; anonymous visitors log in; outsiders of a private community get 404.
    assert_eq!(get(&w.plain.0, app.at("/c/alpha/moderation")).await.0, 403);
    assert_eq!(
        get(&w.reporter.0, app.at("/c/beta/moderation")).await.0,
        403
    );
    assert_eq!(
        get(&w.outsider.0, app.at("/c/beta/moderation")).await.0,
        404
    );
    let res = anon
        .get(app.at("/c/alpha/moderation"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    // The instance's queue: everything, for administrators only.
    let (admin, _) = app.logged_in("gardienne", true).await;
    let (status, body) = get(&admin, app.at("/admin/reports")).await;
    assert_eq!(status, 200);
    assert!(body.contains("Messages insistants") && body.contains("Chiffres inventés"));
    assert!(
        body.contains("aria-current=\"page\">Signalements"),
        "side nav marks the section"
    );
    assert_eq!(get(&w.modo.0, app.at("/admin/reports")).await.0, 403);
    let (_, dash) = get(&admin, app.at("/admin")).await;
    assert!(
        dash.contains("href=\"/admin/reports\""),
        "admin menu links the reports"
    );
}

// ---- community actions ---------------------------------------------------------------------

#[tokio::test]
async fn moderation_remove_with_reason_logs_resolves_and_tells_the_author() {
    let w = world().await;
    let app = &w.app;
    assert_eq!(
        report(
            app,
            &w.reporter.0,
            &format!("publication={}", w.p),
            "spam",
            "Pub"
        )
        .await
        .status(),
        303
    );
    let report_id: i64 = sqlx::query_scalar("SELECT id FROM reports WHERE community_id = $1")
        .bind(w.a)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let rid = report_id.to_string();

    // Without a reason: 422, the action page with the error; nothing changed.
    let res = act(
        app,
        &w.modo.0,
        "/c/alpha/moderation/act",
        &[("report", &rid), ("action", "remove"), ("reason", "  ")],
    )
    .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("f-reason-error"), "error tied to the field");
    let long = "r".repeat(501);
    let res = act(
        app,
        &w.modo.0,
        "/c/alpha/moderation/act",
        &[("report", &rid), ("action", "remove"), ("reason", &long)],
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text().await.unwrap().contains(&long),
        "typed reason kept"
    );
    assert_eq!(
        scalar_i64(
            app,
            "SELECT COUNT(*) FROM mod_log WHERE publication_id = $1",
            w.p
        )
        .await,
        0
    );

    // Without CSRF: refused.
    let res = w
        .modo
        .0
        .post(app.at("/c/alpha/moderation/act"))
        .form(&[
            ("report", rid.as_str()),
            ("action", "remove"),
            ("reason", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // With a reason.
    let reason = "Publicité déguisée, contraire à la charte";
    let res = act(
        app,
        &w.modo.0,
        "/c/alpha/moderation/act",
        &[("report", &rid), ("action", "remove"), ("reason", reason)],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/c/alpha/moderation");

    // Removed in alpha only; beta's copy and its report untouched.
    let status_in = |c: i64| {
        let pool = app.state.db.pool.clone();
        let p = w.p;
        async move {
            sqlx::query_as::<_, (String, String)>(
                "SELECT status, status_reason FROM publication_communities WHERE publication_id = $1 AND community_id = $2",
            )
            .bind(p)
            .bind(c)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(
        status_in(w.a).await,
        ("removed".to_string(), reason.to_string())
    );
    assert_eq!(status_in(w.b).await.0, "visible");
    assert_eq!(
        reports_about(app, w.p).await,
        vec![(Some(w.a), "resolved".into()), (Some(w.b), "open".into())]
    );
    // The log.
    let row = sqlx::query(
        "SELECT community_id, actor_id, action, reason FROM mod_log WHERE publication_id = $1",
    )
    .bind(w.p)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(row.get::<Option<i64>, _>("community_id"), Some(w.a));
    assert_eq!(row.get::<Option<i64>, _>("actor_id"), Some(w.modo.1.id));
    assert_eq!(row.get::<String, _>("action"), "remove_publication");
    assert_eq!(row.get::<String, _>("reason"), reason);
    // The author is told, with the reason.
    let (kind, data, pid): (String, String, Option<i64>) =
        sqlx::query_as("SELECT kind, data, publication_id FROM notifications WHERE user_id = $1 AND kind = 'moderation'")
            .bind(w.author.1.id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!((kind.as_str(), pid), ("moderation", Some(w.p)));
    let data: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(data["action"], "remove_publication");
    assert_eq!(data["reason"], reason);
    assert_eq!(data["community"], "alpha");
    // …and reads it where the publication was.
    let told = passerelles::moderation::removal_reason(&app.state.db, w.p, Some(w.author.1.id))
        .await
        .unwrap();
    assert_eq!(told.as_deref(), Some(reason));
    let not_told =
        passerelles::moderation::removal_reason(&app.state.db, w.p, Some(w.outsider.1.id))
            .await
            .unwrap();
    assert_eq!(not_told, None);
    // No longer in alpha's queue.
    let (_, body) = get(&w.modo.0, app.at("/c/alpha/moderation")).await;
    assert!(!body.contains("id=\"report-"), "queue empty");

    // Restore needs no reason; the author is told again.
    let res = act(
        app,
        &w.modo.0,
        "/c/alpha/moderation/act",
        &[("publication", &w.p.to_string()), ("action", "restore")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(status_in(w.a).await, ("visible".to_string(), String::new()));
    assert_eq!(
        scalar_i64(
            app,
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'moderation'",
            w.author.1.id
        )
        .await,
        2
    );

    // The modlog: members read it; the title shows, never the removed body.
    let (status, body) = get(&w.plain.0, app.at("/c/alpha/modlog")).await;
    assert_eq!(status, 200);
    let body = html_unescape(&body);
    assert!(
        body.contains("Atelier sur les budgets participatifs")
            && body.contains(reason)
            && body.contains("modo")
    );
    assert!(body.contains("Publication retirée") && body.contains("Publication rétablie"));
    assert!(
        !body.contains("CORPS-SECRET"),
        "removed content is not reproduced"
    );
    // Open community: anyone, even anonymous (transparency).
    assert_eq!(get(&app.client(), app.at("/c/alpha/modlog")).await.0, 200);

    // A reply, by beta's moderator: replies.status, logged in beta.
    let beta_mod = app.logged_in("modobeta", false).await;
    member(app, w.b, &beta_mod.1, "moderator").await;
    let r = reply(app, w.p, &w.plain.1, "Réponse insultante").await;
    let res = act(
        app,
        &beta_mod.0,
        "/c/beta/moderation/act",
        &[
            ("reply", &r.to_string()),
            ("action", "remove"),
            ("reason", "Insulte"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        scalar_str(app, "SELECT status FROM replies WHERE id = $1", r).await,
        "removed"
    );
    assert_eq!(
        scalar_i64(
            app,
            "SELECT community_id FROM mod_log WHERE reply_id = $1",
            r
        )
        .await,
        w.b
    );
    let reply_note: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND reply_id = $2 AND kind = 'moderation'")
        .bind(w.plain.1.id)
        .bind(r)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(reply_note, 1);
    // Dismissing a report: closed, not in the public log.
    let res = act(
        app,
        &beta_mod.0,
        "/c/beta/moderation/act",
        &[
            (
                "report",
                &scalar_i64(app, "SELECT id FROM reports WHERE community_id = $1", w.b)
                    .await
                    .to_string(),
            ),
            ("action", "dismiss"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        reports_about(app, w.p).await[1],
        (Some(w.b), "dismissed".into())
    );
    let (_, public) = get(&w.reporter.0, app.at("/c/beta/modlog")).await;
    assert!(
        !public.contains("Signalement rejeté"),
        "dismissals stay among moderators"
    );
    let (_, for_mods) = get(&beta_mod.0, app.at("/c/beta/modlog")).await;
    assert!(for_mods.contains("Signalement rejeté"));
}

#[tokio::test]
async fn moderation_is_confined_to_ones_own_community() {
    let w = world().await;
    let app = &w.app;
    // A moderator of alpha: nothing in beta (private, not a member: 404)…
    let pid = w.p.to_string();
    let res = act(
        app,
        &w.modo.0,
        "/c/beta/moderation/act",
        &[
            ("publication", &pid),
            ("action", "remove"),
            ("reason", "Non"),
        ],
    )
    .await;
    assert_eq!(res.status(), 404);
    // …nor in an open community they only read (403).
    let other_owner = app.create_user("autre", false).await;
    let d = community(app, "delta", "open", "open", &other_owner).await;
    member(app, d, &w.modo.1, "member").await;
    sqlx::query("INSERT INTO publication_communities (publication_id, community_id, added_at) VALUES ($1, $2, 0)")
        .bind(w.p)
        .bind(d)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let res = act(
        app,
        &w.modo.0,
        "/c/delta/moderation/act",
        &[
            ("publication", &pid),
            ("action", "remove"),
            ("reason", "Non"),
        ],
    )
    .await;
    assert_eq!(res.status(), 403);
    assert_eq!(get(&w.modo.0, app.at("/c/delta/moderation")).await.0, 403);
    // In alpha, only what is shared in alpha: gamma's publication is not found there.
    let res = act(
        app,
        &w.modo.0,
        "/c/alpha/moderation/act",
        &[
            ("publication", &w.q.to_string()),
            ("action", "remove"),
            ("reason", "Non"),
        ],
    )
    .await;
    assert_eq!(res.status(), 404);
    // Nor a report of another community.
    assert_eq!(
        report(
            app,
            &w.reporter.0,
            &format!("publication={}", w.p),
            "spam",
            ""
        )
        .await
        .status(),
        303
    );
    let beta_report = scalar_i64(app, "SELECT id FROM reports WHERE community_id = $1", w.b)
        .await
        .to_string();
    let res = act(
        app,
        &w.modo.0,
        "/c/alpha/moderation/act",
        &[("report", &beta_report), ("action", "dismiss")],
    )
    .await;
    assert_eq!(res.status(), 404);
    assert_eq!(
        scalar_str(
            app,
            "SELECT status FROM reports WHERE id = $1",
            beta_report.parse().unwrap()
        )
        .await,
        "open"
    );
    // Plain members cannot act at all.
    let res = act(
        app,
        &w.plain.0,
        "/c/alpha/moderation/act",
        &[("publication", &pid), ("action", "hide"), ("reason", "Non")],
    )
    .await;
    assert_eq!(res.status(), 403);
    // Nothing happened anywhere.
    assert_eq!(
        scalar_i64(
            app,
            "SELECT COUNT(*) FROM mod_log WHERE publication_id = $1",
            w.p
        )
        .await,
        0
    );
    let _ = w.c;
}

#[tokio::test]
async fn moderation_ban_stops_posting_and_closes_a_private_community() {
    let w = world().await;
    let app = &w.app;
    let beta_mod = app.logged_in("modobeta", false).await;
    member(app, w.b, &beta_mod.1, "moderator").await;
    let facts = communities::by_id(&app.state.db, w.b)
        .await
        .unwrap()
        .unwrap()
        .facts();
    let mem = communities::membership(&app.state.db, w.b, Some(&w.reporter.1))
        .await
        .unwrap();
    assert!(policy::can(
        Some(&w.reporter.1),
        Action::PostInCommunity { c: &facts, m: mem }
    ));
    assert_eq!(get(&w.reporter.0, app.at("/c/beta/modlog")).await.0, 200);

    // Reason required.
    let res = act(
        app,
        &beta_mod.0,
        "/c/beta/moderation/act",
        &[("user", "vigie"), ("action", "ban"), ("reason", "")],
    )
    .await;
    assert_eq!(res.status(), 422);
    // A moderator cannot ban the owner or another moderator.
    let res = act(
        app,
        &beta_mod.0,
        "/c/beta/moderation/act",
        &[
            ("user", "proprio"),
            ("action", "ban"),
            ("reason", "Coup d’État"),
        ],
    )
    .await;
    assert_eq!(res.status(), 403);
    let res = act(
        app,
        &beta_mod.0,
        "/c/beta/moderation/act",
        &[
            ("user", "vigie"),
            ("action", "ban"),
            ("reason", "Propos répétés hors charte"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (state, message): (String, String) = sqlx::query_as(
        "SELECT state, message FROM memberships WHERE community_id = $1 AND user_id = $2",
    )
    .bind(w.b)
    .bind(w.reporter.1.id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(
        (state.as_str(), message.as_str()),
        ("banned", "Propos répétés hors charte")
    );
    let mem = communities::membership(&app.state.db, w.b, Some(&w.reporter.1))
        .await
        .unwrap();
    assert!(
        !policy::can(
            Some(&w.reporter.1),
            Action::PostInCommunity { c: &facts, m: mem }
        ),
        "banned cannot post"
    );
    assert!(
        !policy::can(
            Some(&w.reporter.1),
            Action::ViewCommunity { c: &facts, m: mem }
        ),
        "nor read a private community"
    );
    assert_eq!(get(&w.reporter.0, app.at("/c/beta/modlog")).await.0, 404);
    // Listed in the queue page's banned members, with the reason.
    let (_, body) = get(&beta_mod.0, app.at("/c/beta/moderation")).await;
    assert!(html_unescape(&body).contains("Propos répétés hors charte"));
    let (_, log) = get(&beta_mod.0, app.at("/c/beta/modlog")).await;
    assert!(log.contains("Membre banni") && log.contains("vigie"));
    let note = scalar_str(
        app,
        "SELECT data FROM notifications WHERE user_id = $1 AND kind = 'moderation'",
        w.reporter.1.id,
    )
    .await;
    assert!(note.contains("\"ban\""), "{note}");

    // Unban: no reason needed; they may ask to join again.
    let res = act(
        app,
        &beta_mod.0,
        "/c/beta/moderation/act",
        &[("user", "vigie"), ("action", "unban")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert!(
        communities::membership(&app.state.db, w.b, Some(&w.reporter.1))
            .await
            .unwrap()
            .is_none()
    );
    assert!(policy::can(
        Some(&w.reporter.1),
        Action::RequestToJoin { c: &facts, m: None }
    ));
}

#[tokio::test]
async fn moderation_lock_and_unlock_a_thread() {
    let w = world().await;
    let app = &w.app;
    let pid = w.p.to_string();
    let res = act(
        app,
        &w.modo.0,
        "/c/alpha/moderation/act",
        &[("publication", &pid), ("action", "lock"), ("reason", "")],
    )
    .await;
    assert_eq!(res.status(), 422);
    let res = act(
        app,
        &w.modo.0,
        "/c/alpha/moderation/act",
        &[
            ("publication", &pid),
            ("action", "lock"),
            ("reason", "Le débat tourne en rond"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/p/{pid}"));
    assert_eq!(
        scalar_i64(app, "SELECT locked FROM publications WHERE id = $1", w.p).await,
        1
    );
    assert_eq!(
        scalar_str(
            app,
            "SELECT action FROM mod_log WHERE publication_id = $1",
            w.p
        )
        .await,
        "lock"
    );
    // The action page shows the state and offers to unlock.
    let (status, body) = get(
        &w.modo.0,
        app.at(&format!("/c/alpha/moderation/act?publication={pid}")),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("value=\"unlock\"") && !body.contains("value=\"lock\""));
    let res = act(
        app,
        &w.modo.0,
        "/c/alpha/moderation/act",
        &[("publication", &pid), ("action", "unlock")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        scalar_i64(app, "SELECT locked FROM publications WHERE id = $1", w.p).await,
        0
    );
    assert_eq!(
        scalar_i64(
            app,
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'moderation'",
            w.author.1.id
        )
        .await,
        2
    );
}

// ---- the instance ------------------------------------------------------------------------------

#[tokio::test]
async fn moderation_admin_suspends_a_reported_person_and_removes_everywhere() {
    let w = world().await;
    let app = &w.app;
    let (admin, admin_user) = app.logged_in("gardienne", true).await;
    assert_eq!(
        report(
            app,
            &w.reporter.0,
            "user=passant",
            "harassment",
            "Messages privés insistants"
        )
        .await
        .status(),
        303
    );
    let rid = scalar_i64(
        app,
        "SELECT id FROM reports WHERE user_id = $1",
        w.outsider.1.id,
    )
    .await
    .to_string();
    let (_, secret) = tokens::create_token(&app.state.db, w.outsider.1.id, "t", None)
        .await
        .unwrap();

    // The card links to the account page and offers to suspend.
    let (_, body) = get(&admin, app.at("/admin/reports")).await;
    assert!(
        body.contains(&format!("/admin/users/{}", w.outsider.1.id))
            && body.contains("value=\"suspend\"")
    );
    // Not for community moderators.
    assert_eq!(
        act(
            app,
            &w.modo.0,
            "/admin/reports/act",
            &[("report", &rid), ("action", "suspend"), ("reason", "x")]
        )
        .await
        .status(),
        403
    );
    // A reason is required.
    let res = act(
        app,
        &admin,
        "/admin/reports/act",
        &[("report", &rid), ("action", "suspend"), ("reason", "")],
    )
    .await;
    assert_eq!(res.status(), 422);
    // Not oneself.
    let res = act(
        app,
        &admin,
        "/admin/reports/act",
        &[
            ("user", "gardienne"),
            ("action", "suspend"),
            ("reason", "moi"),
        ],
    )
    .await;
    assert_eq!(res.status(), 403);

    let res = act(
        app,
        &admin,
        "/admin/reports/act",
        &[
            ("report", &rid),
            ("action", "suspend"),
            ("reason", "Harcèlement confirmé"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let (status, reason): (String, String) =
        sqlx::query_as("SELECT status, status_reason FROM users WHERE id = $1")
            .bind(w.outsider.1.id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), reason.as_str()),
        ("suspended", "Harcèlement confirmé")
    );
    assert_eq!(
        scalar_i64(
            app,
            "SELECT COUNT(*) FROM sessions WHERE user_id = $1",
            w.outsider.1.id
        )
        .await,
        0
    );
    assert_eq!(
        scalar_i64(
            app,
            "SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL",
            w.outsider.1.id
        )
        .await,
        0
    );
    assert_eq!(
        scalar_str(
            app,
            "SELECT status FROM reports WHERE id = $1",
            rid.parse().unwrap()
        )
        .await,
        "resolved"
    );
    let (action, community): (String, Option<i64>) =
        sqlx::query_as("SELECT action, community_id FROM mod_log WHERE user_id = $1")
            .bind(w.outsider.1.id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!((action.as_str(), community), ("suspend", None));
    assert_eq!(
        scalar_str(
            app,
            "SELECT action FROM audit_log WHERE target_user_id = $1",
            w.outsider.1.id
        )
        .await,
        "user_suspended"
    );
    // Their browser is logged out, their token refused.
    let res = w
        .outsider
        .0
        .get(app.at("/settings/profile"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = app
        .client()
        .get(app.at("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "token revoked");

    // Remove a publication everywhere, then restore it.
    let pid = w.p.to_string();
    let res = act(
        app,
        &admin,
        "/admin/reports/act",
        &[
            ("publication", &pid),
            ("action", "remove"),
            ("reason", "Contenu illégal"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        scalar_str(app, "SELECT status FROM publications WHERE id = $1", w.p).await,
        "removed"
    );
    assert_eq!(
        scalar_str(
            app,
            "SELECT action FROM mod_log WHERE publication_id = $1",
            w.p
        )
        .await,
        "remove_everywhere"
    );
    let told = passerelles::moderation::removal_reason(&app.state.db, w.p, Some(w.author.1.id))
        .await
        .unwrap();
    assert_eq!(told.as_deref(), Some("Contenu illégal"));
    let res = act(
        app,
        &admin,
        "/admin/reports/act",
        &[("publication", &pid), ("action", "restore")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        scalar_str(app, "SELECT status FROM publications WHERE id = $1", w.p).await,
        "visible"
    );
    let _ = admin_user;
}

// ---- API ----------------------------------------------------------------------------------------

async fn token(app: &TestApp, user: &User) -> String {
    tokens::create_token(&app.state.db, user.id, "tests", None)
        .await
        .unwrap()
        .1
}

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    secret: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = app.client().request(method, app.at(path));
    if let Some(s) = secret {
        req = req.bearer_auth(s);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: {text}")),
    )
}

#[tokio::test]
async fn moderation_api_reports_queues_actions_and_log() {
    use reqwest::Method;
    use serde_json::json;
    let w = world().await;
    let app = &w.app;
    let (reporter, outsider, modo, plain) = (
        token(app, &w.reporter.1).await,
        token(app, &w.outsider.1).await,
        token(app, &w.modo.1).await,
        token(app, &w.plain.1).await,
    );
    let admin = app.create_user("gardienne", true).await;
    let admin = token(app, &admin).await;

    // Report: sight required, destinations, duplicates, validation.
    let (s, v) = call(
        app,
        Method::POST,
        "/api/v1/reports",
        None,
        Some(json!({"publication_id": w.p, "category": "spam"})),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let (s, v) = call(
        app,
        Method::POST,
        "/api/v1/reports",
        Some(&outsider),
        Some(json!({"publication_id": w.q, "category": "spam"})),
    )
    .await;
    assert_eq!((s, v["error"]["code"].as_str()), (404, Some("not_found")));
    let (s, v) = call(
        app,
        Method::POST,
        "/api/v1/reports",
        Some(&reporter),
        Some(json!({"publication_id": w.p, "category": "off_topic", "comment": "x".repeat(2001)})),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    let (s, v) = call(
        app,
        Method::POST,
        "/api/v1/reports",
        Some(&reporter),
        Some(json!({"publication_id": w.p, "category": "off_topic", "comment": "Hors sujet ici"})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["communities"], json!(["alpha", "beta"]));
    assert_eq!(v["report_ids"].as_array().map(Vec::len), Some(2));
    let (s, v) = call(
        app,
        Method::POST,
        "/api/v1/reports",
        Some(&reporter),
        Some(json!({"publication_id": w.p, "category": "spam"})),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("already_reported"))
    );
    let (s, v) = call(
        app,
        Method::POST,
        "/api/v1/reports",
        Some(&reporter),
        Some(json!({"username": "membre", "category": "hate"})),
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(v["communities"], json!([]));

    // Queues.
    let (s, v) = call(
        app,
        Method::GET,
        "/api/v1/communities/alpha/reports",
        Some(&modo),
        None,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let items = v["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["category"], "off_topic");
    assert_eq!(items[0]["reporter"], "vigie");
    assert_eq!(items[0]["content_status"], "visible");
    let report_id = items[0]["id"].as_i64().unwrap();
    assert_eq!(
        call(
            app,
            Method::GET,
            "/api/v1/communities/alpha/reports",
            Some(&plain),
            None
        )
        .await
        .0,
        403
    );
    assert_eq!(
        call(
            app,
            Method::GET,
            "/api/v1/communities/beta/reports",
            Some(&modo),
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        call(app, Method::GET, "/api/v1/reports", Some(&modo), None)
            .await
            .0,
        403
    );
    let (s, v) = call(app, Method::GET, "/api/v1/reports", Some(&admin), None).await;
    assert_eq!(s, 200);
    assert_eq!(v["items"].as_array().map(Vec::len), Some(3), "{v}");

    // Act.
    let (s, v) = call(
        app,
        Method::POST,
        "/api/v1/communities/alpha/moderation",
        Some(&modo),
        Some(json!({"action": "remove", "report_id": report_id})),
    )
    .await;
    assert_eq!(s, 422);
    assert!(v["error"]["fields"]["reason"].is_string(), "{v}");
    let (s, _) = call(
        app,
        Method::POST,
        "/api/v1/communities/alpha/moderation",
        Some(&plain),
        Some(json!({"action": "remove", "report_id": report_id, "reason": "x"})),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = call(
        app,
        Method::POST,
        "/api/v1/communities/beta/moderation",
        Some(&modo),
        Some(json!({"action": "remove", "publication_id": w.p, "reason": "x"})),
    )
    .await;
    assert_eq!(s, 404);
    let (s, v) = call(app, Method::POST, "/api/v1/communities/alpha/moderation", Some(&modo), Some(json!({"action": "hide", "report_id": report_id, "reason": "En attente de vérification"}))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["logged"], "hide_publication");
    assert_eq!(v["reports_closed"], 1);
    assert_eq!(
        scalar_str(app, "SELECT status FROM publication_communities WHERE publication_id = $1 AND community_id = (SELECT id FROM communities WHERE slug = 'alpha')", w.p).await,
        "hidden"
    );
    let (s, v) = call(
        app,
        Method::POST,
        "/api/v1/communities/alpha/moderation",
        Some(&modo),
        Some(json!({"action": "ban", "username": "membre", "reason": "Insultes"})),
    )
    .await;
    assert_eq!((s, v["logged"].as_str()), (200, Some("ban")));

    // Log: anyone for an open community; hides content.
    let (s, v) = call(
        app,
        Method::GET,
        "/api/v1/communities/alpha/modlog",
        None,
        None,
    )
    .await;
    assert_eq!(s, 200);
    let entries = v["entries"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["action"], "ban");
    assert_eq!(
        entries[1]["publication_title"],
        "Atelier sur les budgets participatifs"
    );
    assert!(!v.to_string().contains("CORPS-SECRET"));
    assert_eq!(
        call(
            app,
            Method::GET,
            "/api/v1/communities/gamma/modlog",
            Some(&outsider),
            None
        )
        .await
        .0,
        404
    );

    // Instance: suspend the reported person.
    let (s, v) = call(
        app,
        Method::POST,
        "/api/v1/moderation",
        Some(&modo),
        Some(json!({"action": "suspend", "username": "membre", "reason": "x"})),
    )
    .await;
    assert_eq!((s, v["error"]["code"].as_str()), (403, Some("forbidden")));
    let (s, v) = call(
        app,
        Method::POST,
        "/api/v1/moderation",
        Some(&admin),
        Some(
            json!({"action": "suspend", "username": "membre", "reason": "Propos haineux répétés"}),
        ),
    )
    .await;
    assert_eq!((s, v["logged"].as_str()), (200, Some("suspend")), "{v}");
    assert_eq!(v["reports_closed"], 1);
    assert_eq!(
        scalar_str(app, "SELECT status FROM users WHERE id = $1", w.plain.1.id).await,
        "suspended"
    );
    assert_eq!(
        call(app, Method::GET, "/api/v1/me", Some(&plain), None)
            .await
            .0,
        401
    );

    // Documented.
    let (_, doc) = call(app, Method::GET, "/api/v1/openapi.json", None, None).await;
    for path in [
        "/api/v1/reports",
        "/api/v1/communities/{slug}/reports",
        "/api/v1/communities/{slug}/moderation",
        "/api/v1/moderation",
        "/api/v1/communities/{slug}/modlog",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
}

/// An instance-wide suspension from the moderation queue ends the person's
/// sessions like the administration page's does: the tools they signed in
/// to through those sessions get a back-channel logout (a job queued
/// before the sessions go). Before the operations were shared, only the
/// administration page queued them.
#[tokio::test]
async fn moderation_suspension_queues_backchannel_logouts() {
    use passerelles::oidc::clients::{self, NewClient};
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("gardienne", true).await;
    let (_, person) = app.logged_in("passant", false).await;
    let (tool, _) = clients::create(
        &app.state.db,
        &NewClient {
            name: "Outil".into(),
            redirect_uris: vec!["http://127.0.0.1:9/cb".into()],
            // Nothing listens there: the job stays queued (retried).
            backchannel_logout_uri: "http://127.0.0.1:9/bcl".into(),
            scopes: vec!["openid".into()],
            first_party: true,
            ..Default::default()
        },
        None,
    )
    .await
    .unwrap()
    .unwrap();
    // The person's session signed in to the tool.
    let hash: String = sqlx::query_scalar("SELECT id_hash FROM sessions WHERE user_id = $1")
        .bind(person.id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let sid = passerelles::oidc::sid_of(&hash);
    let t = passerelles::db::now();
    sqlx::query(
        "INSERT INTO oidc_grants (client_id, user_id, scope, sid, auth_time, created_at, last_used_at) \
         VALUES ($1, $2, 'openid', $3, $4, $4, $4)",
    )
    .bind(tool.id)
    .bind(person.id)
    .bind(&sid)
    .bind(t)
    .execute(&app.state.db.pool)
    .await
    .unwrap();

    let res = act(
        &app,
        &admin,
        "/admin/reports/act",
        &[
            ("user", "passant"),
            ("action", "suspend"),
            ("reason", "Harcèlement confirmé"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE dedupe_key = $1")
        .bind(format!("oidc-bcl:{}:{sid}", tool.client_id))
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(
        queued, 1,
        "a logout token for the tool the session signed in to"
    );
    assert_eq!(
        scalar_i64(
            &app,
            "SELECT COUNT(*) FROM sessions WHERE user_id = $1",
            person.id
        )
        .await,
        0
    );
}
