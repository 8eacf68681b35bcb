//! Sending a newsletter issue survives a crash (issue 17): 2,000
//! subscribers, the server process killed with SIGKILL in the middle of
//! sending through a real SMTP server, then restarted on the same
//! database. Counted from the SMTP server's log: every address got the
//! issue exactly once, and the per-issue report agrees.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use passerelles::accounts::{self, NewUser, Status};
use passerelles::actor::Actor;
use passerelles::config::Config;
use passerelles::mail::SmtpSecurity;
use passerelles::newsletter::{self, ops, sender};

use crate::harness::{PASSWORD, fresh_database};
use crate::smtp_sink::SmtpSink;

const BIN: &str = env!("CARGO_BIN_EXE_passerelles");
const N: usize = 2000;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(dir: &std::path::Path, url: &str, smtp_port: u16) -> tokio::process::Child {
    let port = free_port();
    let child = tokio::process::Command::new(BIN)
        .args([
            "--data-dir",
            dir.to_str().unwrap(),
            "--database-url",
            url,
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        .env("PASSERELLES_SMTP_HOST", "127.0.0.1")
        .env("PASSERELLES_SMTP_PORT", smtp_port.to_string())
        .env("PASSERELLES_SMTP_SECURITY", "none")
        .env(
            "PASSERELLES_SMTP_FROM",
            "Passerelles <noreply@passerelles.test>",
        )
        .env("PASSERELLES_NEWSLETTER_RATE", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    for _ in 0..400 {
        if client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("server did not start");
}

fn address(i: usize) -> String {
    format!("abonne{i:04}@exemple.org")
}

/// How many messages the sink received for each recipient.
fn counts(sink: &SmtpSink) -> HashMap<String, usize> {
    let mut c = HashMap::new();
    for m in sink.all() {
        for to in m.to {
            *c.entry(to.to_lowercase()).or_insert(0) += 1;
        }
    }
    c
}

/// What a test of sending starts from: the database with a list of `n`
/// active subscribers and an issue already sent (delivery rows and the
/// send job queued), made through the operations in this process, where
/// no worker runs; and the SMTP server.
struct Prepared {
    sink: SmtpSink,
    dir: std::path::PathBuf,
    url: String,
    _pg: crate::harness::TestDb,
    state: passerelles::web::AppState,
    issue: i64,
}

async fn prepare(n: usize) -> Prepared {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let sink = SmtpSink::start().await;
    let dir = std::env::temp_dir().join(format!(
        "pnewsletter-crash-{}-{}",
        std::process::id(),
        passerelles::db::now()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let (url, _pg) = fresh_database(&dir).await;

    // The list, its 2,000 subscribers and the issue, made through the
    // operations in this process (no worker runs here): sending queues
    // the delivery rows and the one send job.
    let mut config = Config {
        data_dir: dir.clone(),
        database_url: Some(url.clone()),
        db_max_connections: 2,
        ..Config::default()
    };
    config.smtp.host = Some("127.0.0.1".into());
    config.smtp.port = Some(sink.port);
    config.smtp.security = SmtpSecurity::None;
    config.newsletter_rate = 0;
    let state = passerelles::app::build_state(config).await.unwrap();
    let editor = accounts::create_user(
        &state.db,
        NewUser {
            username: "redactrice",
            email: "redactrice@exemple.qc.ca",
            password: PASSWORD,
            is_admin: true,
            email_verified: true,
            status: Status::Active,
            locale: "fr-CA",
            registration_note: "",
        },
    )
    .await
    .unwrap();
    let actor = Actor::person(&editor);
    let list = ops::create_list(
        &state,
        &actor,
        ops::Owner::Instance,
        &ops::ListValues {
            name: "Infolettre régionale".into(),
            slug: "regionale".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut tx = state.db.begin().await.unwrap();
    for i in 0..n {
        sqlx::query(
            "INSERT INTO newsletter_subscribers (list_id, email, status, lang, consent_at, consent_source, \
             consent_wording, created_at) VALUES ($1, $2, 'active', $3, 1, 'form', 'Oui', 1)",
        )
        .bind(list.id)
        .bind(address(i))
        .bind(if i % 3 == 0 { "en" } else { "fr-CA" })
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let a = newsletter::access(&state, Some(&editor), list)
        .await
        .unwrap();
    let issue = ops::create_issue(
        &state,
        &actor,
        &a,
        "Numéro un",
        "Bonjour à toutes et à tous.",
    )
    .await
    .unwrap();
    assert_eq!(
        ops::send(&state, &actor, &a, issue).await.unwrap(),
        n as i64
    );

    Prepared {
        sink,
        dir,
        url,
        _pg,
        state,
        issue,
    }
}

#[tokio::test]
async fn kill_9_in_the_middle_of_sending_2000_messages_then_restart_sends_each_exactly_once() {
    let Prepared {
        sink,
        dir,
        url,
        _pg,
        state,
        issue,
    } = prepare(N).await;

    // Start the server; kill it with SIGKILL once a fifth has gone out.
    let mut node = start(&dir, &url, sink.port).await;
    let deadline = Instant::now() + Duration::from_secs(240);
    while sink.count() < N / 5 {
        assert!(Instant::now() < deadline, "the send did not start");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let pid = node.id().unwrap();
    assert!(
        std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    let _ = node.wait().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let at_kill = sink.count();
    assert!(
        at_kill < N,
        "the crash must interrupt the send ({at_kill} of {N} were out)"
    );
    let states: Vec<(String, i64)> = sqlx::query_as(
        "SELECT state, COUNT(*) FROM newsletter_deliveries WHERE issue_id = $1 GROUP BY state ORDER BY state",
    )
    .bind(issue)
    .fetch_all(&state.db.pool)
    .await
    .unwrap();
    eprintln!("killed with {at_kill} of {N} received; delivery rows: {states:?}");

    // Restart on the same database: the send resumes (after the lease of
    // the dead process's claim) and completes.
    let node = start(&dir, &url, sink.port).await;
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM newsletter_deliveries WHERE issue_id = $1 AND state IN ('queued', 'sending')",
        )
        .bind(issue)
        .fetch_one(&state.db.pool)
        .await
        .unwrap();
        let jobs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE queue = 'mail'")
            .fetch_one(&state.db.pool)
            .await
            .unwrap();
        if waiting == 0 && jobs == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the send did not complete after the restart ({waiting} rows waiting, {} received)",
            sink.count()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Nothing more arrives later.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    drop(node);

    let c = counts(&sink);
    let twice: Vec<(&String, &usize)> = c.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    let missing: Vec<String> = (0..N).map(address).filter(|a| !c.contains_key(a)).collect();
    assert!(missing.is_empty(), "never sent: {missing:?}");
    assert_eq!(c.len(), N, "no one else got it");
    assert_eq!(
        sink.all().len(),
        N,
        "exactly {N} messages in the server's log"
    );

    // The per-issue report agrees with the server's log.
    let sent_at: Option<i64> =
        sqlx::query_scalar("SELECT sent_at FROM newsletter_issues WHERE id = $1")
            .bind(issue)
            .fetch_one(&state.db.pool)
            .await
            .unwrap();
    let r = sender::report(&state.db, issue, sent_at).await.unwrap();
    assert_eq!(r.sent, N as i64, "{r:?}");
    assert_eq!((r.pending, r.failed_count, r.skipped), (0, 0, 0), "{r:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn proc_status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// User + system CPU seconds of a process so far.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

/// Throughput of a send to the local SMTP server, for BENCHMARKS.md:
/// `cargo nextest run --test it --run-ignored only newsletter_send_benchmark --no-capture`.
#[tokio::test]
#[ignore = "benchmark"]
async fn newsletter_send_benchmark() {
    let n: usize = std::env::var("NEWSLETTER_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let p = prepare(n).await;
    let mut node = start(&p.dir, &p.url, p.sink.port).await;
    let pid = node.id().unwrap();
    let deadline = Instant::now() + Duration::from_secs(600);
    while p.sink.count() == 0 {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let first = Instant::now();
    let cpu0 = cpu_secs(pid);
    let mut peak_rss = 0;
    while p.sink.count() < n {
        assert!(Instant::now() < deadline, "{} of {n}", p.sink.count());
        peak_rss = peak_rss.max(proc_status_kib(pid, "VmRSS:"));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let secs = first.elapsed().as_secs_f64();
    let cpu = cpu_secs(pid) - cpu0;
    let hwm = proc_status_kib(pid, "VmHWM:");
    eprintln!(
        "BENCH newsletter send ({}): {n} messages in {secs:.2} s = {:.0} messages/s; server CPU {cpu:.2} s \
         ({:.2} ms per message); server RSS peak sampled {:.1} MiB, VmHWM {:.1} MiB",
        crate::harness::backend(),
        (n - 1) as f64 / secs,
        cpu * 1000.0 / n as f64,
        peak_rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    let _ = node.kill().await;
    let _ = std::fs::remove_dir_all(&p.dir);
}
