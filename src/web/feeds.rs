//! RSS 2.0 and Atom 1.0 for public listings. Feeds are fetched without
//! cookies, so they are built for an anonymous viewer through the same
//! permission policy: a private community has no feed (404).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use crate::communities;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::publications::{self, PublicationSummary};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/c/{slug}/feed.rss", get(community_rss))
        .route("/c/{slug}/feed.atom", get(community_atom))
        .route("/tags/{name}/feed.rss", get(tag_rss))
        .route("/tags/{name}/feed.atom", get(tag_atom))
}

/// A feed's description, independent of its format.
pub struct Feed<'a> {
    pub title: String,
    pub description: String,
    /// Absolute URL of the HTML page the feed mirrors.
    pub page_url: String,
    /// Absolute URL of the feed itself.
    pub self_url: String,
    pub items: &'a [PublicationSummary],
    pub lang: &'static str,
}

pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn rfc2822(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc2822)
                .ok()
        })
        .unwrap_or_default()
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

pub fn rss(feed: &Feed<'_>, base: &str) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str("<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\"><channel>");
    x.push_str(&format!(
        "<title>{}</title><link>{}</link><description>{}</description><language>{}</language>\
         <atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>",
        xml_escape(&feed.title),
        xml_escape(&feed.page_url),
        xml_escape(&feed.description),
        feed.lang,
        xml_escape(&feed.self_url)
    ));
    for it in feed.items {
        let link = format!("{base}{}", it.path());
        x.push_str(&format!(
            "<item><title>{}</title><link>{}</link><guid isPermaLink=\"true\">{}</guid><pubDate>{}</pubDate><description>{}</description>",
            xml_escape(&it.title),
            xml_escape(&link),
            xml_escape(&link),
            rfc2822(it.created_at),
            xml_escape(&it.excerpt)
        ));
        for t in &it.tags {
            x.push_str(&format!("<category>{}</category>", xml_escape(t)));
        }
        x.push_str("</item>");
    }
    x.push_str("</channel></rss>\n");
    x
}

pub fn atom(feed: &Feed<'_>, base: &str) -> String {
    let updated = feed
        .items
        .iter()
        .map(|i| i.last_activity_at)
        .max()
        .unwrap_or(0);
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str(&format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\"><title>{}</title><subtitle>{}</subtitle>\
         <id>{}</id><link rel=\"alternate\" type=\"text/html\" href=\"{}\"/><link rel=\"self\" href=\"{}\"/><updated>{}</updated>",
        feed.lang,
        xml_escape(&feed.title),
        xml_escape(&feed.description),
        xml_escape(&feed.page_url),
        xml_escape(&feed.page_url),
        xml_escape(&feed.self_url),
        rfc3339(updated)
    ));
    for it in feed.items {
        let link = format!("{base}{}", it.path());
        let author = it
            .author_name
            .clone()
            .or_else(|| it.author_username.clone())
            .unwrap_or_default();
        x.push_str(&format!(
            "<entry><title>{}</title><id>{}</id><link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\
             <published>{}</published><updated>{}</updated><author><name>{}</name></author><summary>{}</summary>",
            xml_escape(&it.title),
            xml_escape(&link),
            xml_escape(&link),
            rfc3339(it.created_at),
            rfc3339(it.last_activity_at),
            xml_escape(&author),
            xml_escape(&it.excerpt)
        ));
        for t in &it.tags {
            x.push_str(&format!("<category term=\"{}\"/>", xml_escape(t)));
        }
        x.push_str("</entry>");
    }
    x.push_str("</feed>\n");
    x
}

fn respond(body: String, ctype: &'static str) -> Response {
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    res
}

/// The community's feed content, for an anonymous reader.
async fn community_feed(
    state: &AppState,
    slug: &str,
    ext: &str,
) -> AppResult<(String, String, String, Vec<PublicationSummary>)> {
    let c = communities::by_slug(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if !policy::can(
        None,
        Action::ViewCommunity {
            c: &c.facts(),
            m: None,
        },
    ) {
        return Err(AppError::NotFound);
    }
    let (items, _) = publications::list_in_community(&state.db, None, &c, 0).await?;
    let page = state.url(&c.path());
    Ok((
        c.name.clone(),
        c.description.clone(),
        format!("{page}/feed.{ext}"),
        items,
    ))
}

async fn community_rss(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let (title, description, self_url, items) = community_feed(&state, &slug, "rss").await?;
    let page_url = self_url.trim_end_matches("/feed.rss").to_string();
    let feed = Feed {
        title,
        description,
        page_url,
        self_url,
        items: &items,
        lang: "fr-CA",
    };
    Ok(respond(
        rss(&feed, &state.config.public_url()),
        "application/rss+xml; charset=utf-8",
    ))
}

async fn community_atom(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let (title, description, self_url, items) = community_feed(&state, &slug, "atom").await?;
    let page_url = self_url.trim_end_matches("/feed.atom").to_string();
    let feed = Feed {
        title,
        description,
        page_url,
        self_url,
        items: &items,
        lang: "fr-CA",
    };
    Ok(respond(
        atom(&feed, &state.config.public_url()),
        "application/atom+xml; charset=utf-8",
    ))
}

/// A tag's feed: what anyone may read with that tag (same rule as the
/// tag page for an anonymous visitor).
async fn tag_feed(state: &AppState, name: &str) -> AppResult<(String, Vec<PublicationSummary>)> {
    let name = name.trim().to_lowercase();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::NotFound);
    }
    let (items, _) = publications::list_by_tag(&state.db, None, &name, 0).await?;
    Ok((name, items))
}

async fn tag_rss(State(state): State<AppState>, Path(name): Path<String>) -> AppResult<Response> {
    let (name, items) = tag_feed(&state, &name).await?;
    let page_url = state.url(&crate::urls::tag(&name));
    let feed = Feed {
        title: format!("#{name} · {}", state.instance_name()),
        description: String::new(),
        self_url: format!("{page_url}/feed.rss"),
        page_url,
        items: &items,
        lang: "fr-CA",
    };
    Ok(respond(
        rss(&feed, &state.config.public_url()),
        "application/rss+xml; charset=utf-8",
    ))
}

async fn tag_atom(State(state): State<AppState>, Path(name): Path<String>) -> AppResult<Response> {
    let (name, items) = tag_feed(&state, &name).await?;
    let page_url = state.url(&crate::urls::tag(&name));
    let feed = Feed {
        title: format!("#{name} · {}", state.instance_name()),
        description: String::new(),
        self_url: format!("{page_url}/feed.atom"),
        page_url,
        items: &items,
        lang: "fr-CA",
    };
    Ok(respond(
        atom(&feed, &state.config.public_url()),
        "application/atom+xml; charset=utf-8",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(title: &str) -> PublicationSummary {
        PublicationSummary {
            id: 7,
            kind: "discussion".into(),
            title: title.into(),
            excerpt: "Résumé <b>gras</b> & co".into(),
            author_username: Some("marie".into()),
            author_name: None,
            created_at: 1_782_923_400,
            last_activity_at: 1_782_923_500,
            reply_count: 0,
            pinned: false,
            tags: vec!["économie".into()],
            tag_labels: vec!["économie".into()],
            link_url: None,
            site_name: None,
        }
    }

    #[test]
    fn feeds_are_escaped_and_well_formed() {
        let items = [item("L'été <script>")];
        let feed = Feed {
            title: "Coop & cie".into(),
            description: "d\u{1}".into(),
            page_url: "https://p.example/c/coop".into(),
            self_url: "https://p.example/c/coop/feed.rss".into(),
            items: &items,
            lang: "fr-CA",
        };
        let r = rss(&feed, "https://p.example");
        assert!(r.contains("<title>L&apos;été &lt;script&gt;</title>"));
        assert!(r.contains("<link>https://p.example/p/7</link>"));
        assert!(r.contains("Coop &amp; cie") && !r.contains('\u{1}'));
        assert!(r.contains("<pubDate>Wed, 01 Jul 2026 16:30:00 +0000</pubDate>"));
        let a = atom(&feed, "https://p.example");
        assert!(a.contains("<updated>2026-07-01T16:31:40Z</updated>"));
        assert!(a.contains("<name>marie</name>") && a.contains("<category term=\"économie\"/>"));
        assert_eq!(a.matches("<entry>").count(), a.matches("</entry>").count());
    }
}
