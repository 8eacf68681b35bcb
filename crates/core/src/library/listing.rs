//! The library of a community or of the instance: filters (type, subject,
//! territory with roll-up, language, year, words in the metadata or the
//! text of its PDFs, funding still open), sorting, and facet counts over what the filters keep —
//! every row through `policy::visible_resources_sql`.

use sqlx::Row;

use super::{COLUMNS, Resource};
use crate::accounts::User;
use crate::db::Db;
use crate::organisations::sql::{Sql, Val};

pub const PAGE_SIZE: i64 = 30;

/// Which library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The instance library.
    Instance,
    /// A community's library (the caller checked the viewer may read it).
    Community(i64),
    /// Everything the viewer may see (API, exports).
    All,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub q: String,
    pub kind: String,
    /// A lexicon term's slug.
    pub subject: String,
    /// A territory's slug (resources covering it or a place below it).
    pub territory: String,
    pub language: String,
    pub year: Option<i64>,
    /// Funding programs whose deadline has not passed.
    pub open: bool,
    /// "deadline": closing soonest first; otherwise newest first.
    pub sort: String,
}

#[derive(Debug, Clone, Default)]
pub struct Facets {
    pub kinds: Vec<(String, i64)>,
    pub languages: Vec<(String, i64)>,
    pub years: Vec<(i64, i64)>,
    /// (slug, French label, English label, count)
    pub subjects: Vec<(String, String, String, i64)>,
    /// (slug, name, count)
    pub territories: Vec<(String, String, i64)>,
}

#[derive(Debug, Clone)]
pub struct Listing {
    pub items: Vec<Resource>,
    pub total: i64,
    pub page: i64,
    pub more: bool,
    pub facets: Facets,
}

/// `FROM resources r WHERE …` with the scope, the policy and the filters.
fn base(viewer: Option<&User>, scope: Scope, f: &Filter, now: i64) -> Sql {
    let mut s = Sql::new(" FROM resources r WHERE ");
    let p = s.viewer(viewer);
    s.push(&crate::policy::visible_resources_sql("r", viewer, p));
    match scope {
        Scope::Instance => s.push(" AND r.in_library = 1"),
        Scope::Community(id) => {
            let ph = s.bind(Val::I(id));
            // `r.id IN (…)`, not a correlated EXISTS: SQLite then starts
            // from the community's own rows instead of testing every
            // resource (as in `events::listing`).
            s.push(&format!(
                " AND r.id IN (SELECT sc.resource_id FROM resource_communities sc WHERE sc.community_id = {ph})"
            ));
        }
        Scope::All => {}
    }
    if !f.kind.is_empty() {
        let ph = s.bind(Val::S(f.kind.clone()));
        s.push(&format!(" AND r.kind = {ph}"));
    }
    if !f.language.is_empty() {
        let ph = s.bind(Val::S(f.language.clone()));
        s.push(&format!(" AND r.language = {ph}"));
    }
    if let Some(y) = f.year {
        let ph = s.bind(Val::I(y));
        s.push(&format!(" AND r.year = {ph}"));
    }
    if !f.q.is_empty() {
        let like = format!("%{}%", f.q.to_lowercase().replace(['%', '_'], ""));
        let ph = s.bind(Val::S(like));
        s.push(&format!(
            " AND (LOWER(r.title) LIKE {ph} OR LOWER(r.creators) LIKE {ph} OR LOWER(r.publisher) LIKE {ph} OR LOWER(r.description) LIKE {ph} \
             OR EXISTS (SELECT 1 FROM resource_files qf WHERE qf.resource_id = r.id AND LOWER(qf.text_content) LIKE {ph}))"
        ));
    }
    if !f.subject.is_empty() {
        let ph = s.bind(Val::S(f.subject.clone()));
        s.push(&format!(
            " AND r.id IN (SELECT fs.resource_id FROM resource_subjects fs JOIN lexicon_terms ft ON ft.id = fs.term_id \
             WHERE ft.slug = {ph} AND ft.status = 'accepted')"
        ));
    }
    if !f.territory.is_empty() {
        let ph = s.bind(Val::S(f.territory.clone()));
        s.push(&format!(
            " AND EXISTS (SELECT 1 FROM resource_territories ft JOIN territory_closure tc ON tc.descendant_id = ft.territory_id \
             JOIN territories ta ON ta.id = tc.ancestor_id WHERE ft.resource_id = r.id AND ta.slug = {ph})"
        ));
    }
    if f.open {
        let ph = s.bind(Val::I(now));
        s.push(&format!(
            " AND r.kind = 'funding' AND r.deadline_at IS NOT NULL AND r.deadline_at >= {ph}"
        ));
    }
    s
}

fn with(base: &Sql, head: &str, tail: &str) -> Sql {
    Sql {
        text: format!("{head}{}{tail}", base.text),
        binds: base.binds.clone(),
    }
}

/// Funding programs of `scope` the viewer may read whose deadline is still
/// ahead, closing soonest first, at most `n` (the "closing soon" box).
pub async fn closing_soon(
    db: &Db,
    viewer: Option<&User>,
    scope: Scope,
    n: i64,
) -> Result<Vec<Resource>, sqlx::Error> {
    let f = Filter {
        open: true,
        ..Filter::default()
    };
    let b = base(viewer, scope, &f, crate::db::now());
    with(
        &b,
        &format!("SELECT {COLUMNS}"),
        &format!(" ORDER BY r.deadline_at, r.id LIMIT {}", n.clamp(1, 50)),
    )
    .query()
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(Resource::from_row)
    .collect()
}

pub async fn list(
    db: &Db,
    viewer: Option<&User>,
    scope: Scope,
    f: &Filter,
    page: i64,
) -> Result<Listing, sqlx::Error> {
    list_sized(db, viewer, scope, f, page, PAGE_SIZE).await
}

pub async fn list_sized(
    db: &Db,
    viewer: Option<&User>,
    scope: Scope,
    f: &Filter,
    page: i64,
    size: i64,
) -> Result<Listing, sqlx::Error> {
    let page = page.max(1);
    let b = base(viewer, scope, f, crate::db::now());
    let order = if f.sort == "deadline" {
        " ORDER BY CASE WHEN r.deadline_at IS NULL THEN 1 ELSE 0 END, r.deadline_at, r.id DESC"
    } else if f.sort == "title" {
        " ORDER BY LOWER(r.title), r.id"
    } else {
        " ORDER BY r.created_at DESC, r.id DESC"
    };
    let q = with(
        &b,
        &format!("SELECT {COLUMNS}"),
        &format!("{order} LIMIT {} OFFSET {}", size + 1, (page - 1) * size),
    );
    let rows = q.query().fetch_all(&db.pool).await?;
    let mut items = rows
        .iter()
        .map(Resource::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let more = items.len() as i64 > size;
    items.truncate(size as usize);
    // The total and the kind, language and year facets from one grouped
    // statement (the combinations are few), summed here.
    let mut total = 0i64;
    let mut kinds: std::collections::BTreeMap<String, i64> = Default::default();
    let mut languages: std::collections::BTreeMap<String, i64> = Default::default();
    let mut years: std::collections::BTreeMap<i64, i64> = Default::default();
    for r in with(
        &b,
        "SELECT r.kind AS k, r.language AS l, r.year AS y, COUNT(*) AS n",
        " GROUP BY r.kind, r.language, r.year",
    )
    .query()
    .fetch_all(&db.pool)
    .await?
    {
        let n: i64 = r.try_get("n")?;
        total += n;
        *kinds.entry(r.try_get("k")?).or_default() += n;
        let l: String = r.try_get("l")?;
        if !l.is_empty() {
            *languages.entry(l).or_default() += n;
        }
        if let Some(y) = r.try_get::<Option<i64>, _>("y")? {
            *years.entry(y).or_default() += n;
        }
    }
    let by_count = |m: std::collections::BTreeMap<String, i64>| {
        let mut v: Vec<(String, i64)> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    };
    let mut facets = Facets {
        kinds: by_count(kinds),
        languages: by_count(languages),
        years: years.into_iter().rev().take(30).collect(),
        ..Facets::default()
    };
    let ids = with(&b, "SELECT r.id", "");
    let sub = Sql {
        text: format!(
            "SELECT t.slug, t.pref_fr, t.pref_en, COUNT(*) AS n FROM resource_subjects rs JOIN lexicon_terms t ON t.id = rs.term_id \
             WHERE t.status = 'accepted' AND rs.resource_id IN ({}) GROUP BY t.slug, t.pref_fr, t.pref_en ORDER BY n DESC, t.pref_fr LIMIT 30",
            ids.text
        ),
        binds: ids.binds.clone(),
    };
    for r in sub.query().fetch_all(&db.pool).await? {
        facets.subjects.push((
            r.try_get("slug")?,
            r.try_get("pref_fr")?,
            r.try_get("pref_en")?,
            r.try_get("n")?,
        ));
    }
    let ter = Sql {
        text: format!(
            "SELECT t.slug, t.name, COUNT(*) AS n FROM resource_territories rt JOIN territories t ON t.id = rt.territory_id \
             WHERE rt.resource_id IN ({}) GROUP BY t.slug, t.name ORDER BY n DESC, t.name LIMIT 30",
            ids.text
        ),
        binds: ids.binds,
    };
    for r in ter.query().fetch_all(&db.pool).await? {
        facets
            .territories
            .push((r.try_get("slug")?, r.try_get("name")?, r.try_get("n")?));
    }
    Ok(Listing {
        items,
        total,
        page,
        more,
        facets,
    })
}
