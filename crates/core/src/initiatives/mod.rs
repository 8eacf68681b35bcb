//! The map of initiatives (C17): geolocated projects and places — a co-op
//! grocery, a repair café, a community garden. No HTTP.
//!
//! - this file: the model, categories, typed values and their validation,
//!   reads and the filtered listing (category, territory with roll-up
//!   through `territory_closure`, status), every row through the policy's
//!   SQL (`policy::visible_initiatives_sql`): a proposed initiative is seen
//!   by its proposer and moderators only;
//! - `hours`: the `opening_hours` validator;
//! - `ops`: propose, edit, validate or refuse;
//! - `points`: the visible points of both kinds for a territory roll-up
//!   (what a map draws), the GeoJSON feature collections, the
//!   GoGoCarto-compatible export;
//! - `import`: initiatives from GeoJSON or CSV, with a per-line report.

pub mod hours;
pub mod import;
pub mod ops;
pub mod points;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::User;
use crate::db::Db;
use crate::organisations::places;
use crate::organisations::sql::{Sql, Val};
use crate::policy::{self, Action, InitiativeFacts, InitiativeStatus};

pub const NAME_MAX: usize = 150;
pub const TEXT_MAX: usize = 10000;
pub const PAGE_SIZE: i64 = 30;

/// Categories (stable codes; labels are `initiative-category-<code>`).
fn category_choice() -> utoipa::openapi::Object {
    crate::schema::choice("The kind of initiative.", CATEGORIES)
}

pub const CATEGORIES: &[&str] = &[
    "epicerie",
    "jardin",
    "reparation",
    "frigo",
    "ressourcerie",
    "cuisine",
    "habitation",
    "mobilite",
    "culture",
    "tiers-lieu",
    "autre",
];

#[derive(Debug, Clone)]
pub struct Initiative {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub description_html: String,
    pub category: String,
    pub organisation_id: Option<i64>,
    pub territory_id: Option<i64>,
    pub contact: String,
    pub website: String,
    pub address: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub point_source: String,
    pub opening_hours: String,
    pub status: InitiativeStatus,
    pub status_reason: String,
    pub proposed_by: Option<i64>,
    pub external_ref: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub const COLUMNS: &str = "i.id, i.slug, i.name, i.description, i.description_html, i.category, \
     i.organisation_id, i.territory_id, i.contact, i.website, i.address, i.lat, i.lon, i.point_source, \
     i.opening_hours, i.status, i.status_reason, i.proposed_by, i.external_ref, i.created_at, i.updated_at";

impl Initiative {
    pub fn from_row(r: &AnyRow) -> Result<Initiative, sqlx::Error> {
        let st: String = r.try_get("status")?;
        Ok(Initiative {
            id: r.try_get("id")?,
            slug: r.try_get("slug")?,
            name: r.try_get("name")?,
            description: r.try_get("description")?,
            description_html: r.try_get("description_html")?,
            category: r.try_get("category")?,
            organisation_id: r.try_get("organisation_id")?,
            territory_id: r.try_get("territory_id")?,
            contact: r.try_get("contact")?,
            website: r.try_get("website")?,
            address: r.try_get("address")?,
            lat: r.try_get("lat")?,
            lon: r.try_get("lon")?,
            point_source: r.try_get("point_source")?,
            opening_hours: r.try_get("opening_hours")?,
            status: InitiativeStatus::parse(&st)
                .ok_or_else(|| sqlx::Error::Decode(format!("unknown status {st}").into()))?,
            status_reason: r.try_get("status_reason")?,
            proposed_by: r.try_get("proposed_by")?,
            external_ref: r.try_get("external_ref")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    }

    pub fn facts(&self) -> InitiativeFacts {
        InitiativeFacts {
            id: self.id,
            status: self.status,
            proposed_by: self.proposed_by,
        }
    }

    pub fn path(&self) -> String {
        crate::urls::initiative(&self.slug)
    }

    pub fn visible_to(&self, viewer: Option<&User>) -> bool {
        policy::can(viewer, Action::ViewInitiative { i: &self.facts() })
    }
}

/// The initiative at `/i/{key}`: a slug, or a numeric id.
pub async fn by_key(db: &Db, key: &str) -> Result<Option<Initiative>, sqlx::Error> {
    let row = match key.parse::<i64>() {
        Ok(id) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM initiatives i WHERE i.id = $1"
            )))
            .bind(id)
            .fetch_optional(&db.pool)
            .await?
        }
        Err(_) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM initiatives i WHERE i.slug = $1"
            )))
            .bind(key)
            .fetch_optional(&db.pool)
            .await?
        }
    };
    row.as_ref().map(Initiative::from_row).transpose()
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub q: String,
    pub category: String,
    /// A territory slug: initiatives placed in it or below.
    pub territory: String,
    /// A territory already resolved (its id), used instead of `territory`:
    /// a page that has loaded the territory saves the lookup.
    pub territory_id: Option<i64>,
    /// '' (what the viewer may see) or one status (the moderators' queue
    /// asks for 'proposed').
    pub status: String,
    /// Only this organisation's initiatives.
    pub organisation_id: Option<i64>,
}

/// "Initiative `i` is placed in territory `$t` or below".
pub fn in_territory_sql(i: &str, t: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM territory_closure tc WHERE tc.ancestor_id = {t} AND tc.descendant_id = {i}.territory_id)"
    )
}

/// The WHERE clause of a filter, with the policy's condition first.
pub async fn where_clause(
    db: &Db,
    sql: &mut Sql,
    viewer: Option<&User>,
    f: &Filter,
) -> Result<(), sqlx::Error> {
    let p = sql.viewer(viewer);
    sql.push(&format!(
        " WHERE {}",
        policy::visible_initiatives_sql("i", viewer, p)
    ));
    if !f.q.trim().is_empty() {
        let like = format!("%{}%", f.q.trim().to_lowercase().replace(['%', '_'], ""));
        let ph = sql.bind(Val::S(like));
        sql.push(&format!(" AND LOWER(i.name) LIKE {ph}"));
    }
    if !f.category.is_empty() {
        let ph = sql.bind(Val::S(f.category.clone()));
        sql.push(&format!(" AND i.category = {ph}"));
    }
    if !f.status.is_empty() {
        let ph = sql.bind(Val::S(f.status.clone()));
        sql.push(&format!(" AND i.status = {ph}"));
    }
    if let Some(o) = f.organisation_id {
        let ph = sql.bind(Val::I(o));
        sql.push(&format!(" AND i.organisation_id = {ph}"));
    }
    if let Some(id) = f.territory_id {
        let ph = sql.bind(Val::I(id));
        sql.push(&format!(" AND {}", in_territory_sql("i", &ph)));
    } else if !f.territory.is_empty() {
        match places::by_slug(db, &f.territory).await? {
            Some(t) => {
                let ph = sql.bind(Val::I(t.id));
                sql.push(&format!(" AND {}", in_territory_sql("i", &ph)));
            }
            None => sql.push(" AND 1 = 0"),
        }
    }
    Ok(())
}

pub struct Listing {
    pub items: Vec<Initiative>,
    pub page: i64,
    pub more: bool,
}

/// A page of initiatives the viewer may see, by name (the queue: oldest
/// first).
pub async fn list(
    db: &Db,
    viewer: Option<&User>,
    f: &Filter,
    page: i64,
) -> Result<Listing, sqlx::Error> {
    let page = page.clamp(1, 100_000);
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM initiatives i"));
    where_clause(db, &mut sql, viewer, f).await?;
    let lim = sql.bind(Val::I(PAGE_SIZE + 1));
    let off = sql.bind(Val::I((page - 1) * PAGE_SIZE));
    let order = if f.status == "proposed" {
        "i.created_at, i.id"
    } else {
        "i.name, i.id"
    };
    sql.push(&format!(" ORDER BY {order} LIMIT {lim} OFFSET {off}"));
    let rows = sql.query().fetch_all(&db.pool).await?;
    let mut items = rows
        .iter()
        .map(Initiative::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let more = items.len() as i64 > PAGE_SIZE;
    items.truncate(PAGE_SIZE as usize);
    Ok(Listing { items, page, more })
}

/// Proposed initiatives waiting for a moderator.
pub async fn queue_count(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM initiatives WHERE status = 'proposed'")
        .fetch_one(&db.pool)
        .await
}

// ---- values and validation -----------------------------------------------------------

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
#[schema(as = InitiativeValues)]
pub struct Values {
    /// 2 to 150 characters, with a letter or digit.
    #[schema(
        required = true,
        max_length = 150,
        pattern = "^[^\\u0000]*([A-Za-z0-9][^\\u0000]*[^\\s\\u0000]|[^\\s\\u0000][^\\u0000]*[A-Za-z0-9])[^\\u0000]*$"
    )]
    pub name: String,
    /// Lowercase letters, digits and hyphens; made from the name when empty.
    #[schema(pattern = "^([a-z0-9-]{1,58})?$")]
    pub slug: String,
    pub description: String,
    #[schema(required = true, schema_with = category_choice)]
    pub category: String,
    /// The organisation's slug ('' = none).
    pub organisation: String,
    /// A territory slug (usually the municipality).
    pub territory: String,
    pub contact: String,
    pub website: String,
    pub address: String,
    pub lat: String,
    pub lon: String,
    pub opening_hours: String,
}

impl Values {
    pub fn of(i: &Initiative, organisation: String, territory: String) -> Values {
        let typed = i.point_source == "set";
        let num = |v: Option<f64>| {
            if typed {
                v.map(|x| x.to_string()).unwrap_or_default()
            } else {
                String::new()
            }
        };
        Values {
            name: i.name.clone(),
            slug: i.slug.clone(),
            description: i.description.clone(),
            category: i.category.clone(),
            organisation,
            territory,
            contact: i.contact.clone(),
            website: i.website.clone(),
            address: i.address.clone(),
            lat: num(i.lat),
            lon: num(i.lon),
            opening_hours: i.opening_hours.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Checked {
    pub name: String,
    pub slug: String,
    pub description: String,
    pub description_html: String,
    pub category: String,
    pub organisation_id: Option<i64>,
    pub territory_id: Option<i64>,
    pub contact: String,
    pub website: String,
    pub address: String,
    pub point: places::Point,
    pub opening_hours: String,
}

/// Check typed values for `actor` (an organisation must be one the actor
/// may see). `own_id`: the initiative being edited.
pub async fn check(
    state: &crate::state::AppState,
    actor: &crate::actor::Actor,
    v: &Values,
    own_id: Option<i64>,
) -> Result<Result<Checked, crate::organisations::FieldErrs>, sqlx::Error> {
    let db = &state.db;
    let mut errs: crate::organisations::FieldErrs = Vec::new();
    let name = v.name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.chars().count() < 2 {
        errs.push(("name", "field-required"));
    } else if name.chars().count() > NAME_MAX {
        errs.push(("name", "field-too-long"));
    }
    let mut slug = if v.slug.trim().is_empty() {
        // Made from the name: short enough to be valid (room left for the
        // `i-` of a number and the suffix of a taken one), cut at a hyphen.
        let s: String = crate::communities::slugify(&name)
            .chars()
            .take(56)
            .collect();
        s.trim_end_matches('-').to_string()
    } else {
        v.slug.trim().to_string()
    };
    if slug.parse::<i64>().is_ok() {
        // A number would read as an id in /i/{key}.
        slug = format!("i-{slug}");
    }
    let valid_slug = !slug.is_empty()
        && slug.len() <= 60
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid_slug {
        errs.push(("slug", "org-slug-invalid"));
    } else {
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM initiatives WHERE slug = $1")
            .bind(&slug)
            .fetch_optional(&db.pool)
            .await?;
        if taken.is_some_and(|id| Some(id) != own_id) {
            if v.slug.trim().is_empty() && own_id.is_none() {
                // A derived address that is taken gets a suffix.
                slug = unique_slug(db, &slug).await?;
            } else {
                errs.push(("slug", "org-slug-taken"));
            }
        }
    }
    let description = v.description.replace("\r\n", "\n").trim().to_string();
    if description.chars().count() > TEXT_MAX {
        errs.push(("description", "field-too-long"));
    }
    let category = v.category.trim().to_string();
    if !CATEGORIES.contains(&category.as_str()) {
        errs.push(("category", "field-invalid-choice"));
    }
    let organisation_id = if v.organisation.trim().is_empty() {
        None
    } else {
        match crate::organisations::load(db, v.organisation.trim(), actor.user()).await? {
            Some(l)
                if actor.may(Action::ViewOrganisation {
                    o: &l.facts,
                    m: l.role,
                }) =>
            {
                Some(l.o.id)
            }
            _ => {
                errs.push(("organisation", "initiative-organisation-unknown"));
                None
            }
        }
    };
    let place = if v.territory.trim().is_empty() {
        None
    } else {
        match places::resolve_typed(db, &v.territory).await? {
            Ok(t) => Some(t),
            Err(key) => {
                errs.push(("territory", key));
                None
            }
        }
    };
    let typed = match places::parse_point(&v.lat, &v.lon) {
        Ok(p) => p,
        Err(f) => {
            errs.push((f, "org-point-invalid"));
            None
        }
    };
    let contact = v.contact.trim().to_string();
    if contact.chars().count() > 300 {
        errs.push(("contact", "field-too-long"));
    }
    let website = if v.website.trim().is_empty() {
        String::new()
    } else {
        match crate::organisations::check_link(&v.website) {
            Some(u) => u,
            None => {
                errs.push(("website", "org-link-invalid"));
                String::new()
            }
        }
    };
    let address = v.address.trim().to_string();
    if address.chars().count() > 300 {
        errs.push(("address", "field-too-long"));
    }
    let opening_hours = match hours::validate(&v.opening_hours) {
        Ok(h) => h,
        Err(_) => {
            errs.push(("opening_hours", "initiative-hours-invalid"));
            String::new()
        }
    };
    if !errs.is_empty() {
        return Ok(Err(errs));
    }
    let point = places::resolve_point(state, typed, place.as_ref(), &address).await?;
    Ok(Ok(Checked {
        description_html: crate::markdown::render(&description).html,
        name,
        slug,
        description,
        category,
        organisation_id,
        territory_id: place.map(|t| t.id),
        contact,
        website,
        address,
        point,
        opening_hours,
    }))
}

/// `base`, or `base-2`, `base-3`… the first free one.
pub async fn unique_slug(db: &Db, base: &str) -> Result<String, sqlx::Error> {
    for n in 2..1000 {
        let candidate = format!("{}-{n}", base.chars().take(55).collect::<String>());
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM initiatives WHERE slug = $1")
            .bind(&candidate)
            .fetch_optional(&db.pool)
            .await?;
        if taken.is_none() {
            return Ok(candidate);
        }
    }
    Ok(format!("{base}-{}", crate::db::now()))
}
