//! Placements, inside the caller's transaction: communities
//! (`community_territories`), publications (`publication_territories`:
//! the author's choice, `via_community_id` 0, and the places of the
//! communities they are shared into) and the publication roll-up
//! (`publication_territory_rollup`, migration 0014).
//!
//! Organisations and initiatives keep their own placement tables (their
//! domain's migration) and roll up through `territory_closure` the same way
//! communities do.

use sqlx::AnyConnection;

/// The territories a community is placed on.
pub async fn of_community(
    conn: &mut AnyConnection,
    community_id: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT territory_id FROM community_territories WHERE community_id = $1 ORDER BY territory_id")
        .bind(community_id)
        .fetch_all(&mut *conn)
        .await
}

/// Place a community on exactly `territories` (none: nowhere in
/// particular), keep `communities.territory` (the slug shown and filtered
/// on) in step, and move its publications' inherited places with it.
pub async fn set_community_in(
    conn: &mut AnyConnection,
    community_id: i64,
    territories: &[i64],
) -> Result<(), sqlx::Error> {
    if of_community(conn, community_id).await? == sorted(territories) {
        return Ok(());
    }
    sqlx::query("DELETE FROM community_territories WHERE community_id = $1")
        .bind(community_id)
        .execute(&mut *conn)
        .await?;
    for t in sorted(territories) {
        sqlx::query(
            "INSERT INTO community_territories (community_id, territory_id) VALUES ($1, $2)",
        )
        .bind(community_id)
        .bind(t)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "UPDATE communities SET territory = COALESCE((SELECT t.slug FROM community_territories ct \
         JOIN territories t ON t.id = ct.territory_id WHERE ct.community_id = $1 ORDER BY t.depth DESC, t.id LIMIT 1), '') \
         WHERE id = $1",
    )
    .bind(community_id)
    .execute(&mut *conn)
    .await?;
    // Its publications follow.
    sqlx::query("DELETE FROM publication_territories WHERE via_community_id = $1")
        .bind(community_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO publication_territories (publication_id, territory_id, via_community_id) \
         SELECT pc.publication_id, ct.territory_id, ct.community_id FROM publication_communities pc \
         JOIN community_territories ct ON ct.community_id = pc.community_id WHERE pc.community_id = $1",
    )
    .bind(community_id)
    .execute(&mut *conn)
    .await?;
    rebuild_rollup_in(
        conn,
        "SELECT publication_id FROM publication_communities WHERE community_id = $1",
        community_id,
    )
    .await
}

fn sorted(ids: &[i64]) -> Vec<i64> {
    let mut v = ids.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

/// A publication just created or shared: it inherits the places of its
/// communities, plus the author's own choice (`chosen`, may be empty).
pub async fn sync_publication_in(
    conn: &mut AnyConnection,
    publication_id: i64,
    chosen: Option<&[i64]>,
) -> Result<(), sqlx::Error> {
    if let Some(chosen) = chosen {
        sqlx::query("DELETE FROM publication_territories WHERE publication_id = $1 AND via_community_id = 0")
            .bind(publication_id)
            .execute(&mut *conn)
            .await?;
        for t in sorted(chosen) {
            sqlx::query(
                "INSERT INTO publication_territories (publication_id, territory_id, via_community_id) VALUES ($1, $2, 0)",
            )
            .bind(publication_id)
            .bind(t)
            .execute(&mut *conn)
            .await?;
        }
    }
    sqlx::query(
        "DELETE FROM publication_territories WHERE publication_id = $1 AND via_community_id <> 0",
    )
    .bind(publication_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO publication_territories (publication_id, territory_id, via_community_id) \
         SELECT pc.publication_id, ct.territory_id, ct.community_id FROM publication_communities pc \
         JOIN community_territories ct ON ct.community_id = pc.community_id WHERE pc.publication_id = $1",
    )
    .bind(publication_id)
    .execute(&mut *conn)
    .await?;
    rebuild_rollup_in(conn, "SELECT $1", publication_id).await
}

/// Recompute the roll-up rows of the publications `ids_sql` selects (a
/// statement with one parameter, `$1` = `param`).
pub async fn rebuild_rollup_in(
    conn: &mut AnyConnection,
    ids_sql: &str,
    param: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM publication_territory_rollup WHERE publication_id IN ({ids_sql})"
    )))
    .bind(param)
    .execute(&mut *conn)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO publication_territory_rollup (ancestor_id, publication_id, created_at) \
         SELECT DISTINCT tc.ancestor_id, pt.publication_id, p.created_at FROM publication_territories pt \
         JOIN territory_closure tc ON tc.descendant_id = pt.territory_id JOIN publications p ON p.id = pt.publication_id \
         WHERE pt.publication_id IN ({ids_sql})"
    )))
    .bind(param)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// After a territory moved in the tree: the roll-up of every publication
/// placed in its subtree.
pub async fn territory_moved_in(
    conn: &mut AnyConnection,
    territory_id: i64,
) -> Result<(), sqlx::Error> {
    rebuild_rollup_in(
        conn,
        "SELECT pt.publication_id FROM publication_territories pt JOIN territory_closure tc \
         ON tc.descendant_id = pt.territory_id WHERE tc.ancestor_id = $1",
        territory_id,
    )
    .await
}
