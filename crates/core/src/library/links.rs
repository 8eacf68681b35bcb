//! Link preservation (C7): the external links that resources cite (their
//! source URL) are checked periodically through the guarded fetcher
//! (`crate::fetch`), and each successful check keeps a sanitised snapshot
//! of the page: its title, description, site name and text (no markup, no
//! script, no image; at most [`MAX_TEXT_CHARS`]). A link that answers 404
//! or 410 is dead at once; any other failure (timeout, refused connection,
//! 5xx, DNS) counts, and two in a row make it dead. A dead link's resource
//! page says so and offers the snapshot (`/r/{id}/snapshot`), read through
//! the resource (the policy first), never by URL.
//!
//! Publications get the same: the links they cite (their watch address and
//! their body's external links, `publication_links`, migration 0058) are
//! registered when they are saved; their page marks the dead ones and
//! offers the snapshot at `/p/{id}/links/{n}`, through the publication.
//!
//! Rows are per URL (`link_checks`): registered when a resource is saved,
//! checked first when new (at the next hourly pass), then weekly (daily
//! after a failure), by `Job::CheckLinks` queued hourly.

use std::time::Duration;

use sqlx::Row;

use crate::db::{Db, now};
use crate::fetch::{FetchError, FetchPolicy, Fetcher};

/// Characters of page text kept.
pub const MAX_TEXT_CHARS: usize = 50_000;
/// Links checked per pass.
pub const BATCH: i64 = 30;
/// Between two checks of a living link.
pub const RECHECK_SECS: i64 = 7 * 86400;
/// After a failure.
pub const RETRY_SECS: i64 = 86400;
/// Failures in a row (other than 404/410) before a link is dead.
pub const FAILURES_TO_DEAD: i64 = 2;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkCheck {
    pub url: String,
    /// unchecked | alive | dead
    pub state: String,
    pub http_status: Option<i64>,
    pub final_url: String,
    pub error: String,
    pub failures: i64,
    pub checked_at: Option<i64>,
    pub snapshot_title: String,
    pub snapshot_description: String,
    pub snapshot_site: String,
    pub snapshot_text: String,
    pub snapshot_at: Option<i64>,
}

impl LinkCheck {
    pub fn is_dead(&self) -> bool {
        self.state == "dead"
    }
    pub fn has_snapshot(&self) -> bool {
        self.snapshot_at.is_some()
    }
}

/// Register `url` for checking, in the caller's transaction (a URL already
/// known keeps its history).
pub async fn register_in(conn: &mut sqlx::AnyConnection, url: &str) -> Result<(), sqlx::Error> {
    let url = url.trim();
    if url.is_empty() {
        return Ok(());
    }
    let t = now();
    sqlx::query(
        "INSERT INTO link_checks (url, state, next_check_at, created_at) VALUES ($1, 'unchecked', $2, $2) \
         ON CONFLICT (url) DO NOTHING",
    )
    .bind(url)
    .bind(t)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn by_url(db: &Db, url: &str) -> Result<Option<LinkCheck>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT url, state, http_status, final_url, error, failures, checked_at, snapshot_title, \
         snapshot_description, snapshot_site, snapshot_text, snapshot_at FROM link_checks WHERE url = $1",
    )
    .bind(url.trim())
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(check_from).transpose()
}

fn check_from(r: &sqlx::any::AnyRow) -> Result<LinkCheck, sqlx::Error> {
    Ok(LinkCheck {
        url: r.try_get("url")?,
        state: r.try_get("state")?,
        http_status: r.try_get("http_status")?,
        final_url: r.try_get("final_url")?,
        error: r.try_get("error")?,
        failures: r.try_get("failures")?,
        checked_at: r.try_get("checked_at")?,
        snapshot_title: r.try_get("snapshot_title")?,
        snapshot_description: r.try_get("snapshot_description")?,
        snapshot_site: r.try_get("snapshot_site")?,
        snapshot_text: r.try_get("snapshot_text")?,
        snapshot_at: r.try_get("snapshot_at")?,
    })
}

/// What a page's HTML leaves once sanitised: text only (ammonia with no
/// tag allowed drops scripts and styles with their content), entities
/// decoded, whitespace collapsed, at most [`MAX_TEXT_CHARS`].
pub fn page_text(html: &str) -> String {
    // The body only, when there is one: the head's title is kept apart.
    let lower = html.to_ascii_lowercase();
    let body = match lower.find("<body") {
        Some(i) => &html[i..],
        None => html,
    };
    let cleaned = ammonia::Builder::empty()
        .clean_content_tags(
            [
                "script", "style", "noscript", "template", "head", "title", "svg", "math",
            ]
            .into_iter()
            .collect(),
        )
        // A space before every tag, so that blocks ("</h1><p>") do not run
        // their words together (whitespace is collapsed below).
        .clean(&body.replace('<', " <"))
        .to_string();
    let decoded = cleaned
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    let mut out = String::new();
    for w in decoded.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
        if out.len() > MAX_TEXT_CHARS * 4 {
            break;
        }
    }
    out.chars().take(MAX_TEXT_CHARS).collect()
}

/// External links of a publication kept, at most.
pub const CITED_MAX: usize = 20;

/// The external links a publication cites, in order, without repeats: its
/// watch address, then the `http(s)` links of its (sanitised) body.
pub fn cited_urls(link: Option<&str>, body_html: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |u: String| {
        let u = u.trim().to_string();
        let lower = u.to_ascii_lowercase();
        if (lower.starts_with("http://") || lower.starts_with("https://"))
            && u.len() <= 2000
            && !out.contains(&u)
            && out.len() < CITED_MAX
        {
            out.push(u);
        }
    };
    if let Some(l) = link {
        push(l.to_string());
    }
    let mut rest = body_html;
    while let Some(i) = rest.find("href=\"") {
        rest = &rest[i + 6..];
        let Some(end) = rest.find('"') else { break };
        push(rest[..end].replace("&amp;", "&"));
        rest = &rest[end..];
    }
    out
}

/// Record the links publication `id` cites (replacing the previous list)
/// and register each for checking, in the caller's transaction.
pub async fn cite_in(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    urls: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM publication_links WHERE publication_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for (i, url) in urls.iter().enumerate() {
        sqlx::query(
            "INSERT INTO publication_links (publication_id, position, url) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(i as i64)
        .bind(url)
        .execute(&mut *conn)
        .await?;
        register_in(conn, url).await?;
    }
    Ok(())
}

/// The links publication `id` cites, with their check (position, check);
/// read only after the publication itself passed the policy.
pub async fn of_publication(db: &Db, id: i64) -> Result<Vec<(i64, LinkCheck)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT pl.position, k.url, k.state, k.http_status, k.final_url, k.error, k.failures, k.checked_at, \
         k.snapshot_title, k.snapshot_description, k.snapshot_site, k.snapshot_text, k.snapshot_at \
         FROM publication_links pl JOIN link_checks k ON k.url = pl.url WHERE pl.publication_id = $1 ORDER BY pl.position",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("position")?, check_from(r)?)))
        .collect()
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PassReport {
    pub checked: usize,
    pub alive: usize,
    pub dead: usize,
    pub failed: usize,
}

/// Check the links that are due at `at` (at most [`BATCH`]), each bounded
/// by `timeout`. `allow` lists loopback addresses the tests serve from.
pub async fn check_due(
    db: &Db,
    fetcher: &Fetcher,
    timeout: Duration,
    at: i64,
) -> Result<PassReport, sqlx::Error> {
    let due: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT id, url, failures FROM link_checks WHERE next_check_at <= $1 ORDER BY next_check_at, id LIMIT $2",
    )
    .bind(at)
    .bind(BATCH)
    .fetch_all(&db.pool)
    .await?;
    let mut report = PassReport::default();
    // Fetched ten at a time (the job worker waits for the pass: at most
    // BATCH / 10 timeouts in a row), written one by one.
    let mut fetched = Vec::with_capacity(due.len());
    for chunk in due.chunks(10) {
        let mut set = tokio::task::JoinSet::new();
        for (i, (_, url, _)) in chunk.iter().enumerate() {
            let policy = FetchPolicy {
                max_bytes: 2 * 1024 * 1024,
                timeout,
                max_redirects: 5,
                allow_loopback_for_tests: crate::publications::fetch_allow_list(url),
                accept: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
            };
            let (fetcher, url) = (fetcher.clone(), url.clone());
            set.spawn(async move { (i, fetcher.get(&url, &policy).await) });
        }
        let mut results: Vec<Option<Result<crate::fetch::Fetched, FetchError>>> =
            (0..chunk.len()).map(|_| None).collect();
        while let Some(done) = set.join_next().await {
            if let Ok((i, r)) = done {
                results[i] = Some(r);
            }
        }
        for ((id, _, failures), r) in chunk.iter().zip(results) {
            fetched.push((
                *id,
                *failures,
                r.unwrap_or_else(|| Err(FetchError::Network("task failed".into()))),
            ));
        }
    }
    for (id, failures, result) in fetched {
        report.checked += 1;
        let t = now();
        match result {
            Ok(page) => {
                report.alive += 1;
                let ct = page.content_type.as_deref();
                let (title, description, site, _) = crate::preview::fuzzing::page(&page.body, ct);
                let is_html = ct.is_none_or(|c| c.to_ascii_lowercase().contains("html"));
                let text = if is_html {
                    page_text(&String::from_utf8_lossy(&page.body))
                } else {
                    String::new()
                };
                sqlx::query(
                    "UPDATE link_checks SET state = 'alive', http_status = $1, final_url = $2, error = '', failures = 0, \
                     checked_at = $3, next_check_at = $4, snapshot_title = $5, snapshot_description = $6, \
                     snapshot_site = $7, snapshot_text = $8, snapshot_at = $3 WHERE id = $9",
                )
                .bind(i64::from(page.status))
                .bind(page.final_url.as_str())
                .bind(t)
                .bind(at + RECHECK_SECS)
                .bind(title.chars().take(500).collect::<String>())
                .bind(description.chars().take(2000).collect::<String>())
                .bind(site.chars().take(200).collect::<String>())
                .bind(text)
                .bind(id)
                .execute(&db.pool)
                .await?;
            }
            Err(e) => {
                let gone = matches!(e, FetchError::Http(404 | 410));
                let failures = failures + 1;
                let dead = gone || failures >= FAILURES_TO_DEAD;
                if dead {
                    report.dead += 1;
                } else {
                    report.failed += 1;
                }
                let status = match e {
                    FetchError::Http(s) => Some(i64::from(s)),
                    _ => None,
                };
                // The snapshot stays: it is what a dead link offers.
                sqlx::query(
                    "UPDATE link_checks SET state = CASE WHEN $1 = 1 THEN 'dead' ELSE state END, http_status = $2, \
                     error = $3, failures = $4, checked_at = $5, next_check_at = $6 WHERE id = $7",
                )
                .bind(if dead { 1i64 } else { 0 })
                .bind(status)
                .bind(e.message_key())
                .bind(failures)
                .bind(t)
                .bind(at + RETRY_SECS)
                .bind(id)
                .execute(&db.pool)
                .await?;
            }
        }
    }
    Ok(report)
}

/// The shared fetcher of link checks.
pub fn fetcher(user_agent: &str) -> &'static Fetcher {
    static F: std::sync::OnceLock<Fetcher> = std::sync::OnceLock::new();
    F.get_or_init(|| Fetcher::new(user_agent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_text_of_a_page_and_nothing_live() {
        let html = r#"<!doctype html><html><head><title>Titre</title>
            <script>alert("head")</script><style>body{}</style></head>
            <body><h1>Programme &amp; fonds</h1><p>Les   coopératives
            <b>admissibles</b>&nbsp;!</p><script>document.cookie</script>
            <img src=x onerror=alert(1)><a href="javascript:x">lien</a>
            <svg><text>dessin</text></svg>&lt;b&gt;</body></html>"#;
        let t = page_text(html);
        assert_eq!(
            t,
            "Programme & fonds Les coopératives admissibles ! lien <b>"
        );
        assert!(!t.contains("alert") && !t.contains("cookie") && !t.contains("Titre"));
        let long = format!("<p>{}</p>", "mot ".repeat(MAX_TEXT_CHARS));
        assert_eq!(page_text(&long).chars().count(), MAX_TEXT_CHARS);
    }
}
