//! Organisations (C16): the directory of the ecosystem's organisations.
//! No HTTP.
//!
//! - this file: the model (`Organisation`, `Loaded` — an organisation as
//!   one viewer sees it), the typed form values and their validation
//!   (`OrgValues` → `Checked`: NEQ format, links, sectors from the
//!   controlled list, territories by slug, point), reads;
//! - `places`: the small reads of territories this domain needs (slug →
//!   id and centroid, names) and the point rule (typed point, else the
//!   place's centroid, else the configured geocoder);
//! - `directory`: the filtered listing (sector, territory with roll-up
//!   through `territory_closure`, legal form) and the CSV export;
//! - `members`, `sections`: the listings of an organisation's people and
//!   custom sections, and the change log;
//! - `ops`: every change of state, asking `crate::policy` through the actor;
//! - `geocode`: the optional Nominatim-compatible geocoder (off by default).

pub mod demo;
pub mod directory;
pub mod geocode;
pub mod members;
pub mod ops;
pub mod places;
pub mod sql;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::User;
use crate::db::Db;
use crate::policy::{self, Action, OrgFacts, OrgRole, OrgStatus, OrgVisibility};

pub const NAME_MAX: usize = 150;
pub const TEXT_MAX: usize = 20000;
pub const SLUG_MAX: usize = 60;
pub const SHORT_MAX: usize = 300;
pub const SOCIAL_MAX: usize = 10;
pub const TERRITORIES_MAX: usize = 30;
pub const SECTIONS_MAX: usize = 20;

/// Legal forms (stable codes; labels are `org-legal-<code>` messages).
pub const LEGAL_FORMS: &[&str] = &[
    "obnl",
    "cooperative",
    "mutuelle",
    "entreprise",
    "municipal",
    "public",
    "collectif",
    "autre",
];

#[derive(Debug, Clone)]
pub struct Organisation {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub description_html: String,
    pub legal_form: String,
    pub neq: String,
    pub logo_id: Option<i64>,
    pub address: String,
    pub place_id: Option<i64>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub point_source: String,
    pub website: String,
    pub social: String,
    pub email: String,
    pub phone: String,
    pub contact_name: String,
    pub visibility: OrgVisibility,
    pub status: OrgStatus,
    pub status_reason: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub const ORG_COLUMNS: &str = "o.id, o.slug, o.name, o.description, o.description_html, o.legal_form, \
     o.neq, o.logo_id, o.address, o.place_id, o.lat, o.lon, o.point_source, o.website, o.social, \
     o.email, o.phone, o.contact_name, o.visibility, o.status, o.status_reason, o.created_by, \
     o.created_at, o.updated_at";

impl Organisation {
    pub fn from_row(r: &AnyRow) -> Result<Organisation, sqlx::Error> {
        let bad = |what: &str, v: String| sqlx::Error::Decode(format!("unknown {what} {v}").into());
        let vis: String = r.try_get("visibility")?;
        let st: String = r.try_get("status")?;
        Ok(Organisation {
            id: r.try_get("id")?,
            slug: r.try_get("slug")?,
            name: r.try_get("name")?,
            description: r.try_get("description")?,
            description_html: r.try_get("description_html")?,
            legal_form: r.try_get("legal_form")?,
            neq: r.try_get("neq")?,
            logo_id: r.try_get("logo_id")?,
            address: r.try_get("address")?,
            place_id: r.try_get("place_id")?,
            lat: r.try_get("lat")?,
            lon: r.try_get("lon")?,
            point_source: r.try_get("point_source")?,
            website: r.try_get("website")?,
            social: r.try_get("social")?,
            email: r.try_get("email")?,
            phone: r.try_get("phone")?,
            contact_name: r.try_get("contact_name")?,
            visibility: OrgVisibility::parse(&vis).ok_or_else(|| bad("visibility", vis.clone()))?,
            status: OrgStatus::parse(&st).ok_or_else(|| bad("status", st.clone()))?,
            status_reason: r.try_get("status_reason")?,
            created_by: r.try_get("created_by")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    }

    pub fn facts(&self) -> OrgFacts {
        OrgFacts {
            id: self.id,
            status: self.status,
            visibility: self.visibility,
        }
    }

    pub fn path(&self) -> String {
        crate::urls::organisation(&self.slug)
    }

    pub fn social_links(&self) -> Vec<String> {
        self.social
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// An organisation as one viewer sees it: the row, the viewer's active
/// role in it, and the facts the policy reads.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub o: Organisation,
    pub role: Option<OrgRole>,
    pub facts: OrgFacts,
}

impl Loaded {
    pub fn view(&self, viewer: Option<&User>) -> bool {
        policy::can(
            viewer,
            Action::ViewOrganisation {
                o: &self.facts,
                m: self.role,
            },
        )
    }
    pub fn edit(&self, viewer: Option<&User>) -> bool {
        policy::can(
            viewer,
            Action::EditOrganisation {
                o: &self.facts,
                m: self.role,
            },
        )
    }
}

/// The organisation at `slug` with the viewer's role, whether or not the
/// viewer may see it (callers ask `Loaded::view`).
pub async fn load(
    db: &Db,
    slug: &str,
    viewer: Option<&User>,
) -> Result<Option<Loaded>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ORG_COLUMNS} FROM organisations o WHERE o.slug = $1"
    )))
    .bind(slug)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let o = Organisation::from_row(&row)?;
    let role = match viewer {
        Some(u) => role_of(db, o.id, u.id).await?,
        None => None,
    };
    let facts = o.facts();
    Ok(Some(Loaded { o, role, facts }))
}

/// The organisation with this id (no viewer).
pub async fn by_id(db: &Db, id: i64) -> Result<Option<Organisation>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ORG_COLUMNS} FROM organisations o WHERE o.id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(Organisation::from_row).transpose()
}

/// A person's active role in an organisation.
pub async fn role_of(db: &Db, org_id: i64, user_id: i64) -> Result<Option<OrgRole>, sqlx::Error> {
    let r: Option<String> = sqlx::query_scalar(
        "SELECT role FROM organisation_members WHERE organisation_id = $1 AND user_id = $2 AND state = 'active'",
    )
    .bind(org_id)
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(r.as_deref().and_then(OrgRole::parse))
}

/// The sectors of an organisation (codes, in the list's order).
pub async fn sectors_of(db: &Db, org_id: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT s.code FROM organisation_sectors os JOIN org_sectors s ON s.code = os.sector \
         WHERE os.organisation_id = $1 ORDER BY s.position, s.code",
    )
    .bind(org_id)
    .fetch_all(&db.pool)
    .await
}

/// One sector of the controlled list.
#[derive(Debug, Clone)]
pub struct Sector {
    pub code: String,
    pub name_fr: String,
    pub name_en: String,
    pub position: i64,
}

impl Sector {
    pub fn name(&self, lang: crate::i18n::Lang) -> &str {
        if lang.code() == "en" && !self.name_en.is_empty() {
            &self.name_en
        } else {
            &self.name_fr
        }
    }
}

/// The controlled list of sectors.
pub async fn sectors(db: &Db) -> Result<Vec<Sector>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT code, name_fr, name_en, position FROM org_sectors ORDER BY position, code",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Sector {
                code: r.try_get("code")?,
                name_fr: r.try_get("name_fr")?,
                name_en: r.try_get("name_en")?,
                position: r.try_get("position")?,
            })
        })
        .collect()
}

// ---- form values and their validation ------------------------------------------------

/// What a person typed (pages keep it to re-render a refused form; the API
/// fills it from JSON).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
#[schema(as = OrganisationValues)]
pub struct OrgValues {
    /// 2 to 150 characters, with a letter or digit.
    #[schema(
        required = true,
        max_length = 150,
        pattern = "^[^\\u0000]*([A-Za-z0-9][^\\u0000]*[^\\s\\u0000]|[^\\s\\u0000][^\\u0000]*[A-Za-z0-9])[^\\u0000]*$"
    )]
    pub name: String,
    /// Lowercase letters, digits and inner hyphens, at most 60; made from
    /// the name when empty.
    #[schema(max_length = 60, pattern = "^([a-z0-9]([a-z0-9-]{0,58}[a-z0-9])?)?$")]
    pub slug: String,
    pub description: String,
    pub legal_form: String,
    pub neq: String,
    /// Sector codes.
    pub sectors: Vec<String>,
    /// Territory slugs, comma- or newline-separated.
    pub territories: String,
    pub address: String,
    /// The territory (usually a municipality) of the address: a slug.
    pub place: String,
    pub lat: String,
    pub lon: String,
    pub website: String,
    /// One link per line.
    pub social: String,
    pub email: String,
    pub phone: String,
    pub contact_name: String,
    pub visibility: String,
}

impl OrgValues {
    /// The values of an existing organisation (the edit form's start).
    pub fn of(
        o: &Organisation,
        sectors: Vec<String>,
        territories: Vec<String>,
        place: String,
    ) -> OrgValues {
        let typed = o.point_source == "set";
        OrgValues {
            name: o.name.clone(),
            slug: o.slug.clone(),
            description: o.description.clone(),
            legal_form: o.legal_form.clone(),
            neq: o.neq.clone(),
            sectors,
            territories: territories.join(", "),
            address: o.address.clone(),
            place,
            lat: if typed {
                o.lat.map(|v| v.to_string()).unwrap_or_default()
            } else {
                String::new()
            },
            lon: if typed {
                o.lon.map(|v| v.to_string()).unwrap_or_default()
            } else {
                String::new()
            },
            website: o.website.clone(),
            social: o.social.clone(),
            email: o.email.clone(),
            phone: o.phone.clone(),
            contact_name: o.contact_name.clone(),
            visibility: o.visibility.as_str().to_string(),
        }
    }
}

/// Validated values, ready to write.
#[derive(Debug, Clone)]
pub struct Checked {
    pub name: String,
    pub slug: String,
    pub description: String,
    pub description_html: String,
    pub legal_form: String,
    pub neq: String,
    pub sectors: Vec<String>,
    pub territory_ids: Vec<i64>,
    pub address: String,
    pub place_id: Option<i64>,
    pub point: places::Point,
    pub website: String,
    pub social: String,
    pub email: String,
    pub phone: String,
    pub contact_name: String,
    pub visibility: OrgVisibility,
}

pub type FieldErrs = Vec<(&'static str, &'static str)>;

/// A Québec enterprise number (NEQ): ten digits, spaces and dashes
/// ignored. Returns the digits, or `None` when the format is wrong.
pub fn normalise_neq(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    (digits.len() == 10 && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

/// An http(s) link, normalised by the URL parser.
pub fn check_link(raw: &str) -> Option<String> {
    let u = url::Url::parse(raw.trim()).ok()?;
    (matches!(u.scheme(), "http" | "https") && u.host_str().is_some()).then(|| u.to_string())
}

fn check_email(raw: &str) -> bool {
    let raw = raw.trim();
    match raw.split_once('@') {
        Some((a, b)) => {
            !a.is_empty()
                && b.contains('.')
                && !raw.contains(char::is_whitespace)
                && raw.len() <= 254
        }
        None => false,
    }
}

fn valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= SLUG_MAX
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Split a list of slugs typed with commas, semicolons or new lines.
pub fn split_list(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in raw.split([',', ';', '\n']) {
        let p = part.trim().to_lowercase();
        if !p.is_empty() && !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// Check typed values. `own_id` is the organisation being edited (its own
/// slug is not "taken"). Needs the database for the slug, sectors and
/// territories; the point is resolved by `places::resolve_point`.
pub async fn check(
    state: &crate::state::AppState,
    v: &OrgValues,
    own_id: Option<i64>,
) -> Result<Result<Checked, FieldErrs>, sqlx::Error> {
    let db = &state.db;
    let mut errs: FieldErrs = Vec::new();
    let name = v.name.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = name.chars().count();
    if n < 2 {
        errs.push(("name", "field-required"));
    } else if n > NAME_MAX {
        errs.push(("name", "field-too-long"));
    }
    let slug = if v.slug.trim().is_empty() {
        crate::communities::slugify(&name)
    } else {
        v.slug.trim().to_string()
    };
    if !valid_slug(&slug) {
        errs.push(("slug", "org-slug-invalid"));
    } else {
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM organisations WHERE slug = $1")
            .bind(&slug)
            .fetch_optional(&db.pool)
            .await?;
        if taken.is_some_and(|id| Some(id) != own_id) {
            errs.push(("slug", "org-slug-taken"));
        }
    }
    let description = v.description.replace("\r\n", "\n").trim().to_string();
    if description.chars().count() > TEXT_MAX {
        errs.push(("description", "field-too-long"));
    }
    let legal_form = v.legal_form.trim().to_string();
    if !legal_form.is_empty() && !LEGAL_FORMS.contains(&legal_form.as_str()) {
        errs.push(("legal_form", "field-invalid-choice"));
    }
    let neq = if v.neq.trim().is_empty() {
        String::new()
    } else {
        match normalise_neq(&v.neq) {
            Some(n) => n,
            None => {
                errs.push(("neq", "org-neq-invalid"));
                String::new()
            }
        }
    };
    let known: Vec<String> = sqlx::query_scalar("SELECT code FROM org_sectors")
        .fetch_all(&db.pool)
        .await?;
    let mut sectors: Vec<String> = Vec::new();
    for s in &v.sectors {
        let s = s.trim();
        if s.is_empty() || sectors.iter().any(|x| x == s) {
            continue;
        }
        if known.iter().any(|k| k == s) {
            sectors.push(s.to_string());
        } else {
            errs.push(("sectors", "field-invalid-choice"));
            break;
        }
    }
    let wanted = split_list(&v.territories);
    let mut territory_ids = Vec::new();
    if wanted.len() > TERRITORIES_MAX {
        errs.push(("territories", "org-territories-too-many"));
    } else {
        for typed in &wanted {
            match places::resolve_typed(db, typed).await? {
                Ok(t) => territory_ids.push(t.id),
                Err(key) => {
                    errs.push(("territories", key));
                    break;
                }
            }
        }
    }
    let address = v.address.trim().to_string();
    if address.chars().count() > SHORT_MAX {
        errs.push(("address", "field-too-long"));
    }
    let place = if v.place.trim().is_empty() {
        None
    } else {
        match places::resolve_typed(db, &v.place).await? {
            Ok(t) => Some(t),
            Err(key) => {
                errs.push(("place", key));
                None
            }
        }
    };
    let typed = match places::parse_point(&v.lat, &v.lon) {
        Ok(p) => p,
        Err(field) => {
            errs.push((field, "org-point-invalid"));
            None
        }
    };
    let website = if v.website.trim().is_empty() {
        String::new()
    } else {
        match check_link(&v.website) {
            Some(u) => u,
            None => {
                errs.push(("website", "org-link-invalid"));
                String::new()
            }
        }
    };
    let mut social = Vec::new();
    for line in v.social.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match check_link(line) {
            Some(u) => social.push(u),
            None => {
                errs.push(("social", "org-link-invalid"));
                break;
            }
        }
    }
    if social.len() > SOCIAL_MAX {
        errs.push(("social", "org-social-too-many"));
    }
    let email = v.email.trim().to_string();
    if !email.is_empty() && !check_email(&email) {
        errs.push(("email", "org-email-invalid"));
    }
    let phone = v.phone.trim().to_string();
    if phone.chars().count() > 40 {
        errs.push(("phone", "field-too-long"));
    }
    let contact_name = v.contact_name.trim().to_string();
    if contact_name.chars().count() > NAME_MAX {
        errs.push(("contact_name", "field-too-long"));
    }
    let visibility = if v.visibility.is_empty() {
        Some(OrgVisibility::Public)
    } else {
        OrgVisibility::parse(&v.visibility)
    };
    if visibility.is_none() {
        errs.push(("visibility", "field-invalid-choice"));
    }
    if !errs.is_empty() {
        return Ok(Err(errs));
    }
    let point = places::resolve_point(state, typed, place.as_ref(), &address).await?;
    Ok(Ok(Checked {
        description_html: crate::markdown::render(&description).html,
        name,
        slug,
        description,
        legal_form,
        neq,
        sectors,
        territory_ids,
        address,
        place_id: place.map(|t| t.id),
        point,
        website,
        social: social.join("\n"),
        email,
        phone,
        contact_name,
        visibility: visibility.unwrap_or(OrgVisibility::Public),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neq_format() {
        assert_eq!(normalise_neq("1143456789").as_deref(), Some("1143456789"));
        assert_eq!(normalise_neq("114 345 6789").as_deref(), Some("1143456789"));
        assert_eq!(normalise_neq("114-345-6789").as_deref(), Some("1143456789"));
        assert_eq!(normalise_neq("114345678"), None);
        assert_eq!(normalise_neq("11434567890"), None);
        assert_eq!(normalise_neq("11434567a9"), None);
        assert_eq!(normalise_neq("１１４３４５６７８９"), None);
    }

    #[test]
    fn links_and_lists() {
        assert_eq!(
            check_link("https://exemple.qc.ca").as_deref(),
            Some("https://exemple.qc.ca/")
        );
        assert_eq!(check_link("javascript:alert(1)"), None);
        assert_eq!(check_link("ftp://x.ca"), None);
        assert_eq!(split_list("a, b;\nA ,c"), vec!["a", "b", "c"]);
        assert!(check_email("info@coop.qc.ca"));
        assert!(!check_email("info at coop"));
        assert!(valid_slug("coop-du-coin"));
        assert!(!valid_slug("Coop"));
        assert!(!valid_slug("-x"));
    }
}
