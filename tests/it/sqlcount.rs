//! SQL statements per page, counted by the server itself
//! (`PASSERELLES_COUNT_SQL=1` → `passerelles_sql_statements_total` in
//! /metrics) on a seeded instance, for an anonymous visitor and a member.
//! Bounds are generous constants: the point is that a page costs a small,
//! fixed number of statements, whatever the amount of content.

use std::process::Stdio;
use std::time::Duration;

use crate::harness::fresh_database;

const BIN: &str = env!("CARGO_BIN_EXE_passerelles");

struct Server {
    _child: tokio::process::Child,
    base: String,
    client: reqwest::Client,
}

impl Server {
    async fn total(&self) -> i64 {
        let text = self
            .client
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix("passerelles_sql_statements_total "))
            .and_then(|v| v.trim().parse().ok())
            .expect("counter in /metrics")
    }

    /// Statements one GET of `path` costs (least of three tries, so a
    /// background job poll landing in between does not count).
    async fn cost(&self, client: &reqwest::Client, path: &str) -> i64 {
        // What reading the counter itself costs: the least of several
        // readings, since the job worker's background statements can only
        // add to one (a baseline taken once under load once made a page's
        // cost 0).
        let mut baseline = i64::MAX;
        for _ in 0..5 {
            let a = self.total().await;
            baseline = baseline.min(self.total().await - a);
        }
        let mut best = i64::MAX;
        for _ in 0..3 {
            let before = self.total().await;
            let res = client
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{path}");
            let _ = res.bytes().await;
            best = best.min(self.total().await - before - baseline);
        }
        best
    }
}

#[tokio::test]
async fn community_and_publication_pages_cost_a_bounded_number_of_statements() {
    let dir = std::env::temp_dir().join(format!(
        "psql-count-{}-{}",
        std::process::id(),
        passerelles::db::now()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let (url, _pg) = fresh_database(&dir).await;
    let seed = std::process::Command::new(BIN)
        .args([
            "--data-dir",
            dir.to_str().unwrap(),
            "--database-url",
            &url,
            "admin",
            "seed-demo",
            "--sizes",
            "200,6,400",
        ])
        .output()
        .unwrap();
    assert!(
        seed.status.success(),
        "{}",
        String::from_utf8_lossy(&seed.stderr)
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = tokio::process::Command::new(BIN)
        .args([
            "--data-dir",
            dir.to_str().unwrap(),
            "--database-url",
            &url,
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        .env("PASSERELLES_COUNT_SQL", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let server = Server {
        _child: child,
        base: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::new(),
    };
    for _ in 0..200 {
        if server
            .client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The busiest open community, and its most replied publication.
    let db = passerelles::db::Db::connect(&url, 2).await.unwrap();
    let (slug, cid): (String, i64) = sqlx::query_as(
        "SELECT slug, id FROM communities WHERE visibility = 'open' AND status = 'active' ORDER BY member_count DESC LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .expect("an open community (seed)");
    let pid: i64 = sqlx::query_scalar(
        "SELECT p.id FROM publications p JOIN publication_communities pc ON pc.publication_id = p.id \
         WHERE pc.community_id = $1 ORDER BY p.reply_count DESC LIMIT 1",
    )
    .bind(cid)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    // The open community holding the most events (seed-demo's).
    let (ev_slug,): (String,) = sqlx::query_as(
        "SELECT c.slug FROM communities c JOIN event_communities ec ON ec.community_id = c.id \
         WHERE c.visibility = 'open' AND c.status = 'active' GROUP BY c.id, c.slug \
         ORDER BY COUNT(*) DESC, c.id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .expect("an open community with events (seed)");
    let (member,): (String,) = sqlx::query_as(
        "SELECT u.username FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.community_id = $1 AND m.role = 'member' LIMIT 1",
    )
    .bind(cid)
    .fetch_one(&db.pool)
    .await
    .unwrap();

    let anon = reqwest::Client::new();
    let member_client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let login = member_client
        .get(format!("{}/login", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::harness::form_value(&login, "csrf").unwrap();
    let res = member_client
        .post(format!("{}/login", server.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", member.as_str()),
            ("password", passerelles::seed::DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success() || res.status().is_redirection());

    // The community's owner, for its health page (issue 20), whose
    // summaries the hourly job computes.
    passerelles::health::compute(&db, passerelles::db::now())
        .await
        .expect("health computed");
    let (owner,): (String,) = sqlx::query_as(
        "SELECT u.username FROM users u JOIN memberships m ON m.user_id = u.id \
         WHERE m.community_id = $1 AND m.role IN ('owner', 'animator') AND m.state = 'active' LIMIT 1",
    )
    .bind(cid)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let owner_client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let login = owner_client
        .get(format!("{}/login", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::harness::form_value(&login, "csrf").unwrap();
    let res = owner_client
        .post(format!("{}/login", server.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", owner.as_str()),
            ("password", passerelles::seed::DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success() || res.status().is_redirection());

    let costs = measure(
        &server,
        &anon,
        &member_client,
        &owner_client,
        &slug,
        pid,
        &ev_slug,
    )
    .await;
    // The feeds measured above are not trivially small.
    let feed = anon
        .get(format!("{}/events.ics", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let vevents = feed.matches("BEGIN:VEVENT").count();
    assert!(vevents >= 30, "instance feed holds {vevents} events");
    assert!(feed.contains("CATEGORIES:"), "tags read in the feed");
    for (what, cost, bound) in &costs {
        eprintln!("{what}: {cost} SQL statements");
        assert!(*cost > 0, "{what}: the counter works");
        assert!(cost <= bound, "{what}: {cost} statements (bound {bound})");
    }

    // The same pages after the community, its publication and the tag
    // under test grew well past their size at scale 10 (`grow`): the same
    // statements, never more.
    grow(&db, cid, pid).await;
    let grown = measure(
        &server,
        &anon,
        &member_client,
        &owner_client,
        &slug,
        pid,
        &ev_slug,
    )
    .await;
    for ((what, before, _), (_, after, bound)) in costs.iter().zip(&grown) {
        eprintln!("{what}, grown: {after} SQL statements");
        assert!(
            after <= bound,
            "{what}, grown: {after} statements (bound {bound})"
        );
        assert!(
            after <= before,
            "{what}: {before} statements, then {after} once grown"
        );
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The pages measured, each with its statements and its bound.
async fn measure(
    server: &Server,
    anon: &reqwest::Client,
    member_client: &reqwest::Client,
    owner_client: &reqwest::Client,
    slug: &str,
    pid: i64,
    ev_slug: &str,
) -> Vec<(&'static str, i64, i64)> {
    let community = format!("/c/{slug}");
    let publication = format!("/p/{pid}");
    vec![
        (
            "community, anonymous",
            server.cost(anon, &community).await,
            6,
        ),
        (
            "community, member",
            server.cost(member_client, &community).await,
            9,
        ),
        (
            "publication, anonymous",
            server.cost(anon, &publication).await,
            8,
        ),
        (
            "publication, member",
            server.cost(member_client, &publication).await,
            11,
        ),
        ("home, member", server.cost(member_client, "/").await, 6),
        // A common tag (seed-demo puts `financement` on about one in
        // sixteen publications): its label, its bounded count, one page.
        (
            "tag page, anonymous",
            server.cost(anon, "/tags/financement").await,
            4,
        ),
        // Territory pages (seed-demo's demo layer) cost the same whatever
        // their depth: the province, a region, a city; and the map. An
        // anonymous visitor's page comes from the cache after its first
        // view (`cost` keeps the least of three requests): one statement,
        // the content version (crates/core/src/cache.rs). A member's page
        // comes from the page shared by the members holding the same
        // policy facts: the session, then the version and the facts in one
        // statement (`cache::version_and_audience`).
        (
            "territory province, anonymous",
            server.cost(anon, "/t/quebec").await,
            1,
        ),
        (
            "territory region, anonymous",
            server.cost(anon, "/t/montreal").await,
            1,
        ),
        (
            "territory city, anonymous",
            server.cost(anon, "/t/montreal-66023").await,
            1,
        ),
        (
            "territory region, member",
            server.cost(member_client, "/t/montreal").await,
            2,
        ),
        ("map, anonymous", server.cost(anon, "/map").await, 1),
        ("map, member", server.cost(member_client, "/map").await, 2),
        // Community health (issue 20): two statements of summaries on top
        // of the community's header, whatever the amount of content.
        (
            "community health, owner",
            server
                .cost(owner_client, &format!("/c/{slug}/health"))
                .await,
            8,
        ),
        // Events (issue 15): the agenda, the month grid and the week of the
        // community with the most events, and the calendar feeds, cost the
        // same whatever the number of events and occurrences: one statement
        // for the events, one for cancelled occurrences, and (feeds) one
        // each for tags, territory names and, for a signed-in reader, the
        // places held — never one per event (the instance feed below holds
        // dozens of events, an N+1 would cost over a hundred statements).
        (
            "events agenda, anonymous",
            server
                .cost(anon, &format!("/events?community={ev_slug}"))
                .await,
            6,
        ),
        (
            "events month, member",
            server
                .cost(member_client, &format!("/events/month?community={ev_slug}"))
                .await,
            8,
        ),
        (
            "events week, anonymous",
            server.cost(anon, "/events/week").await,
            4,
        ),
        (
            "community events feed, anonymous",
            server.cost(anon, &format!("/c/{ev_slug}/events.ics")).await,
            7,
        ),
        (
            "instance events feed, anonymous",
            server.cost(anon, "/events.ics").await,
            6,
        ),
        (
            "events atom, anonymous",
            server.cost(anon, "/events.atom").await,
            4,
        ),
    ]
}

/// One statement with integer parameters.
async fn exec(db: &passerelles::db::Db, sql: &str, args: &[i64]) {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
    for a in args {
        q = q.bind(*a);
    }
    q.execute(&db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Ten times more of what the measured pages read than the busiest
/// community holds at scale 10: 4,000 more publications in community `cid`,
/// all tagged `financement`; 1,000 more replies on publication `pid`; every
/// account a member of the community. Bulk statements (seconds on either
/// engine, where seeding scale 10 takes minutes).
async fn grow(db: &passerelles::db::Db, cid: i64, pid: i64) {
    let t = passerelles::db::now();
    let author: i64 = sqlx::query_scalar(
        "SELECT user_id FROM memberships WHERE community_id = $1 AND state = 'active' ORDER BY user_id LIMIT 1",
    )
    .bind(cid)
    .fetch_one(&db.pool)
    .await
    .expect("an author");
    exec(
        db,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000) \
         INSERT INTO publications (kind, title, body, body_html, author_id, created_at, updated_at, last_activity_at) \
         SELECT 'discussion', 'Croissance ' || CAST(i AS TEXT), 'Texte', '<p>Texte</p>', $1, $2 - i, $2 - i, $2 - i FROM n",
        &[author, t],
    )
    .await;
    exec(
        db,
        "INSERT INTO publication_communities (publication_id, community_id, added_by, added_at) \
         SELECT p.id, $1, p.author_id, p.created_at FROM publications p WHERE p.title LIKE 'Croissance %'",
        &[cid],
    )
    .await;
    exec(
        db,
        "INSERT INTO publication_tags (publication_id, tag_id) SELECT p.id, t.id FROM publications p, tags t \
         WHERE p.title LIKE 'Croissance %' AND t.name = 'financement'",
        &[],
    )
    .await;
    exec(
        db,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) \
         INSERT INTO replies (publication_id, depth, author_id, body, body_html, created_at, updated_at) \
         SELECT $1, 0, $2, 'Réponse ' || CAST(i AS TEXT), '<p>Réponse</p>', $3 + i, $3 + i FROM n",
        &[pid, author, t - 5000],
    )
    .await;
    exec(
        db,
        "UPDATE publications SET reply_count = (SELECT COUNT(*) FROM replies r WHERE r.publication_id = $1 \
         AND r.status = 'visible'), last_activity_at = $2 WHERE id = $1",
        &[pid, t],
    )
    .await;
    exec(
        db,
        "INSERT INTO memberships (community_id, user_id, role, state, created_at, updated_at) \
         SELECT $1, u.id, 'member', 'active', $2, $2 FROM users u WHERE NOT EXISTS \
         (SELECT 1 FROM memberships m WHERE m.community_id = $1 AND m.user_id = u.id)",
        &[cid, t],
    )
    .await;
    exec(
        db,
        "UPDATE communities SET member_count = (SELECT COUNT(*) FROM memberships m \
         WHERE m.community_id = $1 AND m.state = 'active') WHERE id = $1",
        &[cid],
    )
    .await;
}
