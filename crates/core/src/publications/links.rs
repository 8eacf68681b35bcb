//! Watch links: link previews fetched through the guarded client, and
//! which readable publications already share a link.

use super::*;

// ---- link previews ----------------------------------------------------------------------

/// Socket addresses the guarded client may reach although they are not
/// public — **tests only**: `PASSERELLES_FETCH_ALLOW`, comma-separated
/// `ip:port` entries, where `ip:*` admits any port of that address for a URL
/// naming that address literally. Unset in production: nothing is allowed.
pub fn fetch_allow_list(url: &str) -> Vec<SocketAddr> {
    let Ok(raw) = std::env::var("PASSERELLES_FETCH_ALLOW") else {
        return Vec::new();
    };
    let target = url::Url::parse(url).ok();
    let mut out = Vec::new();
    for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        if let Some(ip) = entry.strip_suffix(":*") {
            let ip = ip.trim_start_matches('[').trim_end_matches(']');
            if let (Ok(ip), Some(t)) = (ip.parse::<std::net::IpAddr>(), target.as_ref())
                && let Some(port) = t.port_or_known_default()
            {
                let host_ip = match t.host() {
                    Some(url::Host::Ipv4(a)) => Some(std::net::IpAddr::V4(a)),
                    Some(url::Host::Ipv6(a)) => Some(std::net::IpAddr::V6(a)),
                    _ => None,
                };
                if host_ip == Some(ip) {
                    out.push(SocketAddr::new(ip, port));
                }
            }
        } else if let Ok(a) = entry.parse::<SocketAddr>() {
            out.push(a);
        }
    }
    out
}

/// Fetch a preview through the guarded client.
pub(super) async fn fetch_preview(
    url: String,
    user_agent: String,
    pool: &crate::images::Pool,
) -> Result<crate::preview::Preview, crate::fetch::FetchError> {
    let allow = fetch_allow_list(&url);
    crate::preview::fetch_preview_in(fetcher(&user_agent), &url, &allow, pool).await
}

pub(super) fn fetcher(user_agent: &str) -> &'static crate::fetch::Fetcher {
    static F: OnceLock<crate::fetch::Fetcher> = OnceLock::new();
    F.get_or_init(|| crate::fetch::Fetcher::new(user_agent))
}

const PREVIEW_COLUMNS: &str =
    "id, url, final_url, title, description, site_name, image_media_id, error, fetched_at";

fn preview_from(r: &AnyRow) -> Result<LinkPreview, sqlx::Error> {
    Ok(LinkPreview {
        id: r.try_get("id")?,
        url: r.try_get("url")?,
        final_url: r.try_get("final_url")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        site_name: r.try_get("site_name")?,
        image_media_id: r.try_get("image_media_id")?,
        error: r.try_get("error")?,
        fetched_at: r.try_get("fetched_at")?,
    })
}

/// A preview for `url_key` to give `viewer`'s new publication, fetching it
/// through the guarded client unless a stored one may be reused. The image
/// is stored locally (media), so pages never load it from elsewhere.
///
/// The cache is no side channel: a stored preview is reused only when
/// `viewer` may see (in full, without a link) a publication that uses it —
/// so a URL shared somewhere they cannot see is fetched again, as if it had
/// never been shared, into a row of its own (several rows may hold one URL:
/// `url_base`). A failed fetch kept for reuse is retried after an hour.
pub async fn preview_for(
    db: &Db,
    images: &crate::images::Pool,
    viewer: Option<&User>,
    public_url: &str,
    url: &str,
    url_key: &str,
) -> Result<LinkPreview, sqlx::Error> {
    tick();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PREVIEW_COLUMNS} FROM link_previews WHERE url_base = $1 ORDER BY id LIMIT 50"
    )))
    .bind(url_key)
    .fetch_all(&db.pool)
    .await?;
    let stored = rows
        .iter()
        .map(preview_from)
        .collect::<Result<Vec<_>, _>>()?;
    let mut reusable: Option<&LinkPreview> = None;
    let mut unused: Option<&LinkPreview> = None;
    if !stored.is_empty() {
        let sql = format!(
            "SELECT {PUBLICATION_COLUMNS} FROM publications p LEFT JOIN users au ON au.id = p.author_id \
             LEFT JOIN link_previews lp ON lp.id = p.preview_id \
             WHERE p.preview_id IN ({}) AND p.status <> 'deleted' ORDER BY p.id LIMIT 200",
            id_list(&stored.iter().map(|s| s.id).collect::<Vec<_>>())
        );
        tick();
        let users = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&db.pool)
            .await?
            .iter()
            .map(publication_from)
            .collect::<Result<Vec<_>, _>>()?;
        let ids: Vec<i64> = users.iter().map(|p| p.id).collect();
        let mut links = links_of(db, viewer, &ids).await?;
        let seen: HashSet<i64> = users
            .iter()
            .filter(|p| {
                let l = links.remove(&p.id).unwrap_or_default();
                sight(viewer, p, &l) == Sight::Full
            })
            .filter_map(|p| p.preview.as_ref().map(|pr| pr.id))
            .collect();
        let used: HashSet<i64> = users
            .iter()
            .filter_map(|p| p.preview.as_ref().map(|pr| pr.id))
            .collect();
        reusable = stored.iter().find(|s| seen.contains(&s.id));
        unused = stored.iter().find(|s| !used.contains(&s.id));
    }
    if let Some(p) = reusable
        && (p.error.is_empty() || now() - p.fetched_at < 3600)
    {
        return Ok(p.clone());
    }
    // Fetch: into the reusable row whose fetch failed, else into a row
    // nobody's publication uses, else into a new row.
    let into = reusable.or(unused).map(|p| p.id);
    let new_key = if stored.is_empty() {
        url_key.to_string()
    } else {
        format!("{url_key}#{}", new_public_key())
    };
    fetch_into(db, images, public_url, url, url_key, &new_key, into).await
}

/// Fetch `url` and store its preview: update row `into`, or insert one with
/// `url_key` (upserted, so two first fetches of one URL share a row).
async fn fetch_into(
    db: &Db,
    images: &crate::images::Pool,
    public_url: &str,
    url: &str,
    url_base: &str,
    url_key: &str,
    into: Option<i64>,
) -> Result<LinkPreview, sqlx::Error> {
    let result = fetch_preview(
        url.to_string(),
        crate::fetch::user_agent(public_url),
        images,
    )
    .await;
    let t = now();
    let mut tx = db.begin().await?;
    let (final_url, title, description, site_name, content_type, image, error) = match result {
        Ok(p) => (
            p.url,
            p.title,
            p.description,
            p.site_name,
            p.content_type,
            p.image,
            String::new(),
        ),
        Err(e) => {
            tracing::info!(url = %url, error = %e, "link preview failed");
            (
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                None,
                e.message_key().to_string(),
            )
        }
    };
    let image_id = match image {
        Some(jpeg) => {
            tick();
            Some(
                sqlx::query_scalar::<_, i64>(
                    "INSERT INTO media (owner_id, content_type, bytes, created_at) VALUES (NULL, 'image/jpeg', $1, $2) RETURNING id",
                )
                .bind(jpeg)
                .bind(t)
                .fetch_one(&mut *tx)
                .await?,
            )
        }
        None => None,
    };
    tick();
    let q = match into {
        Some(id) => sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE link_previews SET final_url = $2, title = $3, description = $4, site_name = $5, \
             content_type = $6, image_media_id = $7, fetched_at = $8, error = $9 WHERE id = $1 \
             RETURNING {PREVIEW_COLUMNS}"
        )))
        .bind(id),
        None => sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO link_previews (url_key, url, final_url, title, description, site_name, content_type, \
             image_media_id, fetched_at, error, url_base) \
             VALUES ($1, $10, $2, $3, $4, $5, $6, $7, $8, $9, $11) \
             ON CONFLICT (url_key) DO UPDATE SET final_url = excluded.final_url, title = excluded.title, \
             description = excluded.description, site_name = excluded.site_name, content_type = excluded.content_type, \
             image_media_id = excluded.image_media_id, fetched_at = excluded.fetched_at, error = excluded.error \
             RETURNING {PREVIEW_COLUMNS}"
        )))
        .bind(url_key),
    };
    let q = q
        .bind(final_url)
        .bind(title)
        .bind(description)
        .bind(site_name)
        .bind(content_type)
        .bind(image_id)
        .bind(t)
        .bind(error);
    let q = match into {
        Some(_) => q,
        None => q.bind(url).bind(url_base),
    };
    let row = q.fetch_one(&mut *tx).await?;
    tx.commit().await?;
    preview_from(&row)
}

/// Publications sharing this link that `viewer` may read, with the
/// communities (readable by the viewer) they are shared in.
pub async fn already_shared(
    db: &Db,
    viewer: Option<&User>,
    link_key: &str,
) -> Result<Vec<(Publication, Vec<Shared>)>, sqlx::Error> {
    let sql = format!(
        "SELECT {PUBLICATION_COLUMNS} FROM publications p LEFT JOIN users au ON au.id = p.author_id \
         LEFT JOIN link_previews lp ON lp.id = p.preview_id \
         WHERE p.link_key = $1 AND p.status <> 'deleted' ORDER BY p.created_at LIMIT 20"
    );
    tick();
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(link_key)
        .fetch_all(&db.pool)
        .await?;
    let pubs = rows
        .iter()
        .map(publication_from)
        .collect::<Result<Vec<_>, _>>()?;
    let ids: Vec<i64> = pubs.iter().map(|p| p.id).collect();
    let mut links = links_of(db, viewer, &ids).await?;
    Ok(pubs
        .into_iter()
        .filter_map(|p| {
            let l = links.remove(&p.id).unwrap_or_default();
            (sight(viewer, &p, &l) == Sight::Full).then(|| {
                let shown = l.into_iter().filter(|s| s.shown_to(viewer)).collect();
                (p, shown)
            })
        })
        .collect())
}
