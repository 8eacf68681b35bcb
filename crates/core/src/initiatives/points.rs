//! What a map shows: the points of initiatives and organisations a viewer
//! may see, for a territory roll-up — as plain points (for the
//! server-rendered map and its accessible list), as GeoJSON (RFC 7946)
//! feature collections, and as a GoGoCarto-compatible export.
//!
//! Every read goes through the policy's SQL (`visible_initiatives_sql`,
//! `visible_organisations_sql`), so a proposed initiative or an unverified
//! or members-only organisation never reaches an outsider's map, GeoJSON or
//! export.

use serde_json::{Value, json};
use sqlx::Row;

use super::{COLUMNS, Filter, Initiative};
use crate::accounts::User;
use crate::db::Db;
use crate::organisations::sql::{Sql, Val};
use crate::organisations::{self, Organisation, directory};

/// Most features in one answer.
pub const MAX_FEATURES: i64 = 5000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Initiative,
    Organisation,
}

/// One point on the map.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MapPoint {
    pub kind: Kind,
    pub id: i64,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    /// Local path of its page.
    pub url: String,
    /// The initiative's category or the organisation's first sector.
    pub category: String,
}

/// The points of validated initiatives and visible organisations placed in
/// the territory `territory_id` or below — the whole province when `None` —
/// that this viewer may see; at most `limit` of each kind, by name. For the
/// territory page's SVG map (which has already resolved the territory).
pub async fn visible_points(
    db: &Db,
    viewer: Option<&User>,
    territory_id: Option<i64>,
    limit: i64,
) -> Result<Vec<MapPoint>, sqlx::Error> {
    let limit = limit.clamp(1, MAX_FEATURES);
    let mut out = Vec::new();
    for i in initiatives(
        db,
        viewer,
        &Filter {
            territory_id,
            ..Default::default()
        },
        limit,
    )
    .await?
    {
        if let (Some(lat), Some(lon)) = (i.lat, i.lon) {
            out.push(MapPoint {
                kind: Kind::Initiative,
                id: i.id,
                url: i.path(),
                name: i.name,
                lat,
                lon,
                category: i.category,
            });
        }
    }
    let orgs = organisations_with_points(
        db,
        viewer,
        &directory::Filter {
            territory_id,
            ..Default::default()
        },
        limit,
    )
    .await?;
    let ids: Vec<i64> = orgs.iter().map(|o| o.id).collect();
    let sectors = directory::sectors_for(db, &ids).await?;
    for o in orgs {
        if let (Some(lat), Some(lon)) = (o.lat, o.lon) {
            out.push(MapPoint {
                kind: Kind::Organisation,
                id: o.id,
                url: o.path(),
                category: sectors
                    .get(&o.id)
                    .and_then(|s| s.first().cloned())
                    .unwrap_or_default(),
                name: o.name,
                lat,
                lon,
            });
        }
    }
    Ok(out)
}

/// Visible initiatives with a point, by name.
pub async fn initiatives(
    db: &Db,
    viewer: Option<&User>,
    f: &Filter,
    limit: i64,
) -> Result<Vec<Initiative>, sqlx::Error> {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM initiatives i"));
    super::where_clause(db, &mut sql, viewer, f).await?;
    let lim = sql.bind(Val::I(limit.clamp(1, MAX_FEATURES)));
    sql.push(&format!(
        " AND i.lat IS NOT NULL AND i.lon IS NOT NULL ORDER BY i.name, i.id LIMIT {lim}"
    ));
    let rows = sql.query().fetch_all(&db.pool).await?;
    rows.iter().map(Initiative::from_row).collect()
}

/// Visible organisations with a point, by name (the directory's filter).
pub async fn organisations_with_points(
    db: &Db,
    viewer: Option<&User>,
    f: &directory::Filter,
    limit: i64,
) -> Result<Vec<Organisation>, sqlx::Error> {
    let all = directory::all(db, viewer, f).await?;
    Ok(all
        .into_iter()
        .filter(|o| o.lat.is_some() && o.lon.is_some())
        .take(limit.clamp(1, MAX_FEATURES) as usize)
        .collect())
}

fn coord(v: f64) -> Value {
    // Six decimals: about 10 cm, what RFC 7946 §11.2 suggests is plenty.
    json!((v * 1e6).round() / 1e6)
}

fn geometry(lat: f64, lon: f64) -> Value {
    json!({"type": "Point", "coordinates": [coord(lon), coord(lat)]})
}

/// Organisation names by id (for initiatives' properties).
async fn org_names(
    db: &Db,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, (String, String)>, sqlx::Error> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let mut sql =
            Sql::new("SELECT id, slug, name, status, visibility FROM organisations WHERE id IN (");
        let phs: Vec<String> = chunk.iter().map(|id| sql.bind(Val::I(*id))).collect();
        sql.push(&phs.join(", "));
        sql.push(")");
        for r in sql.query().fetch_all(&db.pool).await? {
            out.insert(
                r.try_get::<i64, _>("id")?,
                (r.try_get("slug")?, r.try_get("name")?),
            );
        }
    }
    Ok(out)
}

/// The GeoJSON FeatureCollection of initiatives (validated ones, and for
/// their proposers and moderators the ones waiting).
pub async fn initiatives_geojson(
    db: &Db,
    public_url: &str,
    viewer: Option<&User>,
    f: &Filter,
) -> Result<Value, sqlx::Error> {
    let items = initiatives(db, viewer, f, MAX_FEATURES).await?;
    let mut org_ids: Vec<i64> = items.iter().filter_map(|i| i.organisation_id).collect();
    org_ids.sort_unstable();
    org_ids.dedup();
    let orgs = org_names(db, &org_ids).await?;
    // An organisation the viewer may not see is not named.
    let mut visible_orgs = std::collections::HashSet::new();
    for id in &org_ids {
        if let Some(o) = organisations::by_id(db, *id).await? {
            let role = match viewer {
                Some(u) => organisations::role_of(db, o.id, u.id).await?,
                None => None,
            };
            if crate::policy::can(
                viewer,
                crate::policy::Action::ViewOrganisation {
                    o: &o.facts(),
                    m: role,
                },
            ) {
                visible_orgs.insert(*id);
            }
        }
    }
    let features: Vec<Value> = items
        .iter()
        .filter_map(|i| {
            let (lat, lon) = (i.lat?, i.lon?);
            let org = i
                .organisation_id
                .filter(|id| visible_orgs.contains(id))
                .and_then(|id| orgs.get(&id));
            Some(json!({
                "type": "Feature",
                "id": format!("initiative-{}", i.id),
                "geometry": geometry(lat, lon),
                "properties": {
                    "kind": "initiative",
                    "id": i.id,
                    "name": i.name,
                    "url": crate::urls::absolute(public_url, &i.path()),
                    "category": i.category,
                    "status": i.status.as_str(),
                    "address": i.address,
                    "opening_hours": i.opening_hours,
                    "website": i.website,
                    "organisation": org.map(|(slug, name)| json!({
                        "name": name,
                        "url": crate::urls::absolute(public_url, &crate::urls::organisation(slug)),
                    })),
                }
            }))
        })
        .collect();
    Ok(json!({"type": "FeatureCollection", "features": features}))
}

/// The GeoJSON FeatureCollection of organisations the viewer may see.
pub async fn organisations_geojson(
    db: &Db,
    public_url: &str,
    viewer: Option<&User>,
    f: &directory::Filter,
) -> Result<Value, sqlx::Error> {
    let orgs = organisations_with_points(db, viewer, f, MAX_FEATURES).await?;
    let ids: Vec<i64> = orgs.iter().map(|o| o.id).collect();
    let sectors = directory::sectors_for(db, &ids).await?;
    let features: Vec<Value> = orgs
        .iter()
        .filter_map(|o| {
            let (lat, lon) = (o.lat?, o.lon?);
            Some(json!({
                "type": "Feature",
                "id": format!("organisation-{}", o.id),
                "geometry": geometry(lat, lon),
                "properties": {
                    "kind": "organisation",
                    "id": o.id,
                    "name": o.name,
                    "url": crate::urls::absolute(public_url, &o.path()),
                    "sectors": sectors.get(&o.id).cloned().unwrap_or_default(),
                    "legal_form": o.legal_form,
                    "verified": o.status == crate::policy::OrgStatus::Verified,
                    "address": o.address,
                    "website": o.website,
                }
            }))
        })
        .collect();
    Ok(json!({"type": "FeatureCollection", "features": features}))
}

/// The GoGoCarto-compatible export of initiatives: the element shape of
/// GoGoCarto's documentation (pixelhumain/GoGoCartoJs,
/// `docs/dataset-element-configuration.md`; cited in ARCHITECTURE.md):
/// `id`, `title` (and `name`), `geo.latitude/longitude`, `taxonomy`
/// (category labels), `address` object, `description`, `email`,
/// `telephone`, `website`, `openHours` (per two-letter day) and
/// `openHoursString` (the OSM value), wrapped as `{"data": [...]}` like
/// GoGoCarto's own JSON API.
pub async fn gogocarto(
    db: &Db,
    public_url: &str,
    viewer: Option<&User>,
    f: &Filter,
    category_label: impl Fn(&str) -> String,
) -> Result<Value, sqlx::Error> {
    let items = initiatives(db, viewer, f, MAX_FEATURES).await?;
    let mut place_names: std::collections::HashMap<i64, String> = Default::default();
    for tid in items.iter().filter_map(|i| i.territory_id) {
        if let std::collections::hash_map::Entry::Vacant(e) = place_names.entry(tid)
            && let Some(p) = organisations::places::by_id(db, tid).await?
        {
            e.insert(p.name);
        }
    }
    let data: Vec<Value> = items
        .iter()
        .filter_map(|i| {
            let (lat, lon) = (i.lat?, i.lon?);
            let open: serde_json::Map<String, Value> = super::hours::weekly(&i.opening_hours)
                .into_iter()
                .map(|(d, t)| (d.to_string(), Value::String(t)))
                .collect();
            let (email, telephone) = if i.contact.contains('@') {
                (i.contact.clone(), String::new())
            } else {
                (String::new(), i.contact.clone())
            };
            Some(json!({
                "id": i.id.to_string(),
                "title": i.name,
                "name": i.name,
                "geo": {"latitude": coord(lat), "longitude": coord(lon)},
                "taxonomy": [category_label(&i.category)],
                "address": {
                    "streetAddress": i.address,
                    "addressLocality": i.territory_id.and_then(|t| place_names.get(&t).cloned()).unwrap_or_default(),
                    "postalCode": "",
                    "addressCountry": "CA",
                },
                "image": "",
                "description": crate::markdown::excerpt_from_html(&i.description_html, 280),
                "descriptionMore": i.description,
                "email": email,
                "telephone": telephone,
                "website": if i.website.is_empty() { crate::urls::absolute(public_url, &i.path()) } else { i.website.clone() },
                "openHours": open,
                "openHoursString": i.opening_hours,
                "sourceKey": "Passerelles",
                "url": crate::urls::absolute(public_url, &i.path()),
            }))
        })
        .collect();
    Ok(json!({
        "licence": "https://opendatacommons.org/licenses/odbl/summary/",
        "ontology": "gogofull",
        "data": data,
    }))
}
