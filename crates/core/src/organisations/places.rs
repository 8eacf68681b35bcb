//! The territories this domain reads (the territories module owns the
//! tree; these are small private reads), and the point rule: a point typed
//! by the person, else the centroid of the place (its nearest ancestor
//! with one), else — only when an administrator configured one — the
//! geocoder's answer for the address.

use sqlx::Row;

use crate::db::Db;
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct Place {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub level: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Place, sqlx::Error> {
    Ok(Place {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        name: r.try_get("name")?,
        level: r.try_get("level")?,
        lat: r.try_get("lat")?,
        lon: r.try_get("lon")?,
    })
}

pub async fn by_slug(db: &Db, slug: &str) -> Result<Option<Place>, sqlx::Error> {
    let r = sqlx::query("SELECT id, slug, name, level, lat, lon FROM territories WHERE slug = $1")
        .bind(slug)
        .fetch_optional(&db.pool)
        .await?;
    r.as_ref().map(from_row).transpose()
}

/// The place a person typed: a name, "Name (Parent)" for homonyms, or a
/// slug (`territories::resolve`, as the community form); the field error
/// key when it cannot be placed.
pub async fn resolve_typed(
    db: &Db,
    typed: &str,
) -> Result<Result<Place, &'static str>, sqlx::Error> {
    use crate::territories::Resolved;
    Ok(match crate::territories::resolve(db, typed).await? {
        Resolved::One(t) => Ok(Place {
            id: t.id,
            slug: t.slug,
            name: t.name,
            level: t.level.as_str().to_string(),
            lat: t.lat,
            lon: t.lon,
        }),
        Resolved::NotFound => Err("territory-unknown"),
        Resolved::Ambiguous(_) => Err("territory-ambiguous"),
    })
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Place>, sqlx::Error> {
    let r = sqlx::query("SELECT id, slug, name, level, lat, lon FROM territories WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    r.as_ref().map(from_row).transpose()
}

/// The territories an organisation serves, by name.
pub async fn served_by(db: &Db, org_id: i64) -> Result<Vec<Place>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT t.id, t.slug, t.name, t.level, t.lat, t.lon FROM organisation_territories ot \
         JOIN territories t ON t.id = ot.territory_id WHERE ot.organisation_id = $1 ORDER BY t.depth, t.name",
    )
    .bind(org_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Territories for a filter's select: the province, regions and MRCs (the
/// finer levels are typed as a slug).
pub async fn choices(db: &Db) -> Result<Vec<Place>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, slug, name, level, lat, lon FROM territories WHERE depth <= 2 ORDER BY depth, name LIMIT 500",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// A point and where it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// '' (none), 'set', 'centroid', 'geocoded'.
    pub source: &'static str,
}

impl Point {
    pub const NONE: Point = Point {
        lat: None,
        lon: None,
        source: "",
    };
}

/// A typed point: both empty (none) or two numbers in range (a comma is
/// accepted as the decimal mark). `Err(field)` names the wrong field.
pub fn parse_point(lat: &str, lon: &str) -> Result<Option<(f64, f64)>, &'static str> {
    let (lat, lon) = (lat.trim(), lon.trim());
    if lat.is_empty() && lon.is_empty() {
        return Ok(None);
    }
    let num = |s: &str| {
        s.replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
    };
    let la = num(lat)
        .filter(|v| (-90.0..=90.0).contains(v))
        .ok_or("lat")?;
    let lo = num(lon)
        .filter(|v| (-180.0..=180.0).contains(v))
        .ok_or("lon")?;
    Ok(Some((la, lo)))
}

/// The centroid of a territory, or of its nearest ancestor that has one.
pub async fn centroid(db: &Db, territory_id: i64) -> Result<Option<(f64, f64)>, sqlx::Error> {
    let r = sqlx::query(
        "SELECT t.lat, t.lon FROM territory_closure tc JOIN territories t ON t.id = tc.ancestor_id \
         WHERE tc.descendant_id = $1 AND t.lat IS NOT NULL AND t.lon IS NOT NULL \
         ORDER BY tc.distance LIMIT 1",
    )
    .bind(territory_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(match r {
        Some(r) => Some((r.try_get("lat")?, r.try_get("lon")?)),
        None => None,
    })
}

/// The point rule (see the module documentation).
pub async fn resolve_point(
    state: &AppState,
    typed: Option<(f64, f64)>,
    place: Option<&Place>,
    address: &str,
) -> Result<Point, sqlx::Error> {
    if let Some((lat, lon)) = typed {
        return Ok(Point {
            lat: Some(lat),
            lon: Some(lon),
            source: "set",
        });
    }
    if !address.is_empty() {
        let query = match place {
            Some(p) => format!("{address}, {}, Québec, Canada", p.name),
            None => format!("{address}, Québec, Canada"),
        };
        if let Some((lat, lon)) = super::geocode::lookup(state, &query).await? {
            return Ok(Point {
                lat: Some(lat),
                lon: Some(lon),
                source: "geocoded",
            });
        }
    }
    if let Some(p) = place
        && let Some((lat, lon)) = centroid(&state.db, p.id).await?
    {
        return Ok(Point {
            lat: Some(lat),
            lon: Some(lon),
            source: "centroid",
        });
    }
    Ok(Point::NONE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points() {
        assert_eq!(parse_point("", " "), Ok(None));
        assert_eq!(parse_point("46,81", "-71.2"), Ok(Some((46.81, -71.2))));
        assert_eq!(parse_point("91", "-71"), Err("lat"));
        assert_eq!(parse_point("46", ""), Err("lon"));
        assert_eq!(parse_point("NaN", "1"), Err("lat"));
    }
}
