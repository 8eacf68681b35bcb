//! Old addresses of imported items (issue 20): the paths an item had on
//! its origin ("/c/atelier", "/p/12", Discourse's "/t/velo/34", HumHub's
//! "/content/perma?id=9"), recorded by the import in `import_aliases`
//! together with the origin's host, and answered here with a 301 to the
//! item's new page (`web::moved`). Links of imported Markdown that point to
//! the origin are rewritten to the new pages with the same table
//! ([`links`] finds them; `import` replaces them).

use sqlx::AnyConnection;

use crate::accounts::User;
use crate::db::{Db, now};
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::state::AppState;

/// `host[:port]` of a base URL, lower case ("" when it has none).
pub fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// A path as recorded and looked up: starts with `/`, no fragment, no
/// trailing `/` (but the root), the query kept as it is.
pub fn normalize(path_and_query: &str) -> String {
    let no_fragment = path_and_query.split('#').next().unwrap_or("");
    let (path, query) = match no_fragment.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (no_fragment, None),
    };
    let mut path = path.trim_end_matches('/').to_string();
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    match query.filter(|q| !q.is_empty()) {
        Some(q) => format!("{path}?{q}"),
        None => path,
    }
}

/// Record that `path` on `host` is now `kind` #`local_id` here (the first
/// import to claim a path keeps it).
pub async fn record_in(
    conn: &mut AnyConnection,
    source: &str,
    host: &str,
    path: &str,
    kind: &str,
    local_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO import_aliases (host, path, kind, local_id, source, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (host, path) DO NOTHING",
    )
    .bind(host)
    .bind(normalize(path))
    .bind(kind)
    .bind(local_id)
    .bind(source)
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}

/// The page here of an imported item (`None` once it is gone).
pub async fn target(
    conn: &mut AnyConnection,
    kind: &str,
    id: i64,
) -> Result<Option<String>, sqlx::Error> {
    let one = |sql: &'static str| sqlx::query_scalar::<_, String>(sql).bind(id);
    Ok(match kind {
        "user" => one("SELECT username FROM users WHERE id = $1 AND status <> 'deleted'")
            .fetch_optional(&mut *conn)
            .await?
            .map(|n| crate::urls::user(&n)),
        "community" => one("SELECT slug FROM communities WHERE id = $1")
            .fetch_optional(&mut *conn)
            .await?
            .map(|s| crate::urls::community(&s)),
        "publication" => one("SELECT status FROM publications WHERE id = $1")
            .fetch_optional(&mut *conn)
            .await?
            .map(|_| crate::urls::publication(id)),
        "reply" => sqlx::query_scalar::<_, i64>("SELECT publication_id FROM replies WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .map(|p| crate::urls::reply(p, id)),
        "event" => one("SELECT title FROM events WHERE id = $1")
            .fetch_optional(&mut *conn)
            .await?
            .map(|_| crate::urls::event(id)),
        "wiki" => sqlx::query_as::<_, (String, String)>(
            "SELECT c.slug, w.slug FROM wiki_pages w JOIN communities c ON c.id = w.community_id WHERE w.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|(c, w)| crate::urls::wiki_page(&c, &w)),
        "file" => one(
            "SELECT c.slug FROM space_files f JOIN communities c ON c.id = f.community_id WHERE f.id = $1",
        )
        .fetch_optional(&mut *conn)
        .await?
        .map(|c| crate::urls::space_file(&c, id)),
        "attachment" => sqlx::query_scalar::<_, Option<i64>>(
            "SELECT publication_id FROM attachments WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .flatten()
        .map(|p| crate::urls::attachment(p, id)),
        _ => None,
    })
}

async fn lookup(
    conn: &mut AnyConnection,
    host: &str,
    path: &str,
) -> Result<Option<(String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT kind, local_id FROM import_aliases WHERE host = $1 AND path = $2")
        .bind(host)
        .bind(path)
        .fetch_optional(&mut *conn)
        .await
}

/// An old address found: the item it names here and the page to send to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// user | community | publication | reply | event | wiki | file |
    /// attachment (a community's sub-page: "community").
    pub kind: String,
    pub id: i64,
    /// The path here (with its query).
    pub to: String,
}

async fn found(
    conn: &mut AnyConnection,
    kind: String,
    id: i64,
) -> Result<Option<Found>, sqlx::Error> {
    Ok(target(conn, &kind, id)
        .await?
        .map(|to| Found { kind, id, to }))
}

/// What `path_and_query` of the origin `host` may name here, most precise
/// first: the exact path, then without its query, then a community's
/// sub-page ("/c/old/members" → "/c/new/members"). A redirect goes to the
/// first one the person asking may follow ([`may_follow`]), so an item
/// hidden from them is answered as if nothing had claimed its path.
pub async fn find_in(
    conn: &mut AnyConnection,
    host: &str,
    path_and_query: &str,
) -> Result<Vec<Found>, sqlx::Error> {
    let mut out = Vec::new();
    let full = normalize(path_and_query);
    let bare = normalize(full.split('?').next().unwrap_or(""));
    let exact = if full == bare {
        vec![&full]
    } else {
        vec![&full, &bare]
    };
    for p in exact {
        if let Some((kind, id)) = lookup(conn, host, p).await? {
            out.extend(found(conn, kind, id).await?);
        }
    }
    let mut parts = bare.splitn(4, '/').skip(1);
    if let (Some("c"), Some(slug), Some(rest)) = (parts.next(), parts.next(), parts.next())
        && let Some((kind, id)) = lookup(conn, host, &format!("/c/{slug}")).await?
        && kind == "community"
    {
        let query = full.split_once('?').map(|(_, q)| format!("?{q}"));
        out.extend(found(conn, kind, id).await?.map(|f| Found {
            to: format!("{}/{rest}{}", f.to, query.unwrap_or_default()),
            ..f
        }));
    }
    Ok(out)
}

/// Where `path_and_query` of the origin `host` is now (the rewriting of
/// imported links: [`find_in`]'s first page).
pub async fn resolve_in(
    conn: &mut AnyConnection,
    host: &str,
    path_and_query: &str,
) -> Result<Option<String>, sqlx::Error> {
    Ok(find_in(conn, host, path_and_query)
        .await?
        .into_iter()
        .next()
        .map(|f| f.to))
}

/// [`find_in`] on a connection of the pool.
pub async fn resolve(db: &Db, host: &str, path_and_query: &str) -> anyhow::Result<Vec<Found>> {
    let mut conn = db.pool.acquire().await?;
    Ok(find_in(&mut conn, host, path_and_query).await?)
}

/// An old path asked of this instance's own name (someone pasted a link of
/// the origin after its move): answered only when one item claims it, on
/// whichever origin.
pub async fn resolve_anywhere(db: &Db, path_and_query: &str) -> anyhow::Result<Vec<Found>> {
    let mut conn = db.pool.acquire().await?;
    let full = normalize(path_and_query);
    let bare = normalize(full.split('?').next().unwrap_or(""));
    let mut out = Vec::new();
    for p in [&full, &bare] {
        let hits: Vec<(String, i64)> = sqlx::query_as(
            "SELECT DISTINCT kind, local_id FROM import_aliases WHERE path = $1 LIMIT 2",
        )
        .bind(p)
        .fetch_all(&mut *conn)
        .await?;
        match hits.as_slice() {
            [(kind, id)] => out.extend(found(&mut conn, kind.clone(), *id).await?),
            [] => {}
            _ => break,
        }
        if full == bare {
            break;
        }
    }
    Ok(out)
}

/// May `viewer` be sent from an old address to the page of `found`? Only
/// when they may see what that page shows them: an old address tells
/// nobody more than the page it leads to — not that a private item exists,
/// nor its new id or slug. Otherwise the address is answered as one no
/// item claims. A community (or one of its sub-pages) is followed to
/// whoever sees its card (its name and address are on it); a publication,
/// its replies and attachments to whoever its page by its bare id shows
/// something (the notice of its removal, to its author); a wiki
/// page or a file of a space to whoever reads the space; an event or a
/// member page as their pages decide.
pub async fn may_follow(state: &AppState, viewer: Option<&User>, f: &Found) -> AppResult<bool> {
    fn seen<T>(r: AppResult<T>) -> AppResult<bool> {
        match r {
            Ok(_) => Ok(true),
            Err(AppError::NotFound | AppError::Forbidden) => Ok(false),
            Err(e) => Err(e),
        }
    }
    let db = &state.db;
    let scalar = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql).bind(f.id);
    let publication = match f.kind.as_str() {
        "publication" => Some(f.id),
        "reply" => {
            scalar("SELECT publication_id FROM replies WHERE id = $1")
                .fetch_optional(&db.pool)
                .await?
        }
        "attachment" => {
            scalar("SELECT publication_id FROM attachments WHERE id = $1")
                .fetch_optional(&db.pool)
                .await?
        }
        _ => None,
    };
    if let Some(p) = publication {
        return crate::publications::ops::page_shown(state, viewer, p).await;
    }
    let slug_of = |sql: &'static str| sqlx::query_scalar::<_, String>(sql).bind(f.id);
    match f.kind.as_str() {
        "community" => {
            let Some(slug) = slug_of("SELECT slug FROM communities WHERE id = $1")
                .fetch_optional(&db.pool)
                .await?
            else {
                return Ok(false);
            };
            seen(crate::communities::access::load_card(state, viewer, &slug).await)
        }
        "wiki" => {
            let Some((c, w)) = sqlx::query_as::<_, (String, String)>(
                "SELECT c.slug, w.slug FROM wiki_pages w JOIN communities c ON c.id = w.community_id WHERE w.id = $1",
            )
            .bind(f.id)
            .fetch_optional(&db.pool)
            .await?
            else {
                return Ok(false);
            };
            seen(crate::wiki::ops::page(state, viewer, &c, &w).await)
        }
        "file" => {
            let Some(c) = slug_of(
                "SELECT c.slug FROM space_files f JOIN communities c ON c.id = f.community_id WHERE f.id = $1",
            )
            .fetch_optional(&db.pool)
            .await?
            else {
                return Ok(false);
            };
            seen(crate::wiki::ops::open(state, viewer, &c).await)
        }
        "event" => Ok(crate::events::load(db, viewer, f.id)
            .await?
            .is_some_and(|l| l.visible_to(viewer))),
        "user" => Ok(crate::accounts::by_id(db, f.id)
            .await?
            .is_some_and(|u| crate::policy::can(viewer, Action::ViewProfile { target: &u }))),
        _ => Ok(false),
    }
}

/// A link of a Markdown text that points to the origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Byte range of the whole URL in the text.
    pub start: usize,
    pub end: usize,
    /// Its path and query, normalised.
    pub path: String,
    /// `#…`, kept on the new link.
    pub fragment: String,
    /// Written with the origin's scheme and host (else a path from the root).
    pub absolute: bool,
}

/// Links of `text` to the origin `host`: `http(s)://host/…` anywhere, and
/// Markdown link targets written as a path from the root (`](/t/x/3)`).
pub fn links(text: &str, host: &str) -> Vec<Link> {
    let stop = |c: char| c.is_whitespace() || matches!(c, ')' | '>' | '<' | '"' | '\'' | ']');
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let (skip, absolute) =
            if !host.is_empty() && (rest.starts_with("https://") || rest.starts_with("http://")) {
                let after = if rest.starts_with("https://") { 8 } else { 7 };
                let h = &rest[after..];
                let h_end = h.find(|c: char| c == '/' || stop(c)).unwrap_or(h.len());
                if h[..h_end].eq_ignore_ascii_case(host) {
                    (after + h_end, true)
                } else {
                    i += after;
                    continue;
                }
            } else if rest.starts_with("](/") && !rest.starts_with("](//") {
                i += 2;
                (0, false)
            } else {
                i += rest.chars().next().map(char::len_utf8).unwrap_or(1);
                continue;
            };
        let start = i;
        let tail = &text[i + skip..];
        let len = tail.find(stop).unwrap_or(tail.len());
        let url_end = i + skip + len;
        let raw = &text[i + skip..url_end];
        // Trailing punctuation of a sentence is not part of a bare URL.
        let raw_trim = raw.trim_end_matches(['.', ',', ';', ':', '!', '?']);
        let end = i + skip + raw_trim.len();
        let (path, fragment) = match raw_trim.split_once('#') {
            Some((p, f)) => (p, format!("#{f}")),
            None => (raw_trim, String::new()),
        };
        if path.starts_with('/') || path.is_empty() {
            out.push(Link {
                start,
                end,
                path: normalize(path),
                fragment,
                absolute,
            });
        }
        i = end.max(start + 1);
        while i < bytes.len() && !text.is_char_boundary(i) {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_keeps_the_query_and_drops_the_rest() {
        assert_eq!(normalize("/t/velo/34/"), "/t/velo/34");
        assert_eq!(normalize("/content/perma?id=9#c"), "/content/perma?id=9");
        assert_eq!(normalize("/"), "/");
        assert_eq!(normalize("p/3?"), "/p/3");
        assert_eq!(host_of("https://Old.Example:8443/x"), "old.example:8443");
        assert_eq!(host_of("https://old.example"), "old.example");
    }

    #[test]
    fn links_finds_the_origin_and_root_paths_only() {
        let t = "Voir https://old.example/p/12, [ceci](/t/velo/34#post_2) et \
                 <https://OLD.example/c/atelier/> mais pas https://other.example/p/1 \
                 ni [là](//cdn.example/x) ni [ici](relative).";
        let found = links(t, "old.example");
        let paths: Vec<_> = found
            .iter()
            .map(|l| (l.path.as_str(), l.fragment.as_str(), l.absolute))
            .collect();
        assert_eq!(
            paths,
            vec![
                ("/p/12", "", true),
                ("/t/velo/34", "#post_2", false),
                ("/c/atelier", "", true),
            ]
        );
        assert_eq!(&t[found[0].start..found[0].end], "https://old.example/p/12");
        assert_eq!(&t[found[1].start..found[1].end], "/t/velo/34#post_2");
        // No origin known: root paths still are the origin's.
        assert_eq!(links(t, "").len(), 1);
    }
}
