//! A community's file space (C19): a folder's page (`/c/{slug}/files`,
//! `?folder=N`) with its sub-folders, files and their versions, the space
//! used against the quota, the upload form (a refusal — over the quota, a
//! refused type — comes back on the page with a readable message), new
//! folders, downloads through the policy, deletion (moderators) and the
//! quota (administrators). Handlers parse, call `crate::space::ops`, render.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::errors_of;
use crate::communities::access::Loaded;
use crate::edge::{download_response, read_multipart};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::policy::{self, Action};
use crate::space::{self, SpaceFile, ops};
use crate::web::AppState;
use crate::web::ctx::CsrfForm;
use crate::web::ctx::Ctx;
use crate::web::templates::{FieldErrors, Shell, invalid, page};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/c/{slug}/files", get(index))
        .route("/c/{slug}/files/upload", post(upload))
        .route("/c/{slug}/files/folders", post(new_folder))
        .route("/c/{slug}/files/quota", post(set_quota))
        .route("/c/{slug}/files/{id}", get(download))
        .route("/c/{slug}/files/{id}/delete", post(delete))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FolderQuery {
    folder: i64,
}

/// One file name in a folder with its versions (the newest first).
pub struct Entry {
    pub name: String,
    pub versions: Vec<(String, i64, String, String, i64)>,
    /// The newest version's id (what delete names).
    pub id: i64,
}

#[derive(Template)]
#[template(path = "space/index.html")]
struct IndexPage {
    s: Shell,
    folder: i64,
    action_base: String,
    /// (href, name)
    folders: Vec<(String, String)>,
    entries: Vec<Entry>,
    usage: String,
    over: bool,
    can_write: bool,
    can_delete: bool,
    can_quota: bool,
    quota_mb: String,
    errors: FieldErrors,
    folder_name: String,
}

async fn index_page(
    state: &AppState,
    ctx: &Ctx,
    l: &Loaded,
    folder: i64,
    errors: FieldErrors,
    folder_name: String,
) -> AppResult<IndexPage> {
    let en = ctx.lang == Lang::En;
    let viewer = ctx.user.as_ref();
    let all = space::folders(&state.db, l.c.id).await?;
    let path = space::path_to(&all, folder);
    if folder != 0 && path.last().is_none_or(|f| f.id != folder) {
        return Err(AppError::NotFound);
    }
    let title = ctx.t("space-title");
    let mut s = Shell::new(
        state,
        ctx,
        &format!("{title} · {}", l.c.name),
        "communities",
    )
    .crumb(ctx.t("community-nav"), "/c")
    .crumb(l.c.name.clone(), l.c.path())
    .crumb(title, crate::urls::space(&l.c.slug, 0));
    for f in &path {
        s = s.crumb(f.name.clone(), crate::urls::space(&l.c.slug, f.id));
    }
    let folders = all
        .iter()
        .filter(|f| f.parent_id.unwrap_or(0) == folder)
        .map(|f| (crate::urls::space(&l.c.slug, f.id), f.name.clone()))
        .collect();
    let files = space::files_in(&state.db, l.c.id, folder).await?;
    let mut entries: Vec<Entry> = Vec::new();
    for f in files {
        let SpaceFile {
            id,
            name,
            version,
            size,
            uploader,
            created_at,
            ..
        } = f;
        let v = (
            crate::urls::space_file(&l.c.slug, id),
            version,
            space::human_size(size, en),
            uploader.unwrap_or_default(),
            created_at,
        );
        match entries.last_mut() {
            Some(e) if e.name == name => e.versions.push(v),
            _ => entries.push(Entry {
                name,
                versions: vec![v],
                id,
            }),
        }
    }
    let (used, quota) = space::usage(&state.db.pool, l.c.id).await?;
    let usage = ctx.lang.ta(
        "space-usage",
        &[
            (
                "used",
                crate::i18n::Arg::from(space::human_size(used, en).as_str()),
            ),
            (
                "quota",
                crate::i18n::Arg::from(space::human_size(quota, en).as_str()),
            ),
        ],
    );
    Ok(IndexPage {
        s,
        folder,
        action_base: format!("{}/files", l.c.path()),
        folders,
        entries,
        usage,
        over: used >= quota,
        can_write: policy::can(
            viewer,
            Action::EditCommunitySpace {
                c: &l.facts,
                m: l.m,
            },
        ),
        can_delete: policy::can(
            viewer,
            Action::ModerateCommunitySpace {
                c: &l.facts,
                m: l.m,
            },
        ),
        can_quota: policy::can(viewer, Action::SetFileQuota),
        quota_mb: (quota / (1024 * 1024)).to_string(),
        errors,
        folder_name,
    })
}

async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<FolderQuery>,
) -> AppResult<Response> {
    let l = crate::wiki::ops::open(&state, ctx.user.as_ref(), &slug).await?;
    let p = index_page(
        &state,
        &ctx,
        &l,
        q.folder,
        FieldErrors::default(),
        String::new(),
    )
    .await?;
    Ok(page(&ctx, &p))
}

async fn upload(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    mp: Multipart,
) -> AppResult<Response> {
    let a = ctx.acting()?;
    let f = read_multipart(mp, "files").await?;
    ctx.verify_csrf(&f.get("csrf"))?;
    let folder: i64 = f.get("folder").parse().unwrap_or(0);
    let refused = f.refused.first().map(|(_, k)| k.to_string());
    let result = match refused {
        Some(key) => Err(vec![("files".to_string(), key)]),
        None => match ops::upload(&state, &a, &slug, folder, f.uploads).await {
            Ok(_) => Ok(()),
            Err(AppError::Invalid { fields }) => Err(fields),
            Err(e) => return Err(e),
        },
    };
    match result {
        Ok(()) => {
            ctx.flash("flash-space-uploaded");
            Ok(ctx.redirect(&crate::urls::space(&slug, folder)))
        }
        Err(fields) => {
            let l = crate::wiki::ops::open(&state, ctx.user.as_ref(), &slug).await?;
            let p = index_page(
                &state,
                &ctx,
                &l,
                folder,
                errors_of(ctx.lang, &fields),
                String::new(),
            )
            .await?;
            Ok(invalid(&ctx, &p))
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FolderForm {
    csrf: String,
    folder: i64,
    name: String,
}

async fn new_folder(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<FolderForm>,
) -> AppResult<Response> {
    let a = ctx.acting()?;
    ctx.verify_csrf(&f.csrf)?;
    match ops::create_folder(&state, &a, &slug, f.folder, &f.name).await {
        Ok(id) => {
            ctx.flash("flash-space-folder-created");
            Ok(ctx.redirect(&crate::urls::space(&slug, id)))
        }
        Err(AppError::Invalid { fields }) => {
            let l = crate::wiki::ops::open(&state, ctx.user.as_ref(), &slug).await?;
            let p = index_page(
                &state,
                &ctx,
                &l,
                f.folder,
                errors_of(ctx.lang, &fields),
                f.name,
            )
            .await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct QuotaForm {
    csrf: String,
    /// Megabytes; empty for the instance default.
    quota: String,
}

async fn set_quota(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<QuotaForm>,
) -> AppResult<Response> {
    let a = ctx.acting()?;
    ctx.verify_csrf(&f.csrf)?;
    let mb = match f.quota.trim() {
        "" => Ok(None),
        s => s.parse::<i64>().map(Some),
    };
    let result = match mb {
        Ok(mb) => ops::set_quota(&state, &a, &slug, mb).await,
        Err(_) => Err(crate::library::ops::invalid(vec![(
            "quota",
            "space-quota-invalid",
        )])),
    };
    match result {
        Ok(()) => {
            ctx.flash("flash-space-quota-set");
            Ok(ctx.redirect(&crate::urls::space(&slug, 0)))
        }
        Err(AppError::Invalid { fields }) => {
            let l = crate::wiki::ops::open(&state, ctx.user.as_ref(), &slug).await?;
            let p = index_page(
                &state,
                &ctx,
                &l,
                0,
                errors_of(ctx.lang, &fields),
                String::new(),
            )
            .await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let (f, bytes) = ops::file_bytes(&state, ctx.user.as_ref(), &slug, id).await?;
    Ok(ctx.finish(download_response(&f.name, &f.content_type, bytes)))
}

async fn delete(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, id)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    let a = ctx.acting()?;
    ctx.verify_csrf(&f.csrf)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let file = ops::delete_file(&state, &a, &slug, id).await?;
    ctx.flash("flash-space-deleted");
    Ok(ctx.redirect(&crate::urls::space(&slug, file.folder_id)))
}
