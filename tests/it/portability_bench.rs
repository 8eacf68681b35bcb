//! Benchmarks of issue 20 (ignored; figures go to BENCHMARKS.md):
//! `cargo nextest run --test it --run-ignored only data_rights_benchmark --no-capture`
//! (`DATA_RIGHTS_BENCH_SCALE`, default 1). Seeds the demo at that scale,
//! builds the personal archive of the most active person (publications +
//! replies) through the job's own function, then exports their busiest
//! community, imports it into a second instance and fetches its health
//! page as its owner. Prints wall and CPU time, the archive's size, items
//! and largest buffer, and the test process's peak RSS (`VmHWM`, reset
//! before the build). On a kept database at any scale, with a release
//! build: `passerelles admin data-export` (`src/data_rights_cli.rs`).

use std::time::Instant;

use passerelles::actor::Actor;

use crate::harness::TestApp;

use passerelles::metrics::{process_cpu_secs as cpu_secs, process_mib as vm, reset_peak_rss};

#[tokio::test]
#[ignore = "benchmark: run on demand, figures in BENCHMARKS.md"]
async fn data_rights_benchmark() {
    let scale: i64 = std::env::var("DATA_RIGHTS_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let app = TestApp::spawn().await;
    let t = Instant::now();
    passerelles::seed::seed_demo(&app.state.db, scale, 2021, true)
        .await
        .expect("seed");
    eprintln!("seeded scale {scale} in {:.1} s", t.elapsed().as_secs_f64());

    // The most active person (the query of `passerelles admin data-export`).
    let (uid, pubs, replies) = passerelles::data_rights::ops::most_active(&app.state.db)
        .await
        .unwrap()
        .expect("someone wrote");
    let export_id: i64 = sqlx::query_scalar(
        "INSERT INTO data_exports (user_id, status, requested_at) VALUES ($1, 'queued', $2) RETURNING id",
    )
    .bind(uid)
    .bind(passerelles::db::now())
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let rss_before = vm("VmRSS:");
    // The peak from here on (Linux: the high-water mark back to the
    // current RSS), not the seeding's.
    let reset = reset_peak_rss();
    let (c0, t0) = (cpu_secs(), Instant::now());
    passerelles::data_rights::ops::run_job(
        &app.state.db,
        export_id,
        &app.url,
        "Passerelles",
        Some(app.data_dir.to_str().unwrap()),
    )
    .await
    .expect("archive built");
    let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_secs() - c0);
    let (size, items, peak): (i64, i64, i64) =
        sqlx::query_as("SELECT size, items, peak_buffer FROM data_exports WHERE id = $1")
            .bind(export_id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    eprintln!(
        "BENCH archive: {} scale {scale}, person {uid} ({pubs} publications, {replies} replies): \
         {wall:.2} s wall, {cpu:.2} s CPU, {size} bytes, {items} items, largest buffer {peak} bytes, \
         RSS {rss_before:.0} MB before, peak RSS {:.0} MB{}",
        crate::harness::backend(),
        vm("VmHWM:"),
        if reset {
            " during the build"
        } else {
            " (whole process)"
        }
    );

    // The busiest community: export, import into a second instance.
    let slug: String = sqlx::query_scalar(
        "SELECT c.slug FROM communities c ORDER BY (SELECT COUNT(*) FROM publication_communities pc \
         WHERE pc.community_id = c.id) DESC, c.id LIMIT 1",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let c = passerelles::communities::by_slug(&app.state.db, &slug)
        .await
        .unwrap()
        .unwrap();
    let l = passerelles::communities::access::Loaded::new(c, None);
    let path = app.data_dir.join("bench-community.zip");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let (c0, t0) = (cpu_secs(), Instant::now());
    let b = passerelles::portability::export::write(&app.state, &Actor::CLI, &l, &mut f)
        .await
        .expect("export");
    drop(f);
    let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_secs() - c0);
    let replies: usize = b.publications.iter().map(|p| p.replies.len()).sum();
    eprintln!(
        "BENCH community export: {slug}: {} members, {} publications, {replies} replies, {} bytes: {wall:.2} s wall, {cpu:.2} s CPU",
        b.communities[0].members.len(),
        b.publications.len(),
        std::fs::metadata(&path).unwrap().len()
    );
    let other = TestApp::spawn().await;
    let archive = passerelles::portability::export::Archive::open(&path).unwrap();
    let blobs = |sha: &str| archive.blob(sha);
    let mut progress = |_: usize, _: usize| {};
    let (c0, t0) = (cpu_secs(), Instant::now());
    let report = passerelles::portability::import::run(
        &other.state,
        &Actor::CLI,
        &archive.bundle,
        &blobs,
        false,
        &mut progress,
    )
    .await
    .unwrap();
    let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_secs() - c0);
    eprintln!(
        "BENCH community import: {} items imported, {} skipped: {wall:.2} s wall, {cpu:.2} s CPU ({:.2} ms per item)",
        report.imported(),
        report.skipped(),
        wall * 1000.0 / report.lines.len().max(1) as f64
    );

    // The health page of that community, as its owner, after the job.
    passerelles::health::compute(&app.state.db, passerelles::db::now())
        .await
        .unwrap();
    let owner: String = sqlx::query_scalar(
        "SELECT u.username FROM memberships m JOIN users u ON u.id = m.user_id JOIN communities c ON c.id = m.community_id \
         WHERE c.slug = $1 AND m.role = 'owner' ORDER BY u.id LIMIT 1",
    )
    .bind(&slug)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    passerelles::accounts::set_password(
        &app.state.db,
        passerelles::accounts::by_username(&app.state.db, &owner)
            .await
            .unwrap()
            .unwrap()
            .id,
        crate::harness::PASSWORD,
    )
    .await
    .unwrap();
    let client = app.client();
    app.login(&client, &owner, crate::harness::PASSWORD).await;
    let n = 200;
    let (c0, t0) = (cpu_secs(), Instant::now());
    for _ in 0..n {
        let res = client
            .get(app.at(&format!("/c/{slug}/health")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.bytes().await.unwrap();
    }
    let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_secs() - c0);
    eprintln!(
        "BENCH health page: {n} requests: {:.2} ms wall, {:.2} ms CPU per request (client and server in one process)",
        wall * 1000.0 / n as f64,
        cpu * 1000.0 / n as f64
    );
}
