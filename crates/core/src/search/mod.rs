//! Search: one index over every kind of content, in the database itself.
//!
//! Design (ARCHITECTURE.md, "Search"): text is analysed in Rust
//! ([`analyze`]: French/English folding, elisions, stemming) and the
//! resulting terms are indexed by the engine's own full-text structure —
//! an FTS5 table on SQLite, a `tsvector` with a GIN index on PostgreSQL. The
//! index lives in the same database as the content, so every app node
//! answers the same, and it is written in the same transaction as the
//! content it describes.
//!
//! **Permissions are applied at query time**, by SQL conditions built from
//! `crate::policy` ([`Source::visible_sql`]): a removed publication, a
//! community made private or a member who left is reflected by the very
//! next query; the index never decides who sees what.
//!
//! A new kind of content implements [`Source`] once: how to load its
//! documents, and which of them a viewer may see.

mod find;
mod index;
pub use find::*;
pub use index::*;

pub mod analyze;
mod bulk;
pub mod eval;
pub mod highlight;
pub mod params;
pub mod query;
pub mod rank;
pub mod saved;
pub mod tags;
pub mod vocab;

use std::collections::HashMap;

use sqlx::AnyConnection;
use sqlx::Row;

use crate::accounts::User;
use crate::db::{Backend, Db};
use crate::markdown;
use crate::policy;
use analyze::Lang;

/// Results per page.
/// The name of a kind of result ("Publication", "Réponse"…) in a language,
/// for the results page and the API's facets.
pub fn kind_label(lang: crate::i18n::Lang, kind: &str) -> String {
    lang.t(&format!("search-kind-{kind}"))
}

pub const PAGE_SIZE: usize = 20;
/// Words in a snippet.
const SNIPPET_WORDS: usize = 32;
/// Body text indexed per item (characters).
const BODY_MAX_CHARS: usize = 20_000;
/// Reindexing batch.
const BATCH: i64 = 500;
/// BM25 weights of the title, tags, body and filters columns (SQLite):
/// filter tokens select, they never rank.
const FTS_WEIGHTS: &str = "10.0, 5.0, 1.0, 0.0";

/// Kinds a publication can have.
pub const PUBLICATION_KINDS: [&str; 3] = ["discussion", "question", "watch"];
/// Every kind a search result can have, in the order filters show them.
pub const KINDS: [&str; 8] = [
    "discussion",
    "question",
    "watch",
    "reply",
    "community",
    "member",
    "event",
    "resource",
];

/// One searchable item, as the index stores it.
#[derive(Debug, Clone)]
pub struct Doc {
    pub source: Source,
    pub ref_id: i64,
    pub kind: String,
    pub publication_id: Option<i64>,
    pub community_id: Option<i64>,
    pub user_id: Option<i64>,
    pub lang: Lang,
    pub title: String,
    pub tags: String,
    pub body: String,
    pub created_at: i64,
    /// Filter tokens (see [`filter_token`]), space-separated.
    pub filters: String,
}

/// The token that a filter matches in the index: `#c12` (shared into
/// community 12), `#t5` (tag 5), `#u7` (author 7), `#kreply` (kind).
/// Analysed words are alphanumeric, so no query typed in the search box
/// produces one. Publications and their replies carry their publication's
/// communities and tags; a token may outlive what it stands for (the
/// publication left the community): queries still check the real
/// condition, the token only narrows what the full-text index returns.
pub fn filter_token(kind: char, value: &str) -> String {
    format!("#{kind}{value}")
}

/// Kinds filtered through a token: the rare ones. A common kind (a reply,
/// a discussion…) is a large share of every word's matches, so the match
/// window already holds plenty of it, and intersecting with its token's
/// long list cost more than the filter saved (filtered p50 41 ms against
/// 20 ms at scale 100).
fn kind_has_token(kind: &str) -> bool {
    matches!(kind, "community" | "member" | "event" | "resource")
}

/// The filter tokens of one document, given its publication's (if any).
fn doc_filters(doc: &Doc, of_publication: Option<&str>) -> String {
    let mut out = String::new();
    if kind_has_token(&doc.kind) {
        out.push_str(&filter_token('k', &doc.kind));
    }
    // The author filter: a publication's or reply's author, an event's
    // organiser.
    if matches!(
        doc.source,
        Source::Publications | Source::Replies | Source::Events
    ) && let Some(u) = doc.user_id
    {
        out.push(' ');
        out.push_str(&filter_token('u', &u.to_string()));
    }
    if let Some(p) = of_publication.filter(|p| !p.is_empty()) {
        out.push(' ');
        out.push_str(p);
    }
    // No empty token for PostgreSQL's `string_to_array` (it refuses them).
    out.trim_start().to_string()
}

/// The community and tag tokens of publications, by publication id.
async fn publication_filters(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<HashMap<i64, String>, sqlx::Error> {
    let mut out: HashMap<i64, String> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let list = id_list(ids.iter().copied());
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT publication_id, community_id, 'c' FROM publication_communities WHERE publication_id IN ({list}) \
         UNION ALL SELECT publication_id, tag_id, 't' FROM publication_tags WHERE publication_id IN ({list}) \
         ORDER BY 1, 3, 2"
    )))
    .fetch_all(&mut *conn)
    .await?;
    for (p, v, k) in rows {
        let e = out.entry(p).or_default();
        if !e.is_empty() {
            e.push(' ');
        }
        e.push_str(&filter_token(
            k.chars().next().unwrap_or('c'),
            &v.to_string(),
        ));
    }
    Ok(out)
}

/// The kinds of content that feed the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Publications,
    Replies,
    Communities,
    Members,
    /// Events (issue 15): found by their title, description, place and
    /// tags; their date is their (first) start.
    Events,
    /// Library resources (C7): their metadata, subject terms with every
    /// label (so a synonym finds them) and the text of their PDFs.
    Resources,
}

impl Source {
    pub const ALL: [Source; 6] = [
        Source::Publications,
        Source::Replies,
        Source::Communities,
        Source::Members,
        Source::Events,
        Source::Resources,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Source::Publications => "p",
            Source::Replies => "r",
            Source::Communities => "c",
            Source::Members => "m",
            Source::Events => "e",
            Source::Resources => "l",
        }
    }

    /// This source's rows whose id meets `cond` (e.g. `= $1`, `IN (…)`).
    fn load_sql(self, cond: &str) -> String {
        match self {
            Source::Publications => format!(
                "SELECT x.id, x.kind, x.title, x.body_html, x.lang, x.author_id, x.created_at, x.status, x.link_url, \
                 lp.title AS pv_title, lp.description AS pv_description, lp.site_name AS pv_site \
                 FROM publications x LEFT JOIN link_previews lp ON lp.id = x.preview_id WHERE x.id {cond}"
            ),
            Source::Replies => format!(
                "SELECT x.id, x.publication_id, x.author_id, x.body_html, x.created_at, x.status, p.title, p.lang \
                 FROM replies x JOIN publications p ON p.id = x.publication_id WHERE x.id {cond}"
            ),
            Source::Communities => format!(
                "SELECT x.id, x.name, x.description, x.theme, x.territory, x.created_at, x.status \
                 FROM communities x WHERE x.id {cond}"
            ),
            Source::Members => format!(
                "SELECT x.id, x.username, x.display_name, x.bio, x.locale, x.created_at, x.status, x.findable \
                 FROM users x WHERE x.domain IS NULL AND x.id {cond}"
            ),
            Source::Events => format!(
                "SELECT x.id, x.title, x.description_html, x.address, x.starts_at, x.organiser_id \
                 FROM events x WHERE x.id {cond}"
            ),
            Source::Resources => format!(
                "SELECT x.id, x.kind AS rkind, x.title, x.creators, x.publisher, x.description, x.language, x.deadline, \
                 x.eligibility, x.amount, x.created_at, x.status FROM resources x WHERE x.id {cond}"
            ),
        }
    }

    /// (id, created_at) of every item of this source that is to be indexed.
    fn keys_sql(self) -> &'static str {
        match self {
            Source::Publications => {
                "SELECT id, created_at FROM publications WHERE status <> 'deleted'"
            }
            Source::Replies => "SELECT id, created_at FROM replies WHERE status <> 'deleted'",
            Source::Communities => {
                "SELECT id, created_at FROM communities WHERE status <> 'refused'"
            }
            Source::Members => {
                "SELECT id, created_at FROM users WHERE domain IS NULL AND findable = 1 AND status = 'active'"
            }
            Source::Events => "SELECT id, starts_at FROM events",
            Source::Resources => "SELECT id, created_at FROM resources WHERE status = 'visible'",
        }
    }

    /// `load_sql` for a list of ids.
    fn load_many_sql(self, ids: &[i64]) -> String {
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        self.load_sql(&format!("IN ({list})"))
    }

    /// A row of `load_sql` as a document (None: not to be indexed).
    fn doc(self, r: &sqlx::any::AnyRow) -> Result<(i64, Option<Doc>), sqlx::Error> {
        let id: i64 = r.try_get("id")?;
        let doc = match self {
            Source::Publications => {
                let status: String = r.try_get("status")?;
                if status == "deleted" {
                    None
                } else {
                    let title: String = r.try_get("title")?;
                    let html: String = r.try_get("body_html")?;
                    let mut body = markdown::excerpt_from_html(&html, BODY_MAX_CHARS);
                    // A watch item: its preview's words are searchable too.
                    for col in ["pv_title", "pv_description", "pv_site", "link_url"] {
                        if let Some(extra) = r.try_get::<Option<String>, _>(col)?
                            && !extra.is_empty()
                        {
                            body.push('\n');
                            body.push_str(&extra);
                        }
                    }
                    let declared = Lang::parse(&r.try_get::<String, _>("lang")?);
                    let lang = analyze::detect(&format!("{title} {body}"), declared);
                    Some(Doc {
                        source: self,
                        ref_id: id,
                        kind: r.try_get("kind")?,
                        publication_id: Some(id),
                        community_id: None,
                        user_id: r.try_get("author_id")?,
                        lang,
                        title,
                        tags: String::new(),
                        body,
                        created_at: r.try_get("created_at")?,
                        filters: String::new(),
                    })
                }
            }
            Source::Replies => {
                let status: String = r.try_get("status")?;
                if status == "deleted" {
                    None
                } else {
                    let html: String = r.try_get("body_html")?;
                    let body = markdown::excerpt_from_html(&html, BODY_MAX_CHARS);
                    let declared = Lang::parse(&r.try_get::<String, _>("lang")?);
                    Some(Doc {
                        source: self,
                        ref_id: id,
                        kind: "reply".into(),
                        publication_id: Some(r.try_get("publication_id")?),
                        community_id: None,
                        user_id: r.try_get("author_id")?,
                        lang: analyze::detect(&body, declared),
                        // The reply is found by its own words; the title is
                        // shown (not indexed) to say where it belongs.
                        title: r.try_get("title")?,
                        tags: String::new(),
                        body,
                        created_at: r.try_get("created_at")?,
                        filters: String::new(),
                    })
                }
            }
            Source::Communities => {
                let status: String = r.try_get("status")?;
                if status == "refused" {
                    None
                } else {
                    let name: String = r.try_get("name")?;
                    let description: String = r.try_get("description")?;
                    let theme: String = r.try_get("theme")?;
                    let territory: String = r.try_get("territory")?;
                    let body = markdown::excerpt(&description, BODY_MAX_CHARS);
                    Some(Doc {
                        source: self,
                        ref_id: id,
                        kind: "community".into(),
                        publication_id: None,
                        community_id: Some(id),
                        user_id: None,
                        lang: analyze::detect(&format!("{name} {body}"), Lang::Fr),
                        title: name,
                        tags: format!("{theme} {territory}"),
                        body,
                        created_at: r.try_get("created_at")?,
                        filters: String::new(),
                    })
                }
            }
            Source::Members => {
                let findable: i64 = r.try_get("findable")?;
                let status: String = r.try_get("status")?;
                if findable == 0 || status != "active" {
                    None
                } else {
                    let username: String = r.try_get("username")?;
                    let display: String = r.try_get("display_name")?;
                    let bio: String = r.try_get("bio")?;
                    let locale: String = r.try_get("locale")?;
                    let title = if display.trim().is_empty() {
                        username.clone()
                    } else {
                        display
                    };
                    Some(Doc {
                        source: self,
                        ref_id: id,
                        kind: "member".into(),
                        publication_id: None,
                        community_id: None,
                        user_id: Some(id),
                        lang: analyze::detect(&bio, Lang::parse(&locale)),
                        title,
                        tags: username,
                        body: bio.chars().take(BODY_MAX_CHARS).collect(),
                        created_at: r.try_get("created_at")?,
                        filters: String::new(),
                    })
                }
            }
            // A cancelled event stays findable (its page says so).
            Source::Events => {
                let title: String = r.try_get("title")?;
                let html: String = r.try_get("description_html")?;
                let mut body = markdown::excerpt_from_html(&html, BODY_MAX_CHARS);
                let address: String = r.try_get("address")?;
                if !address.is_empty() {
                    body.push('\n');
                    body.push_str(&address);
                }
                Some(Doc {
                    source: self,
                    ref_id: id,
                    kind: "event".into(),
                    publication_id: None,
                    community_id: None,
                    user_id: r.try_get("organiser_id")?,
                    lang: analyze::detect(&format!("{title} {body}"), Lang::Fr),
                    title,
                    tags: String::new(),
                    body,
                    // The date searched and sorted on: the (first) start.
                    created_at: r.try_get("starts_at")?,
                    filters: String::new(),
                })
            }
            Source::Resources => {
                let status: String = r.try_get("status")?;
                if status != "visible" {
                    None
                } else {
                    let title: String = r.try_get("title")?;
                    let mut body =
                        markdown::excerpt(&r.try_get::<String, _>("description")?, BODY_MAX_CHARS);
                    // Creators, publisher and a funding program's terms are
                    // words people look for too.
                    for col in ["creators", "publisher", "eligibility", "amount", "deadline"] {
                        let extra: String = r.try_get(col)?;
                        if !extra.is_empty() {
                            body.push('\n');
                            body.push_str(&extra);
                        }
                    }
                    let declared = Lang::parse(&r.try_get::<String, _>("language")?);
                    Some(Doc {
                        source: self,
                        ref_id: id,
                        kind: "resource".into(),
                        publication_id: None,
                        community_id: None,
                        user_id: None,
                        lang: analyze::detect(&format!("{title} {body}"), declared),
                        title,
                        tags: String::new(),
                        body,
                        created_at: r.try_get("created_at")?,
                        filters: String::new(),
                    })
                }
            }
        };
        Ok((id, doc))
    }

    /// Which of this source's documents (alias `d`) `viewer` may find; the
    /// viewer's id is bound at `$param` (0 when anonymous). Built from
    /// `crate::policy`, evaluated at query time. Publications and replies
    /// are checked per candidate against the communities they are shared
    /// into (`policy::searchable_communities_sql`): a few indexed lookups
    /// each, whatever the number of communities (a materialised set of
    /// searchable communities, tried before, cost a scan of it per candidate
    /// at 12,000 communities).
    pub fn visible_sql(self, viewer: Option<&User>, param: usize) -> String {
        match self {
            Source::Publications => format!(
                "(d.source = '{code}' AND EXISTS (SELECT 1 FROM publications sp WHERE sp.id = d.publication_id \
                 AND sp.status = 'visible') AND EXISTS (SELECT 1 FROM publication_communities spc \
                 JOIN communities vc ON vc.id = spc.community_id \
                 WHERE spc.publication_id = d.publication_id AND spc.status = 'visible' AND {}))",
                policy::searchable_communities_sql("vc", viewer, param),
                code = self.code(),
            ),
            // A reply only through a community the publication was already
            // shared in when it was written (`policy::written_for`).
            Source::Replies => format!(
                "(d.source = '{code}' AND EXISTS (SELECT 1 FROM replies sr \
                 JOIN publications sp ON sp.id = sr.publication_id \
                 JOIN publication_communities spc ON spc.publication_id = sr.publication_id \
                 JOIN communities vc ON vc.id = spc.community_id \
                 WHERE sr.id = d.ref_id AND sr.status = 'visible' AND sp.status = 'visible' \
                 AND spc.status = 'visible' \
                 AND (spc.added_at <= sr.created_at OR spc.added_at <= sp.created_at) AND {}))",
                policy::searchable_communities_sql("vc", viewer, param),
                code = self.code(),
            ),
            Source::Communities => format!(
                "(d.source = 'c' AND EXISTS (SELECT 1 FROM communities sc WHERE sc.id = d.community_id AND {}))",
                policy::listed_communities_sql("sc", viewer, param)
            ),
            // Findable members are found by signed-in people only (acting
            // accounts, as the policy counts them: not suspended, not remote).
            Source::Members if viewer_id(viewer) != 0 => {
                "(d.source = 'm' AND EXISTS (SELECT 1 FROM users su \
                 WHERE su.id = d.user_id AND su.status = 'active' AND su.findable = 1))"
                    .to_string()
            }
            Source::Members => "(1 = 0)".to_string(),
            // The events' own rule (`events::listing::visible_sql`).
            Source::Events => format!(
                "(d.source = 'e' AND EXISTS (SELECT 1 FROM events se WHERE se.id = d.ref_id AND {}))",
                crate::events::listing::visible_sql("se", viewer, param)
            ),
            // The library's rule (`policy::visible_resources_sql`): the
            // instance library, or a community where the viewer may find
            // content; removed ones for administrators only.
            Source::Resources => format!(
                "(d.source = 'l' AND EXISTS (SELECT 1 FROM resources sres WHERE sres.id = d.ref_id AND {}))",
                policy::visible_resources_sql("sres", viewer, param)
            ),
        }
    }
}
