//! `passerelles admin territories import <file> [--level L] [--skip-bad-lines]`:
//! the same operation as `/admin/territories`, acting as the command line,
//! with a progress bar on standard error and the per-line report.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;
use passerelles::actor::Actor;
use passerelles::error::AppError;
use passerelles::state::AppState;
use passerelles::territories::Level;
use passerelles::territories::ops::{self, ImportInput};

#[derive(Subcommand)]
pub enum TerritoriesCommand {
    /// Import or update territories from a file: the Données Québec
    /// "Découpages administratifs" layers regio_s, mrc_s, munic_s (GeoJSON
    /// or CSV), the MAMH "Répertoire des municipalités" CSV, Statistics
    /// Canada census subdivisions, or a plain CSV/GeoJSON (level, code,
    /// name, parent_code). With bad lines nothing changes unless
    /// --skip-bad-lines; the same file twice changes nothing.
    Import {
        file: PathBuf,
        /// Level of a plain file without a level column: region, mrc, municipality, sector.
        #[arg(long)]
        level: Option<String>,
        /// Import the good lines even when some are bad.
        #[arg(long)]
        skip_bad_lines: bool,
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

pub async fn run(state: &AppState, command: TerritoriesCommand) -> anyhow::Result<()> {
    match command {
        TerritoriesCommand::Import {
            file,
            level,
            skip_bad_lines,
        } => {
            let level = match level.as_deref() {
                None => None,
                Some(l) => {
                    Some(Level::parse(l).ok_or_else(|| anyhow::anyhow!("unknown level {l}"))?)
                }
            };
            let bytes = std::fs::read(&file)?;
            let progress = bar;
            let r = ops::import(
                state,
                &Actor::CLI,
                ImportInput {
                    bytes: &bytes,
                    level,
                    skip_bad_lines,
                    progress: Some(&progress),
                },
            )
            .await;
            let report = match r {
                Ok(r) => r,
                Err(AppError::Invalid { fields }) => {
                    let what: Vec<String> = fields.into_iter().map(|(_, k)| k).collect();
                    anyhow::bail!("the file was refused: {}", what.join(", "));
                }
                Err(e) => return Err(anyhow::anyhow!("{e}")),
            };
            let unit = if report.features { "feature" } else { "line" };
            for i in &report.issues {
                println!("{unit} {}: code {:?}: {}", i.line, i.code, i.key);
            }
            println!(
                "{}: {} created, {} updated, {} unchanged, {} bad {unit}(s), {} outside Québec.",
                report.format.map(|f| f.as_str()).unwrap_or("?"),
                report.created,
                report.updated,
                report.unchanged,
                report.issues.len(),
                report.ignored
            );
            if !report.applied {
                anyhow::bail!("nothing was imported: fix the bad lines or pass --skip-bad-lines");
            }
            Ok(())
        }
    }
}
