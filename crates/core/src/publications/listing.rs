//! Listings: a community's publications, a member's feed, a tag's
//! publications, as summaries (what a listing shows of one publication).

use super::*;

// ---- listings -------------------------------------------------------------------------

/// What a community page or a listing shows of one publication.
#[derive(Debug, Clone)]
pub struct PublicationSummary {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub excerpt: String,
    pub author_username: Option<String>,
    pub author_name: Option<String>,
    pub created_at: i64,
    pub last_activity_at: i64,
    pub reply_count: i64,
    pub pinned: bool,
    /// Tag keys (as in `/tags/{name}`), in key order.
    pub tags: Vec<String>,
    /// The same tags as words (their labels), in the same order.
    pub tag_labels: Vec<String>,
    pub link_url: Option<String>,
    pub site_name: Option<String>,
    /// The news feed it came from (a watch item from an external source,
    /// `crate::news`), by the name the feed had.
    pub source_name: Option<String>,
    /// Its key (`urls::publication_link`), for the listings of an unlisted
    /// community, whose readers hold its link.
    pub public_key: String,
}

impl PublicationSummary {
    /// Stable public URL (its future ActivityPub id).
    pub fn path(&self) -> String {
        crate::urls::publication(self.id)
    }
    /// Its address in a listing: its link (with its key) in an unlisted
    /// community's listings (`unlisted`), whose readers may not find it
    /// by its bare address; its bare address elsewhere.
    pub fn link(&self, unlisted: bool) -> String {
        if unlisted && !self.public_key.is_empty() {
            crate::urls::publication_link(self.id, &self.public_key)
        } else {
            self.path()
        }
    }

    /// Each tag as words, with the path of its page.
    pub fn tag_links(&self) -> Vec<(&str, String)> {
        self.tags
            .iter()
            .zip(&self.tag_labels)
            .map(|(t, l)| (l.as_str(), crate::urls::tag(t)))
            .collect()
    }
}

pub(super) const SUMMARY_COLUMNS: &str = "p.id, p.kind, p.title, SUBSTR(p.body_html, 1, 3000) AS body_start, p.created_at, \
     p.last_activity_at, p.reply_count, p.link_url, p.public_key, au.username AS au_username, au.display_name AS au_display_name, \
     lp.site_name AS lp_site_name, \
     (SELECT ni.source_name FROM news_items ni WHERE ni.publication_id = p.id ORDER BY ni.id LIMIT 1) AS source_name";

/// `SUMMARY_COLUMNS` and the publication's tags as `name|label` pairs, comma-separated
/// (tag names have no spaces; sorted in `summary_from`): one statement per listing, not a
/// second one for the tags. Listings select the page's ids first (keys
/// only, sorted, limited) and compute these columns for those rows alone.
pub(super) fn summary_columns(backend: Backend) -> String {
    let tags = match backend {
        Backend::Sqlite => {
            "(SELECT group_concat(t.name || '|' || t.label, ',') FROM publication_tags pt \
             JOIN tags t ON t.id = pt.tag_id WHERE pt.publication_id = p.id)"
        }
        Backend::Postgres => {
            "(SELECT string_agg(t.name || '|' || t.label, ',') FROM publication_tags pt \
             JOIN tags t ON t.id = pt.tag_id WHERE pt.publication_id = p.id)"
        }
    };
    format!("{SUMMARY_COLUMNS}, {tags} AS tag_names")
}

pub(super) fn summary_from(r: &AnyRow, pinned: bool) -> Result<PublicationSummary, sqlx::Error> {
    let username: Option<String> = r.try_get("au_username")?;
    let display: Option<String> = r.try_get("au_display_name")?;
    let body_start: String = r.try_get("body_start")?;
    // "name|label" pairs, comma-separated (neither holds '|' nor ','),
    // sorted by name here (a sort per row in SQL cost more than the rest of
    // the statement), the same on both engines.
    let mut tags: Vec<(String, String)> = r
        .try_get::<Option<String>, _>("tag_names")?
        .map(|t| {
            t.split(',')
                .filter_map(|pair| pair.split_once('|'))
                .map(|(n, l)| (n.to_string(), l.to_string()))
                .collect()
        })
        .unwrap_or_default();
    tags.sort_unstable();
    Ok(PublicationSummary {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        title: r.try_get("title")?,
        excerpt: markdown::excerpt_from_html(&body_start, EXCERPT_CHARS),
        author_name: username.as_ref().map(|u| {
            display
                .clone()
                .filter(|d| !d.trim().is_empty())
                .unwrap_or_else(|| u.clone())
        }),
        author_username: username,
        created_at: r.try_get("created_at")?,
        last_activity_at: r.try_get("last_activity_at")?,
        reply_count: r.try_get("reply_count")?,
        pinned,
        tags: tags.iter().map(|(n, _)| n.clone()).collect(),
        tag_labels: tags.into_iter().map(|(_, l)| l).collect(),
        link_url: r.try_get("link_url")?,
        site_name: r
            .try_get::<Option<String>, _>("lp_site_name")?
            .filter(|s| !s.is_empty()),
        source_name: r.try_get("source_name")?,
        public_key: r.try_get("public_key")?,
    })
}

/// Publications visible to `viewer` in `community`: pinned first, then
/// newest activity first; `page` is 0-based; returns (items, has_more).
/// Moderators of the community also see what is hidden or removed there
/// (never what its author deleted).
pub async fn list_in_community(
    db: &Db,
    viewer: Option<&User>,
    community: &Community,
    page: i64,
) -> Result<(Vec<PublicationSummary>, bool), sqlx::Error> {
    let m = match acting(viewer) {
        Some(u) => {
            tick();
            let row: Option<(String, String)> = sqlx::query_as(
                "SELECT role, state FROM memberships WHERE community_id = $1 AND user_id = $2",
            )
            .bind(community.id)
            .bind(u.id)
            .fetch_optional(&db.pool)
            .await?;
            row.and_then(|(r, s)| membership_from(Some(r), Some(s)))
        }
        None => None,
    };
    let facts = community.facts();
    if !policy::can(viewer, Action::ViewCommunity { c: &facts, m }) {
        return Ok((Vec::new(), false));
    }
    let moderator = policy::can(viewer, Action::ModerateCommunity { c: &facts, m });
    let condition = if moderator {
        "p.status <> 'deleted'"
    } else {
        "p.status = 'visible' AND pc.status = 'visible'"
    };
    let offset = page.max(0) * PAGE_SIZE;
    // The page's ids first (sorting keys only), then their columns: the
    // sort never carries bodies, and tags are computed for 21 rows.
    let sql = format!(
        "SELECT {}, pc.pinned AS pc_pinned FROM publication_communities pc \
         JOIN publications p ON p.id = pc.publication_id \
         LEFT JOIN users au ON au.id = p.author_id LEFT JOIN link_previews lp ON lp.id = p.preview_id \
         WHERE pc.community_id = $1 AND pc.publication_id IN (SELECT p.id FROM publication_communities pc \
           JOIN publications p ON p.id = pc.publication_id WHERE pc.community_id = $1 AND {condition} \
           ORDER BY pc.pinned DESC, p.last_activity_at DESC, p.id DESC LIMIT {} OFFSET {offset}) \
         ORDER BY pc.pinned DESC, p.last_activity_at DESC, p.id DESC",
        summary_columns(db.backend),
        PAGE_SIZE + 1
    );
    tick();
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(community.id)
        .fetch_all(&db.pool)
        .await?;
    let mut list = rows
        .iter()
        .map(|r| summary_from(r, r.try_get::<i64, _>("pc_pinned").unwrap_or(0) != 0))
        .collect::<Result<Vec<_>, _>>()?;
    let more = list.len() as i64 > PAGE_SIZE;
    list.truncate(PAGE_SIZE as usize);
    Ok((list, more))
}

/// The home page of a signed-in person: what is new in their communities
/// (active memberships, visible there), newest activity first, each
/// publication once even when shared into several of them.
pub async fn list_for_member(
    db: &Db,
    viewer: &User,
    page: i64,
) -> Result<(Vec<PublicationSummary>, bool), sqlx::Error> {
    let offset = page.max(0) * PAGE_SIZE;
    // Driven by the person's memberships (a few communities' publications
    // to sort), not by every publication in activity order with a check per
    // row: that walked most of 600,000 publications at scale 100.
    let sql = format!(
        "SELECT {} FROM publications p \
         LEFT JOIN users au ON au.id = p.author_id LEFT JOIN link_previews lp ON lp.id = p.preview_id \
         WHERE p.id IN (SELECT fp.id FROM memberships m JOIN communities c ON c.id = m.community_id \
           JOIN publication_communities pc ON pc.community_id = m.community_id \
           JOIN publications fp ON fp.id = pc.publication_id \
           WHERE m.user_id = $1 AND m.state = 'active' AND c.status IN ('active', 'archived') \
           AND pc.status = 'visible' AND fp.status = 'visible' \
           GROUP BY fp.id, fp.last_activity_at ORDER BY fp.last_activity_at DESC, fp.id DESC LIMIT {} OFFSET {offset}) \
         ORDER BY p.last_activity_at DESC, p.id DESC",
        summary_columns(db.backend),
        PAGE_SIZE + 1
    );
    tick();
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(viewer.id)
        .fetch_all(&db.pool)
        .await?;
    let mut list = rows
        .iter()
        .map(|r| summary_from(r, false))
        .collect::<Result<Vec<_>, _>>()?;
    let more = list.len() as i64 > PAGE_SIZE;
    list.truncate(PAGE_SIZE as usize);
    Ok((list, more))
}

/// Publications tagged `name` that `viewer` may read, through communities
/// they may read (unlisted communities stay out of discovery for
/// non-members, as in the directory): newest activity first, 20 per page.
pub async fn list_by_tag(
    db: &Db,
    viewer: Option<&User>,
    name: &str,
    page: i64,
) -> Result<(Vec<PublicationSummary>, bool), sqlx::Error> {
    let offset = page.max(0) * PAGE_SIZE;
    // Two plans, chosen by how common the tag is: for a common tag, walk
    // publications newest first and stop after a page (a tag on one in
    // sixteen publications: about 340 rows read for 21); for a rarer one,
    // sort that tag's publications (keys only, then one page of rows).
    // Either alone reads tens of thousands of rows in the other case. The
    // walk tests the tag before the permission (one lookup that rejects
    // most rows, before three that accept most).
    let wanted = PAGE_SIZE + 1 + offset;
    let (tagged, newest) = tag_count(db, name, wanted).await?;
    let visible = findable_sql(viewer);
    let sql = if tag_walks(tagged, newest, wanted) {
        format!(
            "SELECT {} FROM publications p \
             LEFT JOIN users au ON au.id = p.author_id LEFT JOIN link_previews lp ON lp.id = p.preview_id \
             WHERE p.id IN (SELECT p.id FROM publications p WHERE EXISTS (SELECT 1 FROM publication_tags pt JOIN tags t ON t.id = pt.tag_id \
             WHERE pt.publication_id = p.id AND t.name = $2) AND {visible} \
             ORDER BY p.last_activity_at DESC, p.id DESC LIMIT {} OFFSET {offset}) \
             ORDER BY p.last_activity_at DESC, p.id DESC",
            summary_columns(db.backend),
            PAGE_SIZE + 1
        )
    } else {
        format!(
            "SELECT {} FROM publications p \
             LEFT JOIN users au ON au.id = p.author_id LEFT JOIN link_previews lp ON lp.id = p.preview_id \
             WHERE p.id IN (SELECT p.id FROM tags t JOIN publication_tags pt ON pt.tag_id = t.id \
               JOIN publications p ON p.id = pt.publication_id WHERE t.name = $2 AND {visible} \
               ORDER BY p.last_activity_at DESC, p.id DESC LIMIT {} OFFSET {offset}) \
             ORDER BY p.last_activity_at DESC, p.id DESC",
            summary_columns(db.backend),
            PAGE_SIZE + 1
        )
    };
    tick();
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(acting(viewer).map(|u| u.id).unwrap_or(0))
        .bind(name)
        .fetch_all(&db.pool)
        .await?;
    let mut list = rows
        .iter()
        .map(|r| summary_from(r, false))
        .collect::<Result<Vec<_>, _>>()?;
    let more = list.len() as i64 > PAGE_SIZE;
    list.truncate(PAGE_SIZE as usize);
    Ok((list, more))
}

/// The least power of two whose square exceeds `n` (`n` ≥ 0): above √n,
/// at most 2√n. SQLite has no `sqrt` (libsqlite3-sys builds without its
/// math functions), hence [`tag_count_bound_sql`], its twin in SQL.
pub fn tag_count_bound(n: i64) -> i64 {
    let mut b: i64 = 1;
    while b.saturating_mul(b) <= n {
        b *= 2;
    }
    b
}

/// [`tag_count_bound`] of the SQL expression `n`, as a `CASE` over powers of
/// four (up to 4^31).
fn tag_count_bound_sql(n: &str) -> String {
    let mut sql = String::from("CASE");
    for k in 0..31u32 {
        sql.push_str(&format!(
            " WHEN {n} < {} THEN {}",
            1i64 << (2 * k),
            1i64 << k
        ));
    }
    sql.push_str(&format!(" ELSE {} END", 1i64 << 31));
    sql
}

/// Whether the tag page walks publications newest first (a common tag)
/// rather than sorting the tag's publications: when the tag holds more
/// than √(`wanted` × `newest`) publications, the walk reads fewer rows.
/// `tagged` may be capped at [`tag_count_bound`]`(wanted × newest)`: the
/// answer is the same.
pub fn tag_walks(tagged: i64, newest: i64, wanted: i64) -> bool {
    tagged.saturating_mul(tagged) > wanted.saturating_mul(newest)
}

/// The publications carrying tag `name`, counted up to
/// [`tag_count_bound`]`(wanted × newest)` only (past it the walk is chosen
/// anyway), and the newest publication id: one statement whose cost does
/// not grow with the tag (the full count read every use of a common tag on
/// each of its pages).
pub async fn tag_count(db: &Db, name: &str, wanted: i64) -> Result<(i64, i64), sqlx::Error> {
    let bound = tag_count_bound_sql("w.n");
    tick();
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 AS one FROM publication_tags pt JOIN tags t ON t.id = pt.tag_id \
           WHERE t.name = $1 LIMIT (SELECT {bound} FROM (SELECT COALESCE(MAX(id), 0) * $2 AS n FROM publications) w)) capped), \
         (SELECT COALESCE(MAX(id), 0) FROM publications)"
    )))
    .bind(name)
    .bind(wanted)
    .fetch_one(&db.pool)
    .await
}

/// "Publication `p` is one `viewer` may find" (viewer id at `$1`): visible,
/// and visible in a community whose content they find
/// (`policy::findable_communities_sql`: readable, unlisted ones only for
/// their members). (`policy::listed_communities_sql` is not used: it lists
/// private communities' cards to outsiders, not their content.)
pub(crate) fn findable_sql(viewer: Option<&User>) -> String {
    format!(
        "p.status = 'visible' AND EXISTS (SELECT 1 FROM publication_communities pc \
         JOIN communities c ON c.id = pc.community_id WHERE pc.publication_id = p.id AND pc.status = 'visible' AND {})",
        policy::findable_communities_sql("c", viewer, 1)
    )
}

/// A person's latest publications that `viewer` may read (through
/// communities they may discover, as on tag pages), at most `limit`, and the
/// communities those publications are in (name, path): a member page shows
/// nothing the viewer could not already find.
pub async fn list_by_author(
    db: &Db,
    viewer: Option<&User>,
    author_id: i64,
    limit: i64,
) -> Result<(Vec<PublicationSummary>, Vec<(String, String)>), sqlx::Error> {
    let visible = format!(
        "p.status = 'visible' AND p.author_id = $2 AND EXISTS (SELECT 1 FROM publication_communities pc \
         JOIN communities c ON c.id = pc.community_id WHERE pc.publication_id = p.id AND pc.status = 'visible' AND {})",
        policy::findable_communities_sql("c", viewer, 1)
    );
    let sql = format!(
        "SELECT {} FROM publications p \
         LEFT JOIN users au ON au.id = p.author_id LEFT JOIN link_previews lp ON lp.id = p.preview_id \
         WHERE {visible} ORDER BY p.created_at DESC, p.id DESC LIMIT {}",
        summary_columns(db.backend),
        limit.clamp(1, 50)
    );
    let viewer_id = acting(viewer).map(|u| u.id).unwrap_or(0);
    tick();
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(viewer_id)
        .bind(author_id)
        .fetch_all(&db.pool)
        .await?;
    let list = rows
        .iter()
        .map(|r| summary_from(r, false))
        .collect::<Result<Vec<_>, _>>()?;
    let sql = format!(
        "SELECT DISTINCT c.name, c.slug FROM publications p JOIN publication_communities pc ON pc.publication_id = p.id \
         JOIN communities c ON c.id = pc.community_id WHERE p.status = 'visible' AND p.author_id = $2 \
         AND pc.status = 'visible' AND {} ORDER BY c.name LIMIT 20",
        policy::findable_communities_sql("c", viewer, 1)
    );
    tick();
    let communities: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(viewer_id)
        .bind(author_id)
        .fetch_all(&db.pool)
        .await?;
    let communities = communities
        .into_iter()
        .map(|(name, slug)| (name, crate::urls::community(&slug)))
        .collect();
    Ok((list, communities))
}

/// A tag as `viewer` may know it: its label, when they may find at least
/// one publication that carries it. `None` otherwise — the same answer for
/// a tag that does not exist and for one used only where the viewer cannot
/// see (private communities, unlisted ones they are not in, removed
/// content): a lookup by name is no oracle. One statement (it stops at the
/// first visible use).
pub async fn tag_label(
    db: &Db,
    viewer: Option<&User>,
    name: &str,
) -> Result<Option<String>, sqlx::Error> {
    let sql = format!(
        "SELECT t.label FROM tags t WHERE t.name = $2 AND EXISTS (SELECT 1 FROM publication_tags pt \
         JOIN publications p ON p.id = pt.publication_id WHERE pt.tag_id = t.id AND {})",
        findable_sql(viewer)
    );
    tick();
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(acting(viewer).map(|u| u.id).unwrap_or(0))
        .bind(name)
        .fetch_optional(&db.pool)
        .await
}

/// Publications placed on a territory or anywhere below it
/// (`publication_territory_rollup`, migration 0014) that `viewer` may
/// discover (the tag pages' rule), newest first, 20 per page; optionally
/// of one kind, or shared into a community of one theme. One walk of the
/// roll-up index newest first, whatever the territory's depth.
pub async fn list_in_territory(
    db: &Db,
    viewer: Option<&User>,
    territory_id: i64,
    kind: Option<&str>,
    theme: Option<&str>,
    page: i64,
) -> Result<(Vec<PublicationSummary>, bool), sqlx::Error> {
    let offset = page.max(0) * PAGE_SIZE;
    // Parameters: $1 viewer, $2 territory, then the kind and the theme when given.
    let kind_cond = if kind.is_some() {
        " AND p.kind = $3"
    } else {
        ""
    };
    let theme_cond = match (kind.is_some(), theme.is_some()) {
        (true, true) => " AND c.theme = $4",
        (false, true) => " AND c.theme = $3",
        _ => "",
    };
    let sql = format!(
        "SELECT {} FROM publications p \
         LEFT JOIN users au ON au.id = p.author_id LEFT JOIN link_previews lp ON lp.id = p.preview_id \
         WHERE p.id IN (SELECT r.publication_id FROM publication_territory_rollup r JOIN publications p ON p.id = r.publication_id \
           WHERE r.ancestor_id = $2{kind_cond} AND p.status = 'visible' AND EXISTS (SELECT 1 FROM publication_communities pc \
           JOIN communities c ON c.id = pc.community_id WHERE pc.publication_id = p.id AND pc.status = 'visible' AND {}{theme_cond}) \
           ORDER BY r.created_at DESC, r.publication_id DESC LIMIT {} OFFSET {offset}) \
         ORDER BY p.created_at DESC, p.id DESC",
        summary_columns(db.backend),
        policy::findable_communities_sql("c", viewer, 1),
        PAGE_SIZE + 1
    );
    tick();
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(acting(viewer).map(|u| u.id).unwrap_or(0))
        .bind(territory_id);
    for v in [kind, theme].into_iter().flatten() {
        q = q.bind(v.to_string());
    }
    let rows = q.fetch_all(&db.pool).await?;
    let mut list = rows
        .iter()
        .map(|r| summary_from(r, false))
        .collect::<Result<Vec<_>, _>>()?;
    let more = list.len() as i64 > PAGE_SIZE;
    list.truncate(PAGE_SIZE as usize);
    Ok((list, more))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_count_bound_keeps_the_plan_choice() {
        for n in [
            0i64,
            1,
            3,
            4,
            5,
            63,
            64,
            65,
            1_260,
            126_000,
            12_600_000,
            1 << 40,
        ] {
            let b = tag_count_bound(n);
            assert!(b * b > n, "{n}: {b}");
            assert!(b == 1 || (b / 2) * (b / 2) <= n, "{n}: {b} is the least");
            for wanted in [21i64, 41] {
                if n % wanted != 0 {
                    continue;
                }
                let newest = n / wanted;
                for tagged in [0, 1, b - 1, b, b + 1, 2 * b, 10 * b] {
                    assert_eq!(
                        tag_walks(tagged.min(b), newest, wanted),
                        tag_walks(tagged, newest, wanted),
                        "n {n} tagged {tagged}"
                    );
                }
            }
        }
        let sql = tag_count_bound_sql("x");
        assert!(sql.starts_with("CASE WHEN x < 1 THEN 1 WHEN x < 4 THEN 2 WHEN x < 16 THEN 4"));
    }
}
