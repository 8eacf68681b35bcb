//! Demo organisations and initiatives for `admin seed-demo`: about 800
//! organisations and 400 initiatives per unit of scale, placed on the
//! shipped regions (and on demo municipalities when the territories layer
//! has some), with points near the region's main town. Deterministic;
//! names are invented, marked `source = 'demo'`.

use crate::db::{Db, now};
use crate::seed::Rng;

/// The main town of each region (code, town, approximate WGS 84 point of
/// the town — demo placement only).
const TOWNS: &[(&str, &str, f64, f64)] = &[
    ("01", "Rimouski", 48.449, -68.524),
    ("02", "Saguenay", 48.428, -71.068),
    ("03", "Québec", 46.813, -71.208),
    ("04", "Trois-Rivières", 46.343, -72.543),
    ("05", "Sherbrooke", 45.404, -71.893),
    ("06", "Montréal", 45.509, -73.588),
    ("07", "Gatineau", 45.477, -75.701),
    ("08", "Rouyn-Noranda", 48.236, -79.023),
    ("09", "Baie-Comeau", 49.221, -68.150),
    ("10", "Chibougamau", 49.913, -74.379),
    ("11", "Gaspé", 48.831, -64.487),
    ("12", "Lévis", 46.803, -71.177),
    ("13", "Laval", 45.570, -73.692),
    ("14", "Joliette", 46.021, -73.442),
    ("15", "Saint-Jérôme", 45.780, -74.003),
    ("16", "Longueuil", 45.531, -73.518),
    ("17", "Drummondville", 45.883, -72.484),
];

const KINDS: &[(&str, &str, &[&str])] = &[
    (
        "Coopérative de solidarité",
        "cooperative",
        &["alimentation", "developpement"],
    ),
    (
        "Corporation de développement communautaire",
        "obnl",
        &["developpement"],
    ),
    ("Centre d’action bénévole", "obnl", &["sante"]),
    (
        "Carrefour jeunesse-emploi",
        "obnl",
        &["emploi", "education"],
    ),
    ("Comptoir alimentaire", "obnl", &["alimentation"]),
    ("Regroupement en environnement", "obnl", &["environnement"]),
    ("Coopérative d’habitation", "cooperative", &["habitation"]),
    ("Maison de la culture", "municipal", &["culture"]),
    ("Fonds d’entraide", "mutuelle", &["finance"]),
    (
        "Collectif citoyen",
        "collectif",
        &["environnement", "loisirs"],
    ),
    (
        "Radio communautaire",
        "obnl",
        &["communications", "culture"],
    ),
    ("Entreprise d’insertion", "entreprise", &["emploi"]),
];

const INITIATIVES: &[(&str, &str, &str)] = &[
    ("Jardin communautaire", "jardin", "Mo-Su 08:00-20:00"),
    ("Café réparation", "reparation", "Sa 10:00-15:00"),
    ("Frigo partagé", "frigo", "24/7"),
    (
        "Épicerie solidaire",
        "epicerie",
        "Tu-Fr 10:00-18:00; Sa 09:00-13:00; PH off",
    ),
    ("Ressourcerie", "ressourcerie", "We-Sa 10:00-17:00"),
    ("Cuisine collective", "cuisine", "Mo,We 13:00-16:00"),
    ("Vélos en partage", "mobilite", "Mo-Fr 07:00-19:00"),
    ("Tiers-lieu", "tiers-lieu", "Mo-Fr 09:00-21:00"),
];

const QUARTERS: &[&str] = &[
    "du Centre",
    "du Vieux-Port",
    "des Érables",
    "Saint-Jean",
    "du Plateau",
    "des Rivières",
    "de la Gare",
    "du Boisé",
    "Sainte-Marie",
    "des Patriotes",
];

/// Make `orgs` organisations and half as many initiatives (`seed-demo`
/// asks 800 per unit of scale). Returns (organisations, initiatives).
pub async fn seed(db: &Db, orgs: i64, seed: u64) -> anyhow::Result<(i64, i64)> {
    let mut rng = Rng::new(seed ^ 0x0516);
    // Where to place things: demo municipalities with a centroid, else the
    // regions (with their main town's point).
    let munis: Vec<(i64, String, f64, f64)> = sqlx::query_as(
        "SELECT id, name, lat, lon FROM territories WHERE level = 'municipality' AND lat IS NOT NULL AND lon IS NOT NULL ORDER BY id LIMIT 5000",
    )
    .fetch_all(&db.pool)
    .await?;
    let regions: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, code FROM territories WHERE level = 'region' ORDER BY code")
            .fetch_all(&db.pool)
            .await?;
    let mut spots: Vec<(i64, String, f64, f64)> = munis;
    for (id, code) in &regions {
        if let Some((_, town, lat, lon)) = TOWNS.iter().find(|t| t.0 == code) {
            spots.push((*id, town.to_string(), *lat, *lon));
        }
    }
    anyhow::ensure!(
        !spots.is_empty(),
        "no territory to place demo organisations on"
    );
    let t = now();
    let inits = orgs / 2;
    // A second, forced seed gets new addresses.
    let base: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organisations")
        .fetch_one(&db.pool)
        .await?;
    let mut tx = db.begin().await?;
    let mut org_ids = Vec::new();
    for n in 0..orgs {
        let (place, town, lat, lon) = rng.pick(&spots).clone();
        let (kind, legal, sectors) = *rng.pick(KINDS);
        let quarter = *rng.pick(QUARTERS);
        let name = format!("{kind} {quarter} ({town})");
        let slug = format!(
            "{}-{}",
            crate::communities::slugify(&name)
                .chars()
                .take(50)
                .collect::<String>(),
            n + base
        );
        let jitter = |r: &mut Rng| (r.below(2000) as f64 - 1000.0) / 25_000.0;
        let (la, lo) = (lat + jitter(&mut rng), lon + jitter(&mut rng));
        let verified = rng.chance(90);
        let description = format!(
            "Organisation de démonstration à {town}. Nous rassemblons les gens du quartier {quarter} autour de projets concrets."
        );
        let html = crate::markdown::render(&description).html;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO organisations (slug, name, description, description_html, legal_form, place_id, lat, lon, point_source, \
             visibility, status, source, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'set', 'public', $9, 'demo', $10, $10) RETURNING id",
        )
        .bind(&slug)
        .bind(&name)
        .bind(&description)
        .bind(&html)
        .bind(legal)
        .bind(place)
        .bind(la)
        .bind(lo)
        .bind(if verified { "verified" } else { "unverified" })
        .bind(t)
        .fetch_one(&mut *tx)
        .await?;
        for s in sectors {
            sqlx::query(
                "INSERT INTO organisation_sectors (organisation_id, sector) VALUES ($1, $2)",
            )
            .bind(id)
            .bind(*s)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO organisation_territories (organisation_id, territory_id) VALUES ($1, $2)",
        )
        .bind(id)
        .bind(place)
        .execute(&mut *tx)
        .await?;
        org_ids.push(id);
    }
    for n in 0..inits {
        let (place, town, lat, lon) = rng.pick(&spots).clone();
        let (kind, category, hours) = *rng.pick(INITIATIVES);
        let quarter = *rng.pick(QUARTERS);
        let name = format!("{kind} {quarter}");
        let slug = format!(
            "{}-{}",
            crate::communities::slugify(&format!("{name} {town}"))
                .chars()
                .take(50)
                .collect::<String>(),
            n + base
        );
        let jitter = |r: &mut Rng| (r.below(2000) as f64 - 1000.0) / 25_000.0;
        let description =
            format!("{kind} du quartier {quarter}, à {town}. Bienvenue à toutes et à tous.");
        let org = (!org_ids.is_empty() && rng.chance(60)).then(|| *rng.pick(&org_ids));
        let status = if rng.chance(92) {
            "validated"
        } else {
            "proposed"
        };
        sqlx::query(
            "INSERT INTO initiatives (slug, name, description, description_html, category, organisation_id, territory_id, lat, lon, \
             point_source, opening_hours, status, source, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'set', $10, $11, 'demo', $12, $12)",
        )
        .bind(&slug)
        .bind(&name)
        .bind(&description)
        .bind(crate::markdown::render(&description).html)
        .bind(category)
        .bind(org)
        .bind(place)
        .bind(lat + jitter(&mut rng))
        .bind(lon + jitter(&mut rng))
        .bind(hours)
        .bind(status)
        .bind(t)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok((orgs, inits))
}
