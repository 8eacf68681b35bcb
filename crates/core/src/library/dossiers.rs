//! Thematic dossiers (C8): an introduction and an ordered path through
//! resources and publications, each with a note. Curators (administrators)
//! write them; a draft is for curators only. A reader sees only the items
//! they may see (each item through its own policy: `ViewResource`, the
//! publication's sight as found without a link).

use sqlx::Row;

use crate::accounts::User;
use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::db::{Db, now};
use crate::error::{AppError, AppResult};
use crate::policy::{Action, Sight};
use crate::state::AppState;

pub const TITLE_MAX: usize = 200;
pub const INTRO_MAX: usize = 20000;
pub const NOTE_MAX: usize = 2000;
pub const ITEMS_MAX: i64 = 200;

#[derive(Debug, Clone)]
pub struct Dossier {
    pub id: i64,
    pub title: String,
    pub introduction: String,
    pub introduction_html: String,
    pub published: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Dossier {
    pub fn path(&self) -> String {
        crate::urls::dossier(self.id)
    }
    /// Drafts are for curators.
    pub fn visible_to(&self, viewer: Option<&User>) -> bool {
        self.published || crate::policy::can(viewer, Action::CurateLibrary)
    }
}

/// One item as a reader sees it.
#[derive(Debug, Clone)]
pub struct Item {
    pub id: i64,
    pub position: i64,
    /// `resource` or `publication`.
    pub kind: String,
    pub title: String,
    pub path: String,
    pub note: String,
    /// The resource, for citation exports.
    pub resource: Option<super::Resource>,
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Dossier, sqlx::Error> {
    let st: String = r.try_get("status")?;
    Ok(Dossier {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        introduction: r.try_get("introduction")?,
        introduction_html: r.try_get("introduction_html")?,
        published: st == "published",
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

const COLUMNS: &str = "id, title, introduction, introduction_html, status, created_at, updated_at";

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Dossier>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM dossiers WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Dossiers the viewer may see, newest first.
pub async fn list(db: &Db, viewer: Option<&User>) -> Result<Vec<Dossier>, sqlx::Error> {
    let drafts = crate::policy::can(viewer, Action::CurateLibrary);
    let sql = format!(
        "SELECT {COLUMNS} FROM dossiers {} ORDER BY updated_at DESC, id DESC LIMIT 200",
        if drafts {
            ""
        } else {
            "WHERE status = 'published'"
        }
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// The items of a dossier that `viewer` may see, in order.
pub async fn items(
    db: &Db,
    viewer: Option<&User>,
    dossier_id: i64,
) -> Result<Vec<Item>, sqlx::Error> {
    let rows: Vec<(i64, i64, String, i64, String)> = sqlx::query_as(
        "SELECT id, position, item_kind, item_id, note FROM dossier_items WHERE dossier_id = $1 ORDER BY position, id",
    )
    .bind(dossier_id)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    for (id, position, kind, item_id, note) in rows {
        if kind == "resource" {
            if let Some(l) = super::load(db, viewer, item_id).await?
                && l.visible_to(viewer)
            {
                out.push(Item {
                    id,
                    position,
                    kind,
                    title: l.r.title.clone(),
                    path: l.r.path(),
                    note,
                    resource: Some(l.r),
                });
            }
        } else if let Some(p) = crate::publications::by_id(db, item_id, viewer).await? {
            let links = crate::publications::links_of(db, viewer, &[p.id]).await?;
            let links = links.get(&p.id).cloned().unwrap_or_default();
            if crate::publications::sight(viewer, &p, &links) == Sight::Full {
                out.push(Item {
                    id,
                    position,
                    kind,
                    title: p.title.clone(),
                    path: crate::urls::publication(p.id),
                    note,
                    resource: None,
                });
            }
        }
    }
    Ok(out)
}

/// Create a dossier (a draft unless `published`).
pub async fn create(
    state: &AppState,
    actor: &Actor,
    title: &str,
    introduction: &str,
    published: bool,
) -> AppResult<Dossier> {
    if !actor.may(Action::CurateLibrary) {
        return Err(AppError::Forbidden);
    }
    let title = title.trim();
    let introduction = introduction.trim().replace("\r\n", "\n");
    let mut errs = Vec::new();
    if title.is_empty() {
        errs.push(("title", "field-required"));
    } else if title.chars().count() > TITLE_MAX {
        errs.push(("title", "field-too-long"));
    }
    if introduction.chars().count() > INTRO_MAX {
        errs.push(("introduction", "field-too-long"));
    }
    if !errs.is_empty() {
        return Err(super::ops::invalid(errs));
    }
    let t = now();
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO dossiers (title, introduction, introduction_html, status, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(title)
    .bind(&introduction)
    .bind(crate::markdown::render(&introduction).html)
    .bind(if published { "published" } else { "draft" })
    .bind(actor.audit_id())
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    audit_in(
        &mut tx,
        actor,
        "dossier_created",
        None,
        &format!("{id} {title}"),
    )
    .await?;
    tx.commit().await?;
    by_id(&state.db, id).await?.ok_or(AppError::NotFound)
}

/// Add an item at the end: `kind` is `resource` or `publication`; the
/// curator must see it.
pub async fn add_item(
    state: &AppState,
    actor: &Actor,
    dossier_id: i64,
    kind: &str,
    item_id: i64,
    note: &str,
) -> AppResult<()> {
    if !actor.may(Action::CurateLibrary) {
        return Err(AppError::Forbidden);
    }
    let d = by_id(&state.db, dossier_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let note = note.trim();
    if note.chars().count() > NOTE_MAX {
        return Err(super::ops::invalid(vec![("note", "field-too-long")]));
    }
    let viewer = actor.user();
    let seen = match kind {
        "resource" => super::load(&state.db, viewer, item_id)
            .await?
            .is_some_and(|l| {
                actor.may(Action::ViewResource {
                    r: &l.r.facts(),
                    via: &l.via(),
                })
            }),
        "publication" => match crate::publications::by_id(&state.db, item_id, viewer).await? {
            Some(p) => {
                let links = crate::publications::links_of(&state.db, viewer, &[p.id]).await?;
                let links = links.get(&p.id).cloned().unwrap_or_default();
                viewer.is_none() || crate::publications::sight(viewer, &p, &links) == Sight::Full
            }
            None => false,
        },
        _ => return Err(super::ops::invalid(vec![("kind", "dossier-kind-invalid")])),
    };
    if !seen {
        return Err(super::ops::invalid(vec![("item", "dossier-item-unknown")]));
    }
    let mut tx = state.db.begin().await?;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dossier_items WHERE dossier_id = $1")
        .bind(d.id)
        .fetch_one(&mut *tx)
        .await?;
    if count >= ITEMS_MAX {
        return Err(super::ops::invalid(vec![("item", "dossier-full")]));
    }
    let pos: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(position), 0) + 1 FROM dossier_items WHERE dossier_id = $1",
    )
    .bind(d.id)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO dossier_items (dossier_id, position, item_kind, item_id, note) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(d.id)
    .bind(pos)
    .bind(kind)
    .bind(item_id)
    .bind(note)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE dossiers SET updated_at = $1 WHERE id = $2")
        .bind(now())
        .bind(d.id)
        .execute(&mut *tx)
        .await?;
    audit_in(
        &mut tx,
        actor,
        "dossier_item_added",
        None,
        &format!("{} {kind} {item_id}", d.id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
