//! The compose form's draft: one per person, saved explicitly ("Enregistrer
//! le brouillon", no JavaScript needed) or every few seconds by
//! `static/compose.js`, offered again when the compose form opens, cleared
//! once the publication is published, or when discarded.
//! Only its author ever reads it (it is keyed on the session's account).

use super::Draft;
use crate::actor::Actor;
use crate::db::{Db, now};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Bounds of what a draft keeps (the publication's own rules — tags,
/// communities, the link — are checked when publishing).
const TAGS_MAX: usize = 2000;
const LINK_MAX: usize = 2000;
const COMMUNITIES_MAX: usize = 100;

/// A saved draft and when it was saved (Unix seconds).
#[derive(Debug, Clone)]
pub struct Saved {
    pub draft: Draft,
    pub updated_at: i64,
}

pub async fn load(db: &Db, user_id: i64) -> Result<Option<Saved>, sqlx::Error> {
    let row: Option<(String, String, String, String, String, String, i64)> = sqlx::query_as(
        "SELECT kind, title, body, tags, link_url, communities, updated_at \
         FROM publication_drafts WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(
        |(kind, title, body, tags, link_url, communities, updated_at)| Saved {
            draft: Draft {
                kind,
                title,
                body,
                tags,
                link_url,
                community_ids: communities
                    .split(',')
                    .filter_map(|c| c.trim().parse().ok())
                    .collect(),
            },
            updated_at,
        },
    ))
}

/// Save (replace) the person's draft. An empty draft discards it.
pub async fn save(state: &AppState, actor: &Actor, d: &Draft) -> AppResult<()> {
    let Actor::Person(user) = actor else {
        return Err(AppError::Forbidden);
    };
    let mut refused = Vec::new();
    if d.title.chars().count() > super::TITLE_MAX {
        refused.push(("title", "publication-title-too-long"));
    }
    if d.body.len() > crate::markdown::MAX_SOURCE_BYTES {
        refused.push(("body", "publication-body-too-long"));
    }
    if d.tags.chars().count() > TAGS_MAX {
        refused.push(("tags", "field-too-long"));
    }
    if d.link_url.chars().count() > LINK_MAX {
        refused.push(("link_url", "field-too-long"));
    }
    if d.community_ids.len() > COMMUNITIES_MAX {
        refused.push(("communities", "field-too-long"));
    }
    if !refused.is_empty() {
        return Err(super::ops::invalid(refused));
    }
    if d.title.trim().is_empty() && d.body.trim().is_empty() && d.link_url.trim().is_empty() {
        return discard(&state.db, user.id).await.map_err(Into::into);
    }
    let communities = d
        .community_ids
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    sqlx::query(
        "INSERT INTO publication_drafts (user_id, kind, title, body, tags, link_url, communities, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id) DO UPDATE SET \
         kind = excluded.kind, title = excluded.title, body = excluded.body, tags = excluded.tags, \
         link_url = excluded.link_url, communities = excluded.communities, updated_at = excluded.updated_at",
    )
    .bind(user.id)
    .bind(&d.kind)
    .bind(&d.title)
    .bind(&d.body)
    .bind(&d.tags)
    .bind(&d.link_url)
    .bind(communities)
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    Ok(())
}

pub async fn discard(db: &Db, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM publication_drafts WHERE user_id = $1")
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}
