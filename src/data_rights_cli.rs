//! `passerelles admin data-export [USER] [--out FILE] [--keep]`: build a
//! person's "download my data" archive now, in this process, through the
//! job's own builder (`data_rights::ops::build_now`), and print what it
//! took — wall and CPU time, size, items, the largest buffer held, and the
//! process's peak resident memory during the build (its high-water mark is
//! reset just before, where Linux allows it). Without USER, the person with
//! the most publications and replies: the benchmark of issue 20
//! (BENCHMARKS.md). The archive is removed afterwards unless `--keep`.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use passerelles::actor::Actor;
use passerelles::state::AppState;

use passerelles::metrics::{
    process_cpu_secs as cpu_secs, process_mib as vm_mib, reset_peak_rss as reset_peak,
};

pub async fn data_export(
    state: &AppState,
    user: Option<String>,
    out: Option<PathBuf>,
    keep: bool,
) -> anyhow::Result<()> {
    let db = &state.db;
    let t = Instant::now();
    let target = match user {
        Some(login) => passerelles::accounts::by_login(db, &login)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no account named {login}"))?,
        None => {
            let (id, _, _) = passerelles::data_rights::ops::most_active(db)
                .await?
                .ok_or_else(|| anyhow::anyhow!("nobody has written anything"))?;
            passerelles::accounts::by_id(db, id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("account {id} is gone"))?
        }
    };
    let (pubs, replies): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM publications WHERE author_id = $1), \
         (SELECT COUNT(*) FROM replies WHERE author_id = $1)",
    )
    .bind(target.id)
    .fetch_one(&db.pool)
    .await?;
    eprintln!(
        "{} ({pubs} publications, {replies} replies), found in {:.2} s",
        target.username,
        t.elapsed().as_secs_f64()
    );
    let rss_before = vm_mib("VmRSS:");
    let reset = reset_peak();
    let (c0, t0) = (cpu_secs(), Instant::now());
    let built = passerelles::data_rights::ops::build_now(state, &Actor::CLI, &target)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_secs() - c0);
    let peak = vm_mib("VmHWM:");
    println!(
        "archive of {} ({pubs} publications, {replies} replies, {} database): {wall:.2} s wall, \
         {cpu:.2} s CPU, {} bytes, {} items, largest buffer {} bytes, RSS {rss_before:.0} MiB \
         before, peak RSS {peak:.0} MiB {}",
        target.username,
        match db.backend {
            passerelles::db::Backend::Sqlite => "SQLite",
            passerelles::db::Backend::Postgres => "PostgreSQL",
        },
        built.size,
        built.items,
        built.peak_buffer,
        if reset {
            "during the build"
        } else {
            "(whole process: the peak could not be reset)"
        }
    );
    if let Some(path) = out {
        let e = passerelles::data_rights::get(db, built.export_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the archive is gone"))?;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
        let mut seq = 0;
        while let Some(bytes) = passerelles::data_rights::chunk(db, e.id, e.attempt, seq).await? {
            f.write_all(&bytes)?;
            seq += 1;
        }
        f.flush()?;
        eprintln!("written to {}", path.display());
    }
    if keep {
        eprintln!(
            "kept: {} may download it at /settings/data/exports/{} for 7 days",
            target.username, built.export_id
        );
    } else {
        passerelles::data_rights::ops::discard(db, built.export_id).await?;
    }
    Ok(())
}
