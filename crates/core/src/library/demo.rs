//! Demo content of the library for `seed-demo`: about 300 accepted lexicon
//! terms (25 concepts of the social economy, each with its narrower terms
//! by field, French and English labels, synonyms), resources in the first
//! open communities and in the instance library (funding programs with
//! deadlines, guides, reports) filed under those terms, and published
//! dossiers of five resources each; each concept linked to the tags that
//! spell its labels. Written by plain inserts (the seed rebuilds the search
//! index afterwards). [`seed_files`] then gives the demo resources a small
//! PDF each, generated on the spot, through the configured blob store.

use crate::db::{Db, now};

/// (French, English, synonyms separated by `|`).
const CONCEPTS: &[(&str, &str, &str)] = &[
    (
        "Économie sociale et solidaire",
        "Social and solidarity economy",
        "ESS|économie sociale",
    ),
    ("Coopérative", "Co-operative", "coop|coopération"),
    (
        "Organisme à but non lucratif",
        "Non-profit organisation",
        "OBNL|OSBL",
    ),
    (
        "Entreprise d'économie sociale",
        "Social economy enterprise",
        "EÉS",
    ),
    (
        "Développement local",
        "Local development",
        "développement territorial",
    ),
    (
        "Action communautaire autonome",
        "Autonomous community action",
        "ACA",
    ),
    ("Mutuelle", "Mutual society", "mutualité"),
    (
        "Financement solidaire",
        "Solidarity finance",
        "finance solidaire",
    ),
    ("Innovation sociale", "Social innovation", "IS"),
    (
        "Transition socio-écologique",
        "Socio-ecological transition",
        "transition écologique",
    ),
    (
        "Sécurité alimentaire",
        "Food security",
        "autonomie alimentaire",
    ),
    (
        "Logement communautaire",
        "Community housing",
        "habitation communautaire",
    ),
    (
        "Concertation",
        "Collaborative governance",
        "table de concertation",
    ),
    ("Bénévolat", "Volunteering", "engagement bénévole"),
    (
        "Évaluation d'impact",
        "Impact assessment",
        "mesure d'impact",
    ),
    ("Philanthropie", "Philanthropy", "fondation"),
    (
        "Gouvernance démocratique",
        "Democratic governance",
        "démocratie interne",
    ),
    (
        "Insertion socioprofessionnelle",
        "Work integration",
        "entreprise d'insertion",
    ),
    ("Circuit court", "Short supply chain", "vente directe"),
    ("Économie circulaire", "Circular economy", "réemploi"),
    (
        "Mobilisation citoyenne",
        "Civic engagement",
        "participation citoyenne",
    ),
    (
        "Éducation populaire",
        "Popular education",
        "éducation des adultes",
    ),
    ("Tiers-lieu", "Third place", "espace partagé"),
    ("Communs", "Commons", "biens communs"),
    ("Pôle régional", "Regional hub", "pôle d'économie sociale"),
];

/// Fields that narrow each concept: (French, English).
const FIELDS: &[(&str, &str)] = &[
    ("habitation", "housing"),
    ("alimentation", "food"),
    ("culture", "culture"),
    ("environnement", "environment"),
    ("jeunesse", "youth"),
    ("santé", "health"),
    ("milieu rural", "rural areas"),
    ("numérique", "digital"),
    ("travail", "work"),
    ("Premières Nations", "First Nations"),
    ("aînés", "older adults"),
];

/// Resource titles by kind (a number is added to keep them apart).
const TITLES: &[(&str, &str)] = &[
    ("funding", "Programme de soutien aux projets collectifs"),
    ("guide", "Guide de démarrage d'une coopérative"),
    ("report", "Portrait régional de l'économie sociale"),
    ("synthesis", "Synthèse des consultations citoyennes"),
    ("funding", "Fonds d'innovation sociale"),
    ("interview", "Entrevue avec une fondatrice de tiers-lieu"),
    ("document", "Charte de la concertation locale"),
    ("podcast", "Balado : transition et communs"),
];

/// Seed the lexicon, resources and dossiers; returns (terms, resources, dossiers).
pub async fn seed(db: &Db, communities: i64) -> anyhow::Result<(i64, i64, i64)> {
    let already: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lexicon_terms")
        .fetch_one(&db.pool)
        .await?;
    if already > 0 {
        return Ok((0, 0, 0));
    }
    let t = now();
    let mut tx = db.begin().await?;
    let mut terms: Vec<i64> = Vec::new();
    for (fr, en, alt) in CONCEPTS {
        let alt: Vec<String> = alt.split('|').map(str::to_string).collect();
        let broad = insert_term(&mut tx, fr, en, &alt, t).await?;
        terms.push(broad);
        // The concept is the tag vocabulary: its label and synonyms, as
        // tags (the seed's publications use some of them), are linked to it.
        let mut keys: Vec<String> = std::iter::once(*fr)
            .chain(alt.iter().map(String::as_str))
            .map(|l| crate::publications::fold_tag_key(l).replace(' ', "-"))
            .collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            sqlx::query(
                "INSERT INTO lexicon_term_tags (term_id, tag_key, added_by, added_at) VALUES ($1, $2, NULL, $3)",
            )
            .bind(broad)
            .bind(k)
            .bind(t)
            .execute(&mut *tx)
            .await?;
        }
        for (ffr, fen) in FIELDS {
            let nfr = format!("{fr} — {ffr}");
            let nen = format!("{en} — {fen}");
            let id = insert_term(&mut tx, &nfr, &nen, &[], t).await?;
            sqlx::query("INSERT INTO lexicon_relations (term_id, other_id, kind) VALUES ($1, $2, 'broader')")
                .bind(id)
                .bind(broad)
                .execute(&mut *tx)
                .await?;
            terms.push(id);
        }
    }
    // Related pairs between neighbouring concepts (lower id first).
    let broad: Vec<i64> = terms.iter().step_by(FIELDS.len() + 1).copied().collect();
    for w in broad.windows(2) {
        sqlx::query(
            "INSERT INTO lexicon_relations (term_id, other_id, kind) VALUES ($1, $2, 'related')",
        )
        .bind(w[0].min(w[1]))
        .bind(w[0].max(w[1]))
        .execute(&mut *tx)
        .await?;
    }
    // Resources: eight per community in the first open ones, and eight in
    // the instance library.
    let places: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, created_by FROM communities WHERE visibility = 'open' AND status = 'active' ORDER BY id LIMIT $1",
    )
    .bind(communities)
    .fetch_all(&mut *tx)
    .await?;
    let mut resources: Vec<i64> = Vec::new();
    let mut n = 0usize;
    let targets: Vec<(Option<i64>, Option<i64>)> = std::iter::once((None, None))
        .chain(places.iter().map(|(c, u)| (Some(*c), *u)))
        .collect();
    for (community, author) in targets {
        for (kind, title) in TITLES {
            n += 1;
            let year = 2018 + (n % 8) as i64;
            let (deadline, deadline_at) = if *kind == "funding" {
                // Half still open (in the coming months), half closed.
                let days = if n % 2 == 0 {
                    20 + (n % 200) as i64
                } else {
                    -30
                };
                let at = t + days * 86400;
                let date = time::OffsetDateTime::from_unix_timestamp(at)
                    .map(|d| d.date().to_string())
                    .unwrap_or_default();
                (date, Some(at))
            } else {
                (String::new(), None)
            };
            let description = format!(
                "Ressource de démonstration n° {n} : {}.",
                title.to_lowercase()
            );
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO resources (kind, title, creators, publisher, issued, year, language, licence, source_url, \
                 description, description_html, deadline, deadline_at, eligibility, amount, in_library, status, created_by, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'fr', 'CC BY 4.0', '', $7, $8, $9, $10, $11, $12, $13, \
                 'visible', $14, $15, $15) RETURNING id",
            )
            .bind(*kind)
            .bind(format!("{title} ({n})"))
            .bind("Chantier de l'économie sociale\nTremblay, Marie")
            .bind("Passerelles (démo)")
            .bind(year.to_string())
            .bind(year)
            .bind(&description)
            .bind(format!("<p>{}</p>", description.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")))
            .bind(&deadline)
            .bind(deadline_at)
            .bind(if *kind == "funding" { "OBNL et coopératives" } else { "" })
            .bind(if *kind == "funding" { "jusqu'à 25 000 $" } else { "" })
            .bind(i64::from(community.is_none()))
            .bind(author)
            .bind(t - (n as i64) * 3600)
            .fetch_one(&mut *tx)
            .await?;
            if let Some(c) = community {
                sqlx::query(
                    "INSERT INTO resource_communities (resource_id, community_id, added_at) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(c)
                .bind(t)
                .execute(&mut *tx)
                .await?;
            }
            for k in 0..2 {
                let term = terms[(n * 7 + k * 13) % terms.len()];
                sqlx::query(
                    "INSERT INTO resource_subjects (resource_id, term_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(term)
                .execute(&mut *tx)
                .await?;
            }
            resources.push(id);
        }
    }
    // A published dossier of five resources per eight (instance library first).
    let mut dossiers = 0;
    for (i, chunk) in resources.chunks(8).enumerate().take(6) {
        let title = format!("Parcours thématique {} : financer et outiller", i + 1);
        let intro = "Un parcours en cinq étapes à travers la bibliothèque.";
        let d: i64 = sqlx::query_scalar(
            "INSERT INTO dossiers (title, introduction, introduction_html, status, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, 'published', NULL, $4, $4) RETURNING id",
        )
        .bind(&title)
        .bind(intro)
        .bind(format!("<p>{intro}</p>"))
        .bind(t)
        .fetch_one(&mut *tx)
        .await?;
        for (pos, r) in chunk.iter().take(5).enumerate() {
            sqlx::query(
                "INSERT INTO dossier_items (dossier_id, position, item_kind, item_id, note) VALUES ($1, $2, 'resource', $3, $4)",
            )
            .bind(d)
            .bind(pos as i64 + 1)
            .bind(r)
            .bind(format!("Étape {} du parcours.", pos + 1))
            .execute(&mut *tx)
            .await?;
        }
        dossiers += 1;
    }
    tx.commit().await?;
    Ok((terms.len() as i64, resources.len() as i64, dossiers))
}

async fn insert_term(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    fr: &str,
    en: &str,
    alt: &[String],
    t: i64,
) -> Result<i64, sqlx::Error> {
    let slug: String = crate::communities::slugify(fr).chars().take(80).collect();
    let slug = slug.trim_end_matches('-').to_string();
    let definition = format!("Terme de démonstration : {}.", fr.to_lowercase());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO lexicon_terms (slug, pref_fr, pref_en, alt_labels, label_keys, definition_fr, definition_en, \
         sectors, sources, status, proposed_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, '', '', 'Passerelles (démo)', 'accepted', NULL, $7, $7) RETURNING id",
    )
    .bind(&slug)
    .bind(fr)
    .bind(en)
    .bind(alt.join("\n"))
    .bind(crate::lexicon::label_keys(fr, en, alt))
    .bind(definition)
    .bind(t)
    .fetch_one(&mut **tx)
    .await?;
    // The first revision: the term as stored, as `lexicon::ops` writes it.
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM lexicon_terms t WHERE t.id = $1",
        crate::lexicon::COLUMNS
    )))
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    let term = crate::lexicon::Term::from_row(&row)?;
    let snapshot = serde_json::to_string(&term).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "INSERT INTO lexicon_revisions (term_id, snapshot, note, author_id, created_at) VALUES ($1, $2, 'démo', NULL, $3)",
    )
    .bind(id)
    .bind(snapshot)
    .bind(t)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// Demo resources given a file, at most.
pub const FILES_MAX: i64 = 600;

/// Give each demo resource without a file (at most [`FILES_MAX`]) a
/// one-page PDF generated here, stored through `store` (content-addressed),
/// its text extracted by the same reader uploads use, and re-index those
/// resources; returns how many got one.
pub async fn seed_files(
    db: &Db,
    store: std::sync::Arc<dyn crate::library::storage::BlobStore>,
) -> anyhow::Result<i64> {
    use unicode_normalization::UnicodeNormalization;
    let rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(
        "SELECT r.id, r.title, r.description, r.deadline, r.kind FROM resources r \
         WHERE r.publisher = 'Passerelles (démo)' AND NOT EXISTS (SELECT 1 FROM resource_files f WHERE f.resource_id = r.id) \
         ORDER BY r.id LIMIT $1",
    )
    .bind(FILES_MAX)
    .fetch_all(&db.pool)
    .await?;
    let mut ready = Vec::with_capacity(rows.len());
    for (id, title, description, deadline, kind) in rows {
        // The sample PDF's font shows ASCII: accents are dropped.
        let plain: String = format!(
            "{title}. {description} Document {kind} de demonstration, cooperative, financement, territoire.{}",
            if deadline.is_empty() {
                String::new()
            } else {
                format!(" Date limite : {deadline}.")
            }
        )
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect();
        let bytes = crate::library::pdftext::sample_pdf(&plain);
        let text = crate::library::pdftext::extract(&bytes);
        let (sha, size) = crate::library::files::put_blob(store.clone(), bytes).await?;
        ready.push((id, sha, size, text));
    }
    let mut tx = db.begin().await?;
    for (id, sha, size, text) in &ready {
        crate::library::files::insert_in(
            &mut tx,
            *id,
            &format!("ressource-{id}.pdf"),
            "application/pdf",
            sha,
            *size,
            None,
            text.as_deref(),
        )
        .await?;
        crate::search::index_one(&mut tx, db.backend, crate::search::Source::Resources, *id)
            .await?;
    }
    tx.commit().await?;
    Ok(ready.len() as i64)
}
