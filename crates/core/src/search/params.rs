//! A search as people and programs write it (query-string fields), checked
//! and resolved into a [`Request`]. Shared by the page, the API and saved
//! searches so the three read a search the same way.

use serde::{Deserialize, Serialize};

use super::{KINDS, Request, Sort};
use crate::db::Db;

/// The fields of `/search?…` and `/api/v1/search?…`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The query: words (all required), "a phrase", -excluded.
    pub q: String,
    /// discussion, question, watch, reply, community, member, event, resource, or publication (the three kinds).
    #[param(
        pattern = "^(|discussion|question|watch|reply|community|member|event|resource|publication)$"
    )]
    pub kind: String,
    /// A community's short name (slug): search within it.
    pub community: String,
    /// A tag name (one: letters, digits, spaces, `-` and `_`, with a letter
    /// or digit first; a leading `#` is allowed).
    #[param(pattern = "^(|#?[0-9A-Za-zÀ-ÖØ-öø-ÿ][0-9A-Za-zÀ-ÖØ-öø-ÿ_ -]{0,48})$")]
    pub tag: String,
    /// An author's username.
    pub author: String,
    /// A territory (its slug or name): what is placed in it or below it.
    pub territory: String,
    /// Earliest date, YYYY-MM-DD.
    #[param(pattern = "^(|[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8]))$")]
    pub from: String,
    /// Latest date, YYYY-MM-DD (inclusive).
    #[param(pattern = "^(|[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8]))$")]
    pub to: String,
    /// relevance (default) or date.
    #[param(pattern = "^(|relevance|date)$")]
    pub sort: String,
    /// Page number, from 0.
    pub page: i64,
}

impl SearchParams {
    /// Any filter beyond the query?
    pub fn has_filters(&self) -> bool {
        !(self.kind.is_empty()
            && self.community.is_empty()
            && self.tag.is_empty()
            && self.author.is_empty()
            && self.territory.is_empty()
            && self.from.is_empty()
            && self.to.is_empty())
    }

    /// How many filters are set (said on the closed filter box).
    pub fn active_filters(&self) -> usize {
        [
            &self.kind,
            &self.community,
            &self.tag,
            &self.author,
            &self.from,
            &self.to,
        ]
        .iter()
        .filter(|v| !v.trim().is_empty())
        .count()
    }

    /// As a query string, without empty fields (and without `page` when 0).
    pub fn to_query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("kind", &self.kind),
            ("community", &self.community),
            ("tag", &self.tag),
            ("author", &self.author),
            ("territory", &self.territory),
            ("from", &self.from),
            ("to", &self.to),
            ("sort", &self.sort),
        ] {
            if !v.is_empty() {
                pairs.push((k, v.clone()));
            }
        }
        if self.page > 0 {
            pairs.push(("page", self.page.to_string()));
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }

    /// A copy with one field changed (and back to the first page).
    pub fn with(&self, field: &str, value: &str) -> SearchParams {
        let mut p = self.clone();
        p.page = 0;
        match field {
            "q" => p.q = value.into(),
            "kind" => p.kind = value.into(),
            "community" => p.community = value.into(),
            "tag" => p.tag = value.into(),
            "author" => p.author = value.into(),
            "territory" => p.territory = value.into(),
            "sort" => p.sort = value.into(),
            "from" => p.from = value.into(),
            "to" => p.to = value.into(),
            _ => {}
        }
        p
    }
}

fn parse_date(s: &str) -> Option<i64> {
    let mut parts = s.trim().splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    let month = time::Month::try_from(month).ok()?;
    time::Date::from_calendar_date(year, month, day)
        .ok()
        .map(|d| d.midnight().assume_utc().unix_timestamp())
}

/// Resolve names into ids and check values. Refused fields come back as
/// (field, message key); the search runs without them, the form shows why.
pub async fn resolve(
    db: &Db,
    viewer: Option<&crate::accounts::User>,
    p: &SearchParams,
) -> Result<(Request, Vec<(String, String)>), sqlx::Error> {
    let mut errors = Vec::new();
    let mut req = Request {
        q: p.q.clone(),
        page: p.page.clamp(0, 500) as usize,
        ..Request::default()
    };
    let kind = p.kind.trim();
    if !kind.is_empty() {
        if kind == "publication" || KINDS.contains(&kind) {
            req.kind = Some(kind.to_string());
        } else {
            errors.push(("kind".into(), "field-invalid-choice".into()));
        }
    }
    match p.sort.trim() {
        "" | "relevance" => {}
        "date" => req.sort = Sort::Date,
        _ => errors.push(("sort".into(), "field-invalid-choice".into())),
    }
    let slug = p.community.trim();
    if !slug.is_empty() {
        // Picked by name (what people know) or by the short name of its
        // address; a name only resolves to a community the viewer may see
        // listed, and an unknown one finds nothing either way.
        let by_slug = crate::communities::by_slug(db, slug).await?;
        let found = match by_slug {
            Some(c) => Some(c),
            None => community_by_name(db, viewer, slug).await?,
        };
        match found {
            // An unknown community (or one the viewer may not search: the
            // query's condition) simply finds nothing.
            Some(c) => {
                req.community = Some(c.id);
                // Named on the page only to whom its card may be shown.
                let m = crate::communities::membership(db, c.id, viewer).await?;
                if crate::policy::can(
                    viewer,
                    crate::policy::Action::ViewCommunityCard { c: &c.facts(), m },
                ) {
                    req.community_name = Some(c.name);
                }
            }
            None => req.community = Some(-1),
        }
    }
    let tag = p.tag.trim().trim_start_matches('#');
    if !tag.is_empty() {
        match crate::publications::parse_tags(tag) {
            Ok(t) if t.len() == 1 => req.tag = Some(t[0].name.clone()),
            _ => errors.push(("tag".into(), "publication-tag-invalid".into())),
        }
    }
    let author = p.author.trim().trim_start_matches('@');
    if !author.is_empty() {
        match crate::accounts::by_username(db, &crate::username::canonical(author)).await? {
            Some(u) => req.author = Some(u.id),
            // Or by the name shown on their profile, when only one person has it.
            None => {
                let ids: Vec<i64> = sqlx::query_scalar(
                    "SELECT id FROM users WHERE LOWER(display_name) = LOWER($1) AND status = 'active' LIMIT 2",
                )
                .bind(author)
                .fetch_all(&db.pool)
                .await?;
                req.author = Some(if ids.len() == 1 { ids[0] } else { -1 });
            }
        }
    }
    let territory = p.territory.trim();
    if !territory.is_empty() {
        match crate::territories::resolve(db, territory).await? {
            crate::territories::Resolved::One(t) => {
                req.territory = Some(t.id);
                req.territory_name = Some(t.name);
            }
            crate::territories::Resolved::Ambiguous(_) => {
                errors.push(("territory".into(), "territory-ambiguous".into()))
            }
            crate::territories::Resolved::NotFound => {
                errors.push(("territory".into(), "territory-unknown".into()))
            }
        }
    }
    for (field, raw, slot, shift) in [
        ("from", &p.from, &mut req.from, 0),
        ("to", &p.to, &mut req.to, 86_400),
    ] {
        if raw.trim().is_empty() {
            continue;
        }
        match parse_date(raw) {
            Some(t) => *slot = Some(t + shift),
            None => errors.push((field.into(), "search-date-invalid".into())),
        }
    }
    Ok((req, errors))
}

/// The community called `name` (case aside) among those the viewer may see
/// listed; the oldest when several share it.
async fn community_by_name(
    db: &Db,
    viewer: Option<&crate::accounts::User>,
    name: &str,
) -> Result<Option<crate::communities::Community>, sqlx::Error> {
    let sql = format!(
        "SELECT c.slug FROM communities c WHERE LOWER(c.name) = LOWER($2) AND {} ORDER BY c.id LIMIT 1",
        crate::policy::listed_communities_sql("c", viewer, 1)
    );
    let slug: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(crate::policy::sql_needs_viewer(viewer))
        .bind(name)
        .fetch_optional(&db.pool)
        .await?;
    match slug {
        Some(s) => crate::communities::by_slug(db, &s).await,
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_string_round_trip() {
        let p = SearchParams {
            q: "économie \"sociale\" & co".into(),
            tag: "vélo".into(),
            page: 2,
            ..Default::default()
        };
        let back: SearchParams = serde_urlencoded::from_str(&p.to_query()).unwrap();
        assert_eq!(back, p);
        assert!(!p.with("kind", "reply").to_query().contains("page="));
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("2026-01-02"), Some(1_767_312_000));
        assert_eq!(parse_date("2026-13-02"), None);
        assert_eq!(parse_date("hier"), None);
    }
}
