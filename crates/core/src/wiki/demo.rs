//! Demo wiki pages for `seed-demo`: in the first open communities, a home
//! page linking a charter and a meeting-notes page under it, each with two
//! revisions so the history and the diff have something to show.

use crate::db::{Db, now};

/// Pages of (title, first text, second text, parent index).
const PAGES: &[(&str, &str, &str, Option<usize>)] = &[
    (
        "Accueil",
        "Bienvenue dans le wiki de la communauté.\n\nLisez d'abord la [[Charte]].\n",
        "Bienvenue dans le wiki de la communauté.\n\nLisez d'abord la [[Charte]], puis les [[Comptes rendus]].\n",
        None,
    ),
    (
        "Charte",
        "1. Respect des personnes\n2. Partage des savoirs\n",
        "1. Respect des personnes\n2. Partage des savoirs\n3. Décisions au consensus\n",
        Some(0),
    ),
    (
        "Comptes rendus",
        "## Rencontre de janvier\n\n- Bilan de l'année\n",
        "## Rencontre de janvier\n\n- Bilan de l'année\n- Calendrier des ateliers\n",
        Some(0),
    ),
];

/// Seed the wikis of up to `communities` open communities; the pages written.
pub async fn seed(db: &Db, communities: i64) -> anyhow::Result<i64> {
    let ids: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, created_by FROM communities WHERE visibility = 'open' AND status = 'active' \
         AND NOT EXISTS (SELECT 1 FROM wiki_pages w WHERE w.community_id = communities.id) ORDER BY id LIMIT $1",
    )
    .bind(communities)
    .fetch_all(&db.pool)
    .await?;
    let t = now();
    let mut written = 0;
    for (cid, author) in ids {
        let mut tx = db.begin().await?;
        let mut made: Vec<i64> = Vec::new();
        for (title, first, second, parent) in PAGES {
            let parent_id = parent.map(|i| made[i]);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO wiki_pages (community_id, parent_id, slug, title, body, revision_id, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $7) RETURNING id",
            )
            .bind(cid)
            .bind(parent_id)
            .bind(super::slug_for(title))
            .bind(*title)
            .bind(*second)
            .bind(author)
            .bind(t)
            .fetch_one(&mut *tx)
            .await?;
            let mut rev = 0;
            for (k, body) in [first, second].into_iter().enumerate() {
                rev = sqlx::query_scalar(
                    "INSERT INTO wiki_revisions (page_id, title, body, note, author_id, created_at) \
                     VALUES ($1, $2, $3, '', $4, $5) RETURNING id",
                )
                .bind(id)
                .bind(*title)
                .bind(*body)
                .bind(author)
                .bind(t - 86400 * (1 - k as i64))
                .fetch_one(&mut *tx)
                .await?;
            }
            sqlx::query("UPDATE wiki_pages SET revision_id = $1 WHERE id = $2")
                .bind(rev)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            made.push(id);
            written += 1;
        }
        tx.commit().await?;
    }
    Ok(written)
}
