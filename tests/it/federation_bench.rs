//! Federation benchmarks (issue 18), `#[ignore]`d: they print figures for
//! BENCHMARKS.md and never fail on time.
//!
//! `cargo nextest run --test it --run-ignored only federation_bench --no-capture`
//!
//! - inbox throughput: signed activities POSTed one after another to A's
//!   shared inbox over HTTP (signature checked against the cached key,
//!   handled by the operations), Likes and replies;
//! - delivery fan-out: one publication of a community with 1,000 remote
//!   followers on 50 instances (50 HTTP servers on 127.0.0.1), delivered
//!   through the job queue, once with shared inboxes and once without.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use passerelles_core::federation::httpsig;
use passerelles_core::federation::keys::{self, Owner};

use crate::harness::TestApp;
use crate::writing::{community, publication};

/// (CPU seconds of this process, peak RSS in KiB), from /proc.
fn cpu_and_peak_rss() -> (f64, i64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: f64 = fields
        .get(11)
        .and_then(|u| u.parse::<f64>().ok())
        .unwrap_or(0.0)
        + fields
            .get(12)
            .and_then(|s| s.parse::<f64>().ok())
            .unwrap_or(0.0);
    let rss = std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (ticks / 100.0, rss)
}

fn host(app: &TestApp) -> String {
    app.url.trim_start_matches("http://").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark"]
async fn federation_bench_inbox_throughput() {
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let ana = a.create_user("ana", false).await;
    let open = community(&a, "jardins", "open", "open", &ana).await;
    let pid = publication(&a, &ana, "Semis", &[open], 10).await;
    // Ten remote people (the write limit of one person, 30 replies in its
    // window, would refuse the rest of one person's replies).
    let mut authors = Vec::new();
    for n in 0..10 {
        let u = b.create_user(&format!("zoe{n}"), false).await;
        let key = keys::key_for(&b.state.db, Owner::User(u.id)).await.unwrap();
        authors.push((b.at(&format!("/u/zoe{n}")), key));
    }
    let client = reqwest::Client::new();
    let host_a = host(&a);
    let page = a.at(&format!("/p/{pid}"));
    const N: usize = 300;
    for kind in ["Like", "Create(Note) reply"] {
        let mut bodies = Vec::with_capacity(N);
        for i in 0..N {
            let zoe_id = &authors[i % authors.len()].0;
            let id = format!("{zoe_id}/bench/{kind}-{i}").replace(['(', ')', ' '], "");
            let activity = if kind == "Like" {
                serde_json::json!({
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "id": id, "type": "Like", "actor": zoe_id,
                    "object": if i % 2 == 0 { page.clone() } else { format!("{page}x{i}") },
                })
            } else {
                serde_json::json!({
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "id": format!("{id}/activity"), "type": "Create", "actor": zoe_id,
                    "object": {
                        "id": id, "type": "Note", "attributedTo": zoe_id,
                        "content": format!("<p>Réponse {i}</p>"), "inReplyTo": page,
                        "to": ["https://www.w3.org/ns/activitystreams#Public"],
                    },
                })
            };
            bodies.push(activity.to_string());
        }
        let (cpu0, _) = cpu_and_peak_rss();
        let started = std::time::Instant::now();
        let mut ok = 0;
        for (i, body) in bodies.iter().enumerate() {
            let (zoe_id, key) = &authors[i % authors.len()];
            let s = httpsig::sign(
                key,
                &format!("{zoe_id}#main-key"),
                "POST",
                "/inbox",
                &host_a,
                Some(body.as_bytes()),
                passerelles::db::now(),
            )
            .unwrap();
            let res = client
                .post(a.at("/inbox"))
                .header("content-type", "application/activity+json")
                .header("date", s.date)
                .header("digest", s.digest.unwrap())
                .header("signature", s.signature)
                .body(body.clone())
                .send()
                .await
                .unwrap();
            if res.status().as_u16() == 202 {
                ok += 1;
            }
        }
        let wall = started.elapsed().as_secs_f64();
        let (cpu1, rss) = cpu_and_peak_rss();
        eprintln!(
            "{} inbox, {kind}: {ok}/{N} accepted in {wall:.2} s = {:.0} activities/s; \
             {:.2} ms CPU each (both instances and the signer in one process); peak RSS {} MB",
            crate::harness::backend(),
            N as f64 / wall,
            (cpu1 - cpu0) * 1000.0 / N as f64,
            rss / 1024
        );
        assert_eq!(ok, N, "every activity accepted");
    }
    let replies: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM replies WHERE publication_id = $1")
        .bind(pid)
        .fetch_one(&a.state.db.pool)
        .await
        .unwrap();
    let likes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ap_likes")
        .fetch_one(&a.state.db.pool)
        .await
        .unwrap();
    assert_eq!(replies, N as i64, "every reply taken");
    assert_eq!(
        likes, 5,
        "the even Likes name the page, one per person (five of the ten)"
    );
}

/// 50 servers on 127.0.0.1 that accept every POST and count them.
async fn fifty_instances(hits: Arc<AtomicUsize>) -> Vec<(String, tokio::task::JoinHandle<()>)> {
    let mut out = Vec::new();
    for _ in 0..50 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = Arc::clone(&hits);
        let app = axum::Router::new().fallback(move || {
            let hits = Arc::clone(&hits);
            async move {
                hits.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::ACCEPTED
            }
        });
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        out.push((format!("http://{addr}"), task));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark"]
async fn federation_bench_delivery_fan_out() {
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let hits = Arc::new(AtomicUsize::new(0));
    let servers = fifty_instances(Arc::clone(&hits)).await;
    for shared in [true, false] {
        let a = TestApp::spawn().await;
        let ana = a.create_user("ana", false).await;
        let open = community(&a, "jardins", "open", "open", &ana).await;
        let t = passerelles::db::now();
        for i in 0..1000 {
            let (base, _) = &servers[i % 50];
            let id = format!("{base}/users/f{i}");
            sqlx::query(
                "INSERT INTO ap_actors (ap_id, kind, inbox, shared_inbox, key_id, public_pem, name, fetched_at, username) \
                 VALUES ($1, 'Person', $2, $3, $4, '', $5, $6, $5)",
            )
            .bind(&id)
            .bind(format!("{id}/inbox"))
            .bind(if shared { format!("{base}/inbox") } else { String::new() })
            .bind(format!("{id}#main-key"))
            .bind(format!("f{i}"))
            .bind(t)
            .execute(&a.state.db.pool)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO ap_followers (community_id, actor, follow_id, state, created_at) VALUES ($1, $2, $3, 'accepted', $4)",
            )
            .bind(open)
            .bind(&id)
            .bind(format!("{id}#follow"))
            .bind(t)
            .execute(&a.state.db.pool)
            .await
            .unwrap();
        }
        let pid = publication(&a, &ana, "Récolte commune", &[open], 1).await;
        hits.store(0, Ordering::Relaxed);
        let (cpu0, _) = cpu_and_peak_rss();
        let started = std::time::Instant::now();
        passerelles_core::federation::outbox::announce_created(&a.state, pid).await;
        let queued = started.elapsed().as_secs_f64();
        // Two announces (Create and the bare Page) to each inbox: 50 shared
        // ones, or 1,000 personal ones.
        let jobs: i64 = if shared { 100 } else { 2000 };
        a.drain_jobs().await;
        let wall = started.elapsed().as_secs_f64();
        let (cpu1, rss) = cpu_and_peak_rss();
        let left: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE queue = 'federation' AND failed_at IS NULL",
        )
        .fetch_one(&a.state.db.pool)
        .await
        .unwrap();
        eprintln!(
            "{} fan-out, 1,000 followers on 50 instances, {}: {jobs} deliveries (Announce(Create) + Announce(Page)) \
             queued in {queued:.2} s, all delivered in {wall:.2} s; {:.2} s CPU; {} POSTs received; peak RSS {} MB",
            crate::harness::backend(),
            if shared {
                "shared inboxes"
            } else {
                "personal inboxes"
            },
            cpu1 - cpu0,
            hits.load(Ordering::Relaxed),
            rss / 1024
        );
        assert_eq!(left, 0, "everything delivered");
        assert_eq!(hits.load(Ordering::Relaxed) as i64, jobs);
    }
    for (_, t) in servers {
        t.abort();
    }
}
