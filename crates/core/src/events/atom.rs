//! Atom 1.0 of upcoming event dates (the agenda's, with its filters), for
//! feed readers: one entry per occurrence, linking to the event's page.
//! Which events it holds is the caller's business (built for an anonymous
//! reader: feeds are fetched without cookies). Text goes through
//! `xml::escape`.

use super::listing::Dated;
use crate::xml::escape;

pub struct AtomFeed<'a> {
    pub title: String,
    /// Absolute URL of the agenda page it mirrors.
    pub page_url: String,
    /// Absolute URL of the feed itself.
    pub self_url: String,
    /// The instance's public URL (entries link to `{base}/e/{id}`).
    pub base: String,
    pub lang: &'static str,
    pub items: &'a [Dated],
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

/// The feed; `summary(d)` says when and where (in the reader's language),
/// `cancelled` is the word put before a cancelled date's title.
pub fn write(feed: &AtomFeed<'_>, summary: impl Fn(&Dated) -> String, cancelled: &str) -> String {
    let updated = feed
        .items
        .iter()
        .map(|d| d.event.updated_at)
        .max()
        .unwrap_or_else(crate::db::now);
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str(&format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\"><title>{}</title>\
         <id>{}</id><link rel=\"alternate\" type=\"text/html\" href=\"{}\"/><link rel=\"self\" href=\"{}\"/><updated>{}</updated>",
        feed.lang,
        escape(&feed.title),
        escape(&feed.self_url),
        escape(&feed.page_url),
        escape(&feed.self_url),
        rfc3339(updated)
    ));
    for d in feed.items {
        let link = format!("{}{}", feed.base, d.event.path());
        let key = super::time::format_local(d.occ.start_local, d.event.all_day);
        let title = if d.cancelled {
            format!("{cancelled} : {}", d.event.title)
        } else {
            d.event.title.clone()
        };
        x.push_str(&format!(
            "<entry><title>{}</title><id>{}#{}</id><link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\
             <published>{}</published><updated>{}</updated><author><name>{}</name></author><summary>{}</summary></entry>",
            escape(&title),
            escape(&link),
            escape(&key),
            escape(&link),
            rfc3339(d.event.created_at),
            rfc3339(d.event.updated_at),
            escape(&feed.title),
            escape(&summary(d)),
        ));
    }
    x.push_str("</feed>\n");
    x
}
