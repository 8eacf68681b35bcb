//! `passerelles admin community-export <slug> <file.zip>` and
//! `passerelles admin import community|discourse|humhub <path> [--dry-run]`:
//! the operations of `portability`, acting as the command line, with a
//! progress bar on standard error and a report line per item on standard
//! output (`--quiet-report` prints the totals only).

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;
use passerelles::actor::Actor;
use passerelles::portability::{self, Line, Report};
use passerelles::state::AppState;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// A community archive made by `admin community-export` (or the
    /// owner's download) on another Passerelles instance.
    Community {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        quiet_report: bool,
    },
    /// A Discourse forum saved from its API (folder layout:
    /// docs/migration/README.md).
    Discourse {
        dir: PathBuf,
        #[arg(long)]
        dry_run: bool,
        /// The old forum's address (https://forum.example): its links in
        /// texts are rewritten and its old paths redirected here.
        #[arg(long)]
        origin: Option<String>,
        #[arg(long)]
        quiet_report: bool,
    },
    /// A HumHub network saved from its REST API (folder layout:
    /// docs/migration/README.md).
    Humhub {
        dir: PathBuf,
        #[arg(long)]
        dry_run: bool,
        /// The old forum's address (https://forum.example): its links in
        /// texts are rewritten and its old paths redirected here.
        #[arg(long)]
        origin: Option<String>,
        #[arg(long)]
        quiet_report: bool,
    },
}

fn bar(done: usize, total: usize) {
    let width = 40;
    let filled = if total == 0 {
        width
    } else {
        done * width / total
    };
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "\r[{}{}] {done}/{total}",
        "#".repeat(filled),
        " ".repeat(width - filled)
    );
    if done == total {
        let _ = writeln!(err);
    }
    let _ = err.flush();
}

fn print(pre: &[Line], report: &Report, quiet: bool) {
    if !quiet {
        for l in pre.iter().chain(&report.lines) {
            println!("{l}");
        }
    }
    println!(
        "{}{} imported, {} unchanged, {} skipped.",
        if report.dry_run {
            "DRY RUN, nothing written: "
        } else {
            ""
        },
        report.imported(),
        report.unchanged(),
        report.skipped() + pre.len()
    );
}

pub async fn import(state: &AppState, command: ImportCommand) -> anyhow::Result<()> {
    let (format, name) = match &command {
        ImportCommand::Community { file, .. } => ("community", file.display().to_string()),
        ImportCommand::Discourse { dir, .. } => ("discourse", dir.display().to_string()),
        ImportCommand::Humhub { dir, .. } => ("humhub", dir.display().to_string()),
    };
    let (bundle, pre, archive, dry_run, quiet) = match command {
        ImportCommand::Community {
            file,
            dry_run,
            quiet_report,
        } => {
            let a = portability::export::Archive::open(&file)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            (a.bundle.clone(), Vec::new(), Some(a), dry_run, quiet_report)
        }
        ImportCommand::Discourse {
            dir,
            dry_run,
            origin,
            quiet_report,
        } => {
            let (mut b, pre) = portability::discourse::read_dir(&dir)?;
            b.origin = origin.or(b.origin);
            (b, pre, None, dry_run, quiet_report)
        }
        ImportCommand::Humhub {
            dir,
            dry_run,
            origin,
            quiet_report,
        } => {
            let (mut b, pre) = portability::humhub::read_dir(&dir)?;
            b.origin = origin.or(b.origin);
            (b, pre, None, dry_run, quiet_report)
        }
    };
    let blobs = |sha: &str| archive.as_ref().and_then(|a| a.blob(sha));
    let mut progress = bar;
    // The run is listed on the administration page (`/admin/imports`).
    let run =
        portability::runs::start(&state.db, format, &name, None, dry_run, &Actor::CLI).await?;
    let report = match portability::import::run_recorded(
        state,
        &Actor::CLI,
        &bundle,
        &blobs,
        dry_run,
        Some(run),
        &mut progress,
    )
    .await
    {
        Ok(r) => r,
        Err(e) => {
            portability::runs::fail(&state.db, run, &e.to_string()).await?;
            anyhow::bail!("{e}");
        }
    };
    portability::runs::finish(&state.db, run, &report, &pre).await?;
    print(&pre, &report, quiet);
    Ok(())
}

pub async fn export(state: &AppState, slug: &str, out: PathBuf) -> anyhow::Result<()> {
    let c = passerelles::communities::by_slug(&state.db, slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no community {slug}"))?;
    let l = passerelles::communities::access::Loaded::new(c, None);
    let mut file = std::io::BufWriter::new(std::fs::File::create(&out)?);
    let b = portability::export::write(state, &Actor::CLI, &l, &mut file)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{}: {} members, {} publications, {} events, {} wiki pages, {} files → {}",
        slug,
        b.communities.first().map(|c| c.members.len()).unwrap_or(0),
        b.publications.len(),
        b.events.len(),
        b.wiki.len(),
        b.files.len(),
        out.display()
    );
    Ok(())
}
