//! Reading one fetched feed (RSS 0.9x/1.0/2.0, Atom, JSON Feed) with
//! `feed-rs` into what the aggregator stores, and refusing what is not a
//! feed with a reason the animator can read:
//! - a document that declares entities (`<!ENTITY` in its DOCTYPE: the
//!   "billion laughs" and external-entity tricks) is refused before parsing;
//! - a web page (an HTML root, `<!DOCTYPE html>`, or `text/html` that does
//!   not parse as a feed) is refused as "a web page, not a feed";
//! - anything else `feed-rs` cannot read is "not a valid feed", with the
//!   parser's message as detail.
//!
//! Nothing here touches the network or the database (the fuzz target
//! `feed_parse` calls [`parse`] directly).

use chrono::{DateTime, Utc};

/// Items kept from one answer, newest first (a feed may list thousands).
pub const MAX_ITEMS: usize = 100;
/// Longest excerpt kept, in characters.
pub const EXCERPT_CHARS: usize = 500;
const TITLE_CHARS: usize = 200;
const NAME_CHARS: usize = 100;
/// Categories of an item taken as tags, at most.
pub const CATEGORY_TAGS: usize = 5;

/// Why a feed was refused. Its message key is what the feed's health shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    #[error("the document declares XML entities")]
    Entities,
    #[error("a web page, not a feed")]
    Html,
    #[error("not a valid feed: {0}")]
    Invalid(String),
    #[error("the feed is empty")]
    Empty,
}

impl FeedError {
    pub fn message_key(&self) -> &'static str {
        match self {
            FeedError::Entities => "news-error-entities",
            FeedError::Html => "news-error-html",
            FeedError::Invalid(_) => "news-error-invalid",
            FeedError::Empty => "news-error-empty",
        }
    }
    /// What the parser said (for [`FeedError::Invalid`]), else nothing.
    pub fn detail(&self) -> String {
        match self {
            FeedError::Invalid(d) => d.chars().take(300).collect(),
            _ => String::new(),
        }
    }
}

/// One feed as read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedFeed {
    pub title: String,
    /// Its web site (the feed's `alternate` link), if given.
    pub site_url: String,
    /// Its declared language (`en`, `fr-CA`…), lower-cased, or ''.
    pub lang: String,
    pub items: Vec<ParsedItem>,
}

/// One item as read: plain text only (no markup survives).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedItem {
    /// Its GUID / Atom id / JSON Feed id (feed-rs makes a stable one from
    /// link and title when the feed gives none).
    pub guid: String,
    /// Its link (absolute `http(s)`), if any.
    pub url: Option<String>,
    pub title: String,
    /// Plain text, at most [`EXCERPT_CHARS`] characters.
    pub excerpt: String,
    pub published: Option<i64>,
    /// Category labels, at most [`CATEGORY_TAGS`].
    pub categories: Vec<String>,
}

/// The part of an XML document before its root element (prolog, DOCTYPE
/// with its internal subset, comments), lower-cased, at most 64 KiB read.
fn prolog(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..prolog_len(body)]).to_ascii_lowercase()
}

/// The name of the root element, lower-cased, if the document is XML-like.
fn root_name(body: &[u8], prolog_len: usize) -> Option<String> {
    let rest = body.get(prolog_len..)?;
    let rest = rest.strip_prefix(b"<")?;
    let name: Vec<u8> = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'-' | b'_'))
        .take(64)
        .copied()
        .collect();
    Some(String::from_utf8_lossy(&name).to_ascii_lowercase())
}

/// Parse `body` (as fetched, undecoded: feed-rs reads the XML encoding
/// declaration itself) served as `content_type`.
pub fn parse(body: &[u8], content_type: Option<&str>) -> Result<ParsedFeed, FeedError> {
    let trimmed = trim_start(body);
    if trimmed.is_empty() {
        return Err(FeedError::Empty);
    }
    let is_json = trimmed.first() == Some(&b'{');
    if !is_json {
        let head = prolog(trimmed);
        if head.contains("<!entity") {
            return Err(FeedError::Entities);
        }
        let root = root_name(trimmed, prolog_len(trimmed));
        if head.contains("<!doctype html") || root.as_deref() == Some("html") {
            return Err(FeedError::Html);
        }
    }
    let parser = feed_rs::parser::Builder::new()
        .sanitize_content(false)
        .build();
    let feed = match parser.parse(trimmed) {
        Ok(f) => f,
        Err(e) => {
            let html_type = content_type.is_some_and(|t| {
                let t = t.to_ascii_lowercase();
                t.starts_with("text/html") || t.starts_with("application/xhtml")
            });
            return Err(if html_type {
                FeedError::Html
            } else {
                FeedError::Invalid(e.to_string())
            });
        }
    };
    let title = feed
        .title
        .as_ref()
        .map(|t| plain(&t.content, NAME_CHARS))
        .unwrap_or_default();
    let site_url = feed
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .map(|l| l.href.clone())
        .filter(|h| is_web_url(h))
        .unwrap_or_default();
    let lang = feed
        .language
        .as_deref()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let mut items: Vec<ParsedItem> = feed
        .entries
        .into_iter()
        .filter_map(|e| {
            let url = e
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or_else(|| e.links.first())
                .map(|l| l.href.trim().to_string())
                .filter(|h| is_web_url(h));
            let raw_text = e
                .summary
                .as_ref()
                .map(|s| s.content.clone())
                .filter(|s| !s.trim().is_empty())
                .or_else(|| e.content.as_ref().and_then(|c| c.body.clone()))
                .or_else(|| {
                    // YouTube: the description is in media:group.
                    e.media
                        .iter()
                        .find_map(|m| m.description.as_ref().map(|d| d.content.clone()))
                })
                .unwrap_or_default();
            let mut title = e
                .title
                .as_ref()
                .map(|t| plain(&t.content, TITLE_CHARS))
                .unwrap_or_default();
            let excerpt = plain(&raw_text, EXCERPT_CHARS);
            if title.is_empty() {
                // Mastodon's RSS items have no title: the start of the text.
                title = shorten(&excerpt, 80);
            }
            if title.is_empty() && url.is_none() {
                return None;
            }
            let guid = e.id.trim().chars().take(500).collect::<String>();
            let mut categories: Vec<String> = Vec::new();
            for c in &e.categories {
                let label = c.label.as_deref().unwrap_or(&c.term);
                let label = plain(label, 60);
                if !label.is_empty() && !categories.contains(&label) {
                    categories.push(label);
                }
                if categories.len() == CATEGORY_TAGS {
                    break;
                }
            }
            Some(ParsedItem {
                guid,
                url,
                title,
                excerpt,
                published: e.published.or(e.updated).map(timestamp),
                categories,
            })
        })
        .collect();
    items.sort_by(|a, b| b.published.cmp(&a.published));
    items.truncate(MAX_ITEMS);
    Ok(ParsedFeed {
        title,
        site_url,
        lang,
        items,
    })
}

/// What every parsed feed keeps, whatever the input (the fuzz target
/// `feed_parse` and its committed inputs check it): bounded lengths, no
/// control characters, links that are web addresses.
pub fn check_invariants(feed: &ParsedFeed) {
    let clean = |s: &str| !s.chars().any(char::is_control);
    assert!(
        feed.title.chars().count() <= NAME_CHARS,
        "feed title not capped"
    );
    assert!(clean(&feed.title), "control characters in the feed title");
    assert!(feed.items.len() <= MAX_ITEMS, "too many items kept");
    for i in &feed.items {
        assert!(i.title.chars().count() <= TITLE_CHARS, "title not capped");
        assert!(
            i.excerpt.chars().count() <= EXCERPT_CHARS,
            "excerpt not capped"
        );
        assert!(
            clean(&i.title) && clean(&i.excerpt),
            "control characters kept"
        );
        assert!(i.guid.chars().count() <= 500, "GUID not capped");
        assert!(i.categories.len() <= CATEGORY_TAGS, "categories not capped");
        if let Some(u) = &i.url {
            assert!(is_web_url(u), "a link that is not a web address: {u}");
        }
    }
}

fn timestamp(d: DateTime<Utc>) -> i64 {
    d.timestamp()
}

fn trim_start(body: &[u8]) -> &[u8] {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    &body[start..]
}

/// Where the root element starts (the first `<` followed by a letter),
/// within the first 64 KiB.
fn prolog_len(body: &[u8]) -> usize {
    let head = &body[..body.len().min(64 * 1024)];
    (0..head.len().saturating_sub(1))
        .find(|&i| head[i] == b'<' && head[i + 1].is_ascii_alphabetic())
        .unwrap_or(head.len())
}

fn is_web_url(s: &str) -> bool {
    url::Url::parse(s.trim())
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// Text of a title or summary that may hold HTML (escaped or not): tags
/// dropped, entities decoded, whitespace collapsed, at most `max` chars.
pub fn plain(s: &str, max: usize) -> String {
    let text = if s.contains('<') || s.contains('&') {
        crate::markdown::excerpt_from_html(s, max.saturating_mul(4).max(max))
    } else {
        s.to_string()
    };
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let text: String = text.chars().filter(|c| !c.is_control()).collect();
    shorten(&text, max)
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out = out.trim_end().to_string();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_are_refused_before_parsing() {
        let doc = br#"<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>
<rss version="2.0"><channel><title>&lol2;</title></channel></rss>"#;
        assert_eq!(parse(doc, None), Err(FeedError::Entities));
    }

    #[test]
    fn html_is_named_as_such() {
        let page = b"<!DOCTYPE html><html><head><title>x</title></head><body>hi</body></html>";
        assert_eq!(parse(page, Some("text/html")), Err(FeedError::Html));
        assert_eq!(
            parse(b"<html><body>no doctype</body></html>", None),
            Err(FeedError::Html)
        );
    }

    #[test]
    fn invalid_xml_is_invalid_with_detail() {
        let e = parse(b"<rss version=\"2.0\"><channel><title>x</chan", None).unwrap_err();
        assert_eq!(e.message_key(), "news-error-invalid");
        assert!(!e.detail().is_empty());
        assert_eq!(parse(b"   ", None), Err(FeedError::Empty));
    }

    #[test]
    fn titles_and_excerpts_are_plain_text() {
        let doc = br#"<rss version="2.0"><channel><title>Site &amp; co</title><link>https://ex.org/</link>
<item><title>A &lt;b&gt;bold&lt;/b&gt; title</title><link>https://ex.org/a</link><guid>g1</guid>
<description>&lt;p&gt;Hello &lt;script&gt;alert(1)&lt;/script&gt;world&lt;/p&gt;</description>
<category>Logement</category></item></channel></rss>"#;
        let f = parse(doc, Some("application/rss+xml")).unwrap();
        assert_eq!(f.title, "Site & co");
        assert_eq!(f.site_url, "https://ex.org/");
        assert_eq!(f.items.len(), 1);
        let i = &f.items[0];
        assert_eq!(i.title, "A bold title");
        assert!(!i.excerpt.contains('<'), "{}", i.excerpt);
        assert!(i.excerpt.contains("Hello"));
        assert_eq!(i.guid, "g1");
        assert_eq!(i.categories, vec!["Logement".to_string()]);
    }
}
