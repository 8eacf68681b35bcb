//! Tag suggestions: tags starting with what was typed, with how many
//! publications the viewer may see carry them (the policy's SQL form).

use sqlx::Row;

use crate::accounts::User;
use crate::db::Db;
use crate::policy;

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TagCount {
    /// The tag's name (as in `/tags/{name}`).
    pub name: String,
    /// The tag as first written.
    pub label: String,
    /// Publications carrying it that the viewer may see.
    pub count: i64,
}

fn like_prefix(typed: &str) -> String {
    let mut out = String::new();
    for c in crate::publications::fold_tag_key(typed.trim().trim_start_matches('#'))
        .chars()
        .take(100)
    {
        let c = if c.is_whitespace() { '-' } else { c };
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Most used tags starting with `typed` (all tags when empty), at most `limit`.
pub async fn suggest(
    db: &Db,
    viewer: Option<&User>,
    typed: &str,
    limit: i64,
) -> Result<Vec<TagCount>, sqlx::Error> {
    let sql = format!(
        "SELECT t.name, t.label, COUNT(*) AS n FROM tags t JOIN publication_tags pt ON pt.tag_id = t.id \
         JOIN publications p ON p.id = pt.publication_id AND p.status = 'visible' \
         WHERE t.name LIKE $2 ESCAPE '\\' AND EXISTS (SELECT 1 FROM publication_communities pc \
         JOIN communities c ON c.id = pc.community_id WHERE pc.publication_id = p.id AND pc.status = 'visible' AND {}) \
         GROUP BY t.name, t.label ORDER BY n DESC, t.name LIMIT {}",
        policy::searchable_communities_sql("c", viewer, 1),
        limit.clamp(1, 200)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(super::viewer_id(viewer))
        .bind(like_prefix(typed))
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(TagCount {
                name: r.try_get(0)?,
                label: r.try_get(1)?,
                count: r.try_get(2)?,
            })
        })
        .collect()
}

/// How many of the most recent tag uses (publication-tag links, newest
/// publications first) `common` looks at, before the policy filters them.
pub const RECENT_TAG_USES: i64 = 5000;

/// The tags most used lately that the viewer may see, at most `limit`: the
/// `<datalist>` of every compose and edit page view. Counting over all
/// visible publications (as `suggest` does for `/tags`) takes seconds at
/// 600,000 publications, so this looks at the `RECENT_TAG_USES` most recent
/// tag uses only — a bound on rows read, whoever the viewer — and keeps those
/// of publications the viewer may see (the same policy SQL as `suggest`), so a
/// tag used only in a community the viewer cannot read is never offered. The
/// counts are of that window, hence not returned.
pub async fn common(
    db: &Db,
    viewer: Option<&User>,
    limit: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let sql = format!(
        "SELECT t.label FROM (SELECT pt.tag_id, COUNT(*) AS n FROM \
         (SELECT publication_id, tag_id FROM publication_tags ORDER BY publication_id DESC LIMIT {}) pt \
         JOIN publications p ON p.id = pt.publication_id AND p.status = 'visible' \
         WHERE EXISTS (SELECT 1 FROM publication_communities pc \
         JOIN communities c ON c.id = pc.community_id WHERE pc.publication_id = p.id AND pc.status = 'visible' AND {}) \
         GROUP BY pt.tag_id) r JOIN tags t ON t.id = r.tag_id ORDER BY r.n DESC, t.name LIMIT {}",
        RECENT_TAG_USES,
        policy::searchable_communities_sql("c", viewer, 1),
        limit.clamp(1, 200)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(super::viewer_id(viewer))
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(|r| r.try_get(0)).collect()
}
