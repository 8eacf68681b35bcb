//! Issues and their items (storage reads), and an issue as an e-mail:
//! plain text (the reference) and HTML, in the subscriber's language,
//! items grouped under the list's categories in order. No tracking pixel,
//! no per-person link: the links are the publications' own addresses.

use sqlx::Row;

use super::List;
use crate::db::Db;
use crate::i18n::{Arg, Lang};
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct Issue {
    pub id: i64,
    pub list_id: i64,
    pub subject: String,
    pub intro: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub recipients: i64,
    /// `draft`, `scheduled` or `sent`.
    pub status: String,
    pub scheduled_at: Option<i64>,
    /// Why a scheduled send did not start (a message key), or empty.
    pub schedule_error: String,
}

#[derive(Debug, Clone)]
pub struct Item {
    pub id: i64,
    pub category: String,
    /// `publication` (watch items are publications), `event` or `resource`.
    pub kind: String,
    pub publication_id: Option<i64>,
    pub event_id: Option<i64>,
    pub resource_id: Option<i64>,
    pub title: String,
    pub blurb: String,
    /// The editor's optional introduction to the item.
    pub editorial: String,
    pub url: String,
    /// Aggregate clicks (counted only when the instance enables it).
    pub clicks: i64,
}

/// What a rendering needs from the instance, without the whole state (a
/// scheduled send renders in the job worker).
#[derive(Debug, Clone)]
pub struct Site {
    pub base_url: String,
    pub instance: String,
    /// Links go through the aggregate click counter.
    pub click_count: bool,
    pub per_second: u32,
}

impl Site {
    pub fn of(state: &AppState) -> Site {
        Site {
            base_url: state.config.public_url(),
            instance: state.instance_name(),
            click_count: state.config.newsletter_click_count,
            per_second: state.config.newsletter_rate,
        }
    }
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
    /// The address an item's link points to in an issue: its own, or the
    /// aggregate counter's redirect when the instance counts clicks.
    pub fn item_link(&self, list: &List, issue_id: i64, item: &Item) -> String {
        if self.click_count {
            self.url(&crate::urls::newsletter_click(
                &list.slug, issue_id, item.id,
            ))
        } else {
            item.url.clone()
        }
    }
}

const ISSUE_COLUMNS: &str = "id, list_id, subject, intro, created_at, sent_at, recipients, status, \
     scheduled_at, schedule_error";

fn issue_from(r: &sqlx::any::AnyRow) -> Result<Issue, sqlx::Error> {
    Ok(Issue {
        id: r.try_get("id")?,
        list_id: r.try_get("list_id")?,
        subject: r.try_get("subject")?,
        intro: r.try_get("intro")?,
        created_at: r.try_get("created_at")?,
        sent_at: r.try_get("sent_at")?,
        recipients: r.try_get("recipients")?,
        status: r.try_get("status")?,
        scheduled_at: r.try_get("scheduled_at")?,
        schedule_error: r.try_get("schedule_error")?,
    })
}

pub async fn issue(db: &Db, list_id: i64, id: i64) -> Result<Option<Issue>, sqlx::Error> {
    let sql =
        format!("SELECT {ISSUE_COLUMNS} FROM newsletter_issues WHERE id = $1 AND list_id = $2");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(list_id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| issue_from(&r))
        .transpose()
}

/// A list's issues, newest first: the sent ones (the archive), or the
/// drafts too (editors).
pub async fn issues(db: &Db, list_id: i64, with_drafts: bool) -> Result<Vec<Issue>, sqlx::Error> {
    let cond = if with_drafts {
        ""
    } else {
        " AND sent_at IS NOT NULL"
    };
    let sql = format!(
        "SELECT {ISSUE_COLUMNS} FROM newsletter_issues WHERE list_id = $1{cond} \
         ORDER BY COALESCE(sent_at, created_at) DESC, id DESC LIMIT 200"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(list_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(issue_from)
        .collect()
}

pub async fn items(db: &Db, issue_id: i64) -> Result<Vec<Item>, sqlx::Error> {
    sqlx::query(
        "SELECT id, category, kind, publication_id, event_id, resource_id, title, blurb, editorial, url, clicks \
         FROM newsletter_items WHERE issue_id = $1 ORDER BY position, id",
    )
    .bind(issue_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(Item {
            id: r.try_get("id")?,
            category: r.try_get("category")?,
            kind: r.try_get("kind")?,
            publication_id: r.try_get("publication_id")?,
            event_id: r.try_get("event_id")?,
            resource_id: r.try_get("resource_id")?,
            title: r.try_get("title")?,
            blurb: r.try_get("blurb")?,
            editorial: r.try_get("editorial")?,
            url: r.try_get("url")?,
            clicks: r.try_get("clicks")?,
        })
    })
    .collect()
}

/// The items under their headings: the list's categories in order, then
/// those without one (heading empty).
pub fn grouped<'a>(list: &List, items: &'a [Item]) -> Vec<(String, Vec<&'a Item>)> {
    let mut out: Vec<(String, Vec<&Item>)> = Vec::new();
    for c in list.categories.iter().map(String::as_str).chain([""]) {
        let these: Vec<&Item> = items.iter().filter(|i| i.category == c).collect();
        if !these.is_empty() {
            out.push((c.to_string(), these));
        }
    }
    // A category removed from the list since: keep its items, at the end.
    for i in items {
        if !i.category.is_empty() && !list.categories.contains(&i.category) {
            match out.iter_mut().find(|(c, _)| *c == i.category) {
                Some((_, v)) => v.push(i),
                None => out.push((i.category.clone(), vec![i])),
            }
        }
    }
    out
}

/// The first `max` characters of a text, on a word boundary, without
/// Markdown's most visible marks.
pub fn excerpt(body: &str, max: usize) -> String {
    let flat: String = body
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(['*', '#', '`', '>'], "");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => cut[..i].to_string(),
        _ => cut,
    };
    format!("{cut}…")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The issue as an e-mail. `unsubscribe`: the subscriber's link (or a
/// placeholder replaced per subscriber); `None` for a test send.
pub fn render(
    site: &Site,
    lang: Lang,
    list: &List,
    issue: &Issue,
    items: &[Item],
    unsubscribe: Option<&str>,
) -> Rendered {
    let archive = site.url(&crate::urls::newsletter_issue(&list.slug, issue.id));
    let groups = grouped(list, items);
    let mut text = format!(
        "{}\n{}\n\n",
        list.name,
        "=".repeat(list.name.chars().count().min(60))
    );
    let mut html = String::from("<!doctype html><html><head><meta charset=\"utf-8\"></head><body>");
    html.push_str(&format!("<h1>{}</h1>", escape(&list.name)));
    html.push_str(&format!("<h2>{}</h2>", escape(&issue.subject)));
    text.push_str(&format!("{}\n\n", issue.subject));
    for para in issue
        .intro
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        text.push_str(para);
        text.push_str("\n\n");
        html.push_str(&format!("<p>{}</p>", escape(para).replace('\n', "<br>")));
    }
    for (category, its) in &groups {
        if !category.is_empty() {
            text.push_str(&format!("## {category}\n\n"));
            html.push_str(&format!("<h3>{}</h3>", escape(category)));
        }
        html.push_str("<ul>");
        for i in its {
            let link = site.item_link(list, issue.id, i);
            if !i.editorial.is_empty() {
                text.push_str(&format!("{}\n", i.editorial));
            }
            text.push_str(&format!("* {}\n  {}\n", i.title, link));
            if !i.blurb.is_empty() {
                text.push_str(&format!("  {}\n", i.blurb));
            }
            text.push('\n');
            html.push_str(&format!(
                "<li>{}<a href=\"{}\">{}</a>{}</li>",
                if i.editorial.is_empty() {
                    String::new()
                } else {
                    format!(
                        "<p><em>{}</em></p>",
                        escape(&i.editorial).replace('\n', "<br>")
                    )
                },
                escape(&link),
                escape(&i.title),
                if i.blurb.is_empty() {
                    String::new()
                } else {
                    format!("<br>{}", escape(&i.blurb))
                }
            ));
        }
        html.push_str("</ul>");
    }
    let args: [(&'static str, Arg); 2] = [
        ("archive", Arg::Str(archive.clone())),
        ("instance", Arg::Str(site.instance.clone())),
    ];
    let footer = lang.ta("newsletter-mail-footer", &args);
    let privacy = lang.t(if site.click_count {
        "newsletter-mail-click-count"
    } else {
        "newsletter-mail-no-tracking"
    });
    text.push_str(&format!("-- \n{footer}\n{privacy}\n"));
    html.push_str(&format!(
        "<hr><p>{}<br><a href=\"{}\">{}</a></p><p>{}</p>",
        escape(&footer),
        escape(&archive),
        escape(&archive),
        escape(&privacy)
    ));
    if let Some(u) = unsubscribe {
        let label = lang.t("newsletter-mail-unsubscribe");
        text.push_str(&format!("{label} {u}\n"));
        html.push_str(&format!("<p><a href=\"{u}\">{}</a></p>", escape(&label)));
    }
    html.push_str("</body></html>");
    Rendered {
        subject: format!("{} — {}", list.name, issue.subject),
        text,
        html,
    }
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

/// The archive as an Atom feed: one entry per sent issue, newest first,
/// its introduction as the summary.
pub fn archive_atom(state: &AppState, list: &List, sent: &[Issue]) -> String {
    use crate::xml::escape as x;
    let page = state.url(&list.path());
    let updated = sent
        .iter()
        .filter_map(|i| i.sent_at)
        .max()
        .unwrap_or_else(crate::db::now);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str(&format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>{}</title><subtitle>{}</subtitle><id>{}</id>\
         <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/><link rel=\"self\" href=\"{}\"/><updated>{}</updated>\
         <author><name>{}</name></author>",
        x(&list.name),
        x(&list.description),
        x(&page),
        x(&page),
        x(&format!("{page}/feed.atom")),
        rfc3339(updated),
        x(&state.instance_name()),
    ));
    for i in sent {
        let Some(at) = i.sent_at else { continue };
        let link = state.url(&crate::urls::newsletter_issue(&list.slug, i.id));
        out.push_str(&format!(
            "<entry><title>{}</title><id>{}</id><link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\
             <published>{}</published><updated>{}</updated><summary>{}</summary></entry>",
            x(&i.subject),
            x(&link),
            x(&link),
            rfc3339(at),
            rfc3339(at),
            x(&i.intro),
        ));
    }
    out.push_str("</feed>");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn excerpts_cut_on_words() {
        assert_eq!(super::excerpt("un  **deux** trois", 50), "un deux trois");
        assert_eq!(super::excerpt("aaaa bbbb cccc dddd", 12), "aaaa bbbb…");
    }
}
