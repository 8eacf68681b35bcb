//! Community health (issue 20, C25): the hourly computation into summary
//! tables, the animators' page (aggregates, "< 5" for small counts, SVG
//! charts read back by Python's `xml.etree` with a table beside each, no
//! name of any member), who may see it, and the administrators' instance
//! view (communities that never took off, whose animators left).

use passerelles::db::now;
use passerelles::policy::{MemberState, Role, Visibility};

use crate::data_rights::{community, publish, reply};
use crate::harness::TestApp;

const DAY: i64 = 86400;

async fn exec(app: &TestApp, sql: &str, a: i64, b: i64) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(a)
        .bind(b)
        .execute(&app.state.db.pool)
        .await
        .expect("exec");
}

/// The `<svg>` elements of a page, parsed by Python's standard XML parser:
/// per chart, its id and the number of bars, and of small ("< 5") bars.
fn parse_svgs(page: &str) -> Vec<(String, usize, usize)> {
    let mut docs = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("closed svg") + start + 6;
        docs.push(rest[start..end].to_string());
        rest = &rest[end..];
    }
    let script = "import sys, json, xml.etree.ElementTree as ET\nout = []\nfor doc in json.load(sys.stdin):\n    root = ET.fromstring(doc)\n    ns = '{http://www.w3.org/2000/svg}'\n    assert root.tag == ns + 'svg', root.tag\n    title = root.find(ns + 'title')\n    assert title is not None and title.text\n    rects = [r for r in root.iter(ns + 'rect')]\n    small = [r for r in rects if 'chart-bar-small' in r.get('class', '')]\n    out.append([title.get('id'), len(rects), len(small)])\nprint(json.dumps(out))\n";
    let mut child = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(serde_json::to_string(&docs).expect("json").as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("python");
    assert!(
        out.status.success(),
        "the SVG parses: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("summary")
}

#[tokio::test]
async fn health_page_shows_aggregates_to_animators_only() {
    let app = TestApp::spawn().await;
    let (owner_c, owner) = app.logged_in("animatrice", false).await;
    let (admin_c, _) = app.logged_in("gardienne", true).await;
    let c = community(&app, &owner, "potagers", Visibility::Open).await;
    // Seven members post this week; two of them reply.
    let mut members = Vec::new();
    for i in 0..7 {
        let (client, u) = app.logged_in(&format!("jardinier{i}"), false).await;
        passerelles::communities::set_membership(
            &app.state.db,
            c.id,
            u.id,
            Role::Member,
            MemberState::Active,
            "",
        )
        .await
        .expect("member");
        members.push((client, u));
    }
    let mut pubs = Vec::new();
    for (i, (client, _)) in members.iter().enumerate() {
        let kind = if i < 3 { "question" } else { "discussion" };
        pubs.push(
            publish(
                &app,
                client,
                &[
                    ("kind", kind),
                    ("title", &format!("Semis numéro {i}")),
                    ("body", "Des graines à partager."),
                    ("tags", "semences"),
                    ("communities", &c.id.to_string()),
                ],
                Vec::new(),
            )
            .await,
        );
    }
    // The first question answered by someone else, two hours later.
    let r = reply(&app, &members[5].0, pubs[0], "Au printemps.").await;
    exec(
        &app,
        "UPDATE replies SET created_at = (SELECT created_at FROM publications WHERE id = $1) + 7200 WHERE id = $2",
        pubs[0],
        r,
    )
    .await;
    reply(&app, &members[6].0, pubs[3], "Merci !").await;

    // An old community where nothing happened, whose only owner left.
    let (_, founder) = app.logged_in("fondateur", false).await;
    let old = community(&app, &founder, "vieux-jardin", Visibility::Open).await;
    exec(
        &app,
        "UPDATE communities SET created_at = $1 WHERE id = $2",
        now() - 200 * DAY,
        old.id,
    )
    .await;
    exec(
        &app,
        "DELETE FROM memberships WHERE community_id = $1 AND user_id = $2",
        old.id,
        founder.id,
    )
    .await;

    // Before the first computation the page says so.
    let page = owner_c
        .get(app.at("/c/potagers/health"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(page.contains("pas encore été calculés"), "{page}");

    // The periodic job (queued hourly by the server) computes the
    // summary tables; the page only reads them.
    app.state
        .jobs
        .push(
            &app.state.db,
            &passerelles::jobs::Job::CommunityHealth,
            Some("health:test"),
        )
        .await
        .expect("queued");
    app.drain_jobs().await;
    // The server's own worker may have taken the job: wait for it.
    let mut n = 0i64;
    for _ in 0..500 {
        n = sqlx::query_scalar("SELECT COUNT(*) FROM community_health")
            .fetch_one(&app.state.db.pool)
            .await
            .expect("summaries");
        if n >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(n >= 2, "one summary per community: {n}");
    let res = owner_c
        .get(app.at("/c/potagers/health"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    let page = res.text().await.expect("body");
    // Indicators: 8 members (7 + the owner), 7 active, 1 unanswered
    // question shown as "< 5" (two of three got a reply? one did: 2 left).
    let dd = |label: &str| -> String {
        let at = page
            .find(label)
            .unwrap_or_else(|| panic!("{label} in {page}"));
        let rest = &page[at..];
        let v = rest.split("<dd>").nth(1).expect("dd");
        v.split("</dd>").next().expect("end").to_string()
    };
    assert_eq!(dd("<dt>Membres</dt>"), "8");
    assert_eq!(dd("<dt>Membres actifs (90 derniers jours)</dt>"), "7");
    // askama writes "<" as "&#60;".
    assert_eq!(dd("<dt>Questions sans réponse</dt>"), "&#60; 5");
    // One answered question: too few to give a median.
    assert!(dd("<dt>Délai médian").contains("Trop peu de cas"));
    // The tag, and its weight: 7 publications + 2 replies.
    assert!(page.contains("#semences</th><td>9</td>"), "{page}");
    // Charts: six, each with a title, drawn in SVG that parses; this
    // week's 7 publications a full bar, its 2 replies a "< 5" bar.
    let charts = parse_svgs(&page);
    assert_eq!(charts.len(), 6, "{charts:?}");
    let by_id = |id: &str| {
        charts
            .iter()
            .find(|(t, _, _)| t == &format!("{id}-t"))
            .cloned()
            .unwrap_or_else(|| panic!("{id} in {charts:?}"))
    };
    assert_eq!(by_id("ch-pubs"), ("ch-pubs-t".into(), 1, 0));
    assert_eq!(by_id("ch-replies"), ("ch-replies-t".into(), 1, 1));
    assert_eq!(by_id("ch-events"), ("ch-events-t".into(), 0, 0));
    // The table beside the chart gives the same, small counts hidden.
    let week = passerelles::health::week_start(passerelles::health::week_of(now()));
    let day = time::OffsetDateTime::from_unix_timestamp(week).expect("date");
    let label = format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    );
    let table = owner_c
        .get(app.at("/c/potagers/health/table"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    // New members, contributors, publications, replies, unanswered, events.
    assert!(
        table.contains(&format!(
            "<th scope=\"row\">{label}</th><td>8</td><td>7</td><td>7</td><td>&#60; 5</td><td>&#60; 5</td><td>0</td>"
        )),
        "{table}"
    );
    assert_eq!(table.matches("<tr><th scope=\"row\">").count(), 26);
    // What is measured and what is not; no member is named.
    assert!(page.contains("Pas mesuré"));
    for (_, u) in &members {
        assert!(!page.contains(&u.username), "{} named", u.username);
    }

    // Who may see it: not a member, not an outsider; anonymous: to log in.
    let (status, _) = {
        let res = members[0]
            .0
            .get(app.at("/c/potagers/health"))
            .send()
            .await
            .expect("get");
        (res.status().as_u16(), ())
    };
    assert_eq!(status, 403);
    let res = app
        .client()
        .get(app.at("/c/potagers/health"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 303);
    let res = admin_c
        .get(app.at("/c/potagers/health"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);

    // The instance view.
    let res = members[0]
        .0
        .get(app.at("/admin/health"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 403);
    let admin_page = admin_c
        .get(app.at("/admin/health"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    let (never, orphaned) = admin_page
        .split_once("id=\"h-orphaned\"")
        .expect("two sections");
    assert!(never.contains("/c/vieux-jardin"), "never took off");
    assert!(orphaned.contains("/c/vieux-jardin"), "its animators left");
    assert!(
        !admin_page.contains("/c/potagers"),
        "a young, lively community"
    );
}
