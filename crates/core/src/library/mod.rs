//! The common library (C7): resources with Dublin Core metadata, placed in
//! communities and/or the instance library, with uploaded files stored by
//! content hash. No HTTP.
//!
//! - this file: the model, typed values and their validation, reads;
//! - `listing`: the filtered library of a community or of the instance,
//!   with facets (type, subject, territory, language, year), every row
//!   through the policy's SQL (`policy::visible_resources_sql`);
//! - `files`: uploads (type sniffed from the bytes, PDF, office, audio,
//!   text), versions by name, the blob store (`storage`);
//! - `cite`: BibTeX, RIS and CSL-JSON;
//! - `links`: cited links checked periodically, with sanitised snapshots;
//! - `pdftext`: the words inside PDFs, read in a bounded helper process;
//! - `ops`: contribute, edit, add a file, remove;
//! - `dossiers`: curated, ordered paths through resources and publications.

pub mod cite;
pub mod demo;
pub mod dossiers;
pub mod files;
pub mod links;
pub mod listing;
pub mod ops;
pub mod pdftext;
pub mod storage;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::User;
use crate::communities::Community;
use crate::db::Db;
use crate::policy::{self, Action, CommunityFacts, Membership, ResourceFacts};

pub const TITLE_MAX: usize = 300;
pub const TEXT_MAX: usize = 20000;
pub const SHORT_MAX: usize = 500;

/// Kinds of resource (stable codes; labels are `library-kind-<code>`).
pub const KINDS: &[&str] = &[
    "document",
    "guide",
    "report",
    "funding",
    "synthesis",
    "interview",
    "podcast",
    "video",
];

/// Languages offered in forms and facets (BCP 47 primary subtags).
pub const LANGUAGES: &[&str] = &["fr", "en", "es", "iu", "cr", "moh"];

#[derive(Debug, Clone, serde::Serialize)]
pub struct Resource {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub creators: Vec<String>,
    pub publisher: String,
    pub issued: String,
    pub year: Option<i64>,
    pub language: String,
    pub licence: String,
    pub source_url: String,
    pub description: String,
    #[serde(skip)]
    pub description_html: String,
    pub deadline: String,
    #[serde(skip)]
    pub deadline_at: Option<i64>,
    pub eligibility: String,
    pub amount: String,
    pub in_library: bool,
    #[serde(skip)]
    pub visible: bool,
    #[serde(skip)]
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub const COLUMNS: &str = "r.id, r.kind, r.title, r.creators, r.publisher, r.issued, r.year, r.language, \
     r.licence, r.source_url, r.description, r.description_html, r.deadline, r.deadline_at, r.eligibility, \
     r.amount, r.in_library, r.status, r.created_by, r.created_at, r.updated_at";

pub fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

impl Resource {
    pub fn from_row(r: &AnyRow) -> Result<Resource, sqlx::Error> {
        let creators: String = r.try_get("creators")?;
        let st: String = r.try_get("status")?;
        Ok(Resource {
            id: r.try_get("id")?,
            kind: r.try_get("kind")?,
            title: r.try_get("title")?,
            creators: lines(&creators),
            publisher: r.try_get("publisher")?,
            issued: r.try_get("issued")?,
            year: r.try_get("year")?,
            language: r.try_get("language")?,
            licence: r.try_get("licence")?,
            source_url: r.try_get("source_url")?,
            description: r.try_get("description")?,
            description_html: r.try_get("description_html")?,
            deadline: r.try_get("deadline")?,
            deadline_at: r.try_get("deadline_at")?,
            eligibility: r.try_get("eligibility")?,
            amount: r.try_get("amount")?,
            in_library: r.try_get::<i64, _>("in_library")? == 1,
            visible: st == "visible",
            created_by: r.try_get("created_by")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    }

    pub fn facts(&self) -> ResourceFacts {
        ResourceFacts {
            id: self.id,
            in_library: self.in_library,
            visible: self.visible,
            created_by: self.created_by,
        }
    }

    /// Its permanent address (the title may change, the id does not).
    pub fn path(&self) -> String {
        crate::urls::resource(self.id)
    }

    pub fn is_funding(&self) -> bool {
        self.kind == "funding"
    }
}

/// A resource with where it is placed, as one viewer sees it.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub r: Resource,
    /// Every community it is in, with the viewer's membership.
    pub communities: Vec<(Community, Option<Membership>)>,
}

impl Loaded {
    pub fn via(&self) -> Vec<(CommunityFacts, Option<Membership>)> {
        self.communities
            .iter()
            .map(|(c, m)| (c.facts(), *m))
            .collect()
    }
    pub fn visible_to(&self, viewer: Option<&User>) -> bool {
        policy::can(
            viewer,
            Action::ViewResource {
                r: &self.r.facts(),
                via: &self.via(),
            },
        )
    }
    pub fn editable_by(&self, viewer: Option<&User>) -> bool {
        policy::can(
            viewer,
            Action::EditResource {
                r: &self.r.facts(),
                via: &self.via(),
            },
        )
    }
    /// The communities it is in that this viewer may find (the others are
    /// not named to them).
    pub fn shown_communities(&self, viewer: Option<&User>) -> Vec<&Community> {
        self.communities
            .iter()
            .filter(|(c, m)| {
                policy::can(
                    viewer,
                    Action::FindCommunityContent {
                        c: &c.facts(),
                        m: *m,
                    },
                )
            })
            .map(|(c, _)| c)
            .collect()
    }
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Resource>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM resources r WHERE r.id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .as_ref()
    .map(Resource::from_row)
    .transpose()
}

/// The resource `id` with its communities and the viewer's memberships.
pub async fn load(db: &Db, viewer: Option<&User>, id: i64) -> Result<Option<Loaded>, sqlx::Error> {
    let Some(r) = by_id(db, id).await? else {
        return Ok(None);
    };
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT community_id FROM resource_communities WHERE resource_id = $1 ORDER BY added_at, community_id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let mut communities = Vec::new();
    for cid in ids {
        if let Some(c) = crate::communities::by_id(db, cid).await? {
            let m = crate::communities::membership(db, c.id, viewer).await?;
            communities.push((c, m));
        }
    }
    Ok(Some(Loaded { r, communities }))
}

/// The subject terms of a resource (accepted terms only): (slug, French label, English label).
pub async fn subjects_of(db: &Db, id: i64) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.slug, t.pref_fr, t.pref_en FROM resource_subjects rs JOIN lexicon_terms t ON t.id = rs.term_id \
         WHERE rs.resource_id = $1 AND t.status = 'accepted' ORDER BY t.pref_fr",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

/// The territories a resource covers: (slug, name).
pub async fn coverage_of(db: &Db, id: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.slug, t.name FROM resource_territories rt JOIN territories t ON t.id = rt.territory_id \
         WHERE rt.resource_id = $1 ORDER BY t.depth, t.name",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
}

/// What a form or the API sends: every field as typed (forms keep it).
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
#[schema(as = ResourceValues)]
pub struct Values {
    pub kind: String,
    pub title: String,
    /// One creator per line.
    pub creators: String,
    pub publisher: String,
    /// YYYY, YYYY-MM or YYYY-MM-DD.
    pub issued: String,
    pub language: String,
    pub licence: String,
    pub source_url: String,
    /// Markdown.
    pub description: String,
    /// Lexicon terms (slugs or labels), separated by commas.
    pub subjects: String,
    /// Territory slugs, separated by commas.
    pub coverage: String,
    /// Funding programs: closing date YYYY-MM-DD.
    pub deadline: String,
    pub eligibility: String,
    pub amount: String,
}

impl Values {
    pub fn of(
        r: &Resource,
        subjects: &[(String, String, String)],
        coverage: &[(String, String)],
    ) -> Values {
        Values {
            kind: r.kind.clone(),
            title: r.title.clone(),
            creators: r.creators.join("\n"),
            publisher: r.publisher.clone(),
            issued: r.issued.clone(),
            language: r.language.clone(),
            licence: r.licence.clone(),
            source_url: r.source_url.clone(),
            description: r.description.clone(),
            subjects: subjects
                .iter()
                .map(|s| s.0.clone())
                .collect::<Vec<_>>()
                .join(", "),
            coverage: coverage
                .iter()
                .map(|c| c.0.clone())
                .collect::<Vec<_>>()
                .join(", "),
            deadline: r.deadline.clone(),
            eligibility: r.eligibility.clone(),
            amount: r.amount.clone(),
        }
    }
}

/// Checked values, ready to store.
#[derive(Debug, Clone)]
pub struct Checked {
    pub kind: String,
    pub title: String,
    pub creators: String,
    pub publisher: String,
    pub issued: String,
    pub year: Option<i64>,
    pub language: String,
    pub licence: String,
    pub source_url: String,
    pub description: String,
    pub description_html: String,
    pub deadline: String,
    pub deadline_at: Option<i64>,
    pub eligibility: String,
    pub amount: String,
    pub subject_ids: Vec<i64>,
    pub territory_ids: Vec<i64>,
}

/// A calendar date `YYYY-MM-DD`, or `None`.
pub fn parse_date(s: &str) -> Option<time::Date> {
    let mut it = s.split('-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    time::Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`: its year, or `None` when malformed.
pub fn issued_year(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.split('-').collect();
    let year = parts.first()?;
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let ok = match parts.len() {
        1 => true,
        2 => parts[1].len() == 2 && parts[1].parse::<u8>().is_ok_and(|m| (1..=12).contains(&m)),
        3 => parse_date(s).is_some(),
        _ => false,
    };
    ok.then(|| year.parse().ok()).flatten()
}

fn split_list(s: &str) -> Vec<String> {
    s.split([',', '\n'])
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

/// Validate the values; field errors are (field, message key).
pub async fn check(
    db: &Db,
    v: &Values,
) -> Result<Result<Checked, Vec<(&'static str, &'static str)>>, sqlx::Error> {
    let mut errs: Vec<(&'static str, &'static str)> = Vec::new();
    let title = v.title.trim().to_string();
    if title.is_empty() {
        errs.push(("title", "field-required"));
    } else if title.chars().count() > TITLE_MAX {
        errs.push(("title", "field-too-long"));
    }
    let kind = v.kind.trim().to_string();
    if !KINDS.contains(&kind.as_str()) {
        errs.push(("kind", "library-kind-invalid"));
    }
    let issued = v.issued.trim().to_string();
    let year = if issued.is_empty() {
        None
    } else {
        let y = issued_year(&issued);
        if y.is_none() {
            errs.push(("issued", "library-issued-invalid"));
        }
        y
    };
    let language = v.language.trim().to_ascii_lowercase();
    if !language.is_empty()
        && (!(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_lowercase()))
    {
        errs.push(("language", "library-language-invalid"));
    }
    let source_url = v.source_url.trim().to_string();
    if !source_url.is_empty()
        && !url::Url::parse(&source_url)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
    {
        errs.push(("source_url", "library-url-invalid"));
    }
    let deadline = v.deadline.trim().to_string();
    let deadline_at = if deadline.is_empty() {
        None
    } else {
        match parse_date(&deadline) {
            Some(d) => d
                .with_hms(23, 59, 59)
                .ok()
                .map(|t| t.assume_utc().unix_timestamp()),
            None => {
                errs.push(("deadline", "library-deadline-invalid"));
                None
            }
        }
    };
    for (f, s, max) in [
        ("creators", &v.creators, SHORT_MAX * 4),
        ("publisher", &v.publisher, SHORT_MAX),
        ("licence", &v.licence, SHORT_MAX),
        ("eligibility", &v.eligibility, TEXT_MAX),
        ("amount", &v.amount, SHORT_MAX),
        ("description", &v.description, TEXT_MAX),
        ("source_url", &v.source_url, 2000),
    ] {
        if s.chars().count() > max {
            errs.push((f, "field-too-long"));
        }
    }
    let mut subject_ids = Vec::new();
    for s in split_list(&v.subjects) {
        match crate::lexicon::find_accepted(db, &s).await? {
            Some(id) => subject_ids.push(id),
            None => {
                errs.push(("subjects", "library-subject-unknown"));
                break;
            }
        }
    }
    subject_ids.sort_unstable();
    subject_ids.dedup();
    let mut territory_ids = Vec::new();
    for s in split_list(&v.coverage) {
        match crate::territories::by_slug(db, &s.to_lowercase()).await? {
            Some(t) => territory_ids.push(t.id),
            None => {
                errs.push(("coverage", "library-territory-unknown"));
                break;
            }
        }
    }
    territory_ids.sort_unstable();
    territory_ids.dedup();
    if !errs.is_empty() {
        return Ok(Err(errs));
    }
    let description = v.description.trim().replace("\r\n", "\n");
    Ok(Ok(Checked {
        kind,
        title,
        creators: lines(&v.creators).join("\n"),
        publisher: v.publisher.trim().to_string(),
        issued,
        year,
        language,
        licence: v.licence.trim().to_string(),
        source_url,
        description_html: crate::markdown::render(&description).html,
        description,
        deadline,
        deadline_at,
        eligibility: v.eligibility.trim().to_string(),
        amount: v.amount.trim().to_string(),
        subject_ids,
        territory_ids,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(issued_year("2024"), Some(2024));
        assert_eq!(issued_year("2024-03"), Some(2024));
        assert_eq!(issued_year("2024-02-29"), Some(2024));
        assert_eq!(issued_year("2023-02-29"), None);
        assert_eq!(issued_year("2024-13"), None);
        assert_eq!(issued_year("24"), None);
        assert_eq!(issued_year("2024-1-1"), None);
        assert!(parse_date("2026-12-31").is_some());
        assert!(parse_date("2026-12-32").is_none());
    }
}
