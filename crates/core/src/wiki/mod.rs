//! Community wikis (C19): Markdown pages under optional parent pages, with
//! links between pages (`[[Title]]`, `[[Title|text]]`, or relative links
//! such as `[text](other-page)`, which the browser resolves beside the
//! page), every revision kept, a side-by-side diff (`diff.rs`) and restore.
//! Pages are read through the community (`Action::ViewCommunitySpace`);
//! `ops.rs` holds the changes. No HTTP.

pub mod demo;
pub mod diff;
pub mod ops;

use std::collections::HashMap;

use sqlx::Row;

use crate::db::Db;

/// At most this many bytes of Markdown per page.
pub const MAX_BODY_BYTES: usize = 100_000;
/// At most this many characters of title.
pub const MAX_TITLE_CHARS: usize = 200;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Page {
    pub id: i64,
    pub community_id: i64,
    pub parent_id: Option<i64>,
    pub slug: String,
    pub title: String,
    pub body: String,
    /// The current revision (what an edit must start from).
    pub revision_id: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Revision {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub note: String,
    pub restored_from: Option<i64>,
    pub author: Option<String>,
    pub created_at: i64,
}

/// A page in the community's tree (no text).
#[derive(Debug, Clone)]
pub struct Node {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub slug: String,
    pub title: String,
}

const PAGE_COLUMNS: &str =
    "id, community_id, parent_id, slug, title, body, revision_id, updated_at";

fn page_of(r: &sqlx::any::AnyRow) -> Result<Page, sqlx::Error> {
    Ok(Page {
        id: r.try_get("id")?,
        community_id: r.try_get("community_id")?,
        parent_id: r.try_get("parent_id")?,
        slug: r.try_get("slug")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        revision_id: r.try_get("revision_id")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn by_slug(db: &Db, community_id: i64, slug: &str) -> Result<Option<Page>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PAGE_COLUMNS} FROM wiki_pages WHERE community_id = $1 AND slug = $2"
    )))
    .bind(community_id)
    .bind(slug)
    .fetch_optional(&db.pool)
    .await?
    .as_ref()
    .map(page_of)
    .transpose()
}

/// Every page of a community, by title.
pub async fn tree(db: &Db, community_id: i64) -> Result<Vec<Node>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, parent_id, slug, title FROM wiki_pages WHERE community_id = $1 ORDER BY title, id",
    )
    .bind(community_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Node {
                id: r.try_get("id")?,
                parent_id: r.try_get("parent_id")?,
                slug: r.try_get("slug")?,
                title: r.try_get("title")?,
            })
        })
        .collect()
}

/// The ancestors of `parent` (the root first), bounded against cycles.
pub fn ancestors(nodes: &[Node], mut parent: Option<i64>) -> Vec<Node> {
    let by_id: HashMap<i64, &Node> = nodes.iter().map(|n| (n.id, n)).collect();
    let mut out = Vec::new();
    while let Some(id) = parent {
        let Some(n) = by_id.get(&id) else { break };
        if out.len() > 64 || out.iter().any(|x: &Node| x.id == id) {
            break;
        }
        out.push((*n).clone());
        parent = n.parent_id;
    }
    out.reverse();
    out
}

/// The tree flattened in reading order, with each page's depth.
pub fn outline(nodes: &[Node]) -> Vec<(usize, Node)> {
    fn walk(nodes: &[Node], parent: Option<i64>, depth: usize, out: &mut Vec<(usize, Node)>) {
        if depth > 32 {
            return;
        }
        for n in nodes.iter().filter(|n| n.parent_id == parent) {
            out.push((depth, n.clone()));
            walk(nodes, Some(n.id), depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(nodes, None, 0, &mut out);
    // Pages whose parent is gone or in a cycle still appear, at the root.
    for n in nodes {
        if !out.iter().any(|(_, x)| x.id == n.id) {
            out.push((0, n.clone()));
        }
    }
    out
}

/// Every revision of a page, newest first.
pub async fn revisions(db: &Db, page_id: i64) -> Result<Vec<Revision>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT r.id, r.title, r.body, r.note, r.restored_from, r.created_at, u.username AS author \
         FROM wiki_revisions r LEFT JOIN users u ON u.id = r.author_id WHERE r.page_id = $1 ORDER BY r.id DESC",
    )
    .bind(page_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Revision {
                id: r.try_get("id")?,
                title: r.try_get("title")?,
                body: r.try_get("body")?,
                note: r.try_get("note")?,
                restored_from: r.try_get("restored_from")?,
                author: r.try_get("author")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// The slug a title gets ("new" is the creation form's address).
pub fn slug_for(title: &str) -> String {
    let s = crate::communities::slugify(title);
    match s.as_str() {
        "" => "page".to_string(),
        "new" => "new-page".to_string(),
        _ => s,
    }
}

/// Turn `[[Title]]` and `[[Title|text]]` into Markdown links to the page
/// of that title in the community (its creation form when it does not
/// exist yet), outside code spans and fenced blocks.
pub fn expand_links(source: &str, community: &str, existing: &dyn Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(source.len());
    let mut fenced = false;
    for line in source.split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            fenced = !fenced;
            out.push_str(line);
            continue;
        }
        if fenced || !line.contains("[[") {
            out.push_str(line);
            continue;
        }
        let mut rest = line;
        let mut in_code = false;
        while !rest.is_empty() {
            if in_code {
                match rest.find('`') {
                    Some(i) => {
                        out.push_str(&rest[..=i]);
                        rest = &rest[i + 1..];
                        in_code = false;
                    }
                    None => {
                        out.push_str(rest);
                        rest = "";
                    }
                }
                continue;
            }
            let tick = rest.find('`');
            let open = rest.find("[[");
            match (open, tick) {
                (Some(o), t) if t.is_none_or(|t| o < t) => {
                    out.push_str(&rest[..o]);
                    let after = &rest[o + 2..];
                    match after.find("]]") {
                        Some(close) if !after[..close].contains('[') && close <= 200 => {
                            let inner = &after[..close];
                            let (target, text) = inner.split_once('|').unwrap_or((inner, inner));
                            let (target, text) = (target.trim(), text.trim());
                            if target.is_empty() {
                                out.push_str("[[");
                                rest = after;
                                continue;
                            }
                            let slug = slug_for(target);
                            let href = if existing(&slug) {
                                crate::urls::wiki_page(community, &slug)
                            } else {
                                format!(
                                    "{}?title={}",
                                    crate::urls::wiki_new(community),
                                    percent_encoding::utf8_percent_encode(
                                        target,
                                        percent_encoding::NON_ALPHANUMERIC
                                    )
                                )
                            };
                            out.push('[');
                            for c in text.chars() {
                                if matches!(c, '[' | ']' | '\\' | '*' | '_' | '`' | '<' | '>') {
                                    out.push('\\');
                                }
                                out.push(c);
                            }
                            out.push_str("](");
                            out.push_str(&href);
                            out.push(')');
                            rest = &after[close + 2..];
                        }
                        _ => {
                            out.push_str("[[");
                            rest = after;
                        }
                    }
                }
                (_, Some(t)) => {
                    out.push_str(&rest[..=t]);
                    rest = &rest[t + 1..];
                    in_code = true;
                }
                (None, None) => {
                    out.push_str(rest);
                    rest = "";
                }
                (Some(_), None) => unreachable!("handled by the first arm"),
            }
        }
    }
    out
}

/// A page's text as sanitised HTML, with its `[[links]]` resolved.
pub fn render(body: &str, community: &str, nodes: &[Node]) -> String {
    let existing = |slug: &str| nodes.iter().any(|n| n.slug == slug);
    crate::markdown::render(&expand_links(body, community, &existing)).html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wiki_links_resolve_outside_code() {
        let exists = |s: &str| s == "charte-du-groupe";
        let out = expand_links(
            "Voir [[Charte du groupe]] et [[Budget 2025|le budget]].\n`[[pas un lien]]`\n```\n[[non plus]]\n```\n[[]] [[x\n",
            "coop",
            &exists,
        );
        assert!(
            out.contains("[Charte du groupe](/c/coop/wiki/charte-du-groupe)"),
            "{out}"
        );
        assert!(
            out.contains("[le budget](/c/coop/wiki/new?title=Budget%202025)"),
            "{out}"
        );
        assert!(out.contains("`[[pas un lien]]`"), "{out}");
        assert!(out.contains("```\n[[non plus]]\n```"), "{out}");
        assert!(out.contains("[[]] [[x"), "{out}");
        let html = render(
            "[[Charte du groupe]] <script>x</script>",
            "coop",
            &[Node {
                id: 1,
                parent_id: None,
                slug: "charte-du-groupe".into(),
                title: "Charte du groupe".into(),
            }],
        );
        assert!(
            html.contains("href=\"/c/coop/wiki/charte-du-groupe\""),
            "{html}"
        );
        assert!(!html.contains("<script>"), "{html}");
    }

    #[test]
    fn ancestors_and_outline_survive_cycles() {
        let n = |id, parent: Option<i64>| Node {
            id,
            parent_id: parent,
            slug: format!("p{id}"),
            title: format!("P{id}"),
        };
        let nodes = vec![
            n(1, None),
            n(2, Some(1)),
            n(3, Some(2)),
            n(4, Some(5)),
            n(5, Some(4)),
        ];
        let a: Vec<i64> = ancestors(&nodes, Some(3)).iter().map(|x| x.id).collect();
        assert_eq!(a, vec![1, 2, 3]);
        assert!(ancestors(&nodes, Some(4)).len() <= 2);
        let o: Vec<(usize, i64)> = outline(&nodes).iter().map(|(d, x)| (*d, x.id)).collect();
        assert_eq!(&o[..3], &[(0, 1), (1, 2), (2, 3)]);
        assert_eq!(o.len(), 5);
        assert_eq!(slug_for("New"), "new-page");
        assert_eq!(slug_for("—"), "page");
    }
}
