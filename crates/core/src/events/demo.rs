//! `seed-demo`'s events: `count` events (1,500 at scale 1) in the seeded
//! communities, a quarter of them recurring (weekly or the n-th weekday of
//! the month), from three months ago to ten months ahead, placed on the
//! regions, some online or hybrid, some with a capacity. Each goes through
//! `check_pure`, the validation of the forms, and `ops::insert_in`.

use super::{Values, check_pure, ops};
use crate::db::Db;

const TITLES: &[&str] = &[
    "Corvée au jardin collectif",
    "Café-rencontre des bénévoles",
    "Atelier de réparation",
    "Assemblée générale annuelle",
    "Soirée d’information sur le logement",
    "Cuisine collective",
    "Marche exploratoire du quartier",
    "Formation : animer une réunion",
    "Friperie éphémère",
    "Comité de citoyens",
    "Conférence sur la transition",
    "Bibliothèque vivante",
];
const PLACES: &[&str] = &[
    "Centre communautaire, salle 2",
    "Sous-sol de l’église",
    "Bibliothèque municipale",
    "Maison de quartier",
    "Parc du bord de l’eau",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

/// Seed `count` events; returns how many were written.
pub async fn seed(db: &Db, count: i64, seed: u64) -> anyhow::Result<i64> {
    let mut rng = Rng(seed ^ 0x00E7_E175 | 1);
    let communities: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, created_by FROM communities WHERE status = 'active' ORDER BY id LIMIT 2000",
    )
    .fetch_all(&db.pool)
    .await?;
    anyhow::ensure!(
        !communities.is_empty(),
        "no community to put demo events in"
    );
    let regions: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, slug FROM territories WHERE level = 'region' ORDER BY code")
            .fetch_all(&db.pool)
            .await?;
    let today = super::time::local_of(chrono_tz::America::Toronto, crate::db::now()).date();
    let mut tx = db.begin().await?;
    let mut written = 0;
    for i in 0..count {
        let day = today + chrono::Duration::days(rng.below(395) as i64 - 90);
        let hour = [10, 13, 18, 19][rng.below(4) as usize];
        let start = format!("{}T{hour:02}:00", day.format("%Y-%m-%d"));
        let end = format!("{}T{:02}:00", day.format("%Y-%m-%d"), hour + 2);
        let (repeat, count) = match (i % 4, rng.below(2)) {
            (0, 0) => ("weekly", (6 + rng.below(7)).to_string()),
            (0, _) => ("monthly", (4 + rng.below(9)).to_string()),
            _ => ("", String::new()),
        };
        let kind = ["address", "address", "address", "online", "hybrid"][rng.below(5) as usize];
        let v = Values {
            title: TITLES[rng.below(TITLES.len() as u64) as usize].to_string(),
            description: "Événement de démonstration. Bienvenue à **toutes et à tous**.".into(),
            start,
            end,
            repeat: repeat.into(),
            count,
            place_kind: kind.into(),
            address: if kind == "online" {
                String::new()
            } else {
                PLACES[rng.below(PLACES.len() as u64) as usize].into()
            },
            online_url: if kind == "address" {
                String::new()
            } else {
                format!("https://visio.exemple.org/demo-{i}")
            },
            online_private: kind != "address" && rng.below(2) == 0,
            capacity: if rng.below(3) == 0 {
                (10 + rng.below(40)).to_string()
            } else {
                String::new()
            },
            tags: ["entraide", "quartier", "formation", "jardin"][rng.below(4) as usize].into(),
            // One in five paid (no draw from `rng`: the rest stays as it was).
            price: if i % 5 == 1 {
                "10 $, gratuit pour les membres".into()
            } else {
                String::new()
            },
            ..Values::default()
        };
        let Ok(mut c) = check_pure(&v) else { continue };
        if !regions.is_empty() {
            c.territory_id = Some(regions[rng.below(regions.len() as u64) as usize].0);
        }
        let (cid, owner) = communities[rng.below(communities.len() as u64) as usize];
        let mut ids = vec![cid];
        if rng.below(5) == 0 {
            let other = communities[rng.below(communities.len() as u64) as usize].0;
            if other != cid {
                ids.push(other);
            }
        }
        let uid = format!("demo-{seed}-{i}@passerelles.demo");
        ops::insert_in(&mut tx, &uid, &c, owner, &ids).await?;
        written += 1;
    }
    tx.commit().await?;
    Ok(written)
}
