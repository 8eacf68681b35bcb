//! Load and faults against the real binary (loopback only; bounded in
//! time): a crash under sustained writes loses no acknowledged write;
//! 1,000 concurrent connections are all served; slow clients cannot
//! starve the others.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::fresh_database;

const BIN: &str = env!("CARGO_BIN_EXE_passerelles");

struct Node {
    child: tokio::process::Child,
    port: u16,
}

async fn start(dir: &std::path::Path, url: &str, port: u16) -> Node {
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
        // The writes below are publications: no per-account limit here.
        .env("PASSERELLES_LIMIT_PUBLICATIONS", "0")
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
            return Node { child, port };
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("server did not start");
}

/// The community the writes below publish into (made once per database,
/// through the API; later calls find it taken).
async fn ensure_community(port: u16, secret: &str) {
    let res = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/v1/communities"))
        .bearer_auth(secret)
        .json(&serde_json::json!({
            "name": "Atelier", "slug": "atelier",
            "visibility": "open", "join_policy": "open"
        }))
        .send()
        .await
        .unwrap();
    assert!(
        res.status() == 201 || res.status() == 422,
        "community for the writes: {}",
        res.status()
    );
}

/// One write through the API: a publication titled `name` (tokens cannot
/// make tokens, so this is the unbounded write a token can do).
async fn publish(
    client: &reqwest::Client,
    port: u16,
    secret: &str,
    name: &str,
) -> reqwest::Result<reqwest::Response> {
    client
        .post(format!("http://127.0.0.1:{port}/api/v1/publications"))
        .bearer_auth(secret)
        .json(&serde_json::json!({
            "kind": "discussion", "title": name, "body": "Texte", "communities": ["atelier"]
        }))
        .send()
        .await
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn temp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "pfault-{name}-{}-{}",
        std::process::id(),
        passerelles::db::now()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A user and an API token, made with the CLI and the database directly.
async fn token(dir: &std::path::Path, url: &str) -> String {
    let mut child = std::process::Command::new(BIN)
        .args([
            "--data-dir",
            dir.to_str().unwrap(),
            "--database-url",
            url,
            "admin",
            "create-user",
        ])
        .args([
            "--username",
            "ecrivaine",
            "--email",
            "ecrivaine@exemple.qc.ca",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(crate::harness::PASSWORD.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    let db = passerelles::db::Db::connect(url, 1).await.unwrap();
    let user = passerelles::accounts::by_username(&db, "ecrivaine")
        .await
        .unwrap()
        .unwrap();
    passerelles::api::tokens::create_token(&db, user.id, "charge", None)
        .await
        .unwrap()
        .1
}

#[tokio::test]
async fn kill_9_under_sustained_writes_loses_no_acknowledged_write() {
    let dir = temp("crash");
    let (url, _pg) = fresh_database(&dir).await;
    let secret = token(&dir, &url).await;
    let port = free_port();
    let mut node = start(&dir, &url, port).await;
    ensure_community(port, &secret).await;
    // Eight writers publish (one row each) until the server dies.
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut writers = Vec::new();
    for w in 0..8 {
        let acknowledged = acknowledged.clone();
        let secret = secret.clone();
        writers.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            for i in 0.. {
                let name = format!("w{w}-{i}");
                let res = publish(&client, port, &secret, &name).await;
                match res {
                    Ok(r) if r.status() == 201 => acknowledged.lock().unwrap().push(name),
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let pid = node.child.id().unwrap();
    assert!(
        std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    let _ = node.child.wait().await;
    for w in writers {
        let _ = w.await;
    }
    let acked = acknowledged.lock().unwrap().clone();
    assert!(
        acked.len() > 20,
        "the load ran ({} writes acknowledged)",
        acked.len()
    );
    // Restart on the same database: every acknowledged write is there and
    // the database is consistent.
    let node = start(&dir, &url, free_port()).await;
    let db = passerelles::db::Db::connect(&url, 1).await.unwrap();
    let names: Vec<String> = sqlx::query_scalar("SELECT title FROM publications")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    let missing: Vec<&String> = acked.iter().filter(|n| !names.contains(n)).collect();
    assert!(missing.is_empty(), "lost acknowledged writes: {missing:?}");
    if db.backend == passerelles::db::Backend::Sqlite {
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(check, "ok");
    }
    let res = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{}/api/v1/me/tokens", node.port))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    drop(node);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn raw_get(port: u16, path: &str) -> Option<u16> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.ok()?;
    let head = String::from_utf8_lossy(&buf[..buf.len().min(20)]).to_string();
    head.split(' ').nth(1)?.parse().ok()
}

fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kib| kib / 1024.0)
        .unwrap_or(0.0)
}

#[tokio::test]
async fn a_thousand_concurrent_connections_are_all_served_with_bounded_memory() {
    let dir = temp("thousand");
    let (url, _pg) = fresh_database(&dir).await;
    let node = start(&dir, &url, free_port()).await;
    let port = node.port;
    let tasks: Vec<_> = (0..1000)
        .map(|i| {
            tokio::spawn(
                async move { raw_get(port, if i % 2 == 0 { "/" } else { "/about" }).await },
            )
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        if t.await.unwrap() == Some(200) {
            ok += 1;
        }
    }
    assert_eq!(ok, 1000, "every connection got its page");
    let rss = rss_mib(node.child.id().unwrap());
    assert!(
        rss > 0.0 && rss < 200.0,
        "memory stays bounded: {rss:.1} MiB"
    );
    drop(node);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn slow_clients_cannot_starve_the_others() {
    let dir = temp("slow");
    let (url, _pg) = fresh_database(&dir).await;
    let node = start(&dir, &url, free_port()).await;
    let port = node.port;
    // 300 clients that send a header byte now and then and never finish.
    let mut slow = Vec::new();
    for _ in 0..300 {
        if let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            let _ = s
                .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                .await;
            slow.push(s);
        }
    }
    let drip = tokio::spawn(async move {
        for _ in 0..20 {
            for s in slow.iter_mut() {
                let _ = s.write_all(b"a").await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        slow
    });
    // Meanwhile ordinary visitors are served. (The timeout only turns a
    // starved server into a failure instead of a hung test; it measures nothing.)
    let served = tokio::time::timeout(Duration::from_secs(120), async {
        for _ in 0..50 {
            assert_eq!(raw_get(port, "/").await, Some(200));
        }
    })
    .await;
    assert!(
        served.is_ok(),
        "ordinary visitors are served while slow clients hang on"
    );
    drop(drip.await.unwrap());
    drop(node);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// A read-only database and a full disk: writes get an honest 503 with a retry
// hint (never a 500 or a panic), reads keep being served, writes work again
// once the database is writable, and nothing acknowledged is lost.

/// One write through the API: a publication titled `name`.
async fn write_once(port: u16, secret: &str, name: &str) -> reqwest::Response {
    publish(&reqwest::Client::new(), port, secret, name)
        .await
        .unwrap()
}

/// An anonymous read that goes to the database (a public profile).
async fn read_status(port: u16) -> u16 {
    reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/u/ecrivaine"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A refused write is a 503 with `Retry-After` and the stable API error code.
async fn assert_unavailable(res: reqwest::Response) {
    assert_eq!(res.status(), 503, "a write the database refuses is a 503");
    assert!(
        res.headers().contains_key("retry-after"),
        "the 503 says when to retry"
    );
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    assert!(
        !body["error"]["message"].as_str().unwrap_or("").is_empty(),
        "a readable message: {body}"
    );
}

/// Every acknowledged publication is in the database, which is consistent.
async fn assert_all_present(url: &str, acked: &[String]) {
    let db = passerelles::db::Db::connect(url, 1).await.unwrap();
    let names: Vec<String> = sqlx::query_scalar("SELECT title FROM publications")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    let missing: Vec<&String> = acked.iter().filter(|n| !names.contains(n)).collect();
    assert!(missing.is_empty(), "lost acknowledged writes: {missing:?}");
    if db.backend == passerelles::db::Backend::Sqlite {
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(check, "ok");
    }
    db.pool.close().await;
}

/// Retry `write` (a fresh name each time) until it is acknowledged, at most
/// ~10 s: the server recovers by itself.
async fn write_until_ok(port: u16, secret: &str, tag: &str, acked: &mut Vec<String>) {
    for i in 0..100 {
        let name = format!("{tag}-{i}");
        let res = write_once(port, secret, &name).await;
        match res.status().as_u16() {
            201 => {
                acked.push(name);
                return;
            }
            503 => tokio::time::sleep(Duration::from_millis(100)).await,
            other => panic!("unexpected status {other} while recovering"),
        }
    }
    panic!("writes did not recover once the database was writable again");
}

/// SQLite files made immutable (`chattr +i`, refused even to root on
/// ext4/xfs) while the server holds them open; undone on drop.
struct Immutable(Vec<std::path::PathBuf>);

impl Immutable {
    fn set(paths: Vec<std::path::PathBuf>) -> Option<Immutable> {
        let ok = std::process::Command::new("chattr")
            .arg("+i")
            .args(&paths)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let guard = Immutable(paths);
        ok.then_some(guard)
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .args(&self.0)
            .stderr(Stdio::null())
            .status();
    }
}

async fn pg_admin(sql: String) {
    use sqlx::Executor;
    let mut conn =
        <sqlx::AnyConnection as sqlx::Connection>::connect(&crate::harness::pg_admin_url())
            .await
            .unwrap();
    conn.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
}

/// Make the PostgreSQL database read-only (or writable) for new sessions and
/// end the server's current ones, so its pool reconnects with the setting.
async fn pg_read_only(name: &str, on: bool) {
    pg_admin(format!(
        "ALTER DATABASE {name} SET default_transaction_read_only = {}",
        if on { "on" } else { "off" }
    ))
    .await;
    pg_admin(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
    ))
    .await;
}

#[tokio::test]
async fn a_read_only_database_refuses_writes_with_503_keeps_serving_reads_and_recovers() {
    let dir = temp("readonly");
    let (url, pg) = fresh_database(&dir).await;
    let secret = token(&dir, &url).await;
    let node = start(&dir, &url, free_port()).await;
    let port = node.port;
    ensure_community(port, &secret).await;
    let mut acked = Vec::new();
    write_until_ok(port, &secret, "before", &mut acked).await;

    // The database becomes read-only under the running server.
    let guard = match &pg.name {
        Some(name) => {
            pg_read_only(name, true).await;
            None
        }
        None => {
            let db = dir.join("test.db");
            let wal = dir.join("test.db-wal");
            match Immutable::set(vec![db, wal]) {
                Some(g) => Some(g),
                None => {
                    crate::harness::skip(
                        "a_read_only_database_refuses_writes_with_503_keeps_serving_reads_and_recovers",
                        "`chattr +i` is not available here (needs root on ext4/xfs, as in CI)",
                    );
                    return;
                }
            }
        }
    };
    // Reads are served (PostgreSQL: once the pool has replaced the ended sessions).
    let mut reads = Vec::new();
    for _ in 0..40 {
        reads.push(read_status(port).await);
        if reads.ends_with(&[200, 200, 200]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        reads.ends_with(&[200, 200, 200]),
        "reads are served from a read-only database: {reads:?}"
    );
    assert!(
        reads.iter().all(|s| *s == 200 || *s == 503),
        "never a 500: {reads:?}"
    );
    // Writes are refused honestly, every time.
    for i in 0..5 {
        assert_unavailable(write_once(port, &secret, &format!("refused-{i}")).await).await;
    }
    assert_eq!(read_status(port).await, 200, "still serving reads");

    // Writable again: the same server recovers by itself.
    match &pg.name {
        Some(name) => pg_read_only(name, false).await,
        None => drop(guard),
    }
    write_until_ok(port, &secret, "after", &mut acked).await;
    drop(node);
    assert_all_present(&url, &acked).await;
    let db = passerelles::db::Db::connect(&url, 1).await.unwrap();
    let refused: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM publications WHERE title LIKE 'refused-%'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(refused, 0, "a refused write left nothing behind");
    db.pool.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A small tmpfs mounted for the test (root only); unmounted on drop.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(at: &std::path::Path, size: &str) -> Option<Tmpfs> {
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(&self.0)
            .stderr(Stdio::null())
            .status();
    }
}

/// Fill the file system holding `dir` with one file until it is full.
fn fill(dir: &std::path::Path) -> std::path::PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    while f.write_all(&chunk).is_ok() {}
    let small = [0u8; 512];
    while f.write_all(&small).is_ok() {}
    let _ = f.sync_all();
    path
}

#[tokio::test]
async fn a_full_disk_refuses_writes_with_503_keeps_serving_reads_and_recovers() {
    if crate::harness::backend() == "postgres" {
        // PostgreSQL's disk belongs to the database server; its "disk full"
        // SQLSTATE (53100) is classified as unavailable (db::tests).
        crate::harness::skip(
            "a_full_disk_refuses_writes_with_503_keeps_serving_reads_and_recovers",
            "simulated on SQLite only",
        );
        return;
    }
    let dir = temp("fulldisk");
    let Some(mount) = Tmpfs::mount(&dir, "24m") else {
        crate::harness::skip(
            "a_full_disk_refuses_writes_with_503_keeps_serving_reads_and_recovers",
            "cannot mount a tmpfs here (needs root, as in CI)",
        );
        let _ = std::fs::remove_dir_all(&dir);
        return;
    };
    let url = format!("sqlite://{}?mode=rwc", dir.join("test.db").display());
    let secret = token(&dir, &url).await;
    let node = start(&dir, &url, free_port()).await;
    let port = node.port;
    ensure_community(port, &secret).await;
    let mut acked = Vec::new();
    write_until_ok(port, &secret, "before", &mut acked).await;

    // The disk fills up: writes are acknowledged until the database cannot
    // grow, then refused with 503 — never a 500.
    let filler = fill(&dir);
    let mut refused = None;
    for i in 0..20_000 {
        let name = format!("fill-{i}-{}", "x".repeat(60));
        let res = write_once(port, &secret, &name).await;
        match res.status().as_u16() {
            201 => acked.push(name),
            503 => {
                refused = Some(res);
                break;
            }
            other => panic!("a write on a full disk answered {other}"),
        }
    }
    let refused = refused.expect("the disk filled up and a write was refused");
    assert_unavailable(refused).await;
    assert_unavailable(write_once(port, &secret, "refused-again").await).await;
    for _ in 0..3 {
        assert_eq!(
            read_status(port).await,
            200,
            "reads are served on a full disk"
        );
    }

    // Space returns: the same server takes writes again.
    std::fs::remove_file(&filler).unwrap();
    write_until_ok(port, &secret, "after", &mut acked).await;
    drop(node);
    assert_all_present(&url, &acked).await;
    drop(mount);
    let _ = std::fs::remove_dir_all(&dir);
}
