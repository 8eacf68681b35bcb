//! RSS 2.0 and Atom 1.0 writers, for every listing that has a feed
//! (communities, tags, later territories, newsletters…). Text goes through
//! `xml::escape`, so no character XML 1.0 forbids reaches a reader. Which
//! items a feed holds is the caller's business, decided by the policy for
//! an anonymous reader (feeds are fetched without cookies).

use crate::publications::PublicationSummary;
use crate::xml::escape as xml_escape;

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
    /// An unlisted community's feed: its readers hold its link, so items
    /// link with their keys, and it is not for shared caches.
    pub unlisted: bool,
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
        let link = format!("{base}{}", it.link(feed.unlisted));
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
        // An empty feed was last updated now, not in 1970.
        .unwrap_or_else(crate::db::now);
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
        let link = format!("{base}{}", it.link(feed.unlisted));
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
            public_key: "k7".into(),
            site_name: None,
            source_name: None,
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
            unlisted: false,
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
