//! Imports (`/admin/imports`, issue 20): past and running imports from the
//! import ledger's runs (`portability::runs`), each with its report (totals,
//! every item skipped and why), and a form that takes a community archive
//! (`passerelles-community`) for a dry run or an import. The archive is
//! kept under the data directory while the run goes, in a task of this
//! node; the run's row says how far it got, and a run whose node stopped
//! shows as interrupted (the import resumes when started again). Discourse
//! and HumHub folders are imported with the command line; their runs are
//! listed here too.

use axum::extract::Multipart;
use axum::http::{HeaderValue, header};

use super::*;
use crate::portability::runs::{self, Run};

#[derive(Template)]
#[template(path = "admin_imports.html")]
pub(super) struct ImportsPage {
    s: Shell,
    nav: Vec<NavItem>,
    runs: Vec<Run>,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "admin_import_run.html")]
pub(super) struct RunPage {
    s: Shell,
    nav: Vec<NavItem>,
    r: Run,
}

fn status_key(status: &str) -> &'static str {
    match status {
        "queued" => "admin-import-status-queued",
        "running" => "admin-import-status-running",
        "done" => "admin-import-status-done",
        "failed" => "admin-import-status-failed",
        _ => "admin-import-status-interrupted",
    }
}

impl ImportsPage {
    fn status(&self, r: &Run) -> String {
        self.s.t(status_key(&r.status))
    }
}

impl RunPage {
    fn status(&self) -> String {
        self.s.t(status_key(&self.r.status))
    }
}

async fn list_page(state: &AppState, ctx: &Ctx, errors: FieldErrors) -> AppResult<ImportsPage> {
    Ok(ImportsPage {
        s: shell(state, ctx, "/admin/imports", None),
        nav: admin_nav(ctx.lang, "/admin/imports"),
        runs: runs::recent(&state.db, 50).await?,
        errors,
    })
}

pub(super) async fn imports(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    admin!(ctx);
    let p = list_page(&state, &ctx, FieldErrors::default()).await?;
    Ok(page(&ctx, &p))
}

pub(super) async fn run_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    admin!(ctx);
    let r = runs::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let going = matches!(r.status.as_str(), "queued" | "running");
    let label = ctx.lang.ta(
        "admin-import-run-title",
        &[("id", crate::i18n::Arg::Num(r.id))],
    );
    let p = RunPage {
        s: shell(
            &state,
            &ctx,
            "/admin/imports",
            Some((label, format!("/admin/imports/{id}"))),
        ),
        nav: admin_nav(ctx.lang, "/admin/imports"),
        r,
    };
    let mut res = page(&ctx, &p);
    if going {
        // Browsers reload the page while the run goes, without script.
        res.headers_mut()
            .insert(header::REFRESH, HeaderValue::from_static("5"));
    }
    Ok(res)
}

/// The form: an archive and "dry run", read as a stream into a file.
pub(super) async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    mut mp: Multipart,
) -> AppResult<Response> {
    let me = admin!(ctx, "/admin/imports");
    let bad = |_| AppError::BadRequest {
        code: "bad_multipart",
        message_key: "error-400-text",
    };
    let dir = state.config.data_dir.join("imports");
    std::fs::create_dir_all(&dir).map_err(|e| AppError::Internal(e.into()))?;
    let tmp = dir.join(format!("upload-{}.zip", crate::accounts::new_token().0));
    let (mut csrf, mut dry_run, mut name, mut size) = (String::new(), false, String::new(), 0);
    while let Some(mut field) = mp.next_field().await.map_err(bad)? {
        match field.name().unwrap_or("") {
            "file" => {
                name = crate::edge::input::text_field(
                    "file",
                    field.file_name().unwrap_or("").to_string(),
                )?;
                let mut out =
                    std::fs::File::create(&tmp).map_err(|e| AppError::Internal(e.into()))?;
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    size += chunk.len();
                    std::io::Write::write_all(&mut out, &chunk)
                        .map_err(|e| AppError::Internal(e.into()))?;
                }
            }
            "csrf" => csrf = field.text().await.map_err(bad)?,
            "dry_run" => dry_run = field.text().await.map_err(bad)? == "1",
            _ => {}
        }
    }
    let cleanup = || {
        let _ = std::fs::remove_file(&tmp);
    };
    if let Err(e) = ctx.verify_csrf(&csrf) {
        cleanup();
        return Err(e);
    }
    let archive = if size == 0 {
        Err("admin-import-file-missing")
    } else {
        crate::portability::export::Archive::open(&tmp).map_err(|_| "admin-import-file-unreadable")
    };
    let archive = match archive {
        Ok(a) => a,
        Err(key) => {
            cleanup();
            let mut errors = FieldErrors::default();
            errors.add(ctx.lang, "file", key);
            let p = list_page(&state, &ctx, errors).await?;
            return Ok(invalid(&ctx, &p));
        }
    };
    let actor = Actor::Person(me);
    let id = runs::start(&state.db, "community", &name, None, dry_run, &actor).await?;
    let st = state.clone();
    tokio::spawn(async move {
        let blobs = |sha: &str| archive.blob(sha);
        let mut progress = |_: usize, _: usize| {};
        let out = crate::portability::import::run_recorded(
            &st,
            &actor,
            &archive.bundle,
            &blobs,
            dry_run,
            Some(id),
            &mut progress,
        )
        .await;
        let written = match out {
            Ok(report) => runs::finish(&st.db, id, &report, &[]).await,
            Err(e) => runs::fail(&st.db, id, &e.to_string()).await,
        };
        if let Err(e) = written {
            tracing::warn!(error = %e, run = id, "import run report");
        }
        drop(archive);
        let _ = std::fs::remove_file(&tmp);
    });
    Ok(ctx.redirect(&format!("/admin/imports/{id}")))
}
