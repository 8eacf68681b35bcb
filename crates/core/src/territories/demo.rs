//! The demo layer of `seed-demo`: a few MRCs (or equivalent territories)
//! and municipalities with their real names and official codes — the
//! largest cities — marked `source = 'demo'` (their pages say so), and the
//! seeded communities and publications placed on the tree.

use sqlx::AnyConnection;

use super::Level;
use super::import::{ParentRef, Row};

/// (MRC code, MRC name, region code, municipal code, municipality, lat, lon).
pub const LAYER: &[(&str, &str, &str, &str, &str, f64, f64)] = &[
    (
        "66",
        "Montréal",
        "06",
        "66023",
        "Montréal",
        45.5089,
        -73.5617,
    ),
    ("65", "Laval", "13", "65005", "Laval", 45.5833, -73.7500),
    ("23", "Québec", "03", "23027", "Québec", 46.8139, -71.2080),
    (
        "81", "Gatineau", "07", "81017", "Gatineau", 45.4765, -75.7013,
    ),
    (
        "58",
        "Longueuil",
        "16",
        "58227",
        "Longueuil",
        45.5312,
        -73.5181,
    ),
    (
        "43",
        "Sherbrooke",
        "05",
        "43027",
        "Sherbrooke",
        45.4042,
        -71.8929,
    ),
    (
        "94",
        "Le Saguenay-et-son-Fjord",
        "02",
        "94068",
        "Saguenay",
        48.4280,
        -71.0685,
    ),
    ("25", "Lévis", "12", "25213", "Lévis", 46.8032, -71.1779),
    (
        "371",
        "Trois-Rivières",
        "04",
        "37067",
        "Trois-Rivières",
        46.3432,
        -72.5421,
    ),
    (
        "64",
        "Les Moulins",
        "14",
        "64008",
        "Terrebonne",
        45.7000,
        -73.6470,
    ),
];

fn rows() -> Vec<Row> {
    let mut out = Vec::new();
    for (i, (mrc, mrc_name, region, code, name, lat, lon)) in LAYER.iter().enumerate() {
        out.push(Row {
            line: 2 * i + 1,
            level: Level::Mrc,
            code: mrc.to_string(),
            name: mrc_name.to_string(),
            parent: Some(ParentRef {
                level: Level::Region,
                code: region.to_string(),
                keep_existing: false,
            }),
            centroid: Some((*lat, *lon)),
            boundary: None,
        });
        out.push(Row {
            line: 2 * i + 2,
            level: Level::Municipality,
            code: code.to_string(),
            name: name.to_string(),
            parent: Some(ParentRef {
                level: Level::Mrc,
                code: mrc.to_string(),
                keep_existing: false,
            }),
            centroid: Some((*lat, *lon)),
            boundary: None,
        });
    }
    out
}

/// Write the demo layer and place the seeded content, in the caller's
/// transaction: every community on its region, half of those in a region
/// with a demo city on that city (by id parity: deterministic), and the
/// publications where their communities are (bulk statements).
pub async fn seed_in(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    super::ops::apply_rows_in(conn, &rows(), "demo").await?;
    sqlx::query(
        "INSERT INTO community_territories (community_id, territory_id) \
         SELECT c.id, t.id FROM communities c JOIN territories t ON t.slug = c.territory AND t.level = 'region' \
         WHERE NOT EXISTS (SELECT 1 FROM community_territories x WHERE x.community_id = c.id)",
    )
    .execute(&mut *conn)
    .await?;
    // Even ids move down to their region's demo city.
    sqlx::query(
        "UPDATE community_territories SET territory_id = (SELECT m.id FROM territory_closure tc \
           JOIN territories m ON m.id = tc.descendant_id WHERE tc.ancestor_id = community_territories.territory_id \
           AND m.level = 'municipality' AND m.source = 'demo' ORDER BY m.id LIMIT 1) \
         WHERE community_id % 2 = 0 AND EXISTS (SELECT 1 FROM territory_closure tc JOIN territories m ON m.id = tc.descendant_id \
           WHERE tc.ancestor_id = community_territories.territory_id AND m.level = 'municipality' AND m.source = 'demo')",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE communities SET territory = (SELECT t.slug FROM community_territories ct JOIN territories t ON t.id = ct.territory_id \
         WHERE ct.community_id = communities.id) WHERE EXISTS (SELECT 1 FROM community_territories ct WHERE ct.community_id = communities.id)",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO publication_territories (publication_id, territory_id, via_community_id) \
         SELECT pc.publication_id, ct.territory_id, ct.community_id FROM publication_communities pc \
         JOIN community_territories ct ON ct.community_id = pc.community_id \
         WHERE NOT EXISTS (SELECT 1 FROM publication_territories x WHERE x.publication_id = pc.publication_id \
           AND x.territory_id = ct.territory_id AND x.via_community_id = ct.community_id)",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO publication_territory_rollup (ancestor_id, publication_id, created_at) \
         SELECT DISTINCT tc.ancestor_id, pt.publication_id, p.created_at FROM publication_territories pt \
         JOIN territory_closure tc ON tc.descendant_id = pt.territory_id JOIN publications p ON p.id = pt.publication_id \
         WHERE NOT EXISTS (SELECT 1 FROM publication_territory_rollup x WHERE x.ancestor_id = tc.ancestor_id \
           AND x.publication_id = pt.publication_id)",
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}
