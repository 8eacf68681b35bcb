//! Newsletters, the rest of issue 17 through the real pages on both
//! engines: issues carrying events and resources as well as publications
//! and watch items, each with an editable title, blurb and editorial
//! introduction, refused with the reason when the list's audience could
//! not read them and checked again when the issue goes out; scheduled
//! sending through the job queue (cancel and reschedule before it starts,
//! a stale job does nothing); the aggregate click counter only when the
//! instance enables it; a private community's issue going only to the
//! people who may still read it.

use crate::harness::{TestApp, html_unescape};
use crate::writing::{community, exec, member, publication};

pub(crate) async fn event(app: &TestApp, title: &str, communities: &[i64]) -> i64 {
    let t = passerelles::db::now();
    let start = t + 7 * 86400;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO events (uid, title, description, start_local, end_local, starts_at, ends_at, series_ends_at, created_at, updated_at) \
         VALUES ($1, $2, $3, '2030-01-10T19:00', '2030-01-10T21:00', $4, $5, $5, $6, $6) RETURNING id",
    )
    .bind(format!("uid-{title}"))
    .bind(title)
    .bind(format!("Description de {title}"))
    .bind(start)
    .bind(start + 7200)
    .bind(t)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("event");
    for c in communities {
        sqlx::query(
            "INSERT INTO event_communities (event_id, community_id, added_at) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(*c)
        .bind(t)
        .execute(&app.state.db.pool)
        .await
        .expect("event community");
    }
    passerelles::search::reindex_item(&app.state.db, passerelles::search::Source::Events, id)
        .await
        .expect("indexed");
    id
}

pub(crate) async fn resource(
    app: &TestApp,
    title: &str,
    in_library: bool,
    communities: &[i64],
) -> i64 {
    let t = passerelles::db::now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO resources (kind, title, description, in_library, created_at, updated_at) \
         VALUES ('guide', $1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(title)
    .bind(format!("Résumé de {title}"))
    .bind(i64::from(in_library))
    .bind(t)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("resource");
    for c in communities {
        sqlx::query("INSERT INTO resource_communities (resource_id, community_id, added_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(*c)
            .bind(t)
            .execute(&app.state.db.pool)
            .await
            .expect("resource community");
    }
    passerelles::search::reindex_item(&app.state.db, passerelles::search::Source::Resources, id)
        .await
        .expect("indexed");
    id
}

async fn new_list(app: &TestApp, client: &reqwest::Client, community: &str, slug: &str) {
    let res = app
        .post_form(
            client,
            "/newsletters/new",
            "/newsletters/new",
            &[
                ("community", community),
                ("name", "Lettre"),
                ("slug", slug),
                ("categories", "Actualités\nAgenda"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
}

async fn new_issue(app: &TestApp, client: &reqwest::Client, slug: &str, subject: &str) -> String {
    let page = format!("/newsletters/{slug}");
    let res = app
        .post_form(
            client,
            &page,
            &format!("{page}/issues"),
            &[("subject", subject), ("intro", "Bonjour")],
        )
        .await;
    assert_eq!(res.status(), 303);
    res.headers()["location"].to_str().unwrap().to_string()
}

fn mails_to(app: &TestApp, to: &str) -> usize {
    app.sink
        .all()
        .iter()
        .filter(|m| m.to.iter().any(|t| t == to))
        .count()
}

async fn item_rows(app: &TestApp) -> Vec<(String, String, String, String)> {
    sqlx::query_as("SELECT kind, title, blurb, editorial FROM newsletter_items ORDER BY position")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap()
}

async fn status_of(app: &TestApp, issue: &str) -> (String, Option<i64>) {
    let id: i64 = issue.rsplit('/').next().unwrap().parse().unwrap();
    sqlx::query_as("SELECT status, scheduled_at FROM newsletter_issues WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn issues_carry_events_and_resources_with_editable_text_and_the_policy_decides() {
    let app = TestApp::spawn().await;
    let (admin, admin_user) = app.logged_in("redactrice", true).await;
    let owner = app.create_user("proprio", false).await;
    let open = community(&app, "quartier", "open", "open", &owner).await;
    let private = community(&app, "cercle", "private", "request", &owner).await;
    member(&app, private, &admin_user, "member", "active").await;
    let open_event = event(&app, "Fête de quartier", &[open]).await;
    let private_event = event(&app, "Réunion du cercle", &[private]).await;
    let guide = resource(&app, "Guide du compostage", true, &[]).await;
    let private_guide = resource(&app, "Notes internes", false, &[private]).await;
    let watch = publication(&app, &owner, "Article repéré", &[open], 60).await;
    exec(
        &app,
        "UPDATE publications SET kind = 'watch' WHERE id = $1",
        watch,
    )
    .await;
    new_list(&app, &admin, "", "regionale").await;
    let issue = new_issue(&app, &admin, "regionale", "Numéro 1").await;

    // Search finds the event and the resource, each with its own "add" form.
    let page = html_unescape(
        &admin
            .get(app.at(&format!("{issue}?q=compostage")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let found = page.split("id=\"found\"").nth(1).unwrap_or("");
    assert!(
        found.contains(&format!("value=\"r:{guide}\"")),
        "the resource is found by search: {found}"
    );
    // The suggestions list the upcoming open event (not the private one).
    let suggested = page.split("id=\"suggestions\"").nth(1).unwrap();
    assert!(suggested.contains(&format!("value=\"e:{open_event}\"")));
    assert!(suggested.contains("Événement à venir"));
    assert!(!suggested.contains(&format!("value=\"e:{private_event}\"")));
    assert!(suggested.contains(&format!("value=\"p:{watch}\"")));

    let items = format!("{issue}/items");
    // An event by its address, with an editorial introduction.
    let res = app
        .post_form(
            &admin,
            &issue,
            &items,
            &[
                ("reference", &app.at(&format!("/e/{open_event}"))),
                ("category", "Agenda"),
                ("editorial", "À ne pas manquer :"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    for (r, cat) in [
        (format!("r:{guide}"), "Actualités"),
        (format!("p:{watch}"), "Actualités"),
    ] {
        let res = app
            .post_form(
                &admin,
                &issue,
                &items,
                &[("reference", &r), ("category", cat)],
            )
            .await;
        assert_eq!(res.status(), 303, "{r}");
    }
    // What the instance's audience could not read is refused, with the reason.
    for r in [format!("e:{private_event}"), format!("r:{private_guide}")] {
        let res = app
            .post_form(&admin, &issue, &items, &[("reference", &r)])
            .await;
        assert_eq!(res.status(), 422, "{r}");
        let body = html_unescape(&res.text().await.unwrap());
        assert!(
            body.contains("n’est pas lisible par tout le lectorat"),
            "{r}: the reason is given: {}",
            body.split("field-error").nth(1).unwrap_or("")
        );
    }
    let rows = item_rows(&app).await;
    assert_eq!(
        rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        ["event", "resource", "publication"]
    );
    assert_eq!(rows[0].1, "Fête de quartier");
    assert!(rows[0].2.contains("2030-01-10 19:00"), "{}", rows[0].2);
    assert_eq!(rows[0].3, "À ne pas manquer :");
    assert_eq!(rows[1].2, "Résumé de Guide du compostage");

    // The title and blurb are editable, the introduction too.
    let item_id: i64 =
        sqlx::query_scalar("SELECT id FROM newsletter_items WHERE kind = 'resource'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    let res = app
        .post_form(
            &admin,
            &issue,
            &format!("{items}/{item_id}"),
            &[
                ("category", "Actualités"),
                ("title", "Le guide, enfin"),
                ("blurb", "Tout sur le compost."),
                ("editorial", "Notre coup de cœur."),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = app
        .post_form(
            &admin,
            &issue,
            &format!("{items}/{item_id}"),
            &[("title", "")],
        )
        .await;
    assert_eq!(res.status(), 422, "a title is required");
    // The e-mail preview carries every kind, the introduction first.
    let mail = html_unescape(
        &admin
            .get(app.at(&format!("{issue}/email")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let intro = mail.find("Notre coup de cœur.").expect("introduction");
    let title = mail.find("Le guide, enfin").expect("edited title");
    assert!(intro < title);
    assert!(mail.contains("Tout sur le compost."));
    assert!(mail.contains(&format!("/e/{open_event}")));
    assert!(mail.contains(&format!("/r/{guide}")));
    assert!(mail.contains("Article repéré"));
    assert!(mail.contains("aucun pixel"), "the no-tracking statement");
    // Removing an item.
    let watch_item: i64 =
        sqlx::query_scalar("SELECT id FROM newsletter_items WHERE kind = 'publication'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    let res = app
        .post_form(&admin, &issue, &format!("{items}/{watch_item}/remove"), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(item_rows(&app).await.len(), 2);

    // Checked again at send time: the event's community turned private.
    exec(
        &app,
        "UPDATE communities SET visibility = 'private' WHERE id = $1",
        open,
    )
    .await;
    let res = app
        .post_form(&admin, &issue, &format!("{issue}/send"), &[])
        .await;
    assert_eq!(res.status(), 409);
    assert_eq!(status_of(&app, &issue).await.0, "draft");
    exec(
        &app,
        "UPDATE communities SET visibility = 'open' WHERE id = $1",
        open,
    )
    .await;
    let res = app
        .post_form(&admin, &issue, &format!("{issue}/send"), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(status_of(&app, &issue).await.0, "sent");
    // The archive page shows the item kinds' links and the statement.
    let archive = html_unescape(
        &app.client()
            .get(app.at(&issue))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(archive.contains("data-kind=\"event\""));
    assert!(archive.contains("Notre coup de cœur."));
    assert!(archive.contains("id=\"no-tracking\""));
}

#[tokio::test]
async fn a_private_communitys_list_carries_its_own_events_and_resources_only() {
    let app = TestApp::spawn().await;
    let (client, owner) = app.logged_in("animatrice", false).await;
    let private = community(&app, "cercle", "private", "request", &owner).await;
    let other = community(&app, "autre", "private", "request", &owner).await;
    let own_event = event(&app, "Réunion du cercle", &[private]).await;
    let other_event = event(&app, "Réunion ailleurs", &[other]).await;
    let own_res = resource(&app, "Notes du cercle", false, &[private]).await;
    new_list(&app, &client, "cercle", "lettre-cercle").await;
    let issue = new_issue(&app, &client, "lettre-cercle", "Entre nous").await;
    let items = format!("{issue}/items");
    for r in [format!("e:{own_event}"), format!("r:{own_res}")] {
        let res = app
            .post_form(&client, &issue, &items, &[("reference", &r)])
            .await;
        assert_eq!(res.status(), 303, "{r}");
    }
    let res = app
        .post_form(
            &client,
            &issue,
            &items,
            &[("reference", &format!("e:{other_event}"))],
        )
        .await;
    assert_eq!(res.status(), 422, "another private community's event");
}

#[tokio::test]
async fn scheduled_send_starts_at_its_time_and_can_be_cancelled_or_moved_before() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("redactrice", true).await;
    let owner = app.create_user("proprio", false).await;
    let open = community(&app, "quartier", "open", "open", &owner).await;
    let p = publication(&app, &owner, "Corvée de ruelle", &[open], 60).await;
    new_list(&app, &admin, "", "regionale").await;
    sqlx::query(
        "INSERT INTO newsletter_subscribers (list_id, email, status, lang, consent_source, created_at) \
         SELECT id, 'abonne@exemple.org', 'active', 'fr-CA', 'form', 1 FROM newsletter_lists WHERE slug = 'regionale'",
    )
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    let issue = new_issue(&app, &admin, "regionale", "Programmé").await;
    let res = app
        .post_form(
            &admin,
            &issue,
            &format!("{issue}/items"),
            &[("reference", &format!("p:{p}"))],
        )
        .await;
    assert_eq!(res.status(), 303);
    let schedule = format!("{issue}/schedule");
    // A time in the past, or no time, is refused.
    for at in ["2001-01-01T08:00", "demain"] {
        let res = app
            .post_form(&admin, &issue, &schedule, &[("at", at)])
            .await;
        assert_eq!(res.status(), 422, "{at}");
        // The refused form keeps the time as typed.
        let body = res.text().await.unwrap();
        assert!(
            body.contains(&format!(
                "name=\"at\" type=\"datetime-local\" value=\"{at}\""
            )),
            "{body}"
        );
    }
    let res = app
        .post_form(&admin, &issue, &schedule, &[("at", "2099-03-01T08:00")])
        .await;
    assert_eq!(res.status(), 303);
    let (st, first_at) = status_of(&app, &issue).await;
    assert_eq!(st, "scheduled");
    let first_at = first_at.unwrap();
    // 08:00 in Montréal on 2099-03-01 (EST, UTC−5).
    assert_eq!(first_at, 4_076_053_200);
    let page = html_unescape(
        &admin
            .get(app.at(&issue))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(page.contains("id=\"scheduled\""));
    assert!(page.contains("2099-03-01 08:00"));
    // Nothing goes before its time.
    app.drain_jobs().await;
    assert_eq!(status_of(&app, &issue).await.0, "scheduled");

    // Moved: the first job is stale and does nothing when its time comes.
    let res = app
        .post_form(&admin, &issue, &schedule, &[("at", "2099-03-02T08:00")])
        .await;
    assert_eq!(res.status(), 303);
    let (_, second_at) = status_of(&app, &issue).await;
    let second_at = second_at.unwrap();
    assert_eq!(second_at, first_at + 86400);
    let due = |at: i64| {
        let db = app.state.db.clone();
        async move {
            sqlx::query("UPDATE jobs SET run_at = 0 WHERE dedupe_key LIKE $1")
                .bind(format!("newsletter-due:%:{at}"))
                .execute(&db.pool)
                .await
                .unwrap()
                .rows_affected()
        }
    };
    assert_eq!(due(first_at).await, 1);
    app.drain_jobs().await;
    assert_eq!(status_of(&app, &issue).await.0, "scheduled");
    assert_eq!(mails_to(&app, "abonne@exemple.org"), 0);

    // Cancelled: a draft again; its job, when due, sends nothing.
    let res = app
        .post_form(&admin, &issue, &format!("{issue}/unschedule"), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(status_of(&app, &issue).await, ("draft".to_string(), None));
    assert_eq!(due(second_at).await, 1);
    app.drain_jobs().await;
    assert_eq!(status_of(&app, &issue).await.0, "draft");
    assert_eq!(mails_to(&app, "abonne@exemple.org"), 0);
    // Cancelling twice is a conflict.
    let res = app
        .post_form(&admin, &issue, &format!("{issue}/unschedule"), &[])
        .await;
    assert_eq!(res.status(), 409);

    // Scheduled again; when its time comes the job queue sends it.
    let res = app
        .post_form(&admin, &issue, &schedule, &[("at", "2099-03-03T08:00")])
        .await;
    assert_eq!(res.status(), 303);
    let (_, third_at) = status_of(&app, &issue).await;
    assert_eq!(due(third_at.unwrap()).await, 1);
    app.drain_jobs().await;
    assert_eq!(status_of(&app, &issue).await.0, "sent");
    let mail = app.sink.wait_for("abonne@exemple.org").await;
    assert!(mail.text_part().contains("Corvée de ruelle"));
    assert_eq!(mails_to(&app, "abonne@exemple.org"), 1);
    // Too late to cancel.
    let res = app
        .post_form(&admin, &issue, &format!("{issue}/unschedule"), &[])
        .await;
    assert_eq!(res.status(), 409);
}

#[tokio::test]
async fn a_scheduled_issue_whose_item_became_private_goes_back_to_draft_with_the_reason() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("redactrice", true).await;
    let owner = app.create_user("proprio", false).await;
    let open = community(&app, "quartier", "open", "open", &owner).await;
    let ev = event(&app, "Fête de quartier", &[open]).await;
    new_list(&app, &admin, "", "regionale").await;
    let issue = new_issue(&app, &admin, "regionale", "Programmé").await;
    let res = app
        .post_form(
            &admin,
            &issue,
            &format!("{issue}/items"),
            &[("reference", &format!("e:{ev}"))],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = app
        .post_form(
            &admin,
            &issue,
            &format!("{issue}/schedule"),
            &[("at", "2099-03-01T08:00")],
        )
        .await;
    assert_eq!(res.status(), 303);
    exec(
        &app,
        "UPDATE communities SET visibility = 'private' WHERE id = $1",
        open,
    )
    .await;
    sqlx::query("UPDATE jobs SET run_at = 0 WHERE dedupe_key LIKE 'newsletter-due:%'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    app.drain_jobs().await;
    assert_eq!(status_of(&app, &issue).await, ("draft".to_string(), None));
    let page = html_unescape(
        &admin
            .get(app.at(&issue))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(
        page.contains("id=\"schedule-error\""),
        "the editors see why"
    );
}

#[tokio::test]
async fn clicks_are_counted_in_aggregate_only_when_the_instance_enables_it() {
    for enabled in [false, true] {
        let app = TestApp::spawn_with(|c| c.newsletter_click_count = enabled).await;
        let (admin, _) = app.logged_in("redactrice", true).await;
        let owner = app.create_user("proprio", false).await;
        let open = community(&app, "quartier", "open", "open", &owner).await;
        let p = publication(&app, &owner, "Corvée de ruelle", &[open], 60).await;
        new_list(&app, &admin, "", "regionale").await;
        let issue = new_issue(&app, &admin, "regionale", "Numéro").await;
        let res = app
            .post_form(
                &admin,
                &issue,
                &format!("{issue}/items"),
                &[("reference", &format!("p:{p}"))],
            )
            .await;
        assert_eq!(res.status(), 303);
        let item: i64 = sqlx::query_scalar("SELECT id FROM newsletter_items")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        let go = format!("{issue}/go/{item}");
        let mail = admin
            .get(app.at(&format!("{issue}/email")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(mail.contains(&go), enabled, "links through the counter");
        // A draft's links count nothing.
        let res = app.client().get(app.at(&go)).send().await.unwrap();
        assert_eq!(res.status(), 404);
        let res = app
            .post_form(&admin, &issue, &format!("{issue}/send"), &[])
            .await;
        assert_eq!(res.status(), 303);
        let anon = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        for _ in 0..2 {
            let res = anon.get(app.at(&go)).send().await.unwrap();
            if enabled {
                assert_eq!(res.status(), 303);
                assert_eq!(
                    res.headers()["location"].to_str().unwrap(),
                    app.at(&format!("/p/{p}"))
                );
                assert!(res.headers().get("set-cookie").is_none());
            } else {
                assert_eq!(res.status(), 404);
            }
        }
        let clicks: i64 = sqlx::query_scalar("SELECT clicks FROM newsletter_items WHERE id = $1")
            .bind(item)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        assert_eq!(clicks, if enabled { 2 } else { 0 });
        let page = html_unescape(
            &app.client()
                .get(app.at("/newsletters/regionale"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        );
        let statement = page.split("id=\"no-tracking\">").nth(1).unwrap();
        assert_eq!(
            statement.starts_with(
                "Aucun pixel de suivi ni lien de suivi personnel. Cette instance compte"
            ),
            enabled,
            "{}",
            &statement[..80.min(statement.len())]
        );
    }
}

#[tokio::test]
async fn a_private_communitys_issue_goes_only_to_those_who_may_still_read_it() {
    let app = TestApp::spawn().await;
    let (client, owner) = app.logged_in("animatrice", false).await;
    let private = community(&app, "cercle", "private", "request", &owner).await;
    let stays = app.create_user("reste", false).await;
    let banned = app.create_user("exclu", false).await;
    member(&app, private, &stays, "member", "active").await;
    member(&app, private, &banned, "member", "active").await;
    new_list(&app, &client, "cercle", "lettre-cercle").await;
    for u in ["reste", "exclu"] {
        sqlx::query(
            "INSERT INTO newsletter_subscribers (list_id, email, user_id, status, lang, consent_source, created_at) \
             SELECT l.id, $1, u.id, 'active', 'fr-CA', 'member', 1 FROM newsletter_lists l, users u \
             WHERE l.slug = 'lettre-cercle' AND u.username = $2",
        )
        .bind(format!("{u}@exemple.qc.ca"))
        .bind(u)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    }
    sqlx::query("UPDATE memberships SET state = 'banned' WHERE user_id = $1")
        .bind(banned.id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let issue = new_issue(&app, &client, "lettre-cercle", "Entre nous").await;
    let res = app
        .post_form(&client, &issue, &format!("{issue}/send"), &[])
        .await;
    assert_eq!(res.status(), 303);
    app.drain_jobs().await;
    app.sink.wait_for("reste@exemple.qc.ca").await;
    assert_eq!(mails_to(&app, "reste@exemple.qc.ca"), 1);
    assert_eq!(
        mails_to(&app, "exclu@exemple.qc.ca"),
        0,
        "the banned member gets nothing"
    );
    let recipients: i64 = sqlx::query_scalar("SELECT recipients FROM newsletter_issues")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(recipients, 1);
}
