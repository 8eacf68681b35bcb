//! The closure table kept in step with the tree, inside the caller's
//! transaction: one row per (ancestor, descendant) pair, each territory its
//! own ancestor at distance 0.

use sqlx::AnyConnection;

/// A new territory `id` under `parent`: itself, and every ancestor of the
/// parent one step further.
pub async fn insert_in(
    conn: &mut AnyConnection,
    id: i64,
    parent: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO territory_closure (ancestor_id, descendant_id, distance) VALUES ($1, $1, 0)",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if let Some(p) = parent {
        sqlx::query(
            "INSERT INTO territory_closure (ancestor_id, descendant_id, distance) \
             SELECT ancestor_id, $1, distance + 1 FROM territory_closure WHERE descendant_id = $2",
        )
        .bind(id)
        .bind(p)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Move the subtree rooted at `id` under `new_parent`: the pairs linking
/// the subtree to its old ancestors go, the pairs to the new ones come, and
/// depths follow. The caller has checked `new_parent` is not inside the
/// subtree.
pub async fn move_in(
    conn: &mut AnyConnection,
    id: i64,
    new_parent: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM territory_closure WHERE descendant_id IN \
           (SELECT descendant_id FROM territory_closure WHERE ancestor_id = $1) \
         AND ancestor_id IN (SELECT ancestor_id FROM territory_closure WHERE descendant_id = $1 AND distance > 0)",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO territory_closure (ancestor_id, descendant_id, distance) \
         SELECT a.ancestor_id, d.descendant_id, a.distance + d.distance + 1 \
         FROM territory_closure a, territory_closure d WHERE a.descendant_id = $1 AND d.ancestor_id = $2",
    )
    .bind(new_parent)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    // Depth = distance to the root.
    sqlx::query(
        "UPDATE territories SET depth = (SELECT MAX(c.distance) FROM territory_closure c WHERE c.descendant_id = territories.id) \
         WHERE id IN (SELECT descendant_id FROM territory_closure WHERE ancestor_id = $1)",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE territories SET parent_id = $1 WHERE id = $2")
        .bind(new_parent)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Whether `maybe_descendant` is `id` or below it.
pub async fn is_within(
    conn: &mut AnyConnection,
    maybe_descendant: i64,
    id: i64,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM territory_closure WHERE ancestor_id = $1 AND descendant_id = $2",
    )
    .bind(id)
    .bind(maybe_descendant)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}
